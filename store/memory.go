package store

import (
	"container/heap"
	"container/list"
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// DefaultMemoryKeys bounds a [Memory] whose MaxKeys is 0.
const DefaultMemoryKeys = 100_000

// Memory is a [Store] held in the memory of one process: bounded in size,
// safe for concurrent use, each operation O(log n) in the number of keys
// held. The zero value is ready to use; set the fields before the first use.
//
// It serves one process, or several flow instances inside one process. Flows
// that run as several processes need a store they share, such as the one in
// package [github.com/deskbridge/deskbridge/store/redisstore].
//
// Memory keeps Redis's semantics where the two could differ: an expired key
// is absent to every operation, a [Memory.Set] over a claim makes the key a
// finished record of version 0, and a [Memory.Add] over an expired key makes
// a new claim.
//
// When a write would hold more than MaxKeys keys, Memory drops one key, in
// this order: an expired key first; else the finished record (written by
// [Memory.Set] or [Memory.SetIfNewer]) written longest ago; and only when no
// other key is held, the oldest unexpired claim (written by [Memory.Add]).
// A short claim thus outlives records of a day, whatever their TTLs: a
// claim protects an event being handled right now, a record only spares a
// repeat of work already done. The key just written is never the one
// dropped. Leases ([Memory.Lease]) are bounded apart: at most MaxKeys are
// kept, and when that many are held the marks of ended ones are dropped
// (their abandonment is then no longer reported); when that many are live,
// no other can be taken until one ends.
type Memory struct {
	// MaxKeys bounds the number of keys held; 0 means [DefaultMemoryKeys].
	MaxKeys int
	// Now is the clock that expiry reads; nil means [time.Now].
	Now func() time.Time

	mu      sync.Mutex
	entries map[string]*memEntry
	expiry  expiryHeap           // every entry, soonest expiry first
	records list.List            // entries written by Set or SetIfNewer, oldest write first
	claims  list.List            // entries written by Add, oldest write first
	leases  map[string]*memLease // the marks of leases (Lease), at most MaxKeys
}

type memEntry struct {
	key     string
	value   string
	version int64
	expires int64         // Unix nanoseconds
	index   int           // in Memory.expiry
	elem    *list.Element // in Memory.records or Memory.claims
	claim   bool          // written by Add (else by Set or SetIfNewer)
}

// NewMemory returns an empty [Memory] with the defaults.
func NewMemory() *Memory { return &Memory{} }

var _ Store = (*Memory)(nil)

func (m *Memory) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// CheckKey returns nil for a key a [Store] accepts, else an error matching
// [ErrInvalid] that says why. Implementations call it so that every store
// refuses the same input in the same words.
func CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: the key is empty", ErrInvalid)
	}
	return nil
}

// CheckTTL returns nil for a TTL a [Store] accepts, else an error matching
// [ErrInvalid] that says why: a TTL that is not positive is refused, never
// taken as "forever", and so is one longer than [MaxTTL].
func CheckTTL(ttl time.Duration) error {
	switch {
	case ttl <= 0:
		return fmt.Errorf("%w: the TTL is %v; it must be positive (a TTL is never \"forever\")", ErrInvalid, ttl)
	case ttl > MaxTTL:
		return fmt.Errorf("%w: the TTL is %v, longer than store.MaxTTL (%v, about 100 years); give a TTL of at most MaxTTL", ErrInvalid, ttl, MaxTTL)
	}
	return nil
}

// one runs a single op: checked, then applied under the lock.
func (m *Memory) one(ctx context.Context, op *Op) OpResult {
	if err := op.Check(); err != nil {
		return OpResult{Err: err}
	}
	if err := ctx.Err(); err != nil {
		return OpResult{Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.apply(op, m.now())
}

// Get implements [Store.Get]. It fails only for an empty key or an ended
// context.
func (m *Memory) Get(ctx context.Context, key string) (string, bool, error) {
	r := m.one(ctx, GetOp(key))
	return r.Value, r.OK, r.Err
}

// Set implements [Store.Set]. It fails only for invalid arguments or an
// ended context.
func (m *Memory) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	return m.one(ctx, SetOp(key, value, ttl)).Err
}

// Add implements [Store.Add]. It fails only for invalid arguments or an
// ended context.
func (m *Memory) Add(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	r := m.one(ctx, AddOp(key, value, ttl))
	return r.OK, r.Err
}

// SetIfNewer implements [Store.SetIfNewer]. It fails only for invalid
// arguments or an ended context.
func (m *Memory) SetIfNewer(ctx context.Context, key string, version int64, value string, ttl time.Duration) (bool, error) {
	r := m.one(ctx, SetIfNewerOp(key, version, value, ttl))
	return r.OK, r.Err
}

// Delete implements [Store.Delete]. It fails only for an empty key or an
// ended context.
func (m *Memory) Delete(ctx context.Context, key string) error {
	return m.one(ctx, DeleteOp(key)).Err
}

// DeleteIf implements [Store.DeleteIf]. It fails only for an empty key or
// an ended context.
func (m *Memory) DeleteIf(ctx context.Context, key, value string) (bool, error) {
	r := m.one(ctx, DeleteIfOp(key, value))
	return r.OK, r.Err
}

// Ping reports whether the store can serve, for a readiness check. A
// Memory always can: Ping returns the context's error, else nil.
func (m *Memory) Ping(ctx context.Context) error { return ctx.Err() }

// Len returns the number of unexpired keys held. It drops the expired ones
// first.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dropExpired(m.now())
	return len(m.entries)
}

// live returns the unexpired entry under key, or nil; an expired one is
// dropped. m.mu is held.
func (m *Memory) live(key string, now time.Time) *memEntry {
	e, ok := m.entries[key]
	if !ok {
		return nil
	}
	if now.UnixNano() >= e.expires {
		m.remove(e)
		return nil
	}
	return e
}

// put writes key, then drops what has expired and, when over the bound,
// one more entry (never the one just written). m.mu is held.
func (m *Memory) put(key, value string, version int64, ttl time.Duration, claim bool, now time.Time) {
	if m.entries == nil {
		m.entries = map[string]*memEntry{}
	}
	e, ok := m.entries[key]
	switch {
	case ok && e.claim == claim:
		m.list(claim).MoveToBack(e.elem)
	case ok:
		m.list(e.claim).Remove(e.elem)
		e.elem = m.list(claim).PushBack(e)
	default:
		e = &memEntry{key: key, expires: expiresAt(now, ttl)}
		e.elem = m.list(claim).PushBack(e)
		m.entries[key] = e
		heap.Push(&m.expiry, e)
	}
	e.value, e.version, e.claim = value, version, claim
	if expires := expiresAt(now, ttl); expires != e.expires {
		e.expires = expires
		heap.Fix(&m.expiry, e.index)
	}

	m.dropExpired(now)
	for len(m.entries) > m.maxKeys() {
		victim := m.victim(e)
		if victim == nil {
			return
		}
		m.remove(victim)
	}
}

// expiresAt returns now+ttl in Unix nanoseconds, saturated at the largest
// value rather than wrapped past it (a clock set after 2162 with a TTL of
// MaxTTL).
func expiresAt(now time.Time, ttl time.Duration) int64 {
	t := now.UnixNano()
	if t > math.MaxInt64-int64(ttl) {
		return math.MaxInt64
	}
	return t + int64(ttl)
}

// victim returns the entry to drop when full: the oldest record, else the
// oldest claim, never keep. m.mu is held and no entry has expired.
func (m *Memory) victim(keep *memEntry) *memEntry {
	for _, l := range []*list.List{&m.records, &m.claims} {
		for el := l.Front(); el != nil; el = el.Next() {
			if e := el.Value.(*memEntry); e != keep {
				return e
			}
		}
	}
	return nil
}

// dropExpired removes every expired entry. m.mu is held.
func (m *Memory) dropExpired(now time.Time) {
	t := now.UnixNano()
	for len(m.expiry) > 0 && t >= m.expiry[0].expires {
		m.remove(m.expiry[0])
	}
}

// remove drops e from every index. m.mu is held.
func (m *Memory) remove(e *memEntry) {
	heap.Remove(&m.expiry, e.index)
	m.list(e.claim).Remove(e.elem)
	delete(m.entries, e.key)
}

func (m *Memory) list(claim bool) *list.List {
	if claim {
		return &m.claims
	}
	return &m.records
}

// expiryHeap orders entries by expiry, soonest first.
type expiryHeap []*memEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires < h[j].expires }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *expiryHeap) Push(x any) {
	e := x.(*memEntry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
