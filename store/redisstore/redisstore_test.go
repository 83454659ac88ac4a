package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
	"github.com/deskbridge/deskbridge/store/storetest"
)

// quietLogger drops go-redis's log lines (a failed dial while a test has
// stopped Redis on purpose).
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	redis.SetLogger(quietLogger{})
	os.Exit(m.Run())
}

func TestConformance(t *testing.T) {
	client, _ := redistest.Client(t)
	prefix := redistest.Prefix(t)
	storetest.Run(t, func(*testing.T) store.Store { return redisstore.New(client, prefix) })
}

// A client without ContextTimeoutEnabled: the Store bounds each call by
// the context itself.
func TestConformanceGuarded(t *testing.T) {
	client, _ := redistest.Client(t)
	opts := like(client)
	opts.ContextTimeoutEnabled = false
	guarded := redis.NewClient(opts)
	t.Cleanup(func() { _ = guarded.Close() })
	prefix := redistest.Prefix(t)
	storetest.Run(t, func(*testing.T) store.Store { return redisstore.New(guarded, prefix) })
}

// like returns options for another client of c's Redis. (Reusing c's
// options makes go-redis log a conflict of push-notification handlers.)
func like(c *redis.Client) *redis.Options {
	o := c.Options()
	return &redis.Options{Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig, ContextTimeoutEnabled: o.ContextTimeoutEnabled}
}

// recorder is a go-redis hook that records the commands sent.
type recorder struct {
	mu   sync.Mutex
	cmds [][]any
	fail error // when set, every command fails with it unsent
}

func (r *recorder) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *recorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.mu.Lock()
		r.cmds = append(r.cmds, cmd.Args())
		fail := r.fail
		r.mu.Unlock()
		if fail != nil {
			cmd.SetErr(fail)
			return fail
		}
		return next(ctx, cmd)
	}
}

func (r *recorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.mu.Lock()
		for _, c := range cmds {
			r.cmds = append(r.cmds, c.Args())
		}
		r.mu.Unlock()
		return next(ctx, cmds)
	}
}

// take returns the commands recorded since the last take.
func (r *recorder) take() [][]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	cmds := r.cmds
	r.cmds = nil
	return cmds
}

// recorded returns a Store whose client records its commands.
func recorded(t *testing.T) (*redisstore.Store, *recorder, string) {
	t.Helper()
	client, _ := redistest.Client(t)
	rec := &recorder{}
	c := redis.NewClient(like(client))
	c.AddHook(rec)
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil { // connect first
		t.Fatal(err)
	}
	rec.take()
	prefix := redistest.Prefix(t)
	return redisstore.New(c, prefix), rec, prefix
}

// Every operation is one command, hence one round trip, and every key sent
// is the prefix then the store key as a hash tag.
func TestOneRoundTripAndHashTags(t *testing.T) {
	s, rec, prefix := recorded(t)
	ctx := context.Background()
	// The first SetIfNewer on this client may load the script (EVALSHA,
	// NOSCRIPT, EVAL); later calls are one EVALSHA.
	if _, err := s.SetIfNewer(ctx, "warm", 1, "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.take()); n < 1 || n > 2 {
		t.Fatalf("the first SetIfNewer sent %d commands, want 1 (EVALSHA) or 2 (EVALSHA, EVAL)", n)
	}
	if _, err := s.DeleteIf(ctx, "warm", "v"); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.take()); n < 1 || n > 2 {
		t.Fatalf("the first DeleteIf sent %d commands, want 1 (EVALSHA) or 2 (EVALSHA, EVAL)", n)
	}
	key := "agent:42}x{y" // a key with braces of its own
	ops := []struct {
		name string
		cmd  string
		run  func() error
	}{
		{"Set", "set", func() error { return s.Set(ctx, key, "v", 1500*time.Millisecond) }},
		{"Get", "get", func() error { _, _, err := s.Get(ctx, key); return err }},
		{"Add", "set", func() error { _, err := s.Add(ctx, key, "v", time.Minute); return err }},
		{"SetIfNewer", "evalsha", func() error { _, err := s.SetIfNewer(ctx, key, 7, "v", time.Minute); return err }},
		{"Delete", "del", func() error { return s.Delete(ctx, key) }},
		{"DeleteIf", "evalsha", func() error { _, err := s.DeleteIf(ctx, key, "v"); return err }},
		{"Ping", "ping", func() error { return s.Ping(ctx) }},
	}
	for _, op := range ops {
		if err := op.run(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		cmds := rec.take()
		if len(cmds) != 1 {
			t.Errorf("%s sent %d commands %v, want 1", op.name, len(cmds), cmds)
			continue
		}
		args := cmds[0]
		if name, _ := args[0].(string); strings.ToLower(name) != op.cmd {
			t.Errorf("%s sent %v, want %s", op.name, args, strings.ToUpper(op.cmd))
		}
		if op.name == "Ping" {
			continue
		}
		keyAt := 1
		if op.cmd == "evalsha" {
			keyAt = 3 // EVALSHA sha numkeys key …
		}
		got, _ := args[keyAt].(string)
		if want := prefix + "{" + key + "}"; got != want {
			t.Errorf("%s sent key %q, want %q", op.name, got, want)
		}
		if tag := hashTag(got); tag != "agent:42" {
			t.Errorf("%s: key %q has hash tag %q, want %q (from the store key, not the prefix)", op.name, got, tag, "agent:42")
		}
	}
}

// hashTag returns what Redis Cluster hashes of key: the text between the
// first "{" and the first "}" after it, when not empty; else "".
func hashTag(key string) string {
	i := strings.IndexByte(key, '{')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(key[i+1:], '}')
	if j <= 0 {
		return ""
	}
	return key[i+1 : i+1+j]
}

func TestTTLOnTheWire(t *testing.T) {
	s, rec, _ := recorded(t)
	ctx := context.Background()
	cases := []struct {
		ttl  time.Duration
		want []string // the expiry arguments sent
	}{
		{1500 * time.Millisecond, []string{"px", "1500"}},
		{500 * time.Microsecond, []string{"px", "1"}}, // rounded up, never 0
		{1001 * time.Microsecond, []string{"px", "2"}},
		{time.Minute, []string{"ex", "60"}},
	}
	for _, c := range cases {
		if err := s.Set(ctx, "k", "v", c.ttl); err != nil {
			t.Fatalf("Set with TTL %v: %v", c.ttl, err)
		}
		args := rec.take()[0]
		got := []string{strings.ToLower(argString(args[3])), argString(args[4])}
		if got[0] != c.want[0] || got[1] != c.want[1] {
			t.Errorf("Set with TTL %v sent %v, want %v", c.ttl, args[3:], c.want)
		}
		if _, err := s.Add(ctx, "a", "v", c.ttl); err != nil {
			t.Fatal(err)
		}
		_ = s.Delete(ctx, "a")
		rec.take()
	}
}

func argString(a any) string { return fmt.Sprint(a) }

// The value layout is what the package documents.
func TestValueLayout(t *testing.T) {
	client, _ := redistest.Client(t)
	s := redisstore.New(client, redistest.Prefix(t))
	ctx := context.Background()
	_ = s.Set(ctx, "set", "done", time.Minute)
	_, _ = s.Add(ctx, "add", "claim", time.Minute)
	_, _ = s.SetIfNewer(ctx, "ver", 1765000000000000000, "away", time.Minute)
	for key, want := range map[string]string{"set": "0:done", "add": "0:claim", "ver": "1765000000000000000:away"} {
		got, err := client.Get(ctx, s.Key(key)).Result()
		if err != nil || got != want {
			t.Errorf("Redis value of %q = %q, %v; want %q", key, got, err, want)
		}
		if ttl := client.PTTL(ctx, s.Key(key)).Val(); ttl <= 0 || ttl > time.Minute {
			t.Errorf("PTTL of %q = %v, want (0, 1m]", key, ttl)
		}
	}
}

// A key written by another program under the prefix is reported, not
// misread, and is not a transient failure.
func TestForeignValue(t *testing.T) {
	client, _ := redistest.Client(t)
	s := redisstore.New(client, redistest.Prefix(t))
	ctx := context.Background()
	for _, raw := range []string{"no colon", "x:y", ""} {
		if err := client.Set(ctx, s.Key("k"), raw, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		_, _, gerr := s.Get(ctx, "k")
		_, serr := s.SetIfNewer(ctx, "k", 1, "v", time.Minute)
		_, derr := s.DeleteIf(ctx, "k", raw)
		for op, err := range map[string]error{"Get": gerr, "SetIfNewer": serr, "DeleteIf": derr} {
			if err == nil || !strings.Contains(err.Error(), "another layout") || errors.Is(err, deskbridge.ErrUnavailable) {
				t.Errorf("%s of a foreign value %q: err = %v; want the layout named, not ErrUnavailable", op, raw, err)
			}
		}
	}
	if err := client.HSet(ctx, s.Key("h"), "f", "v").Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "h"); err == nil || errors.Is(err, deskbridge.ErrUnavailable) || !strings.Contains(err.Error(), "WRONGTYPE") {
		t.Errorf("Get of a hash: err = %v, want WRONGTYPE, not ErrUnavailable", err)
	}
}

func TestPrefixWithBracesRefused(t *testing.T) {
	rec := &recorder{}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	c.AddHook(rec)
	defer c.Close()
	s := redisstore.New(c, "acme{x}:")
	ctx := context.Background()
	errs := map[string]error{"Ping": s.Ping(ctx), "Set": s.Set(ctx, "k", "v", time.Second), "Delete": s.Delete(ctx, "k")}
	_, _, errs["Get"] = s.Get(ctx, "k")
	_, errs["Add"] = s.Add(ctx, "k", "v", time.Second)
	_, errs["SetIfNewer"] = s.SetIfNewer(ctx, "k", 1, "v", time.Second)
	for op, err := range errs {
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), `"acme{x}:"`) {
			t.Errorf("%s: err = %v, want ErrInvalid naming the prefix", op, err)
		}
	}
	if cmds := rec.take(); len(cmds) != 0 {
		t.Errorf("sent %v with a refused prefix, want nothing", cmds)
	}
}

func TestErrorsNameOpAndKeyNeverPassword(t *testing.T) {
	const password = "s3cr3t-Pa55/word"
	rec := &recorder{fail: errors.New("dial tcp: lookup redis://:" + password + "@host: no such host (" + strings.ReplaceAll(password, "/", "%2F") + ")")}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", Password: password, MaxRetries: -1})
	c.AddHook(rec)
	defer c.Close()
	s := redisstore.New(c, "acme:")
	_, err := s.Add(context.Background(), "event:01HQ7", "v", time.Minute)
	if err == nil {
		t.Fatal("Add succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, password) || strings.Contains(msg, "s3cr3t-Pa55%2Fword") {
		t.Fatalf("the error holds the password: %s", msg)
	}
	if !strings.HasPrefix(msg, `redisstore: Add "event:01HQ7": `) || !strings.Contains(msg, "[redacted]") {
		t.Fatalf("err = %q, want the op, the key and the password redacted", msg)
	}
	if !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("err = %v, want one matching deskbridge.ErrUnavailable", err)
	}
	var se *redisstore.Error
	if !errors.As(err, &se) || se.Op != "Add" || se.Key != "event:01HQ7" {
		t.Fatalf("errors.As(*Error) = %+v", se)
	}
	long := strings.Repeat("k", 500)
	_, _, err = s.Get(context.Background(), long)
	if err == nil || len(err.Error()) > 400 {
		t.Fatalf("an error for a 500-byte key is %d bytes, want the key cut", len(err.Error()))
	}
}

// Redis that accepts connections and never answers: the context's
// deadline bounds each operation, whether or not the client applies it to
// its sockets.
func TestDeadlineWhenRedisHangs(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	for _, ctxTimeout := range []bool{true, false} {
		c := redis.NewClient(&redis.Options{Addr: l.Addr().String(), ContextTimeoutEnabled: ctxTimeout, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second})
		s := redisstore.New(c, "acme:")
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		start := time.Now()
		_, err := s.Add(ctx, "k", "v", time.Minute)
		took := time.Since(start)
		cancel()
		if took > 2*time.Second {
			t.Errorf("ContextTimeoutEnabled=%v: Add took %v with a 100ms deadline", ctxTimeout, took)
		}
		if !errors.Is(err, deskbridge.ErrUnavailable) {
			t.Errorf("ContextTimeoutEnabled=%v: err = %v, want ErrUnavailable", ctxTimeout, err)
		}
		_ = c.Close() // ends the guarded goroutine's read
	}
}

// Redis goes away mid-run: operations fail fast with ErrUnavailable (so a
// flow answers 503), then succeed again once Redis is back.
func TestRedisGoesAwayAndComesBack(t *testing.T) {
	client, srv := redistest.Client(t)
	if srv == nil {
		t.Skip("uses REDIS_URL; this test stops the server, so it needs redis-server on PATH")
	}
	// Dial retries slow enough (10 attempts 500 ms apart) that an
	// operation ignoring its 300 ms deadline would take seconds, so the
	// bound below tells the two apart even on a busy machine.
	opts := like(client)
	opts.DialerRetries, opts.DialerRetryTimeout = 10, 500*time.Millisecond
	slow := redis.NewClient(opts)
	t.Cleanup(func() { _ = slow.Close() })
	s := redisstore.New(slow, redistest.Prefix(t))
	ctx := context.Background()
	if err := s.Set(ctx, "before", "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	ops := map[string]func(context.Context) error{
		"Get":        func(ctx context.Context) error { _, _, err := s.Get(ctx, "k"); return err },
		"Set":        func(ctx context.Context) error { return s.Set(ctx, "k", "v", time.Minute) },
		"Add":        func(ctx context.Context) error { _, err := s.Add(ctx, "k", "v", time.Minute); return err },
		"SetIfNewer": func(ctx context.Context) error { _, err := s.SetIfNewer(ctx, "k", 1, "v", time.Minute); return err },
		"Delete":     func(ctx context.Context) error { return s.Delete(ctx, "k") },
		"Ping":       func(ctx context.Context) error { return s.Ping(ctx) },
		"Lease":      func(ctx context.Context) error { _, err := s.Lease(ctx, "k", "h", time.Minute); return err },
		"Release":    func(ctx context.Context) error { _, err := s.Release(ctx, "k", "h", "v", time.Minute); return err },
		"EndLease":   func(ctx context.Context) error { _, err := s.EndLease(ctx, "k", "h"); return err },
	}
	for name, op := range ops {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		err := op(ctx)
		took := time.Since(start)
		cancel()
		if !errors.Is(err, deskbridge.ErrUnavailable) {
			t.Errorf("%s with Redis stopped: err = %v, want ErrUnavailable", name, err)
		} else if !strings.HasPrefix(err.Error(), "redisstore: "+name) {
			t.Errorf("%s: err = %q, want it to name the op", name, err)
		}
		if took > 2*time.Second {
			t.Errorf("%s with Redis stopped took %v with a 300ms deadline (err: %v)", name, took, err)
		}
	}
	restart, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Restart(restart); err != nil {
		t.Fatal(err)
	}
	// go-redis's pool answers with the last dial error until its
	// background dial (once a second) gets through: recovery takes up to
	// about a second, during which a flow answers 503.
	back := time.Now()
	for name, op := range ops {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := op(ctx)
			cancel()
			if err == nil {
				break
			}
			if !errors.Is(err, deskbridge.ErrUnavailable) {
				t.Fatalf("%s after Redis came back: %v, want ErrUnavailable until it works", name, err)
			}
			if time.Since(back) > 10*time.Second {
				t.Fatalf("%s still fails 10s after Redis came back: %v", name, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("every operation works again %v after Redis came back", time.Since(back).Round(time.Millisecond))
	if err := s.Set(ctx, "after", "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := s.Get(ctx, "after"); err != nil || !ok || v != "v" {
		t.Fatalf("Get after recovery = %q, %v, %v; want the value just written", v, ok, err)
	}
}
