package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Environment variables [Client] reads.
const (
	// EnvURL names a Redis to use instead of starting one, such as
	// "redis://:password@127.0.0.1:6379/0". Nothing in it is flushed:
	// tests keep to their [Prefix].
	EnvURL = "REDIS_URL"
	// EnvRequire set to "1" makes a test fail, not skip, when it needs a
	// Redis and there is none: see [Require].
	EnvRequire = "DESKBRIDGE_REQUIRE_REDIS"
)

// Require is the one policy of a test that needs redis-server: it returns
// when redis-server is on PATH; else it skips the test with the install
// hint, or, when DESKBRIDGE_REQUIRE_REDIS=1 (as in CI, where a skip would
// hide that the Redis tests never ran), fails it. [Client] applies it when
// REDIS_URL is unset; a test that starts its own server ([Start],
// [StartCluster]) calls it first:
//
//	redistest.Require(t)
//	srv, err := redistest.StartCluster(ctx)
//	if err != nil {
//		t.Fatal(err)
//	}
func Require(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err == nil {
		return
	}
	msg := "redistest: " + ErrNoRedisServer.Error() + " (tests through redistest.Client can use a Redis at " + EnvURL + " instead)"
	if os.Getenv(EnvRequire) == "1" {
		t.Fatal(msg + "; failing, not skipping, because " + EnvRequire + "=1")
	}
	t.Skip(msg + "; set " + EnvRequire + "=1 to make this a failure")
}

// Client returns a client of the Redis at REDIS_URL, with a nil [Server];
// else it starts one ([Start]) and returns it with its client. Without
// either, [Require] skips the test with the install hint, or fails it when
// DESKBRIDGE_REQUIRE_REDIS=1. The client has ContextTimeoutEnabled; the
// client and the server are closed when the test ends.
func Client(t testing.TB) (*redis.Client, *Server) {
	t.Helper()
	if url := os.Getenv(EnvURL); url != "" {
		opts, err := redis.ParseURL(url)
		if err != nil {
			// The URL may hold a password: say what is wrong, not the URL.
			t.Fatalf("redistest: %s is not a Redis URL (want redis://[user:password@]host:port[/db])", EnvURL)
		}
		opts.ContextTimeoutEnabled = true
		c := redis.NewClient(opts)
		t.Cleanup(func() { _ = c.Close() })
		return c, nil
	}
	Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	srv, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() {
		_ = c.Close()
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return c, srv
}

// Prefix returns a key prefix unique to this test and run, such as
// "deskbridgetest:TestX_sub:3f9a1c0e77d2:", for a Redis shared through
// REDIS_URL. It holds no brace, so it suits redisstore.New.
func Prefix(t testing.TB) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := strings.Map(func(r rune) rune {
		switch r {
		case '{', '}', '/', ' ', ':':
			return '_'
		}
		return r
	}, t.Name())
	return "deskbridgetest:" + name + ":" + hex.EncodeToString(b[:]) + ":"
}
