package escalation

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/store"
)

// FuzzPlainText: Dydu's answers are HTML from outside; the text shown
// never keeps a tag's brackets from a well-formed tag and never panics.
func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"<p>Bonjour</p>", "a<br/>b", "<b", "&amp;&lt;", "<a href='x'>lien</a>", "", "<<>>", "é<p>è"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := plainText(s)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("plainText(%q) = %q: not UTF-8", s, out)
		}
		if !strings.Contains(s, "<") && !strings.Contains(s, "&") && out != strings.TrimSpace(s) {
			t.Fatalf("plainText(%q) = %q, want the text unchanged", s, out)
		}
	})
}

// FuzzUserBodies: the JSON bodies the user's channel posts (messages and
// typing) come from any web page. Whatever they hold, the bridge answers
// with one of its documented statuses and a JSON body, never panics, and
// takes a message only with an id and a text within Dydu's limit.
func FuzzUserBodies(f *testing.F) {
	for _, s := range []string{
		`{"id":"m1","text":"Bonjour","variables":{"mail":"jeanne@example.org"}}`,
		`{"id":"m2","text":"Quels sont vos horaires ?"}`,
		`{"text":"sans id"}`, `{"id":"m3"}`, `{"id":"m:4","text":"deux-points"}`, `{"id":"m5","text":null,"variables":null}`,
		`{"id":"m6","text":"x","variables":{"a":1}}`, `[]`, `null`, `{`, `{"id":"m7","text":"\ud800"}`, `{"typing":true}`, `{"typing":"yes"}`,
		`{"id":"m8","text":"` + strings.Repeat("é", 601) + `"}`, "{\"id\":\"m9\",\"text\":\"\xff\"}",
		`{"id":"m10","text":"x","variables":{"mail":"ceo@victim.com","name":"CEO","lang":"fr"}}`,
		`{"id":"m11","text":"x","variables":{"big":"` + strings.Repeat("v", MaxVariablesSize) + `"}}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	e := newEnv(f, 1, store.NewMemory())
	h := e.flows[0].Handler()
	allowed := map[int]bool{200: true, 400: true, 413: true, 422: true, 503: true}
	f.Fuzz(func(t *testing.T, body []byte, typing bool) {
		path := "/chats/chat-fuzz-0001-00000000000/messages"
		if typing {
			path = "/chats/chat-fuzz-0001-00000000000/typing"
		}
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("the answer is not JSON: %q", rec.Body)
		}
		if rec.Code != 200 || typing {
			return
		}
		var in struct{ ID, Text string }
		if err := json.Unmarshal(body, &in); err != nil {
			t.Fatalf("took a body that does not decode: %q", body)
		}
		if !validID(in.ID) || in.Text == "" || utf8.RuneCountInString(in.Text) > 600 || !utf8.ValidString(in.Text) {
			t.Fatalf("took %q", body)
		}
		// Whatever the browser sends, it never says who the user is, and
		// the chat's variables stay within their limits.
		st, err := e.flows[0].loadChat(context.Background(), "chat-fuzz-0001-00000000000")
		if err != nil {
			t.Fatal(err)
		}
		size := 0
		for k, v := range st.Vars {
			size += len(k) + len(v)
		}
		if len(st.Identity) != 0 || st.Vars["mail"] != "" || len(st.Vars) > MaxVariables || size > MaxVariablesSize {
			t.Fatalf("after %q: identity %v, %d variables of %d bytes", body, st.Identity, len(st.Vars), size)
		}
	})
}
