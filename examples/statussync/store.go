package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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

// defaultRedisPrefix is the key prefix of the flow's keys in Redis in
// real mode, unless STATUSSYNC_REDIS_PREFIX names another (one per tenant
// sharing a Redis). The demo and the load test use a prefix of their run
// alone (runPrefix), never this one.
const defaultRedisPrefix = "deskbridge:statussync:"

// redisPrefix returns STATUSSYNC_REDIS_PREFIX, or the default; a brace is
// refused, since Redis Cluster would read it as a hash tag.
func redisPrefix(getenv func(string) string) (string, error) {
	p := strings.TrimSpace(getenv("STATUSSYNC_REDIS_PREFIX"))
	if p == "" {
		return defaultRedisPrefix, nil
	}
	if strings.ContainsAny(p, "{}") {
		return "", fmt.Errorf("STATUSSYNC_REDIS_PREFIX: %q holds a brace, which Redis Cluster would read as a hash tag: use one without", p)
	}
	return p, nil
}

// runPrefix is a Redis key prefix of this run alone, such as
// "deskbridge:statussync-demo:3f9a1c0e77d2:", for the demo and the load
// test: their fake agents' ids repeat from run to run while the flow's
// records live for hours, so under a fixed prefix a second run on one
// Redis would find the first run's records (and, on a production Redis,
// the fakes would write under the service's own prefix).
func runPrefix(mode string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "deskbridge:statussync-" + mode + ":" + hex.EncodeToString(b[:]) + ":"
}

// flowStore is the store the flows share, what it is, and how to let it
// go.
type flowStore struct {
	store.Store
	ping  func(context.Context) error
	what  string
	close func()

	client *redis.Client // the Redis client, or nil (store.Memory)
}

// openStore returns the store of the Redis at redisURL (REDIS_URL), its
// keys under prefix; without it, a Redis started from redis-server on PATH
// when startRedis is set (the demo's replicas), else a store.Memory.
func openStore(ctx context.Context, redisURL, prefix string, startRedis bool) (*flowStore, error) {
	if redisURL != "" {
		opt, err := redis.ParseURL(redisURL)
		if err != nil {
			// redis.ParseURL's error quotes the URL, password included:
			// say what is wrong, never the URL.
			return nil, usageError{"REDIS_URL is not a Redis URL (want redis://[user:password@]host:port[/db])"}
		}
		// Without it go-redis ignores the context's deadline and waits
		// its own timeouts, so a webhook's deadline would not bound a
		// call to a Redis that hangs.
		opt.ContextTimeoutEnabled = true
		c := redis.NewClient(opt)
		s := redisstore.New(c, prefix)
		return &flowStore{Store: s, ping: s.Ping, what: "Redis at REDIS_URL (" + opt.Addr + "), keys under " + prefix,
			client: c, close: func() { c.Close() }}, nil
	}
	if startRedis {
		srv, err := redistest.Start(ctx)
		switch {
		case err == nil:
			c := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
			s := redisstore.New(c, prefix)
			return &flowStore{Store: s, ping: s.Ping, what: "a redis-server started from PATH on " + srv.Addr(),
				client: c, close: func() { c.Close(); srv.Close() }}, nil
		case !errors.Is(err, redistest.ErrNoRedisServer):
			return nil, err
		}
	}
	m := store.NewMemory()
	return &flowStore{Store: m, ping: m.Ping, what: "one store.Memory in this process (single-replica; set REDIS_URL to share state between replicas)", close: func() {}}, nil
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
