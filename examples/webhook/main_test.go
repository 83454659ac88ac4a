package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/webhook"
)

func TestRunDemo(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"signed agent event", "200 handled",
		"body tampered after signing", "401 unauthorized",
		"replayed (same event id)", "200 duplicate",
		"signed 10 minutes ago (stale)",
		"event whose handling fails", "503 failed", "5 s",
		"the retry of that event",
		"event type not handled", "200 ignored",
		"agent 10011: online", "agent 10012: away",
		"all 7 answers were the expected ones",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "UNEXPECTED") || strings.Contains(got, "agent 10013") {
		t.Errorf("output:\n%s", got)
	}
}

func TestSecretsFromEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  string
		want []string
	}{
		{"s1", []string{"s1"}},
		{" new , old ", []string{"new", "old"}},
		{"a,,b,", []string{"a", "b"}},
		{"", nil},
		{" , ", nil},
	} {
		got, err := secretsFromEnv(func(k string) string {
			if k != secretEnv {
				t.Errorf("read %s", k)
			}
			return tc.env
		})
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.env, got, tc.want)
		}
		if tc.want == nil && (err == nil || !strings.Contains(err.Error(), "missing environment variable ZENDESK_WEBHOOK_SECRET")) {
			t.Errorf("%q: error %v does not say what is missing", tc.env, err)
		}
	}
}

func TestRealModeHandler(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := newHandler([]string{"new-secret", "old-secret"}, &logs)
	for _, tc := range []struct {
		body []byte
		log  string
	}{
		{agentEvent("e1", 42, "offline", "online"), `msg="agent status changed" agent_id=42 channel=support from=offline to=online`},
		{[]byte(`{"id":"e2","type":"zen:event-type:agent.unified_state_changed","detail":{"agent_id":"43"},` +
			`"event":{"new_unified_state":{"id":3,"name":"online"},"previous_unified_state":{"id":2,"name":"offline"}}}`),
			`msg="agent unified status changed" agent_id=43 from=offline to=online`},
		{[]byte(`{"id":"e3","type":"zen:event-type:ticket.created","subject":"zen:ticket:7"}`), `msg=event type=zen:event-type:ticket.created subject=zen:ticket:7`},
	} {
		sig, ts := webhook.SignZendesk("old-secret", time.Now(), tc.body)
		r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(tc.body))
		r.Header.Set(webhook.HeaderZendeskSignature, sig)
		r.Header.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Errorf("status %d %s", w.Code, w.Body)
		}
		if !strings.Contains(logs.String(), tc.log) {
			t.Errorf("log lacks %q:\n%s", tc.log, logs.String())
		}
	}
	if strings.Contains(logs.String(), "old-secret") {
		t.Error("the log holds a secret")
	}
}

func TestServeStopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- serve(ctx, "127.0.0.1:0", []string{"s"}, &logs) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if err := serve(t.Context(), "256.0.0.1:http", []string{"s"}, &logs); err == nil {
		t.Error("serve on a bad address: no error")
	}
}

// slowClientTarget is what server_test.go's slow clients attack: the real
// mode's handler, the path of its webhook, and a path a GET is answered on.
func slowClientTarget(*testing.T) (h http.Handler, postPath, getPath string) {
	return newMux([]string{"s"}, io.Discard), path, path
}
