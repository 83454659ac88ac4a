package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/braze/smsbridge"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestRunDemo(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-demo"}, &out); err != nil {
		t.Fatalf("run -demo: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"Applied: 5 created, 1 skipped.",
		"No changes: all 5 items are as wanted (1 skipped).",
		`ticket #1 "SMS from Chloé Martin" opened, requested by Chloé Martin (braze_external_id cust-42)`,
		"zendesk_ticket = 1, zendesk_ticket_open = true",
		"The same delivery again: 200 duplicate.",
		"Braze's attempts: 503 (Retry-After honoured: 1s), then 200",
		"Zendesk's attempts: 503 (Retry-After honoured: 1s), then 200",
		"zendesk_ticket_open = false",
		"SMS sent      Thanks! A replacement ships today & arrives Friday.\n\n                Anything else?",
		"SMS received  The box arrived damaged 😕\n                \"Fragile\" sticker & all.",
		"SMS sent      Your ticket has been closed   (closing campaign)",
		"Both sides agree: 5 messages, each once and in order",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "DISAGREEMENT") {
		t.Errorf("output:\n%s", got)
	}
}

// TestRunDemoReplicas plays the demo through three bridges on one store
// (Redis when redis-server is on PATH or REDIS_URL is set, else one
// store.Memory) and ends with the same check.
func TestRunDemoReplicas(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	forgetRunKeys(t, &out)
	if err := run(t.Context(), []string{"-demo", "-replicas", "3"}, &out); err != nil {
		t.Fatalf("run -demo -replicas 3: %v\n%s", err, out.String())
	}
	for _, want := range []string{"3 bridges behind a round-robin balancer, sharing ", "The same delivery again: 200 duplicate.",
		"Both sides agree: 5 messages, each once and in order"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(t.Context(), []string{"-demo", "-replicas", "0"}, io.Discard); err == nil {
		t.Error("-replicas 0 accepted")
	}
}

// forgetRunKeys deletes, when t ends, what the demo whose output is out
// kept in the Redis at REDIS_URL: the keys under the prefix its output
// names ("keys under <prefix>."), and only those, as another run may be
// using the same Redis. Its records would live for hours. Without
// REDIS_URL the demo keeps its state in memory, or in a redis-server it
// starts and stops.
func forgetRunKeys(t *testing.T, out *bytes.Buffer) {
	url := os.Getenv(redistest.EnvURL)
	if url == "" {
		return
	}
	t.Cleanup(func() {
		_, rest, ok := strings.Cut(out.String(), "), keys under ")
		if !ok || len(strings.Fields(rest)) == 0 {
			return // the run stopped before it opened the store
		}
		prefix := strings.TrimSuffix(strings.Fields(rest)[0], ".")
		opts, err := redis.ParseURL(url)
		if err != nil {
			t.Errorf("%s is not a Redis URL: the demo's keys are left", redistest.EnvURL)
			return
		}
		c := redis.NewClient(opts)
		defer c.Close()
		deleteUnder(t, c, []string{prefix}, "deskbridge:smsbridge-demo:")
	})
}

// deleteUnder deletes every key under each of prefixes (which hold no
// glob character) from the Redis c, listing them with SCAN, which unlike
// KEYS does not block a shared Redis while it looks. A prefix is read from
// a run's output: unless it is a run's own, one of runBases followed by
// the run's id, t fails and nothing is deleted, so that a misread output
// cannot empty a production prefix, or every run's.
func deleteUnder(t *testing.T, c *redis.Client, prefixes []string, runBases ...string) {
	t.Helper()
	for _, p := range prefixes {
		if !slices.ContainsFunc(runBases, func(base string) bool {
			return len(p) > len(base) && strings.HasPrefix(p, base)
		}) || strings.ContainsAny(p, "*?[]\\") {
			t.Fatalf("refusing to delete the keys under %q: not a run's own prefix (one of %q, then the run's id)", p, runBases)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // t's context has ended
	defer cancel()
	for _, p := range prefixes {
		iter := c.Scan(ctx, 0, p+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("listing the run's keys under %s to delete them: %v", p, err)
			continue
		}
		if len(keys) > 0 {
			if err := c.Del(ctx, keys...).Err(); err != nil {
				t.Errorf("deleting the run's keys under %s: %v", p, err)
			}
		}
	}
}

// get returns the status and body of a GET.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDemoNoticesDisagreement checks the check: an SMS Zendesk does not
// know about makes the demo fail.
func TestDemoNoticesDisagreement(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	d := &demo{out: &out}
	stop, err := d.setUp(t.Context())
	defer stop()
	if err != nil {
		t.Fatal(err)
	}
	ticket, err := d.conversation(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	bc, _ := braze.NewClient(braze.WithBaseURL(d.bz.URL), braze.WithAPIKey(d.bz.APIKey()))
	if _, err := bc.Campaigns.TriggerSend(t.Context(), &braze.CampaignTriggerRequest{CampaignID: d.reply,
		Recipients: []braze.Recipient{{ExternalUserID: customerID, TriggerProperties: map[string]any{"msg_body": "a stray SMS"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := d.transcript(ticket); err == nil || !strings.Contains(out.String(), "DISAGREEMENT") {
		t.Errorf("a stray SMS went unnoticed: %v\n%s", err, out.String())
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(env(nil), false)
	var ce *configError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v", err)
	}
	for _, want := range []string{
		"missing ZENDESK_SUBDOMAIN: the Zendesk account",
		"missing ZENDESK_EMAIL and ZENDESK_API_TOKEN",
		"missing ZENDESK_WEBHOOK_SECRET: the Zendesk webhook's signing secret",
		"missing BRAZE_INSTANCE",
		"missing BRAZE_API_KEY: a Braze REST key with campaigns.trigger.send, users.track and users.export.ids",
		"missing BRAZE_REPLY_CAMPAIGN_ID",
		"missing BRIDGE_BRAZE_SECRET",
		"or run with -demo",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "PUBLIC_URL") || strings.Contains(err.Error(), "CLOSING") {
		t.Errorf("optional variables reported missing:\n%v", err)
	}
	// With -provision the webhook secret is read, but PUBLIC_URL is needed.
	_, err = loadConfig(env(map[string]string{"ZENDESK_EMAIL": "a@b.c"}), true)
	if err == nil || strings.Contains(err.Error(), "ZENDESK_WEBHOOK_SECRET") || !strings.Contains(err.Error(), "missing PUBLIC_URL") ||
		!strings.Contains(err.Error(), "missing ZENDESK_API_TOKEN: the API token of ZENDESK_EMAIL") {
		t.Errorf("-provision: %v", err)
	}
	full := map[string]string{
		"ZENDESK_SUBDOMAIN": "acme", "ZENDESK_OAUTH_TOKEN": "tok", "ZENDESK_WEBHOOK_SECRET": "new, old",
		"BRAZE_INSTANCE": "EU-01", "BRAZE_API_KEY": "k", "BRAZE_REPLY_CAMPAIGN_ID": "r", "BRAZE_CLOSING_CAMPAIGN_ID": "c",
		"BRIDGE_BRAZE_SECRET": "s", "PUBLIC_URL": "https://sms.example.com", "SMSBRIDGE_DELIVERY": "at-least-once", "ADDR": "127.0.0.1:0",
	}
	cfg, err := loadConfig(env(full), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.zendeskSecrets) != 2 || cfg.delivery != smsbridge.AtLeastOnce || cfg.addr != "127.0.0.1:0" || cfg.closingCampaign != "c" ||
		cfg.redisURL != "" || cfg.redisPrefix != defaultRedisPrefix {
		t.Errorf("config: %+v", cfg)
	}
	full["REDIS_URL"], full["SMSBRIDGE_REDIS_PREFIX"] = "redis://:pw@127.0.0.1:6379/0", "acme:sms:"
	if cfg, err = loadConfig(env(full), true); err != nil || cfg.redisURL != full["REDIS_URL"] || cfg.redisPrefix != "acme:sms:" {
		t.Errorf("Redis config: %+v %v", cfg, err)
	}
	// A REDIS_URL that does not parse is refused without being echoed
	// (it may hold a password).
	if _, err := openStore(t.Context(), "http://:secret-pw@x", "p:", false); err == nil || strings.Contains(err.Error(), "secret-pw") {
		t.Errorf("bad REDIS_URL: %v", err)
	}
	for k, v := range map[string]string{"BRAZE_INSTANCE": "XX-99", "PUBLIC_URL": "sms.example.com", "SMSBRIDGE_DELIVERY": "twice", "SMSBRIDGE_REDIS_PREFIX": "{acme}:"} {
		bad := map[string]string{}
		for kk, vv := range full {
			bad[kk] = vv
		}
		bad[k] = v
		if _, err := loadConfig(env(bad), true); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}

// TestRealMode runs the real mode's server against the fakes, with
// -provision.
func TestRealMode(t *testing.T) {
	t.Parallel()
	zd, bz, srv, out := serveReal(t, nil)
	for _, want := range []string{"Applied: 5 created", "Braze setup", srv.URL + smsbridge.InboundSMSPath, "state: one store.Memory in this process (single-replica"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	resp, err := http.Get(srv.URL + healthzPath)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "ok\n" {
		t.Errorf("health: %d %q", resp.StatusCode, b)
	}
	// Ready: the store, Zendesk and Braze answer; not ready once Braze
	// refuses the key, which the answer names without what Braze said
	// (anyone can probe /readyz): that goes to the log.
	if status, body := get(t, srv.URL+readyzPath); status != 200 || body != "ready\n" {
		t.Errorf("readyz: %d %q", status, body)
	}
	bz.InjectFault(brazetest.Fault{Path: "/users/export/ids", Status: http.StatusUnauthorized})
	if status, body := get(t, srv.URL+readyzPath); status != http.StatusServiceUnavailable || body != "braze: not ready\n" {
		t.Errorf("readyz with Braze refusing: %d %q, want 503 \"braze: not ready\\n\"", status, body)
	}
	if log := out.String(); !strings.Contains(log, "msg=\"not ready\" check=braze error=") || !strings.Contains(log, "401") {
		t.Errorf("the log does not say why Braze is not ready:\n%s", log)
	}

	// An agent's reply goes out through the provisioned trigger.
	agent := zd.AddAgent("Ann", "ann@example.com")
	u := zd.AddUser(zendesktest.User{Name: "Chloé"})
	if err := zd.SetUserField(u.ID, smsbridge.DefaultUserField, customerID); err != nil {
		t.Fatal(err)
	}
	ticketID := createTicket(t, zd, u.ID)
	if err := zd.AgentReply(ticketID, agent, "Hi from the real mode", true); err != nil {
		t.Fatal(err)
	}
	if err := zd.WaitDeliveries(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s := bz.Sends(); len(s) != 1 || s[0].Message != "Hi from the real mode" {
		t.Errorf("sends: %+v\n%s", s, out.String())
	}
}

// TestProvisionWithAnOldSecret: ZENDESK_WEBHOOK_SECRET still holds the
// secret of an earlier webhook when -provision creates a new one; both
// secrets are accepted, so the new webhook's calls are not refused (401).
func TestProvisionWithAnOldSecret(t *testing.T) {
	t.Parallel()
	zd, bz, srv, out := serveReal(t, map[string]string{"ZENDESK_WEBHOOK_SECRET": "old-webhook-secret"})

	agent := zd.AddAgent("Ann", "ann@example.com")
	u := zd.AddUser(zendesktest.User{Name: "Chloé"})
	if err := zd.SetUserField(u.ID, smsbridge.DefaultUserField, customerID); err != nil {
		t.Fatal(err)
	}
	ticketID := createTicket(t, zd, u.ID)
	if err := zd.AgentReply(ticketID, agent, "Signed with the new secret", true); err != nil {
		t.Fatal(err)
	}
	if err := zd.WaitDeliveries(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s := bz.Sends(); len(s) != 1 || s[0].Message != "Signed with the new secret" {
		t.Errorf("sends: %+v\n%s", s, out.String())
	}
	for _, d := range zd.Deliveries() {
		if !d.Succeeded() {
			t.Errorf("delivery %s: %+v", d.InvocationID, d.Attempts)
		}
	}

	// The old secret still works (a webhook not yet rotated).
	body := `{"event":"reply","ticket_id":"` + strconv.FormatInt(ticketID, 10) + `","external_id":"` + customerID + `","comment":"old"}`
	sig, ts := webhook.SignZendesk("old-webhook-secret", time.Now(), []byte(body))
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+smsbridge.AgentReplyPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderZendeskSignature, sig)
	req.Header.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a call signed with the old secret: %d", resp.StatusCode)
	}
}

// serveReal builds the real mode's server with -provision against the
// fakes (a reply campaign, the demo's customer), the environment extra
// added, and serves it on a loopback port.
func serveReal(t *testing.T, extra map[string]string) (*zendesktest.Server, *brazetest.Server, *httptest.Server, *syncBuffer) {
	t.Helper()
	zd := zendesktest.NewServer(zendesktest.WithDeliverySleep(zendesktest.NoSleep))
	t.Cleanup(zd.Close)
	bz := brazetest.NewServer()
	t.Cleanup(bz.Close)
	reply, _ := bz.AddCampaign(brazetest.Campaign{Name: "reply", Message: smsbridge.ReplyMessageTemplate})
	bz.AddUser(brazetest.User{ExternalID: customerID})

	// The bridge's address is needed before it is built.
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	m := map[string]string{
		"ZENDESK_URL": zd.URL, "ZENDESK_EMAIL": zd.Email, "ZENDESK_API_TOKEN": zd.APIToken,
		"BRAZE_REST_URL": bz.URL, "BRAZE_API_KEY": bz.APIKey(), "BRAZE_REPLY_CAMPAIGN_ID": reply,
		"BRIDGE_BRAZE_SECRET": "s", "PUBLIC_URL": srv.URL,
	}
	for k, v := range extra {
		m[k] = v
	}
	cfg, err := loadConfig(env(m), true)
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer // the server's log, written while the test reads it
	h, closeStore, err := newServer(t.Context(), cfg, true, &out)
	if err != nil {
		t.Fatalf("newServer: %v\n%s", err, out.String())
	}
	t.Cleanup(closeStore)
	return zd, bz, srv, &out
}

// TestRealModeOnRedis: the real mode keeps its keys under
// SMSBRIDGE_REDIS_PREFIX in the Redis at REDIS_URL, and /readyz answers
// 503 naming the store while that Redis is down, 200 once it is back.
func TestRealModeOnRedis(t *testing.T) {
	t.Parallel()
	redistest.Require(t)
	rs, err := redistest.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.Close() })
	_, _, srv, out := serveReal(t, map[string]string{"REDIS_URL": rs.URL(), "SMSBRIDGE_REDIS_PREFIX": "acme:sms:"})
	if want := "state: Redis at REDIS_URL (" + rs.Addr() + "), keys under acme:sms:"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	if status, body := get(t, srv.URL+readyzPath); status != http.StatusOK || body != "ready\n" {
		t.Errorf("readyz: %d %q", status, body)
	}
	if err := rs.Stop(); err != nil {
		t.Fatal(err)
	}
	if status, body := get(t, srv.URL+readyzPath); status != http.StatusServiceUnavailable || body != "store: not ready\n" {
		t.Errorf("readyz with Redis down: %d %q; want 503 naming the store alone", status, body)
	}
	if log := out.String(); !strings.Contains(log, "msg=\"not ready\" check=store error=") {
		t.Errorf("the log does not say why the store is not ready:\n%s", log)
	}
	if err := rs.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	if status, body := get(t, srv.URL+readyzPath); status != http.StatusOK {
		t.Errorf("readyz with Redis back: %d %q", status, body)
	}
}

func createTicket(t *testing.T, zd *zendesktest.Server, requester int64) int64 {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, zd.URL+"/api/v2/tickets",
		strings.NewReader(`{"ticket":{"subject":"x","requester_id":`+strconv.FormatInt(requester, 10)+`,"comment":{"body":"help"}}}`))
	req.SetBasicAuth(zd.Email+"/token", zd.APIToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ts := zd.Tickets()
	return ts[len(ts)-1].ID
}

func TestRunFlagsAndEnv(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-nope"}, &out); err == nil {
		t.Error("unknown flag accepted")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	// serveUntilDone returns once the context is done.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := serveUntilDone(ctx, newHTTPServer(http.NotFoundHandler(), defaultTimeouts), ln); err != nil {
		t.Errorf("serveUntilDone: %v", err)
	}
}

// syncBuffer is a bytes.Buffer that the server can write while a test
// reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
