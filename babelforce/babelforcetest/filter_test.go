package babelforcetest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// taskRec is a task of the filter tests, found by its Body marker.
type taskRec struct {
	name      string
	state     string
	typ       string
	customer  string
	created   int64
	scheduled int64 // 0: "now", the created time
}

// TestTaskFilterExamples runs each example of the filter parameter of GET
// /api/v3/tasks, and the constructions the fake supports, against six
// tasks, and checks the records that come back. An expression the fake
// does not support gets a 400 naming what it does not support, never a 200
// with other records.
//
// Sources of the examples:
//   - "state==active": docs/guides/task-automations.md in
//     https://github.com/babelforce/manager-sdk ("List tasks", the
//     TypeScript and Rust tabs).
//   - "(state=in=('Scheduled','Assigned'))", "type==babelforce.call.inbound",
//     "created_at=gt=1610115403866": the description of the filter
//     parameter of GET /api/v3/tasks in static/openapi/task-automation.openapi.yaml
//     of https://github.com/babelforce/manager-sdk (task-automation spec
//     3.63.10). Only these three were read from it; any further example
//     the file has is not covered here.
//   - The rest (and/or, grouping, !=, =lt=, customer_id, scheduled_at)
//     are RSQL as babelforce calls the parameter ("RSQL-like"), written
//     for this test.
func TestTaskFilterExamples(t *testing.T) {
	t.Parallel()
	const (
		custA = "6c2a2f9e6dbd4fc1b9d3cde3c7a6e80d"
		custB = "0b4ad5bd0e2f4d37a0d2a8b1c0f3e9a7"
	)
	base := int64(1610115403866)
	recs := []taskRec{
		{"s1", "Scheduled", "babelforce.call.inbound", custA, base - 1000, 0},
		{"a1", "Assigned", "babelforce.call.inbound", custA, base + 1000, base + 60000},
		{"c1", "Completed", "webhook.zendesk.agent_status", custA, base + 2000, 0},
		{"s2", "Scheduled", "webhook.zendesk.agent_status", custB, base + 3000, base + 120000},
		{"f1", "Failed", "babelforce.call.inbound", custB, base, 0},
		{"p1", "Processing", "custom", custB, base + 4000, 0},
	}
	s := NewServer(WithoutTemplates())
	defer s.Close()
	tok := s.IssueToken(true)
	for _, r := range recs {
		task := Task{State: r.state, Type: r.typ, CustomerID: r.customer, CreatedAt: time.UnixMilli(r.created),
			Body: json.RawMessage(`{"name":"` + r.name + `"}`)}
		if r.scheduled != 0 {
			task.ScheduledAt = time.UnixMilli(r.scheduled)
		}
		s.AddTask(task)
	}
	ms := func(n int64) string { return fmt.Sprint(n) }
	cases := []struct {
		source, filter string
		want           string // names of the records, in order; or "400: <text the detail names>"
	}{
		{"manager-sdk guide", "state==active", `400: "active"`},
		{"task-automation spec", "(state=in=('Scheduled','Assigned'))", "s1 a1 s2"},
		{"task-automation spec", "type==babelforce.call.inbound", "s1 a1 f1"},
		{"task-automation spec", "created_at=gt=1610115403866", "a1 c1 s2 p1"},

		{"==", "state==Scheduled", "s1 s2"},
		{"quoted ==", `state=="Completed"`, "c1"},
		{"!=", "state!=Scheduled", "a1 c1 f1 p1"},
		{"=lt=", "created_at=lt=" + ms(base), "s1"},
		{"=le=", "created_at=le=" + ms(base), "s1 f1"},
		{"=ge=", "created_at=ge=" + ms(base+3000), "s2 p1"},
		{"=out=", "state=out=(Scheduled,Assigned)", "c1 f1 p1"},
		{"=in= one value", "state=in=Failed", "f1"},
		{"customer_id", "customer_id==" + custB, "s2 f1 p1"},
		{"scheduled_at (now is the created time)", "scheduled_at=lt=" + ms(base+5000), "s1 c1 f1 p1"},
		{"scheduled_at=ge=", "scheduled_at=ge=" + ms(base+60000), "a1 s2"},
		{"; is and", "type==babelforce.call.inbound;customer_id==" + custA, "s1 a1"},
		{", is or", "state==Failed,state==Processing", "f1 p1"},
		{"and binds tighter than or", "state==Failed,type==custom;customer_id==" + custB, "f1 p1"},
		{"and binds tighter than or (2)", "type==custom;customer_id==" + custA + ",state==Failed", "f1"},
		{"parentheses override", "(state==Failed,type==custom);customer_id==" + custA, ""},
		{"keywords", "state==Scheduled and customer_id==" + custB + " or state==Completed", "c1 s2"},
		{"keywords with groups", "(state==Scheduled or state==Assigned) and created_at=gt=" + ms(base), "a1 s2"},
		{"nested groups", "((state!=Scheduled;state!=Assigned);(created_at=lt=" + ms(base+2500) + ",type==custom))", "c1 f1 p1"},
		{"spaces", " state == Scheduled ; customer_id == " + custA + " ", "s1"},
		{"empty", "", "s1 a1 c1 s2 f1 p1"},

		{"unsupported operator", "type=like=babelforce.*", `400: "=like="`},
		{"unsupported operator <", "created_at<" + ms(base), `400: "<"`},
		{"unknown operator", "state=foo=Scheduled", `400: "=foo="`},
		{"unknown field", "colour==red", `400: "colour"`},
		{"wildcard", "type==babelforce.*", `400: "*"`},
		{"ordered on a text field", "state=gt=Assigned", `400: "=gt="`},
		{"not a number", "created_at=gt=yesterday", `400: "yesterday"`},
		{"list for ==", "state==(Scheduled,Assigned)", `400: "=="`},
		{"unclosed group", "(state==Scheduled", `400: ")"`},
		{"unclosed quote", "state=='Scheduled", "400: is not closed"},
		{"dangling or", "state==Scheduled,", "400: found end of the filter"},
		{"no value", "state==", "400: expected a value"},
		{"empty list", "state=in=()", "400: expected a value"},
		{"trailing text", "state==Scheduled)", `400: ")"`},
	}
	for _, c := range cases {
		q := "/api/v3/tasks?page_size=100&filter=" + url.QueryEscape(c.filter)
		status, _, body := call(t, s, "GET", q, tok, "", "")
		if want, ok := strings.CutPrefix(c.want, "400: "); ok {
			if detail, _ := body["error_detail"].(string); status != 400 || body["error_message"] != "Bad Request" || !strings.Contains(detail, want) {
				t.Errorf("%s: filter %q: %d %v, want 400 naming %s", c.source, c.filter, status, body, want)
			}
			continue
		}
		if status != 200 {
			t.Errorf("%s: filter %q: %d %v", c.source, c.filter, status, body)
			continue
		}
		var names []string
		for _, r := range body["records"].([]any) {
			names = append(names, r.(map[string]any)["body"].(map[string]any)["name"].(string))
		}
		if got := strings.Join(names, " "); got != c.want {
			t.Errorf("%s: filter %q: records %q, want %q", c.source, c.filter, got, c.want)
		}
	}
}

// TestTaskFilterRawSemicolon: a client that leaves ";" unescaped in the
// query (babelforce's server reads it as part of the value) gets the
// filtered records, not every task: Go's url.ParseQuery drops a pair that
// holds a ";", which would silently remove the filter.
func TestTaskFilterRawSemicolon(t *testing.T) {
	t.Parallel()
	s := NewServer(WithoutTemplates())
	defer s.Close()
	tok := s.IssueToken(true)
	s.AddTask(Task{State: "Scheduled", Type: "a"})
	s.AddTask(Task{State: "Scheduled", Type: "b"})
	s.AddTask(Task{State: "Failed", Type: "a"})
	status, _, body := call(t, s, "GET", "/api/v3/tasks?filter=state==Scheduled;type==a&page_size=10", tok, "", "")
	if m, _ := body["_metadata"].(map[string]any); status != 200 || m["total_count"] != float64(1) || m["per_page"] != float64(10) {
		t.Fatalf("raw ;: %d %v", status, body)
	}
}
