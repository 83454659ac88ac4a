// Package redisstore is a [store.Store] on Redis, for flows that run as
// several replicas: every replica given the same Redis and prefix shares
// the de-duplication claims, per-key ordering and caches of the flow.
//
//	client := redis.NewClient(&redis.Options{Addr: "redis:6379", ContextTimeoutEnabled: true})
//	s := redisstore.New(client, "acme:statussync:")
//
// It works with one Redis node, with Sentinel ([redis.NewFailoverClient])
// and with Redis Cluster ([redis.NewClusterClient]); it is tested against
// Redis 7, on one node and on a one-node cluster. It uses [github.com/redis/go-redis/v9].
//
// # Layout
//
// The store key k is the Redis key prefix + "{" + k + "}". The braces make
// k the Redis Cluster hash tag (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags):
// the slot of a key depends on k alone, and whatever this package keeps
// about k lives on one slot. Every operation touches the Redis keys of one
// store key only, so it works on a cluster whatever the slots; a prefix
// with braces is refused, since the hash tag would then come from the
// prefix and put every key of it on one node. A key that itself holds "}"
// makes a shorter hash tag (Redis reads up to the first "}"), which
// changes the slot, not the result.
//
// The Redis value is the version in decimal, a colon, then the value:
// "0:done" for a key written by Set, Add or Release,
// "1765000000000000000:away" for one written by SetIfNewer. Expiry is
// Redis's own, to the millisecond; a TTL is rounded up to a whole
// millisecond, and one longer than [store.MaxTTL] is refused before
// anything is sent (Redis would refuse an expiry past what its
// milliseconds hold, or overflow it).
//
// The lease of k ([Store.Lease]) is marked beside its value, in the Redis
// key prefix + "{" + k + "}:lease" ([Store.LeaseKey]): the same hash tag,
// so the same slot, and never the Redis key of a store key (those end with
// "}"). The mark is the lease's end in Unix milliseconds of Redis's clock
// (TIME, so replicas whose clocks differ agree), a space, 1 or 0 (whether
// the holder's first take replaced a lease that ended unreleased, which a
// renewal reports again as Abandoned), a space, then the holder:
// "1765000060000 0 replica-a:01HQ7". It expires [store.MarkTTL] after it
// was written (twice the lease's TTL), so that a lease that ended unreleased
// is reported Abandoned to the next holder meanwhile. The one key a lease
// cannot serve on Redis Cluster is a key beginning with "}": it has no
// hash tag (Redis hashes the whole name when the braces hold nothing), so
// its mark would fall on another slot; on a [redis.ClusterClient] the
// lease operations refuse it with an error matching [store.ErrInvalid].
// (On one node, Sentinel or a [redis.Ring] it works.)
//
// # One round trip per operation
//
// Each operation is one command, so one round trip to Redis:
//
//   - Get: GET.
//   - Set: SET with PX (EX for whole seconds).
//   - Add: SET with NX and PX: atomic in Redis, so of concurrent Adds of one
//     key exactly one succeeds, on any number of replicas.
//   - SetIfNewer: EVALSHA of a Lua script that compares the version held
//     with the new one and sets the key, atomically. The first call on a
//     Redis that has not cached the script gets NOSCRIPT and sends the
//     script with EVAL; every later call is one EVALSHA.
//   - Delete: DEL.
//   - DeleteIf: EVALSHA of a Lua script that deletes the key only if the
//     value it holds (after the version and colon) is the one given,
//     atomically; loaded like SetIfNewer's.
//   - Lease: EVALSHA of a Lua script that reads the value and the lease's
//     mark, and writes the mark unless another holder's lease is live,
//     atomically.
//   - Release: EVALSHA of a Lua script that checks the mark's holder, sets
//     the value (as Set) and deletes the mark, atomically.
//   - EndLease: EVALSHA of the same script without a value: it checks the
//     holder and deletes the mark.
//   - Ping: PING.
//
// A flow that decides about one key at a time (statussync, per agent)
// thus spends two round trips on it: Lease, then Release.
//
// [Store.Batch] (a [store.Batcher], run by [store.Do]) sends several of
// these commands in one pipeline: one round trip for the lot. A flow
// handling an event batches its independent operations (a claim, the
// reads it needs, the writes it can make up front), so that the event
// costs one or two round trips rather than one per operation.
//
// go-redis retries a command on a network error (MaxRetries, 3 by
// default) within the context's deadline. An Add or SetIfNewer whose first
// attempt was applied but whose answer was lost then reports false for the
// caller's own write, as any retry of a lost answer would. So a caller that
// claims with Add treats a key held by a claim (not by a finished record)
// as work in progress, answered with 503 until the lease ends, never as
// done.
//
// # Errors
//
// Every error is an [*Error] naming the operation and the key, never the
// password. Redis unreachable, slow past the context's deadline, or
// answering that it cannot serve now matches [deskbridge.ErrUnavailable]:
// a transient failure, so a flow answers the delivery with 503 and the
// sender retries; nothing is lost, and nothing is done twice.
//
// How long an operation tries while Redis is down is go-redis's: with its
// defaults (5 dial attempts 100 ms apart, 3 retries) about 1.7 s, unless
// the context ends sooner, so give each delivery a deadline. Once Redis is
// back the same [Store] works again: go-redis reconnects, within about a
// second (its pool answers with the last dial error until a background
// dial gets through).
package redisstore
