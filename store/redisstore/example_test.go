package redisstore_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store/redisstore"
)

// One Redis node (or Sentinel, with redis.NewFailoverClient). The example
// needs a Redis server, so it has no output to check.
func ExampleNew() {
	opts, err := redis.ParseURL(os.Getenv("REDIS_URL")) // redis://user:password@host:6379/0
	if err != nil {
		log.Fatal(err)
	}
	opts.ContextTimeoutEnabled = true // a context deadline bounds each command
	client := redis.NewClient(opts)
	defer client.Close()

	s := redisstore.New(client, "acme:statussync:") // one prefix per tenant and flow
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		log.Fatal(err) // matches deskbridge.ErrUnavailable: answer /readyz with 503
	}
	claimed, err := s.Add(ctx, "event:01HQ7", "replica-a", time.Minute)
	if err != nil {
		log.Fatal(err) // transient: answer the delivery with 503
	}
	fmt.Println("claimed:", claimed)
}

// Redis Cluster: the store key is the hash tag, so every operation stays on
// one slot.
func ExampleNew_cluster() {
	client := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 []string{"redis-0:6379", "redis-1:6379", "redis-2:6379"},
		Password:              os.Getenv("REDIS_PASSWORD"),
		ContextTimeoutEnabled: true,
	})
	defer client.Close()
	s := redisstore.New(client, "acme:smsbridge:")
	fmt.Println(s.Key("customer:+15550100"))
}

func ExampleStore_Key() {
	s := redisstore.New(redis.NewClient(&redis.Options{}), "acme:statussync:")
	fmt.Println(s.Key("agent:42"))
	// Output:
	// acme:statussync:{agent:42}
}

// A replica decides about one agent in two round trips: Lease reads the
// agent's record and takes its lease, Release writes the new record and
// ends the lease. The example needs a Redis server, so it has no output to
// check.
func ExampleStore_Lease() {
	client := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
	defer client.Close()
	s := redisstore.New(client, "acme:statussync:")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()

	holder := "replica-a:" + rand.Text() // a token only this call knows
	l, err := s.Lease(ctx, "agent:42", holder, 10*time.Second)
	if err != nil {
		log.Fatal(err) // transient: answer the delivery with 503
	}
	if !l.Held {
		fmt.Println("another replica decides; retry within", l.Wait)
		return
	}
	if l.Abandoned {
		fmt.Println("the last holder died mid-decision: its change may have been sent")
	}
	next := "away" // decided from l.Value and l.Found, and sent
	if ok, err := s.Release(ctx, "agent:42", holder, next, 24*time.Hour); err != nil || !ok {
		log.Println("the lease ended and another replica took the agent: it decides from here", err)
	}
}
