package zendesktest_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func ticketFieldClient(t *testing.T, s *zendesktest.Server) *zendesk.Client {
	t.Helper()
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(s.URL), zendesk.WithAPIToken(s.Email, s.APIToken), zendesk.WithHTTPClient(s.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return zc
}

// The client against the fake: create, list (system fields first, cursor
// pages), get, update, delete.
func TestTicketFieldsContract(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	zc := ticketFieldClient(t, s)
	ctx := t.Context()

	f, err := zc.TicketFields.Create(ctx, &zendesk.TicketField{Title: "CXone contact ID", AgentDescription: "Set by deskbridge"})
	if err != nil {
		t.Fatal(err)
	}
	if f.ID == 0 || f.Type != zendesk.FieldText || f.Active == nil || !*f.Active || !f.Removable || f.TitleInPortal != "CXone contact ID" ||
		f.AgentDescription != "Set by deskbridge" || f.CreatedAt.IsZero() {
		t.Fatalf("created %+v", f)
	}
	var titles []string
	for tf, err := range zc.TicketFields.List(ctx, &zendesk.CursorOptions{PageSize: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		titles = append(titles, tf.Title)
	}
	want := []string{"Subject", "Description", "Status", "Type", "Priority", "Group", "Assignee", "CXone contact ID"}
	if !slices.Equal(titles, want) {
		t.Fatalf("titles %v", titles)
	}
	got, err := zc.TicketFields.FindByTitle(ctx, "CXone contact ID")
	if err != nil || got.ID != f.ID {
		t.Fatal(got, err)
	}

	dd, err := zc.TicketFields.Create(ctx, &zendesk.TicketField{Type: zendesk.TicketFieldTagger, Title: "Channel",
		CustomFieldOptions: []zendesk.CustomFieldOption{{Name: "Voice", Value: "channel_voice"}, {Name: "Chat", Value: "channel_chat"}}})
	if err != nil {
		t.Fatal(err)
	}
	voiceID := dd.CustomFieldOptions[0].ID
	// Options given replace the field's; one kept by value keeps its id.
	up, err := zc.TicketFields.Update(ctx, dd.ID, &zendesk.TicketField{Required: zendesk.Ptr(true),
		CustomFieldOptions: []zendesk.CustomFieldOption{{Name: "Phone", Value: "channel_voice"}, {Name: "SMS", Value: "channel_sms"}}})
	if err != nil {
		t.Fatal(err)
	}
	if up.Required == nil || !*up.Required || len(up.CustomFieldOptions) != 2 || up.CustomFieldOptions[0].ID != voiceID ||
		up.CustomFieldOptions[0].Name != "Phone" || up.Title != "Channel" || !up.UpdatedAt.After(up.CreatedAt.Add(-1)) {
		t.Fatalf("updated %+v", up)
	}
	if g, err := zc.TicketFields.Get(ctx, dd.ID); err != nil || len(g.CustomFieldOptions) != 2 {
		t.Fatal(g, err)
	}
	if err := zc.TicketFields.Delete(ctx, dd.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := zc.TicketFields.Get(ctx, dd.ID); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if n := len(s.TicketFields()); n != 8 {
		t.Fatalf("%d fields", n)
	}
}

func TestTicketFieldsRefuseWhatZendeskRefuses(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	for name, body := range map[string]string{
		"no title":          `{"ticket_field": {"type": "text"}}`,
		"unknown type":      `{"ticket_field": {"type": "dropdown", "title": "x"}}`,
		"tagger no options": `{"ticket_field": {"type": "tagger", "title": "x"}}`,
		"blank option":      `{"ticket_field": {"type": "tagger", "title": "x", "custom_field_options": [{"name": "", "value": "a"}]}}`,
		"duplicate value":   `{"ticket_field": {"type": "multiselect", "title": "x", "custom_field_options": [{"name": "A", "value": "a"}, {"name": "B", "value": "a"}]}}`,
	} {
		r := call(t, s, "POST", "/api/v2/ticket_fields", body)
		if r.status != http.StatusUnprocessableEntity || r.json(t)["error"] != "RecordInvalid" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if r := call(t, s, "POST", "/api/v2/ticket_fields", `{"field": {"title": "x"}}`); r.status != http.StatusBadRequest {
		t.Errorf("no envelope: %d %s", r.status, r.body)
	}
	if r := call(t, s, "GET", "/api/v2/ticket_fields/999999", nil); r.status != http.StatusNotFound {
		t.Errorf("unknown id: %d", r.status)
	}
	if n := len(s.TicketFields()); n != 7 {
		t.Errorf("refused creations left %d fields", n)
	}
}

// Without page parameters every field comes back at once, in position
// order; a field placed first comes first.
func TestTicketFieldsUnpaginatedListIsInPositionOrder(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	f, err := s.AddTicketField(zendesktest.TicketField{Title: "Order number", Type: "integer", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := call(t, s, "PUT", fmt.Sprintf("/api/v2/ticket_fields/%d", f.ID), `{"ticket_field": {"position": -1}}`); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	m := call(t, s, "GET", "/api/v2/ticket_fields", nil).json(t)
	list := m["ticket_fields"].([]any)
	first := list[0].(map[string]any)
	if len(list) != 8 || first["title"] != "Order number" || first["regexp_for_validation"] != nil || first["tag"] != nil {
		t.Fatalf("list %v", m)
	}
	for _, k := range []string{"agent_description", "raw_title_in_portal", "removable", "collapsed_for_agents"} {
		if _, ok := first[k]; !ok {
			t.Errorf("no %q in %v", k, first)
		}
	}
}
