package statussync_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The Redis round trips of one event, on the hot paths, counted exactly
// (package doc.go states them; a change here is a change there).
//
// One observation at a time decides about an agent, holding a lease on
// its record: it reads the record and takes the lease in one round trip
// (store.Store.Lease), and ends the lease in one more, writing the record
// back when the observation changed it (store.Store.Release), else not
// (store.Store.EndLease). So every timed event (Zendesk's, and automation
// calls with a changed_at, the documented template) takes two: a change
// sent to either side (the send happens while the lease is held, and its
// echo, wherever it arrives, waits for the lease and then finds itself in
// the record), an echo, an unchanged state, a stale event, a duplicate.
// Events are sent one at a time here: one that waits for another's lease
// takes a round trip more per try.
//
// An automation call without a changed_at is de-duplicated by its event id
// with a webhook.StoreDeduper, around the same work: its claim before it
// (one round trip, the claim's Add) and its mark after it (one more, the
// Set of "done"), so 4; its replay is the claim's Add and the Get that
// finds it done (2). They are not folded into the record's read and
// write: a batch is not a transaction, so a mark sent beside the record's
// write lands even when that write fails, and the sender's retry would
// then be a duplicate of a change never applied. A call without a
// source_id reads the agent's Zendesk id first, from the store once
// cached: one more.
func TestRedisRoundTripsPerEvent(t *testing.T) {
	t.Parallel()
	client, _ := redistest.Client(t)
	trips := redistest.CountCommands(client)
	e := newEnv(t, withAutomation(), withConfig(func(c *statussync.Config) {
		c.Store = redisstore.New(client, redistest.Prefix(t))
	}))
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline) // the agent is known
	e.automation.Store(false)                  // echoes are posted below, one at a time
	e.takeResults()
	measure := func(name string, want int64, wantOutcome flow.Outcome, send func() response) {
		t.Helper()
		before := trips.Count()
		if r := send(); r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
		got := trips.Count() - before
		rs := e.takeResults()
		t.Logf("%s: %d Redis round trips: %v", name, got, outcomes(rs))
		if got != want {
			t.Errorf("%s: %d Redis round trips, want %d", name, got, want)
		}
		switch {
		case wantOutcome == "" && len(rs) != 0: // answered by the de-duper, before the flow
			t.Errorf("%s: %v, want no result", name, outcomes(rs))
		case wantOutcome != "" && (len(rs) != 1 || rs[0].Outcome != wantOutcome):
			t.Errorf("%s: %v, want one %s", name, outcomes(rs), wantOutcome)
		}
	}
	at := time.Now()
	change := unifiedEvent("rt-1", zid, "online", "away", zendesktest.StatusAway, at)
	measure("a change sent to babelforce", 2, flow.Applied, func() response { return e.sendZendesk(change) })
	measure("its replay", 2, flow.Duplicate, func() response { return e.sendZendesk(change) })
	measure("its channel event, unchanged", 2, flow.Unchanged, func() response {
		return e.sendZendesk(stateEvent("rt-2", zid, "support", "online", "away", at.Add(time.Millisecond)))
	})
	echo := fmt.Sprintf(`{"event_id":"rt-3","agent_id":%q,"source_id":"%d","presence":"away","changed_at":%q}`,
		bid, zid, time.Now().UTC().Format(time.RFC3339Nano))
	measure("the automation's echo", 2, flow.Echo, func() response { return e.postAutomation(echo, automationSecret) })
	measure("the echo's replay", 2, flow.Duplicate, func() response { return e.postAutomation(echo, automationSecret) })
	measure("a stale event", 2, flow.Stale, func() response {
		return e.sendZendesk(unifiedEvent("rt-4", zid, "online", "offline", zendesktest.StatusOffline, at.Add(-time.Hour)))
	})

	// The automation's own changes, sent to Zendesk. Zendesk's echoes of
	// them are answered without the flow meanwhile, so that they do not
	// reach the store while a call is counted.
	zendeskHandler := e.handler.Load()
	quiet := http.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	e.handler.Store(&quiet)
	defer e.handler.Store(zendeskHandler)
	automation := func(id, presence string, changedAt time.Time) func() response {
		at := ""
		if !changedAt.IsZero() {
			at = fmt.Sprintf(`,"changed_at":%q`, changedAt.UTC().Format(time.RFC3339Nano))
		}
		body := fmt.Sprintf(`{"event_id":%q,"agent_id":%q,"source_id":"%d","presence":%q%s}`, id, bid, zid, presence, at)
		return func() response {
			r := e.postAutomation(body, automationSecret)
			e.settle()
			return r
		}
	}
	measure("an automation change sent to Zendesk", 2, flow.Applied, automation("rt-5", "available", time.Now()))
	measure("an automation call, unchanged", 2, flow.Unchanged, automation("rt-6", "available", time.Now()))
	measure("a stale automation call", 2, flow.Stale, automation("rt-7", "away", time.Now().Add(-time.Hour)))

	// Without a changed_at: the StoreDeduper's claim and mark around it.
	measure("an automation call without changed_at, unchanged", 4, flow.Unchanged, automation("rt-8", "available", time.Time{}))
	measure("the untimed call's replay", 2, "", automation("rt-8", "available", time.Time{}))
	measure("an automation change without changed_at sent to Zendesk", 4, flow.Applied, automation("rt-9", "away", time.Time{}))
	// Without a source_id, the agent's Zendesk id is read first (cached in
	// the store after the first call, which reads babelforce): one more.
	noSource := func(id string) func() response {
		body := fmt.Sprintf(`{"event_id":%q,"agent_id":%q,"presence":"away","changed_at":%q}`, id, bid, time.Now().UTC().Format(time.RFC3339Nano))
		return func() response { return e.postAutomation(body, automationSecret) }
	}
	noSource("rt-10")()
	e.takeResults()
	measure("an automation call without source_id, unchanged", 3, flow.Unchanged, noSource("rt-11"))
	// The echo of a change the flow sent to babelforce, posted without a
	// changed_at.
	e.handler.Store(zendeskHandler)
	measure("another change sent to babelforce", 2, flow.Applied, func() response {
		return e.sendZendesk(unifiedEvent("rt-12", zid, "away", "offline", zendesktest.StatusOffline, time.Now()))
	})
	e.handler.Store(&quiet)
	measure("its echo without changed_at", 4, flow.Echo, automation("rt-13", "offline", time.Time{}))
	if got := e.zendeskStatus(zid); got != "away" {
		t.Errorf("Zendesk status %q, want away", got)
	}
}
