package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/store"
)

// A claim's value holds its token and the end of its lease; the token is
// the value, and a busy answer reads what is left of the holder's lease
// with the reader's clock.
func TestStoreDeduperClaimValue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newMapStore()
	a := &StoreDeduper{Store: s, Prefix: "p:", Lease: 40 * time.Second, Now: s.Now}
	b := &StoreDeduper{Store: s, Prefix: "p:", Lease: 40 * time.Second, Now: s.Now}
	ca, err := a.Claim(ctx, "ev")
	if err != nil || ca.State != ClaimNew || ca.Lease != 40*time.Second {
		t.Fatalf("A's claim = %+v, %v; want new with a 40s lease", ca, err)
	}
	raw := s.raw("p:ev")
	if raw != ca.Token {
		t.Errorf("token %q is not the stored value %q", ca.Token, raw)
	}
	wantEnd := strconv.FormatInt(hNow.Add(40*time.Second).UnixMilli(), 10)
	if !strings.HasPrefix(raw, "claimed:") || !strings.HasSuffix(raw, ":"+wantEnd) || len(raw) < len("claimed::")+len(wantEnd)+20 {
		t.Errorf("claim value %q, want claimed:<random token>:%s", raw, wantEnd)
	}
	if cb, _ := b.Claim(ctx, "ev"); cb.Token == ca.Token {
		t.Error("two claims share a token")
	}
	s.advance(15 * time.Second)
	cb, err := b.Claim(ctx, "ev")
	if err != nil || cb.State != ClaimBusy || cb.Lease != 25*time.Second || cb.Token != "" {
		t.Errorf("B's claim 15s into A's 40s lease = %+v, %v; want busy with 25s left, no token", cb, err)
	}
	// Another replica's clock a little ahead: the lease is over by it,
	// though the key is still held. It ends any moment now.
	late := &StoreDeduper{Store: s, Prefix: "p:", Now: func() time.Time { return s.Now().Add(time.Minute) }}
	if c, _ := late.Claim(ctx, "ev"); c.State != ClaimBusy || c.Lease != time.Millisecond {
		t.Errorf("claim by a clock past the lease's end = %+v, want busy with 1ms left", c)
	}
	// A claim written by 0.2.0 ("claimed") and values in no known layout:
	// busy, lease unknown.
	for _, v := range []string{"claimed", "claimed:", "claimed:tok", "claimed:tok:", "claimed:tok:-5", "claimed:tok:x", "other"} {
		_ = s.Set(ctx, "p:legacy", v, time.Minute)
		if c, err := b.Claim(ctx, "legacy"); err != nil || c.State != ClaimBusy || c.Lease != 0 {
			t.Errorf("claim of a key holding %q = %+v, %v; want busy, lease unknown", v, c, err)
		}
	}
}

// lateClaims plays replicas A, B and C over one store: A claims "ev" for
// 30 s, the lease ends while A still works, and B claims the key; ca and
// cb are their claims.
func lateClaims(t *testing.T) (a, b, c *StoreDeduper, ca, cb Claim) {
	t.Helper()
	ctx := context.Background()
	s := newMapStore()
	replica := func() *StoreDeduper { return &StoreDeduper{Store: s, Lease: 30 * time.Second, Now: s.Now} }
	a, b, c = replica(), replica(), replica()
	ca, _ = a.Claim(ctx, "ev")
	s.advance(30 * time.Second)
	cb, _ = b.Claim(ctx, "ev")
	if ca.State != ClaimNew || cb.State != ClaimNew {
		t.Fatalf("A's claim %v, B's after A's lease %v; want new, new", ca.State, cb.State)
	}
	return a, b, c, ca, cb
}

// Replica A's lease ends while it still works; B claims the key. A's late
// Release must leave B's claim, so that C cannot claim while B works.
func TestStoreDeduperLateReleaseKeepsAnothersClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, c, ca, cb := lateClaims(t)
	if err := a.Release(ctx, "ev", ca.Token); err != nil {
		t.Fatal(err)
	}
	if got, _ := stateOf(c.Claim(ctx, "ev")); got != ClaimBusy {
		t.Fatalf("C after A's late release: %v, want busy (B still works)", got)
	}
	if err := b.Release(ctx, "ev", cb.Token); err != nil {
		t.Fatal(err)
	}
	if got, _ := stateOf(c.Claim(ctx, "ev")); got != ClaimNew {
		t.Fatalf("C after B's release: %v, want new", got)
	}
}

// A's late Done marks the key handled over B's claim (it was handled); B's
// Release then leaves the record.
func TestStoreDeduperLateDoneMarksHandled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, c, ca, cb := lateClaims(t)
	if err := a.Done(ctx, "ev", ca.Token); err != nil {
		t.Fatal(err)
	}
	if err := b.Release(ctx, "ev", cb.Token); err != nil {
		t.Fatal(err)
	}
	if got, _ := stateOf(c.Claim(ctx, "ev")); got != ClaimDone {
		t.Fatalf("C after A's late Done and B's Release: %v, want done", got)
	}
}

// Release refuses what is not a claim's token: it would delete a handled
// record ("done") or another's claim.
func TestStoreDeduperReleaseBadToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newMapStore()
	d := &StoreDeduper{Store: s, Now: s.Now}
	c, _ := d.Claim(ctx, "ev")
	_ = d.Done(ctx, "ev", c.Token)
	for _, tok := range []string{"", "done", "claimed", "anything"} {
		err := d.Release(ctx, "ev", tok)
		if err == nil || !strings.Contains(err.Error(), "Claim's Token") {
			t.Errorf("Release with token %q: err = %v, want a refusal naming Claim's Token", tok, err)
		}
	}
	if got, _ := stateOf(d.Claim(ctx, "ev")); got != ClaimDone {
		t.Errorf("after refused releases: %v, want done", got)
	}
}

func TestMemoryDeduperReleaseNeedsTheToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var m MemoryDeduper
	c, _ := m.Claim(ctx, "ev")
	if c.Token == "" || c.Lease != 0 {
		t.Fatalf("claim = %+v, want a token and no lease", c)
	}
	_ = m.Release(ctx, "ev", "m999")
	if got, _ := stateOf(m.Claim(ctx, "ev")); got != ClaimBusy {
		t.Fatalf("after a Release with another token: %v, want busy", got)
	}
	_ = m.Release(ctx, "ev", c.Token)
	c2, _ := m.Claim(ctx, "ev")
	if c2.State != ClaimNew || c2.Token == c.Token {
		t.Fatalf("after the owner's Release: %+v, want new with a new token", c2)
	}
}

// A busy answer's Retry-After is the holder's lease left plus a second,
// capped; without a known lease it is WithBusyRetryAfter's.
func TestHandlerBusyRetryAfterOutlastsTheLease(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		lease time.Duration
		after time.Duration // from the claim to the delivery
		want  string
	}{
		{"default lease, at once", 0, 0, "46"},
		{"10s into the default lease", 0, 10 * time.Second, "36"},
		{"a fraction left", 0, 44*time.Second + 300*time.Millisecond, "2"},
		{"a 5 minute lease: capped", 5 * time.Minute, 0, "59"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newMapStore()
			d := &StoreDeduper{Store: s, Lease: tc.lease, Now: s.Now}
			h := NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error { return nil }, WithDeduper(d))
			if c, _ := d.Claim(context.Background(), "01HBUSY"); c.State != ClaimNew {
				t.Fatal(c.State)
			}
			s.advance(tc.after)
			got := serve(h, signedRequest(agentEventBody("01HBUSY"), hNow))
			if got.status != 503 || got.body != "busy" || got.retryAfter != tc.want {
				t.Errorf("busy answer = %+v, want 503 busy with Retry-After %s", got, tc.want)
			}
		})
	}
	// A claim with no lease (MemoryDeduper) or one written by 0.2.0.
	m := &MemoryDeduper{}
	h := NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error { return nil }, WithDeduper(m), WithBusyRetryAfter(3*time.Second))
	_, _ = m.Claim(context.Background(), "01HMEM")
	if got := serve(h, signedRequest(agentEventBody("01HMEM"), hNow)); got.retryAfter != "3" {
		t.Errorf("busy on a MemoryDeduper: %+v, want Retry-After 3", got)
	}
	s := newMapStore()
	_ = s.Set(context.Background(), DefaultDedupePrefix+"01HOLD", "claimed", time.Minute)
	h = NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error { return nil }, WithDeduper(&StoreDeduper{Store: s, Now: s.Now}))
	if got := serve(h, signedRequest(agentEventBody("01HOLD"), hNow)); got.retryAfter != "2" {
		t.Errorf("busy on a 0.2.0 claim: %+v, want Retry-After 2 (DefaultBusyRetryAfter)", got)
	}
	if MaxBusyRetryAfter >= time.Minute || !zendeskRetries(http.StatusServiceUnavailable, MaxBusyRetryAfter) {
		t.Errorf("MaxBusyRetryAfter %v: Zendesk would not retry a busy answer", MaxBusyRetryAfter)
	}
	if DefaultDedupeLease+time.Second > MaxBusyRetryAfter {
		t.Errorf("DefaultDedupeLease %v + 1s is over MaxBusyRetryAfter: the first retry after a dead replica would still find its key held", DefaultDedupeLease)
	}
}

// sender is a webhook sender's retry schedule: after an attempt answered
// with status and Retry-After (status 0: no answer within timeout), next
// says whether the n-th retry is made and after how long.
type sender struct {
	name    string
	timeout time.Duration
	next    func(n, status int, retryAfter time.Duration) (bool, time.Duration)
}

// senders are the schedules the vendor notes give. Zendesk's is the
// reported one (zendeskRetries, UNCONFIRMED): a 503 is retried after its
// Retry-After when that is under a minute; a timeout after a backoff that
// is not documented (1s, 2s, 4s… as zendesktest guesses); at most 5 of
// each. Sunshine Conversations: 5 attempts over 15 minutes, exponentially
// spaced (taken as 1, 2, 4 and 8 minutes), Retry-After not said to be
// read. Braze: 5 retries over 30 minutes, Retry-After honoured, else
// exponential from a minute.
var senders = []sender{
	{"zendesk", 12 * time.Second, func(n, status int, ra time.Duration) (bool, time.Duration) {
		if n > 5 {
			return false, 0
		}
		if status == 0 {
			return true, time.Second << (n - 1)
		}
		if zendeskRetries(status, ra) {
			return true, ra
		}
		return false, 0
	}},
	{"sunshine", 20 * time.Second, func(n, status int, _ time.Duration) (bool, time.Duration) {
		return n <= 4 && status != 200, time.Minute << (n - 1)
	}},
	{"braze", 90 * time.Second, func(n, status int, ra time.Duration) (bool, time.Duration) {
		if n > 5 || status == 200 {
			return false, 0
		}
		if ra > 0 {
			return true, ra
		}
		return true, time.Minute << (n - 1)
	}},
}

// noLease hides the lease of busy claims, as the handler of 0.2.0 answered
// them: a fixed Retry-After.
type noLease struct{ *StoreDeduper }

func (d noLease) Claim(ctx context.Context, key string) (Claim, error) {
	c, err := d.StoreDeduper.Claim(ctx, key)
	c.Lease = 0
	return c, err
}

// Replica A claims an event and dies; the sender, which got no answer,
// retries to replica B on its own schedule, on an injected clock. Every
// sender's retries end with the event handled, once. With 0.2.0's settings
// (a 2 minute lease, busy answered with Retry-After 2) Zendesk's retries
// all land inside the lease and the event is lost.
func TestDeadReplicaRetriesHandledOnce(t *testing.T) {
	t.Parallel()
	play := func(t *testing.T, snd sender, dedupe func(*mapStore) Deduper) (handled int32, log []string) {
		s := newMapStore()
		var calls atomic.Int32
		d := dedupe(s)
		b := NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error { calls.Add(1); return nil }, WithDeduper(d))
		body := agentEventBody("01HDEADREPLICA")
		// Attempt 1 reaches A, which claims and dies: no answer.
		if c, err := d.Claim(context.Background(), "01HDEADREPLICA"); err != nil || c.State != ClaimNew {
			t.Fatal(c, err)
		}
		status, ra := 0, time.Duration(0)
		s.advance(snd.timeout)
		log = append(log, fmt.Sprintf("t+%v A: no answer", snd.timeout))
		start := s.Now().Add(-snd.timeout)
		for n := 1; ; n++ {
			retry, wait := snd.next(n, status, ra)
			if !retry {
				break
			}
			s.advance(wait)
			got := serve(b, signedRequest(body, hNow))
			status, ra = got.status, 0
			if sec, err := strconv.Atoi(got.retryAfter); err == nil {
				ra = time.Duration(sec) * time.Second
			}
			log = append(log, fmt.Sprintf("t+%v B: %d %s Retry-After %q", s.Now().Sub(start), got.status, got.body, got.retryAfter))
			if status == 200 {
				break
			}
		}
		return calls.Load(), log
	}
	for _, snd := range senders {
		t.Run(snd.name, func(t *testing.T) {
			t.Parallel()
			handled, log := play(t, snd, func(s *mapStore) Deduper { return &StoreDeduper{Store: s, Now: s.Now} })
			if handled != 1 {
				t.Errorf("handled %d times, want 1:\n%s", handled, strings.Join(log, "\n"))
			}
			t.Logf("%s", strings.Join(log, "\n"))
		})
	}
	t.Run("zendesk on 0.2.0's settings", func(t *testing.T) {
		t.Parallel()
		handled, log := play(t, senders[0], func(s *mapStore) Deduper {
			return noLease{&StoreDeduper{Store: s, Lease: 2 * time.Minute, Now: s.Now}}
		})
		if handled != 0 {
			t.Errorf("handled %d times; the old settings were expected to lose the event:\n%s", handled, strings.Join(log, "\n"))
		}
	})
}

// FuzzParseClaimValue reads claim values from a store other replicas (or
// other programs) write: never a panic, and what claimValue writes reads
// back to the millisecond.
func FuzzParseClaimValue(f *testing.F) {
	for _, seed := range []string{"claimed", "done", "claimed:abc:1741788000000", "claimed::1", "claimed:a:b:1", "claimed:x:-1", "claimed:x:99999999999999999999", ""} {
		f.Add(seed, int64(1741788000000))
	}
	f.Fuzz(func(t *testing.T, v string, ms int64) {
		_, _ = parseClaimValue(v)
		if ms < 0 || strings.ContainsRune(v, ':') || v == "" {
			return
		}
		end, ok := parseClaimValue(claimValue(v, time.UnixMilli(ms)))
		if !ok || end.UnixMilli() != ms {
			t.Fatalf("claimValue(%q, %d) reads back as %v, %v", v, ms, end, ok)
		}
	})
}

// Over a real store.Memory with an injected clock: replica A's function
// runs past its lease and then fails; meanwhile B claimed the key and
// handled the event. A's release must not undo B's work: a third delivery
// is a duplicate, and the function ran twice only because A overran its
// lease, never a third time.
func TestHandlerSlowReplicaPastItsLease(t *testing.T) {
	t.Parallel()
	clock := newMapStore() // for its clock only: the store is a store.Memory
	shared := &store.Memory{Now: clock.Now}
	var calls atomic.Int32
	inA, releaseA := make(chan struct{}), make(chan struct{})
	replica := func(name string) *Handler[*ZendeskEvent] {
		return NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error {
			calls.Add(1)
			if name == "a" {
				close(inA)
				<-releaseA
				return errors.New("vendor down")
			}
			return nil
		}, WithDeduper(&StoreDeduper{Store: shared, Lease: 30 * time.Second, Now: clock.Now}))
	}
	a, b, c := replica("a"), replica("b"), replica("c")
	body := agentEventBody("01HSLOW")
	done := make(chan answer)
	go func() { done <- serve(a, signedRequest(body, hNow)) }()
	<-inA
	if got := serve(b, signedRequest(body, hNow)); got.body != "busy" || got.retryAfter != "31" {
		t.Fatalf("B within A's lease: %+v, want busy with Retry-After 31", got)
	}
	clock.advance(30 * time.Second)
	if got := serve(b, signedRequest(body, hNow)); got.body != "handled" {
		t.Fatalf("B after A's lease: %+v, want handled", got)
	}
	close(releaseA)
	if got := <-done; got.body != "failed" {
		t.Fatalf("A: %+v, want failed", got)
	}
	if got := serve(c, signedRequest(body, hNow)); got.body != "duplicate" {
		t.Fatalf("C after A's late release: %+v, want duplicate", got)
	}
	if calls.Load() != 2 {
		t.Errorf("function ran %d times, want 2 (A past its lease, then B)", calls.Load())
	}
}
