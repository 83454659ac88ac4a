package redistest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
)

func TestStartStopRestartClose(t *testing.T) {
	redistest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, err := redistest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") || srv.URL() != "redis://"+srv.Addr() {
		t.Fatalf("Addr = %q, URL = %q", srv.Addr(), srv.URL())
	}
	opts, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	if err := c.Set(ctx, "k", "v", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	if err := c.Ping(short).Err(); err == nil {
		t.Fatal("PING of a stopped server succeeded")
	}
	cancelShort()
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
	if err := c.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET after Restart = %v, want redis.Nil (nothing saved to disk)", err)
	}
	if err := srv.Restart(ctx); err != nil { // while running
		t.Fatal(err)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after a second Restart: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestStartWithoutRedisServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := redistest.Start(context.Background())
	if !errors.Is(err, redistest.ErrNoRedisServer) {
		t.Fatalf("err = %v, want ErrNoRedisServer", err)
	}
	if !strings.Contains(err.Error(), "apt-get install -y redis-server") || !strings.Contains(err.Error(), "brew install redis") {
		t.Fatalf("err = %q, want the install hint", err)
	}
}

func TestStartHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := redistest.Start(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with a cancelled context: err = %v, want context.Canceled", err)
	}
}

func TestPrefix(t *testing.T) {
	t.Run("with {braces}/and:colons", func(t *testing.T) {
		a, b := redistest.Prefix(t), redistest.Prefix(t)
		if a == b {
			t.Fatalf("two prefixes are both %q", a)
		}
		if strings.ContainsAny(a, "{}") || !strings.HasPrefix(a, "deskbridgetest:TestPrefix_with__braces__and_colons:") || !strings.HasSuffix(a, ":") {
			t.Fatalf("Prefix = %q", a)
		}
	})
}

func TestClient(t *testing.T) {
	c, srv := redistest.Client(t)
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	if srv != nil && c.Options().Addr != srv.Addr() {
		t.Fatalf("client of %s, server at %s", c.Options().Addr, srv.Addr())
	}
	if !c.Options().ContextTimeoutEnabled {
		t.Fatal("the client ignores context deadlines")
	}
}

// Without redis-server (and REDIS_URL), Require and Client skip with the
// install hint; with DESKBRIDGE_REQUIRE_REDIS=1 they fail instead. Run in
// a child process whose PATH holds no redis-server.
func TestRequireWithoutRedis(t *testing.T) {
	switch os.Getenv("REDISTEST_CHILD") {
	case "Require":
		redistest.Require(t)
		t.Fatal("Require returned without redis-server")
	case "Client":
		redistest.Client(t)
		t.Fatal("Client returned without a Redis")
	}
	for _, helper := range []string{"Require", "Client"} {
		for _, c := range []struct {
			require, want, says string
		}{
			{"", "--- SKIP: TestRequireWithoutRedis", "set DESKBRIDGE_REQUIRE_REDIS=1 to make this a failure"},
			{"1", "--- FAIL: TestRequireWithoutRedis", "failing, not skipping, because DESKBRIDGE_REQUIRE_REDIS=1"},
		} {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRequireWithoutRedis$", "-test.v")
			cmd.Env = append(os.Environ(), "REDISTEST_CHILD="+helper, "PATH="+t.TempDir(), "REDIS_URL=", "DESKBRIDGE_REQUIRE_REDIS="+c.require)
			out, _ := cmd.CombinedOutput()
			for _, want := range []string{c.want, c.says, "apt-get install -y redis-server", "brew install redis", "REDIS_URL"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("%s with DESKBRIDGE_REQUIRE_REDIS=%q: want %q in the output:\n%s", helper, c.require, want, out)
				}
			}
		}
	}
}
