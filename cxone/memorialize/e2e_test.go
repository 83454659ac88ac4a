package memorialize

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestVoiceCallIntoTheCallersOpenTicket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone, To: "+33198765432"},
		DispositionID: e.resolved, DispositionNotes: "Refund promised", Talk: 3 * time.Minute})
	if st := e.poll(); st.Contacts != 0 {
		t.Fatalf("a contact listed before the warehousing delay: %+v", st)
	}
	e.warehouse()
	st := e.poll()
	if st.Outcomes[flow.Applied] != 1 || st.Held {
		t.Fatalf("poll: %+v; results %v", st, e.resultsFor(id))
	}
	for title, want := range map[string]string{
		"CXone ANI": callerPhone, "CXone disposition": "Resolved", "CXone notes": "Refund promised", "CXone agent": "Ann Lee",
	} {
		if got := e.field(e.openTicket, title); got != want {
			t.Errorf("ticket %d %s = %q, want %q", e.openTicket, title, got, want)
		}
	}
	if got := e.field(e.openTicket, "CXone recording"); !strings.HasPrefix(got, "http") {
		t.Errorf("recording URL = %q", got)
	}
	u, _ := e.zd.User(e.customer)
	if u.UserFields["cxone_last_skill"] != "Billing Voice" {
		t.Errorf("user field = %v", u.UserFields["cxone_last_skill"])
	}
	// Nothing is written twice, however often the poll runs.
	before := e.writes()
	e.clock.Advance(time.Minute)
	e.poll()
	e.poll()
	if n := e.writes(); n != before {
		t.Errorf("%d more Zendesk writes on later polls", n-before)
	}
}

func TestCallerWhoHangsUpFirstGetsNoDisposition(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone},
		DispositionID: e.resolved, DispositionNotes: "Called back", EndedByContact: true})
	e.warehouse()
	e.poll()
	rs := e.resultsFor(id)
	if len(rs) != 1 || rs[0].Outcome != flow.Applied || !rs[0].EndedByContact {
		t.Fatalf("results %v", rs)
	}
	if got := e.field(e.openTicket, "CXone disposition"); got != "" {
		t.Errorf("disposition written although the caller hung up first: %q", got)
	}
	if got := e.field(e.openTicket, "CXone notes"); got != "" {
		t.Errorf("notes written although the caller hung up first: %q", got)
	}
	if got := e.field(e.openTicket, "CXone ANI"); got != callerPhone {
		t.Errorf("ANI = %q: the other fields must be written", got)
	}
}

func TestChatIntoTheTicketItCarries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.play(cxonetest.Interaction{
		NewContact: cxonetest.NewContact{SkillID: e.chat, From: "visitor@example.com", CustomerName: "Bo Ng",
			CustomData: []cxonetest.CustomData{{Name: "ZendeskTicketId", Value: strconv.FormatInt(e.openTicket, 10)}, {Name: "ordernumber", Value: "A-42"}}},
		Messages: []cxonetest.Message{
			{Participant: cxonetest.ParticipantCustomer, Name: "Bo", Text: "Where is my parcel?"},
			{Participant: cxonetest.ParticipantAgent, Name: "Ann", Text: "On its way."},
		},
		DispositionID: e.resolved,
	})
	e.warehouse()
	e.poll()
	if rs := e.resultsFor(id); len(rs) != 1 || rs[0].Outcome != flow.Applied || rs[0].Channel != Digital {
		t.Fatalf("results %v", rs)
	}
	tr := e.field(e.openTicket, "CXone transcript")
	if !strings.Contains(tr, "Where is my parcel?") || !strings.Contains(tr, "On its way.") {
		t.Errorf("transcript = %q", tr)
	}
	if got := e.field(e.openTicket, "CXone order"); got != "A-42" {
		t.Errorf("script variable = %q", got)
	}
	if got := e.field(e.openTicket, "CXone ANI"); got != "" {
		t.Errorf("a voice field written for a chat: %q", got)
	}
	if n := e.zd.RequestCount("GET", "/api/v2/search"); n != 0 {
		t.Errorf("%d searches although the chat carried its ticket", n)
	}
}

func TestUnknownCallerGetsCreatedUserAndTicket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: "+33700000001"}})
	e.warehouse()
	e.poll()
	rs := e.resultsFor(id)
	if len(rs) != 1 || rs[0].Outcome != flow.Applied || len(rs[0].Records) != 2 || !rs[0].Records[0].Created || !rs[0].Records[1].Created {
		t.Fatalf("results %v", rs)
	}
	tk, _ := e.zd.Ticket(rs[0].Records[1].ID)
	if tk.RequesterID != rs[0].Records[0].ID || !strings.Contains(tk.Subject, strconv.FormatInt(id, 10)) {
		t.Errorf("ticket %+v, requester want %d", tk, rs[0].Records[0].ID)
	}
	if got := e.field(tk.ID, "CXone ANI"); got != "+33700000001" {
		t.Errorf("ANI = %q", got)
	}
}

func TestZendeskFailureHoldsTheCursor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: "+33700000001"}})
	e.clock.Advance(time.Second)
	second := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone}})
	e.clock.Advance(time.Second)
	third := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: "+33700000003"}})
	e.warehouse()
	// Zendesk fails the open ticket's update (the second contact's), retry included.
	e.zd.InjectFault(zendesktest503("/api/v2/tickets/"+strconv.FormatInt(e.openTicket, 10), 2))
	st := e.poll()
	if !st.Held || st.Outcomes[flow.Applied] != 1 || st.Outcomes[flow.Failed] != 1 {
		t.Fatalf("poll %+v", st)
	}
	if rs := e.resultsFor(third); len(rs) != 0 {
		t.Fatalf("the poll went past the failed contact: %v", rs)
	}
	st = e.poll()
	if st.Held || st.Outcomes[flow.Applied] != 2 || st.Outcomes[flow.Duplicate] != 0 && st.Outcomes[flow.Duplicate] != 1 {
		t.Fatalf("second poll %+v", st)
	}
	e.appliedOnce(first, second, third)
}

func TestRestartMidPollNeitherLosesNorRepeats(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.PageSize = 2 })
	var ids []int64
	for i := range 5 {
		ids = append(ids, e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone},
			DispositionID: e.resolved, DispositionNotes: "call " + strconv.Itoa(i)}))
		e.clock.Advance(time.Second)
	}
	e.warehouse()
	// Zendesk refuses the third contact's update: the process "dies" there.
	cfg := e.config()
	applied := 0
	cfg.OnResult = func(r Result) {
		e.mu.Lock()
		e.results = append(e.results, r)
		e.mu.Unlock()
		if r.Outcome == flow.Applied {
			if applied++; applied == 2 {
				e.zd.InjectFault(zendesktest503("/api/v2/tickets/", 2))
			}
		}
	}
	e.flow = e.newFlow(cfg)
	if st := e.poll(); !st.Held || st.Outcomes[flow.Applied] != 2 {
		t.Fatalf("first process: %+v", st)
	}
	e.zd.ClearFaults()
	// A new process on the same store.
	e.flow = e.newFlow(e.config())
	if st := e.poll(); st.Held || st.Outcomes[flow.Applied] != 3 {
		t.Fatalf("second process: %+v", st)
	}
	e.appliedOnce(ids...)
	if got := e.field(e.openTicket, "CXone notes"); got != "call 4" {
		t.Errorf("notes = %q, want the last call's", got)
	}
}

// zendesktest503 fails the next times requests under path with a 503.
func zendesktest503(path string, times int) zendesktest.Fault {
	return zendesktest.Fault{Path: path, Status: http.StatusServiceUnavailable, Times: times}
}

func TestStudioEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone}, DispositionID: e.resolved})
	// ContactEndedHandler as an application mounts it: on a route of its
	// own, beside its other handlers, rather than through Flow.Handler.
	const route = "/hooks/cxone/contact-ended"
	mux := http.NewServeMux()
	mux.Handle("POST "+route, e.flow.ContactEndedHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	post := func(secret, body string) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+route, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	body := `{"contactId": "` + strconv.FormatInt(id, 10) + `"}`
	if code := post("wrong", body); code != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d", code)
	}
	if code := post(studioSecret, `{"contactId": "x"}`); code != http.StatusBadRequest {
		t.Errorf("bad body: %d", code)
	}
	// Not in the Reporting API yet: accepted, left to the poll.
	if code := post(studioSecret, body); code != http.StatusOK {
		t.Errorf("early call: %d", code)
	}
	if rs := e.resultsFor(id); len(rs) != 1 || rs[0].Detail != DetailNotComplete {
		t.Fatalf("results %v", rs)
	}
	e.warehouse()
	if code := post(studioSecret, body); code != http.StatusOK {
		t.Errorf("call: %d", code)
	}
	if got := e.field(e.openTicket, "CXone disposition"); got != "Resolved" {
		t.Errorf("disposition = %q", got)
	}
	st := e.poll()
	if st.Outcomes[flow.Duplicate] != 1 {
		t.Errorf("the poll did not see the contact as done: %+v", st)
	}
}

func TestLookupAndDynamicDataEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone}, DispositionID: e.resolved})
	e.warehouse()
	e.poll()
	recs, err := e.flow.Lookup(t.Context(), LookupRequest{ANI: callerPhone})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Type != User || recs[1].Type != Ticket || recs[1].ID != e.openTicket {
		t.Fatalf("records %+v", recs)
	}
	want := map[string]string{"name": "Chloé Martin", "user field cxone_last_skill": "Billing Voice",
		"subject": "Refund", `ticket field "CXone disposition"`: "Resolved", `ticket field "CXone agent"`: "Ann Lee"}
	for _, r := range recs {
		for _, fv := range r.Fields {
			if want[fv.Field] != fv.Value {
				t.Errorf("%s %s = %q, want %q", r.Type, fv.Field, fv.Value, want[fv.Field])
			}
		}
	}
	get := func(q, secret string) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+DynamicDataPath+"?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for q, want := range map[string]int{
		"ani=%2B33612345678": 200, "ticket_id=" + strconv.FormatInt(e.openTicket, 10): 200, "": 400, "user_id=x": 400, "ticket_id=999999": 404,
	} {
		if code := get(q, studioSecret); code != want {
			t.Errorf("%q: %d, want %d", q, code, want)
		}
	}
	if code := get("ani=1", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d", code)
	}
}

func TestValueOverTheLimitIsRefusedNotCut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := strings.Repeat("x", 300)
	id := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone,
		CustomData: []cxonetest.CustomData{{Name: "ordernumber", Value: long}}}})
	e.warehouse()
	e.poll()
	rs := e.resultsFor(id)
	if len(rs) != 1 || rs[0].Outcome != flow.Applied || len(rs[0].Refused()) != 1 || rs[0].Err == nil ||
		!strings.Contains(rs[0].Err.Error(), "over the 255") {
		t.Fatalf("results %v", rs)
	}
	if got := e.field(e.openTicket, "CXone order"); got != "" {
		t.Errorf("a cut value was written: %d characters", len(got))
	}
}

// TestExactRequests pins what the flow sends for one voice call into a
// known ticket: on CXone the page, the custom data, the agent, the
// disposition and the recording; on Zendesk one PUT whose body holds the
// mapped custom fields and nothing else.
func TestExactRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Mapping = Mapping{Ticket: testMapping()[Ticket]} })
	// Resolve the fields' ids first, so that only the contact's requests are counted.
	if _, err := e.flow.ticketFieldID(t.Context(), ZendeskField{Title: "CXone ANI"}); err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"CXone disposition", "CXone notes", "CXone agent", "CXone recording", "CXone order", "CXone transcript"} {
		if _, err := e.flow.ticketFieldID(t.Context(), ZendeskField{Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	id := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone,
		CustomData: []cxonetest.CustomData{{Name: "ZendeskTicketID", Value: strconv.FormatInt(e.openTicket, 10)}}},
		DispositionID: e.resolved, DispositionNotes: "Refund promised"})
	e.warehouse()
	e.zd.ResetRequests()
	e.cx.ResetRequests()
	e.poll()
	var cx []string
	for _, r := range e.cx.Requests() {
		if !strings.HasPrefix(r.Path, "/.well-known/") && r.Path != "/auth/token" { // the first call's discovery and token
			cx = append(cx, r.Method+" "+r.Path)
		}
	}
	sid := strconv.FormatInt(id, 10)
	wantCX := []string{
		"GET /inContactAPI/services/v33.0/contacts/completed",
		"GET /inContactAPI/services/v23.0/contacts/" + sid + "/custom-data",
		"GET /inContactAPI/services/v23.0/agents/" + strconv.FormatInt(e.ann, 10),
		"GET /inContactAPI/services/v12.0/dispositions/" + strconv.FormatInt(e.resolved, 10),
		"GET /media-playback/v1/contacts",
	}
	if strings.Join(cx, "\n") != strings.Join(wantCX, "\n") {
		t.Errorf("CXone requests:\n%s\nwant:\n%s", strings.Join(cx, "\n"), strings.Join(wantCX, "\n"))
	}
	zr := e.zd.Requests()
	if len(zr) != 1 || zr[0].Method != http.MethodPut || zr[0].Path != "/api/v2/tickets/"+strconv.FormatInt(e.openTicket, 10) {
		t.Fatalf("Zendesk requests: %+v", zr)
	}
	var body struct {
		Ticket map[string]json.RawMessage `json:"ticket"`
	}
	if err := json.Unmarshal(zr[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Ticket) != 1 || body.Ticket["custom_fields"] == nil {
		t.Errorf("ticket update %s: want custom_fields alone", zr[0].Body)
	}
	var cfs []struct {
		ID    int64  `json:"id"`
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body.Ticket["custom_fields"], &cfs); err != nil {
		t.Fatal(err)
	}
	if len(cfs) != 5 { // ANI, disposition, notes, agent, recording; the order variable is unset
		t.Errorf("custom fields %s", body.Ticket["custom_fields"])
	}
}

// A voice mail and a work item, played on the fake contact center with
// the media types CXone's agent SDK names (5 "Voice Mail", 6 "Work
// Item"), are written as the help page names them: a voice mail's
// "Contact Type" (voice pairs, "voice or digital") is "voice" and its
// "Media Type" "voicemail"; a work item's "Event Type" (digital pairs) is
// "work item".
func TestVoicemailAndWorkItemNameTheirKind(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := testMapping()
	m[Ticket] = append(m[Ticket],
		Pair{Zendesk: ZendeskField{Title: "CXone contact type"}, Channel: Voice, Data: "Contact Type"},
		Pair{Zendesk: ZendeskField{Title: "CXone media type"}, Channel: Voice, Data: "Media Type"},
		Pair{Zendesk: ZendeskField{Title: "CXone event type"}, Channel: Digital, Data: "Event Type"})
	if _, err := Provision(t.Context(), ProvisionConfig{Zendesk: e.zc, Mapping: m, Dynamic: testDynamic()}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	cfg := e.config()
	cfg.Mapping = m
	e.flow = e.newFlow(cfg)

	voicemail := e.cx.AddSkill(cxonetest.Skill{Name: "Voice Mail", Media: cxonetest.Media{ID: 5, Name: "Voice Mail"}}).ID
	workItem := e.cx.AddSkill(cxonetest.Skill{Name: "Work Items", Media: cxonetest.Media{ID: 6, Name: "Work Item", Digital: true}}).ID
	bo := e.cx.AddAgent(cxonetest.Agent{FirstName: "Bo", LastName: "Ng", SkillIDs: []int64{voicemail, workItem}}).ID
	tk, err := e.zc.Tickets.Create(t.Context(), &zendesk.TicketInput{Subject: "Back office", RequesterID: e.customer,
		Comment: &zendesk.CommentInput{Body: "Please process"}})
	if err != nil {
		t.Fatal(err)
	}
	carried := func(id int64) []cxonetest.CustomData {
		return []cxonetest.CustomData{{Name: "ZendeskTicketId", Value: strconv.FormatInt(id, 10)}}
	}
	vm := e.play(cxonetest.Interaction{AgentID: bo, NewContact: cxonetest.NewContact{SkillID: voicemail, From: callerPhone,
		CustomData: carried(e.openTicket)}})
	wi := e.play(cxonetest.Interaction{AgentID: bo, NewContact: cxonetest.NewContact{SkillID: workItem, From: "crm-task-17",
		CustomData: carried(tk.ID)}})
	e.warehouse()
	e.poll()
	for _, tc := range []struct {
		contact, ticket int64
		channel         Channel
		title, want     string
	}{
		{vm, e.openTicket, Voice, "CXone contact type", "voice"},
		{vm, e.openTicket, Voice, "CXone media type", "voicemail"},
		{wi, tk.ID, Digital, "CXone event type", "work item"},
	} {
		if rs := e.resultsFor(tc.contact); len(rs) != 1 || rs[0].Outcome != flow.Applied || rs[0].Channel != tc.channel {
			t.Errorf("contact %d: results %v, want applied on the %s channel", tc.contact, rs, tc.channel)
		}
		if got := e.field(tc.ticket, tc.title); got != tc.want {
			t.Errorf("ticket %d %s = %q, want %q", tc.ticket, tc.title, got, tc.want)
		}
	}
}
