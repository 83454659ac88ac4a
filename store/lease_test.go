package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/store"
)

// A Memory keeps at most MaxKeys leases: when that many are live, another
// is refused with a transient error (never ErrInvalid, never by dropping a
// live lease), and once one has ended it can be taken, the ended marks
// dropped.
func TestMemoryLeasesBounded(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock()
	m := &store.Memory{MaxKeys: 2, Now: clock.Now}
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if l, err := m.Lease(ctx, k, "h", time.Minute); err != nil || !l.Held {
			t.Fatalf("lease %s: %+v, %v", k, l, err)
		}
	}
	_, err := m.Lease(ctx, "c", "h", time.Minute)
	if err == nil || errors.Is(err, store.ErrInvalid) {
		t.Fatalf("a third live lease: %v, want a transient error", err)
	}
	if l, err := m.Lease(ctx, "a", "other", time.Minute); err != nil || l.Held {
		t.Fatalf("the live lease on a was dropped: %+v, %v", l, err)
	}
	clock.Advance(time.Minute)
	l, err := m.Lease(ctx, "c", "h", time.Minute)
	if err != nil || !l.Held || l.Abandoned {
		t.Fatalf("a lease once the others ended: %+v, %v", l, err)
	}
}
