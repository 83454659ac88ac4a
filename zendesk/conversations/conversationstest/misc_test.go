package conversationstest_test

import (
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestRateLimitAndFaults(t *testing.T) {
	s, a := newAPI(t, conversationstest.WithRateLimit(2, time.Hour))
	a.must(201, "POST", "/users", map[string]any{"externalId": "a"})
	a.must(200, "GET", "/users/a", nil)
	status, e := a.do("GET", "/users/a", nil)
	if code, _ := errCode(t, e); status != 429 || code != "too_many_requests" {
		t.Errorf("over the limit: %d %s", status, code)
	}
	s.SetRateLimit(0, 0)
	s.InjectFault(deskbridgetest.Fault{Method: "GET", Path: "/sc/v2/apps/", Status: 503, Body: `{"errors":[{"code":"unavailable","title":"x"}]}`})
	if status, _ := a.do("GET", "/users/a", nil); status != 503 {
		t.Errorf("fault: %d", status)
	}
	a.must(200, "GET", "/users/a", nil)
	if n := s.RequestCount("GET", "/sc/v2/apps/"+s.AppID+"/users/a"); n != 4 {
		t.Errorf("%d logged requests", n)
	}
	// ClearFaults drops the faults not yet served.
	s.InjectFault(deskbridgetest.Fault{Method: "GET", Path: "/sc/v2/apps/", Status: 503, Times: 3})
	if status, _ := a.do("GET", "/users/a", nil); status != 503 {
		t.Errorf("fault: %d", status)
	}
	s.ClearFaults()
	a.must(200, "GET", "/users/a", nil)
}

// An agent's file, and what an agent does in Zendesk itself (a public
// comment, a solve) mirrored by SyncTickets; the hand-back passes control
// to the agent workspace's next integration.
func TestAgentFileAndSync(t *testing.T) {
	zd := zendesktest.NewServer()
	defer zd.Close()
	s, a := newAPI(t, conversationstest.WithZendesk(zd), conversationstest.WithDeliverySleep(conversationstest.NoSleep),
		conversationstest.WithTicketClosedActivity())
	rec := newReceiver(t)
	_, convID, integrationID := setup(t, a, rec)
	bot, err := s.AddSwitchboardIntegration(conversationstest.SwitchboardIntegration{Name: "dydu", IntegrationID: integrationID})
	if err != nil {
		t.Fatal(err)
	}
	sb, sis := s.Switchboard()
	a.must(200, "PATCH", "/switchboards/"+sb.ID+"/switchboardIntegrations/"+sis[0].ID, map[string]any{"nextSwitchboardIntegrationId": bot.ID})
	if _, err := s.AgentReply(convID, conversationstest.Agent{Name: "Ann"}, "hi"); err == nil {
		t.Error("an agent replied before any hand-off")
	}
	a.must(200, "POST", "/conversations/"+convID+"/passControl", map[string]any{"switchboardIntegration": s.AgentWorkspaceID()})
	ticketID, ok := s.AgentTicket(convID)
	if !ok {
		t.Fatal("no ticket")
	}
	m, err := s.AgentSendFile(convID, conversationstest.Agent{Name: "Ann"}, "invoice.pdf", "application/pdf", []byte("%PDF-1.4"), "Your invoice")
	if err != nil {
		t.Fatal(err)
	}
	if m.Content.Type != "file" || m.Content.MediaType != "application/pdf" || m.Content.MediaSize != 8 || m.Content.AltText != "invoice.pdf" {
		t.Errorf("file message %+v", m.Content)
	}
	if got, ok := s.Attachment(m.Content.MediaURL); !ok || string(got.Data) != "%PDF-1.4" {
		t.Errorf("attachment %+v", got)
	}
	agent := zd.AddAgent("Bob", "bob@example.com")
	if err := zd.AgentReply(ticketID, agent, "Answered in Zendesk", true); err != nil {
		t.Fatal(err)
	}
	if _, err := zd.AgentUpdate(ticketID, agent, zendesktest.AgentUpdate{Status: "solved"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncTickets(); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages(convID)
	var mirrored, closed bool
	for _, m := range msgs {
		if m.Author.DisplayName == "Bob" && m.Content.Text == "Answered in Zendesk" && m.Source.Type == conversationstest.AgentWorkspaceSourceType {
			mirrored = true
		}
		if m.Activity != nil && m.Activity.Type == "ticket:closed" {
			closed = true
		}
	}
	if !mirrored || !closed {
		t.Errorf("mirrored %v, ticket:closed %v: %+v", mirrored, closed, msgs)
	}
	if c, _ := s.Conversation(convID); c.ActiveSwitchboardIntegration == nil || c.ActiveSwitchboardIntegration.ID != bot.ID {
		t.Errorf("active after the hand-back: %+v", c.ActiveSwitchboardIntegration)
	}
	waitAll(t, s)
	var handBack map[string]any
	for _, e := range rec.ofType(t, "switchboard:passControl") {
		if obj(e, "payload")["reason"] == "ticketClosed" {
			handBack = e
		}
	}
	if handBack == nil {
		t.Errorf("no passControl with reason ticketClosed: %v", rec.events(t))
	}
	if err := s.SolveTicket(convID); err == nil {
		t.Error("a solved ticket was solved again")
	}
}
