package storetest_test

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/storetest"
)

// mutants are stores each broken in one way the suite must catch, with the
// subtest that must fail.
var mutants = map[string]struct {
	wrap      func(*store.Memory) store.Store
	mustFail  string
	failsWith string
}{
	"float64Versions": {
		func(m *store.Memory) store.Store { return float64Versions{m} },
		"SetIfNewerExtremeVersions", "not compared exactly",
	},
	"racyAdd": {
		func(m *store.Memory) store.Store { return racyAdd{Memory: m} },
		"ConcurrentAdd", "want exactly 1",
	},
	"ignoresContext": {
		func(m *store.Memory) store.Store { return ignoresContext{m} },
		"ContextCancelled", "context.Canceled",
	},
	"unconditionalDeleteIf": {
		func(m *store.Memory) store.Store { return unconditionalDeleteIf{m} },
		"DeleteIfAfterTheLeaseEnded", "removed B's claim",
	},
	"racyDeleteIf": {
		func(m *store.Memory) store.Store { return racyDeleteIf{m} },
		"ConcurrentDeleteIf", "want exactly 1",
	},
	"clampsTTL": {
		func(m *store.Memory) store.Store { return clampsTTL{m} },
		"MaxTTL", "names MaxTTL",
	},
	"setKeepsVersion": {
		func(m *store.Memory) store.Store { return &setKeepsVersion{Memory: m} },
		"VersionZero", "Set must replace the version",
	},
	"leaseIgnoresLiveLease": {
		func(m *store.Memory) store.Store { return leaseIgnoresLiveLease{m} },
		"LeaseHeld", "want {Value \"available\", Found true, Held false",
	},
	"releaseIgnoresHolder": {
		func(m *store.Memory) store.Store { return releaseIgnoresHolder{m} },
		"LeaseNotHolder", "of a lease held by",
	},
	"neverAbandoned": {
		func(m *store.Memory) store.Store { return neverAbandoned{m} },
		"LeaseAbandoned", "want Held and Abandoned",
	},
	"leaseReadsBefore": {
		func(m *store.Memory) store.Store { return leaseReadsBefore{m} },
		"ConcurrentLease", "every increment kept",
	},
	"releaseKeepsLease": {
		func(m *store.Memory) store.Store { return releaseKeepsLease{m} },
		"Release", "Lease after A's Release",
	},
	// The same mutant, caught in ConcurrentLease at once (not after its
	// 5 s leaseWait) by the lease refused while nobody holds it.
	"releaseKeepsLeaseConcurrently": {
		func(m *store.Memory) store.Store { return releaseKeepsLease{m} },
		"ConcurrentLease", "a released lease is still live",
	},
	"renewalForgetsAbandoned": {
		func(m *store.Memory) store.Store { return &renewalForgetsAbandoned{Memory: m} },
		"LeaseRetried", "a renewal reports what the first take reported",
	},
	"releaseNotIdempotent": {
		func(m *store.Memory) store.Store { return &releaseNotIdempotent{Memory: m} },
		"ReleaseRetried", "its retry (the first applied, its answer lost) = false",
	},
}

// TestSuiteCatchesMutants runs the suite on each mutant in a child process
// and wants it to fail in the named subtest: a suite that passes a broken
// store proves nothing.
func TestSuiteCatchesMutants(t *testing.T) {
	if os.Getenv("STORETEST_MUTANT") != "" {
		t.Skip("in a mutant's child process")
	}
	for name, mu := range mutants {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestMutant$", "-test.v")
			cmd.Env = append(os.Environ(), "STORETEST_MUTANT="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed the %s mutant; output:\n%s", name, out)
			}
			if !strings.Contains(string(out), "--- FAIL: TestMutant/"+mu.mustFail) || !strings.Contains(string(out), mu.failsWith) {
				t.Fatalf("want %s to fail with %q; output:\n%s", mu.mustFail, mu.failsWith, out)
			}
		})
	}
}

func TestMutant(t *testing.T) {
	name := os.Getenv("STORETEST_MUTANT")
	if name == "" {
		t.Skip("run by TestSuiteCatchesMutants")
	}
	storetest.Run(t, func(*testing.T) store.Store { return mutants[name].wrap(store.NewMemory()) })
}

// float64Versions compares versions as a Lua script on Redis would if it
// read them with tonumber.
type float64Versions struct{ *store.Memory }

func (f float64Versions) SetIfNewer(ctx context.Context, key string, version int64, value string, ttl time.Duration) (bool, error) {
	return f.Memory.SetIfNewer(ctx, key, int64(float64(version)), value, ttl)
}

// racyAdd checks, then sets: two replicas may both win.
type racyAdd struct{ *store.Memory }

func (r racyAdd) Add(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	if _, ok, err := r.Get(ctx, key); err != nil || ok {
		return false, err
	}
	runtime.Gosched()
	time.Sleep(time.Millisecond)
	return true, r.Set(ctx, key, value, ttl)
}

// ignoresContext never looks at the context.
type ignoresContext struct{ *store.Memory }

func (i ignoresContext) Get(_ context.Context, key string) (string, bool, error) {
	return i.Memory.Get(context.Background(), key)
}

// setKeepsVersion remembers the highest version per key even across Set.
type setKeepsVersion struct {
	*store.Memory
	mu  sync.Mutex
	max map[string]int64
}

func (s *setKeepsVersion) SetIfNewer(ctx context.Context, key string, version int64, value string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.max == nil {
		s.max = map[string]int64{}
	}
	if m, ok := s.max[key]; ok && m >= version {
		return false, nil
	}
	ok, err := s.Memory.SetIfNewer(ctx, key, version, value, ttl)
	if ok {
		s.max[key] = version
	}
	return ok, err
}

// unconditionalDeleteIf deletes whatever the key holds: a late release
// removes the claim of whoever holds the key now.
type unconditionalDeleteIf struct{ *store.Memory }

func (u unconditionalDeleteIf) DeleteIf(ctx context.Context, key, _ string) (bool, error) {
	_, ok, err := u.Get(ctx, key)
	if err != nil || !ok {
		return false, err
	}
	return true, u.Delete(ctx, key)
}

// racyDeleteIf reads, then deletes: several callers see the value.
type racyDeleteIf struct{ *store.Memory }

func (r racyDeleteIf) DeleteIf(ctx context.Context, key, value string) (bool, error) {
	v, ok, err := r.Get(ctx, key)
	if err != nil || !ok || v != value {
		return false, err
	}
	runtime.Gosched()
	time.Sleep(time.Millisecond)
	return true, r.Delete(ctx, key)
}

// clampsTTL takes a TTL over store.MaxTTL as MaxTTL instead of refusing it.
type clampsTTL struct{ *store.Memory }

func (c clampsTTL) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	return c.Memory.Set(ctx, key, value, min(ttl, store.MaxTTL))
}

// leaseIgnoresLiveLease takes a lease whoever holds it.
type leaseIgnoresLiveLease struct{ *store.Memory }

func (l leaseIgnoresLiveLease) Lease(ctx context.Context, key, holder string, ttl time.Duration) (store.Lease, error) {
	got, err := l.Memory.Lease(ctx, key, holder, ttl)
	if err == nil && !got.Held {
		got.Held, got.Wait = true, 0
	}
	return got, err
}

// releaseIgnoresHolder writes whoever releases, and ends nothing.
type releaseIgnoresHolder struct{ *store.Memory }

func (r releaseIgnoresHolder) Release(ctx context.Context, key, _, value string, ttl time.Duration) (bool, error) {
	return true, r.Set(ctx, key, value, ttl)
}

// neverAbandoned never reports an abandoned lease.
type neverAbandoned struct{ *store.Memory }

func (n neverAbandoned) Lease(ctx context.Context, key, holder string, ttl time.Duration) (store.Lease, error) {
	l, err := n.Memory.Lease(ctx, key, holder, ttl)
	l.Abandoned = false
	return l, err
}

// leaseReadsBefore reads the key, then takes the lease: another holder may
// write between the two, and the new holder decides on a stale value.
type leaseReadsBefore struct{ *store.Memory }

func (r leaseReadsBefore) Lease(ctx context.Context, key, holder string, ttl time.Duration) (store.Lease, error) {
	v, ok, err := r.Get(ctx, key)
	if err != nil {
		return store.Lease{}, err
	}
	runtime.Gosched()
	time.Sleep(time.Millisecond)
	l, err := r.Memory.Lease(ctx, key, holder, ttl)
	l.Value, l.Found = v, ok
	return l, err
}

// releaseKeepsLease writes the value but leaves the lease held.
type releaseKeepsLease struct{ *store.Memory }

func (r releaseKeepsLease) Release(ctx context.Context, key, holder, value string, ttl time.Duration) (bool, error) {
	l, err := r.Memory.Lease(ctx, key, holder, ttl) // the holder's own: renewed
	if err != nil || !l.Held {
		return false, err
	}
	return true, r.Set(ctx, key, value, ttl)
}

// renewalForgetsAbandoned reports nothing abandoned on a renewal of a
// live lease, as if the mark kept no word of the first take: a client's
// retry of a Lease whose answer was lost never learns it.
type renewalForgetsAbandoned struct {
	*store.Memory
	mu   sync.Mutex
	live map[string]leaseEnd // key: the last lease taken
}

type leaseEnd struct {
	holder string
	until  time.Time
}

func (r *renewalForgetsAbandoned) Lease(ctx context.Context, key, holder string, ttl time.Duration) (store.Lease, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	l, err := r.Memory.Lease(ctx, key, holder, ttl)
	if err != nil || !l.Held {
		return l, err
	}
	if last, ok := r.live[key]; ok && last.holder == holder && now.Before(last.until) {
		l.Abandoned = false
	}
	if r.live == nil {
		r.live = map[string]leaseEnd{}
	}
	r.live[key] = leaseEnd{holder, now.Add(ttl)}
	return l, nil
}

// releaseNotIdempotent answers false to a Release it already applied, as
// a store that found no mark would: a client's retry of a Release whose
// answer was lost believes nothing was written.
type releaseNotIdempotent struct {
	*store.Memory
	mu   sync.Mutex
	done map[[3]string]bool // key, holder, value of Releases applied
}

func (r *releaseNotIdempotent) Release(ctx context.Context, key, holder, value string, ttl time.Duration) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done[[3]string{key, holder, value}] {
		return false, nil
	}
	ok, err := r.Memory.Release(ctx, key, holder, value, ttl)
	if ok {
		if r.done == nil {
			r.done = map[[3]string]bool{}
		}
		r.done[[3]string{key, holder, value}] = true
	}
	return ok, err
}
