package zendesk

import (
	"context"
	"iter"
	"time"

	"github.com/deskbridge/deskbridge"
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
	return groups.list(opts).all(ctx, s.client)
}

// ListPage returns one page of groups; put its Next into opts.After to
// fetch the next.
func (s *GroupsService) ListPage(ctx context.Context, opts *CursorOptions) (*deskbridge.Page[*Group], error) {
	return groups.list(opts).page(ctx, s.client)
}

// groups is the groups resource.
var groups = resource[Group]{path: "/api/v2/groups", plural: "groups", single: "group", what: "group"}

// Get returns the group with id.
func (s *GroupsService) Get(ctx context.Context, id int64) (*Group, error) {
	return groups.get(ctx, s.client, id)
}

// Create creates a group (Name is required).
func (s *GroupsService) Create(ctx context.Context, g *Group) (*Group, error) {
	if g == nil || g.Name == "" {
		return nil, invalid("a group needs a name")
	}
	return groups.create(ctx, s.client, g)
}

// Update changes the group with id; only the fields set in g are sent
// (https://developer.zendesk.com/api-reference/ticketing/groups/groups/#update-group).
// Read-only fields (ID, URL, Default, Deleted, the times) are never sent.
func (s *GroupsService) Update(ctx context.Context, id int64, g *Group) (*Group, error) {
	return groups.update(ctx, s.client, id, g, func(g *Group) *Group {
		return &Group{Name: g.Name, Description: g.Description, IsPublic: g.IsPublic}
	})
}

// FindByName returns the group named name (exact match), walking the list.
// When there is none, the error matches deskbridge.ErrNotFound.
func (s *GroupsService) FindByName(ctx context.Context, name string) (*Group, error) {
	return groups.find(ctx, s.client, "name", "named", name, func(g *Group) string { return g.Name })
}
