package conversations

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/jarcoal/httpmock"
)

const (
	testBase   = "https://acme.zendesk.com/sc"
	testApp    = "5ebee0975ac5304b664a12fa"
	testKeyID  = "app_5ebee0985ac5304b664a12fb"
	testSecret = "s3cr3t-Xz9_kQ2vLr8pW4mN7bYc1dHf"
	appPrefix  = "/sc/v2/apps/" + testApp
)

// withClock makes the client wait on ft.
func withClock(ft *testkit.Clock) Option {
	return func(c *config) error { c.SetClock(ft.Now, ft.Sleep); return nil }
}

// newMocked returns a client on a dedicated httpmock transport, Basic
// authentication with an app key, and a fake clock.
func newMocked(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mock := httpmock.NewMockTransport()
	all := append([]Option{
		WithSubdomain("acme"),
		WithAppID(testApp),
		WithKey(testKeyID, testSecret),
		WithHTTPClient(&http.Client{Transport: mock}),
		withClock(testkit.NewClock()),
	}, opts...)
	c, err := NewClient(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mock
}

// seen is one request a responder saw.
type seen struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

// recorder records requests and answers each with the next reply (the
// last repeats).
type recorder struct {
	mu      sync.Mutex
	reqs    []seen
	replies []reply
}

type reply struct {
	status int
	body   string
}

func (r *recorder) respond(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	r.mu.Lock()
	n := len(r.reqs)
	r.reqs = append(r.reqs, seen{req.Method, req.URL.EscapedPath(), req.URL.RawQuery, req.Header.Clone(), body})
	rp := r.replies[min(n, len(r.replies)-1)]
	r.mu.Unlock()
	resp := httpmock.NewBytesResponse(rp.status, []byte(rp.body))
	resp.Header.Set("Content-Type", "application/json")
	return resp, nil
}

func (r *recorder) all() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.reqs...)
}

// answerAll answers every request with the replies in turn.
func answerAll(mock *httpmock.MockTransport, replies ...reply) *recorder {
	r := &recorder{replies: replies}
	mock.RegisterNoResponder(r.respond)
	return r
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// assertJSON compares two JSON documents by value.
func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		var gi bytes.Buffer
		json.Indent(&gi, got, "", "  ")
		t.Fatalf("body =\n%s\nwant\n%s", gi.String(), want)
	}
}

// assertCommon checks what every request carries: Basic auth with the
// key, the user agent, Accept, and a JSON content type when there is a
// body.
func assertCommon(t *testing.T, r seen) {
	t.Helper()
	if u, p, ok := (&http.Request{Header: r.Header}).BasicAuth(); !ok || u != testKeyID || p != testSecret {
		t.Fatalf("Authorization = %q", r.Header.Get("Authorization"))
	}
	if got := r.Header.Get("User-Agent"); got != "deskbridge/"+deskbridge.Version {
		t.Fatalf("User-Agent = %q", got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Fatalf("Accept = %q", got)
	}
	if len(r.Body) > 0 && r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("Content-Type = %q", r.Header.Get("Content-Type"))
	}
}

func readTestdata(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	return string(b), err
}

func sprint(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// withMock sends through mock, on a fake clock.
func withMock(mock *httpmock.MockTransport) Option {
	return func(c *config) error {
		ft := testkit.NewClock()
		c.SetClock(ft.Now, ft.Sleep)
		return c.SetHTTPClient(&http.Client{Transport: mock})
	}
}
