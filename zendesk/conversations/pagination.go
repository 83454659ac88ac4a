package conversations

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/url"
	"slices"
	"strconv"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Cursor pagination
// (https://developer.zendesk.com/api-reference/conversations/#api-pagination-and-records-limits):
// a list answers with its items, "meta": {"hasMore", "afterCursor",
// "beforeCursor"} and "links": {"next", "prev"}; the next page is asked for
// with page[after] (or, going back, page[before]) set to a cursor, never
// both.

// MaxPageSize is the largest page[size] the API accepts.
const MaxPageSize = 100

// PageOptions select one page of a cursor list. Give at most one of After
// and Before.
type PageOptions struct {
	// Size is the number of items per page, 1 to 100; 0 means 100 (the
	// API's own default is 25).
	Size int
	// After fetches the page after this cursor: the Next of the previous
	// page ([deskbridge.Page]). Empty fetches the first page.
	After string
	// Before fetches the page before this cursor, and makes the list walk
	// backwards: each page's Next is then the cursor of the page before it.
	Before string
}

// values checks the options and returns their query.
func (o *PageOptions) values(op string, q url.Values, sized bool) (url.Values, error) {
	if !sized && o.Size != 0 {
		return nil, invalid(op, "page[size]", "is set; this list's page size is fixed at %d", MaxPageSize)
	}
	if o.Size < 0 || o.Size > MaxPageSize {
		return nil, invalid(op, "page[size]", "%d is outside 1..%d", o.Size, MaxPageSize)
	}
	if o.After != "" && o.Before != "" {
		return nil, invalid(op, "page", "After and Before are both set; the API takes one")
	}
	if q == nil {
		q = url.Values{}
	}
	if sized {
		q.Set("page[size]", strconv.Itoa(cmp.Or(o.Size, MaxPageSize)))
	}
	return q, nil
}

// pageMeta is the pagination part of a list answer.
type pageMeta struct {
	Meta struct {
		HasMore      bool   `json:"hasMore"`
		AfterCursor  string `json:"afterCursor"`
		BeforeCursor string `json:"beforeCursor"`
	} `json:"meta"`
	Links struct {
		Next string `json:"next"`
		Prev string `json:"prev"`
	} `json:"links"`
}

var errNoCursor = errors.New("the page says hasMore but gives no cursor to go on from")

// next is the cursor of the page after this one in the walk's direction,
// "" after the last: meta's cursor, else the one in links.
func (m *pageMeta) next(backward bool) (string, error) {
	if !m.Meta.HasMore {
		return "", nil
	}
	cursor, link, param := m.Meta.AfterCursor, m.Links.Next, "page[after]"
	if backward {
		cursor, link, param = m.Meta.BeforeCursor, m.Links.Prev, "page[before]"
	}
	if cursor != "" {
		return cursor, nil
	}
	if u, err := url.Parse(link); err == nil && link != "" {
		if c := u.Query().Get(param); c != "" {
			return c, nil
		}
	}
	return "", errNoCursor
}

// cursorPages reads a page whose items are under key.
func cursorPages[T any](key string, backward bool) rest.PageReader[T] {
	return func(_ string, body []byte) (*deskbridge.Page[T], error) {
		var m pageMeta
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, err
		}
		var items []T
		if _, err := rest.DecodeMember(body, key, &items); err != nil {
			return nil, err
		}
		next, err := m.next(backward)
		return &deskbridge.Page[T]{Items: items, Next: next}, err
	}
}

// listing is one cursor list request, with what its iterator and its
// single-page form share.
type listing[T any] struct {
	c     *Client
	req   *rest.Request
	style rest.Style
	start string
	read  rest.PageReader[T]
	err   error // the options were refused
}

// newListing is the listing of the list at path, with the filters q and
// the options o, its items under key; sized says whether the list takes
// page[size].
func newListing[T any](c *Client, op, path string, q url.Values, o *PageOptions, key string, sized bool) listing[T] {
	var opts PageOptions
	if o != nil {
		opts = *o
	}
	q, err := opts.values(op, q, sized)
	backward := opts.Before != ""
	l := listing[T]{c: c, req: &rest.Request{Path: path, Query: q}, err: err, read: cursorPages[T](key, backward)}
	l.style, l.start = rest.Style{Param: "page[after]"}, opts.After
	if backward {
		l.style, l.start = rest.Style{Param: "page[before]"}, opts.Before
	}
	return l
}

// fetch fetches the page at cursor.
func (l listing[T]) fetch(ctx context.Context, cursor string) (*deskbridge.Page[T], error) {
	p, err := rest.ListPage(ctx, l.c.rest, l.req, l.style, cursor, l.read)
	return p, l.c.decorate(err)
}

// all walks the list lazily from the options' cursor.
func (l listing[T]) all(ctx context.Context) iter.Seq2[T, error] {
	if l.err != nil {
		return failed[T](l.err)
	}
	return rest.Iterate(ctx, l.start, l.fetch)
}

// page fetches the page the options name.
func (l listing[T]) page(ctx context.Context) (*deskbridge.Page[T], error) {
	if l.err != nil {
		return nil, l.err
	}
	return l.fetch(ctx, l.start)
}

// failed is an iterator that yields err once.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// newestFirst orders a page of messages from the most recent to the
// oldest, by received time; messages received at the same time keep the
// reverse of the API's order.
func newestFirst(msgs []Message) {
	slices.Reverse(msgs)
	slices.SortStableFunc(msgs, func(a, b Message) int { return b.Received.Compare(a.Received) })
}
