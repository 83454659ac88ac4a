package memorialize

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
)

func TestParseStudioRequest(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int64{
		`{"contactId": 560001}`:                   560001,
		`{"contactId": "560001"}`:                 560001,
		`{"contactId": " 560001 ", "skill": "x"}`: 560001,
		`{"contactId": 0}`:                        0,
		`{"contactId": -4}`:                       0,
		`{"contactId": "abc"}`:                    0,
		`{"contactId": null}`:                     0,
		`{}`:                                      0,
		`[]`:                                      0,
		`{"contactId": 1} {"contactId": 2}`:       0,
		`{"contactId": 99999999999999999999999}`:  0,
		`not json`:                                0,
		`{"contactId": 1.5}`:                      0,
		`{"contactId": "\u0031\u0032"}`:           12,
		`{"contactId": {"nested": 1}}`:            0,
		"{\"contactId\": \"1\x00\"}":              0,
		`{"contactId": true}`:                     0,
		`{"ContactID": 7}`:                        7, // encoding/json matches keys without regard to case
	} {
		r, err := ParseStudioRequest([]byte(body))
		switch {
		case want == 0 && err == nil:
			t.Errorf("%s: accepted as %d", body, r.ContactID)
		case want == 0 && !errors.Is(err, deskbridge.ErrInvalid):
			t.Errorf("%s: error %v does not match ErrInvalid", body, err)
		case want != 0 && (err != nil || r.ContactID != want):
			t.Errorf("%s: %v, %v; want %d", body, r, err, want)
		}
	}
}

func FuzzParseStudioRequest(f *testing.F) {
	for _, s := range []string{`{"contactId": 560001}`, `{"contactId": "560001"}`, `{}`, `{"contactId": null}`, `[1]`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseStudioRequest(body)
		if err != nil {
			if !errors.Is(err, deskbridge.ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			if len(err.Error()) > 400 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		if r.ContactID <= 0 {
			t.Fatalf("accepted contact id %d", r.ContactID)
		}
		if _, err := decodeStudio(nil, body); err != nil && len(body) <= maxStudioBody {
			t.Fatalf("the decoder refused what the parser took: %v", err)
		}
	})
}

// TestStudioAuth checks that Config.StudioAuth guards both endpoints as
// it says: Bearer when Scheme is zero, Basic or a header of its own when
// set, empty secrets dropped, the caller's slice copied, and the
// allowlist of sources read through ClientIP.
func TestStudioAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bearer := func(s string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+s) }
	}
	basic := func(u, p string) func(*http.Request) { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
	header := func(s string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("X-Studio-Secret", s) }
	}
	other := netip.MustParsePrefix("192.0.2.0/24")
	type call struct {
		auth func(*http.Request)
		ok   bool
	}
	for _, c := range []struct {
		name  string
		auth  webhook.SharedSecretVerifier
		after func(*webhook.SharedSecretVerifier) // the caller changing what it passed, after New
		calls []call
	}{
		{name: "bearer by default", auth: webhook.SharedSecretVerifier{Secrets: []string{studioSecret}},
			calls: []call{{bearer(studioSecret), true}, {bearer("wrong"), false}, {basic(studioSecret, ""), false}, {header(studioSecret), false}, {nil, false}}},
		{name: "basic", auth: webhook.SharedSecretVerifier{Scheme: webhook.SchemeBasic, Secrets: []string{"studio:" + studioSecret}},
			calls: []call{{basic("studio", studioSecret), true}, {basic("studio", "wrong"), false}, {bearer("studio:" + studioSecret), false}}},
		{name: "header", auth: webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader, Header: "X-Studio-Secret", Secrets: []string{studioSecret}},
			calls: []call{{header(studioSecret), true}, {header("wrong"), false}, {bearer(studioSecret), false}}},
		{name: "empty secrets dropped", auth: webhook.SharedSecretVerifier{Secrets: []string{"", studioSecret, ""}},
			calls: []call{{bearer(studioSecret), true}, {bearer(""), false}, {nil, false}}},
		{name: "only an empty secret", auth: webhook.SharedSecretVerifier{Secrets: []string{""}},
			calls: []call{{bearer(""), false}, {bearer(studioSecret), false}, {nil, false}}},
		{name: "slices copied", auth: webhook.SharedSecretVerifier{Secrets: []string{studioSecret}},
			after: func(v *webhook.SharedSecretVerifier) { v.Secrets[0] = "changed" },
			calls: []call{{bearer(studioSecret), true}, {bearer("changed"), false}}},
		{name: "source not allowed", auth: webhook.SharedSecretVerifier{Secrets: []string{studioSecret}, AllowedSources: []netip.Prefix{other}},
			calls: []call{{bearer(studioSecret), false}}},
		{name: "source allowed through ClientIP", auth: webhook.SharedSecretVerifier{Secrets: []string{studioSecret}, AllowedSources: []netip.Prefix{other},
			ClientIP: func(*http.Request) (netip.Addr, error) { return netip.MustParseAddr("192.0.2.7"), nil }},
			calls: []call{{bearer(studioSecret), true}, {bearer("wrong"), false}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := e.config()
			cfg.StudioAuth = c.auth
			f := e.newFlow(cfg)
			if c.after != nil {
				c.after(&cfg.StudioAuth)
			}
			srv := httptest.NewServer(f.Handler())
			t.Cleanup(srv.Close)
			do := func(method, path, body string, auth func(*http.Request)) int {
				req, _ := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
				if auth != nil {
					auth(req)
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			for i, k := range c.calls {
				// A body the handler refuses once the caller is verified
				// (400), and a lookup that finds the customer (200): no
				// contact is written either way.
				ended := do(http.MethodPost, ContactEndedPath, `{"contactId": "x"}`, k.auth)
				lookup := do(http.MethodGet, DynamicDataPath+"?user_id="+strconv.FormatInt(e.customer, 10), "", k.auth)
				if k.ok && (ended != http.StatusBadRequest || lookup != http.StatusOK) {
					t.Errorf("call %d refused: contact-ended %d, dynamic-data %d", i, ended, lookup)
				}
				if !k.ok && (ended == http.StatusBadRequest || ended < 400 || lookup != http.StatusUnauthorized) {
					t.Errorf("call %d accepted: contact-ended %d, dynamic-data %d", i, ended, lookup)
				}
			}
		})
	}
}

func TestStudioAuthRefusedWhenWrong(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct {
		auth  webhook.SharedSecretVerifier
		field string
	}{
		{webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader, Secrets: []string{studioSecret}}, "Config.StudioAuth.Header"},
		{webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader, Header: "  ", Secrets: []string{studioSecret}}, "Config.StudioAuth.Header"},
		{webhook.SharedSecretVerifier{Scheme: 9, Secrets: []string{studioSecret}}, "Config.StudioAuth.Scheme"},
	} {
		cfg := e.config()
		cfg.StudioAuth = c.auth
		_, err := New(cfg)
		probs := flow.Problems(err)
		if len(probs) != 1 || probs[0].Field != c.field {
			t.Errorf("%+v: problems %v, want one for %s", c.auth, err, c.field)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, c.field) || strings.Contains(msg, studioSecret) {
			t.Errorf("%+v: error %q names not %s or holds the secret", c.auth, msg, c.field)
		}
	}
	// No secret is no problem: the poll alone memorializes.
	cfg := e.config()
	cfg.StudioAuth = webhook.SharedSecretVerifier{}
	if _, err := New(cfg); err != nil {
		t.Errorf("no Studio secret: %v", err)
	}
}
