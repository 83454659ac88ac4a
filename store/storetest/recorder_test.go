package storetest_test

import (
	"slices"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/storetest"
)

// TestKeyRecorder: every key written or leased is recorded once, reads,
// deletes and ended leases are not, and the store below sees every operation.
func TestKeyRecorder(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	m := store.NewMemory()
	r := storetest.NewKeyRecorder(m)
	if err := r.Set(ctx, "b", "1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Add(ctx, "a", "1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetIfNewer(ctx, "c", 2, "x", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetIfNewer(ctx, "c", 3, "y", time.Minute); err != nil {
		t.Fatal(err)
	}
	_, _, _ = r.Get(ctx, "read")
	_ = r.Delete(ctx, "deleted")
	if l, err := r.Lease(ctx, "d", "h", time.Minute); err != nil || !l.Held {
		t.Fatal(l, err)
	}
	if _, err := r.EndLease(ctx, "d", "h"); err != nil {
		t.Fatal(err)
	}
	if ok, err := r.Release(ctx, "e", "h", "x", time.Minute); err != nil || ok {
		t.Fatal(ok, err) // no lease held: nothing written, the key still recorded
	}
	_, _ = r.EndLease(ctx, "ended", "h")
	if got := r.Keys(); !slices.Equal(got, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("Keys() = %q, want [a b c d e]", got)
	}
	if v, ok, err := m.Get(ctx, "c"); err != nil || !ok || v != "y" {
		t.Errorf("the store below holds c = %q %v %v, want y", v, ok, err)
	}
}

// A batch through the recorder records the keys its writes name, runs on
// the store below, and passes the conformance suite.
func TestKeyRecorderBatch(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	m := store.NewMemory()
	r := storetest.NewKeyRecorder(m)
	add, get := store.AddOp("a", "1", time.Minute), store.GetOp("read")
	if err := store.Do(ctx, r, store.SetOp("b", "1", time.Minute), add, get, store.SetIfNewerOp("c", 1, "x", time.Minute),
		store.DeleteOp("deleted"), store.DeleteIfOp("a2", "1")); err != nil {
		t.Fatal(err)
	}
	if got := r.Keys(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("Keys() = %q, want [a b c]", got)
	}
	if !add.Result.OK {
		t.Error("the Add through the recorder's batch did not add")
	}
	if v, ok, err := m.Get(ctx, "c"); err != nil || !ok || v != "x" {
		t.Errorf("the store below holds c = %q %v %v, want x", v, ok, err)
	}
	storetest.Run(t, func(*testing.T) store.Store { return storetest.NewKeyRecorder(store.NewMemory()) })
}
