package statussync_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Replicas that share a store take turns at the reconciler: about one pass
// runs per interval, not one per replica, and every loop returns nil once
// its context ends.
func TestRunReconcilerOnePassPerInterval(t *testing.T) {
	t.Parallel()
	shared := store.NewMemory()
	const interval = 40 * time.Millisecond
	e := newEnv(t, withConfig(func(c *statussync.Config) {
		c.Store = shared
		c.ReconcileInterval = interval
	}))
	e.agent("Ann")
	e.zd.ResetRequests()
	passes := func() int {
		n := 0
		for _, r := range e.zd.Requests() {
			if r.Method == http.MethodGet && r.Path == "/api/v2/agent_availabilities" {
				n++
			}
		}
		return n
	}

	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	start := time.Now()
	for range 3 {
		f, err := statussync.New(e.cfg)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- f.RunReconciler(ctx)
		}()
	}
	for passes() < 6 && time.Since(start) < 5*time.Second {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("RunReconciler returned %v after its context ended, want nil", err)
		}
	}
	// One pass per interval, the first at once; three replicas that did
	// not take turns would run three per interval.
	got, most := passes(), int(elapsed/interval)+2
	if got < 6 || got > most {
		t.Errorf("%d reconcile passes in %v at one per %v over three replicas, want 6 to %d", got, elapsed.Round(time.Millisecond), interval, most)
	}
}

// A Flow without a Store says at start that it must run as one replica;
// one with a Store says nothing of the kind.
func TestNilStoreLogsSingleReplica(t *testing.T) {
	t.Parallel()
	for _, shared := range []bool{false, true} {
		var logs bytes.Buffer
		e := newEnv(t, withoutProvision(), withConfig(func(c *statussync.Config) {
			c.Logger = newTextLogger(&logs)
			if shared {
				c.Store = store.NewMemory()
			}
		}))
		_ = e
		said := strings.Contains(logs.String(), "run one replica only")
		if said == shared {
			t.Errorf("Store set %v: the single-replica line logged %v, want %v:\n%s", shared, said, !shared, logs.String())
		}
	}
}

// Each replica caches the names babelforce gave presences created with a
// label, in its own memory (a cache of the vendor's configuration, the
// same for every replica, not of any agent's state). A replica whose cache
// is cold finds the name again and sets the same presence as a warm one.
func TestReplicasWithDifferentAliasCachesAgree(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *statussync.Config) { c.Store = store.NewMemory() }))
	meeting, _ := e.zd.AddCustomStatus("In a meeting", "", map[string]string{"support": "away", "messaging": "away", "talk": "away"})
	e.bf.AddPresence("mtg", "In a meeting")
	if _, err := e.flow.MappingInEffect(t.Context()); err != nil { // the warm replica learns "mtg"
		t.Fatal(err)
	}
	cold, err := statussync.New(e.cfg) // same store, empty cache
	if err != nil {
		t.Fatal(err)
	}
	zid, bid := e.agent("Ann")
	for i, f := range []*statussync.Flow{cold, e.flow, cold} {
		h := f.ZendeskHandler()
		e.handler.Store(&h)
		e.setStatus(zid, zendesktest.StatusOnline)
		e.setStatus(zid, meeting)
		if got := e.bf.Presence(bid); got != "mtg" {
			t.Errorf("step %d: presence %q, want %q (the name babelforce gave the label)", i, got, "mtg")
		}
	}
}
