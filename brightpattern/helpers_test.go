package brightpattern

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/jarcoal/httpmock"
)

const (
	testBase     = "https://example.brightpattern.com"
	testTenant   = "example.brightpattern.com"
	testLogin    = "api-user"
	testSecret   = "bp-api-secret-s3cr3t"
	testAppID    = "WebChatEntry1"
	testClientID = "5b0f3c1e-1111-4222-8333-944455556666"
)

// withClock runs the client on the test clock ft.
func withClock(ft *testkit.Clock) Option {
	return func(c *config) error {
		c.SetClock(ft.Now, ft.Sleep)
		return nil
	}
}

// recorded is one request a mock responder received.
type recorded struct {
	Method, Path, EscapedPath string
	Query                     url.Values
	Header                    http.Header
	Body                      string
}

// recorder wraps responders and keeps what they received.
type recorder struct {
	mu    sync.Mutex
	calls []recorded
}

func (r *recorder) wrap(resp httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
		}
		r.mu.Lock()
		r.calls = append(r.calls, recorded{
			Method: req.Method, Path: req.URL.Path, EscapedPath: req.URL.EscapedPath(),
			Query: req.URL.Query(), Header: req.Header.Clone(), Body: string(body),
		})
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(body))
		return resp(req)
	}
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.calls...)
}

func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	calls := r.all()
	if len(calls) == 0 {
		t.Fatal("no request was sent")
	}
	return calls[len(calls)-1]
}

// newMocked returns a client of the tenant on an httpmock transport, with
// client credentials and the chat app, and no retries unless opts say
// otherwise.
func newMocked(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mock := httpmock.NewMockTransport()
	base := []Option{
		WithTenantURL(testTenant),
		WithHTTPClient(&http.Client{Transport: mock}),
		WithMaxRetries(0),
		WithClientCredentials(testLogin, testSecret),
		WithChatApp(testAppID, testClientID),
	}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mock
}

// fixture reads a file of testdata/.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jsonResp answers with status and a JSON body.
func jsonResp(status int, body string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	}
}

// tokenOK registers the token endpoint answering the documented example.
func tokenOK(t *testing.T, mock *httpmock.MockTransport, rec *recorder) {
	t.Helper()
	mock.RegisterResponder("POST", testBase+tokenPath, rec.wrap(jsonResp(200, fixture(t, "token_response.json"))))
}

func mustRegexp(s string) *regexp.Regexp { return regexp.MustCompile(s) }

var netDNSNotFound = net.DNSError{Err: "no such host", Name: "nope.zendesk.com", IsNotFound: true}
