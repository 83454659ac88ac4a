package scenario

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/brightpattern/brightpatterntest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// A known caller's open ticket is popped to ann and the call data
// attached, through the Bright Pattern fake's Fetch URL block.
func TestInboundKnownCaller(t *testing.T) {
	w := newWorld(t)
	f, results := w.flow(InboundCall(map[string]string{mainDNIS: "support", brandDNIS: "brand"}, testFields...))
	w.serve(f)
	run, err := w.bp.Arrive(t.Context(), brightpatterntest.Interaction{ANI: knownANI, DNIS: mainDNIS, Agent: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Exit != brightpatterntest.ExitNext || run.Variables["ticket_id"] != itoa(w.ticketID) || run.Variables["caller.id"] != itoa(w.caller) ||
		run.Variables["caller.name"] != "Carla Caller" || run.Variables["tickets.__count__"] != "1" || run.Variables[VarExit] != "Next" {
		t.Fatalf("run: %s %v", run.Exit, run.Variables)
	}
	pops := w.zd.ScreenPops()
	if len(pops) != 1 || pops[0].AgentID != w.annZD || pops[0].TicketID != w.ticketID {
		t.Fatalf("screen pops %+v, want ticket %d to agent %d", pops, w.ticketID, w.annZD)
	}
	tk, _ := w.zd.Ticket(w.ticketID)
	if got := fieldValues(w.zd, tk); got["Caller number"] != knownANI || got["BP interaction"] != run.GlobalInteractionID {
		t.Errorf("custom fields %v", got)
	}
	cs := w.zd.Comments(w.ticketID)
	last := cs[len(cs)-1]
	if last.Public || !strings.Contains(last.Body, "item.ANI: "+knownANI) || !strings.Contains(last.Body, "user.loginId: ann") {
		t.Errorf("note %+v", last)
	}
	if len(w.zd2.ScreenPops()) != 0 || len(w.zd2.Tickets()) != 0 {
		t.Error("the brand's Zendesk was touched")
	}
	if len(*results) != 1 || (*results)[0].Outcome != flow.Applied || len((*results)[0].Steps) != 5 {
		t.Fatalf("results %+v", *results)
	}
	for _, s := range (*results)[0].Steps {
		if s.Account != "support" {
			t.Errorf("step %s on account %q", s, s.Account)
		}
	}
}

// An unknown number: the user and a voice ticket are created, the ticket
// popped to ann.
func TestInboundUnknownCaller(t *testing.T) {
	w := newWorld(t)
	f, _ := w.flow(InboundCall(map[string]string{mainDNIS: "support", brandDNIS: "brand"}, testFields...))
	w.serve(f)
	run, err := w.bp.Arrive(t.Context(), brightpatterntest.Interaction{ANI: unknownANI, DNIS: mainDNIS, Agent: "ann"})
	if err != nil || run.Exit != brightpatterntest.ExitNext {
		t.Fatal(run, err)
	}
	var created *zendesktest.User
	for _, u := range w.zd.Users() {
		if u.Phone != nil && *u.Phone == unknownANI {
			created = &u
		}
	}
	if created == nil || created.Name != "Caller "+unknownANI || run.Variables["caller.id"] != itoa(created.ID) {
		t.Fatalf("user %+v, variables %v", created, run.Variables)
	}
	id := run.Variables["ticket_id"]
	var tk zendesktest.Ticket
	for _, x := range w.zd.Tickets() {
		if itoa(x.ID) == id {
			tk = x
		}
	}
	if tk.ViaID != 45 || tk.RequesterID != created.ID || tk.Subject != "Call from "+unknownANI {
		t.Fatalf("ticket %+v", tk)
	}
	pops := w.zd.ScreenPops()
	if len(pops) != 1 || pops[0].AgentID != w.annZD || itoa(pops[0].TicketID) != id {
		t.Fatalf("pops %+v", pops)
	}
	if got := fieldValues(w.zd, tk); got["Caller number"] != unknownANI {
		t.Errorf("fields %v", got)
	}
}

// A call to the second brand's number runs on the brand's account.
func TestInboundSecondBrand(t *testing.T) {
	w := newWorld(t)
	f, results := w.flow(InboundCall(map[string]string{mainDNIS: "support", brandDNIS: "brand"}, testFields...))
	w.serve(f)
	run, err := w.bp.Arrive(t.Context(), brightpatterntest.Interaction{ANI: knownANI, DNIS: brandDNIS, Agent: "ann"})
	if err != nil || run.Exit != brightpatterntest.ExitNext {
		t.Fatal(run, err)
	}
	if len(w.zd.ScreenPops()) != 0 || len(w.zd.Tickets()) != 1 {
		t.Error("the support account was touched")
	}
	pops := w.zd2.ScreenPops()
	if len(pops) != 1 || pops[0].AgentID != w.annZD2 || len(w.zd2.Tickets()) != 1 {
		t.Fatalf("brand pops %+v tickets %d", pops, len(w.zd2.Tickets()))
	}
	for _, s := range (*results)[0].Steps {
		if s.Account != "brand" {
			t.Errorf("step %s on account %q", s, s.Account)
		}
	}
}

// fieldValues returns a ticket's custom field values by field title.
func fieldValues(z *zendesktest.Server, tk zendesktest.Ticket) map[string]string {
	titles := map[int64]string{}
	for _, f := range z.TicketFields() {
		titles[f.ID] = f.Title
	}
	out := map[string]string{}
	for _, cf := range tk.CustomFields {
		var s string
		if json.Unmarshal(cf.Value, &s) == nil {
			out[titles[cf.ID]] = s
		}
	}
	return out
}
