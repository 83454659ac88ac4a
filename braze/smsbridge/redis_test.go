package smsbridge

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
)

// openRedis is the replica tests' Redis store: REDIS_URL, else a
// redis-server started on a loopback port, else the test is skipped with
// the install hint (a failure with DESKBRIDGE_REQUIRE_REDIS=1). Taking it
// down stops the server; bringing it back restarts it, empty, as a Redis
// without persistence restarts. With REDIS_URL there is no server to stop,
// and the outage is left out.
//
// The client does not retry a failed command itself (go-redis retries
// three times by default, which would hide a short outage), so that the
// flow sees the outage and answers 503.
func openRedis(t *testing.T) (store.Store, func(down bool)) {
	client, srv := redistest.Client(t)
	if srv == nil {
		return redisstore.New(client, redistest.Prefix(t)), nil
	}
	client = redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = client.Close() })
	s := redisstore.New(client, redistest.Prefix(t))
	return s, func(down bool) {
		if down {
			if err := srv.Stop(); err != nil {
				t.Fatal(err)
			}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Restart(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAgentReplyRedisRoundTrips: an agent's reply sent as an SMS (the hot
// path) costs two Redis round trips: the claim and the record. Its
// retry, a duplicate, costs two too (the claim refused, the record read).
func TestAgentReplyRedisRoundTrips(t *testing.T) {
	t.Parallel()
	client, _ := redistest.Client(t)
	rt := redistest.CountCommands(client)
	e := newEnv(t, func(c *Config) { c.Store = redisstore.New(client, redistest.Prefix(t)) })
	ticket := e.openTicket()
	e.agentSays(ticket, "warm up: the flow reads its own Zendesk user once")

	before := rt.Count()
	if err := e.zd.AgentReply(ticket, e.agent, "Hello", true); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if n := rt.Count() - before; n != 2 {
		t.Errorf("an agent reply took %d Redis round trips, want 2", n)
	}
	ds := e.zd.Deliveries()
	d := ds[len(ds)-1]
	before = rt.Count()
	status, outcome := e.post(AgentReplyPath, e.signedHeader(string(d.Body), d.InvocationID), string(d.Body))
	if status != 200 || outcome != "handled" {
		t.Errorf("the retry: %d %s", status, outcome)
	}
	if n := rt.Count() - before; n != 2 {
		t.Errorf("a duplicate took %d Redis round trips, want 2", n)
	}
	if n := len(e.sends()); n != 2 {
		t.Errorf("%d SMS, want 2 (the warm-up and the reply, once)", n)
	}
}
