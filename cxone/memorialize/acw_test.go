package memorialize

import (
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
)

// The seed: voice is memorialized "when the call ends and the agent
// finishes after-call work". The call ends, the warehousing delay passes
// while the agent is still in ACW: nothing is written. The disposition
// the agent gives during ACW lands once the ACW ends.
func TestVoiceHeldUntilAfterCallWorkEnds(t *testing.T) {
	for _, listed := range []bool{false, true} {
		name := "not listed in ACW"
		if listed {
			// The Reporting API lists the contact during ACW, isActive
			// true: the flow's settled() check holds it.
			name = "listed in ACW"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if listed {
				e.cx.Close()
				e.cx = cxonetest.NewServer(cxonetest.WithClock(e.clock.Now), cxonetest.WithWarehouseDelay(warehouse), cxonetest.WithListingInACW())
				t.Cleanup(e.cx.Close)
				e.cc = e.cxoneClient()
				e.resolved = e.cx.AddDisposition(cxonetest.Disposition{Name: "Resolved"}).ID
				e.voice = e.cx.AddSkill(cxonetest.Skill{Name: "Billing Voice", ACW: true, DispositionIDs: []int64{e.resolved}}).ID
				e.ann = e.cx.AddAgent(cxonetest.Agent{FirstName: "Ann", LastName: "Lee", SkillIDs: []int64{e.voice}}).ID
				if _, err := e.cx.LogIn(e.ann); err != nil {
					t.Fatal(err)
				}
				cfg := e.config()
				cfg.CXone = e.cc
				e.flow = e.newFlow(cfg)
			}
			before := e.writes()
			id, err := e.cx.StartContact(cxonetest.NewContact{SkillID: e.voice, From: callerPhone})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.cx.Deliver(id, e.ann); err != nil {
				t.Fatal(err)
			}
			if err := e.cx.EndContact(id, false); err != nil {
				t.Fatal(err)
			}
			if c, _ := e.cx.Contact(id); c.Phase != cxonetest.PhaseACW {
				t.Fatalf("phase %s, want ACW", c.Phase)
			}
			e.warehouse()
			st := e.poll()
			if n := e.writes() - before; n != 0 {
				t.Fatalf("%d Zendesk writes while the agent is in ACW; poll %+v", n, st)
			}
			rs := e.resultsFor(id)
			if listed {
				if len(rs) != 1 || rs[0].Outcome != flow.Ignored || rs[0].Detail != DetailNotComplete || !st.Held {
					t.Fatalf("listed in ACW: poll %+v, results %v", st, rs)
				}
			} else if len(rs) != 0 || st.Contacts != 0 {
				t.Fatalf("not listed: poll %+v, results %v", st, rs)
			}
			if err := e.cx.Disposition(id, e.resolved, "Refund promised in ACW"); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Minute)
			if err := e.cx.FinishACW(id); err != nil {
				t.Fatal(err)
			}
			e.warehouse()
			e.poll()
			rs = e.resultsFor(id)
			if last := rs[len(rs)-1]; last.Outcome != flow.Applied {
				t.Fatalf("after ACW: %v", rs)
			}
			if got := e.field(e.openTicket, "CXone disposition"); got != "Resolved" {
				t.Errorf("disposition = %q after ACW", got)
			}
			if got := e.field(e.openTicket, "CXone notes"); got != "Refund promised in ACW" {
				t.Errorf("notes = %q after ACW", got)
			}
		})
	}
}
