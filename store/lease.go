package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// CheckHolder returns nil for a lease holder a [Store] accepts, else an
// error matching [ErrInvalid]: the holder is empty. Implementations call
// it so that every store refuses the same input in the same words.
func CheckHolder(holder string) error {
	if holder == "" {
		return fmt.Errorf("%w: the lease holder is empty; give a token only the caller knows (crypto/rand.Text, say)", ErrInvalid)
	}
	return nil
}

// MarkTTL is how long a store keeps the mark of a lease of ttl: twice its
// TTL (at most [MaxTTL]), so that a lease that ended unreleased is
// reported [Lease].Abandoned to the next holder within ttl of its end,
// and its holder may still release it if nobody took the key meanwhile.
func MarkTTL(ttl time.Duration) time.Duration {
	if ttl > MaxTTL/2 {
		return MaxTTL
	}
	return 2 * ttl
}

// errLeasesFull: a Memory holds MaxKeys live leases.
var errLeasesFull = errors.New("store: the Memory holds MaxKeys live leases; none can be taken until one ends")

// memLease is the mark of a lease in a [Memory].
type memLease struct {
	holder string
	until  int64 // Unix nanoseconds: the lease is live before
	gone   int64 // Unix nanoseconds: the mark is dropped at
	// abandoned: when holder took the lease, it replaced one that ended
	// unreleased; a renewal reports it again.
	abandoned bool
}

// Lease implements [Store.Lease]. It fails for invalid arguments, an ended
// context, or when MaxKeys leases are live at once (a transient error: one
// ends within its TTL).
func (m *Memory) Lease(ctx context.Context, key, holder string, ttl time.Duration) (Lease, error) {
	if err := errors.Join(CheckKey(key), CheckHolder(holder), CheckTTL(ttl)); err != nil {
		return Lease{}, err
	}
	if err := ctx.Err(); err != nil {
		return Lease{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	t := now.UnixNano()
	var l Lease
	if e := m.live(key, now); e != nil {
		l.Value, l.Found = e.value, true
	}
	mark := m.leaseMark(key, t)
	switch {
	case mark != nil && t < mark.until && mark.holder != holder:
		l.Wait = time.Duration(mark.until - t)
		return l, nil
	case mark != nil && t < mark.until:
		l.Abandoned = mark.abandoned // a renewal: what the first take reported
	case mark != nil:
		l.Abandoned = true
	case mark == nil && len(m.leases) >= m.maxKeys():
		m.dropEndedLeases(t)
		if len(m.leases) >= m.maxKeys() {
			return Lease{}, errLeasesFull
		}
	}
	if m.leases == nil {
		m.leases = map[string]*memLease{}
	}
	m.leases[key] = &memLease{holder: holder, until: expiresAt(now, ttl), gone: expiresAt(now, MarkTTL(ttl)), abandoned: l.Abandoned}
	l.Held = true
	return l, nil
}

// Release implements [Store.Release]. It fails only for invalid arguments
// or an ended context.
func (m *Memory) Release(ctx context.Context, key, holder, value string, ttl time.Duration) (bool, error) {
	if err := errors.Join(CheckKey(key), CheckHolder(holder), CheckTTL(ttl)); err != nil {
		return false, err
	}
	return m.endLease(ctx, key, holder, &value, ttl)
}

// EndLease implements [Store.EndLease]. It fails only for invalid
// arguments or an ended context.
func (m *Memory) EndLease(ctx context.Context, key, holder string) (bool, error) {
	if err := errors.Join(CheckKey(key), CheckHolder(holder)); err != nil {
		return false, err
	}
	return m.endLease(ctx, key, holder, nil, 0)
}

// endLease drops holder's mark on key, after writing *value for ttl when
// value is not nil (Release). With no mark, a Release answers whether key
// already holds *value as Set writes it (the retry of an applied Release).
func (m *Memory) endLease(ctx context.Context, key, holder string, value *string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	mark := m.leaseMark(key, now.UnixNano())
	if mark == nil && value != nil {
		e := m.live(key, now)
		return e != nil && e.value == *value && e.version == 0, nil
	}
	if mark == nil || mark.holder != holder {
		return false, nil
	}
	delete(m.leases, key)
	if value != nil {
		m.put(key, *value, 0, ttl, false, now)
	}
	return true, nil
}

// leaseMark returns the mark of key's lease, or nil; a mark past its time
// is dropped. m.mu is held.
func (m *Memory) leaseMark(key string, t int64) *memLease {
	mark, ok := m.leases[key]
	if ok && t >= mark.gone {
		delete(m.leases, key)
		return nil
	}
	return mark
}

// dropEndedLeases drops the marks of every lease that ended. m.mu is held.
func (m *Memory) dropEndedLeases(t int64) {
	for k, mark := range m.leases {
		if t >= mark.until {
			delete(m.leases, k)
		}
	}
}

func (m *Memory) maxKeys() int {
	if m.MaxKeys <= 0 {
		return DefaultMemoryKeys
	}
	return m.MaxKeys
}
