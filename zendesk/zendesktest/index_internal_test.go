package zendesktest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestUserLookupsUseIndexes(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	if _, err := s.AddUserField(UserField{Key: "crm_id", Title: "CRM id"}); err != nil {
		t.Fatal(err)
	}
	const n = 3000
	var target User
	for i := range n {
		u := s.AddUser(User{Name: fmt.Sprintf("User %d", i), Email: ptr(fmt.Sprintf("user%d@example.com", i)),
			ExternalID: ptr(fmt.Sprintf("ext-%d", i)), UserFields: map[string]any{"crm_id": fmt.Sprintf("C%d", i)}})
		if i == n/2 {
			target = u
		}
	}
	check := func(what string, found func() int64) {
		t.Helper()
		before := work(s)
		if id := found(); id != target.ID {
			t.Errorf("%s found user %d, want %d", what, id, target.ID)
		}
		if w := work(s) - before; w > 10 {
			t.Errorf("%s walked %d records of %d users", what, w, n)
		}
	}
	firstUser := func(m map[string]any, list string) int64 {
		l, _ := m[list].([]any)
		if len(l) != 1 {
			t.Errorf("%s: %v", list, l)
			return 0
		}
		return int64(l[0].(map[string]any)["id"].(float64))
	}
	q := fmt.Sprintf("crm_id:c%d", n/2) // user field values match case-insensitively
	check("users/search by user field", func() int64 {
		_, m := doJSON(t, s, "GET", "/api/v2/users/search?query="+q, nil)
		return firstUser(m, "users")
	})
	check("search type:user by user field", func() int64 {
		_, m := doJSON(t, s, "GET", "/api/v2/search?query=type:user%20"+q, nil)
		return firstUser(m, "results")
	})
	check("search by user field", func() int64 {
		_, m := doJSON(t, s, "GET", "/api/v2/search?query="+q, nil)
		return firstUser(m, "results")
	})
	check("search by email", func() int64 {
		_, m := doJSON(t, s, "GET", fmt.Sprintf("/api/v2/search?query=type:user%%20email:USER%d@example.com", n/2), nil)
		return firstUser(m, "results")
	})
	check("users/search?external_id", func() int64 {
		_, m := doJSON(t, s, "GET", fmt.Sprintf("/api/v2/users/search?external_id=EXT-%d", n/2), nil)
		return firstUser(m, "users")
	})
	check("create_or_update by email", func() int64 {
		st, m := doJSON(t, s, "POST", "/api/v2/users/create_or_update", map[string]any{"user": map[string]any{"name": "Renamed", "email": target.email()}})
		if st != 200 {
			t.Errorf("create_or_update: %d %v", st, m)
		}
		return int64(m["user"].(map[string]any)["id"].(float64))
	})
	check("create_or_update by external_id", func() int64 {
		_, m := doJSON(t, s, "POST", "/api/v2/users/create_or_update", map[string]any{"user": map[string]any{"name": "Renamed", "external_id": *target.ExternalID}})
		return int64(m["user"].(map[string]any)["id"].(float64))
	})
	check("ticket requester by email", func() int64 {
		st, m := doJSON(t, s, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{
			"comment": map[string]any{"body": "hi"}, "requester": map[string]any{"name": "x", "email": target.email()}}})
		if st != 201 {
			t.Errorf("ticket: %d %v", st, m)
		}
		return int64(m["ticket"].(map[string]any)["requester_id"].(float64))
	})

	// The indexes follow updates: the old email and field value no longer
	// find the user, the new ones do.
	st, m := doJSON(t, s, "PUT", fmt.Sprintf("/api/v2/users/%d", target.ID), map[string]any{"user": map[string]any{
		"email": "moved@example.com", "user_fields": map[string]any{"crm_id": "NEW"}}})
	if st != 200 {
		t.Fatalf("update: %d %v", st, m)
	}
	_, m = doJSON(t, s, "GET", "/api/v2/users/search?query="+q, nil)
	if l, _ := m["users"].([]any); len(l) != 0 {
		t.Errorf("old field value still finds %v", l)
	}
	check("search by the new field value", func() int64 {
		_, m := doJSON(t, s, "GET", "/api/v2/users/search?query=crm_id:new", nil)
		return firstUser(m, "users")
	})
	check("create_or_update by the new email", func() int64 {
		_, m := doJSON(t, s, "POST", "/api/v2/users/create_or_update", map[string]any{"user": map[string]any{"email": "MOVED@example.com"}})
		return int64(m["user"].(map[string]any)["id"].(float64))
	})
	if st, m := doJSON(t, s, "POST", "/api/v2/users", map[string]any{"user": map[string]any{"name": "dup", "email": fmt.Sprintf("user%d@example.com", n/2)}}); st != 201 {
		t.Errorf("the old email is free again: %d %v", st, m)
	}
}

// foldKey must agree with strings.EqualFold, which search terms, emails
// and external ids are compared with.
func FuzzFoldKeyAgreesWithEqualFold(f *testing.F) {
	for _, p := range [][2]string{
		{"K", "k"}, {"\u212a", "k"}, {"\u212aelvin", "KELVIN"}, {"ſ", "S"}, {"ſ", "s"}, {"Σ", "ς"}, {"σ", "ς"},
		{"İ", "i"}, {"ß", "ss"}, {"Ǆ", "ǅ"}, {"\xff", "\ufffd"}, {"Crm-ID", "crm-id"}, {"a", "b"}, {"", ""},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if same, equal := foldKey(a) == foldKey(b), strings.EqualFold(a, b); same != equal {
			t.Errorf("foldKey(%q) == foldKey(%q) is %v, EqualFold %v", a, b, same, equal)
		}
	})
}

// GET /users?role= finds its page through the role index: a page of one
// role or of several, by cursor either way or by offset, touches O(log n)
// records, not every user; the pages hold the users a walk of every user
// would have picked, and a change of role moves a user between them.
func TestUsersByRoleUseTheIndex(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	const n = 9000
	roles := []string{"end-user", "agent", "admin"}
	for i := range n {
		s.AddUser(User{Name: fmt.Sprintf("User %d", i), Role: roles[i%3]})
	}
	// What a walk of every user picks, in id order (the admin the server
	// starts with included).
	want := func(of ...string) []int64 {
		var ids []int64
		for _, u := range s.Users() {
			if slices.Contains(of, u.Role) {
				ids = append(ids, u.ID)
			}
		}
		return ids
	}
	agents, staff := want("agent"), want("agent", "admin")
	type pageOf struct {
		ids  []int64
		meta map[string]any
	}
	get := func(what, path string) pageOf {
		t.Helper()
		before := work(s)
		st, m := doJSON(t, s, "GET", path, nil)
		if w := work(s) - before; st != 200 || w > logWork(12, n) {
			t.Fatalf("%s: status %d, touched %d records of %d users, want O(log n) (at most %d)", what, st, w, n, logWork(12, n))
		}
		var p pageOf
		for _, u := range m["users"].([]any) {
			p.ids = append(p.ids, int64(u.(map[string]any)["id"].(float64)))
		}
		p.meta, _ = m["meta"].(map[string]any)
		return p
	}
	cursor := func(id int64) string { return encodeCursor(seqKey(id)) }
	check := func(what string, got pageOf, want []int64, more bool) {
		t.Helper()
		if !slices.Equal(got.ids, want) || (got.meta != nil && got.meta["has_more"] != more) {
			t.Errorf("%s: ids %v (meta %v), want %v (has_more %v)", what, got.ids, got.meta, want, more)
		}
	}

	mid := len(agents) / 2
	check("agents after the middle", get("cursor after", "/api/v2/users?role=agent&page[size]=10&page[after]="+cursor(agents[mid])),
		agents[mid+1:mid+11], true)
	check("agents before the middle", get("cursor before", "/api/v2/users?role=agent&page[size]=10&page[before]="+cursor(agents[mid])),
		agents[mid-10:mid], true)
	check("the first agents", get("first cursor page", "/api/v2/users?role=agent&page[size]=5"), agents[:5], true)
	check("the last agents", get("last cursor page", "/api/v2/users?role=agent&page[size]=10&page[after]="+cursor(agents[len(agents)-4])),
		agents[len(agents)-3:], false)
	mid = len(staff) / 2
	check("agents and admins after the middle",
		get("two roles, cursor after", "/api/v2/users?role[]=agent&role[]=admin&page[size]=10&page[after]="+cursor(staff[mid])),
		staff[mid+1:mid+11], true)
	check("agents and admins before the middle",
		get("two roles, cursor before", "/api/v2/users?role[]=admin&role[]=agent&role[]=agent&page[size]=10&page[before]="+cursor(staff[mid])),
		staff[mid-10:mid], true)
	check("agents and admins, offset page 37", get("two roles, offset", "/api/v2/users?role[]=agent&role[]=admin&page=37&per_page=10"),
		staff[360:370], false)
	check("agents, offset page 100", get("one role, offset", "/api/v2/users?role=agent&page=100&per_page=30"), agents[2970:3000], false)
	check("no such role", get("unknown role", "/api/v2/users?role=owner"), nil, false)

	// A new role moves the user between the role's pages.
	moved := agents[0]
	if st, m := doJSON(t, s, "PUT", fmt.Sprintf("/api/v2/users/%d", moved), map[string]any{"user": map[string]any{"role": "end-user"}}); st != 200 {
		t.Fatalf("update: %d %v", st, m)
	}
	check("agents once the first is an end-user", get("after a role change", "/api/v2/users?role=agent&page[size]=2"), agents[1:3], true)
	if _, m := doJSON(t, s, "GET", "/api/v2/users?role=end-user&page=1&per_page=1", nil); m["count"] != float64(n/3+1) {
		t.Errorf("end-users: count %v, want %d", m["count"], n/3+1)
	}
}
