package zendesktest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzRenderJSONSafe: whatever a comment or a name holds, a JSON trigger
// body with the placeholders inside strings stays valid JSON and carries
// the exact text.
func FuzzRenderJSONSafe(f *testing.F) {
	f.Add("hello", "Ann Agent")
	f.Add("line 1\nline 2\r\n\n\"quoted\" \\ back <b>bold</b> & 👋 \u2028 \x00 \t", `A "B" \ C`)
	f.Add("{{ticket.id}}", "}}{{")
	s := NewServer()
	defer s.Close()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	const tmpl = `{"m": "{{ticket.latest_public_comment_html}}", "n": "{{ ticket.requester.name }}", "id": "{{ticket.id}}"}`
	f.Fuzz(func(t *testing.T, text, name string) {
		if !utf8.ValidString(text) || !utf8.ValidString(name) {
			t.Skip("Zendesk text is UTF-8")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		u := s.st.newUser(User{Name: name}, now)
		defer s.st.users.del(u.ID)
		tk := Ticket{ID: 7, RequesterID: u.ID, Status: "open"}
		c := Comment{AuthorID: u.ID, Body: text, PlainBody: text, Public: true, CreatedAt: now}
		rc := &renderCtx{st: s.st, t: &tk, comments: []Comment{c}, actor: u.ID}
		out := rc.render(tmpl, "json")
		var v map[string]string
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		want := commentRule + "\n\n" + name + ", Nov 21, 2026, 10:00\n\n" + strings.ReplaceAll(text, "\r\n", "\n")
		if v["m"] != want || v["n"] != name || v["id"] != "7" {
			t.Fatalf("rendered %q", v)
		}
	})
}

// FuzzParseQuery: any query parses without panicking, into terms whose
// keys are lower case.
func FuzzParseQuery(f *testing.F) {
	for _, q := range []string{"type:ticket status<solved", `name:"Ann Agent" -role:agent`, `"unterminated`, "created>=2026-01-01", "-", ":x", "a:b:c"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, tm := range parseQuery(q) {
			if tm.key != strings.ToLower(tm.key) {
				t.Fatalf("key %q", tm.key)
			}
			switch tm.op {
			case "", ":", "<", ">", "<=", ">=":
			default:
				t.Fatalf("op %q", tm.op)
			}
		}
	})
}
