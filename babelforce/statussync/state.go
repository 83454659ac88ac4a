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

// maxConflicts bounds how often the flow decides again on an agent whose
// record another replica (or goroutine) changed in between. Past it the
// delivery is answered 503 and retried by its sender.
const maxConflicts = 8

// errConflict: the agent's record changed between reading it and writing
// it back; the decision is made again on the newer record.
var errConflict = errors.New("statussync: the agent's record changed concurrently")

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
	BFSet       string   `json:"bs,omitempty"`
	BFSetAt     int64    `json:"bsa,omitempty"`
	BFPending   string   `json:"bp,omitempty"`
	ZDSet       string   `json:"zs,omitempty"`
	ZDSetAt     int64    `json:"zsa,omitempty"`
	ZDPending   string   `json:"zp,omitempty"`
	BFSending   int64    `json:"bsn,omitempty"`
	ZDSending   int64    `json:"zsn,omitempty"`
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
		Polled: st.polled, PolledOK: st.polledOK, Reconciled: st.reconciled,
		BFSet: st.bfSet, BFSetAt: nanos(st.bfSetAt), BFPending: st.bfPending,
		ZDSet: st.zdSet, ZDSetAt: nanos(st.zdSetAt), ZDPending: st.zdPending,
		BFSending: nanos(st.bfSending), ZDSending: nanos(st.zdSending),
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
		polled: r.Polled, polledOK: r.PolledOK, reconciled: r.Reconciled,
		bfSet: r.BFSet, bfSetAt: fromNanos(r.BFSetAt), bfPending: r.BFPending,
		zdSet: r.ZDSet, zdSetAt: fromNanos(r.ZDSetAt), zdPending: r.ZDPending,
		bfSending: fromNanos(r.BFSending), zdSending: fromNanos(r.ZDSending),
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

// loadAgent reads the record of the Zendesk agent id: one store round
// trip. An agent never seen (or forgotten) has an empty record of version
// 0. A record that does not decode (written by another version of the
// flow, during a rolling deploy or after a rollback) is dropped and
// started afresh: it is the flow's own, and ordering restarts from the
// next observation. Its version is kept when it reads, so that the next
// write (SetIfNewer at the next version) replaces it; a record without a
// version is removed (DeleteIf of exactly what was read: a record another
// replica wrote since stays), one more round trip. Either way the agent is
// not blocked until the record expires.
func (f *Flow) loadAgent(ctx context.Context, id int64) (*agentState, error) {
	key := agentKey(id)
	v, ok, err := f.store.Get(ctx, key)
	if err != nil {
		return nil, storeErr(fmt.Sprintf("reading agent %d's record", id), err)
	}
	if !ok {
		return &agentState{id: id}, nil
	}
	st, err := decodeAgent(id, v)
	if err == nil {
		st.stored = v
		return st, nil
	}
	f.log.WarnContext(ctx, "statussync: dropping an agent record that does not decode", "zendesk_agent_id", id, "error", err.Error())
	if version, ok := recordVersion(v); ok {
		return &agentState{id: id, version: version}, nil
	}
	if _, err := f.store.DeleteIf(ctx, key, v); err != nil {
		return nil, storeErr(fmt.Sprintf("removing agent %d's record, which does not decode", id), err)
	}
	return &agentState{id: id}, nil
}

// recordVersion reads the version a record starts with (see encode).
func recordVersion(s string) (int64, bool) {
	v, _, ok := strings.Cut(s, " ")
	version, err := strconv.ParseInt(v, 10, 64)
	return version, ok && err == nil && version > 0
}

// commit writes st back if nobody wrote the agent's record since st was
// read (one round trip: SetIfNewer with the next version, so that of two
// writers that read one version only the first succeeds), and returns
// errConflict when somebody did. On success st holds the new version.
func (f *Flow) commit(ctx context.Context, st *agentState) error {
	next := st.version + 1
	v := st.encode(next)
	ok, err := f.store.SetIfNewer(ctx, agentKey(st.id), next, v, f.cfg.Retention)
	if err != nil {
		return storeErr(fmt.Sprintf("writing agent %d's record", st.id), err)
	}
	if !ok {
		return errConflict
	}
	st.version, st.stored = next, v
	return nil
}

// update applies change to the agent's record and writes it back,
// reading it again and re-applying change while other writers get there
// first. st is the caller's copy: when its version is still current the
// first write needs no read. It returns the record as written.
func (f *Flow) update(ctx context.Context, st *agentState, change func(*agentState)) (*agentState, error) {
	cur := st.clone()
	for range maxConflicts {
		change(cur)
		err := f.commit(ctx, cur)
		if !errors.Is(err, errConflict) {
			return cur, err
		}
		if cur, err = f.loadAgent(ctx, st.id); err != nil {
			return nil, err
		}
	}
	return nil, storeErr(fmt.Sprintf("updating agent %d's record", st.id), errTooContended)
}

// sendLease is how long a change written as being sent (agentState's
// bfSending, zdSending) counts as in flight: a redelivery of the event
// that caused it is answered 503 (busy) meanwhile, as a de-duplication
// claim would be, with a Retry-After of what is left of the lease plus a
// second (at most flow.MaxRetryAfter, 59 s: see askAfterLease), and
// decided again after it, so that a change whose replica died mid-send is
// sent by the sender's retry. It exceeds the longest a send takes, the
// clients' retries included; Zendesk's retries of a 503 reach past it in
// two: one 59 s on, then one a second past the lease.
const sendLease = time.Minute

// askAfterLease asks the sender of a delivery answered busy, because of a
// send started at started, to retry a second after the send's lease ends
// (flow.AskRetryAfter caps it): a fixed Retry-After would spend the
// sender's few retries inside the lease, and lose the event when the
// replica sending it died.
func askAfterLease(ctx context.Context, started, now time.Time) {
	flow.AskRetryAfter(ctx, sendLease-now.Sub(started)+time.Second)
}

// errBusy: a redelivery of an event whose change is being sent.
var errBusy = errors.New("this change is being sent by another delivery of the event; retry later")

// inFlight reports whether a send started at t is still in flight at now.
func inFlight(t, now time.Time) bool { return !t.IsZero() && now.Sub(t) < sendLease }

// errTooContended: the record kept changing under the flow.
var errTooContended = errors.New("the record kept changing under concurrent writers; the sender is asked to retry")

// clone returns a copy of st that shares nothing with it.
func (st *agentState) clone() *agentState {
	c := *st
	c.bfEchoes = append([]bfEcho(nil), st.bfEchoes...)
	c.zdEchoes = append([]zdEcho(nil), st.zdEchoes...)
	return &c
}

// forget deletes the record of an agent the flow cannot act on, if this
// observation created it (so that calls about unknown agents leave
// nothing behind), and only if it still holds what this observation wrote
// ([store.Store.DeleteIf]): a record another replica wrote since stays.
// Errors are logged: the record expires anyway.
func (f *Flow) forget(ctx context.Context, st *agentState, createdVersion int64) {
	if createdVersion != 0 || st.stored == "" {
		return
	}
	if _, err := f.store.DeleteIf(ctx, agentKey(st.id), st.stored); err != nil {
		f.log.WarnContext(ctx, "statussync: cannot delete the record of an unknown agent; it expires", "zendesk_agent_id", st.id, "error", err.Error())
	}
}

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
