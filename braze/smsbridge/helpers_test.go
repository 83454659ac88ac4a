package smsbridge

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

const (
	customer     = "cust-42"
	brazeSecret  = "braze-webhook-secret"
	supportWord  = "SUPPORT"
	testDeadline = 20 * time.Second
)

// env is a Zendesk fake, a Braze fake and a bridge between them over
// loopback HTTP, provisioned as a user would.
type env struct {
	t       *testing.T
	zd      *zendesktest.Server
	bz      *brazetest.Server
	zc      *zendesk.Client
	bc      *braze.Client
	flow    *Flow
	srv     *httptest.Server
	agent   int64
	report  flow.Report
	secret  string // the Zendesk webhook's signing secret
	reply   string // campaign IDs
	closing string
	logs    *syncBuffer
	cfg     Config                       // the bridge's, as given to New
	h       atomic.Pointer[http.Handler] // what srv serves
	route   func(http.Handler)           // replaces what srv serves

	mu          sync.Mutex
	undelivered []Undelivered
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// newEnv starts the fakes and the bridge; tweak adjusts the bridge's
// Config before New.
func newEnv(t *testing.T, tweak ...func(*Config)) *env {
	t.Helper()
	return newEnvWith(t, nil, tweak...)
}

// newEnvWith is newEnv with options for the Zendesk fake (after a
// delivery sleep that does not wait).
func newEnvWith(t *testing.T, zdOpts []zendesktest.Option, tweak ...func(*Config)) *env {
	t.Helper()
	e := &env{t: t, logs: &syncBuffer{}}
	e.zd = zendesktest.NewServer(append([]zendesktest.Option{zendesktest.WithDeliverySleep(zendesktest.NoSleep)}, zdOpts...)...)
	t.Cleanup(e.zd.Close)
	e.bz = brazetest.NewServer(brazetest.WithWebhookSleep(noSleep))
	t.Cleanup(e.bz.Close)

	h := &e.h
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := h.Load(); p != nil {
			(*p).ServeHTTP(w, r)
			return
		}
		http.Error(w, "not ready", http.StatusServiceUnavailable)
	}))
	t.Cleanup(e.srv.Close)

	var err error
	e.zc, err = zendesk.NewClient(zendesk.WithBaseURL(e.zd.URL), zendesk.WithAPIToken(e.zd.Email, e.zd.APIToken),
		zendesk.WithMaxRetries(1), zendesk.WithRetryWaitMax(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	e.bc, err = braze.NewClient(braze.WithBaseURL(e.bz.URL), braze.WithAPIKey(e.bz.APIKey()),
		braze.WithMaxRetries(1), braze.WithRetryWaitMax(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	e.report, err = Provision(ctx, ProvisionConfig{Zendesk: e.zc, BridgeURL: e.srv.URL})
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	if e.secret, err = SigningSecret(ctx, e.zc, e.report); err != nil {
		t.Fatal(err)
	}
	e.reply = e.mustCampaign(brazetest.Campaign{Name: "Zendesk agent reply", Message: ReplyMessageTemplate})
	e.closing = e.mustCampaign(brazetest.Campaign{Name: "Zendesk ticket closed", Message: ReplyMessageTemplate})
	for _, c := range BrazeWebhookCampaigns(e.srv.URL, supportWord, "Bearer "+brazeSecret) {
		e.mustCampaign(brazeCampaign(c))
	}
	e.bz.AddUser(brazetest.User{ExternalID: customer, FirstName: "Chloé", LastName: "Martin", Phone: "+33612345678"})
	e.agent = e.zd.AddAgent("Ann Agent", "ann@example.com")

	cfg := Config{
		Zendesk: e.zc, Braze: e.bc,
		ReplyCampaignID: e.reply, ClosingCampaignID: e.closing,
		ZendeskSecrets: []string{e.secret},
		BrazeAuth:      webhook.SharedSecretVerifier{Secrets: []string{brazeSecret}},
		RetryAfter:     time.Second,
		Logger:         slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnUndelivered: func(_ context.Context, u Undelivered) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.undelivered = append(e.undelivered, u)
		},
	}
	for _, f := range tweak {
		f(&cfg)
	}
	e.cfg = cfg
	e.flow, err = New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	handler := e.flow.Handler()
	h.Store(&handler)
	e.route = func(h http.Handler) { e.h.Store(&h) }
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("bridge log:\n%s", e.logs.String())
		}
	})
	return e
}

// brazeCampaign turns a documented webhook campaign into the fake's.
func brazeCampaign(c WebhookCampaign) brazetest.Campaign {
	w := &brazetest.Webhook{Method: c.Method, URL: c.URL, Header: c.Header.Clone(), Body: c.Body}
	if c.Keyword != "" {
		w.Keywords = []string{c.Keyword}
	}
	if c.AudienceAttribute != "" {
		w.Audience = []brazetest.Filter{{CustomAttribute: c.AudienceAttribute, Equals: true}}
	}
	return brazetest.Campaign{Name: c.Name, Webhook: w}
}

func (e *env) mustCampaign(c brazetest.Campaign) string {
	e.t.Helper()
	id, err := e.bz.AddCampaign(c)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// settle waits until neither fake has a delivery in flight.
func (e *env) settle() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), testDeadline)
	defer cancel()
	for range 3 {
		if err := e.bz.WaitWebhooks(ctx); err != nil {
			e.t.Fatalf("waiting for Braze webhooks: %v", err)
		}
		if err := e.zd.WaitDeliveries(ctx); err != nil {
			e.t.Fatalf("waiting for Zendesk deliveries: %v", err)
		}
	}
}

// text has the customer text the workspace and waits for the bridge.
func (e *env) text(msg string) brazetest.InboundSMS {
	e.t.Helper()
	in, err := e.bz.ReceiveSMS(customer, msg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.settle()
	return in
}

// agentSays has the agent answer in the agent UI and waits for the bridge.
func (e *env) agentSays(ticket int64, msg string) {
	e.t.Helper()
	if err := e.zd.AgentReply(ticket, e.agent, msg, true); err != nil {
		e.t.Fatal(err)
	}
	e.settle()
}

// openTicket texts SUPPORT and returns the ticket it opened.
func (e *env) openTicket() int64 {
	e.t.Helper()
	e.text(supportWord)
	tickets := e.zd.Tickets()
	if len(tickets) != 1 {
		e.t.Fatalf("%d tickets after %s, want 1\n%s", len(tickets), supportWord, e.logs.String())
	}
	return tickets[0].ID
}

// sends returns the SMS Braze sent to the customer.
func (e *env) sends() []brazetest.Send { return e.bz.SendsTo(customer) }

func (e *env) attrs() map[string]any {
	u, ok := e.bz.User(customer)
	if !ok {
		e.t.Fatalf("no Braze user %s", customer)
	}
	return u.CustomAttributes
}

func (e *env) undeliveredList() []Undelivered {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Undelivered(nil), e.undelivered...)
}

// publicComments returns the bodies of a ticket's public comments and
// their authors.
func (e *env) comments(ticket int64) []zendesktest.Comment { return e.zd.Comments(ticket) }

// post sends a raw request to the bridge.
func (e *env) post(path string, header http.Header, body string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// signedHeader signs body as the provisioned Zendesk webhook does.
func (e *env) signedHeader(body, invocation string) http.Header {
	sig, ts := webhook.SignZendesk(e.secret, time.Now(), []byte(body))
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(webhook.HeaderZendeskSignature, sig)
	h.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
	if invocation != "" {
		h.Set(webhook.HeaderZendeskInvocationID, invocation)
	}
	return h
}

// logged reports whether the bridge's log holds s (newEnv prints the
// log when a test fails).
func (e *env) logged(s string) bool { return strings.Contains(e.logs.String(), s) }

// meFails makes the next times reads of the bridge's own Zendesk user
// (Users.Me) fail with status.
func (e *env) meFails(status, times int) {
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/users/me", Status: status, Times: times})
}

// retriedAfter503 runs act and checks that it made one Zendesk webhook
// delivery, which the bridge answered 503 first and handled on a later
// attempt; attempts, when not 0, is how many it took.
func (e *env) retriedAfter503(attempts int, act func()) {
	e.t.Helper()
	n := len(e.zd.Deliveries())
	act()
	ds := e.zd.Deliveries()[n:]
	if len(ds) != 1 || !ds[0].Succeeded() || ds[0].Attempts[0].Status != http.StatusServiceUnavailable ||
		attempts != 0 && len(ds[0].Attempts) != attempts {
		e.t.Errorf("deliveries: %+v", ds)
	}
}

// removeLoopGuard drops "update is not via web service" from the reply
// trigger, as someone editing it by hand might: the bridge's own comments
// then fire it.
func (e *env) removeLoopGuard() {
	e.t.Helper()
	for tr, err := range e.zc.Triggers.List(e.t.Context(), nil) {
		if err != nil {
			e.t.Fatal(err)
		}
		if tr.Title != "Reply by Braze SMS" {
			continue
		}
		tr.Conditions.All = slices.DeleteFunc(tr.Conditions.All, func(c zendesk.Condition) bool { return c.Field == "current_via_id" })
		if _, err := e.zc.Triggers.Update(e.t.Context(), tr.ID, tr); err != nil {
			e.t.Fatal(err)
		}
	}
}
