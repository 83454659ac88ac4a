package smsbridge

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// dyingTransport is the Braze connection of a replica that dies between
// claiming a send and making it: the send never leaves.
type dyingTransport struct{ base http.RoundTripper }

func (d dyingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/campaigns/trigger/send") {
		panic("replica died mid-send (test)")
	}
	return d.base.RoundTrip(r)
}

// A replica dies after writing "sending" and before the send. Zendesk's
// retries (its real policy in the fake: a 503 is retried after its
// Retry-After when under a minute, five times; waits on an injected clock)
// reach a live replica, which answers busy until the lease ends: the busy
// answer's Retry-After is what is left of the lease plus a second, so that
// the next retry comes after it and decides on the reply: with
// AtLeastOnce, it sends it. Exactly one SMS.
// With a fixed Retry-After the five retries all fell inside the lease and
// the reply was lost.
func TestReplicaDiesMidSendReplySentAfterTheLease(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock()
	shared := &store.Memory{Now: clock.Now}
	e := newEnvWith(t, []zendesktest.Option{zendesktest.WithClock(clock.Now), zendesktest.WithDeliverySleep(clock.Sleep)},
		// AtLeastOnce: the send the dead replica claimed is known not to
		// have gone out only by its marker, which Braze may show late.
		func(c *Config) { c.Store, c.Now, c.Delivery = shared, clock.Now, AtLeastOnce })

	dying := e.cfg
	var err error
	dying.Braze, err = braze.NewClient(braze.WithBaseURL(e.bz.URL), braze.WithAPIKey(e.bz.APIKey()), braze.WithMaxRetries(0),
		braze.WithHTTPClient(&http.Client{Transport: dyingTransport{http.DefaultTransport}}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(dying)
	if err != nil {
		t.Fatal(err)
	}
	live := e.flow.Handler()
	var replies atomic.Int64
	e.route(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == AgentReplyPath && replies.Add(1) == 1 {
			a.Handler().ServeHTTP(w, r) // the first delivery reaches the replica that dies
			return
		}
		live.ServeHTTP(w, r)
	}))

	ticket := e.openTicket()
	e.agentSays(ticket, "Your parcel leaves today")
	if got := len(e.sends()); got != 1 {
		t.Fatalf("%d SMS for one reply after a replica died mid-send, want 1", got)
	}
	if n := replies.Load(); n < 3 || n > 6 {
		t.Errorf("%d deliveries of the reply, want the first, a busy one, and the one after the lease", n)
	}
	var waited time.Duration
	for _, d := range clock.Sleeps() {
		waited += d
	}
	if waited < sendLease || waited > sendLease+10*time.Second {
		t.Errorf("Zendesk waited %v in all (%v), want just past the %v lease", waited, clock.Sleeps(), sendLease)
	}
}
