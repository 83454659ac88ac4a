package webhook

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/store"
)

// mapStore is a small store.Store for these tests: a map with expiry read
// from an injected clock, and a switch that makes every operation fail as
// a store that went away does. (store.Memory is the real one; this one
// keeps the webhook tests independent of it.)
type mapStore struct {
	mu      sync.Mutex
	now     time.Time
	entries map[string]mapEntry
	down    atomic.Bool
	ops     atomic.Int64
}

type mapEntry struct {
	value   string
	version int64
	expires time.Time
}

var errStoreDown = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

func newMapStore() *mapStore {
	return &mapStore{now: hNow, entries: map[string]mapEntry{}}
}

func (s *mapStore) advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
}

// live returns the unexpired entry of key; s.mu is held.
func (s *mapStore) live(key string) (mapEntry, bool) {
	e, ok := s.entries[key]
	if ok && !s.now.Before(e.expires) {
		delete(s.entries, key)
		return mapEntry{}, false
	}
	return e, ok
}

func (s *mapStore) check(key string, ttl time.Duration, needTTL bool) error {
	s.ops.Add(1)
	switch {
	case s.down.Load():
		return errStoreDown
	case key == "" || needTTL && ttl <= 0:
		return store.ErrInvalid
	}
	return nil
}

func (s *mapStore) Get(_ context.Context, key string) (string, bool, error) {
	if err := s.check(key, 0, false); err != nil {
		return "", false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	return e.value, ok, nil
}

func (s *mapStore) Set(_ context.Context, key, value string, ttl time.Duration) error {
	if err := s.check(key, ttl, true); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries[key] = mapEntry{value: value, expires: s.now.Add(ttl)}
	return nil
}

func (s *mapStore) Add(_ context.Context, key, value string, ttl time.Duration) (bool, error) {
	if err := s.check(key, ttl, true); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.live(key); ok {
		return false, nil
	}
	s.entries[key] = mapEntry{value: value, expires: s.now.Add(ttl)}
	return true, nil
}

func (s *mapStore) SetIfNewer(_ context.Context, key string, version int64, value string, ttl time.Duration) (bool, error) {
	if err := s.check(key, ttl, true); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.live(key); ok && e.version >= version {
		return false, nil
	}
	s.entries[key] = mapEntry{value: value, version: version, expires: s.now.Add(ttl)}
	return true, nil
}

func (s *mapStore) Delete(_ context.Context, key string) error {
	if err := s.check(key, 0, false); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, key)
	return nil
}

func (s *mapStore) DeleteIf(_ context.Context, key, value string) (bool, error) {
	if err := s.check(key, 0, false); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.live(key); !ok || e.value != value {
		return false, nil
	}
	delete(s.entries, key)
	return true, nil
}

// errNoLeases: the deduper takes no lease (store.Store.Lease), so this
// store has none; a deduper that starts taking leases fails here first.
var errNoLeases = errors.New("mapStore has no leases: the deduper takes none")

func (s *mapStore) Lease(context.Context, string, string, time.Duration) (store.Lease, error) {
	return store.Lease{}, errNoLeases
}

func (s *mapStore) Release(context.Context, string, string, string, time.Duration) (bool, error) {
	return false, errNoLeases
}

func (s *mapStore) EndLease(context.Context, string, string) (bool, error) {
	return false, errNoLeases
}

// Now is the store's clock, for the StoreDeduper's Now.
func (s *mapStore) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// raw returns what key holds, expired or not.
func (s *mapStore) raw(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entries[key].value
}

func (s *mapStore) ttlOf(key string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	if !ok {
		return 0
	}
	return e.expires.Sub(s.now)
}

var _ store.Store = (*mapStore)(nil)

func TestStoreDeduperClaimCycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newMapStore()
	d := &StoreDeduper{Store: s, Prefix: "t:"}
	checkClaimCycle(t, d, "k")
	// The key is stored under the prefix, with the default TTL.
	if got := s.ttlOf("t:k"); got != DefaultDedupeTTL {
		t.Errorf("TTL of a handled key = %v, want %v", got, DefaultDedupeTTL)
	}
	if got, _ := stateOf(d.Claim(ctx, "other")); got != ClaimNew {
		t.Errorf("other key: %v", got)
	}
	if got := s.ttlOf("t:other"); got != DefaultDedupeLease {
		t.Errorf("lease of a claim = %v, want %v", got, DefaultDedupeLease)
	}
	if err := d.Release(ctx, "never-claimed", claimValue("x", hNow)); err != nil {
		t.Errorf("Release of an unknown key: %v", err)
	}
}

// Two deduper values over one store are two replicas: they share claims.
func TestStoreDeduperReplicasShareClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newMapStore()
	a, b := &StoreDeduper{Store: s, Prefix: "f:"}, &StoreDeduper{Store: s, Prefix: "f:"}
	if got, _ := stateOf(a.Claim(ctx, "ev")); got != ClaimNew {
		t.Fatalf("a: %v", got)
	}
	if got, _ := stateOf(b.Claim(ctx, "ev")); got != ClaimBusy {
		t.Fatalf("b while a handles: %v, want busy", got)
	}
	if err := a.Done(ctx, "ev", ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := stateOf(b.Claim(ctx, "ev")); got != ClaimDone {
		t.Fatalf("b after a is done: %v, want done", got)
	}
	// Another prefix is another namespace.
	if got, _ := stateOf((&StoreDeduper{Store: s, Prefix: "g:"}).Claim(ctx, "ev")); got != ClaimNew {
		t.Errorf("other prefix: %v", got)
	}
}

// A replica that dies after its Claim never calls Done or Release; the
// lease frees the key.
func TestStoreDeduperLeaseFreesADeadReplicasKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newMapStore()
	dead := &StoreDeduper{Store: s, Lease: 30 * time.Second, TTL: time.Hour}
	alive := &StoreDeduper{Store: s, Lease: 30 * time.Second, TTL: time.Hour}
	if got, _ := stateOf(dead.Claim(ctx, "ev")); got != ClaimNew {
		t.Fatal(got)
	}
	s.advance(29 * time.Second)
	if got, _ := stateOf(alive.Claim(ctx, "ev")); got != ClaimBusy {
		t.Fatalf("within the lease: %v, want busy", got)
	}
	s.advance(time.Second)
	if got, _ := stateOf(alive.Claim(ctx, "ev")); got != ClaimNew {
		t.Fatalf("after the lease: %v, want new", got)
	}
	if err := alive.Done(ctx, "ev", ""); err != nil {
		t.Fatal(err)
	}
	s.advance(time.Hour - time.Second)
	if got, _ := stateOf(alive.Claim(ctx, "ev")); got != ClaimDone {
		t.Fatalf("within TTL: %v, want done", got)
	}
	s.advance(time.Second)
	if got, _ := stateOf(alive.Claim(ctx, "ev")); got != ClaimNew {
		t.Fatalf("after TTL: %v, want new", got)
	}
}

func TestStoreDeduperErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, d := range []*StoreDeduper{nil, {}} {
		if _, err := stateOf(d.Claim(ctx, "k")); !errors.Is(err, ErrNotConfigured) {
			t.Errorf("Claim without a store = %v, want ErrNotConfigured", err)
		}
		if err := d.Done(ctx, "k", ""); !errors.Is(err, ErrNotConfigured) {
			t.Errorf("Done without a store = %v", err)
		}
		if err := d.Release(ctx, "k", claimValue("t", hNow)); !errors.Is(err, ErrNotConfigured) {
			t.Errorf("Release without a store = %v", err)
		}
	}
	s := newMapStore()
	d := &StoreDeduper{Store: s}
	if _, err := stateOf(d.Claim(ctx, "")); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("Claim of an empty key = %v", err)
	}
	s.down.Store(true)
	if _, err := stateOf(d.Claim(ctx, "k")); !errors.Is(err, errStoreDown) || !strings.Contains(err.Error(), `claiming "k"`) {
		t.Errorf("Claim, store down = %v", err)
	}
	if err := d.Done(ctx, "k", ""); !errors.Is(err, errStoreDown) {
		t.Errorf("Done, store down = %v", err)
	}
	if err := d.Release(ctx, "k", claimValue("t", hNow)); !errors.Is(err, errStoreDown) {
		t.Errorf("Release, store down = %v", err)
	}
}

// getFailsStore fails the Get that tells done from busy.
type getFailsStore struct{ *mapStore }

func (getFailsStore) Get(context.Context, string) (string, bool, error) {
	return "", false, errStoreDown
}

// vanishingStore loses every key between Add and Get: Claim gives up busy.
type vanishingStore struct{ *mapStore }

func (vanishingStore) Add(context.Context, string, string, time.Duration) (bool, error) {
	return false, nil
}

func TestStoreDeduperClaimReadFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newMapStore()
	d := &StoreDeduper{Store: getFailsStore{s}}
	if got, _ := stateOf(d.Claim(ctx, "k")); got != ClaimNew {
		t.Fatal(got)
	}
	if _, err := stateOf(d.Claim(ctx, "k")); !errors.Is(err, errStoreDown) {
		t.Errorf("Claim whose Get fails = %v", err)
	}
	v := &StoreDeduper{Store: vanishingStore{newMapStore()}}
	if got, err := stateOf(v.Claim(ctx, "k")); got != ClaimBusy || err != nil {
		t.Errorf("Claim of a key that keeps vanishing = %v, %v; want busy", got, err)
	}
}

func TestStoreDeduperConcurrentClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newMapStore()
	var news atomic.Int32
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &StoreDeduper{Store: s} // one per goroutine: replicas
			if st, err := stateOf(d.Claim(ctx, fmt.Sprint("k", i%4))); err == nil && st == ClaimNew {
				news.Add(1)
			}
		}()
	}
	wg.Wait()
	if news.Load() != 4 {
		t.Errorf("%d claims won, want 4 (one per key)", news.Load())
	}
}

// The handler over a StoreDeduper: a store that is down answers 503 with
// Retry-After and calls nothing; once it is back, the retry is handled,
// once.
func TestHandlerStoreDeduperStoreDown(t *testing.T) {
	t.Parallel()
	s := newMapStore()
	var calls atomic.Int32
	h := NewZendeskHandler(testVerifier(), func(context.Context, *ZendeskEvent) error { calls.Add(1); return nil },
		WithDeduper(&StoreDeduper{Store: s, Prefix: "zd:"}))
	body := agentEventBody("01HSTOREDOWN")

	s.down.Store(true)
	if got := serve(h, signedRequest(body, hNow)); got.status != 503 || got.body != "failed" || got.retryAfter != "5" {
		t.Fatalf("store down: %+v, want 503 failed with Retry-After", got)
	}
	if calls.Load() != 0 {
		t.Fatalf("fn called %d times while the store was down", calls.Load())
	}
	s.down.Store(false)
	if got := serve(h, signedRequest(body, hNow)); got.body != "handled" {
		t.Fatalf("store back: %+v", got)
	}
	if got := serve(h, signedRequest(body, hNow)); got.body != "duplicate" {
		t.Fatalf("retry: %+v", got)
	}
	if calls.Load() != 1 {
		t.Errorf("fn called %d times, want 1", calls.Load())
	}
}
