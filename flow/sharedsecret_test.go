package flow_test

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
)

func TestSharedSecretAuth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		in       webhook.SharedSecretVerifier
		required bool
		want     webhook.SharedSecretVerifier
		problems []string // Field of each problem, in order
	}{
		{"defaults to bearer", webhook.SharedSecretVerifier{Secrets: []string{"s1", "", "s2"}}, true,
			webhook.SharedSecretVerifier{Scheme: webhook.SchemeBearer, Secrets: []string{"s1", "s2"}}, nil},
		{"header with its name", webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader, Header: "X-Secret", Secrets: []string{"s"}}, true,
			webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader, Header: "X-Secret", Secrets: []string{"s"}}, nil},
		{"basic", webhook.SharedSecretVerifier{Scheme: webhook.SchemeBasic, Secrets: []string{"u:p"}}, true,
			webhook.SharedSecretVerifier{Scheme: webhook.SchemeBasic, Secrets: []string{"u:p"}}, nil},
		{"no secret, required", webhook.SharedSecretVerifier{Secrets: []string{""}}, true,
			webhook.SharedSecretVerifier{Scheme: webhook.SchemeBearer, Secrets: []string{}}, []string{"Config.XAuth.Secrets"}},
		{"no secret, optional", webhook.SharedSecretVerifier{}, false,
			webhook.SharedSecretVerifier{Scheme: webhook.SchemeBearer}, nil},
		{"header without its name", webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader, Header: " ", Secrets: []string{"s"}}, true,
			webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader, Secrets: []string{"s"}}, []string{"Config.XAuth.Header"}},
		{"no such scheme", webhook.SharedSecretVerifier{Scheme: 9, Secrets: []string{"s"}}, true,
			webhook.SharedSecretVerifier{Scheme: 9, Secrets: []string{"s"}}, []string{"Config.XAuth.Scheme"}},
		{"header name trimmed", webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader, Header: " X-Secret ", Secrets: []string{"s"}}, true,
			webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader, Header: "X-Secret", Secrets: []string{"s"}}, nil},
		{"optional and unset: not checked", webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader}, false,
			webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c flow.Collector
			got := flow.SharedSecretAuth(&c, "Config.XAuth", tc.in, tc.required, "the secret X sends")
			if got.Scheme != tc.want.Scheme || got.Header != tc.want.Header || !slices.Equal(got.Secrets, tc.want.Secrets) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			var fields []string
			if err := c.Err(); err != nil {
				var ce *flow.ConfigError
				for _, e := range flattenJoined(err) {
					if errors.As(e, &ce) {
						fields = append(fields, ce.Field)
						if strings.Contains(ce.Value, "s1") || ce.Fix == "" {
							t.Errorf("problem %+v: a secret in its value, or no fix", ce)
						}
					}
				}
			}
			if !slices.Equal(fields, tc.problems) {
				t.Errorf("problems at %v, want %v", fields, tc.problems)
			}
		})
	}
}

// The verifier returned owns its slices: the caller's may be reused.
func TestSharedSecretAuthCopies(t *testing.T) {
	t.Parallel()
	secrets := []string{"s1"}
	sources := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	var c flow.Collector
	v := flow.SharedSecretAuth(&c, "Config.XAuth", webhook.SharedSecretVerifier{Secrets: secrets, AllowedSources: sources}, true, "it")
	secrets[0], sources[0] = "changed", netip.MustParsePrefix("192.0.2.0/24")
	if v.Secrets[0] != "s1" || v.AllowedSources[0].String() != "10.0.0.0/8" {
		t.Errorf("the verifier shares the caller's slices: %+v", v)
	}
}

func flattenJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flattenJoined(e)...)
		}
		return out
	}
	return []error{err}
}
