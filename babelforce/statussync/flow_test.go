package statussync_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestZendeskToBabelforce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	meeting, err := e.zd.AddCustomStatus("In a meeting", "", map[string]string{"support": "away", "messaging": "away", "talk": "offline"})
	if err != nil {
		t.Fatal(err)
	}
	// The custom status was added after provisioning: provision again.
	if _, err := statussync.Provision(t.Context(), statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc, Endpoint: e.zsrv.URL + "/zendesk"}); err != nil {
		t.Fatal(err)
	}
	zid, bid := e.agent("Ann")
	for _, step := range []struct {
		status int64
		want   string
	}{
		{zendesktest.StatusOnline, "available"},
		{zendesktest.StatusAway, "away"},
		{meeting, "in_a_meeting"},
		{zendesktest.StatusTransfersOnly, "transfers_only"},
		{zendesktest.StatusOffline, "offline"},
		{zendesktest.StatusOnline, "available"},
	} {
		e.setStatus(zid, step.status)
		if got := e.bf.Presence(bid); got != step.want {
			t.Fatalf("after Zendesk status %d: babelforce presence %q, want %q\n%s", step.status, got, step.want, strings.Join(outcomes(e.takeResults()), "\n"))
		}
	}
	for _, d := range e.zd.Deliveries() {
		if !d.Succeeded() {
			t.Errorf("delivery %s %s: %+v", d.EventType, d.EventID, d.Attempts)
		}
	}
	// Every change reached babelforce once per target: the channel event
	// and the unified event of a change agree (or the unified one wins).
	var to []string
	for _, h := range e.bf.History() {
		to = append(to, h.To)
	}
	want := []string{"available", "away", "in_a_meeting", "transfers_only", "offline", "available"}
	if !slices.Equal(to, want) {
		t.Errorf("babelforce history %v, want %v", to, want)
	}
	cmp, err := e.flow.Compare(t.Context())
	if err != nil || len(cmp) != 1 || !cmp[0].Consistent || cmp[0].ZendeskStatus != "online" || cmp[0].Presence != "available" {
		t.Errorf("Compare = %+v, %v", cmp, err)
	}
}

func TestChannelEventsDriveOnlyTheConfiguredChannel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *statussync.Config) { c.Mapping.Channel = "talk" }))
	zid, bid := e.agent("Ann")
	if err := e.zd.SetAgentState(zid, "support", "online"); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := e.bf.Presence(bid); got != babelforcetest.DefaultAgentPresence {
		t.Errorf("a support change moved babelforce to %q", got)
	}
	if err := e.zd.SetAgentState(zid, "talk", "online"); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := e.bf.Presence(bid); got != "available" {
		t.Errorf("a talk change left babelforce at %q", got)
	}
	rs := e.takeResults()
	if !slices.ContainsFunc(rs, func(r statussync.Result) bool {
		return r.Outcome == flow.Ignored && r.Kind == "agent.state_changed (support)"
	}) {
		t.Errorf("no ignored support event in %v", outcomes(rs))
	}
}

func TestDuplicateDeliveryAppliedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline)
	e.setStatus(zid, zendesktest.StatusAway)
	// Re-send the unified event of the first change as Zendesk would
	// (same event id, a fresh signature).
	var first *zendesktest.Delivery
	for _, d := range e.zd.Deliveries() {
		if d.EventType == webhook.ZendeskTypeAgentUnifiedStateChanged {
			first = &d
			break
		}
	}
	if first == nil {
		t.Fatal("no unified delivery")
	}
	puts := e.presencePUTs()
	resp := e.sendZendesk(first.Body)
	if resp.status != http.StatusOK {
		t.Errorf("duplicate: %d %q", resp.status, resp.body)
	}
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("presence %q after a duplicate of an older event", got)
	}
	if e.presencePUTs() != puts {
		t.Error("the duplicate reached babelforce")
	}
}

func TestOutOfOrderEventIsDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zid, bid := e.agent("Ann")
	t0 := time.Now().Add(-time.Minute)
	if r := e.sendZendesk(unifiedEvent("E2", zid, "online", "away", 4, t0.Add(2*time.Second))); r.status != 200 {
		t.Fatalf("E2: %d %s", r.status, r.body)
	}
	if r := e.sendZendesk(unifiedEvent("E1", zid, "offline", "online", 3, t0.Add(time.Second))); r.status != 200 {
		t.Fatalf("E1: %d %s", r.status, r.body)
	}
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("presence %q, want away: the older event was applied", got)
	}
	// Same time: the unified status event wins over the channel event.
	t3 := t0.Add(3 * time.Second)
	e.sendZendesk(unifiedEvent("E3u", zid, "away", "offline", 2, t3))
	e.sendZendesk(stateEvent("E3c", zid, "support", "away", "online", t3))
	if got := e.bf.Presence(bid); got != "offline" {
		t.Errorf("presence %q, want offline: a channel event of the same time overrode the unified one", got)
	}
	got := outcomes(e.takeResults())
	want := []string{
		"zendesk agent.unified_state_changed online→away: applied",
		"zendesk agent.unified_state_changed offline→online: stale",
		"zendesk agent.unified_state_changed away→offline: applied",
		"zendesk agent.state_changed (support) away→online: stale",
	}
	if !slices.Equal(got, want) {
		t.Errorf("results\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A channel event, then the unified event of the same change: both apply.
	t4 := t0.Add(4 * time.Second)
	e.sendZendesk(stateEvent("E4c", zid, "support", "offline", "online", t4))
	e.sendZendesk(unifiedEvent("E4u", zid, "offline", "transfers_only", 5, t4))
	if got := e.bf.Presence(bid); got != "transfers_only" {
		t.Errorf("presence %q, want transfers_only", got)
	}
}

// A change of unified status sends a unified status event and, for each
// channel it changes, a channel event; Zendesk does not document that they
// share a time or an order. A channel event that the last unified status
// accounts for must not replace the status's presence with the channel
// state's, whichever comes first and whatever their times; a channel
// event that disagrees with it is news and applies when it is newer.
func TestChannelEventAndUnifiedStatusInEitherOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.zd.AddCustomStatus("In a meeting", "", map[string]string{"support": "away", "messaging": "away", "talk": "offline"}); err != nil {
		t.Fatal(err)
	}
	if _, err := statussync.Provision(t.Context(), statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc, Endpoint: e.zsrv.URL + "/zendesk"}); err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(-time.Minute)
	type ev struct {
		unified bool
		to      string
		after   time.Duration // after base
	}
	for _, c := range []struct {
		name   string
		events []ev
		want   string
	}{
		{"unified then agreeing channel 1ms later", []ev{{true, "In a meeting", 0}, {false, "away", time.Millisecond}}, "in_a_meeting"},
		{"agreeing channel 1ms later first", []ev{{false, "away", time.Millisecond}, {true, "In a meeting", 0}}, "in_a_meeting"},
		{"unified then agreeing channel, same time", []ev{{true, "In a meeting", 0}, {false, "away", 0}}, "in_a_meeting"},
		{"agreeing channel first, same time", []ev{{false, "away", 0}, {true, "In a meeting", 0}}, "in_a_meeting"},
		{"unified then a newer disagreeing channel", []ev{{true, "In a meeting", 0}, {false, "online", time.Millisecond}}, "available"},
		{"newer disagreeing channel first", []ev{{false, "online", time.Millisecond}, {true, "In a meeting", 0}}, "available"},
		{"unified then disagreeing channel, same time", []ev{{true, "In a meeting", 0}, {false, "online", 0}}, "in_a_meeting"},
		{"disagreeing channel first, same time", []ev{{false, "online", 0}, {true, "In a meeting", 0}}, "in_a_meeting"},
		{"agreeing channel after a disagreeing one", []ev{{true, "In a meeting", 0}, {false, "online", time.Millisecond}, {false, "away", 2 * time.Millisecond}}, "away"},
		{"unified status older than the channel event it covers", []ev{{false, "away", time.Second}, {true, "In a meeting", 0}, {false, "away", 2 * time.Second}}, "in_a_meeting"},
		{"default status, agreeing channel later", []ev{{true, "transfers_only", 0}, {false, "transfers_only", time.Millisecond}}, "transfers_only"},
		{"channel events only", []ev{{false, "away", 0}, {false, "online", time.Millisecond}}, "available"},
	} {
		t.Run(c.name, func(t *testing.T) {
			zid, bid := e.agent(strings.ReplaceAll(c.name, " ", ""))
			e.takeResults()
			for i, v := range c.events {
				id := fmt.Sprintf("%d-%d", zid, i)
				body := stateEvent(id, zid, "support", "", v.to, base.Add(v.after))
				if v.unified {
					body = unifiedEvent(id, zid, "", v.to, 0, base.Add(v.after))
				}
				if r := e.sendZendesk(body); r.status != http.StatusOK {
					t.Fatalf("event %d: %d %s", i, r.status, r.body)
				}
			}
			if got := e.bf.Presence(bid); got != c.want {
				t.Errorf("babelforce presence %q, want %q\n%s", got, c.want, strings.Join(outcomes(e.takeResults()), "\n"))
			}
		})
	}
	// The covered channel event is reported as such, and sends nothing.
	zid, _ := e.agent("Covered")
	e.sendZendesk(unifiedEvent("cov-u", zid, "online", "In a meeting", 0, base))
	e.takeResults()
	puts := e.presencePUTs()
	e.sendZendesk(stateEvent("cov-c", zid, "support", "online", "away", base.Add(time.Millisecond)))
	rs := e.takeResults()
	if len(rs) != 1 || rs[0].Outcome != flow.Unchanged || rs[0].Target != "in_a_meeting" ||
		!strings.Contains(rs[0].Detail, `covered by the unified status "in_a_meeting"`) {
		t.Errorf("covered channel event: %+v", rs)
	}
	if e.presencePUTs() != puts {
		t.Error("the covered channel event reached babelforce")
	}
}

// When the flow cannot know what a unified status puts the channel in (no
// such status in Zendesk, or its statuses cannot be read), the events'
// times decide, as before.
func TestChannelEventsOrderedByTimeWhenStatusMappingUnknown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.bc.Presences.Create(t.Context(), &babelforce.PresenceCreate{Label: "Lunch"}); err != nil {
		t.Fatal(err)
	}
	zid, bid := e.agent("Ann")
	base := time.Now().Add(-time.Minute)
	e.sendZendesk(unifiedEvent("L1", zid, "online", "Lunch", 0, base))
	if got := e.bf.Presence(bid); got != "lunch" {
		t.Fatalf("presence %q, want lunch", got)
	}
	e.sendZendesk(stateEvent("L2", zid, "support", "online", "away", base.Add(time.Millisecond)))
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("presence %q, want away", got)
	}

	// Likewise when Zendesk's statuses cannot be read: the unified status
	// still reaches babelforce, and the read is not tried again at once.
	const statusesPath = "/api/v2/agent_availabilities/agent_statuses"
	if _, err := e.zd.AddCustomStatus("In a meeting", "", map[string]string{"support": "away"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.bc.Presences.Create(t.Context(), &babelforce.PresenceCreate{Label: "In a meeting"}); err != nil {
		t.Fatal(err)
	}
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: statusesPath, Status: http.StatusBadRequest, Times: 10})
	reads := e.zd.RequestCount(http.MethodGet, statusesPath)
	zid2, bid2 := e.agent("Bob")
	for i, to := range []string{"In a meeting", "online", "In a meeting"} {
		if r := e.sendZendesk(unifiedEvent("M"+strconv.Itoa(i), zid2, "", to, 0, base.Add(time.Duration(i)*time.Second))); r.status != http.StatusOK {
			t.Fatalf("unified event %d: %d %s", i, r.status, r.body)
		}
	}
	if got := e.bf.Presence(bid2); got != "in_a_meeting" {
		t.Errorf("presence %q, want in_a_meeting", got)
	}
	if n := e.zd.RequestCount(http.MethodGet, statusesPath) - reads; n != 1 {
		t.Errorf("%d reads of the statuses after a failed one, want 1", n)
	}
}

func TestUnknownAgent(t *testing.T) {
	t.Parallel()
	for _, reject := range []bool{false, true} {
		t.Run("reject="+strconv.FormatBool(reject), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withConfig(func(c *statussync.Config) { c.RejectUnknownAgents = reject }))
			zid := e.zd.AddAgent("Nobody", "nobody@example.com") // no babelforce agent
			resp := e.sendZendesk(unifiedEvent("U1", zid, "offline", "online", 3, time.Now()))
			rs := e.takeResults()
			if len(rs) != 1 || rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), "set the babelforce agent's sourceId") {
				t.Fatalf("results %+v", rs)
			}
			if reject {
				if resp.status != http.StatusUnprocessableEntity || rs[0].Outcome != flow.Rejected {
					t.Errorf("%d %s %s", resp.status, resp.body, rs[0].Outcome)
				}
			} else if resp.status != http.StatusOK || rs[0].Outcome != flow.Ignored {
				t.Errorf("%d %s %s", resp.status, resp.body, rs[0].Outcome)
			}
		})
	}
}

func TestUnknownPresenceIsRejectedWithFix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zid, bid := e.agent("Ann")
	// A custom status added in Zendesk after provisioning: babelforce has
	// no presence for it.
	lunch, err := e.zd.AddCustomStatus("Lunch", "", map[string]string{"support": "away", "messaging": "away", "talk": "away"})
	if err != nil {
		t.Fatal(err)
	}
	resp := e.sendZendesk(unifiedEvent("L1", zid, "online", "Lunch", lunch, time.Now()))
	if resp.status != http.StatusUnprocessableEntity || resp.body != "rejected" {
		t.Errorf("%d %q", resp.status, resp.body)
	}
	rs := e.takeResults()
	if len(rs) != 1 || rs[0].Outcome != flow.Rejected || !strings.Contains(rs[0].Err.Error(), `create a red presence labelled "lunch"`) {
		t.Errorf("results %v", rs)
	}
	if got := e.bf.Presence(bid); got != babelforcetest.DefaultAgentPresence {
		t.Errorf("presence %q", got)
	}
	// Creating it (by label, under whatever name babelforce chooses) fixes
	// the next event.
	e.bf.AddPresence("lunch-break", "Lunch")
	resp = e.sendZendesk(unifiedEvent("L2", zid, "online", "Lunch", lunch, time.Now()))
	if resp.status != http.StatusOK {
		t.Errorf("%d %q", resp.status, resp.body)
	}
	if got := e.bf.Presence(bid); got != "lunch-break" {
		t.Errorf("presence %q, want the presence labelled Lunch", got)
	}
}

func TestBabelforceFailureIsRetriedByZendesk(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withBabelforceOptions(babelforce.WithMaxRetries(2)))
	zid, bid := e.agent("Ann")
	path := "/api/v2/agents/" + bid + "/status"
	// One 503 is absorbed by the client's own retry: Zendesk sees 200.
	e.bf.InjectFault(babelforcetest.Fault{Method: http.MethodPut, Path: path, Status: http.StatusServiceUnavailable})
	e.setStatus(zid, zendesktest.StatusOnline)
	if got := e.bf.Presence(bid); got != "available" {
		t.Fatalf("presence %q", got)
	}
	for _, d := range e.zd.Deliveries() {
		if len(d.Attempts) != 1 {
			t.Errorf("delivery %s: %d attempts", d.EventType, len(d.Attempts))
		}
	}
	// Three 503s outlast the client's two retries: the handler answers
	// 503 with Retry-After, Zendesk retries, and the retry is applied.
	n := len(e.zd.Deliveries())
	e.bf.InjectFault(babelforcetest.Fault{Method: http.MethodPut, Path: path, Status: http.StatusServiceUnavailable, Times: 3})
	e.setStatus(zid, zendesktest.StatusAway)
	if got := e.bf.Presence(bid); got != "away" {
		t.Fatalf("presence %q: the change was lost", got)
	}
	var retried bool
	for _, d := range e.zd.Deliveries()[n:] {
		if !d.Succeeded() {
			t.Errorf("delivery %s not delivered: %+v", d.EventType, d.Attempts)
		}
		if len(d.Attempts) == 2 && d.Attempts[0].Status == http.StatusServiceUnavailable {
			retried = true
			if d.Attempts[0].Wait != time.Second {
				t.Errorf("Zendesk waited %v, want the Retry-After of 1 s", d.Attempts[0].Wait)
			}
		}
	}
	if !retried {
		t.Error("no delivery was retried")
	}
	rs := e.takeResults()
	if !slices.ContainsFunc(rs, func(r statussync.Result) bool { return r.Outcome == flow.Failed }) {
		t.Errorf("no failure reported: %v", outcomes(rs))
	}
}

func TestEchoOfBabelforceChangeIsDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withAutomation())
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline)
	// The flow set the presence through the API; babelforce's automation
	// reports it back, and the flow must not touch Zendesk again.
	if got := e.bf.Presence(bid); got != "available" {
		t.Fatalf("presence %q", got)
	}
	if n := e.statusPUTs(); n != 0 {
		t.Errorf("the flow set the Zendesk status %d times: an echo bounced back", n)
	}
	rs := e.takeResults()
	if !slices.ContainsFunc(rs, func(r statussync.Result) bool {
		return r.Source == statussync.SourceAutomation && r.Outcome == flow.Echo && r.To == "available"
	}) {
		t.Errorf("no echo: %v", outcomes(rs))
	}
}

func TestEchoOfZendeskChangeIsDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withAutomation())
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline)
	e.takeResults()
	// The agent goes busy in babelforce; busy has no Zendesk status, so
	// Zendesk goes away (the fallback). Zendesk's events about that change
	// come back and must not turn babelforce's busy into away.
	if err := e.bf.SetPresence(bid, "busy"); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := e.zendeskStatus(zid); got != "away" {
		t.Errorf("Zendesk status %q, want away", got)
	}
	if got := e.bf.Presence(bid); got != "busy" {
		t.Errorf("babelforce presence %q, want busy: Zendesk's echo bounced back", got)
	}
	// Sorted: the echoes may be decided before the change is reported.
	got := slices.Sorted(slices.Values(outcomes(e.takeResults())))
	want := []string{
		"babelforce automation presence available→busy: applied",
		"zendesk agent.state_changed (support) online→away: echo",
		"zendesk agent.unified_state_changed online→away: echo",
	}
	if !slices.Equal(got, want) {
		t.Errorf("results\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A custom status maps back by name.
	meeting, err := e.zd.AddCustomStatus("In a meeting", "", map[string]string{"support": "away", "messaging": "away", "talk": "away"})
	if err != nil {
		t.Fatal(err)
	}
	e.bf.AddPresence("", "In a meeting")
	if err := e.bf.SetPresence(bid, "in_a_meeting"); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if av, _ := e.zd.Availability(zid); av.StatusID != meeting {
		t.Errorf("Zendesk status %d %q, want In a meeting", av.StatusID, av.StatusName)
	}
	if got := e.bf.Presence(bid); got != "in_a_meeting" {
		t.Errorf("presence %q", got)
	}
	// A genuine Zendesk change after the echo still goes through.
	e.setStatus(zid, zendesktest.StatusOnline)
	if got := e.bf.Presence(bid); got != "available" {
		t.Errorf("presence %q after a genuine change", got)
	}
	cmp, err := e.flow.Compare(t.Context())
	if err != nil || len(cmp) != 1 || !cmp[0].Consistent {
		t.Errorf("Compare %+v %v", cmp, err)
	}
}

func TestZendeskFailureIsRetriedByAutomation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline)
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodPut, Path: "/api/v2/agent_availabilities/agent_statuses/agents/", Status: 503, Times: 10})
	body := `{"event_id":"b1","agent_id":"` + bid + `","presence":"busy","changed_at":"` + time.Now().Format(time.RFC3339Nano) + `"}`
	resp := e.postAutomation(body, automationSecret)
	if resp.status != http.StatusServiceUnavailable || resp.header.Get("Retry-After") != "1" {
		t.Fatalf("%d %q Retry-After %q", resp.status, resp.body, resp.header.Get("Retry-After"))
	}
	e.zd.ClearFaults()
	resp = e.postAutomation(body, automationSecret)
	if resp.status != http.StatusOK || resp.body != "handled" {
		t.Fatalf("retry: %d %q", resp.status, resp.body)
	}
	if got := e.zendeskStatus(zid); got != "away" {
		t.Errorf("Zendesk status %q", got)
	}
	e.takeResults()
	// The third delivery is what was applied: the agent's record (same
	// changed_at, same presence) makes it a duplicate.
	puts := e.statusPUTs()
	if resp := e.postAutomation(body, automationSecret); resp.status != http.StatusOK || e.statusPUTs() != puts {
		t.Errorf("third delivery: %d %q, %d status changes", resp.status, resp.body, e.statusPUTs()-puts)
	}
	rs := slices.DeleteFunc(e.takeResults(), func(r statussync.Result) bool { return r.Source != statussync.SourceAutomation })
	if len(rs) != 1 || rs[0].Outcome != flow.Duplicate || rs[0].Detail != statussync.DetailAlreadyApplied {
		t.Errorf("third delivery: %v", outcomes(rs))
	}
}

func TestAutomationHandler(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zid, bid := e.agent("Ann")
	now := time.Now()
	for _, c := range []struct {
		name, body, secret string
		status             int
		outcome            string
	}{
		{"no secret", `{"agent_id":"` + bid + `","presence":"busy"}`, "", 401, "unauthorized"},
		{"wrong secret", `{"agent_id":"` + bid + `","presence":"busy"}`, "nope", 401, "unauthorized"},
		{"not JSON", `busy`, automationSecret, 400, "malformed"},
		{"no presence", `{"agent_id":"` + bid + `"}`, automationSecret, 400, "malformed"},
		{"no agent", `{"presence":"busy"}`, automationSecret, 400, "malformed"},
		{"bad time", `{"agent_id":"x","presence":"busy","changed_at":"yesterday"}`, automationSecret, 400, "malformed"},
		{"by agent id, ms time", `{"event_id":"a1","agent_id":"` + bid + `","presence":"busy","changed_at":` + strconv.FormatInt(now.UnixMilli(), 10) + `}`, automationSecret, 200, "handled"},
		{"duplicate", `{"event_id":"a1","agent_id":"` + bid + `","presence":"busy","changed_at":` + strconv.FormatInt(now.UnixMilli(), 10) + `}`, automationSecret, 200, "duplicate"},
		{"untimed duplicate", `{"event_id":"u1","agent_id":"` + bid + `","presence":"busy"}`, automationSecret, 200, "handled"},
		{"untimed duplicate again", `{"event_id":"u1","agent_id":"` + bid + `","presence":"busy"}`, automationSecret, 200, "duplicate"},
		{"older", `{"event_id":"a0","source_id":` + strconv.FormatInt(zid, 10) + `,"presence":{"name":"available"},"changed_at":"` + now.Add(-time.Minute).Format(time.RFC3339) + `"}`, automationSecret, 200, "handled"},
		{"not a Zendesk agent", `{"event_id":"a2","source_id":"crm-42","presence":"busy"}`, automationSecret, 200, "handled"},
		{"unknown babelforce agent", `{"event_id":"a3","agent_id":"00000000000000000000000000000000","presence":"busy"}`, automationSecret, 422, "rejected"},
		{"no event id, seconds", `{"source_id":"` + strconv.FormatInt(zid, 10) + `","presence":"available","changed_at":` + strconv.FormatInt(now.Add(2*time.Second).Unix(), 10) + `}`, automationSecret, 200, "handled"},
	} {
		resp := e.postAutomation(c.body, c.secret)
		if resp.status != c.status || resp.body != c.outcome {
			t.Errorf("%s: %d %q, want %d %q", c.name, resp.status, resp.body, c.status, c.outcome)
		}
	}
	if got := e.zendeskStatus(zid); got != "online" {
		t.Errorf("Zendesk status %q, want online", got)
	}
	var got []string
	for _, r := range outcomes(e.takeResults()) {
		if strings.HasPrefix(r, "babelforce") {
			got = append(got, r)
		}
	}
	want := []string{
		"babelforce automation presence →busy: applied",
		"babelforce automation presence →busy: duplicate",
		"babelforce automation presence →busy: unchanged",
		"babelforce automation presence busy→available: stale",
		"babelforce automation presence →busy: ignored",
		"babelforce automation presence →busy: rejected",
		"babelforce automation presence busy→available: applied",
	}
	if !slices.Equal(got, want) {
		t.Errorf("results\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestApplyPresence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zid, _ := e.agent("Ann")
	if err := e.flow.ApplyPresence(t.Context(), statussync.PresenceEvent{Presence: "busy"}); !webhook.IsPermanent(err) {
		t.Errorf("no agent: %v", err)
	}
	if err := e.flow.ApplyPresence(t.Context(), statussync.PresenceEvent{SourceID: strconv.FormatInt(zid, 10), Presence: "transfers_only"}); err != nil {
		t.Fatal(err)
	}
	if got := e.zendeskStatus(zid); got != "transfers_only" {
		t.Errorf("status %q", got)
	}
	// A presence mapped to a Zendesk status that does not exist.
	f, err := statussync.New(statussync.Config{Zendesk: e.zc, Babelforce: e.bc,
		Mapping: statussync.Mapping{Statuses: map[string]string{"busy": "Gone fishing"}}})
	if err != nil {
		t.Fatal(err)
	}
	err = f.ApplyPresence(t.Context(), statussync.PresenceEvent{SourceID: strconv.FormatInt(zid, 10), Presence: "busy"})
	if !webhook.IsPermanent(err) || !strings.Contains(err.Error(), "Gone fishing") || !strings.Contains(err.Error(), "fix:") {
		t.Errorf("err %v", err)
	}
	// A Zendesk agent that does not exist.
	err = e.flow.ApplyPresence(t.Context(), statussync.PresenceEvent{SourceID: "999999", Presence: "available"})
	if !webhook.IsPermanent(err) {
		t.Errorf("unknown Zendesk agent: %v", err)
	}
}

func TestNothingLostUnderFaultsAndConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withAutomation(), withBabelforceOptions(babelforce.WithMaxRetries(0)))
	type agent struct {
		zid int64
		bid string
	}
	var agents []agent
	for i := range 6 {
		zid, bid := e.agent("Agent" + strconv.Itoa(i))
		agents = append(agents, agent{zid, bid})
	}
	// Every third presence change fails once with 503.
	e.bf.InjectFault(babelforcetest.Fault{Method: http.MethodPut, Path: "/api/v2/agents/", Status: 503, Times: 4})
	statuses := []int64{zendesktest.StatusOnline, zendesktest.StatusAway, zendesktest.StatusTransfersOnly, zendesktest.StatusOffline}
	var wg sync.WaitGroup
	for i, a := range agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				if err := e.zd.SetAgentStatus(a.zid, statuses[(i+j)%len(statuses)]); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	e.settle()
	for i, a := range agents {
		want := map[int64]string{3: "available", 4: "away", 5: "transfers_only", 2: "offline"}[statuses[(i+4)%len(statuses)]]
		if got := e.bf.Presence(a.bid); got != want {
			t.Errorf("agent %d: presence %q, want %q", i, got, want)
		}
	}
	cmp, err := e.flow.Compare(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmp {
		if !c.Consistent {
			t.Errorf("inconsistent: %+v", c)
		}
	}
	if n := e.statusPUTs(); n != 0 {
		t.Errorf("%d Zendesk status changes: echoes bounced", n)
	}
}

func TestConcurrentDeliveriesForOneAgent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zid, bid := e.agent("Ann")
	t0 := time.Now()
	var wg sync.WaitGroup
	states := []string{"online", "away", "offline", "transfers_only"}
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := states[i%len(states)]
			r := e.sendZendesk(stateEvent("C"+strconv.Itoa(i), zid, "support", "x", to, t0.Add(time.Duration(i)*time.Millisecond)))
			if r.status != 200 {
				t.Errorf("event %d: %d %s", i, r.status, r.body)
			}
		}()
	}
	wg.Wait()
	// Whatever the arrival order, the newest event (i = 39) wins.
	if got := e.bf.Presence(bid); got != "transfers_only" {
		t.Errorf("presence %q, want transfers_only (the newest event)", got)
	}
}

func TestPoller(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zid, bid := e.agent("Ann")
	other := e.bf.AddAgent(babelforcetest.Agent{Name: "Not in Zendesk", SourceID: "crm-1"})
	ctx := t.Context()
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	rs := e.takeResults()
	if len(rs) != 1 || rs[0].Outcome != statussync.Baseline || rs[0].ZendeskAgentID != zid {
		t.Fatalf("first poll: %v", outcomes(rs))
	}
	if e.statusPUTs() != 0 {
		t.Fatal("the baseline changed Zendesk")
	}
	// A change in babelforce's UI is seen at the next pass.
	if err := e.bf.SetPresence(bid, "available"); err != nil {
		t.Fatal(err)
	}
	_ = e.bf.SetPresence(other.ID, "available")
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := e.zendeskStatus(zid); got != "online" {
		t.Errorf("Zendesk status %q, want online", got)
	}
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(slices.Values(outcomes(e.takeResults()))) // the echoes may be decided before the change is reported
	want := []string{
		"babelforce poller presence busy→available: applied",
		"zendesk agent.state_changed (support) offline→online: echo",
		"zendesk agent.unified_state_changed offline→online: echo",
	}
	if !slices.Equal(got, want) {
		t.Errorf("results\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The flow's own change is not seen as a change by the poller.
	e.setStatus(zid, zendesktest.StatusAway)
	puts := e.statusPUTs()
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if e.statusPUTs() != puts {
		t.Error("the poller bounced the flow's own change back to Zendesk")
	}
	// A failing Zendesk: the change is seen again at the next pass.
	_ = e.bf.SetPresence(bid, "offline")
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodPut, Path: "/api/v2/agent_availabilities/", Status: 500, Times: 10})
	if err := e.flow.Poll(ctx); err == nil {
		t.Error("a failed pass reported no error")
	}
	e.zd.ClearFaults()
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.zendeskStatus(zid); got != "offline" {
		t.Errorf("Zendesk status %q, want offline", got)
	}
	// A failing agents list.
	e.bf.InjectFault(babelforcetest.Fault{Method: http.MethodGet, Path: "/api/v2/agents", Status: 400})
	if err := e.flow.Poll(ctx); err == nil {
		t.Error("no error from a failed list")
	}
}

// The poller does not rely on the echo window: a presence the flow set is
// not reported back to Zendesk however long after it the poll comes, so
// EchoWindow need not exceed PollInterval.
func TestPollerNeedsNoEchoWindow(t *testing.T) {
	t.Parallel()
	clock := wallClock()
	e := newEnv(t, withConfig(func(c *statussync.Config) {
		c.Now, c.EchoWindow, c.PollInterval = clock.Now, time.Millisecond, time.Hour
	}))
	zid, bid := e.agent("Ann")
	ctx := t.Context()
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	e.sendZendesk(unifiedEvent("P1", zid, "offline", "away", 4, clock.Now()))
	if got := e.bf.Presence(bid); got != "away" {
		t.Fatalf("babelforce presence %q, want away", got)
	}
	clock.Advance(time.Hour)
	e.takeResults()
	puts := e.statusPUTs()
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if e.statusPUTs() != puts {
		t.Errorf("a poll past the echo window bounced the flow's own change back: %v", outcomes(e.takeResults()))
	}
	// A genuine change is still seen.
	_ = e.bf.SetPresence(bid, "available")
	clock.Advance(time.Hour)
	if err := e.flow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.zendeskStatus(zid); got != "online" {
		t.Errorf("Zendesk status %q, want online", got)
	}
}

func TestRunPoller(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *statussync.Config) { c.PollInterval = 5 * time.Millisecond }))
	zid, bid := e.agent("Ann")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.flow.RunPoller(ctx) }()
	waitFor(t, func() bool {
		return slices.ContainsFunc(e.takeResults(), func(r statussync.Result) bool { return r.Outcome == statussync.Baseline })
	})
	if err := e.bf.SetPresence(bid, "available"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return e.zendeskStatus(zid) == "online" })
	e.bf.InjectFault(babelforcetest.Fault{Method: http.MethodGet, Path: "/api/v2/agents", Status: 400})
	waitFor(t, func() bool { return e.bf.RequestCount(http.MethodGet, "/api/v2/agents") > 3 })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunPoller: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestCachedAgentGoneIsLookedUpAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline)
	// The babelforce agent is replaced by a new one with the same sourceId.
	if err := e.bc.Agents.Delete(t.Context(), bid); err != nil {
		t.Fatal(err)
	}
	again := e.bf.AddAgent(babelforcetest.Agent{Name: "Ann", SourceID: strconv.FormatInt(zid, 10)})
	e.setStatus(zid, zendesktest.StatusAway)
	if got := e.bf.Presence(again.ID); got != "away" {
		t.Errorf("presence %q", got)
	}
}

func TestStateTTL(t *testing.T) {
	t.Parallel()
	clock := wallClock()
	e := newEnv(t, withConfig(func(c *statussync.Config) { c.Now = clock.Now; c.StateTTL = time.Minute }))
	zid, bid := e.agent("Ann")
	base := clock.Now()
	e.sendZendesk(unifiedEvent("S1", zid, "offline", "online", 3, base))
	puts := e.presencePUTs()
	// The same target within the TTL is skipped …
	clock.Advance(time.Second)
	e.sendZendesk(stateEvent("S2", zid, "support", "offline", "online", base.Add(time.Second)))
	if e.presencePUTs() != puts {
		t.Error("a known presence was set again")
	}
	// … and sent again after it, in case babelforce changed unseen.
	_ = e.bf.SetPresence(bid, "busy")
	clock.Advance(2 * time.Minute)
	e.sendZendesk(stateEvent("S3", zid, "support", "offline", "online", base.Add(2*time.Minute)))
	if got := e.bf.Presence(bid); got != "available" {
		t.Errorf("presence %q", got)
	}
}

// wallClock returns a test clock at the wall clock's time: the fake
// Zendesk signs its deliveries with the wall clock, and the flow checks
// them against its own.
func wallClock() *testkit.Clock {
	c := testkit.NewClock()
	c.Advance(time.Since(c.Now()))
	return c
}

func TestEchoWindowExpires(t *testing.T) {
	t.Parallel()
	clock := wallClock()
	e := newEnv(t, withConfig(func(c *statussync.Config) { c.Now = clock.Now; c.EchoWindow = 10 * time.Second; c.StateTTL = -1 }))
	zid, bid := e.agent("Ann")
	e.sendZendesk(unifiedEvent("W1", zid, "offline", "online", 3, clock.Now()))
	// The automation reports the flow's change late, after the window: it
	// is then a change like any other (and Zendesk already agrees).
	clock.Advance(time.Minute)
	err := e.flow.ApplyPresence(t.Context(), statussync.PresenceEvent{AgentID: bid, SourceID: strconv.FormatInt(zid, 10), Presence: "available", ChangedAt: clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	rs := e.takeResults()
	if last := rs[len(rs)-1]; last.Outcome != flow.Applied || last.Source != statussync.SourceAutomation {
		t.Errorf("late echo: %v", outcomes(rs))
	}
}

func TestHandlerRefusesUnsigned(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := post(t, e.zsrv.URL, nil, unifiedEvent("X", 1, "a", "b", 3, time.Now()))
	if resp.status != http.StatusUnauthorized {
		t.Errorf("%d %s", resp.status, resp.body)
	}
	// An event with no agent id is refused for good.
	resp = e.sendZendesk(unifiedEvent("X2", 0, "a", "online", 3, time.Now()))
	if resp.status != http.StatusUnprocessableEntity {
		t.Errorf("no agent: %d %s", resp.status, resp.body)
	}
	// Misconfigured: no secrets at all.
	f, err := statussync.New(statussync.Config{Zendesk: e.zc, Babelforce: e.bc})
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	f.ZendeskHandler().ServeHTTP(rec, mustRequest(t, unifiedEvent("X3", 1, "a", "online", 3, time.Now())))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("no secret: %d", rec.Code)
	}
}

func TestLogger(t *testing.T) {
	t.Parallel()
	var buf testkit.Logs // its Write is safe for the handlers' goroutines
	e := newEnv(t, withConfig(func(c *statussync.Config) {
		c.Logger = newTextLogger(&buf)
	}))
	zid, _ := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline)
	out := buf.String()
	for _, want := range []string{"msg=statussync", "outcome=applied", "zendesk_agent_id=" + strconv.FormatInt(zid, 10), "webhook delivery"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestErrorsAreTyped(t *testing.T) {
	t.Parallel()
	_, err := statussync.New(statussync.Config{})
	var ce *flow.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("%T %v", err, err)
	}
}

// The flow's own changes whose echo never comes (no automation) must not
// swallow a later genuine change back to the same presence.
func TestPollerSeesAChangeBackToAPresenceTheFlowSet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	meeting, _ := e.zd.AddCustomStatus("In a meeting", "", map[string]string{"support": "away", "messaging": "away", "talk": "away"})
	e.bf.AddPresence("", "In a meeting")
	zid, bid := e.agent("Bob")
	if err := e.flow.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.setStatus(zid, meeting)                  // the flow sets in_a_meeting
	e.setStatus(zid, zendesktest.StatusOnline) // then available
	if got := e.bf.Presence(bid); got != "available" {
		t.Fatalf("presence %q", got)
	}
	if err := e.bf.SetPresence(bid, "in_a_meeting"); err != nil { // Bob, in babelforce
		t.Fatal(err)
	}
	if err := e.flow.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if av, _ := e.zd.Availability(zid); av.StatusID != meeting {
		t.Errorf("Zendesk status %q: the poller's observation was taken for an echo", av.StatusName)
	}
	if got := e.bf.Presence(bid); got != "in_a_meeting" {
		t.Errorf("presence %q", got)
	}
}
