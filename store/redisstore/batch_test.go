package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
)

// batchOf5 is a batch of every kind but Delete, on distinct keys, after
// warm-up writes; want are the results.
func batchOf5(ctx context.Context, t *testing.T, s *redisstore.Store, name string) (ops []*store.Op, check func()) {
	t.Helper()
	if err := s.Set(ctx, name+":rec", "done", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, name+":claim", "token", time.Minute); err != nil {
		t.Fatal(err)
	}
	ops = []*store.Op{
		store.AddOp(name+":lock", "me", time.Minute),
		store.GetOp(name + ":rec"),
		store.SetOp(name+":echo", "1", time.Minute),
		store.SetIfNewerOp(name+":ver", 7, "seven", time.Minute),
		store.DeleteIfOp(name+":claim", "token"),
	}
	return ops, func() {
		t.Helper()
		want := []store.OpResult{{OK: true}, {Value: "done", OK: true}, {}, {OK: true}, {OK: true}}
		for i, op := range ops {
			if op.Result != want[i] {
				t.Errorf("op %d (%v): %+v, want %+v", i, op.Kind, op.Result, want[i])
			}
		}
		if v, ok, err := s.Get(ctx, name+":ver"); err != nil || !ok || v != "seven" {
			t.Errorf("after the batch, Get(ver) = %q %v %v", v, ok, err)
		}
		if _, ok, _ := s.Get(ctx, name+":claim"); ok {
			t.Error("the batch's DeleteIf left the claim")
		}
	}
}

// A batch of five ops is one round trip, one pipeline, with the keys in
// the store's layout; the single operations it replaces are five.
func TestBatchIsOneRoundTrip(t *testing.T) {
	client, _ := redistest.Client(t)
	c := redis.NewClient(like(client))
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	s := redisstore.New(c, redistest.Prefix(t))
	// Load the scripts (the first EVALSHA of a client may be answered
	// NOSCRIPT) and warm the connection.
	if _, err := s.SetIfNewer(ctx, "warm", 1, "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteIf(ctx, "warm", "v"); err != nil {
		t.Fatal(err)
	}
	rt := redistest.CountCommands(c)
	ops, check := batchOf5(ctx, t, s, "one")
	rt.Reset()
	if err := store.Do(ctx, s, ops...); err != nil {
		t.Fatal(err)
	}
	if n, cmds := rt.Count(), rt.Commands(); n != 1 || cmds[0] != "pipeline: set get set evalsha evalsha" {
		t.Errorf("a batch of 5 took %d round trips %q, want 1: pipeline: set get set evalsha evalsha", n, cmds)
	}
	check()
}

// After SCRIPT FLUSH, a batch's EVALSHAs are answered NOSCRIPT: each is
// sent again alone with EVAL, and the results are right.
func TestBatchAfterScriptFlush(t *testing.T) {
	client, _ := redistest.Client(t)
	c := redis.NewClient(like(client))
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	s := redisstore.New(c, redistest.Prefix(t))
	ops, check := batchOf5(ctx, t, s, "flushed")
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	rt := redistest.CountCommands(c)
	if err := store.Do(ctx, s, ops...); err != nil {
		t.Fatal(err)
	}
	if n, cmds := rt.Count(), rt.Commands(); n != 3 || cmds[0] != "pipeline: set get set evalsha evalsha" || cmds[1] != "eval" || cmds[2] != "eval" {
		t.Errorf("after SCRIPT FLUSH, the batch sent %q, want the pipeline then an EVAL per script op", cmds)
	}
	check()
}

// A script op followed in the batch by an op on its key is sent as EVAL,
// so that a NOSCRIPT cannot run it after that op.
func TestBatchScriptThenSameKey(t *testing.T) {
	client, _ := redistest.Client(t)
	c := redis.NewClient(like(client))
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	s := redisstore.New(c, redistest.Prefix(t))
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	rt := redistest.CountCommands(c)
	ops := []*store.Op{
		store.SetIfNewerOp("k", 5, "five", time.Minute),
		store.GetOp("k"),
		store.AddOp("c", "tok", time.Minute),
		store.DeleteIfOp("c", "tok"),
		store.GetOp("c"),
	}
	if err := store.Do(ctx, s, ops...); err != nil {
		t.Fatal(err)
	}
	if cmds := rt.Commands(); len(cmds) != 1 || cmds[0] != "pipeline: eval get set eval get" {
		t.Errorf("sent %q, want one pipeline with EVAL for the script ops", cmds)
	}
	if r := ops[1].Result; r.Value != "five" || !r.OK {
		t.Errorf("Get after SetIfNewer in one batch: %+v", r)
	}
	if !ops[3].Result.OK || ops[4].Result.OK {
		t.Errorf("DeleteIf then Get of a claim in one batch: %+v, %+v", ops[3].Result, ops[4].Result)
	}
}

// Errors in a batch are the single operations': a foreign value is named,
// a refused prefix is refused unsent, and Redis gone fails every op as
// unavailable.
func TestBatchErrors(t *testing.T) {
	client, _ := redistest.Client(t)
	ctx := context.Background()
	s := redisstore.New(client, redistest.Prefix(t))
	if err := client.Set(ctx, s.Key("foreign"), "no colon", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	get, sin, dif, ok := store.GetOp("foreign"), store.SetIfNewerOp("foreign", 1, "v", time.Minute), store.DeleteIfOp("foreign", "x"), store.SetOp("fine", "v", time.Minute)
	err := store.Do(ctx, s, get, sin, dif, ok)
	for _, op := range []*store.Op{get, sin, dif} {
		if e := op.Result.Err; e == nil || !strings.Contains(e.Error(), "another layout") || errors.Is(e, deskbridge.ErrUnavailable) ||
			!strings.HasPrefix(e.Error(), "redisstore: "+op.Kind.String()+` "foreign"`) {
			t.Errorf("%v of a foreign value in a batch: %v", op.Kind, e)
		}
	}
	if ok.Result.Err != nil || err == nil {
		t.Errorf("the valid op: %v; Do: %v", ok.Result.Err, err)
	}

	rec := &recorder{}
	bad := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	bad.AddHook(rec)
	defer bad.Close()
	bs := redisstore.New(bad, "acme{x}:")
	op := store.GetOp("k")
	if err := store.Do(ctx, bs, op); !errors.Is(err, store.ErrInvalid) || !strings.Contains(op.Result.Err.Error(), `"acme{x}:"`) {
		t.Errorf("a batch with a refused prefix: %v", err)
	}
	if cmds := rec.take(); len(cmds) != 0 {
		t.Errorf("sent %v with a refused prefix", cmds)
	}

	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	defer down.Close()
	ds := redisstore.New(down, "acme:")
	ops := []*store.Op{store.GetOp("a"), store.AddOp("b", "v", time.Minute), store.DeleteIfOp("c", "v")}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_ = store.Do(cctx, ds, ops...)
	for _, op := range ops {
		if !errors.Is(op.Result.Err, deskbridge.ErrUnavailable) || op.Result.OK {
			t.Errorf("%v with Redis unreachable: %+v, want ErrUnavailable", op.Kind, op.Result)
		}
	}
}
