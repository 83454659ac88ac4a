package zendesk

import (
	"context"
	"iter"
	"net/http"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// TriggerCategoriesService manages the categories that group ticket
// triggers (Objects and rules > Business rules > Triggers).
type TriggerCategoriesService service

// TriggerCategory is a ticket trigger category. Its id is a string. The
// same struct is read and sent: zero fields are left out.
type TriggerCategory struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// Position orders the categories; nil leaves it to Zendesk.
	Position  *int      `json:"position,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// TriggerCategoryListOptions filter [TriggerCategoriesService.List].
type TriggerCategoryListOptions struct {
	// Sort is position, name, created_at or updated_at, with a leading "-"
	// for descending order.
	Sort string `url:"sort,omitempty"`
	CursorOptions
}

// List iterates over trigger categories (cursor pagination). opts may be
// nil; it is copied, never modified.
func (s *TriggerCategoriesService) List(ctx context.Context, opts *TriggerCategoryListOptions) iter.Seq2[*TriggerCategory, error] {
	return triggerCategoriesList(opts).all(ctx, s.client)
}

// ListPage returns one page of trigger categories; put its Next into
// opts.After to fetch the next.
func (s *TriggerCategoriesService) ListPage(ctx context.Context, opts *TriggerCategoryListOptions) (*deskbridge.Page[*TriggerCategory], error) {
	return triggerCategoriesList(opts).page(ctx, s.client)
}

func triggerCategoriesList(opts *TriggerCategoryListOptions) listing[*TriggerCategory] {
	o := copyOpts(opts)
	return cursorList[*TriggerCategory]("/api/v2/trigger_categories", &o.CursorOptions, &o, "trigger_categories")
}

type triggerCategoryEnvelope struct {
	TriggerCategory *TriggerCategory `json:"trigger_category"`
}

// Get returns the trigger category with id.
func (s *TriggerCategoriesService) Get(ctx context.Context, id string) (*TriggerCategory, error) {
	if id == "" {
		return nil, invalid("trigger category id is empty")
	}
	return rest.Get[TriggerCategory](ctx, s.client.rest, rest.Pathf("/api/v2/trigger_categories/%s", id), nil, "trigger_category")
}

// Create creates a trigger category (Name is required).
func (s *TriggerCategoriesService) Create(ctx context.Context, tc *TriggerCategory) (*TriggerCategory, error) {
	if tc == nil || tc.Name == "" {
		return nil, invalid("a trigger category needs a name")
	}
	return rest.Send[TriggerCategory](ctx, s.client.rest, &rest.Request{Method: http.MethodPost, Path: "/api/v2/trigger_categories", Body: &triggerCategoryEnvelope{tc}}, "trigger_category")
}

// Update changes the name or position of the trigger category with id
// (PATCH: fields left zero are unchanged). A PATCH that sets fields to
// given values is safe to replay, so it is retried like a read.
func (s *TriggerCategoriesService) Update(ctx context.Context, id string, tc *TriggerCategory) (*TriggerCategory, error) {
	if id == "" {
		return nil, invalid("trigger category id is empty")
	}
	if tc == nil {
		return nil, invalid("trigger category is nil")
	}
	return rest.Send[TriggerCategory](ctx, s.client.rest, &rest.Request{Method: http.MethodPatch, Path: rest.Pathf("/api/v2/trigger_categories/%s", id), Body: &triggerCategoryEnvelope{tc}, Idempotent: true}, "trigger_category")
}

// Delete deletes the trigger category with id. Zendesk refuses (400) to
// delete a category that still holds active triggers.
func (s *TriggerCategoriesService) Delete(ctx context.Context, id string) error {
	if id == "" {
		return invalid("trigger category id is empty")
	}
	return s.client.delete(ctx, rest.Pathf("/api/v2/trigger_categories/%s", id))
}
