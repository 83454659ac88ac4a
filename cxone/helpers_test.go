package cxone

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/golang-jwt/jwt/v5"
	"github.com/jarcoal/httpmock"
)

const (
	authBase = "https://cxone.niceincontact.com"
	apiBase  = "https://api-na1.niceincontact.com"
	tenant   = "11ee0000-aaaa-4bbb-8ccc-000000000001"

	keyID        = "AKID-TEST-0001"
	keySecret    = "key-secret-s3cr3t/+="
	clientID     = "deskbridge@acme"
	clientSecret = "client-secret-0123"
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
	Method, URL, Path string
	Query             url.Values
	Header            http.Header
	Body              string
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
		u := *req.URL
		u.RawQuery = ""
		r.mu.Lock()
		r.calls = append(r.calls, recorded{
			Method: req.Method, URL: u.String(), Path: req.URL.EscapedPath(),
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

// to returns the requests sent to the URL u (without query).
func (r *recorder) to(u string) []recorded {
	var out []recorded
	for _, c := range r.all() {
		if c.URL == u {
			out = append(out, c)
		}
	}
	return out
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

// makeJWT signs claims with a test key: the client reads, never verifies.
func makeJWT(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte("test-key"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tokenJSON is a token answer with access token access, an id_token for
// tenant (none when tenant is ""), valid expiresIn seconds.
func tokenJSON(t testing.TB, access, tenantID string, expiresIn int) string {
	t.Helper()
	m := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": expiresIn}
	if tenantID != "" {
		m["id_token"] = makeJWT(t, jwt.MapClaims{"tenantId": tenantID, "area": "na1", "icClusterId": "C32"})
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// env is a mocked CXone: discovery host, token endpoint and API host.
type env struct {
	mock   *httpmock.MockTransport
	rec    *recorder
	tokens atomic.Int32
}

// newEnv registers the discovery documents and a token endpoint that
// answers "t1", "t2"… (valid an hour, with an id_token for tenant).
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{mock: httpmock.NewMockTransport(), rec: &recorder{}}
	e.mock.RegisterResponder("GET", authBase+"/.well-known/openid-configuration", e.rec.wrap(jsonResp(200, fixture(t, "openid_configuration.json"))))
	e.mock.RegisterResponder("GET", authBase+"/.well-known/cxone-configuration", e.rec.wrap(jsonResp(200, fixture(t, "cxone_configuration.json"))))
	e.mock.RegisterResponder("POST", authBase+"/auth/token", e.rec.wrap(func(req *http.Request) (*http.Response, error) {
		n := e.tokens.Add(1)
		return jsonResp(200, tokenJSON(t, "t"+strconv.Itoa(int(n)), tenant, 3600))(req)
	}))
	return e
}

// on registers a responder for method and an API path (below apiBase).
func (e *env) on(method, path string, resp httpmock.Responder) {
	e.mock.RegisterResponder(method, apiBase+path, e.rec.wrap(resp))
}

// client returns a client on the mock with the access key, no retries
// unless opts say otherwise.
func (e *env) client(t *testing.T, opts ...Option) *Client {
	t.Helper()
	base := []Option{
		WithHTTPClient(&http.Client{Transport: e.mock}),
		WithMaxRetries(0),
		WithAccessKey(keyID, keySecret, clientID, clientSecret),
	}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// apiCalls returns the requests sent to the API host.
func (e *env) apiCalls() []recorded {
	var out []recorded
	for _, c := range e.rec.all() {
		if strings.HasPrefix(c.URL, apiBase) {
			out = append(out, c)
		}
	}
	return out
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
