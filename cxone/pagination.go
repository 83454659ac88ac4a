package cxone

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/google/go-querystring/query"
)

// ListOptions page a CXone list. CXone's lists are paged with skip and
// top and answer {"totalRecords", "_links": {"next"}, …} beside the items
// (https://developer.niceincontact.com, and the generated clients of its
// OpenAPI files); an empty list may come as 204 No Content.
type ListOptions struct {
	// Skip is the number of records to skip.
	Skip int `url:"skip,omitempty"`
	// Top is the page size; 0 leaves CXone's default.
	Top int `url:"top,omitempty"`
	// OrderBy sorts the records: "lastUpdateTime asc".
	OrderBy string `url:"orderBy,omitempty"`
	// Fields limits the fields returned, a comma-separated list.
	Fields string `url:"fields,omitempty"`
	// Next resumes a list: the Next of a page ([deskbridge.Page]) that an
	// earlier ListPage returned. When set, the other options are ignored:
	// the next page's URL carries them.
	Next string `url:"-"`
}

// listOptions returns o's ListOptions, checked.
func (o *ListOptions) check() error {
	if o.Skip < 0 || o.Top < 0 {
		return invalidf("skip %d and top %d must not be negative", o.Skip, o.Top)
	}
	return nil
}

// pageStyle: the cursor of the next page is its URL, _links.next as CXone
// gives it, or the same request with skip moved on.
var pageStyle = rest.Style{}

// listMeta is what a list answer says beside its items.
type listMeta struct {
	TotalRecords   int   `json:"totalRecords"`
	BusinessUnitID int64 `json:"businessUnitId"`
	LastPollTime   Time  `json:"lastPollTime"`
	// Links is "_links": {"self", "next", "previous"}; a "next" member,
	// even null, says whether a next page exists.
	Links map[string]json.RawMessage `json:"_links"`
}

// nextLink returns _links.next, and whether the answer has that member.
func (m *listMeta) nextLink() (string, bool) {
	raw, ok := m.Links["next"]
	if !ok {
		return "", false
	}
	var s string
	_ = json.Unmarshal(raw, &s) // null, or not a string: no next page
	return s, true
}

// list is one list request: its path, query and the members that may
// hold its items, first one found wins.
type list struct {
	path  string
	query url.Values
	keys  []string
}

// newList builds the list request for path with the query of opts (an
// options struct whose ListOptions are lo) plus extra.
func newList(path string, opts any, lo *ListOptions, extra url.Values, keys ...string) (*list, string, error) {
	if err := lo.check(); err != nil {
		return nil, "", err
	}
	q := url.Values{}
	if opts != nil {
		v, err := queryValues(opts)
		if err != nil {
			return nil, "", invalidf("query: %v", err)
		}
		q = v
	}
	for k, v := range extra {
		q[k] = v
	}
	return &list{path: path, query: q, keys: keys}, lo.Next, nil
}

// reader reads one page of l; meta, when not nil, receives what the page
// says beside its items.
func reader[T any](l *list, meta *listMeta) rest.PageReader[T] {
	return func(cursor string, body []byte) (*deskbridge.Page[T], error) {
		if len(bytes.TrimSpace(body)) == 0 {
			return &deskbridge.Page[T]{}, nil // 204: an empty list
		}
		var m listMeta
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, err
		}
		if meta != nil {
			*meta = m
		}
		items, err := decodeItems[T](body, l.keys, m.TotalRecords)
		if err != nil {
			return nil, err
		}
		return &deskbridge.Page[T]{Items: items, Next: l.next(cursor, m, len(items)), Total: m.TotalRecords}, nil
	}
}

// decodeItems decodes the first of keys the body has. A body with none of
// them is an empty list when it says totalRecords is 0, else an error.
func decodeItems[T any](body []byte, keys []string, total int) ([]T, error) {
	for _, k := range keys {
		var items []T
		found, err := rest.DecodeMember(body, k, &items)
		if err != nil {
			return nil, fmt.Errorf("decoding %q: %w", k, err)
		}
		if found {
			return items, nil
		}
	}
	if total == 0 {
		return nil, nil
	}
	return nil, fmt.Errorf("the answer has none of %q", keys)
}

// next returns the cursor of the page after the one fetched at cursor:
// _links.next when the answer has it ("" when it is null), else the same
// request with skip moved past the items, while totalRecords (or a full
// page of top) says more remain; "" after the last page.
func (l *list) next(cursor string, m listMeta, n int) string {
	if n == 0 {
		return ""
	}
	if link, ok := m.nextLink(); ok {
		return link
	}
	q := l.query
	if cursor != "" {
		if u, err := url.Parse(cursor); err == nil {
			q = u.Query()
		}
	}
	skip, _ := strconv.Atoi(q.Get("skip"))
	top, _ := strconv.Atoi(q.Get("top"))
	after := skip + n
	switch {
	case m.TotalRecords > 0 && after < m.TotalRecords:
	case m.TotalRecords == 0 && top > 0 && n >= top:
	default:
		return ""
	}
	nq := url.Values{}
	for k, v := range q {
		nq[k] = v
	}
	nq.Set("skip", strconv.Itoa(after))
	return l.path + "?" + nq.Encode()
}

// request is the first page's request.
func (l *list) request() *rest.Request { return &rest.Request{Path: l.path, Query: l.query} }

// listPage fetches one page of l at cursor ("" for the first).
func listPage[T any](ctx context.Context, c *Client, l *list, cursor string, meta *listMeta) (*deskbridge.Page[T], error) {
	rc, err := c.api(ctx)
	if err != nil {
		return nil, err
	}
	return rest.ListPage(ctx, rc, l.request(), pageStyle, cursor, reader[T](l, meta))
}

// listAll walks l from cursor start.
func listAll[T any](ctx context.Context, c *Client, l *list, start string) iter.Seq2[T, error] {
	return rest.Iterate(ctx, start, func(ctx context.Context, cursor string) (*deskbridge.Page[T], error) {
		return listPage[T](ctx, c, l, cursor, nil)
	})
}

// failed is an iterator that yields err once.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// apiPath is a path of the ACD APIs at version: apiPath("v23.0",
// "/agents/%d", 42) is "/inContactAPI/services/v23.0/agents/42". Arguments
// are escaped as path segments.
func apiPath(version, format string, args ...any) string {
	return "/inContactAPI/services/" + version + rest.Pathf(format, args...)
}

// queryValues encodes an options struct's `url` fields (go-querystring).
func queryValues(opts any) (url.Values, error) { return query.Values(opts) }
