package conversationstest

import (
	"net/http"
	"net/url"
	"strconv"
)

// Cursor pagination as the API reference describes it: page[after] or
// page[before] (a record id, 24 characters; never both) and page[size]
// (1–100, default 25); the answer carries meta {hasMore, afterCursor,
// beforeCursor} and links {prev, next}, absolute URLs. hasMore is about
// the direction the request pages in; a cursor is given only when there is
// a page on its side.

const (
	defaultPageSize = 25
	maxPageSize     = 100
	// messagesPageSize is ListMessages' fixed page size.
	messagesPageSize = 100
)

type pageQuery struct {
	after, before string
	size          int
}

// parsePage reads page[after], page[before] and, unless fixed is set,
// page[size].
func parsePage(q url.Values, fixed int) (pageQuery, error) {
	p := pageQuery{after: q.Get("page[after]"), before: q.Get("page[before]"), size: defaultPageSize}
	if p.after != "" && p.before != "" {
		return p, badRequest("page[after] and page[before] cannot be used together")
	}
	for _, c := range []string{p.after, p.before} {
		if c != "" && len(c) != 24 {
			return p, badRequest("a page cursor must be a record id of 24 characters")
		}
	}
	if fixed > 0 {
		p.size = fixed
		return p, nil
	}
	if raw, ok := q["page[size]"]; ok {
		n, err := strconv.Atoi(raw[0])
		if err != nil || n < 1 || n > maxPageSize {
			return p, badRequest("page[size] must be an integer from 1 to %d", maxPageSize)
		}
		p.size = n
	}
	return p, nil
}

// pageMeta is a list answer's meta.
type pageMeta struct {
	HasMore      bool   `json:"hasMore"`
	AfterCursor  string `json:"afterCursor,omitempty"`
	BeforeCursor string `json:"beforeCursor,omitempty"`
}

// pageLinks is a list answer's links.
type pageLinks struct {
	Prev string `json:"prev,omitempty"`
	Next string `json:"next,omitempty"`
}

// page picks the ids of one page of o. Without a cursor the page is the
// first one, or the last one when backward (ListMessages: the most recent
// messages). A cursor that names no record is refused.
func page(o *ordered, p pageQuery, backward bool) ([]string, pageMeta, error) {
	n := o.len()
	var lo, hi int
	forward := !backward
	switch {
	case p.after != "":
		i, ok := o.pos[p.after]
		if !ok {
			return nil, pageMeta{}, badRequest("page[after] names no record of this list")
		}
		lo, hi, forward = i+1, min(i+1+p.size, n), true
	case p.before != "":
		i, ok := o.pos[p.before]
		if !ok {
			return nil, pageMeta{}, badRequest("page[before] names no record of this list")
		}
		lo, hi, forward = max(0, i-p.size), i, false
	case backward:
		lo, hi = max(0, n-p.size), n
	default:
		lo, hi = 0, min(p.size, n)
	}
	ids := o.ids[lo:hi]
	var m pageMeta
	if forward {
		m.HasMore = hi < n
	} else {
		m.HasMore = lo > 0
	}
	if len(ids) > 0 {
		if hi < n {
			m.AfterCursor = ids[len(ids)-1]
		}
		if lo > 0 {
			m.BeforeCursor = ids[0]
		}
	}
	return append([]string(nil), ids...), m, nil
}

// links makes the absolute prev/next URLs of a page from the request.
func (c *call) links(m pageMeta) pageLinks {
	var l pageLinks
	mk := func(key, cursor string) string {
		q := c.r.URL.Query()
		q.Del("page[after]")
		q.Del("page[before]")
		q.Set(key, cursor)
		u := url.URL{Scheme: "http", Host: c.r.Host, Path: c.prefix + c.r.URL.Path, RawQuery: q.Encode()}
		return u.String()
	}
	if m.BeforeCursor != "" {
		l.Prev = mk("page[before]", m.BeforeCursor)
	}
	if m.AfterCursor != "" {
		l.Next = mk("page[after]", m.AfterCursor)
	}
	return l
}

// listed answers the page p of o (backward for the newest first) as the
// list key, item giving each id's entry, with the page's meta and links.
// Callers hold s.mu.
func listed[T any](c *call, key string, o *ordered, p pageQuery, backward bool, item func(id string) T) error {
	ids, meta, err := page(o, p, backward)
	if err != nil {
		return err
	}
	list := entries(ids, item)
	return c.json(http.StatusOK, map[string]any{key: list, "meta": meta, "links": c.links(meta)})
}

// entries is item of each of ids, in their order.
func entries[T any](ids []string, item func(id string) T) []T {
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		out = append(out, item(id))
	}
	return out
}
