package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
)

// storePrefix is the key prefix of the flow's keys in Redis.
const storePrefix = "deskbridge:statussync:"

// flowStore is the store the flows share, what it is, and how to let it
// go.
type flowStore struct {
	store.Store
	ping  func(context.Context) error
	what  string
	close func()
}

// openStore returns the store named by REDIS_URL; without it, a Redis
// started from redis-server on PATH when startRedis is set (the demo's
// replicas), else a store.Memory.
func openStore(ctx context.Context, getenv func(string) string, startRedis bool) (*flowStore, error) {
	if u := strings.TrimSpace(getenv("REDIS_URL")); u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			// redis.ParseURL's error quotes the URL, password included:
			// say what is wrong, never the URL.
			return nil, usageError{"REDIS_URL is not a Redis URL (want redis://[user:password@]host:port[/db])"}
		}
		c := redis.NewClient(opt)
		s := redisstore.New(c, storePrefix)
		return &flowStore{Store: s, ping: s.Ping, what: "Redis at REDIS_URL (" + opt.Addr + ")", close: func() { c.Close() }}, nil
	}
	if startRedis {
		srv, err := redistest.Start(ctx)
		switch {
		case err == nil:
			opt, _ := redis.ParseURL(srv.URL())
			c := redis.NewClient(opt)
			s := redisstore.New(c, storePrefix)
			return &flowStore{Store: s, ping: s.Ping, what: "a redis-server started from PATH on " + srv.Addr(),
				close: func() { c.Close(); srv.Close() }}, nil
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
