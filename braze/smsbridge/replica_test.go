package smsbridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The replica tests run several Flows behind a round-robin balancer (an
// httptest server that hands each request to the next Flow in turn), fed
// by the fakes' real deliveries: Zendesk's signed trigger webhooks with its
// timeout and retries, Braze's webhook campaigns with theirs. The senders'
// waits are scaled down (a tenth, at most 200 ms), so that the tests take
// seconds.

// Zendesk gives up on an answer after zendeskTimeout here (12 s for real);
// brazeSlow is a Braze answer slower than that.
const (
	zendeskTimeout = 250 * time.Millisecond
	brazeSlow      = 700 * time.Millisecond
)

// scaledSleep waits a tenth of d, at most 200 ms: the senders' backoff and
// Retry-After, shortened but still real, so that a retry lands after the
// replica that was busy has moved on.
func scaledSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(min(d/10, 200*time.Millisecond))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// outageStore is a store that can be taken down, as Redis restarting is:
// every operation fails while it is down.
type outageStore struct {
	store.Store
	down atomic.Bool
}

var errOutage = errors.New("connection refused (the store is down)")

func (s *outageStore) Get(ctx context.Context, key string) (string, bool, error) {
	if s.down.Load() {
		return "", false, errOutage
	}
	return s.Store.Get(ctx, key)
}

func (s *outageStore) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if s.down.Load() {
		return errOutage
	}
	return s.Store.Set(ctx, key, value, ttl)
}

func (s *outageStore) Add(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errOutage
	}
	return s.Store.Add(ctx, key, value, ttl)
}

func (s *outageStore) Delete(ctx context.Context, key string) error {
	if s.down.Load() {
		return errOutage
	}
	return s.Store.Delete(ctx, key)
}

func (s *outageStore) SetIfNewer(ctx context.Context, key string, version int64, value string, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errOutage
	}
	return s.Store.SetIfNewer(ctx, key, version, value, ttl)
}

func (s *outageStore) DeleteIf(ctx context.Context, key, value string) (bool, error) {
	if s.down.Load() {
		return false, errOutage
	}
	return s.Store.DeleteIf(ctx, key, value)
}

// Batch makes the outage store a store.Batcher, as redisstore is, so that
// the flow takes the same path (store.Do sending one batch) as on Redis;
// while down every op of the batch fails, as a pipeline to a stopped Redis
// does.
func (s *outageStore) Batch(ctx context.Context, ops []*store.Op) {
	if s.down.Load() {
		for _, op := range ops {
			if op != nil {
				op.Result = store.OpResult{Err: errOutage}
			}
		}
		return
	}
	_ = store.Do(ctx, s.Store, ops...)
}

var _ store.Batcher = (*outageStore)(nil)

// TestOutageStoreFailsEverything checks the fault the replica tests
// inject: while down, every operation of store.Store fails, alone or in a
// batch, so that no path of the flow gets through a "stopped" store; once
// back, they all work.
func TestOutageStoreFailsEverything(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := &outageStore{Store: store.NewMemory()}
	ops := func() []*store.Op {
		return []*store.Op{
			store.GetOp("k"), store.SetOp("k", "v", time.Minute), store.AddOp("a", "v", time.Minute),
			store.SetIfNewerOp("n", 1, "v", time.Minute), store.DeleteOp("d"), store.DeleteIfOp("a", "v"),
		}
	}
	s.down.Store(true)
	for _, op := range ops() {
		if r := store.RunOp(ctx, s, op); !errors.Is(r.Err, errOutage) {
			t.Errorf("%v alone while down: %+v", op.Kind, r)
		}
	}
	batch := ops()
	_ = store.Do(ctx, s, batch...)
	for _, op := range batch {
		if !errors.Is(op.Result.Err, errOutage) {
			t.Errorf("%v in a batch while down: %+v", op.Kind, op.Result)
		}
	}
	s.down.Store(false)
	for _, op := range ops() {
		if r := store.RunOp(ctx, s, op); r.Err != nil {
			t.Errorf("%v alone once back: %v", op.Kind, r.Err)
		}
	}
	if err := store.Do(ctx, s, ops()...); err != nil {
		t.Errorf("a batch once back: %v", err)
	}
}

// cluster is the fakes and n Flows behind a round-robin balancer.
type cluster struct {
	t     *testing.T
	zd    *zendesktest.Server
	bz    *brazetest.Server
	zc    *zendesk.Client
	flows []*Flow
	lb    *httptest.Server
	next  atomic.Uint64
	// inflight counts the requests the replicas are handling: a replica
	// goes on with a send after the sender stopped waiting.
	inflight atomic.Int64
	agent    int64
	logs     *syncBuffer
	mu       sync.Mutex
	results  []Result
}

// newCluster starts the fakes and n Flows; storeFor gives replica i its
// store (nil: the default, a store of its own).
func newCluster(t *testing.T, n int, storeFor func(i int) store.Store, customers ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, logs: &syncBuffer{}}
	c.zd = zendesktest.NewServer(zendesktest.WithDeliverySleep(scaledSleep), zendesktest.WithDeliveryTimeout(zendeskTimeout))
	t.Cleanup(c.zd.Close)
	c.bz = brazetest.NewServer(brazetest.WithWebhookSleep(scaledSleep))
	t.Cleanup(c.bz.Close)
	c.lb = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(c.flows) < n {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		c.inflight.Add(1)
		defer c.inflight.Add(-1)
		c.flows[(c.next.Add(1)-1)%uint64(n)].Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(c.lb.Close)

	var err error
	c.zc, err = zendesk.NewClient(zendesk.WithBaseURL(c.zd.URL), zendesk.WithAPIToken(c.zd.Email, c.zd.APIToken),
		zendesk.WithMaxRetries(1), zendesk.WithRetryWaitMax(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	bc, err := braze.NewClient(braze.WithBaseURL(c.bz.URL), braze.WithAPIKey(c.bz.APIKey()),
		braze.WithMaxRetries(1), braze.WithRetryWaitMax(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Provision(t.Context(), ProvisionConfig{Zendesk: c.zc, BridgeURL: c.lb.URL})
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	secret, err := SigningSecret(t.Context(), c.zc, rep)
	if err != nil {
		t.Fatal(err)
	}
	reply, err := c.bz.AddCampaign(brazetest.Campaign{Name: "Zendesk agent reply", Message: ReplyMessageTemplate})
	if err != nil {
		t.Fatal(err)
	}
	closing, err := c.bz.AddCampaign(brazetest.Campaign{Name: "Zendesk ticket closed", Message: ReplyMessageTemplate})
	if err != nil {
		t.Fatal(err)
	}
	for _, wc := range BrazeWebhookCampaigns(c.lb.URL, supportWord, "Bearer "+brazeSecret) {
		if _, err := c.bz.AddCampaign(brazeCampaign(wc)); err != nil {
			t.Fatal(err)
		}
	}
	for _, cu := range customers {
		c.bz.AddUser(brazetest.User{ExternalID: cu, FirstName: "Customer", LastName: cu})
	}
	c.agent = c.zd.AddAgent("Ann Agent", "ann@example.com")
	logger := slog.New(slog.NewTextHandler(c.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	flows := make([]*Flow, n)
	for i := range n {
		flows[i], err = New(Config{
			Zendesk: c.zc, Braze: bc,
			ReplyCampaignID: reply, ClosingCampaignID: closing,
			ZendeskSecrets: []string{secret}, BrazeAuth: webhook.SharedSecretVerifier{Secrets: []string{brazeSecret}},
			RetryAfter: time.Second,
			Store:      storeFor(i),
			Logger:     logger.With(slog.Int("replica", i)),
			OnResult: func(r Result) {
				c.mu.Lock()
				defer c.mu.Unlock()
				c.results = append(c.results, r)
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	c.flows = flows
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replicas' log:\n%s", c.logs.String())
		}
	})
	return c
}

// settle waits until neither fake has a delivery in flight and no replica
// is handling one.
func (c *cluster) settle() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.t.Context(), testDeadline)
	defer cancel()
	for range 3 {
		for c.inflight.Load() > 0 {
			if scaledSleep(ctx, 10*time.Millisecond) != nil {
				c.t.Fatal("waiting for the replicas: ", ctx.Err())
			}
		}
		if err := c.bz.WaitWebhooks(ctx); err != nil {
			c.t.Fatalf("waiting for Braze webhooks: %v", err)
		}
		if err := c.zd.WaitDeliveries(ctx); err != nil {
			c.t.Fatalf("waiting for Zendesk deliveries: %v", err)
		}
	}
}

// firstTexts has a customer without a ticket send texts at once, each
// posted to the balancer as Braze's webhook campaign would, and retried as
// Braze retries a 5xx (up to 5 times).
func (c *cluster) firstTexts(customer string, texts ...string) {
	c.t.Helper()
	var wg sync.WaitGroup
	for _, msg := range texts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := `{"kind":"support","external_id":"` + customer + `","first_name":"Customer","message":` + q(msg) + `}`
			for attempt := 0; ; attempt++ {
				req, _ := http.NewRequestWithContext(c.t.Context(), http.MethodPost, c.lb.URL+InboundSMSPath, strings.NewReader(body))
				req.Header = brazeHeader()
				resp, err := c.lb.Client().Do(req)
				if err != nil {
					c.t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode < 500 || attempt == 5 {
					if resp.StatusCode != http.StatusOK {
						c.t.Errorf("text %q: %d after %d attempts", msg, resp.StatusCode, attempt+1)
					}
					return
				}
				_ = scaledSleep(c.t.Context(), time.Second<<attempt)
			}
		}()
	}
	wg.Wait()
}

// ticketsOf returns the tickets the customer requested.
func (c *cluster) ticketsOf(customer string) []zendesktest.Ticket {
	var out []zendesktest.Ticket
	for _, tk := range c.zd.Tickets() {
		if u, ok := c.zd.User(tk.RequesterID); ok && u.UserFields[DefaultUserField] == customer {
			out = append(out, tk)
		}
	}
	return out
}

// sentTexts counts the SMS Braze sent the customer, by text.
func (c *cluster) sentTexts(customer string) map[string]int {
	out := map[string]int{}
	for _, s := range c.bz.SendsTo(customer) {
		out[s.Message]++
	}
	return out
}

// outcomes counts the results by outcome and detail.
func (c *cluster) outcomes() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for _, r := range c.results {
		out[string(r.Outcome)+" "+r.Detail]++
	}
	return out
}

// waitFor polls cond until it holds, failing the test after testDeadline.
func (c *cluster) waitFor(cond func() bool) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.t.Context(), testDeadline)
	defer cancel()
	for !cond() {
		if scaledSleep(ctx, 20*time.Millisecond) != nil {
			c.t.Fatal("waited in vain: ", ctx.Err())
		}
	}
}

// storeFailures counts the deliveries from src that the replicas answered
// 503 because the store failed.
func (c *cluster) storeFailures(src Source) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, r := range c.results {
		if r.Source == src && r.Outcome == flow.Failed && r.Detail == DetailStore {
			n++
		}
	}
	return n
}

// replicaStores are the stores the replica tests run on: one store.Memory
// shared by the replicas, and Redis (redis_test.go) when it can run.
var replicaStores = []struct {
	name string
	// open returns the store the replicas share, and a function that
	// takes it down (true) and brings it back (false).
	open func(t *testing.T) (store.Store, func(down bool))
}{
	{"memory", func(*testing.T) (store.Store, func(bool)) {
		s := &outageStore{Store: store.NewMemory()}
		return s, func(down bool) { s.down.Store(down) }
	}},
	{"redis", openRedis},
}

// TestReplicas: three Flows on one store behind a round-robin balancer.
// Customers' concurrent first texts open one ticket each; every agent
// reply gives exactly one SMS although Braze answers slower than Zendesk
// waits (the retry lands on another replica), answers 503 after sending,
// drops the connection after sending, and the store goes down once.
func TestReplicas(t *testing.T) {
	t.Parallel()
	for _, kind := range replicaStores {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			shared, outage := kind.open(t)
			customers := []string{"cust-a", "cust-b", "cust-c"}
			c := newCluster(t, 3, func(int) store.Store { return shared }, customers...)

			// Concurrent first texts, slowed at ticket creation so that
			// they overlap on the replicas.
			c.zd.InjectFault(zendesktest.Fault{Method: http.MethodPost, Path: "/api/v2/tickets", Latency: 100 * time.Millisecond, Times: 3})
			var wg sync.WaitGroup
			for _, cu := range customers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c.firstTexts(cu, "SUPPORT", "my parcel is late", "order "+cu)
				}()
			}
			wg.Wait()
			c.settle()
			tickets := map[string]int64{}
			for _, cu := range customers {
				tks := c.ticketsOf(cu)
				if len(tks) != 1 {
					t.Fatalf("%s: %d tickets, want 1", cu, len(tks))
				}
				tickets[cu] = tks[0].ID
				if n := len(c.zd.Comments(tks[0].ID)); n != 3 {
					t.Errorf("%s: %d comments, want the 3 texts", cu, n)
				}
			}

			// Agent replies, Braze misbehaving on the first sends.
			c.bz.InjectFault(brazetest.Fault{Method: http.MethodPost, Path: "/campaigns/trigger/send", Latency: brazeSlow})
			c.bz.InjectFault(brazetest.Fault{Method: http.MethodPost, Path: "/campaigns/trigger/send", Processed: true, Status: http.StatusServiceUnavailable})
			c.bz.InjectFault(brazetest.Fault{Method: http.MethodPost, Path: "/campaigns/trigger/send", Processed: true, Drop: true})
			replies := map[string][]string{}
			for i, cu := range customers {
				for j := range 2 {
					msg := fmt.Sprintf("Reply %d to %s", i*2+j, cu)
					replies[cu] = append(replies[cu], msg)
					if err := c.zd.AgentReply(tickets[cu], c.agent, msg, true); err != nil {
						t.Fatal(err)
					}
				}
			}
			c.settle()

			// The store goes down while a reply and a text come in, and
			// comes back a moment later.
			if outage != nil {
				outage(true)
			}
			msg := "Reply while the store is down"
			replies["cust-a"] = append(replies["cust-a"], msg)
			if err := c.zd.AgentReply(tickets["cust-a"], c.agent, msg, true); err != nil {
				t.Fatal(err)
			}
			if _, err := c.bz.ReceiveSMS("cust-b", "texting while the store is down"); err != nil {
				t.Fatal(err)
			}
			if outage != nil {
				// Back once both deliveries met the outage (their senders
				// retry meanwhile).
				c.waitFor(func() bool { return c.storeFailures(SourceZendesk) > 0 && c.storeFailures(SourceBraze) > 0 })
				outage(false)
			}
			c.settle()

			for _, cu := range customers {
				got := c.sentTexts(cu)
				for _, want := range replies[cu] {
					if got[want] != 1 {
						t.Errorf("%s: %q sent %d times, want once", cu, want, got[want])
					}
				}
				if len(got) != len(replies[cu]) {
					t.Errorf("%s: SMS %v, want %q", cu, got, replies[cu])
				}
				if n := len(c.ticketsOf(cu)); n != 1 {
					t.Errorf("%s: %d tickets, want 1", cu, n)
				}
			}
			texts := 0
			for _, cm := range c.zd.Comments(tickets["cust-b"]) {
				if cm.Body == "texting while the store is down" {
					texts++
				}
			}
			if texts != 1 {
				t.Errorf("the text sent while the store was down is on the ticket %d times, want once", texts)
			}
			out := c.outcomes()
			if out[string(flow.Failed)+" "+DetailBusy] == 0 || outage != nil && out[string(flow.Failed)+" "+DetailStore] == 0 {
				t.Errorf("no busy or store failure seen; the faults did not bite: %v", out)
			}
			t.Logf("outcomes: %v", out)
		})
	}
}

// TestReplicasNeedASharedStore measures what the issue reported: replicas
// that each keep their own store (the default) send two SMS for one reply
// whose Braze answer outlasts Zendesk's patience, and open two tickets for
// a customer's two first texts. It is why replicas need Config.Store.
func TestReplicasNeedASharedStore(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, func(int) store.Store { return nil }, customer)
	c.zd.InjectFault(zendesktest.Fault{Method: http.MethodPost, Path: "/api/v2/tickets", Latency: 100 * time.Millisecond, Times: 2})
	c.firstTexts(customer, "SUPPORT", "my parcel is late")
	c.settle()
	tickets := c.ticketsOf(customer)
	if len(tickets) < 2 {
		t.Errorf("%d tickets for two first texts on separate stores; the measurement expects the double", len(tickets))
	}

	c.bz.InjectFault(brazetest.Fault{Method: http.MethodPost, Path: "/campaigns/trigger/send", Latency: brazeSlow})
	if err := c.zd.AgentReply(tickets[0].ID, c.agent, "Hello", true); err != nil {
		t.Fatal(err)
	}
	c.settle()
	sent := c.sentTexts(customer)["Hello"]
	if sent < 2 {
		t.Errorf("one reply sent %d times on separate stores; the measurement expects the double", sent)
	}
	t.Logf("separate stores: %d tickets for 2 first texts, %d SMS for 1 reply", len(tickets), sent)
	if !slices.ContainsFunc(strings.Split(c.logs.String(), "\n"), func(l string) bool { return strings.Contains(l, "single replica") }) {
		t.Error("no log line said the flow is single-replica")
	}
}

// TestStoreDownAnswers503: while the store fails, both handlers answer 503
// with Retry-After and do nothing; the senders' retries, once it is back,
// send the reply once and post the text once.
func TestStoreDownAnswers503(t *testing.T) {
	t.Parallel()
	st := &outageStore{Store: store.NewMemory()}
	e := newEnv(t, func(c *Config) { c.Store = st })
	ticket := e.openTicket()
	sends, comments := len(e.sends()), len(e.comments(ticket))

	st.down.Store(true)
	body := `{"event":"reply","ticket_id":"` + fmt.Sprint(ticket) + `","external_id":"` + customer + `","comment":"Hello from a replica"}`
	for _, post := range []struct {
		path   string
		header http.Header
		body   string
	}{
		{AgentReplyPath, e.signedHeader(body, "inv-1"), body},
		{InboundSMSPath, brazeHeader(), `{"kind":"reply","external_id":"` + customer + `","ticket":"` + fmt.Sprint(ticket) + `","message":"still there?"}`},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+post.path, strings.NewReader(post.body))
		req.Header = post.header
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("%s with the store down: %d, Retry-After %q", post.path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if len(e.sends()) != sends || len(e.comments(ticket)) != comments {
		t.Fatal("something was done while the store was down")
	}
	st.down.Store(false)
	for range 2 { // the senders retry, twice each
		if s, _ := e.post(AgentReplyPath, e.signedHeader(body, "inv-1"), body); s != http.StatusOK {
			t.Errorf("reply retried: %d", s)
		}
		if s, _ := e.post(InboundSMSPath, brazeHeader(), `{"kind":"reply","external_id":"`+customer+`","ticket":"`+fmt.Sprint(ticket)+`","message":"still there?"}`); s != http.StatusOK {
			t.Errorf("text retried: %d", s)
		}
	}
	if n := len(e.sends()) - sends; n != 1 {
		t.Errorf("%d SMS for the reply, want 1", n)
	}
	if n := len(e.comments(ticket)) - comments; n != 1 {
		t.Errorf("%d comments for the text, want 1", n)
	}
}
