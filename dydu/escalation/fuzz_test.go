package escalation

import (
	"strings"
	"testing"
	"unicode/utf8"
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
