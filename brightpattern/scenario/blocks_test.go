package scenario

import (
	"errors"
	"github.com/deskbridge/deskbridge/brightpattern"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// run runs steps once with vars on a fresh flow of w.
func (w *world) run(vars map[string]string, steps ...Step) Result {
	w.t.Helper()
	f, _ := w.flow(Scenario{Steps: steps})
	return f.Run(w.t.Context(), vars)
}

func TestSearchRecordsetAndNextRecord(t *testing.T) {
	w := newWorld(t)
	phone := knownANI
	second := w.zd.AddUser(zendesktest.User{Name: "Carl Caller", Phone: &phone}).ID
	res := w.run(call(knownANI, mainDNIS),
		&Search{Query: `type:user phone:"$(item.ANI)"`, Recordset: "rs"},
		&NextRecord{Recordset: "rs", Exits: Exits{Label: "next"}},
		&NextRecord{Recordset: "rs", Exits: Exits{NoData: "end"}},
		&Search{Query: "type:user nobody-matches-this", Recordset: "none", Exits: Exits{Label: "end"}},
	)
	if res.Exit != ExitNoData || res.Outcome != flow.Ignored || len(res.Steps) != 4 {
		t.Fatalf("%v %v", res, res.Steps)
	}
	v := res.Variables
	if v["rs.__count__"] != "2" || v["none.__count__"] != "0" || res.Steps[0].Detail != "2 record(s)" {
		t.Fatalf("variables %v", v)
	}
	if res.Steps[1].Exit != ExitNext || res.Steps[2].Exit != ExitNoData {
		t.Fatalf("steps %v", res.Steps)
	}
	// After the end of the recordset, the row's columns are answered empty.
	if v["rs.id"] != "" || v["rs.name"] != "" {
		t.Errorf("columns after the last record: %q %q", v["rs.id"], v["rs.name"])
	}
	_ = second

	// Max results keeps the first records only.
	res = w.run(call(knownANI, mainDNIS), &Search{Query: `type:user phone:"$(item.ANI)"`, Recordset: "rs", MaxResults: 1})
	if res.Exit != ExitNext || res.Variables["rs.__count__"] != "1" || res.Variables["rs.name"] == "" {
		t.Fatalf("%v %v", res, res.Variables)
	}
}

func TestSearchFailed(t *testing.T) {
	w := newWorld(t)
	w.zd.InjectFault(zendesktest.Fault{Method: "GET", Path: "/api/v2/search", Status: 500, Body: `{"error":"boom"}`, Times: 10})
	res := w.run(call(knownANI, mainDNIS), &Search{Query: "type:user x", Recordset: "rs"})
	if res.Exit != ExitFailed || res.Outcome != flow.Failed || res.Err == nil || !strings.Contains(res.Err.Error(), "Zendesk Search") {
		t.Fatalf("%v", res)
	}
	// Failed wired to another step.
	res = w.run(call(knownANI, mainDNIS),
		&Search{Query: "type:user x", Recordset: "rs", Exits: Exits{Failed: "fallback"}},
		&SelectAccount{Account: "brand", Exits: Exits{Label: "fallback"}})
	if res.Exit != ExitNext || len(res.Steps) != 2 || res.Steps[0].Exit != ExitFailed {
		t.Fatalf("%v %v", res, res.Steps)
	}
}

func TestUnknownVariableIsRejected(t *testing.T) {
	w := newWorld(t)
	res := w.run(map[string]string{}, &Search{Query: `phone:"$(item.ANI)"`, Recordset: "rs"})
	if res.Exit != ExitFailed || res.Outcome != flow.Rejected || !errors.Is(res.Err, ErrUnknownVariable) ||
		!strings.Contains(res.Err.Error(), "$(item.ANI)") || !strings.Contains(res.Err.Error(), "Query") {
		t.Fatalf("%v", res)
	}
	if n := w.zd.RequestCount("GET", "/api/v2/search"); n != 0 {
		t.Errorf("%d searches sent", n)
	}
}

func TestSelectAccount(t *testing.T) {
	w := newWorld(t)
	res := w.run(call(knownANI, brandDNIS),
		&SelectAccount{Account: "$(item.DNIS)", Map: map[string]string{brandDNIS: "brand"}},
		&Search{Query: `type:user email:"ann@example.com"`, Recordset: "me"})
	if res.Exit != ExitNext || res.Variables["me.id"] != itoa(w.annZD2) || res.Steps[1].Account != "brand" {
		t.Fatalf("%v %v %v", res, res.Variables, res.Steps)
	}
	res = w.run(call(knownANI, mainDNIS), &SelectAccount{Account: "nope"})
	if res.Exit != ExitFailed || res.Outcome != flow.Rejected || !strings.Contains(res.Err.Error(), "known: support, brand") {
		t.Fatalf("%v", res)
	}
}

func TestScreenPopUserAndErrors(t *testing.T) {
	w := newWorld(t)
	res := w.run(call(knownANI, mainDNIS), &ScreenPop{User: itoa(w.caller)})
	if res.Exit != ExitNext {
		t.Fatal(res)
	}
	if p := w.zd.ScreenPops(); len(p) != 1 || p[0].UserID != w.caller || p[0].AgentID != w.annZD {
		t.Fatalf("%+v", p)
	}
	// An agent without a Zendesk user of the same email.
	w.dir = brightpattern.NewDirectory(&brightpattern.User{LoginID: "bob", Email: "bob@example.com"})
	f, _ := w.flow(Scenario{Steps: []Step{&ScreenPop{Ticket: itoa(w.ticketID), Agent: "bob"}}})
	res = f.Run(t.Context(), call(knownANI, mainDNIS))
	if res.Exit != ExitFailed || !strings.Contains(res.Err.Error(), `"bob"`) || res.Outcome != flow.Rejected {
		t.Fatalf("%v", res)
	}
	w.dir = brightpattern.NewDirectory(&brightpattern.User{LoginID: "ann", Email: "ann@example.com"})
	// A ticket that does not exist: Zendesk's 404.
	res = w.run(call(knownANI, mainDNIS), &ScreenPop{Ticket: "999999"})
	if res.Exit != ExitFailed || res.Outcome != flow.Failed || !strings.Contains(res.Err.Error(), "popping ticket 999999") {
		t.Fatalf("%v", res)
	}
	// Not an id.
	res = w.run(call(knownANI, mainDNIS), &ScreenPop{Ticket: "$(user.loginId)"})
	if res.Exit != ExitFailed || res.Outcome != flow.Rejected || !strings.Contains(res.Err.Error(), "is not a Zendesk id") {
		t.Fatalf("%v", res)
	}
	// Delivered to nobody.
	vars := call(knownANI, mainDNIS)
	vars[VarAgentLoginID] = ""
	res = w.run(vars, &ScreenPop{Ticket: itoa(w.ticketID)})
	if res.Exit != ExitFailed || !strings.Contains(res.Err.Error(), "delivered to nobody") {
		t.Fatalf("%v", res)
	}
}

func TestAttachDataUnknownField(t *testing.T) {
	w := newWorld(t)
	vars := call(knownANI, mainDNIS)
	vars["ticket_id"] = itoa(w.ticketID)
	res := w.run(vars, &AttachData{Fields: []Field{{Title: "No such field", Value: "x"}}})
	if res.Exit != ExitFailed || res.Outcome != flow.Rejected || !strings.Contains(res.Err.Error(), "run Provision") {
		t.Fatalf("%v", res)
	}
	res = w.run(vars, &AttachData{Note: "Agent $(user.loginId) took the call"})
	if res.Exit != ExitNext {
		t.Fatal(res)
	}
	cs := w.zd.Comments(w.ticketID)
	if last := cs[len(cs)-1]; last.Body != "Agent ann took the call" || last.Public {
		t.Errorf("%+v", last)
	}
}

func TestAPIRequest(t *testing.T) {
	w := newWorld(t)
	vars := call(knownANI, mainDNIS)
	vars["uid"] = itoa(w.caller)
	res := w.run(vars, &APIRequest{URL: "users/$(uid).json", InitialPath: "user", Result: "u"})
	v := res.Variables
	if res.Exit != ExitNext || v[VarResultCode] != "200" || v["u.name"] != "Carla Caller" || !strings.Contains(v[VarResultBody], `"Carla Caller"`) {
		t.Fatalf("%v %v", res, v)
	}
	res = w.run(vars, &APIRequest{URL: "users/$(uid).json", InitialPath: "user.nothing"})
	if res.Exit != ExitNoData {
		t.Fatalf("%v", res)
	}
	res = w.run(vars, &APIRequest{URL: "users/424242.json"})
	if res.Exit != ExitFailed || res.Variables[VarResultCode] != "404" || res.Outcome != flow.Failed {
		t.Fatalf("%v %v", res, res.Variables)
	}
	res = w.run(vars, &APIRequest{URL: "../oauth/tokens"})
	if res.Exit != ExitFailed || res.Outcome != flow.Rejected {
		t.Fatalf("%v", res)
	}
	// A caller's value cannot change the body's shape: it is escaped.
	vars["evil"] = `x","role":"admin`
	res = w.run(vars, &CreateObject{Kind: ObjectUser, Fields: `{"name":"$(evil)"}`, Result: "nu"})
	if res.Exit != ExitNext || res.Variables["nu.role"] != "end-user" || res.Variables["nu.name"] != vars["evil"] {
		t.Fatalf("%v %v", res, res.Variables)
	}
}

func TestUpdateObject(t *testing.T) {
	w := newWorld(t)
	vars := call(knownANI, mainDNIS)
	vars["tid"] = itoa(w.ticketID)
	res := w.run(vars, &UpdateObject{Kind: ObjectTicket, ID: "$(tid)", Fields: `{"priority":"urgent"}`})
	if res.Exit != ExitNext || res.Variables["ticket.priority"] != "urgent" {
		t.Fatalf("%v %v", res, res.Variables)
	}
	if tk, _ := w.zd.Ticket(w.ticketID); tk.Priority == nil || *tk.Priority != "urgent" {
		t.Errorf("%+v", tk.Priority)
	}
	res = w.run(vars, &UpdateObject{Kind: ObjectTicket, ID: "$(tid)", Fields: `"not an object"`})
	if res.Exit != ExitFailed || res.Outcome != flow.Rejected {
		t.Fatalf("%v", res)
	}
}

func TestLoopEnds(t *testing.T) {
	w := newWorld(t)
	res := w.run(call(knownANI, mainDNIS), &SelectAccount{Account: "support", Exits: Exits{Label: "a", Next: "a"}})
	if res.Exit != ExitFailed || len(res.Steps) != MaxSteps || !strings.Contains(res.Err.Error(), "loop") {
		t.Fatalf("%v %d", res, len(res.Steps))
	}
}

func TestConfigProblems(t *testing.T) {
	_, err := New(Config{Scenario: Scenario{Steps: []Step{
		&Search{Recordset: "a b"},
		&ScreenPop{Exits: Exits{Label: "x"}},
		&ScreenPop{Ticket: "1", User: "2", Exits: Exits{Label: "x", NoData: "nowhere"}},
		&AttachData{NoNote: true},
		&AttachData{Fields: []Field{{Title: "A"}, {Title: "a"}}},
		&APIRequest{Method: "TRACE"},
		&CreateObject{Kind: "widget"},
		&UpdateObject{Kind: ObjectUser, Fields: "{}"},
		&SelectAccount{},
		nil,
	}}})
	ps := flow.Problems(err)
	var all []string
	for _, p := range ps {
		all = append(all, p.Problem)
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"Config.Accounts", "Query is empty", `Recordset "a b"`, "exactly one of Ticket", `label "x" is used twice`,
		`goes to "nowhere"`, "nothing to attach", "given twice", `"TRACE"`, `Kind "widget"`, "ID is empty", "Account is empty", "step 10 is nil",
		"Config.ScenarioAuth.Secrets: is empty", "Screen Pop step needs the agent's email"} {
		if !strings.Contains(text, want) && !strings.Contains(err.Error(), want) {
			t.Errorf("missing problem %q in:\n%v", want, err)
		}
	}
}
