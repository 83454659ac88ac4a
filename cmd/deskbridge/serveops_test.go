package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
)

// failingListener accepts nothing; once fail is closed, Accept returns a
// lasting error (a process out of file descriptors, say), which ends
// http.Server.Serve.
type failingListener struct {
	net.Listener
	fail chan struct{}
}

var errAcceptFailed = errors.New("accept tcp: too many open files")

func (l failingListener) Accept() (net.Conn, error) {
	<-l.fail
	return nil, errAcceptFailed
}

// With -metrics-listen, the metrics server failing while serving is logged
// at once and stops the flows' server, so that the failure is seen: serve
// ends with the error instead of serving on without probes or metrics.
func TestServeStopsWhenTheMetricsServerFails(t *testing.T) {
	w := newTestWorld(t, "statussync")
	e, logs := appliedEnv(t, w)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln := failingListener{inner, make(chan struct{})}
	ln := w.ln
	w.ln = nil // serveOn closes it
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveOn(ctx, e, ln, mln, stdio{out: io.Discard, err: logs, getenv: w.getenv, listening: func(a string) { ready <- a }})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve ended before listening: %v\n%s", err, logs.String())
	}
	close(mln.fail)
	select {
	case err := <-done:
		if !errors.Is(err, errAcceptFailed) {
			t.Errorf("serve ended with %v, want the metrics server's error", err)
		}
	case <-ctx.Done():
		t.Fatalf("serve went on after its metrics server failed:\n%s", logs.String())
	}
	got := logs.String()
	fail := strings.Index(got, `"level":"ERROR","msg":"the server of /metrics, /healthz and /readyz failed; stopping the flows' server too","addr":"`)
	down := strings.Index(got, `"msg":"shutting down","addr":"`+ln.Addr().String())
	if fail < 0 || !strings.Contains(got, errAcceptFailed.Error()) || down < fail {
		t.Errorf("the logs do not say the metrics server failed, then shut the flows' server down:\n%s", got)
	}
	if _, err := (&http.Client{Timeout: time.Second}).Get(w.base + "/healthz"); err == nil {
		t.Error("the flows' server still answers")
	}
}

// -metrics-listen on an address another process holds: serve fails at
// once, naming the flag.
func TestServeMetricsListenInUse(t *testing.T) {
	w := newTestWorld(t, "statussync")
	file := serveConfigFile(t, w)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	code, _, errOut := runCmd(t, w.getenv, "serve", "-config", file, "-metrics-listen", taken.Addr().String())
	if code != exitError || !strings.Contains(errOut, "deskbridge serve: -metrics-listen: listen tcp "+taken.Addr().String()) ||
		!strings.Contains(errOut, "address already in use") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

// /readyz beside the flows (public) names a failing check's vendor and
// says "not ready", nothing of the tenant or the vendor's error, which go
// to the logs; on -metrics-listen's listener it shows both.
func TestReadyzPublicHidesErrors(t *testing.T) {
	const vendorSays = "token of tenant acme-prod expired at https://acme.babelforce.com"
	for _, split := range []bool{false, true} {
		t.Run(map[bool]string{false: "public", true: "metrics-listen"}[split], func(t *testing.T) {
			w := newTestWorld(t, "statussync")
			e, logs := appliedEnv(t, w)
			h, ops, _, closeStore, err := buildServer(t.Context(), e, split)
			if err != nil {
				t.Fatal(err)
			}
			defer closeStore()
			if split {
				h = ops
			}
			w.bf.InjectFault(babelforcetest.Fault{Method: http.MethodGet, Path: "/api/v2/agents/presence/available", Status: http.StatusForbidden,
				Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"` + vendorSays + `"}`, Times: 5})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			body := rec.Body.String()
			if rec.Code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "babelforce") {
				t.Fatalf("/readyz: %d %q", rec.Code, body)
			}
			if split && (!strings.HasPrefix(body, "babelforce demo: ") || !strings.Contains(body, vendorSays)) {
				t.Errorf("/readyz on -metrics-listen = %q, want the check's full name and its error", body)
			}
			if !split && body != "babelforce: not ready\n" {
				t.Errorf("/readyz = %q, want the vendor alone and not ready", body)
			}
			if got := logs.String(); !strings.Contains(got, `"level":"WARN","msg":"not ready","check":"babelforce demo","error":"`) || !strings.Contains(got, vendorSays) {
				t.Errorf("the logs lack the failing check and its error:\n%s", got)
			}
		})
	}
}

// appliedEnv writes the world's file, applies it, and returns the
// command's env for it (its clients built), logging JSON to logs.
func appliedEnv(t *testing.T, w *world) (e *env, logs *syncWriter) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "deskbridge.yaml")
	if err := os.WriteFile(file, []byte(w.config()), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd(t, w.getenv, "apply", "-config", file); code != exitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	cfg, err := loadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	logs = &syncWriter{w: &bytes.Buffer{}}
	e = newEnv(cfg, w.getenv, slog.New(slog.NewJSONHandler(logs, nil)), newMetrics())
	if err := e.buildClients(); err != nil {
		t.Fatal(err)
	}
	return e, logs
}
