package babelforcetest

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// seedMany adds n agents (sourceId "src<i>") and n tasks.
func seedMany(s *Server, n int) (agents []Agent, tasks []Task) {
	for i := range n {
		agents = append(agents, s.AddAgent(Agent{Name: fmt.Sprint("Agent ", i), SourceID: fmt.Sprint("src", i)}))
		tasks = append(tasks, s.AddTask(Task{Type: "custom"}))
	}
	return agents, tasks
}

// TestLookupsWalkNoRecords: finding an agent by id or by sourceId, a task
// by id, a presence by name, or the agents in a presence walks no other
// record, through the accessors and through the API alike (the fake
// walked every agent or task for each of them before: the flows' lookup of
// an agent by sourceId, GET /api/v2/agents?sourceId=…, cost O(n)). visited
// counts the records a walk touches.
func TestLookupsWalkNoRecords(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	const n = 3000
	agents, tasks := seedMany(s, n)
	s.AddPresence("", "Lunch")
	tok := s.IssueToken(true)
	mid, last := agents[n/2], agents[n-1]

	visited := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.visited
	}
	start := visited()
	steps := []struct {
		name string
		do   func() error
	}{
		{"Agent", func() error { return want(s.Agent(mid.ID)) }},
		{"AgentBySourceID", func() error { return want(s.AgentBySourceID(last.SourceID)) }},
		{"Task", func() error { return want(s.Task(tasks[n-1].ID)) }},
		{"Presence", func() error { return wantTrue(s.Presence(mid.ID) == DefaultAgentPresence) }},
		{"SetPresence", func() error { return s.SetPresence(mid.ID, "lunch") }},
		{"GET agent", func() error { return status(t, s, tok, "GET", "/api/v2/agents/"+last.ID, "", 200) }},
		{"GET status", func() error { return status(t, s, tok, "GET", "/api/v2/agents/"+last.ID+"/status", "", 200) }},
		{"PUT status", func() error {
			return status(t, s, tok, "PUT", "/api/v2/agents/"+last.ID+"/status", `{"presence":{"name":"available"}}`, 201)
		}},
		{"GET agents by sourceId", func() error {
			return status(t, s, tok, "GET", "/api/v2/agents?sourceId="+url.QueryEscape(last.SourceID), "", 200)
		}},
		{"PUT agent, new sourceId", func() error {
			return status(t, s, tok, "PUT", "/api/v2/agents/"+last.ID, `{"sourceId":"moved"}`, 200)
		}},
		{"AgentBySourceID, moved", func() error {
			a, ok := s.AgentBySourceID("moved")
			if _, old := s.AgentBySourceID(last.SourceID); old || a.ID != last.ID {
				return fmt.Errorf("moved agent: %+v %v %v", a, ok, old)
			}
			return nil
		}},
		{"webhook template", func() error {
			return status(t, s, tok, "POST", "/api/v1/webhook/zendesk?templateId="+StatusSyncTemplate,
				`{"detail":{"agent_id":"`+agents[1].SourceID+`"},"event":{"new_state":"online"}}`, 202)
		}},
		{"GET task", func() error { return status(t, s, tok, "GET", "/api/v3/tasks/"+tasks[n/2].ID, "", 200) }},
		{"GET presences", func() error { return status(t, s, tok, "GET", "/api/v2/agents/presence/available", "", 200) }},
		{"DELETE presence in use", func() error {
			return status(t, s, tok, "DELETE", "/api/v2/agents/presence/available/lunch", "", 409)
		}},
		{"DELETE agent", func() error { return status(t, s, tok, "DELETE", "/api/v2/agents/"+agents[2].ID, "", 200) }},
		{"DELETE agent, gone", func() error { return status(t, s, tok, "DELETE", "/api/v2/agents/"+agents[2].ID, "", 404) }},
	}
	for _, step := range steps {
		before := visited()
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		// A sourceId lookup walks the agents with that sourceId: one.
		if got := visited() - before; got > 1 {
			t.Errorf("%s walked %d records of %d", step.name, got, n)
		}
	}
	if got := visited() - start; got > 2 {
		t.Errorf("the lookups walked %d records in all", got)
	}
	if ps := s.Presences(); s.Presence(mid.ID) != "lunch" || ps[2].Name != "lunch" {
		t.Fatalf("presence state: %q %+v", s.Presence(mid.ID), ps)
	}
	if got := s.Presence(agents[1].ID); got != "available" {
		t.Fatalf("the template set %q", got)
	}
}

// TestDeletesKeepOrderAndIndexes: deleted agents leave the lists, the
// indexes and the presence counts, and the others keep their order.
func TestDeletesKeepOrderAndIndexes(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	agents, _ := seedMany(s, 10)
	dup := s.AddAgent(Agent{Name: "Twin", SourceID: agents[3].SourceID})
	tok := s.IssueToken(true)
	for _, i := range []int{0, 3, 4, 5, 6, 7, 9} {
		if err := status(t, s, tok, "DELETE", "/api/v2/agents/"+agents[i].ID, "", 200); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for _, a := range s.Agents() {
		names = append(names, a.Name)
	}
	if fmt.Sprint(names) != "[Agent 1 Agent 2 Agent 8 Twin]" {
		t.Fatalf("agents = %v", names)
	}
	if a, ok := s.AgentBySourceID(agents[3].SourceID); !ok || a.ID != dup.ID {
		t.Fatalf("the twin is not found by its sourceId: %+v", a)
	}
	if _, ok := s.AgentBySourceID(agents[4].SourceID); ok {
		t.Fatal("a deleted agent is found by its sourceId")
	}
	s.mu.Lock()
	busy := s.inPresence[DefaultAgentPresence]
	s.mu.Unlock()
	if busy != 4 {
		t.Fatalf("%d agents counted busy, want 4", busy)
	}
	// The API lists the same, page by page.
	_, _, body := call(t, s, "GET", "/api/v2/agents?max=3&page=2", tok, "", "")
	if items := body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["name"] != "Twin" {
		t.Fatalf("page 2 = %v", body)
	}
}

func want[T any](_ T, ok bool) error { return wantTrue(ok) }

func wantTrue(ok bool) error {
	if !ok {
		return fmt.Errorf("not found")
	}
	return nil
}

// status sends a request and checks its status.
func status(t *testing.T, s *Server, tok, method, path, body string, want int) error {
	t.Helper()
	got, _, out := call(t, s, method, path, tok, "application/json", body)
	if got != want {
		return fmt.Errorf("%s %s: %d %v, want %d", method, path, got, out, want)
	}
	return nil
}

// BenchmarkLookups: the lookups a flow makes cost the same at 1,000 and at
// 20,000 agents and tasks. Before the indexes each walked the agents or
// the tasks: AgentBySourceID took 3.2 µs at 1,000 and 44 µs at 20,000, Task
// 2.8 and 74 µs, GET /api/v2/agents?sourceId= 0.23 and 0.45 ms; now 25 ns,
// 50 to 70 ns and 0.19 ms at both sizes.
func BenchmarkLookups(b *testing.B) {
	for _, n := range []int{1000, 20000} {
		s := NewServer()
		agents, tasks := seedMany(s, n)
		tok := s.IssueToken(true)
		last := agents[n-1]
		b.Run(fmt.Sprintf("AgentBySourceID/n=%d", n), func(b *testing.B) {
			for range b.N {
				if _, ok := s.AgentBySourceID(last.SourceID); !ok {
					b.Fatal("not found")
				}
			}
		})
		b.Run(fmt.Sprintf("Task/n=%d", n), func(b *testing.B) {
			for range b.N {
				if _, ok := s.Task(tasks[n-1].ID); !ok {
					b.Fatal("not found")
				}
			}
		})
		b.Run(fmt.Sprintf("GET agents?sourceId/n=%d", n), func(b *testing.B) {
			req, _ := http.NewRequest("GET", s.URL+"/api/v2/agents?sourceId="+last.SourceID, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			hc := s.Client()
			for range b.N {
				resp, err := hc.Do(req)
				if err != nil || resp.StatusCode != 200 {
					b.Fatal(resp, err)
				}
				resp.Body.Close()
			}
		})
		s.Close()
	}
}

// TestTaskListCost pins what listTasks's doc says it costs: an unfiltered
// page walks no task, a filtered one walks every task, on every page.
func TestTaskListCost(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	const n = 250
	seedMany(s, n)
	tok := s.IssueToken(true)
	visited := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.visited
	}
	for _, c := range []struct {
		query string
		walks int
	}{
		{"page=2&page_size=10", 0},
		{"filter=" + url.QueryEscape("type==custom") + "&page=1&page_size=10", n},
		{"filter=" + url.QueryEscape("type==custom") + "&page=2&page_size=10", n},
	} {
		before := visited()
		if err := status(t, s, tok, "GET", "/api/v3/tasks?"+c.query, "", 200); err != nil {
			t.Fatal(err)
		}
		if got := visited() - before; got != c.walks {
			t.Errorf("GET /api/v3/tasks?%s walked %d tasks of %d, want %d", c.query, got, n, c.walks)
		}
	}
}
