package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
)

// Lease, Release and EndLease are one EVALSHA each (once the scripts are
// loaded), with the value's key then the mark's, both with the store key
// as their hash tag.
func TestLeaseOneRoundTrip(t *testing.T) {
	s, rec, prefix := recorded(t)
	ctx := context.Background()
	// The first call of each script may load it (EVALSHA, NOSCRIPT, EVAL).
	if _, err := s.Lease(ctx, "warm", "h", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EndLease(ctx, "warm", "h"); err != nil {
		t.Fatal(err)
	}
	rec.take()
	key := "agent:42}x{y"
	ops := []struct {
		name string
		run  func() error
	}{
		{"Lease", func() error { _, err := s.Lease(ctx, key, "replica-a", time.Minute); return err }},
		{"Release", func() error { _, err := s.Release(ctx, key, "replica-a", "away", time.Minute); return err }},
		{"EndLease", func() error { _, err := s.EndLease(ctx, key, "replica-a"); return err }},
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
		if name, _ := args[0].(string); strings.ToLower(name) != "evalsha" || argString(args[2]) != "2" {
			t.Errorf("%s sent %v, want EVALSHA with 2 keys", op.name, args)
			continue
		}
		value, mark := argString(args[3]), argString(args[4])
		if want := prefix + "{" + key + "}"; value != want || mark != want+":lease" {
			t.Errorf("%s sent keys %q, %q; want %q, %q", op.name, value, mark, want, want+":lease")
		}
		if hashTag(value) != "agent:42" || hashTag(mark) != "agent:42" {
			t.Errorf("%s: hash tags %q, %q; want both %q", op.name, hashTag(value), hashTag(mark), "agent:42")
		}
	}
}

// The mark is "<until ms> <0|1> <holder>" on Redis's clock, kept for
// twice the lease's TTL (store.MarkTTL); Release writes the value as Set
// does. The 1 says the holder's first take replaced an abandoned lease.
func TestLeaseLayout(t *testing.T) {
	client, _ := redistest.Client(t)
	s := redisstore.New(client, redistest.Prefix(t))
	ctx := context.Background()
	const holder = "replica a: 01HQ7" // spaces and colons are the holder's
	if l, err := s.Lease(ctx, "agent", holder, 10*time.Second); err != nil || !l.Held {
		t.Fatal(l, err)
	}
	raw, err := client.Get(ctx, s.LeaseKey("agent")).Result()
	if err != nil {
		t.Fatal(err)
	}
	now, err := client.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	until, who, _ := strings.Cut(raw, " ")
	ms, err := strconv.ParseInt(until, 10, 64)
	if err != nil || who != "0 "+holder {
		t.Fatalf("the mark is %q, want \"<until ms> 0 %s\"", raw, holder)
	}
	if left := time.UnixMilli(ms).Sub(now); left <= 9*time.Second || left > 10*time.Second {
		t.Errorf("the mark's end is %v after Redis's TIME, want (9s, 10s]", left)
	}
	if pttl := client.PTTL(ctx, s.LeaseKey("agent")).Val(); pttl <= 19*time.Second || pttl > 20*time.Second {
		t.Errorf("the mark's PTTL is %v, want (19s, 20s]: twice the lease (store.MarkTTL)", pttl)
	}
	l, err := s.Lease(ctx, "agent", "replica b", time.Minute)
	if err != nil || l.Held || l.Wait <= 9*time.Second || l.Wait > 10*time.Second {
		t.Errorf("Lease by another = %+v, %v; want not held, Wait in (9s, 10s]", l, err)
	}
	if ok, err := s.Release(ctx, "agent", holder, "away", time.Minute); err != nil || !ok {
		t.Fatalf("Release = %v, %v", ok, err)
	}
	if got := client.Get(ctx, s.Key("agent")).Val(); got != "0:away" {
		t.Errorf("the value after Release is %q, want %q", got, "0:away")
	}
	if n := client.Exists(ctx, s.LeaseKey("agent")).Val(); n != 0 {
		t.Error("the mark is kept after Release")
	}
	// A lease taken over an ended one is marked 1, and its renewal keeps
	// the 1 (and reports Abandoned again).
	if err := client.Set(ctx, s.LeaseKey("agent"), "1000 0 replica-old", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	for _, why := range []string{"Lease over an ended mark", "its renewal"} {
		if l, err := s.Lease(ctx, "agent", holder, time.Minute); err != nil || !l.Held || !l.Abandoned {
			t.Errorf("%s = %+v, %v; want Held and Abandoned", why, l, err)
		}
		raw := client.Get(ctx, s.LeaseKey("agent")).Val()
		if _, rest, _ := strings.Cut(raw, " "); rest != "1 "+holder {
			t.Errorf("after %s the mark is %q, want \"<until ms> 1 %s\"", why, raw, holder)
		}
	}
	// The longest TTL fits Lua's numbers and Redis's expiry.
	if l, err := s.Lease(ctx, "max", holder, store.MaxTTL); err != nil || !l.Held {
		t.Fatalf("Lease with store.MaxTTL = %+v, %v", l, err)
	}
	if l, err := s.Lease(ctx, "max", "other", time.Minute); err != nil || l.Held || l.Wait < store.MaxTTL-time.Minute {
		t.Errorf("Lease by another of a lease of store.MaxTTL = %+v, %v; want not held, Wait about MaxTTL", l, err)
	}
}

// A value or a mark that redisstore did not write is reported, with the
// Redis key, and is no transient failure; a foreign value is not leased.
func TestLeaseForeign(t *testing.T) {
	client, _ := redistest.Client(t)
	s := redisstore.New(client, redistest.Prefix(t))
	ctx := context.Background()
	if err := client.Set(ctx, s.Key("v"), "no colon", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := s.Lease(ctx, "v", "h", time.Minute)
	if err == nil || !strings.Contains(err.Error(), "another layout") || errors.Is(err, deskbridge.ErrUnavailable) {
		t.Errorf("Lease of a foreign value: err = %v; want the layout named, not ErrUnavailable", err)
	}
	if n := client.Exists(ctx, s.LeaseKey("v")).Val(); n != 0 {
		t.Error("Lease of a foreign value took the lease")
	}
	// "5 h" is the old layout, without the abandoned bit.
	for _, raw := range []string{"no space", "x 0 h", "-5 0 h", "0x10 0 h", "5 h", "5 2 h", "5 1h", "5 0", "5  0 h"} {
		if err := client.Set(ctx, s.LeaseKey("m"), raw, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		_, lerr := s.Lease(ctx, "m", "h", time.Minute)
		_, rerr := s.Release(ctx, "m", "h", "v", time.Minute)
		_, eerr := s.EndLease(ctx, "m", "h")
		for op, err := range map[string]error{"Lease": lerr, "Release": rerr, "EndLease": eerr} {
			if err == nil || !strings.Contains(err.Error(), "another layout") || !strings.Contains(err.Error(), strconv.Quote(s.LeaseKey("m"))) ||
				errors.Is(err, deskbridge.ErrUnavailable) {
				t.Errorf("%s over a foreign mark %q: err = %v; want the mark's key and layout named, not ErrUnavailable", op, raw, err)
			}
		}
	}
	if n := client.Exists(ctx, s.Key("m")).Val(); n != 0 {
		t.Error("Release over a foreign mark wrote the value")
	}
}

// A Redis that lost its scripts (restarted, SCRIPT FLUSH) loads them again.
func TestLeaseAfterScriptFlush(t *testing.T) {
	client, _ := redistest.Client(t)
	s := redisstore.New(client, redistest.Prefix(t))
	ctx := context.Background()
	if _, err := s.Lease(ctx, "k", "h", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Release(ctx, "k", "h", "v", time.Minute); err != nil || !ok {
		t.Fatalf("Release after SCRIPT FLUSH = %v, %v", ok, err)
	}
	if err := client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Lease(ctx, "k", "h", time.Minute); err != nil || !l.Held || l.Value != "v" {
		t.Fatalf("Lease after SCRIPT FLUSH = %+v, %v", l, err)
	}
}

// A key beginning with "}" has no hash tag: on one node its lease works.
func TestLeaseKeyWithoutHashTag(t *testing.T) {
	client, _ := redistest.Client(t)
	s := redisstore.New(client, redistest.Prefix(t))
	ctx := context.Background()
	if l, err := s.Lease(ctx, "}x", "h", time.Minute); err != nil || !l.Held {
		t.Fatalf("Lease of \"}x\" on one node = %+v, %v", l, err)
	}
	if ok, err := s.Release(ctx, "}x", "h", "v", time.Minute); err != nil || !ok {
		t.Fatalf("Release of \"}x\" on one node = %v, %v", ok, err)
	}
}

func TestLeasePrefixWithBracesRefused(t *testing.T) {
	rec := &recorder{}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	c.AddHook(rec)
	defer c.Close()
	s := redisstore.New(c, "acme{x}:")
	for op, err := range leaseErrs(s, "k") {
		var se *redisstore.Error
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), `"acme{x}:"`) || !errors.As(err, &se) || se.Op != op {
			t.Errorf("%s: err = %v, want an *Error of the op matching ErrInvalid, naming the prefix", op, err)
		}
	}
	if cmds := rec.take(); len(cmds) != 0 {
		t.Errorf("sent %v with a refused prefix, want nothing", cmds)
	}
}

// Redis unreachable: each lease operation fails with an error naming it
// and matching ErrUnavailable, never the password.
func TestLeaseErrors(t *testing.T) {
	const password = "s3cr3t-Pa55/word"
	rec := &recorder{fail: errors.New("dial tcp: lookup redis://:" + password + "@host: no such host")}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", Password: password, MaxRetries: -1})
	c.AddHook(rec)
	defer c.Close()
	s := redisstore.New(c, "acme:")
	for op, err := range leaseErrs(s, "agent:1") {
		if err == nil || !errors.Is(err, deskbridge.ErrUnavailable) || strings.Contains(err.Error(), password) ||
			!strings.HasPrefix(err.Error(), "redisstore: "+op+` "agent:1": `) {
			t.Errorf("%s with Redis unreachable: err = %v; want ErrUnavailable naming the op and key, no password", op, err)
		}
	}
}

// leaseErrs returns the error of each lease operation on key.
func leaseErrs(s *redisstore.Store, key string) map[string]error {
	ctx := context.Background()
	errs := map[string]error{}
	_, errs["Lease"] = s.Lease(ctx, key, "replica-a", time.Second)
	_, errs["Release"] = s.Release(ctx, key, "replica-a", "v", time.Second)
	_, errs["EndLease"] = s.EndLease(ctx, key, "replica-a")
	return errs
}
