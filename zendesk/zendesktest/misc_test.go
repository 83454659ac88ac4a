package zendesktest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestOptionsAndTLSDelivery(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []http.Header
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Header.Clone())
		mu.Unlock()
	}))
	defer tlsSrv.Close()
	s := newFake(t, zendesktest.WithCredentials("boss@example.com", "tok"), zendesktest.WithOAuthClient("cid", "csecret"),
		zendesktest.WithDeliveryClient(tlsSrv.Client()))
	if s.Email != "boss@example.com" || s.APIToken != "tok" || s.OAuthClientID != "cid" {
		t.Fatalf("server %+v", s)
	}
	mustStatus(t, call(t, s, "GET", "/api/v2/users/me", nil), 200)
	r := callAuth(t, s, "", "POST", "/oauth/tokens", map[string]any{"grant_type": "client_credentials", "client_id": "cid", "client_secret": "csecret"})
	mustStatus(t, r, 200)
	res, err := s.Client().Get(s.URL + "/api/v2/users/me")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("no credentials: %d", res.StatusCode)
	}

	agent := s.AddAgent("A", "a@example.com")
	_, secret, err := s.AddWebhook(zendesktest.Webhook{Name: "tls", Endpoint: tlsSrv.URL, Subscriptions: []string{"zen:event-type:agent.unified_state_changed"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetAgentStatus(agent, zendesktest.StatusAway); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	d := s.Deliveries()
	if len(d) != 1 || !d[0].Succeeded() || d[0].EventType != "zen:event-type:agent.unified_state_changed" {
		t.Fatalf("deliveries %+v", d)
	}
	if err := (webhook.ZendeskVerifier{Secrets: []string{secret}}).Verify(d[0].Attempts[0].Header, d[0].Body); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAgentStatus(agent, 999); err == nil {
		t.Fatal("unknown status accepted")
	}
	if a, _ := s.Availability(agent); a.StatusID != zendesktest.StatusAway || a.Channels["support"] != "away" {
		t.Fatalf("availability %+v", a)
	}
}

func TestGroupLimitedStatus(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	agent := s.AddAgent("A", "a@example.com")
	g := s.AddGroup("Night shift")
	st, _ := s.AddCustomStatus("Night break", "", map[string]string{"talk": "away"}, g)
	path := fmt.Sprintf("/api/v2/agent_availabilities/agent_statuses/agents/%d", agent)
	mustStatus(t, call(t, s, "PUT", path, map[string]any{"id": st}), 422)
	if err := s.SetAgentGroups(agent, g); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, call(t, s, "PUT", path, map[string]any{"agent_status_id": st}), 200)
	r := call(t, s, "GET", fmt.Sprintf("/api/v2/agent_availabilities/%d", agent), nil)
	if fmt.Sprint(get(r.json(t), "data", "attributes", "group_ids")) != fmt.Sprintf("[%d]", g) {
		t.Fatalf("group ids %s", r.body)
	}
	if us := s.UnifiedStatuses(); len(us) != 5 || us[4].GroupIDs[0] != g {
		t.Fatalf("statuses %+v", us)
	}
	if err := s.SetAgentGroups(999, g); err == nil {
		t.Fatal("unknown agent")
	}
}

func TestMiscEndpoints(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	agent := s.AddAgent("Ann Agent", "ann@example.com")
	group := s.AddGroup("Tier 1")

	// A comment given as HTML; make_private; count; job list.
	r := call(t, s, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{
		"subject": "html", "comment": map[string]any{"html_body": "<p>Hello &amp; <b>welcome</b></p><p>line<br>two</p>"},
		"group_id": group, "external_id": "ext-1", "due_at": "2026-12-01T00:00:00Z", "type": "task",
	}})
	mustStatus(t, r, 201)
	id := num(get(r.json(t), "ticket", "id"))
	cs := s.Comments(id)
	if cs[0].Body != "Hello & welcome\n\nline\ntwo" || !strings.HasPrefix(cs[0].HTMLBody, "<p>Hello") {
		t.Fatalf("html comment %q", cs[0].Body)
	}
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d/comments/%d/make_private", id, cs[0].ID), nil), 200)
	if cs := s.Comments(id); cs[0].Public {
		t.Fatal("make_private")
	}
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d/comments/999/make_private", id), nil), 404)
	r = call(t, s, "GET", "/api/v2/tickets/count", nil)
	if num(get(r.json(t), "count", "value")) != 1 {
		t.Fatalf("count %s", r.body)
	}
	r = call(t, s, "GET", fmt.Sprintf("/api/v2/tickets/%d/comments?sort_order=desc&page[size]=1", id), nil)
	mustStatus(t, r, 200)
	mustStatus(t, call(t, s, "PUT", "/api/v2/tickets/update_many?ids=1", map[string]any{"ticket": map[string]any{"priority": "low"}}), 200)
	r = call(t, s, "GET", "/api/v2/job_statuses", nil)
	if n := len(get(r.json(t), "job_statuses").([]any)); n != 1 {
		t.Fatalf("job statuses %s", r.body)
	}
	mustStatus(t, call(t, s, "GET", "/api/v2/job_statuses/nope", nil), 404)

	// Ticket field validation.
	for name, tk := range map[string]map[string]any{
		"priority": {"priority": "asap"}, "type": {"type": "bug"}, "assignee": {"assignee_id": 999}, "group": {"group_id": 999},
		"assignee email": {"assignee_email": "nobody@example.com"}, "due": {"due_at": "tomorrow"}, "requester": {"requester_id": 999},
	} {
		r := call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), map[string]any{"ticket": tk})
		if r.status != 422 {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), map[string]any{"ticket": map[string]any{
		"assignee_email": "ann@example.com", "group_id": nil, "additional_tags": []string{"a", "b"}, "remove_tags": []string{"a"},
		"custom_fields": []any{map[string]any{"id": 1, "value": "x"}}, "priority": nil,
	}})
	mustStatus(t, r, 200)
	tk, _ := s.Ticket(id)
	if tk.AssigneeID == nil || *tk.AssigneeID != agent || tk.GroupID != nil || strings.Join(tk.Tags, ",") != "b" || len(tk.CustomFields) != 1 {
		t.Fatalf("ticket %+v", tk)
	}

	// Search by group and sorted.
	r = call(t, s, "GET", "/api/v2/search?query=type:group+tier", nil)
	if num(get(r.json(t), "count")) != 1 {
		t.Fatalf("group search %s", r.body)
	}
	r = call(t, s, "GET", "/api/v2/search?query=type:ticket+group:none+external_id:ext-1&sort_by=created_at&sort_order=asc", nil)
	if num(get(r.json(t), "count")) != 1 {
		t.Fatalf("ticket search %s", r.body)
	}

	// Users: delete deactivates; user field update and delete.
	u := s.AddUser(zendesktest.User{Name: "Del"})
	mustStatus(t, call(t, s, "DELETE", fmt.Sprintf("/api/v2/users/%d", u.ID), nil), 200)
	if got, _ := s.User(u.ID); got.Active {
		t.Fatal("user still active")
	}
	mustStatus(t, call(t, s, "DELETE", fmt.Sprintf("/api/v2/users/%d", u.ID), nil), 404)
	f, err := s.AddUserField(zendesktest.UserField{Key: "vip", Type: "checkbox"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserField(agent, "vip", "yes"); err == nil {
		t.Fatal("checkbox accepted a string")
	}
	if err := s.SetUserField(agent, "vip", true); err != nil {
		t.Fatal(err)
	}
	r = call(t, s, "PUT", fmt.Sprintf("/api/v2/user_fields/%d", f.ID), map[string]any{"user_field": map[string]any{"title": "VIP customer", "key": "ignored"}})
	mustStatus(t, r, 200)
	if get(r.json(t), "user_field", "title") != "VIP customer" || get(r.json(t), "user_field", "key") != "vip" {
		t.Fatalf("field update %s", r.body)
	}
	mustStatus(t, call(t, s, "DELETE", "/api/v2/user_fields/vip", nil), 204)
	if au, _ := s.User(agent); au.UserFields["vip"] != nil {
		t.Fatal("deleted field value kept")
	}
	if len(s.Users()) != 3 {
		t.Fatalf("%d users", len(s.Users()))
	}
}

func TestTriggerActionsAndIDConditions(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	agent := s.AddAgent("Ann", "ann@example.com")
	group := s.AddGroup("G")
	createTrigger(t, s, "route", []map[string]any{cond("update_type", "is", "Create"), cond("group_id", "is", "")}, nil,
		map[string]any{"field": "group_id", "value": fmt.Sprint(group)},
		map[string]any{"field": "assignee_id", "value": fmt.Sprint(agent)},
		map[string]any{"field": "type", "value": "incident"},
		map[string]any{"field": "set_tags", "value": "routed new"},
		map[string]any{"field": "status", "value": "open"})
	createTrigger(t, s, "assigned", []map[string]any{cond("assignee_id", "changed", nil), cond("assignee_id", "is", agent)}, nil,
		map[string]any{"field": "remove_tags", "value": "new"})
	createTrigger(t, s, "priority down", []map[string]any{cond("priority", "value_previous", "high"), cond("priority", "less_than", "high")}, nil,
		map[string]any{"field": "current_tags", "value": "downgraded"})
	createTrigger(t, s, "requester", []map[string]any{cond("requester_id", "not_changed", nil), cond("role", "is_not", "end_user")}, nil,
		map[string]any{"field": "notification_user", "value": []string{"requester_id", "s", "b"}})
	id := createTicket(t, s, "x")
	tk, _ := s.Ticket(id)
	if tk.GroupID == nil || *tk.GroupID != group || tk.AssigneeID == nil || tk.Type == nil || *tk.Type != "incident" || tk.Status != "open" || strings.Join(tk.Tags, " ") != "routed" {
		t.Fatalf("routed %+v", tk)
	}
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), map[string]any{"ticket": map[string]any{"priority": "high"}}), 200)
	mustStatus(t, call(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), map[string]any{"ticket": map[string]any{"priority": "low"}}), 200)
	tk, _ = s.Ticket(id)
	if strings.Join(tk.Tags, " ") != "routed downgraded" {
		t.Fatalf("tags %v", tk.Tags)
	}
	var titles []string
	for _, f := range s.Firings() {
		titles = append(titles, f.Title)
	}
	if strings.Join(titles, ",") != "route,assigned,requester,priority down,requester" {
		t.Fatalf("firings %v", titles)
	}
	if cats := s.TriggerCategories(); len(cats) != 0 {
		t.Fatal(cats)
	}
}
