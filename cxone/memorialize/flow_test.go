package memorialize

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
)

// downStore fails every operation, as a store that is down does.
type downStore struct{ store.Store }

var errDown = errors.New("connection refused")

func (downStore) Get(context.Context, string) (string, bool, error)        { return "", false, errDown }
func (downStore) Set(context.Context, string, string, time.Duration) error { return errDown }
func (downStore) Add(context.Context, string, string, time.Duration) (bool, error) {
	return false, errDown
}
func (downStore) SetIfNewer(context.Context, string, int64, string, time.Duration) (bool, error) {
	return false, errDown
}
func (downStore) Delete(context.Context, string) error { return errDown }
func (downStore) DeleteIf(context.Context, string, string) (bool, error) {
	return false, errDown
}

func TestStoreDownHoldsEverything(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone}})
	e.warehouse()
	before := e.writes()
	cfg := e.config()
	cfg.Store = downStore{}
	f := e.newFlow(cfg)
	if _, err := f.Poll(t.Context()); !errors.Is(err, errDown) {
		t.Errorf("Poll: %v", err)
	}
	srv := httptest.NewServer(f.Handler())
	t.Cleanup(srv.Close)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+ContactEndedPath, strings.NewReader(`{"contactId": `+idText(id)+`}`))
	req.Header.Set("Authorization", "Bearer "+studioSecret)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("Studio call with the store down: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if e.writes() != before {
		t.Errorf("Zendesk written with the store down")
	}
	// The store back, the poll writes it.
	e.poll()
	if rs := e.resultsFor(id); rs[len(rs)-1].Outcome != flow.Applied {
		t.Errorf("results %v", rs)
	}
}

func TestRunPollsUntilCancelled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone}})
	e.warehouse()
	ctx, cancel := context.WithCancel(t.Context())
	cfg := e.config()
	cfg.PollInterval = 5 * time.Millisecond
	var key string
	cfg.OnResult = func(r Result) {
		if r.ContactID == id && r.Outcome == flow.Applied {
			key = r.Key
			cancel()
		}
	}
	if err := e.newFlow(cfg).Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	if want := strconv.FormatInt(id, 10); key != want {
		t.Errorf("Result.Key %q, want the contact id %s", key, want)
	}
}

func TestMemorializeRefusesABadID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if r := e.flow.Memorialize(t.Context(), 0); r.Outcome != flow.Rejected || !errors.Is(r.Err, deskbridge.ErrInvalid) || r.Key != "" {
		t.Errorf("result %v, key %q", r, r.Key)
	}
	if _, err := e.flow.Lookup(t.Context(), LookupRequest{}); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Errorf("empty lookup: %v", err)
	}
	recs, err := e.flow.Lookup(t.Context(), LookupRequest{ANI: "+10000000000"})
	if err != nil || len(recs) != 0 {
		t.Errorf("unknown ANI: %v, %v", recs, err)
	}
	recs, err = e.flow.Lookup(t.Context(), LookupRequest{UserID: e.customer})
	if err != nil || len(recs) != 1 || recs[0].Fields[0].Value != "Chloé Martin" {
		t.Errorf("by user: %+v, %v", recs, err)
	}
}

func TestResultString(t *testing.T) {
	t.Parallel()
	r := Result{Source: SourcePoll, ContactID: 7, Channel: Voice, Outcome: flow.Applied, Detail: DetailWritten,
		Records: []Written{{Type: Ticket, ID: 12, Values: []Value{{Text: "x"}, {Skip: SkipEmpty}}}}}
	if got := r.String(); got != "poll contact 7 (voice) ticket 12: 1 fields: applied (written)" {
		t.Errorf("String = %q", got)
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := e.config()
	cfg.PollInterval, cfg.PageSize = -1, 5000
	cfg.Workflows = Workflows{TicketVariable: "-", UserVariable: "Zendesk_User"}
	_, err := New(cfg)
	var fields []string
	for _, p := range flow.Problems(err) {
		fields = append(fields, p.Field)
	}
	for _, want := range []string{"Config.PollInterval", "Config.PageSize", "Config.Workflows.UserVariable", "Config.Workflows"} {
		if !strings.Contains(strings.Join(fields, " "), want) {
			t.Errorf("no problem for %s: %v", want, err)
		}
	}
}
