package babelforcetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
)

// call sends a raw request to the fake and decodes the JSON answer.
func call(t *testing.T, s *Server, method, path, token, contentType, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, resp.Header, out
}

const form = "application/x-www-form-urlencoded"

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	s := NewServer(WithTokenLifetime(10 * time.Minute))
	defer s.Close()
	good := url.Values{"grant_type": {"password"}, "username": {s.Username}, "password": {s.Password}}
	cases := []struct {
		name   string
		ct     string
		body   string
		status int
		code   string
	}{
		{"not a form", "application/json", `{}`, 400, "invalid_request"},
		{"no grant type", form, "username=a&password=b", 400, "invalid_request"},
		{"other grant", form, "grant_type=client_credentials", 400, "unsupported_grant_type"},
		{"other client", form, good.Encode() + "&client_id=other", 401, "invalid_client"},
		{"no password", form, "grant_type=password&username=a", 400, "invalid_request"},
		{"bad password", form, "grant_type=password&username=" + url.QueryEscape(s.Username) + "&password=nope", 400, "invalid_grant"},
		{"bad username", form, "grant_type=password&username=x&password=" + url.QueryEscape(s.Password), 400, "invalid_grant"},
	}
	for _, tc := range cases {
		status, _, body := call(t, s, "POST", "/oauth/token", "", tc.ct, tc.body)
		if status != tc.status || body["error"] != tc.code || body["error_description"] == "" {
			t.Errorf("%s: %d %v", tc.name, status, body)
		}
	}
	// Expiring token: expires_in from the lifetime.
	status, h, body := call(t, s, "POST", "/oauth/token", "", form, good.Encode()+"&client_id=manager")
	if status != 200 || body["token_type"] != "bearer" || body["expires_in"] != float64(600) || body["access_token"] == "" || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("token: %d %v", status, body)
	}
	// Non-expiring: no expires_in.
	status, _, body = call(t, s, "POST", "/oauth/token", "", form, good.Encode()+"&expires_in=-1")
	if _, has := body["expires_in"]; status != 200 || has {
		t.Fatalf("non-expiring token: %d %v", status, body)
	}
	tok := body["access_token"].(string)
	if status, _, _ := call(t, s, "GET", "/api/v2/agents", tok, "", ""); status != 200 {
		t.Fatalf("API with the token: %d", status)
	}
	// Neither the password of the token requests nor the token in the
	// Authorization header is logged.
	for _, r := range s.Requests() {
		if strings.Contains(r.Header.Get("Authorization"), tok) || strings.Contains(string(r.Body), s.Password) {
			t.Fatalf("credential in the request log: %s %s %q", r.Method, r.Path, r.Body)
		}
	}
}

// TestSecretsRedactedInLog covers the bodies the client never sends: any
// body sent under the secrets vault keeps no value in the log, whatever
// its shape, while the keys of a DELETE stay readable.
func TestSecretsRedactedInLog(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	tok := s.IssueToken(true)
	const secret = "v3ry-s3cret"
	bodies := []struct{ method, path, body string }{
		{"POST", "/api/v3/tasks/configurations/secrets/q", `{"k":"` + secret + `","n":{"deep":"` + secret + `"}}`}, // refused
		{"POST", "/api/v3/tasks/configurations/secrets/p", `{"k":"` + secret + `"}`},
		{"PATCH", "/api/v3/tasks/configurations/secrets/p", `{"k2":"` + secret + `"}`},
		{"POST", "/api/v3/tasks/configurations/secrets/p", `{"k":"` + secret + `",}`}, // not JSON
		{"POST", "/api/v3/tasks/configurations/secrets", `{"k":"` + secret + `"}`},    // no route
		{"POST", "/api/v3/tasks//configurations/secrets/p", `{"k":"` + secret + `"}`}, // unclean path
	}
	for _, b := range bodies {
		call(t, s, b.method, b.path, tok, "application/json", b.body)
	}
	if status, _, _ := call(t, s, "DELETE", "/api/v3/tasks/configurations/secrets/p", tok, "application/json", `["k2"]`); status != 204 {
		t.Fatal(status)
	}
	if v, ok := s.Secret("p", "k"); !ok || v != secret {
		t.Fatalf("Secret = %q, %v; the fake must keep the value", v, ok)
	}
	var deleteBody string
	for _, r := range s.Requests() {
		if strings.Contains(string(r.Body), secret) {
			t.Errorf("%s %s logged %s", r.Method, r.Path, r.Body)
		}
		if r.Method == "DELETE" {
			deleteBody = string(r.Body)
		}
	}
	if deleteBody != `["k2"]` {
		t.Errorf("DELETE logged %q, want its keys", deleteBody)
	}
}

func TestWireFormats(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	tok := s.IssueToken(true)
	for i := range 3 {
		s.AddAgent(Agent{Name: "A" + string(rune('0'+i)), SourceID: "s" + string(rune('0'+i)), Number: "+49"})
	}
	// v2 pagination with next.
	status, _, body := call(t, s, "GET", "/api/v2/agents?max=2&number=%2B49", tok, "", "")
	p, _ := body["pagination"].(map[string]any)
	if status != 200 || p["pages"] != float64(2) || p["total"] != float64(3) || p["current"] != float64(1) || p["max"] != float64(2) ||
		p["maxResults"] != float64(2) || p["next"] != "/api/v2/agents?max=2&number=%2B49&page=2" {
		t.Fatalf("page 1: %v", body)
	}
	items := body["items"].([]any)
	agent := items[0].(map[string]any)
	for _, k := range []string{"id", "sourceId", "name", "enabled", "state", "presence", "status", "display_status", "available", "dateCreated", "lastUpdated"} {
		if _, ok := agent[k]; !ok {
			t.Errorf("agent has no %q: %v", k, agent)
		}
	}
	status, _, body = call(t, s, "GET", "/api/v2/agents?max=2&page=2", tok, "", "")
	if p := body["pagination"].(map[string]any); status != 200 || p["next"] != nil || len(body["items"].([]any)) != 1 {
		t.Fatalf("page 2: %v", body)
	}
	status, _, body = call(t, s, "GET", "/api/v2/agents?page=9", tok, "", "")
	if status != 200 || len(body["items"].([]any)) != 0 {
		t.Fatalf("past the end: %v", body)
	}
	for _, q := range []string{"page=0", "page=x", "max=0", "enabled=maybe"} {
		if status, _, body := call(t, s, "GET", "/api/v2/agents?"+q, tok, "", ""); status != 400 || body["success"] != false {
			t.Errorf("%s: %d %v", q, status, body)
		}
	}
	if status, _, body := call(t, s, "GET", "/api/v2/agents?state=ringing", tok, "", ""); status != 200 || len(body["items"].([]any)) != 0 {
		t.Errorf("state filter: %v", body)
	}
	// Error envelopes: v2 message, v3 error_message.
	if status, _, body := call(t, s, "GET", "/api/v2/nothing", tok, "", ""); status != 404 || body["success"] != false || body["message"] == "" {
		t.Errorf("v2 404: %d %v", status, body)
	}
	if status, _, body := call(t, s, "GET", "/api/v3/tasks/nothing", tok, "", ""); status != 404 || body["error_message"] != "Not Found" {
		t.Errorf("v3 404: %d %v", status, body)
	}
	// Status: the documented single-element array.
	a := s.Agents()[0]
	status, _, body = call(t, s, "GET", "/api/v2/agents/"+a.ID+"/status", tok, "", "")
	if arr, _ := body["item"].([]any); status != 200 || len(arr) != 1 {
		t.Fatalf("status: %v", body)
	}
	// PUT status: 201 with the AgentStatus; enabled may change alone.
	status, _, body = call(t, s, "PUT", "/api/v2/agents/"+a.ID+"/status", tok, "application/json", `{"enabled":false}`)
	if status != 201 || body["enabled"] != false || len(s.History()) != 0 {
		t.Fatalf("PUT status enabled: %d %v", status, body)
	}
	status, _, _ = call(t, s, "PUT", "/api/v2/agents/"+a.ID+"/status", tok, "application/json", `not json`)
	if status != 400 {
		t.Fatalf("PUT status with a bad body: %d", status)
	}
	// PUT agent with a presence changes it.
	status, _, body = call(t, s, "PUT", "/api/v2/agents/"+a.ID, tok, "application/json", `{"presence":{"name":"available"},"number":"+1"}`)
	if status != 200 || s.Presence(a.ID) != "available" || s.History()[0].Source != SourceAPI {
		t.Fatalf("PUT agent: %d %v", status, body)
	}
	for _, bad := range []string{`{"presence":{"name":"nap"}}`, `{"name":""}`} {
		if status, _, _ := call(t, s, "PUT", "/api/v2/agents/"+a.ID, tok, "application/json", bad); status != 400 {
			t.Errorf("PUT agent %s: %d", bad, status)
		}
	}
	if status, _, _ := call(t, s, "PUT", "/api/v2/agents/none", tok, "application/json", `{}`); status != 404 {
		t.Errorf("PUT unknown agent: %d", status)
	}
	if status, _, _ := call(t, s, "GET", "/api/v2/agents/none/status", tok, "", ""); status != 404 {
		t.Errorf("status of an unknown agent: %d", status)
	}
	if status, _, _ := call(t, s, "DELETE", "/api/v2/agents/none", tok, "", ""); status != 404 {
		t.Errorf("DELETE unknown agent: %d", status)
	}
	// POST agent with a presence, and with an unknown one.
	status, _, body = call(t, s, "POST", "/api/v2/agents", tok, "application/json", `{"name":"New","presence":{"name":"available"}}`)
	if status != 201 || body["item"].(map[string]any)["presence"].(map[string]any)["name"] != "available" {
		t.Fatalf("POST agent: %d %v", status, body)
	}
	if status, _, _ := call(t, s, "POST", "/api/v2/agents", tok, "application/json", `{"name":"New","presence":{"name":"nap"}}`); status != 400 {
		t.Errorf("POST agent with an unknown presence: %d", status)
	}
	// A green presence: 501, as the spec says.
	status, _, body = call(t, s, "POST", "/api/v2/agents/presence/available", tok, "application/json", `{"label":"Online","available":true}`)
	if status != 501 || body["success"] != false {
		t.Fatalf("green presence: %d %v", status, body)
	}
	if status, _, _ := call(t, s, "POST", "/api/v2/agents/presence/available", tok, "application/json", `{"label":"  "}`); status != 400 {
		t.Errorf("presence without label: %d", status)
	}
	if status, _, _ := call(t, s, "GET", "/api/v2/agents/presence/available/none", tok, "", ""); status != 404 {
		t.Errorf("unknown presence: %d", status)
	}
	s.AddPresence("lunch", "Lunch")
	if err := s.SetPresence(s.Agents()[1].ID, "lunch"); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := call(t, s, "DELETE", "/api/v2/agents/presence/available/lunch", tok, "", ""); status != 409 {
		t.Errorf("presence in use: %d", status)
	}
	if status, _, _ := call(t, s, "DELETE", "/api/v2/agents/presence/available/none", tok, "", ""); status != 404 {
		t.Errorf("DELETE unknown presence: %d", status)
	}
	if ps := s.Presences(); len(ps) != 3 || !ps[0].Available || !ps[0].BuiltIn || ps[2].BuiltIn {
		t.Errorf("Presences = %+v", ps)
	}
}

func TestTasksAndWebhookWire(t *testing.T) {
	t.Parallel()
	s := NewServer(WithoutTemplates())
	defer s.Close()
	tok := s.IssueToken(true)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 4 {
		s.AddTask(Task{ID: taskID(i), State: []string{"Scheduled", "Assigned", "Completed", "Failed"}[i], AgentID: agentID, QueueID: queueID, CreatedAt: base.Add(time.Duration(i) * time.Second)})
	}
	cases := map[string]int{
		"(state=in=('Scheduled','Assigned'))":                                        2,
		"state=out=(Scheduled)":                                                      3,
		`state!="Failed";agent_id==` + agentID:                                       3,
		"created_at=gt=" + itoa(base.Add(time.Second)):                               2,
		"created_at=lt=" + itoa(base.Add(time.Second)):                               1,
		"id==" + taskID(1) + ";session_id!=x;queue_id==" + queueID + ";type==custom": 1,
		"": 4,
	}
	for f, want := range cases {
		status, _, body := call(t, s, "GET", "/api/v3/tasks?filter="+url.QueryEscape(f), tok, "", "")
		if m := body["_metadata"].(map[string]any); status != 200 || m["total_count"] != float64(want) {
			t.Errorf("filter %q: %d %v", f, status, body["_metadata"])
		}
	}
	for _, q := range []string{"filter=created_at%3Dgt%3Dx", "filter=nonsense", "filter=colour%3D%3Dred", "page=0", "page_size=101", "page_size=x"} {
		if status, _, body := call(t, s, "GET", "/api/v3/tasks?"+q, tok, "", ""); status != 400 || body["error_message"] != "Bad Request" {
			t.Errorf("%s: %d %v", q, status, body)
		}
	}
	status, _, body := call(t, s, "GET", "/api/v3/tasks/"+taskID(0), tok, "", "")
	if status != 200 || body["agent_id"] != agentID || body["queue_id"] != queueID || body["created_at"] != float64(base.UnixMilli()) || body["scheduled_at"] != "now" {
		t.Fatalf("task: %v", body)
	}
	// The webhook: templateId required, an object body, 202 with the task.
	if status, _, body := call(t, s, "POST", "/api/v1/webhook/zendesk", tok, "application/json", `{}`); status != 400 || body["error_detail"] != "templateId is required" {
		t.Errorf("no templateId: %d %v", status, body)
	}
	if status, _, _ := call(t, s, "POST", "/api/v1/webhook/zendesk?templateId=x", tok, "application/json", `[1]`); status != 400 {
		t.Errorf("array body: %d", status)
	}
	if status, _, _ := call(t, s, "POST", "/api/v1/webhook/zendesk?templateId=x", tok, "application/json", `{`); status != 400 {
		t.Errorf("bad JSON: %d", status)
	}
	if status, _, _ := call(t, s, "POST", "/api/v1/webhook/zendesk?templateId=x", "", "application/json", `{}`); status != 401 {
		t.Errorf("no token: %d", status)
	}
	a := s.AddAgent(Agent{Name: "Ann", SourceID: "10011"})
	status, _, body = call(t, s, "POST", "/api/v1/webhook/zendesk?templateId="+StatusSyncTemplate, tok, "application/json",
		`{"detail":{"agent_id":"10011"},"event":{"new_state":"online"}}`)
	if status != 202 || body["type"] != ZendeskTaskType || body["state"] != "Scheduled" {
		t.Fatalf("webhook: %d %v", status, body)
	}
	// WithoutTemplates: recorded, not run.
	if s.Presence(a.ID) != DefaultAgentPresence {
		t.Fatal("the template ran")
	}
}

func itoa(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// Ids in babelforce's wire form for the seeded tasks.
const (
	agentID = "a9e1c0d2b3f4a5b6c7d8e9f0a1b2c3d4"
	queueID = "9f0e1d2c3b4a59687766554433221100"
)

func taskID(i int) string { return fmt.Sprintf("%032x", i+1) }

func TestStatusTemplateEdges(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	s.AddAgent(Agent{Name: "Ann", SourceID: "1"})
	s.AddPresence("", "Transfers only")
	for body, want := range map[string]string{
		`{"event":{"new_state":"online"}}`:                                                    "no detail.agent_id",
		`{"detail":{"agent_id":1},"event":{}}`:                                                "no event.new_state",
		`{"detail":{"agent_id":"1"},"event":{"new_state":"napping"}}`:                         `no presence "napping"`,
		`{"detail":{"agent_id":"2"},"event":{"new_state":"online"}}`:                          "no agent",
		`{"detail":{"agent_id":"1"},"event":{"new_unified_state":{"name":"Transfers only"}}}`: "",
	} {
		s.runStatusTemplate(s.recordTask(body))
		last := s.Tasks()[len(s.Tasks())-1]
		if want == "" {
			if last.State != "Completed" || s.Presence(s.Agents()[0].ID) != "transfers_only" {
				t.Errorf("%s: %+v", body, last)
			}
			continue
		}
		if last.State != "Failed" || !last.HasError || !strings.Contains(last.Result, want) {
			t.Errorf("%s: %+v, want %q", body, last, want)
		}
	}
}

// recordTask records a webhook task as the endpoint does.
func (s *Server) recordTask(body string) *task {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &task{Type: ZendeskTaskType, Body: json.RawMessage(body), Template: StatusSyncTemplate}
	s.fillTaskLocked(t)
	s.addTaskLocked(t)
	return t
}

func TestSecretsWire(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	tok := s.IssueToken(true)
	if status, _, _ := call(t, s, "GET", "/api/v3/tasks/configurations/secrets", tok, "", ""); status != 200 {
		t.Fatal(status)
	}
	for _, bad := range []string{`{}`, `{"a":1}`, `{"":"x"}`, `[]`} {
		if status, _, body := call(t, s, "POST", "/api/v3/tasks/configurations/secrets/p", tok, "application/json", bad); status != 400 || body["error_message"] != "Bad Request" {
			t.Errorf("%s: %d %v", bad, status, body)
		}
	}
	// PATCH on a new prefix creates it.
	if status, _, _ := call(t, s, "PATCH", "/api/v3/tasks/configurations/secrets/p", tok, "application/json", `{"k":"v"}`); status != 204 {
		t.Fatal(status)
	}
	if v, ok := s.Secret("p", "k"); !ok || v != "v" {
		t.Fatal(v)
	}
}

func TestFaultsLogAndLimits(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock()
	s := NewServer(WithRateLimit(1, time.Second), WithClock(clk.Now))
	defer s.Close()
	tok := s.IssueToken(true)
	status, h, _ := call(t, s, "GET", "/api/v3/tasks", tok, "", "")
	if status != 200 || h.Get("X-RateLimit-Limit") != "1" || h.Get("X-RateLimit-Remaining") != "0" || h.Get("X-RateLimit-Reset") != "1" {
		t.Fatalf("headers: %d %v", status, h)
	}
	status, h, body := call(t, s, "GET", "/api/v3/tasks", tok, "", "")
	if status != 429 || h.Get("Retry-After") != "1" || body["message"] != "Too Many Requests" {
		t.Fatalf("limited: %d %v %v", status, h, body)
	}
	s.SetRateLimit(5, time.Minute)
	s.InjectFault(Fault{Path: "/api/v3/", Status: 500, Times: 3})
	s.ClearFaults()
	if status, _, _ := call(t, s, "GET", "/api/v3/tasks", tok, "", ""); status != 200 {
		t.Fatalf("after ClearFaults: %d", status)
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 || s.RequestCount("", "/") != 0 {
		t.Fatal("log not reset")
	}
}

func TestSeedingMistakesPanic(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	a := s.AddAgent(Agent{ID: "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1", Name: "Ann"})
	for name, f := range map[string]func(){
		"unknown presence": func() { s.AddAgent(Agent{Name: "B", Presence: "nap"}) },
		"duplicate id":     func() { s.AddAgent(Agent{ID: a.ID, Name: "C"}) },
		"presence exists":  func() { s.AddPresence("busy", "") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	if p := s.AddPresence("lunch_break", ""); p.Label != "lunch_break" {
		t.Fatalf("label defaults to the name: %+v", p)
	}
	if _, ok := s.Agent("none"); ok {
		t.Fatal("unknown agent found")
	}
	if _, ok := s.AgentBySourceID("none"); ok {
		t.Fatal("unknown source id found")
	}
	if _, ok := s.Task("none"); ok {
		t.Fatal("unknown task found")
	}
	if s.Presence("none") != "" {
		t.Fatal("presence of an unknown agent")
	}
}
