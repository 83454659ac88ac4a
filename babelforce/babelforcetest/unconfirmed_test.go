package babelforcetest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

// Each test here names one guess of unconfirmed.go: what babelforce does
// not document and the fake answers all the same, so that a change of the
// guess is a change of a test.

// TestUnconfirmedTokenLifetime names the doubt: babelforce documents no
// token lifetime; the fake's tokens last 3600 s, as babelforce's Go SDK
// assumes.
func TestUnconfirmedTokenLifetime(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	good := url.Values{"grant_type": {"password"}, "username": {s.Username}, "password": {s.Password}}
	status, _, body := call(t, s, "POST", "/oauth/token", "", form, good.Encode())
	if status != 200 || body["expires_in"] != float64(3600) || DefaultTokenLifetime != time.Hour {
		t.Fatalf("%d %v", status, body)
	}
}

// TestUnconfirmedNonExpiringTokenParam names the doubt: expires_in=-1 is
// in the status-sync article's curl only, not in the auth spec's token
// request; the fake answers it with a token that never expires and a
// response without expires_in.
func TestUnconfirmedNonExpiringTokenParam(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock()
	s := NewServer(WithClock(clk.Now))
	defer s.Close()
	if !asksNonExpiring(url.Values{"expires_in": {"-1"}}) || asksNonExpiring(url.Values{"expires_in": {"0"}}) || asksNonExpiring(nil) {
		t.Fatal("asksNonExpiring")
	}
	good := url.Values{"grant_type": {"password"}, "username": {s.Username}, "password": {s.Password}, "expires_in": {"-1"}}
	status, _, body := call(t, s, "POST", "/oauth/token", "", form, good.Encode())
	if _, has := body["expires_in"]; status != 200 || has {
		t.Fatalf("%d %v", status, body)
	}
	clk.Advance(1000 * time.Hour)
	if status, _, _ := call(t, s, "GET", "/api/v2/agents", body["access_token"].(string), "", ""); status != 200 {
		t.Fatalf("a non-expiring token 1000 h later: %d", status)
	}
}

// TestUnconfirmedClientID names the doubt: whether babelforce requires
// client_id=manager, which other client ids it knows, and the status of
// invalid_client are not documented. The fake takes none or "manager" and
// answers 401 invalid_client to any other.
func TestUnconfirmedClientID(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	good := url.Values{"grant_type": {"password"}, "username": {s.Username}, "password": {s.Password}}.Encode()
	for clientID, want := range map[string]int{"": 200, "manager": 200, "other": 401} {
		body := good
		if clientID != "" {
			body += "&client_id=" + clientID
		}
		status, _, resp := call(t, s, "POST", "/oauth/token", "", form, body)
		if status != want || (want == 401 && resp["error"] != "invalid_client") {
			t.Errorf("client_id %q: %d %v", clientID, status, resp)
		}
	}
}

// TestUnconfirmedUnauthorizedBodies names the doubt: babelforce's 401 is
// not documented; the fake answers as an RFC 6750 resource server does.
func TestUnconfirmedUnauthorizedBodies(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock()
	s := NewServer(WithClock(clk.Now))
	defer s.Close()
	status, h, body := call(t, s, "GET", "/api/v2/agents", "", "", "")
	if status != 401 || body["error"] != "unauthorized" || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("no token: %d %v %v", status, h, body)
	}
	status, h, body = call(t, s, "GET", "/api/v3/tasks", "made-up", "", "")
	if status != 401 || body["error"] != "invalid_token" || !strings.Contains(h.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("unknown token: %d %v", status, body)
	}
	tok := s.IssueToken(false)
	clk.Advance(DefaultTokenLifetime)
	status, _, body = call(t, s, "GET", "/api/v3/tasks", tok, "", "")
	if status != 401 || body["error"] != "invalid_token" || body["error_description"] != "Access token expired" {
		t.Fatalf("expired token: %d %v", status, body)
	}
}

// TestUnconfirmedRateLimitHeaders names the doubt: babelforce documents
// neither its limits nor any rate-limit header; the fake sends the common
// X-RateLimit-* trio, a Retry-After in whole seconds on the 429, and the
// v2 error body.
func TestUnconfirmedRateLimitHeaders(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	writeRateLimit(w, fakeserver.LimitState{Limit: 10, Remaining: 0, ResetIn: 1500 * time.Millisecond, Limited: true})
	h := w.Header()
	if w.Code != 429 || h.Get("X-RateLimit-Limit") != "10" || h.Get("X-RateLimit-Remaining") != "0" ||
		h.Get("X-RateLimit-Reset") != "2" || h.Get("Retry-After") != "2" {
		t.Fatalf("%d %v", w.Code, h)
	}
	if got := w.Body.String(); got != `{"message":"Too Many Requests","success":false}` {
		t.Fatalf("body %s", got)
	}
	w = httptest.NewRecorder()
	writeRateLimit(w, fakeserver.LimitState{Limit: 10, Remaining: 9, ResetIn: time.Minute})
	if w.Header().Get("Retry-After") != "" || w.Header().Get("X-RateLimit-Reset") != "60" || w.Body.Len() != 0 {
		t.Fatalf("under the limit: %v %q", w.Header(), w.Body)
	}
	if ceilSeconds(100*time.Millisecond) != 1 || ceilSeconds(61*time.Second) != 61 {
		t.Fatal("ceilSeconds")
	}
}

// TestUnconfirmedV2ErrorBody names the doubt: the manager spec defines no
// v2 error body; the fake answers {"success": false, "message"}.
func TestUnconfirmedV2ErrorBody(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	status, _, body := call(t, s, "GET", "/api/v2/agents/f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1", s.IssueToken(true), "", "")
	if status != 404 || len(body) != 2 || body["success"] != false || body["message"] != "Agent not found" {
		t.Fatalf("%d %v", status, body)
	}
}

// TestUnconfirmedUnknownRoute names the doubt: babelforce's answer to an
// endpoint it does not have is not documented; the fake answers 404 in the
// path's error envelope, whatever the token.
func TestUnconfirmedUnknownRoute(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	if status, _, body := call(t, s, "GET", "/api/v2/nothing", "", "", ""); status != 404 || body["success"] != false {
		t.Errorf("v2: %d %v", status, body)
	}
	if status, _, body := call(t, s, "PATCH", "/api/v3/tasks", "", "", ""); status != 404 || body["error_message"] != "Not Found" {
		t.Errorf("v3: %d %v", status, body)
	}
}

// TestUnconfirmedQuerySplit names the doubt: how babelforce's server
// splits a query string is not documented; the fake splits on "&" only, so
// an unescaped ";" stays in the filter.
func TestUnconfirmedQuerySplit(t *testing.T) {
	t.Parallel()
	q, err := splitQuery("filter=state==Scheduled;type==a&page=2&x&page_size=%31")
	if err != nil || q.Get("filter") != "state==Scheduled;type==a" || q.Get("page") != "2" || q.Get("page_size") != "1" || !q.Has("x") {
		t.Fatalf("%v %v", q, err)
	}
	if _, err := splitQuery("filter=%zz"); err == nil {
		t.Fatal("a bad escape was accepted")
	}
}

// TestUnconfirmedAgentPageDefaults names the doubt: the manager spec
// documents no default and no largest max; the fake uses 25 and lowers a
// max over 100 to 100.
func TestUnconfirmedAgentPageDefaults(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	for range 101 {
		s.AddAgent(Agent{Name: "A"})
	}
	tok := s.IssueToken(true)
	for query, want := range map[string]int{"": 25, "?max=500": 100} {
		status, _, body := call(t, s, "GET", "/api/v2/agents"+query, tok, "", "")
		items, _ := body["items"].([]any)
		if p, _ := body["pagination"].(map[string]any); status != 200 || len(items) != want || p["max"] != float64(want) {
			t.Errorf("%q: %d, %d items, %v", query, status, len(items), p)
		}
	}
	if DefaultMax != 25 || MaxMax != 100 {
		t.Fatal(DefaultMax, MaxMax)
	}
}

// TestUnconfirmedDefaultAgentPresence names the doubt: the presence
// babelforce gives a new agent is not documented; the fake's is the red
// "busy".
func TestUnconfirmedDefaultAgentPresence(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	status, _, body := call(t, s, "POST", "/api/v2/agents", s.IssueToken(true), "application/json", `{"name":"Ann"}`)
	if status != 201 || body["item"].(map[string]any)["presence"].(map[string]any)["name"] != "busy" {
		t.Fatalf("%d %v", status, body)
	}
	if a := s.AddAgent(Agent{Name: "Bob"}); a.Presence != "busy" || DefaultAgentPresence != "busy" {
		t.Fatal(a.Presence)
	}
}

// TestUnconfirmedUnknownPresenceStatus names the doubt: babelforce's
// answer to a presence change naming no presence is not documented; the
// fake answers 400 with a v2 message naming it, on both routes that
// change a presence.
func TestUnconfirmedUnknownPresenceStatus(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	a := s.AddAgent(Agent{Name: "Ann"})
	tok := s.IssueToken(true)
	for _, path := range []string{"/api/v2/agents/" + a.ID + "/status", "/api/v2/agents/" + a.ID} {
		status, _, body := call(t, s, "PUT", path, tok, "application/json", `{"presence":{"name":"nap"}}`)
		if status != 400 || body["message"] != "Unknown presence: nap" {
			t.Errorf("%s: %d %v", path, status, body)
		}
	}
	if code, _ := unknownPresenceStatus(); code != http.StatusBadRequest {
		t.Fatal(code)
	}
}

// TestUnconfirmedPresenceNameFromLabel names the doubt: how babelforce
// names a presence created from a label is not documented.
func TestUnconfirmedPresenceNameFromLabel(t *testing.T) {
	t.Parallel()
	for label, want := range map[string]string{
		"In a meeting":    "in_a_meeting",
		"Transfers only":  "transfers_only",
		"away":            "away",
		" Lunch / Break ": "lunch_break",
		"on-call":         "on-call",
	} {
		if got := presenceNameFromLabel(label); got != want {
			t.Errorf("%q → %q, want %q", label, got, want)
		}
	}
}

// TestUnconfirmedPresenceRefusals names the doubt: babelforce documents no
// refusal of a presence whose name is in use (the fake: 409), of the
// deletion of a built-in presence (400) or of one an agent is in (409).
func TestUnconfirmedPresenceRefusals(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	tok := s.IssueToken(true)
	s.AddAgent(Agent{Name: "Ann", Presence: s.AddPresence("", "Lunch").Name})
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/api/v2/agents/presence/available", `{"label":"LUNCH"}`, 409},
		{"DELETE", "/api/v2/agents/presence/available/busy", "", 400},
		{"DELETE", "/api/v2/agents/presence/available/lunch", "", 409},
	} {
		if status, _, body := call(t, s, c.method, c.path, tok, "application/json", c.body); status != c.want || body["success"] != false {
			t.Errorf("%s %s: %d %v, want %d", c.method, c.path, status, body, c.want)
		}
	}
}

// TestUnconfirmedTaskPageSize names the doubt: the task-automation spec
// documents no default page_size; the fake's is 20.
func TestUnconfirmedTaskPageSize(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	for range 25 {
		s.AddTask(Task{})
	}
	status, _, body := call(t, s, "GET", "/api/v3/tasks", s.IssueToken(true), "", "")
	m, _ := body["_metadata"].(map[string]any)
	if records, _ := body["records"].([]any); status != 200 || len(records) != 20 || m["per_page"] != float64(20) || m["page_count"] != float64(2) {
		t.Fatalf("%d %v", status, m)
	}
}

// TestUnconfirmedTaskBodyIDs names the doubt: the status-sync article
// shows a task's ids hyphenated, babelforce's Go SDK says every id is 32
// hex characters; the fake writes that form in task bodies too.
func TestUnconfirmedTaskBodyIDs(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	task := s.AddTask(Task{AgentID: agentID, QueueID: queueID})
	status, _, body := call(t, s, "GET", "/api/v3/tasks/"+task.ID, s.IssueToken(true), "", "")
	if status != 200 {
		t.Fatal(status, body)
	}
	for _, k := range []string{"id", "session_id", "customer_id", "agent_id", "queue_id"} {
		if id, _ := body[k].(string); !wireID.MatchString(id) {
			t.Errorf("%s = %q", k, id)
		}
	}
}

// TestUnconfirmedMissingTemplateStatus names the doubt: the status of the
// answer to a webhook call without templateId is not documented; the
// fake's is 400.
func TestUnconfirmedMissingTemplateStatus(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	status, _, body := call(t, s, "POST", "/api/v1/webhook/zendesk", s.IssueToken(true), "application/json", `{}`)
	if status != 400 || body["error_message"] != "Bad Request" || body["error_detail"] != "templateId is required" {
		t.Fatalf("%d %v", status, body)
	}
}

// TestUnconfirmedWebhookTaskType names the doubt: the type of a task that
// a template other than the status-sync article's starts is not
// documented; the fake gives every webhook task the article's type.
func TestUnconfirmedWebhookTaskType(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	status, _, body := call(t, s, "POST", "/api/v1/webhook/zendesk?templateId=another", s.IssueToken(true), "application/json", `{}`)
	if status != 202 || body["type"] != "webhook.zendesk.agent_status" {
		t.Fatalf("%d %v", status, body)
	}
}

// TestUnconfirmedStatusTemplateInput names the doubt: the article's
// template reads event.new_state, which unified status events do not have;
// the fake reads their event.new_unified_state.name.
func TestUnconfirmedStatusTemplateInput(t *testing.T) {
	t.Parallel()
	for body, want := range map[string][2]string{
		`{"detail":{"agent_id":"10011"},"event":{"new_state":"away"}}`:                                   {"10011", "away"},
		`{"detail":{"agent_id":10011},"event":{"new_unified_state":{"id":4,"name":"In a meeting"}}}`:     {"10011", "In a meeting"},
		`{"detail":{"agent_id":"1"},"event":{"new_state":"online","new_unified_state":{"name":"Away"}}}`: {"1", "online"},
		`{}`: {"", ""},
	} {
		if id, state := statusTemplateInput(json.RawMessage(body)); id != want[0] || state != want[1] {
			t.Errorf("%s: %q %q, want %q", body, id, state, want)
		}
	}
}

// TestUnconfirmedStatusTemplateMapping names the doubt: the article's
// mapping table is an image; only online → available and "the same red
// statuses" are stated in its text.
func TestUnconfirmedStatusTemplateMapping(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	s.AddPresence("away", "Away")
	for state, want := range map[string]string{"online": "available", "Online": "available", "away": "away", "offline": "offline", "In a meeting": "in_a_meeting"} {
		if got := s.statusTemplatePresence(state); got != want {
			t.Errorf("%q → %q, want %q", state, got, want)
		}
	}
}

// filterStatus answers a task filter on s: the status and error_detail.
func filterStatus(t *testing.T, s *Server, tok, filter string) (int, string, map[string]any) {
	t.Helper()
	status, _, body := call(t, s, "GET", "/api/v3/tasks?filter="+url.QueryEscape(filter), tok, "", "")
	detail, _ := body["error_detail"].(string)
	return status, detail, body
}

// TestUnconfirmedFilterLength names the doubt: babelforce's limit on a
// filter's length is not documented; the fake's is maxFilterLen.
func TestUnconfirmedFilterLength(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	tok := s.IssueToken(true)
	short := "type==" + strings.Repeat("x", maxFilterLen-len("type=="))
	if status, _, _ := filterStatus(t, s, tok, short); status != 200 {
		t.Errorf("%d bytes: %d", len(short), status)
	}
	if status, detail, _ := filterStatus(t, s, tok, short+"x"); status != 400 || !strings.Contains(detail, "longer") {
		t.Errorf("%d bytes: %d %q", len(short)+1, status, detail)
	}
}

// TestUnconfirmedFilterUnknownState names the doubt: what babelforce
// answers to a state that is no task state, such as the task-automation
// guide's "state==active", is not documented; the fake refuses it.
func TestUnconfirmedFilterUnknownState(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	if status, detail, _ := filterStatus(t, s, s.IssueToken(true), "state==active"); status != 400 || !strings.Contains(detail, `unknown state "active"`) {
		t.Fatalf("%d %q", status, detail)
	}
}

// TestUnconfirmedFilterCaseSensitive names the doubt: whether babelforce's
// filter is case-sensitive is not documented; the fake's field names,
// keywords, operators and values are.
func TestUnconfirmedFilterCaseSensitive(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	s.AddTask(Task{State: "Scheduled", Type: "Custom"})
	tok := s.IssueToken(true)
	for filter, want := range map[string]string{
		"State==Scheduled":                  `field "State"`,
		"state==scheduled":                  `unknown state "scheduled"`,
		"state==Scheduled AND type==Custom": "unexpected",
		"state=IN=(Scheduled)":              `"=IN="`,
	} {
		if status, detail, _ := filterStatus(t, s, tok, filter); status != 400 || !strings.Contains(detail, want) {
			t.Errorf("%q: %d %q, want %s", filter, status, detail, want)
		}
	}
	if status, _, body := filterStatus(t, s, tok, "type==custom"); status != 200 || body["_metadata"].(map[string]any)["total_count"] != float64(0) {
		t.Errorf("type==custom found %v", body["_metadata"])
	}
}

// TestUnconfirmedFilterAbsentField names the doubt: how babelforce
// compares a field a task does not have is not documented; the fake
// compares it as "", so != and =out= match a task without the field.
func TestUnconfirmedFilterAbsentField(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	s.AddTask(Task{AgentID: agentID})
	s.AddTask(Task{})
	tok := s.IssueToken(true)
	for filter, want := range map[string]float64{
		"agent_id!=" + queueID:           2,
		"agent_id=out=(" + agentID + ")": 1,
		"agent_id==" + agentID:           1,
		"queue_id=in=(" + queueID + ")":  0,
	} {
		if status, _, body := filterStatus(t, s, tok, filter); status != 200 || body["_metadata"].(map[string]any)["total_count"] != want {
			t.Errorf("%q: %d %v, want %v", filter, status, body["_metadata"], want)
		}
	}
}

// TestUnconfirmedSecretsPostReplaces names the doubt: whether a POST of a
// prefix's secrets replaces the keys it does not name or keeps them is not
// documented; the fake replaces them (PATCH keeps them, as documented).
func TestUnconfirmedSecretsPostReplaces(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	tok := s.IssueToken(true)
	for _, w := range []struct{ method, body string }{{"POST", `{"a":"1"}`}, {"POST", `{"b":"2"}`}, {"PATCH", `{"c":"3"}`}} {
		if status, _, _ := call(t, s, w.method, "/api/v3/tasks/configurations/secrets/p", tok, "application/json", w.body); status != 204 {
			t.Fatal(w, status)
		}
	}
	if got := s.Secrets("p"); len(got) != 2 || got["b"] != "2" || got["c"] != "3" {
		t.Fatalf("secrets %v", got)
	}
}
