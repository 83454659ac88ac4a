package statussync

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// results collects what the flow reports.
type results struct {
	mu sync.Mutex
	rs []Result
}

func (r *results) add(x Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rs = append(r.rs, x)
}

func (r *results) take() []Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	rs := r.rs
	r.rs = nil
	return rs
}

// unifiedTo hands the flow a Zendesk unified status event for agent zid.
func (e *internalEnv) unifiedTo(t *testing.T, id string, zid int64, to string) error {
	t.Helper()
	e.clock.Advance(time.Second)
	at := e.clock.Now()
	return e.flow.handleZendeskEvent(context.Background(), &webhook.ZendeskEvent{ID: id, Time: at,
		Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: to}, UpdatedAt: at}})
}

// A record that does not decode (written by another version of the flow,
// during a rolling deploy or after a rollback) is dropped and the agent
// started afresh: the next event is applied, not refused as busy or
// conflicting until the record expires.
func TestUndecodableRecordIsStartedAfresh(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		version int64 // the store's version of the key; 0: written by Set
		value   string
	}{
		{"a version and JSON of another layout", 7, `7 {"lb":"not a number"}`},
		{"a version and no JSON", 12, "12 <<binary>>"},
		{"no version", 3, `{"b":"x"}`},
		{"no version, written by Set", 0, "garbage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newInternalEnv(t, "away")
			zid, bid := e.agent("ann")
			ctx := context.Background()
			key := agentKey(zid)
			if tc.version == 0 {
				if err := e.flow.store.Set(ctx, key, tc.value, time.Hour); err != nil {
					t.Fatal(err)
				}
			} else if _, err := e.flow.store.SetIfNewer(ctx, key, tc.version, tc.value, time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := e.unifiedTo(t, "e1", zid, "away"); err != nil {
				t.Fatalf("first event after a bad record: %v", err)
			}
			if got := e.bf.Presence(bid); got != "away" {
				t.Fatalf("presence %q, want away", got)
			}
			st, err := e.flow.readAgent(ctx, zid)
			if _, versioned := recordVersion(tc.value); versioned && st.version <= tc.version {
				t.Fatalf("record version %d after the event, want above the bad record's %d", st.version, tc.version)
			}
			if err != nil || st.version == 0 || st.zdUnified != "away" {
				t.Fatalf("record after the event: %+v, %v; want one holding away", st, err)
			}
			if err := e.unifiedTo(t, "e2", zid, "online"); err != nil {
				t.Fatalf("second event: %v", err)
			}
			if got := e.bf.Presence(bid); got != "available" {
				t.Fatalf("presence %q, want available", got)
			}
		})
	}
}

// An agent the flow has no record of (a restart on store.Memory, its
// Retention expired, Redis back empty) is a baseline for the reconciler,
// as for the poller: its two sides disagree because the agent changed in
// babelforce, and the reconciler must not overwrite that. A Zendesk change
// the flow missed after the baseline is drift, and is repaired.
func TestReconcileTakesABaselineOfAnUnknownAgent(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away", "offline")
	var rs results
	e.flow.cfg.OnResult = rs.add
	zid, bid := e.agent("ann")
	zid2, bid2 := e.agent("bob")
	ctx := t.Context()
	for _, z := range []int64{zid, zid2} {
		if err := e.zd.SetAgentStatus(z, zendesktest.StatusOnline); err != nil {
			t.Fatal(err)
		}
	}
	// Bob is consistent; Ann's own change in babelforce, which nothing
	// carried over yet, is not.
	if err := e.bf.SetPresence(bid2, "available"); err != nil {
		t.Fatal(err)
	}
	if err := e.bf.SetPresence(bid, "away"); err != nil {
		t.Fatal(err)
	}
	if err := e.flow.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.bf.Presence(bid); got != "away" {
		t.Fatalf("the reconciler overwrote Ann's own babelforce change: %q", got)
	}
	if got := e.bf.Presence(bid2); got != "available" {
		t.Fatalf("Bob's presence %q, want available", got)
	}
	baselines := 0
	for _, r := range rs.take() {
		if r.Source != SourceReconciler || r.Outcome != Baseline {
			t.Errorf("first pass: %s %s for agent %d, want baselines only", r.Source, r.Outcome, r.ZendeskAgentID)
		}
		baselines++
	}
	if baselines != 2 {
		t.Errorf("%d baselines, want 2 (one per agent, consistent or not)", baselines)
	}
	// A second pass: nothing changed, nothing to report.
	if err := e.flow.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rs.take(); len(got) != 0 {
		t.Errorf("second pass reported %d results, want none", len(got))
	}
	// Zendesk events lost after the baseline: drift, repaired.
	if err := e.zd.SetAgentStatus(zid, zendesktest.StatusOffline); err != nil {
		t.Fatal(err)
	}
	if err := e.zd.SetAgentStatus(zid2, zendesktest.StatusAway); err != nil {
		t.Fatal(err)
	}
	if err := e.flow.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.bf.Presence(bid); got != "offline" {
		t.Errorf("Ann's presence after a lost Zendesk change: %q, want offline", got)
	}
	if got := e.bf.Presence(bid2); got != "away" {
		t.Errorf("Bob's presence after a lost Zendesk change: %q, want away", got)
	}
	for _, r := range rs.take() {
		if r.Outcome != flow.Applied {
			t.Errorf("third pass: %s for agent %d, want applied", r.Outcome, r.ZendeskAgentID)
		}
	}
}

// An observation holds its agent's lease while it decides: another waits
// for it or is busy. One whose lease ended before it released it (it took
// longer than sendLease) writes nothing, and the next holder is told the
// lease was abandoned; an observation that forgets the agent (one it
// cannot act on) leaves no record.
func TestLeaseLostWritesNothing(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t)
	ctx := context.Background()
	first, err := e.flow.acquire(ctx, 42, false)
	if err != nil || first.abandoned {
		t.Fatalf("first acquire: %+v, %v", first, err)
	}
	if _, err := e.flow.acquire(ctx, 42, false); !errors.Is(err, errBusy) {
		t.Fatalf("acquire while another holds the lease: %v, want errBusy", err)
	}
	e.clock.Advance(sendLease)
	second, err := e.flow.acquire(ctx, 42, false)
	if err != nil || !second.abandoned {
		t.Fatalf("acquire after the lease ended unreleased: %+v, %v; want it abandoned", second, err)
	}
	first.bfKnown = "away"
	f := e.flow
	f.commit(first)
	if err := f.release(ctx, first); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.readAgent(ctx, 42); st.version != 0 {
		t.Fatalf("the lost lease's release wrote %+v", st)
	}
	second.bfKnown = "available"
	f.commit(second)
	if err := f.release(ctx, second); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.readAgent(ctx, 42); st.version != 1 || st.bfKnown != "available" {
		t.Fatalf("record %+v, want the second holder's, version 1", st)
	}
	third, err := f.acquire(ctx, 43, false)
	if err != nil {
		t.Fatal(err)
	}
	third.bfKnown = "away"
	f.commit(third)
	f.forget(third)
	if err := f.release(ctx, third); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := f.store.Get(ctx, agentKey(43)); ok {
		t.Fatalf("a forgotten agent left %q", v)
	}
	if _, err := f.acquire(ctx, 43, false); err != nil {
		t.Fatalf("the forgotten agent's lease was not ended: %v", err)
	}
}

// unavailableStore fails every operation as redisstore does when Redis is
// out of reach.
type unavailableStore struct{ store.Store }

var errRedisDown = fmt.Errorf("redisstore: Get k: dial tcp: connection refused: %w", deskbridge.ErrUnavailable)

func (unavailableStore) Get(context.Context, string) (string, bool, error) {
	return "", false, errRedisDown
}

func (unavailableStore) Lease(context.Context, string, string, time.Duration) (store.Lease, error) {
	return store.Lease{}, errRedisDown
}

// A store failure is returned as an error that matches what the store's
// own error matches: deskbridge.ErrUnavailable for Redis out of reach.
func TestStoreFailureMatchesTheStoresError(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t)
	zid, _ := e.agent("ann")
	e.flow.store = unavailableStore{e.flow.store}
	err := e.unifiedTo(t, "e1", zid, "away")
	if !errors.Is(err, deskbridge.ErrUnavailable) || !errors.Is(err, errRedisDown) {
		t.Fatalf("err = %v; want it to match deskbridge.ErrUnavailable through the store's error", err)
	}
	if webhook.IsPermanent(err) {
		t.Fatal("a store failure is permanent")
	}
}

// A reconciler pass that reads a Zendesk change before its event reaches
// the flow takes it as its baseline, not as applied: the event, when it
// comes, is applied (not dropped as stale or as a duplicate).
func TestReconcileBaselineDoesNotHideAnEventOnItsWay(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	zid, bid := e.agent("ann")
	ctx := t.Context()
	if err := e.bf.SetPresence(bid, "available"); err != nil {
		t.Fatal(err)
	}
	changed := e.clock.Now()
	if err := e.zd.SetAgentStatus(zid, zendesktest.StatusAway); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if err := e.flow.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.bf.Presence(bid); got != "available" {
		t.Fatalf("the baseline set the presence: %q", got)
	}
	e.clock.Advance(time.Second)
	ev := &webhook.ZendeskEvent{ID: "late", Time: changed,
		Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: "away"}, UpdatedAt: changed}}
	if err := e.flow.handleZendeskEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if got := e.bf.Presence(bid); got != "away" {
		t.Fatalf("the event the baseline read ahead of was not applied: presence %q", got)
	}
}
