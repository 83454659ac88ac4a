package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/deskbridge/deskbridge/store"
)

// do runs ops with store.Do and fails the test on an error.
func (s *suite) do(ops ...*store.Op) {
	s.t.Helper()
	if err := store.Do(s.ctx, s.s, ops...); err != nil {
		s.t.Fatalf("Do: %v", err)
	}
}

// wantResult checks what op returned.
func (s *suite) wantResult(i int, op *store.Op, value string, ok bool) {
	s.t.Helper()
	r := op.Result
	if r.Err != nil || r.Value != value || r.OK != ok {
		s.t.Errorf("op %d (%v %q): Result = {%s, %v, %v}; want {%s, %v, <nil>}", i, op.Kind, op.Key, short(r.Value), r.OK, r.Err, short(value), ok)
	}
}

// Every kind of op in one batch returns what its single operation would,
// on keys of the batch and keys written before it, and leaves the store as
// the single operations would.
func (s *suite) testBatchLikeSingle() {
	held, rec, ver, gone := s.key("held"), s.key("record"), s.key("ver"), s.key("gone")
	s.add(held, "token", Long)
	s.set(rec, "done", Long)
	s.setIfNewerOK(ver, 10, "ten", Long)
	s.set(gone, "x", Long)
	fresh, never := s.key("fresh"), s.key("never")
	type step struct {
		op    *store.Op
		value string
		ok    bool
	}
	steps := []step{
		{store.GetOp(never), "", false},
		{store.GetOp(rec), "done", true},
		{store.AddOp(held, "other", Long), "", false},
		{store.AddOp(fresh, "mine", Long), "", true},
		{store.SetIfNewerOp(ver, 5, "five", Long), "", false},
		{store.SetIfNewerOp(rec, 1, "one", Long), "", true},
		{store.DeleteIfOp(held, "other"), "", false},
		{store.DeleteOp(gone), "", false},
		{store.SetOp(s.key("set"), "value", Long), "", false},
		{store.DeleteIfOp(s.key("absent"), ""), "", false},
	}
	ops := make([]*store.Op, len(steps))
	for i, st := range steps {
		ops[i] = st.op
	}
	s.do(ops...)
	for i, st := range steps {
		s.wantResult(i, st.op, st.value, st.ok)
	}
	s.want(held, "token", true, "after a refused Add and DeleteIf in a batch")
	s.want(fresh, "mine", true, "after an Add in a batch")
	s.want(ver, "ten", true, "after a refused SetIfNewer in a batch")
	s.want(rec, "one", true, "after SetIfNewer(1) over a Set, in a batch")
	s.want(gone, "", false, "after a Delete in a batch")
	s.want(s.key("set"), "value", true, "after a Set in a batch")
	// A SetIfNewer in a batch keeps its version for the next one.
	if s.setIfNewerOK(rec, 1, "again", Long) {
		s.t.Error("SetIfNewer(1) after a batch's SetIfNewer(1) = true: the batch lost the version")
	}
}

// Ops on one key run in the order given: each sees the earlier ones.
func (s *suite) testBatchOrder() {
	k, c := s.key("k"), s.key("claim")
	ops := []*store.Op{
		store.SetOp(k, "one", Long),
		store.GetOp(k),
		store.SetIfNewerOp(k, 3, "three", Long),
		store.SetIfNewerOp(k, 2, "two", Long),
		store.GetOp(k),
		store.DeleteIfOp(k, "three"),
		store.GetOp(k),
		store.AddOp(k, "claimed", Long),
		store.AddOp(k, "late", Long),
		store.GetOp(k),
		// A claim and the read that tells the winner's value, as a flow
		// batches them; then the release by its owner.
		store.AddOp(c, "a", Long),
		store.GetOp(c),
		store.DeleteIfOp(c, "a"),
		store.GetOp(c),
	}
	s.do(ops...)
	want := []struct {
		value string
		ok    bool
	}{
		{"", false}, {"one", true}, {"", true}, {"", false}, {"three", true},
		{"", true}, {"", false}, {"", true}, {"", false}, {"claimed", true},
		{"", true}, {"a", true}, {"", true}, {"", false},
	}
	for i, w := range want {
		s.wantResult(i, ops[i], w.value, w.ok)
	}
	s.want(k, "claimed", true, "after the batch")
}

// An invalid op gets its own ErrInvalid; the others run.
func (s *suite) testBatchInvalid() {
	k, ok := s.key("k"), s.key("ok")
	s.set(k, "kept", Long)
	bad := []*store.Op{
		store.GetOp(""),
		store.SetOp("", "v", Long),
		store.SetOp(k, "v", 0),
		store.AddOp(k+":new", "v", -1),
		store.SetIfNewerOp(k, 1, "v", store.MaxTTL+1),
		store.DeleteOp(""),
		store.DeleteIfOp("", "kept"),
		{Kind: 0, Key: k},
		{Kind: 200, Key: k, Value: "v", TTL: Long},
	}
	good := store.SetOp(ok, "written", Long)
	read := store.GetOp(k)
	ops := append(append([]*store.Op{}, bad[:4]...), good)
	ops = append(append(ops, bad[4:]...), read, nil)
	err := store.Do(s.ctx, s.s, ops...)
	if !errors.Is(err, store.ErrInvalid) {
		s.t.Errorf("Do with invalid ops: err = %v, want one matching store.ErrInvalid", err)
	}
	for i, op := range bad {
		if !errors.Is(op.Result.Err, store.ErrInvalid) {
			s.t.Errorf("invalid op %d (%v %q, TTL %v): Result.Err = %v, want store.ErrInvalid", i, op.Kind, op.Key, op.TTL, op.Result.Err)
		}
	}
	s.wantResult(4, good, "", false)
	s.wantResult(len(ops)-2, read, "kept", true)
	s.want(ok, "written", true, "the valid op beside invalid ones")
	s.want(k, "kept", true, "invalid ops write nothing")
	s.want(k+":new", "", false, "an invalid Add writes nothing")
	if err := store.Do(s.ctx, s.s); err != nil {
		s.t.Errorf("Do of no ops: %v", err)
	}
}

// An ended context fails every op, and nothing is written.
func (s *suite) testBatchCancelled() {
	k := s.key("k")
	s.set(k, "kept", Long)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := k + ":new"
	ops := []*store.Op{store.GetOp(k), store.SetOp(n, "v", Long), store.AddOp(n, "v", Long),
		store.SetIfNewerOp(n, 1, "v", Long), store.DeleteOp(k), store.DeleteIfOp(k, "kept")}
	if err := store.Do(ctx, s.s, ops...); !errors.Is(err, context.Canceled) {
		s.t.Errorf("Do with a cancelled context: err = %v, want context.Canceled", err)
	}
	for i, op := range ops {
		if !errors.Is(op.Result.Err, context.Canceled) {
			s.t.Errorf("op %d (%v) with a cancelled context: Result.Err = %v, want context.Canceled", i, op.Kind, op.Result.Err)
		}
	}
	s.want(n, "", false, "a batch with a cancelled context writes nothing")
	s.want(k, "kept", true, "a batch with a cancelled context deletes nothing")
}

// Of concurrent batches that each claim one key (an Add, then a Get of
// it), exactly one wins, and every Get reads the winner's value.
func (s *suite) testBatchConcurrentClaim() {
	for round := range 5 {
		k := s.key(fmt.Sprint("claim", round))
		other := s.key(fmt.Sprint("other", round))
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []string
			seen    []string
			errs    errList
		)
		start := make(chan struct{})
		for i := range concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				me := fmt.Sprint("replica-", i)
				add, get := store.AddOp(k, me, Long), store.GetOp(k)
				if errs.add(store.Do(s.ctx, s.s, store.SetOp(fmt.Sprint(other, i), me, Long), add, get)) {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if add.Result.OK {
					winners = append(winners, me)
				}
				seen = append(seen, get.Result.Value)
			}()
		}
		close(start)
		wg.Wait()
		if err := errs.first(); err != nil {
			s.t.Fatalf("concurrent batches: %v", err)
		}
		if len(winners) != 1 {
			s.t.Fatalf("%d concurrent batches adding one key: %d Adds succeeded (%v), want exactly 1", concurrency, len(winners), winners)
		}
		for _, v := range seen {
			if v != winners[0] {
				s.t.Fatalf("a batch's Get after its Add read %q, want the winner's %q", v, winners[0])
			}
		}
		s.want(k, winners[0], true, "the value is the winner's")
	}
}

// A batch of many ops.
func (s *suite) testBatchMany() {
	const n = 300
	sets := make([]*store.Op, n)
	gets := make([]*store.Op, n)
	for i := range n {
		sets[i] = store.SetOp(s.key(fmt.Sprint(i)), fmt.Sprint("v", i), Long)
		gets[i] = store.GetOp(s.key(fmt.Sprint(i)))
	}
	s.do(append(sets, gets...)...)
	for i, op := range gets {
		s.wantResult(n+i, op, fmt.Sprint("v", i), true)
	}
}
