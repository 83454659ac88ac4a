package conversations

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/golang-jwt/jwt/v5"
	"github.com/jarcoal/httpmock"
)

func TestNewClientHosts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts []Option
		base string
		err  string
	}{
		{"subdomain", []Option{WithSubdomain("Acme")}, "https://acme.zendesk.com/sc", ""},
		{"region us", []Option{WithRegion("us")}, "https://api.smooch.io", ""},
		{"region eu-1", []Option{WithRegion("EU-1")}, "https://api.eu-1.smooch.io", ""},
		{"base URL wins", []Option{WithSubdomain("acme"), WithBaseURL("http://127.0.0.1:8080/sc/")}, "http://127.0.0.1:8080/sc", ""},
		{"subdomain with a host", []Option{WithSubdomain("evil.com/x")}, "", "not one DNS label"},
		{"full host name", []Option{WithSubdomain("acme.zendesk.com")}, "", `give only the first label: "acme"`},
		{"unknown region", []Option{WithRegion("ap-2")}, "", `unknown region "ap-2"; known: EU-1, US`},
		{"two host options", []Option{WithSubdomain("acme"), WithRegion("us")}, "", "WithSubdomain and WithRegion both name the host"},
		{"no host", nil, "", "give WithSubdomain or WithRegion"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := append([]Option{WithAppID(testApp), WithKey(testKeyID, testSecret)}, tc.opts...)
			c, err := NewClient(opts...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, deskbridge.ErrInvalid) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL() != tc.base {
				t.Fatalf("BaseURL = %s, want %s", c.BaseURL(), tc.base)
			}
		})
	}
}

func TestNewClientRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts []Option
		err  string
	}{
		{"no app", []Option{WithKey(testKeyID, testSecret)}, "give WithAppID"},
		{"app id with a slash", []Option{WithAppID("a/../b"), WithKey(testKeyID, testSecret)}, `app id "a/../b"`},
		{"no key", []Option{WithAppID(testApp)}, "give WithKey or WithJWT"},
		{"two keys", []Option{WithAppID(testApp), WithKey(testKeyID, testSecret), WithJWT(testKeyID, testSecret)}, "give exactly one"},
		{"empty secret", []Option{WithAppID(testApp), WithKey(testKeyID, "")}, "key secret is empty"},
		{"secret with a newline", []Option{WithAppID(testApp), WithJWT(testKeyID, "a\nb")}, "key secret has control characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewClient(append([]Option{WithSubdomain("acme")}, tc.opts...)...)
			if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, deskbridge.ErrInvalid) {
				t.Fatalf("err = %v, want one containing %q", err, tc.err)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatalf("the secret is in the error: %v", err)
			}
		})
	}
}

func TestKindOfKey(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]KeyKind{
		"app_5ebee0985ac5304b664a12fb": KeyApp,
		"int_67a1110ef0305f4a391e9f01": KeyIntegration,
		"act_5963ceb97cde542d000dbdb1": KeyAccount,
		"svc_5963ceb97cde542d000dbdb1": KeyServiceAccount,
		"5963ceb97cde542d000dbdb1":     KeyUnknown,
		"usr_x":                        KeyUnknown,
	} {
		if got := KindOfKey(id); got != want {
			t.Errorf("KindOfKey(%q) = %q, want %q", id, got, want)
		}
	}
}

// TestJWT checks the token WithJWT sends: Bearer, HS256 signed with the
// secret, kid the key id, scope the key kind's.
func TestJWT(t *testing.T) {
	t.Parallel()
	for keyID, scope := range map[string]string{
		"app_5ebee0985ac5304b664a12fb": "app",
		"act_5963ceb97cde542d000dbdb1": "account",
		"svc_5963ceb97cde542d000dbdb1": "account",
		"int_67a1110ef0305f4a391e9f01": "integration",
		"5963ceb97cde542d000dbdb1":     "app",
	} {
		t.Run(keyID, func(t *testing.T) {
			t.Parallel()
			mock := httpmock.NewMockTransport()
			c, err := NewClient(WithSubdomain("acme"), WithAppID(testApp), WithJWT(keyID, testSecret), WithHTTPClient(&http.Client{Transport: mock}))
			if err != nil {
				t.Fatal(err)
			}
			rec := answerAll(mock, reply{200, `{"app":{"id":"` + testApp + `"}}`})
			if _, err := c.Apps.Get(context.Background()); err != nil {
				t.Fatal(err)
			}
			auth := rec.all()[0].Header.Get("Authorization")
			raw, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok {
				t.Fatalf("Authorization = %q", auth)
			}
			tok, err := jwt.Parse(raw, func(tok *jwt.Token) (any, error) { return []byte(testSecret), nil },
				jwt.WithValidMethods([]string{"HS256"}))
			if err != nil {
				t.Fatal(err)
			}
			if tok.Header["kid"] != keyID || tok.Header["typ"] != "JWT" || tok.Header["alg"] != "HS256" {
				t.Fatalf("header = %v", tok.Header)
			}
			claims := tok.Claims.(jwt.MapClaims)
			if claims["scope"] != scope || len(claims) != 1 {
				t.Fatalf("claims = %v, want scope %q alone", claims, scope)
			}
			if c.KeyKind() != KindOfKey(keyID) {
				t.Fatalf("KeyKind = %q", c.KeyKind())
			}
		})
	}
}

// TestSecretsStayOut: neither the key secret nor the JWT appear in an
// error, even when the API echoes them.
func TestSecretsStayOut(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	answerAll(mock, reply{401, `{"errors":[{"code":"unauthorized","title":"bad key ` + testSecret + ` for ` + testKeyID + `:` + testSecret + `"}]}`})
	_, err := c.Apps.Get(context.Background())
	if !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Fatalf("secret in the error: %v", err)
	}

	jmock := httpmock.NewMockTransport()
	token, _ := signJWT(testKeyID, testSecret, KeyApp)
	c2, err := NewClient(WithSubdomain("acme"), WithAppID(testApp), WithJWT(testKeyID, testSecret), WithHTTPClient(&http.Client{Transport: jmock}))
	if err != nil {
		t.Fatal(err)
	}
	answerAll(jmock, reply{403, `{"errors":[{"code":"forbidden","title":"token ` + token + ` refused"}]}`})
	_, err = c2.Apps.Get(context.Background())
	if err == nil || strings.Contains(err.Error(), token) || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("err = %v", err)
	}
}

func TestRegions(t *testing.T) {
	t.Parallel()
	for _, r := range Regions() {
		if _, err := NewClient(WithRegion(r), WithAppID(testApp), WithKey(testKeyID, testSecret)); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
	}
}
