package smsbridge

import (
	"context"
	"errors"
	"sync"
	"time"
)

// customerLockTTL is the lease of a customer's claim in the store: longer
// than the handling of one text takes (a few Zendesk and Braze calls with
// short retry budgets), short enough that the claim of a replica that died
// does not hold the customer's texts back for long (Braze retries them).
const customerLockTTL = time.Minute

// errCustomerBusy: another replica is handling a text from the same
// customer; the text is answered 503 and Braze retries it.
var errCustomerBusy = errors.New("smsbridge: another text from this customer is being handled elsewhere; retry later")

// customerLockKey and customerTicketKey are the store keys of a customer's
// claim and of the ticket the bridge last opened for them.
func customerLockKey(externalID string) string {
	return keyPrefix + "customer-lock:" + digest(externalID)
}
func customerTicketKey(externalID string) string {
	return keyPrefix + "customer-ticket:" + digest(externalID)
}

// rememberedTicket returns the ticket the bridge last opened for the
// customer (see createTicket), 0 if none.
func (f *Flow) rememberedTicket(ctx context.Context, externalID string) (int64, error) {
	v, ok, err := f.store.Get(ctx, customerTicketKey(externalID))
	if err != nil || !ok {
		return 0, err
	}
	return parseTicketID(v), nil
}

// keyedMutex is a set of mutexes by key, held only while in use.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	ch   chan struct{} // holds a token while locked
	refs int           // holders and waiters
}

// lock locks key, waiting for its holder or for ctx.
func (k *keyedMutex) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedEntry{}
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{ch: make(chan struct{}, 1)}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()
	select {
	case e.ch <- struct{}{}:
		var once sync.Once
		return func() {
			once.Do(func() {
				<-e.ch
				k.drop(key, e)
			})
		}, nil
	case <-ctx.Done():
		k.drop(key, e)
		return nil, ctx.Err()
	}
}

func (k *keyedMutex) drop(key string, e *keyedEntry) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e.refs--; e.refs == 0 {
		delete(k.m, key)
	}
}

// len returns the number of keys in use.
func (k *keyedMutex) len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.m)
}
