package statussync

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
)

// The flow's keys in [Config].Store. Every key starts with keyPrefix, so
// that the flow can share a store (and a redisstore prefix) with other
// flows.
const (
	keyPrefix = "statussync:"
	// keyAgent + Zendesk agent id: the agent's record (agentState).
	keyAgent = keyPrefix + "agent:"
	// keyBabelforce + babelforce agent id: the Zendesk agent id, a cache
	// for automation calls that carry no source_id.
	keyBabelforce = keyPrefix + "bf:"
	// keyPollClaim and keyReconcileClaim: the claim of the replica running
	// the current poller or reconciler pass.
	keyPollClaim      = keyPrefix + "poll"
	keyReconcileClaim = keyPrefix + "reconcile"
	// keyDedupeZendesk and keyDedupeAutomation prefix the handlers'
	// de-duplication claims (webhook.StoreDeduper).
	keyDedupeZendesk    = keyPrefix + "dedupe:zendesk:"
	keyDedupeAutomation = keyPrefix + "dedupe:automation:"
)

// DefaultRetention is how long the flow remembers an agent it has not
// heard of since ([Config].Retention): its record (the last states and
// times applied on each side, the echoes it expects, the poller's last
// sight) expires that long after its last change. It exceeds the time any
// sender keeps retrying one event, so a late retry is still ordered
// against what was applied after it.
const DefaultRetention = 24 * time.Hour

// storeError is the error of an observation that the flow could not handle
// because [Config].Store failed. It is transient: the handler answers 503
// with Retry-After, the event is not marked as handled, and the sender's
// retry is handled once the store is back. Nothing is lost. It unwraps to
// the store's own error, so that it matches what that error matches
// ([github.com/deskbridge/deskbridge.ErrUnavailable] for Redis out of
// reach, with [github.com/deskbridge/deskbridge/store/redisstore]).
type storeError struct {
	op  string // what the flow was doing ("reading agent 42's record")
	err error
}

// Error returns "statussync: store: op: err".
func (e *storeError) Error() string { return "statussync: store: " + e.op + ": " + e.err.Error() }

// Unwrap returns the store's error.
func (e *storeError) Unwrap() error { return e.err }

func storeErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &storeError{op: op, err: err}
}

// agentRecord is an agentState as the store keeps it: times in Unix
// nanoseconds, short keys, empty fields left out.
type agentRecord struct {
	BFID        string   `json:"b,omitempty"`
	BFKnown     string   `json:"bk,omitempty"`
	BFKnownAt   int64    `json:"bka,omitempty"`
	ZDKnown     string   `json:"zk,omitempty"`
	ZDKnownAt   int64    `json:"zka,omitempty"`
	ZDUnified   string   `json:"zu,omitempty"`
	ZDUnifiedCh string   `json:"zuc,omitempty"`
	ZDUnifiedAt int64    `json:"zua,omitempty"`
	ZDChannel   string   `json:"zc,omitempty"`
	ZDChannelAt int64    `json:"zca,omitempty"`
	LastBF      int64    `json:"lb,omitempty"`
	BFTouchedAt int64    `json:"bt,omitempty"`
	BFEchoes    []bfWire `json:"be,omitempty"`
	ZDEchoes    []zdWire `json:"ze,omitempty"`
	Polled      string   `json:"p,omitempty"`
	PolledOK    bool     `json:"pok,omitempty"`
	Reconciled  string   `json:"rc,omitempty"`
	Abandoned   bool     `json:"ab,omitempty"`
	BFSet       string   `json:"bs,omitempty"`
	BFSetAt     int64    `json:"bsa,omitempty"`
	BFPending   string   `json:"bp,omitempty"`
	ZDSet       string   `json:"zs,omitempty"`
	ZDSetAt     int64    `json:"zsa,omitempty"`
	ZDPending   string   `json:"zp,omitempty"`
}

type bfWire struct {
	P  string `json:"p"`
	At int64  `json:"t"`
}

type zdWire struct {
	S  string `json:"s"`
	C  string `json:"c,omitempty"`
	At int64  `json:"t"`
	U  bool   `json:"u,omitempty"`
	CS bool   `json:"cs,omitempty"`
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// encode returns st as the store keeps it: its version, a space, and the
// record as JSON.
func (st *agentState) encode(version int64) string {
	r := agentRecord{
		BFID: st.bfID, BFKnown: st.bfKnown, BFKnownAt: nanos(st.bfKnownAt), ZDKnown: st.zdKnown, ZDKnownAt: nanos(st.zdKnownAt),
		ZDUnified: st.zdUnified, ZDUnifiedCh: st.zdUnifiedCh, ZDUnifiedAt: nanos(st.zdUnifiedAt),
		ZDChannel: st.zdChannel, ZDChannelAt: nanos(st.zdChannelAt), LastBF: nanos(st.lastBF), BFTouchedAt: nanos(st.bfTouchedAt),
		Polled: st.polled, PolledOK: st.polledOK, Reconciled: st.reconciled, Abandoned: st.abandoned,
		BFSet: st.bfSet, BFSetAt: nanos(st.bfSetAt), BFPending: st.bfPending,
		ZDSet: st.zdSet, ZDSetAt: nanos(st.zdSetAt), ZDPending: st.zdPending,
	}
	for _, e := range st.bfEchoes {
		r.BFEchoes = append(r.BFEchoes, bfWire{P: e.presence, At: nanos(e.at)})
	}
	for _, e := range st.zdEchoes {
		r.ZDEchoes = append(r.ZDEchoes, zdWire{S: e.status, C: e.channel, At: nanos(e.at), U: e.unifiedSeen, CS: e.channelSeen})
	}
	b, _ := json.Marshal(r) // strings, ints and bools only: cannot fail
	return strconv.FormatInt(version, 10) + " " + string(b)
}

// decodeAgent reads a record written by encode.
func decodeAgent(id int64, s string) (*agentState, error) {
	version, ok := recordVersion(s)
	if !ok {
		return nil, fmt.Errorf("statussync: agent %d's record in the store does not start with a version", id)
	}
	_, body, _ := strings.Cut(s, " ")
	var r agentRecord
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, fmt.Errorf("statussync: agent %d's record in the store: %w", id, err)
	}
	st := &agentState{id: id, version: version,
		bfID: r.BFID, bfKnown: r.BFKnown, bfKnownAt: fromNanos(r.BFKnownAt), zdKnown: r.ZDKnown, zdKnownAt: fromNanos(r.ZDKnownAt),
		zdUnified: r.ZDUnified, zdUnifiedCh: r.ZDUnifiedCh, zdUnifiedAt: fromNanos(r.ZDUnifiedAt),
		zdChannel: r.ZDChannel, zdChannelAt: fromNanos(r.ZDChannelAt), lastBF: fromNanos(r.LastBF), bfTouchedAt: fromNanos(r.BFTouchedAt),
		polled: r.Polled, polledOK: r.PolledOK, reconciled: r.Reconciled, abandoned: r.Abandoned,
		bfSet: r.BFSet, bfSetAt: fromNanos(r.BFSetAt), bfPending: r.BFPending,
		zdSet: r.ZDSet, zdSetAt: fromNanos(r.ZDSetAt), zdPending: r.ZDPending,
	}
	for _, e := range r.BFEchoes {
		st.bfEchoes = append(st.bfEchoes, bfEcho{presence: e.P, at: fromNanos(e.At)})
	}
	for _, e := range r.ZDEchoes {
		st.zdEchoes = append(st.zdEchoes, zdEcho{status: e.S, channel: e.C, at: fromNanos(e.At), unifiedSeen: e.U, channelSeen: e.CS})
	}
	return st, nil
}

func agentKey(id int64) string { return keyAgent + strconv.FormatInt(id, 10) }

// decide runs fn on the record of the Zendesk agent id under its lease:
// acquire reads the record and takes the lease (one store round trip), fn
// decides and acts, and finish writes the record back as it ends the lease
// (one more), whatever fn returned, and also when fn panics. What fn
// reports reaches OnResult once the record is written, as flow.Failed
// (DetailStore) when the write failed. fn's context
// ends decideTimeout after the lease was taken, so that its sends end
// within the lease. A delivery (wait set) waits for a lease another
// observation holds (see acquire). decided reports whether fn ran: when
// it did not, err is acquire's (errBusy, a store error, or the context's),
// which fn did not report.
func (f *Flow) decide(ctx context.Context, id int64, wait bool, fn func(context.Context, *agentState) error) (decided bool, err error) {
	st, err := f.acquire(ctx, id, wait)
	if err != nil {
		return false, err
	}
	dctx, cancel := context.WithTimeout(ctx, decideTimeout)
	defer cancel()
	results := &decisionResults{}
	dctx = context.WithValue(dctx, resultsKey{}, results)
	returned := false
	defer func() {
		if !returned {
			// A decision cut short: none of it is written unless it sent
			// something, nothing is reported, and the panic goes on to
			// the handler (503).
			_ = f.finish(ctx, st, errPanicked)
			return
		}
		rerr := f.finish(ctx, st, err)
		for _, r := range results.rs {
			if rerr != nil {
				r.Outcome, r.Detail, r.Err = flow.Failed, DetailStore, rerr
			}
			f.emit(ctx, r)
		}
		if rerr != nil {
			err = rerr
		}
	}()
	err = fn(dctx, st)
	returned = true
	return true, err
}

// errPanicked stands for the outcome of a decision that panicked, for
// finish: a failure before anything is known to be sent.
var errPanicked = errors.New("statussync: the decision panicked")

// decideTimeout bounds an observation's decision under its agent's lease
// (see decide): the lease (sendLease) outlasts it by releaseTimeout and a
// margin, so that a change is never sent after the lease has ended and
// another replica decided about the agent.
const decideTimeout = sendLease - releaseTimeout - 10*time.Second

// acquire reads the record of the Zendesk agent id and takes its lease
// ([store.Store.Lease]): one store round trip. While another observation
// (on any replica) holds the lease, acquire waits for it, up to
// [Config].LeaseWait when wait is set; past that (or at once when wait is
// not set) it returns errBusy and asks the sender to retry once the lease
// has ended (see askAfterLease). An agent never seen (or forgotten) has
// an empty record of version 0.
//
// A lease that ended unreleased (its replica died, or lost the store, and
// may have sent a change it never wrote) marks the record abandoned, and
// the mark is written with the record, whatever the observation decides,
// until an observation reads the other side (see applyZendesk and
// applyBabelforce).
//
// A record that does not decode (written by another version of the flow,
// during a rolling deploy or after a rollback) is dropped and started
// afresh, its version kept: it is the flow's own, and ordering restarts
// from the next observation, so the agent is not blocked until the
// record expires.
func (f *Flow) acquire(ctx context.Context, id int64, wait bool) (*agentState, error) {
	key, holder := agentKey(id), rand.Text()
	var waited time.Duration
	pause := time.Millisecond
	for {
		l, err := f.store.Lease(ctx, key, holder, sendLease)
		if err != nil {
			f.abandonLease(ctx, key, holder, err)
			return nil, storeErr(fmt.Sprintf("reading agent %d's record", id), err)
		}
		if l.Held {
			st := f.decodeLeased(ctx, id, l)
			st.holder, st.read = holder, l.Value
			if l.Abandoned && !st.abandoned {
				st.abandoned, st.newlyAbandoned = true, true
				f.commit(st)
			}
			return st, nil
		}
		pause = max(min(pause, l.Wait), time.Millisecond)
		if !wait || waited+pause > f.cfg.LeaseWait {
			askAfterLease(ctx, l.Wait)
			return nil, errBusy
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("statussync: waiting for agent %d's record: %w", id, ctx.Err())
		case <-t.C:
		}
		waited += pause
		pause = min(2*pause, maxLeasePause)
	}
}

// maxLeasePause is the longest pause between two tries of acquire; the
// first is a millisecond, and each doubles the one before.
const maxLeasePause = 100 * time.Millisecond

// abandonLease ends, as a best effort, a lease whose Lease failed with
// err: the store may have taken it though its answer was lost (a
// deadline, a dropped connection), and no one else knows its holder. It
// costs a round trip on that failure only.
func (f *Flow) abandonLease(ctx context.Context, key, holder string, err error) {
	if errors.Is(err, store.ErrInvalid) {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	_, _ = f.store.EndLease(ctx, key, holder)
}

// decodeLeased returns the agent's record from what Lease read.
func (f *Flow) decodeLeased(ctx context.Context, id int64, l store.Lease) *agentState {
	if !l.Found {
		return &agentState{id: id}
	}
	st, err := decodeAgent(id, l.Value)
	if err == nil {
		return st
	}
	f.log.WarnContext(ctx, "statussync: dropping an agent record that does not decode", "zendesk_agent_id", id, "error", err.Error())
	version, _ := recordVersion(l.Value)
	return &agentState{id: id, version: version, dirty: true}
}

// peek reads the agent's record without its lease (one round trip), for a
// pass that leases only the agents that need a decision. ok is false when
// the record does not decode: the pass leases the agent then.
func (f *Flow) peek(ctx context.Context, id int64) (st *agentState, ok bool, err error) {
	v, found, err := f.store.Get(ctx, agentKey(id))
	if err != nil {
		return nil, false, storeErr(fmt.Sprintf("reading agent %d's record", id), err)
	}
	if !found {
		return &agentState{id: id}, true, nil
	}
	st, err = decodeAgent(id, v)
	return st, err == nil, nil
}

// recordVersion reads the version a record starts with (see encode).
func recordVersion(s string) (int64, bool) {
	v, _, ok := strings.Cut(s, " ")
	version, err := strconv.ParseInt(v, 10, 64)
	return version, ok && err == nil && version > 0
}

// commit marks st as changed: release writes it, at the next version.
func (f *Flow) commit(st *agentState) { st.dirty = true }

// finish ends the observation's lease on st's agent after it returned
// err. An observation that failed for a reason a retry may not meet (not
// a permanent refusal) before it sent anything writes none of what it
// changed: its retry decides afresh (a poll that failed is seen again at
// the next pass). Only a mark of abandonment found by its lease is
// written then. Any other observation writes what it changed (see
// release).
func (f *Flow) finish(ctx context.Context, st *agentState, err error) error {
	if st.released {
		return nil
	}
	if err != nil && !st.sent && !webhook.IsPermanent(err) && !errors.Is(err, webhook.ErrDuplicate) {
		read := f.decodeLeased(ctx, st.id, store.Lease{Value: st.read, Found: st.read != ""})
		read.holder, read.dirty = st.holder, st.newlyAbandoned
		read.abandoned = read.abandoned || st.newlyAbandoned
		st.released = true
		return f.release(ctx, read)
	}
	return f.release(ctx, st)
}

// release ends the observation's lease on st's agent: it writes st when
// the observation changed it (and did not forget the agent), in the same
// round trip ([store.Store.Release]), else it ends the lease
// ([store.Store.EndLease]). It is called once per observation; a second
// call does nothing.
//
// It runs even when ctx has ended (the sender gave up waiting), within
// releaseTimeout. A write that fails is a store error: the sender
// retries, and the retry is decided once the lease has ended, as after
// an abandoned one. A write refused because the lease was lost (its mark
// was dropped: the store lost it, or the observation outlived it and
// another replica took the agent) is logged. A lease that cannot be ended
// without a write is logged too: it ends by itself.
func (f *Flow) release(ctx context.Context, st *agentState) error {
	if st == nil || st.released {
		return nil
	}
	st.released = true
	// The lease is ended even when the delivery's context has ended (its
	// sender gave up waiting): else it would hold the agent until it ends
	// by itself.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	key := agentKey(st.id)
	if !st.dirty || st.forgotten {
		if _, err := f.store.EndLease(ctx, key, st.holder); err != nil {
			f.log.WarnContext(ctx, "statussync: cannot end the lease on an agent's record; it ends by itself", "zendesk_agent_id", st.id, "error", err.Error())
		}
		return nil
	}
	ok, err := f.store.Release(ctx, key, st.holder, st.encode(st.version+1), f.cfg.Retention)
	if err != nil {
		return storeErr(fmt.Sprintf("writing agent %d's record", st.id), err)
	}
	if !ok {
		f.log.WarnContext(ctx, "statussync: the lease on an agent's record was lost before its decision was written (the store dropped it, or the decision outlived it); the decision is not in the record", "zendesk_agent_id", st.id)
		return nil
	}
	st.version++
	return nil
}

// releaseTimeout bounds the round trip that ends a lease (release).
const releaseTimeout = 5 * time.Second

// sendLease is how long an observation may hold its agent's lease: it
// exceeds the longest a decision takes, the sends and the clients'
// retries included. A replica that dies holding it blocks the agent that
// long: deliveries about the agent are answered 503 (busy) meanwhile, with
// a Retry-After of what is left of the lease plus a second (at most
// flow.MaxRetryAfter, 59 s: see askAfterLease), and decided once it has
// ended. Zendesk's retries of a 503 reach past it in two: one 59 s on, then
// one a second past the lease.
const sendLease = time.Minute

// askAfterLease asks the sender of a delivery answered busy, because
// another observation holds its agent's lease for left more, to retry a
// second after the lease ends (flow.AskRetryAfter caps it): a fixed
// Retry-After would spend the sender's few retries inside the lease, and
// lose the event when the replica holding it died.
func askAfterLease(ctx context.Context, left time.Duration) {
	flow.AskRetryAfter(ctx, left+time.Second)
}

// errBusy: another observation holds the agent's lease.
var errBusy = errors.New("another delivery is deciding about this agent; retry later")

// forget marks the agent's record not to be written: an observation about
// an agent the flow cannot act on leaves nothing behind (release ends the
// lease without writing), when it found no record.
func (f *Flow) forget(st *agentState) { st.forgotten = true }

// rememberBabelforceAgent records which Zendesk agent a babelforce agent
// is, for automation calls without a source_id.
func (f *Flow) rememberBabelforceAgent(ctx context.Context, bfID string, zid int64) {
	if bfID == "" || zid <= 0 {
		return
	}
	if err := f.store.Set(ctx, keyBabelforce+bfID, strconv.FormatInt(zid, 10), f.cfg.Retention); err != nil {
		f.log.WarnContext(ctx, "statussync: cannot cache a babelforce agent's Zendesk id", "babelforce_agent_id", bfID, "error", err.Error())
	}
}

// cachedZendeskAgent returns the Zendesk agent id remembered for a
// babelforce agent, or 0.
func (f *Flow) cachedZendeskAgent(ctx context.Context, bfID string) (int64, error) {
	v, ok, err := f.store.Get(ctx, keyBabelforce+bfID)
	if err != nil {
		return 0, storeErr("reading babelforce agent "+bfID+"'s Zendesk id", err)
	}
	if !ok {
		return 0, nil
	}
	zid, _ := strconv.ParseInt(v, 10, 64)
	return zid, nil
}

// claim takes key for lease if no replica holds it: the one pass of the
// poller or reconciler that runs per interval across replicas. The claim
// is never released: it ends with its lease, a little before the next
// interval, so that no late release can free another replica's claim. Its
// value is unique (a random token and the time), should one ever be
// released, with DeleteIf of that value.
func (f *Flow) claim(ctx context.Context, key string, lease time.Duration) (bool, error) {
	ok, err := f.store.Add(ctx, key, rand.Text()+" "+strconv.FormatInt(f.now().UnixNano(), 10), lease)
	return ok, storeErr("claiming "+strings.TrimPrefix(key, keyPrefix), err)
}
