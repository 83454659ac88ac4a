package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskbridge/deskbridge/store"
)

// leaseOK takes key's lease for holder and fails the test on an error.
func (s *suite) leaseOK(key, holder string, ttl time.Duration) store.Lease {
	s.t.Helper()
	l, err := s.s.Lease(s.ctx, key, holder, ttl)
	if err != nil {
		s.t.Fatalf("Lease(%q, %q): %v", key, holder, err)
	}
	return l
}

func (s *suite) release(key, holder, value string, ttl time.Duration) bool {
	s.t.Helper()
	ok, err := s.s.Release(s.ctx, key, holder, value, ttl)
	if err != nil {
		s.t.Fatalf("Release(%q, %q): %v", key, holder, err)
	}
	return ok
}

func (s *suite) endLease(key, holder string) bool {
	s.t.Helper()
	ok, err := s.s.EndLease(s.ctx, key, holder)
	if err != nil {
		s.t.Fatalf("EndLease(%q, %q): %v", key, holder, err)
	}
	return ok
}

// wantLease checks what Lease returned; Wait is checked only for a lease
// not held: 0 < Wait <= ttl.
func (s *suite) wantLease(got store.Lease, value string, found, held, abandoned bool, ttl time.Duration, why string) {
	s.t.Helper()
	if got.Value != value || got.Found != found || got.Held != held || got.Abandoned != abandoned {
		s.t.Errorf("%s: Lease = {Value %s, Found %v, Held %v, Abandoned %v}; want {Value %s, Found %v, Held %v, Abandoned %v}",
			why, short(got.Value), got.Found, got.Held, got.Abandoned, short(value), found, held, abandoned)
	}
	switch {
	case held && got.Wait != 0:
		s.t.Errorf("%s: a lease taken has Wait %v, want 0", why, got.Wait)
	case !held && (got.Wait <= 0 || got.Wait > ttl):
		s.t.Errorf("%s: a lease not taken has Wait %v, want it in (0, %v]: the time left of the live lease", why, got.Wait, ttl)
	}
}

// A lease on an absent key: found nothing, held. The lease is beside the
// key, not in it: Get sees no value, and keys alike but not equal are
// not leased.
func (s *suite) testLeaseAbsent() {
	k := s.key("agent")
	s.wantLease(s.leaseOK(k, "replica-a", Long), "", false, true, false, Long, "Lease of an absent key")
	s.want(k, "", false, "a lease writes no value")
	for _, other := range []string{k + ":x", k[:len(k)-1], k + ":lease", k + "}:lease"} {
		s.wantLease(s.leaseOK(other, "replica-b", Long), "", false, true, false, Long, fmt.Sprintf("Lease of %q beside a leased %q", other, k))
	}
	// The other operations neither see nor end the lease.
	s.set(k, "one", Long)
	s.want(k, "one", true, "Set of a leased key")
	s.del(k)
	s.wantLease(s.leaseOK(k, "replica-b", Long), "", false, false, false, Long, "Lease by another after Set and Delete of the key")
	if !s.release(k, "replica-a", "two", Long) {
		s.t.Error("Release by the holder after Set and Delete of the key = false: other operations must not end the lease")
	}
}

// Lease reads the value as Get does, whoever wrote it.
func (s *suite) testLeaseSeesValue() {
	for _, c := range []struct{ via, value string }{{"Set", "away"}, {"Add", "claim"}, {"SetIfNewer", "busy"}, {"empty", ""}, {"colon", "0:1:x"}} {
		k := s.key(c.via)
		switch c.via {
		case "Add":
			s.add(k, c.value, Long)
		case "SetIfNewer":
			s.setIfNewerOK(k, 1765000000000000000, c.value, Long)
		default:
			s.set(k, c.value, Long)
		}
		s.wantLease(s.leaseOK(k, "replica-a", Long), c.value, true, true, false, Long, "Lease of a key written by "+c.via)
		s.wantLease(s.leaseOK(k, "replica-b", Long), c.value, true, false, false, Long, "a refused Lease of a key written by "+c.via)
	}
	// A value that expired is absent to Lease too.
	x := s.key("expired")
	s.set(x, "gone", Short)
	sleepPast(time.Now(), Short)
	s.wantLease(s.leaseOK(x, "replica-a", Long), "", false, true, false, Long, "Lease of an expired key")
}

// Another holder's live lease is not taken: the caller gets the value and
// the time left; the refusal changes nothing.
func (s *suite) testLeaseHeld() {
	k := s.key("agent")
	s.set(k, "available", Long)
	s.leaseOK(k, "replica-a", Long)
	for range 2 {
		s.wantLease(s.leaseOK(k, "replica-b", Long), "available", true, false, false, Long, "Lease by B of a key A holds")
	}
	// B's refusals left A's lease as it was, and wrote nothing.
	s.want(k, "available", true, "refused Leases write nothing")
	if s.release(k, "replica-b", "b's", Long) {
		s.t.Error("Release by B, whose Lease was refused = true")
	}
	if !s.release(k, "replica-a", "away", Long) {
		s.t.Error("Release by A after B's refused Leases = false")
	}
	s.want(k, "away", true, "after A's Release")
}

// The holder takes its lease again: a renewal, not an abandonment, which
// sets the lease's end anew (here longer). The renewal must come before
// the short TTL ends; on a machine too busy for that, the subtest tries
// again with a longer TTL.
func (s *suite) testLeaseRenew() {
	ttls := []time.Duration{Short, 4 * Short, 20 * Short}
	for try, ttl := range ttls {
		k := s.key(fmt.Sprint("agent", try))
		start := time.Now()
		first := s.leaseOK(k, "replica-a", ttl)
		took := time.Now()
		again := s.leaseOK(k, "replica-a", Long)
		if time.Since(start) >= ttl {
			continue // too slow to tell: the first lease may have ended
		}
		s.wantLease(first, "", false, true, false, ttl, "the first Lease")
		s.wantLease(again, "", false, true, false, Long, "Lease by its holder again")
		sleepPast(took, ttl)
		s.wantLease(s.leaseOK(k, "replica-b", Long), "", false, false, false, Long, "Lease by B after the first TTL of A's renewed lease")
		return
	}
	s.t.Skipf("the store took longer than each TTL tried (%v) to take a lease twice, so a renewal cannot be told from a new lease; "+
		"rerun this subtest alone on a less loaded machine: go test -p 1 -run '%s'", ttls, runPattern(s.t.Name()))
}

// Release writes the value (as Set: version 0) and ends the lease: the
// next Lease is taken, and reports nothing abandoned.
func (s *suite) testRelease() {
	k := s.key("agent")
	s.setIfNewerOK(k, 50, "available", Long)
	s.leaseOK(k, "replica-a", Long)
	if !s.release(k, "replica-a", "away", Long) {
		s.t.Fatal("Release by the holder = false")
	}
	s.want(k, "away", true, "after Release")
	if s.release(k, "replica-a", "again", Long) || s.endLease(k, "replica-a") {
		s.t.Error("a second Release (of another value) or EndLease of a released lease = true")
	}
	s.want(k, "away", true, "a second Release writes nothing")
	s.wantLease(s.leaseOK(k, "replica-b", Long), "away", true, true, false, Long, "Lease after A's Release")
	if !s.release(k, "replica-b", "", Long) {
		s.t.Error(`Release of "" by the holder = false`)
	}
	s.want(k, "", true, `after Release of "" (an empty value is a value)`)
	if !s.setIfNewerOK(k, 1, "one", Long) {
		s.t.Error("SetIfNewer(1) after Release over version 50 = false: Release writes version 0, as Set")
	}
	// Release sets the value's TTL.
	e := s.key("expiring")
	s.leaseOK(e, "replica-a", Long)
	s.release(e, "replica-a", "short", Short)
	sleepPast(time.Now(), Short)
	s.want(e, "", false, "after the TTL given to Release")
}

// EndLease ends the lease without writing.
func (s *suite) testEndLease() {
	k := s.key("agent")
	s.set(k, "available", Long)
	s.leaseOK(k, "replica-a", Long)
	if !s.endLease(k, "replica-a") {
		s.t.Fatal("EndLease by the holder = false")
	}
	s.want(k, "available", true, "EndLease writes nothing")
	if s.endLease(k, "replica-a") || s.release(k, "replica-a", "late", Long) {
		s.t.Error("EndLease or Release after EndLease = true")
	}
	s.want(k, "available", true, "a Release after EndLease writes nothing")
	s.wantLease(s.leaseOK(k, "replica-b", Long), "available", true, true, false, Long, "Lease after A's EndLease")
}

// Release and EndLease by one who does not hold the lease: false, and
// nothing written or ended.
func (s *suite) testLeaseNotHolder() {
	k := s.key("agent")
	s.set(k, "available", Long)
	for _, who := range []string{"replica-b", "replica-a ", "REPLICA-A", "replica-"} {
		if s.release(k, who, "x", Long) || s.endLease(k, who) {
			s.t.Errorf("Release or EndLease by %q of a key nobody leased = true", who)
		}
	}
	s.leaseOK(k, "replica-a", Long)
	for _, who := range []string{"replica-b", "replica-a ", "REPLICA-A", "replica-"} {
		if s.release(k, who, "x", Long) {
			s.t.Errorf("Release by %q of a lease held by \"replica-a\" = true", who)
		}
		if s.endLease(k, who) {
			s.t.Errorf("EndLease by %q of a lease held by \"replica-a\" = true", who)
		}
	}
	s.want(k, "available", true, "Releases by others write nothing")
	s.wantLease(s.leaseOK(k, "replica-c", Long), "available", true, false, false, Long, "Lease by C after others' Release and EndLease")
	if !s.release(k, "replica-a", "away", Long) {
		s.t.Error("Release by the holder after others' = false")
	}
}

// withEndedLease takes a lease of ttl on a fresh key for "replica-a",
// waits past its end, and runs fn, which returns what it found wrong. The
// findings count only when fn returned while the lease's mark is surely
// kept (within store.MarkTTL of the lease); else it tries again with a
// longer TTL, and skips the subtest when none was enough.
func (s *suite) withEndedLease(name string, fn func(k string) []string) {
	s.t.Helper()
	ttls := []time.Duration{2 * Short, 8 * Short, 40 * Short}
	for try, ttl := range ttls {
		k := s.key(fmt.Sprint(name, try))
		s.set(k, "available", Long)
		start := time.Now()
		if l := s.leaseOK(k, "replica-a", ttl); !l.Held {
			s.t.Fatal("Lease of a fresh key was not taken")
		}
		sleepPast(time.Now(), ttl)
		problems := fn(k)
		if time.Since(start) >= store.MarkTTL(ttl) {
			continue // the mark may have gone: try a longer TTL
		}
		for _, p := range problems {
			s.t.Error(p)
		}
		return
	}
	s.t.Skipf("the store took longer than the lease's TTL again (tried %v) to take a lease and run the checks after it ended; "+
		"rerun this subtest alone on a less loaded machine: go test -p 1 -run '%s'", ttls, runPattern(s.t.Name()))
}

// A lease ends by its TTL, never released: the next holder takes it and is
// told it was abandoned; the old holder's late Release then writes
// nothing, and its EndLease ends nothing.
func (s *suite) testLeaseAbandoned() {
	s.withEndedLease("agent", func(k string) []string {
		var p []string
		l := s.leaseOK(k, "replica-b", Long)
		if !l.Held || !l.Abandoned || l.Value != "available" || !l.Found {
			p = append(p, fmt.Sprintf("Lease by B after A's lease ended unreleased = %+v; want Held and Abandoned, with the value", l))
		}
		if s.release(k, "replica-a", "late", Long) {
			p = append(p, "A's late Release after B took the key = true: A wrote over what B decided on")
		}
		if s.endLease(k, "replica-a") {
			p = append(p, "A's late EndLease after B took the key = true: it ended B's lease")
		}
		if v, _ := s.get(k); v != "available" {
			p = append(p, fmt.Sprintf("after A's late Release the key holds %s, want \"available\": nothing written", short(v)))
		}
		if l := s.leaseOK(k, "replica-c", Long); l.Held {
			p = append(p, "C took the key while B holds it, after A's late Release and EndLease")
		}
		if !s.release(k, "replica-b", "away", Long) {
			p = append(p, "B's Release = false")
		}
		return p
	})
	// The holder taking its own lease again after it ended is told too.
	s.withEndedLease("self", func(k string) []string {
		if l := s.leaseOK(k, "replica-a", Long); !l.Held || !l.Abandoned {
			return []string{fmt.Sprintf("Lease by A of its own lease that ended unreleased = %+v; want Held and Abandoned", l)}
		}
		return nil
	})
}

// A lease that ended with nobody taking the key since is still its
// holder's to release (or end); the next Lease then finds nothing
// abandoned. The mark of a lease ended unreleased is dropped another TTL
// later (store.MarkTTL), so that marks do not pile up.
func (s *suite) testLeaseEndedNobodyTook() {
	s.withEndedLease("release", func(k string) []string {
		var p []string
		if !s.release(k, "replica-a", "away", Long) {
			p = append(p, "Release by A of its ended lease, nobody having taken the key = false")
		}
		if v, _ := s.get(k); v != "away" {
			p = append(p, fmt.Sprintf("after that Release the key holds %s, want \"away\"", short(v)))
		}
		if l := s.leaseOK(k, "replica-b", Long); !l.Held || l.Abandoned {
			p = append(p, fmt.Sprintf("Lease after the late Release = %+v; want Held, not Abandoned", l))
		}
		return p
	})
	s.withEndedLease("end", func(k string) []string {
		var p []string
		if !s.endLease(k, "replica-a") {
			p = append(p, "EndLease by A of its ended lease, nobody having taken the key = false")
		}
		if l := s.leaseOK(k, "replica-b", Long); !l.Held || l.Abandoned {
			p = append(p, fmt.Sprintf("Lease after the late EndLease = %+v; want Held, not Abandoned", l))
		}
		return p
	})
	k := s.key("dropped")
	s.leaseOK(k, "replica-a", Short)
	sleepPast(time.Now(), store.MarkTTL(Short))
	if s.release(k, "replica-a", "late", Long) {
		s.t.Errorf("Release after store.MarkTTL(%v) = true: the mark of an ended lease must be dropped then", Short)
	}
	s.want(k, "", false, "a Release after the mark was dropped writes nothing")
}

// A client retries a Lease whose answer was lost (the first was applied):
// the retry is a renewal, and reports what the first take reported, so
// that the caller still learns the lease it took had been abandoned. A
// lease taken fresh reports nothing abandoned when renewed.
func (s *suite) testLeaseRetried() {
	s.withEndedLease("agent", func(k string) []string {
		var p []string
		for _, why := range []string{"Lease by B after A's lease ended unreleased", "B's Lease again (a retry whose answer was lost)"} {
			if l := s.leaseOK(k, "replica-b", Long); !l.Held || !l.Abandoned || l.Value != "available" {
				p = append(p, fmt.Sprintf("%s = %+v; want Held and Abandoned, with the value: a renewal reports what the first take reported", why, l))
			}
		}
		if !s.release(k, "replica-b", "away", Long) {
			p = append(p, "B's Release after its renewal = false")
		}
		return p
	})
	k := s.key("fresh")
	for _, why := range []string{"Lease of a fresh key", "its renewal"} {
		if l := s.leaseOK(k, "replica-a", Long); !l.Held || l.Abandoned {
			s.t.Errorf("%s = %+v; want Held, not Abandoned", why, l)
		}
	}
	if !s.release(k, "replica-a", "away", Long) {
		s.t.Error("Release after the renewal of a fresh lease = false")
	}
	if l := s.leaseOK(k, "replica-b", Long); !l.Held || l.Abandoned {
		s.t.Errorf("Lease after that Release = %+v; want Held, not Abandoned", l)
	}
}

// A client retries a Release whose answer was lost (the first was
// applied: value written, lease ended): the retry finds no lease and the
// value it writes, and reports true, writing nothing. A Release of
// another value, or once another holder took the key, still reports false
// and writes nothing.
func (s *suite) testReleaseRetried() {
	k := s.key("agent")
	s.set(k, "available", Long)
	s.leaseOK(k, "replica-a", Long)
	for _, why := range []string{"Release by the holder", "its retry (the first applied, its answer lost)"} {
		if !s.release(k, "replica-a", "away", Long) {
			s.t.Errorf("%s = false; want true: the key holds the value and the lease is over", why)
		}
	}
	s.want(k, "away", true, "after a Release and its retry")
	if s.release(k, "replica-a", "other", Long) {
		s.t.Error("Release of another value after the lease was released = true")
	}
	s.want(k, "away", true, "a Release of another value with no lease writes nothing")
	s.wantLease(s.leaseOK(k, "replica-b", Long), "away", true, true, false, Long, "Lease by B after A's Release and its retry")
	if s.release(k, "replica-a", "away", Long) {
		s.t.Error("A's retried Release while B holds the key = true")
	}
	if !s.release(k, "replica-b", "busy", Long) {
		s.t.Fatal("B's Release = false")
	}
	if s.release(k, "replica-a", "away", Long) {
		s.t.Error("A's retried Release after B wrote = true")
	}
	s.want(k, "busy", true, "A's late retry after B's Release writes nothing")
	// A retry of a Release of "" finds "" written.
	e := s.key("empty")
	s.leaseOK(e, "replica-a", Long)
	for _, why := range []string{`Release of ""`, "its retry"} {
		if !s.release(e, "replica-a", "", Long) {
			s.t.Errorf("%s = false", why)
		}
	}
	// The retry compares the value as Set wrote it: a SetIfNewer's value
	// of the same text is another write.
	v := s.key("versioned")
	s.setIfNewerOK(v, 7, "away", Long)
	if s.release(v, "replica-a", "away", Long) {
		s.t.Error("Release with no lease of a key SetIfNewer wrote with the same value = true: the key holds another version")
	}
	// EndLease ends nothing twice: its retry reports false.
	n := s.key("end")
	s.leaseOK(n, "replica-a", Long)
	if !s.endLease(n, "replica-a") || s.endLease(n, "replica-a") {
		s.t.Error("EndLease and its retry: want true, then false")
	}
}

func (s *suite) testLeaseInvalid() {
	k := s.key("k")
	s.set(k, "kept", Long)
	n := k + ":new"
	checks := []struct {
		name string
		err  func() error
	}{
		{"Lease with an empty key", func() error { _, err := s.s.Lease(s.ctx, "", "h", Long); return err }},
		{"Lease with an empty holder", func() error { _, err := s.s.Lease(s.ctx, k, "", Long); return err }},
		{"Lease with TTL 0", func() error { _, err := s.s.Lease(s.ctx, k, "h", 0); return err }},
		{"Lease with a negative TTL", func() error { _, err := s.s.Lease(s.ctx, k, "h", -time.Second); return err }},
		{"Lease with a TTL over MaxTTL", func() error { _, err := s.s.Lease(s.ctx, k, "h", store.MaxTTL+time.Millisecond); return err }},
		{"Release with an empty key", func() error { _, err := s.s.Release(s.ctx, "", "h", "v", Long); return err }},
		{"Release with an empty holder", func() error { _, err := s.s.Release(s.ctx, k, "", "v", Long); return err }},
		{"Release with TTL 0", func() error { _, err := s.s.Release(s.ctx, n, "h", "v", 0); return err }},
		{"Release with a TTL over MaxTTL", func() error { _, err := s.s.Release(s.ctx, n, "h", "v", store.MaxTTL+1); return err }},
		{"EndLease with an empty key", func() error { _, err := s.s.EndLease(s.ctx, "", "h"); return err }},
		{"EndLease with an empty holder", func() error { _, err := s.s.EndLease(s.ctx, k, ""); return err }},
	}
	for _, c := range checks {
		if err := c.err(); !errors.Is(err, store.ErrInvalid) {
			s.t.Errorf("%s: err = %v, want one matching store.ErrInvalid", c.name, err)
		}
	}
	// A refused Release is refused even to the holder, and writes nothing.
	s.leaseOK(n, "h", Long)
	if _, err := s.s.Release(s.ctx, n, "h", "v", -1); !errors.Is(err, store.ErrInvalid) {
		s.t.Errorf("Release by the holder with a negative TTL: err = %v, want store.ErrInvalid", err)
	}
	s.want(n, "", false, "a refused Release writes nothing")
	s.want(k, "kept", true, "refused lease operations leave the value")
	// No refused Lease took the lease: another holder takes it.
	s.wantLease(s.leaseOK(k, "other", Long), "kept", true, true, false, Long, "Lease after refused Leases")
	if !s.release(n, "h", "v", Long) {
		s.t.Error("Release by the holder after its refused Release = false: a refused Release must not end the lease")
	}
}

func (s *suite) testLeaseCancelled() {
	k := s.key("k")
	s.set(k, "kept", Long)
	s.leaseOK(k, "replica-a", Long)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := k + ":new"
	checks := []struct {
		name string
		err  func() error
	}{
		{"Lease", func() error { _, err := s.s.Lease(ctx, n, "replica-a", Long); return err }},
		{"Release", func() error { _, err := s.s.Release(ctx, k, "replica-a", "v", Long); return err }},
		{"EndLease", func() error { _, err := s.s.EndLease(ctx, k, "replica-a"); return err }},
	}
	for _, c := range checks {
		if err := c.err(); !errors.Is(err, context.Canceled) {
			s.t.Errorf("%s with a cancelled context: err = %v, want one matching context.Canceled", c.name, err)
		}
	}
	s.want(k, "kept", true, "a Release with a cancelled context writes nothing")
	s.wantLease(s.leaseOK(n, "replica-b", Long), "", false, true, false, Long, "Lease after one with a cancelled context")
	s.wantLease(s.leaseOK(k, "replica-b", Long), "kept", true, false, false, Long, "Lease by B after A's cancelled Release and EndLease")
}

// leaseWait bounds how long a replica of the concurrent lease subtest
// waits for the lease, which each holder releases at once. A store that
// keeps a released lease is mostly caught sooner, by leaseTracker.
const leaseWait = 5 * time.Second

// leaseTracker catches a lease refused when none can be live: no replica
// was inside a Lease call or holding the lease when the refused call
// began, and no other began a Lease call before it returned. In a store
// that ends a lease by Release, a lease is live only from within its
// holder's Lease call to within its Release call, so such a refusal
// means a released lease was kept; the subtest then fails at once instead
// of waiting leaseWait.
type leaseTracker struct {
	mu    sync.Mutex
	busy  int // replicas inside a Lease call or holding the lease
	calls int // Lease calls begun
}

// begin is called before a Lease call. It returns whether no replica was
// busy, and the count of calls begun with this one.
func (t *leaseTracker) begin() (idle bool, call int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	idle = t.busy == 0
	t.busy++
	t.calls++
	return idle, t.calls
}

// refused is called after a refused Lease call, with what begin returned;
// it reports whether no lease could have been live.
func (t *leaseTracker) refused(idle bool, call int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.busy--
	return idle && t.calls == call
}

// released is called once the Release of a lease held returned. A replica
// that stops on an error stays busy, so no refusal is blamed on it.
func (t *leaseTracker) released() { t.mu.Lock(); t.busy--; t.mu.Unlock() }

// Replicas take turns on one counter: each takes the lease (waiting while
// another holds it), reads the counter from what Lease returned, and
// releases it with the counter plus one. With mutual exclusion and the
// value read in the same step as the lease, no increment is lost.
func (s *suite) testLeaseConcurrent() {
	const workers, rounds = concurrency / 4, 10
	k := s.key("counter")
	var (
		wg       sync.WaitGroup
		holders  atomicCount
		overlaps atomicCount
		tracker  leaseTracker
		stop     atomic.Bool // a replica found the lease kept: all stop
		errs     errList
		mu       sync.Mutex
		failures []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	start := make(chan struct{})
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for r := range rounds {
				me := fmt.Sprintf("replica-%d-%d", i, r)
				var l store.Lease
				for deadline := time.Now().Add(leaseWait); ; {
					if stop.Load() {
						return
					}
					idle, call := tracker.begin()
					var err error
					if l, err = s.s.Lease(s.ctx, k, me, Long); errs.add(err) {
						return
					}
					if l.Held {
						break
					}
					if tracker.refused(idle, call) {
						fail("%s: Lease refused (Wait %v) while no other replica was taking or holding the lease: a released lease is still live", me, l.Wait)
						stop.Store(true)
						return
					}
					if l.Wait <= 0 || l.Wait > Long {
						fail("%s: a refused Lease has Wait %v, want it in (0, %v]", me, l.Wait, Long)
					}
					if time.Now().After(deadline) {
						fail("%s: no lease within %v, though each holder releases at once", me, leaseWait)
						stop.Store(true)
						return
					}
					time.Sleep(100 * time.Microsecond)
				}
				if holders.inc() > 1 {
					overlaps.inc()
				}
				if l.Abandoned {
					fail("%s: Lease reported an abandoned lease, though every lease was released", me)
				}
				n := 0
				if l.Found {
					var err error
					if n, err = strconv.Atoi(l.Value); err != nil {
						fail("%s: the counter holds %s", me, short(l.Value))
					}
				}
				holders.dec()
				ok, err := s.s.Release(s.ctx, k, me, strconv.Itoa(n+1), Long)
				if errs.add(err) {
					return
				}
				tracker.released()
				if !ok {
					fail("%s: Release of its own live lease = false", me)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if err := errs.first(); err != nil {
		s.t.Fatalf("concurrent Lease and Release: %v", err)
	}
	if len(failures) > 0 {
		s.t.Fatalf("%d failures, first: %s", len(failures), strings.Join(failures[:min(3, len(failures))], "; "))
	}
	if overlaps.get() > 0 {
		s.t.Errorf("%d times two replicas held the lease at once", overlaps.get())
	}
	s.want(k, strconv.Itoa(workers*rounds), true, fmt.Sprintf("%d replicas × %d rounds of Lease, +1, Release: every increment kept", workers, rounds))
}
