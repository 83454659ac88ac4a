package zendesktest

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Indexes over the users, so that a lookup by email, external id or user
// field value is O(1) whatever the number of users: create_or_update, a
// ticket's requester by email, users/search?external_id= and search terms
// such as email:x, external_id:x and <user field key>:x (the SMS bridge
// finds its requesters that way).
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
// are not indexed).
type userIndex struct {
	email    map[string]idList
	external map[string]idList
	fields   map[string]map[string]idList
}

func newUserIndex() *userIndex {
	return &userIndex{email: map[string]idList{}, external: map[string]idList{}, fields: map[string]map[string]idList{}}
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
