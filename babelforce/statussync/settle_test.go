package statussync_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// serveZendesk hands h a Zendesk event signed at at, and returns its
// answer.
func (e *env) serveZendesk(h http.Handler, body []byte, at time.Time) *httptest.ResponseRecorder {
	sig, ts := webhook.SignZendesk(e.secret, at, body)
	r := httptest.NewRequest(http.MethodPost, "/zendesk", bytes.NewReader(body))
	r.Header.Set(webhook.HeaderZendeskSignature, sig)
	r.Header.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// serveAutomation hands h an automation call and returns its answer.
func serveAutomation(h http.Handler, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/babelforce/presence", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+automationSecret)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// heldTransport holds the first PUT whose path ends with suffix and whose
// body holds hold, until release is closed, and says when it arrived.
type heldTransport struct {
	suffix, hold     string
	arrived, release chan struct{}
	once             sync.Once
}

func newHeldTransport(suffix, hold string) *heldTransport {
	return &heldTransport{suffix: suffix, hold: hold, arrived: make(chan struct{}), release: make(chan struct{})}
}

func (h *heldTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, h.suffix) && r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		if strings.Contains(string(b), h.hold) {
			h.once.Do(func() { close(h.arrived) })
			<-h.release
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// replica returns another Flow of e's configuration (its store among it),
// whose babelforce or Zendesk client (when bf or zd is set) sends through
// that transport.
func (e *env) replica(bf, zd http.RoundTripper) *statussync.Flow {
	e.t.Helper()
	cfg := e.cfg
	var err error
	if bf != nil {
		cfg.Babelforce, err = babelforce.NewClient(babelforce.WithBaseURL(e.bf.URL),
			babelforce.WithPassword(e.bf.Username, e.bf.Password, babelforce.WithNonExpiringToken()),
			babelforce.WithHTTPClient(&http.Client{Transport: bf}))
		if err != nil {
			e.t.Fatal(err)
		}
	}
	if zd != nil {
		cfg.Zendesk, err = zendesk.NewClient(zendesk.WithBaseURL(e.zd.URL), zendesk.WithAPIToken(e.zd.Email, e.zd.APIToken),
			zendesk.WithHTTPClient(&http.Client{Transport: zd}))
		if err != nil {
			e.t.Fatal(err)
		}
	}
	f, err := statussync.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// Two replicas decide on one agent at once: replica A on an older event
// (transfers_only), replica B on a newer one (away). A's send is slow:
// B's reaches babelforce first, then A's, and babelforce ends on the older
// decision. Nothing is written after a successful send any more, so no
// confirmation catches it: the order of the automation's echoes does. The
// echo of A's older decision comes after the echo of B's newer one was
// consumed, at a time not before B's decision: babelforce applied the
// older one last, and the newest is sent again.
func TestEchoOrderRepairsPresenceSendsLandingInTheWrongOrder(t *testing.T) {
	t.Parallel()
	shared := store.NewMemory()
	e := newEnv(t, withAutomation(), withConfig(func(c *statussync.Config) { c.Store = shared }))
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline) // its echo shows that the automation reports the flow's changes
	if got := e.bf.Presence(bid); got != "available" {
		t.Fatalf("presence %q, want available", got)
	}
	e.takeResults()

	held := newHeldTransport("/status", `"transfers_only"`)
	replicaA := e.replica(held, nil)

	t0 := time.Now()
	var answerA *httptest.ResponseRecorder
	done := make(chan struct{})
	go func() {
		defer close(done)
		answerA = e.serveZendesk(replicaA.ZendeskHandler(),
			unifiedEvent("wo-1", zid, "online", "transfers_only", zendesktest.StatusTransfersOnly, t0), time.Now())
	}()
	<-held.arrived // A wrote its decision and is sending it
	// B, the test's flow, decides on a newer event and sends it at once.
	if r := e.sendZendesk(unifiedEvent("wo-2", zid, "transfers_only", "away", zendesktest.StatusAway, t0.Add(time.Millisecond))); r.status != http.StatusOK {
		t.Fatalf("newer event: %d %s", r.status, r.body)
	}
	e.settle() // babelforce is away, and the echo of B's change consumed
	if got := e.bf.Presence(bid); got != "away" {
		t.Fatalf("presence %q after the newer decision, want away", got)
	}
	puts := e.presencePUTs()
	close(held.release) // A's older decision lands last
	<-done
	if answerA.Code != http.StatusOK {
		t.Fatalf("older event: %d %s", answerA.Code, answerA.Body)
	}
	e.settle()
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("presence %q after the older decision landed last, want away (the newest decision)", got)
	}
	// A's send, then the newest sent again: two presence changes.
	if n := e.presencePUTs() - puts; n != 2 {
		t.Errorf("%d presence changes after A's send was released, want 2 (A's, and the newest again)", n)
	}
	var repaired bool
	for _, r := range e.takeResults() {
		if r.Outcome == flow.Echo && strings.Contains(r.Detail, "set again") {
			repaired = true
		}
	}
	if !repaired {
		t.Error("no echo result says the newest presence was set again")
	}
	// The repair's own echo settles it: a later change to another presence
	// is not taken for an echo, and one back to away is applied.
	if r := e.sendZendesk(unifiedEvent("wo-3", zid, "away", "online", zendesktest.StatusOnline, time.Now())); r.status != http.StatusOK {
		t.Fatalf("later event: %d %s", r.status, r.body)
	}
	e.settle()
	if got := e.bf.Presence(bid); got != "available" {
		t.Errorf("presence %q after a later change, want available", got)
	}
}

// The same for Zendesk: two replicas set the agent's Zendesk status from
// two babelforce changes, and Zendesk applies the older last. Zendesk's
// unified status events (the echoes) tell it; the newest status is set
// again.
func TestEchoOrderRepairsStatusSendsLandingInTheWrongOrder(t *testing.T) {
	t.Parallel()
	shared := store.NewMemory()
	e := newEnv(t, withConfig(func(c *statussync.Config) { c.Store = shared }))
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline)
	presence := func(id, p string, at time.Time) string { return presenceCall(id, bid, zid, p, at) }
	// A first change whose unified status event comes back: Zendesk
	// reports the flow's changes for this agent.
	if r := e.postAutomation(presence("zo-0", "offline", time.Now()), automationSecret); r.status != http.StatusOK {
		t.Fatalf("first change: %d %s", r.status, r.body)
	}
	e.settle()
	if got := e.zendeskStatus(zid); got != "offline" {
		t.Fatalf("Zendesk status %q, want offline", got)
	}
	e.takeResults()

	held := newHeldTransport(fmt.Sprintf("/agents/%d", zid), fmt.Sprint(zendesktest.StatusTransfersOnly))
	replicaA := e.replica(nil, held)
	t0 := time.Now()
	var answerA *httptest.ResponseRecorder
	done := make(chan struct{})
	go func() {
		defer close(done)
		answerA = serveAutomation(replicaA.AutomationHandler(), presence("zo-1", "transfers_only", t0))
	}()
	<-held.arrived
	if r := e.postAutomation(presence("zo-2", "away", t0.Add(time.Millisecond)), automationSecret); r.status != http.StatusOK {
		t.Fatalf("newer change: %d %s", r.status, r.body)
	}
	e.settle()
	if got := e.zendeskStatus(zid); got != "away" {
		t.Fatalf("Zendesk status %q after the newer decision, want away", got)
	}
	puts := e.statusPUTs()
	close(held.release)
	<-done
	if answerA.Code != http.StatusOK {
		t.Fatalf("older change: %d %s", answerA.Code, answerA.Body)
	}
	e.settle()
	if got := e.zendeskStatus(zid); got != "away" {
		t.Errorf("Zendesk status %q after the older decision landed last, want away (the newest decision)", got)
	}
	if n := e.statusPUTs() - puts; n != 2 {
		t.Errorf("%d status changes after A's send was released, want 2 (A's, and the newest again)", n)
	}
}

// newClockedEnv is an env whose flow, store and fake Zendesk run on one
// injected clock, with a store that counts (and can fail) operations.
func newClockedEnv(t *testing.T) (*env, *testkit.Clock, *countingStore) {
	clock := testkit.NewClock()
	cs := newCountingStore(&store.Memory{Now: clock.Now})
	e := newEnv(t, withZendeskOptions(zendesktest.WithClock(clock.Now), zendesktest.WithDeliverySleep(clock.Sleep)),
		withConfig(func(c *statussync.Config) { c.Store, c.Now = cs, clock.Now }))
	return e, clock, cs
}

// presenceCall is the automation's call for a presence change of the
// agent bid (Zendesk zid) at at.
func presenceCall(id, bid string, zid int64, presence string, at time.Time) string {
	return fmt.Sprintf(`{"event_id":%q,"agent_id":%q,"source_id":"%d","presence":%q,"changed_at":%q}`,
		id, bid, zid, presence, at.UTC().Format(time.RFC3339Nano))
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A presence change is sent and nothing is written after it; its echo is
// not back, and its event is delivered again past the send's lease (its
// answer was lost). babelforce shows the presence, so the redelivery is a
// duplicate: it is not sent again, and the next one reads the record only.
func TestReplayPastTheLeaseOfASentPresenceIsADuplicate(t *testing.T) {
	t.Parallel()
	e, clock, cs := newClockedEnv(t)
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline)
	// The echo of that change: the automation reports the flow's changes.
	echo := fmt.Sprintf(`{"event_id":"echo-1","agent_id":%q,"presence":"available","changed_at":%q}`, bid, clock.Now().Format(time.RFC3339Nano))
	if r := e.postAutomation(echo, automationSecret); r.status != http.StatusOK {
		t.Fatalf("echo: %d %s", r.status, r.body)
	}
	e.takeResults()

	change := unifiedEvent("lease-1", zid, "online", "away", zendesktest.StatusAway, clock.Now())
	if r := e.serveZendesk(e.flow.ZendeskHandler(), change, clock.Now()); r.Code != http.StatusOK {
		t.Fatalf("change: %d %s", r.Code, r.Body)
	}
	puts := e.presencePUTs()
	if got := e.bf.Presence(bid); got != "away" {
		t.Fatalf("presence %q, want away", got)
	}
	e.takeResults()
	clock.Advance(time.Minute + time.Second) // past the send's lease
	for i := range 2 {
		ops := cs.ops.Load()
		if r := e.serveZendesk(e.flow.ZendeskHandler(), change, clock.Now()); r.Code != http.StatusOK {
			t.Fatalf("replay %d past the lease: %d %s", i+1, r.Code, r.Body)
		}
		rs := e.takeResults()
		if len(rs) != 1 || rs[0].Outcome != flow.Duplicate {
			t.Errorf("replay %d past the lease: %v, want a duplicate", i+1, outcomes(rs))
		}
		// The first settles the change (a read and a write); the second
		// reads the record only.
		if want := []int64{2, 1}[i]; cs.ops.Load()-ops != want {
			t.Errorf("replay %d: %d store operations, want %d", i+1, cs.ops.Load()-ops, want)
		}
	}
	if n := e.presencePUTs() - puts; n != 0 {
		t.Errorf("%d presence changes after the replays, want 0", n)
	}
}

// A babelforce change is set in Zendesk; the write after the send fails
// (the old design's confirmation: the store went away, as when the
// replica dies after sending), so the automation's call is answered 503 and
// comes again past the send's lease. Meanwhile the agent changed their
// Zendesk status (its event not delivered yet). The redelivery must not
// set the older status again over the agent's own change: Zendesk shows a
// status set after the send started, so it is a duplicate.
func TestReplayPastTheLeaseKeepsTheAgentsNewerZendeskStatus(t *testing.T) {
	t.Parallel()
	e, clock, cs := newClockedEnv(t)
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline)
	presence := func(id, p string) string { return presenceCall(id, bid, zid, p, clock.Now()) }
	// A first change, whose unified status event comes back.
	if r := e.postAutomation(presence("nz-0", "offline"), automationSecret); r.status != http.StatusOK {
		t.Fatalf("first change: %d %s", r.status, r.body)
	}
	e.settle()
	if got := e.zendeskStatus(zid); got != "offline" {
		t.Fatalf("Zendesk status %q, want offline", got)
	}
	// Zendesk's events are delayed from here on.
	var drop http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "delayed (test)", http.StatusServiceUnavailable)
	})
	e.handler.Store(&drop)
	// The replica's store goes away once its Zendesk change is made.
	var afterPut atomic.Bool
	replica := e.replica(nil, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err == nil && r.Method == http.MethodPut && resp.StatusCode < 300 && afterPut.Load() {
			cs.down.Store(true)
		}
		return resp, err
	}))
	afterPut.Store(true)
	call := presence("nz-1", "available")
	first := serveAutomation(replica.AutomationHandler(), call)
	afterPut.Store(false)
	cs.down.Store(false)
	t.Logf("first delivery: %d %s", first.Code, strings.TrimSpace(first.Body.String()))
	if got := e.zendeskStatus(zid); got != "online" {
		t.Fatalf("Zendesk status %q, want online", got)
	}
	clock.Advance(5 * time.Second)
	if err := e.zd.SetAgentStatus(zid, zendesktest.StatusTransfersOnly); err != nil { // the agent's own change
		t.Fatal(err)
	}
	puts := e.statusPUTs()
	clock.Advance(time.Minute) // past the send's lease
	if r := serveAutomation(replica.AutomationHandler(), call); r.Code != http.StatusOK {
		t.Fatalf("redelivery past the lease: %d %s", r.Code, r.Body)
	}
	if got := e.zendeskStatus(zid); got != "transfers_only" {
		t.Errorf("Zendesk status %q after the redelivery, want transfers_only (the agent's own newer change)", got)
	}
	if n := e.statusPUTs() - puts; n != 0 {
		t.Errorf("%d status changes by the redelivery, want 0", n)
	}
}

// The poller settles a presence the flow sent: once a pass reads it in
// babelforce, a redelivery of its event past the send's lease reads the
// record only (no vendor read, no write).
func TestPollerSettlesASentPresence(t *testing.T) {
	t.Parallel()
	e, clock, cs := newClockedEnv(t)
	zid, bid := e.agent("Ann")
	if err := e.flow.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.setStatus(zid, zendesktest.StatusOnline)
	echo := presenceCall("echo-1", bid, zid, "available", clock.Now())
	if r := e.postAutomation(echo, automationSecret); r.status != http.StatusOK {
		t.Fatalf("echo: %d %s", r.status, r.body)
	}
	change := unifiedEvent("ps-1", zid, "online", "away", zendesktest.StatusAway, clock.Now())
	if r := e.serveZendesk(e.flow.ZendeskHandler(), change, clock.Now()); r.Code != http.StatusOK {
		t.Fatalf("change: %d %s", r.Code, r.Body)
	}
	clock.Advance(time.Second)
	if err := e.flow.Poll(t.Context()); err != nil { // reads away: the change is settled
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	e.takeResults()
	ops := cs.ops.Load()
	if r := e.serveZendesk(e.flow.ZendeskHandler(), change, clock.Now()); r.Code != http.StatusOK {
		t.Fatalf("redelivery: %d %s", r.Code, r.Body)
	}
	if rs := e.takeResults(); len(rs) != 1 || rs[0].Outcome != flow.Duplicate {
		t.Errorf("redelivery: %v, want a duplicate", outcomes(rs))
	}
	if n := cs.ops.Load() - ops; n != 1 {
		t.Errorf("redelivery: %d store operations, want 1 (the change settled by the poller)", n)
	}
}

// A status the poller's pass set in Zendesk whose unified status event
// does not come back is settled by a later pass past the send's lease:
// Zendesk shows it, so it is not set again.
func TestPollerSettlesASentStatusPastTheLease(t *testing.T) {
	t.Parallel()
	e, clock, _ := newClockedEnv(t)
	zid, bid := e.agent("Ann")
	ctx := t.Context()
	if err := e.flow.Poll(ctx); err != nil { // the baseline
		t.Fatal(err)
	}
	// A first change, whose unified status event comes back.
	if err := e.bf.SetPresence(bid, "away"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := e.zendeskStatus(zid); got != "away" {
		t.Fatalf("Zendesk status %q, want away", got)
	}
	// Zendesk's events are lost from here on.
	var drop http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	e.handler.Store(&drop)
	if err := e.bf.SetPresence(bid, "available"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := e.zendeskStatus(zid); got != "online" {
		t.Fatalf("Zendesk status %q, want online", got)
	}
	puts := e.statusPUTs()
	clock.Advance(time.Minute + time.Second)
	for range 2 {
		if err := e.flow.Poll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.statusPUTs() - puts; n != 0 {
		t.Errorf("%d status changes by the passes past the lease, want 0 (Zendesk shows the status)", n)
	}
}
