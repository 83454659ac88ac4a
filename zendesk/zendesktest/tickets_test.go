package zendesktest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func ticketBody(subject, comment string) map[string]any {
	return map[string]any{"ticket": map[string]any{"subject": subject, "comment": map[string]any{"body": comment}}}
}

func createTicket(t *testing.T, s *zendesktest.Server, subject string) int64 {
	t.Helper()
	r := call(t, s, "POST", "/api/v2/tickets", ticketBody(subject, "body of "+subject))
	mustStatus(t, r, 201)
	return num(get(r.json(t), "ticket", "id"))
}

func TestErrorBodies(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	for _, p := range []string{"/api/v2/tickets/999", "/api/v2/tickets/999.json", "/api/v2/users/999", "/api/v2/nope", "/api/v2/tickets/abc"} {
		r := call(t, s, "GET", p, nil)
		mustStatus(t, r, 404)
		if string(r.body) != `{"error":"RecordNotFound","description":"Not found"}` {
			t.Errorf("%s: %s", p, r.body)
		}
	}
	r := call(t, s, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "no comment"}})
	mustStatus(t, r, 422)
	m := r.json(t)
	if get(m, "error") != "RecordInvalid" || get(m, "description") != "Record validation errors" ||
		get(m, "details", "description", 0, "description") != "Description: cannot be blank" {
		t.Fatalf("422 body: %s", r.body)
	}
	r = call(t, s, "POST", "/api/v2/tickets", `{"ticket":`)
	mustStatus(t, r, 400)
	r = call(t, s, "PUT", "/api/v2/tickets/1", map[string]any{"ticket": map[string]any{"status": "bogus"}})
	mustStatus(t, r, 404)
}

func TestTicketLifecycle(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	agent := s.AddAgent("Ann Agent", "ann@example.com")

	// Create through .json with a new requester.
	r := call(t, s, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
		"subject":   "Printer on fire",
		"comment":   map[string]any{"body": "It smokes.\n\nPlease help <now>"},
		"requester": map[string]any{"name": "Rita Requester", "email": "rita@example.com"},
		"priority":  "urgent", "tags": []string{"Fire", "printer"},
	}})
	mustStatus(t, r, 201)
	tk := get(r.json(t), "ticket").(map[string]any)
	id := num(tk["id"])
	if r.header.Get("Location") != fmt.Sprintf("%s/api/v2/tickets/%d.json", s.URL, id) {
		t.Errorf("Location %q", r.header.Get("Location"))
	}
	if tk["status"] != "new" || tk["priority"] != "urgent" || get(tk, "via", "channel") != "api" || num(tk["via_id"]) != 5 ||
		tk["description"] != "It smokes.\n\nPlease help <now>" || tk["assignee_id"] != nil || fmt.Sprint(tk["tags"]) != "[fire printer]" {
		t.Fatalf("ticket = %v", tk)
	}
	req, ok := s.User(num(tk["requester_id"]))
	if !ok || req.Name != "Rita Requester" || req.Role != "end-user" {
		t.Fatalf("requester = %+v", req)
	}
	// The same email finds the same requester.
	r = call(t, s, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{
		"comment": map[string]any{"body": "again"}, "requester": map[string]any{"name": "R", "email": "RITA@example.com"},
	}})
	mustStatus(t, r, 201)
	if num(get(r.json(t), "ticket", "requester_id")) != req.ID {
		t.Fatal("requester not found by email")
	}

	cs := s.Comments(id)
	if len(cs) != 1 || cs[0].AuthorID != req.ID || !cs[0].Public ||
		cs[0].HTMLBody != `<div class="zd-comment" dir="auto"><p dir="auto">It smokes.</p><p dir="auto">Please help &lt;now&gt;</p></div>` {
		t.Fatalf("comments = %+v", cs)
	}

	// An agent's internal note through the API opens the ticket.
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), map[string]any{"ticket": map[string]any{
		"comment": map[string]any{"body": "looking", "public": false, "author_id": agent}, "assignee_id": agent,
	}})
	mustStatus(t, r, 200)
	m := r.json(t)
	if get(m, "ticket", "status") != "open" || get(m, "audit", "events", 0, "type") != "Comment" {
		t.Fatalf("update = %s", r.body)
	}
	r = call(t, s, "GET", fmt.Sprintf("/api/v2/tickets/%d/comments.json", id), nil)
	mustStatus(t, r, 200)
	if n := len(get(r.json(t), "comments").([]any)); n != 2 || get(r.json(t), "comments", 1, "public") != false {
		t.Fatalf("comments = %s", r.body)
	}

	// Safe update with a stale stamp conflicts.
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), map[string]any{"ticket": map[string]any{
		"status": "pending", "safe_update": true, "updated_stamp": "2001-01-01T00:00:00Z",
	}})
	mustStatus(t, r, 409)
	if get(r.json(t), "error") != "UpdateConflict" {
		t.Fatalf("409 body %s", r.body)
	}

	// Back to new is refused; solved then closed; closed refuses updates.
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), map[string]any{"ticket": map[string]any{"status": "new"}}), 422)
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), map[string]any{"ticket": map[string]any{"status": "solved"}}), 200)
	if err := s.EndUserReply(id, "it is back"); err != nil {
		t.Fatal(err)
	}
	if tk, _ := s.Ticket(id); tk.Status != "open" {
		t.Fatalf("end user reply did not reopen: %s", tk.Status)
	}
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), map[string]any{"ticket": map[string]any{"status": "closed"}}), 200)
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "late"}}})
	mustStatus(t, r, 422)
	if get(r.json(t), "details", "status", 0, "description") != "Status: closed prevents ticket update" {
		t.Fatalf("closed: %s", r.body)
	}

	// Delete.
	mustStatus(t, call(t, s, "DELETE", fmt.Sprintf("/api/v2/tickets/%d", id), nil), 204)
	mustStatus(t, call(t, s, "GET", fmt.Sprintf("/api/v2/tickets/%d", id), nil), 404)
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	post := func(key string, body any) resp {
		t.Helper()
		return callWith(t, s, "POST", "/api/v2/tickets", body, map[string]string{"Idempotency-Key": key})
	}
	a := post("k1", ticketBody("A", "a"))
	mustStatus(t, a, 201)
	b := post("k1", ticketBody("A", "a"))
	mustStatus(t, b, 201)
	if string(a.body) != string(b.body) || a.header.Get("x-idempotency-lookup") != "miss" || b.header.Get("x-idempotency-lookup") != "hit" {
		t.Fatalf("replay differs: %s / %s", a.header, b.header)
	}
	c := post("k1", ticketBody("B", "b"))
	mustStatus(t, c, 400)
	if get(c.json(t), "error") != "IdempotentRequestError" {
		t.Fatalf("other body: %s", c.body)
	}
	if n := len(s.Tickets()); n != 1 {
		t.Fatalf("%d tickets", n)
	}
}

func TestBulkJobs(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	var many []any
	for i := range 101 {
		many = append(many, map[string]any{"subject": fmt.Sprint("t", i), "comment": map[string]any{"body": "x"}})
	}
	r := call(t, s, "POST", "/api/v2/tickets/create_many", map[string]any{"tickets": many})
	mustStatus(t, r, 400)
	if get(r.json(t), "error") != "TooManyValues" {
		t.Fatalf("101: %s", r.body)
	}
	many = append(many[:2], map[string]any{"subject": "bad"}) // no comment: fails
	r = call(t, s, "POST", "/api/v2/tickets/create_many.json", map[string]any{"tickets": many})
	mustStatus(t, r, 200)
	job := get(r.json(t), "job_status").(map[string]any)
	if job["status"] != "queued" || !strings.HasSuffix(job["url"].(string), ".json") {
		t.Fatalf("job = %v", job)
	}
	r = call(t, s, "GET", "/api/v2/job_statuses/"+job["id"].(string), nil)
	mustStatus(t, r, 200)
	done := get(r.json(t), "job_status").(map[string]any)
	if done["status"] != "completed" || num(done["total"]) != 3 || num(done["progress"]) != 3 {
		t.Fatalf("done = %v", done)
	}
	res := done["results"].([]any)
	if num(get(res, 0, "id")) != 1 || num(get(res, 1, "index")) != 1 || get(res, 2, "error") != "RecordInvalid" {
		t.Fatalf("results = %v", res)
	}
	r = call(t, s, "PUT", "/api/v2/tickets/update_many?ids=1,2,99", map[string]any{"ticket": map[string]any{"status": "pending"}})
	mustStatus(t, r, 200)
	id := get(r.json(t), "job_status", "id").(string)
	r = call(t, s, "GET", "/api/v2/job_statuses/show_many?ids="+id, nil)
	res = get(r.json(t), "job_statuses", 0, "results").([]any)
	if get(res, 0, "status") != "Updated" || get(res, 2, "error") != "TicketNotFound" {
		t.Fatalf("update results %v", res)
	}
	if tk, _ := s.Ticket(2); tk.Status != "pending" {
		t.Fatal("update_many did not apply")
	}
	r = call(t, s, "PUT", "/api/v2/tickets/update_many", map[string]any{"tickets": []any{map[string]any{"id": 1, "priority": "low"}}})
	mustStatus(t, r, 200)
	if tk, _ := s.Ticket(1); tk.Priority == nil || *tk.Priority != "low" {
		t.Fatal("update_many with tickets did not apply")
	}
	mustStatus(t, call(t, s, "DELETE", "/api/v2/tickets/destroy_many?ids=1", nil), 200)
	if _, ok := s.Ticket(1); ok {
		t.Fatal("destroy_many")
	}
}

// TestCursorWalk250 walks 250 tickets with page[size]=100 following
// links.next, then with offset pagination.
func TestCursorWalk250(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	for i := range 3 {
		var batch []any
		for j := range min(100, 250-i*100) {
			batch = append(batch, map[string]any{"subject": fmt.Sprint("t", i*100+j), "comment": map[string]any{"body": "x"}})
		}
		mustStatus(t, call(t, s, "POST", "/api/v2/tickets/create_many", map[string]any{"tickets": batch}), 200)
	}
	next := s.URL + "/api/v2/tickets.json?page[size]=100"
	var ids []int64
	var sizes []int
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		r := call(t, s, "GET", next, nil)
		mustStatus(t, r, 200)
		m := r.json(t)
		list := m["tickets"].([]any)
		sizes = append(sizes, len(list))
		for _, tk := range list {
			ids = append(ids, num(get(tk, "id")))
		}
		if get(m, "meta", "after_cursor") == nil || get(m, "meta", "before_cursor") == nil {
			t.Fatalf("meta = %v", m["meta"])
		}
		next, _ = get(m, "links", "next").(string)
		if !strings.HasPrefix(next, s.URL+"/api/v2/tickets.json?") || !strings.Contains(next, "page%5Bafter%5D=") {
			t.Fatalf("links.next = %q", next)
		}
		if get(m, "meta", "has_more") == false {
			break
		}
	}
	if fmt.Sprint(sizes) != "[100 100 50]" || len(ids) != 250 || ids[0] != 1 || ids[249] != 250 {
		t.Fatalf("sizes %v, %d ids", sizes, len(ids))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatal("ids not increasing")
		}
	}
	// Following next after the last page gives an empty page with null cursors.
	r := call(t, s, "GET", next, nil)
	m := r.json(t)
	if len(m["tickets"].([]any)) != 0 || get(m, "links", "next") != nil || get(m, "meta", "after_cursor") != nil {
		t.Fatalf("after last page: %s", r.body)
	}
	// prev goes back.
	r = call(t, s, "GET", "/api/v2/tickets?page[size]=100", nil)
	second := call(t, s, "GET", get(r.json(t), "links", "next").(string), nil)
	prev := call(t, s, "GET", get(second.json(t), "links", "prev").(string), nil)
	if num(get(prev.json(t), "tickets", 0, "id")) != 1 || len(get(prev.json(t), "tickets").([]any)) != 100 {
		t.Fatalf("prev page: %s", prev.body[:200])
	}

	// Offset pagination.
	next = s.URL + "/api/v2/tickets?per_page=100"
	count := 0
	for next != "" {
		r := call(t, s, "GET", next, nil)
		m := r.json(t)
		count += len(m["tickets"].([]any))
		if num(m["count"]) != 250 {
			t.Fatalf("count %v", m["count"])
		}
		next, _ = m["next_page"].(string)
	}
	if count != 250 {
		t.Fatalf("offset walk saw %d", count)
	}

	// Limits.
	for _, q := range []string{"page[size]=101", "page[size]=0", "page[after]=x&page[before]=y", "page[after]=%25%25", "page=101"} {
		r := call(t, s, "GET", "/api/v2/tickets?"+q, nil)
		mustStatus(t, r, 400)
	}
}
