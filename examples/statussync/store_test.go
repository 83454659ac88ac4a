package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// A REDIS_URL that does not parse is refused with a fixed message: the
// parser's own error quotes the URL, and with it the Redis password.
func TestOpenStoreNeverShowsTheRedisPassword(t *testing.T) {
	t.Parallel()
	const password = "s3cr3t-Pa55"
	for _, u := range []string{
		"redis://:" + password + "@localhost:notaport",
		"redis://user:" + password + "@localhost:6379/notadb",
		"rediss://user:" + password + "@[::1:6379",
		"http://user:" + password + "@localhost:6379",
	} {
		_, err := openStore(context.Background(), u, defaultRedisPrefix, false)
		if err == nil {
			t.Errorf("REDIS_URL %q: no error", u)
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

// The Redis client honours the context's deadline (ContextTimeoutEnabled):
// without it go-redis waits its own read and write timeouts, and a Redis
// that hangs holds a webhook past the sender's patience. Building the
// client does not connect.
func TestOpenStoreHonoursContextDeadlines(t *testing.T) {
	t.Parallel()
	st, err := openStore(t.Context(), "redis://127.0.0.1:1/0", "p:", false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	if st.client == nil || !st.client.Options().ContextTimeoutEnabled {
		t.Error("the client of REDIS_URL ignores context deadlines (ContextTimeoutEnabled is false)")
	}
	redistest.Require(t)
	st, err = openStore(t.Context(), "", "p:", true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	if st.client == nil || !st.client.Options().ContextTimeoutEnabled {
		t.Errorf("the client of the started redis-server (%s) ignores context deadlines", st.what)
	}
}

// STATUSSYNC_REDIS_PREFIX names the prefix of the real mode's keys, one per
// tenant sharing a Redis; a brace, a hash tag to Redis Cluster, is refused.
func TestRedisPrefixFromTheEnvironment(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ set, want, problem string }{
		{"", defaultRedisPrefix, ""},
		{" acme:ss: ", "acme:ss:", ""},
		{"{acme}:", "", `STATUSSYNC_REDIS_PREFIX: "{acme}:" holds a brace`},
	} {
		got, err := redisPrefix(envMap(map[string]string{"STATUSSYNC_REDIS_PREFIX": c.set}))
		if got != c.want || (err == nil) != (c.problem == "") || err != nil && !strings.Contains(err.Error(), c.problem) {
			t.Errorf("STATUSSYNC_REDIS_PREFIX=%q: %q, %v; want %q, %q", c.set, got, err, c.want, c.problem)
		}
	}
	if a, b := runPrefix("demo"), runPrefix("demo"); a == b || !strings.HasPrefix(a, "deskbridge:statussync-demo:") || strings.ContainsAny(a, "{}") {
		t.Errorf("runPrefix: %q then %q; want two prefixes of their own, without a brace", a, b)
	}
}

// The demo runs again, and again through three replicas, on one Redis: a
// run must not meet the records of the one before (the fake agents' ids
// repeat and the records live for hours), as it did when every run used
// the real mode's prefix ("the scenario showed no baseline taken by the
// poller" from the second run on). Nor does the demo write under that
// prefix, where a production Redis holds the service's records. On a
// shared Redis (REDIS_URL) the test deletes the keys its runs wrote, and
// only those: the demo's records live for hours.
func TestDemoRunsAgainOnOneRedis(t *testing.T) {
	t.Parallel()
	client, srv := redistest.Client(t)
	url := os.Getenv(redistest.EnvURL)
	if srv != nil {
		url = srv.URL()
	}
	var runs []string // each run's prefix, as its output names it
	for i, replicas := range []int{1, 1, 3, 3} {
		var out bytes.Buffer
		forgetRunKeys(t, &out)
		if err := runDemo(t.Context(), &out, replicas, url); err != nil {
			t.Fatalf("run %d (-replicas %d) on one Redis: %v\n%s", i+1, replicas, err, out.String())
		}
		p := prefixesIn(out.String())
		if len(p) != 1 {
			t.Fatalf("run %d does not say where its keys are:\n%s", i+1, out.String())
		}
		runs = append(runs, p[0])
		if replicas > 1 && !strings.Contains(out.String(), "their shared state: Redis at REDIS_URL") {
			t.Errorf("run %d does not say it shares the Redis at REDIS_URL:\n%s", i+1, out.String())
		}
	}
	for i, p := range runs {
		if !strings.HasPrefix(p, "deskbridge:statussync-demo:") || strings.HasPrefix(p, defaultRedisPrefix) || slices.Contains(runs[:i], p) {
			t.Errorf("run %d kept its keys under %q; want a prefix of its own, outside %s", i+1, p, defaultRedisPrefix)
		}
		if n, err := client.Keys(t.Context(), p+"*").Result(); err != nil || len(n) == 0 {
			t.Errorf("run %d wrote no keys under %s (%v)", i+1, p, err)
		}
	}
	if srv == nil {
		return // a shared Redis may hold anything under the real prefix
	}
	keys, err := client.Keys(t.Context(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	prefixes := map[string]bool{}
	for _, k := range keys {
		if strings.HasPrefix(k, defaultRedisPrefix) {
			t.Errorf("the demo wrote %q under the real mode's prefix", k)
		}
		if rest, ok := strings.CutPrefix(k, "deskbridge:statussync-demo:"); ok {
			prefixes[rest[:strings.Index(rest, ":")]] = true
		}
	}
	if len(prefixes) != 4 {
		t.Errorf("the demo's keys are under %d run prefixes, want 4 (one per run): %v", len(prefixes), keys)
	}
}

// forgetRunKeys deletes, when t ends, what the runs whose output is
// written to outs kept in the Redis at REDIS_URL: the prefixes their
// outputs name ("keys under <prefix>"), and only those, as another run
// may be using the same Redis. Their records would live for hours. Without
// REDIS_URL a run keeps its state in memory, or in a redis-server it
// starts and stops.
func forgetRunKeys(t *testing.T, outs ...*bytes.Buffer) {
	url := os.Getenv(redistest.EnvURL)
	if url == "" {
		return
	}
	t.Cleanup(func() {
		var prefixes []string
		for _, out := range outs {
			prefixes = append(prefixes, prefixesIn(out.String())...)
		}
		if len(prefixes) == 0 {
			return
		}
		opts, err := redis.ParseURL(url)
		if err != nil {
			t.Errorf("%s is not a Redis URL: the runs' keys are left", redistest.EnvURL)
			return
		}
		c := redis.NewClient(opts)
		defer c.Close()
		deleteUnder(t, c, prefixes, "deskbridge:statussync-demo:", "deskbridge:statussync-load:")
	})
}

// prefixesIn returns the Redis prefixes a run's output names: each
// "Redis at REDIS_URL (<address>), keys under <prefix>".
func prefixesIn(out string) []string {
	var prefixes []string
	for _, line := range strings.Split(out, "\n") {
		_, rest, ok := strings.Cut(line, "Redis at REDIS_URL (")
		if !ok {
			continue
		}
		if _, rest, ok = strings.Cut(rest, "), keys under "); ok && len(strings.Fields(rest)) > 0 {
			prefixes = append(prefixes, strings.Fields(rest)[0])
		}
	}
	return prefixes
}

// deleteUnder deletes every key under each of prefixes (which hold no
// glob character) from the Redis c, listing them with SCAN, which unlike
// KEYS does not block a shared Redis while it looks. A prefix is read from
// a run's output: unless it is a run's own, one of runBases followed by
// the run's id, t fails and nothing is deleted, so that a misread output
// cannot empty a production prefix, or every run's.
func deleteUnder(t *testing.T, c *redis.Client, prefixes []string, runBases ...string) {
	t.Helper()
	for _, p := range prefixes {
		if !slices.ContainsFunc(runBases, func(base string) bool {
			return len(p) > len(base) && strings.HasPrefix(p, base)
		}) || strings.ContainsAny(p, "*?[]\\") {
			t.Fatalf("refusing to delete the keys under %q: not a run's own prefix (one of %q, then the run's id)", p, runBases)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // t's context has ended
	defer cancel()
	for _, p := range prefixes {
		iter := c.Scan(ctx, 0, p+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("listing the run's keys under %s to delete them: %v", p, err)
			continue
		}
		if len(keys) > 0 {
			if err := c.Del(ctx, keys...).Err(); err != nil {
				t.Errorf("deleting the run's keys under %s: %v", p, err)
			}
		}
	}
}

// The real mode keeps its keys under STATUSSYNC_REDIS_PREFIX in the Redis
// at REDIS_URL, and /readyz answers 503 naming the store while that Redis
// is down, 200 once it is back.
func TestServeOnRedisReadyzNamesTheStore(t *testing.T) {
	t.Parallel()
	redistest.Require(t)
	srv, err := redistest.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	s := serveFakes(t, map[string]string{"REDIS_URL": srv.URL(), "STATUSSYNC_REDIS_PREFIX": "acme:ss:"})
	t.Cleanup(func() { _ = s.stop() })
	if want := "state: Redis at REDIS_URL (" + srv.Addr() + "), keys under acme:ss:"; !strings.Contains(s.out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, s.out.String())
	}
	if err := s.zd.SetAgentStatus(s.zid, zendesktest.StatusAway); err != nil {
		t.Fatal(err)
	}
	if err := s.zd.WaitDeliveries(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := s.bf.Presence(s.agent.ID); got != "away" {
		t.Errorf("babelforce presence %q", got)
	}
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer raw.Close()
	if keys, err := raw.Keys(t.Context(), "*").Result(); err != nil || len(keys) == 0 {
		t.Errorf("Redis keys: %v, %v; want the flow's", keys, err)
	} else {
		for _, k := range keys {
			if !strings.HasPrefix(k, "acme:ss:") {
				t.Errorf("key %q is not under STATUSSYNC_REDIS_PREFIX", k)
			}
		}
	}

	if status, body := getBody(t, s.base+readyzPath); status != http.StatusOK || body != "ready\n" {
		t.Errorf("readyz: %d %q", status, body)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if status, body := getBody(t, s.base+readyzPath); status != http.StatusServiceUnavailable || body != "store: not ready\n" {
		t.Errorf("readyz with Redis down: %d %q; want 503 naming the store alone", status, body)
	}
	if log := s.out.String(); !strings.Contains(log, "msg=\"not ready\" check=store error=") {
		t.Errorf("the log does not say why the store is not ready:\n%s", log)
	}
	if err := srv.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	if status, body := getBody(t, s.base+readyzPath); status != http.StatusOK {
		t.Errorf("readyz with Redis back: %d %q", status, body)
	}
}
