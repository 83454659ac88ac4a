package rest

import (
	"bytes"
	"slices"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// minSecretLen keeps a short password such as "a" from blanking every "a".
const minSecretLen = 4

// maxRecentSecrets bounds the credentials learnt at run time (tokens
// rotate; the old ones can still echo back for a while).
const maxRecentSecrets = 32

// maxEscapeLevels is how many levels of escaping scrub decodes: a
// credential escaped (JSON, URL or form) up to three times over is found.
const maxEscapeLevels = 3

// redacted replaces a credential.
const redacted = "[redacted]"

// Secrets is the set of credentials scrubbed from every error string,
// error body and log value a client produces: the ones it was built with,
// and the ones learnt at run time (tokens a token cache fetched, a rotated
// refresh token). Safe for concurrent use.
//
// A vendor may echo a credential back in another spelling than the one
// sent: JSON-escaped ("\/" for "/", "\u002b" for "+", or any character as
// "\uXXXX"), URL- or form-encoded ("%2F", "+" for a space), or a mix of
// these, escaped again (a JSON-escaped echo quoted in another JSON
// string, say), up to three levels. Scrub decodes every such escape in what it scrubs, finds the
// credentials in the decoded text, and redacts the escaped spans they came
// from, so that no spelling survives.
type Secrets struct {
	mu     sync.Mutex
	static []string
	recent []string // ring of values learnt at run time
	next   int
	vals   []secretValue // the current values; nil when stale
}

// secretValue is one credential as Scrub looks for it: as it is, and as
// it reads in a text whose escapes are decoded ("+" read as a space):
// folded when it was escaped, decoded when it holds what reads as an
// escape itself ("ab%41") and was echoed as it is among other escapes.
type secretValue struct {
	raw, folded, decoded []byte
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
			s.vals = nil
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
		s.vals = nil
		if len(s.recent) < maxRecentSecrets {
			s.recent = append(s.recent, v)
			continue
		}
		s.recent[s.next] = v
		s.next = (s.next + 1) % maxRecentSecrets
	}
}

// current returns the values to look for.
func (s *Secrets) current() []secretValue {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vals == nil && len(s.static)+len(s.recent) > 0 {
		for _, v := range append(slices.Clone(s.static), s.recent...) {
			sv := secretValue{raw: []byte(v), folded: foldPlus([]byte(v))}
			if d, _, _ := decodeEscapes(sv.raw); !bytes.Equal(d, sv.folded) {
				sv.decoded = d
			}
			s.vals = append(s.vals, sv)
		}
	}
	return s.vals
}

// Scrub replaces every known credential in str, in any spelling, with
// "[redacted]".
func (s *Secrets) Scrub(str string) string {
	vals := s.current()
	if len(vals) == 0 {
		return str
	}
	return string(scrub([]byte(str), vals))
}

// ScrubBytes is Scrub for a body. b is not modified; it is returned as it
// is when it holds no credential.
func (s *Secrets) ScrubBytes(b []byte) []byte {
	vals := s.current()
	if len(vals) == 0 {
		return b
	}
	return scrub(b, vals)
}

// scrub redacts, in b, every span that holds one of vals: as it is, or
// once the escapes in b are decoded.
func scrub(b []byte, vals []secretValue) []byte {
	var spans [][2]int
	for _, v := range vals {
		spans = appendMatches(spans, b, v.raw, nil, nil)
	}
	if bytes.ContainsAny(b, `\%+`) {
		// Each level decodes the escapes the one before left (a
		// JSON-escaped credential quoted in another JSON string, or
		// URL-encoded), its spans mapped back to b's.
		text, start, end := b, []int32(nil), []int32(nil)
		for level := 0; level < maxEscapeLevels; level++ {
			decoded, s, e := decodeEscapes(text)
			if start != nil {
				for i := range s {
					s[i], e[i] = start[s[i]], end[e[i]-1]
				}
			}
			text, start, end = decoded, s, e
			for _, v := range vals {
				spans = appendMatches(spans, text, v.folded, start, end)
				if v.decoded != nil {
					spans = appendMatches(spans, text, v.decoded, start, end)
				}
			}
			if !bytes.ContainsAny(text, `\%`) {
				break
			}
		}
	}
	if len(spans) == 0 {
		return b
	}
	slices.SortFunc(spans, func(x, y [2]int) int { return x[0] - y[0] })
	out := make([]byte, 0, len(b))
	last := 0
	for _, sp := range spans {
		if sp[0] < last { // overlaps the span just redacted
			last = max(last, sp[1])
			continue
		}
		out = append(out, b[last:sp[0]]...)
		out = append(out, redacted...)
		last = sp[1]
	}
	return append(out, b[last:]...)
}

// appendMatches appends the spans of b where v stands, mapped back to the
// raw text through start and end when b is a decoded text (nil: b is raw).
func appendMatches(spans [][2]int, b, v []byte, start, end []int32) [][2]int {
	for from := 0; ; {
		i := bytes.Index(b[from:], v)
		if i < 0 {
			return spans
		}
		i += from
		j := i + len(v)
		if start == nil {
			spans = append(spans, [2]int{i, j})
		} else {
			spans = append(spans, [2]int{int(start[i]), int(end[j-1])})
		}
		from = j // a match never needs to overlap the one before
	}
}

// foldPlus reads "+" as a space, as form encoding writes a space.
func foldPlus(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte("+"), []byte(" "))
}

// decodeEscapes decodes the escapes a server may echo a credential in:
// JSON's \uXXXX (a surrogate pair as one character) and its short escapes
// (\" \\ \/ \b \f \n \r \t) and URL percent-encoding, and reads every
// "+" as a space (form encoding writes a space as "+", and a credential's
// "+" is folded the same way).
// start[i] and end[i] are the span of b that gave out[i]. What is not a
// valid escape is kept as it is.
func decodeEscapes(b []byte) (out []byte, start, end []int32) {
	out = make([]byte, 0, len(b))
	start = make([]int32, 0, len(b))
	end = make([]int32, 0, len(b))
	emit := func(from, to int, bs ...byte) {
		for _, c := range bs {
			if c == '+' {
				c = ' ' // whichever way it came: "+" is read as a space
			}
			out = append(out, c)
			start = append(start, int32(from))
			end = append(end, int32(to))
		}
	}
	var buf [utf8.UTFMax]byte
	for i := 0; i < len(b); {
		switch c := b[i]; {
		case c == '%' && i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			emit(i, i+3, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 3
		case c == '\\' && i+1 < len(b):
			if r, n := decodeJSONEscape(b[i:]); n > 0 {
				k := utf8.EncodeRune(buf[:], r)
				emit(i, i+n, buf[:k]...)
				i += n
				continue
			}
			emit(i, i+1, c)
			i++
		default:
			emit(i, i+1, c)
			i++
		}
	}
	return out, start, end
}

// decodeJSONEscape decodes the JSON escape at the start of b: the rune and
// how many bytes it took, or 0 when it is not a valid escape.
func decodeJSONEscape(b []byte) (rune, int) {
	switch b[1] {
	case '"', '\\', '/':
		return rune(b[1]), 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r, ok := hex4(b[2:])
		if !ok {
			return 0, 0
		}
		if utf16.IsSurrogate(r) {
			if len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
				if r2, ok := hex4(b[8:]); ok {
					if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
						return pair, 12
					}
				}
			}
			return utf8.RuneError, 6
		}
		return r, 6
	}
	return 0, 0
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
