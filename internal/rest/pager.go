package rest

import (
	"context"
	"fmt"
	"hash/maphash"
	"iter"
	"net/http"
	"net/url"

	"github.com/deskbridge/deskbridge"
)

// PageFunc fetches the page at cursor ("" for the first) and returns it;
// its Next is the cursor of the page after it, "" after the last.
type PageFunc[T any] func(ctx context.Context, cursor string) (*deskbridge.Page[T], error)

// Iterate walks pages lazily from cursor start: the next page is fetched
// only when the caller has ranged over the previous one, and nothing more
// once the caller breaks. An error is yielded once, with the zero T, and
// ends the walk; items that came with it are yielded before it.
//
// A cursor that comes back to one already seen in the same walk (A, B, A)
// ends the walk with an error rather than looping forever: a vendor that
// does not advance, or cycles, would otherwise keep a caller busy, and
// billed, without end. The cursors seen are kept as 8-byte hashes.
func Iterate[T any](ctx context.Context, start string, fetch PageFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seed := maphash.MakeSeed()
		seen := map[uint64]struct{}{maphash.String(seed, start): {}}
		cursor := start
		for n := 1; ; n++ {
			page, err := fetch(ctx, cursor)
			if page != nil {
				for _, it := range page.Items {
					if !yield(it, nil) {
						return
					}
				}
			}
			if err != nil {
				yield(zero, err)
				return
			}
			if page == nil || page.Next == "" {
				return
			}
			h := maphash.String(seed, page.Next)
			if _, again := seen[h]; again {
				yield(zero, fmt.Errorf("pagination did not advance: page %d names a cursor already seen in this walk (%q)", n, clipCursor(page.Next)))
				return
			}
			seen[h] = struct{}{}
			cursor = page.Next
		}
	}
}

func clipCursor(c string) string {
	if len(c) > 80 {
		return c[:80] + "…"
	}
	return c
}

// PageReader reads one page of a list from its response body: the items,
// the cursor of the next page ("" after the last) and the total when the
// vendor reports one. cursor is the one the page was fetched with ("" for
// the first). An error with items says the items are good but the list
// cannot be followed past them (Iterate yields them, then the error).
type PageReader[T any] func(cursor string, body []byte) (*deskbridge.Page[T], error)

// Style says how the cursor of the next page goes into its request.
type Style struct {
	// Param is the query parameter that carries the cursor: "page[after]"
	// for a cursor list, "page" for a list paged by number, "skip" for a
	// skip/top list. Empty means the cursor is the next page's URL
	// (link-next), which must lie below the client's base URL.
	Param string
}

// pageRequest returns the request for the page at cursor.
func (s Style) pageRequest(req *Request, cursor string) (*Request, error) {
	r := *req
	if cursor == "" {
		return &r, nil
	}
	if s.Param == "" {
		r.Path, r.Query = cursor, nil
		return &r, nil
	}
	q := url.Values{}
	if r.Query != nil {
		vals, err := queryValues(r.Query)
		if err != nil {
			return nil, err
		}
		for k, v := range vals {
			q[k] = v
		}
	}
	q.Set(s.Param, cursor)
	r.Query = q
	return &r, nil
}

// ListPage fetches the page of a list at cursor ("" for the first page, or
// whatever the request's own query asks for) and reads it with read.
func ListPage[T any](ctx context.Context, c *Client, req *Request, style Style, cursor string, read PageReader[T]) (*deskbridge.Page[T], error) {
	r, err := style.pageRequest(req, cursor)
	if err != nil {
		return nil, c.vendor.refusef("%s %s: query: %w", req.method(), req.Path, err)
	}
	var body []byte
	if _, err := c.Do(ctx, r, &body); err != nil {
		return nil, err
	}
	page, err := read(cursor, body)
	if err != nil && (page == nil || len(page.Items) == 0) {
		return nil, c.vendor.errorf("%s %s: reading the page: %w", r.method(), r.Path, err)
	}
	if page == nil {
		page = &deskbridge.Page[T]{}
	}
	return page, err
}

// List walks a list from cursor start ("" for the first page): pages are
// fetched with ListPage as the caller ranges over the items (see Iterate).
func List[T any](ctx context.Context, c *Client, req *Request, style Style, start string, read PageReader[T]) iter.Seq2[T, error] {
	return Iterate(ctx, start, func(ctx context.Context, cursor string) (*deskbridge.Page[T], error) {
		return ListPage(ctx, c, req, style, cursor, read)
	})
}

// method is the request's method, GET when unset.
func (r *Request) method() string {
	if r.Method == "" {
		return http.MethodGet
	}
	return r.Method
}
