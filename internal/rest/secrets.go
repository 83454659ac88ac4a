package rest

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// minSecretLen keeps a short password such as "a" from blanking every "a".
const minSecretLen = 4

// maxRecentSecrets bounds the credentials learnt at run time (tokens
// rotate; the old ones can still echo back for a while).
const maxRecentSecrets = 32

// redacted replaces a credential.
const redacted = "[redacted]"

// Secrets is the set of credentials scrubbed from every error string,
// error body and log value a client produces: the ones it was built with,
// and the ones learnt at run time (tokens a token cache fetched, a rotated
// refresh token). Safe for concurrent use.
//
// A vendor may echo a credential back in another spelling than the one
// sent: JSON-escaped ("\/" for "/", "\u002b" for "+"), URL- or
// form-encoded ("%2F", "+" for a space). Scrub matches every such spelling,
// character by character, so a mixed one is caught too. To stay fast on a
// large body it looks first for the credential's longest run of ASCII
// letters and digits, which no JSON or URL encoder escapes, and matches the
// spellings only around it.
type Secrets struct {
	mu       sync.Mutex
	static   []string
	recent   []string // ring of values learnt at run time
	next     int
	matchers []*secretMatcher // longest value first; nil when stale
}

// NewSecrets returns a set holding vals. Values shorter than 4 bytes are
// not kept.
func NewSecrets(vals ...string) *Secrets {
	s := &Secrets{}
	s.addStatic(vals...)
	return s
}

// addStatic remembers credentials for the life of the set.
func (s *Secrets) addStatic(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if len(v) >= minSecretLen && !slices.Contains(s.static, v) {
			s.static = append(s.static, v)
			s.matchers = nil
		}
	}
}

// Add remembers credentials learnt at run time; the oldest of them are
// forgotten past 32.
func (s *Secrets) Add(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if len(v) < minSecretLen || slices.Contains(s.recent, v) || slices.Contains(s.static, v) {
			continue
		}
		s.matchers = nil
		if len(s.recent) < maxRecentSecrets {
			s.recent = append(s.recent, v)
			continue
		}
		s.recent[s.next] = v
		s.next = (s.next + 1) % maxRecentSecrets
	}
}

// current returns the matchers of the current values, longest first.
func (s *Secrets) current() []*secretMatcher {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.matchers == nil && len(s.static)+len(s.recent) > 0 {
		vals := append(slices.Clone(s.static), s.recent...)
		// Longest first, so that a token inside a header value goes with it.
		slices.SortFunc(vals, func(a, b string) int { return len(b) - len(a) })
		s.matchers = make([]*secretMatcher, len(vals))
		for i, v := range vals {
			s.matchers[i] = newSecretMatcher(v)
		}
	}
	return s.matchers
}

// Scrub replaces every known credential in str, in any spelling, with
// "[redacted]".
func (s *Secrets) Scrub(str string) string {
	ms := s.current()
	if len(ms) == 0 {
		return str
	}
	return string(scrub([]byte(str), ms))
}

// ScrubBytes is Scrub for a body. b is not modified.
func (s *Secrets) ScrubBytes(b []byte) []byte {
	ms := s.current()
	if len(ms) == 0 {
		return b
	}
	return scrub(b, ms)
}

func scrub(b []byte, ms []*secretMatcher) []byte {
	for _, m := range ms {
		b = m.replace(b)
	}
	return b
}

// maxSpelling is the most bytes one character can take in any spelling:
// a JSON surrogate pair, or four percent-encoded bytes.
const maxSpelling = 12

// secretMatcher finds the spellings of one value.
type secretMatcher struct {
	re *regexp.Regexp
	// anchor is the value's longest run of ASCII letters and digits, which
	// every spelling holds as it is; "" when the value has none (the
	// regexp then runs over the whole input).
	anchor []byte
	// before and after count the characters of the value around anchor.
	before, after int
}

func newSecretMatcher(v string) *secretMatcher {
	m := &secretMatcher{re: regexp.MustCompile(spellings(v))}
	start, best := 0, [2]int{}
	for i := 0; i <= len(v); i++ {
		if i < len(v) && isAlnum(v[i]) {
			continue
		}
		if i-start > best[1]-best[0] {
			best = [2]int{start, i}
		}
		start = i + 1
	}
	if best[1] > best[0] {
		m.anchor = []byte(v[best[0]:best[1]])
		m.before = utf8.RuneCountInString(v[:best[0]])
		m.after = utf8.RuneCountInString(v[best[1]:])
	}
	return m
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// replace returns b with every spelling of the value replaced. It returns
// b itself when there is none.
func (m *secretMatcher) replace(b []byte) []byte {
	if m.anchor == nil {
		if !m.re.Match(b) {
			return b
		}
		return m.re.ReplaceAllLiteral(b, []byte(redacted))
	}
	var spans [][2]int
	for from := 0; ; {
		i := bytes.Index(b[from:], m.anchor)
		if i < 0 {
			break
		}
		at := from + i
		lo := max(at-m.before*maxSpelling, 0)
		hi := min(at+len(m.anchor)+m.after*maxSpelling, len(b))
		for _, loc := range m.re.FindAllIndex(b[lo:hi], -1) {
			s := [2]int{lo + loc[0], lo + loc[1]}
			if n := len(spans); n > 0 && s[0] < spans[n-1][1] {
				continue // found again from an overlapping window
			}
			spans = append(spans, s)
		}
		from = at + 1
	}
	if len(spans) == 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	last := 0
	for _, s := range spans {
		out = append(out, b[last:s[0]]...)
		out = append(out, redacted...)
		last = s[1]
	}
	return append(out, b[last:]...)
}

// spellings returns a regexp matching v with each character written as
// itself or as any escape a server may echo it in: JSON \uXXXX (either
// case, a surrogate pair beyond the BMP) and JSON's short escapes, URL
// percent-encoding of its UTF-8 bytes (either case), "+" for a space.
func spellings(v string) string {
	var b strings.Builder
	for _, r := range v {
		if r == utf8.RuneError {
			b.WriteString(regexp.QuoteMeta(string(r)))
			continue
		}
		alts := []string{regexp.QuoteMeta(string(r))}
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		var pct strings.Builder
		for _, c := range buf[:n] {
			fmt.Fprintf(&pct, "%%(?i:%02x)", c)
		}
		alts = append(alts, pct.String())
		if r <= 0xffff {
			alts = append(alts, fmt.Sprintf(`\\u(?i:%04x)`, r))
		} else {
			r1, r2 := utf16Pair(r)
			alts = append(alts, fmt.Sprintf(`\\u(?i:%04x)\\u(?i:%04x)`, r1, r2))
		}
		switch r {
		case '/':
			alts = append(alts, `\\/`)
		case '"':
			alts = append(alts, `\\"`)
		case '\\':
			alts = append(alts, `\\\\`)
		case ' ':
			alts = append(alts, `\+`)
		case '\b':
			alts = append(alts, `\\b`)
		case '\f':
			alts = append(alts, `\\f`)
		case '\n':
			alts = append(alts, `\\n`)
		case '\r':
			alts = append(alts, `\\r`)
		case '\t':
			alts = append(alts, `\\t`)
		}
		b.WriteString("(?:" + strings.Join(alts, "|") + ")")
	}
	return b.String()
}

// utf16Pair returns the UTF-16 surrogate pair of a rune beyond the BMP.
func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
