package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store"
)

// LeaseKey returns the Redis key that holds the mark of key's lease: the
// Redis key of key (see [Store.Key]) then ":lease". It has the same hash
// tag, so it is on the same Redis Cluster slot, and it cannot be the Redis
// key of any store key, which always ends with "}".
func (s *Store) LeaseKey(key string) string {
	return s.Key(key) + ":lease"
}

// lease reads KEYS[1] (the value) and takes the lease marked in KEYS[2]
// for holder ARGV[1], for ARGV[2] milliseconds, keeping the mark for
// ARGV[3] milliseconds, unless another holder's lease is live. The mark is
// "<until> <abandoned> <holder>", until in Unix milliseconds of Redis's
// clock (TIME), abandoned 1 when the holder's first take replaced a lease
// that ended unreleased, else 0: a renewal (the holder's live lease)
// reports it again, so that a retry of a Lease whose answer was lost still
// learns it. It returns {found, value or "", held, wait ms, abandoned}: a
// Lua nil would end the array, so an absent value is "" beside found = 0.
var lease = redis.NewScript(leaseSrc)

// readMark is the Lua both lease scripts read a mark with: it sets untl
// (a number), aband ("0" or "1") and who (the holder), or answers the
// FOREIGNLEASE error for a mark in another layout.
const readMark = `
local untl, aband = string.match(mark, "^(%d+) ([01]) ")
if not untl then
  return redis.error_reply("FOREIGNLEASE the lease mark was not written by redisstore")
end
local who = string.sub(mark, #untl + 4)
untl = tonumber(untl)
`

const leaseSrc = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cur = redis.call("GET", KEYS[1])
local found = 0
if cur then
  local i = string.find(cur, ":", 1, true)
  if not i or not string.match(string.sub(cur, 1, i - 1), "^%-?%d+$") then
    return redis.error_reply("FOREIGN the value was not written by redisstore")
  end
  found = 1
else
  cur = ""
end
local abandoned = 0
local mark = redis.call("GET", KEYS[2])
if mark then` + readMark + `
  if now < untl then
    if who ~= ARGV[1] then
      return {found, cur, 0, untl - now, 0}
    end
    abandoned = tonumber(aband)
  else
    abandoned = 1
  end
end
redis.call("SET", KEYS[2], string.format("%.0f", now + tonumber(ARGV[2])) .. " " .. abandoned .. " " .. ARGV[1], "PX", ARGV[3])
return {found, cur, 1, 0, abandoned}
`

// endLease deletes the mark KEYS[2] when its holder is ARGV[1], after
// setting KEYS[1] to ARGV[2] for ARGV[3] milliseconds when ARGV[2] is
// given (Release; EndLease gives only the holder), and answers 1; else 0,
// and writes nothing. With no mark, a Release answers 1 when KEYS[1]
// already holds ARGV[2]: the retry of a Release that was applied (its
// answer lost) learns that it was.
var endLease = redis.NewScript(endLeaseSrc)

const endLeaseSrc = `
local mark = redis.call("GET", KEYS[2])
if not mark then
  if ARGV[2] and redis.call("GET", KEYS[1]) == ARGV[2] then return 1 end
  return 0
end` + readMark + `
if who ~= ARGV[1] then return 0 end
if ARGV[2] then redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3]) end
redis.call("DEL", KEYS[2])
return 1
`

// Lease implements [store.Store.Lease] with one EVALSHA of a Lua script
// that reads the key, reads the lease's mark and takes the lease,
// atomically, on Redis's clock (so replicas whose clocks differ agree on
// when a lease ends). The mark is kept under [Store.LeaseKey] for
// [store.MarkTTL] of ttl.
func (s *Store) Lease(ctx context.Context, key, holder string, ttl time.Duration) (store.Lease, error) {
	if err := s.checkLease("Lease", ctx, key, holder, ttl); err != nil {
		return store.Lease{}, err
	}
	var reply []any
	err := s.do(ctx, func(ctx context.Context) error {
		var err error
		reply, err = lease.Run(ctx, s.client, s.leaseKeys(key), holder, ms(ttl).Milliseconds(), ms(store.MarkTTL(ttl)).Milliseconds()).Slice()
		return err
	})
	if err != nil {
		return store.Lease{}, s.leaseFail("Lease", key, err)
	}
	l, ok := readLease(reply)
	if !ok {
		return store.Lease{}, &Error{Op: "Lease", Key: key, Err: errForeign(s.Key(key))}
	}
	return l, nil
}

// readLease reads the lease script's reply; ok is false when the value it
// returns is not in the layout encode writes.
func readLease(reply []any) (l store.Lease, ok bool) {
	if len(reply) != 5 {
		return l, false
	}
	found, _ := reply[0].(int64)
	raw, _ := reply[1].(string)
	held, _ := reply[2].(int64)
	wait, _ := reply[3].(int64)
	abandoned, _ := reply[4].(int64)
	if found == 1 {
		if _, l.Value, ok = decode(raw); !ok {
			return store.Lease{}, false
		}
		l.Found = true
	}
	l.Held, l.Abandoned = held == 1, abandoned == 1
	if !l.Held {
		l.Wait = time.Duration(wait) * time.Millisecond
	}
	return l, true
}

// Release implements [store.Store.Release] with one EVALSHA of a Lua
// script that checks the lease's holder, sets the key (as [Store.Set]
// does: version 0) and deletes the mark, atomically; with no mark, it
// reports whether the key already holds the value (a retried Release).
func (s *Store) Release(ctx context.Context, key, holder, value string, ttl time.Duration) (bool, error) {
	if err := s.checkLease("Release", ctx, key, holder, ttl); err != nil {
		return false, err
	}
	return s.evalLease(ctx, "Release", key, holder, encode(0, value), ms(ttl).Milliseconds())
}

// EndLease implements [store.Store.EndLease] with one EVALSHA of the
// script of [Store.Release], given no value: it checks the lease's holder
// and deletes the mark, atomically.
func (s *Store) EndLease(ctx context.Context, key, holder string) (bool, error) {
	if err := s.checkLease("EndLease", ctx, key, holder, time.Second); err != nil {
		return false, err
	}
	return s.evalLease(ctx, "EndLease", key, holder)
}

// evalLease runs endLease and reports whether it answered 1.
func (s *Store) evalLease(ctx context.Context, op, key string, args ...any) (bool, error) {
	var n int64
	err := s.do(ctx, func(ctx context.Context) error {
		var err error
		n, err = endLease.Run(ctx, s.client, s.leaseKeys(key), args...).Int64()
		return err
	})
	if err != nil {
		return false, s.leaseFail(op, key, err)
	}
	return n == 1, nil
}

// leaseKeys are the KEYS of the lease scripts: the value, then the mark.
func (s *Store) leaseKeys(key string) []string {
	return []string{s.Key(key), s.LeaseKey(key)}
}

// leaseFail wraps the error of a lease script, whose FOREIGNLEASE reply
// says the mark's key holds a value in another layout.
func (s *Store) leaseFail(op, key string, err error) error {
	if redis.HasErrorPrefix(err, "FOREIGNLEASE") {
		return s.fail(op, key, fmt.Errorf("the Redis key %s holds a value in another layout (want \"<until ms> <0|1> <holder>\"): another program writes under this prefix; give each user of the Redis its own prefix: %w", quote(s.LeaseKey(key)), errForeignValue))
	}
	return s.scriptFail(op, key, err)
}

// checkLease is check with the lease's holder, and, on Redis Cluster, a
// key that leaves its mark on its slot.
func (s *Store) checkLease(op string, ctx context.Context, key, holder string, ttl time.Duration) error {
	err := store.CheckHolder(holder)
	if err == nil && s.cluster && strings.HasPrefix(key, "}") {
		err = errors.Join(store.ErrInvalid, errors.New(`on Redis Cluster a key beginning with "}" has no hash tag of its own, so its lease mark would be on another slot than its value: give such a key a first character other than "}"`))
	}
	if err != nil {
		return &Error{Op: op, Key: key, Err: err}
	}
	return s.check(op, ctx, key, ttl)
}
