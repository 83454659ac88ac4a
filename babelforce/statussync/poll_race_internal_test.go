package statussync

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Poll passes that race the flow's own sets and the reconciler's reads
// (a review found each).

// hookTransport runs before on each request, then sends it.
type hookTransport struct {
	base   http.RoundTripper
	before func(*http.Request)
}

func (h hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.before != nil {
		h.before(r)
	}
	return h.base.RoundTrip(r)
}

// listedAgent returns agent bid as babelforce lists it.
func listedAgent(t *testing.T, c *babelforce.Client, bid string) *babelforce.Agent {
	t.Helper()
	for a, err := range c.Agents.List(context.Background(), &babelforce.AgentListOptions{Max: pollPageSize}) {
		if err != nil {
			t.Fatal(err)
		}
		if a.ID == bid {
			return a
		}
	}
	t.Fatal("agent not listed")
	return nil
}

// A poll pass that starts while the flow's presence set is in flight reads
// the presence from before the set; deciding after the set's lease ended,
// it does not take that read for the agent's change: the set is newer than
// the pass. It wrote the old presence's status to Zendesk, over the agent's
// own newer one: for an agent the poller saw for the first time, and for
// one it had seen.
func TestPollDuringASetIsNotAChange(t *testing.T) {
	t.Parallel()
	for _, seen := range []bool{false, true} {
		t.Run("seen before "+strconv.FormatBool(seen), func(t *testing.T) {
			t.Parallel()
			e := newInternalEnv(t, "away")
			ctx := context.Background()
			zid, bid := e.agent("ann")
			if err := e.zd.SetAgentStatus(zid, zendesktest.StatusOnline); err != nil {
				t.Fatal(err)
			}
			if err := e.bf.SetPresence(bid, "available"); err != nil {
				t.Fatal(err)
			}
			if seen {
				e.clock.Advance(time.Second)
				if err := e.flow.Poll(ctx); err != nil { // baseline
					t.Fatal(err)
				}
				e.clock.Advance(time.Second)
			}
			var once sync.Once
			var polled *babelforce.Agent
			var start time.Time
			hooked, err := babelforce.NewClient(babelforce.WithBaseURL(e.bf.URL),
				babelforce.WithPassword(e.bf.Username, e.bf.Password, babelforce.WithNonExpiringToken()),
				babelforce.WithHTTPClient(&http.Client{Transport: hookTransport{base: http.DefaultTransport, before: func(r *http.Request) {
					if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/status") {
						once.Do(func() { // the set is on its way: a poll pass starts and reads
							e.clock.Advance(time.Millisecond)
							start = e.clock.Now()
							polled = listedAgent(t, e.bc, bid)
						})
					}
				}}}))
			if err != nil {
				t.Fatal(err)
			}
			e.flow.cfg.Babelforce = hooked
			if err := e.zd.SetAgentStatus(zid, zendesktest.StatusAway); err != nil { // the agent goes away in Zendesk
				t.Fatal(err)
			}
			if err := e.unifiedToNow("e1", zid, "away"); err != nil { // the flow sets babelforce away
				t.Fatal(err)
			}
			if polled == nil || polled.Presence.Name != "available" {
				t.Fatalf("poll read %+v", polled)
			}
			before := e.statusPUTs()
			e.clock.Advance(time.Millisecond)
			if err := e.flow.observePoll(ctx, polled, start); err != nil { // the pass reaches the agent
				t.Fatal(err)
			}
			if av, _ := e.zd.Availability(zid); av.StatusName != "away" {
				t.Errorf("Zendesk status %q, want the agent's away: the read from before the flow's set was applied as a change", av.StatusName)
			}
			if n := e.statusPUTs() - before; n != 0 {
				t.Errorf("%d Zendesk status changes by the poll, want 0", n)
			}
		})
	}
}

// The reconciler's pass started before the poller's but read babelforce
// after it (after the agent's change): what it read is known as of the
// end of its list, so the poller's older read does not replace it. The
// record kept the older presence, trusted to skip the next change.
func TestReconcilerReadAfterThePollIsNewer(t *testing.T) {
	t.Parallel()
	e := newInternalEnv(t, "away")
	ctx := context.Background()
	zid, bid := e.agent("ann")
	if err := e.zd.SetAgentStatus(zid, zendesktest.StatusOnline); err != nil {
		t.Fatal(err)
	}
	if err := e.bf.SetPresence(bid, "available"); err != nil {
		t.Fatal(err)
	}
	var rs results
	e.flow.cfg.OnResult = rs.add
	e.clock.Advance(time.Second)
	rstart := e.clock.Now()
	e.clock.Advance(time.Millisecond)
	pstart := e.clock.Now()
	pollRead := listedAgent(t, e.bc, bid) // available
	e.clock.Advance(time.Millisecond)
	if err := e.bf.SetPresence(bid, "away"); err != nil { // the agent
		t.Fatal(err)
	}
	recRead := listedAgent(t, e.bc, bid) // away
	o := zdObservation{source: SourceReconciler, agentID: zid, at: rstart, unified: true, to: "online", channel: "online"}
	e.clock.Advance(time.Millisecond)
	if err := e.flow.reconcileAgent(ctx, &o, recRead, rstart, e.clock.Now(), false); err != nil {
		t.Fatal(err)
	}
	if err := e.flow.observePoll(ctx, pollRead, pstart); err != nil {
		t.Fatal(err)
	}
	st, _ := e.flow.readAgent(ctx, zid)
	if st.bfKnown != "away" {
		t.Errorf("bfKnown %q, want away (babelforce's presence)", st.bfKnown)
	}
}
