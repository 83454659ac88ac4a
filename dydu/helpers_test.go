package dydu

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"
)

const (
	testBot    = "f1871fe8-cdea-4695-9ea6-529a4e9460dc"
	testServer = "https://app1.dydu.example"
	testCtx    = "5f0c27a4-0d0e-4b57-9a9d-2f4c2f7c1e11"
	apiBase    = testServer + "/servlet/api"
)

// recorded is one request a mock responder received.
type recorded struct {
	Method, Path string
	Header       http.Header
	Form         url.Values
	Body         string
	Host         string
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
		form, _ := url.ParseQuery(string(body))
		r.mu.Lock()
		r.calls = append(r.calls, recorded{Method: req.Method, Path: req.URL.EscapedPath(), Header: req.Header.Clone(), Form: form, Body: string(body), Host: req.URL.Host})
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

// newMocked returns a client of testBot on testServer over a dedicated
// httpmock transport, without retries unless opts say otherwise.
func newMocked(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport, *recorder) {
	t.Helper()
	mock := httpmock.NewMockTransport()
	base := []Option{
		WithBotID(testBot),
		WithServers(testServer),
		WithHTTPClient(&http.Client{Transport: mock}),
		WithMaxRetries(0),
	}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mock, &recorder{}
}

// fixture reads a file of testdata/.
func fixture(t testing.TB, name string) string {
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

// b64 is base64 of s, as Dydu encodes every string of values.
func b64(s string) string { return encodeString(s) }
