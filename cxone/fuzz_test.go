package cxone

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/internal/fuzzcheck"
)

// FuzzDecodeError: whatever body, status and content type a CXone error
// response carries, the client returns an error that is one bounded line
// and matches the deskbridge kind of its status.
func FuzzDecodeError(f *testing.F) {
	for _, name := range []string{"error_oauth.json", "error_list.json"} {
		f.Add(400, "application/json", []byte(fixture(f, name)))
	}
	f.Add(404, "application/json", []byte(`{"errors":[{"field":"a\nb","message":"`+strings.Repeat("m", 3000)+`","errorCode":{"x":1}}],"uid":7}`))
	f.Add(403, "application/json", []byte(`{"internalCode":12,"message":"No access"}`))
	fuzzcheck.DecodeError(f, "cxone", decodeError)
}

// FuzzParseDiscovery: whatever a discovery answer holds, it is refused or
// names an API base that is an https CXone host of its domain, or the
// fixed base URL.
func FuzzParseDiscovery(f *testing.F) {
	f.Add([]byte(fixture(f, "cxone_configuration.json")), false)
	f.Add([]byte(`{"api_endpoint":"https://api-na1.niceincontact.com.evil.example","area":"na1"}`), false)
	f.Add([]byte(`{"api_endpoint":"http://127.0.0.1:4567/cx/x","area":"na1"}`), true)
	f.Add([]byte(`{"api_endpoint":"https://x@api-na1.niceincontact.com","domain":"NICEINCONTACT.COM"}`), true)
	fixed, _ := url.Parse("http://127.0.0.1:4567/cx")
	f.Fuzz(func(t *testing.T, body []byte, withFixed bool) {
		var fx *url.URL
		if withFixed {
			fx = fixed
		}
		d, base, err := parseDiscovery(body, fx)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if d == nil {
			t.Fatal("no discovery without an error")
		}
		if withFixed {
			if base != fixed.String() {
				t.Fatalf("base %q with a fixed base URL", base)
			}
			return
		}
		u, err := url.Parse(base)
		if err != nil || checkCXoneURL(u) != nil {
			t.Fatalf("accepted base %q: %v", base, err)
		}
	})
}

// FuzzParseOpenIDConfig: a token endpoint is an absolute URL or refused;
// one accepted as CXone's is an https CXone host.
func FuzzParseOpenIDConfig(f *testing.F) {
	f.Add([]byte(fixture(f, "openid_configuration.json")))
	f.Add([]byte(`{"token_endpoint":"https://evil.example/auth/token"}`))
	f.Add([]byte(`{"token_endpoint":"//cxone.niceincontact.com/auth/token"}`))
	f.Add([]byte(`{"token_endpoint":7}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := parseOpenIDConfig(body)
		if err != nil {
			return
		}
		if !u.IsAbs() {
			t.Fatalf("relative %q accepted", u)
		}
		if checkCXoneURL(u) == nil && (u.Scheme != "https" || u.User != nil) {
			t.Fatalf("%q accepted as CXone's", u)
		}
	})
}

// FuzzParseTokenResponse: a token answer gives a usable bearer token or
// an error; its tenant claim, when read, is a valid tenant id.
func FuzzParseTokenResponse(f *testing.F) {
	f.Add([]byte(tokenJSON(f, "tok", tenant, 3600)))
	f.Add([]byte(`{"access_token":"a b","expires_in":-5}`))
	f.Add([]byte(`{"access_token":"eyJhbGciOiJub25lIn0.eyJ0ZW5hbnRJZCI6Ii4uLyJ9.","id_token":"x.y.z"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tr, err := parseTokenResponse(body)
		if err != nil {
			return
		}
		if tr.AccessToken == "" || strings.ContainsAny(tr.AccessToken, " \r\n\t") || tr.ExpiresIn < 0 {
			t.Fatalf("%+v", tr)
		}
		if id, ok := tenantFromTokens(tr.IDToken, tr.AccessToken); ok && !tenantPattern.MatchString(id) {
			t.Fatalf("tenant %q", id)
		}
	})
}

// FuzzDecodeContact: any contact answer decodes or fails, in v23 or v33
// names, without a panic; a decoded one has an id.
func FuzzDecodeContact(f *testing.F) {
	f.Add([]byte(fixture(f, "contact.json")))
	f.Add([]byte(fixture(f, "completed_contacts_v23.json")))
	f.Add([]byte(`{"contactId":{"contactStart":"2026","mediaType":"x"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := decodeContact(body)
		if err == nil && c.ContactID == 0 {
			t.Fatal("a contact without an id")
		}
	})
}

// FuzzEvents: an event batch decodes or fails; a CallContactEvent decodes
// from any event whose Type says so, or fails, without a panic.
func FuzzEvents(f *testing.F) {
	f.Add([]byte(fixture(f, "next_event.json")))
	f.Add([]byte(`{"events":[{"Type":"CallContactEvent","ContactID":-1e999,"FinalState":"yes"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var b EventBatch
		if json.Unmarshal(body, &b) != nil {
			return
		}
		for _, ev := range b.Events {
			if cc, err := ev.CallContact(); err == nil && ev.Type != EventCallContact {
				t.Fatalf("%+v from %q", cc, ev.Type)
			}
		}
	})
}
