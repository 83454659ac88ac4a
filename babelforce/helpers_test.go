package babelforce

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/jarcoal/httpmock"
)

// withClock runs the client on the test clock ft: its retries and pacing
// sleep on it, and token lifetimes count on it.
func withClock(ft *testkit.Clock) Option {
	return func(c *config) error {
		c.SetClock(ft.Now, ft.Sleep)
		return nil
	}
}

const testBase = "https://acme.babelforce.com"

// recorded is one request a mock responder received.
type recorded struct {
	Method, Path, EscapedPath string
	Query                     url.Values
	RawQuery                  string
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
			Query: req.URL.Query(), RawQuery: req.URL.RawQuery,
			Header: req.Header.Clone(), Body: string(body),
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

const staticToken = "static-token-123"

// newMocked returns a client on a dedicated httpmock transport with creds
// (nil: the static token staticToken) and no retries unless opts say
// otherwise.
func newMocked(t *testing.T, creds Option, opts ...Option) (*Client, *httpmock.MockTransport, *recorder) {
	t.Helper()
	mock := httpmock.NewMockTransport()
	if creds == nil {
		creds = WithAccessToken(staticToken)
	}
	base := []Option{
		WithBaseURL(testBase),
		WithHTTPClient(&http.Client{Transport: mock}),
		WithMaxRetries(0),
		creds,
	}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mock, &recorder{}
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

// sameJSON fails unless got and want are equal JSON documents.
func sameJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Fatalf("body\n got %s\nwant %s", gb, wb)
	}
}

// checkCommon asserts the headers every API call carries.
func checkCommon(t *testing.T, r recorded, wantAuth string) {
	t.Helper()
	if got := r.Header.Get("Authorization"); got != wantAuth {
		t.Errorf("Authorization = %q, want %q", got, wantAuth)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q", got)
	}
	if got := r.Header.Get("User-Agent"); got == "" || !bytes.HasPrefix([]byte(got), []byte("deskbridge/")) && !bytes.Contains([]byte(got), []byte(" deskbridge/")) {
		t.Errorf("User-Agent = %q", got)
	}
	if r.Body != "" {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" && ct != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type = %q", ct)
		}
	}
}

// numberedTokens answers token requests with "t1", "t2"…, counted in n,
// valid for expiresIn seconds (0: no expires_in).
func numberedTokens(n *atomic.Int32, expiresIn int) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		return jsonResp(200, tokenJSON("t"+strconv.Itoa(int(n.Add(1))), expiresIn))(req)
	}
}

// mustToken returns the token get returns, failing t on an error.
func mustToken(t *testing.T, get func(context.Context) (string, error)) string {
	t.Helper()
	tok, err := get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// concurrently runs call n times at once and fails t with the first error.
func concurrently(t *testing.T, n int, call func() error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- call()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
