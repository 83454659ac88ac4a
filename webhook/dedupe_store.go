package webhook

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/store"
)

// Defaults of [StoreDeduper].
const (
	// DefaultDedupeLease is how long a [StoreDeduper] claim holds a key
	// while its event is handled. A replica that dies mid-event leaves the
	// key claimed that long; deliveries meanwhile get 503 busy with a
	// Retry-After just past the lease's end, so that the sender's next
	// retry is handled.
	//
	// It is longer than a handler normally runs: the function runs with the
	// request's context, and the senders hang up on an answer after 12
	// seconds (Zendesk, reportedly: see unconfirmed.go), 20 (Sunshine
	// Conversations, in its API specification,
	// https://github.com/zendesk/sunshine-conversations-api-spec) or 90 (Braze,
	// https://www.braze.com/docs/user_guide/message_building_by_channel/webhooks/understanding_webhooks/),
	// and the example servers' write timeout is 30. It is shorter than the
	// senders' retry horizons, so that a key a dead replica held is free
	// again while the sender still retries: Zendesk retries a 503 only
	// when its Retry-After is under a minute (reportedly, at most a few
	// times), so the lease plus a second stays under [MaxBusyRetryAfter];
	// Sunshine Conversations makes 5 attempts over 15 minutes and Braze 5
	// retries over 30 minutes, each a minute or more apart after the first.
	DefaultDedupeLease = 45 * time.Second
	// DefaultDedupePrefix is the key prefix of a [StoreDeduper] whose
	// Prefix is empty.
	DefaultDedupePrefix = "webhook:dedupe:"
)

// The values a [StoreDeduper] stores under a key: storeDone for a handled
// key, and for a claim storeClaimed + ":" + token + ":" + the end of its
// lease in Unix milliseconds. A bare storeClaimed is the claim of a
// StoreDeduper of 0.2.0, whose lease is unknown.
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
//   - Claim adds, for Lease, a claim value that holds a random token and
//     the time the lease ends ("claimed:<token>:<Unix ms>"), if the key is
//     absent ([store.Store.Add]): the caller that adds it gets [ClaimNew]
//     and the value as its [Claim.Token]. If the key is present, its value
//     tells [ClaimDone] ("done") from [ClaimBusy] (a claim), and a busy
//     answer carries what is left of the holder's lease ([Claim.Lease]),
//     read from the holder's value with this deduper's clock.
//   - Done sets "done" for TTL, whatever the key holds: later claims within
//     TTL are duplicates. If the lease ended and another delivery claimed
//     the key meanwhile, Done still marks it handled, which it was; the
//     other delivery's own Done or Release then changes nothing more.
//   - Release deletes the key only if it still holds this claim's token
//     ([store.Store.DeleteIf]), so that the sender's retry is handled; a
//     release that comes after the lease ended and another delivery
//     claimed the key leaves that claim alone, so that a third delivery
//     cannot claim the key while the second still works.
//
// The lease frees a key whose replica died between Claim and Done or
// Release: once Lease has passed, the next Claim gets ClaimNew. Keep Lease
// longer than the handler function can run, and under [MaxBusyRetryAfter]
// less a second, so that the first retry after a dead replica's lease is
// handled; a function still running when its lease ends may run beside the
// retry that claims the key again.
//
// The replicas' clocks should agree to a second or so: the end of a lease
// written by one is read by another to answer busy deliveries.
//
// A store error is returned as is; the [Handler] answers 503 with
// Retry-After, so that the sender retries once the store is back, and no
// event is lost. The zero Lease and TTL mean [DefaultDedupeLease] and
// [DefaultDedupeTTL]; an empty Prefix means [DefaultDedupePrefix]. Give
// each handler that shares a store its own Prefix (a flow and a tenant,
// say) unless they should share their keys. A StoreDeduper is safe for
// concurrent use when its Store is; set the fields before the first use.
type StoreDeduper struct {
	Store  store.Store      // where the claims are kept; required
	Prefix string           // put before every key; "" means DefaultDedupePrefix
	Lease  time.Duration    // how long a claim holds; 0 means DefaultDedupeLease
	TTL    time.Duration    // how long a handled key is remembered; 0 means DefaultDedupeTTL
	Now    func() time.Time // the clock of lease ends; nil means time.Now
}

// claimRaces bounds how often Claim retries when the key it could not add
// is gone before it could be read (released or expired in between).
const claimRaces = 3

// Claim implements [Deduper]: one Add, and one Get when the key is held.
func (d *StoreDeduper) Claim(ctx context.Context, key string) (Claim, error) {
	k, err := d.key(key)
	if err != nil {
		return Claim{}, err
	}
	lease := positive(d.Lease, DefaultDedupeLease)
	now := d.now()
	value := claimValue(rand.Text(), now.Add(lease))
	for range claimRaces {
		added, err := d.Store.Add(ctx, k, value, lease)
		if err != nil {
			return Claim{}, fmt.Errorf("webhook: claiming %q: %w", key, err)
		}
		if added {
			return Claim{State: ClaimNew, Token: value, Lease: lease}, nil
		}
		v, ok, err := d.Store.Get(ctx, k)
		if err != nil {
			return Claim{}, fmt.Errorf("webhook: reading the claim of %q: %w", key, err)
		}
		switch {
		case !ok:
			continue // released or expired since the Add: try again
		case v == storeDone:
			return Claim{State: ClaimDone}, nil
		}
		c := Claim{State: ClaimBusy}
		if end, ok := parseClaimValue(v); ok {
			// A lease already over by this clock, whose key is still
			// held (the clocks differ a little), ends any moment now.
			c.Lease = max(end.Sub(now), time.Millisecond)
		}
		return c, nil
	}
	// The key keeps being claimed and released by others: let the sender
	// come back.
	return Claim{State: ClaimBusy}, nil
}

// Done implements [Deduper]: key is remembered as handled for TTL, whatever
// it holds (the token is not needed).
func (d *StoreDeduper) Done(ctx context.Context, key, _ string) error {
	k, err := d.key(key)
	if err != nil {
		return err
	}
	if err := d.Store.Set(ctx, k, storeDone, positive(d.TTL, DefaultDedupeTTL)); err != nil {
		return fmt.Errorf("webhook: marking %q handled: %w", key, err)
	}
	return nil
}

// Release implements [Deduper]: key is forgotten if it still holds the
// claim of token, so that the next Claim gets [ClaimNew]; if the lease
// ended and another delivery claimed the key, nothing changes. A token that
// is not one of Claim's is refused with an error.
func (d *StoreDeduper) Release(ctx context.Context, key, token string) error {
	k, err := d.key(key)
	if err != nil {
		return err
	}
	if _, ok := parseClaimValue(token); !ok {
		return fmt.Errorf("webhook: releasing %q: the token is not one a StoreDeduper's Claim returned; pass Claim's Token", key)
	}
	if _, err := d.Store.DeleteIf(ctx, k, token); err != nil {
		return fmt.Errorf("webhook: releasing %q: %w", key, err)
	}
	return nil
}

// claimValue is the value of a claim of token whose lease ends at end.
func claimValue(token string, end time.Time) string {
	return storeClaimed + ":" + token + ":" + strconv.FormatInt(end.UnixMilli(), 10)
}

// parseClaimValue reads the end of the lease from a value claimValue
// wrote; ok is false for anything else (a bare "claimed" included).
func parseClaimValue(v string) (end time.Time, ok bool) {
	rest, ok := strings.CutPrefix(v, storeClaimed+":")
	if !ok {
		return time.Time{}, false
	}
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(rest[i+1:], 10, 64)
	if err != nil || ms < 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

func (d *StoreDeduper) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
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
