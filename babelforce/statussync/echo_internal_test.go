package statussync

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// internalEnv is a flow between the two fakes for tests that look at the
// flow's state. No Zendesk webhook is set up: events are handed to the
// flow directly, and nothing brings the flow's own changes back, as in a
// one-way setup.
type internalEnv struct {
	zd    *zendesktest.Server
	bf    *babelforcetest.Server
	zc    *zendesk.Client
	bc    *babelforce.Client
	flow  *Flow
	clock *testkit.Clock
}

func newInternalEnv(t *testing.T, presences ...string) *internalEnv {
	t.Helper()
	e := &internalEnv{clock: testkit.NewClock()}
	e.zd = zendesktest.NewServer(zendesktest.WithDeliverySleep(zendesktest.NoSleep), zendesktest.WithClock(e.clock.Now))
	t.Cleanup(e.zd.Close)
	e.bf = babelforcetest.NewServer(babelforcetest.WithClock(e.clock.Now))
	t.Cleanup(e.bf.Close)
	var err error
	if e.zc, err = zendesk.NewClient(zendesk.WithBaseURL(e.zd.URL), zendesk.WithAPIToken(e.zd.Email, e.zd.APIToken)); err != nil {
		t.Fatal(err)
	}
	if e.bc, err = babelforce.NewClient(babelforce.WithBaseURL(e.bf.URL),
		babelforce.WithPassword(e.bf.Username, e.bf.Password, babelforce.WithNonExpiringToken())); err != nil {
		t.Fatal(err)
	}
	for _, p := range presences {
		if _, err := e.bc.Presences.Create(t.Context(), &babelforce.PresenceCreate{Label: p}); err != nil {
			t.Fatal(err)
		}
	}
	if e.flow, err = New(Config{Zendesk: e.zc, Babelforce: e.bc, ZendeskSecrets: []string{"x"}, Now: e.clock.Now}); err != nil {
		t.Fatal(err)
	}
	return e
}

// agent adds an agent to both fakes (babelforce sourceId = Zendesk id).
func (e *internalEnv) agent(name string) (int64, string) {
	zid := e.zd.AddAgent(name, name+"@example.com")
	a := e.bf.AddAgent(babelforcetest.Agent{Name: name, SourceID: strconv.FormatInt(zid, 10)})
	return zid, a.ID
}

// echoes returns the lengths of the agent's echo lists.
func (e *internalEnv) echoes(zid int64) (bf, zd int) {
	st, err := e.flow.readAgent(context.Background(), zid)
	if err != nil {
		panic(err)
	}
	return len(st.bfEchoes), len(st.zdEchoes)
}

// readAgent reads the agent's record as it is in the store, without its
// lease: an empty record when there is none.
func (f *Flow) readAgent(ctx context.Context, id int64) (*agentState, error) {
	v, ok, err := f.store.Get(ctx, agentKey(id))
	if err != nil || !ok {
		return &agentState{id: id}, err
	}
	return decodeAgent(id, v)
}

// In a one-way setup (no automation, no poller) nothing brings the
// presences the flow sets back, so nothing consumes their echoes: the list
// must stay bounded by itself, whatever the number of changes.
func TestBabelforceEchoesStayBoundedWithoutAutomation(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	zid, bid := e.agent("ann")
	states := []string{"online", "away"}
	for i := range 200 {
		e.clock.Advance(time.Second)
		at := e.clock.Now()
		ev := &webhook.ZendeskEvent{ID: "e" + strconv.Itoa(i), Time: at,
			Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: states[i%2]}, UpdatedAt: at}}
		if err := e.flow.handleZendeskEvent(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.bf.Presence(bid); got != "away" {
		t.Fatalf("babelforce presence %q, want away", got)
	}
	if n, _ := e.echoes(zid); n != maxEchoes {
		t.Errorf("after 200 changes between two presences: %d echoes remembered, want %d (the cap)", n, maxEchoes)
	}
	// Past the window the older entries expire at the next change.
	e.clock.Advance(2 * e.flow.cfg.EchoWindow)
	at := e.clock.Now()
	ev := &webhook.ZendeskEvent{ID: "last", Time: at,
		Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: "online"}, UpdatedAt: at}}
	if err := e.flow.handleZendeskEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.echoes(zid); n != 1 {
		t.Errorf("after the echo window: %d echoes remembered, want 1", n)
	}
}

// When Provision points the Zendesk webhook at babelforce, the flow never
// receives the Zendesk events its own status changes cause.
func TestZendeskEchoesStayBoundedWithoutZendeskEvents(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t)
	zid, bid := e.agent("ann")
	presences := []string{"available", "busy"}
	for i := range 200 {
		e.clock.Advance(time.Second)
		err := e.flow.ApplyPresence(t.Context(), PresenceEvent{AgentID: bid, SourceID: strconv.FormatInt(zid, 10),
			Presence: presences[i%2], ChangedAt: e.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
	}
	if av, _ := e.zd.Availability(zid); av.StatusName != "away" {
		t.Fatalf("Zendesk status %q, want away (the fallback of busy)", av.StatusName)
	}
	if _, n := e.echoes(zid); n != maxEchoes {
		t.Errorf("after 200 changes between two statuses: %d echoes remembered, want %d (the cap)", n, maxEchoes)
	}
	e.clock.Advance(2 * e.flow.cfg.EchoWindow)
	if err := e.flow.ApplyPresence(t.Context(), PresenceEvent{AgentID: bid, SourceID: strconv.FormatInt(zid, 10),
		Presence: "available", ChangedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, n := e.echoes(zid); n != 1 {
		t.Errorf("after the echo window: %d echoes remembered, want 1", n)
	}
}

// However many different values the flow sets within one window, an
// agent keeps at most maxEchoes of each kind, the newest.
func TestEchoListsAreCapped(t *testing.T) {
	t.Parallel()
	f := &Flow{cfg: Config{EchoWindow: time.Hour}}
	st := &agentState{}
	now := time.Now()
	for i := range 3 * maxEchoes {
		at := now.Add(time.Duration(i) * time.Millisecond)
		st.bfEchoes = rememberEcho(st.bfEchoes, bfEcho{presence: "p" + strconv.Itoa(i), at: at}, f.cfg.EchoWindow)
		st.zdEchoes = rememberEcho(st.zdEchoes, zdEcho{status: "s" + strconv.Itoa(i), at: at}, f.cfg.EchoWindow)
	}
	if len(st.bfEchoes) != maxEchoes || len(st.zdEchoes) != maxEchoes {
		t.Fatalf("%d and %d echoes remembered, want %d each", len(st.bfEchoes), len(st.zdEchoes), maxEchoes)
	}
	if last := "p" + strconv.Itoa(3*maxEchoes-1); st.bfEchoes[maxEchoes-1].presence != last {
		t.Errorf("newest babelforce echo %q, want %q", st.bfEchoes[maxEchoes-1].presence, last)
	}
	if first := "s" + strconv.Itoa(2*maxEchoes); st.zdEchoes[0].status != first {
		t.Errorf("oldest Zendesk echo kept %q, want %q", st.zdEchoes[0].status, first)
	}
}

// The flow sets available, away, available, then transfers_only;
// babelforce's automation reports the changes asynchronously, so the first
// three reports may come in any order, before the fourth. Each report is
// the echo of one set: whatever the order, none may bounce back to
// Zendesk and babelforce ends at the last presence set. (The stale check
// alone also covers these orders; TestLateEchoDoesNotHideTheNextChange is
// the sequence that failed.)
func TestEchoesOfRepeatedValuesInAnyOrder(t *testing.T) {
	t.Parallel()
	for _, order := range [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		e := newInternalEnv(t, "away", "transfers_only")
		zid, bid := e.agent("ann")
		states := []string{"online", "away", "online", "transfers_only"}
		presences := []string{"available", "away", "available", "transfers_only"}
		var sets []time.Time
		for i, state := range states {
			e.clock.Advance(time.Second)
			at := e.clock.Now()
			sets = append(sets, at)
			ev := &webhook.ZendeskEvent{ID: "z" + strconv.Itoa(i), Time: at,
				Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: state}, UpdatedAt: at}}
			if err := e.flow.handleZendeskEvent(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
		}
		for _, i := range append(order, 3) {
			e.clock.Advance(time.Millisecond)
			err := e.flow.ApplyPresence(t.Context(), PresenceEvent{EventID: "b" + strconv.Itoa(i), AgentID: bid,
				SourceID: strconv.FormatInt(zid, 10), Presence: presences[i], ChangedAt: sets[i].Add(time.Millisecond)})
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := e.zd.RequestCount("PUT", "/api/v2/agent_availabilities/agent_statuses/agents/"); n != 0 {
			t.Errorf("order %v: %d Zendesk status changes: an echo bounced back", order, n)
		}
		if got := e.bf.Presence(bid); got != "transfers_only" {
			t.Errorf("order %v: babelforce presence %q, want transfers_only", order, got)
		}
	}
}

// From a stress run: the flow sets away, then available; babelforce's
// automation reports available, then (late) away. The late echo is dropped,
// but it must not pass for babelforce's presence now: the agent's next
// change to away in Zendesk has to reach babelforce.
func TestLateEchoDoesNotHideTheNextChange(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	zid, bid := e.agent("ann")
	zendesk := func(id, state string) time.Time {
		e.clock.Advance(time.Second)
		at := e.clock.Now()
		ev := &webhook.ZendeskEvent{ID: id, Time: at,
			Payload: &webhook.AgentUnifiedStateChanged{AgentID: zid, NewState: webhook.UnifiedState{Name: state}, UpdatedAt: at}}
		if err := e.flow.handleZendeskEvent(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		return at
	}
	automation := func(id, presence string, changed time.Time) {
		e.clock.Advance(time.Millisecond)
		if err := e.flow.ApplyPresence(t.Context(), PresenceEvent{EventID: id, AgentID: bid,
			SourceID: strconv.FormatInt(zid, 10), Presence: presence, ChangedAt: changed}); err != nil {
			t.Fatal(err)
		}
	}
	away := zendesk("z1", "away")
	online := zendesk("z2", "online")
	automation("b2", "available", online.Add(time.Millisecond))
	automation("b1", "away", away.Add(time.Millisecond)) // late
	if got := e.bf.Presence(bid); got != "available" {
		t.Fatalf("babelforce presence %q after the echoes, want available", got)
	}
	zendesk("z3", "away")
	if got := e.bf.Presence(bid); got != "away" {
		t.Fatalf("babelforce presence %q, want away: the late echo hid the change", got)
	}
	if n := e.zd.RequestCount("PUT", "/api/v2/agent_availabilities/agent_statuses/agents/"); n != 0 {
		t.Errorf("%d Zendesk status changes: an echo bounced back", n)
	}
}
