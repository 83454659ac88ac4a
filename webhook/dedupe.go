package webhook

import (
	"container/list"
	"context"
	"strconv"
	"sync"
	"time"
)

// ClaimState is the answer of [Deduper.Claim].
type ClaimState int

const (
	// ClaimNew: the key was not seen; the caller now owns it and must call
	// Done once the event is handled, or Release if it was not.
	ClaimNew ClaimState = iota + 1
	// ClaimDone: the key was handled already; the delivery is a duplicate.
	ClaimDone
	// ClaimBusy: another delivery of the same key is being handled right
	// now; this one should be retried later.
	ClaimBusy
)

// String returns "new", "done", "busy" or "unknown".
func (s ClaimState) String() string {
	switch s {
	case ClaimNew:
		return "new"
	case ClaimDone:
		return "done"
	case ClaimBusy:
		return "busy"
	}
	return "unknown"
}

// Claim is the answer of [Deduper.Claim].
type Claim struct {
	// State says whether the caller now owns the key.
	State ClaimState
	// Token names the claim taken (State [ClaimNew]); the caller passes it
	// back to Done or Release, so that a release that comes after the
	// claim's lease ended, once another delivery claimed the key, leaves
	// that delivery's claim alone. It is opaque; "" for other states.
	Token string
	// Lease is, for [ClaimNew], how long the claim holds the key, and for
	// [ClaimBusy], what is left of the lease of the claim that holds it, as
	// the holder wrote it: the [Handler] answers a busy delivery with a
	// Retry-After just past it, so that the sender's retry comes once a
	// holder that died has let the key go. 0 means no lease (the claim
	// holds until it is settled) or unknown.
	Lease time.Duration
}

// Deduper remembers which deliveries were handled, so that the handler
// processes each event once although senders deliver at least once, and so
// that two concurrent deliveries of one event are not processed twice.
//
// Claim must be atomic: of several concurrent Claims of a key that is not
// done, exactly one gets [ClaimNew], the others [ClaimBusy] until that one
// calls Done (then [ClaimDone]) or Release (then the next Claim gets
// ClaimNew). Done and Release take the [Claim.Token] of the claim they
// settle: Release of a token that no longer holds the key (its lease ended
// and another delivery claimed the key) changes nothing. Done marks the key
// handled whatever holds it: the event was handled.
//
// [MemoryDeduper] serves one process. A service running several replicas
// uses [StoreDeduper] over a store all replicas share (Redis, say): its claims
// have a lease, so that a key claimed by a replica that died is claimable
// again later.
type Deduper interface {
	Claim(ctx context.Context, key string) (Claim, error)
	Done(ctx context.Context, key, token string) error
	Release(ctx context.Context, key, token string) error
}

// Defaults of [MemoryDeduper]: how many handled keys it remembers at most,
// and for how long.
const (
	DefaultDedupeKeys = 50_000
	DefaultDedupeTTL  = 24 * time.Hour
)

// MemoryDeduper is an in-memory [Deduper] for one process, bounded in size
// and time: it remembers at most MaxKeys handled keys, forgetting the
// oldest first, and forgets a key TTL after it was handled. Keys in flight
// are not counted; there are as many as concurrent deliveries.
//
// The zero value is ready to use with the defaults; set the fields before
// the first use. It is safe for concurrent use.
//
// Its memory is its process's own: replicas behind a load balancer would
// each handle a retry that the other one handled. Use a [StoreDeduper]
// over a shared store for them.
type MemoryDeduper struct {
	MaxKeys int              // 0 means DefaultDedupeKeys
	TTL     time.Duration    // 0 means DefaultDedupeTTL
	Now     func() time.Time // nil means time.Now

	mu       sync.Mutex
	inflight map[string]string        // key -> the token of its claim
	done     map[string]*list.Element // of doneKey, oldest first in order
	order    list.List
	claims   uint64 // claims made, for tokens
}

type doneKey struct {
	key string
	at  time.Time
}

// Claim implements [Deduper]. It never fails. Its claims have no lease:
// a key stays claimed until Done or Release ([Claim.Lease] is 0).
func (m *MemoryDeduper) Claim(_ context.Context, key string) (Claim, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if _, ok := m.inflight[key]; ok {
		return Claim{State: ClaimBusy}, nil
	}
	if el, ok := m.done[key]; ok {
		if m.now().Sub(el.Value.(doneKey).at) < m.ttl() {
			return Claim{State: ClaimDone}, nil
		}
		m.forget(el)
	}
	m.claims++
	token := "m" + strconv.FormatUint(m.claims, 10)
	m.inflight[key] = token
	return Claim{State: ClaimNew, Token: token}, nil
}

// Done implements [Deduper]: key is remembered as handled, whatever token
// is given. It never fails.
func (m *MemoryDeduper) Done(_ context.Context, key, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	delete(m.inflight, key)
	if el, ok := m.done[key]; ok {
		m.forget(el)
	}
	now := m.now()
	m.done[key] = m.order.PushBack(doneKey{key: key, at: now})

	// The list is in the order keys were handled: expired keys and, beyond
	// the bound, the oldest ones are at the front.
	ttl, limit := m.ttl(), m.maxKeys()
	for el := m.order.Front(); el != nil; el = m.order.Front() {
		if len(m.done) <= limit && now.Sub(el.Value.(doneKey).at) < ttl {
			break
		}
		m.forget(el)
	}
	return nil
}

// Release implements [Deduper]: key is no longer in flight and not
// handled, if token is that of the claim in flight. It never fails.
func (m *MemoryDeduper) Release(_ context.Context, key, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.inflight[key]; ok && t == token {
		delete(m.inflight, key)
	}
	return nil
}

// Len returns the number of handled keys remembered (expired keys not yet
// dropped included).
func (m *MemoryDeduper) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.done)
}

func (m *MemoryDeduper) init() {
	if m.done == nil {
		m.inflight = make(map[string]string)
		m.done = make(map[string]*list.Element)
	}
}

func (m *MemoryDeduper) forget(el *list.Element) {
	delete(m.done, el.Value.(doneKey).key)
	m.order.Remove(el)
}

func (m *MemoryDeduper) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *MemoryDeduper) ttl() time.Duration {
	if m.TTL > 0 {
		return m.TTL
	}
	return DefaultDedupeTTL
}

func (m *MemoryDeduper) maxKeys() int {
	if m.MaxKeys > 0 {
		return m.MaxKeys
	}
	return DefaultDedupeKeys
}
