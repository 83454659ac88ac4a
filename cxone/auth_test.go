package cxone

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/golang-jwt/jwt/v5"
	"github.com/jarcoal/httpmock"
)

// The first call reads the OpenID configuration, gets a token with the
// access key (client credentials in the body), reads the tenant id from
// the id_token, reads the tenant's cxone-configuration, and only then
// calls the API endpoint it names, with the token.
func TestConnectFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.on("GET", "/inContactAPI/services/v23.0/unavailable-codes/12", jsonResp(200, fixture(t, "unavailable_code.json")))
	c := e.client(t)

	code, err := c.UnavailableCodes.Get(t.Context(), 12)
	if err != nil {
		t.Fatal(err)
	}
	if code.Name != "Lunch" || code.AgentTimeout != 3600 {
		t.Fatalf("%+v", code)
	}
	calls := e.rec.All()
	var order []string
	for _, r := range calls {
		order = append(order, r.Method+" "+r.URL)
	}
	want := []string{
		"GET " + authBase + "/.well-known/openid-configuration",
		"POST " + authBase + "/auth/token",
		"GET " + authBase + "/.well-known/cxone-configuration",
		"GET " + apiBase + "/inContactAPI/services/v23.0/unavailable-codes/12",
	}
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	tok := calls[1]
	if ct := tok.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("token Content-Type = %q", ct)
	}
	if tok.Header.Get("Authorization") != "" {
		t.Errorf("token request carries Authorization %q with client_secret_post", tok.Header.Get("Authorization"))
	}
	form, _ := url.ParseQuery(tok.Body)
	wantForm := url.Values{"grant_type": {"password"}, "username": {keyID}, "password": {keySecret}, "client_id": {clientID}, "client_secret": {clientSecret}}
	if form.Encode() != wantForm.Encode() {
		t.Errorf("token form = %s, want %s", form.Encode(), wantForm.Encode())
	}
	if q := calls[2].Query; q.Get("tenantId") != tenant || len(q) != 1 {
		t.Errorf("discovery query = %v", q)
	}
	for _, r := range calls[:3] {
		if r.Header.Get("Authorization") != "" && r.Method == "GET" {
			t.Errorf("%s %s carries credentials", r.Method, r.URL)
		}
	}
	api := calls[3]
	if api.Header.Get("Authorization") != "Bearer t1" || api.Header.Get("Accept") != "application/json" {
		t.Errorf("API headers = %v", api.Header)
	}
	if ua := api.Header.Get("User-Agent"); !strings.HasPrefix(ua, "deskbridge/") {
		t.Errorf("User-Agent = %q", ua)
	}

	// Later calls reuse the token and the discovery.
	if _, err := c.UnavailableCodes.Get(t.Context(), 12); err != nil {
		t.Fatal(err)
	}
	if n := len(e.rec.All()); n != 5 {
		t.Fatalf("%d requests after the second call, want 5", n)
	}
	d, err := c.Discovery(t.Context())
	if err != nil || d.Area != "na1" || d.Domain != "niceincontact.com" || d.APIEndpoint != apiBase || d.Cluster != "C32" {
		t.Fatalf("discovery %+v, %v", d, err)
	}
	if id, err := c.TenantID(t.Context()); err != nil || id != tenant {
		t.Fatalf("tenant %q, %v", id, err)
	}
}

// WithClientSecretBasic sends the client id and secret as Basic, not in
// the form.
func TestClientSecretBasic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Two credential options: refused.
	if _, err := NewClient(WithAccessKey(keyID, keySecret, clientID, clientSecret), WithAccessToken("x-token")); err == nil || !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("two credentials: %v", err)
	}
	c, err := NewClient(WithHTTPClient(&http.Client{Transport: e.mock}), WithAccessKey(keyID, keySecret, clientID, clientSecret, WithClientSecretBasic()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AccessToken(t.Context()); err != nil {
		t.Fatal(err)
	}
	tok := e.rec.To(authBase + "/auth/token")[0]
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+clientSecret))
	if got := tok.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	form, _ := url.ParseQuery(tok.Body)
	if form.Has("client_id") || form.Has("client_secret") || form.Get("username") != keyID {
		t.Errorf("form = %v", form)
	}
}

// The token is renewed 5 minutes before it expires, not later.
func TestTokenRenewal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.on("GET", "/inContactAPI/services/v23.0/unavailable-codes/12", jsonResp(200, fixture(t, "unavailable_code.json")))
	clock := testkit.NewClock()
	c := e.client(t, withClock(clock))
	get := func() string {
		t.Helper()
		if _, err := c.UnavailableCodes.Get(t.Context(), 12); err != nil {
			t.Fatal(err)
		}
		calls := e.apiCalls()
		return calls[len(calls)-1].Header.Get("Authorization")
	}
	if got := get(); got != "Bearer t1" {
		t.Fatal(got)
	}
	clock.Advance(54 * time.Minute)
	if got := get(); got != "Bearer t1" {
		t.Fatalf("at 54 min: %s", got)
	}
	clock.Advance(2 * time.Minute) // 56 min: inside the 5-minute margin
	if got := get(); got != "Bearer t2" {
		t.Fatalf("at 56 min: %s", got)
	}
	if n := len(e.rec.To(authBase + "/.well-known/cxone-configuration")); n != 1 {
		t.Fatalf("discovery read %d times", n)
	}
}

// A 401 drops the token and the call is sent once more with a new one.
func TestUnauthorizedRefetch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := true
	e.on("GET", "/inContactAPI/services/v23.0/unavailable-codes/12", func(req *http.Request) (*http.Response, error) {
		if first {
			first = false
			return jsonResp(401, `{"error":"invalid_token","error_description":"Token expired"}`)(req)
		}
		return jsonResp(200, fixture(t, "unavailable_code.json"))(req)
	})
	c := e.client(t)
	if _, err := c.UnavailableCodes.Get(t.Context(), 12); err != nil {
		t.Fatal(err)
	}
	calls := e.apiCalls()
	if len(calls) != 2 || calls[0].Header.Get("Authorization") != "Bearer t1" || calls[1].Header.Get("Authorization") != "Bearer t2" {
		t.Fatalf("calls %v", calls)
	}

	// A second 401 in a row is returned, as unauthorized.
	e.on("GET", "/inContactAPI/services/v23.0/unavailable-codes/13", jsonResp(401, `{"error":"invalid_token","error_description":"Token expired"}`))
	_, err := c.UnavailableCodes.Get(t.Context(), 13)
	var ce *Error
	if !errors.Is(err, deskbridge.ErrUnauthorized) || !errors.As(err, &ce) || ce.Code != "invalid_token" {
		t.Fatalf("err = %v", err)
	}
}

// Wrong credentials: the token endpoint's invalid_grant is unauthorized,
// and nothing in the error echoes a secret.
func TestTokenRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mock.RegisterResponder("POST", authBase+"/auth/token", jsonResp(400, `{"error":"invalid_grant","error_description":"bad password `+keySecret+` for `+url.QueryEscape(clientSecret)+`"}`))
	c := e.client(t)
	_, err := c.Agents.Get(t.Context(), 1)
	if !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []string{keySecret, clientSecret, url.QueryEscape(keySecret)} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error leaks a secret: %v", err)
		}
	}
	if len(e.apiCalls()) != 0 {
		t.Fatal("the API was called without a token")
	}
}

// WithTenant reads discovery before any token; without it, a token with
// no tenantId claim is an error that says to give WithTenant.
func TestTenant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(t, WithTenant("other-tenant-7"))
	if _, err := c.Discovery(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := e.tokens.Load(); n != 0 {
		t.Fatalf("%d tokens fetched for discovery with WithTenant", n)
	}
	if q := e.rec.To(authBase + "/.well-known/cxone-configuration")[0].Query.Get("tenantId"); q != "other-tenant-7" {
		t.Fatalf("tenantId = %q", q)
	}
	for _, bad := range []string{"", "a/b", "x y", strings.Repeat("a", 65), "../x"} {
		if _, err := NewClient(WithTenant(bad), WithAccessToken("tok")); err == nil {
			t.Errorf("WithTenant(%q) accepted", bad)
		}
	}

	e2 := newEnv(t)
	e2.mock.RegisterResponder("POST", authBase+"/auth/token", jsonResp(200, tokenJSON(t, "opaque-token", "", 3600)))
	c2 := e2.client(t)
	_, err := c2.Discovery(t.Context())
	if !errors.Is(err, deskbridge.ErrInvalid) || !strings.Contains(err.Error(), "WithTenant") {
		t.Fatalf("err = %v", err)
	}

	// A static token that is a JWT gives its tenant.
	e3 := newEnv(t)
	jwtTok := makeJWT(t, jwt.MapClaims{"tenantId": tenant})
	c3, err := NewClient(WithHTTPClient(&http.Client{Transport: e3.mock}), WithAccessToken(jwtTok))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := c3.TenantID(t.Context()); err != nil || id != tenant {
		t.Fatalf("tenant %q, %v", id, err)
	}
}

// An attacker's discovery answer (or OpenID configuration) naming a host
// outside CXone's domains is refused before any credential goes there.
func TestHostValidation(t *testing.T) {
	t.Parallel()
	answers := map[string]string{
		"other host":            `{"api_endpoint":"https://evil.example.com","area":"na1","domain":"niceincontact.com"}`,
		"suffix trick":          `{"api_endpoint":"https://api-na1.niceincontact.com.evil.example","area":"na1","domain":"niceincontact.com"}`,
		"lookalike":             `{"api_endpoint":"https://api-na1.evilniceincontact.com","area":"na1"}`,
		"http":                  `{"api_endpoint":"http://api-na1.niceincontact.com","area":"na1","domain":"niceincontact.com"}`,
		"user info":             `{"api_endpoint":"https://x@api-na1.niceincontact.com","area":"na1","domain":"niceincontact.com"}`,
		"port":                  `{"api_endpoint":"https://api-na1.niceincontact.com:8443","area":"na1","domain":"niceincontact.com"}`,
		"domain not CXone's":    `{"api_endpoint":"https://api-na1.evil.example","area":"na1","domain":"evil.example"}`,
		"host outside domain":   `{"api_endpoint":"https://api-na1.incontact.com","area":"na1","domain":"niceincontact.com"}`,
		"bad area":              `{"api_endpoint":"https://api-na1.niceincontact.com","area":"na1.evil.example/","domain":"niceincontact.com"}`,
		"query":                 `{"api_endpoint":"https://api-na1.niceincontact.com?x=https://evil.example","area":"na1"}`,
		"no endpoint":           `{"area":"na1","domain":"niceincontact.com"}`,
		"not JSON":              `<html>`,
		"upper-case host label": `{"api_endpoint":"https://API-NA1.niceincontact.com%2F@evil.example","area":"na1"}`,
	}
	for name, body := range answers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.mock.RegisterResponder("GET", authBase+"/.well-known/cxone-configuration", jsonResp(200, body))
			e.mock.RegisterNoResponder(e.rec.Wrap(jsonResp(200, `{}`)))
			c := e.client(t)
			_, err := c.Agents.Get(t.Context(), 1)
			if err == nil {
				t.Fatal("accepted")
			}
			if calls := e.apiCalls(); len(calls) != 0 {
				t.Fatalf("sent to the API: %v", calls)
			}
			for _, r := range e.rec.All() {
				if !strings.HasPrefix(r.URL, authBase+"/") {
					t.Fatalf("a request went to %s", r.URL)
				}
			}
		})
	}

	t.Run("token endpoint", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.mock.RegisterResponder("GET", authBase+"/.well-known/openid-configuration", jsonResp(200, `{"token_endpoint":"https://evil.example/auth/token"}`))
		e.mock.RegisterNoResponder(e.rec.Wrap(jsonResp(200, `{}`)))
		c := e.client(t)
		_, err := c.AccessToken(t.Context())
		if err == nil || !strings.Contains(err.Error(), "refusing the token endpoint") {
			t.Fatalf("err = %v", err)
		}
		for _, r := range e.rec.All() {
			if strings.Contains(r.Body, keySecret) || !strings.HasPrefix(r.URL, authBase) {
				t.Fatalf("sent %s %s", r.Method, r.URL)
			}
		}
	})

	t.Run("token endpoint on another CXone host", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.mock.RegisterResponder("GET", authBase+"/.well-known/openid-configuration", jsonResp(200, `{"token_endpoint":"https://auth.nice-incontact.com/oauth/token"}`))
		e.mock.RegisterResponder("POST", "https://auth.nice-incontact.com/oauth/token", e.rec.Wrap(jsonResp(200, tokenJSON(t, "t9", tenant, 3600))))
		c := e.client(t)
		if tok, err := c.AccessToken(t.Context()); err != nil || tok != "t9" {
			t.Fatalf("%q, %v", tok, err)
		}
	})
}

// WithBaseURL sends discovery, token and API to one URL: a fake's.
func TestWithBaseURL(t *testing.T) {
	t.Parallel()
	const fake = "http://127.0.0.1:4567/cx"
	mock := httpmock.NewMockTransport()
	rec := &recorder{}
	mock.RegisterResponder("GET", fake+"/.well-known/openid-configuration", rec.Wrap(jsonResp(200, `{"token_endpoint":"`+fake+`/auth/token"}`)))
	mock.RegisterResponder("POST", fake+"/auth/token", rec.Wrap(jsonResp(200, tokenJSON(t, "ft", tenant, 3600))))
	mock.RegisterResponder("GET", fake+"/.well-known/cxone-configuration", rec.Wrap(jsonResp(200, `{"api_endpoint":"`+fake+`","area":"na1","domain":"niceincontact.com"}`)))
	mock.RegisterResponder("GET", fake+"/inContactAPI/services/v23.0/unavailable-codes/12", rec.Wrap(jsonResp(200, fixture(t, "unavailable_code.json"))))
	c, err := NewClient(WithBaseURL(fake), WithHTTPClient(&http.Client{Transport: mock}), WithAccessKey(keyID, keySecret, clientID, clientSecret))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UnavailableCodes.Get(t.Context(), 12); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.All()); n != 4 {
		t.Fatalf("%d requests", n)
	}

	// A CXone api_endpoint behind WithBaseURL (a proxy) still goes to the base URL.
	mock.RegisterResponder("GET", fake+"/.well-known/cxone-configuration", jsonResp(200, fixture(t, "cxone_configuration.json")))
	c2, _ := NewClient(WithBaseURL(fake), WithHTTPClient(&http.Client{Transport: mock}), WithAccessKey(keyID, keySecret, clientID, clientSecret))
	if _, err := c2.UnavailableCodes.Get(t.Context(), 12); err != nil {
		t.Fatal(err)
	}

	// Another host is refused even with WithBaseURL.
	mock.RegisterResponder("GET", fake+"/.well-known/cxone-configuration", jsonResp(200, `{"api_endpoint":"http://127.0.0.1:9999","area":"na1"}`))
	c3, _ := NewClient(WithBaseURL(fake), WithHTTPClient(&http.Client{Transport: mock}), WithAccessKey(keyID, keySecret, clientID, clientSecret))
	if _, err := c3.UnavailableCodes.Get(t.Context(), 12); err == nil {
		t.Fatal("accepted another host")
	}
}

// NewClient refuses missing or empty credentials.
func TestNewClientRefuses(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]Option{
		"none":         nil,
		"empty key":    {WithAccessKey("", keySecret, clientID, clientSecret)},
		"empty secret": {WithAccessKey(keyID, keySecret, clientID, "")},
		"bad base":     {WithBaseURL("ftp://x"), WithAccessToken("tok")},
		"empty token":  {WithAccessToken(" ")},
	} {
		if _, err := NewClient(opts...); err == nil || !errors.Is(err, deskbridge.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
