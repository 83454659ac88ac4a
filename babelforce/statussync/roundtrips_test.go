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

// The Redis round trips of one event, on the hot paths. The agent's record
// orders and de-duplicates timed events, so no de-duper claim is taken:
// read the record and write it back for an echo or an unchanged state
// (2); read it only for a stale event or a duplicate (1); and for a change
// the flow sends, read it, write it before sending (so that the echo is
// known wherever it arrives) and confirm it after (3).
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
		if got > want {
			t.Errorf("%s: %d Redis round trips, want at most %d", name, got, want)
		}
		if len(rs) != 1 || rs[0].Outcome != wantOutcome {
			t.Errorf("%s: %v, want one %s", name, outcomes(rs), wantOutcome)
		}
	}
	at := time.Now()
	change := unifiedEvent("rt-1", zid, "online", "away", zendesktest.StatusAway, at)
	measure("a change sent to babelforce", 3, flow.Applied, func() response { return e.sendZendesk(change) })
	measure("its replay", 1, flow.Duplicate, func() response { return e.sendZendesk(change) })
	measure("its channel event, unchanged", 2, flow.Unchanged, func() response {
		return e.sendZendesk(stateEvent("rt-2", zid, "support", "online", "away", at.Add(time.Millisecond)))
	})
	echo := fmt.Sprintf(`{"event_id":"rt-3","agent_id":%q,"source_id":"%d","presence":"away","changed_at":%q}`,
		bid, zid, time.Now().UTC().Format(time.RFC3339Nano))
	measure("the automation's echo", 2, flow.Echo, func() response { return e.postAutomation(echo, automationSecret) })
	measure("the echo's replay", 1, flow.Duplicate, func() response { return e.postAutomation(echo, automationSecret) })
	measure("a stale event", 1, flow.Stale, func() response {
		return e.sendZendesk(unifiedEvent("rt-4", zid, "online", "offline", zendesktest.StatusOffline, at.Add(-time.Hour)))
	})
}
