package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
)

// storeEnv is an env whose file names store (a "${REDIS_URL}" read from
// redisURL).
func storeEnv(t *testing.T, storeURL, redisURL string) *env {
	t.Helper()
	return newEnv(&Config{Store: storeURL, StorePrefix: "acme:"}, func(k string) string {
		if k == "REDIS_URL" {
			return redisURL
		}
		return ""
	}, slog.New(slog.DiscardHandler), newMetrics())
}

// A store URL that does not parse is refused with a fixed message: the
// parser's own error may quote the URL, and with it the Redis password.
func TestOpenStoreNeverShowsTheRedisPassword(t *testing.T) {
	t.Parallel()
	const password = "s3cr3t-Pa55"
	for _, u := range []string{
		"redis://:" + password + "@localhost:notaport/0",
		"redis://user:" + password + "@localhost:6379/notadb",
		"rediss://user:" + password + "@[::1:6379",
		"http://user:" + password + "@localhost:6379",
	} {
		_, err := openStore(context.Background(), storeEnv(t, "${REDIS_URL}", u))
		if err == nil {
			t.Errorf("REDIS_URL %q: no error", u)
			continue
		}
		if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "Pa55") {
			t.Errorf("REDIS_URL %q: the error shows the password: %v", u, err)
		}
		if !strings.HasPrefix(err.Error(), "store: ") {
			t.Errorf("REDIS_URL %q: the error does not name the store: %v", u, err)
		}
	}
}

// Two flows of one type (or one flow type for two tenants) keep their
// state apart: each flow's store sees none of the other's keys, in memory
// and in Redis (where each has its own prefix under store_prefix).
func TestEachFlowHasItsOwnStore(t *testing.T) {
	for _, name := range []string{"memory", "redis"} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			e := storeEnv(t, "memory", "")
			if name == "redis" {
				redistest.Require(t) // skips with the install hint, or fails under DESKBRIDGE_REQUIRE_REDIS=1
				srv, err := redistest.Start(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer srv.Close()
				e = storeEnv(t, "${REDIS_URL}", srv.URL())
			}
			st, err := openStore(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			defer st.close()
			a, b := st.forFlow("eu"), st.forFlow("us")
			if err := a.Set(ctx, "memorialize:cursor", "eu's", time.Minute); err != nil {
				t.Fatal(err)
			}
			if v, ok, err := b.Get(ctx, "memorialize:cursor"); err != nil || ok {
				t.Errorf("flow us reads flow eu's key: %q %v %v", v, ok, err)
			}
			if ok, err := b.Add(ctx, "memorialize:cursor", "us's", time.Minute); err != nil || !ok {
				t.Errorf("flow us cannot add the key flow eu holds: %v %v", ok, err)
			}
			if v, _, err := st.forFlow("eu").Get(ctx, "memorialize:cursor"); err != nil || v != "eu's" {
				t.Errorf("flow eu's key, read again: %q %v", v, err)
			}
			if err := st.ping(ctx); err != nil {
				t.Errorf("ping: %v", err)
			}
		})
	}
}

// A store the file gives that is neither memory nor a Redis URL is not
// quoted when it may hold a password (a mistyped scheme).
func TestStoreProblemNeverShowsAPassword(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"redis//:s3cr3t-Pa55@host:6379", "http://u:s3cr3t-Pa55@host", "redis://:s3cr3t-Pa55@host:notaport/0"} {
		_, err := ParseConfig("f.yaml", []byte("store: \""+s+"\"\n"))
		if err == nil || !strings.Contains(err.Error(), "store") {
			t.Errorf("store %q: %v, want a problem naming store", s, err)
			continue
		}
		if strings.Contains(err.Error(), "Pa55") {
			t.Errorf("store %q: the problem shows the password: %v", s, err)
		}
	}
	if _, err := ParseConfig("f.yaml", []byte("store: memroy\n")); err == nil || !strings.Contains(err.Error(), `"memroy"`) {
		t.Errorf("store memroy: %v, want the value quoted", err)
	}
}
