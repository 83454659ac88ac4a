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

// GroupsService manages agent groups (the "skills" of some contact-center
// tools map to them).
type GroupsService service

// Group is an agent group. The same struct is read and sent (to Create):
// zero fields are left out.
type Group struct {
	ID          int64  `json:"id,omitempty"`
	URL         string `json:"url,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Default     bool   `json:"default,omitempty"`
	Deleted     bool   `json:"deleted,omitempty"`
	// IsPublic false makes a private group; nil leaves Zendesk's default
	// (public).
	IsPublic  *bool     `json:"is_public,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// List iterates over the account's groups (cursor pagination). opts may be
// nil; it is copied, never modified.
func (s *GroupsService) List(ctx context.Context, opts *CursorOptions) iter.Seq2[*Group, error] {
	return groupsList(opts).all(ctx, s.client)
}

// ListPage returns one page of groups; put its Next into opts.After to
// fetch the next.
func (s *GroupsService) ListPage(ctx context.Context, opts *CursorOptions) (*deskbridge.Page[*Group], error) {
	return groupsList(opts).page(ctx, s.client)
}

func groupsList(opts *CursorOptions) listing[*Group] {
	o := copyOpts(opts)
	return cursorList[*Group]("/api/v2/groups", &o, &o, "groups")
}

type groupEnvelope struct {
	Group *Group `json:"group"`
}

// Get returns the group with id.
func (s *GroupsService) Get(ctx context.Context, id int64) (*Group, error) {
	if id <= 0 {
		return nil, invalid("group id %d", id)
	}
	return rest.Get[Group](ctx, s.client.rest, rest.Pathf("/api/v2/groups/%d", id), nil, "group")
}

// Create creates a group (Name is required).
func (s *GroupsService) Create(ctx context.Context, g *Group) (*Group, error) {
	if g == nil || g.Name == "" {
		return nil, invalid("a group needs a name")
	}
	return rest.Send[Group](ctx, s.client.rest, &rest.Request{Method: http.MethodPost, Path: "/api/v2/groups", Body: &groupEnvelope{g}}, "group")
}

// Update changes the group with id; only the fields set in g are sent
// (https://developer.zendesk.com/api-reference/ticketing/groups/groups/#update-group).
// Read-only fields (ID, URL, Default, Deleted, the times) are never sent.
func (s *GroupsService) Update(ctx context.Context, id int64, g *Group) (*Group, error) {
	if id <= 0 {
		return nil, invalid("group id %d", id)
	}
	if g == nil {
		return nil, invalid("group is nil")
	}
	in := Group{Name: g.Name, Description: g.Description, IsPublic: g.IsPublic}
	return rest.Send[Group](ctx, s.client.rest, &rest.Request{Method: http.MethodPut, Path: rest.Pathf("/api/v2/groups/%d", id), Body: &groupEnvelope{&in}}, "group")
}

// FindByName returns the group named name (exact match), walking the list.
// When there is none, the error matches deskbridge.ErrNotFound.
func (s *GroupsService) FindByName(ctx context.Context, name string) (*Group, error) {
	if name == "" {
		return nil, invalid("group name is empty")
	}
	for g, err := range s.List(ctx, &CursorOptions{PageSize: MaxPageSize}) {
		if err != nil {
			return nil, err
		}
		if g.Name == name {
			return g, nil
		}
	}
	return nil, fmt.Errorf("zendesk: no group named %q: %w", name, deskbridge.ErrNotFound)
}
