package smsbridge

import (
	"net/http"
	"slices"
	"testing"

	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// problemFields returns the fields of the problems in err.
func problemFields(err error) []string {
	var out []string
	for _, p := range flow.Problems(err) {
		out = append(out, p.Field)
	}
	return out
}

func TestCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.flow.Check(t.Context()); err != nil {
		t.Fatalf("a provisioned flow: %v", err)
	}

	// A flow that was given an old secret: Zendesk's calls would be 401.
	cfg := e.flow.cfg
	cfg.ZendeskSecrets = []string{"an old secret"}
	cfg.UserField = "no_such_field"
	stale, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := problemFields(stale.Check(t.Context()))
	if want := []string{`Zendesk user field "no_such_field"`, `Zendesk webhook "Braze SMS bridge"`}; !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}

	// Triggers switched off, the Braze key refused.
	for tr, err := range e.zc.Triggers.List(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		tr.Active = zendesk.Ptr(false)
		if _, err := e.zc.Triggers.Update(t.Context(), tr.ID, tr); err != nil {
			t.Fatal(err)
		}
	}
	e.bz.InjectFault(brazetest.Fault{Path: "/users/export/ids", Status: http.StatusUnauthorized})
	err = e.flow.Check(t.Context())
	if got, want := problemFields(err), []string{"Zendesk triggers", "Config.Braze"}; !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q (%v)", got, want, err)
	}

	// Zendesk unreachable is not a misconfiguration.
	e.zd.InjectFault(zendesktest.Fault{Path: "/api/v2/users/me", Status: http.StatusServiceUnavailable, Times: 5})
	err = e.flow.Check(t.Context())
	if err == nil || len(flow.Problems(err)) != 0 {
		t.Errorf("Zendesk down: %v", err)
	}
}
