package babelforcetest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// wireID is the form of every id babelforce sends: 32 lower-case hex
// characters, no hyphens.
var wireID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// hyphenate writes a 32-hex id in the hyphenated UUID form (8-4-4-4-12).
func hyphenate(id string) string {
	return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
}

// TestIDsHaveTheWireForm: the ids the fake issues, on every route and for
// every seeding helper, are in babelforce's wire form, and the hyphenated
// form of an existing id finds nothing (404), as babelforce answers it.
func TestIDsHaveTheWireForm(t *testing.T) {
	t.Parallel()
	s := NewServer(WithoutTemplates())
	defer s.Close()
	tok := s.IssueToken(true)

	seeded := s.AddAgent(Agent{Name: "Ann", SourceID: "10011"})
	status, _, body := call(t, s, "POST", "/api/v2/agents", tok, "application/json", `{"name":"Bob"}`)
	if status != 201 {
		t.Fatalf("POST agent: %d %v", status, body)
	}
	created := body["item"].(map[string]any)["id"].(string)
	task := s.AddTask(Task{Type: "custom"})
	status, _, hook := call(t, s, "POST", "/api/v1/webhook/zendesk?templateId=x", tok, "application/json", `{"detail":{"agent_id":"1"}}`)
	if status != 202 {
		t.Fatalf("webhook: %d %v", status, hook)
	}
	for what, id := range map[string]string{
		"seeded agent": seeded.ID, "created agent": created,
		"task": task.ID, "task session": task.SessionID, "task customer": task.CustomerID, "server customer": s.CustomerID,
		"webhook task": hook["id"].(string), "webhook session": hook["session_id"].(string), "webhook customer": hook["customer_id"].(string),
	} {
		if !wireID.MatchString(id) {
			t.Errorf("%s id %q is not 32 lower-case hex characters", what, id)
		}
	}

	// The wire form finds the agent and the task; the hyphenated form of
	// the same id does not.
	for _, path := range []string{"/api/v2/agents/" + seeded.ID, "/api/v2/agents/" + seeded.ID + "/status", "/api/v3/tasks/" + task.ID} {
		if status, _, body := call(t, s, "GET", path, tok, "", ""); status != 200 {
			t.Errorf("GET %s: %d %v", path, status, body)
		}
	}
	if !wireID.MatchString(seeded.ID) || !wireID.MatchString(task.ID) {
		t.FailNow()
	}
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v2/agents/" + hyphenate(seeded.ID), ""},
		{"PUT", "/api/v2/agents/" + hyphenate(seeded.ID), `{"name":"Ann B."}`},
		{"DELETE", "/api/v2/agents/" + hyphenate(seeded.ID), ""},
		{"GET", "/api/v2/agents/" + hyphenate(seeded.ID) + "/status", ""},
		{"PUT", "/api/v2/agents/" + hyphenate(seeded.ID) + "/status", `{"presence":{"name":"available"}}`},
		{"GET", "/api/v3/tasks/" + hyphenate(task.ID), ""},
	} {
		if status, _, body := call(t, s, c.method, c.path, tok, "application/json", c.body); status != 404 {
			t.Errorf("%s %s: %d %v, want 404", c.method, c.path, status, body)
		}
	}
	if a, _ := s.Agent(seeded.ID); a.Name != "Ann" || s.Presence(seeded.ID) != DefaultAgentPresence {
		t.Errorf("a request naming the hyphenated id changed the agent: %+v", a)
	}

	// Seeding an id babelforce would never send is a bug in the test.
	for name, f := range map[string]func(){
		"hyphenated agent id":   func() { s.AddAgent(Agent{ID: hyphenate(strings.Repeat("ab", 16)), Name: "C"}) },
		"upper-case agent id":   func() { s.AddAgent(Agent{ID: strings.Repeat("AB", 16), Name: "C"}) },
		"hyphenated task id":    func() { s.AddTask(Task{ID: hyphenate(strings.Repeat("cd", 16))}) },
		"hyphenated session id": func() { s.AddTask(Task{SessionID: hyphenate(strings.Repeat("cd", 16))}) },
		"hyphenated agent_id":   func() { s.AddTask(Task{AgentID: hyphenate(strings.Repeat("cd", 16))}) },
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
}

// noEmptyStrings reports every "" in a decoded JSON value, with its path.
func noEmptyStrings(path string, v any) []string {
	var out []string
	switch v := v.(type) {
	case string:
		if v == "" {
			out = append(out, path)
		}
	case map[string]any:
		for k, x := range v {
			out = append(out, noEmptyStrings(path+"."+k, x)...)
		}
	case []any:
		for i, x := range v {
			out = append(out, noEmptyStrings(fmt.Sprintf("%s[%d]", path, i), x)...)
		}
	}
	return out
}

// TestOptionalFieldsAbsent: the models the fake writes leave an optional
// field without a value out, and never write "" (manager spec schemas
// Agent, AgentStatus, AgentTotalStatus, Pagination; task-automation Task).
func TestOptionalFieldsAbsent(t *testing.T) {
	t.Parallel()
	s := NewServer(WithoutTemplates())
	defer s.Close()
	tok := s.IssueToken(true)
	bare := s.AddAgent(Agent{Name: "Bare"})
	s.AddTask(Task{Type: "custom"})

	type req struct{ method, path, body string }
	bodies := map[string]map[string]any{}
	for _, r := range []req{
		{"GET", "/api/v2/agents/" + bare.ID, ""},
		{"GET", "/api/v2/agents?max=1", ""},
		{"POST", "/api/v2/agents", `{"name":"Also bare"}`},
		{"PUT", "/api/v2/agents/" + bare.ID, `{"enabled":true}`},
		{"GET", "/api/v2/agents/" + bare.ID + "/status", ""},
		{"PUT", "/api/v2/agents/" + bare.ID + "/status", `{"presence":{"name":"available"}}`},
		{"GET", "/api/v2/agents/presence/available", ""},
		{"GET", "/api/v2/agents/presence/available/busy", ""},
		{"GET", "/api/v3/tasks", ""},
		{"POST", "/api/v1/webhook/zendesk?templateId=x", `{}`},
		{"GET", "/api/v3/tasks/nothing", ""},
		{"GET", "/api/v2/nothing", ""},
	} {
		status, _, body := call(t, s, r.method, r.path, tok, "application/json", r.body)
		if status >= 500 || body == nil {
			t.Fatalf("%s %s: %d %v", r.method, r.path, status, body)
		}
		bodies[r.method+" "+r.path] = body
		for _, p := range noEmptyStrings("", body) {
			t.Errorf(`%s %s: %s is ""`, r.method, r.path, p)
		}
	}

	// Agent: only id and name are required; the optional fields without a
	// value are left out.
	agents := []map[string]any{
		bodies["GET /api/v2/agents/"+bare.ID]["item"].(map[string]any),
		bodies["GET /api/v2/agents?max=1"]["items"].([]any)[0].(map[string]any),
		bodies[`POST /api/v2/agents`]["item"].(map[string]any),
		bodies["PUT /api/v2/agents/"+bare.ID]["item"].(map[string]any),
	}
	for i, a := range agents {
		for _, k := range []string{"email", "number", "sourceId", "agentSource", "activity"} {
			if v, has := a[k]; has {
				t.Errorf("agent %d: %s = %#v, want it absent", i, k, v)
			}
		}
		st := a["status"].(map[string]any)
		if v, has := st["activity"]; has {
			t.Errorf("agent %d: status.activity = %#v, want it absent (optional in AgentStatus)", i, v)
		}
	}
	// AgentStatus (PUT …/status): activity is optional, not nullable.
	if v, has := bodies["PUT /api/v2/agents/"+bare.ID+"/status"]["activity"]; has {
		t.Errorf("PUT status: activity = %#v, want it absent", v)
	}
	// AgentTotalStatus (GET …/status): activity and line_status are
	// required and nullable: present, null for "no activity".
	total := bodies["GET /api/v2/agents/"+bare.ID+"/status"]["item"].([]any)[0].(map[string]any)
	if v, has := total["activity"]; !has || v != nil {
		t.Errorf("GET status: activity = %#v (present %v), want null", v, has)
	}
	// Task: agent_id and queue_id are optional.
	rec := bodies["GET /api/v3/tasks"]["records"].([]any)[0].(map[string]any)
	for _, k := range []string{"agent_id", "queue_id"} {
		if v, has := rec[k]; has {
			t.Errorf("task: %s = %#v, want it absent", k, v)
		}
	}
}

// TestRequestKeysMatchCaseSensitively: a key that differs from the
// documented one only in case is not that field. babelforce reads
// "name", not "NAME": a create without "name" is refused (400), and a
// status change under "Presence" changes nothing.
func TestRequestKeysMatchCaseSensitively(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	tok := s.IssueToken(true)
	if status, _, body := call(t, s, "POST", "/api/v2/agents", tok, "application/json", `{"NAME":"Ann"}`); status != 400 || body["success"] != false {
		t.Errorf(`POST {"NAME"}: %d %v, want 400`, status, body)
	}
	if n := len(s.Agents()); n != 0 {
		t.Errorf("%d agents created", n)
	}
	a := s.AddAgent(Agent{Name: "Ann"})
	status, _, body := call(t, s, "PUT", "/api/v2/agents/"+a.ID+"/status", tok, "application/json", `{"Presence":{"name":"available"}}`)
	if status != 201 || s.Presence(a.ID) != DefaultAgentPresence || len(s.History()) != 0 {
		t.Errorf(`PUT status {"Presence"}: %d %v; presence %q, want it unchanged`, status, body, s.Presence(a.ID))
	}
	status, _, _ = call(t, s, "PUT", "/api/v2/agents/"+a.ID, tok, "application/json", `{"name":"Ann","Email":"ann@acme.test","SOURCEID":"1"}`)
	if got, _ := s.Agent(a.ID); status != 200 || got.Email != "" || got.SourceID != "" {
		t.Errorf("PUT agent with case variants: %d, agent %+v", status, got)
	}
	if status, _, _ := call(t, s, "POST", "/api/v2/agents/presence/available", tok, "application/json", `{"Label":"Lunch"}`); status != 400 {
		t.Errorf(`POST presence {"Label"}: %d, want 400 (no label)`, status)
	}
}
