package rest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

// A credential a vendor echoes back never reaches an error or a log
// record, whatever spelling the echo uses. (Before, only the raw spelling
// was scrubbed, from the raw body; the vendor's JSON decoding then turned
// "\/" and "\u002b" back into the credential, and a form-encoded password
// went through untouched.)
func TestSecretsScrubbedInEverySpelling(t *testing.T) {
	t.Parallel()
	const password = "p@ss/w0rd+plus space"
	jsonEscaped := strings.NewReplacer("/", `\/`, "+", `\u002b`, "@", `\u0040`).Replace(password)
	spellings := map[string]string{
		"raw":                   password,
		"JSON, escaped":         jsonEscaped,
		"JSON, upper-case hex":  strings.ReplaceAll(jsonEscaped, `\u002b`, `\u002B`),
		"form":                  url.Values{"p": {password}}.Encode()[2:], // p%40ss%2Fw0rd%2Bplus+space
		"path":                  url.PathEscape(password),                 // p@ss%2Fw0rd+plus%20space
		"lower-case hex":        "p%40ss%2fw0rd%2bplus%20space",
		"mixed in one spelling": `p%40ss\/w0rd%2Bplus+space`,
		// An encoder may escape any character, letters and digits too.
		"every character escaped": `\u0070\u0040\u0073\u0073\u002f\u0077\u0030\u0072\u0064\u002b\u0070\u006c\u0075\u0073\u0020\u0073\u0070\u0061\u0063\u0065`,
		"one letter escaped":      `p@ss/w\u0030rd+plus space`,
		// A JSON-escaped copy inside another JSON string (an error that
		// quotes the request body it refused), or in a URL.
		"JSON escaped twice":     strings.ReplaceAll(jsonEscaped, `\`, `\\`),
		"JSON escaped, then URL": url.QueryEscape(jsonEscaped),
		"URL-encoded twice":      url.QueryEscape(url.QueryEscape(password)),
	}
	for name, echo := range spellings {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// The vendor echoes the credential in a JSON error body, as
			// message and code.
			_, srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"error":"bad password %s","description":"password=%s was refused"}`, echo, echo)
			})
			var body []byte
			var logs testkit.Logs
			c := newClient(t, srv.URL, testkit.NewClock(), func(c *testConfig) {
				c.Cred = ptr(Basic("agent@example.com", password))
				c.logger = logs.Logger()
				c.DecodeError = func(info *ErrorInfo) error {
					body = info.Body
					var eb struct{ Error, Description string }
					_ = json.Unmarshal(info.Body, &eb)
					e := info.APIError
					e.Code, e.Message = eb.Error, eb.Description
					return &e
				}
			})
			_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
			var apiErr *deskbridge.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v", err)
			}
			// Whatever member of the body a vendor decodes (not only the two
			// the core scrubs again), it holds no credential.
			var decoded any
			_ = json.Unmarshal(body, &decoded)
			decodedText, _ := json.Marshal(decoded)
			for what, text := range map[string]string{
				"error": err.Error(), "code": apiErr.Code, "message": apiErr.Message, "body": string(body), "logs": logs.String(),
				"decoded body": strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(string(decodedText)),
			} {
				for sname, s := range spellings {
					if strings.Contains(text, s) {
						t.Errorf("the %s holds the %s spelling: %s", what, sname, text)
					}
				}
				if strings.Contains(text, "w0rd") {
					t.Errorf("the %s holds part of the password: %s", what, text)
				}
			}
			if !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("error %q lost the redaction marker", err)
			}
		})
	}
}

// A transport failure whose text quotes a form-encoded password (a proxy
// echoing the request) reaches neither the error nor the debug log.
func TestFormEncodedPasswordNotLogged(t *testing.T) {
	t.Parallel()
	const password = "s3cret/with+plus"
	leaky := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		return nil, fmt.Errorf("proxy refused body %s", b)
	})
	var logs testkit.Logs
	c := newClient(t, "https://vendor.example.com", testkit.NewClock(), func(c *testConfig) {
		c.logger = logs.Logger()
		c.httpClient = &http.Client{Transport: leaky}
		c.SetMaxRetries(0)
	})
	c.Secrets().Add(password)
	_, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/oauth/token", NoAuth: true,
		Body: url.Values{"grant_type": {"password"}, "password": {password}}}, nil)
	if err == nil {
		t.Fatal("no error")
	}
	encoded := url.QueryEscape(password)
	if logs.String() == "" {
		t.Fatal("nothing was logged; the test proves nothing")
	}
	for _, text := range []string{err.Error(), logs.String()} {
		if strings.Contains(text, encoded) || strings.Contains(text, password) {
			t.Errorf("the password leaked: %s", text)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSpellingsOfOneCharacter(t *testing.T) {
	t.Parallel()
	s := NewSecrets("a/€😀b")
	for _, in := range []string{
		"a/€😀b",
		`a\/\u20ac\ud83d\ude00b`,
		`a\u002F\u20AC\uD83D\uDE00b`,
		"a%2F%E2%82%AC%F0%9F%98%80b",
		"a%2f%e2%82%ac%f0%9f%98%80b",
	} {
		if got := s.Scrub("<" + in + ">"); got != "<[redacted]>" {
			t.Errorf("Scrub(%q) = %q", in, got)
		}
	}
	if got := s.Scrub("a/€b"); got != "a/€b" {
		t.Errorf("a different value was scrubbed: %q", got)
	}
	// A credential that holds what reads as an escape, echoed as it is
	// among other escapes.
	if got := NewSecrets("ab%41/xyz").Scrub(`<ab%41\/xyz>`); got != "<[redacted]>" {
		t.Errorf("Scrub = %q", got)
	}
	// A credential that repeats itself is found once per occurrence, not
	// at every position.
	if got := NewSecrets("aaaa").Scrub("aaaaaaaaa"); got != "[redacted][redacted]a" {
		t.Errorf("Scrub = %q", got)
	}
}
