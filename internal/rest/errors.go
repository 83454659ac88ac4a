package rest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge"
)

// ErrorInfo is what a vendor's Config.NewError receives to build its error.
type ErrorInfo struct {
	Vendor, Method, Path string
	StatusCode           int
	Header               http.Header
	// Body is the response body, read up to MaxErrorBody bytes, with known
	// credentials replaced by "[redacted]".
	Body []byte
	// RetryAfter is the wait the response asked for (Retry-After, or the
	// reset header of a 429); zero when it asked for none.
	RetryAfter time.Duration
	// Attempts is how many times the request was sent.
	Attempts int
	// NotSent reports an error the SDK produced without sending the request
	// (the rate-limit budget was spent past the context deadline). Message
	// then says why.
	NotSent bool
	Message string
}

// KindForStatus maps an HTTP status to the deskbridge error kind it unwraps
// to, or nil for a status that has none.
func KindForStatus(status int) error {
	switch {
	case status == http.StatusUnauthorized:
		return deskbridge.ErrUnauthorized
	case status == http.StatusForbidden:
		return deskbridge.ErrForbidden
	case status == http.StatusNotFound:
		return deskbridge.ErrNotFound
	case status == http.StatusConflict:
		return deskbridge.ErrConflict
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity:
		return deskbridge.ErrInvalid
	case status == http.StatusTooManyRequests:
		return deskbridge.ErrRateLimited
	case status >= 500:
		return deskbridge.ErrUnavailable
	}
	return nil
}

// MaxErrorDetail bounds the vendor's words in an error string: an error
// is one line for a log, never a dumped body.
const MaxErrorDetail = 500

// KindForOAuthError is KindForStatus for a vendor whose token endpoint
// answers OAuth 2.0 errors (RFC 6749 §5.2): a 400 or 401 with the code
// invalid_grant, invalid_client or unauthorized_client says the credentials
// are wrong, so it matches deskbridge.ErrUnauthorized rather than
// ErrInvalid. Any other status keeps its own kind: a 5xx is an outage
// whatever its body says.
func KindForOAuthError(status int, code string) error {
	if status == http.StatusBadRequest || status == http.StatusUnauthorized {
		switch code {
		case "invalid_grant", "invalid_client", "unauthorized_client":
			return deskbridge.ErrUnauthorized
		}
	}
	return KindForStatus(status)
}

// FormatError renders the error string every vendor error shares:
// "vendor: METHOD /path: 404 Not Found: detail (gave up after 4 attempts)".
// The detail is put on one line and cut at MaxErrorDetail bytes.
func FormatError(vendor, method, path string, status int, detail string, attempts int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s: %d", vendor, method, path, status)
	if text := http.StatusText(status); text != "" {
		b.WriteString(" " + text)
	}
	if detail = Snippet([]byte(detail), MaxErrorDetail); detail != "" {
		b.WriteString(": " + detail)
	}
	if attempts > 1 {
		fmt.Fprintf(&b, " (gave up after %d attempts)", attempts)
	}
	return b.String()
}

// StatusError is the error of a client built without Config.NewError.
type StatusError struct {
	Info ErrorInfo
}

func newStatusError(info *ErrorInfo) error { return &StatusError{Info: *info} }

func (e *StatusError) Error() string {
	detail := e.Info.Message
	if detail == "" {
		detail = Snippet(e.Info.Body, 200)
	}
	return FormatError(e.Info.Vendor, e.Info.Method, e.Info.Path, e.Info.StatusCode, detail, e.Info.Attempts)
}

// Unwrap returns the deskbridge kind of the status.
func (e *StatusError) Unwrap() error { return KindForStatus(e.Info.StatusCode) }

// Snippet returns the start of a non-JSON error body as one line, for error
// strings: at most n bytes, control characters replaced.
func Snippet(body []byte, n int) string {
	body = bytes.TrimSpace(body)
	cut := len(body) > n
	if cut {
		body = body[:n]
	}
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(body), ""))
	if cut {
		s += "…"
	}
	return s
}

// minSecretLen keeps a short password such as "a" from blanking every "a".
const minSecretLen = 4

// maxRecentSecrets bounds the credentials learnt at run time (tokens
// rotate; the old ones can still echo back for a while).
const maxRecentSecrets = 32

// Secrets is the set of credentials scrubbed from every error string,
// error body and log value a client produces: the ones it was built with,
// every Authorization value it sends, and the ones a vendor package adds at
// run time (a rotated refresh token travels in no header). Share one
// between the clients of one tenant (an API client and its token client)
// through Config.SecretSet. Safe for concurrent use.
type Secrets struct {
	mu     sync.RWMutex
	static []string
	recent []string // ring of values learnt at run time
	next   int
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
		}
	}
}

// Add remembers a credential learnt at run time; the oldest of them are
// forgotten past 32.
func (s *Secrets) Add(v string) { s.addRecent(v) }

// addAuthorization remembers an Authorization value, its credential part
// and, for Basic, the decoded user:password and password.
func (s *Secrets) addAuthorization(h string) {
	if h == "" || s.has(h) {
		return
	}
	vals := []string{h}
	if scheme, cred, ok := strings.Cut(h, " "); ok {
		vals = append(vals, cred)
		if strings.EqualFold(scheme, "Basic") {
			if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
				vals = append(vals, string(dec))
				if _, pw, ok := strings.Cut(string(dec), ":"); ok {
					vals = append(vals, pw)
				}
			}
		}
	}
	s.addRecent(vals...)
}

func (s *Secrets) addRecent(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if len(v) < minSecretLen || slices.Contains(s.recent, v) || slices.Contains(s.static, v) {
			continue
		}
		if len(s.recent) < maxRecentSecrets {
			s.recent = append(s.recent, v)
			continue
		}
		s.recent[s.next] = v
		s.next = (s.next + 1) % maxRecentSecrets
	}
}

func (s *Secrets) has(v string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Contains(s.recent, v)
}

func (s *Secrets) all() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.static)+len(s.recent))
	out = append(out, s.static...)
	out = append(out, s.recent...)
	// Longest first, so that a token inside a header value goes with it.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

const redacted = "[redacted]"

// Scrub replaces every known credential in str with "[redacted]".
func (s *Secrets) Scrub(str string) string {
	for _, v := range s.all() {
		str = strings.ReplaceAll(str, v, redacted)
	}
	return str
}

func (s *Secrets) scrubBytes(b []byte) []byte {
	for _, v := range s.all() {
		b = bytes.ReplaceAll(b, []byte(v), []byte(redacted))
	}
	return b
}
