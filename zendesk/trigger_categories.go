package zendesk

import (
	"context"
	"iter"
	"net/http"
	"time"

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

// TriggerCategoryListOptions filter TriggerCategories.List.
type TriggerCategoryListOptions struct {
	// Sort is position, name, created_at or updated_at, with a leading "-"
	// for descending order.
	Sort string `url:"sort,omitempty"`
	CursorOptions
}

// TriggerCategoriesPage is one page of trigger categories.
type TriggerCategoriesPage struct {
	TriggerCategories []*TriggerCategory
	Pagination
}

// List iterates over trigger categories (cursor pagination). opts may be
// nil; it is copied, never modified.
func (s *TriggerCategoriesService) List(ctx context.Context, opts *TriggerCategoryListOptions) iter.Seq2[*TriggerCategory, error] {
	o := copyOpts(opts)
	return walkCursor(ctx, o.After, func(ctx context.Context, after string) ([]*TriggerCategory, Pagination, error) {
		o.After = after
		p, err := s.ListPage(ctx, &o)
		if err != nil {
			return nil, Pagination{}, err
		}
		return p.TriggerCategories, p.Pagination, nil
	})
}

// ListPage returns one page of trigger categories.
func (s *TriggerCategoriesService) ListPage(ctx context.Context, opts *TriggerCategoryListOptions) (*TriggerCategoriesPage, error) {
	o := copyOpts(opts)
	if err := o.normalize(); err != nil {
		return nil, err
	}
	var out struct {
		TriggerCategories []*TriggerCategory `json:"trigger_categories"`
		cursorEnvelope
	}
	const path = "/api/v2/trigger_categories"
	if _, err := s.client.do(ctx, &rest.Request{Path: path, Query: &o}, &out); err != nil {
		return nil, err
	}
	p, err := out.pagination(path)
	if err != nil {
		return nil, err
	}
	return &TriggerCategoriesPage{TriggerCategories: out.TriggerCategories, Pagination: p}, nil
}

type triggerCategoryEnvelope struct {
	TriggerCategory *TriggerCategory `json:"trigger_category"`
}

// Get returns the trigger category with id.
func (s *TriggerCategoriesService) Get(ctx context.Context, id string) (*TriggerCategory, error) {
	if id == "" {
		return nil, invalid("trigger category id is empty")
	}
	return s.one(ctx, &rest.Request{Path: rest.Pathf("/api/v2/trigger_categories/%s", id)})
}

// Create creates a trigger category (Name is required).
func (s *TriggerCategoriesService) Create(ctx context.Context, tc *TriggerCategory) (*TriggerCategory, error) {
	if tc == nil || tc.Name == "" {
		return nil, invalid("a trigger category needs a name")
	}
	return s.one(ctx, &rest.Request{Method: http.MethodPost, Path: "/api/v2/trigger_categories", Body: &triggerCategoryEnvelope{tc}})
}

// Update changes the name or position of the trigger category with id
// (PATCH: fields left zero are unchanged).
func (s *TriggerCategoriesService) Update(ctx context.Context, id string, tc *TriggerCategory) (*TriggerCategory, error) {
	if id == "" {
		return nil, invalid("trigger category id is empty")
	}
	if tc == nil {
		return nil, invalid("trigger category is nil")
	}
	// A PATCH that sets fields to given values is safe to replay.
	return s.one(ctx, &rest.Request{Method: http.MethodPatch, Path: rest.Pathf("/api/v2/trigger_categories/%s", id), Body: &triggerCategoryEnvelope{tc}, Idempotent: true})
}

// Delete deletes the trigger category with id. Zendesk refuses (400) to
// delete a category that still holds active triggers.
func (s *TriggerCategoriesService) Delete(ctx context.Context, id string) error {
	if id == "" {
		return invalid("trigger category id is empty")
	}
	_, err := s.client.do(ctx, &rest.Request{Method: http.MethodDelete, Path: rest.Pathf("/api/v2/trigger_categories/%s", id)}, nil)
	return err
}

func (s *TriggerCategoriesService) one(ctx context.Context, req *rest.Request) (*TriggerCategory, error) {
	var out triggerCategoryEnvelope
	if _, err := s.client.do(ctx, req, &out); err != nil {
		return nil, err
	}
	return out.TriggerCategory, nil
}
