package statussync_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// dyingTransport is the babelforce connection of a replica that dies
// holding an agent's lease, as it sends a presence change: from then on
// the replica reaches nothing, its store included (deadStore), so that
// its lease ends only by itself.
type dyingTransport struct {
	base http.RoundTripper
	dead *atomic.Bool
}

// deadStore is the store as a replica sees it: gone once dead is set.
type deadStore struct {
	store.Store
	dead *atomic.Bool
}

var errDead = errors.New("the replica is dead (test)")

func (d deadStore) Release(ctx context.Context, key, holder, value string, ttl time.Duration) (bool, error) {
	if d.dead.Load() {
		return false, errDead
	}
	return d.Store.Release(ctx, key, holder, value, ttl)
}

func (d deadStore) EndLease(ctx context.Context, key, holder string) (bool, error) {
	if d.dead.Load() {
		return false, errDead
	}
	return d.Store.EndLease(ctx, key, holder)
}

func (d dyingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/status") {
		d.dead.Store(true)
		panic("replica died mid-send (test)")
	}
	return d.base.RoundTrip(r)
}

// A replica dies holding the agent's lease, before its send. Zendesk's
// retries (its policy in the fake: a 503 is retried after its Retry-After
// when under a minute, five times; waits on an injected clock) reach a
// live replica, which waits Config.LeaseWait for the lease and then
// answers busy until the lease (a minute) ends, with a Retry-After of
// what is left of it plus a second (capped at 59 s): a retry lands past
// the lease and sets the presence, once. With a fixed Retry-After every
// retry fell inside the lease and the change was lost.
func TestReplicaDiesMidSendPresenceSetAfterTheLease(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock()
	shared := &store.Memory{Now: clock.Now}
	e := newEnv(t, withZendeskOptions(zendesktest.WithClock(clock.Now), zendesktest.WithDeliverySleep(clock.Sleep)),
		withConfig(func(c *statussync.Config) { c.Store, c.Now, c.LeaseWait = shared, clock.Now, 10*time.Millisecond }))
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline)
	if got := e.bf.Presence(bid); got != "available" {
		t.Fatalf("presence %q before the test, want available", got)
	}
	e.takeResults()

	var dead atomic.Bool
	bc, err := babelforce.NewClient(babelforce.WithBaseURL(e.bf.URL),
		babelforce.WithPassword(e.bf.Username, e.bf.Password, babelforce.WithNonExpiringToken()), babelforce.WithMaxRetries(0),
		babelforce.WithHTTPClient(&http.Client{Transport: dyingTransport{http.DefaultTransport, &dead}}))
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.cfg
	cfg.Babelforce, cfg.OnResult, cfg.Store = bc, nil, deadStore{shared, &dead}
	dying, err := statussync.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	live := e.flow.ZendeskHandler()
	var deliveries atomic.Int64
	var route http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deliveries.Add(1)
		if !dead.Load() {
			dying.ZendeskHandler().ServeHTTP(w, r) // until it dies
			return
		}
		live.ServeHTTP(w, r)
	})
	e.handler.Store(&route)

	puts := e.presencePUTs()
	start := clock.Now()
	if err := e.zd.SetAgentStatus(zid, zendesktest.StatusAway); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := e.bf.Presence(bid); got != "away" {
		debugDeliveries(t, e.zd)
		t.Fatalf("presence %q after a replica died mid-send, want away (%d deliveries)", got, deliveries.Load())
	}
	if n := e.presencePUTs() - puts; n != 1 {
		t.Errorf("%d presence changes, want 1", n)
	}
	if waited := clock.Now().Sub(start); waited < time.Minute || waited > 75*time.Second {
		t.Errorf("Zendesk waited %v in all (%v), want just past the one-minute lease", waited, clock.Sleeps())
	}
}

func debugDeliveries(t *testing.T, zd *zendesktest.Server) {
	for _, d := range zd.Deliveries() {
		for _, a := range d.Attempts {
			t.Logf("delivery %s %s: %+v", d.Kind, d.EventType, a)
		}
	}
}
