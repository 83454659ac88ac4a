package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// This file tests readyz.go, which every example with readiness checks
// carries byte for byte (examples/server_copies_test.go keeps the copies
// equal to this one).

// TestPublicReadyzHidesTheError: behind publicChecks, /readyz names the
// failing check and says "not ready", never the error (a vendor's text can
// name a tenant or an endpoint); the error is logged once when the check
// starts failing, not on every probe, and its return is logged once too.
func TestPublicReadyzHidesTheError(t *testing.T) {
	t.Parallel()
	const secretish = "GET https://acme.zendesk.com/api/v2/users/me: 401 Couldn't authenticate you"
	var down atomic.Bool
	down.Store(true)
	var log syncBuffer
	mux := http.NewServeMux()
	serveHealth(mux, publicChecks(slog.New(slog.NewTextHandler(&log, nil)),
		readinessCheck{"store", func(context.Context) error { return nil }},
		readinessCheck{"zendesk", func(context.Context) error {
			if down.Load() {
				return errors.New(secretish)
			}
			return nil
		}},
	)...)
	probe := func() (int, string) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, readyzPath, nil))
		return rec.Code, rec.Body.String()
	}
	for range 3 {
		if code, body := probe(); code != http.StatusServiceUnavailable || body != "zendesk: not ready\n" {
			t.Fatalf("readyz with zendesk failing = %d %q, want 503 \"zendesk: not ready\\n\"", code, body)
		}
	}
	if got := strings.Count(log.String(), secretish); got != 1 {
		t.Errorf("the error is logged %d times over 3 failing probes, want once:\n%s", got, log.String())
	}
	if !strings.Contains(log.String(), "level=WARN msg=\"not ready\" check=zendesk") {
		t.Errorf("the log does not warn naming the check:\n%s", log.String())
	}
	down.Store(false)
	for range 2 {
		if code, body := probe(); code != http.StatusOK || body != "ready\n" {
			t.Fatalf("readyz with every check passing = %d %q", code, body)
		}
	}
	if got := strings.Count(log.String(), "msg=\"ready again\" check=zendesk"); got != 1 {
		t.Errorf("the recovery is logged %d times, want once:\n%s", got, log.String())
	}
	// Failing again is a new transition: logged again.
	down.Store(true)
	probe()
	if got := strings.Count(log.String(), secretish); got != 2 {
		t.Errorf("a second failure is logged %d times in all, want 2:\n%s", got, log.String())
	}
}

// TestPublicReadyzIgnoresAProbeThatLeft: a probe whose request ended
// before its checks did learns nothing about the dependency: the error its
// check returned (the context's) is not logged, and the check is not
// remembered as failing.
func TestPublicReadyzIgnoresAProbeThatLeft(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	mux := http.NewServeMux()
	serveHealth(mux, publicChecks(slog.New(slog.NewTextHandler(&log, nil)),
		readinessCheck{"zendesk", func(ctx context.Context) error { return ctx.Err() }},
	)...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, readyzPath, nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != "zendesk: not ready\n" {
		t.Errorf("readyz for a probe that left = %d %q", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, readyzPath, nil))
	if rec.Code != http.StatusOK {
		t.Errorf("readyz after = %d %q", rec.Code, rec.Body)
	}
	if log.String() != "" {
		t.Errorf("logged for a probe that left:\n%s", log.String())
	}
}

// TestPublicReadyzLogsATimeout: a check cut off by its deadline failed
// (the dependency did not answer in time): that is logged like any error.
// The request's deadline, already past, stands in for readyTimeout, so
// that the test waits for nothing.
func TestPublicReadyzLogsATimeout(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	mux := http.NewServeMux()
	serveHealth(mux, publicChecks(slog.New(slog.NewTextHandler(&log, nil)),
		readinessCheck{"braze", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }},
	)...)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now())
	defer cancel()
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, readyzPath, nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != "braze: not ready\n" {
		t.Errorf("readyz = %d %q", rec.Code, rec.Body)
	}
	if !strings.Contains(log.String(), "check=braze error=\"context deadline exceeded\"") {
		t.Errorf("the timeout is not logged:\n%s", log.String())
	}
}

// TestPublicReadyzFollowsTheLatestProbe: of concurrent probes, the state
// follows the latest to start. A slow probe that fails (at its deadline)
// after a newer one passed answers its own probe "not ready", but neither
// logs "not ready" nor leaves the check failing: the next passing probe
// logs no "ready again".
func TestPublicReadyzFollowsTheLatestProbe(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	entered, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	check := publicChecks(slog.New(slog.NewTextHandler(&log, nil)),
		readinessCheck{"zendesk", func(context.Context) error {
			if calls.Add(1) == 1 { // the slow probe
				close(entered)
				<-release
				return context.DeadlineExceeded
			}
			return nil
		}},
	)[0].check
	slow := make(chan error, 1)
	go func() { slow <- check(context.Background()) }()
	<-entered
	if err := check(context.Background()); err != nil {
		t.Fatalf("the newer probe = %v, want nil", err)
	}
	close(release)
	if err := <-slow; !errors.Is(err, errNotReady) {
		t.Errorf("the slow probe = %v, want errNotReady", err)
	}
	if err := check(context.Background()); err != nil {
		t.Fatalf("the probe after = %v, want nil", err)
	}
	if log.String() != "" {
		t.Errorf("logged for a slow probe older than a passing one:\n%s", log.String())
	}
}
