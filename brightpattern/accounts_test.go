package brightpattern

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
	"github.com/jarcoal/httpmock"
)

func TestNewAccountsValidation(t *testing.T) {
	t.Parallel()
	tok := APIToken{Username: "bot@acme.com", Token: "tok"}
	for _, tc := range []struct {
		name   string
		in     []Account
		fields []string // the Field of each problem, in order
	}{
		{"none", nil, []string{"Accounts"}},
		{"no default", []Account{{Name: "a", URL: "acme", Auth: tok}}, []string{"Accounts"}},
		{"two defaults", []Account{{Name: "a", URL: "acme", Auth: tok, Default: true}, {Name: "b", URL: "acme-b", Auth: tok, Default: true}}, []string{"Accounts"}},
		{"duplicate name", []Account{{Name: "a", URL: "acme", Auth: tok, Default: true}, {Name: "A", URL: "acme-b", Auth: tok}}, []string{`Account "A".Name`}},
		{"empty name", []Account{{URL: "acme", Auth: tok, Default: true}}, []string{"Accounts[0].Name"}},
		{"bad URL", []Account{{Name: "a", URL: "http://acme.zendesk.com", Auth: tok, Default: true}}, []string{`Account "a".URL`}},
		{"http non-loopback", []Account{{Name: "a", URL: "http://proxy.example.com/zd", Auth: tok, Default: true}}, []string{`Account "a".URL`}},
		{"bad subdomain", []Account{{Name: "a", URL: "https://ac_me.zendesk.com", Auth: tok, Default: true}}, []string{`Account "a".URL`}},
		{"no auth", []Account{{Name: "a", URL: "acme", Default: true}}, []string{`Account "a".Auth`}},
		{"incomplete token", []Account{{Name: "a", URL: "acme", Default: true, Auth: APIToken{Token: "t"}}}, []string{`Account "a".Auth`}},
		{"incomplete password grant", []Account{{Name: "a", URL: "acme", Default: true, Auth: PasswordGrant{ClientID: "c"}}}, []string{`Account "a".Auth`, `Account "a".Auth`, `Account "a".Auth`}},
		{"bad scope", []Account{{Name: "a", URL: "acme", Default: true, Auth: ClientCredentials{ClientID: "c", ClientSecret: "s", Scopes: []string{"read write"}}}}, []string{`Account "a".Auth`}},
		{"all at once", []Account{{URL: "", Auth: nil}, {Name: "b", URL: "acme", Auth: OAuthToken{}}}, []string{"Accounts[0].Name", "Accounts[0].URL", "Accounts[0].Auth", `Account "b".Auth`, "Accounts"}},
	} {
		_, err := NewAccounts(tc.in...)
		ps := flow.Problems(err)
		var got []string
		for _, p := range ps {
			got = append(got, p.Field)
			if p.Flow != "brightpattern" || p.Problem == "" || p.Fix == "" {
				t.Errorf("%s: %+v", tc.name, p)
			}
		}
		if strings.Join(got, "|") != strings.Join(tc.fields, "|") {
			t.Errorf("%s: fields %q, want %q (%v)", tc.name, got, tc.fields, err)
		}
	}
}

// No problem message quotes a secret.
func TestNewAccountsNoSecretInErrors(t *testing.T) {
	t.Parallel()
	_, err := NewAccounts(Account{Name: "a", URL: "acme", Auth: PasswordGrant{ClientID: "c", ClientSecret: "s3cr3t-client", Password: "p4ssw0rd"}})
	if err == nil || strings.Contains(err.Error(), "s3cr3t-client") || strings.Contains(err.Error(), "p4ssw0rd") {
		t.Fatalf("%v", err)
	}
}

func TestZendeskTarget(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, base string }{
		{"acme", "https://acme.zendesk.com"},
		{"acme.zendesk.com", "https://acme.zendesk.com"},
		{"https://ACME.zendesk.com/", "https://acme.zendesk.com"},
		{"https://support.acme.com", "https://support.acme.com"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://localhost:9/zd/", "http://localhost:9/zd"},
	} {
		_, base, err := zendeskTarget(tc.in)
		if err != nil || base != tc.base {
			t.Errorf("zendeskTarget(%q) = %q, %v; want %q", tc.in, base, err, tc.base)
		}
	}
	for _, bad := range []string{"", "http://acme.zendesk.com", "https://u:p@acme.zendesk.com", "https://acme.zendesk.com?x=1", "ftp://acme.zendesk.com", "http://10.0.0.1"} {
		if _, _, err := zendeskTarget(bad); err == nil {
			t.Errorf("zendeskTarget(%q) accepted", bad)
		}
	}
}

// twoInstances starts two fake Zendesk accounts and the Accounts over them.
func twoInstances(t *testing.T, authA, authB Credentials) (*Accounts, *zendesktest.Server, *zendesktest.Server) {
	t.Helper()
	za, zb := zendesktest.NewServer(), zendesktest.NewServer(zendesktest.WithCredentials("admin@brand-b.com", "brand-b-token"))
	t.Cleanup(za.Close)
	t.Cleanup(zb.Close)
	if authA == nil {
		authA = APIToken{Username: za.Email, Token: za.APIToken}
	}
	if authB == nil {
		authB = ClientCredentials{ClientID: zb.OAuthClientID, ClientSecret: zb.OAuthClientSecret}
	}
	accts, err := NewAccounts(
		Account{Name: "Support", URL: za.URL, Default: true, Auth: authA, HTTPClient: za.Client(), Options: []zendesk.Option{zendesk.WithMaxRetries(0)}},
		Account{Name: "Brand B", URL: zb.URL, Auth: authB, HTTPClient: zb.Client(), Options: []zendesk.Option{zendesk.WithMaxRetries(0)}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return accts, za, zb
}

func TestSelectAndTestAgainstFakes(t *testing.T) {
	t.Parallel()
	accts, za, zb := twoInstances(t, nil, nil)
	if err := accts.Test(context.Background()); err != nil {
		t.Fatal(err)
	}
	if accts.DefaultName() != "Support" || strings.Join(accts.Names(), ",") != "Support,Brand B" {
		t.Fatal(accts.DefaultName(), accts.Names())
	}
	for name, want := range map[string]string{"": za.URL, "support": za.URL, "BRAND B": zb.URL, " Brand B ": zb.URL} {
		zc, err := accts.Select(name)
		if err != nil || zc.BaseURL() != want {
			t.Errorf("Select(%q) = %v, %v", name, zc, err)
		}
		if u, _ := accts.URL(name); u != want {
			t.Errorf("URL(%q) = %q", name, u)
		}
	}
	if accts.Default().BaseURL() != za.URL {
		t.Fatal("Default")
	}
	_, err := accts.Select("brand c")
	if err == nil || !errors.Is(err, deskbridge.ErrInvalid) || !strings.Contains(err.Error(), "Support, Brand B") {
		t.Fatalf("unknown account: %v", err)
	}
	u, err := accts.TestAccount(context.Background(), "Brand B")
	if err != nil || u.ID != zb.AdminID {
		t.Fatal(u, err)
	}
}

// Test connection against zendesktest: each wrong credential is
// ErrBadCredentials, says what to check, and quotes no secret.
func TestTestConnectionBadCredentialsOnFakes(t *testing.T) {
	t.Parallel()
	za, zb := zendesktest.NewServer(), zendesktest.NewServer()
	defer za.Close()
	defer zb.Close()
	for _, tc := range []struct {
		name    string
		auth    Credentials
		problem string
		secret  string
	}{
		{"wrong API token", APIToken{Username: za.Email, Token: "wrong-token-xyz"}, "Zendesk refused the API token", "wrong-token-xyz"},
		{"wrong username", APIToken{Username: "nobody@example.com", Token: za.APIToken}, "Zendesk refused the API token", za.APIToken},
		{"wrong client secret", ClientCredentials{ClientID: za.OAuthClientID, ClientSecret: "wrong-secret-xyz"}, "OAuth client id or secret", "wrong-secret-xyz"},
		{"unknown client", ClientCredentials{ClientID: "nope", ClientSecret: "wrong-secret-xyz"}, "OAuth client id or secret", "wrong-secret-xyz"},
		{"revoked OAuth token", OAuthToken{AccessToken: "revoked-token-xyz"}, "Zendesk refused the OAuth access token", "revoked-token-xyz"},
	} {
		accts, err := NewAccounts(Account{Name: "a", URL: za.URL, Default: true, Auth: tc.auth, HTTPClient: za.Client(), Options: []zendesk.Option{zendesk.WithMaxRetries(0)}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = accts.TestAccount(context.Background(), "a")
		var ce *ConnectionError
		if !errors.As(err, &ce) || !errors.Is(err, ErrBadCredentials) || !errors.Is(err, deskbridge.ErrUnauthorized) {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if ce.Account != "a" || ce.URL != za.URL || !strings.Contains(ce.Problem, tc.problem) || ce.Fix == "" {
			t.Errorf("%s: %+v", tc.name, ce)
		}
		if strings.Contains(err.Error(), tc.secret) {
			t.Errorf("%s: secret in %q", tc.name, err)
		}
		if accts.Test(context.Background()) == nil {
			t.Errorf("%s: Test passed", tc.name)
		}
	}
}

// zendeskMock is an Accounts of one account on an httpmock transport.
func zendeskMock(t *testing.T, auth Credentials) (*Accounts, *httpmock.MockTransport) {
	t.Helper()
	mock := httpmock.NewMockTransport()
	accts, err := NewAccounts(Account{Name: "zd", URL: "acme", Default: true, Auth: auth,
		HTTPClient: &http.Client{Transport: mock}, Options: []zendesk.Option{zendesk.WithMaxRetries(0)}})
	if err != nil {
		t.Fatal(err)
	}
	return accts, mock
}

const zdMe = "https://acme.zendesk.com/api/v2/users/me"

// Zendesk answers the fake does not give, each classified.
func TestTestConnectionClassification(t *testing.T) {
	t.Parallel()
	tok := APIToken{Username: "bot@acme.com", Token: "tok-123"}
	redirect := func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(302, "")
		r.Header.Set("Location", "https://www.zendesk.com/account-not-found")
		return r, nil
	}
	for _, tc := range []struct {
		name string
		auth Credentials
		resp httpmock.Responder
		kind error
	}{
		{"end user", tok, jsonResp(200, `{"user":{"id":5,"email":"bot@acme.com","role":"end-user"}}`), ErrNotPrivileged},
		{"anonymous", tok, jsonResp(200, `{"user":{"id":null,"name":"Anonymous user","role":"end-user"}}`), ErrBadCredentials},
		{"forbidden", OAuthToken{AccessToken: "t"}, jsonResp(403, `{"error":"Forbidden","description":"You do not have access to this page."}`), ErrNotPrivileged},
		{"couldn't authenticate", tok, jsonResp(401, `{"error":"Couldn't authenticate you"}`), ErrBadCredentials},
		{"invalid_token", OAuthToken{AccessToken: "t"}, jsonResp(401, `{"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed or invalid for other reasons."}`), ErrBadCredentials},
		{"token access disabled", tok, jsonResp(401, `{"error":"Couldn't authenticate you","description":"API token access is disabled"}`), ErrTokenAccessDisabled},
		{"unknown subdomain 404", tok, jsonResp(404, `<html>Oops! The page you were looking for doesn't exist</html>`), ErrUnknownSubdomain},
		{"unknown subdomain redirect", tok, redirect, ErrUnknownSubdomain},
		{"unavailable", tok, jsonResp(503, `down`), nil},
	} {
		accts, mock := zendeskMock(t, tc.auth)
		mock.RegisterResponder("GET", zdMe, tc.resp)
		_, err := accts.TestAccount(context.Background(), "")
		var ce *ConnectionError
		if !errors.As(err, &ce) {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if ce.Kind != tc.kind || tc.kind != nil && !errors.Is(err, tc.kind) {
			t.Errorf("%s: kind %v, want %v (%v)", tc.name, ce.Kind, tc.kind, err)
		}
		if ce.Problem == "" || ce.Fix == "" || !strings.HasPrefix(err.Error(), `brightpattern: integration account "zd" (https://acme.zendesk.com): `) {
			t.Errorf("%s: %q", tc.name, err)
		}
		if strings.Contains(err.Error(), "tok-123") {
			t.Errorf("%s: token in %q", tc.name, err)
		}
	}
	// A DNS failure is an unknown subdomain.
	if !unknownSubdomain(&deskbridge.TransportError{Err: &netDNSNotFound}) {
		t.Error("DNS not found is not an unknown subdomain")
	}
}

// The password grant: the exact token request, its token on the API call,
// and each refusal explained.
func TestPasswordGrant(t *testing.T) {
	t.Parallel()
	g := PasswordGrant{ClientID: "bp_integration", ClientSecret: "client-s3cr3t", Username: "admin@acme.com", Password: "p4ss\"w0rd"}
	accts, mock := zendeskMock(t, g)
	rec := &recorder{}
	mock.RegisterResponder("POST", "https://acme.zendesk.com/oauth/tokens", rec.Wrap(jsonResp(200, `{"access_token":"zd-access-1","token_type":"bearer","scope":"read write"}`)))
	mock.RegisterResponder("GET", zdMe, rec.Wrap(jsonResp(200, `{"user":{"id":7,"email":"admin@acme.com","role":"admin"}}`)))
	u, err := accts.TestAccount(context.Background(), "zd")
	if err != nil || u.ID != 7 {
		t.Fatal(u, err)
	}
	calls := rec.All()
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(calls[0].Body), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"grant_type": "password", "client_id": "bp_integration", "client_secret": "client-s3cr3t", "username": "admin@acme.com", "password": "p4ss\"w0rd", "scope": "read write"}
	if len(body) != len(want) {
		t.Fatalf("body %v", body)
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %q, want %q", k, body[k], v)
		}
	}
	if calls[0].Header.Get("Content-Type") != "application/json" || calls[0].Header.Get("Authorization") != "" {
		t.Errorf("token request headers %v", calls[0].Header)
	}
	if calls[1].Header.Get("Authorization") != "Bearer zd-access-1" {
		t.Errorf("API call Authorization %q", calls[1].Header.Get("Authorization"))
	}

	for code, want := range map[string]string{
		"invalid_grant":          "username or password",
		"invalid_client":         "OAuth client id or secret",
		"unsupported_grant_type": "no longer accepts",
	} {
		accts, mock := zendeskMock(t, g)
		mock.RegisterResponder("POST", "https://acme.zendesk.com/oauth/tokens", jsonResp(400, `{"error":"`+code+`","error_description":"refused for `+g.Password+`"}`))
		_, err := accts.TestAccount(context.Background(), "zd")
		var ce *ConnectionError
		if !errors.As(err, &ce) || !errors.Is(err, ErrBadCredentials) || !strings.Contains(ce.Problem, want) {
			t.Errorf("%s: %v", code, err)
		}
		if err != nil && (strings.Contains(err.Error(), "p4ss") || strings.Contains(err.Error(), "client-s3cr3t")) {
			t.Errorf("%s: secret in %q", code, err)
		}
	}
}

func TestRequestToken(t *testing.T) {
	t.Parallel()
	mock := httpmock.NewMockTransport()
	rec := &recorder{}
	mock.RegisterResponder("POST", "https://acme.zendesk.com/oauth/tokens", rec.Wrap(jsonResp(200, `{"access_token":"zd-1","token_type":"bearer","scope":"read","expires_in":1800,"refresh_token":"r-1","refresh_token_expires_in":2592000}`)))
	hc := &http.Client{Transport: mock}
	tok, err := RequestToken(context.Background(), "https://acme.zendesk.com", PasswordGrant{ClientID: "c", ClientSecret: "s", Username: "u@acme.com", Password: "p", Scopes: []string{"read"}}, hc)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "zd-1" || tok.RefreshToken != "r-1" || tok.Scope != "read" || tok.Expiry.IsZero() || tok.RefreshTokenExpiry.IsZero() {
		t.Fatalf("%+v", tok)
	}
	if !strings.Contains(rec.Last(t).Body, `"scope":"read"`) {
		t.Fatal(rec.Last(t).Body)
	}
	if _, err := RequestToken(context.Background(), "acme", PasswordGrant{ClientID: "c"}, hc); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("incomplete grant: %v", err)
	}
	if _, err := RequestToken(context.Background(), "http://acme.zendesk.com", PasswordGrant{ClientID: "c", ClientSecret: "s", Username: "u", Password: "p"}, hc); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("http URL: %v", err)
	}
	mock.RegisterResponder("POST", "https://acme.zendesk.com/oauth/tokens", jsonResp(400, `{"error":"invalid_grant","error_description":"bad"}`))
	_, err = RequestToken(context.Background(), "acme", PasswordGrant{ClientID: "c", ClientSecret: "s", Username: "u", Password: "p"}, hc)
	var ze *zendesk.Error
	if !errors.As(err, &ze) || ze.Code != "invalid_grant" || !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("%v", err)
	}
}
