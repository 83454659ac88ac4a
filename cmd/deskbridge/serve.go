package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
)

// The server's limits. Without them a client that trickles its request,
// or never reads its answer, holds a connection for as long as it likes.
const (
	readHeaderTimeout = 5 * time.Second
	// readTimeout: webhook bodies are small, and Zendesk gives up on a
	// delivery after 12 s anyway.
	readTimeout = 10 * time.Second
	// writeTimeout bounds the handler's work (vendor calls with their
	// retries) and the answer.
	writeTimeout = 30 * time.Second
	idleTimeout  = 60 * time.Second
	// shutdownTimeout is how long requests in flight get to finish on
	// SIGINT or SIGTERM.
	shutdownTimeout = 10 * time.Second
	// readyTimeout bounds each /readyz check.
	readyTimeout = 2 * time.Second
)

// readinessCheck is one thing /readyz checks.
type readinessCheck struct {
	name  string
	check func(context.Context) error
}

// flowStore is the store the flows share, how to ping it and let it go.
type flowStore struct {
	store.Store
	ping  func(context.Context) error
	what  string
	close func()
}

// openStore opens the file's store, counting its errors in metrics.
func openStore(_ context.Context, e *env) (*flowStore, error) {
	u := e.cfg.Store
	if strings.HasPrefix(u, "${") {
		u = e.secrets.get("store", Secret(u))
		if err := e.secrets.err(); err != nil {
			return nil, err
		}
	}
	if u == "" || u == "memory" {
		m := store.NewMemory()
		return &flowStore{Store: countingStore{m, e.metrics}, ping: m.Ping, what: "memory (one replica; give store: redis://… to run several)", close: func() {}}, nil
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err) // go-redis does not echo the password
	}
	opt.ContextTimeoutEnabled = true
	c := redis.NewClient(opt)
	prefix := e.cfg.StorePrefix
	if prefix == "" {
		prefix = "deskbridge:"
	}
	s := redisstore.New(c, prefix)
	return &flowStore{Store: countingStore{s, e.metrics}, ping: s.Ping, what: "Redis at " + opt.Addr, close: func() { c.Close() }}, nil
}

// serve runs every flow in one server until ctx is done.
func serve(ctx context.Context, e *env, io stdio) error {
	addr := e.cfg.Listen
	if addr == "" {
		addr = ":8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return serveOn(ctx, e, ln, io)
}

// serveOn serves every flow on ln until ctx is done; it closes ln.
func serveOn(ctx context.Context, e *env, ln net.Listener, io stdio) error {
	defer ln.Close()
	h, background, closeStore, err := buildServer(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore()
	bgCtx, stopBG := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, b := range background {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.run(bgCtx); err != nil && !errors.Is(err, context.Canceled) {
				e.log.Error("background work stopped", "flow", b.flow, "error", err)
			}
		}()
	}
	defer func() { stopBG(); wg.Wait() }()
	for _, f := range e.cfg.flows {
		e.log.Info("serving flow", "flow", f.Name, "type", f.Type, "path", f.Path+"/")
	}
	e.log.Info("listening", "addr", ln.Addr().String())
	if io.listening != nil {
		io.listening(ln.Addr().String())
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
	}
	return serveUntilDone(ctx, srv, ln)
}

// bgTask is one flow's background work (a poller, a reconciler).
type bgTask struct {
	flow string
	run  func(context.Context) error
}

// buildServer starts every flow on the file's store and returns the
// handler serving them all with /healthz, /readyz and /metrics.
func buildServer(ctx context.Context, e *env) (http.Handler, []bgTask, func(), error) {
	runners, err := e.runners()
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return nil, nil, nil, err
	}
	e.log.Info("store", "what", st.what)
	mux := http.NewServeMux()
	checks := []readinessCheck{{"store", st.ping}}
	var bg []bgTask
	var errs []string
	for i, r := range runners {
		f := e.cfg.flows[i]
		e.metrics.flowStarted(f.Name)
		run, err := r.start(ctx, st.Store, e.metrics.outcome(f.Name))
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		mux.Handle(f.Path+"/", e.metrics.timed(f.Name, http.StripPrefix(f.Path, run.handler)))
		for _, b := range run.background {
			bg = append(bg, bgTask{f.Name, b})
		}
		for _, c := range run.ready {
			if !hasCheck(checks, c.name) {
				checks = append(checks, c)
			}
		}
	}
	if len(errs) > 0 {
		st.close()
		return nil, nil, nil, errors.New(strings.Join(errs, "\n"))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", readyHandler(checks))
	mux.Handle("GET /metrics", e.metrics.handler())
	return mux, bg, st.close, nil
}

func hasCheck(cs []readinessCheck, name string) bool {
	for _, c := range cs {
		if c.name == name {
			return true
		}
	}
	return false
}

// readyHandler runs every check at once, each within readyTimeout, and
// answers 200 "ready" or 503 with one line per failing check.
func readyHandler(checks []readinessCheck) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
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
	}
}

// serveUntilDone serves srv on ln until ctx is done, then shuts down
// gracefully: no new connections, requests in flight get shutdownTimeout.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if err != nil {
		srv.Close()
	}
	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}
