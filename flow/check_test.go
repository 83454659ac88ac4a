package flow_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Refused credentials are a problem of the client's Config field; any
// other failure is a side that could not be read, returned as an error
// beside the problems, never as a problem.
func TestCheckReaderSortsErrors(t *testing.T) {
	t.Parallel()
	p := flow.Collector{Flow: "someflow"}
	r := flow.CheckReader{Problems: &p}
	if !r.Read("Config.Zendesk", nil) {
		t.Fatal("a nil error did not read")
	}
	if r.Err() != nil {
		t.Fatalf("nothing recorded, Err = %v", r.Err())
	}
	down := fmt.Errorf("GET /x: %w", deskbridge.ErrUnavailable)
	for _, tc := range []struct {
		field string
		err   error
	}{
		{"Config.Zendesk", fmt.Errorf("401: %w", deskbridge.ErrUnauthorized)},
		{"Config.Braze", fmt.Errorf("403: %w", deskbridge.ErrForbidden)},
		{"Config.Babelforce", down},
	} {
		if r.Read(tc.field, tc.err) {
			t.Errorf("%s: %v read as ok", tc.field, tc.err)
		}
	}
	r.Include(nil)
	r.Include(errors.New("the mapping could not be read"))
	var nested flow.Collector
	nested.Add("Mapping.Presences", "x", "names no presence", "create it")
	r.Include(nested.Err())

	err := r.Err()
	ps := flow.Problems(err)
	if len(ps) != 3 {
		t.Fatalf("%d problems, want 3: %v", len(ps), err)
	}
	for i, want := range []string{"Config.Zendesk", "Config.Braze", "Mapping.Presences"} {
		if ps[i].Field != want || ps[i].Flow != "someflow" {
			t.Errorf("problem %d: %+v, want field %s of someflow", i, ps[i], want)
		}
	}
	if !strings.Contains(ps[0].Problem, "credentials were refused") || ps[0].Fix == "" {
		t.Errorf("refused credentials: %+v", ps[0])
	}
	if !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Errorf("the unreadable side's error is lost: %v", err)
	}
	if !strings.Contains(err.Error(), "someflow: reading the account of Config.Babelforce") || !strings.Contains(err.Error(), "the mapping could not be read") {
		t.Errorf("Err = %v", err)
	}
	if errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Errorf("refused credentials came back as an error, not only as a problem: %v", err)
	}
}

// The signing secret of a webhook that calls the flow must be one the
// flow verifies with; a secret that could not be read is no problem.
func TestCheckSigningSecret(t *testing.T) {
	t.Parallel()
	fake, zc := newZendesk(t)
	w, secret, err := fake.AddWebhook(zendesktest.Webhook{Name: "deskbridge flow", Endpoint: "https://flows.example.com/z",
		Subscriptions: []string{zendesk.EventAgentStateChanged}})
	if err != nil {
		t.Fatal(err)
	}
	hook := &zendesk.Webhook{ID: w.ID, Name: w.Name}
	ctx := context.Background()

	p := flow.Collector{Flow: "someflow"}
	r := flow.CheckReader{Problems: &p}
	if !r.CheckSigningSecret(ctx, zc, hook, "Config.ZendeskSecrets", []string{"old", secret}) || r.Err() != nil {
		t.Fatalf("a known secret: %v", r.Err())
	}
	if !r.CheckSigningSecret(ctx, zc, hook, "Config.ZendeskSecrets", []string{"old"}) {
		t.Fatal("the secret was not read")
	}
	ps := flow.Problems(r.Err())
	if len(ps) != 1 || ps[0].Field != `Zendesk webhook "deskbridge flow"` || !strings.Contains(ps[0].Problem, "Config.ZendeskSecrets") ||
		!strings.Contains(ps[0].Fix, "Config.ZendeskSecrets") {
		t.Fatalf("problems: %v", r.Err())
	}
	if strings.Contains(r.Err().Error(), secret) {
		t.Fatal("the problem shows the secret")
	}

	fake.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/webhooks/", Status: 500, Times: 10})
	p2 := flow.Collector{Flow: "someflow"}
	r2 := flow.CheckReader{Problems: &p2}
	if r2.CheckSigningSecret(ctx, zc, hook, "Config.ZendeskSecrets", nil) {
		t.Fatal("an unreadable secret reported as read")
	}
	if err := r2.Err(); flow.Problems(err) != nil || err == nil {
		t.Fatalf("an unreadable secret: %v, want an error and no problem", err)
	}
}
