package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
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
	// EnvRequire set to "1" makes a test fail, not skip, when there is
	// neither REDIS_URL nor redis-server on PATH.
	EnvRequire = "DESKBRIDGE_REQUIRE_REDIS"
)

// Client returns a client of the Redis at REDIS_URL, with a nil [Server];
// else it starts one ([Start]) and returns it with its client. Without
// either, the test is skipped with the install hint, or fails when
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
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	srv, err := Start(ctx)
	if errors.Is(err, ErrNoRedisServer) {
		msg := "redistest: no Redis: set " + EnvURL + " or put redis-server on PATH (" + InstallHint + ")"
		if os.Getenv(EnvRequire) == "1" {
			t.Fatal(msg + "; " + EnvRequire + "=1 makes this a failure")
		}
		t.Skip(msg)
	}
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
