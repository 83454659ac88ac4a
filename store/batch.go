package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// OpKind names the operation of an [Op]: one of the methods of [Store].
type OpKind uint8

// The kinds of [Op], one per method of [Store].
const (
	OpGet        OpKind = iota + 1 // [Store.Get]
	OpSet                          // [Store.Set]
	OpAdd                          // [Store.Add]
	OpSetIfNewer                   // [Store.SetIfNewer]
	OpDelete                       // [Store.Delete]
	OpDeleteIf                     // [Store.DeleteIf]
)

// String returns the name of the method: "Get", "Set", "Add",
// "SetIfNewer", "Delete" or "DeleteIf"; "OpKind(n)" for any other value.
func (k OpKind) String() string {
	switch k {
	case OpGet:
		return "Get"
	case OpSet:
		return "Set"
	case OpAdd:
		return "Add"
	case OpSetIfNewer:
		return "SetIfNewer"
	case OpDelete:
		return "Delete"
	case OpDeleteIf:
		return "DeleteIf"
	}
	return "OpKind(" + strconv.Itoa(int(k)) + ")"
}

// Op is one operation of a batch ([Batcher.Batch], [Do]): its kind, its
// arguments, and, once run, its [OpResult]. The fields a kind does not
// take are ignored (Value for OpGet and OpDelete, Version except for
// OpSetIfNewer, TTL for OpGet, OpDelete and OpDeleteIf). Build one with
// [GetOp], [SetOp], [AddOp], [SetIfNewerOp], [DeleteOp] or [DeleteIfOp].
//
// An Op is run by one batch at a time; read its Result once the batch
// returned.
type Op struct {
	Kind    OpKind
	Key     string
	Value   string
	Version int64
	TTL     time.Duration

	// Result is set by the batch that runs the Op.
	Result OpResult
}

// OpResult is what an [Op] returned: what its method of [Store] returns.
type OpResult struct {
	// Value is the value a Get found ("" when none).
	Value string
	// OK is the method's boolean: a Get found the key, an Add added it, a
	// SetIfNewer stored its value, a DeleteIf deleted the key. Always false
	// for Set and Delete.
	OK bool
	// Err is the operation's error, as its method returns it: an argument
	// refused (matching [ErrInvalid]), the context's error, or the
	// backend's (transient, by the contract of [Store]). An Op with an
	// error may or may not have been applied, as for its method.
	Err error
}

// GetOp returns an [Op] that runs [Store.Get] of key.
func GetOp(key string) *Op { return &Op{Kind: OpGet, Key: key} }

// SetOp returns an [Op] that runs [Store.Set] of key.
func SetOp(key, value string, ttl time.Duration) *Op {
	return &Op{Kind: OpSet, Key: key, Value: value, TTL: ttl}
}

// AddOp returns an [Op] that runs [Store.Add] of key.
func AddOp(key, value string, ttl time.Duration) *Op {
	return &Op{Kind: OpAdd, Key: key, Value: value, TTL: ttl}
}

// SetIfNewerOp returns an [Op] that runs [Store.SetIfNewer] of key.
func SetIfNewerOp(key string, version int64, value string, ttl time.Duration) *Op {
	return &Op{Kind: OpSetIfNewer, Key: key, Version: version, Value: value, TTL: ttl}
}

// DeleteOp returns an [Op] that runs [Store.Delete] of key.
func DeleteOp(key string) *Op { return &Op{Kind: OpDelete, Key: key} }

// DeleteIfOp returns an [Op] that runs [Store.DeleteIf] of key and value.
func DeleteIfOp(key, value string) *Op { return &Op{Kind: OpDeleteIf, Key: key, Value: value} }

// Check returns nil for an Op a [Store] accepts, else an error matching
// [ErrInvalid] that says why: an unknown kind, an empty key, or (for the
// writes that take one) a TTL that [CheckTTL] refuses. Batch
// implementations call it so that a batch refuses what the single
// operations refuse, in the same words.
func (op *Op) Check() error {
	switch op.Kind {
	case OpGet, OpDelete, OpDeleteIf:
		return CheckKey(op.Key)
	case OpSet, OpAdd, OpSetIfNewer:
		if err := CheckKey(op.Key); err != nil {
			return err
		}
		return CheckTTL(op.TTL)
	}
	return fmt.Errorf("%w: %v is not an operation; use the kinds store.OpGet to store.OpDeleteIf (or the constructors GetOp to DeleteIfOp)", ErrInvalid, op.Kind)
}

// Batcher is a [Store] that runs several independent operations in one
// round trip to its backend: the Redis store sends a batch as one pipeline.
// Flows call it through [Do], which also serves a Store without Batch.
//
// Batch runs ops, filling each one's Result, and returns once every op
// has one. Each op is atomic on its own, exactly as its method; the batch
// is not a transaction: another client's operations may run between two of
// its ops. Ops on one key run in the order given, so that an op sees the
// effect of the earlier ops on the same key (an AddOp then a GetOp of one
// key reads the value held after the Add, the caller's own or the one that
// made it fail). Ops on different keys may run in any order relative to
// each other (on Redis Cluster, a batch is split by node, and the nodes
// answer concurrently): a flow that needs one write seen before another
// key's (a record written before a claim is released) puts them in two
// batches.
//
// An op that is invalid (an empty key, a bad TTL, an unknown kind: see
// [Op.Check]) gets its own error matching [ErrInvalid] and does not stop
// the others; so does an ended context, for every op not yet sent. A
// backend failure fails the ops it left unanswered, each with the error its
// method would return. Batch with no ops does nothing; a nil op is skipped
// (use [Do], which refuses it with an error).
//
// A type that embeds a Batcher and overrides some of its single operations
// (to record them, or to inject faults) must override Batch too, or hide
// it: else [Do] runs the embedded Batch and bypasses the overrides.
type Batcher interface {
	Store
	Batch(ctx context.Context, ops []*Op)
}

// Do runs ops on s: in one batch when s is a [Batcher], else each by its
// method, one after the other, in the order given. Each op's Result is set
// either way (an earlier Result is overwritten). Do returns
// [errors.Join] of the ops' errors, nil when every op succeeded; the
// Results say which failed. A nil op is an error matching [ErrInvalid]
// (the other ops still run).
func Do(ctx context.Context, s Store, ops ...*Op) error {
	var errs []error
	run := ops
	for i, op := range ops {
		if op == nil {
			errs = append(errs, fmt.Errorf("%w: op %d of the batch is nil", ErrInvalid, i))
			continue
		}
		op.Result = OpResult{}
	}
	if len(errs) > 0 {
		run = make([]*Op, 0, len(ops))
		for _, op := range ops {
			if op != nil {
				run = append(run, op)
			}
		}
	}
	if b, ok := s.(Batcher); ok {
		b.Batch(ctx, run)
	} else {
		for _, op := range run {
			op.Result = RunOp(ctx, s, op)
		}
	}
	for _, op := range run {
		if op.Result.Err != nil {
			errs = append(errs, op.Result.Err)
		}
	}
	return errors.Join(errs...)
}

// RunOp runs op alone on s by the method of its kind, and returns its
// result (op itself is not changed). Batch implementations may use it for
// an op they cannot put in the batch; an unknown kind is refused with an
// error matching [ErrInvalid].
func RunOp(ctx context.Context, s Store, op *Op) OpResult {
	var r OpResult
	switch op.Kind {
	case OpGet:
		r.Value, r.OK, r.Err = s.Get(ctx, op.Key)
	case OpSet:
		r.Err = s.Set(ctx, op.Key, op.Value, op.TTL)
	case OpAdd:
		r.OK, r.Err = s.Add(ctx, op.Key, op.Value, op.TTL)
	case OpSetIfNewer:
		r.OK, r.Err = s.SetIfNewer(ctx, op.Key, op.Version, op.Value, op.TTL)
	case OpDelete:
		r.Err = s.Delete(ctx, op.Key)
	case OpDeleteIf:
		r.OK, r.Err = s.DeleteIf(ctx, op.Key, op.Value)
	default:
		r.Err = op.Check()
	}
	return r
}

var _ Batcher = (*Memory)(nil)

// Batch implements [Batcher.Batch]: every op under one hold of the
// Memory's lock, in the order given, so a batch is atomic here (though the
// interface does not promise it). An ended context fails every op.
func (m *Memory) Batch(ctx context.Context, ops []*Op) {
	ctxErr := ctx.Err()
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for _, op := range ops {
		if op == nil {
			continue
		}
		op.Result = OpResult{}
		if err := op.Check(); err != nil {
			op.Result.Err = err
			continue
		}
		if ctxErr != nil {
			op.Result.Err = ctxErr
			continue
		}
		op.Result = m.apply(op, now)
	}
}

// apply runs one valid op. m.mu is held.
func (m *Memory) apply(op *Op, now time.Time) OpResult {
	var r OpResult
	switch op.Kind {
	case OpGet:
		if e := m.live(op.Key, now); e != nil {
			r.Value, r.OK = e.value, true
		}
	case OpSet:
		m.put(op.Key, op.Value, 0, op.TTL, false, now)
	case OpAdd:
		if m.live(op.Key, now) == nil {
			m.put(op.Key, op.Value, 0, op.TTL, true, now)
			r.OK = true
		}
	case OpSetIfNewer:
		if e := m.live(op.Key, now); e == nil || e.version < op.Version {
			m.put(op.Key, op.Value, op.Version, op.TTL, false, now)
			r.OK = true
		}
	case OpDelete:
		if e, ok := m.entries[op.Key]; ok {
			m.remove(e)
		}
	case OpDeleteIf:
		if e := m.live(op.Key, now); e != nil && e.value == op.Value {
			m.remove(e)
			r.OK = true
		}
	}
	return r
}
