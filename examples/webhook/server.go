package main

// The HTTP server, with the standard library only, so that this file can be
// copied out along with main.go.

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The server's limits. Without them a client that connects and then sends
// its request one byte at a time, or sends nothing more after a response,
// holds a connection and its goroutine for as long as it likes; a few
// hundred such clients are enough to exhaust the process.
const (
	// readHeaderTimeout bounds reading a request's headers, which webhook
	// senders send at once.
	readHeaderTimeout = 5 * time.Second

	// readTimeout bounds reading a whole request, headers and body. Webhook
	// bodies are small (Zendesk caps trigger payloads at 16,000 characters,
	// the handler refuses more than 1 MiB), and Zendesk gives up on a
	// delivery after 12 s anyway. A body trickled in slower than this is cut
	// off and the handler sees a read error.
	readTimeout = 10 * time.Second

	// writeTimeout bounds what follows the headers: the handler's work
	// (calls to the vendors' APIs, with their retries) and writing the
	// answer. It is well above what a handler needs, so in practice it cuts
	// off clients that do not read their answer; a handler still running
	// when it passes can no longer answer, and the sender retries.
	writeTimeout = 30 * time.Second

	// idleTimeout bounds how long a kept-alive connection waits for its
	// next request: long enough that a sender delivering a burst reuses
	// its connection, short enough that idle connections do not pile up.
	idleTimeout = 60 * time.Second

	// shutdownTimeout is how long requests in flight get to finish once
	// the program is asked to stop (SIGINT, SIGTERM).
	shutdownTimeout = 10 * time.Second
)

// serverTimeouts are the limits of an http.Server. The program uses
// defaultTimeouts; tests use milliseconds.
type serverTimeouts struct {
	readHeader, read, write, idle time.Duration
}

var defaultTimeouts = serverTimeouts{
	readHeader: readHeaderTimeout,
	read:       readTimeout,
	write:      writeTimeout,
	idle:       idleTimeout,
}

// newHTTPServer returns a server for h with the limits t.
func newHTTPServer(h http.Handler, t serverTimeouts) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.readHeader,
		ReadTimeout:       t.read,
		WriteTimeout:      t.write,
		IdleTimeout:       t.idle,
	}
}

// serveUntilDone serves srv on ln until ctx is done, then shuts it down
// gracefully: it stops accepting connections, lets the requests in flight
// finish for up to shutdownTimeout, and closes what is left. It returns nil
// after a clean shutdown, or the error that stopped serving.
//
// main passes a context from signal.NotifyContext, so that SIGINT or
// SIGTERM (as sent by Kubernetes or systemd) stops the server this way.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err // Serve failed; it never returns nil
	case <-ctx.Done():
	}
	// ctx is done, so the shutdown gets a context of its own.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if err != nil {
		srv.Close() // requests still running after shutdownTimeout are cut off
	}
	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// The health endpoints every example serves.
const (
	healthzPath = "/healthz" // alive: the process answers
	readyzPath  = "/readyz"  // ready: the store and the vendors answer

	// readyTimeout bounds each readiness check, so that a load balancer's
	// probe gets its answer before its own timeout.
	readyTimeout = 2 * time.Second
)

// readinessCheck is one thing /readyz checks: a name shown in its answer
// ("store", "zendesk", …) and a function that fails when that dependency
// cannot serve.
type readinessCheck struct {
	name  string
	check func(context.Context) error
}

// serveHealth registers GET /healthz and GET /readyz on mux. /healthz
// answers 200 while the process runs. /readyz runs every check, each
// within readyTimeout and all at once, and answers 200 "ready" when all
// pass, else 503 with one line per failing check, so that a load balancer
// sends no deliveries to a replica whose store is down (the deliveries
// would be answered 503 anyway). The lines name the check and its error;
// the SDK's errors carry no credentials, but can name a tenant, an
// endpoint, what a vendor said: on a listener anyone can reach, pass
// checks that hide their errors and log them (the examples wrap theirs
// with publicChecks, in readyz.go).
func serveHealth(mux *http.ServeMux, checks ...readinessCheck) {
	mux.HandleFunc("GET "+healthzPath, func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET "+readyzPath, func(w http.ResponseWriter, r *http.Request) {
		failed := make([]string, len(checks))
		var wg sync.WaitGroup
		for i, c := range checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
				defer cancel()
				if err := c.check(ctx); err != nil {
					failed[i] = c.name + ": " + err.Error()
				}
			}()
		}
		wg.Wait()
		var b strings.Builder
		for _, f := range failed {
			if f != "" {
				b.WriteString(f + "\n")
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if b.Len() > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, b.String())
			return
		}
		io.WriteString(w, "ready\n")
	})
}
