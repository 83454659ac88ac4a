package scenario

import (
	"context"
	"strconv"
	"testing"

	"github.com/deskbridge/deskbridge/zendesk"
)

// benchScenario is one inbound call: Search the caller's open tickets,
// Screen Pop the first, Attached Data (two fields and a note).
func benchScenario() Scenario {
	return Scenario{Steps: []Step{
		&Search{Query: "type:ticket status<solved requester:$(caller_id)", Recordset: "tickets", MaxResults: 1},
		&ScreenPop{Ticket: "$(tickets.id)"},
		&AttachData{Fields: testFields},
	}}
}

// scenarioCaller runs calls through the scenario, each a new interaction
// (so that each writes its note and its once-per-interaction record), after
// one call that fills the flow's caches (the agent, the fields).
type scenarioCaller struct {
	f    *Flow
	vars map[string]string
	n    int
}

func newScenarioCaller(tb testing.TB, w *world) *scenarioCaller {
	f, _ := w.flow(benchScenario())
	vars := call(knownANI, mainDNIS)
	vars["caller_id"] = itoa(w.caller)
	c := &scenarioCaller{f: f, vars: vars}
	if err := c.call(tb.Context()); err != nil {
		tb.Fatal(err)
	}
	return c
}

func (c *scenarioCaller) call(ctx context.Context) error {
	c.n++
	c.vars[VarInteractionID] = "GIID" + strconv.Itoa(c.n)
	if res := c.f.Run(ctx, c.vars); res.Exit != ExitNext {
		return res.Err
	}
	return nil
}

// handCaller makes the same Zendesk calls as the scenario with the
// zendesk client directly, the ids it can know beforehand looked up once.
type handCaller struct {
	zc       *zendesk.Client
	agent    int64
	fieldIDs []int64
	query    string
}

func newHandCaller(tb testing.TB, w *world) *handCaller {
	zc, _ := w.accounts.Select("")
	h := &handCaller{zc: zc, agent: w.annZD, query: "type:ticket status<solved requester:" + itoa(w.caller)}
	for _, f := range testFields {
		tf, err := zc.TicketFields.FindByTitle(tb.Context(), f.Title)
		if err != nil {
			tb.Fatal(err)
		}
		h.fieldIDs = append(h.fieldIDs, tf.ID)
	}
	return h
}

func (h *handCaller) call(ctx context.Context) error {
	var id int64
	for hit, err := range h.zc.Search.Query(ctx, h.query, &zendesk.SearchOptions{OffsetOptions: zendesk.OffsetOptions{PerPage: 1}}) {
		if err != nil {
			return err
		}
		id = hit.Ticket.ID
		break
	}
	if err := h.zc.Voice.DisplayTicket(ctx, h.agent, id); err != nil {
		return err
	}
	f1, _ := zendesk.NewCustomField(h.fieldIDs[0], knownANI)
	f2, _ := zendesk.NewCustomField(h.fieldIDs[1], "GIID1")
	in := &zendesk.TicketInput{CustomFields: []zendesk.CustomField{f1, f2}, Comment: zendesk.PrivateComment("Bright Pattern interaction\nitem.ANI: " + knownANI)}
	_, err := h.zc.Tickets.Update(ctx, id, in)
	return err
}

// zendeskRequests counts every request the world's Zendesk fakes got.
func (w *world) zendeskRequests() int {
	return w.zd.RequestCount("", "/") + w.zd2.RequestCount("", "/")
}

// benchCalls runs call b.N times and reports the Zendesk requests per call.
func benchCalls(b *testing.B, w *world, call func(context.Context) error) {
	b.ReportAllocs()
	before := w.zendeskRequests()
	b.ResetTimer()
	for b.Loop() {
		if err := call(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(w.zendeskRequests()-before)/float64(b.N), "zendesk-req/call")
}

// BenchmarkInboundCall runs the call through the scenario; the floor,
// BenchmarkInboundCallByHand, makes the same three Zendesk calls with the
// zendesk client directly (ids known beforehand), against the same fake in
// the same run. The ratio is what the blocks cost on top of the calls:
// substitution, the recordset, the cached agent and field lookups. Both
// report zendesk-req/call, which TestScenarioMakesNoMoreZendeskCallsThanByHand
// holds equal.
func BenchmarkInboundCall(b *testing.B) {
	w := newWorld(b)
	benchCalls(b, w, newScenarioCaller(b, w).call)
}

func BenchmarkInboundCallByHand(b *testing.B) {
	w := newWorld(b)
	benchCalls(b, w, newHandCaller(b, w).call)
}

// The scenario makes no more Zendesk requests per call than the same
// work by hand, once its caches are warm.
func TestScenarioMakesNoMoreZendeskCallsThanByHand(t *testing.T) {
	const calls = 5
	count := func(call func(context.Context) error, w *world) int {
		before := w.zendeskRequests()
		for range calls {
			if err := call(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		return w.zendeskRequests() - before
	}
	ws, wh := newWorld(t), newWorld(t)
	scenario := count(newScenarioCaller(t, ws).call, ws)
	hand := count(newHandCaller(t, wh).call, wh)
	if scenario > hand || hand != 3*calls {
		t.Errorf("%d Zendesk requests for %d calls through the scenario, %d by hand (want 3 a call)", scenario, calls, hand)
	}
}
