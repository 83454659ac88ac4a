package zendesktest_test

import (
	"encoding/json"
	"fmt"
	"testing"
)

// These tests read the raw JSON the fake serves: an optional property
// without a value is null or absent, as Zendesk writes it, never "".

// rawObject decodes the JSON object at path in body without interpreting
// its values.
func rawObject(t *testing.T, body []byte, path ...string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	for _, p := range path {
		var next map[string]json.RawMessage
		if err := json.Unmarshal(m[p], &next); err != nil {
			t.Fatalf("%s: %v: %s", p, err, body)
		}
		m = next
	}
	return m
}

// blankStrings lists the paths of "" strings anywhere in a JSON value.
func blankStrings(raw json.RawMessage) []string {
	var v any
	_ = json.Unmarshal(raw, &v)
	var out []string
	var walk func(string, any)
	walk = func(at string, v any) {
		switch x := v.(type) {
		case string:
			if x == "" {
				out = append(out, at)
			}
		case map[string]any:
			for k, e := range x {
				walk(at+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", at, i), e)
			}
		}
	}
	walk("", v)
	return out
}

func TestTicketWithoutSubjectIsNullOnTheWire(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	r := call(t, s, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "no subject"}}})
	mustStatus(t, r, 201)
	id := num(get(r.json(t), "ticket", "id"))
	search := call(t, s, "GET", "/api/v2/search?query=type:ticket", nil)
	mustStatus(t, search, 200)
	var results []json.RawMessage
	_ = json.Unmarshal(rawObject(t, search.body)["results"], &results)
	if len(results) != 1 {
		t.Fatalf("search: %s", search.body)
	}
	var fromSearch map[string]json.RawMessage
	_ = json.Unmarshal(results[0], &fromSearch)

	show := call(t, s, "GET", fmt.Sprintf("/api/v2/tickets/%d", id), nil)
	mustStatus(t, show, 200)
	for name, tk := range map[string]map[string]json.RawMessage{
		"create": rawObject(t, r.body, "ticket"),
		"show":   rawObject(t, show.body, "ticket"),
		"search": fromSearch,
	} {
		// Zendesk's documented ticket example writes "due_at": null
		// (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/);
		// its answers write the other unset properties as null too.
		for _, k := range []string{"subject", "raw_subject", "due_at", "assignee_id", "group_id", "external_id", "type", "priority", "organization_id", "problem_id", "recipient"} {
			if v, ok := tk[k]; !ok || string(v) != "null" {
				t.Errorf("%s: %s = %s, want null", name, k, v)
			}
		}
		raw, _ := json.Marshal(tk)
		if blank := blankStrings(raw); len(blank) > 0 {
			t.Errorf("%s: blank strings at %v", name, blank)
		}
	}
	if tk, _ := s.Ticket(id); tk.Subject != "" {
		t.Errorf("Ticket.Subject = %q", tk.Subject)
	}

	// A subject is a string, and so is a raw_subject.
	r = call(t, s, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{"subject": "Printer <on> fire & smoke", "comment": map[string]any{"body": "b"}}})
	mustStatus(t, r, 201)
	tk := rawObject(t, r.body, "ticket")
	if string(tk["subject"]) != `"Printer <on> fire & smoke"` || string(tk["raw_subject"]) != `"Printer <on> fire & smoke"` {
		t.Errorf("subject %s, raw_subject %s", tk["subject"], tk["raw_subject"])
	}
}

func TestVoiceCommentDataLeavesOutWhatWasNotSent(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	r := call(t, s, "POST", "/api/v2/channels/voice/tickets", map[string]any{"ticket": map[string]any{
		"via_id": 45, "subject": "Call", "voice_comment": map[string]any{"from": "+15550100", "answered_by_id": s.AdminID},
	}})
	mustStatus(t, r, 201)
	id := num(get(r.json(t), "ticket", "id"))
	cs := call(t, s, "GET", fmt.Sprintf("/api/v2/tickets/%d/comments", id), nil)
	mustStatus(t, cs, 200)
	var comments []json.RawMessage
	_ = json.Unmarshal(rawObject(t, cs.body)["comments"], &comments)
	if len(comments) != 1 {
		t.Fatalf("comments: %s", cs.body)
	}
	if blank := blankStrings(comments[0]); len(blank) > 0 {
		t.Errorf("blank strings at %v in %s", blank, comments[0])
	}
	data := rawObject(t, comments[0], "data")
	if string(data["from"]) != `"+15550100"` {
		t.Errorf("data.from = %s", data["from"])
	}
	for _, k := range []string{"to", "recording_url", "started_at", "call_duration"} {
		if v, ok := data[k]; ok {
			t.Errorf("data.%s = %s, want it absent (not sent)", k, v)
		}
	}
}
