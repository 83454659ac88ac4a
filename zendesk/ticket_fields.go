package zendesk

import (
	"context"
	"encoding/json"
	"iter"
	"time"

	"github.com/deskbridge/deskbridge"
)

// TicketFieldsService manages the account's ticket fields
// (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_fields/):
// the system fields (subject, status, ...) and the custom fields that
// tickets carry, such as an order number or a contact-center interaction
// id.
type TicketFieldsService service

// Ticket field types that user fields do not have (the others are the
// Field* constants shared with [UserField]). A single-select dropdown is
// "tagger" for ticket fields, where user fields say "dropdown".
const (
	TicketFieldTagger            = "tagger"
	TicketFieldPartialCreditCard = "partialcreditcard"
)

// TicketField is a ticket field. The same struct is read and sent (to
// Create and Update): zero fields are left out, and the read-only ones
// (ID, URL, Removable, SystemFieldOptions, CreatedAt, UpdatedAt) are never
// sent.
type TicketField struct {
	ID  int64  `json:"id,omitempty"`
	URL string `json:"url,omitempty"`
	// Type is text (Zendesk's default), textarea, checkbox, date, integer,
	// decimal, regexp, partialcreditcard, multiselect, tagger or lookup for
	// custom fields, or the name of a system field (subject, description,
	// status, tickettype, priority, group, assignee, ...).
	Type string `json:"type,omitempty"`
	// Title is shown to agents. Required on creation.
	Title            string `json:"title,omitempty"`
	RawTitle         string `json:"raw_title,omitempty"`
	Description      string `json:"description,omitempty"`
	RawDescription   string `json:"raw_description,omitempty"`
	AgentDescription string `json:"agent_description,omitempty"`
	// Position orders the fields; nil leaves it to Zendesk.
	Position            *int   `json:"position,omitempty"`
	Active              *bool  `json:"active,omitempty"`
	Required            *bool  `json:"required,omitempty"`
	CollapsedForAgents  *bool  `json:"collapsed_for_agents,omitempty"`
	RegexpForValidation string `json:"regexp_for_validation,omitempty"`
	TitleInPortal       string `json:"title_in_portal,omitempty"`
	RawTitleInPortal    string `json:"raw_title_in_portal,omitempty"`
	// VisibleInPortal and EditableInPortal both true let end users fill the
	// field in the Help Center request form.
	VisibleInPortal  *bool `json:"visible_in_portal,omitempty"`
	EditableInPortal *bool `json:"editable_in_portal,omitempty"`
	RequiredInPortal *bool `json:"required_in_portal,omitempty"`
	// Tag is added to the ticket when a checkbox field is checked.
	Tag string `json:"tag,omitempty"`
	// Removable is false for system fields (read-only).
	Removable bool `json:"removable,omitempty"`
	// CustomFieldOptions are the choices of a tagger or multiselect field.
	// An update that gives them replaces them all: an option left out is
	// removed, with its values on tickets.
	CustomFieldOptions []CustomFieldOption `json:"custom_field_options,omitempty"`
	// SystemFieldOptions are the choices of a system field such as status
	// (read-only).
	SystemFieldOptions json.RawMessage `json:"system_field_options,omitempty"`
	CreatedAt          time.Time       `json:"created_at,omitzero"`
	UpdatedAt          time.Time       `json:"updated_at,omitzero"`
}

// List iterates over the account's ticket fields, system and custom
// (cursor pagination, in the order of their ids). opts may be nil; it is
// copied, never modified.
func (s *TicketFieldsService) List(ctx context.Context, opts *CursorOptions) iter.Seq2[*TicketField, error] {
	return ticketFields.list(opts).all(ctx, s.client)
}

// ListPage returns one page of ticket fields; put its Next into opts.After
// to fetch the next.
func (s *TicketFieldsService) ListPage(ctx context.Context, opts *CursorOptions) (*deskbridge.Page[*TicketField], error) {
	return ticketFields.list(opts).page(ctx, s.client)
}

// ticketFields is the ticket fields resource.
var ticketFields = resource[TicketField]{path: "/api/v2/ticket_fields", plural: "ticket_fields", single: "ticket_field", what: "ticket field"}

// Get returns the ticket field with id.
func (s *TicketFieldsService) Get(ctx context.Context, id int64) (*TicketField, error) {
	return ticketFields.get(ctx, s.client, id)
}

// Create creates a custom ticket field (admins only; Title is required,
// Type defaults to text), for example the field a contact-center flow
// writes an interaction id into:
//
//	c.TicketFields.Create(ctx, &zendesk.TicketField{Type: zendesk.FieldText, Title: "CXone contact ID"})
func (s *TicketFieldsService) Create(ctx context.Context, f *TicketField) (*TicketField, error) {
	if f == nil || f.Title == "" {
		return nil, invalid("a ticket field needs a title")
	}
	return ticketFields.create(ctx, s.client, sendableTicketField(f))
}

// Update changes the ticket field with id: the fields set in f are sent,
// the others left as they are. Custom field options, when given, replace
// the field's (see [TicketField]). Give the field's own Type or none:
// Zendesk's reference describes no way to change a field's type, and the
// deskbridge fake refuses it.
func (s *TicketFieldsService) Update(ctx context.Context, id int64, f *TicketField) (*TicketField, error) {
	return ticketFields.update(ctx, s.client, id, f, sendableTicketField)
}

// sendableTicketField copies f without its read-only fields.
func sendableTicketField(f *TicketField) *TicketField {
	in := *f
	in.ID, in.URL, in.Removable, in.SystemFieldOptions = 0, "", false, nil
	in.CreatedAt, in.UpdatedAt = time.Time{}, time.Time{}
	return &in
}

// Delete deletes the custom ticket field with id.
func (s *TicketFieldsService) Delete(ctx context.Context, id int64) error {
	return ticketFields.delete(ctx, s.client, id)
}

// FindByTitle returns the ticket field titled title (exact match), walking
// the list; ticket fields have no key. When there is none, the error
// matches deskbridge.ErrNotFound.
func (s *TicketFieldsService) FindByTitle(ctx context.Context, title string) (*TicketField, error) {
	return ticketFields.find(ctx, s.client, "title", "titled", title, func(f *TicketField) string { return f.Title })
}
