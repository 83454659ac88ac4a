package zendesk

import (
	"context"
	"iter"
	"time"

	"github.com/deskbridge/deskbridge"
)

// UserFieldsService manages the account's custom user fields.
type UserFieldsService service

// Custom field types.
const (
	FieldText        = "text"
	FieldTextarea    = "textarea"
	FieldCheckbox    = "checkbox"
	FieldDate        = "date"
	FieldInteger     = "integer"
	FieldDecimal     = "decimal"
	FieldRegexp      = "regexp"
	FieldDropdown    = "dropdown"
	FieldLookup      = "lookup"
	FieldMultiselect = "multiselect"
)

// UserField is a custom user field. The same struct is read and sent (to
// Create): zero fields are left out.
type UserField struct {
	ID  int64  `json:"id,omitempty"`
	URL string `json:"url,omitempty"`
	// Key names the field in User.UserFields and in placeholders
	// ({{ticket.requester.custom_fields.<key>}}). Required on creation.
	Key string `json:"key,omitempty"`
	// Type is one of the Field* constants; Zendesk defaults to text.
	Type string `json:"type,omitempty"`
	// Title is shown to agents. Required on creation.
	Title               string              `json:"title,omitempty"`
	RawTitle            string              `json:"raw_title,omitempty"`
	Description         string              `json:"description,omitempty"`
	RawDescription      string              `json:"raw_description,omitempty"`
	Position            *int                `json:"position,omitempty"`
	Active              *bool               `json:"active,omitempty"`
	System              bool                `json:"system,omitempty"`
	RegexpForValidation string              `json:"regexp_for_validation,omitempty"`
	Tag                 string              `json:"tag,omitempty"`
	CustomFieldOptions  []CustomFieldOption `json:"custom_field_options,omitempty"`
	CreatedAt           time.Time           `json:"created_at,omitzero"`
	UpdatedAt           time.Time           `json:"updated_at,omitzero"`
}

// CustomFieldOption is one choice of a dropdown or multiselect field.
type CustomFieldOption struct {
	ID    int64  `json:"id,omitempty"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// List iterates over the account's user fields (cursor pagination). opts
// may be nil; it is copied, never modified.
func (s *UserFieldsService) List(ctx context.Context, opts *CursorOptions) iter.Seq2[*UserField, error] {
	return userFields.list(opts).all(ctx, s.client)
}

// ListPage returns one page of user fields; put its Next into opts.After
// to fetch the next.
func (s *UserFieldsService) ListPage(ctx context.Context, opts *CursorOptions) (*deskbridge.Page[*UserField], error) {
	return userFields.list(opts).page(ctx, s.client)
}

// userFields is the user fields resource.
var userFields = resource[UserField]{path: "/api/v2/user_fields", plural: "user_fields", single: "user_field", what: "user field"}

// Get returns the user field with id.
func (s *UserFieldsService) Get(ctx context.Context, id int64) (*UserField, error) {
	return userFields.get(ctx, s.client, id)
}

// Create creates a user field (admins only), for example the text field
// that the Braze SMS bridge keys users by:
//
//	c.UserFields.Create(ctx, &zendesk.UserField{Type: zendesk.FieldText, Key: "braze_external_id", Title: "Braze external ID"})
func (s *UserFieldsService) Create(ctx context.Context, f *UserField) (*UserField, error) {
	if f == nil || f.Key == "" || f.Title == "" {
		return nil, invalid("a user field needs a key and a title")
	}
	return userFields.create(ctx, s.client, f)
}

// Update changes the user field with id; only the fields set in f are
// sent (https://developer.zendesk.com/api-reference/ticketing/users/user_fields/#update-user-field).
// Zendesk does not change a field's key or type, so neither is sent, nor
// are the read-only fields (ID, URL, System, the times).
func (s *UserFieldsService) Update(ctx context.Context, id int64, f *UserField) (*UserField, error) {
	return userFields.update(ctx, s.client, id, f, func(f *UserField) *UserField {
		in := *f
		in.ID, in.URL, in.Key, in.Type, in.System = 0, "", "", "", false
		in.CreatedAt, in.UpdatedAt = time.Time{}, time.Time{}
		return &in
	})
}

// FindByKey returns the user field with key, walking the list. When there
// is none, the error matches deskbridge.ErrNotFound, so provisioning code
// can create it:
//
//	f, err := c.UserFields.FindByKey(ctx, "braze_external_id")
//	if errors.Is(err, deskbridge.ErrNotFound) { f, err = c.UserFields.Create(ctx, ...) }
func (s *UserFieldsService) FindByKey(ctx context.Context, key string) (*UserField, error) {
	return userFields.find(ctx, s.client, "key", "with key", key, func(f *UserField) string { return f.Key })
}
