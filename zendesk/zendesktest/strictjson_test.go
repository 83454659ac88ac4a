package zendesktest_test

import (
	"fmt"
	"testing"

	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Zendesk's property names are case-sensitive
// (https://developer.zendesk.com/api-reference/introduction/requests): a
// body whose envelope or members differ from the documented names only in
// case sets nothing, where encoding/json would have matched them.

const missingTicket = `{"error":"ParameterMissing","description":"Parameter ticket is required"}`

func TestTicketEnvelopeIsCaseSensitive(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	for name, body := range map[string]string{
		"upper":       `{"TICKET":{"subject":"Printer on fire","comment":{"body":"smoke"}}}`,
		"capitalised": `{"Ticket":{"subject":"Printer on fire","comment":{"body":"smoke"}}}`,
		"null":        `{"ticket":null}`,
		"absent":      `{"subject":"Printer on fire","comment":{"body":"smoke"}}`,
		"empty body":  ``,
	} {
		r := call(t, s, "POST", "/api/v2/tickets", body)
		if r.status != 400 || string(r.body) != missingTicket {
			t.Errorf("%s: %d %s, want 400 %s", name, r.status, r.body, missingTicket)
		}
	}
	if n := len(s.Tickets()); n != 0 {
		t.Fatalf("%d tickets created from bodies without \"ticket\"", n)
	}

	// A nested key in the wrong case is unknown: the subject stays unset.
	r := call(t, s, "POST", "/api/v2/tickets", `{"ticket":{"Subject":"Printer on fire","comment":{"body":"smoke"}}}`)
	mustStatus(t, r, 201)
	if sub := get(r.json(t), "ticket", "subject"); sub == "Printer on fire" {
		t.Errorf("\"Subject\" set the subject: %s", r.body)
	}
	// ... and a comment whose body is "Body" is blank.
	r = call(t, s, "POST", "/api/v2/tickets", `{"ticket":{"subject":"s","comment":{"Body":"smoke"}}}`)
	mustStatus(t, r, 422)
	if get(r.json(t), "details", "description", 0, "description") != "Description: cannot be blank" {
		t.Errorf("comment.Body: %s", r.body)
	}
	// An update without "ticket" changes nothing.
	id := createTicket(t, s, "kept")
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), `{"Ticket":{"status":"solved","subject":"changed"}}`)
	if r.status != 400 || string(r.body) != missingTicket {
		t.Errorf("update: %d %s", r.status, r.body)
	}
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), `{"ticket":{"Status":"solved","SUBJECT":"changed"}}`)
	mustStatus(t, r, 200)
	if tk, _ := s.Ticket(id); tk.Status != "new" || tk.Subject != "kept" {
		t.Errorf("case variants changed the ticket: status %q, subject %q", tk.Status, tk.Subject)
	}
}

func TestEnvelopesAreCaseSensitive(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	agent := s.AddAgent("Ann", "ann@example.com")
	tk := createTicket(t, s, "bulk")
	for _, tc := range []struct {
		method, path, body, param string
	}{
		{"POST", "/api/v2/tickets/create_many", `{"Tickets":[{"comment":{"body":"b"}}]}`, "tickets"},
		{"PUT", "/api/v2/tickets/update_many", `{"TICKETS":[{"id":1,"status":"open"}]}`, "tickets"},
		{"PUT", fmt.Sprintf("/api/v2/tickets/update_many?ids=%d", tk), `{"Ticket":{"status":"open"}}`, "ticket"},
		{"POST", "/api/v2/users", `{"User":{"name":"Mallory"}}`, "user"},
		{"POST", "/api/v2/users/create_or_update", `{"USER":{"name":"Mallory","email":"m@example.com"}}`, "user"},
		{"PUT", fmt.Sprintf("/api/v2/users/%d", agent), `{"User":{"name":"Mallory"}}`, "user"},
		{"POST", "/api/v2/user_fields", `{"User_Field":{"key":"crm_id","title":"CRM"}}`, "user_field"},
		{"POST", "/api/v2/groups", `{"Group":{"name":"Tier 2"}}`, "group"},
		{"POST", "/api/v2/triggers", `{"Trigger":{"title":"t"}}`, "trigger"},
		{"POST", "/api/v2/trigger_categories", `{"Trigger_Category":{"name":"c"}}`, "trigger_category"},
		{"POST", "/api/v2/webhooks", `{"Webhook":{"name":"w","endpoint":"https://example.com","http_method":"POST","request_format":"json","status":"active"}}`, "webhook"},
		{"POST", "/api/v2/channels/voice/tickets", `{"Ticket":{"via_id":45,"comment":{"body":"call"}}}`, "ticket"},
		{"PUT", fmt.Sprintf("/api/v2/channels/voice/availabilities/%d", agent), `{"Availability":{"agent_state":"online"}}`, "availability"},
	} {
		r := call(t, s, tc.method, tc.path, tc.body)
		want := fmt.Sprintf(`{"error":"ParameterMissing","description":"Parameter %s is required"}`, tc.param)
		if r.status != 400 || string(r.body) != want {
			t.Errorf("%s %s %s: %d %s, want 400 %s", tc.method, tc.path, tc.body, r.status, r.body, want)
		}
	}
	if u, _ := s.User(agent); u.Name != "Ann" {
		t.Errorf("agent renamed to %q", u.Name)
	}
	if a, _ := s.Availability(agent); a.Channels["talk"] != "offline" {
		t.Errorf("talk state %q", a.Channels["talk"])
	}
	if n := len(s.Users()); n != 2 {
		t.Errorf("%d users, want the admin and the agent", n)
	}
	if n := len(s.Tickets()); n != 1 {
		t.Errorf("%d tickets, want 1", n)
	}
	if n := len(s.Webhooks()); n != 0 {
		t.Errorf("%d webhooks, want 0", n)
	}
}

func TestNestedKeysAreCaseSensitive(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	// A user's "Name" is not its name.
	r := call(t, s, "POST", "/api/v2/users", `{"user":{"Name":"Mallory","email":"m@example.com"}}`)
	mustStatus(t, r, 422)
	if get(r.json(t), "details", "name", 0, "description") == nil {
		t.Errorf("user without name: %s", r.body)
	}
	// A webhook authentication's "Type" is not its type.
	r = call(t, s, "POST", "/api/v2/webhooks", map[string]any{"webhook": map[string]any{
		"name": "w", "endpoint": "https://example.com/hook", "http_method": "POST", "request_format": "json", "status": "active",
		"subscriptions":  []string{"conditional_ticket_events"},
		"authentication": map[string]any{"Type": "basic_auth", "add_position": "header", "data": map[string]any{"username": "u", "password": "p"}},
	}})
	mustStatus(t, r, 422)
	if get(r.json(t), "details", "authentication", 0, "description") == nil {
		t.Errorf("authentication without type: %s", r.body)
	}
	// Trigger conditions under "ALL" are no conditions.
	r = call(t, s, "POST", "/api/v2/triggers", `{"trigger":{"title":"t","conditions":{"ALL":[{"field":"update_type","operator":"is","value":"Create"}]},"actions":[{"field":"status","value":"open"}]}}`)
	mustStatus(t, r, 422)
	// The token endpoint's "GRANT_TYPE" is no grant type.
	r = callWith(t, s, "POST", "/oauth/tokens", fmt.Sprintf(`{"GRANT_TYPE":"client_credentials","client_id":%q,"client_secret":%q}`,
		zendesktest.DefaultOAuthClientID, zendesktest.DefaultOAuthClientSecret), map[string]string{"Authorization": ""})
	mustStatus(t, r, 400)
	if get(r.json(t), "error") != "invalid_request" {
		t.Errorf("token without grant_type: %s", r.body)
	}
}
