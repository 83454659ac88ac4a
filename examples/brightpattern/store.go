package main

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
)

// defaultRedisPrefix is the key prefix of the flow's keys in Redis, unless
// SCENARIO_REDIS_PREFIX names another.
const defaultRedisPrefix = "deskbridge:scenario:"

// sharedStore is the store the flow's replicas share, what it is (said
// in the output), its readiness check, and how to let it go.
type sharedStore struct {
	store.Store
	ping  func(context.Context) error
	what  string
	close func()
}

// openStore returns the store named by REDIS_URL (keys under prefix), else
// a store.Memory of this process (one replica).
func openStore(redisURL, prefix string) (*sharedStore, error) {
	if redisURL == "" {
		m := store.NewMemory()
		return &sharedStore{Store: m, ping: m.Ping, close: func() {},
			what: "one store.Memory in this process (single-replica; set REDIS_URL to share the state between replicas)"}, nil
	}
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		// The URL may hold a password: say what is wrong, not the URL.
		return nil, &configError{[]string{"REDIS_URL is not a Redis URL (want redis://[user:password@]host:port[/db])"}}
	}
	opt.ContextTimeoutEnabled = true
	c := redis.NewClient(opt)
	s := redisstore.New(c, prefix)
	return &sharedStore{Store: s, ping: s.Ping, close: func() { c.Close() },
		what: "Redis at REDIS_URL (" + opt.Addr + "), keys under " + prefix}, nil
}
