package statussync_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// An agent's babelforce change whose send to Zendesk failed for good (the
// automation gave up) leaves the sides apart. The reconciler then carries
// the agent's babelforce presence to Zendesk; it never pushes Zendesk's
// older status back over the agent's change (it did).
func TestReconcilerCarriesAPendingBabelforceChangeToZendesk(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *statussync.Config) { c.Store = store.NewMemory() }))
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusOnline)
	e.takeResults()

	// A replica whose Zendesk writes fail.
	cfg := e.cfg
	var err error
	cfg.Zendesk, err = zendesk.NewClient(zendesk.WithBaseURL(e.zd.URL), zendesk.WithAPIToken(e.zd.Email, e.zd.APIToken),
		zendesk.WithMaxRetries(0), zendesk.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPut {
				return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
			}
			return http.DefaultTransport.RoundTrip(r)
		})}))
	if err != nil {
		t.Fatal(err)
	}
	failing, err := statussync.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.bf.SetPresence(bid, "away"); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"event_id":"x-1","agent_id":%q,"source_id":"%d","presence":"away","changed_at":%q}`,
		bid, zid, time.Now().UTC().Format(time.RFC3339Nano))
	r := httptest.NewRequest(http.MethodPost, "/babelforce/presence", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+automationSecret)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	failing.AutomationHandler().ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("the failing replica answered %d %s, want 503", w.Code, w.Body)
	}
	if got := e.zendeskStatus(zid); got != "online" {
		t.Fatalf("Zendesk status %q before the reconciler, want online (the send failed)", got)
	}

	if err := e.flow.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("babelforce presence %q after the reconciler, want the agent's away", got)
	}
	if got := e.zendeskStatus(zid); got != "away" {
		t.Errorf("Zendesk status %q after the reconciler, want away (the agent's change carried over)", got)
	}
}
