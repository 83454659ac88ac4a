package redisstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/store"
)

// Store is a [store.Store] on Redis, shared by every replica that uses the
// same Redis and prefix. Each operation is one round trip to Redis (see the
// package documentation). Safe for concurrent use.
type Store struct {
	client  redis.UniversalClient
	prefix  string
	badPfx  error         // why the prefix is refused, or nil
	guard   bool          // the client ignores context deadlines on its sockets
	cluster bool          // the client is a redis.ClusterClient
	secrets *rest.Secrets // the client's passwords, scrubbed from errors
}

var _ store.Store = (*Store)(nil)

// New returns a [Store] on client whose Redis keys all begin with prefix.
// The client may be a [redis.Client] (one node, or Sentinel through
// [redis.NewFailoverClient]), a [redis.ClusterClient] or a [redis.Ring];
// New does not contact Redis (see [Store.Ping]).
//
// Give each tenant and flow its own prefix ("acme:statussync:", say), so
// that several share one Redis. The prefix must not hold "{" or "}": Redis
// Cluster would read the hash tag from it and put every key of the prefix
// on one node. Such a prefix is refused by every operation with an error
// matching [store.ErrInvalid].
//
// A context deadline bounds every operation, whatever the client's
// options: build the client with ContextTimeoutEnabled so that go-redis
// applies the deadline to its socket reads and writes; else the Store waits
// for the command in another goroutine and returns when the context ends,
// and that goroutine ends within the client's ReadTimeout.
func New(client redis.UniversalClient, prefix string) *Store {
	s := &Store{client: client, prefix: prefix, guard: true}
	if strings.ContainsAny(prefix, "{}") {
		s.badPfx = errors.Join(store.ErrInvalid, errors.New(`the prefix `+quote(prefix)+` holds "{" or "}"; Redis Cluster would read the hash tag from it: use a prefix without braces, such as "acme:statussync:"`))
	}
	var secrets []string
	switch c := client.(type) {
	case *redis.Client:
		o := c.Options()
		s.guard = !o.ContextTimeoutEnabled
		secrets = append(secrets, o.Password)
	case *redis.ClusterClient:
		o := c.Options()
		s.guard, s.cluster = !o.ContextTimeoutEnabled, true
		secrets = append(secrets, o.Password)
	case *redis.Ring:
		o := c.Options()
		s.guard = !o.ContextTimeoutEnabled
		secrets = append(secrets, o.Password)
	}
	s.secrets = rest.NewSecrets(secrets...)
	return s
}

// Key returns the Redis key that holds key: the prefix, then key inside
// braces, so that key is the hash tag (see the package documentation).
func (s *Store) Key(key string) string {
	return s.prefix + "{" + key + "}"
}

// Get implements [store.Store.Get] with one GET.
func (s *Store) Get(ctx context.Context, key string) (string, bool, error) {
	if err := s.check("Get", ctx, key, time.Second); err != nil {
		return "", false, err
	}
	var raw string
	err := s.do(ctx, func(ctx context.Context) error {
		var err error
		raw, err = s.client.Get(ctx, s.Key(key)).Result()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, s.fail("Get", key, err)
	}
	_, value, ok := decode(raw)
	if !ok {
		return "", false, &Error{Op: "Get", Key: key, Err: errForeign(s.Key(key))}
	}
	return value, true, nil
}

// Set implements [store.Store.Set] with one SET … PX.
func (s *Store) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := s.check("Set", ctx, key, ttl); err != nil {
		return err
	}
	err := s.do(ctx, func(ctx context.Context) error {
		return s.client.Set(ctx, s.Key(key), encode(0, value), ms(ttl)).Err()
	})
	if err != nil {
		return s.fail("Set", key, err)
	}
	return nil
}

// Add implements [store.Store.Add] with one SET … NX PX.
func (s *Store) Add(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	if err := s.check("Add", ctx, key, ttl); err != nil {
		return false, err
	}
	var added bool
	err := s.do(ctx, func(ctx context.Context) error {
		var err error
		added, err = s.client.SetNX(ctx, s.Key(key), encode(0, value), ms(ttl)).Result()
		return err
	})
	if err != nil {
		return false, s.fail("Add", key, err)
	}
	return added, nil
}

// setIfNewer compares the version held under KEYS[1] with ARGV[1] and, when
// ARGV[1] is higher (or nothing is held), sets KEYS[1] to ARGV[2] for
// ARGV[3] milliseconds. Versions are compared as decimal strings, digit by
// digit: Lua's numbers are float64s, which cannot tell Unix nanoseconds one
// apart.
var setIfNewer = redis.NewScript(setIfNewerSrc)

const setIfNewerSrc = `
local function magless(a, b)
  if #a ~= #b then return #a < #b end
  for i = 1, #a do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return false
end
local function less(a, b)
  local na, nb = string.sub(a, 1, 1) == "-", string.sub(b, 1, 1) == "-"
  if na ~= nb then return na end
  if na then return magless(string.sub(b, 2), string.sub(a, 2)) end
  return magless(a, b)
end
local cur = redis.call("GET", KEYS[1])
if cur then
  local i = string.find(cur, ":", 1, true)
  local held = i and string.sub(cur, 1, i - 1)
  if not held or not string.match(held, "^%-?%d+$") then
    return redis.error_reply("FOREIGN the value was not written by redisstore")
  end
  if not less(held, ARGV[1]) then return 0 end
end
redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
return 1
`

// SetIfNewer implements [store.Store.SetIfNewer] with one EVALSHA of a Lua
// script (the first call on a Redis that has not cached the script sends
// EVALSHA, then EVAL).
func (s *Store) SetIfNewer(ctx context.Context, key string, version int64, value string, ttl time.Duration) (bool, error) {
	if err := s.check("SetIfNewer", ctx, key, ttl); err != nil {
		return false, err
	}
	return s.eval(ctx, "SetIfNewer", key, setIfNewer, setIfNewerArgs(version, value, ttl)...)
}

// setIfNewerArgs are the ARGV of setIfNewer.
func setIfNewerArgs(version int64, value string, ttl time.Duration) []any {
	return []any{strconv.FormatInt(version, 10), encode(version, value), ms(ttl).Milliseconds()}
}

// scripter is what eval runs: a [redis.Script], or evalOnly.
type scripter interface {
	Run(ctx context.Context, c redis.Scripter, keys []string, args ...any) *redis.Cmd
}

// eval runs script on the Redis key of key with args, for operation op,
// and reports whether it answered 1.
func (s *Store) eval(ctx context.Context, op, key string, script scripter, args ...any) (bool, error) {
	var n int64
	err := s.do(ctx, func(ctx context.Context) error {
		var err error
		n, err = script.Run(ctx, s.client, []string{s.Key(key)}, args...).Int64()
		return err
	})
	if err != nil {
		return false, s.scriptFail(op, key, err)
	}
	return n == 1, nil
}

// scriptFail wraps the error of a script, whose FOREIGN reply says the key
// holds a value in another layout.
func (s *Store) scriptFail(op, key string, err error) error {
	if redis.HasErrorPrefix(err, "FOREIGN") {
		err = errForeign(s.Key(key))
	}
	return s.fail(op, key, err)
}

// Delete implements [store.Store.Delete] with one DEL.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check("Delete", ctx, key, time.Second); err != nil {
		return err
	}
	err := s.do(ctx, func(ctx context.Context) error {
		return s.client.Del(ctx, s.Key(key)).Err()
	})
	if err != nil {
		return s.fail("Delete", key, err)
	}
	return nil
}

// deleteIf deletes KEYS[1] when the value it holds, read in the layout
// encode writes ("<version>:<value>"), is ARGV[1], whatever the version.
var deleteIf = redis.NewScript(deleteIfSrc)

const deleteIfSrc = `
local cur = redis.call("GET", KEYS[1])
if not cur then return 0 end
local i = string.find(cur, ":", 1, true)
if not i or not string.match(string.sub(cur, 1, i - 1), "^%-?%d+$") then
  return redis.error_reply("FOREIGN the value was not written by redisstore")
end
if string.sub(cur, i + 1) ~= ARGV[1] then return 0 end
redis.call("DEL", KEYS[1])
return 1
`

// DeleteIf implements [store.Store.DeleteIf] with one EVALSHA of a Lua
// script that reads the value and deletes the key atomically (the first
// call on a Redis that has not cached the script sends EVALSHA, then EVAL).
func (s *Store) DeleteIf(ctx context.Context, key, value string) (bool, error) {
	if err := s.check("DeleteIf", ctx, key, time.Second); err != nil {
		return false, err
	}
	return s.eval(ctx, "DeleteIf", key, deleteIf, value)
}

// Ping reports whether Redis answers, for a readiness check (/readyz): one
// PING. Its error matches [deskbridge.ErrUnavailable] when Redis cannot be
// reached, and [store.ErrInvalid] when the prefix is refused.
func (s *Store) Ping(ctx context.Context) error {
	if s.badPfx != nil {
		return &Error{Op: "Ping", Err: s.badPfx}
	}
	if err := ctx.Err(); err != nil {
		return &Error{Op: "Ping", Err: err}
	}
	err := s.do(ctx, func(ctx context.Context) error {
		return s.client.Ping(ctx).Err()
	})
	if err != nil {
		return s.fail("Ping", "", err)
	}
	return nil
}

// check refuses bad arguments, a refused prefix and an ended context
// before anything is sent.
func (s *Store) check(op string, ctx context.Context, key string, ttl time.Duration) error {
	err := store.CheckKey(key)
	if err == nil {
		err = store.CheckTTL(ttl)
	}
	if err == nil {
		err = s.badPfx
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return &Error{Op: op, Key: key, Err: err}
	}
	return nil
}

// do runs one command. When the client ignores context deadlines on its
// sockets, it runs the command in a goroutine and returns at the end of
// ctx, so that a Redis that stopped answering holds no caller past its
// deadline.
func (s *Store) do(ctx context.Context, cmd func(context.Context) error) error {
	if !s.guard || ctx.Done() == nil {
		return cmd(ctx)
	}
	done := make(chan error, 1)
	go func() { done <- cmd(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// encode is the Redis value of value at version: the version in decimal, a
// colon, the value. Set and Add write version 0.
func encode(version int64, value string) string {
	return strconv.FormatInt(version, 10) + ":" + value
}

// decode reads what encode wrote, and nothing else.
func decode(raw string) (version int64, value string, ok bool) {
	head, value, ok := strings.Cut(raw, ":")
	if !ok {
		return 0, "", false
	}
	version, err := strconv.ParseInt(head, 10, 64)
	if err != nil || strconv.FormatInt(version, 10) != head {
		return 0, "", false // not as encode writes it ("+1", "01")
	}
	return version, value, true
}

// ms rounds ttl up to a whole millisecond, Redis's finest expiry.
func ms(ttl time.Duration) time.Duration {
	return (ttl + time.Millisecond - 1).Truncate(time.Millisecond)
}

var _ store.Batcher = (*Store)(nil)

// Batch implements [store.Batcher.Batch] with one go-redis pipeline (not a
// MULTI transaction), so one round trip however many ops: GET, SET … PX,
// SET … NX PX and DEL as the single operations send them, and EVALSHA of
// the same Lua scripts for SetIfNewer and DeleteIf. Each op's Result is
// what its single operation returns, errors included (an [*Error] naming
// the op and its key); an op refused before anything is sent (see
// [store.Op.Check], the prefix) gets its error and is left out of the
// pipeline. When the connection is lost mid-batch, every op left unanswered
// fails with an error matching [deskbridge.ErrUnavailable].
//
// A script op answered NOSCRIPT (a Redis that restarted, or whose scripts
// were flushed) is sent again alone, with EVAL of the script: safe, since
// nothing ran. So that this never runs it after a later op of the batch on
// the same key, a script op followed in the batch by another op on its key
// is sent as EVAL from the start.
//
// On Redis Cluster, go-redis splits the pipeline by node and sends the
// parts concurrently: ops on one key (one slot) keep their order, ops on
// keys of different nodes do not (see [store.Batcher]).
func (s *Store) Batch(ctx context.Context, ops []*store.Op) {
	type sent struct {
		op     *store.Op
		cmd    redis.Cmder
		script *redis.Script
		args   []any
	}
	var todo []sent
	for i, op := range ops {
		if op == nil {
			continue
		}
		op.Result = store.OpResult{}
		if err := s.checkOp(ctx, op); err != nil {
			op.Result.Err = err
			continue
		}
		st := sent{op: op}
		switch op.Kind {
		case store.OpSetIfNewer:
			st.script, st.args = setIfNewer, setIfNewerArgs(op.Version, op.Value, op.TTL)
		case store.OpDeleteIf:
			st.script, st.args = deleteIf, []any{op.Value}
		}
		if st.script != nil && keyLater(ops[i+1:], op.Key) {
			st.script = nil // EVAL from the start: see above
			st.args = append([]any{evalSource(op.Kind)}, st.args...)
		}
		todo = append(todo, st)
	}
	if len(todo) == 0 {
		return
	}
	err := s.do(ctx, func(ctx context.Context) error {
		_, perr := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := range todo {
				todo[i].cmd = s.pipe(ctx, p, todo[i].op, todo[i].script, todo[i].args)
			}
			return nil
		})
		// Pipelined's error is its first command's (redis.Nil of a GET
		// miss included), read below with each command's; or, when it is
		// no reply of Redis, the connection's, which go-redis does not
		// always set on the commands (not after its last retry): then
		// every command without an error of its own fails with it.
		var rerr redis.Error
		if perr != nil && !errors.As(perr, &rerr) {
			for _, st := range todo {
				if st.cmd.Err() == nil {
					st.cmd.SetErr(perr)
				}
			}
		}
		return nil
	})
	for i := range todo {
		op := todo[i].op
		if err != nil {
			// The context ended before Redis answered; the pipeline's
			// goroutine may still be writing its commands: read none.
			op.Result.Err = s.fail(op.Kind.String(), op.Key, err)
			continue
		}
		st := todo[i]
		cerr := st.cmd.Err()
		if st.script != nil && redis.HasErrorPrefix(cerr, "NOSCRIPT") {
			var ok bool
			ok, op.Result.Err = s.eval(ctx, op.Kind.String(), op.Key, evalOnly{st.script}, st.args...)
			op.Result.OK = ok
			continue
		}
		op.Result = s.result(op, st.cmd)
	}
}

// checkOp is check for an op of a batch.
func (s *Store) checkOp(ctx context.Context, op *store.Op) error {
	if err := op.Check(); err != nil {
		return &Error{Op: op.Kind.String(), Key: op.Key, Err: err}
	}
	return s.check(op.Kind.String(), ctx, op.Key, time.Second)
}

// keyLater reports whether an op of ops is on key.
func keyLater(ops []*store.Op, key string) bool {
	for _, op := range ops {
		if op != nil && op.Key == key {
			return true
		}
	}
	return false
}

// evalSource returns the Lua source of the script of a script op's kind.
func evalSource(kind store.OpKind) string {
	if kind == store.OpSetIfNewer {
		return setIfNewerSrc
	}
	return deleteIfSrc
}

// pipe queues op on p and returns its command. A script op is EVALSHA of
// script, or, when script is nil, EVAL of args[0] with the rest.
func (s *Store) pipe(ctx context.Context, p redis.Pipeliner, op *store.Op, script *redis.Script, args []any) redis.Cmder {
	key := s.Key(op.Key)
	switch op.Kind {
	case store.OpGet:
		return p.Get(ctx, key)
	case store.OpSet:
		return p.Set(ctx, key, encode(0, op.Value), ms(op.TTL))
	case store.OpAdd:
		return p.SetNX(ctx, key, encode(0, op.Value), ms(op.TTL))
	case store.OpDelete:
		return p.Del(ctx, key)
	}
	if script == nil {
		return p.Eval(ctx, args[0].(string), []string{key}, args[1:]...)
	}
	return p.EvalSha(ctx, script.Hash(), []string{key}, args...)
}

// result reads the answer of op's command as its single operation does.
func (s *Store) result(op *store.Op, cmd redis.Cmder) store.OpResult {
	name := op.Kind.String()
	var r store.OpResult
	switch c := cmd.(type) {
	case *redis.StringCmd: // GET
		raw, err := c.Result()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			r.Err = s.fail(name, op.Key, err)
		default:
			var ok bool
			if _, r.Value, ok = decode(raw); ok {
				r.OK = true
			} else {
				r.Value, r.Err = "", &Error{Op: name, Key: op.Key, Err: errForeign(s.Key(op.Key))}
			}
		}
	case *redis.BoolCmd: // SET NX
		var err error
		if r.OK, err = c.Result(); err != nil {
			r.OK, r.Err = false, s.fail(name, op.Key, err)
		}
	case *redis.Cmd: // EVALSHA, EVAL
		n, err := c.Int64()
		if err != nil {
			r.Err = s.scriptFail(name, op.Key, err)
		}
		r.OK = err == nil && n == 1
	default: // SET, DEL
		if err := cmd.Err(); err != nil {
			r.Err = s.fail(name, op.Key, err)
		}
	}
	return r
}

// evalOnly runs a script with EVAL alone: for an op answered NOSCRIPT,
// whose EVALSHA would only be refused again.
type evalOnly struct{ script *redis.Script }

func (e evalOnly) Run(ctx context.Context, c redis.Scripter, keys []string, args ...any) *redis.Cmd {
	return e.script.Eval(ctx, c, keys, args...)
}
