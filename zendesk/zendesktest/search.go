package zendesktest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Search (https://developer.zendesk.com/api-reference/ticketing/ticket-management/search/).
//
// GET /api/v2/search: offset pagination only (page, per_page ≤ 100),
// {results, count, next_page, previous_page, facets}, each result with
// result_type. At most 1,000 results can be paged through (the reference
// gives the cap and the error envelope): a page that starts past the
// 1,000th result answers errSearchPastCap. count is the full number of
// matches, and next_page leads through searchPagedTotal of them (both
// guesses in unconfirmed.go).
//
// GET /api/v2/search/export: cursor pagination only, filter[type]
// (ticket, user, group, organization) required, "type:" in the query is an
// error, page[size] ≤ 1000 (default 100), ordered by created_at, links.prev
// always null, cursors expire after one hour. Errors are
// errSearchInvalid's (unconfirmed.go).
//
// GET /api/v2/search/count: {"count": n}.
//
// The query language is a subset of Zendesk's, terms ANDed, a leading "-"
// negating a term, values quoted with "..." when they hold spaces:
//
//	type:ticket|user|group   (organization matches nothing: the fake has none)
//	tickets: status, priority (with :, <, >, <=, >=), ticket_type, tags/tag,
//	         requester, assignee, submitter (id, email, "me", "none"),
//	         group (id, name, "none"), external_id, via (channel),
//	         subject, description, comment (substring), created, updated
//	         (YYYY-MM-DD or RFC 3339, with : < > <= >=)
//	users:   email, name, role, external_id, phone, tags/tag, created,
//	         and any user field key (key:value compares the field value)
//	groups:  name
//	free text: substring of the subject, description and comments of
//	         tickets, of the name, email, phone or external_id of users,
//	         of the name of groups (case-insensitive).
//
// A term with a key the fake does not know matches nothing.

type term struct {
	neg   bool
	key   string
	op    string // ":", "<", ">", "<=", ">="
	value string
}

// parseQuery splits a search query into terms.
func parseQuery(q string) []term {
	var toks []string
	var cur strings.Builder
	inQuote := false
	for _, r := range q {
		switch {
		case r == '"':
			inQuote = !inQuote
		case (r == ' ' || r == '\t' || r == '\n') && !inQuote:
			if cur.Len() > 0 {
				toks = append(toks, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		toks = append(toks, cur.String())
	}
	var terms []term
	for _, tok := range toks {
		t := term{}
		if strings.HasPrefix(tok, "-") && len(tok) > 1 {
			t.neg, tok = true, tok[1:]
		}
		if i := strings.IndexAny(tok, ":<>"); i > 0 {
			t.key, t.op, t.value = strings.ToLower(tok[:i]), tok[i:i+1], tok[i+1:]
			if (t.op == "<" || t.op == ">") && strings.HasPrefix(t.value, "=") {
				t.op += "="
				t.value = t.value[1:]
			}
		} else {
			t.value = tok
		}
		terms = append(terms, t)
	}
	return terms
}

// resultTypes returns the types a query's type: terms allow.
func resultTypes(terms []term) []string {
	var types []string
	for _, t := range terms {
		if t.key == "type" && !t.neg {
			types = append(types, strings.ToLower(t.value))
		}
	}
	if len(types) == 0 {
		return []string{"ticket", "user", "group"}
	}
	return types
}

func compareOrdered(order []string, have, op, want string) bool {
	h, w := slices.Index(order, have), slices.Index(order, strings.ToLower(want))
	if w < 0 {
		return false
	}
	return compareInts(h, w, op)
}

func compareInts(h, w int, op string) bool {
	switch op {
	case "<":
		return h < w
	case ">":
		return h > w
	case "<=":
		return h <= w
	case ">=":
		return h >= w
	}
	return h == w
}

func compareTime(have time.Time, op, want string) bool {
	w, err := time.Parse("2006-01-02", want)
	day := err == nil
	if !day {
		if w, err = time.Parse(time.RFC3339, want); err != nil {
			return false
		}
	}
	if day {
		have = have.Truncate(24 * time.Hour)
	}
	switch op {
	case "<":
		return have.Before(w)
	case ">":
		return have.After(w)
	case "<=":
		return !have.After(w)
	case ">=":
		return !have.Before(w)
	}
	return have.Equal(w)
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// matchUserRef matches a requester/assignee/submitter term value.
func (st *state) matchUserRef(id *int64, value string, me int64) bool {
	switch strings.ToLower(value) {
	case "none":
		return id == nil
	case "me":
		return id != nil && *id == me
	}
	if id == nil {
		return false
	}
	if n, err := strconv.ParseInt(value, 10, 64); err == nil {
		return *id == n
	}
	u, ok := st.users.get(*id)
	return ok && (strings.EqualFold(u.email(), value) || strings.EqualFold(u.Name, value))
}

// matchTerms says whether a record matches every term but "type:" ones:
// holds says whether one term's condition holds of it, and a negated term
// must not hold.
func matchTerms(terms []term, holds func(term) bool) bool {
	for _, tm := range terms {
		if tm.key != "type" && holds(tm) == tm.neg {
			return false
		}
	}
	return true
}

func (st *state) matchTicket(r *ticketRec, terms []term, me int64) bool {
	st.examined++
	t := &r.t
	return matchTerms(terms, func(tm term) (ok bool) {
		switch tm.key {
		case "":
			ok = containsFold(t.Subject, tm.value) || containsFold(t.Description, tm.value) ||
				slices.ContainsFunc(r.comments, func(c Comment) bool { return containsFold(c.Body, tm.value) })
			if n, err := strconv.ParseInt(tm.value, 10, 64); err == nil && n == t.ID {
				ok = true
			}
		case "status":
			ok = compareOrdered(statusOrder, t.Status, tm.op, tm.value)
		case "priority":
			ok = compareOrdered(priorities, deref(t.Priority), tm.op, tm.value)
		case "ticket_type":
			ok = strings.EqualFold(deref(t.Type), tm.value)
		case "tags", "tag":
			ok = slices.Contains(t.Tags, strings.ToLower(tm.value))
		case "requester":
			ok = st.matchUserRef(&t.RequesterID, tm.value, me)
		case "submitter":
			ok = st.matchUserRef(&t.SubmitterID, tm.value, me)
		case "assignee":
			ok = st.matchUserRef(t.AssigneeID, tm.value, me)
		case "group":
			if strings.EqualFold(tm.value, "none") {
				ok = t.GroupID == nil
			} else if t.GroupID != nil {
				g, found := st.groups.get(*t.GroupID)
				ok = tm.value == itoa(*t.GroupID) || (found && strings.EqualFold(g.Name, tm.value))
			}
		case "external_id":
			ok = strings.EqualFold(deref(t.ExternalID), tm.value)
		case "via":
			ok = strings.EqualFold(t.Via.Channel, tm.value)
		case "subject":
			ok = containsFold(t.Subject, tm.value)
		case "description":
			ok = containsFold(t.Description, tm.value)
		case "comment":
			ok = slices.ContainsFunc(r.comments, func(c Comment) bool { return containsFold(c.Body, tm.value) })
		case "created":
			ok = compareTime(t.CreatedAt, tm.op, tm.value)
		case "updated":
			ok = compareTime(t.UpdatedAt, tm.op, tm.value)
		}
		return ok
	})
}

func (st *state) matchUser(u *User, terms []term) bool {
	st.examined++
	return matchTerms(terms, func(tm term) (ok bool) {
		switch tm.key {
		case "":
			ok = containsFold(u.Name, tm.value) || containsFold(u.email(), tm.value) ||
				strings.EqualFold(deref(u.Phone), tm.value) || strings.EqualFold(deref(u.ExternalID), tm.value)
		case "email":
			v := tm.value
			if prefix, wild := strings.CutSuffix(v, "*"); wild {
				ok = strings.HasPrefix(strings.ToLower(u.email()), strings.ToLower(prefix))
			} else {
				ok = strings.EqualFold(u.email(), v)
			}
		case "name":
			ok = containsFold(u.Name, tm.value)
		case "role":
			ok = strings.EqualFold(strings.ReplaceAll(u.Role, "-", "_"), strings.ReplaceAll(tm.value, "-", "_"))
		case "external_id":
			ok = strings.EqualFold(deref(u.ExternalID), tm.value)
		case "phone":
			ok = deref(u.Phone) == tm.value
		case "tags", "tag":
			ok = slices.Contains(u.Tags, strings.ToLower(tm.value))
		case "created":
			ok = compareTime(u.CreatedAt, tm.op, tm.value)
		default:
			if f := st.userFieldByKey(tm.key); f != nil {
				v, set := u.UserFields[tm.key]
				ok = set && v != nil && strings.EqualFold(fieldString(v), tm.value)
			}
		}
		return ok
	})
}

func matchGroup(g *Group, terms []term) bool {
	return matchTerms(terms, func(tm term) (ok bool) {
		switch tm.key {
		case "", "name":
			ok = containsFold(g.Name, tm.value)
		}
		return ok
	})
}

// fieldString renders a user field value as text.
func fieldString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// searchHit is one search result before encoding; render makes its wire
// form (only for the hits of the page, with the state lock held).
type searchHit struct {
	typ     string
	id      int64
	created time.Time
	updated time.Time
	render  func() any
}

func (st *state) search(terms []term, types []string, me int64) []searchHit {
	var hits []searchHit
	// A type whose matcher cannot match a term is not searched; users are
	// looked up by index when a term allows (index.go). Other queries try
	// every record of the type, as a full-text search must.
	if slices.Contains(types, "ticket") && mayMatch(terms, ticketKeys) {
		for _, r := range st.tickets.values() {
			if st.matchTicket(r, terms, me) {
				hits = append(hits, searchHit{"ticket", r.t.ID, r.t.CreatedAt, r.t.UpdatedAt, func() any { return r.t }})
			}
		}
	}
	if slices.Contains(types, "user") {
		users, all := st.userCandidates(terms)
		if all {
			users = st.users.values()
		}
		for _, u := range users {
			if st.matchUser(u, terms) {
				hits = append(hits, searchHit{"user", u.ID, u.CreatedAt, u.UpdatedAt, func() any { return st.userJSON(u) }})
			}
		}
	}
	if slices.Contains(types, "group") && mayMatch(terms, groupKeys) {
		for _, g := range st.groups.values() {
			if matchGroup(g, terms) {
				hits = append(hits, searchHit{"group", g.ID, g.CreatedAt, g.UpdatedAt, func() any { return *g }})
			}
		}
	}
	return hits
}

// withResultType encodes a resource with its result_type.
func withResultType(h searchHit) json.RawMessage {
	b, _ := marshal(h.render())
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	m["result_type"] = json.RawMessage(strconv.Quote(h.typ))
	out, _ := marshal(m)
	return out
}

const searchCap = 1000

func (s *Server) searchGet(c *call) error {
	p, err := c.pageParams(pageOffset, 100)
	if err != nil {
		return err
	}
	q := c.r.URL.Query()
	query := q.Get("query")
	if strings.TrimSpace(query) == "" {
		return errSearchInvalid("query is required")
	}
	if (p.page-1)*p.perPage >= searchCap {
		return errSearchPastCap()
	}
	terms := parseQuery(query)
	s.mu.Lock()
	hits := s.st.search(terms, resultTypes(terms), c.user)
	sortHits(hits, q.Get("sort_by"), q.Get("sort_order"))
	total := len(hits)
	page, next, prev := c.offsetPage(p, searchPagedTotal(total))
	results := []json.RawMessage{}
	for _, h := range hits[page[0]:page[1]] {
		results = append(results, withResultType(h))
	}
	s.mu.Unlock()
	return c.json(200, map[string]any{"results": results, "count": total, "next_page": next, "previous_page": prev, "facets": nil})
}

func sortHits(hits []searchHit, by, order string) {
	desc := order != "asc"
	key := func(h searchHit) time.Time { return h.created }
	switch by {
	case "created_at":
	case "updated_at":
		key = func(h searchHit) time.Time { return h.updated }
	default:
		return // the order found: tickets, users, groups, each by id
	}
	slices.SortStableFunc(hits, func(a, b searchHit) int {
		c := key(a).Compare(key(b))
		if c == 0 {
			c = int(a.id - b.id)
		}
		if desc {
			c = -c
		}
		return c
	})
}

func (s *Server) searchCount(c *call) error {
	query := c.r.URL.Query().Get("query")
	if strings.TrimSpace(query) == "" {
		return errSearchInvalid("query is required")
	}
	terms := parseQuery(query)
	s.mu.Lock()
	n := len(s.st.search(terms, resultTypes(terms), c.user))
	s.mu.Unlock()
	return c.json(200, map[string]any{"count": n})
}

const exportCursorLife = time.Hour

func (s *Server) searchExport(c *call) error {
	q := c.r.URL.Query()
	typ := q.Get("filter[type]")
	switch typ {
	case "ticket", "user", "group", "organization":
	case "":
		return errSearchInvalid("filter[type] is required")
	default:
		return errSearchInvalid("filter[type] must be one of ticket, user, group, organization")
	}
	query := q.Get("query")
	if strings.TrimSpace(query) == "" {
		return errSearchInvalid("query is required")
	}
	terms := parseQuery(query)
	for _, t := range terms {
		if t.key == "type" {
			return errSearchInvalid("type is not allowed in the query of an export search; use filter[type]")
		}
	}
	size := 100
	if v := q.Get("page[size]"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errSearchInvalid("page[size] must be between 1 and 1000")
		}
		size = n
	}
	now := s.now()
	after := ""
	if v := q.Get("page[after]"); v != "" {
		raw, err := decodeCursor(v)
		issued, key, ok := strings.Cut(raw, "|")
		sec, perr := strconv.ParseInt(issued, 10, 64)
		if err != nil || !ok || perr != nil {
			return errSearchInvalid("invalid cursor")
		}
		if now.Sub(time.Unix(sec, 0)) > exportCursorLife {
			return errSearchInvalid("the cursor has expired")
		}
		after = key
	}
	if q.Has("page[before]") {
		return errSearchInvalid("page[before] is not supported by export search")
	}
	s.mu.Lock()
	hits := s.st.search(terms, []string{typ}, c.user)
	key := func(h searchHit) string { return fmt.Sprintf("%020d.%020d", h.created.Unix(), h.id) }
	slices.SortFunc(hits, func(a, b searchHit) int { return strings.Compare(key(a), key(b)) })
	start := 0
	if after != "" {
		start = sort.Search(len(hits), func(i int) bool { return key(hits[i]) > after })
	}
	end := min(len(hits), start+size)
	results := []json.RawMessage{}
	for _, h := range hits[start:end] {
		results = append(results, withResultType(h))
	}
	s.mu.Unlock()
	meta := cursorMeta{HasMore: end < len(hits)}
	links := cursorLinks{}
	if end > start {
		cur := encodeCursor(strconv.FormatInt(now.Unix(), 10) + "|" + key(hits[end-1]))
		meta.AfterCursor = &cur
		links.Next = ptr(c.pageURL(map[string]string{"page[after]": cur}))
	}
	return c.json(200, map[string]any{"results": results, "facets": nil, "meta": meta, "links": links})
}
