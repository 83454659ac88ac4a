package redisstore_test

import (
	"context"
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
	if err := redisstore.New(client, prefix).Ping(ctx); err != nil {
		t.Fatal(err)
	}
}
