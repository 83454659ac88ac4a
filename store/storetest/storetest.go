// Package storetest is the conformance suite of [store.Store]: what every
// implementation must do, checked by one call to [Run] from the
// implementation's own tests.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			return mystore.New(...)
//		})
//	}
//
// The suite checks every operation's semantics, the release of a claim by
// its owner only ([store.Store.DeleteIf]) when the lease ended and another
// claimed the key, the longest TTL ([store.MaxTTL]), expiry (with TTLs of tens
// of milliseconds: the suite takes well under a second of sleeping), the
// arguments refused with [store.ErrInvalid], the order of versions in
// [store.Store.SetIfNewer], atomicity under concurrency, keys and values
// that are not plain ASCII, large values, and an ended context.
//
// It checks leases ([store.Store.Lease], [store.Store.Release],
// [store.Store.EndLease]): the value read with the lease, another
// holder's live lease refused with the time left, a renewal by the
// holder, Release writing the value and ending the lease, EndLease ending
// it without writing, Release and EndLease refused to others, a lease
// ended by its TTL reported Abandoned to the next holder (whereupon the
// old holder's late Release writes nothing) and still its holder's to
// release while nobody took the key, the mark dropped after
// [store.MarkTTL], a client's retries whose first answer was lost (a
// renewal reports Abandoned as the first take did; a retried Release
// finds its value written and reports true), invalid arguments, an ended
// context, and mutual exclusion with no lost update under concurrency.
//
// It checks batches too, through [store.Do] (which runs
// [store.Batcher.Batch] when the store has it, else each op by its
// method): results equal to the single operations', the order of ops on
// one key, invalid ops refused alone, an ended context, and a claim raced
// through batches.
//
// Each subtest uses keys no other subtest or run uses, so newStore may
// return one backend shared by every subtest and by other tests (a Redis
// database, say); the suite never flushes or lists keys. The subtests run
// in parallel.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mathrand "math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/store"
)

// Short is the TTL the suite gives keys it waits to see expire; Long is the
// TTL of keys that must outlive a subtest.
const (
	Short = 50 * time.Millisecond
	Long  = time.Minute
)

// Run runs the conformance suite as subtests of t. newStore is called once
// per subtest; it may return a fresh store or one shared by all.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	nonce := hex.EncodeToString(b[:])
	for _, tc := range []struct {
		name string
		fn   func(*suite)
	}{
		{"GetAbsent", (*suite).testGetAbsent},
		{"SetGet", (*suite).testSetGet},
		{"Add", (*suite).testAdd},
		{"SetIfNewer", (*suite).testSetIfNewer},
		{"SetIfNewerExtremeVersions", (*suite).testSetIfNewerExtremes},
		{"VersionZero", (*suite).testVersionZero},
		{"Delete", (*suite).testDelete},
		{"DeleteIf", (*suite).testDeleteIf},
		{"DeleteIfAfterTheLeaseEnded", (*suite).testDeleteIfAfterLease},
		{"MaxTTL", (*suite).testMaxTTL},
		{"Expiry", (*suite).testExpiry},
		{"ExpiryRenewed", (*suite).testExpiryRenewed},
		{"Invalid", (*suite).testInvalid},
		{"ContextCancelled", (*suite).testCancelled},
		{"ConcurrentAdd", (*suite).testConcurrentAdd},
		{"ConcurrentSetIfNewer", (*suite).testConcurrentSetIfNewer},
		{"ConcurrentDeleteIf", (*suite).testConcurrentDeleteIf},
		{"ConcurrentClaimAndRelease", (*suite).testConcurrentClaimRelease},
		{"KeysAndValues", (*suite).testKeysAndValues},
		{"LargeValues", (*suite).testLargeValues},
		{"LeaseAbsent", (*suite).testLeaseAbsent},
		{"LeaseSeesValue", (*suite).testLeaseSeesValue},
		{"LeaseHeld", (*suite).testLeaseHeld},
		{"LeaseRenewed", (*suite).testLeaseRenew},
		{"Release", (*suite).testRelease},
		{"EndLease", (*suite).testEndLease},
		{"LeaseNotHolder", (*suite).testLeaseNotHolder},
		{"LeaseAbandoned", (*suite).testLeaseAbandoned},
		{"LeaseEndedNobodyTook", (*suite).testLeaseEndedNobodyTook},
		{"LeaseRetried", (*suite).testLeaseRetried},
		{"ReleaseRetried", (*suite).testReleaseRetried},
		{"LeaseInvalid", (*suite).testLeaseInvalid},
		{"LeaseContextCancelled", (*suite).testLeaseCancelled},
		{"ConcurrentLease", (*suite).testLeaseConcurrent},
		{"BatchLikeSingleOps", (*suite).testBatchLikeSingle},
		{"BatchOrderOnOneKey", (*suite).testBatchOrder},
		{"BatchInvalidOpsIsolated", (*suite).testBatchInvalid},
		{"BatchContextCancelled", (*suite).testBatchCancelled},
		{"BatchConcurrentClaim", (*suite).testBatchConcurrentClaim},
		{"BatchMany", (*suite).testBatchMany},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(&suite{t: t, s: newStore(t), ctx: context.Background(), nonce: nonce})
		})
	}
}

type suite struct {
	t     *testing.T
	s     store.Store
	ctx   context.Context
	nonce string
}

// key returns a key unique to this run and subtest.
func (s *suite) key(name string) string {
	return "storetest:" + s.nonce + ":" + s.t.Name() + ":" + name
}

func (s *suite) get(key string) (string, bool) {
	s.t.Helper()
	v, ok, err := s.s.Get(s.ctx, key)
	if err != nil {
		s.t.Fatalf("Get(%q): %v", key, err)
	}
	return v, ok
}

// want checks that key holds value (ok) or nothing (!ok).
func (s *suite) want(key, value string, ok bool, why string) {
	s.t.Helper()
	v, found := s.get(key)
	if found != ok || v != value {
		s.t.Errorf("%s: Get(%q) = %s, %v; want %s, %v", why, key, short(v), found, short(value), ok)
	}
}

func (s *suite) set(key, value string, ttl time.Duration) {
	s.t.Helper()
	if err := s.s.Set(s.ctx, key, value, ttl); err != nil {
		s.t.Fatalf("Set(%q): %v", key, err)
	}
}

func (s *suite) add(key, value string, ttl time.Duration) bool {
	s.t.Helper()
	added, err := s.s.Add(s.ctx, key, value, ttl)
	if err != nil {
		s.t.Fatalf("Add(%q): %v", key, err)
	}
	return added
}

func (s *suite) setIfNewerOK(key string, version int64, value string, ttl time.Duration) bool {
	s.t.Helper()
	stored, err := s.s.SetIfNewer(s.ctx, key, version, value, ttl)
	if err != nil {
		s.t.Fatalf("SetIfNewer(%q, %d): %v", key, version, err)
	}
	return stored
}

func (s *suite) del(key string) {
	s.t.Helper()
	if err := s.s.Delete(s.ctx, key); err != nil {
		s.t.Fatalf("Delete(%q): %v", key, err)
	}
}

// short quotes v, cut for a readable failure.
func short(v string) string {
	if len(v) > 60 {
		return fmt.Sprintf("%q… (%d bytes)", v[:60], len(v))
	}
	return fmt.Sprintf("%q", v)
}

func (s *suite) testGetAbsent() {
	s.want(s.key("never-written"), "", false, "a key never written")
}

func (s *suite) testSetGet() {
	k := s.key("k")
	s.set(k, "one", Long)
	s.want(k, "one", true, "after Set")
	s.set(k, "two", Long)
	s.want(k, "two", true, "after a second Set")
	s.set(k, "", Long)
	s.want(k, "", true, `after Set of "" (an empty value is a value)`)
	// Keys that share a prefix are distinct.
	s.want(k+":x", "", false, "a longer key sharing the prefix")
	s.want(k[:len(k)-1], "", false, "a shorter key sharing the prefix")
}

func (s *suite) testAdd() {
	k := s.key("claim")
	if !s.add(k, "replica-a", Long) {
		s.t.Fatal("Add of an absent key = false, want true")
	}
	if s.add(k, "replica-b", Long) {
		s.t.Error("Add of a held key = true, want false")
	}
	s.want(k, "replica-a", true, "a refused Add leaves the value")
	r := s.key("record")
	s.set(r, "done", Long)
	if s.add(r, "replica-b", Long) {
		s.t.Error("Add over a key written by Set = true, want false")
	}
	s.want(r, "done", true, "a refused Add over Set leaves the value")
	v := s.key("versioned")
	s.setIfNewerOK(v, 7, "seven", Long)
	if s.add(v, "replica-b", Long) {
		s.t.Error("Add over a key written by SetIfNewer = true, want false")
	}
	s.want(v, "seven", true, "a refused Add over SetIfNewer leaves the value")
}

func (s *suite) testSetIfNewer() {
	k := s.key("ordered")
	steps := []struct {
		version int64
		value   string
		stored  bool
		holds   string
	}{
		{5, "five", true, "five"},   // absent
		{3, "three", false, "five"}, // lower
		{5, "FIVE", false, "five"},  // equal is not newer
		{6, "six", true, "six"},     // higher
		{-1, "minus", false, "six"}, // negative is lower still
		{1 << 40, "big", true, "big"},
	}
	for _, st := range steps {
		if got := s.setIfNewerOK(k, st.version, st.value, Long); got != st.stored {
			s.t.Errorf("SetIfNewer(version %d) = %v, want %v", st.version, got, st.stored)
		}
		s.want(k, st.holds, true, fmt.Sprintf("after SetIfNewer(version %d)", st.version))
	}
	n := s.key("negative")
	if !s.setIfNewerOK(n, -10, "a", Long) || !s.setIfNewerOK(n, -9, "b", Long) || s.setIfNewerOK(n, -10, "c", Long) {
		s.t.Error("negative versions: want -10 stored on an absent key, -9 over it, -10 refused")
	}
	s.want(n, "b", true, "negative versions")
}

// Versions are int64s compared exactly: Unix nanoseconds one apart, the
// extremes of int64 (an implementation comparing in float64 fails here).
func (s *suite) testSetIfNewerExtremes() {
	k := s.key("ns")
	base := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC).UnixNano()
	if !s.setIfNewerOK(k, base, "a", Long) {
		s.t.Fatal("SetIfNewer on an absent key = false")
	}
	if !s.setIfNewerOK(k, base+1, "b", Long) {
		s.t.Error("SetIfNewer(base+1ns) over base = false: versions are not compared exactly")
	}
	if s.setIfNewerOK(k, base, "c", Long) {
		s.t.Error("SetIfNewer(base) over base+1ns = true: versions are not compared exactly")
	}
	s.want(k, "b", true, "Unix nanoseconds one apart")

	m := s.key("max")
	if !s.setIfNewerOK(m, math.MaxInt64-1, "a", Long) || !s.setIfNewerOK(m, math.MaxInt64, "b", Long) || s.setIfNewerOK(m, math.MaxInt64, "c", Long) {
		s.t.Error("want MaxInt64-1 stored, MaxInt64 over it, MaxInt64 again refused")
	}
	s.want(m, "b", true, "MaxInt64")
	n := s.key("min")
	if !s.setIfNewerOK(n, math.MinInt64, "a", Long) || !s.setIfNewerOK(n, math.MinInt64+1, "b", Long) || s.setIfNewerOK(n, math.MinInt64, "c", Long) {
		s.t.Error("want MinInt64 stored on an absent key, MinInt64+1 over it, MinInt64 refused")
	}
	s.want(n, "b", true, "MinInt64")
	// Magnitudes of different lengths: 9 < 10 though "9" > "10".
	d := s.key("digits")
	s.setIfNewerOK(d, 9, "nine", Long)
	if !s.setIfNewerOK(d, 10, "ten", Long) {
		s.t.Error("SetIfNewer(10) over 9 = false: versions compared as text")
	}
	if !s.setIfNewerOK(d, 100, "hundred", Long) || s.setIfNewerOK(d, 99, "x", Long) {
		s.t.Error("want 100 over 10 stored and 99 over 100 refused")
	}
	e := s.key("negdigits")
	s.setIfNewerOK(e, -10, "a", Long)
	if !s.setIfNewerOK(e, -9, "b", Long) || s.setIfNewerOK(e, -11, "c", Long) {
		s.t.Error("want -9 over -10 stored and -11 refused")
	}
}

// A key written by Set or Add holds version 0: any positive version
// replaces it, zero and negative versions do not; Set drops a version.
func (s *suite) testVersionZero() {
	for _, via := range []string{"Set", "Add"} {
		k := s.key(via)
		if via == "Set" {
			s.set(k, "plain", Long)
		} else {
			s.add(k, "claim", Long)
		}
		if s.setIfNewerOK(k, 0, "zero", Long) {
			s.t.Errorf("SetIfNewer(0) over a key written by %s = true; version 0 is not newer than 0", via)
		}
		if s.setIfNewerOK(k, -1, "neg", Long) {
			s.t.Errorf("SetIfNewer(-1) over a key written by %s = true", via)
		}
		if !s.setIfNewerOK(k, 1, "one", Long) {
			s.t.Errorf("SetIfNewer(1) over a key written by %s = false, want true", via)
		}
		s.want(k, "one", true, "after SetIfNewer(1) over "+via)
	}
	k := s.key("reset")
	s.setIfNewerOK(k, 100, "hundred", Long)
	s.set(k, "plain", Long)
	if !s.setIfNewerOK(k, 1, "one", Long) {
		s.t.Error("SetIfNewer(1) after Set over version 100 = false: Set must replace the version with 0")
	}
	s.want(k, "one", true, "Set resets the version")
}

func (s *suite) testDelete() {
	k := s.key("k")
	s.del(k) // absent: no error
	s.setIfNewerOK(k, 50, "v", Long)
	s.del(k)
	s.want(k, "", false, "after Delete")
	if !s.setIfNewerOK(k, 1, "low", Long) {
		s.t.Error("SetIfNewer(1) after Delete of version 50 = false: Delete must drop the version")
	}
	s.del(k)
	if !s.add(k, "claim", Long) {
		s.t.Error("Add after Delete = false")
	}
	s.del(k)
	s.del(k) // twice: no error
}

func (s *suite) deleteIf(key, value string) bool {
	s.t.Helper()
	deleted, err := s.s.DeleteIf(s.ctx, key, value)
	if err != nil {
		s.t.Fatalf("DeleteIf(%q, %s): %v", key, short(value), err)
	}
	return deleted
}

func (s *suite) testDeleteIf() {
	k := s.key("claim")
	if s.deleteIf(k, "token-a") {
		s.t.Error("DeleteIf of an absent key = true")
	}
	if s.deleteIf(k, "") {
		s.t.Error(`DeleteIf(absent, "") = true: an absent key holds nothing, not ""`)
	}
	s.add(k, "token-a", Long)
	for _, other := range []string{"token-b", "token-a ", "token-", "TOKEN-A", "", "0:token-a"} {
		if s.deleteIf(k, other) {
			s.t.Fatalf("DeleteIf(%s) of a key holding \"token-a\" = true: it must hold exactly the value", short(other))
		}
	}
	s.want(k, "token-a", true, "a refused DeleteIf leaves the value")
	if !s.deleteIf(k, "token-a") {
		s.t.Fatal("DeleteIf with the value held = false")
	}
	s.want(k, "", false, "after DeleteIf")
	if s.deleteIf(k, "token-a") {
		s.t.Error("a second DeleteIf = true")
	}
	if !s.add(k, "token-c", Long) {
		s.t.Error("Add after DeleteIf = false: DeleteIf must free the key")
	}

	// The version held by SetIfNewer is not compared, and is dropped.
	v := s.key("versioned")
	s.setIfNewerOK(v, 50, "seven", Long)
	if !s.deleteIf(v, "seven") {
		s.t.Error("DeleteIf of a key written by SetIfNewer, with its value = false")
	}
	if !s.setIfNewerOK(v, 1, "low", Long) {
		s.t.Error("SetIfNewer(1) after DeleteIf of version 50 = false: DeleteIf must drop the version")
	}
	// An empty value is a value; a key written by Set is matched too.
	e := s.key("empty")
	s.set(e, "", Long)
	if s.deleteIf(e, "x") || !s.deleteIf(e, "") {
		s.t.Error(`want DeleteIf(k, "x") refused and DeleteIf(k, "") done on a key holding ""`)
	}
}

// Replica A claims, its lease ends while it still works, and B claims the
// key. A's late release must leave B's claim, so that C cannot claim the
// key while B works. (A Delete would remove B's claim.)
func (s *suite) testDeleteIfAfterLease() {
	k := s.key("claim")
	start := time.Now()
	if !s.add(k, "replica-a", Short) {
		s.t.Fatal("A: Add of an absent key = false")
	}
	sleepPast(start, Short)
	if !s.add(k, "replica-b", Long) {
		s.t.Fatal("B: Add after A's lease ended = false")
	}
	if s.deleteIf(k, "replica-a") {
		s.t.Error("A's late DeleteIf after its lease ended and B claimed = true: it removed B's claim")
	}
	s.want(k, "replica-b", true, "B's claim after A's late release")
	if s.add(k, "replica-c", Long) {
		s.t.Error("C claimed the key while B holds it, after A's late release")
	}
	if !s.deleteIf(k, "replica-b") {
		s.t.Error("B's own DeleteIf = false")
	}
	// An expired key holds nothing: DeleteIf of its old value is false.
	x := s.key("expired")
	start = time.Now()
	s.add(x, "gone", Short)
	sleepPast(start, Short)
	if s.deleteIf(x, "gone") {
		s.t.Error("DeleteIf of an expired key with its old value = true; an expired key holds nothing")
	}
}

// The longest TTL is accepted and holds the key (an implementation that
// adds it to the time in nanoseconds or milliseconds must not overflow
// into the past); a longer one is refused.
func (s *suite) testMaxTTL() {
	k, a, v := s.key("set"), s.key("add"), s.key("ver")
	s.set(k, "v", store.MaxTTL)
	s.want(k, "v", true, "after Set with store.MaxTTL")
	if !s.add(a, "claim", store.MaxTTL) {
		s.t.Error("Add with store.MaxTTL = false")
	}
	s.want(a, "claim", true, "after Add with store.MaxTTL")
	if !s.setIfNewerOK(v, 1, "one", store.MaxTTL) {
		s.t.Error("SetIfNewer with store.MaxTTL = false")
	}
	s.want(v, "one", true, "after SetIfNewer with store.MaxTTL")
	for _, ttl := range []time.Duration{store.MaxTTL + time.Nanosecond, store.MaxTTL + time.Millisecond, math.MaxInt64} {
		err := s.s.Set(s.ctx, k, "longer", ttl)
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "MaxTTL") {
			s.t.Errorf("Set with TTL %v: err = %v, want one matching store.ErrInvalid that names MaxTTL", ttl, err)
		}
		if _, err := s.s.Add(s.ctx, k+":new", "v", ttl); !errors.Is(err, store.ErrInvalid) {
			s.t.Errorf("Add with TTL %v: err = %v, want store.ErrInvalid", ttl, err)
		}
		if _, err := s.s.SetIfNewer(s.ctx, k, 99, "v", ttl); !errors.Is(err, store.ErrInvalid) {
			s.t.Errorf("SetIfNewer with TTL %v: err = %v, want store.ErrInvalid", ttl, err)
		}
	}
	s.want(k, "v", true, "refused writes leave the value")
	s.want(k+":new", "", false, "a refused Add writes nothing")
	s.del(k)
	s.del(a)
	s.del(v)
}

// sleepPast waits until ttl has passed since a write that returned at
// wrote, with a margin for millisecond rounding.
func sleepPast(wrote time.Time, ttl time.Duration) {
	time.Sleep(time.Until(wrote.Add(ttl + 15*time.Millisecond)))
}

// The key is held until its TTL (checked only while the TTL surely has
// not passed, so a slow machine does not fail it), and absent after it to
// every operation.
func (s *suite) testExpiry() {
	set, add, ver := s.key("set"), s.key("add"), s.key("ver")
	start := time.Now()
	s.set(set, "v", Short)
	if !s.add(add, "claim", Short) {
		s.t.Fatal("Add of an absent key = false")
	}
	if !s.setIfNewerOK(ver, 1000, "v", Short) {
		s.t.Fatal("SetIfNewer on an absent key = false")
	}
	v, ok := s.get(set)
	if time.Since(start) < Short && (!ok || v != "v") {
		s.t.Errorf("Get before the TTL = %q, %v; want the value", v, ok)
	}
	sleepPast(time.Now(), Short)
	s.want(set, "", false, "Get after the TTL")
	if !s.add(add, "again", Long) {
		s.t.Error("Add after the lease ended = false, want true: the lease frees the key")
	}
	s.want(add, "again", true, "after Add over an expired claim")
	if !s.setIfNewerOK(ver, 1, "low", Long) {
		s.t.Error("SetIfNewer(1) over an expired version 1000 = false: an expired key holds no version")
	}
	s.want(ver, "low", true, "after SetIfNewer over an expired key")
}

// Every write sets the TTL anew, and a refused Add or SetIfNewer leaves it.
// The refusals must come before the short TTL ends; on a machine too busy
// for that, the subtest tries again with a longer TTL.
func (s *suite) testExpiryRenewed() {
	ttls := []time.Duration{Short, 4 * Short, 20 * Short}
	for try, ttl := range ttls {
		k, a, v := s.key(fmt.Sprint("renewed", try)), s.key(fmt.Sprint("claim", try)), s.key(fmt.Sprint("ver", try))
		start := time.Now()
		s.set(k, "short", ttl)
		s.set(k, "long", Long) // replaces the TTL too
		s.add(a, "claim", ttl)
		s.setIfNewerOK(v, 10, "ten", ttl)
		addedOver := s.add(a, "other", Long)
		storedOver := s.setIfNewerOK(v, 5, "five", Long)
		if time.Since(start) >= ttl {
			continue // too slow to tell: the short keys may have expired
		}
		if addedOver {
			s.t.Fatal("Add over a held claim = true")
		}
		if storedOver {
			s.t.Fatal("SetIfNewer(5) over 10 = true")
		}
		sleepPast(time.Now(), ttl)
		s.want(k, "long", true, "after Set with a long TTL over a short one")
		s.want(a, "", false, "a refused Add must not extend the lease")
		s.want(v, "", false, "a refused SetIfNewer must not extend the TTL")
		return
	}
	s.t.Skipf("the store took longer than each TTL tried (%v) to write three keys, so what a refused write does to a TTL cannot be told; "+
		"rerun this subtest alone on a less loaded machine: go test -p 1 -run '%s'", ttls, runPattern(s.t.Name()))
}

// runPattern is the go test -run pattern of the test named name alone:
// "TestX/Sub" gives "^TestX$/^Sub$".
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

func (s *suite) testInvalid() {
	k := s.key("k")
	s.set(k, "kept", Long)
	checks := []struct {
		name string
		err  func() error
	}{
		{"Get with an empty key", func() error { _, _, err := s.s.Get(s.ctx, ""); return err }},
		{"Set with an empty key", func() error { return s.s.Set(s.ctx, "", "v", Long) }},
		{"Add with an empty key", func() error { _, err := s.s.Add(s.ctx, "", "v", Long); return err }},
		{"SetIfNewer with an empty key", func() error { _, err := s.s.SetIfNewer(s.ctx, "", 1, "v", Long); return err }},
		{"Delete with an empty key", func() error { return s.s.Delete(s.ctx, "") }},
		{"DeleteIf with an empty key", func() error { _, err := s.s.DeleteIf(s.ctx, "", "v"); return err }},
		{"Set with TTL 0", func() error { return s.s.Set(s.ctx, k, "v", 0) }},
		{"Set with a negative TTL", func() error { return s.s.Set(s.ctx, k, "v", -time.Second) }},
		{"Add with TTL 0", func() error { _, err := s.s.Add(s.ctx, k+":new", "v", 0); return err }},
		{"Add with a negative TTL", func() error { _, err := s.s.Add(s.ctx, k+":new", "v", -1); return err }},
		{"SetIfNewer with TTL 0", func() error { _, err := s.s.SetIfNewer(s.ctx, k, 1, "v", 0); return err }},
		{"SetIfNewer with a negative TTL", func() error { _, err := s.s.SetIfNewer(s.ctx, k, 1, "v", -time.Hour); return err }},
	}
	for _, c := range checks {
		if err := c.err(); !errors.Is(err, store.ErrInvalid) {
			s.t.Errorf("%s: err = %v, want one matching store.ErrInvalid", c.name, err)
		}
	}
	s.want(k, "kept", true, "refused writes leave the value")
	s.want(k+":new", "", false, "a refused Add writes nothing")
}

func (s *suite) testCancelled() {
	k := s.key("k")
	s.set(k, "kept", Long)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := k + ":new"
	checks := []struct {
		name string
		err  func() error
	}{
		{"Get", func() error { _, _, err := s.s.Get(ctx, k); return err }},
		{"Set", func() error { return s.s.Set(ctx, n, "v", Long) }},
		{"Add", func() error { _, err := s.s.Add(ctx, n, "v", Long); return err }},
		{"SetIfNewer", func() error { _, err := s.s.SetIfNewer(ctx, n, 1, "v", Long); return err }},
		{"Delete", func() error { return s.s.Delete(ctx, k) }},
		{"DeleteIf", func() error { _, err := s.s.DeleteIf(ctx, k, "kept"); return err }},
	}
	for _, c := range checks {
		if err := c.err(); !errors.Is(err, context.Canceled) {
			s.t.Errorf("%s with a cancelled context: err = %v, want one matching context.Canceled", c.name, err)
		}
	}
	s.want(n, "", false, "writes with a cancelled context write nothing")
	s.want(k, "kept", true, "Delete and DeleteIf with a cancelled context delete nothing")
}

// concurrency is how many goroutines race in the concurrent subtests.
const concurrency = 32

func (s *suite) testConcurrentAdd() {
	for round := range 5 {
		k := s.key(fmt.Sprint("claim", round))
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []string
			errs    []error
		)
		start := make(chan struct{})
		for i := range concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				me := fmt.Sprint("replica-", i)
				added, err := s.s.Add(s.ctx, k, me, Long)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else if added {
					winners = append(winners, me)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 {
			s.t.Fatalf("concurrent Add: %v", errs[0])
		}
		if len(winners) != 1 {
			s.t.Fatalf("%d concurrent Adds of one key: %d succeeded (%v), want exactly 1", concurrency, len(winners), winners)
		}
		s.want(k, winners[0], true, "the value is the winner's")
	}
}

func (s *suite) testConcurrentSetIfNewer() {
	for round := range 5 {
		k := s.key(fmt.Sprint("ordered", round))
		versions := mathrand.Perm(concurrency)
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
		)
		start := make(chan struct{})
		for _, v := range versions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := s.s.SetIfNewer(s.ctx, k, int64(v+1), fmt.Sprint("v", v+1), Long)
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 {
			s.t.Fatalf("concurrent SetIfNewer: %v", errs[0])
		}
		want := fmt.Sprint("v", concurrency)
		s.want(k, want, true, "after concurrent SetIfNewer with shuffled versions, the highest stays")
		if s.setIfNewerOK(k, concurrency, "again", Long) {
			s.t.Error("SetIfNewer of the highest version again = true")
		}
	}
}

// Of concurrent DeleteIfs of one key and its value, exactly one removes it
// (an implementation that reads, then deletes, lets several succeed).
func (s *suite) testConcurrentDeleteIf() {
	for round := range 5 {
		k := s.key(fmt.Sprint("claim", round))
		s.add(k, "token", Long)
		var (
			wg      sync.WaitGroup
			deleted atomicCount
			errs    errList
		)
		start := make(chan struct{})
		for range concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ok, err := s.s.DeleteIf(s.ctx, k, "token")
				errs.add(err)
				if ok {
					deleted.inc()
				}
			}()
		}
		close(start)
		wg.Wait()
		if err := errs.first(); err != nil {
			s.t.Fatalf("concurrent DeleteIf: %v", err)
		}
		if n := deleted.get(); n != 1 {
			s.t.Fatalf("%d concurrent DeleteIfs of one key and value: %d reported a delete, want exactly 1", concurrency, n)
		}
	}
}

// Replicas claim one key in turn, each with its own token, and release it
// with DeleteIf: a release never removes another's claim, so at most one
// replica holds the key at a time and every release of a held claim
// succeeds.
func (s *suite) testConcurrentClaimRelease() {
	k := s.key("claim")
	var (
		wg       sync.WaitGroup
		holders  atomicCount
		overlaps atomicCount
		held     atomicCount
		errs     errList
		mu       sync.Mutex
		failures []string
	)
	start := make(chan struct{})
	for i := range concurrency / 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for n := range 20 {
				me := fmt.Sprintf("replica-%d-%d", i, n)
				added, err := s.s.Add(s.ctx, k, me, Long)
				if errs.add(err) || !added {
					continue
				}
				held.inc()
				if holders.inc() > 1 {
					overlaps.inc()
				}
				// A stale release by someone else must not free the key.
				if ok, err := s.s.DeleteIf(s.ctx, k, me+"-stale"); errs.add(err) || ok {
					mu.Lock()
					failures = append(failures, me+": a DeleteIf of another value removed the claim")
					mu.Unlock()
				}
				holders.dec()
				if ok, err := s.s.DeleteIf(s.ctx, k, me); !errs.add(err) && !ok {
					mu.Lock()
					failures = append(failures, me+": DeleteIf of its own claim = false")
					mu.Unlock()
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if err := errs.first(); err != nil {
		s.t.Fatalf("claim and release: %v", err)
	}
	if len(failures) > 0 {
		s.t.Fatalf("%d failures, first: %s", len(failures), failures[0])
	}
	if overlaps.get() > 0 {
		s.t.Errorf("%d times two replicas held the key at once", overlaps.get())
	}
	if held.get() == 0 {
		s.t.Error("no replica ever claimed the key")
	}
}

// atomicCount is a counter for the concurrent subtests.
type atomicCount struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCount) inc() int { c.mu.Lock(); defer c.mu.Unlock(); c.n++; return c.n }
func (c *atomicCount) dec()     { c.mu.Lock(); defer c.mu.Unlock(); c.n-- }
func (c *atomicCount) get() int { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// errList keeps the errors of concurrent calls.
type errList struct {
	mu   sync.Mutex
	errs []error
}

// add keeps err and reports whether it is not nil.
func (l *errList) add(err error) bool {
	if err == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
	return true
}

func (l *errList) first() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) == 0 {
		return nil
	}
	return l.errs[0]
}

// Keys and values are strings of any bytes: unicode, separators, braces
// (Redis hash tags), NUL, invalid UTF-8, newlines.
func (s *suite) testKeysAndValues() {
	odd := []string{
		"ключ/键/🔑",
		"with space",
		"{braces}",
		"a}b{c",
		"}",
		"{",
		"{}",
		":",
		"0:",
		"-1:x",
		"\x00nul\x00",
		"\xff\xfe not utf-8",
		"new\nline\r\n",
		"tab\there",
		"%s%d%%",
		`"quoted" 'single' \back\`,
		"*",
		"key*[a-z]?",
	}
	for i, name := range odd {
		k := s.key(fmt.Sprint(i)) + name
		s.set(k, name, Long)
		s.want(k, name, true, "Set/Get")
		if s.add(k, "x", Long) {
			s.t.Errorf("Add over %q = true", k)
		}
		if !s.setIfNewerOK(k, int64(i+1), name+"!", Long) {
			s.t.Errorf("SetIfNewer over %q = false", k)
		}
		s.want(k, name+"!", true, "SetIfNewer/Get")
		s.del(k)
		s.want(k, "", false, "after Delete")
		// The odd string alone as a key, and as a value under a plain key.
		if !s.add(s.key(fmt.Sprint("v", i)), name, Long) {
			s.t.Errorf("Add of a new key with value %q = false", name)
		}
		s.want(s.key(fmt.Sprint("v", i)), name, true, "Add/Get")
	}
	// Keys alike but for the odd bytes are distinct.
	a, b := s.key("x")+"{a}", s.key("x")+"{b}"
	s.set(a, "A", Long)
	s.set(b, "B", Long)
	s.want(a, "A", true, "keys alike but for a hash tag")
}

// LargeValue is the size of the large values the suite stores.
const LargeValue = 64 << 10

func (s *suite) testLargeValues() {
	raw := make([]byte, LargeValue)
	_, _ = rand.Read(raw)
	big := string(raw)
	big2 := strings.Repeat("é", LargeValue/2)
	k := s.key("big")
	s.set(k, big, Long)
	s.want(k, big, true, "a 64 KiB binary value")
	if !s.setIfNewerOK(k, 1, big2, Long) {
		s.t.Error("SetIfNewer of a 64 KiB value = false")
	}
	s.want(k, big2, true, "a 64 KiB value through SetIfNewer")
	a := s.key("bigclaim")
	if !s.add(a, big, Long) {
		s.t.Error("Add of a 64 KiB value = false")
	}
	s.want(a, big, true, "a 64 KiB value through Add")
	long := s.key(strings.Repeat("k", 1<<10))
	s.set(long, "v", Long)
	s.want(long, "v", true, "a 1 KiB key")
}
