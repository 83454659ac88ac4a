package zendesk

import (
	"context"
	"errors"
	"fmt"
	"log"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// ticketFieldPies is the answer of the "Update Ticket Field" example of
// https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_fields/#update-ticket-field
// (its elided fields filled in from the JSON format table of the same page).
const ticketFieldPies = `{"ticket_field": {
  "id": 21938362, "url": "https://example.zendesk.com/api/v2/ticket_fields/21938362.json",
  "type": "tagger", "title": "Pies", "raw_title": "Pies", "description": "", "raw_description": "",
  "position": 9999, "active": true, "required": false, "collapsed_for_agents": false,
  "regexp_for_validation": null, "title_in_portal": "Pies", "raw_title_in_portal": "Pies",
  "visible_in_portal": false, "editable_in_portal": false, "required_in_portal": false,
  "tag": null, "removable": true, "agent_description": null,
  "created_at": "2012-04-02T22:55:29Z", "updated_at": "2012-04-02T22:55:29Z",
  "custom_field_options": [
    {"id": 21029772, "name": "Apple Pie", "raw_name": "Apple Pie", "value": "apple", "default": false},
    {"id": 21029782, "name": "Pecan Pie", "raw_name": "Pecan Pie", "value": "pecan", "default": false}
  ]}}`

func TestTicketFieldsGetDecodes(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/ticket_fields/21938362", ok(ticketFieldPies))
	tf, err := f.client().TicketFields.Get(t.Context(), 21938362)
	if err != nil {
		t.Fatal(err)
	}
	f.only().expect(t, "GET", "/api/v2/ticket_fields/21938362", "", "")
	if tf.ID != 21938362 || tf.Type != TicketFieldTagger || tf.Title != "Pies" || tf.Active == nil || !*tf.Active ||
		tf.Required == nil || *tf.Required || !tf.Removable || tf.Position == nil || *tf.Position != 9999 ||
		len(tf.CustomFieldOptions) != 2 || tf.CustomFieldOptions[1] != (CustomFieldOption{ID: 21029782, Name: "Pecan Pie", Value: "pecan"}) ||
		!tf.CreatedAt.Equal(mustTime(t, "2012-04-02T22:55:29Z")) {
		t.Fatalf("field = %+v", tf)
	}
	_, err = f.client().TicketFields.Get(t.Context(), 0)
	isInvalid(t, err)
}

func TestTicketFieldsCreateAndUpdateSendOnlyWritableFields(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/ticket_fields", status(201, ticketFieldPies))
	f.on("PUT", "/api/v2/ticket_fields/21938362", ok(ticketFieldPies))
	c := f.client()
	tf, err := c.TicketFields.Create(t.Context(), &TicketField{Type: TicketFieldTagger, Title: "Pies", Active: Ptr(true),
		CustomFieldOptions: []CustomFieldOption{{Name: "Apple Pie", Value: "apple"}}})
	if err != nil || tf.ID != 21938362 {
		t.Fatal(tf, err)
	}
	// What Get returned, sent back: read-only fields stay home.
	tf.Title = "Pies and tarts"
	if _, err := c.TicketFields.Update(t.Context(), tf.ID, tf); err != nil {
		t.Fatal(err)
	}
	calls := f.calls()
	calls[0].expect(t, "POST", "/api/v2/ticket_fields", "",
		`{"ticket_field":{"type":"tagger","title":"Pies","active":true,"custom_field_options":[{"name":"Apple Pie","value":"apple"}]}}`)
	calls[1].expect(t, "PUT", "/api/v2/ticket_fields/21938362", "",
		`{"ticket_field":{"type":"tagger","title":"Pies and tarts","raw_title":"Pies","position":9999,"active":true,"required":false,"collapsed_for_agents":false,"title_in_portal":"Pies","raw_title_in_portal":"Pies","visible_in_portal":false,"editable_in_portal":false,"required_in_portal":false,"custom_field_options":[{"id":21029772,"name":"Apple Pie","value":"apple"},{"id":21029782,"name":"Pecan Pie","value":"pecan"}]}}`)
	for _, bad := range []*TicketField{nil, {Type: FieldText}} {
		_, err := c.TicketFields.Create(t.Context(), bad)
		isInvalid(t, err)
	}
	_, err = c.TicketFields.Update(t.Context(), 0, tf)
	isInvalid(t, err)
	_, err = c.TicketFields.Update(t.Context(), 1, nil)
	isInvalid(t, err)
}

func TestTicketFieldsFindByTitleWalksPages(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/ticket_fields",
		ok(`{"ticket_fields":[{"id":1,"type":"subject","title":"Subject","removable":false}],"meta":{"has_more":true,"after_cursor":"n"}}`),
		ok(`{"ticket_fields":[{"id":2,"type":"text","title":"CXone contact ID","removable":true}],"meta":{"has_more":false}}`))
	f.on("DELETE", "/api/v2/ticket_fields/2", status(204, ""))
	c := f.client()
	tf, err := c.TicketFields.FindByTitle(t.Context(), "CXone contact ID")
	if err != nil || tf.ID != 2 {
		t.Fatal(tf, err)
	}
	calls := f.calls()
	calls[0].expect(t, "GET", "/api/v2/ticket_fields", "page[size]=100", "")
	calls[1].expect(t, "GET", "/api/v2/ticket_fields", "page[size]=100&page[after]=n", "")
	if _, err := c.TicketFields.FindByTitle(t.Context(), "nope"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	_, err = c.TicketFields.FindByTitle(t.Context(), "")
	isInvalid(t, err)
	page, err := c.TicketFields.ListPage(t.Context(), &CursorOptions{PageSize: 1, After: "n"})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != 2 || page.Next != "" {
		t.Fatalf("page %+v, %v", page, err)
	}
	f.calls()[len(f.calls())-1].expect(t, "GET", "/api/v2/ticket_fields", "page[size]=1&page[after]=n", "")
	if err := c.TicketFields.Delete(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	isInvalid(t, c.TicketFields.Delete(t.Context(), 0))
}

// A flow's ticket field: created once, then found by its title; its id is
// what tickets and placeholders ({{ticket.ticket_field_<id>}}) use.
func ExampleTicketFieldsService_Create() {
	ctx := context.Background()
	fake := zendesktest.NewServer()
	defer fake.Close()
	zc, err := NewClient(WithBaseURL(fake.URL), WithAPIToken(fake.Email, fake.APIToken))
	if err != nil {
		log.Fatal(err)
	}
	f, err := zc.TicketFields.FindByTitle(ctx, "Contact channel")
	if errors.Is(err, deskbridge.ErrNotFound) {
		f, err = zc.TicketFields.Create(ctx, &TicketField{Type: TicketFieldTagger, Title: "Contact channel",
			CustomFieldOptions: []CustomFieldOption{{Name: "Voice", Value: "channel_voice"}, {Name: "Chat", Value: "channel_chat"}}})
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Type, f.Title, len(f.CustomFieldOptions), "options, removable:", f.Removable)
	// Output:
	// tagger Contact channel 2 options, removable: true
}
