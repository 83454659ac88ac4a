package flow

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzCanonical: whatever value a trigger condition or action carries (it
// comes from Zendesk), canonical never panics, gives one answer, and gives
// the same answer for the forms Zendesk treats alike: the value compacted,
// and a string in a one-element list.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		``, `null`, `"5"`, `5`, `5.0`, `true`, `"true"`, `["solved"]`, `"solved"`, `[]`, `{}`,
		`["01HQ", "{\"ticket\": \"{{ticket.id}}\",  \"text\": \"{{ticket.latest_public_comment_html}}\"}"]`,
		`["01HQ", "{\"ticket\":\"{{ticket.id}}\",\"text\":\"{{ticket.latest_public_comment_html}}\"}"]`,
		`[["ticket", "42"], ["x", "a b"]]`, `{"b": 1, "a": [1, 2]}`, `"{not json"`, `[1, "1", null]`,
		`"\u003c\u003e"`, `1e400`, strings.Repeat(`[`, 300),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := canonical(raw)
		if again := canonical(raw); again != got {
			t.Fatalf("two answers for %q: %q, %q", raw, got, again)
		}
		var compact bytes.Buffer
		if json.Compact(&compact, raw) == nil {
			if c := canonical(compact.Bytes()); c != got {
				t.Fatalf("compacting %q changed %q to %q", raw, got, c)
			}
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			list, _ := json.Marshal([]string{s})
			if c := canonical(list); c != got && !(got == "" && c == `""`) {
				t.Fatalf("%q and [%q]: %q, %q", raw, s, got, c)
			}
		}
	})
}
