package zendesktest_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestUsersAndFields(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	// User fields: create, duplicate key, bad key, list, get by key.
	r := call(t, s, "POST", "/api/v2/user_fields", map[string]any{"user_field": map[string]any{"type": "text", "key": "braze_external_id", "title": "Braze ID"}})
	mustStatus(t, r, 201)
	fieldID := num(get(r.json(t), "user_field", "id"))
	r = call(t, s, "POST", "/api/v2/user_fields.json", map[string]any{"user_field": map[string]any{"key": "braze_external_id", "title": "again"}})
	mustStatus(t, r, 422)
	if get(r.json(t), "details", "key", 0, "error") != "DuplicateValue" {
		t.Fatalf("duplicate key: %s", r.body)
	}
	mustStatus(t, call(t, s, "POST", "/api/v2/user_fields", map[string]any{"user_field": map[string]any{"key": "Bad Key", "title": "x"}}), 422)
	mustStatus(t, call(t, s, "POST", "/api/v2/user_fields", map[string]any{"user_field": map[string]any{"key": "tier", "title": "Tier", "type": "dropdown",
		"custom_field_options": []any{map[string]any{"name": "Gold", "value": "gold"}}}}), 201)
	r = call(t, s, "GET", "/api/v2/user_fields", nil)
	if n := len(get(r.json(t), "user_fields").([]any)); n != 2 {
		t.Fatalf("%d fields", n)
	}
	mustStatus(t, call(t, s, "GET", fmt.Sprintf("/api/v2/user_fields/%d", fieldID), nil), 200)
	mustStatus(t, call(t, s, "GET", "/api/v2/user_fields/braze_external_id", nil), 200)

	// Users: create, duplicate email, field values.
	r = call(t, s, "POST", "/api/v2/users", map[string]any{"user": map[string]any{
		"name": "Eve End", "email": "eve@example.com", "external_id": "crm-1", "user_fields": map[string]any{"braze_external_id": "bz-1", "unknown": "x"},
	}})
	mustStatus(t, r, 201)
	u := get(r.json(t), "user").(map[string]any)
	eve := num(u["id"])
	if u["role"] != "end-user" || get(u, "user_fields", "braze_external_id") != "bz-1" || get(u, "user_fields", "unknown") != nil {
		t.Fatalf("user = %v", u)
	}
	if v, ok := get(u, "user_fields").(map[string]any)["tier"]; !ok || v != nil {
		t.Fatalf("unset fields must be null: %v", u["user_fields"])
	}
	r = call(t, s, "POST", "/api/v2/users", map[string]any{"user": map[string]any{"name": "Dup", "email": "EVE@example.com"}})
	mustStatus(t, r, 422)
	if get(r.json(t), "details", "email", 0, "error") != "DuplicateValue" {
		t.Fatalf("dup email: %s", r.body)
	}
	mustStatus(t, call(t, s, "POST", "/api/v2/users", map[string]any{"user": map[string]any{"email": "x@example.com"}}), 422)
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/users/%d", eve), map[string]any{"user": map[string]any{"user_fields": map[string]any{"tier": "silver"}}}), 422)
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/users/%d.json", eve), map[string]any{"user": map[string]any{"user_fields": map[string]any{"tier": "gold"}, "phone": "+15550100"}})
	mustStatus(t, r, 200)
	if get(r.json(t), "user", "user_fields", "tier") != "gold" {
		t.Fatalf("update: %s", r.body)
	}

	// create_or_update: by email (200), by external_id (200), new (201).
	r = call(t, s, "POST", "/api/v2/users/create_or_update", map[string]any{"user": map[string]any{"email": "eve@example.com", "name": "Eve E."}})
	mustStatus(t, r, 200)
	if num(get(r.json(t), "user", "id")) != eve || r.header.Get("Location") == "" {
		t.Fatalf("create_or_update by email: %s", r.body)
	}
	r = call(t, s, "POST", "/api/v2/users/create_or_update", map[string]any{"user": map[string]any{"external_id": "CRM-1", "name": "Eve X"}})
	mustStatus(t, r, 200)
	if num(get(r.json(t), "user", "id")) != eve {
		t.Fatal("create_or_update by external_id")
	}
	r = call(t, s, "POST", "/api/v2/users/create_or_update", map[string]any{"user": map[string]any{"email": "new@example.com", "name": "New"}})
	mustStatus(t, r, 201)

	agent := s.AddAgent("Ann Agent", "ann@example.com")
	// Search.
	search := func(q string) []int64 {
		t.Helper()
		r := call(t, s, "GET", "/api/v2/users/search?query="+url.QueryEscape(q), nil)
		mustStatus(t, r, 200)
		var ids []int64
		for _, u := range get(r.json(t), "users").([]any) {
			ids = append(ids, num(get(u, "id")))
		}
		return ids
	}
	for q, want := range map[string]string{
		"email:eve@example.com":            fmt.Sprint([]int64{eve}),
		"external_id:crm-1":                fmt.Sprint([]int64{eve}),
		"role:agent":                       fmt.Sprint([]int64{agent}),
		"eve":                              fmt.Sprint([]int64{eve}),
		"braze_external_id:bz-1":           fmt.Sprint([]int64{eve}),
		"tier:gold role:end-user":          fmt.Sprint([]int64{eve}),
		`name:"Ann Agent"`:                 fmt.Sprint([]int64{agent}),
		"email:nobody@example.com":         "[]",
		"unknownfield:x":                   "[]",
		"role:end-user -tier:gold":         "", // checked below
		"+15550100":                        fmt.Sprint([]int64{eve}),
		"email:ann@example.com role:agent": fmt.Sprint([]int64{agent}),
	} {
		got := search(q)
		if want == "" {
			if len(got) != 1 {
				t.Errorf("%q: %v", q, got)
			}
			continue
		}
		if fmt.Sprint(got) != want {
			t.Errorf("search %q = %v, want %s", q, got, want)
		}
	}
	r = call(t, s, "GET", "/api/v2/users/search?external_id=crm-1", nil)
	if num(get(r.json(t), "count")) != 1 {
		t.Fatalf("external_id param: %s", r.body)
	}
	mustStatus(t, call(t, s, "GET", "/api/v2/users/search", nil), 400)

	// me, show_many, list filtered by role.
	r = call(t, s, "GET", "/api/v2/users/me.json", nil)
	if get(r.json(t), "user", "role") != "admin" || get(r.json(t), "user", "email") != s.Email {
		t.Fatalf("me: %s", r.body)
	}
	r = call(t, s, "GET", fmt.Sprintf("/api/v2/users/show_many?ids=%d,%d,999", eve, agent), nil)
	if n := len(get(r.json(t), "users").([]any)); n != 2 {
		t.Fatalf("show_many: %d", n)
	}
	r = call(t, s, "GET", "/api/v2/users?role=agent", nil)
	if n := len(get(r.json(t), "users").([]any)); n != 1 {
		t.Fatalf("role filter: %s", r.body)
	}
	if err := s.SetUserField(agent, "tier", "gold"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserField(agent, "tier", "platinum"); err == nil {
		t.Fatal("invalid dropdown value accepted")
	}
}

func TestGroups(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	r := call(t, s, "POST", "/api/v2/groups", map[string]any{"group": map[string]any{"name": "Support", "description": "first line"}})
	mustStatus(t, r, 201)
	id := num(get(r.json(t), "group", "id"))
	mustStatus(t, call(t, s, "POST", "/api/v2/groups", map[string]any{"group": map[string]any{"name": ""}}), 422)
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/groups/%d", id), map[string]any{"group": map[string]any{"name": "Tier 1"}})
	mustStatus(t, r, 200)
	r = call(t, s, "GET", "/api/v2/groups.json", nil)
	if get(r.json(t), "groups", 0, "name") != "Tier 1" {
		t.Fatalf("groups: %s", r.body)
	}
	r = call(t, s, "GET", "/api/v2/groups?page[size]=1", nil)
	if get(r.json(t), "meta", "has_more") != false {
		t.Fatalf("cursor: %s", r.body)
	}
	mustStatus(t, call(t, s, "DELETE", fmt.Sprintf("/api/v2/groups/%d", id), nil), 204)
	mustStatus(t, call(t, s, "GET", fmt.Sprintf("/api/v2/groups/%d", id), nil), 404)
}

func TestSearch(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	agent := s.AddAgent("Ann Agent", "ann@example.com")
	var batch []any
	for i := range 100 {
		status := "open"
		if i%2 == 0 {
			status = "pending"
		}
		batch = append(batch, map[string]any{"subject": fmt.Sprint("printer ", i), "status": status, "comment": map[string]any{"body": "toner"}, "tags": []string{"hw"}})
	}
	for range 11 {
		mustStatus(t, call(t, s, "POST", "/api/v2/tickets/create_many", map[string]any{"tickets": batch}), 200)
	}
	mustStatus(t, call(t, s, "PUT", "/api/v2/tickets/1", map[string]any{"ticket": map[string]any{"assignee_id": agent, "status": "solved", "priority": "high"}}), 200)

	count := func(q string) int64 {
		t.Helper()
		r := call(t, s, "GET", "/api/v2/search.json?query="+url.QueryEscape(q), nil)
		mustStatus(t, r, 200)
		return num(get(r.json(t), "count"))
	}
	for q, want := range map[string]int64{
		"type:ticket status:pending":           549, // ticket 1 was pending, now solved
		"type:ticket status<solved":            1099,
		"type:ticket status>=solved":           1,
		"type:ticket assignee:ann@example.com": 1,
		"type:ticket assignee:none":            1099,
		`type:ticket subject:"printer 7"`:      11 * 11, // printer 7, 70..79
		"type:ticket priority:high":            1,
		"type:ticket tags:hw -status:open":     550,
		"type:user role:agent":                 1,
		"type:group":                           0,
		"toner type:ticket":                    1100,
		"type:ticket created>2000-01-01":       1100,
	} {
		if got := count(q); got != want {
			t.Errorf("count %q = %d, want %d", q, got, want)
		}
	}
	// Offset pages with absolute next_page and result_type; the 1,000 cap.
	r := call(t, s, "GET", "/api/v2/search?query=type:ticket&per_page=100&page=10", nil)
	mustStatus(t, r, 200)
	m := r.json(t)
	if num(m["count"]) != 1100 || get(m, "results", 0, "result_type") != "ticket" || len(m["results"].([]any)) != 100 {
		t.Fatalf("page 10: count=%v next=%v", m["count"], m["next_page"])
	}
	// next_page points past the cap; following it is the 422.
	r = call(t, s, "GET", m["next_page"].(string), nil)
	mustStatus(t, r, 422)
	if get(r.json(t), "error") != "invalid" {
		t.Fatalf("cap: %s", r.body)
	}
	r = call(t, s, "GET", "/api/v2/search?query=type:ticket&per_page=100&page=2", nil)
	next, _ := get(r.json(t), "next_page").(string)
	if !strings.HasPrefix(next, s.URL+"/api/v2/search?") || !strings.Contains(next, "page=3") {
		t.Fatalf("next_page %q", next)
	}
	mustStatus(t, call(t, s, "GET", "/api/v2/search?query=", nil), 400)
	r = call(t, s, "GET", "/api/v2/search/count?query=type:user", nil)
	if num(get(r.json(t), "count")) != 2 {
		t.Fatalf("search count: %s", r.body)
	}

	// Export: filter[type] required, type: refused, cursor walk past 1,000.
	mustStatus(t, call(t, s, "GET", "/api/v2/search/export?query=printer", nil), 400)
	mustStatus(t, call(t, s, "GET", "/api/v2/search/export?query=type:ticket&filter[type]=ticket", nil), 400)
	nextURL := s.URL + "/api/v2/search/export?query=printer&filter[type]=ticket&page[size]=500"
	seen := 0
	for pages := 0; ; pages++ {
		if pages > 4 {
			t.Fatal("too many export pages")
		}
		r := call(t, s, "GET", nextURL, nil)
		mustStatus(t, r, 200)
		m := r.json(t)
		seen += len(m["results"].([]any))
		if get(m, "links", "prev") != nil {
			t.Fatal("export links.prev must be null")
		}
		if get(m, "meta", "has_more") != true {
			break
		}
		nextURL = get(m, "links", "next").(string)
	}
	if seen != 1100 {
		t.Fatalf("export saw %d", seen)
	}
	mustStatus(t, call(t, s, "GET", "/api/v2/search/export?query=x&filter[type]=ticket&page[size]=1001", nil), 400)
}
