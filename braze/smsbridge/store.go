package smsbridge

import (
	"container/heap"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Store keeps what the bridge must remember between deliveries: which agent
// replies were sent (or may have been), which inbound SMS were posted, the
// recent comments it posted itself (to recognise them if Zendesk sends
// them back), the ticket it last opened for each customer, and which
// customer's text is being handled. Values are short strings; each expires
// after its TTL.
//
// MemoryStore serves one process. A bridge running several replicas needs a
// shared store (Redis GET, SET with EX or NX, DEL; or a table with an
// expiry column) and a shared [webhook.Deduper] ([Config.Deduper]): a retry
// may reach another replica, and two texts of one customer may reach two.
type Store interface {
	// Get returns the value stored under key and whether there is one
	// that has not expired.
	Get(ctx context.Context, key string) (string, bool, error)
	// Set stores value under key for ttl, replacing any earlier value.
	// The bridge always passes a positive ttl (Redis refuses SET … EX 0);
	// to forget a key it calls Delete.
	Set(ctx context.Context, key, value string, ttl time.Duration) error
	// Add stores value under key for ttl only if the key holds no value
	// that has not expired, and reports whether it did; of several
	// concurrent Adds of one key, at most one succeeds (Redis SET … NX
	// PX, memcached add, an INSERT that replaces only an expired row).
	// The bridge claims a customer with it (see HandleInboundSMS).
	Add(ctx context.Context, key, value string, ttl time.Duration) (bool, error)
	// Delete removes key; a key that is absent or expired is no error
	// (Redis DEL).
	Delete(ctx context.Context, key string) error
}

// DefaultMemoryStoreKeys bounds a [MemoryStore]: past it, the entries closest
// to expiry are dropped first.
const DefaultMemoryStoreKeys = 100_000

// MemoryStore is an in-memory [Store] for one process, bounded in size
// (MaxKeys, default [DefaultMemoryStoreKeys]). The zero value is ready to use;
// set the fields before the first use. It is safe for concurrent use.
type MemoryStore struct {
	MaxKeys int              // 0 means DefaultMemoryStoreKeys
	Now     func() time.Time // nil means time.Now

	mu      sync.Mutex
	entries map[string]*memEntry
	expiry  expiryHeap
}

type memEntry struct {
	key     string
	value   string
	expires time.Time
	index   int // in the heap
}

// NewMemoryStore returns an empty [MemoryStore] with the defaults.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

func (m *MemoryStore) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Get implements [Store]. It never fails.
func (m *MemoryStore) Get(_ context.Context, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok || !m.now().Before(e.expires) {
		return "", false, nil
	}
	return e.value, true, nil
}

// Set implements [Store]. It never fails.
func (m *MemoryStore) Set(_ context.Context, key, value string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.set(key, value, ttl)
	return nil
}

// Add implements [Store]. It never fails.
func (m *MemoryStore) Add(_ context.Context, key, value string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[key]; ok && m.now().Before(e.expires) {
		return false, nil
	}
	m.set(key, value, ttl)
	return true, nil
}

// set stores value under key; m.mu is held.
func (m *MemoryStore) set(key, value string, ttl time.Duration) {
	if m.entries == nil {
		m.entries = map[string]*memEntry{}
	}
	now := m.now()
	expires := now.Add(ttl)
	if e, ok := m.entries[key]; ok {
		e.value, e.expires = value, expires
		heap.Fix(&m.expiry, e.index)
	} else {
		e := &memEntry{key: key, value: value, expires: expires}
		m.entries[key] = e
		heap.Push(&m.expiry, e)
	}
	// Drop what has expired, then the soonest to expire while over the
	// bound.
	maxKeys := m.MaxKeys
	if maxKeys <= 0 {
		maxKeys = DefaultMemoryStoreKeys
	}
	for len(m.expiry) > 0 && (len(m.expiry) > maxKeys || !now.Before(m.expiry[0].expires)) {
		e := heap.Pop(&m.expiry).(*memEntry)
		delete(m.entries, e.key)
	}
}

// Delete implements [Store]. It never fails.
func (m *MemoryStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[key]; ok {
		heap.Remove(&m.expiry, e.index)
		delete(m.entries, key)
	}
	return nil
}

// Len returns the number of entries held, expired ones not yet dropped
// included.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// expiryHeap orders entries by expiry.
type expiryHeap []*memEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
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

// errStore wraps a [Store] failure. It is transient: the handler answers
// 503, and the sender retries.
func errStore(err error) error { return fmt.Errorf("smsbridge: store: %w", err) }

// A record is what the bridge keeps in the [Store] about one delivery: a
// state word and numbers, space-separated ("pending 12 34 1765000000").

// record formats a record.
func record(state string, nums ...int64) string {
	b := []byte(state)
	for _, n := range nums {
		b = append(b, ' ')
		b = strconv.AppendInt(b, n, 10)
	}
	return string(b)
}

// readRecord reads the record under key: its state, "" when there is
// none, and its first numbers, 0 where missing.
func (b *Bridge) readRecord(ctx context.Context, key string) (state string, nums [3]int64, err error) {
	v, _, err := b.store.Get(ctx, key)
	if err != nil {
		return "", nums, errStore(err)
	}
	f := strings.Fields(v)
	if len(f) == 0 {
		return "", nums, nil
	}
	for i := 0; i < len(nums) && i+1 < len(f); i++ {
		nums[i], _ = strconv.ParseInt(f[i+1], 10, 64)
	}
	return f[0], nums, nil
}
