package zendesk

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
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
	return userFieldsList(opts).all(ctx, s.client)
}

// ListPage returns one page of user fields; put its Next into opts.After
// to fetch the next.
func (s *UserFieldsService) ListPage(ctx context.Context, opts *CursorOptions) (*deskbridge.Page[*UserField], error) {
	return userFieldsList(opts).page(ctx, s.client)
}

func userFieldsList(opts *CursorOptions) listing[*UserField] {
	o := copyOpts(opts)
	return cursorList[*UserField]("/api/v2/user_fields", &o, &o, "user_fields")
}

type userFieldEnvelope struct {
	UserField *UserField `json:"user_field"`
}

// Get returns the user field with id.
func (s *UserFieldsService) Get(ctx context.Context, id int64) (*UserField, error) {
	if id <= 0 {
		return nil, invalid("user field id %d", id)
	}
	return rest.Get[UserField](ctx, s.client.rest, rest.Pathf("/api/v2/user_fields/%d", id), nil, "user_field")
}

// Create creates a user field (admins only), for example the text field
// that the Braze SMS bridge keys users by:
//
//	c.UserFields.Create(ctx, &zendesk.UserField{Type: zendesk.FieldText, Key: "braze_external_id", Title: "Braze external ID"})
func (s *UserFieldsService) Create(ctx context.Context, f *UserField) (*UserField, error) {
	if f == nil || f.Key == "" || f.Title == "" {
		return nil, invalid("a user field needs a key and a title")
	}
	return rest.Send[UserField](ctx, s.client.rest, &rest.Request{Method: http.MethodPost, Path: "/api/v2/user_fields", Body: &userFieldEnvelope{f}}, "user_field")
}

// Update changes the user field with id; only the fields set in f are
// sent (https://developer.zendesk.com/api-reference/ticketing/users/user_fields/#update-user-field).
// Zendesk does not change a field's key or type, so neither is sent, nor
// are the read-only fields (ID, URL, System, the times).
func (s *UserFieldsService) Update(ctx context.Context, id int64, f *UserField) (*UserField, error) {
	if id <= 0 {
		return nil, invalid("user field id %d", id)
	}
	if f == nil {
		return nil, invalid("user field is nil")
	}
	in := *f
	in.ID, in.URL, in.Key, in.Type, in.System = 0, "", "", "", false
	in.CreatedAt, in.UpdatedAt = time.Time{}, time.Time{}
	return rest.Send[UserField](ctx, s.client.rest, &rest.Request{Method: http.MethodPut, Path: rest.Pathf("/api/v2/user_fields/%d", id), Body: &userFieldEnvelope{&in}}, "user_field")
}

// FindByKey returns the user field with key, walking the list. When there
// is none, the error matches deskbridge.ErrNotFound, so provisioning code
// can create it:
//
//	f, err := c.UserFields.FindByKey(ctx, "braze_external_id")
//	if errors.Is(err, deskbridge.ErrNotFound) { f, err = c.UserFields.Create(ctx, ...) }
func (s *UserFieldsService) FindByKey(ctx context.Context, key string) (*UserField, error) {
	if key == "" {
		return nil, invalid("user field key is empty")
	}
	for f, err := range s.List(ctx, &CursorOptions{PageSize: MaxPageSize}) {
		if err != nil {
			return nil, err
		}
		if f.Key == key {
			return f, nil
		}
	}
	return nil, fmt.Errorf("zendesk: no user field with key %q: %w", key, deskbridge.ErrNotFound)
}
