package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/store"
)

// opsFrom decodes a batch from data, four bytes an op: kind, key, value
// and version, TTL. Kinds and TTLs include invalid ones; keys are few, so
// that ops meet on one key.
func opsFrom(data []byte) []*store.Op {
	keys := []string{"a", "b", "c", ""}
	ttls := []time.Duration{time.Minute, time.Second, 0, -time.Second, store.MaxTTL + 1, time.Millisecond}
	var ops []*store.Op
	for len(data) >= 4 {
		kind := store.OpKind(data[0] % 8) // 0 and 7 are no kind
		op := &store.Op{Kind: kind, Key: keys[int(data[1])%len(keys)], Value: fmt.Sprint("v", data[2]%4),
			Version: int64(data[2]%5) - 1, TTL: ttls[int(data[3])%len(ttls)]}
		ops = append(ops, op)
		data = data[4:]
	}
	return ops
}

// FuzzBatchLikeSingle: a batch on a Memory gives the results, and leaves
// the state, of the same ops run one by one on another Memory.
func FuzzBatchLikeSingle(f *testing.F) {
	f.Add([]byte{3, 0, 1, 0, 1, 0, 0, 0, 3, 0, 2, 0, 6, 0, 1, 0, 1, 0, 0, 0})
	f.Add([]byte{2, 1, 1, 2, 4, 1, 3, 0, 4, 1, 1, 0, 5, 1, 0, 0, 0, 3, 0, 0, 7, 0, 0, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		clock := testkit.NewClock()
		batched := &store.Memory{Now: clock.Now, MaxKeys: 2}
		single := &store.Memory{Now: clock.Now, MaxKeys: 2}
		ctx := context.Background()
		ops := opsFrom(data)
		err := store.Do(ctx, batched, ops...)
		var errs []error
		for i, op := range ops {
			want := store.RunOp(ctx, single, op)
			got := op.Result
			if got.Value != want.Value || got.OK != want.OK || (got.Err == nil) != (want.Err == nil) ||
				got.Err != nil && got.Err.Error() != want.Err.Error() {
				t.Fatalf("op %d %+v: batch %+v, single %+v", i, *op, got, want)
			}
			if want.Err != nil {
				if !errors.Is(want.Err, store.ErrInvalid) {
					t.Fatalf("op %d: %v, want only ErrInvalid on a Memory", i, want.Err)
				}
				errs = append(errs, want.Err)
			}
		}
		if (err == nil) != (len(errs) == 0) {
			t.Fatalf("Do: %v, with %d ops failed", err, len(errs))
		}
		for _, k := range []string{"a", "b", "c"} {
			v1, ok1, _ := batched.Get(ctx, k)
			v2, ok2, _ := single.Get(ctx, k)
			if v1 != v2 || ok1 != ok2 {
				t.Fatalf("after the ops, %q holds %q %v batched, %q %v single", k, v1, ok1, v2, ok2)
			}
		}
	})
}

// A nil op is refused by Do, and the others still run.
func TestDoNilOp(t *testing.T) {
	m := store.NewMemory()
	set := store.SetOp("k", "v", time.Minute)
	err := store.Do(context.Background(), m, nil, set)
	if !errors.Is(err, store.ErrInvalid) || set.Result.Err != nil {
		t.Fatalf("Do(nil, set): %v, set %+v", err, set.Result)
	}
	if v, ok, _ := m.Get(context.Background(), "k"); !ok || v != "v" {
		t.Error("the op beside a nil one did not run")
	}
	for k, want := range map[store.OpKind]string{store.OpGet: "Get", store.OpDeleteIf: "DeleteIf", 9: "OpKind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("OpKind(%d).String() = %q, want %q", k, got, want)
		}
	}
}
