package storetest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/store"
)

// KeyRecorder is a [store.Store] that passes every operation to Store and
// remembers each key written to it (by Set, Add, SetIfNewer or Release)
// or leased (by Lease), so that a test can check the keys a flow writes:
// that each carries the flow's prefix, say, so that flows may share one
// store. It is safe for concurrent use.
type KeyRecorder struct {
	store.Store

	mu   sync.Mutex
	keys map[string]bool
}

// NewKeyRecorder returns a KeyRecorder over s.
func NewKeyRecorder(s store.Store) *KeyRecorder { return &KeyRecorder{Store: s} }

// Keys returns the keys written or leased so far, sorted, each once.
func (r *KeyRecorder) Keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.keys))
	for k := range r.keys {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (r *KeyRecorder) saw(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys == nil {
		r.keys = map[string]bool{}
	}
	r.keys[key] = true
}

// Set records key and passes the call on.
func (r *KeyRecorder) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	r.saw(key)
	return r.Store.Set(ctx, key, value, ttl)
}

// Add records key and passes the call on.
func (r *KeyRecorder) Add(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	r.saw(key)
	return r.Store.Add(ctx, key, value, ttl)
}

// SetIfNewer records key and passes the call on.
func (r *KeyRecorder) SetIfNewer(ctx context.Context, key string, version int64, value string, ttl time.Duration) (bool, error) {
	r.saw(key)
	return r.Store.SetIfNewer(ctx, key, version, value, ttl)
}

// Lease records key and passes the call on.
func (r *KeyRecorder) Lease(ctx context.Context, key, holder string, ttl time.Duration) (store.Lease, error) {
	r.saw(key)
	return r.Store.Lease(ctx, key, holder, ttl)
}

// Release records key and passes the call on.
func (r *KeyRecorder) Release(ctx context.Context, key, holder, value string, ttl time.Duration) (bool, error) {
	r.saw(key)
	return r.Store.Release(ctx, key, holder, value, ttl)
}

// Batch records the keys that ops write (by Set, Add or SetIfNewer) and
// runs them on Store with [store.Do], so that a batch stays one round trip
// when Store is a [store.Batcher].
func (r *KeyRecorder) Batch(ctx context.Context, ops []*store.Op) {
	for _, op := range ops {
		if op == nil {
			continue
		}
		switch op.Kind {
		case store.OpSet, store.OpAdd, store.OpSetIfNewer:
			r.saw(op.Key)
		}
	}
	_ = store.Do(ctx, r.Store, ops...)
}
