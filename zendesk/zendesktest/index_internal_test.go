package zendesktest

import (
	"fmt"
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
