package redistest_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
)

func TestCountCommands(t *testing.T) {
	client, _ := redistest.Client(t)
	ctx := context.Background()
	key := redistest.Prefix(t) + "k"
	c := redistest.CountCommands(client)
	// A new connection's handshake is counted too: warm up, then reset.
	if err := client.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if c.Count() == 0 || !slices.Contains(c.Commands(), "ping") {
		t.Fatalf("the ping was not counted: %q", c.Commands())
	}
	c.Reset()
	if err := client.Set(ctx, key, "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.Get(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, key)
		p.Del(ctx, key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, key)
		return nil
	}); err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	if n := c.Count(); n != 4 {
		t.Errorf("Count = %d, want 4 (two commands, a pipeline, a transaction)", n)
	}
	if got, want := c.Commands(), []string{"set", "get", "pipeline: get del", "pipeline: multi get exec"}; !slices.Equal(got, want) {
		t.Errorf("Commands = %q, want %q", got, want)
	}
	c.Reset()
	if c.Count() != 0 || len(c.Commands()) != 0 {
		t.Errorf("after Reset: %d %q", c.Count(), c.Commands())
	}

	// Concurrent commands are each counted once (besides the handshakes
	// of the connections they open).
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = client.Exists(ctx, key).Err()
		}()
	}
	wg.Wait()
	exists := 0
	for _, name := range c.Commands() {
		if name == "exists" {
			exists++
		}
	}
	if exists != 20 || c.Count() < 20 {
		t.Errorf("20 concurrent commands counted %d times, %d round trips in all", exists, c.Count())
	}
}

// ExampleCountCommands holds the round trips of an operation to a number.
func ExampleCountCommands() {
	srv, err := redistest.Start(context.Background())
	if err != nil {
		return // no redis-server on PATH
	}
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	trips := redistest.CountCommands(client)

	ctx := context.Background()
	_ = client.Ping(ctx).Err() // the connection's handshake is counted too
	trips.Reset()
	_ = client.Set(ctx, "greeting", "hello", 0).Err()
	_, _ = client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, "greeting")
		p.Del(ctx, "greeting")
		return nil
	})
	// trips.Count() is 2: a command and a transaction.
	// trips.Commands() is ["set", "pipeline: multi get del exec"].
	// (No Output: without redis-server the example returns early.)
	_ = trips.Count()
}
