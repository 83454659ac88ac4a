package cxone

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
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
	e.mock.RegisterResponder("GET", authBase+"/.well-known/openid-configuration", e.rec.Wrap(jsonResp(200, fixture(t, "openid_configuration.json"))))
	e.mock.RegisterResponder("GET", authBase+"/.well-known/cxone-configuration", e.rec.Wrap(jsonResp(200, fixture(t, "cxone_configuration.json"))))
	e.mock.RegisterResponder("POST", authBase+"/auth/token", e.rec.Wrap(func(req *http.Request) (*http.Response, error) {
		n := e.tokens.Add(1)
		return jsonResp(200, tokenJSON(t, "t"+strconv.Itoa(int(n)), tenant, 3600))(req)
	}))
	return e
}

// on registers a responder for method and an API path (below apiBase).
func (e *env) on(method, path string, resp httpmock.Responder) {
	e.mock.RegisterResponder(method, apiBase+path, e.rec.Wrap(resp))
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
	for _, c := range e.rec.All() {
		if strings.HasPrefix(c.URL, apiBase) {
			out = append(out, c)
		}
	}
	return out
}
