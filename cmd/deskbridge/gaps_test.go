package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/brightpattern/brightpatterntest"
	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
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

// Help shows every flag a command takes, with its default; a flag the
// command does not take is refused.
func TestFlagsPerCommand(t *testing.T) {
	takes := map[string][]string{
		"plan":  {"-config FILE", "-flow NAME"},
		"apply": {"-config FILE", "-flow NAME", "-force"},
		"check": {"-config FILE", "-flow NAME"},
		"serve": {"-config FILE", "-flow NAME", "-listen ADDR", "-metrics-listen ADDR"},
	}
	all := []string{"-config", "-flow", "-force", "-listen", "-metrics-listen"}
	for cmd, flags := range takes {
		code, out, _ := runCmd(t, func(string) string { return "" }, "help", cmd)
		if code != exitOK || !strings.Contains(out, "\nFlags:\n") || !strings.Contains(out, `(default "deskbridge.yaml")`) {
			t.Errorf("help %s: exit %d\n%s", cmd, code, out)
		}
		for _, f := range flags {
			if !strings.Contains(out, "  "+f+"\n") {
				t.Errorf("help %s lacks %q:\n%s", cmd, f, out)
			}
		}
		for _, f := range all {
			name := strings.Fields(f)[0]
			took := false
			for _, g := range flags {
				took = took || strings.Fields(g)[0] == name
			}
			if took {
				continue
			}
			args := []string{cmd, name}
			if name != "-force" {
				args = append(args, "x")
			}
			code, _, errOut := runCmd(t, func(string) string { return "" }, args...)
			if code != exitError || !strings.Contains(errOut, "flag provided but not defined: "+name) {
				t.Errorf("%s %s: exit %d, %q; want it refused", cmd, name, code, errOut)
			}
		}
	}
}

// serve -metrics-listen serves /metrics, /healthz and /readyz on an
// address of their own, and not beside the flows.
func TestServeMetricsListen(t *testing.T) {
	w := newTestWorld(t, "statussync")
	file := serveConfigFile(t, w)
	if code, out, errOut := runCmd(t, w.getenv, "apply", "-config", file); code != exitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	maddr := mln.Addr().String()
	mln.Close()
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	done, logs := serveInBackground(t, ctx, w, file, "-metrics-listen", maddr)
	hc := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range []struct {
		url  string
		want int
	}{
		{"http://" + maddr + "/metrics", 200}, {"http://" + maddr + "/readyz", 200}, {"http://" + maddr + "/healthz", 200},
		{w.base + "/metrics", 404}, {w.base + "/readyz", 404}, {w.base + "/statussync/zendesk/agent-status", 405},
		{"http://" + maddr + "/statussync/zendesk/agent-status", 404},
	} {
		resp, err := hc.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.url, resp.StatusCode, tc.want)
		}
	}
	stop()
	if code := <-done; code != exitOK {
		t.Errorf("serve exited %d: %s", code, logs.String())
	}
}

// batchCounter is a store.Batcher that counts its batches.
type batchCounter struct {
	*store.Memory
	batches int
}

func (b *batchCounter) Batch(ctx context.Context, ops []*store.Op) {
	b.batches++
	b.Memory.Batch(ctx, ops)
}

// countingStore passes a flow's batch on as one batch (one Redis
// pipeline), and counts each op's error under its method.
func TestCountingStoreBatches(t *testing.T) {
	m := newMetrics()
	inner := &batchCounter{Memory: store.NewMemory()}
	var s store.Store = countingStore{inner, m}
	if _, ok := s.(store.Batcher); !ok {
		t.Fatal("countingStore is no store.Batcher: a flow's batch would be sent op by op")
	}
	ctx := context.Background()
	set, bad, get := store.SetOp("k", "v", time.Minute), store.SetOp("k2", "v", 0), store.GetOp("k")
	_ = store.Do(ctx, s, set, bad, get)
	if inner.batches != 1 {
		t.Errorf("%d batches reached the store, want 1", inner.batches)
	}
	if !get.Result.OK || get.Result.Value != "v" || bad.Result.Err == nil {
		t.Errorf("results: get %+v, bad set %+v", get.Result, bad.Result)
	}
	rec := httptest.NewRecorder()
	m.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	got, err := parseMetrics(rec.Body.String())
	if err != nil {
		t.Fatal(err)
	}
	if got[`deskbridge_store_errors_total{op="set"}`] != 1 || got[`deskbridge_store_errors_total{op="get"}`] != 0 {
		t.Errorf("store errors = %v", got)
	}
}

// check shows the same progress line as plan and apply on a terminal, and
// logs a count per flow.
func TestCheckProgress(t *testing.T) {
	w := newTestWorld(t, "scenario")
	file := filepath.Join(t.TempDir(), "f.yaml")
	if err := os.WriteFile(file, []byte(w.config()), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd(t, w.getenv, "apply", "-config", file); code != exitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	// Bright Pattern slow: the check outlasts two ticks of the line.
	w.bp.srv.InjectFault(brightpatterntest.Fault{Path: "/configapi/v2/user/", Latency: 400 * time.Millisecond})
	logs := &syncWriter{w: &bytes.Buffer{}}
	var out bytes.Buffer
	code := run(t.Context(), []string{"check", "-config", file}, stdio{out: &out, err: logs, getenv: w.getenv, tty: true})
	if code != exitOK {
		t.Fatalf("check: exit %d\n%s\n%s", code, out.String(), logs.String())
	}
	for _, want := range []string{"[1/1] check scenario: ", " requests", "\r\033[K", "msg=checked flow=scenario ok=true requests="} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("stderr lacks %q:\n%q", want, logs.String())
		}
	}
}

// A problem with a flow's shared-secret sender (flow.SharedSecretAuth's
// Config.<Sender>Auth fields) points at the key the file sets its secrets
// with, and its line.
func TestExplainSharedSecretProblems(t *testing.T) {
	t.Parallel()
	w := newTestWorld(t, "smsbridge")
	data := w.config()
	cfg, err := ParseConfig("f.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	line := 0
	for i, l := range strings.Split(data, "\n") {
		if strings.Contains(l, "braze_secrets:") {
			line = i + 1
		}
	}
	if line == 0 {
		t.Fatalf("the test world's file sets no braze_secrets:\n%s", data)
	}
	got := cfg.explain("smsbridge", &flow.ConfigError{Field: "Config.BrazeAuth.Header", Problem: "is empty while Scheme is webhook.SchemeHeader", Fix: "name it"})
	if want := fmt.Sprintf("f.yaml:%d: flows.smsbridge.braze_secrets: is empty", line); !strings.Contains(got, want) {
		t.Errorf("got %q, want it to hold %q", got, want)
	}
}
