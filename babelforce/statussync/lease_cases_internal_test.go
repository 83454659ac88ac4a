package statussync

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Cases of the lease on an agent's record that a review of it found, each
// failing before its fix.

// logResults logs every result of e's flow.
func logResults(t *testing.T, f *Flow) {
	f.cfg.OnResult = func(r Result) { t.Logf("result: %s %s %s %s %v", r.Source, r.To, r.Outcome, r.Detail, r.Err) }
}

// unifiedToNow hands the flow a unified status event at the clock's time.
func (e *internalEnv) unifiedToNow(id string, zid int64, to string) error {
	at := e.clock.Now()
	return e.flow.handleZendeskEvent(context.Background(), &webhook.ZendeskEvent{ID: id, Time: at,
		Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: to}, UpdatedAt: at}})
}

// A poll whose decision fails for a reason a retry may not meet (Zendesk's
// statuses cannot be read) writes nothing of what it saw, so that the
// next pass sees the change again and applies it. It was recorded as seen
// and never applied.
func TestPollFailureIsSeenAgain(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	logResults(t, e.flow)
	if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
		t.Fatal(err)
	}
	e.flow.statuses = nil // as after a restart: the statuses are read again
	e.clock.Advance(time.Second)
	if err := e.flow.Poll(ctx); err != nil { // baseline
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if err := e.bf.SetPresence(bid, "away"); err != nil {
		t.Fatal(err)
	}
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/agent_availabilities/agent_statuses", Status: http.StatusBadRequest, Times: 100})
	e.clock.Advance(time.Second)
	if err := e.flow.Poll(ctx); err == nil {
		t.Fatal("the pass succeeded with Zendesk's statuses unreadable")
	}
	e.zd.ClearFaults()
	e.clock.Advance(20 * time.Second)
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if av, _ := e.zd.Availability(zid); av.StatusName != "away" {
		t.Errorf("Zendesk status %q after the statuses came back, want away", av.StatusName)
	}
}

// A change whose send failed in a way that may not have reached babelforce
// (pending), retried after a lease was abandoned, is compared with the
// presence babelforce has, not with the pending one: it is sent again.
func TestAbandonedLeaseTrustsThePresenceRead(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	f := e.flow
	logResults(t, f)
	if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
		t.Fatal(err)
	}
	// Event E: Zendesk away; its send failed, as the record shows it.
	e.clock.Advance(time.Second)
	at := e.clock.Now()
	st, err := f.acquire(ctx, zid, false)
	if err != nil {
		t.Fatal(err)
	}
	o := zdObservation{source: SourceZendesk, eventID: "E", unified: true, agentID: zid, to: "away", at: at}
	f.advanceZendesk(st, &o)
	f.expectPresence(st, "away", at)
	if err := f.release(ctx, st); err != nil {
		t.Fatal(err)
	}
	// Another observation's replica dies holding the lease.
	if l, err := f.store.Lease(ctx, agentKey(zid), "dead", sendLease); err != nil || !l.Held {
		t.Fatal(l, err)
	}
	e.clock.Advance(sendLease + time.Second)
	if err := f.handleZendeskEvent(ctx, &webhook.ZendeskEvent{ID: "E", Time: at,
		Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: "away"}, UpdatedAt: at}}); err != nil {
		t.Fatal(err)
	}
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("babelforce presence %q after the retry of a change whose send failed, want away", got)
	}
}

// The mark of an abandoned lease stays in the record until an observation
// reads the other side: one that fails first (a babelforce look-up
// refused once) does not end it, and the retry of the lost change's echo
// still does not overwrite the agent's own presence.
func TestAbandonmentOutlivesAFailedObservation(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	f := e.flow
	logResults(t, f)
	if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
		t.Fatal(err)
	}
	// The dead holder: the agent set babelforce busy; it set Zendesk away.
	if l, err := f.store.Lease(ctx, agentKey(zid), "dead replica", sendLease); err != nil || !l.Held {
		t.Fatal(l, err)
	}
	e.clock.Advance(time.Second)
	if err := e.bf.SetPresence(bid, "busy"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Millisecond)
	if err := e.zd.SetAgentStatus(zid, zendesktest.StatusAway); err != nil {
		t.Fatal(err)
	}
	echoAt := e.clock.Now()
	echo := func() error {
		return f.handleZendeskEvent(ctx, &webhook.ZendeskEvent{ID: "z1", Time: echoAt,
			Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: "away"}, UpdatedAt: echoAt}})
	}
	e.clock.Advance(sendLease)
	e.bf.InjectFault(babelforcetest.Fault{Method: http.MethodGet, Path: "/api/v2/agents", Status: http.StatusBadRequest})
	if err := echo(); err == nil {
		t.Fatal("the echo's first delivery succeeded with the look-up refused")
	}
	e.clock.Advance(10 * time.Second)
	if err := echo(); err != nil {
		t.Fatal(err)
	}
	if got := e.bf.Presence(bid); got != "busy" {
		t.Errorf("babelforce presence %q, want the agent's busy: the echo of the lost change overwrote it", got)
	}
}

// A panic while the lease is held (in the user's OnResult, say) ends the
// lease with the rest: the agent is not held until the lease ends by
// itself.
func TestPanicEndsTheLease(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, _ := e.agent("ann")
	f := e.flow
	if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
		t.Fatal(err)
	}
	f.cfg.OnResult = func(r Result) {
		if r.Outcome == "stale" {
			panic("the user's OnResult")
		}
	}
	func() {
		defer func() { _ = recover() }()
		old := e.clock.Now().Add(-time.Hour)
		_ = f.handleZendeskEvent(ctx, &webhook.ZendeskEvent{ID: "old", Time: old,
			Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: "away"}, UpdatedAt: old}})
	}()
	f.cfg.OnResult = nil
	if _, err := f.acquire(ctx, zid, false); err != nil {
		t.Errorf("after a panic in OnResult: %v, want the lease ended", err)
	}
}

// After an abandoned lease whose holder sent nothing, sides found in step
// expect no echo of a state that was already known: the agent's next
// genuine Zendesk change to that status is applied, not swallowed as an
// echo.
func TestAbandonedLeaseExpectsOnlyAChangedSide(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	f := e.flow
	logResults(t, f)
	sid := fmt.Sprint(zid)
	auto := func(id, p string) {
		e.clock.Advance(time.Second)
		if err := e.bf.SetPresence(bid, p); err != nil {
			t.Fatal(err)
		}
		if _, err := f.applyPresenceEvent(ctx, SourceAutomation, PresenceEvent{EventID: id, AgentID: bid, SourceID: sid, Presence: p, ChangedAt: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	zd := func(id, s string, st int64) {
		e.clock.Advance(time.Second)
		if err := e.zd.SetAgentStatus(zid, st); err != nil {
			t.Fatal(err)
		}
		if err := e.unifiedToNow(id, zid, s); err != nil {
			t.Fatal(err)
		}
	}
	auto("a0", "away")                       // Zendesk set away
	zd("z0", "away", zendesktest.StatusAway) // its echo
	if l, err := f.store.Lease(ctx, agentKey(zid), "dead replica", sendLease); err != nil || !l.Held {
		t.Fatal(l, err)
	}
	e.clock.Advance(sendLease)
	auto("a1", "busy")                           // maps to away: in step
	auto("a2", "available")                      // Zendesk set online
	zd("z1", "online", zendesktest.StatusOnline) // its echo
	zd("z2", "away", zendesktest.StatusAway)     // the agent's own change
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("babelforce presence %q after the agent set Zendesk away, want away", got)
	}
}

// A record written by the previous version of the flow, with a change
// marked as being sent ("bsn"), decodes, and its pending change is sent
// again.
func TestRecordOfThePreviousVersion(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	f := e.flow
	e.clock.Advance(time.Second)
	at := e.clock.Now()
	n := at.UnixNano()
	old := fmt.Sprintf(`7 {"b":%q,"bk":"away","bka":%d,"zu":"away","zua":%d,"bs":"away","bsa":%d,"bp":"away","bsn":%d,"lb":%d}`, bid, n, n, n, n, n)
	if err := f.store.Set(ctx, agentKey(zid), old, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := f.handleZendeskEvent(ctx, &webhook.ZendeskEvent{ID: "E", Time: at,
		Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: "away"}, UpdatedAt: at}}); err != nil {
		t.Fatal(err)
	}
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("presence %q, want away (the pending change sent again)", got)
	}
	if st, _ := f.readAgent(ctx, zid); st.version != 8 || st.bfPending != "" {
		t.Errorf("record version %d, pending %q; want 8, none", st.version, st.bfPending)
	}
}

// failReleaseOnce fails the first Release.
type failReleaseOnce struct {
	store.Store
	failed bool
}

func (s *failReleaseOnce) Release(ctx context.Context, key, holder, value string, ttl time.Duration) (bool, error) {
	if !s.failed {
		s.failed = true
		return false, errors.New("store down (test)")
	}
	return s.Store.Release(ctx, key, holder, value, ttl)
}

// A change sent whose record could not be written (the store failed at
// the release) is answered 503; its retry is busy while the lease lives,
// then decided as after an abandoned lease: babelforce already has the
// presence, so nothing is sent twice, and its echo is no change.
func TestReleaseFailsAfterSend(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	f := e.flow
	f.cfg.LeaseWait = 10 * time.Millisecond
	logResults(t, f)
	if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
		t.Fatal(err)
	}
	f.store = &failReleaseOnce{Store: f.store}
	e.clock.Advance(time.Second)
	at := e.clock.Now()
	ev := func() error {
		return f.handleZendeskEvent(ctx, &webhook.ZendeskEvent{ID: "E", Time: at,
			Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: "away"}, UpdatedAt: at}})
	}
	var se *storeError
	if err := ev(); !errors.As(err, &se) {
		t.Fatalf("first delivery: %v, want the store's error", err)
	}
	if err := ev(); !errors.Is(err, errBusy) {
		t.Fatalf("retry within the lease: %v, want busy", err)
	}
	e.clock.Advance(sendLease)
	puts := e.presencePUTs()
	if err := ev(); err != nil {
		t.Fatalf("retry after the lease: %v", err)
	}
	if n := e.presencePUTs() - puts; n != 0 {
		t.Errorf("%d presence changes on the retry, want 0", n)
	}
	if _, err := f.applyPresenceEvent(ctx, SourceAutomation, PresenceEvent{EventID: "a", AgentID: bid, SourceID: fmt.Sprint(zid), Presence: "away", ChangedAt: at.Add(time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("presence %q, want away", got)
	}
	if n := e.statusPUTs(); n != 0 {
		t.Errorf("%d Zendesk status changes, want 0: the echo is no change", n)
	}
}

// A decision runs under a deadline that ends before its lease, so that a
// slow send never lands after another replica took the agent.
func TestDecisionEndsWithinTheLease(t *testing.T) {
	t.Parallel()
	f := newInternalEnv(t).flow
	start := time.Now()
	_, err := f.decide(context.Background(), 9, false, func(ctx context.Context, _ *agentState) error {
		dl, ok := ctx.Deadline()
		if !ok || dl.Sub(start) > sendLease-releaseTimeout {
			t.Errorf("decision deadline %v after the lease was taken (set %v), want at most %v", dl.Sub(start), ok, sendLease-releaseTimeout)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPollFailureIsSeenAgain, with the user's OnResult panicking on the
// failure (a caller of Poll that recovers): a decision cut short by a
// panic writes none of what it noted (polled = away), so the next pass
// applies the change. It was written as if decided.
func TestPanicMidDecisionWritesNothing(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
		t.Fatal(err)
	}
	e.flow.statuses = nil
	e.clock.Advance(time.Second)
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if err := e.bf.SetPresence(bid, "away"); err != nil {
		t.Fatal(err)
	}
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/agent_availabilities/agent_statuses", Status: http.StatusBadRequest, Times: 100})
	e.clock.Advance(time.Second)
	e.flow.cfg.OnResult = func(r Result) {
		if r.Err != nil {
			panic("the user's OnResult")
		}
	}
	func() {
		defer func() { _ = recover() }()
		_ = e.flow.Poll(ctx)
	}()
	e.flow.cfg.OnResult = nil
	e.zd.ClearFaults()
	e.clock.Advance(20 * time.Second)
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if av, _ := e.zd.Availability(zid); av.StatusName != "away" {
		t.Errorf("Zendesk status %q after the statuses came back, want away (the panic wrote polled=away mid-decision)", av.StatusName)
	}
}

// An automation change that Zendesk refuses with a 4xx the flow does not
// take as permanent (409 here) is answered with a retryable error and
// writes nothing (nothing was sent): the sender's retry applies it. The
// record was written with the event as applied, and the retry was a
// duplicate.
func TestRefusedStatusIsDecidedAgain(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	at := e.clock.Now()
	ev := PresenceEvent{EventID: "b1", AgentID: bid, SourceID: strconv.FormatInt(zid, 10), Presence: "away", ChangedAt: at}
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodPut, Path: "/api/v2/agent_availabilities/agent_statuses/agents/" + strconv.FormatInt(zid, 10), Status: http.StatusConflict, Times: 1})
	if _, err := e.flow.applyPresenceEvent(ctx, SourceAutomation, ev); err == nil || webhook.IsPermanent(err) {
		t.Fatalf("first delivery: %v, want an error the sender retries", err)
	}
	e.clock.Advance(time.Second)
	if out, err := e.flow.applyPresenceEvent(ctx, SourceAutomation, ev); err != nil || out != flow.Applied {
		t.Errorf("retry: %s %v, want applied", out, err)
	}
	if av, _ := e.zd.Availability(zid); av.StatusName != "away" {
		t.Errorf("Zendesk status %q after the retry, want away", av.StatusName)
	}
}

// The same the other way: a presence change that babelforce answers 409
// writes nothing, and Zendesk's retry applies it.
func TestRefusedPresenceIsDecidedAgain(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	at := e.clock.Now()
	ev := &webhook.ZendeskEvent{ID: "z1", Time: at, Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: "away"}, UpdatedAt: at}}
	e.bf.InjectFault(babelforcetest.Fault{Path: "/api/v2/agents/" + bid + "/status", Status: http.StatusConflict, Times: 1})
	if err := e.flow.handleZendeskEvent(ctx, ev); err == nil || webhook.IsPermanent(err) {
		t.Fatalf("first delivery: %v, want an error the sender retries", err)
	}
	e.clock.Advance(time.Second)
	if err := e.flow.handleZendeskEvent(ctx, ev); err != nil {
		t.Errorf("retry: %v", err)
	}
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("babelforce presence %q after the retry, want away", got)
	}
}

// A poll whose status change Zendesk refuses, for now (409) or for good
// (403), records nothing of it as applied: the reconciler does not take
// Zendesk's status for drift and set babelforce back over the agent's own
// change (it did, once the refused status was recorded as applied).
func TestRefusedPollIsNotDriftForTheReconciler(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusConflict, http.StatusForbidden} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			e := newInternalEnv(t, "away")
			ctx := context.Background()
			zid, bid := e.polledAgent(t)
			if err := e.bf.SetPresence(bid, "away"); err != nil { // the agent's own change
				t.Fatal(err)
			}
			e.clock.Advance(time.Second)
			e.zd.InjectFault(zendesktest.Fault{Method: http.MethodPut, Path: "/api/v2/agent_availabilities/agent_statuses/agents/" + strconv.FormatInt(zid, 10), Status: status, Times: 1})
			_ = e.flow.Poll(ctx)
			e.clock.Advance(5 * time.Second)
			_ = e.flow.Poll(ctx)
			e.clock.Advance(5 * time.Second)
			if err := e.flow.Reconcile(ctx); err != nil {
				t.Fatal(err)
			}
			if got := e.bf.Presence(bid); got != "away" {
				t.Errorf("babelforce presence %q: the agent's own change (away) was overwritten", got)
			}
		})
	}
}

// polledAgent adds an agent online on both sides, known to the flow from a
// Zendesk event and to the poller from a pass, the clock a second on.
func (e *internalEnv) polledAgent(t *testing.T) (zid int64, bid string) {
	t.Helper()
	zid, bid = e.agent("ann")
	if err := e.zd.SetAgentStatus(zid, zendesktest.StatusOnline); err != nil {
		t.Fatal(err)
	}
	if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if err := e.flow.Poll(context.Background()); err != nil { // baseline
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	return zid, bid
}

// lostAnswerLease applies a Lease, then fails as if its answer was lost.
type lostAnswerLease struct{ store.Store }

func (s lostAnswerLease) Lease(ctx context.Context, key, holder string, ttl time.Duration) (store.Lease, error) {
	_, _ = s.Store.Lease(ctx, key, holder, ttl)
	return store.Lease{}, errors.New("read tcp: i/o timeout (test)")
}

// A Lease that the store applied but whose answer was lost is ended at
// once, as a best effort: no one else knows its holder, and it would hold
// the agent until it ended by itself.
func TestLeaseWithALostAnswerIsEnded(t *testing.T) {
	t.Parallel()
	f := newInternalEnv(t).flow
	ctx := context.Background()
	mem := f.store
	f.store = lostAnswerLease{mem}
	if _, err := f.acquire(ctx, 5, false); err == nil {
		t.Fatal("acquire succeeded with the Lease's answer lost")
	}
	f.store = mem
	st, err := f.acquire(ctx, 5, false)
	if err != nil {
		t.Fatalf("the lease whose answer was lost still holds the agent: %v", err)
	}
	if st.abandoned {
		t.Error("the lease whose answer was lost was reported abandoned, want it ended")
	}
}

// A presence change that babelforce refuses for good (no presence of that
// name: 422) leaves the record as it was on babelforce's side: the next
// poll does not take the presence babelforce kept for the agent's change
// and set Zendesk back. The record held the refused presence as polled.
func TestRefusedPresenceLeavesThePollerAlone(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t) // no "away" presence in babelforce
	ctx := context.Background()
	zid, bid := e.agent("ann")
	if err := e.bf.SetPresence(bid, "available"); err != nil {
		t.Fatal(err)
	}
	if err := e.zd.SetAgentStatus(zid, zendesktest.StatusOnline); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if err := e.flow.Poll(ctx); err != nil { // baseline
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if err := e.zd.SetAgentStatus(zid, zendesktest.StatusAway); err != nil {
		t.Fatal(err)
	}
	if err := e.unifiedTo(t, "z1", zid, "away"); !webhook.IsPermanent(err) {
		t.Fatalf("a presence babelforce does not have: %v, want a permanent refusal", err)
	}
	e.clock.Advance(time.Minute)
	puts := e.statusPUTs()
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.statusPUTs() - puts; n != 0 {
		av, _ := e.zd.Availability(zid)
		t.Errorf("the poll sent %d status changes; Zendesk %q, the agent's was away", n, av.StatusName)
	}
}

// A 4xx that answers a retry of a request whose first attempt may have
// been carried out (a 503 after processing) is no proof that nothing
// changed: the echo and the pending change are kept, and the record
// written.
func TestRefusalAfterAProcessedAttemptKeepsTheEcho(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	path := "/api/v2/agent_availabilities/agent_statuses/agents/" + strconv.FormatInt(zid, 10)
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodPut, Path: path, Processed: true, Status: http.StatusServiceUnavailable})
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodPut, Path: path, Status: http.StatusConflict})
	if _, err := e.flow.applyPresenceEvent(ctx, SourceAutomation, PresenceEvent{EventID: "b1", AgentID: bid, SourceID: strconv.FormatInt(zid, 10), Presence: "away", ChangedAt: e.clock.Now()}); err == nil {
		t.Fatal("the change succeeded through a 409")
	}
	if st, _ := e.flow.readAgent(ctx, zid); len(st.zdEchoes) == 0 || st.zdPending == "" {
		t.Errorf("record %+v: want the echo and the pending change kept", st)
	}
}

// What a decision reports reaches OnResult once its record is written:
// when the write fails, as Failed (DetailStore), as the handler answers
// 503. It reported the decision (rejected) and answered 503.
func TestResultFollowsTheWrite(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	zid, bid := e.agent("ann")
	if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
		t.Fatal(err)
	}
	var rs results
	e.flow.cfg.OnResult = rs.add
	e.flow.store = &failReleaseOnce{Store: e.flow.store}
	e.bf.InjectFault(babelforcetest.Fault{Path: "/api/v2/agents/" + bid + "/status", Status: http.StatusBadRequest})
	err := e.unifiedTo(t, "z1", zid, "away")
	var se *storeError
	if !errors.As(err, &se) {
		t.Fatalf("%v, want the store's error", err)
	}
	got := rs.take()
	if len(got) != 1 || got[0].Outcome != flow.Failed || got[0].Detail != DetailStore {
		t.Errorf("results %+v, want one Failed (%s)", got, DetailStore)
	}
}

// An observation of an agent without a record that is refused for good
// after an abandoned lease keeps the lease's mark in a record, so that
// the next observation still reads the other side.
func TestForgetKeepsTheAbandonment(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	if _, err := e.flow.store.Lease(ctx, agentKey(zid), "dead replica", sendLease); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(sendLease + time.Second)
	e.flow.m.Statuses = map[string]string{"lunch": "no-such-status"}
	_, err := e.flow.applyPresenceEvent(ctx, SourceAutomation, PresenceEvent{EventID: "b1", AgentID: bid, SourceID: strconv.FormatInt(zid, 10), Presence: "lunch", ChangedAt: e.clock.Now()})
	if !webhook.IsPermanent(err) {
		t.Fatalf("%v, want a permanent refusal", err)
	}
	if st, _ := e.flow.readAgent(ctx, zid); !st.abandoned {
		t.Errorf("record %+v: the abandoned lease's mark was lost", st)
	}
}

// A pending change (its send failed in a way that may have reached the
// vendor) whose re-send is refused ends: a poll or a reconciler pass does
// not send it again at every pass. The refusal put the pending mark back.
func TestRefusedResendEndsThePendingChange(t *testing.T) {
	t.Parallel()
	t.Run("status", func(t *testing.T) {
		t.Parallel()
		e := newInternalEnv(t, "away")
		ctx := context.Background()
		zid, bid := e.polledAgent(t)
		if err := e.bf.SetPresence(bid, "away"); err != nil {
			t.Fatal(err)
		}
		zc, err := zendesk.NewClient(zendesk.WithBaseURL(e.zd.URL), zendesk.WithAPIToken(e.zd.Email, e.zd.APIToken), zendesk.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		e.flow.cfg.Zendesk = zc // gives up at the first 503
		path := "/api/v2/agent_availabilities/agent_statuses/agents/" + strconv.FormatInt(zid, 10)
		e.zd.InjectFault(zendesktest.Fault{Method: http.MethodPut, Path: path, Status: http.StatusServiceUnavailable, Times: 1})
		_ = e.flow.Poll(ctx) // pending
		if st, _ := e.flow.readAgent(ctx, zid); st.zdPending == "" {
			t.Fatalf("record %+v: want the change pending", st)
		}
		e.zd.ClearFaults()
		e.zd.InjectFault(zendesktest.Fault{Method: http.MethodPut, Path: path, Status: http.StatusForbidden, Times: 100})
		for i := range 3 {
			e.clock.Advance(time.Minute)
			puts := e.statusPUTs()
			_ = e.flow.Poll(ctx)
			if i > 0 && e.statusPUTs() != puts {
				t.Errorf("poll %d sent a refused status again", i+2)
			}
		}
	})
	t.Run("presence", func(t *testing.T) {
		t.Parallel()
		e := newInternalEnv(t, "away")
		ctx := context.Background()
		zid, bid := e.agent("ann")
		if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
			t.Fatal(err)
		}
		bc, err := babelforce.NewClient(babelforce.WithBaseURL(e.bf.URL),
			babelforce.WithPassword(e.bf.Username, e.bf.Password, babelforce.WithNonExpiringToken()), babelforce.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		e.flow.cfg.Babelforce = bc // gives up at the first 503
		path := "/api/v2/agents/" + bid + "/status"
		e.bf.InjectFault(babelforcetest.Fault{Method: http.MethodPut, Path: path, Status: http.StatusServiceUnavailable, Times: 1})
		if err := e.zd.SetAgentStatus(zid, zendesktest.StatusAway); err != nil {
			t.Fatal(err)
		}
		_ = e.unifiedTo(t, "e1", zid, "away") // pending
		if st, _ := e.flow.readAgent(ctx, zid); st.bfPending == "" {
			t.Fatalf("record %+v: want the change pending", st)
		}
		e.bf.ClearFaults()
		e.bf.InjectFault(babelforcetest.Fault{Method: http.MethodPut, Path: path, Status: http.StatusBadRequest, Times: 100})
		for i := range 3 {
			e.clock.Advance(time.Minute)
			puts := e.presencePUTs()
			_ = e.flow.Reconcile(ctx)
			if i > 0 && e.presencePUTs() != puts {
				t.Errorf("reconciler pass %d sent a refused presence again", i+1)
			}
		}
	})
}

// The poller's first sight of an agent whose presence the flow knew
// before the pass (it set it) is a change when the presence differs: the
// agent changed it since. A pass that found the agent's lease held while
// the flow set the presence may have been skipped, and the agent's change
// was then taken for a first sight and never applied.
func TestFirstPollAfterAKnownPresenceIsAChange(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	if err := e.zd.SetAgentStatus(zid, zendesktest.StatusAway); err != nil {
		t.Fatal(err)
	}
	if err := e.unifiedTo(t, "e0", zid, "away"); err != nil { // the flow sets babelforce away
		t.Fatal(err)
	}
	if got := e.bf.Presence(bid); got != "away" {
		t.Fatalf("presence %q, want away", got)
	}
	e.clock.Advance(time.Second)
	if err := e.bf.SetPresence(bid, "available"); err != nil { // the agent, before any poll
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if av, _ := e.zd.Availability(zid); av.StatusName != "online" {
		t.Errorf("Zendesk status %q, want online: the agent's change was taken for a first sight", av.StatusName)
	}
}
