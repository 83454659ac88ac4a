package memorialize

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
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

// casStore counts the updates of the re-fetch schedule another writer
// won (a SetIfNewer that stored nothing). With always, every update loses,
// as if other replicas changed the schedule all the time. after runs as
// the first read of the schedule returns.
type casStore struct {
	*store.Memory
	always bool
	after  afterRead

	mu        sync.Mutex
	conflicts int
}

func (s *casStore) Get(ctx context.Context, key string) (string, bool, error) {
	v, ok, err := s.Memory.Get(ctx, key)
	s.after.read(key)
	return v, ok, err
}

func (s *casStore) SetIfNewer(ctx context.Context, key string, version int64, value string, ttl time.Duration) (bool, error) {
	stored := false
	var err error
	if !s.always || key != keyRefetch {
		stored, err = s.Memory.SetIfNewer(ctx, key, version, value, ttl)
	}
	if key == keyRefetch && !stored && err == nil {
		s.mu.Lock()
		s.conflicts++
		s.mu.Unlock()
	}
	return stored, err
}

// Batch hides the Memory's, so that every op goes through the methods
// above.
func (s *casStore) Batch(ctx context.Context, ops []*store.Op) {
	for _, op := range ops {
		op.Result = store.RunOp(ctx, s, op)
	}
}

// Review finding 6 (fixes5 M): two Studio calls on one replica scheduling
// at once take turns on the schedule, rather than each reading it and one
// losing its update to the other (and retrying, or failing after
// refetchCAS). The second call starts while the first has read the
// schedule; it gets its turn once the first stored.
func TestRefetchUpdatesOfOneProcessNeverConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.RefetchDelays = testRefetchDelays })
	st := &casStore{Memory: &store.Memory{Now: e.clock.Now}}
	cfg := e.config()
	cfg.Store = st
	f := e.newFlow(cfg)
	var second error
	done := make(chan struct{})
	st.after = afterRead{key: keyRefetch, run: func() {
		go func() {
			defer close(done)
			_, second = f.scheduleRefetch(t.Context(), 2)
		}()
		// Unfixed, the second call reads and stores in this while; fixed,
		// it waits for the first call's turn to end.
		select {
		case <-done:
		case <-time.After(100 * time.Millisecond):
		}
	}}
	if _, err := f.scheduleRefetch(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	<-done
	if second != nil {
		t.Fatal(second)
	}
	if st.conflicts != 0 {
		t.Errorf("%d updates of the schedule lost to the same process", st.conflicts)
	}
	st2, err := f.readRefetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st2.Contacts[1]; !ok || len(st2.Contacts) != 2 {
		t.Errorf("schedule %v, want contacts 1 and 2", st2.Contacts)
	}
}

// Review finding 6 (fixes5 M): an update of the schedule other replicas
// keep winning backs off, a little more each time and jittered, between
// its refetchCAS attempts, and then fails with a store error; the waits
// end with the context.
func TestRefetchUpdateBacksOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st := &casStore{Memory: &store.Memory{Now: e.clock.Now}, always: true}
	cfg := e.config()
	cfg.Store = st
	f := e.newFlow(cfg)
	var waits []time.Duration
	f.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	_, err := f.scheduleRefetch(t.Context(), 1)
	var se *storeError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), strconv.Itoa(refetchCAS)) {
		t.Fatalf("error %v, want a store error naming the %d attempts", err, refetchCAS)
	}
	if st.conflicts != refetchCAS || len(waits) != refetchCAS-1 {
		t.Fatalf("%d attempts and %d waits, want %d and %d", st.conflicts, len(waits), refetchCAS, refetchCAS-1)
	}
	for i, d := range waits {
		ceil := min(refetchBackoff<<i, refetchBackoffMax)
		if d < ceil/2 || d > ceil {
			t.Errorf("wait %d: %v, want %v to %v", i+1, d, ceil/2, ceil)
		}
	}
	// A context that ends during a wait ends the update there.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	waits, st.conflicts = nil, 0
	f.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		cancel()
		return ctx.Err()
	}
	if _, err := f.scheduleRefetch(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("with the context ended in the first wait: %v", err)
	}
	if len(waits) != 1 || st.conflicts != 1 {
		t.Errorf("%d waits and %d attempts after the context ended in the first wait", len(waits), st.conflicts)
	}
}

// Review finding 6 (fixes5 M): the re-fetch schedule lives refetchTTL
// (24 h) past its last write; delays adding up to more are refused, with
// the limit named, rather than outliving it.
func TestRefetchDelaysBoundedByTheSchedulesTTL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := e.config()
	cfg.RefetchDelays = []time.Duration{12 * time.Hour, 12 * time.Hour}
	if _, err := New(cfg); err != nil {
		t.Errorf("delays of 24h in all: %v", err)
	}
	cfg.RefetchDelays = []time.Duration{12 * time.Hour, 12*time.Hour + time.Second}
	_, err := New(cfg)
	var ce *flow.ConfigError
	if !errors.As(err, &ce) || ce.Field != "Config.RefetchDelays" || !strings.Contains(err.Error(), "24h") {
		t.Errorf("delays of 24h0m1s in all: %v", err)
	}
	// Delays that would overflow a sum are refused as well.
	cfg.RefetchDelays = []time.Duration{math.MaxInt64, math.MaxInt64, math.MaxInt64}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "48h0m0s or more") {
		t.Errorf("delays of 3 × 292 years: %v", err)
	}
}
