package storetest_test

import (
	"slices"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/storetest"
)

// TestKeyRecorder: every key written is recorded once, reads and deletes
// are not, and the store below sees every operation.
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
	if got := r.Keys(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("Keys() = %q, want [a b c]", got)
	}
	if v, ok, err := m.Get(ctx, "c"); err != nil || !ok || v != "y" {
		t.Errorf("the store below holds c = %q %v %v, want y", v, ok, err)
	}
}
