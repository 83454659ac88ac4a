package memorialize

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
)

var testRefetchDelays = []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute}

// studio makes the Studio script's call for contact id and returns the
// status code.
func (e *env) studio(id int64) int {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(e.t.Context(), http.MethodPost, e.srv.URL+ContactEndedPath,
		strings.NewReader(`{"contactId": "`+strconv.FormatInt(id, 10)+`"}`))
	req.Header.Set("Authorization", "Bearer "+studioSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// pending returns the re-fetch schedule.
func (e *env) pending() map[int64]refetch {
	e.t.Helper()
	st, err := e.flow.readRefetch(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return st.Contacts
}

func bySource(rs []Result, src Source) []Result {
	var out []Result
	for _, r := range rs {
		if r.Source == src {
			out = append(out, r)
		}
	}
	return out
}

// In real use the script calls as the call ends: the agent is in ACW and
// the contact not in the Reporting API. The call schedules re-fetches;
// each poll past a due time re-fetches, until CXone lists the contact
// complete and the re-fetch writes it.
func TestStudioCallBeforeTheContactIsCompleteIsRefetched(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.RefetchDelays = testRefetchDelays })
	id, _ := e.cx.StartContact(cxonetest.NewContact{SkillID: e.voice, From: callerPhone})
	if err := e.cx.Deliver(id, e.ann); err != nil {
		t.Fatal(err)
	}
	if err := e.cx.EndContact(id, false); err != nil {
		t.Fatal(err)
	}
	start := e.clock.Now()
	if code := e.studio(id); code != http.StatusOK {
		t.Fatalf("Studio call: %d", code)
	}
	rs := e.resultsFor(id)
	if len(rs) != 1 || rs[0].Detail != DetailNotComplete || !rs[0].Refetch.Equal(start.Add(30*time.Second)) {
		t.Fatalf("Studio call: %v (refetch %v)", rs, rs[0].Refetch)
	}
	if p := e.pending(); len(p) != 1 || p[id].Tries != 0 {
		t.Fatalf("schedule %v", p)
	}
	if st := e.poll(); st.Refetched != 0 {
		t.Fatalf("re-fetched before due: %+v", st)
	}
	// Due, but still in ACW: fetched again, rescheduled after the next delay.
	e.clock.Advance(30 * time.Second)
	if st := e.poll(); st.Refetched != 1 {
		t.Fatalf("first re-fetch: %+v", st)
	}
	if p := e.pending(); p[id].Tries != 1 || p[id].Due != e.clock.Now().Add(time.Minute).UnixNano() {
		t.Fatalf("schedule after the first re-fetch %v", p)
	}
	if err := e.cx.Disposition(id, e.resolved, "done in ACW"); err != nil {
		t.Fatal(err)
	}
	if err := e.cx.FinishACW(id); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute + time.Second) // the warehousing delay, and the second wait
	if st := e.poll(); st.Refetched != 1 {
		t.Fatalf("second re-fetch: %+v", st)
	}
	got := bySource(e.resultsFor(id), SourceRefetch)
	if len(got) != 2 || got[1].Outcome != flow.Applied {
		t.Fatalf("re-fetches %v", got)
	}
	if len(e.pending()) != 0 {
		t.Errorf("schedule not emptied: %v", e.pending())
	}
	if d := e.field(e.openTicket, "CXone disposition"); d != "Resolved" {
		t.Errorf("disposition %q", d)
	}
	e.appliedOnce(id)
}

// The schedule is in the store: another replica's poll re-fetches, and
// gives up after the last delay (the poll alone writes the contact then).
func TestRefetchesAreBoundedAndDoneByAnyReplica(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.RefetchDelays = testRefetchDelays })
	cfg := e.config()
	cfg.RefetchDelays = testRefetchDelays
	other := e.newFlow(cfg)
	const never = 987654321 // no such contact
	if code := e.studio(never); code != http.StatusOK {
		t.Fatalf("Studio call: %d", code)
	}
	for i, wait := range testRefetchDelays {
		e.clock.Advance(wait)
		st, err := other.Poll(t.Context())
		if err != nil || st.Refetched != 1 {
			t.Fatalf("re-fetch %d on the other replica: %+v %v", i+1, st, err)
		}
	}
	if p := e.pending(); len(p) != 0 {
		t.Fatalf("still scheduled after %d re-fetches: %v", len(testRefetchDelays), p)
	}
	e.clock.Advance(time.Hour)
	if st, _ := other.Poll(t.Context()); st.Refetched != 0 {
		t.Fatalf("re-fetched past the bound: %+v", st)
	}
	if n := len(bySource(e.resultsFor(never), SourceRefetch)); n != len(testRefetchDelays) {
		t.Errorf("%d re-fetches, want %d", n, len(testRefetchDelays))
	}
	// A second call while scheduled keeps the backoff going rather than
	// starting it again.
	if code := e.studio(never); code != http.StatusOK {
		t.Fatal(code)
	}
	e.clock.Advance(30 * time.Second)
	if _, err := other.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if code := e.studio(never); code != http.StatusOK {
		t.Fatal(code)
	}
	if p := e.pending(); p[never].Tries != 1 {
		t.Errorf("a repeated call reset the backoff: %v", p)
	}
}

func TestRefetchDelaysValidated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := e.config()
	cfg.RefetchDelays = []time.Duration{time.Minute, 0, -time.Second}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "RefetchDelays[1]") || !strings.Contains(err.Error(), "RefetchDelays[2]") {
		t.Errorf("New: %v", err)
	}
}
