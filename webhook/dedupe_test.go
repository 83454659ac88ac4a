package webhook

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// checkClaimCycle walks d through claim, busy, release, claim, done and
// duplicates of one key, as every Deduper must answer them.
func checkClaimCycle(t *testing.T, d Deduper, key string) {
	t.Helper()
	ctx := context.Background()
	steps := []struct {
		op   string
		want ClaimState
	}{
		{"claim", ClaimNew},
		{"claim", ClaimBusy},
		{"release", 0},
		{"claim", ClaimNew}, // released: the retry is processed
		{"done", 0},
		{"claim", ClaimDone},
		{"claim", ClaimDone},
	}
	var token string // of the last claim taken
	for i, s := range steps {
		var got ClaimState
		var err error
		switch s.op {
		case "claim":
			var c Claim
			c, err = d.Claim(ctx, key)
			got = c.State
			if c.State == ClaimNew {
				token = c.Token
			}
		case "release":
			err = d.Release(ctx, key, token)
		case "done":
			err = d.Done(ctx, key, token)
		}
		if err != nil || got != s.want {
			t.Fatalf("step %d (%s) = %v, %v; want %v", i, s.op, got, err, s.want)
		}
	}
}

func TestMemoryDeduperClaimCycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var m MemoryDeduper
	checkClaimCycle(t, &m, "k")
	if got, _ := stateOf(m.Claim(ctx, "other")); got != ClaimNew {
		t.Errorf("other key: %v", got)
	}
	if m.Len() != 1 {
		t.Errorf("Len = %d, want 1 (in-flight keys are not counted)", m.Len())
	}
	if err := m.Release(ctx, "never-claimed", ""); err != nil {
		t.Errorf("Release of an unknown key: %v", err)
	}
	if err := (&MemoryDeduper{}).Release(ctx, "x", ""); err != nil {
		t.Errorf("Release on a fresh deduper: %v", err)
	}
}

func TestMemoryDeduperBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := &MemoryDeduper{MaxKeys: 3}
	for i := range 5 {
		k := fmt.Sprint(i)
		stateOf(m.Claim(ctx, k))
		m.Done(ctx, k, "")
	}
	if m.Len() != 3 {
		t.Fatalf("Len = %d, want 3", m.Len())
	}
	for i, want := range []ClaimState{ClaimNew, ClaimNew, ClaimDone, ClaimDone, ClaimDone} {
		// Evicted keys (the oldest, 0 and 1) are new again.
		if got, _ := stateOf(m.Claim(ctx, fmt.Sprint(i))); got != want {
			t.Errorf("key %d: %v, want %v", i, got, want)
		}
	}
}

func TestMemoryDeduperTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &MemoryDeduper{TTL: time.Hour, Now: func() time.Time { return now }}
	stateOf(m.Claim(ctx, "a"))
	m.Done(ctx, "a", "")
	now = now.Add(30 * time.Minute)
	stateOf(m.Claim(ctx, "b"))
	m.Done(ctx, "b", "")

	now = now.Add(29 * time.Minute) // a is 59 min old
	if got, _ := stateOf(m.Claim(ctx, "a")); got != ClaimDone {
		t.Fatalf("a before its TTL: %v", got)
	}
	now = now.Add(time.Minute) // a is 60 min old: expired
	ca, _ := m.Claim(ctx, "a")
	if ca.State != ClaimNew {
		t.Fatalf("a after its TTL: %v", ca.State)
	}
	tokenA := ca.Token
	m.Release(ctx, "a", tokenA)
	if got, _ := stateOf(m.Claim(ctx, "b")); got != ClaimDone {
		t.Fatalf("b within its TTL: %v", got)
	}

	// Expired keys are dropped from memory as new ones are handled.
	now = now.Add(2 * time.Hour)
	stateOf(m.Claim(ctx, "c"))
	m.Done(ctx, "c", "")
	if m.Len() != 1 {
		t.Errorf("Len = %d after expiry, want 1", m.Len())
	}

	// Done on a key remembered already refreshes it (a store shared with
	// code that calls Done without Claim).
	stateOf(m.Claim(ctx, "d"))
	m.Done(ctx, "d", "")
	now = now.Add(50 * time.Minute)
	m.Done(ctx, "c", "") // c was done 50 min ago; now refreshed
	now = now.Add(20 * time.Minute)
	if got, _ := stateOf(m.Claim(ctx, "d")); got != ClaimNew {
		t.Errorf("d after 70 min: %v, want new", got)
	}
	if got, _ := stateOf(m.Claim(ctx, "c")); got != ClaimDone {
		t.Errorf("c refreshed 20 min ago: %v, want done", got)
	}
	if m.Len() != 1 {
		t.Errorf("Len = %d, want 1 (c)", m.Len())
	}
}

func TestMemoryDeduperDefaults(t *testing.T) {
	t.Parallel()
	var m MemoryDeduper
	if m.maxKeys() != DefaultDedupeKeys || m.ttl() != DefaultDedupeTTL {
		t.Errorf("defaults %d %v", m.maxKeys(), m.ttl())
	}
	if DefaultDedupeKeys != 50_000 || DefaultDedupeTTL != 24*time.Hour {
		t.Error("documented defaults changed")
	}
}

func TestMemoryDeduperConcurrentClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := &MemoryDeduper{MaxKeys: 100}
	var news atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for k := range 200 {
				key := fmt.Sprint(k % 20)
				if s, _ := stateOf(m.Claim(ctx, key)); s == ClaimNew {
					news.Add(1)
					m.Done(ctx, key, "")
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if news.Load() != 20 {
		t.Errorf("%d claims won, want 20 (one per key)", news.Load())
	}
}

func TestClaimStateString(t *testing.T) {
	t.Parallel()
	for s, want := range map[ClaimState]string{ClaimNew: "new", ClaimDone: "done", ClaimBusy: "busy", 0: "unknown"} {
		if s.String() != want {
			t.Errorf("%d: %q", int(s), s.String())
		}
	}
}

// stateOf is the state of a Claim, for tests that need nothing else.
func stateOf(c Claim, err error) (ClaimState, error) { return c.State, err }
