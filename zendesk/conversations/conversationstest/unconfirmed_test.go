package conversationstest

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Each test pins one UNCONFIRMED behaviour of unconfirmed.go, named after
// the doubt, so that a change to it is deliberate.

func TestUnconfirmedIntegrationJWTScope(t *testing.T) {
	// The reference shows JWTs for app and account keys only.
	if integrationJWTScope() != "integration" {
		t.Error(integrationJWTScope())
	}
}

func TestUnconfirmedKeySecretOnRead(t *testing.T) {
	// Whether a key's secret can be read after its creation is not documented.
	if keySecretOnRead() {
		t.Error("secrets are shown on read")
	}
	if keyView(Key{ID: "int_x", Secret: "s"}).Secret != "" {
		t.Error("keyView shows the secret")
	}
}

func TestUnconfirmedWrongApp(t *testing.T) {
	// Which status a valid key for another app gets is not documented.
	if e := wrongApp().(*apiError); e.status != 404 || e.code != "app_not_found" {
		t.Error(e)
	}
}

func TestUnconfirmedTooLarge(t *testing.T) {
	// The limits are documented; the refusal's status and code are not.
	if e := tooLarge("x").(*apiError); e.status != 413 || e.code != "payload_too_large" {
		t.Error(e)
	}
}

func TestUnconfirmedRateLimited(t *testing.T) {
	// The 429 body's code and the absence of Retry-After are guesses.
	w := httptest.NewRecorder()
	writeRateLimited(w, fakeserver.LimitState{Limited: true})
	if w.Code != 429 || w.Header().Get("Retry-After") != "" || w.Body.String() != `{"errors":[{"code":"too_many_requests","title":"Too many requests, retry later with exponential backoff"}]}` {
		t.Errorf("%d %v %s", w.Code, w.Header(), w.Body)
	}
}

func TestUnconfirmedSwitchboardExists(t *testing.T) {
	// How a second CreateSwitchboard is refused is not documented.
	if e := switchboardExists().(*apiError); e.status != 409 || e.code != "conflict" {
		t.Error(e)
	}
}

func TestUnconfirmedReceives(t *testing.T) {
	// Which integrations get which events is a rule read from the
	// switchboard guide and BP-HITL, not a documented one.
	s := NewServer()
	defer s.Close()
	st := s.st
	in, _ := s.AddIntegration("bot", Webhook{Target: "https://example.org/h", Triggers: []string{"conversation:message"}})
	ir := st.ints[in.ID]
	u, _ := s.AddUser(User{ExternalID: "u"})
	cr := st.addConversation(Conversation{ID: st.newID(), Type: "personal"}, []*User{st.users[u.ID]})
	ev := &event{conv: cr}
	if !st.receives(ir, ev) {
		t.Error("an integration outside the switchboard misses events")
	}
	si, _ := s.AddSwitchboardIntegration(SwitchboardIntegration{Name: "bot", IntegrationID: in.ID})
	if st.receives(ir, ev) {
		t.Error("a standby integration gets events")
	}
	if !st.receives(ir, &event{conv: cr, involved: []string{si.ID}}) {
		t.Error("an integration misses a switchboard event about it")
	}
	if !st.receives(ir, &event{}) {
		t.Error("an integration misses a user event")
	}
	st.sbi[si.ID].DeliverStandbyEvents = true
	if !st.receives(ir, ev) {
		t.Error("deliverStandbyEvents is ignored")
	}
}

func TestUnconfirmedAcceptWithoutPending(t *testing.T) {
	// Whether acceptControl with nothing pending fails the call is not said;
	// the fake answers 200 and emits the failure event.
	s := NewServer()
	defer s.Close()
	cr := s.st.addConversation(Conversation{ID: s.st.newID(), Type: "sdkGroup"}, nil)
	if err := s.st.acceptWithoutPending(cr, nil); err != nil {
		t.Error(err)
	}
}

func TestUnconfirmedAgentMarkers(t *testing.T) {
	// Source type and agent-id key come from third-party code only.
	if AgentWorkspaceSourceType != "zd:agentWorkspace" || AgentIDMetadataKey != "__zendesk_msg.agent.id" {
		t.Error(AgentWorkspaceSourceType, AgentIDMetadataKey)
	}
	if a := agentAuthor(Agent{Name: "Ann"}); a.Type != "business" || a.Subtypes != nil || a.DisplayName != "Ann" {
		t.Errorf("%+v", a)
	}
}

func TestUnconfirmedTicketSubject(t *testing.T) {
	if ticketSubject("Jeanne") != "Conversation with Jeanne" {
		t.Error(ticketSubject("Jeanne"))
	}
}

func TestUnconfirmedHandBack(t *testing.T) {
	// Whether Zendesk releases or passes control on a solve is not documented.
	s := NewServer()
	defer s.Close()
	st := s.st
	aw := st.agentWorkspace()
	if st.handBackTarget(aw, HandBackAuto) != nil {
		t.Error("auto with nowhere to go does not release")
	}
	if st.handBackTarget(aw, HandBackPassControl) != aw {
		t.Error("pass-control mode with nowhere to go does not stay")
	}
	in, _ := s.AddIntegration("bot", Webhook{Target: "https://example.org/h", Triggers: []string{"conversation:message"}})
	bot, _ := s.AddSwitchboardIntegration(SwitchboardIntegration{Name: "bot", IntegrationID: in.ID})
	st.switchboard.DefaultSwitchboardIntegrationID = bot.ID
	if got := st.handBackTarget(aw, HandBackAuto); got == nil || got.ID != bot.ID {
		t.Error("auto does not pass to the default integration")
	}
	if st.handBackTarget(aw, HandBackRelease) != nil {
		t.Error("release mode passes control")
	}
}

func TestUnconfirmedTicketFromMetadata(t *testing.T) {
	// Only first_message_id is official; the dataCapture keys are [3P].
	var mt zendesktest.MessagingTicket
	unread, err := ticketFromMetadata(map[string]any{
		"first_message_id":                        "x",
		"dataCapture.systemField.group_id":        "42",
		"dataCapture.systemField.tags":            "a, b",
		"dataCapture.systemField.priority":        "high",
		"dataCapture.systemField.requester.email": "j@example.org",
		"dataCapture.ticketField.7":               float64(3),
		"dataCapture.systemField.groupId":         "43",
		"other":                                   true,
	}, &mt)
	if err != nil || mt.GroupID != 42 || len(mt.Tags) != 2 || mt.Priority != "high" || mt.RequesterEmail != "j@example.org" ||
		len(mt.CustomFields) != 1 || string(mt.CustomFields[0].Value) != "3" || len(unread) != 2 {
		t.Errorf("%+v %v %v", mt, unread, err)
	}
	if _, err := ticketFromMetadata(map[string]any{"dataCapture.systemField.group_id": "support"}, &mt); err == nil {
		t.Error("a group id that is not a number is taken")
	}
}

func TestUnconfirmedChannelShape(t *testing.T) {
	ch := channelShape("c", "d", "web", "i", "ext", "t")
	if ch.client["type"] != "web" || ch.client["externalId"] != "ext" || ch.device["clientId"] != "c" {
		t.Errorf("%v %v", ch.client, ch.device)
	}
}

func TestUnconfirmedMaxBatchEvents(t *testing.T) {
	// How many events one delivery carries at most is not documented; the
	// fake batches up to 10.
	if maxBatchEvents() != 10 {
		t.Error(maxBatchEvents())
	}
	s := NewServer(WithBatching(time.Hour))
	defer s.Close()
	d := &deliveries{s: s}
	var batch []*Delivery
	for i := range 3 {
		batch = append(batch, &Delivery{EventID: fmt.Sprint("e", i), Body: []byte(fmt.Sprintf(`{"app":{"id":"a"},"events":[{"id":"e%d"}]}`, i))})
	}
	body := d.merge(batch)
	if string(body) != `{"app":{"id":"a"},"events":[{"id":"e0"},{"id":"e1"},{"id":"e2"}]}` || len(batch[2].Batch) != 3 {
		t.Fatalf("merged %s", body)
	}
}
