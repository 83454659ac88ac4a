package memorialize

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
)

// replicas runs two replicas of the flow on one store, each polling and
// each taking Studio calls for every contact at once, and checks that
// every contact is written exactly once.
func replicas(t *testing.T, st func(*env) store.Store) {
	e := newEnv(t)
	shared := st(e)
	var flows [2]*Flow
	for i := range flows {
		cfg := e.config()
		cfg.Store = shared
		cfg.CXone = e.cxoneClient() // each replica its own clients
		flows[i] = e.newFlow(cfg)
	}
	const n = 12
	var ids []int64
	for i := range n {
		from := callerPhone
		if i%3 == 1 {
			from = "+3370000" + strconv.Itoa(1000+i) // unknown callers: created records
		}
		ids = append(ids, e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: from},
			DispositionID: e.resolved, DispositionNotes: "note " + strconv.Itoa(i)}))
		e.clock.Advance(time.Second)
	}
	e.warehouse()
	var wg sync.WaitGroup
	for _, f := range flows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if _, err := f.Poll(t.Context()); err != nil {
					t.Error(err)
				}
			}
		}()
		srv := f.Handler()
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ContactEndedPath,
					strings.NewReader(`{"contactId": `+strconv.FormatInt(id, 10)+`}`))
				req.Header.Set("Authorization", "Bearer "+studioSecret)
				w := &recorder{header: http.Header{}}
				srv.ServeHTTP(w, req)
				if w.code != http.StatusOK && w.code != http.StatusServiceUnavailable {
					t.Errorf("contact %d: Studio call answered %d", id, w.code)
				}
			}()
		}
	}
	wg.Wait()
	// A last poll picks up whatever a busy claim left behind.
	if _, err := flows[0].Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, id := range ids {
		applied := 0
		for _, r := range e.resultsFor(id) {
			if r.Outcome == flow.Applied {
				applied++
				for _, w := range r.Records {
					if w.Created {
						created++
					}
				}
			}
		}
		if applied != 1 {
			t.Errorf("contact %d applied %d times: %v", id, applied, e.resultsFor(id))
		}
	}
	if got := e.zd.RequestCount("POST", "/api/v2/tickets") - 1; got != created/2 { // one is the env's
		t.Errorf("%d tickets created for %d created records", got, created)
	}
}

type recorder struct {
	header http.Header
	code   int
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return len(b), nil
}
func (r *recorder) WriteHeader(c int) {
	if r.code == 0 {
		r.code = c
	}
}

func TestTwoReplicasOnMemory(t *testing.T) {
	t.Parallel()
	replicas(t, func(e *env) store.Store { return e.store })
}

func TestTwoReplicasOnRedis(t *testing.T) {
	t.Parallel()
	replicas(t, func(*env) store.Store {
		c, _ := redistest.Client(t)
		return redisstore.New(c, redistest.Prefix(t))
	})
}
