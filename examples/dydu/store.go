package main

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
)

// defaultRedisPrefix is the key prefix of the bridge's keys in Redis,
// unless ESCALATION_REDIS_PREFIX names another (one per tenant sharing a
// Redis).
const defaultRedisPrefix = "deskbridge:escalation:"

// redisPrefix returns ESCALATION_REDIS_PREFIX, or the default.
func redisPrefix(getenv func(string) string) string {
	if p := strings.TrimSpace(getenv("ESCALATION_REDIS_PREFIX")); p != "" {
		return p
	}
	return defaultRedisPrefix
}

// sharedStore is the store the bridge's replicas share, what it is (said
// in the output), its readiness check, and how to let it go.
type sharedStore struct {
	store.Store
	ping  func(context.Context) error
	what  string
	close func()
}

// openStore returns a Redis store at redisURL (keys under prefix), or
// without one a store.Memory of this process.
func openStore(redisURL, prefix string) (*sharedStore, error) {
	if redisURL != "" {
		opt, err := redis.ParseURL(redisURL)
		if err != nil {
			// The URL may hold a password: say what is wrong, not the URL.
			return nil, &configError{[]string{"REDIS_URL is not a Redis URL (want redis://[user:password@]host:port[/db])"}}
		}
		opt.ContextTimeoutEnabled = true
		c := redis.NewClient(opt)
		s := redisstore.New(c, prefix)
		return &sharedStore{Store: s, ping: s.Ping, what: "Redis at REDIS_URL (" + opt.Addr + "), keys under " + prefix, close: func() { c.Close() }}, nil
	}
	m := store.NewMemory()
	return &sharedStore{Store: m, ping: m.Ping, what: "one store.Memory in this process (single-replica; set REDIS_URL to share the state between replicas)",
		close: func() {}}, nil
}
