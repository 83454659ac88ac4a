package statussync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

const automationSecret = "automation-secret"

// env is a flow between the two fakes, over real HTTP: the fake Zendesk
// delivers its agent events to the flow's Zendesk handler, and (when
// automation is on) the fake babelforce's presence changes are posted to
// the flow's automation handler, as babelforce's automation would.
type env struct {
	t    *testing.T
	zd   *zendesktest.Server
	bf   *babelforcetest.Server
	zc   *zendesk.Client
	bc   *babelforce.Client
	flow *statussync.Flow
	cfg  statussync.Config

	zsrv, asrv *httptest.Server
	handler    atomic.Pointer[http.Handler] // the flow's Zendesk handler, once built

	autoInflight atomic.Int64
	autoSent     atomic.Int64
	automation   atomic.Bool

	mu      sync.Mutex
	results []statussync.Result

	provision flow.Report
	secret    string // the Zendesk webhook's signing secret
}

type envOption func(*envSettings)

type envSettings struct {
	cfg         func(*statussync.Config)
	automation  bool
	noProvision bool
	bfOpts      []babelforce.Option
	zdOpts      []zendesktest.Option
}

func withConfig(f func(*statussync.Config)) envOption {
	return func(s *envSettings) { s.cfg = f }
}
func withoutProvision() envOption { return func(s *envSettings) { s.noProvision = true } }
func withAutomation() envOption   { return func(s *envSettings) { s.automation = true } }
func withZendeskOptions(o ...zendesktest.Option) envOption {
	return func(s *envSettings) { s.zdOpts = append(s.zdOpts, o...) }
}
func withBabelforceOptions(o ...babelforce.Option) envOption {
	return func(s *envSettings) { s.bfOpts = append(s.bfOpts, o...) }
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	var set envSettings
	for _, o := range opts {
		o(&set)
	}
	e := &env{t: t}
	e.zd = zendesktest.NewServer(append([]zendesktest.Option{zendesktest.WithDeliverySleep(zendesktest.NoSleep)}, set.zdOpts...)...)
	t.Cleanup(e.zd.Close)
	e.bf = babelforcetest.NewServer()
	t.Cleanup(e.bf.Close)

	var err error
	e.zc, err = zendesk.NewClient(zendesk.WithBaseURL(e.zd.URL), zendesk.WithAPIToken(e.zd.Email, e.zd.APIToken),
		zendesk.WithRetryWaitMax(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	e.bc, err = babelforce.NewClient(append([]babelforce.Option{babelforce.WithBaseURL(e.bf.URL),
		babelforce.WithPassword(e.bf.Username, e.bf.Password, babelforce.WithNonExpiringToken()),
		babelforce.WithRetryWaitMax(5 * time.Millisecond)}, set.bfOpts...)...)
	if err != nil {
		t.Fatal(err)
	}

	e.zsrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := e.handler.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.Error(w, "no flow yet", http.StatusServiceUnavailable)
	}))
	t.Cleanup(e.zsrv.Close)

	e.secret = "unprovisioned"
	if !set.noProvision {
		e.provision, err = statussync.Provision(t.Context(), statussync.ProvisionConfig{
			Zendesk: e.zc, Babelforce: e.bc, Endpoint: e.zsrv.URL + "/zendesk",
		})
		if err != nil {
			t.Fatalf("Provision: %v", err)
		}
		if e.secret, err = statussync.SigningSecret(t.Context(), e.zc, e.provision); err != nil {
			t.Fatal(err)
		}
	}

	e.cfg = statussync.Config{
		Zendesk: e.zc, Babelforce: e.bc,
		ZendeskSecrets: []string{e.secret},
		AutomationAuth: webhook.SharedSecretVerifier{Secrets: []string{automationSecret}},
		RetryAfter:     time.Second,
		OnResult: func(r statussync.Result) {
			e.mu.Lock()
			e.results = append(e.results, r)
			e.mu.Unlock()
		},
	}
	if set.cfg != nil {
		set.cfg(&e.cfg)
	}
	e.flow, err = statussync.New(e.cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h := e.flow.ZendeskHandler()
	e.handler.Store(&h)
	e.asrv = httptest.NewServer(e.flow.AutomationHandler())
	t.Cleanup(e.asrv.Close)

	if set.automation {
		e.automation.Store(true)
	}
	e.bf.OnPresenceChange(func(ch babelforcetest.PresenceChange) {
		if !e.automation.Load() {
			return
		}
		// babelforce runs automations asynchronously; so does this one.
		e.autoInflight.Add(1)
		e.autoSent.Add(1)
		go func() {
			defer e.autoInflight.Add(-1)
			body := fmt.Sprintf(`{"event_id":"bf-%s-%d","agent_id":%q,"source_id":%q,"presence":%q,"changed_at":%q}`,
				ch.AgentID, ch.Time.UnixNano(), ch.AgentID, ch.SourceID, ch.To, ch.Time.UTC().Format(time.RFC3339Nano))
			resp := e.postAutomation(body, automationSecret)
			if resp.status != http.StatusOK {
				t.Logf("automation post for %s → %s: %d %s", ch.AgentID, ch.To, resp.status, resp.body)
			}
		}()
	})
	return e
}

// agent adds an agent to both fakes (babelforce sourceId = Zendesk id).
func (e *env) agent(name string) (int64, string) {
	e.t.Helper()
	zid := e.zd.AddAgent(name, strings.ToLower(name)+"@example.com")
	a := e.bf.AddAgent(babelforcetest.Agent{Name: name, SourceID: strconv.FormatInt(zid, 10)})
	return zid, a.ID
}

// settle waits until no Zendesk delivery and no automation call is in
// flight, and none was started while waiting.
func (e *env) settle() {
	e.t.Helper()
	settleFakes(e.t, e.zd, &e.autoInflight, &e.autoSent, 10*time.Second, 100)
}

// settleFakes waits, for at most d and rounds rounds, until zd delivers
// nothing and no automation call is in flight (inflight), with nothing
// new delivered or sent (sent) while waiting.
func settleFakes(t *testing.T, zd *zendesktest.Server, inflight, sent *atomic.Int64, d time.Duration, rounds int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	for range rounds {
		n, a := len(zd.Deliveries()), sent.Load()
		if err := zd.WaitDeliveries(ctx); err != nil {
			t.Fatalf("WaitDeliveries: %v", err)
		}
		for inflight.Load() > 0 {
			if ctx.Err() != nil {
				t.Fatal("automation calls still in flight")
			}
			time.Sleep(time.Millisecond)
		}
		if len(zd.Deliveries()) == n && sent.Load() == a {
			return
		}
	}
	t.Fatal("the fakes do not settle")
}

// setStatus sets a Zendesk agent's unified status as the agent would, and
// settles.
func (e *env) setStatus(zid, statusID int64) {
	e.t.Helper()
	if err := e.zd.SetAgentStatus(zid, statusID); err != nil {
		e.t.Fatal(err)
	}
	e.settle()
}

func (e *env) takeResults() []statussync.Result {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.results
	e.results = nil
	return r
}

// outcomes summarises results as "source kind from→to: outcome" lines,
// leaving out the ignored channel events.
func outcomes(rs []statussync.Result) []string {
	var out []string
	for _, r := range rs {
		if r.Outcome == flow.Ignored && strings.HasPrefix(r.Kind, "agent.state_changed (") && !strings.Contains(r.Kind, "support") {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s %s→%s: %s", r.Source, r.Kind, r.From, r.To, r.Outcome))
	}
	return out
}

type response struct {
	status int
	header http.Header
	body   string
}

func post(t *testing.T, url string, header http.Header, body []byte) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", url, err)
		return response{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: strings.TrimSpace(string(b))}
}

func (e *env) postAutomation(body, secret string) response {
	h := http.Header{}
	if secret != "" {
		h.Set("Authorization", "Bearer "+secret)
	}
	return post(e.t, e.asrv.URL, h, []byte(body))
}

// sendZendesk posts a signed Zendesk event to the flow's handler.
func (e *env) sendZendesk(body []byte) response {
	e.t.Helper()
	sig, ts := webhook.SignZendesk(e.secret, time.Now(), body)
	h := http.Header{}
	h.Set(webhook.HeaderZendeskSignature, sig)
	h.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
	return post(e.t, e.zsrv.URL+"/zendesk", h, body)
}

// stateEvent is an agent.state_changed body.
func stateEvent(id string, agentID int64, channel, from, to string, at time.Time) []byte {
	return mustJSON(map[string]any{
		"account_id": 1, "id": id, "subject": fmt.Sprintf("zen:agent:%d", agentID),
		"time": at.Format(time.RFC3339Nano), "type": webhook.ZendeskTypeAgentStateChanged, "zendesk_event_version": "2022-11-06",
		"detail": map[string]string{"account_id": "1", "agent_id": strconv.FormatInt(agentID, 10), "version": "1"},
		"event":  map[string]string{"updated_at": at.Format(time.RFC3339Nano), "previous_state": from, "new_state": to, "channel": channel},
	})
}

// unifiedEvent is an agent.unified_state_changed body.
func unifiedEvent(id string, agentID int64, from, to string, toID int64, at time.Time) []byte {
	return mustJSON(map[string]any{
		"account_id": 1, "id": id, "subject": fmt.Sprintf("zen:agent:%d", agentID),
		"time": at.Format(time.RFC3339Nano), "type": webhook.ZendeskTypeAgentUnifiedStateChanged, "zendesk_event_version": "2022-11-06",
		"detail": map[string]string{"account_id": "1", "agent_id": strconv.FormatInt(agentID, 10), "version": "1"},
		"event": map[string]any{
			"new_unified_state":      map[string]string{"id": strconv.FormatInt(toID, 10), "name": to, "reason": "AGENT_STATUS_SWITCHER"},
			"previous_unified_state": map[string]string{"id": "0", "name": from, "reason": "UNKNOWN"},
			"updated_at":             at.Format(time.RFC3339Nano),
		},
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// zendeskStatus returns the agent's unified status name in the fake.
func (e *env) zendeskStatus(zid int64) string {
	e.t.Helper()
	av, ok := e.zd.Availability(zid)
	if !ok {
		e.t.Fatalf("no Zendesk agent %d", zid)
	}
	return av.StatusName
}

// statusPUTs counts the flow's unified status changes in Zendesk.
func (e *env) statusPUTs() int {
	return e.zd.RequestCount(http.MethodPut, "/api/v2/agent_availabilities/agent_statuses/agents/")
}

// presencePUTs counts presence changes sent to babelforce.
func (e *env) presencePUTs() int {
	n := 0
	for _, r := range e.bf.Requests() {
		if r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/status") {
			n++
		}
	}
	return n
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func mustRequest(t *testing.T, body []byte) *http.Request {
	t.Helper()
	return httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/", bytes.NewReader(body))
}

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
