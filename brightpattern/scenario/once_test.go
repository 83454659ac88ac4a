package scenario

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// voiceTicketPath is where a NewTicket Screen Pop creates its ticket.
const voiceTicketPath = "/api/v2/channels/voice/tickets"

// hookTransport calls before (when set) ahead of every request it
// forwards.
type hookTransport struct {
	next   http.RoundTripper
	before func(*http.Request)
}

func (h hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.before != nil {
		h.before(r)
	}
	return h.next.RoundTrip(r)
}

// hookAccounts replaces w's accounts with the one account "support" whose
// requests pass through before.
func (w *world) hookAccounts(before func(*http.Request)) {
	w.t.Helper()
	var err error
	w.accounts, err = brightpattern.NewAccounts(brightpattern.Account{Name: "support", URL: w.zd.URL, Default: true,
		HTTPClient: &http.Client{Transport: hookTransport{next: w.zd.Client().Transport, before: before}},
		Auth:       brightpattern.APIToken{Username: w.zd.Email, Token: w.zd.APIToken}, Options: []zendesk.Option{zendesk.WithMaxRetries(0)}})
	if err != nil {
		w.t.Fatal(err)
	}
}

// newCallTicket is a scenario that creates a ticket for every call and
// attaches the call's data to it.
func newCallTicket(caller int64) Scenario {
	return Scenario{Steps: []Step{
		&ScreenPop{NewTicket: true, Requester: itoa(caller)},
		&AttachData{Fields: testFields},
	}}
}

// voiceTickets returns the tickets the scenario created (via_id 45).
func (w *world) voiceTickets() []zendesktest.Ticket {
	var out []zendesktest.Ticket
	for _, t := range w.zd.Tickets() {
		if t.ID != w.ticketID {
			out = append(out, t)
		}
	}
	return out
}

// notes counts the internal notes deskbridge wrote on ticket id.
func (w *world) notes(id int64) int {
	n := 0
	for _, c := range w.zd.Comments(id) {
		if !c.Public && strings.HasPrefix(c.Body, "Bright Pattern interaction") {
			n++
		}
	}
	return n
}

func serveOnce(t *testing.T, f *Flow, ctx context.Context, vars string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", strings.NewReader(vars))
	req.Header.Set("Authorization", "Bearer "+secret)
	rec := httptest.NewRecorder()
	f.Handler().ServeHTTP(rec, req)
	return rec
}

// A Fetch URL block retries a call whose answer it did not get: the
// retry pops the ticket the first call created, and writes no second
// note.
func TestRetriedCallCreatesOneTicket(t *testing.T) {
	w := newWorld(t)
	f, results := w.flow(newCallTicket(w.caller))
	body := `{"item.ANI":"` + knownANI + `","item.DNIS":"` + mainDNIS + `","user.loginId":"ann","item.globalInteractionId":"GIID-retry"}`
	for i := range 2 {
		if rec := serveOnce(t, f, t.Context(), body); rec.Code != 200 {
			t.Fatalf("call %d: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	tks := w.voiceTickets()
	if len(tks) != 1 {
		t.Fatalf("%d tickets created for one interaction", len(tks))
	}
	if n := w.notes(tks[0].ID); n != 1 {
		t.Fatalf("%d notes on ticket %d", n, tks[0].ID)
	}
	rs := *results
	if len(rs) != 2 || rs[1].Variables[DefaultTicketVariable] != itoa(tks[0].ID) ||
		!strings.Contains(rs[1].Steps[0].Detail, "earlier call") || !strings.Contains(rs[1].Steps[1].Detail, "earlier call") {
		t.Fatalf("%v", rs)
	}
	for _, r := range rs {
		if r.Key != "GIID-retry" {
			t.Errorf("Result.Key %q, want the interaction id GIID-retry", r.Key)
		}
	}
	if n := w.zd.RequestCount("POST", "/api/v2/channels/voice/agents/"); n != 1 {
		t.Errorf("the retry popped the ticket %d times; want once more", n)
	}
	// The fields are set again (the same values), the note is not.
	if n := w.zd.RequestCount("PUT", "/api/v2/tickets/"); n != 2 {
		t.Errorf("%d ticket updates", n)
	}

	// Another interaction is another ticket.
	body = strings.Replace(body, "GIID-retry", "GIID-other", 1)
	if rec := serveOnce(t, f, t.Context(), body); rec.Code != 200 || len(w.voiceTickets()) != 2 {
		t.Fatalf("%d %s, %d tickets", rec.Code, rec.Body, len(w.voiceTickets()))
	}
}

// Bright Pattern gives up on the call (its Fetch URL times out, the
// connection drops) while the ticket is being created: the run goes on to
// its end, once.
func TestCancelledRequestCompletesOnce(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w.hookAccounts(func(r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == voiceTicketPath {
			cancel()
		}
	})
	f, results := w.flow(newCallTicket(w.caller))
	vars := `{"item.ANI":"` + knownANI + `","item.DNIS":"` + mainDNIS + `","user.loginId":"ann","item.globalInteractionId":"GIID-gone"}`
	rec := serveOnce(t, f, ctx, vars)
	if rec.Code != 200 || len(*results) != 1 || (*results)[0].Exit != ExitNext {
		t.Fatalf("%d %s %v", rec.Code, rec.Body, *results)
	}
	tks := w.voiceTickets()
	if len(tks) != 1 || w.notes(tks[0].ID) != 1 {
		t.Fatalf("%d tickets", len(tks))
	}
	// Bright Pattern's retry finds it.
	if rec := serveOnce(t, f, t.Context(), vars); rec.Code != 200 || len(w.voiceTickets()) != 1 || w.notes(tks[0].ID) != 1 {
		t.Fatalf("%d %s, %d tickets", rec.Code, rec.Body, len(w.voiceTickets()))
	}
}

// A retry that arrives while the first call still creates the ticket is
// answered 503 (Failed, with Retry-After) without a second ticket; once
// the first is done, a retry pops its ticket.
func TestConcurrentRetryWaits(t *testing.T) {
	w := newWorld(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var posts atomic.Int32
	w.hookAccounts(func(r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == voiceTicketPath && posts.Add(1) == 1 {
			close(entered)
			<-release
		}
	})
	f, _ := w.flow(newCallTicket(w.caller))
	vars := `{"item.ANI":"` + knownANI + `","user.loginId":"ann","item.globalInteractionId":"GIID-twice"}`
	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- serveOnce(t, f, t.Context(), vars) }()
	<-entered
	rec := serveOnce(t, f, t.Context(), vars)
	if posts.Load() > 1 {
		close(release)
		<-first
		t.Fatalf("the retry sent a second voice ticket: %d %s", rec.Code, rec.Body)
	}
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "GIID-twice") {
		t.Fatalf("concurrent retry: %d %s", rec.Code, rec.Body)
	}
	close(release)
	if rec := <-first; rec.Code != 200 {
		t.Fatalf("first call: %d %s", rec.Code, rec.Body)
	}
	if rec := serveOnce(t, f, t.Context(), vars); rec.Code != 200 {
		t.Fatalf("later retry: %d %s", rec.Code, rec.Body)
	}
	if n := len(w.voiceTickets()); n != 1 || w.zd.RequestCount("POST", voiceTicketPath) != 1 {
		t.Fatalf("%d tickets", n)
	}
}

// A run has the flow's own deadline (Config.Timeout), whatever the
// request's.
func TestRunTimeout(t *testing.T) {
	w := newWorld(t)
	var left time.Duration
	w.hookAccounts(func(r *http.Request) {
		if d, ok := r.Context().Deadline(); ok {
			left = time.Until(d)
		}
	})
	cfg := w.config(newCallTicket(w.caller))
	cfg.Timeout = 3 * time.Second
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	vars := `{"item.ANI":"` + knownANI + `","user.loginId":"ann","item.globalInteractionId":"GIID-t"}`
	if rec := serveOnce(t, f, t.Context(), vars); rec.Code != 200 || left <= 0 || left > 3*time.Second {
		t.Fatalf("%d %s, %v left", rec.Code, rec.Body, left)
	}
}

// Without an interaction id there is nothing to know a retry by: each
// call creates its ticket, as before.
func TestNoInteractionIDNoGuard(t *testing.T) {
	w := newWorld(t)
	f, _ := w.flow(Scenario{Steps: []Step{&ScreenPop{NewTicket: true}, &AttachData{}}})
	vars := map[string]string{VarANI: knownANI, VarAgentLoginID: "ann"}
	for range 2 {
		if res := f.Run(t.Context(), vars); res.Exit != ExitNext {
			t.Fatalf("%v", res)
		}
	}
	if n := len(w.voiceTickets()); n != 2 {
		t.Fatalf("%d tickets", n)
	}
}

// failingAdd is a store whose claims fail.
type failingAdd struct{ store.Memory }

func (*failingAdd) Add(context.Context, string, string, time.Duration) (bool, error) {
	return false, errors.New("connection refused")
}

// A store that fails is Zendesk's kind of failure (503, Bright Pattern
// retries), and no ticket is created without its record.
func TestOnceStoreFails(t *testing.T) {
	w := newWorld(t)
	cfg := w.config(newCallTicket(w.caller))
	cfg.Store = &failingAdd{}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	vars := `{"item.ANI":"` + knownANI + `","user.loginId":"ann","item.globalInteractionId":"GIID-s"}`
	rec := serveOnce(t, f, t.Context(), vars)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "the store failed") ||
		w.zd.RequestCount("POST", voiceTicketPath) != 0 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// A long or odd interaction id is hashed into the key; the key names the
// account, the step, the round and, in a recordset's walk, the record.
func TestOnceKey(t *testing.T) {
	w := newWorld(t)
	f, _ := w.flow(newCallTicket(w.caller))
	e := &env{f: f, vars: map[string]string{VarInteractionID: "GIID 1"}, step: 1}
	if k, _ := e.onceKey("ticket"); !strings.HasPrefix(k, "scenario:once:support:sha256-") || !strings.HasSuffix(k, ":step2:round1:ticket") {
		t.Fatal(k)
	}
	e.vars[VarInteractionID], e.account, e.stepLabel = "GIID1", "Brand", "new"
	k, slot := e.onceKey("ticket")
	if k != "scenario:once:brand:GIID1:new:round1:ticket" || slot != "scenario:once:brand:GIID1:new:ticket" {
		t.Fatal(k, slot)
	}
	// A completed round moves the step to the next; a failed one does not.
	fail := func() (string, error) { return "", errors.New("boom") }
	if _, _, _, err := e.once(t.Context(), "ticket", fail); err == nil {
		t.Fatal("no error")
	}
	if k, _ := e.onceKey("ticket"); k != "scenario:once:brand:GIID1:new:round1:ticket" {
		t.Fatalf("a failed round used its number: %s", k)
	}
	if _, _, _, err := e.once(t.Context(), "ticket", func() (string, error) { return "7", nil }); err != nil {
		t.Fatal(err)
	}
	if k, _ := e.onceKey("ticket"); k != "scenario:once:brand:GIID1:new:round2:ticket" {
		t.Fatal(k)
	}
	// A round given back is done again; giving it back twice gives one.
	_, earlier, giveBack, err := e.once(t.Context(), "ticket", func() (string, error) { return "8", nil })
	if err != nil || earlier {
		t.Fatal(err, earlier)
	}
	giveBack()
	giveBack()
	if k, _ := e.onceKey("ticket"); k != "scenario:once:brand:GIID1:new:round2:ticket" {
		t.Fatalf("after giveBack: %s", k)
	}
	v, earlier, giveBack, err := e.once(t.Context(), "ticket", func() (string, error) { return "9", nil })
	if err != nil || !earlier || v != "8" {
		t.Fatalf("round 2 again: %q %v %v", v, earlier, err)
	}
	giveBack() // a found round is given back the same way
	if k, _ := e.onceKey("ticket"); k != "scenario:once:brand:GIID1:new:round2:ticket" {
		t.Fatalf("after giveBack of a found round: %s", k)
	}
	if k, _ := e.onceKey("note:7"); k != "scenario:once:brand:GIID1:new:round1:note:7" {
		t.Fatalf("rounds are counted per what: %s", k)
	}
	// In the walk of recordset rs, the current record's id is in the key,
	// and rounds are counted per record.
	e.walks = [][]string{nil, {"rs"}}
	e.recordsets = map[string]*recordset{"rs": {name: "rs", rows: []map[string]string{{"id": "42"}, {"id": "a:b"}, {"id": "42", "result_type": "user"}}}}
	if k, _ := e.onceKey("ticket"); k != "scenario:once:brand:GIID1:new:rs=42:round1:ticket" {
		t.Fatal(k)
	}
	e.recordsets["rs"].pos = 1
	if k, _ := e.onceKey("ticket"); !strings.HasPrefix(k, "scenario:once:brand:GIID1:new:rs=sha256-") || !strings.HasSuffix(k, ":round1:ticket") {
		t.Fatal(k)
	}
	e.recordsets["rs"].pos = 2
	if k, _ := e.onceKey("ticket"); k != "scenario:once:brand:GIID1:new:rs=user/42:round1:ticket" {
		t.Fatal(k)
	}
	e.recordsets["rs"].pos = 3 // the walk's end: no record
	if k, _ := e.onceKey("ticket"); k != "scenario:once:brand:GIID1:new:round2:ticket" {
		t.Fatal(k)
	}
	e.vars[VarInteractionID] = " "
	if k, slot := e.onceKey("ticket"); k != "" || slot != "" {
		t.Fatal(k, slot)
	}
}

// A step is in a recordset's walk when it lies on a loop through a Get
// Next Record of the recordset.
func TestScenarioWalks(t *testing.T) {
	walks := func(s Scenario) [][]string {
		index := map[string]int{}
		for i, st := range s.Steps {
			if l := st.exits().Label; l != "" {
				index[l] = i
			}
		}
		return s.walks(index)
	}
	if got := walks(loopTickets()); len(got) != 3 || got[0] != nil || !slices.Equal(got[1], []string{"rs"}) || got[2] != nil {
		t.Fatalf("%q", got)
	}
	if got := walks(newCallTicket(1)); got != nil {
		t.Fatalf("%q", got)
	}
	// A Get Next Record that leaves the loop at its end: the steps after it
	// are in no walk.
	sc := Scenario{Steps: []Step{
		&Search{Query: "q", Recordset: "rs", Exits: Exits{Label: "search"}},
		&CreateObject{Kind: ObjectTicket, Fields: `{}`, Exits: Exits{Label: "create", Failed: "create"}},
		&NextRecord{Recordset: "rs", Exits: Exits{Next: "create", NoData: "end"}},
		&ScreenPop{NewTicket: true, Exits: Exits{Label: "end"}},
	}}
	if got := walks(sc); !slices.Equal(got[1], []string{"rs"}) || got[0] != nil || got[3] != nil {
		t.Fatalf("%q", got)
	}
}

// A Create Object whose Failed exit goes back to it tries again: the
// attempt that failed uses no round, so that Bright Pattern's retry of the
// call finds the object the successful attempt created instead of creating
// a second.
func TestOnceGuardFailedAttemptUsesNoRound(t *testing.T) {
	w := newWorld(t)
	f, _ := w.flow(Scenario{Steps: []Step{&CreateObject{Kind: ObjectUser, Result: "caller",
		Fields: `{"name":"Caller $(item.ANI)","phone":"$(item.ANI)"}`, Exits: Exits{Label: "create", Failed: "create"}}}})
	created := func() int {
		n := 0
		for _, u := range w.zd.Users() {
			if u.Name == "Caller "+unknownANI {
				n++
			}
		}
		return n
	}
	vars := call(unknownANI, mainDNIS)
	w.zd.InjectFault(zendesktest.Fault{Method: "POST", Path: "/api/v2/users", Status: 503, Body: `{"error":"unavailable"}`})
	first := f.Run(t.Context(), vars)
	if first.Exit != ExitNext || len(first.Steps) != 2 || first.Steps[0].Exit != ExitFailed || created() != 1 {
		t.Fatalf("%v %v, %d users", first, first.Steps, created())
	}
	again := f.Run(t.Context(), vars)
	if again.Exit != ExitNext || len(again.Steps) != 1 || !strings.Contains(again.Detail, "earlier call") ||
		again.Variables["caller.id"] != first.Variables["caller.id"] {
		t.Fatalf("%v %v %v", again, again.Steps, again.Variables)
	}
	if n := created(); n != 1 {
		t.Fatalf("the retried call created the object again: %d users", n)
	}
}

// A retried call finds the ticket the earlier call created, but popping
// it fails once and the Screen Pop's Failed exit goes back to it: the
// failed pop gives its round back, so the next visit pops the same ticket
// again instead of creating a second in round 2.
func TestRetryPopFailsGivesRoundBack(t *testing.T) {
	w := newWorld(t)
	f, _ := w.flow(Scenario{Steps: []Step{
		&ScreenPop{NewTicket: true, Requester: itoa(w.caller), Exits: Exits{Label: "pop", Failed: "pop"}},
	}})
	vars := call(knownANI, mainDNIS)
	vars[VarInteractionID] = "GIID-popfail"
	vars["user.loginId"] = "ann"
	first := f.Run(t.Context(), vars)
	tks := w.voiceTickets()
	if first.Exit != ExitNext || len(tks) != 1 {
		t.Fatalf("first call: %v %v, %d tickets", first, first.Steps, len(tks))
	}
	const pops = "/api/v2/channels/voice/agents/"
	w.zd.ResetRequests()
	w.zd.InjectFault(zendesktest.Fault{Method: "POST", Path: pops, Status: 503, Body: `{"error":"unavailable"}`})
	again := f.Run(t.Context(), vars)
	if n := len(w.voiceTickets()); n != 1 {
		t.Fatalf("the retried call created %d tickets for one interaction: %v %v", n, again, again.Steps)
	}
	want := itoa(tks[0].ID)
	if again.Exit != ExitNext || len(again.Steps) != 2 || again.Steps[0].Exit != ExitFailed ||
		again.Steps[0].Err == nil || !strings.Contains(again.Steps[0].Err.Error(), "popping ticket "+want) ||
		!strings.Contains(again.Steps[1].Detail, "ticket "+want+" (created by an earlier call") ||
		again.Variables[DefaultTicketVariable] != want {
		t.Fatalf("%v %v %v", again, again.Steps, again.Variables)
	}
	// Two pops of the earlier ticket (the failed one and its retry), no create.
	if n, m := w.zd.RequestCount("POST", pops), w.zd.RequestCount("POST", "/api/v2/channels/voice/tickets"); n != 2 || m != 0 {
		t.Fatalf("%d pops, %d creates", n, m)
	}
}

// A retried call finds the note the earlier call wrote, but setting the
// fields beside it fails once and the Attached Data's Failed exit goes
// back to it: the failed update gives its round back, so the next visit
// finds the same note again and sets only the fields, writing no second
// note.
func TestRetryFieldsFailGivesRoundBack(t *testing.T) {
	w := newWorld(t)
	f, _ := w.flow(Scenario{Steps: []Step{
		&AttachData{Ticket: itoa(w.ticketID), Fields: testFields, Exits: Exits{Label: "attach", Failed: "attach"}},
	}})
	vars := call(knownANI, mainDNIS)
	vars[VarInteractionID] = "GIID-fieldsfail"
	first := f.Run(t.Context(), vars)
	if n := w.notes(w.ticketID); first.Exit != ExitNext || n != 1 {
		t.Fatalf("first call: %v %v, %d notes", first, first.Steps, n)
	}
	w.zd.ResetRequests()
	w.zd.InjectFault(zendesktest.Fault{Method: "PUT", Path: "/api/v2/tickets/", Status: 503, Body: `{"error":"unavailable"}`})
	again := f.Run(t.Context(), vars)
	if n := w.notes(w.ticketID); n != 1 {
		t.Fatalf("the retried call wrote %d notes: %v %v", n, again, again.Steps)
	}
	if again.Exit != ExitNext || len(again.Steps) != 2 || again.Steps[0].Exit != ExitFailed ||
		!strings.Contains(again.Steps[1].Detail, "its note written by an earlier call") {
		t.Fatalf("%v %v", again, again.Steps)
	}
	// The failed fields update and its retry, neither with a note.
	reqs := 0
	for _, r := range w.zd.Requests() {
		if r.Method == "PUT" && strings.HasPrefix(r.Path, "/api/v2/tickets/") {
			reqs++
			if strings.Contains(string(r.Body), `"comment"`) {
				t.Errorf("a retried update carries a note: %s", r.Body)
			}
		}
	}
	if reqs != 2 {
		t.Fatalf("%d ticket updates, want 2", reqs)
	}
}

// A retried call's search may not find the caller it created yet (Zendesk
// indexes new users later): Create Object reads the user the first call
// created instead of creating a second.
func TestRetriedCreateObjectCreatesOnce(t *testing.T) {
	w := newWorld(t)
	f, _ := w.flow(Scenario{Steps: []Step{&CreateObject{Kind: ObjectUser, Fields: `{"name":"Caller $(item.ANI)","phone":"$(item.ANI)"}`, Result: "caller"}}})
	vars := call(unknownANI, mainDNIS)
	first := f.Run(t.Context(), vars)
	again := f.Run(t.Context(), vars)
	if first.Exit != ExitNext || again.Exit != ExitNext || first.Variables["caller.id"] == "" ||
		again.Variables["caller.id"] != first.Variables["caller.id"] || again.Variables[VarResultCode] != "201" ||
		again.Variables[VarResultBody] != first.Variables[VarResultBody] || !strings.Contains(again.Detail, "earlier call") {
		t.Fatalf("%v %v\n%v %v", first, first.Variables, again, again.Variables)
	}
	if n := w.zd.RequestCount("POST", "/api/v2/users"); n != 1 {
		t.Fatalf("%d users created", n)
	}
	vars[VarInteractionID] = "GIID2"
	if res := f.Run(t.Context(), vars); res.Exit != ExitNext || w.zd.RequestCount("POST", "/api/v2/users") != 2 {
		t.Fatalf("%v", res)
	}
}

// loopTickets is a Search → Create Object → Get Next Record loop: a
// ticket for every user with the caller's number.
func loopTickets() Scenario {
	return Scenario{Steps: []Step{
		&Search{Query: `type:user phone:"$(item.ANI)"`, Recordset: "rs"},
		&CreateObject{Kind: ObjectTicket, Result: "tk", Exits: Exits{Label: "create"},
			Fields: `{"subject":"Call for $(rs.name)","requester_id":$(rs.id),"comment":{"body":"Call from $(item.ANI)","public":false}}`},
		&NextRecord{Recordset: "rs", Exits: Exits{Next: "create"}},
	}}
}

// The once-guard de-duplicates a retried call, not a loop's rounds: in a
// Search → Create Object → Get Next Record loop, each round creates its
// object, and a retry of the same interaction creates none more.
func TestOnceGuardLetsLoopRoundsRun(t *testing.T) {
	w := newWorld(t)
	phone := knownANI
	second := w.zd.AddUser(zendesktest.User{Name: "Carl Caller", Phone: &phone}).ID
	f, _ := w.flow(loopTickets())
	vars := call(knownANI, mainDNIS)
	vars[VarInteractionID] = "GIID-loop"
	w.zd.ResetRequests()
	first := f.Run(t.Context(), vars)
	if first.Exit != ExitNoData || len(first.Steps) != 5 {
		t.Fatalf("%v %v", first, first.Steps)
	}
	for _, i := range []int{1, 3} {
		if strings.Contains(first.Steps[i].Detail, "earlier call") {
			t.Errorf("round %d reused an earlier object: %v", (i+1)/2, first.Steps[i])
		}
	}
	requesters := func() map[int64]int {
		m := map[int64]int{}
		for _, tk := range w.voiceTickets() {
			m[tk.RequesterID]++
		}
		return m
	}
	if got := requesters(); len(w.voiceTickets()) != 2 || got[w.caller] != 1 || got[second] != 1 {
		t.Fatalf("%d tickets for 2 users found, by requester %v", len(w.voiceTickets()), got)
	}

	// Bright Pattern retries the call: both rounds read what the first
	// call created.
	again := f.Run(t.Context(), vars)
	if again.Exit != ExitNoData || len(again.Steps) != 5 {
		t.Fatalf("%v %v", again, again.Steps)
	}
	for _, i := range []int{1, 3} {
		if !strings.Contains(again.Steps[i].Detail, "earlier call") {
			t.Errorf("retry round %d: %v", (i+1)/2, again.Steps[i])
		}
	}
	if n := len(w.voiceTickets()); n != 2 || w.zd.RequestCount("POST", "/api/v2/tickets") != 2 {
		t.Fatalf("the retry created more: %d tickets", n)
	}
	if again.Variables["tk.id"] != first.Variables["tk.id"] {
		t.Errorf("the retry's last round read ticket %s, the call's %s", again.Variables["tk.id"], first.Variables["tk.id"])
	}
}

// A retried call whose search returns other records (here one user's
// phone changed in between, so the search finds the other user only)
// reads each record's own object: its first round is the other user's,
// and reads the ticket the earlier call created for that user.
func TestOnceGuardLoopRoundsKeyByRecord(t *testing.T) {
	w := newWorld(t)
	phone := knownANI
	second := w.zd.AddUser(zendesktest.User{Name: "Carl Caller", Phone: &phone}).ID
	f, _ := w.flow(loopTickets())
	vars := call(knownANI, mainDNIS)
	vars[VarInteractionID] = "GIID-loop"
	if first := f.Run(t.Context(), vars); first.Exit != ExitNoData || len(w.voiceTickets()) != 2 {
		t.Fatalf("%v %v, %d tickets", first, first.Steps, len(w.voiceTickets()))
	}
	var want string
	for _, tk := range w.voiceTickets() {
		if tk.RequesterID == second {
			want = itoa(tk.ID)
		}
	}
	zc, err := w.accounts.Select("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zc.Users.Update(t.Context(), w.caller, &zendesk.UserInput{Phone: "+15550000000"}); err != nil {
		t.Fatal(err)
	}
	again := f.Run(t.Context(), vars)
	if again.Exit != ExitNoData || len(again.Steps) != 3 || !strings.Contains(again.Steps[1].Detail, "earlier call") {
		t.Fatalf("%v %v", again, again.Steps)
	}
	if again.Variables["tk.id"] != want || len(w.voiceTickets()) != 2 {
		t.Fatalf("the retry's round for user %d read ticket %s, want %s; %d tickets", second, again.Variables["tk.id"], want, len(w.voiceTickets()))
	}
}
