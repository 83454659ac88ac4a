package fakeserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRedactQuery(t *testing.T) {
	t.Parallel()
	if got := RedactQuery("access_token=t0ken&page=2"); got != "access_token=%5Bredacted%5D&page=2" {
		t.Errorf("RedactQuery = %q", got)
	}
	if got := RedactQuery("page=2&sort=asc"); got != "page=2&sort=asc" {
		t.Errorf("a query without a credential changed: %q", got)
	}
}

func TestRedactBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ contentType, in, want string }{
		{"application/x-www-form-urlencoded", "grant_type=password&password=hunter22&username=ann", "grant_type=password&password=%5Bredacted%5D&username=ann"},
		{"application/json", `{"grant_type":"client_credentials","client_id":"c","client_secret":"s3cret"}`, `{"client_id":"c","client_secret":"[redacted]","grant_type":"client_credentials"}`},
		{"application/json", `{"webhook":{"name":"w","authentication":{"type":"api_key","data":{"name":"X-Key","value":"v4lue"}}}}`, `{"webhook":{"authentication":{"data":{"name":"X-Key","value":"[redacted]"},"type":"api_key"},"name":"w"}}`},
		{"application/json", `{"ticket":{"comment":{"body":"<b>hi</b> & bye"}}}`, `{"ticket":{"comment":{"body":"<b>hi</b> & bye"}}}`},
		{"application/json", `not json`, `not json`},
		{"", ``, ``},
		// Fail closed: what does not parse but names a credential's key.
		{"application/json", `{"password":"hunter22"`, `[unparsed body naming a credential, 22 bytes, redacted]`},
		{"application/x-www-form-urlencoded", "password=hunter22&x=%zz", `[unparsed body naming a credential, 23 bytes, redacted]`},
		{"Application/X-WWW-Form-Urlencoded; charset=utf-8", "password=hunter22", "password=%5Bredacted%5D"},
	} {
		if got := string(RedactBody(tc.contentType, []byte(tc.in))); got != tc.want {
			t.Errorf("RedactBody(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := string(RedactJSONValues([]byte(`{"webhook":"Basic YWJj","other":"x"}`))); got != `{"other":"[redacted]","webhook":"[redacted]"}` {
		t.Errorf("RedactJSONValues = %s", got)
	}
}

func TestLogKeepsRedactedBodies(t *testing.T) {
	t.Parallel()
	b := Start(Spec{Routes: okHandler(), RedactBody: func(r *http.Request, body []byte) []byte {
		if strings.HasPrefix(r.URL.Path, "/secrets/") {
			return RedactJSONValues(body)
		}
		return RedactBody(r.Header.Get("Content-Type"), body)
	}})
	defer b.Close()
	// The last body is longer than what the log keeps of one: it is
	// redacted before it is cut, or its secret would survive the cut JSON.
	long := `{"pad":"` + strings.Repeat("x", MaxLoggedBody) + `","password":"pw-5678"}`
	long = `{"password":"pw-5678",` + long[1:]
	for path, body := range map[string]string{"/secrets/zendesk": `{"webhook":"Basic c2VjcmV0"}`, "/oauth/token": `{"password":"pw-1234"}`, "/long": long} {
		resp, err := http.Post(b.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for _, e := range b.Requests() {
		if strings.Contains(string(e.Body), "c2VjcmV0") || strings.Contains(string(e.Body), "pw-1234") || strings.Contains(string(e.Body), "pw-5678") {
			t.Fatalf("%s logged a credential: %s", e.Path, e.Body)
		}
	}
}

func TestDeliveryAttemptHeadersRedacted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(okHandler())
	defer srv.Close()
	attempts := (&Deliverer{}).Deliver(t.Context(), Delivery{
		URL:           srv.URL,
		Header:        http.Header{"Authorization": {"Bearer braze-key-123"}, "X-Custom-Key": {"k-456"}, "X-Zendesk-Webhook-Id": {"01F"}},
		SecretHeaders: []string{"X-Custom-Key"},
	})
	h := attempts[0].Header
	if h.Get("Authorization") != Redacted || h.Get("X-Custom-Key") != Redacted || h.Get("X-Zendesk-Webhook-Id") != "01F" {
		t.Fatalf("attempt headers = %v", h)
	}
}
