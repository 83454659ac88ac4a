package babelforce

import (
	"bytes"
	"context"
	"net/http"
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

// recorded and recorder are the shared request recorder of the tests.
type (
	recorded = testkit.Request
	recorder = testkit.Recorder
)

// fixture, jsonResp and sameJSON are the shared test helpers.
var (
	fixture  = testkit.Fixture
	jsonResp = testkit.JSONResponse
	sameJSON = testkit.SameJSON
)

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
