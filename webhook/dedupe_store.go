package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deskbridge/deskbridge/store"
)

// Defaults of [StoreDeduper].
const (
	// DefaultDedupeLease is how long a [StoreDeduper] claim holds a key
	// while its event is handled. A replica that dies mid-event leaves the
	// key claimed that long; the sender's retries meanwhile get 503 busy,
	// and the first retry after it is handled. It is longer than any
	// handler function should run: Zendesk gives up on an answer after
	// about 12 seconds and Sunshine Conversations after 20.
	DefaultDedupeLease = 2 * time.Minute
	// DefaultDedupePrefix is the key prefix of a [StoreDeduper] whose
	// Prefix is empty.
	DefaultDedupePrefix = "webhook:dedupe:"
)

// The values a [StoreDeduper] stores under a key.
const (
	storeClaimed = "claimed"
	storeDone    = "done"
)

// errNoStore is the error of a [StoreDeduper] without a Store.
var errNoStore = fmt.Errorf("%w: StoreDeduper has no Store", ErrNotConfigured)

// StoreDeduper is a [Deduper] over a [store.Store], so that the replicas of
// a service share their claims: a retry that the load balancer sends to
// another replica is seen as a duplicate there, and two replicas never
// handle one event at the same time. It is the Deduper to use for a
// service that runs as several replicas, with a shared store such as
// [github.com/deskbridge/deskbridge/store/redisstore]; [MemoryDeduper]
// serves one process.
//
// Each key is stored under Prefix+key:
//
//   - Claim adds the value "claimed" for Lease if the key is absent
//     ([store.Store.Add]): the caller that adds it gets [ClaimNew]. If the
//     key is present, its value tells [ClaimDone] ("done") from
//     [ClaimBusy] ("claimed").
//   - Done sets "done" for TTL: later claims within TTL are duplicates.
//   - Release deletes the key, so that the sender's retry is handled.
//
// The lease frees a key whose replica died between Claim and Done or
// Release: once Lease has passed, the next Claim gets ClaimNew. Keep Lease
// longer than the handler function can run; a function still running when
// its lease ends may run beside the retry that claims the key again.
//
// A store error is returned as is; the [Handler] answers 503 with
// Retry-After, so that the sender retries once the store is back, and no
// event is lost. The zero Lease and TTL mean [DefaultDedupeLease] and
// [DefaultDedupeTTL]; an empty Prefix means [DefaultDedupePrefix]. Give
// each handler that shares a store its own Prefix (a flow and a tenant,
// say) unless they should share their keys. A StoreDeduper is safe for
// concurrent use when its Store is; set the fields before the first use.
type StoreDeduper struct {
	Store  store.Store   // where the claims are kept; required
	Prefix string        // put before every key; "" means DefaultDedupePrefix
	Lease  time.Duration // how long a claim holds; 0 means DefaultDedupeLease
	TTL    time.Duration // how long a handled key is remembered; 0 means DefaultDedupeTTL
}

// claimRaces bounds how often Claim retries when the key it could not add
// is gone before it could be read (released or expired in between).
const claimRaces = 3

// Claim implements [Deduper]: one Add, and one Get when the key is held.
func (d *StoreDeduper) Claim(ctx context.Context, key string) (ClaimState, error) {
	k, err := d.key(key)
	if err != nil {
		return 0, err
	}
	for range claimRaces {
		added, err := d.Store.Add(ctx, k, storeClaimed, positive(d.Lease, DefaultDedupeLease))
		if err != nil {
			return 0, fmt.Errorf("webhook: claiming %q: %w", key, err)
		}
		if added {
			return ClaimNew, nil
		}
		v, ok, err := d.Store.Get(ctx, k)
		if err != nil {
			return 0, fmt.Errorf("webhook: reading the claim of %q: %w", key, err)
		}
		switch {
		case !ok:
			continue // released or expired since the Add: try again
		case v == storeDone:
			return ClaimDone, nil
		default:
			return ClaimBusy, nil
		}
	}
	// The key keeps being claimed and released by others: let the sender
	// come back.
	return ClaimBusy, nil
}

// Done implements [Deduper]: key is remembered as handled for TTL.
func (d *StoreDeduper) Done(ctx context.Context, key string) error {
	k, err := d.key(key)
	if err != nil {
		return err
	}
	if err := d.Store.Set(ctx, k, storeDone, positive(d.TTL, DefaultDedupeTTL)); err != nil {
		return fmt.Errorf("webhook: marking %q handled: %w", key, err)
	}
	return nil
}

// Release implements [Deduper]: key is forgotten, so that the next Claim
// gets [ClaimNew].
func (d *StoreDeduper) Release(ctx context.Context, key string) error {
	k, err := d.key(key)
	if err != nil {
		return err
	}
	if err := d.Store.Delete(ctx, k); err != nil {
		return fmt.Errorf("webhook: releasing %q: %w", key, err)
	}
	return nil
}

// key returns the store key of key, or an error when d cannot serve it.
func (d *StoreDeduper) key(key string) (string, error) {
	switch {
	case d == nil || d.Store == nil:
		return "", errNoStore
	case key == "":
		return "", errors.New("webhook: StoreDeduper: empty de-duplication key")
	}
	prefix := d.Prefix
	if prefix == "" {
		prefix = DefaultDedupePrefix
	}
	return prefix + key, nil
}

// positive returns d, or def when d is not positive.
func positive(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
