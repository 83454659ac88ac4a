package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A vendor check answers from its last result for the TTL, runs once for
// probes that come together, and does not keep an answer its probe's own
// deadline cut short.
func TestCachedCheck(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var fail atomic.Bool
	now := time.Unix(1000, 0)
	var clock sync.Mutex
	tick := func(d time.Duration) { clock.Lock(); now = now.Add(d); clock.Unlock() }
	release := make(chan struct{})
	c := cachedCheck(readinessCheck{"zendesk acme", func(ctx context.Context) error {
		calls.Add(1)
		<-release
		if err := ctx.Err(); err != nil {
			return err
		}
		if fail.Load() {
			return errors.New("401")
		}
		return nil
	}}, 10*time.Second, func() time.Time { clock.Lock(); defer clock.Unlock(); return now })

	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); _ = c.check(t.Context()) }()
	}
	time.Sleep(10 * time.Millisecond) // let the probes pile up behind the first
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("%d vendor calls for five probes together, want 1", n)
	}
	fail.Store(true)
	tick(9 * time.Second)
	if err := c.check(t.Context()); err != nil || calls.Load() != 1 {
		t.Errorf("within the TTL: %v after %d calls, want the cached nil after 1", err, calls.Load())
	}
	tick(2 * time.Second)
	if err := c.check(t.Context()); err == nil || calls.Load() != 2 {
		t.Errorf("past the TTL: %v after %d calls, want the vendor's error after 2", err, calls.Load())
	}
	// A probe whose deadline ends first gets its context's error, and the
	// run's answer is not kept.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	tick(11 * time.Second)
	if err := c.check(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled probe: %v", err)
	}
	before := calls.Load()
	if err := c.check(t.Context()); err == nil || calls.Load() != before+1 {
		t.Errorf("after a cancelled probe: %v after %d calls, want a new call (%d)", err, calls.Load(), before+1)
	}
}
