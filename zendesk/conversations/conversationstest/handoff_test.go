package conversationstest_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The hand-off round trip, over raw HTTP: a user message, passControl to
// the agent workspace with metadata, the ticket opened in zendesktest with
// its group and field, the agent's reply delivered by webhook, the solve
// and the hand-back event.
func TestHandOffRoundTrip(t *testing.T) {
	zd := zendesktest.NewServer()
	defer zd.Close()
	group := zd.AddGroup("Support N2")
	s, a := newAPI(t, conversationstest.WithZendesk(zd), conversationstest.WithDeliverySleep(conversationstest.NoSleep))
	rec := newReceiver(t)
	userID, convID, integrationID := setup(t, a, rec)

	// The bot's integration takes control first, as BP-HITL does.
	sb := a.must(200, "GET", "/switchboards", nil)
	sbID := str(sb["switchboards"].([]any)[0].(map[string]any), "id")
	sis := a.must(200, "GET", "/switchboards/"+sbID+"/switchboardIntegrations", nil)
	var awID string
	for _, x := range sis["switchboardIntegrations"].([]any) {
		si := x.(map[string]any)
		if si["integrationType"] == "zd:agentWorkspace" {
			awID = str(si, "id")
			if si["name"] != "zd-agentWorkspace" {
				t.Errorf("agent workspace name %v", si["name"])
			}
		}
	}
	if awID == "" {
		t.Fatal("no zd:agentWorkspace switchboard integration")
	}
	bot := a.must(201, "POST", "/switchboards/"+sbID+"/switchboardIntegrations", map[string]any{
		"name": "dydu", "integrationId": integrationID, "deliverStandbyEvents": false, "nextSwitchboardIntegrationId": awID})
	botID := str(obj(bot, "switchboardIntegration"), "id")
	a.must(200, "POST", "/conversations/"+convID+"/passControl", map[string]any{"switchboardIntegration": "dydu"})

	first := a.must(201, "POST", "/conversations/"+convID+"/messages", map[string]any{
		"author": map[string]any{"type": "user", "userId": userID}, "content": map[string]any{"type": "text", "text": "Bonjour, ma commande n'est pas arrivée"}})
	firstID := str(first["messages"].([]any)[0].(map[string]any), "id")
	a.must(201, "POST", "/conversations/"+convID+"/messages", map[string]any{
		"author": map[string]any{"type": "business", "displayName": "Dydu bot", "subtypes": []any{"bot"}}, "content": map[string]any{"type": "text", "text": "Je vous mets en relation."}})

	a.must(200, "POST", "/conversations/"+convID+"/passControl", map[string]any{
		"switchboardIntegration": "zd-agentWorkspace",
		"metadata": map[string]any{
			"first_message_id":                 firstID,
			"dataCapture.systemField.group_id": strconv.FormatInt(group, 10),
			"dataCapture.systemField.tags":     "dydu,escalated",
			"dataCapture.ticketField.360001":   "order-42",
		}})
	a.must(200, "POST", "/conversations/"+convID+"/offerControl", map[string]any{"switchboardIntegration": botID})

	ticketID, ok := s.AgentTicket(convID)
	if !ok {
		h, _ := s.HandOff(convID)
		t.Fatalf("no ticket opened: %+v", h)
	}
	tk, _ := zd.Ticket(ticketID)
	if tk.GroupID == nil || *tk.GroupID != group {
		t.Errorf("ticket group %v, want %d", tk.GroupID, group)
	}
	if tk.Subject != "Conversation with Jeanne Martin" || !tk.FromMessagingChan || tk.Via.Channel != "native_messaging" {
		t.Errorf("ticket %q from messaging %v via %q", tk.Subject, tk.FromMessagingChan, tk.Via.Channel)
	}
	if len(tk.CustomFields) == 0 {
		t.Errorf("ticket custom fields empty")
	}
	comments := zd.Comments(ticketID)
	if len(comments) != 1 || comments[0].PlainBody != "Jeanne Martin: Bonjour, ma commande n'est pas arrivée\nDydu bot: Je vous mets en relation." {
		t.Errorf("ticket transcript %+v", comments)
	}

	// The user writes again: the comment goes to the ticket.
	if _, err := s.UserMessage(convID, "dydu-ctx-1", "Vous êtes là ?"); err != nil {
		t.Fatal(err)
	}
	if n := len(zd.Comments(ticketID)); n != 2 {
		t.Errorf("%d comments after the user's message, want 2", n)
	}

	agent := conversationstest.Agent{Name: "Ann Agent", AvatarURL: "https://example.org/ann.png"}
	if err := s.AgentTyping(convID, agent, true); err != nil {
		t.Fatal(err)
	}
	reply, err := s.AgentReply(convID, agent, "Je regarde votre commande.")
	if err != nil {
		t.Fatal(err)
	}
	solve(t, s, zd, convID, ticketID)

	// The agent's message reached the integration's webhook (pending, so
	// it still receives the conversation's events).
	var agentMsg map[string]any
	for _, e := range rec.ofType(t, "conversation:message") {
		m := obj(obj(e, "payload"), "message")
		if str(m, "id") == reply.ID {
			agentMsg = m
		}
	}
	if agentMsg == nil {
		t.Fatalf("agent reply not delivered; events %v", rec.events(t))
	}
	author := obj(agentMsg, "author")
	if author["type"] != "business" || author["displayName"] != "Ann Agent" || author["avatarUrl"] != "https://example.org/ann.png" {
		t.Errorf("agent author %v", author)
	}
	if str(obj(agentMsg, "metadata"), conversationstest.AgentIDMetadataKey) == "" {
		t.Errorf("agent message metadata %v", agentMsg["metadata"])
	}
	typing := rec.ofType(t, "conversation:typing")
	if len(typing) != 1 || str(obj(obj(typing[0], "payload"), "activity"), "type") != "typing:start" {
		t.Errorf("typing events %v", typing)
	}
	// The hand-back: control passes to the agent workspace's next... which
	// is not set, so to the default (the agent workspace itself): released.
	var handBack map[string]any
	for _, e := range rec.events(t) {
		if p := obj(e, "payload"); p["reason"] == "ticketClosed" {
			handBack = e
		}
	}
	if handBack == nil {
		t.Fatalf("no hand-back event; events %v", rec.events(t))
	}
	if handBack["type"] != "switchboard:releaseControl" {
		t.Errorf("hand-back %v, want switchboard:releaseControl", handBack["type"])
	}
	conv, _ := s.Conversation(convID)
	if conv.ActiveSwitchboardIntegration != nil {
		t.Errorf("active after release: %+v", conv.ActiveSwitchboardIntegration)
	}
	for i, k := range rec.keys {
		if k != s.Integrations()[0].Webhooks[0].Secret {
			t.Errorf("delivery %d X-API-Key %q", i, k)
		}
	}
	b, _ := json.Marshal(handBack)
	t.Logf("hand-back: %s", b)
}

// What each hand-back mode sends when the agent solves the ticket, with
// the options a service would use: WithHandBack, and a Zendesk fake
// attached after the start with Server.Attach. The bot ("dydu") hands the
// conversation to the agent workspace and is offered control back; the
// hand-back event (reason ticketClosed) reaches its webhook and names who
// has control now. Release and pass-control differ from the default, so
// an ignored option fails here.
func TestHandBackModes(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []conversationstest.Option
		// next sets the agent workspace's nextSwitchboardIntegrationId
		// to the bot.
		next bool
		// standby makes the bot receive events while neither active,
		// pending nor named by the event: a pass from the agent
		// workspace to itself names only the agent workspace.
		standby    bool
		wantType   string
		wantActive string // name of the active switchboard integration after; "" none
	}{
		{name: "default passes to next", next: true,
			wantType: "switchboard:passControl", wantActive: "dydu"},
		{name: "auto releases with nowhere to go", opts: []conversationstest.Option{conversationstest.WithHandBack(conversationstest.HandBackAuto)},
			wantType: "switchboard:releaseControl"},
		{name: "release ignores next", opts: []conversationstest.Option{conversationstest.WithHandBack(conversationstest.HandBackRelease)}, next: true,
			wantType: "switchboard:releaseControl"},
		{name: "pass-control stays with nowhere to go", opts: []conversationstest.Option{conversationstest.WithHandBack(conversationstest.HandBackPassControl)}, standby: true,
			wantType: "switchboard:passControl", wantActive: "zd-agentWorkspace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, a := newAPI(t, append([]conversationstest.Option{conversationstest.WithDeliverySleep(conversationstest.NoSleep)}, tc.opts...)...)
			zd := zendesktest.NewServer()
			defer zd.Close()
			s.Attach(zd)
			rec := newReceiver(t)
			userID, convID, integrationID := setup(t, a, rec)

			sb := a.must(200, "GET", "/switchboards", nil)
			sbID := str(sb["switchboards"].([]any)[0].(map[string]any), "id")
			awID := s.AgentWorkspaceID()
			bot := a.must(201, "POST", "/switchboards/"+sbID+"/switchboardIntegrations", map[string]any{
				"name": "dydu", "integrationId": integrationID, "deliverStandbyEvents": tc.standby})
			botID := str(obj(bot, "switchboardIntegration"), "id")
			if tc.next {
				a.must(200, "PATCH", "/switchboards/"+sbID+"/switchboardIntegrations/"+awID, map[string]any{"nextSwitchboardIntegrationId": botID})
			}
			a.must(200, "POST", "/conversations/"+convID+"/passControl", map[string]any{"switchboardIntegration": "dydu"})
			first := a.must(201, "POST", "/conversations/"+convID+"/messages", map[string]any{
				"author": map[string]any{"type": "user", "userId": userID}, "content": map[string]any{"type": "text", "text": "Un agent, svp"}})
			a.must(200, "POST", "/conversations/"+convID+"/passControl", map[string]any{"switchboardIntegration": "zd-agentWorkspace",
				"metadata": map[string]any{"first_message_id": str(first["messages"].([]any)[0].(map[string]any), "id")}})
			a.must(200, "POST", "/conversations/"+convID+"/offerControl", map[string]any{"switchboardIntegration": botID})

			// The ticket is opened in the attached Zendesk fake.
			ticketID, ok := s.AgentTicket(convID)
			if !ok {
				t.Fatal("no ticket opened")
			}
			if c := zd.Comments(ticketID); len(c) != 1 || c[0].PlainBody != "Jeanne Martin: Un agent, svp" {
				t.Fatalf("ticket %d in the attached fake: comments %+v", ticketID, c)
			}
			solve(t, s, zd, convID, ticketID)

			var handBacks []map[string]any
			for _, e := range rec.events(t) {
				if obj(e, "payload")["reason"] == "ticketClosed" {
					handBacks = append(handBacks, e)
				}
			}
			if len(handBacks) != 1 {
				t.Fatalf("%d hand-back events delivered, want 1; events %v", len(handBacks), rec.events(t))
			}
			hb := handBacks[0]
			if hb["type"] != tc.wantType {
				t.Errorf("hand-back %v, want %s", hb["type"], tc.wantType)
			}
			wire := obj(obj(obj(hb, "payload"), "conversation"), "activeSwitchboardIntegration")
			if got := str(wire, "name"); got != tc.wantActive {
				t.Errorf("hand-back names active %q, want %q", got, tc.wantActive)
			}
			if p := obj(obj(hb, "payload"), "conversation")["pendingSwitchboardIntegration"]; p != nil {
				t.Errorf("still pending after the hand-back: %v", p)
			}
			conv, _ := s.Conversation(convID)
			switch active := conv.ActiveSwitchboardIntegration; {
			case tc.wantActive == "" && active != nil:
				t.Errorf("active after the hand-back: %+v", active)
			case tc.wantActive != "" && (active == nil || active.Name != tc.wantActive):
				t.Errorf("active after the hand-back %+v, want %s", active, tc.wantActive)
			}
		})
	}
}

// solve plays the agent solving the conversation's ticket, waits for the
// webhook deliveries, and checks the ticket is solved in the Zendesk fake.
func solve(t *testing.T, s *conversationstest.Server, zd *zendesktest.Server, convID string, ticketID int64) {
	t.Helper()
	if err := s.SolveTicket(convID); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	if tk, _ := zd.Ticket(ticketID); tk.Status != "solved" {
		t.Errorf("ticket %d status %q, want solved", ticketID, tk.Status)
	}
}
