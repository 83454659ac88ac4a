package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// The attempt record the SDK's core logs for every request (see
// internal/rest), as the clients' logger receives it.
func logAttempt(l *slog.Logger) {
	l.LogAttrs(context.Background(), slog.LevelDebug, msgAttempt,
		slog.String("vendor", "zendesk"), slog.String("method", "GET"), slog.String("path", "/api/v2/users/me"),
		slog.Int("status", 200), slog.Int("attempt", 1), slog.Duration("wait", 0), slog.Duration("elapsed", time.Millisecond))
}

// countOnly is the floor: a standard-library slog.Handler that does the
// same work without Prometheus, reading the record's vendor, status and
// attempt and counting it in an atomic counter.
type countOnly struct{ n, retries atomic.Int64 }

func (c *countOnly) Enabled(context.Context, slog.Level) bool { return true }
func (c *countOnly) Handle(_ context.Context, r slog.Record) error {
	var vendor string
	var status, attempt int64
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "vendor":
			vendor = a.Value.String()
		case "status":
			status = a.Value.Int64()
		case "attempt":
			attempt = a.Value.Int64()
		}
		return true
	})
	if vendor != "" && status > 0 {
		c.n.Add(1)
	}
	if attempt > 1 {
		c.retries.Add(1)
	}
	return nil
}
func (c *countOnly) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *countOnly) WithGroup(string) slog.Handler      { return c }

// BenchmarkVendorRequestMetric is what counting one vendor request costs
// the clients: the attempt record through the counting handler, the
// program's logger at Info (the record dropped after counting).
func BenchmarkVendorRequestMetric(b *testing.B) {
	b.Run("deskbridge", func(b *testing.B) {
		m := newMetrics()
		l := slog.New(m.logHandler(slog.DiscardHandler))
		b.ReportAllocs()
		for b.Loop() {
			logAttempt(l)
		}
	})
	b.Run("floor", func(b *testing.B) {
		l := slog.New(&countOnly{})
		b.ReportAllocs()
		for b.Loop() {
			logAttempt(l)
		}
	})
}

// BenchmarkTimedHandler is the handling-latency histogram around a flow's
// handler, beside the bare handler.
func BenchmarkTimedHandler(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	req := httptest.NewRequest(http.MethodPost, "/statussync/zendesk/agent-status", nil)
	b.Run("deskbridge", func(b *testing.B) {
		t := newMetrics().timed("statussync", h)
		b.ReportAllocs()
		for b.Loop() {
			t.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
}

// BenchmarkParseConfig is reading a five-flow file with every check,
// beside decoding the same bytes into the same types with yaml.v3 alone.
func BenchmarkParseConfig(b *testing.B) {
	data := []byte(goodYAML)
	b.Run("deskbridge", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseConfig("f.yaml", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c Config
			if err := yaml.Unmarshal(data, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
