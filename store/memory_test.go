package store_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/store"
)

func newClocked(maxKeys int) (*store.Memory, *testkit.Clock) {
	clock := testkit.NewClock()
	return &store.Memory{MaxKeys: maxKeys, Now: clock.Now}, clock
}

func mustSet(t *testing.T, m *store.Memory, key, value string, ttl time.Duration) {
	t.Helper()
	if err := m.Set(context.Background(), key, value, ttl); err != nil {
		t.Fatal(err)
	}
}

func mustAdd(t *testing.T, m *store.Memory, key, value string, ttl time.Duration) bool {
	t.Helper()
	added, err := m.Add(context.Background(), key, value, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return added
}

func has(t *testing.T, m *store.Memory, key string) bool {
	t.Helper()
	_, ok, err := m.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// The old smsbridge MemoryStore dropped the entry closest to expiry first,
// so a 1-minute customer claim went before 24-hour send records. Memory
// drops the records, oldest written first, and keeps the claim.
func TestMemoryFullKeepsShortClaimOverLongRecords(t *testing.T) {
	m, clock := newClocked(3)
	mustSet(t, m, "sent:1", "done", 24*time.Hour)
	clock.Advance(time.Second)
	mustSet(t, m, "sent:2", "done", 24*time.Hour)
	clock.Advance(time.Second)
	if !mustAdd(t, m, "customer:+15550100", "replica-a", time.Minute) {
		t.Fatal("Add of a new key = false")
	}
	clock.Advance(time.Second)
	mustSet(t, m, "sent:3", "done", 24*time.Hour) // full: drops sent:1
	if has(t, m, "sent:1") {
		t.Error("sent:1, the oldest record, survived; want it dropped first")
	}
	for _, k := range []string{"sent:2", "sent:3", "customer:+15550100"} {
		if !has(t, m, k) {
			t.Errorf("%s was dropped; want only sent:1 dropped", k)
		}
	}
	mustSet(t, m, "sent:4", "done", 24*time.Hour) // drops sent:2
	if has(t, m, "sent:2") || !has(t, m, "customer:+15550100") {
		t.Error("a second write dropped the claim before the older record sent:2")
	}
	if got := m.Len(); got != 3 {
		t.Errorf("Len = %d, want 3 (MaxKeys)", got)
	}
}

func TestMemoryFullDropsExpiredFirst(t *testing.T) {
	m, clock := newClocked(3)
	mustSet(t, m, "old-record", "v", 24*time.Hour)
	mustSet(t, m, "short-record", "v", time.Second)
	mustAdd(t, m, "claim", "v", time.Hour)
	clock.Advance(2 * time.Second) // short-record expires
	mustSet(t, m, "new", "v", time.Hour)
	for _, k := range []string{"old-record", "claim", "new"} {
		if !has(t, m, k) {
			t.Errorf("%s was dropped; want the expired key dropped instead", k)
		}
	}
}

func TestMemoryFullOfClaimsDropsOldestClaim(t *testing.T) {
	m, clock := newClocked(2)
	mustAdd(t, m, "c1", "v", time.Hour)
	clock.Advance(time.Second)
	mustAdd(t, m, "c2", "v", time.Minute) // expires first, but is newer
	clock.Advance(time.Second)
	mustAdd(t, m, "c3", "v", time.Hour)
	if has(t, m, "c1") || !has(t, m, "c2") || !has(t, m, "c3") {
		t.Error("want c1, the oldest claim, dropped, and c2, c3 kept")
	}
}

// The key just written is never dropped, even when it is a record and the
// store holds only claims.
func TestMemoryFullKeepsKeyJustWritten(t *testing.T) {
	m, _ := newClocked(1)
	mustAdd(t, m, "claim", "v", time.Hour)
	mustSet(t, m, "record", "v", time.Hour)
	if !has(t, m, "record") || has(t, m, "claim") {
		t.Error("want the record just written kept and the claim dropped")
	}
	if got := m.Len(); got != 1 {
		t.Errorf("Len = %d, want 1", got)
	}
}

// Redis keeps no kind beside a value: a Set over a claim makes it a record
// (dropped before claims), a SetIfNewer over it too.
func TestMemorySetOverClaimMakesRecord(t *testing.T) {
	for _, op := range []string{"Set", "SetIfNewer"} {
		t.Run(op, func(t *testing.T) {
			m, clock := newClocked(2)
			mustAdd(t, m, "was-claim", "v", time.Hour)
			clock.Advance(time.Second)
			mustAdd(t, m, "claim", "v", time.Hour)
			clock.Advance(time.Second)
			if op == "Set" {
				mustSet(t, m, "was-claim", "done", time.Hour)
			} else if ok, err := m.SetIfNewer(context.Background(), "was-claim", 1, "done", time.Hour); err != nil || !ok {
				t.Fatalf("SetIfNewer over a claim = %v, %v; want true (a claim is version 0)", ok, err)
			}
			clock.Advance(time.Second)
			mustAdd(t, m, "claim2", "v", time.Hour)
			if has(t, m, "was-claim") {
				t.Errorf("after %s, the key is still kept as a claim; want it dropped as a record", op)
			}
			if !has(t, m, "claim") || !has(t, m, "claim2") {
				t.Error("a claim was dropped while a record was held")
			}
		})
	}
}

func TestMemoryExpiry(t *testing.T) {
	m, clock := newClocked(0)
	ctx := context.Background()
	mustAdd(t, m, "k", "a", time.Minute)
	if mustAdd(t, m, "k", "b", time.Minute) {
		t.Fatal("Add over a live claim = true")
	}
	clock.Advance(time.Minute) // expires exactly at the TTL
	if has(t, m, "k") {
		t.Fatal("Get after the TTL found the key")
	}
	if !mustAdd(t, m, "k", "b", time.Minute) {
		t.Fatal("Add after the lease ended = false")
	}
	if v, _, _ := m.Get(ctx, "k"); v != "b" {
		t.Fatalf("Get = %q, want b", v)
	}
	// An expired version is no version.
	if ok, _ := m.SetIfNewer(ctx, "v", 10, "ten", time.Second); !ok {
		t.Fatal("SetIfNewer on a new key = false")
	}
	clock.Advance(time.Second)
	if ok, _ := m.SetIfNewer(ctx, "v", 1, "one", time.Second); !ok {
		t.Fatal("SetIfNewer over an expired higher version = false")
	}
	if got := m.Len(); got != 2 {
		t.Fatalf("Len = %d, want 2", got)
	}
	clock.Advance(time.Hour)
	if got := m.Len(); got != 0 {
		t.Fatalf("Len after every TTL = %d, want 0", got)
	}
}

func TestMemoryDefaultBound(t *testing.T) {
	m, _ := newClocked(0)
	for i := range store.DefaultMemoryKeys + 10 {
		mustSet(t, m, strconv.Itoa(i), "v", time.Hour)
	}
	if got := m.Len(); got != store.DefaultMemoryKeys {
		t.Fatalf("Len = %d, want DefaultMemoryKeys = %d", got, store.DefaultMemoryKeys)
	}
	if has(t, m, "0") || !has(t, m, strconv.Itoa(store.DefaultMemoryKeys+9)) {
		t.Fatal("want the oldest dropped and the newest kept")
	}
}

func TestMemoryInvalid(t *testing.T) {
	m := store.NewMemory()
	ctx := context.Background()
	checks := map[string]error{}
	_, _, checks["Get empty key"] = m.Get(ctx, "")
	checks["Set empty key"] = m.Set(ctx, "", "v", time.Second)
	checks["Set zero TTL"] = m.Set(ctx, "k", "v", 0)
	_, checks["Add negative TTL"] = m.Add(ctx, "k", "v", -time.Second)
	_, checks["SetIfNewer zero TTL"] = m.SetIfNewer(ctx, "k", 1, "v", 0)
	checks["Delete empty key"] = m.Delete(ctx, "")
	for name, err := range checks {
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: err = %v, want one matching store.ErrInvalid", name, err)
		}
	}
	if got := m.Len(); got != 0 {
		t.Errorf("Len = %d after refused writes, want 0", got)
	}
	if err := m.Set(ctx, "k", "v", 0); err == nil || err.Error() != `store: invalid argument: the TTL is 0s; it must be positive (a TTL is never "forever")` {
		t.Errorf("zero TTL error = %v", err)
	}
}

func TestMemoryPing(t *testing.T) {
	m := store.NewMemory()
	if err := m.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Ping(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Ping(cancelled) = %v", err)
	}
}

// Concurrent writes past the bound keep the bound and the indexes
// consistent (run with -race).
func TestMemoryConcurrentBounded(t *testing.T) {
	m := &store.Memory{MaxKeys: 64}
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				k := fmt.Sprint(g, ":", i%100)
				switch i % 4 {
				case 0:
					_ = m.Set(ctx, k, "v", time.Hour)
				case 1:
					_, _ = m.Add(ctx, k, "v", time.Millisecond)
				case 2:
					_, _ = m.SetIfNewer(ctx, k, int64(i), "v", time.Hour)
				case 3:
					_ = m.Delete(ctx, k)
				}
				_, _, _ = m.Get(ctx, k)
			}
		}()
	}
	wg.Wait()
	if got := m.Len(); got > 64 {
		t.Fatalf("Len = %d, want at most MaxKeys = 64", got)
	}
}

// benchKeys are the keys the benchmarks cycle through.
var benchKeys = func() []string {
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "agent:" + strconv.Itoa(i) + ":status"
	}
	return keys
}()

// floorStore is the standard-library floor: a map under a mutex, with
// expiry times but no bound, no eviction order and no argument checks.
type floorStore struct {
	mu sync.Mutex
	m  map[string]floorEntry
}

type floorEntry struct {
	value   string
	version int64
	expires time.Time
}

func (f *floorStore) get(key string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.m[key]
	if !ok || !time.Now().Before(e.expires) {
		return "", false
	}
	return e.value, true
}

func (f *floorStore) add(key, value string, ttl time.Duration) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if e, ok := f.m[key]; ok && now.Before(e.expires) {
		return false
	}
	f.m[key] = floorEntry{value: value, expires: now.Add(ttl)}
	return true
}

func (f *floorStore) setIfNewer(key string, version int64, value string, ttl time.Duration) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if e, ok := f.m[key]; ok && now.Before(e.expires) && e.version >= version {
		return false
	}
	f.m[key] = floorEntry{value: value, version: version, expires: now.Add(ttl)}
	return true
}

func (f *floorStore) deleteIf(key, value string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.m[key]
	if !ok || !time.Now().Before(e.expires) || e.value != value {
		return false
	}
	delete(f.m, key)
	return true
}

func (f *floorStore) delete(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, key)
}

// BenchmarkMemory measures Get (a hit), Add (of an absent key, then its
// Delete), a claim and its release (Add, then DeleteIf of its value) and
// SetIfNewer (a newer version) on 1,024 keys, beside the floor doing the
// same work.
func BenchmarkMemory(b *testing.B) {
	ctx := context.Background()
	n := len(benchKeys)
	b.Run("Get/floor", func(b *testing.B) {
		f := &floorStore{m: map[string]floorEntry{}}
		for _, k := range benchKeys {
			f.add(k, "available", time.Hour)
		}
		b.ResetTimer()
		for i := range b.N {
			if _, ok := f.get(benchKeys[i%n]); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("Get/Memory", func(b *testing.B) {
		m := store.NewMemory()
		for _, k := range benchKeys {
			_ = m.Set(ctx, k, "available", time.Hour)
		}
		b.ResetTimer()
		for i := range b.N {
			if _, ok, _ := m.Get(ctx, benchKeys[i%n]); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("Add/floor", func(b *testing.B) {
		f := &floorStore{m: map[string]floorEntry{}}
		for i := range b.N {
			if !f.add(benchKeys[i%n], "replica-a", time.Minute) {
				b.Fatal("not added")
			}
			f.delete(benchKeys[i%n])
		}
	})
	b.Run("Add/Memory", func(b *testing.B) {
		m := store.NewMemory()
		for i := range b.N {
			if ok, _ := m.Add(ctx, benchKeys[i%n], "replica-a", time.Minute); !ok {
				b.Fatal("not added")
			}
			_ = m.Delete(ctx, benchKeys[i%n])
		}
	})
	b.Run("AddDeleteIf/floor", func(b *testing.B) {
		f := &floorStore{m: map[string]floorEntry{}}
		for i := range b.N {
			if !f.add(benchKeys[i%n], "replica-a", time.Minute) || !f.deleteIf(benchKeys[i%n], "replica-a") {
				b.Fatal("not added or not deleted")
			}
		}
	})
	b.Run("AddDeleteIf/Memory", func(b *testing.B) {
		m := store.NewMemory()
		for i := range b.N {
			if ok, _ := m.Add(ctx, benchKeys[i%n], "replica-a", time.Minute); !ok {
				b.Fatal("not added")
			}
			if ok, _ := m.DeleteIf(ctx, benchKeys[i%n], "replica-a"); !ok {
				b.Fatal("not deleted")
			}
		}
	})
	// A lease taken with the value read, then released with a new value:
	// the floor does the same with a claim key beside the value.
	b.Run("LeaseRelease/floor", func(b *testing.B) {
		f := &floorStore{m: map[string]floorEntry{}}
		for i := range b.N {
			k := benchKeys[i%n]
			if !f.add(k+"#lease", "replica-a", time.Minute) {
				b.Fatal("not leased")
			}
			f.get(k)
			f.setIfNewer(k, int64(i+1), "away", time.Hour)
			if !f.deleteIf(k+"#lease", "replica-a") {
				b.Fatal("not released")
			}
		}
	})
	b.Run("LeaseRelease/Memory", func(b *testing.B) {
		m := store.NewMemory()
		for i := range b.N {
			k := benchKeys[i%n]
			if l, _ := m.Lease(ctx, k, "replica-a", time.Minute); !l.Held {
				b.Fatal("not leased")
			}
			if ok, _ := m.Release(ctx, k, "replica-a", "away", time.Hour); !ok {
				b.Fatal("not released")
			}
		}
	})
	b.Run("SetIfNewer/floor", func(b *testing.B) {
		f := &floorStore{m: map[string]floorEntry{}}
		for i := range b.N {
			if !f.setIfNewer(benchKeys[i%n], int64(i), "away", time.Hour) {
				b.Fatal("not stored")
			}
		}
	})
	b.Run("SetIfNewer/Memory", func(b *testing.B) {
		m := store.NewMemory()
		for i := range b.N {
			if ok, _ := m.SetIfNewer(ctx, benchKeys[i%n], int64(i), "away", time.Hour); !ok {
				b.Fatal("not stored")
			}
		}
	})
}

// A TTL of MaxTTL on a clock late in Unix nanoseconds holds the key
// (saturated, not wrapped into the past); a longer TTL is refused, where
// it used to overflow and expire the key at once.
func TestMemoryHugeTTL(t *testing.T) {
	ctx := context.Background()
	late := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &store.Memory{Now: func() time.Time { return late }}
	mustSet(t, m, "k", "v", store.MaxTTL)
	if !has(t, m, "k") {
		t.Error("a key set for MaxTTL in 2200 expired at once")
	}
	err := m.Set(ctx, "k2", "v", 200*365*24*time.Hour)
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "MaxTTL") {
		t.Errorf("Set for 200 years: err = %v, want ErrInvalid naming MaxTTL", err)
	}
	if has(t, m, "k2") {
		t.Error("a refused Set wrote the key")
	}
}

// DeleteIf releases a claim only for its owner, on the Memory's clock.
func TestMemoryDeleteIfAfterLease(t *testing.T) {
	ctx := context.Background()
	m, clock := newClocked(0)
	mustAdd(t, m, "claim", "a", time.Minute)
	clock.Advance(time.Minute)
	if !mustAdd(t, m, "claim", "b", time.Minute) {
		t.Fatal("B's Add after A's lease = false")
	}
	if ok, err := m.DeleteIf(ctx, "claim", "a"); ok || err != nil {
		t.Fatalf("A's late DeleteIf = %v, %v; want false", ok, err)
	}
	if mustAdd(t, m, "claim", "c", time.Minute) {
		t.Fatal("C claimed while B holds the key")
	}
	if ok, err := m.DeleteIf(ctx, "claim", "b"); !ok || err != nil {
		t.Fatalf("B's DeleteIf = %v, %v; want true", ok, err)
	}
	if m.Len() != 0 {
		t.Errorf("Len after DeleteIf = %d, want 0", m.Len())
	}
}
