package statussync_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The replica tests run several Flows behind a round-robin balancer, fed
// by the fakes' own deliveries: the fake Zendesk delivers its signed agent
// events with its retry policy and timeout (scaled down), and every
// presence change in the fake babelforce is posted by an automation that
// retries what fails. The balancer injects faults into its answers.

// replicaDeliveryTimeout is the fake Zendesk's delivery timeout, and the
// automation's: what the balancer's slow answers outlast.
const replicaDeliveryTimeout = 100 * time.Millisecond

// balancerFault is what the balancer does with one request.
type balancerFault int

const (
	faultNone balancerFault = iota
	// fault503 answers 503 with Retry-After without forwarding.
	fault503
	// faultSlow forwards, then answers only after the sender gave up.
	faultSlow
	// faultLost forwards, then drops the connection: processed, answer
	// lost.
	faultLost
)

type replicaEnv struct {
	t      *testing.T
	zd     *zendesktest.Server
	bf     *babelforcetest.Server
	flows  []*statussync.Flow
	lb     *httptest.Server
	secret string

	next   atomic.Int64
	faults atomic.Bool // inject faults while set
	counts [4]atomic.Int64
	// upstream503 counts the 503s the replicas answered themselves.
	upstream503 atomic.Int64

	autoInflight atomic.Int64
	autoSent     atomic.Int64
	automation   atomic.Bool

	mu      sync.Mutex
	results []statussync.Result
}

// newReplicaEnv starts n flows; storeFor returns the store of replica i
// (one shared store, or one each to measure the old design), and dedupe
// the de-duplication store they share (nil: each flow's own default).
func newReplicaEnv(t *testing.T, n int, storeFor func(i int) store.Store, dedupe store.Store) *replicaEnv {
	t.Helper()
	e := &replicaEnv{t: t}
	// Zendesk's waits (Retry-After) scaled down 50 times.
	e.zd = zendesktest.NewServer(zendesktest.WithDeliveryTimeout(replicaDeliveryTimeout),
		zendesktest.WithDeliverySleep(func(ctx context.Context, d time.Duration) error {
			tm := time.NewTimer(d / 50)
			defer tm.Stop()
			select {
			case <-tm.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}))
	t.Cleanup(e.zd.Close)
	e.bf = babelforcetest.NewServer()
	t.Cleanup(e.bf.Close)

	routes := http.NewServeMux()
	e.lb = httptest.NewServer(routes)
	t.Cleanup(e.lb.Close)

	zc, bc := e.clients()
	rep, err := statussync.Provision(t.Context(), statussync.ProvisionConfig{Zendesk: zc, Babelforce: bc, Endpoint: e.lb.URL + "/zendesk"})
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	if e.secret, err = statussync.SigningSecret(t.Context(), zc, rep); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		zc, bc := e.clients() // each replica its own clients, as separate processes have
		cfg := statussync.Config{
			Zendesk: zc, Babelforce: bc, Store: storeFor(i),
			ZendeskSecrets: []string{e.secret},
			AutomationAuth: webhook.SharedSecretVerifier{Secrets: []string{automationSecret}},
			RetryAfter:     time.Second,
			OnResult: func(r statussync.Result) {
				e.mu.Lock()
				e.results = append(e.results, r)
				e.mu.Unlock()
			},
		}
		if dedupe != nil {
			cfg.ZendeskDeduper = &webhook.StoreDeduper{Store: dedupe, Prefix: "zd:"}
			cfg.AutomationDeduper = &webhook.StoreDeduper{Store: dedupe, Prefix: "auto:"}
		}
		f, err := statussync.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		e.flows = append(e.flows, f)
	}
	routes.HandleFunc("/zendesk", func(w http.ResponseWriter, r *http.Request) {
		e.serve(w, r, func(f *statussync.Flow) http.Handler { return f.ZendeskHandler() })
	})
	routes.HandleFunc("/automation", func(w http.ResponseWriter, r *http.Request) {
		e.serve(w, r, func(f *statussync.Flow) http.Handler { return f.AutomationHandler() })
	})

	autoClient := &http.Client{Timeout: replicaDeliveryTimeout}
	e.bf.OnPresenceChange(func(ch babelforcetest.PresenceChange) {
		if !e.automation.Load() {
			return
		}
		e.autoInflight.Add(1)
		e.autoSent.Add(1)
		go func() {
			defer e.autoInflight.Add(-1)
			body := fmt.Sprintf(`{"event_id":"bf-%s-%d","agent_id":%q,"source_id":%q,"presence":%q,"changed_at":%q}`,
				ch.AgentID, ch.Time.UnixNano(), ch.AgentID, ch.SourceID, ch.To, ch.Time.UTC().Format(time.RFC3339Nano))
			// The automation retries what fails, a few times.
			for range 6 {
				req, _ := http.NewRequest(http.MethodPost, e.lb.URL+"/automation", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+automationSecret)
				req.Header.Set("Content-Type", "application/json")
				resp, err := autoClient.Do(req)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode < 500 {
						return
					}
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	})
	return e
}

func (e *replicaEnv) clients() (*zendesk.Client, *babelforce.Client) {
	e.t.Helper()
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(e.zd.URL), zendesk.WithAPIToken(e.zd.Email, e.zd.APIToken),
		zendesk.WithRetryWaitMax(5*time.Millisecond))
	if err != nil {
		e.t.Fatal(err)
	}
	bc, err := babelforce.NewClient(babelforce.WithBaseURL(e.bf.URL),
		babelforce.WithPassword(e.bf.Username, e.bf.Password, babelforce.WithNonExpiringToken()),
		babelforce.WithRetryWaitMax(5*time.Millisecond))
	if err != nil {
		e.t.Fatal(err)
	}
	return zc, bc
}

// faultFor is the fault of the balancer's k-th request while faults are
// on: about one request in five answered 503, one in eight answered after
// the sender's timeout, one in thirteen processed with its answer lost.
func faultFor(k int64) balancerFault {
	switch {
	case k%5 == 2:
		return fault503
	case k%8 == 5:
		return faultSlow
	case k%13 == 7:
		return faultLost
	}
	return faultNone
}

// serve hands a request to the next replica in turn.
func (e *replicaEnv) serve(w http.ResponseWriter, r *http.Request, handler func(*statussync.Flow) http.Handler) {
	k := e.next.Add(1) - 1
	h := handler(e.flows[int(k)%len(e.flows)])
	fault := faultNone
	if e.faults.Load() {
		fault = faultFor(k)
	}
	e.counts[fault].Add(1)
	switch fault {
	case fault503:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "balancer: no healthy upstream (test fault)", http.StatusServiceUnavailable)
	case faultSlow:
		h.ServeHTTP(httptest.NewRecorder(), r)
		<-r.Context().Done() // the sender gave up
	case faultLost:
		h.ServeHTTP(httptest.NewRecorder(), r)
		panic(http.ErrAbortHandler) // the connection drops: the answer is lost
	default:
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.status == http.StatusServiceUnavailable {
			e.upstream503.Add(1)
		}
	}
}

// statusWriter keeps the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// settle waits until no Zendesk delivery and no automation call is in
// flight, and none was started while waiting.
func (e *replicaEnv) settle() {
	e.t.Helper()
	settleFakes(e.t, e.zd, &e.autoInflight, &e.autoSent, 30*time.Second, 1000)
}

// stormResult is what a storm ended with.
type stormResult struct {
	inconsistent, afterReconcile int // agents whose two sides disagree
	zendeskWrites                int // status changes the flow made in Zendesk
	lostDeliveries               int // Zendesk deliveries that never succeeded
	reconcilerWrites             int // Zendesk writes during and after the reconciler's pass
	wrongFinal                   int // agents whose presence is not their last Zendesk change
}

// storm plays 6 agents × 5 Zendesk status changes at once with the
// automation on and the balancer's faults; restart, when set, is called
// once in the middle (the Redis restart).
func (e *replicaEnv) storm(restart func()) stormResult {
	e.t.Helper()
	type agent struct {
		zid int64
		bid string
	}
	var agents []agent
	for i := range 6 {
		name := "Agent" + strconv.Itoa(i)
		zid := e.zd.AddAgent(name, strings.ToLower(name)+"@example.com")
		a := e.bf.AddAgent(babelforcetest.Agent{Name: name, SourceID: strconv.FormatInt(zid, 10)})
		agents = append(agents, agent{zid, a.ID})
	}
	e.automation.Store(true)
	e.faults.Store(true)
	statuses := []int64{zendesktest.StatusOnline, zendesktest.StatusAway, zendesktest.StatusTransfersOnly, zendesktest.StatusOffline}
	var wg sync.WaitGroup
	var changed sync.WaitGroup
	changed.Add(len(agents))
	for i, a := range agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				if err := e.zd.SetAgentStatus(a.zid, statuses[(i+j)%len(statuses)]); err != nil {
					e.t.Error(err)
				}
				if j == 2 {
					changed.Done()
				}
			}
		}()
	}
	if restart != nil {
		changed.Wait()
		restart()
	}
	wg.Wait()
	e.settle()
	e.faults.Store(false)
	var res stormResult
	count := func() int {
		cmp, err := e.flows[0].Compare(e.t.Context())
		if err != nil {
			e.t.Fatal(err)
		}
		n := 0
		for _, c := range cmp {
			if !c.Consistent {
				n++
			}
		}
		return n
	}
	res.inconsistent = count()
	res.zendeskWrites = e.zd.RequestCount(http.MethodPut, "/api/v2/agent_availabilities/agent_statuses/agents/")
	for _, d := range e.zd.Deliveries() {
		if d.Kind == "event" && !d.Succeeded() {
			res.lostDeliveries++
		}
	}
	// The reconciler's next pass repairs what the senders gave up on.
	if err := e.flows[1%len(e.flows)].Reconcile(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
	e.settle()
	res.afterReconcile = count()
	res.reconcilerWrites = e.zd.RequestCount(http.MethodPut, "/api/v2/agent_availabilities/agent_statuses/agents/") - res.zendeskWrites
	for i, a := range agents {
		want := map[int64]string{3: "available", 4: "away", 5: "transfers_only", 2: "offline"}[statuses[(i+4)%len(statuses)]]
		if got := e.bf.Presence(a.bid); got != want {
			res.wrongFinal++
		}
	}
	failed := e.upstream503.Load()
	e.t.Logf("storm through %d replicas: %d agents inconsistent (%d after the reconciler), %d Zendesk writes overwriting agents' changes, %d agents not on their last change, %d deliveries lost, %d answered 503 by the replicas; balancer faults: %d 503, %d slow, %d answer lost of %d requests",
		len(e.flows), res.inconsistent, res.afterReconcile, res.zendeskWrites, res.wrongFinal, res.lostDeliveries, failed,
		e.counts[fault503].Load(), e.counts[faultSlow].Load(), e.counts[faultLost].Load(), e.next.Load())
	return res
}

// failedSeen reports whether a replica answered 503 itself.
func (e *replicaEnv) failedSeen() bool { return e.upstream503.Load() > 0 }

func checkStorm(t *testing.T, res stormResult) {
	t.Helper()
	if res.afterReconcile != 0 {
		t.Errorf("%d agents inconsistent after the storm and a reconciler pass, want 0", res.afterReconcile)
	}
	if res.zendeskWrites+res.reconcilerWrites != 0 {
		t.Errorf("%d Zendesk status writes overwrote agents' own changes (%d after the storm), want 0", res.zendeskWrites+res.reconcilerWrites, res.reconcilerWrites)
	}
	if res.wrongFinal != 0 {
		t.Errorf("%d agents do not end on their last change, want 0", res.wrongFinal)
	}
}

func TestReplicasStormSharedMemory(t *testing.T) {
	t.Parallel()
	shared := store.NewMemory()
	e := newReplicaEnv(t, 3, func(int) store.Store { return shared }, nil)
	res := e.storm(nil)
	checkStorm(t, res)
	if res.inconsistent != 0 {
		t.Errorf("%d agents inconsistent before the reconciler, want 0 without a store outage", res.inconsistent)
	}
}

// The same storm with a poller running on a fourth replica: the agents
// change only Zendesk, so a poller write to Zendesk would overwrite an
// agent's own change. A poll that read a presence while a replica was
// setting it took the older read for the agent's change (2 runs in 30).
func TestReplicasStormWithPoller(t *testing.T) {
	t.Parallel()
	shared := store.NewMemory()
	e := newReplicaEnv(t, 3, func(int) store.Store { return shared }, nil)
	zc, bc := e.clients()
	var applied atomic.Int64
	pf, err := statussync.New(statussync.Config{Zendesk: zc, Babelforce: bc, Store: shared, ZendeskSecrets: []string{e.secret},
		PollInterval: 3 * time.Millisecond,
		OnResult: func(r statussync.Result) {
			if r.Source == statussync.SourcePoller && r.Outcome == flow.Applied {
				applied.Add(1)
				t.Logf("poller applied %s -> %s (agent %d)", r.From, r.To, r.ZendeskAgentID)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = pf.RunPoller(ctx) }()
	res := e.storm(nil)
	cancel()
	wg.Wait()
	if n := applied.Load(); n != 0 {
		t.Errorf("the poller applied %d babelforce changes to Zendesk; the agents changed only Zendesk", n)
	}
	checkStorm(t, res)
}

func TestReplicasStormRedis(t *testing.T) {
	t.Parallel()
	client, srv := redistest.Client(t)
	shared := redisstore.New(client, redistest.Prefix(t))
	e := newReplicaEnv(t, 3, func(int) store.Store { return shared }, nil)
	var restart func()
	if srv != nil {
		restart = func() {
			// Redis goes away until a delivery has failed on it (or a
			// while), then comes back empty.
			if err := srv.Stop(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(time.Second)
			for time.Now().Before(deadline) && !e.failedSeen() {
				time.Sleep(time.Millisecond)
			}
			if err := srv.Restart(t.Context()); err != nil {
				t.Fatalf("restarting Redis: %v", err)
			}
		}
	} else {
		t.Log("REDIS_URL is set: the storm runs without restarting Redis")
	}
	res := e.storm(restart)
	checkStorm(t, res)
	// A Redis that comes back empty has lost every agent's record, the
	// echoes it expected among them: an echo that then reaches a replica
	// is a change for all it knows. The storm is judged where it ends,
	// after the reconciler's pass (checkStorm); before it, it is only
	// reported, and fails only when nothing was lost.
	if restart == nil && res.inconsistent != 0 {
		t.Errorf("%d agents inconsistent before the reconciler, want 0 without a store outage", res.inconsistent)
	}
}

// TestReplicasStormPerProcessState measures the old design, state in each
// replica's own memory (de-duplication shared), for comparison: the issue
// measured 2–6 of 6 agents inconsistent and 15–22 overwriting writes with
// two replicas. It reports; it does not fail.
func TestReplicasStormPerProcessState(t *testing.T) {
	t.Parallel()
	dedupe := store.NewMemory()
	e := newReplicaEnv(t, 3, func(int) store.Store { return store.NewMemory() }, dedupe)
	res := e.storm(nil)
	t.Logf("per-process state (the old design): %d of 6 agents inconsistent, %d Zendesk writes overwriting agents' changes, %d of 6 agents not on their last change",
		res.inconsistent, res.zendeskWrites+res.reconcilerWrites, res.wrongFinal)
}
