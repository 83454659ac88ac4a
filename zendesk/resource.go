package zendesk

import (
	"context"
	"fmt"
	"net/http"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// resource is a Zendesk resource of the common shape: a cursor list at
// path with its items under plural, and one item at path/{id} (a positive
// number) under single, in the answers and in what is sent. Its methods
// are what the services of such resources share, so that each service says
// only what is its own: what it refuses, what it sends and how it is found
// ([GroupsService], [TicketFieldsService], [UserFieldsService]).
type resource[T any] struct {
	path, plural, single string
	// what names the resource in errors ("ticket field").
	what string
}

// list is the listing of the resource's list; opts may be nil and is
// copied.
func (r resource[T]) list(opts *CursorOptions) listing[*T] {
	o := copyOpts(opts)
	return cursorList[*T](r.path, &o, &o, r.plural)
}

// itemPath is the path of the item id, or an error when id is not a
// Zendesk id.
func (r resource[T]) itemPath(id int64) (string, error) {
	if id <= 0 {
		return "", invalid("%s id %d", r.what, id)
	}
	return rest.Pathf(r.path+"/%d", id), nil
}

// get returns the item id.
func (r resource[T]) get(ctx context.Context, c *Client, id int64) (*T, error) {
	path, err := r.itemPath(id)
	if err != nil {
		return nil, err
	}
	return rest.Get[T](ctx, c.rest, path, nil, r.single)
}

// create sends in, which the caller has checked, as a new item.
func (r resource[T]) create(ctx context.Context, c *Client, in *T) (*T, error) {
	return rest.Send[T](ctx, c.rest, &rest.Request{Method: http.MethodPost, Path: r.path, Body: map[string]*T{r.single: in}}, r.single)
}

// update sends sendable(in) as the changes to the item id; in must not
// be nil.
func (r resource[T]) update(ctx context.Context, c *Client, id int64, in *T, sendable func(*T) *T) (*T, error) {
	path, err := r.itemPath(id)
	if err != nil {
		return nil, err
	}
	if in == nil {
		return nil, invalid("%s is nil", r.what)
	}
	return rest.Send[T](ctx, c.rest, &rest.Request{Method: http.MethodPut, Path: path, Body: map[string]*T{r.single: sendable(in)}}, r.single)
}

// delete deletes the item id.
func (r resource[T]) delete(ctx context.Context, c *Client, id int64) error {
	path, err := r.itemPath(id)
	if err != nil {
		return err
	}
	return c.delete(ctx, path)
}

// find walks the list for the first item whose attribute (read by attr)
// is value. field names the attribute for an empty value ("name"), and
// phrase for an item not found ("named"): the error then matches
// [deskbridge.ErrNotFound].
func (r resource[T]) find(ctx context.Context, c *Client, field, phrase, value string, attr func(*T) string) (*T, error) {
	if value == "" {
		return nil, invalid("%s %s is empty", r.what, field)
	}
	for item, err := range r.list(&CursorOptions{PageSize: MaxPageSize}).all(ctx, c) {
		if err != nil {
			return nil, err
		}
		if attr(item) == value {
			return item, nil
		}
	}
	return nil, fmt.Errorf("zendesk: no %s %s %q: %w", r.what, phrase, value, deskbridge.ErrNotFound)
}
