package escalation

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/dydu/dydutest"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// Each test names the doubt of one function in unconfirmed.go and pins
// what the flow does today.

func TestUnconfirmedGroupMetadataKey(t *testing.T) {
	// Doubt: Zendesk's agent workspace may read the group from another
	// key ("groupId") than the one public hand-offs send.
	md := conversations.Metadata{}
	setGroup(md, 42)
	if len(md) != 1 || md["dataCapture.systemField.group_id"] == nil {
		t.Fatalf("metadata = %v, want only dataCapture.systemField.group_id", md)
	}
}

func TestUnconfirmedUserExternalID(t *testing.T) {
	// Doubt: Dydu's connector may key the user by its contextId or clientId.
	if got := userExternalID("chat-0001"); got != "dydu-chat:chat-0001" {
		t.Fatalf("userExternalID = %q", got)
	}
}

func TestUnconfirmedIdentityMapping(t *testing.T) {
	// Doubt: how Dydu's connector shows the sender id to the agent.
	if p := identityProfile("jeanne@example.org", ""); p == nil || p.Email != "jeanne@example.org" || p.GivenName != "" {
		t.Fatalf("email identity: %+v", p)
	}
	if p := identityProfile("Jeanne", ""); p == nil || p.GivenName != "Jeanne" || p.Email != "" {
		t.Fatalf("name identity: %+v", p)
	}
	if p := identityProfile("jeanne@example.org", "Jeanne Martin"); p == nil || p.Email != "jeanne@example.org" || p.GivenName != "Jeanne Martin" {
		t.Fatalf("email and name: %+v", p)
	}
	if identityProfile("", "") != nil {
		t.Fatal("no identity should give no profile")
	}
	for _, c := range []struct {
		value, name string
		want        conversations.Metadata
	}{
		{"jeanne@example.org", "", conversations.Metadata{"dataCapture.systemField.requester.email": "jeanne@example.org"}},
		{"Jeanne", "", conversations.Metadata{"dataCapture.systemField.requester.name": "Jeanne"}},
		{"jeanne@example.org", "Jeanne Martin", conversations.Metadata{"dataCapture.systemField.requester.email": "jeanne@example.org",
			"dataCapture.systemField.requester.name": "Jeanne Martin"}},
		{"", "", conversations.Metadata{}},
	} {
		md := conversations.Metadata{}
		identityMetadata(md, c.value, c.name)
		if fmt.Sprint(md) != fmt.Sprint(c.want) {
			t.Errorf("identityMetadata(%q, %q) = %v, want %v", c.value, c.name, md, c.want)
		}
	}
}

func TestUnconfirmedHandBackSignals(t *testing.T) {
	// Doubt: which switchboard event Zendesk sends when the agent solves
	// the ticket; both are taken, with reason ticketClosed.
	aw := &webhook.SunshineSwitchboardIntegration{Name: "zd-agentWorkspace", IntegrationType: "zd:agentWorkspace"}
	bot := &webhook.SunshineSwitchboardIntegration{Name: "deskbridge-dydu", IntegrationType: "custom"}
	for _, c := range []struct {
		name string
		typ  string
		p    webhook.SunshineSwitchboardEvent
		want bool
	}{
		{"release, ticketClosed", webhook.SunshineTypeSwitchboardReleaseControl, webhook.SunshineSwitchboardEvent{Reason: "ticketClosed"}, true},
		{"pass, ticketClosed", webhook.SunshineTypeSwitchboardPassControl, webhook.SunshineSwitchboardEvent{Reason: "ticketClosed", Conversation: webhook.SunshineConversation{ActiveSwitchboardIntegration: bot}}, true},
		{"pass, transferToEmail", webhook.SunshineTypeSwitchboardPassControl, webhook.SunshineSwitchboardEvent{Reason: "transferToEmail"}, true},
		{"pass to the agent workspace", webhook.SunshineTypeSwitchboardPassControl, webhook.SunshineSwitchboardEvent{Conversation: webhook.SunshineConversation{ActiveSwitchboardIntegration: aw}}, false},
		{"pass to the bot without reason", webhook.SunshineTypeSwitchboardPassControl, webhook.SunshineSwitchboardEvent{Conversation: webhook.SunshineConversation{ActiveSwitchboardIntegration: bot}}, true},
		{"release without reason", webhook.SunshineTypeSwitchboardReleaseControl, webhook.SunshineSwitchboardEvent{}, false},
		{"failure", webhook.SunshineTypeSwitchboardPassControl, webhook.SunshineSwitchboardEvent{Reason: "ticketClosed", Error: &webhook.SunshineEventError{Code: "x"}}, false},
	} {
		if got := handBackSignal(c.typ, &c.p, "zd-agentWorkspace"); got != c.want {
			t.Errorf("%s: handBackSignal = %v, want %v", c.name, got, c.want)
		}
	}
	// Doubt: that Zendesk posts a ticket:closed system message on solve.
	if !handBackActivity("ticket:closed") || handBackActivity("conversation:endedByUser") {
		t.Fatal("handBackActivity")
	}
}

func TestUnconfirmedOwnMessage(t *testing.T) {
	// Doubt: that webhooks echo metadata as posted, and the integration id
	// of an API post.
	if !ownMessage(&webhook.SunshineMessage{Metadata: map[string]any{markKey: "u.m1"}}, "") {
		t.Fatal("a marked message is the flow's own")
	}
	api := webhook.SunshineMessage{Source: webhook.SunshineSource{Type: "api:conversations", IntegrationID: "int1"}}
	if !ownMessage(&api, "int1") || ownMessage(&api, "int2") || ownMessage(&api, "") {
		t.Fatal("an API post is the flow's own only when it came from the flow's integration")
	}
	agent := webhook.SunshineMessage{Source: webhook.SunshineSource{Type: "zd:agentWorkspace"}, Metadata: map[string]any{"__zendesk_msg.agent.id": "1"}}
	if ownMessage(&agent, "int1") {
		t.Fatal("an agent's message is not the flow's")
	}
}

func TestUnconfirmedFileTypes(t *testing.T) {
	// Doubt: Zendesk's list of the file types messaging takes.
	for mt, want := range map[string]bool{"image/png": true, "image/svg+xml": false, "application/pdf": true, "video/mp4": true,
		"application/x-msdownload": false, "application/zip": false, "text/html": false, "": false} {
		if got := allowedFileType(mt); got != want {
			t.Errorf("allowedFileType(%q) = %v, want %v", mt, got, want)
		}
	}
}

func TestUnconfirmedSkillOf(t *testing.T) {
	// Doubt: whether Dydu's talk answer names the skill; the bridge is told.
	f := &Flow{cfg: Config{Skills: map[int64]string{7: "Animal"}, DefaultSkill: "Général"}}
	if got := f.skillOf(&dydu.Answer{KnowledgeID: 7}); got != "Animal" {
		t.Fatalf("skillOf(7) = %q", got)
	}
	if got := f.skillOf(&dydu.Answer{KnowledgeID: 8}); got != "Général" {
		t.Fatalf("skillOf(8) = %q", got)
	}
}

func TestUnconfirmedDyduProbe(t *testing.T) {
	// Doubt: that availablecontext answers "not available" for an unknown
	// context without opening one, and that an unknown bot is a 404.
	dy := dydutest.NewServer()
	defer dy.Close()
	dc, err := dydu.NewClient(dydu.WithBotID(dy.BotID), dydu.WithBaseURL(dy.URL))
	if err != nil {
		t.Fatal(err)
	}
	if err := dyduProbe(t.Context(), dc); err != nil {
		t.Fatalf("dyduProbe = %v", err)
	}
	if dy.ContextCount() != 0 || dy.RequestCount(http.MethodPost, "/servlet/api/chat/availablecontext/"+dy.BotID+"/"+probeContext) != 1 {
		t.Fatalf("contexts %d, requests %+v", dy.ContextCount(), dy.Requests())
	}
	other, _ := dydu.NewClient(dydu.WithBotID("f1871fe8-cdea-4695-9ea6-529a4e9460dc"), dydu.WithBaseURL(dy.URL))
	if err := dyduProbe(t.Context(), other); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("unknown bot: %v", err)
	}
}
