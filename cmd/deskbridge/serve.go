package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
)

// flowStore is where the flows keep their state, how to ping it and let
// it go. Each flow has a store of its own ([flowStore.forFlow]): two flows
// of one type, or of two tenants, never share a key.
type flowStore struct {
	// forFlow returns the store of the flow named name: a store.Memory of
	// its own, or the Redis keys under store_prefix + name + ":".
	forFlow func(name string) store.Store
	ping    func(context.Context) error
	what    string
	close   func()
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
		var mu sync.Mutex
		mems := map[string]store.Store{}
		return &flowStore{
			forFlow: func(name string) store.Store {
				mu.Lock()
				defer mu.Unlock()
				if mems[name] == nil {
					mems[name] = countingStore{store.NewMemory(), e.metrics}
				}
				return mems[name]
			},
			ping:  store.NewMemory().Ping, // a store.Memory fails only with its context
			what:  "memory (one replica; give store: redis://… to run several)",
			close: func() {},
		}, nil
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		// go-redis's error may quote the URL, and with it the password:
		// say what is wrong, never the URL.
		return nil, errors.New("store: not a Redis URL (want redis://[user:password@]host:port[/db]); the URL is not shown, it may hold a password")
	}
	opt.ContextTimeoutEnabled = true
	c := redis.NewClient(opt)
	prefix := e.cfg.StorePrefix
	if prefix == "" {
		prefix = "deskbridge:"
	}
	return &flowStore{
		forFlow: func(name string) store.Store { return countingStore{redisstore.New(c, prefix+name+":"), e.metrics} },
		ping:    redisstore.New(c, prefix).Ping,
		what:    "Redis at " + opt.Addr + ", keys under " + prefix + "<flow>:",
		close:   func() { c.Close() },
	}, nil
}

// serve runs every flow in one server until ctx is done; /metrics,
// /healthz and /readyz are served on metricsAddr when it is set, else
// beside the flows.
func serve(ctx context.Context, e *env, io stdio, metricsAddr string) error {
	addr := e.cfg.Listen
	if addr == "" {
		addr = ":8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	var mln net.Listener
	if metricsAddr != "" {
		if mln, err = net.Listen("tcp", metricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("-metrics-listen: %w", err)
		}
	}
	return serveOn(ctx, e, ln, mln, io)
}

// serveOn serves every flow on ln until ctx is done, and /metrics,
// /healthz and /readyz on mln (nil: on ln); it closes both.
func serveOn(ctx context.Context, e *env, ln, mln net.Listener, io stdio) error {
	defer ln.Close()
	h, ops, background, closeStore, err := buildServer(ctx, e, mln != nil)
	if err != nil {
		if mln != nil {
			mln.Close()
		}
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
	for _, f := range e.cfg.flows {
		e.log.Info("serving flow", "flow", f.Name, "type", f.Type, "path", f.Path+"/")
	}
	// Either server failing stops both: the flows' server without its
	// probes and metrics would serve on unseen until it stopped.
	sctx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	opsErr := make(chan error, 1)
	if mln != nil {
		e.log.Info("listening for /metrics, /healthz and /readyz", "addr", mln.Addr().String())
		go func() {
			err := serveLogged(sctx, newHTTPServer(ops, defaultTimeouts), mln, e.log.With("server", "metrics"))
			if err != nil && sctx.Err() == nil {
				e.log.Error("the server of /metrics, /healthz and /readyz failed; stopping the flows' server too",
					"addr", mln.Addr().String(), "error", err.Error())
				stopServing()
			}
			opsErr <- err
		}()
	} else {
		opsErr <- nil
	}
	e.log.Info("listening", "addr", ln.Addr().String())
	if io.listening != nil {
		io.listening(ln.Addr().String())
	}
	err = serveLogged(sctx, newHTTPServer(h, defaultTimeouts), ln, e.log)
	stopServing() // the flows' server failed or was stopped: the metrics server goes too
	err = errors.Join(err, <-opsErr)
	start := time.Now()
	stopBG()
	wg.Wait()
	// The drain time of the background work (a poll, a reconciler pass
	// ending); the requests' is in the "requests drained" record.
	e.log.Info("stopped", "drain", time.Since(start).Round(time.Millisecond).String())
	return err
}

// bgTask is one flow's background work (a poller, a reconciler).
type bgTask struct {
	flow string
	run  func(context.Context) error
}

// buildServer starts every flow on the file's store and returns the
// handler serving them all with /healthz, /readyz and /metrics; with
// split, those three are on ops instead, a handler of their own.
func buildServer(ctx context.Context, e *env, split bool) (h, ops http.Handler, bg []bgTask, closeStore func(), err error) {
	runners, err := e.runners()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	e.log.Info("store", "what", st.what)
	mux := http.NewServeMux()
	public := !split // /readyz beside the flows: vendors only, the errors logged
	checks := []readinessCheck{loggedCheck(readinessCheck{"store", st.ping}, e.log, public)}
	var errs []string
	for i, r := range runners {
		f := e.cfg.flows[i]
		e.metrics.flowStarted(f.Name)
		run, err := r.start(ctx, st.forFlow(f.Name), e.metrics.outcome(f.Name))
		if err != nil {
			errs = append(errs, e.cfg.explain(f.Name, err))
			continue
		}
		h := e.metrics.timed(f.Name, http.StripPrefix(f.Path, run.handler))
		mux.Handle(f.Path+"/", h)
		// The flow's path itself is its root: a Fetch URL block or a Studio
		// script may be given the path without a trailing slash.
		mux.Handle(f.Path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = f.Path+"/", ""
			h.ServeHTTP(w, r2)
		}))
		for _, b := range run.background {
			bg = append(bg, bgTask{f.Name, b})
		}
		for _, c := range run.ready {
			if !hasCheck(checks, c.name) {
				checks = append(checks, cachedCheck(loggedCheck(c, e.log, public), e.readyTTL, time.Now))
			}
		}
	}
	if len(errs) > 0 {
		st.close()
		return nil, nil, nil, nil, errors.New(strings.Join(errs, "\n"))
	}
	opsMux := mux
	if split {
		opsMux = http.NewServeMux()
	} else {
		checks = byKind(checks) // beside the flows: "zendesk", never a tenant
	}
	serveHealth(opsMux, checks...) // GET /healthz and /readyz, as every example serves them
	opsMux.Handle("GET /metrics", e.metrics.handler())
	if split {
		return mux, opsMux, bg, st.close, nil
	}
	return mux, nil, bg, st.close, nil
}

func hasCheck(cs []readinessCheck, name string) bool {
	for _, c := range cs {
		if c.name == name {
			return true
		}
	}
	return false
}

// serveLogged is serveUntilDone (server.go, the examples' copy, kept
// byte for byte) with the shutdown logged: "shutting down" when ctx ends,
// then "requests drained" with the time the requests in flight took, or a
// warning when some were cut off after the grace period.
func serveLogged(ctx context.Context, srv *http.Server, ln net.Listener, log *slog.Logger) error {
	// The server stops on inner, which ends only once "shutting down" is
	// logged, so that the log reads in order.
	inner, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	var start atomic.Int64
	go func() {
		select {
		case <-ctx.Done():
			start.Store(time.Now().UnixNano())
			log.Info("shutting down", "addr", ln.Addr().String(), "grace", shutdownTimeout.String())
			cancel()
		case <-inner.Done():
		}
	}()
	err := serveUntilDone(inner, srv, ln)
	if at := start.Load(); at != 0 {
		drain := time.Since(time.Unix(0, at)).Round(time.Millisecond).String()
		if err != nil {
			log.Warn("requests still running after the grace period were cut off", "drain", drain, "error", err.Error())
		} else {
			log.Info("requests drained", "drain", drain)
		}
	}
	return err
}
