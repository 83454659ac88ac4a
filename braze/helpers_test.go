package braze

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/jarcoal/httpmock"
)

const (
	testBase = "https://rest.test.braze.com"
	testKey  = "test-rest-key-0c9b8a7f"
)

// withClock makes the client wait on ft: its sleeps return at once and are
// recorded.
func withClock(ft *testkit.Clock) Option {
	return func(c *config) error { c.SetClock(ft.Now, ft.Sleep); return nil }
}

// withWallClock puts the client back on the real clock, for a test that
// compares a wait with a context's deadline.
func withWallClock() Option {
	return func(c *config) error { c.SetClock(time.Now, nil); return nil }
}

// newMocked returns a client on a dedicated httpmock transport (never the
// global one) and a fake clock.
func newMocked(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport, *testkit.Clock) {
	t.Helper()
	mock := httpmock.NewMockTransport()
	ft := testkit.NewClock()
	all := append([]Option{
		WithBaseURL(testBase),
		WithAPIKey(testKey),
		WithHTTPClient(&http.Client{Transport: mock}),
		withClock(ft),
	}, opts...)
	c, err := NewClient(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mock, ft
}

// captured is what a responder saw.
type captured struct {
	mu   sync.Mutex
	reqs []capturedRequest
}

type capturedRequest struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

func (c *captured) all() []capturedRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]capturedRequest(nil), c.reqs...)
}

// answer registers a POST responder on path that records each request
// and answers the n-th with the n-th reply (the last repeats).
func answer(mock *httpmock.MockTransport, path string, replies ...reply) *captured {
	c := &captured{}
	mock.RegisterResponder(http.MethodPost, testBase+path, func(req *http.Request) (*http.Response, error) {
		body, _ := io.ReadAll(req.Body)
		c.mu.Lock()
		n := len(c.reqs)
		c.reqs = append(c.reqs, capturedRequest{req.Method, req.URL.Path, req.Header.Clone(), body})
		c.mu.Unlock()
		r := replies[min(n, len(replies)-1)]
		resp := httpmock.NewBytesResponse(r.status, []byte(r.body))
		resp.Header.Set("Content-Type", "application/json")
		for k, v := range r.header {
			resp.Header[k] = v
		}
		return resp, nil
	})
	return c
}

type reply struct {
	status int
	body   string
	header http.Header
}

func ok(body string) reply { return reply{status: 200, body: body} }

// testdata reads a file of testdata/.
var testdata = testkit.Fixture

// assertJSON compares two JSON documents by value (key order and spacing
// aside, everything must match).
func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	testkit.SameJSON(t, string(got), want)
}

// assertHeaders checks what every Braze request carries.
func assertHeaders(t *testing.T, r capturedRequest) {
	t.Helper()
	if r.Method != http.MethodPost {
		t.Fatalf("method = %s", r.Method)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Fatalf("Authorization = %q", got)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Fatalf("Content-Type = %q", got)
	}
	if got := r.Header.Get("User-Agent"); got != "deskbridge/"+deskbridge.Version {
		t.Fatalf("User-Agent = %q", got)
	}
}

func ptr[T any](v T) *T { return &v }
