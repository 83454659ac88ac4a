package cxonetest

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestWarehousingDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, WithWarehouseDelay(2*time.Minute))
	f := e.fixture()
	start := e.clock.Now()
	id, err := e.srv.Play(Interaction{
		NewContact: NewContact{SkillID: f.voice.ID, From: "+33612345678", To: "+33198765432"},
		AgentID:    f.ann.ID, DispositionID: f.sold.ID, DispositionNotes: "Refund promised", TagIDs: []int64{f.refund.ID},
	})
	if err != nil {
		t.Fatal(err)
	}
	since := url.QueryEscape(formatTime(start))
	e.get(v33+"/contacts/completed?updatedSince="+since, 204)
	e.get(v33+"/contacts/"+itoa(id), 404)
	e.clock.Advance(2*time.Minute - time.Millisecond)
	e.get(v33+"/contacts/completed?updatedSince="+since, 204)
	e.clock.Advance(time.Millisecond)
	page := e.get(v33+"/contacts/completed?updatedSince="+since, 200)
	c := items(t, page, "completedContacts")[0]
	want := map[string]any{
		"contactId": float64(id), "fromAddress": "+33612345678", "toAddress": "+33198765432", "primaryDispositionId": float64(f.sold.ID),
		"dispositionNotes": "Refund promised", "agentId": float64(f.ann.ID), "skillName": "Billing Voice", "mediaTypeId": float64(4),
		"lastUpdateTime": formatTime(start.Add(2 * time.Minute)), "isWarehoused": true, "endReason": "Agent Hung Up",
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %v, want %v", k, c[k], v)
		}
	}
	if tags := c["tags"].([]any); len(tags) != 1 || tags[0].(map[string]any)["tagName"] != "refund" {
		t.Fatalf("tags %v", c["tags"])
	}
	// v23.0 names.
	old := items(t, e.get(v23+"/contacts/completed", 200), "completedContacts")[0]
	for _, k := range []string{"fromAddr", "toAddr", "contactStart", "mediaType"} {
		if old[k] == nil {
			t.Errorf("v23 lacks %s: %v", k, old)
		}
	}
	if old["fromAddress"] != nil || old["tags"].([]any)[0].(map[string]any)["TagName"] != "refund" {
		t.Fatalf("v23 names: %v", old)
	}
	one := e.get(v33+"/contacts/"+itoa(id), 200)
	if one["contactId"].(map[string]any)["contactId"] != float64(id) {
		t.Fatalf("one contact %v", one)
	}
	// Polling from lastPollTime: nothing new, then a later tag brings a
	// new version, after the delay again.
	last := page["lastPollTime"].(string)
	e.get(v33+"/contacts/completed?updatedSince="+url.QueryEscape(last), 200) // >=: the same instant comes again
	e.clock.Advance(time.Second)
	last = formatTime(e.clock.Now())
	e.get(v33+"/contacts/completed?updatedSince="+url.QueryEscape(last), 204)
	later := e.srv.AddTag(Tag{Name: "vip"})
	if err := e.srv.TagContact(id, later.ID); err != nil {
		t.Fatal(err)
	}
	e.get(v33+"/contacts/completed?updatedSince="+url.QueryEscape(last), 204)
	if got := items(t, e.get(v33+"/contacts/completed", 200), "completedContacts"); len(got[0]["tags"].([]any)) != 1 {
		t.Fatal("the new version showed before its delay")
	}
	e.clock.Advance(2 * time.Minute)
	got := items(t, e.get(v33+"/contacts/completed?updatedSince="+url.QueryEscape(last), 200), "completedContacts")
	if len(got) != 1 || len(got[0]["tags"].([]any)) != 2 {
		t.Fatalf("new version %v", got)
	}
	if all := items(t, e.get(v33+"/contacts/completed", 200), "completedContacts"); len(all) != 1 {
		t.Fatalf("superseded version listed: %d", len(all))
	}
}

// events reads one get-next-event answer.
func (e *env) events(sid string) (int, []map[string]any) {
	e.t.Helper()
	code, b, _ := e.do("GET", v23+"/agent-sessions/"+sid+"/get-next-event?timeout=60", "")
	if code != 200 {
		return code, nil
	}
	var body struct {
		SessionID string           `json:"sessionId"`
		Events    []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(b, &body); err != nil || body.SessionID != sid {
		e.t.Fatalf("events %s: %v", b, err)
	}
	return code, body.Events
}

func TestVoiceCallOverTheAgentAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.fixture()
	code, b, _ := e.do("POST", v23+"/agent-sessions/join", `{"asAgentId":`+itoa(f.ann.ID)+`}`)
	if code != 202 {
		t.Fatalf("join: %d %s", code, b)
	}
	var joined struct{ SessionID string }
	_ = json.Unmarshal(b, &joined)
	sid := joined.SessionID
	if code, _ := e.events(sid); code != 304 {
		t.Fatalf("no events: %d, want 304", code)
	}
	id, _ := e.srv.StartContact(NewContact{SkillID: f.voice.ID, From: "+33612345678", To: "+33198765432", CustomData: []CustomData{{Name: "ticketid", Value: "42"}}})
	if active := items(t, e.get(v23+"/contacts/active", 200), "activeContacts"); active[0]["stateName"] != "InQueue" {
		t.Fatalf("active %v", active)
	}
	if err := e.srv.Deliver(id, f.ann.ID); err != nil {
		t.Fatal(err)
	}
	_, evs := e.events(sid)
	if len(evs) != 2 || evs[0]["Type"] != "AgentState" || evs[1]["Type"] != "CallContactEvent" || evs[1]["ANI"] != "+33612345678" ||
		evs[1]["Status"] != "Active" || evs[1]["ContactID"] != itoa(id) || evs[1]["IsInbound"] != "True" {
		t.Fatalf("delivery events %v", evs)
	}
	if _, ok := evs[1]["ScreenPopUrl"]; ok {
		t.Fatal("unset ScreenPopUrl sent")
	}
	sess := "/agent-sessions/" + sid + "/interactions/" + itoa(id)
	if code, b, _ := e.do("POST", v23+sess+"/custom-data?indicatorName=note&data=vip", ""); code != 202 {
		t.Fatalf("custom data %d %s", code, b)
	}
	if code, _, _ := e.do("POST", v23+sess+"/end", ""); code != 202 {
		t.Fatal("end")
	}
	_, evs = e.events(sid)
	last := evs[len(evs)-1]
	if last["Status"] != "Disconnected" || last["FinalState"] != "False" {
		t.Fatalf("ACW event %v", evs)
	}
	if code, b, _ := e.do("POST", v23+sess+"/disposition", `{"primaryDispositionId":`+itoa(f.later.ID)+`,"primaryDispositionNotes":"call Tuesday"}`); code != 202 {
		t.Fatalf("disposition %d %s", code, b)
	}
	if code, _, _ := e.do("POST", v23+sess+"/disposition", `{"primaryDispositionId":`+itoa(f.later.ID)+`,"primaryDispositionNotes":"`+strings.Repeat("x", 2001)+`"}`); code != 400 {
		t.Fatal("notes past the limit accepted")
	}
	if code, _, _ := e.do("POST", v23+"/agent-sessions/"+sid+"/state?state=Available", ""); code != 202 {
		t.Fatal("state")
	}
	_, evs = e.events(sid)
	if evs[0]["FinalState"] != "True" || evs[0]["Status"] != "Disconnected" || evs[1]["CurrentState"] != "Available" {
		t.Fatalf("close events %v", evs)
	}
	e.clock.Advance(DefaultWarehouseDelay)
	c := items(t, e.get(v33+"/contacts/completed", 200), "completedContacts")[0]
	if c["dispositionNotes"] != "call Tuesday" || c["isLogged"] != true {
		t.Fatalf("completed %v", c)
	}
	cd := items(t, e.get(v23+"/contacts/"+itoa(id)+"/custom-data", 200), "contactCustomData")
	if len(cd) != 2 || cd[0]["name"] != "ticketid" || cd[1]["value"] != "vip" {
		t.Fatalf("custom data %v", cd)
	}
	hist := items(t, e.get(v23+"/contacts/"+itoa(id)+"/state-history", 200), "contactStateHistory")
	var names []string
	for _, h := range hist {
		names = append(names, h["stateName"].(string))
	}
	if strings.Join(names, ",") != "InQueue,Active,ACW,EndContact" {
		t.Fatalf("history %v", names)
	}
	mp := e.get("/media-playback/v1/contacts?acd-call-id="+itoa(id)+"&media-type=voice-only&exclude-waveforms=true", 200)
	rec := mp["interactions"].([]any)[0].(map[string]any)["data"].(map[string]any)["fileToPlayUrl"].(string)
	if !strings.HasPrefix(rec, e.srv.URL) {
		t.Fatalf("recording %s", rec)
	}
	if code, b, _ := e.do("GET", strings.TrimPrefix(rec, e.srv.URL), ""); code != 200 || !strings.HasPrefix(string(b), "RIFF") {
		t.Fatal("recording not served")
	}
	// Ending the joined session: AgentSessionEnd, then 409.
	if code, _, _ := e.do("DELETE", v23+"/agent-sessions/"+sid, ""); code != 202 {
		t.Fatal("delete")
	}
	if _, evs := e.events(sid); evs[0]["Type"] != "AgentSessionEnd" {
		t.Fatalf("end events %v", evs)
	}
	if code, _ := e.events(sid); code != 409 {
		t.Fatalf("ended session poll: %d", code)
	}
	if code, _ := e.events("nope"); code != 404 {
		t.Fatal("unknown session")
	}
}

func TestDigitalContactEndedByTheCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, WithWarehouseDelay(0))
	f := e.fixture()
	id, err := e.srv.Play(Interaction{
		NewContact: NewContact{SkillID: f.chat.ID, From: "visitor@example.com", To: "chat", CustomerName: "Zoé"},
		AgentID:    f.ann.ID, EndedByContact: true,
		Messages: []Message{{Participant: ParticipantCustomer, Name: "Zoé", Text: "Bonjour"}, {Participant: ParticipantAgent, Name: "Ann", Text: "Hello"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := items(t, e.get(v33+"/contacts/completed", 200), "completedContacts")[0]
	if c["endReason"] != "Contact Hung Up" || c["mediaTypeName"] != "Chat" || c["primaryDispositionId"] != nil || c["isLogged"] != false {
		t.Fatalf("chat %v", c)
	}
	mp := e.get("/media-playback/v1/contacts?acd-call-id="+itoa(id)+"&media-type=chat", 200)
	msgs := mp["interactions"].([]any)[0].(map[string]any)["data"].(map[string]any)["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["participantType"] != "CUSTOMER" || msgs[1].(map[string]any)["text"] != "Hello" {
		t.Fatalf("transcript %v", msgs)
	}
	e.get("/media-playback/v1/contacts?acd-call-id="+itoa(id)+"&media-type=voice-only", 404)
	if st, _, _ := e.srv.AgentState(f.ann.ID); st != "Available" {
		t.Fatalf("agent %s", st)
	}
}

func TestLongPollWakesOnEvent(t *testing.T) {
	t.Parallel()
	hold := make(chan time.Time)
	e := newEnv(t, WithAfter(func(time.Duration) <-chan time.Time { return hold }))
	f := e.fixture()
	sid, _ := e.srv.LogIn(f.ann.ID)
	e.events(sid) // drain AgentSessionStart, AgentState
	done := make(chan []map[string]any)
	go func() {
		_, evs := e.events(sid)
		done <- evs
	}()
	for !e.srv.Polling(sid) {
		time.Sleep(time.Millisecond)
	}
	if err := e.srv.SetAgentState(f.ann.ID, false, f.brb.ID); err != nil {
		t.Fatal(err)
	}
	evs := <-done
	if len(evs) != 1 || evs[0]["CurrentOutReason"] != "Break" {
		t.Fatalf("woken with %v", evs)
	}
}

func TestDriverRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.fixture()
	bob := e.srv.AddAgent(Agent{FirstName: "Bob"})
	id, _ := e.srv.StartContact(NewContact{SkillID: f.voice.ID})
	if err := e.srv.Deliver(id, bob.ID); err == nil {
		t.Fatal("delivered to a logged-out agent")
	}
	if err := e.srv.Disposition(id, f.sold.ID, ""); err == nil {
		t.Fatal("disposition on a queued contact")
	}
	if _, err := e.srv.StartContact(NewContact{SkillID: 1}); err == nil {
		t.Fatal("unknown skill")
	}
	_ = e.srv.Deliver(id, f.ann.ID)
	if err := e.srv.Disposition(id, 99999, ""); err == nil {
		t.Fatal("a disposition not the skill's")
	}
	if err := e.srv.EndContact(id, true); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.EndContact(id, true); err == nil {
		t.Fatal("ended twice")
	}
	if code, _, _ := e.do("POST", v23+"/agent-sessions/join", `{"asAgentId":`+itoa(bob.ID)+`}`); code != 409 {
		t.Fatalf("join of a logged-out agent: %d", code)
	}
	if code, b, _ := e.do("POST", v23+"/agent-sessions", `{"stationId":"S1","asAgentId":`+itoa(bob.ID)+`}`); code != 202 || !strings.Contains(string(b), "sessionId") {
		t.Fatalf("start: %d %s", code, b)
	}
	if code, _, _ := e.do("POST", v23+"/agent-sessions", `{"stationId":"S1"}`); code != 400 {
		t.Fatal("start without asAgentId")
	}
	if code, _, _ := e.do("POST", v23+"/contacts/"+itoa(id)+"/tags", `{"tags":[{"tagId":`+itoa(f.refund.ID)+`}]}`); code != 202 {
		t.Fatal("tags")
	}
	if code, _, _ := e.do("POST", v23+"/contacts/"+itoa(id)+"/tags", `{"TAGS":[{"tagId":1}]}`); code != 400 {
		t.Fatal("tags under a key of another case accepted")
	}
}
