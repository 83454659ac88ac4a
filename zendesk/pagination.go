package zendesk

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// MaxPageSize is the largest page size Zendesk accepts on cursor and offset
// lists (page[size], per_page).
const MaxPageSize = 100

// CursorOptions select one page of a cursor-paginated list. Zendesk's
// cursor pagination is used by default wherever an endpoint has it: it has
// no depth limit, unlike offset pagination (which fails past 100 pages /
// 10,000 records).
type CursorOptions struct {
	// PageSize is the number of items per page, at most 100; 0 means
	// MaxPageSize. Every request carries page[size]: without a page[...]
	// parameter, endpoints that also have offset pagination answer with it.
	PageSize int `url:"page[size],omitempty"`
	// After is the cursor of the page to fetch: the AfterCursor of the
	// previous page. Empty fetches the first page.
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

// Pagination is the cursor state of one page. To resume later, put
// AfterCursor back into CursorOptions.After.
type Pagination struct {
	// HasMore reports that another page follows.
	HasMore bool
	// AfterCursor is the cursor of the next page.
	AfterCursor string
	// BeforeCursor is the cursor of the previous page.
	BeforeCursor string
	// NextURL and PrevURL are Zendesk's links to the next and previous
	// pages.
	NextURL, PrevURL string
}

// cursorEnvelope is the pagination part of a cursor list response:
//
//	"meta": {"has_more": true, "after_cursor": "xxx", "before_cursor": "yyy"},
//	"links": {"next": "...?page[after]=xxx", "prev": "...?page[before]=yyy"}
//
// NextPage is only there to recognize an offset-paginated answer.
type cursorEnvelope struct {
	Meta *struct {
		HasMore      bool   `json:"has_more"`
		AfterCursor  string `json:"after_cursor"`
		BeforeCursor string `json:"before_cursor"`
	} `json:"meta"`
	Links struct {
		Next string `json:"next"`
		Prev string `json:"prev"`
	} `json:"links"`
	NextPage string `json:"next_page"`
}

// pagination returns the cursor state of the page at path. An answer with
// no meta but a next_page is offset-paginated (what Zendesk sends when a
// request carries no page[...] parameter): it cannot be followed with
// cursors, and ending the walk there would silently drop the rest of the
// list, so it is an error.
func (e *cursorEnvelope) pagination(path string) (Pagination, error) {
	if e.Meta == nil {
		if e.NextPage != "" {
			return Pagination{}, fmt.Errorf("zendesk: GET %s: %w", path, errOffsetAnswer)
		}
		return Pagination{NextURL: e.Links.Next, PrevURL: e.Links.Prev}, nil
	}
	return Pagination{
		HasMore:      e.Meta.HasMore,
		AfterCursor:  e.Meta.AfterCursor,
		BeforeCursor: e.Meta.BeforeCursor,
		NextURL:      e.Links.Next,
		PrevURL:      e.Links.Prev,
	}, nil
}

var errOffsetAnswer = errorString("the answer to a cursor-paginated request is offset-paginated (next_page, no meta), so the list cannot be followed")

// next is the cursor to fetch after this page, "" after the last. A page
// that says it has more but names no cursor (neither meta.after_cursor nor
// page[after] in links.next) is an error rather than a silent end.
func (p Pagination) next() (string, error) {
	if !p.HasMore {
		return "", nil
	}
	if p.AfterCursor != "" {
		return p.AfterCursor, nil
	}
	if u, err := url.Parse(p.NextURL); err == nil {
		if after := u.Query().Get("page[after]"); after != "" {
			return after, nil
		}
	}
	return "", errNoCursor
}

var errNoCursor = errorString("zendesk: the page says has_more but gives no cursor to continue from")

type errorString string

func (e errorString) Error() string { return string(e) }

// walkCursor iterates a cursor list from cursor start, fetching each page
// with fetch.
func walkCursor[T any](ctx context.Context, start string, fetch func(ctx context.Context, after string) ([]T, Pagination, error)) iter.Seq2[T, error] {
	return rest.Iterate(ctx, start, func(ctx context.Context, cursor string) ([]T, string, error) {
		items, p, err := fetch(ctx, cursor)
		if err != nil {
			return nil, "", err
		}
		next, err := p.next()
		if err != nil {
			return items, "", err
		}
		return items, next, nil
	})
}

// OffsetOptions select one page of an offset-paginated list (search, user
// search: the endpoints that have nothing else).
type OffsetOptions struct {
	// Page is the 1-based page number; 0 means the first.
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

// OffsetPagination is the state of one offset page. To resume later, put
// NextPage back into OffsetOptions.Page.
type OffsetPagination struct {
	// Count is the total number of results Zendesk reports.
	Count int64
	// NextPage is the number of the next page, 0 after the last.
	NextPage int
	// NextPageURL and PreviousPageURL are Zendesk's links.
	NextPageURL, PreviousPageURL string
}

type offsetEnvelope struct {
	Count        int64  `json:"count"`
	NextPage     string `json:"next_page"`
	PreviousPage string `json:"previous_page"`
}

// pagination reads the next page number from the next_page URL. It is
// re-issued as a page number on the client's own base URL rather than
// followed as a URL, so that paging works the same through a proxy or a
// fake whose host differs from the one Zendesk writes into next_page.
func (e *offsetEnvelope) pagination() (OffsetPagination, error) {
	p := OffsetPagination{Count: e.Count, NextPageURL: e.NextPage, PreviousPageURL: e.PreviousPage}
	if e.NextPage == "" {
		return p, nil
	}
	u, err := url.Parse(e.NextPage)
	if err == nil {
		if n, err := strconv.Atoi(u.Query().Get("page")); err == nil && n > 0 {
			p.NextPage = n
			return p, nil
		}
	}
	return p, errorString("zendesk: next_page has no page number: " + rest.Snippet([]byte(e.NextPage), 200))
}

// ErrResultLimit is matched by the error an offset iterator (Search.Query,
// Users.Search) yields when the results go on past what the endpoint will
// return for one query (1,000 for search, 10,000 for user search). The
// iterator stops there rather than ask for a page Zendesk refuses.
var ErrResultLimit = errors.New("zendesk: no more results for this query: offset pagination limit reached")

// walkOffset iterates an offset list from page start (0 = first). A page
// that would start at or past limit results is not fetched: the walk ends
// with an error matching ErrResultLimit and naming hint.
func walkOffset[T any](ctx context.Context, start, perPage, limit int, hint string, fetch func(ctx context.Context, page int) ([]T, OffsetPagination, error)) iter.Seq2[T, error] {
	first := ""
	if start > 0 {
		first = strconv.Itoa(start)
	}
	if perPage <= 0 {
		perPage = MaxPageSize // Zendesk's default for search and user search
	}
	return rest.Iterate(ctx, first, func(ctx context.Context, cursor string) ([]T, string, error) {
		page := 0
		if cursor != "" {
			page, _ = strconv.Atoi(cursor)
		}
		if page > 1 && (page-1)*perPage >= limit {
			return nil, "", fmt.Errorf("%w (%d results at most; %s)", ErrResultLimit, limit, hint)
		}
		items, p, err := fetch(ctx, page)
		if err != nil {
			return nil, "", err
		}
		if p.NextPage == 0 {
			return items, "", nil
		}
		return items, strconv.Itoa(p.NextPage), nil
	})
}
