package zendesktest

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strconv"
)

// Pagination as https://developer.zendesk.com/api-reference/introduction/pagination/
// describes it.
//
// Cursor pagination: page[size] (1..max, default 100), page[after] or
// page[before] (not both); the answer carries
//
//	"meta": {"has_more": bool, "after_cursor": "...", "before_cursor": "..."},
//	"links": {"next": "<absolute URL>", "prev": "<absolute URL>"}
//
// The cursors are opaque. links.next is set whenever the page has records,
// also on the last page (has_more is the stop signal: Zendesk's pagination
// guide loops until meta.has_more is false); following it then yields an empty
// page whose cursors and links are null (cursorNextLink, a guess in
// unconfirmed.go). Malformed parameters answer errPagination, also there.
//
// Offset pagination (when no page[...] parameter is given): page (from 1)
// and per_page (default and maximum 100); the answer carries next_page and
// previous_page (absolute URLs or null) and count. Past the first 100 pages
// (10,000 records) list endpoints answer 400
// (https://support.zendesk.com/hc/en-us/articles/5591904358938).

type pageMode int

const (
	pageBoth   pageMode = iota // offset by default, cursor with page[size]/[after]/[before]
	pageCursor                 // cursor only
	pageOffset                 // offset only
)

type pageParams struct {
	cursor    bool
	size      int
	after     string
	before    string
	hasAfter  bool
	hasBefore bool
	page      int
	perPage   int
}

const (
	defaultPageSize = 100
	maxOffsetPages  = 100
)

// pageParams reads the pagination parameters; maxSize bounds page[size].
func (c *call) pageParams(mode pageMode, maxSize int) (pageParams, error) {
	q := c.r.URL.Query()
	p := pageParams{size: defaultPageSize, page: 1, perPage: defaultPageSize}
	if maxSize < p.size {
		p.size = maxSize
	}
	_, hasSize := q["page[size]"]
	_, p.hasAfter = q["page[after]"]
	_, p.hasBefore = q["page[before]"]
	p.cursor = mode == pageCursor || (mode == pageBoth && (hasSize || p.hasAfter || p.hasBefore))
	if p.cursor {
		if hasSize {
			n, err := strconv.Atoi(q.Get("page[size]"))
			if err != nil || n < 1 {
				return p, errPagination("page[size] must be a positive integer")
			}
			if n > maxSize {
				return p, errPagination(fmt.Sprintf("page[size] is limited to %d", maxSize))
			}
			p.size = n
		}
		if p.hasAfter && p.hasBefore {
			return p, errPagination("page[after] and page[before] cannot be used together")
		}
		var err error
		if p.hasAfter {
			if p.after, err = decodeCursor(q.Get("page[after]")); err != nil {
				return p, err
			}
		}
		if p.hasBefore {
			if p.before, err = decodeCursor(q.Get("page[before]")); err != nil {
				return p, err
			}
		}
		return p, nil
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, errPagination("page must be a positive integer")
		}
		p.page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, errPagination("per_page must be a positive integer")
		}
		p.perPage = min(n, defaultPageSize)
	}
	return p, nil
}

func encodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 {
		return "", errPagination("invalid cursor")
	}
	return string(b), nil
}

// seqKey orders records by a sequence number in cursor keys.
func seqKey(n int64) string { return fmt.Sprintf("%020d", n) }

type cursorMeta struct {
	HasMore      bool    `json:"has_more"`
	AfterCursor  *string `json:"after_cursor"`
	BeforeCursor *string `json:"before_cursor"`
}

type cursorLinks struct {
	Next *string `json:"next"`
	Prev *string `json:"prev"`
}

// cursorPage cuts one cursor page from items, which are sorted by key
// ascending with unique keys; the cursor is found by binary search.
func cursorPage[T any](c *call, p pageParams, items []T, key func(T) string) ([]T, cursorMeta, cursorLinks) {
	var page []T
	var more bool
	switch {
	case p.hasBefore:
		end := sort.Search(len(items), func(i int) bool { return key(items[i]) >= p.before })
		start := max(0, end-p.size)
		page, more = items[start:end], start > 0
	default:
		start := 0
		if p.hasAfter {
			start = sort.Search(len(items), func(i int) bool { return key(items[i]) > p.after })
		}
		end := min(len(items), start+p.size)
		page, more = items[start:end], end < len(items)
	}
	var first, last string
	if len(page) > 0 {
		first, last = key(page[0]), key(page[len(page)-1])
	}
	meta, links := c.cursorAnswer(len(page), first, last, more)
	return append([]T(nil), page...), meta, links
}

// cursorAnswer is the meta and links of a cursor page of n records whose
// first and last keys are given.
func (c *call) cursorAnswer(n int, first, last string, more bool) (cursorMeta, cursorLinks) {
	meta := cursorMeta{HasMore: more}
	var links cursorLinks
	if n > 0 {
		after, before := encodeCursor(last), encodeCursor(first)
		meta.AfterCursor, meta.BeforeCursor = &after, &before
		if cursorNextLink(n, more) {
			links.Next = ptr(c.pageURL(map[string]string{"page[after]": after}, "page[before]"))
		}
		links.Prev = ptr(c.pageURL(map[string]string{"page[before]": before}, "page[after]"))
	}
	return meta, links
}

// pageURL is the absolute URL of this request with query parameters set
// and others removed.
func (c *call) pageURL(set map[string]string, drop ...string) string {
	q := url.Values{}
	for k, v := range c.r.URL.Query() {
		q[k] = v
	}
	for _, k := range drop {
		q.Del(k)
	}
	for k, v := range set {
		q.Set(k, v)
	}
	return c.s.URL + c.path + "?" + q.Encode()
}

// paginate answers a list: name is the collection key ("tickets").
func paginate[T any](c *call, p pageParams, name string, items []T, key func(T) string) error {
	return paginateAs(c, p, name, items, key, func(x T) T { return x })
}

// paginateAs is paginate for items whose wire form conv makes: only the
// page is converted.
func paginateAs[T, W any](c *call, p pageParams, name string, items []T, key func(T) string, conv func(T) W) error {
	out := map[string]any{}
	if p.cursor {
		page, meta, links := cursorPage(c, p, items, key)
		out[name], out["meta"], out["links"] = convAll(page, conv), meta, links
		return c.json(200, out)
	}
	if p.page > maxOffsetPages {
		return errOffsetLimit()
	}
	page, next, prev := c.offsetPage(p, len(items))
	out[name] = convAll(items[page[0]:page[1]], conv)
	out["next_page"], out["previous_page"], out["count"] = next, prev, len(items)
	return c.json(200, out)
}

// idPages is a collection listed in ascending order of int64 ids, whose
// pages are found without walking it: a table whose ids were put in
// ascending order, or the users of some roles ([roleUsers]).
type idPages[V any] interface {
	len() int
	// ranked returns the ids and records ranked from..from+n-1 (from 1).
	ranked(from, n int) ([]int64, []V)
	// pageAfter returns up to n records with ids greater than after (from
	// the first when first), and whether more follow; pageBefore up to n
	// records with ids less than before, and whether more precede them.
	// ok is false when the collection cannot page by id (then all is used).
	pageAfter(after int64, first bool, n int) (keys []int64, page []V, more, ok bool)
	pageBefore(before int64, n int) (keys []int64, page []V, more, ok bool)
	// all returns every id and record, in id order.
	all() ([]int64, []V)
}

// paginateTable answers a list of every record of a table whose keys are
// ids put in ascending order (tickets, users, groups, user fields): the
// page is found in O(log n) per record, without walking the table. conv
// makes a record's wire form.
func paginateTable[V, W any](c *call, p pageParams, name string, tb *table[int64, V], conv func(V) W) error {
	return paginateIDs[V](c, p, name, tb, conv)
}

// paginateIDs answers a list of the records of pages, in id order, with
// ids as the cursor keys.
func paginateIDs[V, W any](c *call, p pageParams, name string, pages idPages[V], conv func(V) W) error {
	out := map[string]any{}
	if !p.cursor {
		if p.page > maxOffsetPages {
			return errOffsetLimit()
		}
		page, next, prev := c.offsetPage(p, pages.len())
		_, recs := pages.ranked(page[0]+1, page[1]-page[0])
		out[name] = convAll(recs, conv)
		out["next_page"], out["previous_page"], out["count"] = next, prev, pages.len()
		return c.json(200, out)
	}
	cursorID := func(k string) (int64, error) {
		n, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return 0, errPagination("invalid cursor")
		}
		return n, nil
	}
	var keys []int64
	var page []V
	var more, ok bool
	if p.hasBefore {
		before, err := cursorID(p.before)
		if err != nil {
			return err
		}
		keys, page, more, ok = pages.pageBefore(before, p.size)
	} else {
		var after int64
		if p.hasAfter {
			var err error
			if after, err = cursorID(p.after); err != nil {
				return err
			}
		}
		keys, page, more, ok = pages.pageAfter(after, !p.hasAfter, p.size)
	}
	if !ok { // ids not ascending: page a sorted copy
		type rec struct {
			key int64
			v   V
		}
		ids, vals := pages.all()
		all := make([]rec, len(ids))
		for i, id := range ids {
			all[i] = rec{id, vals[i]}
		}
		return paginateAs(c, p, name, all, func(r rec) string { return seqKey(r.key) }, func(r rec) W { return conv(r.v) })
	}
	var first, last string
	if len(keys) > 0 {
		first, last = seqKey(keys[0]), seqKey(keys[len(keys)-1])
	}
	meta, links := c.cursorAnswer(len(page), first, last, more)
	out[name], out["meta"], out["links"] = convAll(page, conv), meta, links
	return c.json(200, out)
}

func errOffsetLimit() error {
	return errPagination(fmt.Sprintf("offset pagination is limited to the first %d pages; use cursor pagination", maxOffsetPages))
}

// convAll converts a page to its wire form; an empty page is [].
func convAll[T, W any](page []T, conv func(T) W) []W {
	out := make([]W, len(page))
	for i, x := range page {
		out[i] = conv(x)
	}
	return out
}

// offsetPage returns the [start, end) bounds of the page and the next and
// previous page URLs (nil when none) for total records.
func (c *call) offsetPage(p pageParams, total int) ([2]int, *string, *string) {
	start := min(total, (p.page-1)*p.perPage)
	end := min(total, start+p.perPage)
	var next, prev *string
	if end < total {
		next = ptr(c.pageURL(map[string]string{"page": strconv.Itoa(p.page + 1), "per_page": strconv.Itoa(p.perPage)}))
	}
	if p.page > 1 {
		prev = ptr(c.pageURL(map[string]string{"page": strconv.Itoa(p.page - 1), "per_page": strconv.Itoa(p.perPage)}))
	}
	return [2]int{start, end}, next, prev
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
