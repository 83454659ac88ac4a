package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestRunDemo(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	forgetRunKeys(t, &out)
	if err := run(t.Context(), []string{"-demo"}, &out); err != nil {
		t.Fatalf("run -demo: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"Applied: 6 created.",
		"No changes: all 6 items are as wanted.",
		"In a meeting (", "→ in_a_meeting",
		"baseline (first sight, not a change)",
		"applied: babelforce set to available",
		"applied: babelforce set to in_a_meeting",
		"200 duplicate: the agent's record has this event's time and state",
		"duplicate (applied before): dropped",
		"held in transit",
		"out of order (older than the last applied): dropped",
		"failed: babelforce answered 503 PUT (3 attempts) → 503, the sender retries",
		"echo of the flow's own change: dropped",
		"applied: Zendesk set to away (4) (no Zendesk status of this name: fallback)",
		"babelforce poller  Bob  presence           available → in_a_meeting  applied: Zendesk set to In a meeting",
		"Ann  Zendesk online (support online)", "babelforce available", "consistent",
		"Both sides are consistent",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(got, "INCONSISTENT") || t.Failed() {
		t.Logf("output:\n%s", got)
	}
}

// The demo through three replicas on one store ends as consistent as
// through one.
func TestRunDemoReplicas(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	forgetRunKeys(t, &out)
	if err := run(t.Context(), []string{"-demo", "-replicas", "3"}, &out); err != nil {
		t.Fatalf("run -demo -replicas 3: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{"3 flow replicas behind a round-robin balancer; their shared state: ", "Both sides are consistent"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if err := run(t.Context(), []string{"-replicas", "3"}, &out); err == nil {
		t.Error("-replicas without -demo was accepted")
	}
}

func TestRunLoad(t *testing.T) {
	t.Parallel()
	var out, out2, out3 bytes.Buffer
	forgetRunKeys(t, &out, &out2, &out3)
	if err := run(t.Context(), []string{"-load", "300", "-workers", "4"}, &out); err != nil {
		t.Fatalf("run -load: %v\n%s", err, out.String())
	}
	for _, want := range []string{"300 signed agent.state_changed events", "50 agents, 4 concurrent senders", "events/s", "latency p50", "p99"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	res, err := runLoad(t.Context(), &out2, 20, 0)
	if err != nil || res.Events != 20 || res.Workers != 1 || res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 || res.PerSecond <= 0 {
		t.Errorf("runLoad = %+v, %v", res, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := runLoad(ctx, &out3, 20, 2); err == nil {
		t.Error("a cancelled load reported no error")
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	if percentile(d, 50) != 50 || percentile(d, 99) != 99 || percentile(d[:1], 99) != 1 || percentile(nil, 50) != 0 {
		t.Error("percentile")
	}
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-demo", "-load", "5"},
		{"-load", "-1"},
		{"-nope"},
		{"extra"},
	} {
		err := run(t.Context(), args, &bytes.Buffer{})
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func envMap(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestEnvFromListsWhatIsMissing(t *testing.T) {
	t.Parallel()
	_, err := envFrom(envMap(nil), false)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"ZENDESK_SUBDOMAIN: the Zendesk account",
		"ZENDESK_EMAIL and ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN",
		"ZENDESK_WEBHOOK_SECRET: the signing secret",
		"BABELFORCE_ENV: the babelforce environment",
		"BABELFORCE_USERNAME: a babelforce manager user",
		"BABELFORCE_PASSWORD: that user's password",
		"or run with -demo",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "PUBLIC_URL") {
		t.Errorf("PUBLIC_URL is needed only with -provision:\n%v", err)
	}
	full := map[string]string{
		"ZENDESK_SUBDOMAIN": "acme", "ZENDESK_EMAIL": "a@acme.com", "ZENDESK_API_TOKEN": "tok",
		"ZENDESK_WEBHOOK_SECRET": " s1 , s2 ", "BABELFORCE_ENV": "acme", "BABELFORCE_USERNAME": "u", "BABELFORCE_PASSWORD": "p",
	}
	c, err := envFrom(envMap(full), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.webhookSecrets) != 2 || c.addr != ":8080" || c.pollInterval != 15*time.Second || !strings.HasPrefix(c.zendeskCred, "Basic ") {
		t.Errorf("%+v", c)
	}
	for _, tc := range []struct {
		set  map[string]string
		want string
	}{
		{map[string]string{"ZENDESK_API_TOKEN": ""}, "ZENDESK_API_TOKEN: an API token"},
		{map[string]string{"STATUSSYNC_POLL_INTERVAL": "soon"}, `STATUSSYNC_POLL_INTERVAL: "soon" is not a positive duration`},
		{map[string]string{"STATUSSYNC_POLL_INTERVAL": "off"}, "STATUSSYNC_SHARED_SECRET or STATUSSYNC_POLL_INTERVAL"},
	} {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for k, v := range tc.set {
			m[k] = v
		}
		_, err := envFrom(envMap(m), false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v", tc.set, err)
		}
	}
	// -provision needs PUBLIC_URL but not the webhook secret.
	m := map[string]string{}
	for k, v := range full {
		m[k] = v
	}
	delete(m, "ZENDESK_WEBHOOK_SECRET")
	if _, err := envFrom(envMap(m), true); err == nil || !strings.Contains(err.Error(), "PUBLIC_URL: the https base URL") || strings.Contains(err.Error(), "ZENDESK_WEBHOOK_SECRET") {
		t.Errorf("-provision: %v", err)
	}
	m["PUBLIC_URL"] = "not a url"
	if _, err := envFrom(envMap(m), true); err == nil || !strings.Contains(err.Error(), `PUBLIC_URL: "not a url" is not an http(s) URL`) {
		t.Errorf("bad PUBLIC_URL: %v", err)
	}
	m["PUBLIC_URL"] = "https://sync.example.com/"
	m["ZENDESK_OAUTH_TOKEN"] = "oauth"
	m["STATUSSYNC_SHARED_SECRET"] = "shh"
	m["STATUSSYNC_POLL_INTERVAL"] = "off"
	m["ADDR"] = "127.0.0.1:9999"
	c, err = envFrom(envMap(m), true)
	if err != nil || c.publicURL != "https://sync.example.com" || c.zendeskCred != "Bearer oauth" || c.pollInterval != 0 || c.addr != "127.0.0.1:9999" {
		t.Errorf("%+v %v", c, err)
	}
}

// served is the real mode running against the two fakes (through the
// base-URL overrides), provisioned, with Ann an agent on both sides.
type served struct {
	zd    *zendesktest.Server
	bf    *babelforcetest.Server
	zid   int64
	agent babelforcetest.Agent
	ln    net.Listener
	base  string
	out   *syncBuffer
	stop  func() error // stops serving and returns serveOn's error
}

// serveFakes starts serveOn with -provision, the fakes' URLs and
// credentials, a shared secret, a 10 ms poll, and extra (which may
// override them), and returns once it serves.
func serveFakes(t *testing.T, extra map[string]string) *served {
	t.Helper()
	s := &served{zd: zendesktest.NewServer(zendesktest.WithDeliverySleep(zendesktest.NoSleep)), bf: babelforcetest.NewServer(), out: &syncBuffer{}}
	t.Cleanup(s.zd.Close)
	t.Cleanup(s.bf.Close)
	s.zid = s.zd.AddAgent("Ann", "ann@example.com")
	s.agent = s.bf.AddAgent(babelforcetest.Agent{Name: "Ann", SourceID: strconv.FormatInt(s.zid, 10)})
	var err error
	if s.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	s.base = "http://" + s.ln.Addr().String()
	m := map[string]string{
		"ZENDESK_BASE_URL": s.zd.URL, "ZENDESK_EMAIL": s.zd.Email, "ZENDESK_API_TOKEN": s.zd.APIToken,
		"BABELFORCE_BASE_URL": s.bf.URL, "BABELFORCE_USERNAME": s.bf.Username, "BABELFORCE_PASSWORD": s.bf.Password,
		"STATUSSYNC_SHARED_SECRET": "shh", "STATUSSYNC_POLL_INTERVAL": "10ms", "PUBLIC_URL": s.base,
	}
	for k, v := range extra {
		m[k] = v
	}
	env, err := envFrom(envMap(m), true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serveOn(ctx, s.ln, env, true, s.out) }()
	s.stop = func() error { cancel(); return <-done }
	waitFor(t, func() bool { return strings.Contains(s.out.String(), "serving /zendesk") })
	return s
}

// TestServeAgainstFakes runs the real mode against the two fakes,
// provisioning first, and checks that a Zendesk change and a babelforce
// change cross over.
func TestServeAgainstFakes(t *testing.T) {
	t.Parallel()
	s := serveFakes(t, nil)
	zd, bf, zid, agent, ln, base, out := s.zd, s.bf, s.zid, s.agent, s.ln, s.base, s.out
	if want := "serving /zendesk/agent-status and /babelforce/presence on " + ln.Addr().String() + "; polling babelforce every 10ms"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}

	if err := zd.SetAgentStatus(zid, zendesktest.StatusAway); err != nil {
		t.Fatal(err)
	}
	if err := zd.WaitDeliveries(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := bf.Presence(agent.ID); got != "away" {
		t.Errorf("babelforce presence %q", got)
	}
	// The poller brings a babelforce change back.
	if err := bf.SetPresence(agent.ID, "available"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { av, _ := zd.Availability(zid); return av.StatusName == "online" })
	// The automation path is served and authenticated.
	resp, err := http.Post(base+automationPath, "application/json", strings.NewReader(`{}`))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("automation without secret: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Get(base + healthzPath)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	// Ready: the store and both vendors answer; not ready once babelforce
	// refuses, and the answer names it, not what babelforce said (anyone
	// can probe /readyz): that goes to the log.
	if status, body := getBody(t, base+readyzPath); status != http.StatusOK || body != "ready\n" {
		t.Errorf("readyz: %d %q", status, body)
	}
	bf.InjectFault(babelforcetest.Fault{Method: http.MethodGet, Path: "/api/v2/agents/presence/available", Status: http.StatusForbidden, Times: 1000})
	if status, body := getBody(t, base+readyzPath); status != http.StatusServiceUnavailable || body != "babelforce: not ready\n" {
		t.Errorf("readyz with babelforce refusing: %d %q, want 503 \"babelforce: not ready\\n\"", status, body)
	}
	if log := out.String(); !strings.Contains(log, "msg=\"not ready\" check=babelforce error=") || !strings.Contains(log, "403") {
		t.Errorf("the log does not say why babelforce is not ready:\n%s", log)
	}
	if err := s.stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
	for _, want := range []string{"Provisioning:", "+ created  zendesk webhook \"deskbridge statussync\"", "Mapping in effect:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// Without STATUSSYNC_SHARED_SECRET the automation path is not mounted, and
// the startup line does not claim it is.
func TestServeWithoutSharedSecret(t *testing.T) {
	t.Parallel()
	zd := zendesktest.NewServer(zendesktest.WithDeliverySleep(zendesktest.NoSleep))
	t.Cleanup(zd.Close)
	bf := babelforcetest.NewServer()
	t.Cleanup(bf.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	env, err := envFrom(envMap(map[string]string{
		"ZENDESK_BASE_URL": zd.URL, "ZENDESK_EMAIL": zd.Email, "ZENDESK_API_TOKEN": zd.APIToken,
		"BABELFORCE_BASE_URL": bf.URL, "BABELFORCE_USERNAME": bf.Username, "BABELFORCE_PASSWORD": bf.Password,
		"PUBLIC_URL": base,
	}), true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- serveOn(ctx, ln, env, true, &out) }()
	waitFor(t, func() bool { return strings.Contains(out.String(), "serving /zendesk") })
	want := "serving /zendesk/agent-status on " + ln.Addr().String() + " (not /babelforce/presence: STATUSSYNC_SHARED_SECRET is not set); polling babelforce every 15s"
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	resp, err := http.Post(base+automationPath, "application/json", strings.NewReader(`{}`))
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("automation path without a shared secret: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

func TestServingLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		automation bool
		poll       time.Duration
		want       string
	}{
		{true, 15 * time.Second, "serving /zendesk/agent-status and /babelforce/presence on :8080; polling babelforce every 15s"},
		{true, 0, "serving /zendesk/agent-status and /babelforce/presence on :8080; not polling babelforce"},
		{false, time.Minute, "serving /zendesk/agent-status on :8080 (not /babelforce/presence: STATUSSYNC_SHARED_SECRET is not set); polling babelforce every 1m0s"},
	} {
		if got := servingLine(":8080", c.automation, c.poll); got != c.want {
			t.Errorf("servingLine(%v, %v) = %q, want %q", c.automation, c.poll, got, c.want)
		}
	}
}

func TestServeRefusesAMisfitConfiguration(t *testing.T) {
	t.Parallel()
	zd := zendesktest.NewServer()
	t.Cleanup(zd.Close)
	bf := babelforcetest.NewServer()
	t.Cleanup(bf.Close)
	env, err := envFrom(envMap(map[string]string{
		"ZENDESK_BASE_URL": zd.URL, "ZENDESK_EMAIL": zd.Email, "ZENDESK_API_TOKEN": zd.APIToken, "ZENDESK_WEBHOOK_SECRET": "s",
		"BABELFORCE_BASE_URL": bf.URL, "BABELFORCE_USERNAME": bf.Username, "BABELFORCE_PASSWORD": bf.Password,
		"ADDR": "127.0.0.1:0",
	}), false)
	if err != nil {
		t.Fatal(err)
	}
	// Not provisioned: babelforce lacks the red presences.
	err = serve(t.Context(), env, false, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `create a red presence labelled "away"`) {
		t.Errorf("serve: %v", err)
	}
	env.addr = "256.0.0.1:1"
	if err := serve(t.Context(), env, false, &bytes.Buffer{}); err == nil {
		t.Error("no error for a bad address")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

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

// getBody returns the status and body of a GET.
func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
