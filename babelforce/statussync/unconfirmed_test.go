package statussync_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Each test here names one guess of unconfirmed.go: what babelforce or
// Zendesk does not document and the flow relies on, so that a change of the
// guess is a change of a test.

// TestUnconfirmedAutomationBody names the doubt: babelforce does not
// document the payload of its "Presence changed" event, so the
// placeholders of AutomationBody are guessed. Filled in as guessed, the
// body decodes into every field.
func TestUnconfirmedAutomationBody(t *testing.T) {
	t.Parallel()
	r := strings.NewReplacer("{{{event.id}}}", "ev-1", "{{{agent.id}}}", "a-1", "{{{agent.sourceId}}}", "10011",
		"{{{agent.presence.name}}}", "busy", "{{{event.dateCreated}}}", "1795253400000")
	var e statussync.PresenceEvent
	if err := json.Unmarshal([]byte(r.Replace(statussync.AutomationBody)), &e); err != nil {
		t.Fatal(err)
	}
	if e.EventID != "ev-1" || e.AgentID != "a-1" || e.SourceID != "10011" || e.Presence != "busy" || e.ChangedAt.IsZero() {
		t.Errorf("%+v", e)
	}
	for _, p := range []string{"{{{event.id}}}", "{{{agent.id}}}", "{{{agent.sourceId}}}", "{{{agent.presence.name}}}", "{{{event.dateCreated}}}"} {
		if !strings.Contains(statussync.AutomationBody, p) {
			t.Errorf("AutomationBody lost the placeholder %s", p)
		}
	}
}

// TestUnconfirmedZendeskDomainParam names the doubt: the status-sync
// article shows the query parameter that carries the Zendesk domain only
// in a screenshot; "domain" is guessed.
func TestUnconfirmedZendeskDomainParam(t *testing.T) {
	t.Parallel()
	got := statussync.BabelforceEndpoint("https://acme.babelforce.com/", "acme.zendesk.com")
	if want := "https://acme.babelforce.com/api/v1/webhook/zendesk?templateId=webhook_map_talk_status&domain=acme.zendesk.com"; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
}

// TestUnconfirmedNormalizeName names the doubt: how babelforce names a
// presence created with a label is not documented; the flow assumes the
// label lower-cased with its words joined by "_".
func TestUnconfirmedNormalizeName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"online":              "online",
		"transfers_only":      "transfers_only",
		"Transfers only":      "transfers_only",
		"In a meeting":        "in_a_meeting",
		"  In  a   meeting! ": "in_a_meeting",
		"Lunch/Break":         "lunch_break",
		"on-call":             "on-call",
		"Café":                "café",
		"":                    "",
		"!!!":                 "",
	} {
		if got := statussync.NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUnconfirmedRetryAfterLimit names the doubt: only third-party
// summaries of Zendesk's webhook reference say that Zendesk retries a 503
// only when its Retry-After is under 60 s; Config.RetryAfter is held
// under that.
func TestUnconfirmedRetryAfterLimit(t *testing.T) {
	t.Parallel()
	zc, err := zendesk.NewClient(zendesk.WithBaseURL("http://127.0.0.1:1"), zendesk.WithAPIToken("a@example.com", "t"))
	if err != nil {
		t.Fatal(err)
	}
	bc, err := babelforce.NewClient(babelforce.WithBaseURL("http://127.0.0.1:1"), babelforce.WithAccessToken("t"))
	if err != nil {
		t.Fatal(err)
	}
	for d, ok := range map[time.Duration]bool{59 * time.Second: true, time.Minute: false} {
		_, err := statussync.New(statussync.Config{Zendesk: zc, Babelforce: bc, RetryAfter: d})
		if (err == nil) != ok {
			t.Errorf("RetryAfter %s: %v", d, err)
		}
	}
}
