package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// urlPath is u's path: where a fake serves below its host.
func urlPath(u string) string {
	p, _ := url.Parse(u)
	return p.Path
}

func TestEnvName(t *testing.T) {
	for path, want := range map[string]string{
		"flows.smsbridge.braze_secrets[0]":    "SMSBRIDGE_BRAZE_SECRETS_0",
		"tenants.zendesk.acme.api_token":      "ZENDESK_ACME_API_TOKEN",
		"flows.escalation.authorize.chat_key": "ESCALATION_AUTHORIZE_CHAT_KEY",
		"store":                               "STORE",
		"flows.9x.secret":                     "SECRET_9X_SECRET",
	} {
		if got := envName(path); got != want {
			t.Errorf("envName(%q) = %q, want %q", path, got, want)
		}
	}
}

// The demo's file prints a clean store_prefix: no test prefix, no address.
func TestDemoFileStorePrefix(t *testing.T) {
	w := newTestWorld(t, "statussync")
	cfg := w.config()
	if !strings.Contains(cfg, "store_prefix: \""+demoPrefix+"\"\n") || strings.Contains(cfg, "0x") || strings.Contains(cfg, "deskbridge-test") {
		t.Errorf("the demo's file:\n%s", cfg)
	}
}

// serve logs its shutdown: "shutting down", the requests drained, and
// "stopped" once the background work has ended.
func TestServeLogsShutdown(t *testing.T) {
	w := newTestWorld(t, "statussync")
	file := serveConfigFile(t, w)
	if code, out, errOut := runCmd(t, w.getenv, "apply", "-config", file); code != exitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	ctx, stop := context.WithCancel(t.Context())
	done, logs := serveInBackground(t, ctx, w, file)
	stop()
	<-done
	got := logs.String()
	at := 0
	for _, want := range []string{`"msg":"shutting down"`, `"msg":"requests drained","drain":"`, `"msg":"stopped","drain":"`} {
		i := strings.Index(got[at:], want)
		if i < 0 {
			t.Fatalf("the logs lack %s (in order):\n%s", want, got)
		}
		at += i
	}
}
