package smsbridge

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// rule is the line of dashes Zendesk renders above a comment.
const rule = "----------------------------------------------"

// zendeskComment renders a comment as {{ticket.latest_public_comment_html}}
// does (the format of the Braze Zendesk Chat recipe).
func zendeskComment(name, date, msg string) string {
	return rule + "\n\n" + name + ", " + date + "\n\n" + msg
}

func TestExtractMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"the recipe's format", zendeskComment("Ann Agent", "Mar 3, 2025, 10:04", "Hello there"), "Hello there"},
		{"the recipe's format as Zendesk sends it", "----------------------------------------------\n\nAnn Agent, Mar 3, 2025, 10:04\n\nHi", "Hi"},
		{"multi-line message keeps its line breaks", zendeskComment("Ann", "Mar 3, 2025, 10:04", "Line one\nLine two\n\nNew paragraph"), "Line one\nLine two\n\nNew paragraph"},
		{"emoji and non-ASCII", zendeskComment("Zoë Ågent", "3 mars 2025, 10:04", "Bonjour Chloé 👋 — ça marche ✅\n日本語も"), "Bonjour Chloé 👋 — ça marche ✅\n日本語も"},
		{"CRLF", strings.ReplaceAll(zendeskComment("Ann", "d, t", "a\nb"), "\n", "\r\n"), "a\nb"},
		{"leading blank lines and BOM", "\ufeff\n\n" + zendeskComment("Ann", "d, t", "x"), "x"},
		{"short rule", "---\n\nAnn, today\n\nmsg", "msg"},
		{"no blank lines", rule + "\nAnn, today\nmsg", "msg"},
		{"header only", zendeskComment("Ann", "d, t", ""), ""},
		{"header only, no trailing newline", rule + "\n\nAnn, today", ""},
		{"rule then text without a replier line", rule + "\n\nJust text\nmore", "Just text\nmore"},
		{"message that looks like a header is kept", zendeskComment("Ann", "d, t", rule+"\n\nBob, then\n\ninner"), rule + "\n\nBob, then\n\ninner"},
		{"name with a comma", zendeskComment("Agent, Ann", "Mar 3, 2025", "ok"), "ok"},
		{"no header: plain text", "Your ticket has been closed", "Your ticket has been closed"},
		{"no header: trailing spaces and blank lines", "  a  \n\n\n\nb\n\n", "  a\n\nb"},
		{"HTML message", zendeskComment("Ann", "d, t", "<p>Hello <b>Chloé</b>,</p><p>Line 1<br>Line 2</p>"), "Hello Chloé,\n\nLine 1\nLine 2"},
		{"HTML with source newlines", zendeskComment("Ann", "d, t", "<div class=\"zd-comment\">\n<p>One</p>\n<p>Two<br>\nThree</p>\n</div>"), "One\n\nTwo\nThree"},
		{"HTML entities", zendeskComment("Ann", "d, t", "Tom &amp; Jerry &lt;3 &quot;quoted&quot; &#128512; &eacute;t&eacute;&nbsp;!"), "Tom & Jerry <3 \"quoted\" 😀 été !"},
		{"text newline kept beside inline tag", zendeskComment("Ann", "d, t", "Line 1\nLine 2 <b>bold</b>"), "Line 1\nLine 2 bold"},
		{"link keeps its address", zendeskComment("Ann", "d, t", `See <a href="https://example.com/track?id=1&amp;x=2">tracking</a>.`), "See tracking (https://example.com/track?id=1&x=2)."},
		{"link whose text is its address", zendeskComment("Ann", "d, t", `<a href="https://example.com">https://example.com</a>`), "https://example.com"},
		{"mailto link", zendeskComment("Ann", "d, t", `<a href='mailto:help@example.com'>write to us</a>`), "write to us (help@example.com)"},
		{"list", zendeskComment("Ann", "d, t", "<p>Steps:</p><ul><li>one</li><li>two</li></ul>"), "Steps:\n\n- one\n- two"},
		{"script, style and comments dropped", zendeskComment("Ann", "d, t", "<style>p{}</style><script>alert(1)</script><!-- x -->hi<!-- unterminated"), "hi"},
		{"uppercase tags", zendeskComment("Ann", "d, t", "<P>a<BR/>b</P>"), "a\nb"},
		{"HTML header", "<p>" + rule + "</p><p>Ann Agent, Mar 3, 2025</p><p>Hello<br>world</p>", "Hello\nworld"},
		{"hr header", "<hr><p>Ann Agent, Mar 3, 2025</p><p>Hello</p>", "Hello"},
		{"less-than that is not a tag", zendeskComment("Ann", "d, t", "a < b and 2<3, x<y"), "a < b and 2<3, x<y"},
		{"email in angle brackets is not a tag", "Write <ann@example.com>", "Write <ann@example.com>"},
		{"unterminated tag is text", zendeskComment("Ann", "d, t", "a <b c"), "a <b c"},
		{"quoted > inside an attribute", zendeskComment("Ann", "d, t", `<span title="a>b">x</span>`), "x"},
		{"doctype dropped", "<!DOCTYPE html><p>x</p>", "x"},
		{"invalid UTF-8 inside a link tag", "<A 0\xa2\xc3 HREF='x'>y</a>", "y (x)"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := ExtractMessage(tc.in); got != tc.want {
				t.Errorf("ExtractMessage(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// plainMessage reports whether ExtractMessage must return msg unchanged
// (once tidied by finish): text without markup characters.
func plainMessage(msg string) bool {
	return !strings.ContainsAny(msg, "<&") && utf8.ValidString(msg)
}

func FuzzExtractMessage(f *testing.F) {
	for _, s := range []struct{ name, date, msg string }{
		{"Ann Agent", "Mar 3, 2025, 10:04", "Hello"},
		{"Zoë", "3 mars 2025", "Bonjour 👋\nLigne 2\n\nParagraphe"},
		{"A", "d", "<p>x<br>y</p>"},
		{"A, B", "d, t", rule + "\n\nC, D\n\nE"},
		{"", "", ""},
		{"Ann", "today", "Tom &amp; Jerry <3 &#x1F600;"},
		{"Ann", "today", `<a href="https://x">y</a><script>z`},
		{"Ann", "today", "  indented\n\t tab \r\nCRLF"},
	} {
		f.Add(s.name, s.date, s.msg)
	}
	f.Fuzz(func(t *testing.T, name, date, msg string) {
		// Zendesk names and dates are one line each.
		name = strings.Map(oneLine, name)
		date = strings.Map(oneLine, date)
		in := zendeskComment(name, date, msg)
		out := ExtractMessage(in) // must not panic
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of valid input %q: %q", in, out)
		}
		// Never the header: neither the rule nor the replier line opens
		// the result unless the message itself opens with them.
		want := finish(normalizeNewlines(msg))
		replier := strings.TrimSpace(name + ", " + date)
		if strings.HasPrefix(out, rule) && !strings.HasPrefix(strings.TrimLeft(want, " \t\n"), "---") && !strings.Contains(msg, "<") {
			t.Fatalf("the rule is still there:\nin  %q\nout %q", in, out)
		}
		if plainMessage(msg) {
			// The message text comes out exactly, tidied.
			if out != want {
				t.Fatalf("message not kept:\nin   %q\nout  %q\nwant %q", in, out, want)
			}
			if replier != "," && strings.HasPrefix(out, replier) && !strings.HasPrefix(want, replier) {
				t.Fatalf("the replier line is still there:\nin  %q\nout %q", in, out)
			}
		}
		// Whatever the markup, every word of text outside tags and
		// entities survives: check the letters and digits of a message
		// without markup characters, and the stability of the result.
		if plainMessage(msg) && ExtractMessage(out) != finish(out) && !strings.HasPrefix(strings.TrimLeft(out, " \t\n\ufeff\u00a0"), "---") {
			t.Fatalf("not stable: %q -> %q -> %q", in, out, ExtractMessage(out))
		}
	})
}

func oneLine(r rune) rune {
	if r == '\n' || r == '\r' {
		return ' '
	}
	return r
}
