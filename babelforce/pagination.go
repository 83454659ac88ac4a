package babelforce

import (
	"context"
	"encoding/json"
	"iter"
	"strconv"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// Pagination is the v2 list envelope's "pagination" object. Every field is
// optional on the wire.
type Pagination struct {
	// Pages is the number of pages; a missing value means one.
	Pages int `json:"pages,omitempty"`
	// Total is the number of items across every page.
	Total int `json:"total,omitempty"`
	// Current is the 1-based page this response holds.
	Current    int    `json:"current,omitempty"`
	MaxResults int    `json:"maxResults,omitempty"`
	Max        int    `json:"max,omitempty"`
	Next       string `json:"next,omitempty"`
}

// nextV2Page returns the page to fetch after page requested (0 = the first,
// sent without a page parameter), or 0 when the walk is over. It stops, as
// babelforce's Go SDK and PostHog's client do, on the last page (page >=
// pages, a missing pages counting as 1), on a page without items, and on a
// response that did not advance (current below the page asked for).
func nextV2Page(requested int, p Pagination, items int) int {
	if items == 0 {
		return 0
	}
	if requested < 1 {
		requested = 1
	}
	page := requested
	if p.Current > 0 {
		if p.Current < requested {
			return 0
		}
		page = p.Current
	}
	pages := p.Pages
	if pages < 1 {
		pages = 1
	}
	if page >= pages {
		return 0
	}
	return page + 1
}

// Metadata is the v3 list envelope's "_metadata" object.
type Metadata struct {
	Page       int `json:"page,omitempty"`
	PerPage    int `json:"per_page,omitempty"`
	PageCount  int `json:"page_count,omitempty"`
	TotalCount int `json:"total_count,omitempty"`
}

// nextV3Page returns the page after page requested, or 0 when the walk is
// over: on an empty page, on the last page (page >= page_count), and, when
// page_count is missing, on a short page.
func nextV3Page(requested, pageSize int, m Metadata, items int) int {
	if items == 0 {
		return 0
	}
	if requested < 1 {
		requested = 1
	}
	page := requested
	if m.Page > 0 {
		if m.Page < requested {
			return 0
		}
		page = m.Page
	}
	if m.PageCount > 0 {
		if page >= m.PageCount {
			return 0
		}
		return page + 1
	}
	if size := max(m.PerPage, pageSize); size > 0 && items < size {
		return 0
	}
	return page + 1
}

// walk turns a page-number fetch into an iterator, starting at page start
// (0 = the first page, unnumbered).
func walk[T any](ctx context.Context, start int, fetch func(ctx context.Context, page int) ([]T, int, error)) iter.Seq2[T, error] {
	cursor := ""
	if start > 0 {
		cursor = strconv.Itoa(start)
	}
	return rest.Iterate(ctx, cursor, func(ctx context.Context, cursor string) ([]T, string, error) {
		page := 0
		if cursor != "" {
			page, _ = strconv.Atoi(cursor)
		}
		items, next, err := fetch(ctx, page)
		if err != nil || next == 0 {
			return items, "", err
		}
		return items, strconv.Itoa(next), nil
	})
}

// decodeItem decodes a v2 response that is documented as {"item": …} but
// accepts the bare object too (babelforce's own SDK notes that live
// responses differ from the spec). An empty body leaves out untouched.
func decodeItem(raw []byte, out any) error {
	if len(raw) == 0 {
		return nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return err
	}
	if item, ok := probe["item"]; ok && len(item) > 0 && item[0] == '{' {
		return json.Unmarshal(item, out)
	}
	return json.Unmarshal(raw, out)
}
