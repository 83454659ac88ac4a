package webhook

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestSharedSecretVerifier(t *testing.T) {
	t.Parallel()
	const (
		old = "s3cr3t-old-0123456789"
		cur = "s3cr3t-new-9876543210"
	)
	prefixes := func(ss ...string) []netip.Prefix {
		var ps []netip.Prefix
		for _, s := range ss {
			ps = append(ps, netip.MustParsePrefix(s))
		}
		return ps
	}
	req := func(remote string, kv ...string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/hook", nil)
		r.RemoteAddr = remote
		for i := 0; i < len(kv); i += 2 {
			r.Header.Add(kv[i], kv[i+1])
		}
		return r
	}
	basic := func(user, pass string) *http.Request {
		r := req("192.0.2.10:4242")
		r.SetBasicAuth(user, pass)
		return r
	}
	const remote = "192.0.2.10:4242"
	for _, tc := range []struct {
		name string
		v    SharedSecretVerifier
		r    *http.Request
		want error
	}{
		{"bearer", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}}, req(remote, "Authorization", "Bearer "+cur), nil},
		{"bearer, scheme in lower case", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}}, req(remote, "Authorization", "bearer "+cur), nil},
		{"bearer, old secret while rotating", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur, old}}, req(remote, "Authorization", "Bearer "+old), nil},
		{"bearer, wrong secret", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur, old}}, req(remote, "Authorization", "Bearer nope"), ErrSignatureMismatch},
		{"bearer, prefix of the secret", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}}, req(remote, "Authorization", "Bearer "+cur[:5]), ErrSignatureMismatch},
		{"bearer, secret plus suffix", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}}, req(remote, "Authorization", "Bearer "+cur+"x"), ErrSignatureMismatch},
		{"bearer, no header", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}}, req(remote), ErrMissingSignature},
		{"bearer, Basic sent", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}}, basic("u", cur), ErrMissingSignature},
		{"bearer, empty token", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}}, req(remote, "Authorization", "Bearer   "), ErrMissingSignature},
		{"bearer, secret in the wrong header", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}}, req(remote, "X-Api-Key", cur), ErrMissingSignature},

		{"basic", SharedSecretVerifier{Scheme: SchemeBasic, Secrets: []string{"braze:" + cur}}, basic("braze", cur), nil},
		{"basic, second credential", SharedSecretVerifier{Scheme: SchemeBasic, Secrets: []string{"braze:" + cur, "babelforce:" + old}}, basic("babelforce", old), nil},
		{"basic, password with a colon", SharedSecretVerifier{Scheme: SchemeBasic, Secrets: []string{"u:pa:ss"}}, basic("u", "pa:ss"), nil},
		{"basic, wrong password", SharedSecretVerifier{Scheme: SchemeBasic, Secrets: []string{"braze:" + cur}}, basic("braze", old), ErrSignatureMismatch},
		{"basic, wrong user", SharedSecretVerifier{Scheme: SchemeBasic, Secrets: []string{"braze:" + cur}}, basic("admin", cur), ErrSignatureMismatch},
		{"basic, no header", SharedSecretVerifier{Scheme: SchemeBasic, Secrets: []string{"braze:" + cur}}, req(remote), ErrMissingSignature},
		{"basic, Bearer sent", SharedSecretVerifier{Scheme: SchemeBasic, Secrets: []string{"braze:" + cur}}, req(remote, "Authorization", "Bearer "+cur), ErrMissingSignature},
		{"basic, empty credential", SharedSecretVerifier{Scheme: SchemeBasic, Secrets: []string{"braze:" + cur}}, basic("", ""), ErrMissingSignature},

		{"header", SharedSecretVerifier{Scheme: SchemeHeader, Header: "X-Webhook-Secret", Secrets: []string{cur}}, req(remote, "x-webhook-secret", cur), nil},
		{"header, several secrets", SharedSecretVerifier{Scheme: SchemeHeader, Header: "X-Webhook-Secret", Secrets: []string{old, "", cur}}, req(remote, "X-Webhook-Secret", cur), nil},
		{"header, wrong secret", SharedSecretVerifier{Scheme: SchemeHeader, Header: "X-Webhook-Secret", Secrets: []string{cur}}, req(remote, "X-Webhook-Secret", old), ErrSignatureMismatch},
		{"header, case matters in the secret", SharedSecretVerifier{Scheme: SchemeHeader, Header: "X-Webhook-Secret", Secrets: []string{cur}}, req(remote, "X-Webhook-Secret", strings.ToUpper(cur)), ErrSignatureMismatch},
		{"header, missing", SharedSecretVerifier{Scheme: SchemeHeader, Header: "X-Webhook-Secret", Secrets: []string{cur}}, req(remote, "Authorization", "Bearer "+cur), ErrMissingSignature},

		{"allowlist, allowed", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("10.0.0.0/8", "192.0.2.0/24")}, req(remote, "Authorization", "Bearer "+cur), nil},
		{"allowlist, denied before the secret is looked at", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("10.0.0.0/8")}, req(remote, "Authorization", "Bearer "+cur), ErrSourceNotAllowed},
		{"allowlist, allowed but wrong secret", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("192.0.2.0/24")}, req(remote, "Authorization", "Bearer x"), ErrSignatureMismatch},
		{"allowlist, IPv6 allowed", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("2001:db8::/32")}, req("[2001:db8::7]:443", "Authorization", "Bearer "+cur), nil},
		{"allowlist, IPv6 with zone", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("fe80::/10")}, req("[fe80::1%eth0]:443", "Authorization", "Bearer "+cur), nil},
		{"allowlist, IPv6 denied", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("2001:db8::/32")}, req("[2001:db9::7]:443", "Authorization", "Bearer "+cur), ErrSourceNotAllowed},
		{"allowlist, IPv4-mapped IPv6 matches IPv4", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("192.0.2.0/24")}, req("[::ffff:192.0.2.10]:443", "Authorization", "Bearer "+cur), nil},
		{"allowlist, bare address", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("192.0.2.0/24")}, req("192.0.2.10", "Authorization", "Bearer "+cur), nil},
		{"allowlist, bad RemoteAddr", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("0.0.0.0/0")}, req("not-an-address", "Authorization", "Bearer "+cur), ErrSourceNotAllowed},
		{"allowlist, empty RemoteAddr", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("0.0.0.0/0")}, req("", "Authorization", "Bearer "+cur), ErrSourceNotAllowed},
		{"no allowlist, bad RemoteAddr is fine", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}}, req("not-an-address", "Authorization", "Bearer "+cur), nil},
		{"ClientIP func", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("198.51.100.0/24"),
			ClientIP: func(*http.Request) (netip.Addr, error) { return netip.MustParseAddr("198.51.100.1"), nil }}, req(remote, "Authorization", "Bearer "+cur), nil},
		{"ClientIP func fails", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("0.0.0.0/0"),
			ClientIP: func(*http.Request) (netip.Addr, error) { return netip.Addr{}, errors.New("no header") }}, req(remote, "Authorization", "Bearer "+cur), ErrSourceNotAllowed},
		{"ClientIP func returns no address", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{cur}, AllowedSources: prefixes("0.0.0.0/0"),
			ClientIP: func(*http.Request) (netip.Addr, error) { return netip.Addr{}, nil }}, req(remote, "Authorization", "Bearer "+cur), ErrSourceNotAllowed},

		{"no secret", SharedSecretVerifier{Scheme: SchemeBearer}, req(remote, "Authorization", "Bearer "), ErrNotConfigured},
		{"only empty secrets", SharedSecretVerifier{Scheme: SchemeBearer, Secrets: []string{""}}, req(remote, "Authorization", "Bearer "), ErrNotConfigured},
		{"no scheme", SharedSecretVerifier{Secrets: []string{cur}}, req(remote, "Authorization", "Bearer "+cur), ErrNotConfigured},
		{"unknown scheme", SharedSecretVerifier{Scheme: 42, Secrets: []string{cur}}, req(remote, "Authorization", "Bearer "+cur), ErrNotConfigured},
		{"header scheme without header name", SharedSecretVerifier{Scheme: SchemeHeader, Secrets: []string{cur}}, req(remote, "X-Webhook-Secret", cur), ErrNotConfigured},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.v.VerifyRequest(tc.r, nil)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("VerifyRequest: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyRequest = %v, want %v", err, tc.want)
			}
			for _, s := range []string{cur, old, cur[:5]} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains a secret", err)
				}
			}
		})
	}
}

func TestMatchSecret(t *testing.T) {
	t.Parallel()
	secrets := []string{"alpha", "", "beta"}
	for _, tc := range []struct {
		presented string
		want      bool
	}{
		{"alpha", true}, {"beta", true}, {"", false}, {"alph", false}, {"alphaa", false}, {"gamma", false},
	} {
		if got := matchSecret(tc.presented, secrets); got != tc.want {
			t.Errorf("matchSecret(%q) = %v, want %v", tc.presented, got, tc.want)
		}
	}
}

func TestSharedSecretSchemeString(t *testing.T) {
	t.Parallel()
	for s, want := range map[SharedSecretScheme]string{SchemeBearer: "bearer", SchemeBasic: "basic", SchemeHeader: "header", 0: "unknown"} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(s), got, want)
		}
	}
}

func TestClientIPFromForwardedFor(t *testing.T) {
	t.Parallel()
	clientIP := ClientIPFromForwardedFor(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"))
	for _, tc := range []struct {
		name   string
		remote string
		xff    []string
		want   string // "" means an error
	}{
		{"direct client: header ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"one trusted proxy", "10.0.0.2:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"spoofed hops left of the real client are not believed", "10.0.0.2:5000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"chain of trusted proxies", "10.0.0.2:5000", []string{"198.51.100.1, 10.0.0.7", "10.0.0.3"}, "198.51.100.1"},
		{"IPv6 proxy and client", "[fd00::1]:443", []string{"2001:db8::5"}, "2001:db8::5"},
		{"hop with port", "10.0.0.2:5000", []string{"198.51.100.1:1234"}, "198.51.100.1"},
		{"trusted proxy, no header", "10.0.0.2:5000", nil, "10.0.0.2"},
		{"only trusted hops", "10.0.0.2:5000", []string{"10.0.0.9"}, "10.0.0.9"},
		{"garbage hop", "10.0.0.2:5000", []string{"unknown"}, ""},
		{"bad RemoteAddr", "nowhere", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got, err := clientIP(r)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("clientIP = %v, want an error", got)
				}
				return
			}
			if err != nil || got != netip.MustParseAddr(tc.want) {
				t.Fatalf("clientIP = %v, %v; want %s", got, err, tc.want)
			}
		})
	}

	// Wired into a verifier.
	v := SharedSecretVerifier{Scheme: SchemeHeader, Header: "X-Secret", Secrets: []string{"k"},
		AllowedSources: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}, ClientIP: clientIP}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.RemoteAddr = "10.0.0.2:5000"
	r.Header.Set("X-Secret", "k")
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	if err := v.VerifyRequest(r, nil); err != nil {
		t.Errorf("behind a trusted proxy: %v", err)
	}
	r.RemoteAddr = "203.0.113.9:5000" // not a proxy: the header is ignored
	if err := v.VerifyRequest(r, nil); !errors.Is(err, ErrSourceNotAllowed) {
		t.Errorf("direct with a forged header: %v, want ErrSourceNotAllowed", err)
	}
}
