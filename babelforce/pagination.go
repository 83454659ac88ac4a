package babelforce

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// babelforce's lists are paged by number, 1-based; the page after the one
// fetched comes back in [deskbridge.Page].Next as decimal text, and goes
// into the next request's "page" parameter.
var pageStyle = rest.Style{Param: "page"}

// pageCursor is the cursor of page n: "" for 0 (the first page, sent
// without a page parameter), else n in decimal.
func pageCursor(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// v2Pagination is the "pagination" object of the v2 list envelope
// (schema Pagination of the manager spec, static/openapi/manager.openapi.yaml
// in https://github.com/babelforce/manager-sdk). Every field is optional.
type v2Pagination struct {
	// Pages is the number of pages; a missing value means one.
	Pages int `json:"pages"`
	// Total is the number of items across every page.
	Total int `json:"total"`
	// Current is the 1-based page this response holds.
	Current int `json:"current"`
}

// readV2Page reads one page of a v2 list, {"items": […], "pagination":
// {…}}, fetched at cursor (see pageCursor).
func readV2Page[T any](cursor string, body []byte) (*deskbridge.Page[T], error) {
	var env struct {
		Items      []T          `json:"items"`
		Pagination v2Pagination `json:"pagination"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	next := nextV2Page(pageNumber(cursor), env.Pagination, len(env.Items))
	return &deskbridge.Page[T]{Items: env.Items, Next: pageCursor(next), Total: env.Pagination.Total}, nil
}

// nextV2Page returns the page to fetch after page requested (0 = the first,
// sent without a page parameter), or 0 when the walk is over. It stops, as
// babelforce's Go SDK (https://github.com/babelforce/manager-sdk-go) and
// PostHog's babelforce source do, on the last page (page >= pages, a
// missing pages counting as 1), on a page without items, and on a response
// that did not advance (current below the page asked for).
func nextV2Page(requested int, p v2Pagination, items int) int {
	page, ok := pageRead(requested, p.Current, items)
	if !ok || page >= max(p.Pages, 1) {
		return 0
	}
	return page + 1
}

// pageRead returns the page a response holds: the one it reports
// (reported, 0 when it reports none), else the one requested (0 = the
// first). It is false, and the walk over, when the page has no items or
// the response did not advance (it reports a page below the one asked for).
func pageRead(requested, reported, items int) (int, bool) {
	page := max(requested, 1)
	switch {
	case items == 0, reported > 0 && reported < page:
		return 0, false
	case reported > 0:
		return reported, true
	}
	return page, true
}

// v3Metadata is the "_metadata" object of the v3 list envelope (the
// task-automation spec, static/openapi/task-automation.openapi.yaml in
// https://github.com/babelforce/manager-sdk).
type v3Metadata struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	PageCount  int `json:"page_count"`
	TotalCount int `json:"total_count"`
}

// readV3Page returns the reader of one page of a v3 list, {"_metadata":
// {…}, "records": […]}, asked for with page_size pageSize (0: the API's
// default).
func readV3Page[T any](pageSize int) rest.PageReader[T] {
	return func(cursor string, body []byte) (*deskbridge.Page[T], error) {
		var env struct {
			Metadata v3Metadata `json:"_metadata"`
			Records  []T        `json:"records"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, err
		}
		next := nextV3Page(pageNumber(cursor), pageSize, env.Metadata, len(env.Records))
		return &deskbridge.Page[T]{Items: env.Records, Next: pageCursor(next), Total: env.Metadata.TotalCount}, nil
	}
}

// nextV3Page returns the page after page requested, or 0 when the walk is
// over: on an empty page or one that did not advance (pageRead), on the
// last page (page >= page_count), and, when page_count is missing, on a
// short page.
func nextV3Page(requested, pageSize int, m v3Metadata, items int) int {
	page, ok := pageRead(requested, m.Page, items)
	switch {
	case !ok, m.PageCount > 0 && page >= m.PageCount:
		return 0
	case m.PageCount == 0 && items < max(m.PerPage, pageSize):
		return 0 // a short page, when the page count is missing
	}
	return page + 1
}

// pageNumber is the page a cursor names; 0 for "" (the first page).
func pageNumber(cursor string) int {
	n, _ := strconv.Atoi(cursor)
	return n
}

// decodeItem decodes a v2 answer that is documented as {"item": …} but
// may be the bare object (babelforce's own Go SDK notes that live responses
// differ from the spec). It reports false, and leaves out untouched, when
// the answer has no body.
func decodeItem(raw []byte, out any) (bool, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return false, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return false, err
	}
	if item, ok := probe["item"]; ok && len(item) > 0 && item[0] == '{' {
		return true, json.Unmarshal(item, out)
	}
	return true, json.Unmarshal(raw, out)
}
