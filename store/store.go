// Package store holds what a flow must remember between deliveries, so that
// the flow can run as several replicas behind a load balancer.
//
// A webhook sender retries onto whichever replica the balancer picks, and two
// events about one agent or one customer may reach two replicas at once. So
// everything a flow remembers — de-duplication claims, the order of changes
// per key, expected echoes, caches, poll cursors — goes through a [Store]
// that all replicas share, never through a process-local map.
//
// [Memory] serves one process (or several flow instances in one process).
// The Redis implementation, for replicas, is in package
// [github.com/deskbridge/deskbridge/store/redisstore]. Any other
// implementation can prove itself with the conformance suite in
// [github.com/deskbridge/deskbridge/store/storetest].
//
// A store error is transient by contract: a flow answers the delivery with
// 503 and the sender retries, so nothing is lost and nothing is done twice.
//
// Several independent operations go to the store in one round trip with
// [Do]: both implementations are a [Batcher] (on Redis, a batch is one
// pipeline).
//
// Both implementations also have Ping(ctx) error, outside the interface,
// for a readiness check (/readyz): [Memory.Ping] always succeeds, the Redis
// store's sends PING.
package store

import (
	"context"
	"errors"
	"time"
)

// Store is a shared key-value store with expiry, and the atomic operations
// a flow needs on top of get and set: a claim with a lease ([Store.Add])
// and its release by the claim's owner only ([Store.DeleteIf]), per-key
// ordering ([Store.SetIfNewer]), and a lease on a key that is read with
// the key and released with its new value ([Store.Lease], [Store.Release]),
// so that replicas take turns deciding about one key in two round trips.
//
// Keys and values are strings; a key is never empty, and every TTL is
// positive and at most [MaxTTL] (a zero or negative TTL is refused with an
// error matching [ErrInvalid], never taken as "forever"; so is a longer
// one, which a clock in nanoseconds or milliseconds since 1970 could not
// hold once added to the time now). An expired key behaves exactly
// like an absent one in every operation. Implementations are safe for
// concurrent use, by goroutines and by processes sharing one backend.
type Store interface {
	// Get returns the value stored under key and true, or "" and false if
	// the key is absent or expired.
	Get(ctx context.Context, key string) (value string, ok bool, err error)

	// Set stores value under key for ttl, replacing any value and version
	// held there.
	Set(ctx context.Context, key, value string, ttl time.Duration) error

	// Add stores value under key for ttl only if the key is absent or
	// expired, and reports whether it did. Of several concurrent Adds of
	// one key, exactly one succeeds. This is a claim with a lease: the
	// value is the claim, the TTL its lease, so that a key claimed by a
	// replica that died mid-event becomes claimable again once the lease
	// ends. A [Memory] store full of entries evicts finished records
	// (written by Set or SetIfNewer) before any unexpired claim.
	Add(ctx context.Context, key, value string, ttl time.Duration) (added bool, err error)

	// SetIfNewer stores value under key with version for ttl only if the
	// key is absent, expired, or holds a lower version, and reports whether
	// it did; an equal version is not newer. Of concurrent calls, the
	// highest version wins whatever order they arrive in. It keeps per-key
	// ordering: a flow passes the time an event was made (in Unix
	// nanoseconds, say) and drops events older than the one applied.
	// A key written by Set or Add holds version 0 here: any positive
	// version replaces it.
	SetIfNewer(ctx context.Context, key string, version int64, value string, ttl time.Duration) (stored bool, err error)

	// Delete removes key; a key that is absent or expired is no error.
	Delete(ctx context.Context, key string) error

	// DeleteIf removes key only if it holds exactly value (an absent or
	// expired key holds nothing), and reports whether it did, atomically:
	// of concurrent DeleteIfs of one key and value, at most one removes it.
	// The version a key holds (see SetIfNewer) is not compared.
	//
	// It ends a claim made with Add, by its owner only. Add a value only
	// the claimant knows (a random token, say) and release with DeleteIf of
	// that value: a release that comes late, after the lease ended and
	// another replica claimed the key, then removes nothing, where a Delete
	// would remove the other replica's claim and let a third claim the key
	// while the second still works.
	DeleteIf(ctx context.Context, key, value string) (deleted bool, err error)

	// Lease reads key and takes its lease for holder, for ttl, in one
	// atomic step, unless another holder's lease on key is live. A lease
	// is a lock that ends by itself: a replica holds it while it decides
	// about key and acts on what it read, and ends it with [Store.Release]
	// (writing the key's new value) or [Store.EndLease]; when the replica
	// dies first, the lease ends with its TTL. See [Lease] for what it
	// returns. Taking a lease the holder already holds renews it, and
	// reports what the first take reported (Abandoned included), so that a
	// client's retry of a Lease whose answer was lost still learns it.
	//
	// A lease is kept beside the key's value, not in it: [Store.Get] and
	// the other operations neither see nor change it, so every writer of a
	// leased key must hold its lease. An ended lease that was never
	// released is kept for another ttl ([MarkTTL]), so that the next Lease
	// within that time reports it Abandoned. The holder must not be empty.
	//
	// A lease is as durable as the store: one the store lost (a Redis
	// restarted empty, or a failover that lost a fresh write, since
	// replication is asynchronous, as for Add's claims) is free to the next
	// Lease, so two holders may then both hold it.
	Lease(ctx context.Context, key, holder string, ttl time.Duration) (Lease, error)

	// Release writes value under key for ttl (as [Store.Set] does) and ends
	// holder's lease on key, in one atomic step, only if holder still holds
	// that lease (live, or ended without another holder taking the key),
	// and reports whether it did.
	//
	// When key has no lease at all and already holds value (as Set writes
	// it), Release writes nothing and reports true: that is how a client's
	// retry of a Release that was applied, its answer lost, learns that it
	// was (the first ended the lease). So true means key holds value and
	// holder's lease on it is over.
	//
	// Otherwise, when it reports false, nothing was written: another holder
	// took the key after holder's lease ended (and decided on what it
	// read), or the lease's mark is gone: it ended unreleased more than
	// [MarkTTL] ago, or the store lost it (see [Store.Lease]). Either way
	// holder must take the lease again before deciding anew.
	Release(ctx context.Context, key, holder, value string, ttl time.Duration) (released bool, err error)

	// EndLease ends holder's lease on key without writing, only if holder
	// still holds it (as for [Store.Release]), and reports whether it did.
	// A lease with no mark left reports false, so a client's retry of an
	// EndLease that was applied, its answer lost, reports false though it
	// ended the lease.
	EndLease(ctx context.Context, key, holder string) (ended bool, err error)
}

// Lease is what [Store.Lease] found, and whether it took the lease.
type Lease struct {
	// Value and Found are the key's value, as [Store.Get] returns them,
	// read in the same atomic step as the lease was taken. They are set
	// whether or not the lease was taken.
	Value string
	Found bool
	// Held reports whether the caller now holds the lease. When it does
	// not, another holder's lease is live, and ends within Wait.
	Held bool
	Wait time.Duration
	// Abandoned reports that the lease taken replaces one that ended by
	// its TTL, never released: its holder may have acted on what it read
	// without writing what it did (it died, or lost the store). A renewal
	// (a Lease by the holder of the live lease) reports what the first
	// take reported, so that a client's retry of a Lease whose answer was
	// lost still learns it.
	Abandoned bool
}

// MaxTTL is the longest TTL a [Store] accepts: about 100 years. A longer
// one is refused with an error matching [ErrInvalid] (see [CheckTTL]),
// where it would overflow an expiry kept in Unix nanoseconds (past 2262:
// the key would expire at once) or Redis's in milliseconds.
const MaxTTL = 100 * 365 * 24 * time.Hour

// ErrInvalid is matched (with [errors.Is]) by the error of an operation
// refused before it reached the store: an empty key (or lease holder), or
// a TTL that is not positive or is longer than [MaxTTL]. It is the caller's bug, not a transient failure.
var ErrInvalid = errors.New("store: invalid argument")
