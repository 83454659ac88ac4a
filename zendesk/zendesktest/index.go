package zendesktest

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Indexes over the users, so that a lookup by email, external id or user
// field value is O(1) whatever the number of users: create_or_update, a
// ticket's requester by email, users/search?external_id= and search terms
// such as email:x, external_id:x and <user field key>:x (the SMS bridge
// finds its requesters that way); and by role, so that a page of
// GET /users?role= is found in O(log n) per user.
//
// Zendesk matches emails and external ids without regard to case (the
// create-or-update reference says so of the external id lookup:
// https://developer.zendesk.com/api-reference/ticketing/users/users/#create-or-update-user),
// and this fake's search terms compare with strings.EqualFold, so the keys
// are case-folded with foldKey.

// foldKey maps s to a key that equals foldKey(t) exactly when
// strings.EqualFold(s, t): each rune becomes one rune of its simple
// case-folding orbit, as EqualFold compares them rune by rune (the
// smallest, or its lower case when that is an ASCII letter, so that ASCII
// text simply goes to lower case: "K" and the Kelvin sign both give "k").
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		if 'A' <= least && least <= 'Z' {
			least += 'a' - 'A'
		}
		b.WriteRune(least)
	}
	return b.String()
}

// idList is a set of ids in ascending order (ids grow with creation, so
// this is creation order too).
type idList []int64

func (l idList) add(id int64) idList {
	i, found := slices.BinarySearch(l, id)
	if found {
		return l
	}
	return slices.Insert(l, i, id)
}

func (l idList) remove(id int64) idList {
	if i, found := slices.BinarySearch(l, id); found {
		return slices.Delete(l, i, i+1)
	}
	return l
}

// userIndex indexes users by folded email, external id and user field
// values (field key, then folded fieldString of the value; null values
// are not indexed), and by role (exactly, as the role filter compares).
type userIndex struct {
	email    map[string]idList
	external map[string]idList
	fields   map[string]map[string]idList
	role     map[string]idList
	// probes counts the ids a role page compared or took, so that tests
	// can check the work a request does.
	probes int
}

func newUserIndex() *userIndex {
	return &userIndex{email: map[string]idList{}, external: map[string]idList{}, fields: map[string]map[string]idList{}, role: map[string]idList{}}
}

// add indexes u as it is now; remove must be called with u unchanged since.
func (ix *userIndex) add(u *User) { ix.update(u, idList.add) }

// remove drops u's entries; call it before changing u, and add after.
func (ix *userIndex) remove(u *User) { ix.update(u, idList.remove) }

func (ix *userIndex) update(u *User, op func(idList, int64) idList) {
	set := func(m map[string]idList, key string) {
		if l := op(m[key], u.ID); len(l) > 0 {
			m[key] = l
		} else {
			delete(m, key)
		}
	}
	if u.Email != nil && *u.Email != "" {
		set(ix.email, foldKey(*u.Email))
	}
	if u.ExternalID != nil && *u.ExternalID != "" {
		set(ix.external, foldKey(*u.ExternalID))
	}
	set(ix.role, u.Role)
	for k, v := range u.UserFields {
		if v == nil {
			continue
		}
		m := ix.fields[k]
		if m == nil {
			m = map[string]idList{}
			ix.fields[k] = m
		}
		set(m, foldKey(fieldString(v)))
		if len(m) == 0 {
			delete(ix.fields, k)
		}
	}
}

// users returns the users of ids, in id order.
func (st *state) usersOf(ids idList) []*User {
	out := make([]*User, 0, len(ids))
	for _, id := range ids {
		if u, ok := st.users.get(id); ok {
			out = append(out, u)
		}
	}
	return out
}

// first returns the first (oldest) user of ids, or nil.
func (st *state) first(ids idList) *User {
	if len(ids) == 0 {
		return nil
	}
	u, _ := st.users.get(ids[0])
	return u
}

// userByEmail finds a user by email, case-insensitively.
func (st *state) userByEmail(email string) *User {
	return st.first(st.userIx.email[foldKey(email)])
}

// userByExternalID finds a user by external id, case-insensitively.
func (st *state) userByExternalID(ext string) *User {
	return st.first(st.userIx.external[foldKey(ext)])
}

// userFieldByKey finds a user field by key (exactly: keys are lower case).
func (st *state) userFieldByKey(key string) *UserField {
	if id, ok := st.fieldKeys[key]; ok {
		f, _ := st.userFields.get(id)
		return f
	}
	return nil
}

// roleUsers are the users with one of some roles, in id order, for
// GET /users?role= (idPages): one id list per role, each ascending, no id
// in two (a user has one role). A page is found by binary search in each
// list and a merge of the page's ids, never by walking the lists.
type roleUsers struct {
	st    *state
	lists []idList
}

// usersWithRoles returns the users whose role is one of roles.
func (st *state) usersWithRoles(roles []string) roleUsers {
	r := roleUsers{st: st}
	for i, role := range roles {
		if l := st.userIx.role[role]; len(l) > 0 && !slices.Contains(roles[:i], role) {
			r.lists = append(r.lists, l)
		}
	}
	return r
}

func (r roleUsers) len() int {
	n := 0
	for _, l := range r.lists {
		n += len(l)
	}
	return n
}

// cut returns, per list, how many of its ids are less than id (at most
// id, when inclusive).
func (r roleUsers) cut(id int64, inclusive bool) []int {
	pos := make([]int, len(r.lists))
	for i, l := range r.lists {
		pos[i] = sort.Search(len(l), func(j int) bool {
			r.st.userIx.probes++
			return l[j] > id || (!inclusive && l[j] == id)
		})
	}
	return pos
}

// rank returns, per list, how many of its ids come before the id ranked
// k (from 0) among all of them: the least id v with more than k ids at
// most v, found by binary search over the ids' range (at most 64 steps
// of one binary search per list).
func (r roleUsers) rank(k int) []int {
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, l := range r.lists {
		lo, hi = min(lo, l[0]), max(hi, l[len(l)-1])
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		n := 0
		for _, c := range r.cut(mid, true) {
			n += c
		}
		if n > k {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return r.cut(lo, false)
}

// take returns up to n ids from the positions pos on (ascending, when
// forward) or before them (descending, when not), and whether any remain
// past them.
func (r roleUsers) take(pos []int, n int, forward bool) (ids []int64, more bool) {
	pos = slices.Clone(pos)
	for {
		best := -1
		for i, l := range r.lists {
			if forward && pos[i] < len(l) && (best < 0 || l[pos[i]] < r.lists[best][pos[best]]) ||
				!forward && pos[i] > 0 && (best < 0 || l[pos[i]-1] > r.lists[best][pos[best]-1]) {
				best = i
			}
		}
		if best < 0 || len(ids) == n {
			return ids, best >= 0
		}
		r.st.userIx.probes++
		if forward {
			ids = append(ids, r.lists[best][pos[best]])
			pos[best]++
		} else {
			pos[best]--
			ids = append(ids, r.lists[best][pos[best]])
		}
	}
}

// users returns the ids and their users.
func (r roleUsers) users(ids []int64) ([]int64, []*User) {
	us := make([]*User, 0, len(ids))
	for _, id := range ids {
		u, _ := r.st.users.get(id)
		us = append(us, u)
	}
	return ids, us
}

func (r roleUsers) ranked(from, n int) ([]int64, []*User) {
	if n <= 0 || from > r.len() {
		return nil, nil
	}
	ids, _ := r.take(r.rank(from-1), n, true)
	return r.users(ids)
}

func (r roleUsers) pageAfter(after int64, first bool, n int) ([]int64, []*User, bool, bool) {
	pos := make([]int, len(r.lists))
	if !first {
		pos = r.cut(after, true)
	}
	ids, more := r.take(pos, n, true)
	keys, us := r.users(ids)
	return keys, us, more, true
}

func (r roleUsers) pageBefore(before int64, n int) ([]int64, []*User, bool, bool) {
	ids, more := r.take(r.cut(before, false), n, false)
	slices.Reverse(ids)
	keys, us := r.users(ids)
	return keys, us, more, true
}

func (r roleUsers) all() ([]int64, []*User) {
	ids, _ := r.take(make([]int, len(r.lists)), r.len(), true)
	return r.users(ids)
}

// userKeys are the search keys matchUser knows besides user field keys.
var userKeys = []string{"", "type", "email", "name", "role", "external_id", "phone", "tags", "tag", "created"}

// userCandidates returns, in id order, the only users that can match
// terms when an index answers one of them: email:x (without a wildcard),
// external_id:x or <user field key>:x, or a term no user can match (an
// unknown key). all is true when no index applies and every user must be
// tried. The candidates must still be matched against every term.
func (st *state) userCandidates(terms []term) (users []*User, all bool) {
	for _, tm := range terms {
		if tm.neg {
			continue
		}
		if !slices.Contains(userKeys, tm.key) && st.userFieldByKey(tm.key) == nil {
			return nil, false // matchUser fails every user on this term
		}
		if tm.op != ":" || tm.value == "" {
			continue
		}
		switch {
		case tm.key == "email" && !strings.HasSuffix(tm.value, "*"):
			return st.usersOf(st.userIx.email[foldKey(tm.value)]), false
		case tm.key == "external_id":
			return st.usersOf(st.userIx.external[foldKey(tm.value)]), false
		case !slices.Contains(userKeys, tm.key):
			return st.usersOf(st.userIx.fields[tm.key][foldKey(tm.value)]), false
		}
	}
	return nil, true
}

// mayMatch reports whether a record whose matcher knows keys can match
// terms: a term (not negated) with another key matches nothing.
func mayMatch(terms []term, keys []string) bool {
	for _, tm := range terms {
		if !tm.neg && tm.key != "type" && !slices.Contains(keys, tm.key) {
			return false
		}
	}
	return true
}

var (
	ticketKeys = []string{"", "status", "priority", "ticket_type", "tags", "tag", "requester", "submitter", "assignee",
		"group", "external_id", "via", "subject", "description", "comment", "created", "updated"}
	groupKeys = []string{"", "name"}
)
