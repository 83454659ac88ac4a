package statussync_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
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
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// countingStore wraps a store: it counts operations, keeps the set of
// keys written and not deleted (expiry aside), and fails every operation
// while down is set.
type countingStore struct {
	store.Store
	down atomic.Bool
	ops  atomic.Int64

	mu   sync.Mutex
	keys map[string]bool
}

func newCountingStore(s store.Store) *countingStore {
	return &countingStore{Store: s, keys: map[string]bool{}}
}

var errStoreDown = errors.New("store down (test)")

func (c *countingStore) op() error {
	c.ops.Add(1)
	if c.down.Load() {
		return errStoreDown
	}
	return nil
}

func (c *countingStore) wrote(key string) {
	c.mu.Lock()
	c.keys[key] = true
	c.mu.Unlock()
}

func (c *countingStore) Get(ctx context.Context, key string) (string, bool, error) {
	if err := c.op(); err != nil {
		return "", false, err
	}
	return c.Store.Get(ctx, key)
}

func (c *countingStore) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := c.op(); err != nil {
		return err
	}
	c.wrote(key)
	return c.Store.Set(ctx, key, value, ttl)
}

func (c *countingStore) Add(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	if err := c.op(); err != nil {
		return false, err
	}
	ok, err := c.Store.Add(ctx, key, value, ttl)
	if ok {
		c.wrote(key)
	}
	return ok, err
}

func (c *countingStore) SetIfNewer(ctx context.Context, key string, version int64, value string, ttl time.Duration) (bool, error) {
	if err := c.op(); err != nil {
		return false, err
	}
	ok, err := c.Store.SetIfNewer(ctx, key, version, value, ttl)
	if ok {
		c.wrote(key)
	}
	return ok, err
}

func (c *countingStore) Delete(ctx context.Context, key string) error {
	if err := c.op(); err != nil {
		return err
	}
	c.mu.Lock()
	delete(c.keys, key)
	c.mu.Unlock()
	return c.Store.Delete(ctx, key)
}

func (c *countingStore) DeleteIf(ctx context.Context, key, value string) (bool, error) {
	if err := c.op(); err != nil {
		return false, err
	}
	ok, err := c.Store.DeleteIf(ctx, key, value)
	if ok {
		c.mu.Lock()
		delete(c.keys, key)
		c.mu.Unlock()
	}
	return ok, err
}

func (c *countingStore) Lease(ctx context.Context, key, holder string, ttl time.Duration) (store.Lease, error) {
	if err := c.op(); err != nil {
		return store.Lease{}, err
	}
	return c.Store.Lease(ctx, key, holder, ttl)
}

func (c *countingStore) Release(ctx context.Context, key, holder, value string, ttl time.Duration) (bool, error) {
	if err := c.op(); err != nil {
		return false, err
	}
	ok, err := c.Store.Release(ctx, key, holder, value, ttl)
	if ok {
		c.wrote(key)
	}
	return ok, err
}

func (c *countingStore) EndLease(ctx context.Context, key, holder string) (bool, error) {
	if err := c.op(); err != nil {
		return false, err
	}
	return c.Store.EndLease(ctx, key, holder)
}

// live counts the keys written and not deleted that start with prefix.
func (c *countingStore) live(prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k := range c.keys {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

// Calls about agents that exist on one side only leave nothing behind:
// before the store, 20,000 automation calls naming unknown agents left
// 20,000 entries in each of the flow's per-agent maps.
func TestUnknownAgentsLeaveNoRecords(t *testing.T) {
	t.Parallel()
	cs := newCountingStore(store.NewMemory())
	e := newEnv(t, withConfig(func(c *statussync.Config) { c.Store = cs; c.OnResult = nil }))
	zid, bid := e.agent("Ann")
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for i := range n {
		var body string
		if i%2 == 0 { // a babelforce agent that does not exist
			body = fmt.Sprintf(`{"event_id":"u%d","agent_id":"ghost-%d","presence":"away"}`, i, i)
		} else { // a babelforce agent whose Zendesk user does not exist
			body = fmt.Sprintf(`{"event_id":"u%d","agent_id":"bf-%d","source_id":"%d","presence":"away"}`, i, i, 900000+i)
		}
		rec := newRecorder()
		req := mustRequest(t, []byte(body))
		req.Header.Set("Authorization", "Bearer "+automationSecret)
		e.flow.AutomationHandler().ServeHTTP(rec, req)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("call %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	if got := cs.live("statussync:agent:") + cs.live("statussync:bf:"); got != 0 {
		t.Errorf("%d calls about unknown agents left %d agent records", n, got)
	}
	// A known agent still gets one.
	if r := e.postAutomation(fmt.Sprintf(`{"event_id":"k","agent_id":%q,"source_id":"%d","presence":"away"}`, bid, zid), automationSecret); r.status != 200 {
		t.Fatalf("known agent: %d %s", r.status, r.body)
	}
	if got := cs.live("statussync:agent:"); got != 1 {
		t.Errorf("a known agent: %d records, want 1", got)
	}
}

// A store that fails makes the handler answer 503 with Retry-After, and
// the sender's retry, once the store is back, is applied: nothing lost.
func TestStoreDownAnswers503AndNothingIsLost(t *testing.T) {
	t.Parallel()
	cs := newCountingStore(store.NewMemory())
	e := newEnv(t, withConfig(func(c *statussync.Config) { c.Store = cs }))
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline)
	if got := e.bf.Presence(bid); got != "available" {
		t.Fatalf("presence %q", got)
	}
	cs.down.Store(true)
	body := unifiedEvent("down-1", zid, "online", "away", zendesktest.StatusAway, time.Now())
	r := e.sendZendesk(body)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "1" {
		t.Fatalf("store down: %d Retry-After %q %s, want 503 with Retry-After 1", r.status, r.header.Get("Retry-After"), r.body)
	}
	ar := e.postAutomation(`{"event_id":"a-down","agent_id":"`+bid+`","presence":"away"}`, automationSecret)
	if ar.status != http.StatusServiceUnavailable || ar.header.Get("Retry-After") == "" {
		t.Fatalf("automation, store down: %d %s", ar.status, ar.body)
	}
	if got := e.bf.Presence(bid); got != "available" {
		t.Fatalf("presence %q changed while the store was down", got)
	}
	cs.down.Store(false)
	if r := e.sendZendesk(body); r.status != 200 {
		t.Fatalf("retry: %d %s", r.status, r.body)
	}
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("presence %q after the retry, want away: the event was lost", got)
	}
	if r := e.sendZendesk(body); r.status != 200 || e.presencePUTs() != 2 {
		t.Errorf("second retry: %d, %d presence changes, want a duplicate and 2", r.status, e.presencePUTs())
	}
}

// After the webhook's last failed delivery Zendesk shows "away" and
// babelforce "available"; the reconciler repairs it, once, and leaves
// alone a babelforce change on its way to Zendesk.
func TestReconcileRepairsLostZendeskEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withBabelforceOptions(babelforce.WithMaxRetries(0)))
	zid, bid := e.agent("Ann")
	zid2, bid2 := e.agent("Bob")
	e.setStatus(zid, zendesktest.StatusOnline)
	e.setStatus(zid2, zendesktest.StatusOnline)
	e.takeResults()
	// babelforce fails every presence change: each delivery is retried
	// until Zendesk gives up.
	e.bf.InjectFault(babelforcetest.Fault{Method: http.MethodPut, Path: "/api/v2/agents/" + bid + "/status", Status: 503, Times: 100})
	e.setStatus(zid, zendesktest.StatusAway)
	e.bf.ClearFaults()
	if got := e.bf.Presence(bid); got != "available" {
		t.Fatalf("presence %q: the deliveries were not lost", got)
	}
	// Bob changes in babelforce; nothing carries it over yet.
	if err := e.bf.SetPresence(bid2, "away"); err != nil {
		t.Fatal(err)
	}
	e.takeResults()
	puts := e.presencePUTs()
	if err := e.flow.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("after Reconcile: presence %q, want away", got)
	}
	if got := e.bf.Presence(bid2); got != "away" {
		t.Errorf("Reconcile overwrote Bob's change in babelforce: %q", got)
	}
	rs := e.takeResults()
	if !slices.ContainsFunc(rs, func(r statussync.Result) bool {
		return r.Source == statussync.SourceReconciler && r.Outcome == flow.Applied && r.ZendeskAgentID == zid && r.Target == "away"
	}) || len(rs) != 1 {
		t.Errorf("results: %v, want one applied by the reconciler", outcomes(rs))
	}
	if got := e.presencePUTs() - puts; got != 1 {
		t.Errorf("%d presence changes, want 1", got)
	}
	// A second pass finds nothing to repair.
	if err := e.flow.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rs := e.takeResults(); len(rs) != 0 || e.presencePUTs()-puts != 1 {
		t.Errorf("second pass: %v", outcomes(rs))
	}
}
