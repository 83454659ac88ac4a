package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
)

// defaultRedisPrefix is the key prefix of the flow's keys in Redis, unless
// MEMORIALIZE_REDIS_PREFIX names another (one per tenant sharing a Redis).
const defaultRedisPrefix = "deskbridge:memorialize:"

// sharedStore is the store the flow's replicas share, what it is (said
// in the output), its readiness check, and how to let it go.
type sharedStore struct {
	store.Store
	ping  func(context.Context) error
	what  string
	close func()
}

// openStore returns the store named by REDIS_URL (keys under prefix);
// without it, a Redis started from redis-server on PATH when startRedis is
// set (the demo's replicas), else a store.Memory of this process.
func openStore(ctx context.Context, redisURL, prefix string, startRedis bool) (*sharedStore, error) {
	if redisURL != "" {
		opt, err := redis.ParseURL(redisURL)
		if err != nil {
			// The URL may hold a password: say what is wrong, not the URL.
			return nil, &configError{[]string{"REDIS_URL is not a Redis URL (want redis://[user:password@]host:port[/db])"}}
		}
		opt.ContextTimeoutEnabled = true
		c := redis.NewClient(opt)
		s := redisstore.New(c, prefix)
		return &sharedStore{Store: s, ping: s.Ping, what: "Redis at REDIS_URL (" + opt.Addr + "), keys under " + prefix,
			close: func() { c.Close() }}, nil
	}
	if startRedis {
		srv, err := redistest.Start(ctx)
		switch {
		case err == nil:
			c := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
			s := redisstore.New(c, prefix)
			return &sharedStore{Store: s, ping: s.Ping, what: "Redis: a redis-server started from PATH on " + srv.Addr(),
				close: func() { c.Close(); srv.Close() }}, nil
		case !errors.Is(err, redistest.ErrNoRedisServer):
			return nil, fmt.Errorf("starting redis-server: %w", err)
		}
	}
	m := store.NewMemory()
	what := "one store.Memory in this process (single-replica; set REDIS_URL to share the state between replicas)"
	if startRedis {
		what = "one store.Memory shared by the replicas in this process (no REDIS_URL, no redis-server on PATH)"
	}
	return &sharedStore{Store: m, ping: m.Ping, what: what, close: func() {}}, nil
}

// roundRobin hands each request to the next handler in turn, as a load
// balancer in front of replicas does.
type roundRobin struct {
	handlers []http.Handler
	next     atomic.Uint64
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := rr.next.Add(1) - 1
	rr.handlers[i%uint64(len(rr.handlers))].ServeHTTP(w, r)
}

// redisPrefix returns MEMORIALIZE_REDIS_PREFIX, or the default.
func redisPrefix(getenv func(string) string) string {
	if p := strings.TrimSpace(getenv("MEMORIALIZE_REDIS_PREFIX")); p != "" {
		return p
	}
	return defaultRedisPrefix
}
