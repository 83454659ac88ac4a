package babelforcetest

import (
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
