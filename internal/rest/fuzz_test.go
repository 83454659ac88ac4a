package rest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseRetryAfter: any Retry-After value parses to a wait that is not
// negative and not absurd, or to nothing.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "0", "120", "1.5", "-1", "", "Sat, 21 Nov 2026 10:00:09 GMT", "Saturday, 21-Nov-26 10:00:05 GMT", "Sun Nov  6 08:49:37 1994", "1e9", "NaN", "+Inf", "9999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, now)
		if !ok && d != 0 {
			t.Fatalf("%q: not ok but %v", v, d)
		}
		if d < 0 || d > 1e9*time.Second {
			t.Fatalf("%q: wait %v", v, d)
		}
	})
}

// FuzzRateLimitHeaders: whatever rate-limit headers a response carries,
// the pacer never holds a request for a negative time, and a hold it
// derives from the headers is bounded by what they can say.
func FuzzRateLimitHeaders(f *testing.F) {
	f.Add(200, "700", "0", "41", "")
	f.Add(429, "", "", "", "1")
	f.Add(429, "100", "0", "1763719209", "Sat, 21 Nov 2026 10:00:09 GMT")
	f.Add(200, "-1", "-5", "-3", "-1")
	f.Add(200, "x", "0", "1e300", "NaN")
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, status int, limit, remaining, reset, retryAfter string) {
		for _, epoch := range []bool{false, true} {
			spec := RateLimitHeaders{Limit: []string{"L"}, Remaining: []string{"R"}, Reset: []string{"T"}, ResetEpoch: epoch}.canonical()
			p := &pacer{spec: spec, now: func() time.Time { return now }, maxServerWait: DefaultMaxServerWait}
			h := http.Header{"L": {limit}, "R": {remaining}, "T": {reset}, "Retry-After": {retryAfter}}
			p.acquire("")
			p.release("", &http.Response{StatusCode: status, Header: h})
			hold := p.holdFor("")
			if hold < 0 {
				t.Fatalf("negative hold %v", hold)
			}
			// A hold past the longest wait the client takes is never kept.
			if hold > DefaultMaxServerWait+resumeMargin {
				t.Fatalf("hold %v beyond MaxServerWait", hold)
			}
			if d, ok := serverWait(&http.Response{StatusCode: status, Header: h}, p.spec, now); d < 0 || !ok && d != 0 {
				t.Fatalf("server wait %v, %v", d, ok)
			}
		}
	})
}

// FuzzScrub: Scrub never panics, and a credential placed in a text, as it
// is or JSON-escaped once or twice, is gone from what it returns (read
// back as it was escaped). The text around it holds no escape of its own
// ("%", "\\", "+"): one right before the credential could take its first
// characters into an escape ("%00" then "0\"…), which no reading can
// tell apart.
func FuzzScrub(f *testing.F) {
	f.Add("p@ss/w0rd+x", "error: ", " refused")
	f.Add(`a\"b\\c`, `{"m":"`, `"}`)
	f.Add("tok%2Fen", "%", "\\u00")
	f.Fuzz(func(t *testing.T, secret, before, after string) {
		if len(secret) < minSecretLen || strings.ContainsAny(secret, "[]") || !utf8.ValidString(secret) ||
			strings.ContainsAny(before+after, `%\+`) {
			return
		}
		s := NewSecrets(secret)
		once := jsonEscape(secret)
		for level, spelling := range []string{secret, once, jsonEscape(once)} {
			out := s.Scrub(before + spelling + after)
			back := out
			for range level {
				back = jsonUnescape(back)
			}
			if strings.Contains(back, secret) && !strings.Contains(jsonUnescapeN(before+redacted+after, level), secret) {
				t.Fatalf("level %d: %q in %q (scrubbed from %q)", level, secret, back, before+spelling+after)
			}
		}
	})
}

// jsonEscape is s as it stands inside a JSON string.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// jsonUnescape reads s as the inside of a JSON string, or returns it as it
// is when it is not one.
func jsonUnescape(s string) string {
	var out string
	if json.Unmarshal([]byte(`"`+s+`"`), &out) != nil {
		return s
	}
	return out
}

func jsonUnescapeN(s string, n int) string {
	for range n {
		s = jsonUnescape(s)
	}
	return s
}
