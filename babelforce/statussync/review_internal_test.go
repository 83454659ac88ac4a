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
			st, err := e.flow.loadAgent(ctx, zid)
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

// forget removes the record an observation created only if it still holds
// what that observation wrote: a record another replica wrote since stays.
func TestForgetKeepsAnotherWritersRecord(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t)
	ctx := context.Background()
	st := &agentState{id: 42, bfID: "b"}
	if err := e.flow.commit(ctx, st); err != nil {
		t.Fatal(err)
	}
	other, err := e.flow.loadAgent(ctx, 42)
	if err != nil {
		t.Fatal(err)
	}
	other.bfKnown = "away"
	if err := e.flow.commit(ctx, other); err != nil {
		t.Fatal(err)
	}
	e.flow.forget(ctx, st, 0)
	got, err := e.flow.loadAgent(ctx, 42)
	if err != nil || got.version != other.version || got.bfKnown != "away" {
		t.Fatalf("after a stale forget: %+v, %v; want the other writer's record (version %d)", got, err, other.version)
	}
	e.flow.forget(ctx, other, 0)
	if v, ok, _ := e.flow.store.Get(ctx, agentKey(42)); ok {
		t.Fatalf("the writer's own forget left %q", v)
	}
}

// unavailableStore fails every operation as redisstore does when Redis is
// out of reach.
type unavailableStore struct{ store.Store }

var errRedisDown = fmt.Errorf("redisstore: Get k: dial tcp: connection refused: %w", deskbridge.ErrUnavailable)

func (unavailableStore) Get(context.Context, string) (string, bool, error) {
	return "", false, errRedisDown
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
