package zendesk

import (
	"encoding/json"
	"testing"
)

func TestTriggersListDocumentedExample(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/triggers", ok(testdata(t, "triggers.json")))
	opts := &TriggerListOptions{Active: Ptr(false), CategoryID: "10026", SortBy: "position", SortOrder: "asc", CursorOptions: CursorOptions{PageSize: 50}}
	var got []*Trigger
	for tr, err := range f.client().Triggers.List(t.Context(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tr)
	}
	f.only().expect(t, "GET", "/api/v2/triggers", "active=false&category_id=10026&sort_by=position&sort_order=asc&page[size]=50", "")
	if len(got) != 2 {
		t.Fatalf("triggers = %d", len(got))
	}
	tr := got[1]
	if tr.ID != 26 || tr.Active == nil || *tr.Active || tr.RawTitle != "{{dc.assign_priority_tag}}" || len(tr.Conditions.All) != 2 || len(tr.Conditions.Any) != 2 {
		t.Fatalf("trigger = %+v", tr)
	}
	if c := tr.Conditions.All[1]; c.Field != "assignee_id" || c.Operator != "is" || string(c.Value) != `"296220096"` {
		t.Fatalf("condition = %+v", c)
	}
	var list []string
	if err := json.Unmarshal(tr.Conditions.Any[1].Value, &list); err != nil || len(list) != 2 {
		t.Fatalf("list value = %s", tr.Conditions.Any[1].Value)
	}
}

// The Braze SMS bridge's trigger (Braze's help article "Zendesk Chat"):
// public agent comments, not made through the API, call the Braze webhook
// with the comment.
func TestTriggersCreateWebhookTriggerWithLoopGuard(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/triggers", status(201, testdata(t, "trigger.json")))
	body, err := NotifyWebhookJSON("01F1KRFQ6BG29CNWFR60NK5FNY", map[string]any{
		"campaign_id": "camp-1",
		"recipients": []map[string]any{{
			"external_user_id":   "{{ticket.requester.custom_fields.braze_external_id}}",
			"trigger_properties": map[string]string{"msg_body": "{{ticket.latest_public_comment_html}}"},
			"attributes":         map[string]string{"zendesk_ticket": "{{ticket.id}}", "zendesk_ticket_open": "true"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := f.client().Triggers.Create(t.Context(), &Trigger{
		Title:      "Reply by Braze SMS",
		CategoryID: "10026",
		Conditions: Conditions{All: []Condition{
			Cond("comment_is_public", "is", "true"),
			LoopGuard(),
		}},
		Actions: []Action{body},
	})
	if err != nil || tr.ID != 25 || tr.CategoryID != "10026" || tr.Position != 8 {
		t.Fatalf("trigger = %+v, err = %v", tr, err)
	}
	f.only().expect(t, "POST", "/api/v2/triggers", "",
		`{"trigger":{"title":"Reply by Braze SMS","category_id":"10026","conditions":{"all":[{"field":"comment_is_public","operator":"is","value":"true"},{"field":"current_via_id","operator":"is_not","value":"5"}]},"actions":[{"field":"notification_webhook","value":["01F1KRFQ6BG29CNWFR60NK5FNY","{\"campaign_id\":\"camp-1\",\"recipients\":[{\"attributes\":{\"zendesk_ticket\":\"{{ticket.id}}\",\"zendesk_ticket_open\":\"true\"},\"external_user_id\":\"{{ticket.requester.custom_fields.braze_external_id}}\",\"trigger_properties\":{\"msg_body\":\"{{ticket.latest_public_comment_html}}\"}}]}"]}]}}`)
}
func TestConditionAndActionHelpers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    any
		want string
	}{
		{Cond("status", "changed"), `{"field":"status","operator":"changed"}`},
		{Cond("status", "is", "solved"), `{"field":"status","operator":"is","value":"solved"}`},
		{Cond("custom_status_id", "includes", "1", "2"), `{"field":"custom_status_id","operator":"includes","value":["1","2"]}`},
		{Act("status", "open"), `{"field":"status","value":"open"}`},
		{Act("notification_user", "requester_id", "Subject", "Body"), `{"field":"notification_user","value":["requester_id","Subject","Body"]}`},
		{NotifyWebhook("w1", `{"id":"{{ticket.id}}"}`), `{"field":"notification_webhook","value":["w1","{\"id\":\"{{ticket.id}}\"}"]}`},
	} {
		b, _ := json.Marshal(tc.v)
		if string(b) != tc.want {
			t.Errorf("got %s, want %s", b, tc.want)
		}
	}
	if _, err := NotifyWebhookJSON("w1", func() {}); err == nil {
		t.Fatal("want an error")
	}
}

func TestTriggersGetUpdateDelete(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/triggers/25", ok(testdata(t, "trigger.json")))
	f.on("PUT", "/api/v2/triggers/25", ok(testdata(t, "trigger.json")))
	f.on("DELETE", "/api/v2/triggers/25", status(204, ""))
	c := f.client()
	tr, err := c.Triggers.Get(t.Context(), 25)
	if err != nil || tr.Title != "Close and Save" || tr.Description != "Close and save a ticket" || !tr.UpdatedAt.Equal(mustTime(t, "2012-09-25T22:50:26Z")) {
		t.Fatal(tr, err)
	}
	if _, err := c.Triggers.Update(t.Context(), 25, &Trigger{Active: Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if err := c.Triggers.Delete(t.Context(), 25); err != nil {
		t.Fatal(err)
	}
	calls := f.calls()
	calls[0].expect(t, "GET", "/api/v2/triggers/25", "", "")
	// An update sends only what is set: no empty conditions that would
	// wipe the trigger's.
	calls[1].expect(t, "PUT", "/api/v2/triggers/25", "", `{"trigger":{"active":false}}`)
	calls[2].expect(t, "DELETE", "/api/v2/triggers/25", "", "")

	_, err = c.Triggers.Get(t.Context(), 0)
	isInvalid(t, err)
	_, err = c.Triggers.Update(t.Context(), 0, &Trigger{})
	isInvalid(t, err)
	_, err = c.Triggers.Update(t.Context(), 1, nil)
	isInvalid(t, err)
	isInvalid(t, c.Triggers.Delete(t.Context(), 0))
	_, err = c.Triggers.Create(t.Context(), &Trigger{})
	isInvalid(t, err)
	_, err = c.Triggers.Create(t.Context(), &Trigger{Title: "no conditions", Actions: []Action{Act("status", "open")}})
	isInvalid(t, err)
	_, err = c.Triggers.ListPage(t.Context(), &TriggerListOptions{CursorOptions: CursorOptions{PageSize: 101}})
	isInvalid(t, err)
}
