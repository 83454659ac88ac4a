package keyedmutex

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// One holder per key at a time, other keys free, nothing kept after.
func TestOneHolderPerKey(t *testing.T) {
	t.Parallel()
	var m Mutex
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "a"
			if i%2 == 1 {
				key = "b"
			}
			unlock, err := m.Lock(t.Context(), key)
			if err != nil {
				t.Error(err)
				return
			}
			if key == "a" {
				n := inside.Add(1)
				for {
					old := most.Load()
					if n <= old || most.CompareAndSwap(old, n) {
						break
					}
				}
				time.Sleep(100 * time.Microsecond)
				inside.Add(-1)
			}
			unlock()
			unlock() // a second call does nothing
		}()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d holders of one key at once, want 1", most.Load())
	}
	if m.Held() != 0 || m.Waiting() != 0 {
		t.Errorf("held %d, waiting %d after every unlock, want 0 and 0", m.Held(), m.Waiting())
	}
}

// A waiter gives up with its context's cause, and leaves nothing behind.
func TestWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	var m Mutex
	unlock, err := m.Lock(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	busy := errors.New("busy")
	ctx, cancel := context.WithTimeoutCause(t.Context(), 10*time.Millisecond, busy)
	defer cancel()
	if _, err := m.Lock(ctx, "k"); !errors.Is(err, busy) {
		t.Errorf("err = %v, want the context's cause", err)
	}
	if m.Waiting() != 0 {
		t.Errorf("%d waiting after the wait ended", m.Waiting())
	}
	unlock()
	unlock2, err := m.Lock(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	unlock2()
	if m.Held() != 0 {
		t.Errorf("%d held", m.Held())
	}
}

func BenchmarkUncontended(b *testing.B) {
	var m Mutex
	ctx := context.Background()
	for b.Loop() {
		unlock, _ := m.Lock(ctx, "k")
		unlock()
	}
}
