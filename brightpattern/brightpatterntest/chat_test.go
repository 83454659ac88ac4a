package brightpatterntest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
)

func TestChatAuthorization(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	cases := map[string]string{
		"none":        "",
		"bearer":      "Bearer x",
		"no clientId": `MOBILE-API-140-327-PLAIN appId="` + s.AppID + `"`,
		"other app":   `MOBILE-API-140-327-PLAIN appId="other", clientId="c"`,
		"unquoted":    `MOBILE-API-140-327-PLAIN appId=` + s.AppID + `, clientId=c`,
	}
	for name, h := range cases {
		st, _, m := call(t, s, "GET", chatPrefix+"availability", http.Header{"Authorization": {h}}, "")
		if st != 401 || m["error_message"] == nil {
			t.Errorf("%s: %d %v", name, st, m)
		}
	}
	h := http.Header{"Authorization": {`MOBILE-API-140-327-PLAIN clientId="c", appId="` + s.AppID + `"`}}
	if st, _, m := call(t, s, "GET", chatPrefix+"availability", h, ""); st != 200 || m["chat"] != "available" {
		t.Fatalf("%d %v", st, m)
	}
	if st, _, _ := call(t, s, "GET", chatPrefix+"availability?tenantUrl=other.brightpattern.com", h, ""); st != 401 {
		t.Fatalf("other tenant: %d", st)
	}
	s.SetAvailability(false)
	if st, _, m := call(t, s, "GET", chatPrefix+"availability?tenantUrl="+s.TenantURL, h, ""); st != 200 || m["chat"] != "notAvailable" {
		t.Fatalf("%d %v", st, m)
	}
}

func TestStartChatAndEvents(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock()
	s := NewServer(WithClock(clk.Now))
	defer s.Close()
	if err := s.AddUser(User{LoginID: "ann", FirstName: "Ann", LastName: "Lee"}); err != nil {
		t.Fatal(err)
	}
	st, _, m := call(t, s, "POST", chatPrefix+"chats", mobile(s, "c1"), `{"phone_number":"+14155550100","from":"web","parameters":{"email":"c@example.com"}}`)
	if st != 200 || m["state"] != "queued" || m["is_new_chat"] != true || m["phone_number"] != "+14155550100" || m["ewt"] == nil {
		t.Fatalf("%d %v", st, m)
	}
	id := m["chat_id"].(string)
	// The same client gets its active chat back.
	if _, _, m := call(t, s, "POST", chatPrefix+"chats", mobile(s, "c1"), `{}`); m["chat_id"] != id || m["is_new_chat"] != false {
		t.Fatalf("%v", m)
	}
	// Another client does not see it.
	if st, _, _ := call(t, s, "GET", chatPrefix+"chats/"+id+"/events", mobile(s, "c2"), ""); st != 404 {
		t.Fatalf("other client: %d", st)
	}
	// Client events; the answer holds the server events not yet delivered.
	st, _, m = call(t, s, "POST", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"),
		`{"events":[{"event":"chat_session_typing"},{"event":"chat_session_message","msg_id":"`+id+`:1","msg":"Hello"}]}`)
	evs := events(m)
	if st != 200 || len(evs) != 1 || evs[0]["event"] != EventStatus || evs[0]["state"] != "queued" {
		t.Fatalf("%d %v", st, m)
	}
	c, _ := s.Chat(id)
	if !c.Typing || len(c.Messages) != 1 || c.Messages[0].Text != "Hello" || c.Messages[0].MsgID != id+":1" || c.Parameters["email"] == nil {
		t.Fatalf("%+v", c)
	}
	for name, body := range map[string]string{
		"unknown event": `{"events":[{"event":"chat_session_dance"}]}`,
		"no msg":        `{"events":[{"event":"chat_session_message","msg_id":"x"}]}`,
		"no events":     `{}`,
		"not JSON":      `events`,
		"wrong case":    `{"Events":[]}`,
		"form no id":    `{"events":[{"event":"chat_session_form_data"}]}`,
	} {
		if st, _, m := call(t, s, "POST", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), body); st != 400 || m["error_message"] == nil {
			t.Errorf("%s: %d %v", name, st, m)
		}
	}
	// The agent joins and speaks; the client's poll gets it all at once.
	if err := s.AgentJoin(id, "ann"); err != nil {
		t.Fatal(err)
	}
	if err := s.AgentSay(id, "Hi, Ann here"); err != nil {
		t.Fatal(err)
	}
	st, _, m = call(t, s, "GET", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), "")
	evs = events(m)
	if st != 200 || len(evs) != 3 || evs[0]["event"] != EventPartyJoined || evs[0]["display_name"] != "Ann Lee" || evs[0]["type"] != "internal" ||
		evs[1]["state"] != "connected" || evs[2]["msg"] != "Hi, Ann here" || evs[2]["party_id"] != evs[0]["party_id"] ||
		evs[2]["timestamp"] != float64(clk.Now().UnixMilli()) {
		t.Fatalf("%d %v", st, evs)
	}
	// The client ends it.
	_, _, m = call(t, s, "POST", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), `{"events":[{"event":"chat_session_end"}]}`)
	if evs := events(m); len(evs) != 1 || evs[0]["event"] != EventEnded {
		t.Fatalf("%v", m)
	}
	if st, _, _ := call(t, s, "POST", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), `{"events":[{"event":"chat_session_message","msg":"x"}]}`); st != 400 {
		t.Fatalf("message after the end: %d", st)
	}
	if err := s.AgentSay(id, "late"); err != ErrChatEnded {
		t.Fatalf("%v", err)
	}
	// A new start is a new chat.
	if _, _, m := call(t, s, "POST", chatPrefix+"chats", mobile(s, "c1"), `{}`); m["chat_id"] == id || m["is_new_chat"] != true {
		t.Fatalf("%v", m)
	}
	if _, ok := m["phone_number"]; ok {
		t.Fatal("an absent phone_number is written")
	}
}

// TestLongPollConcurrent holds one poll with a gate the test controls,
// and checks that a second poll of the same chat gets 400 meanwhile, that
// an agent message releases the held poll, and that the hold passing
// answers an empty list.
func TestLongPollConcurrent(t *testing.T) {
	t.Parallel()
	g := newGate()
	s := NewServer(WithPollWait(g.wait), WithPollHold(7*time.Second))
	defer s.Close()
	if err := s.AddUser(User{LoginID: "ann"}); err != nil {
		t.Fatal(err)
	}
	id := startChat(t, s, "c1")
	call(t, s, "GET", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), "") // drain "queued"

	type answer struct {
		st int
		m  map[string]any
	}
	poll := func() chan answer {
		ch := make(chan answer, 1)
		go func() {
			st, _, m := call(t, s, "GET", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), "")
			ch <- answer{st, m}
		}()
		return ch
	}
	first := poll()
	if d := <-g.entered; d != 7*time.Second {
		t.Fatalf("hold %v", d)
	}
	if !s.Polling(id) {
		t.Fatal("not polling")
	}
	st, _, m := call(t, s, "GET", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), "")
	if st != 400 || m["error_message"] == nil {
		t.Fatalf("concurrent poll: %d %v", st, m)
	}
	// A POST of client events is not a poll.
	if st, _, _ := call(t, s, "POST", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), `{"events":[]}`); st != 200 {
		t.Fatalf("post during poll: %d", st)
	}
	if err := s.AgentJoin(id, "ann"); err != nil {
		t.Fatal(err)
	}
	a := <-first
	if a.st != 200 || len(events(a.m)) != 2 {
		t.Fatalf("released poll: %d %v", a.st, a.m)
	}
	// The next poll is allowed; the hold passing answers it empty.
	second := poll()
	<-g.entered
	close(g.release)
	a = <-second
	if a.st != 200 || len(events(a.m)) != 0 {
		t.Fatalf("held poll: %d %v", a.st, a.m)
	}
	if s.Polling(id) {
		t.Fatal("still polling")
	}
}

// TestLongPollClockWait holds polls on an injected clock: the hold is
// recorded and returns at once.
func TestLongPollClockWait(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock()
	s := NewServer(WithClock(clk.Now), WithPollWait(clk.Sleep))
	defer s.Close()
	id := startChat(t, s, "c1")
	call(t, s, "GET", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), "")
	start := time.Now()
	st, _, m := call(t, s, "GET", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), "")
	if st != 200 || len(events(m)) != 0 || time.Since(start) > 2*time.Second {
		t.Fatalf("%d %v", st, m)
	}
	if sl := clk.Sleeps(); len(sl) != 1 || sl[0] != DefaultPollHold {
		t.Fatalf("%v", sl)
	}
}

// TestLongPollClientGoes checks that a poll whose client goes frees the
// chat for the next poll and loses no event.
func TestLongPollClientGoes(t *testing.T) {
	t.Parallel()
	g := newGate()
	s := NewServer(WithPollWait(g.wait))
	defer s.Close()
	id := startChat(t, s, "c1")
	call(t, s, "GET", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), "")
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+chatPrefix+"chats/"+id+"/events", nil)
	req.Header = mobile(s, "c1")
	done := make(chan error, 1)
	go func() {
		resp, err := s.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-g.entered
	cancel()
	<-done
	deadline := time.Now().Add(5 * time.Second)
	for s.Polling(id) {
		if time.Now().After(deadline) {
			t.Fatal("the poll is still held after its client went")
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.AgentEnd(id); err != nil {
		t.Fatal(err)
	}
	_, _, m := call(t, s, "GET", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), "")
	if evs := events(m); len(evs) != 1 || evs[0]["event"] != EventEnded {
		t.Fatalf("%v", m)
	}
}

func TestAgentErrors(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	id := startChat(t, s, "c1")
	if err := s.AgentJoin("nope", "ann"); err == nil {
		t.Fatal("unknown chat")
	}
	if err := s.AgentJoin(id, "ann"); err == nil {
		t.Fatal("unknown agent")
	}
	if err := s.AgentSay(id, "x"); err == nil {
		t.Fatal("say before join")
	}
	if err := s.AgentSay("nope", "x"); err == nil {
		t.Fatal("say to unknown chat")
	}
	if err := s.AgentEnd("nope"); err == nil {
		t.Fatal("end unknown chat")
	}
	if _, ok := s.Chat("nope"); ok {
		t.Fatal("found unknown chat")
	}
}
