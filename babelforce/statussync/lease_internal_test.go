package statussync

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// A replica that dies holding an agent's lease, after it sent a change and
// before it wrote it, leaves a record that knows nothing of the change:
// neither the echo it causes nor the state it set. The next observation is
// told that the lease was abandoned, reads the other side, and takes the
// two sides agreeing under the mapping for no change, so that the echo of
// the lost change never overwrites the state that caused it; it expects
// the echo still to come, so that the observation of the other order is no
// change either. Both orders of the echo and the sender's retry of the
// event that caused the change, in both directions, end with the agent's
// own state on both sides and nothing set by the flow.
func TestAbandonedLeaseEchoDoesNotOverwrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		fromBF    bool // the dead holder set Zendesk from a babelforce presence (else babelforce from a Zendesk status)
		echoFirst bool
	}{
		{"babelforce busy set Zendesk away, echo first", true, true},
		{"babelforce busy set Zendesk away, retry first", true, false},
		{"Zendesk away set babelforce away, echo first", false, true},
		{"Zendesk away set babelforce away, retry first", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newInternalEnv(t, "away")
			var rs results
			e.flow.cfg.OnResult = rs.add
			zid, bid := e.agent("ann")
			if err := e.unifiedTo(t, "e0", zid, "online"); err != nil {
				t.Fatal(err)
			}
			if got := e.bf.Presence(bid); got != "available" {
				t.Fatalf("presence %q before the test, want available", got)
			}
			rs.take()

			// The dead holder takes the lease, and the change it sends
			// reaches the vendor; it writes nothing.
			if l, err := e.flow.store.Lease(ctx, agentKey(zid), "dead replica", sendLease); err != nil || !l.Held {
				t.Fatalf("the dead holder's lease: %+v, %v", l, err)
			}
			e.clock.Advance(time.Second)
			cause := e.clock.Now()
			var causeEvent, echo func() error
			if tc.fromBF {
				// The agent set babelforce to busy (no Zendesk status of
				// that name: the fallback, away); the holder set Zendesk.
				if err := e.bf.SetPresence(bid, "busy"); err != nil {
					t.Fatal(err)
				}
				e.clock.Advance(time.Millisecond)
				if err := e.zd.SetAgentStatus(zid, zendesktest.StatusAway); err != nil {
					t.Fatal(err)
				}
				echoAt := e.clock.Now()
				causeEvent = func() error {
					_, err := e.flow.applyPresenceEvent(ctx, SourceAutomation, PresenceEvent{EventID: "a1", AgentID: bid, SourceID: strconv.FormatInt(zid, 10), Presence: "busy", ChangedAt: cause})
					return err
				}
				echo = func() error {
					return e.flow.handleZendeskEvent(ctx, &webhook.ZendeskEvent{ID: "z1", Time: echoAt,
						Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: "away"}, UpdatedAt: echoAt}})
				}
			} else {
				// The agent set Zendesk to away; the holder set babelforce.
				if err := e.zd.SetAgentStatus(zid, zendesktest.StatusAway); err != nil {
					t.Fatal(err)
				}
				e.clock.Advance(time.Millisecond)
				if err := e.bf.SetPresence(bid, "away"); err != nil {
					t.Fatal(err)
				}
				echoAt := e.clock.Now()
				causeEvent = func() error {
					return e.flow.handleZendeskEvent(ctx, &webhook.ZendeskEvent{ID: "z1", Time: cause,
						Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: "away"}, UpdatedAt: cause}})
				}
				echo = func() error {
					_, err := e.flow.applyPresenceEvent(ctx, SourceAutomation, PresenceEvent{EventID: "a1", AgentID: bid, SourceID: strconv.FormatInt(zid, 10), Presence: "away", ChangedAt: echoAt})
					return err
				}
			}
			statusPUTs, presencePUTs := e.statusPUTs(), e.presencePUTs()
			e.clock.Advance(sendLease) // the dead holder's lease ends
			first, second := causeEvent, echo
			if tc.echoFirst {
				first, second = echo, causeEvent
			}
			if err := first(); err != nil && err != webhook.ErrDuplicate {
				t.Fatal(err)
			}
			if err := second(); err != nil && err != webhook.ErrDuplicate {
				t.Fatal(err)
			}
			wantPresence := "away"
			if tc.fromBF {
				wantPresence = "busy"
			}
			if got := e.bf.Presence(bid); got != wantPresence {
				t.Errorf("babelforce presence %q, want the agent's %q", got, wantPresence)
			}
			if av, _ := e.zd.Availability(zid); av.StatusName != "away" {
				t.Errorf("Zendesk status %q, want away", av.StatusName)
			}
			if n := e.statusPUTs() - statusPUTs; n != 0 {
				t.Errorf("%d Zendesk status changes after the lease ended, want 0", n)
			}
			if n := e.presencePUTs() - presencePUTs; n != 0 {
				t.Errorf("%d babelforce presence changes after the lease ended, want 0", n)
			}
			for _, r := range rs.take() {
				t.Logf("%s %s: %s %s", r.Source, r.To, r.Outcome, r.Detail)
				if r.Outcome == flow.Applied {
					t.Errorf("%s %s applied, want no change", r.Source, r.To)
				}
			}
		})
	}
}

// statusPUTs counts the flow's unified status changes in Zendesk.
func (e *internalEnv) statusPUTs() int {
	return e.zd.RequestCount(http.MethodPut, "/api/v2/agent_availabilities/agent_statuses/agents/")
}

// presencePUTs counts presence changes sent to babelforce.
func (e *internalEnv) presencePUTs() int {
	n := 0
	for _, r := range e.bf.Requests() {
		if r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/status") {
			n++
		}
	}
	return n
}

// A delivery about an agent whose lease another observation holds waits
// for it (Config.LeaseWait), and then decides on the record that
// observation wrote; past LeaseWait it is busy, and asks the sender to
// retry a second after the other's lease ends.
func TestAcquireWaitsForTheLease(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t)
	ctx := context.Background()
	f := e.flow
	f.cfg.LeaseWait = 5 * time.Second
	held, err := f.acquire(ctx, 42, false)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(20 * time.Millisecond)
		held.bfKnown = "away"
		f.commit(held)
		if err := f.release(ctx, held); err != nil {
			t.Error(err)
		}
	}()
	st, err := f.acquire(ctx, 42, true)
	<-done
	if err != nil || st.bfKnown != "away" {
		t.Fatalf("acquire after waiting: %+v, %v; want the record the holder wrote", st, err)
	}

	f.cfg.LeaseWait = 10 * time.Millisecond
	e.clock.Advance(15 * time.Second)
	var acquireErr error
	h := flow.RetryAfterHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, acquireErr = f.acquire(r.Context(), 42, true); acquireErr != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if !errors.Is(acquireErr, errBusy) || rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("acquire past LeaseWait: %d, %v; want 503, errBusy", rec.Code, acquireErr)
	}
	if got, want := rec.Header().Get("Retry-After"), "46"; got != want {
		t.Errorf("Retry-After %q, want %q: what is left of the lease (45 s), and a second", got, want)
	}
}

// A delivery whose sender gave up waiting (its context ended) mid-decision
// still writes the record and ends the lease, so that the agent is not
// held until the lease ends by itself.
func TestReleaseAfterTheDeliveryGaveUp(t *testing.T) {
	t.Parallel()
	f := newInternalEnv(t).flow
	ctx, cancel := context.WithCancel(context.Background())
	st, err := f.acquire(ctx, 7, false)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	st.bfKnown = "away"
	f.commit(st)
	if err := f.release(ctx, st); err != nil {
		t.Fatalf("release after the context ended: %v", err)
	}
	if got, _ := f.readAgent(context.Background(), 7); got.bfKnown != "away" {
		t.Errorf("record %+v, want the decision written", got)
	}
	if _, err := f.acquire(context.Background(), 7, false); err != nil {
		t.Errorf("the lease was not ended: %v", err)
	}
}
