package zendesk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Zendesk's two pagination shapes
// (https://developer.zendesk.com/api-reference/introduction/pagination/):
// cursor lists, followed by page[after], and offset lists (search and user
// search, which have nothing else), followed by page number. Each has one
// PageReader here; every List and ListPage of the package goes through
// one of them.

// MaxPageSize is the largest page size Zendesk accepts on cursor and offset
// lists (page[size], per_page).
const MaxPageSize = 100

// CursorOptions select one page of a cursor-paginated list. Zendesk's
// cursor pagination is used by default wherever an endpoint has it: it has
// no depth limit, unlike offset pagination (which fails past 100 pages /
// 10,000 records).
type CursorOptions struct {
	// PageSize is the number of items per page, at most 100; 0 means
	// [MaxPageSize]. Every request carries page[size]: without a page[...]
	// parameter, endpoints that also have offset pagination answer with it.
	PageSize int `url:"page[size],omitempty"`
	// After is the cursor of the page to fetch: the Next of the previous
	// page ([deskbridge.Page]). Empty fetches the first page.
	After string `url:"page[after],omitempty"`
}

// normalize checks the options and fills in the default page size, so that
// the request asks for cursor pagination.
func (o *CursorOptions) normalize() error {
	if o.PageSize < 0 || o.PageSize > MaxPageSize {
		return invalid("page size %d is outside 0..%d", o.PageSize, MaxPageSize)
	}
	if o.PageSize == 0 {
		o.PageSize = MaxPageSize
	}
	return nil
}

// cursorStyle puts the cursor of the next page in page[after].
var cursorStyle = rest.Style{Param: "page[after]"}

// cursorMeta is the pagination part of a cursor list response:
//
//	"meta": {"has_more": true, "after_cursor": "xxx", "before_cursor": "yyy"},
//	"links": {"next": "...?page[after]=xxx", "prev": "...?page[before]=yyy"}
//
// NextPage is only there to recognize an offset-paginated answer.
type cursorMeta struct {
	Meta *struct {
		HasMore     bool   `json:"has_more"`
		AfterCursor string `json:"after_cursor"`
	} `json:"meta"`
	Links struct {
		Next string `json:"next"`
	} `json:"links"`
	NextPage string `json:"next_page"`
}

var (
	errOffsetAnswer = errors.New("the answer to a cursor-paginated request is offset-paginated (next_page, no meta), so the list cannot be followed")
	errNoCursor     = errors.New("zendesk: the page says has_more but gives no cursor to continue from")
)

// next is the cursor to fetch after this page, "" after the last. An answer
// with no meta but a next_page is offset-paginated (what Zendesk sends when
// a request carries no page[...] parameter): it cannot be followed with
// cursors, and ending the walk there would silently drop the rest of the
// list, so it is an error. A page that says it has more but names no cursor
// (neither meta.after_cursor nor page[after] in links.next) is an error
// too, rather than a silent end.
func (m *cursorMeta) next() (string, error) {
	if m.Meta == nil {
		if m.NextPage != "" {
			return "", errOffsetAnswer
		}
		return "", nil
	}
	if !m.Meta.HasMore {
		return "", nil
	}
	if m.Meta.AfterCursor != "" {
		return m.Meta.AfterCursor, nil
	}
	if u, err := url.Parse(m.Links.Next); err == nil {
		if after := u.Query().Get("page[after]"); after != "" {
			return after, nil
		}
	}
	return "", errNoCursor
}

// cursorPages is the PageReader of every cursor list: items reads the
// page's items from the body (a member such as "groups", or a JSON:API
// document), the meta and links give the next cursor. An offset-shaped
// answer is an error without items; a page that has more but no cursor
// keeps its items, then the walk ends with the error.
func cursorPages[T any](items func(body []byte) ([]T, error)) rest.PageReader[T] {
	return func(_ string, body []byte) (*deskbridge.Page[T], error) {
		var m cursorMeta
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, err
		}
		next, err := m.next()
		if errors.Is(err, errOffsetAnswer) {
			return nil, err
		}
		list, ierr := items(body)
		if ierr != nil {
			return nil, ierr
		}
		return &deskbridge.Page[T]{Items: list, Next: next}, err
	}
}

// member reads the list under key ("groups" for {"groups": [...]}); a
// page without it has no items.
func member[T any](key string) func(body []byte) ([]T, error) {
	return func(body []byte) ([]T, error) {
		var list []T
		_, err := rest.DecodeMember(body, key, &list)
		return list, err
	}
}

// OffsetOptions select one page of an offset-paginated list (search, user
// search: the endpoints that have nothing else).
type OffsetOptions struct {
	// Page is the 1-based page number; 0 means the first. To continue a
	// list, give it the Next of the previous page ([deskbridge.Page]),
	// converted with strconv.Atoi.
	Page int `url:"page,omitempty"`
	// PerPage is the number of items per page, at most 100; 0 lets Zendesk
	// choose.
	PerPage int `url:"per_page,omitempty"`
}

func (o *OffsetOptions) check() error {
	if o.PerPage < 0 || o.PerPage > MaxPageSize {
		return invalid("per_page %d is outside 0..%d", o.PerPage, MaxPageSize)
	}
	if o.Page < 0 {
		return invalid("page %d is negative", o.Page)
	}
	return nil
}

// offsetStyle puts the number of the next page in page.
var offsetStyle = rest.Style{Param: "page"}

// offsetPages is the PageReader of the offset lists: the items under key,
// Total from count, and Next from next_page's page number. The number is
// re-issued on the client's own base URL rather than the URL followed, so
// that paging works the same through a proxy or a fake whose host differs
// from the one Zendesk writes into next_page.
func offsetPages[T any](key string) rest.PageReader[T] {
	items := member[T](key)
	return func(_ string, body []byte) (*deskbridge.Page[T], error) {
		var env struct {
			Count    int    `json:"count"`
			NextPage string `json:"next_page"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, err
		}
		list, err := items(body)
		if err != nil {
			return nil, err
		}
		page := &deskbridge.Page[T]{Items: list, Total: env.Count}
		if env.NextPage == "" {
			return page, nil
		}
		if u, err := url.Parse(env.NextPage); err == nil {
			if n, err := strconv.Atoi(u.Query().Get("page")); err == nil && n > 0 {
				page.Next = strconv.Itoa(n)
				return page, nil
			}
		}
		return page, fmt.Errorf("zendesk: next_page has no page number: %s", rest.Snippet([]byte(env.NextPage), 200))
	}
}

// ErrResultLimit is matched by the error an offset iterator ([SearchService.Query],
// [UsersService.Search]) yields when the results go on past what the endpoint will
// return for one query (1,000 for search, 10,000 for user search). The
// iterator stops there rather than ask for a page Zendesk refuses.
var ErrResultLimit = errors.New("zendesk: no more results for this query: offset pagination limit reached")

// listing is one list request, with what its iterator and its single-page
// form share.
type listing[T any] struct {
	req   *rest.Request
	style rest.Style
	start string // the cursor the caller's options name
	read  rest.PageReader[T]
	err   error // the options were refused
	// perPage is an offset list's page size, 0 for Zendesk's default.
	perPage int
}

// cursorList is the listing of a cursor list at path whose query q embeds
// o (checked and given its default page size here), with its items under
// key.
func cursorList[T any](path string, o *CursorOptions, q any, key string) listing[T] {
	return listing[T]{
		req:   &rest.Request{Path: path, Query: q},
		style: cursorStyle,
		start: o.After,
		read:  cursorPages(member[T](key)),
		err:   o.normalize(),
	}
}

// offsetList is the listing of an offset list at path whose query q embeds
// o, with its items under key.
func offsetList[T any](path string, o *OffsetOptions, q any, key string) listing[T] {
	l := listing[T]{req: &rest.Request{Path: path, Query: q}, style: offsetStyle, read: offsetPages[T](key), err: o.check(), perPage: o.PerPage}
	if o.Page > 0 {
		l.start = strconv.Itoa(o.Page)
	}
	return l
}

// all walks the list from the options' cursor.
func (l listing[T]) all(ctx context.Context, c *Client) iter.Seq2[T, error] {
	if l.err != nil {
		return failed[T](l.err)
	}
	return rest.List(ctx, c.rest, l.req, l.style, l.start, l.read)
}

// page fetches the page the options name.
func (l listing[T]) page(ctx context.Context, c *Client) (*deskbridge.Page[T], error) {
	if l.err != nil {
		return nil, l.err
	}
	return rest.ListPage(ctx, c.rest, l.req, l.style, "", l.read)
}

// refuse refuses the options with invalid(format, args...) when bad.
func (l listing[T]) refuse(bad bool, format string, args ...any) listing[T] {
	if bad {
		l.err = invalid(format, args...)
	}
	return l
}

// capped walks an offset list as all does, but does not fetch a page that
// would start at or past limit results: the walk ends there with an error
// matching [ErrResultLimit] and naming hint.
func (l listing[T]) capped(ctx context.Context, c *Client, limit int, hint string) iter.Seq2[T, error] {
	if l.err != nil {
		return failed[T](l.err)
	}
	perPage := l.perPage
	if perPage <= 0 {
		perPage = MaxPageSize // Zendesk's default for search and user search
	}
	return rest.Iterate(ctx, l.start, func(ctx context.Context, cursor string) (*deskbridge.Page[T], error) {
		if n, _ := strconv.Atoi(cursor); n > 1 && (n-1)*perPage >= limit {
			return nil, fmt.Errorf("%w (%d results at most; %s)", ErrResultLimit, limit, hint)
		}
		return rest.ListPage(ctx, c.rest, l.req, l.style, cursor, l.read)
	})
}

// failed is an iterator that yields err once.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// copyOpts returns a copy of *opts, or the zero options for nil.
func copyOpts[T any](opts *T) T {
	var o T
	if opts != nil {
		o = *opts
	}
	return o
}
