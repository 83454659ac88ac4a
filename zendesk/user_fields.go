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

// UserFieldsPage is one page of user fields.
type UserFieldsPage struct {
	UserFields []*UserField
	Pagination
}

// List iterates over the account's user fields (cursor pagination). opts
// may be nil; it is copied, never modified.
func (s *UserFieldsService) List(ctx context.Context, opts *CursorOptions) iter.Seq2[*UserField, error] {
	o := copyOpts(opts)
	return walkCursor(ctx, o.After, func(ctx context.Context, after string) ([]*UserField, Pagination, error) {
		o.After = after
		p, err := s.ListPage(ctx, &o)
		if err != nil {
			return nil, Pagination{}, err
		}
		return p.UserFields, p.Pagination, nil
	})
}

// ListPage returns one page of user fields.
func (s *UserFieldsService) ListPage(ctx context.Context, opts *CursorOptions) (*UserFieldsPage, error) {
	o := copyOpts(opts)
	if err := o.normalize(); err != nil {
		return nil, err
	}
	var out struct {
		UserFields []*UserField `json:"user_fields"`
		cursorEnvelope
	}
	const path = "/api/v2/user_fields"
	if _, err := s.client.do(ctx, &rest.Request{Path: path, Query: &o}, &out); err != nil {
		return nil, err
	}
	p, err := out.pagination(path)
	if err != nil {
		return nil, err
	}
	return &UserFieldsPage{UserFields: out.UserFields, Pagination: p}, nil
}

type userFieldEnvelope struct {
	UserField *UserField `json:"user_field"`
}

// Get returns the user field with id.
func (s *UserFieldsService) Get(ctx context.Context, id int64) (*UserField, error) {
	if id <= 0 {
		return nil, invalid("user field id %d", id)
	}
	var out userFieldEnvelope
	if _, err := s.client.do(ctx, &rest.Request{Path: rest.Pathf("/api/v2/user_fields/%d", id)}, &out); err != nil {
		return nil, err
	}
	return out.UserField, nil
}

// Create creates a user field (admins only), for example the text field
// that the Braze SMS bridge keys users by:
//
//	c.UserFields.Create(ctx, &zendesk.UserField{Type: zendesk.FieldText, Key: "braze_external_id", Title: "Braze external ID"})
func (s *UserFieldsService) Create(ctx context.Context, f *UserField) (*UserField, error) {
	if f == nil || f.Key == "" || f.Title == "" {
		return nil, invalid("a user field needs a key and a title")
	}
	var out userFieldEnvelope
	if _, err := s.client.do(ctx, &rest.Request{Method: http.MethodPost, Path: "/api/v2/user_fields", Body: &userFieldEnvelope{f}}, &out); err != nil {
		return nil, err
	}
	return out.UserField, nil
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
