package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
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

// memorialize's first poll (the backfill over its lookback window) logs
// how many contacts it saw and wrote.
func TestMemorializeBackfillLogsCounts(t *testing.T) {
	w := newTestWorld(t, "memorialize")
	for range 2 {
		if _, err := w.cx.srv.Play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: w.cx.skill, From: demoCallerPhone},
			AgentID: w.cx.agent, DispositionID: w.cx.disp}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	logs := &syncWriter{w: &bytes.Buffer{}}
	s, err := w.serve(ctx, io.Discard, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	want := `"msg":"memorialize poll","flow":"memorialize","pass":1,"backfill":true,"pages":1,"contacts":2,"written":2`
	for !strings.Contains(logs.String(), want) {
		if ctx.Err() != nil {
			t.Fatalf("the logs lack %s:\n%s", want, logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
