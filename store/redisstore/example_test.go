package redisstore_test

import (
	"context"
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
