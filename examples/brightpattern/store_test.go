package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/brightpattern/scenario"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
)

// completeEnv is an environment loadConfig accepts, plus extra.
func completeEnv(extra map[string]string) func(string) string {
	env := map[string]string{"BP_SCENARIO_SECRET": "s", "ZENDESK_ACCOUNTS": "support", "ZENDESK_SUPPORT_URL": "https://acme.zendesk.com",
		"ZENDESK_SUPPORT_OAUTH_TOKEN": "t", "BP_TENANT_URL": "https://x.brightpattern.com", "BP_CLIENT_ID": "i", "BP_CLIENT_SECRET": "c"}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

// A REDIS_URL that does not parse is refused with a fixed message: the
// parser's own error quotes the URL, and with it the Redis password.
func TestOpenStoreNeverShowsTheRedisPassword(t *testing.T) {
	t.Parallel()
	const password = "s3cr3t-Pa55"
	for _, u := range []string{
		"redis://:" + password + "@localhost:notaport/0",
		"redis://user:" + password + "@localhost:6379/notadb",
		"rediss://user:" + password + "@[::1:6379",
		"http://user:" + password + "@localhost:6379",
	} {
		cfg, err := loadConfig(completeEnv(map[string]string{"REDIS_URL": u}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = openStore(cfg.redisURL, cfg.redisPrefix)
		var ce *configError
		if !errors.As(err, &ce) {
			t.Errorf("REDIS_URL %q: %v, want a configError", u, err)
			continue
		}
		if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "Pa55") {
			t.Errorf("REDIS_URL %q: the error shows the password: %v", u, err)
		}
		if !strings.Contains(err.Error(), "REDIS_URL") {
			t.Errorf("REDIS_URL %q: the error does not name REDIS_URL: %v", u, err)
		}
	}
}

// With REDIS_URL the flow keeps its state in Redis under the prefix
// (SCENARIO_REDIS_PREFIX, else the default), which replicas share; without
// it, in a store.Memory of this process.
func TestFlowStoreFromRedisURL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := loadConfig(completeEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(cfg.redisURL, cfg.redisPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st.what, "store.Memory") || cfg.redisPrefix != defaultRedisPrefix {
		t.Errorf("without REDIS_URL: %s, prefix %q", st.what, cfg.redisPrefix)
	}
	srv, err := redistest.Start(ctx)
	if errors.Is(err, redistest.ErrNoRedisServer) {
		if os.Getenv("DESKBRIDGE_REQUIRE_REDIS") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg, err = loadConfig(completeEnv(map[string]string{"REDIS_URL": srv.URL(), "SCENARIO_REDIS_PREFIX": "acme:bp:"}))
	if err != nil {
		t.Fatal(err)
	}
	st, err = openStore(cfg.redisURL, cfg.redisPrefix)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	if err := st.ping(ctx); err != nil {
		t.Fatal(err)
	}
	fc := cfg.flowConfig(nil, scenario.InboundCall(nil), nil, st, slog.New(slog.DiscardHandler))
	if fc.Store == nil {
		t.Fatal("the flow's Config.Store is nil: each replica would keep a store of its own")
	}
	if err := fc.Store.Set(ctx, "k", "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer raw.Close()
	if n, err := raw.Exists(ctx, "acme:bp:{k}").Result(); err != nil || n != 1 {
		t.Errorf("Redis holds acme:bp:{k}: %d, %v; want the flow's key under the prefix", n, err)
	}
}
