package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
	"github.com/deskbridge/deskbridge/store/storetest"
)

// The conformance suite through a ClusterClient, on a one-node Redis
// Cluster (which refuses what spans slots, as a cluster of many would).
func TestConformanceCluster(t *testing.T) {
	redistest.Require(t) // a cluster needs redis-server: REDIS_URL cannot serve
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, err := redistest.StartCluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{srv.Addr()}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// The node is in cluster mode: a command over two slots is refused.
	if err := client.Do(ctx, "MGET", "{a}x", "{b}x").Err(); err == nil {
		t.Fatal("MGET over two slots succeeded; the server is not in cluster mode")
	}
	prefix := redistest.Prefix(t)
	storetest.Run(t, func(*testing.T) store.Store { return redisstore.New(client, prefix) })
	st := redisstore.New(client, prefix)
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// A key's lease mark is on its value's slot, braces in the key or not.
	for _, key := range []string{"agent:42", "a}b{c", "{x}", "{", "{}", "x}"} {
		v, err := client.ClusterKeySlot(ctx, st.Key(key)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if m, err := client.ClusterKeySlot(ctx, st.LeaseKey(key)).Result(); err != nil || m != v {
			t.Errorf("key %q: the mark's slot is %d (%v), the value's %d", key, m, err, v)
		}
		if l, err := st.Lease(ctx, key, "h", time.Minute); err != nil || !l.Held {
			t.Errorf("Lease of %q on a cluster = %+v, %v", key, l, err)
		}
	}
	// Not a key beginning with "}": no hash tag, so the two slots differ.
	// It is refused before anything is sent, and says why.
	for _, key := range []string{"}", "}x"} {
		for op, err := range leaseErrs(st, key) {
			if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "hash tag") {
				t.Errorf("%s of %q on a cluster: err = %v, want ErrInvalid saying why", op, key, err)
			}
		}
	}
}

// The conformance suite through a failover client, reaching its master
// through a Redis Sentinel, as a service behind Sentinel does.
func TestConformanceSentinel(t *testing.T) {
	redistest.Require(t) // a sentinel needs redis-server: REDIS_URL cannot serve
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	master, err := redistest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = master.Close() })
	sentinel, err := redistest.StartSentinel(ctx, master)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sentinel.Close() })
	client := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: redistest.SentinelMaster,
		SentinelAddrs: []string{sentinel.Addr()}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = client.Close() })
	prefix := redistest.Prefix(t)
	storetest.Run(t, func(*testing.T) store.Store { return redisstore.New(client, prefix) })
	st := redisstore.New(client, prefix)
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// What the store wrote through the sentinel's client is on the master.
	if err := st.Set(ctx, "through-sentinel", "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	direct := redis.NewClient(&redis.Options{Addr: master.Addr()})
	t.Cleanup(func() { _ = direct.Close() })
	if n, err := direct.Exists(ctx, st.Key("through-sentinel")).Result(); err != nil || n != 1 {
		t.Errorf("the key is not on the master: %d %v", n, err)
	}
}
