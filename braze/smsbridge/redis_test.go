package smsbridge

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/braze/brazetest"
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
	if status != 200 || outcome != "duplicate" {
		t.Errorf("the retry: %d %s, want 200 duplicate", status, outcome)
	}
	if n := rt.Count() - before; n != 2 {
		t.Errorf("a duplicate took %d Redis round trips, want 2", n)
	}
	if n := len(e.sends()); n != 2 {
		t.Errorf("%d SMS, want 2 (the warm-up and the reply, once)", n)
	}
}

// roundTrips returns the round trips c counted since its last reset,
// leaving out the handshake of a connection the client dialed meanwhile.
func roundTrips(c *redistest.Counter) []string {
	var trips []string
	for _, cmd := range c.Commands() {
		switch cmd {
		case "hello", "auth", "select", "client", "pipeline: client client", "pipeline: client":
			continue
		}
		trips = append(trips, cmd)
	}
	return trips
}

// TestInboundRedisRoundTrips: a customer's text on their open ticket costs
// two Redis round trips (one batch up front, one with the release); a
// retry of it (a duplicate) and a text refused because another replica
// holds the customer cost two too; the first text, which opens the ticket,
// four; and without the trigger's loop guard, the flow's comment coming
// back costs two more (the echo), and so does a retry of the echo whose
// first attempt died after claiming the send.
func TestInboundRedisRoundTrips(t *testing.T) {
	t.Parallel()
	client, _ := redistest.Client(t)
	rt := redistest.CountCommands(client)
	s := redisstore.New(client, redistest.Prefix(t))
	e := newEnv(t, func(c *Config) { c.Store = s })
	ticket := e.openTicket() // loads the scripts
	e.agentSays(ticket, "warm up: the flow reads its own Zendesk user once")
	check := func(what string, want ...string) {
		t.Helper()
		if got := roundTrips(rt); !slices.Equal(got, want) {
			t.Errorf("%s: %d Redis round trips %q, want %d: %q", what, len(got), got, len(want), want)
		}
		rt.Reset()
	}
	const (
		first = "pipeline: set get set get get set" // claim, holder, record added and read, ticket, echo
		final = "pipeline: set evalsha"             // the record done, the release
	)

	rt.Reset()
	e.text("Still there?")
	check("a text on the open ticket", first, final)

	whs := e.bz.Webhooks()
	d := whs[len(whs)-1]
	if status, _ := e.post(InboundSMSPath, d.Header, d.Body); status != http.StatusOK {
		t.Fatalf("the duplicate: %d", status)
	}
	check("a duplicate text", first, "pipeline: evalsha")

	// Another replica holds the customer: 503, and the record the batch
	// added is deleted again.
	ctx := t.Context()
	if _, err := s.Add(ctx, customerLockKey(customer), "other-replica 1", time.Minute); err != nil {
		t.Fatal(err)
	}
	rt.Reset()
	body := inboundBody("while busy")
	if status, _ := e.post(InboundSMSPath, brazeHeader(), body); status != http.StatusServiceUnavailable {
		t.Fatalf("a text while another replica holds the customer: %d, want 503", status)
	}
	check("a text refused busy", first, "pipeline: evalsha")
	m, err := ParseInboundSMS("application/json", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(ctx, keyPrefix+"in:"+m.Key); ok || err != nil {
		t.Errorf("the busy text left its record (%v, %v): its retry would search Zendesk for it", ok, err)
	}
	_ = s.Delete(ctx, customerLockKey(customer))

	e.bz.AddUser(brazetest.User{ExternalID: "cust-77", FirstName: "Noé"})
	rt.Reset()
	if _, err := e.bz.ReceiveSMS("cust-77", supportWord); err != nil {
		t.Fatal(err)
	}
	e.settle()
	check("a first text (the ticket opened)", first, "get", "pipeline: set set", final)

	e.removeLoopGuard()
	rt.Reset()
	e.text("And now?")
	// The order of the two deliveries' trips depends on the fakes.
	got := roundTrips(rt)
	slices.Sort(got)
	want := []string{first, final, "pipeline: get set get", "pipeline: set del"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("a text and its echo without the loop guard: %d round trips %q, want 4: %q", len(got), got, want)
	}
	if n := len(e.sends()); n != 1 {
		t.Errorf("%d SMS, want 1 (the warm-up)", n)
	}

	// Zendesk retries the echo, whose first attempt died after its
	// claim (the send record left "sending"): two round trips, the
	// record read back in the look-up's batch.
	ds := e.zd.Deliveries()
	zd := ds[len(ds)-1]
	r, err := ParseAgentReply(zd.Body)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Set(ctx, echoKey(customer, r.Text), "1", echoTTL)
	_ = s.Set(ctx, sendKey(agentReplyKey(r)), record(stateSending, time.Now().Add(-time.Hour).UnixNano()), sendTTL)
	rt.Reset()
	if status, outcome := e.post(AgentReplyPath, e.signedHeader(string(zd.Body), zd.InvocationID), string(zd.Body)); status != http.StatusOK {
		t.Errorf("the echo's retry: %d %s, want 200", status, outcome)
	}
	check("an echo retried after its replica died", "pipeline: get set get", "pipeline: set del")
	if v, _, _ := s.Get(ctx, sendKey(agentReplyKey(r))); v != stateEcho {
		t.Errorf("the echo's send record is %q, want %q", v, stateEcho)
	}
	if n := len(e.sends()); n != 1 {
		t.Errorf("%d SMS after the echo's retry, want 1 (the warm-up)", n)
	}
}
