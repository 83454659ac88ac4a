package testkit

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"
)

// Request is one request a [Recorder] saw, as the client sent it.
type Request struct {
	Method string
	// URL is the request's URL without its query.
	URL string
	// Host is the URL's host.
	Host string
	// Path is the decoded path; EscapedPath the path as sent.
	Path, EscapedPath string
	// Query is the parsed query; RawQuery the query as sent.
	Query    url.Values
	RawQuery string
	// Header is a copy of the request's header.
	Header http.Header
	// Body is the whole body ("" for none).
	Body string
}

// Form parses Body as a URL-encoded form (an empty form when it is not one).
func (r Request) Form() url.Values {
	f, _ := url.ParseQuery(r.Body)
	if f == nil {
		f = url.Values{}
	}
	return f
}

// Recorder keeps the requests that the httpmock responders it wraps
// receive, in order. The zero value is ready to use; safe for concurrent
// use.
type Recorder struct {
	mu    sync.Mutex
	calls []Request
}

// Wrap returns resp recording each request before resp answers it; resp
// reads the same body again.
func (r *Recorder) Wrap(resp httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
		}
		u := *req.URL
		u.RawQuery = ""
		r.mu.Lock()
		r.calls = append(r.calls, Request{
			Method: req.Method, URL: u.String(), Host: req.URL.Host,
			Path: req.URL.Path, EscapedPath: req.URL.EscapedPath(),
			Query: req.URL.Query(), RawQuery: req.URL.RawQuery,
			Header: req.Header.Clone(), Body: string(body),
		})
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(body))
		return resp(req)
	}
}

// All returns the requests recorded so far.
func (r *Recorder) All() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.calls...)
}

// Last returns the last request recorded, failing t when there is none.
func (r *Recorder) Last(t testing.TB) Request {
	t.Helper()
	calls := r.All()
	if len(calls) == 0 {
		t.Fatal("no request was sent")
	}
	return calls[len(calls)-1]
}

// To returns the requests sent to the URL u (without query).
func (r *Recorder) To(u string) []Request {
	var out []Request
	for _, c := range r.All() {
		if c.URL == u {
			out = append(out, c)
		}
	}
	return out
}

// JSONResponse answers with status and body, as application/json.
func JSONResponse(status int, body string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	}
}

// Fixture returns the content of the file name in the package's testdata
// directory, failing t when it cannot be read.
func Fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// SameJSON fails t unless got and want are equal JSON documents (key order
// and spacing aside).
func SameJSON(t testing.TB, got, want string) {
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
