package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/braze/smsbridge"
	"github.com/deskbridge/deskbridge/brightpattern/brightpatterntest"
	"github.com/deskbridge/deskbridge/dydu/dydutest"
	"github.com/deskbridge/deskbridge/dydu/escalation"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func newTestWorld(t *testing.T, flows ...string) *world {
	t.Helper()
	w, err := newWorld(flows...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.close)
	return w
}

// runCmd runs the command in-process and returns its exit code and
// output.
func runCmd(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, args, stdio{out: &out, err: &errOut, getenv: getenv})
	return code, out.String(), errOut.String()
}

func TestPlanApplyPlan(t *testing.T) {
	w := newTestWorld(t, "statussync", "smsbridge")
	file := filepath.Join(t.TempDir(), "deskbridge.yaml")
	if err := os.WriteFile(file, []byte(w.config()), 0o600); err != nil {
		t.Fatal(err)
	}
	runSteps(t, w.getenv, file, []cmdStep{
		{"plan", exitChanges, []string{"== smsbridge", `create   zendesk webhook "Braze SMS bridge"`, "== statussync", `+ create  babelforce presence "away"`, "All flows: Plan: 10 to create, 1 skipped."}},
		{"apply", exitOK, []string{`+ created  zendesk webhook "deskbridge statussync"`, "To do by hand:\nBraze setup", "All flows: Applied: 10 created, 1 skipped."}},
		{"plan", exitOK, []string{`= unchanged  zendesk webhook "deskbridge statussync"`, "All flows: No changes: all 10 items are as wanted"}},
		{"apply", exitOK, []string{"All flows: No changes"}},
		{"check", exitOK, []string{"== smsbridge (smsbridge)\n  ✓ zendesk demo: ", "\n  ✓ braze demo: the API key",
			"== statussync (statussync)\n  ✓ zendesk demo: ", "\n  ✓ babelforce demo: the credential"}},
	}, w.zd.APIToken, w.bf.Password)
	// Logs off a terminal are JSON, with a count per flow.
	_, _, errOut := runCmd(t, w.getenv, "plan", "-config", file, "-flow", "statussync")
	if !strings.Contains(errOut, `"msg":"provisioned","flow":"statussync","dry_run":true`) {
		t.Errorf("no JSON log record of the provision:\n%s", errOut)
	}
}

// cmdStep is one command of a test's sequence: its exit code and what its
// output holds (a want starting with "!": what it must not hold).
type cmdStep struct {
	cmd  string
	code int
	want []string
}

// runSteps runs each step's command on file, in order, and checks its exit
// code and output; no output shows any of secrets, and check never says
// "both sides" instead of what it checked on each.
func runSteps(t *testing.T, getenv func(string) string, file string, steps []cmdStep, secrets ...string) {
	t.Helper()
	for i, st := range steps {
		code, out, errOut := runCmd(t, getenv, st.cmd, "-config", file)
		if code != st.code {
			t.Fatalf("step %d: %s exited %d, want %d\n%s\n%s", i, st.cmd, code, st.code, out, errOut)
		}
		for _, s := range st.want {
			if not, ok := strings.CutPrefix(s, "!"); ok {
				if strings.Contains(out, not) {
					t.Errorf("step %d: %s: the output holds %q:\n%s", i, st.cmd, not, out)
				}
			} else if !strings.Contains(out, s) {
				t.Errorf("step %d: %s: the output lacks %q:\n%s", i, st.cmd, s, out)
			}
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(out+errOut, s) {
				t.Errorf("step %d: %s shows a credential", i, st.cmd)
			}
		}
		if strings.Contains(out, "both sides") {
			t.Errorf("step %d: %s says \"both sides\" instead of what it checked on each:\n%s", i, st.cmd, out)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	w := newTestWorld(t, "statussync")
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", w.config())
	for _, tc := range []struct {
		name   string
		getenv func(string) string
		args   []string
		code   int
		want   string
	}{
		{"no file", w.getenv, []string{"plan", "-config", filepath.Join(dir, "none.yaml")}, exitError, "no such file"},
		{"bad file", w.getenv, []string{"plan", "-config", write("bad.yaml", "flows: {x: {}}\n")}, exitError, `bad.yaml:1: flows.x: "x" is not a flow`},
		{"secret not set", func(string) string { return "" }, []string{"plan", "-config", good}, exitError, "the environment variable DEMO_ZENDESK_TOKEN is not set"},
		{"refused credential", func(k string) string {
			if k == "DEMO_BABELFORCE_PASSWORD" {
				return "wrong"
			}
			return w.getenv(k)
		}, []string{"plan", "-config", good}, exitError, "Error: statussync: reading babelforce's secret keys: "},
		{"no public_url", w.getenv, []string{"plan", "-config", write("nourl.yaml", strings.Replace(w.config(), "public_url:", "# public_url:", 1))}, exitError, "public_url is not set"},
		{"unknown flow", w.getenv, []string{"plan", "-config", good, "-flow", "nope"}, exitError, `-flow "nope" is not in`},
		{"apply unknown flow", w.getenv, []string{"apply", "-config", good, "-flow", "nope"}, exitError, `-flow "nope" is not in`},
		{"check unknown flow", w.getenv, []string{"check", "-config", good, "-flow", "nope"}, exitError, `-flow "nope" is not in`},
		{"plan bad flag", w.getenv, []string{"plan", "-config", good, "-nope"}, exitError, "flag provided but not defined: -nope"},
		{"apply bad flag", w.getenv, []string{"apply", "-config", good, "-listen", ":1"}, exitError, "flag provided but not defined: -listen"},
		{"check bad flag", w.getenv, []string{"check", "-force"}, exitError, "flag provided but not defined: -force"},
		{"serve bad flag", w.getenv, []string{"serve", "-force"}, exitError, "flag provided but not defined: -force"},
		{"demo without a flow", w.getenv, []string{"demo"}, exitError, "Usage: deskbridge demo FLOW"},
		{"help on nothing known", w.getenv, []string{"help", "nope"}, exitError, `no help on "nope"`},
		{"check before apply", w.getenv, []string{"check", "-config", good}, exitError, "✗ flow statussync: not applied: its Zendesk webhook does not exist yet, so its signing secret cannot be read; run deskbridge apply first"},
		{"plan -h", w.getenv, []string{"plan", "-h"}, exitOK, "Usage: deskbridge plan"},
		{"unknown command", w.getenv, []string{"destroy"}, exitError, `unknown command "destroy"`},
		{"stray argument", w.getenv, []string{"plan", "-config", good, "extra"}, exitError, "unexpected arguments"},
		{"check stray argument", w.getenv, []string{"check", "-config", good, "extra"}, exitError, "unexpected arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tc.getenv, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, out, errOut)
			}
			if !strings.Contains(out+errOut, tc.want) {
				t.Errorf("the output lacks %q:\n%s\n%s", tc.want, out, errOut)
			}
		})
	}
}

// TestExitCodes: the codes are the ones the usage, the package doc and
// the README promise: 0 done, 1 an error (a usage error included), 2 plan
// with changes pending.
func TestExitCodes(t *testing.T) {
	if exitOK != 0 || exitError != 1 || exitChanges != 2 {
		t.Errorf("exit codes %d, %d, %d; want 0, 1, 2", exitOK, exitError, exitChanges)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for what, want := range map[string][2]string{
		"usage":     {usage, "Exit code 0: done; 1: an error, a usage error included; 2 (plan only): changes pending."},
		"help plan": {commandHelp["plan"], "Exit code 0: no changes; 2: changes pending; 1: error."},
		"doc.go":    {strings.ReplaceAll(string(doc), "\n// ", " "), "exits 0 when done and 1 on an error, a usage error"},
		"README.md": {string(readme), "deskbridge plan  -config deskbridge.yaml   # what would change on each side; exit 0 none, 2 changes, 1 error"},
	} {
		if !strings.Contains(want[0], want[1]) {
			t.Errorf("%s does not say %q", what, want[1])
		}
	}
}

func TestHelp(t *testing.T) {
	for _, c := range []string{"plan", "apply", "check", "serve", "demo", "version", "config"} {
		code, out, _ := runCmd(t, os.Getenv, "help", c)
		if code != exitOK || !strings.Contains(out, "deskbridge") && c != "config" || out == "" {
			t.Errorf("help %s: exit %d, %q", c, code, out)
		}
	}
	if code, out, _ := runCmd(t, os.Getenv, "version"); code != exitOK || !strings.HasPrefix(out, "deskbridge ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	if code, _, errOut := runCmd(t, os.Getenv); code != exitError || !strings.Contains(errOut, "Commands:") {
		t.Errorf("no command: exit %d, %q", code, errOut)
	}
	// The file in help config parses exactly as printed: the indented
	// block, copied as it is, with nothing to fill in first.
	_, help, _ := runCmd(t, os.Getenv, "help", "config")
	var lines []string
	for l := range strings.SplitSeq(help, "\n") {
		if strings.HasPrefix(l, "  ") || l == "" && len(lines) > 0 {
			lines = append(lines, l)
		}
	}
	if _, err := ParseConfig("help", []byte(strings.Join(lines, "\n"))); err != nil {
		t.Errorf("help config's file, as printed, does not parse: %v", err)
	}
}

// TestServeTwoFlows serves statussync and smsbridge in one server on the
// fakes, plays both, and checks that /metrics counts what the fakes saw:
// every delivery handled, every vendor request, the retry and the 429.
func TestServeTwoFlows(t *testing.T) {
	w := newTestWorld(t, "statussync", "smsbridge")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := w.serve(ctx, io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = s.stop()
		}
	}()
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/statussync/zendesk/agent-status": 405, "/nope": 404} {
		resp, err := s.client.Get(w.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}

	// babelforce answers one presence change 429 and the next 503: the
	// client retries both.
	w.bf.InjectFault(babelforcetest.Fault{Method: http.MethodPut, Path: "/api/v2/agents/", Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"0"}}})
	if err := w.playStatussync(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	w.bf.InjectFault(babelforcetest.Fault{Method: http.MethodPut, Path: "/api/v2/agents/", Status: http.StatusServiceUnavailable})
	if err := w.zd.SetAgentStatus(w.agents["Bob"], zendesktest.StatusAway); err != nil {
		t.Fatal(err)
	}
	if err := w.playSMSBridge(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := w.settle(ctx); err != nil {
		t.Fatal(err)
	}
	// Deliveries the flows decide to drop, each counted under its outcome:
	// Zendesk delivering again an event statussync applied (duplicate,
	// twice) and Ann's older "online" after her "away" (stale), the
	// babelforce automation reporting the presence statussync set (echo),
	// and Zendesk delivering again the trigger smsbridge handled
	// (duplicate).
	sent := map[string]int{} // flow → the requests posted here, beside the fakes'
	// The play above may itself drop a delivery as stale (a channel event
	// and the unified one of one change race each other to the flow), so
	// statussync's dropped deliveries are counted from here.
	before, err := s.scrape(ctx, w.base)
	if err != nil {
		t.Fatal(err)
	}
	unified := func(status int64, name string) string {
		return fmt.Sprintf(`"new_unified_state":{"id":"%d","name":%q`, status, name)
	}
	for _, tc := range []struct {
		flow string
		d    zendesktest.Delivery
		want string
	}{
		{"statussync", w.zendeskDelivery(t, "/statussync/", w.agents["Ann"], unified(zendesktest.StatusAway, "away")), "duplicate"},
		{"statussync", w.zendeskDelivery(t, "/statussync/", w.agents["Ann"], unified(zendesktest.StatusAway, "away")), "duplicate"},
		{"statussync", w.zendeskDelivery(t, "/statussync/", w.agents["Ann"], unified(zendesktest.StatusOnline, "online")), "handled"},
		{"smsbridge", w.zendeskDelivery(t, "/smsbridge/", 0, ""), "duplicate"},
	} {
		code, body := w.redeliverZendesk(t, s.client, tc.d)
		if code != http.StatusOK || body != tc.want {
			t.Errorf("%s: Zendesk's delivery %s again: %d %q, want 200 %q", tc.flow, tc.d.EventID, code, body, tc.want)
		}
		sent[tc.flow]++
	}
	if code, body := w.postPresenceEcho(t, s.client, "Ann"); code != http.StatusOK || body != "handled" {
		t.Errorf("the automation's echo: %d %q, want 200 handled", code, body)
	}
	sent["statussync"]++
	// An unsigned delivery is refused before the flow decides: counted
	// rejected all the same.
	resp, err := s.client.Post(w.base+"/smsbridge"+smsbridge.AgentReplyPath, "application/json", strings.NewReader(`{"ticket_id": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an unsigned delivery: %d, want 401", resp.StatusCode)
	}
	if m, err := s.scrape(ctx, w.base); err != nil || m[`deskbridge_deliveries_total{flow="smsbridge",outcome="applied"}`] == 0 {
		t.Fatalf("scrape while serving: %v, %v", m, err)
	}
	// Stop (background work too), then compare the final counts.
	stopped = true
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.e.metrics.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	m, err := parseMetrics(rec.Body.String())
	if err != nil {
		t.Fatal(err)
	}
	sum := func(prefix string, labels ...string) float64 {
		var n float64
	next:
		for k, v := range m {
			if !strings.HasPrefix(k, prefix+"{") {
				continue
			}
			for _, l := range labels {
				if !strings.Contains(k, l) {
					continue next
				}
			}
			n += v
		}
		return n
	}

	// Deliveries handled, per flow: every attempt the fakes made at the
	// flow's paths.
	zdAttempts := map[string]int{}
	for _, d := range w.zd.Deliveries() {
		for _, f := range []string{"/statussync/", "/smsbridge/"} {
			if strings.Contains(d.URL, f) {
				zdAttempts[f] += len(d.Attempts)
			}
		}
	}
	bzAttempts := 0
	for _, d := range w.bz.Webhooks() {
		bzAttempts += len(d.Attempts)
	}
	// (+1: the GET answered 405 above.)
	if got, want := m[`deskbridge_handling_seconds_count{flow="statussync"}`], float64(zdAttempts["/statussync/"]+sent["statussync"]+1); got != want || want == 1 {
		t.Errorf("statussync handled %v requests, Zendesk delivered and the test posted %v", got, want)
	}
	// (+1: the unsigned delivery.)
	if got, want := m[`deskbridge_handling_seconds_count{flow="smsbridge"}`], float64(zdAttempts["/smsbridge/"]+bzAttempts+sent["smsbridge"]+1); got != want || want == 1 {
		t.Errorf("smsbridge handled %v requests, Zendesk and Braze delivered and the test posted %v", got, want)
	}
	// smsbridge: the text opened a ticket, the reply went out, the answer
	// landed on the ticket; the reply's trigger delivered again.
	if got := m[`deskbridge_deliveries_total{flow="smsbridge",outcome="applied"}`]; got != 3 {
		t.Errorf("smsbridge applied %v, want 3", got)
	}
	if got := m[`deskbridge_deliveries_total{flow="smsbridge",outcome="duplicate"}`]; got != 1 {
		t.Errorf("smsbridge duplicates = %v, want 1", got)
	}
	if got := sum("deskbridge_deliveries_total", `flow="smsbridge"`); got != 5 {
		t.Errorf("smsbridge decided %v times, want 5 (3 applied, 1 duplicate, 1 rejected)", got)
	}
	// statussync: each delivery dropped, under its reason.
	for outcome, want := range map[string]float64{"duplicate": 2, "stale": 1, "echo": 1} {
		key := `deskbridge_deliveries_total{flow="statussync",outcome="` + outcome + `"}`
		if got := m[key] - before[key]; got != want {
			t.Errorf("statussync %s = %v more, want %v more", outcome, got, want)
		}
	}
	// The unsigned delivery, refused before smsbridge decided; statussync's
	// GET answered 405.
	for _, f := range []string{"smsbridge", "statussync"} {
		if got := m[`deskbridge_deliveries_total{flow="`+f+`",outcome="rejected"}`]; got != 1 {
			t.Errorf("%s rejected %v, want 1", f, got)
		}
	}
	// statussync: Ann online, Bob online, Ann away, Bob away applied in
	// babelforce; a failed decision would have been retried by Zendesk.
	if got := m[`deskbridge_deliveries_total{flow="statussync",outcome="applied"}`]; got < 4 {
		t.Errorf("statussync applied %v, want at least 4", got)
	}
	if got := m[`deskbridge_deliveries_total{flow="statussync",outcome="failed"}`]; got != 0 {
		t.Errorf("statussync failed %v times, want 0 (the client's retries absorb the 429 and the 503)", got)
	}
	if w.presence("Bob") != "away" {
		t.Errorf("Bob's babelforce presence = %q, want away", w.presence("Bob"))
	}

	// Vendor requests: each fake's request log, attempt for attempt.
	for vendor, n := range map[string]int{"zendesk": len(w.zd.Requests()), "babelforce": len(w.bf.Requests()), "braze": len(w.bz.Requests())} {
		if got := sum("deskbridge_vendor_requests_total", `vendor="`+vendor+`"`); got != float64(n) {
			t.Errorf("%s: %v requests counted, the fake logged %d", vendor, got, n)
		}
	}
	if got := m[`deskbridge_vendor_rate_limited_total{vendor="babelforce"}`]; got != 1 {
		t.Errorf("babelforce 429s = %v, want 1", got)
	}
	if got := sum("deskbridge_vendor_requests_total", `vendor="babelforce"`, `status="429"`, `retry="false"`); got != 1 {
		t.Errorf("babelforce first attempts answered 429 = %v, want 1", got)
	}
	if got := sum("deskbridge_vendor_requests_total", `vendor="babelforce"`, `status="503"`); got != 1 {
		t.Errorf("babelforce 503s = %v, want 1", got)
	}
	if got := sum("deskbridge_vendor_requests_total", `vendor="babelforce"`, `retry="true"`); got != 2 {
		t.Errorf("babelforce retries = %v, want 2 (one after the 429, one after the 503)", got)
	}
	if got := sum("deskbridge_store_errors_total"); got != 0 {
		t.Errorf("store errors = %v, want 0", got)
	}
}

// zendeskDelivery returns the last delivery the Zendesk fake made to the
// flow path flowPath that succeeded, about agent (0: any) and holding
// part in its body.
func (w *world) zendeskDelivery(t *testing.T, flowPath string, agent int64, part string) zendesktest.Delivery {
	t.Helper()
	ds := w.zd.Deliveries()
	for i := len(ds) - 1; i >= 0; i-- {
		d := ds[i]
		if strings.Contains(d.URL, flowPath) && d.Succeeded() && (agent == 0 || d.AgentID == agent) && strings.Contains(string(d.Body), part) {
			return d
		}
	}
	t.Fatalf("the Zendesk fake made no delivery to %s about agent %d holding %s", flowPath, agent, part)
	return zendesktest.Delivery{}
}

// redeliverZendesk delivers d again as Zendesk would retry it: the same
// body and invocation, signed anew with its webhook's secret. It returns
// the answer's status and body.
func (w *world) redeliverZendesk(t *testing.T, hc *http.Client, d zendesktest.Delivery) (int, string) {
	t.Helper()
	secret, ok := w.zd.WebhookSecret(d.WebhookID)
	if !ok {
		t.Fatalf("no webhook %s", d.WebhookID)
	}
	req, err := http.NewRequest(d.Method, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		t.Fatal(err)
	}
	sig, ts := webhook.SignZendesk(secret, time.Now(), d.Body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Zendesk-Webhook-Id", d.WebhookID)
	req.Header.Set("X-Zendesk-Webhook-Invocation-Id", d.InvocationID)
	req.Header.Set("X-Zendesk-Webhook-Signature", sig)
	req.Header.Set("X-Zendesk-Webhook-Signature-Timestamp", ts)
	return doRequest(t, hc, req)
}

// postPresenceEcho posts what babelforce's "Presence changed" automation
// sends for the last presence change statussync made to agent's presence
// (an echo of the flow's own change).
func (w *world) postPresenceEcho(t *testing.T, hc *http.Client, agent string) (int, string) {
	t.Helper()
	src := strconv.FormatInt(w.agents[agent], 10)
	var ch *babelforcetest.PresenceChange
	for _, c := range w.bf.History() {
		if c.SourceID == src && c.Source == babelforcetest.SourceAPI {
			ch = &c
		}
	}
	if ch == nil {
		t.Fatalf("statussync changed no presence of %s", agent)
	}
	body := fmt.Sprintf(`{"agent_id":%q,"source_id":%q,"presence":%q,"changed_at":%q}`, ch.AgentID, ch.SourceID, ch.To, ch.Time.Format(time.RFC3339Nano))
	req, err := http.NewRequest(http.MethodPost, w.base+"/statussync"+statussync.AutomationPath, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+w.env["DEMO_AUTOMATION_SECRET"])
	return doRequest(t, hc, req)
}

// doRequest sends req and returns the answer's status and trimmed body.
func doRequest(t *testing.T, hc *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestPlanApplyPlanContactCenters plans, applies and checks memorialize
// and scenario against the fakes of CXone, Bright Pattern and Zendesk.
func TestPlanApplyPlanContactCenters(t *testing.T) {
	w := newTestWorld(t, "memorialize", "scenario")
	file := filepath.Join(t.TempDir(), "deskbridge.yaml")
	if err := os.WriteFile(file, []byte(w.config()), 0o600); err != nil {
		t.Fatal(err)
	}
	runSteps(t, w.getenv, file, []cmdStep{
		{"plan", exitChanges, []string{"All flows: Plan: 4 to create.", "To do by hand, after apply:\nCXone Studio",
			"POST " + w.base + "/memorialize/cxone/contact-ended\n      header  Authorization: Bearer <one of flows.memorialize.studio_secrets>",
			"Bright Pattern Scenario Builder", "URL           " + w.base + "/scenario\n  Extra header  Authorization: Bearer <one of flows.scenario.secrets>",
			`Body          {"item.ANI":"$(item.ANI)","item.DNIS":"$(item.DNIS)","user.loginId":"$(user.loginId)","item.globalInteractionId":"$(item.globalInteractionId)"}`}},
		{"apply", exitOK, []string{"All flows: Applied: 4 created.", "To do by hand:\nCXone Studio", "To do by hand:\nBright Pattern Scenario Builder"}},
		{"plan", exitOK, []string{"All flows: No changes: all 4 items are as wanted.", "!To do by hand"}},
		{"check", exitOK, []string{"== memorialize (memorialize)\n  ✓ zendesk demo: ", "\n  ✓ cxone demo: the credential",
			"== scenario (scenario)\n  ✓ zendesk demo: ", "\n  ✓ brightpattern demo: the Configuration API's token and a user read, and every agent's email"}},
	}, w.zd.APIToken, w.env["DEMO_CXONE_ACCESS_KEY_SECRET"], w.env["DEMO_BRIGHTPATTERN_SECRET"])
	// Both serve below their paths, and refuse a call without the secret.
	cfg, err := loadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(cfg, w.getenv, slog.New(slog.DiscardHandler), newMetrics())
	if err := e.buildClients(); err != nil {
		t.Fatal(err)
	}
	h, _, bg, closeStore, err := buildServer(context.Background(), e, false)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	if len(bg) != 1 || bg[0].flow != "memorialize" {
		t.Errorf("background work = %v, want memorialize's poll", bg)
	}
	for _, path := range []string{"/memorialize/cxone/contact-ended", "/scenario/", "/scenario"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader("{}")))
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("POST %s without the secret: %d, want 401", path, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/readyz: %d %q", rec.Code, rec.Body.String())
	}
}

// TestCheckScenarioReadsBrightPattern: check of the scenario flow reads
// Bright Pattern, and says clearly when it cannot.
func TestCheckScenarioReadsBrightPattern(t *testing.T) {
	w := newTestWorld(t, "scenario")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte(w.config()), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd(t, w.getenv, "apply", "-config", good); code != exitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	// Without agents, the flow's own Check reads no Bright Pattern user:
	// check's probe is what touches it.
	data := strings.Replace(w.config(), "    agents: [ann]\n", "", 1)
	down := filepath.Join(dir, "down.yaml")
	if err := os.WriteFile(down, []byte(strings.Replace(data, "base_url: "+w.bp.srv.URL, "base_url: http://127.0.0.1:9", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, w.getenv, "check", "-config", down)
	if code != exitError || !strings.Contains(out, `brightpattern demo: reading user "`+w.bp.srv.ClientID+`" of the Configuration API`) ||
		!strings.Contains(out, "check tenants.brightpattern.demo") || strings.Contains(out, "✓ brightpattern") {
		t.Errorf("check with Bright Pattern down: exit %d\n%s\n%s", code, out, errOut)
	}
	// A wrong secret: refused.
	code, out, _ = runCmd(t, func(k string) string {
		if k == "DEMO_BRIGHTPATTERN_SECRET" {
			return "wrong-secret-of-the-api-user"
		}
		return w.getenv(k)
	}, "check", "-config", good)
	if code != exitError || !strings.Contains(out, "✗") || !strings.Contains(out, "brightpattern demo") {
		t.Errorf("check with a wrong Bright Pattern secret: exit %d\n%s", code, out)
	}
	if n := w.bp.srv.RequestCount(http.MethodPost, "/configapi/v2/oauth/token"); n == 0 {
		t.Error("check asked Bright Pattern for no token")
	}
}

// TestReadyzSecondVendorDown: each served flow's /readyz reads every vendor
// it talks to; one refusing makes the replica not ready.
func TestReadyzSecondVendorDown(t *testing.T) {
	for _, tc := range []struct {
		flow, name string
		down       func(w *world)
	}{
		{"smsbridge", "braze demo", func(w *world) {
			w.bz.InjectFault(brazetest.Fault{Method: http.MethodPost, Path: "/users/export/ids", Status: http.StatusUnauthorized})
		}},
		{"escalation", "conversations demo", func(w *world) {
			w.cf.InjectFault(conversationstest.Fault{Method: http.MethodGet, Path: urlPath(w.cf.URL) + "/v2/apps/", Status: http.StatusUnauthorized})
		}},
		{"escalation", "dydu demo", func(w *world) { w.dy.Close() }},
		{"memorialize", "cxone demo", func(w *world) { w.cx.srv.Close() }},
		{"scenario", "brightpattern demo", func(w *world) {
			w.bp.srv.InjectFault(brightpatterntest.Fault{Method: http.MethodGet, Path: "/configapi/v2/user/", Status: http.StatusForbidden})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newTestWorld(t, tc.flow)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := w.serve(ctx, io.Discard, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer s.stop()
			get := func() (int, string) {
				resp, err := s.client.Get(w.base + "/readyz")
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(body)
			}
			if code, body := get(); code != http.StatusOK {
				t.Fatalf("/readyz before: %d %q", code, body)
			}
			tc.down(w)
			// Beside the flows, /readyz names the vendor, not the tenant.
			kind, _, _ := strings.Cut(tc.name, " ")
			if code, body := get(); code != http.StatusServiceUnavailable || body != kind+": not ready\n" {
				t.Errorf("/readyz with %s down: %d %q, want %q", tc.name, code, body, kind+": not ready\n")
			}
		})
	}
}

// TestPacingHoldsCounted: a Zendesk client built by the command, sharing a
// spent rate-limit window, holds requests back; each hold is counted.
func TestPacingHoldsCounted(t *testing.T) {
	zd := zendesktest.NewServer()
	defer zd.Close()
	zd.SetRateLimit(2, 200*time.Millisecond)
	cfg, err := ParseConfig("f.yaml", []byte(`tenants:
  zendesk:
    acme: {base_url: `+zd.URL+`, email: `+zd.Email+`, api_token: "${ZD}"}
  braze:
    b: {instance: US-01, api_key: "${ZD}"}
flows:
  smsbridge: {zendesk: acme, braze: b, reply_campaign_id: c, braze_secrets: ["${ZD}"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	m := newMetrics()
	e := newEnv(cfg, func(string) string { return zd.APIToken }, slog.New(slog.DiscardHandler), m)
	if err := e.buildClients(); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := e.zendesk["acme"].Users.Me(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	rec := httptest.NewRecorder()
	m.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	got, err := parseMetrics(rec.Body.String())
	if err != nil {
		t.Fatal(err)
	}
	holds, secs := got[`deskbridge_vendor_pacing_holds_total{vendor="zendesk"}`], got[`deskbridge_vendor_pacing_hold_seconds_total{vendor="zendesk"}`]
	if holds < 1 || secs <= 0 {
		t.Errorf("pacing holds = %v (%v s), want some: 5 requests in a window of 2", holds, secs)
	}
	if n := got[`deskbridge_vendor_requests_total{retry="false",status="200",vendor="zendesk"}`]; n != 5 {
		t.Errorf("requests = %v, want 5", n)
	}
}

func TestDemos(t *testing.T) {
	for _, name := range demoFlows {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCmd(t, os.Getenv, "demo", name)
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			for _, want := range []string{"$ deskbridge apply", "Applied:", "No changes", "▸ ", `deskbridge_deliveries_total{flow="` + name + `",outcome="applied"}`} {
				if !strings.Contains(out, want) {
					t.Errorf("the demo's output lacks %q:\n%s", want, out)
				}
			}
		})
	}
	if code, _, errOut := runCmd(t, os.Getenv, "demo", "nope"); code != exitError || !strings.Contains(errOut, `no demo for flow "nope"`) {
		t.Errorf("demo nope: exit %d, %q", code, errOut)
	}
}

// TestServeCommand runs "deskbridge serve" as main does, for the
// escalation flow (its webhook secret read from the integration apply
// made), and stops it as SIGTERM would: gracefully, with a request in
// flight answered.
func TestServeCommand(t *testing.T) {
	w := newTestWorld(t, "escalation")
	file := serveConfigFile(t, w)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// serve before apply: the integration does not exist, so its secret
	// cannot be read.
	if code, _, errOut := runCmd(t, w.getenv, "serve", "-config", file); code != exitError || !strings.Contains(errOut, "run deskbridge apply first") {
		t.Fatalf("serve before apply: exit %d, %q", code, errOut)
	}
	if code, out, errOut := runCmd(t, w.getenv, "apply", "-config", file); code != exitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := runCmd(t, w.getenv, "check", "-config", file); code != exitOK {
		t.Fatalf("check: exit %d\n%s\n%s", code, out, errOut)
	}
	sctx, stop := context.WithCancel(ctx)
	done, logs := serveInBackground(t, sctx, w, file)
	hc := &http.Client{Timeout: 10 * time.Second}
	chat := escalation.NewChatID()
	post := func(token string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPost, w.base+"/escalation/chats/"+chat+"/messages", strings.NewReader(`{"id":"m1","text":"Bonjour"}`))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return hc.Do(req)
	}
	// authorize.chat_key: a request without the chat's token is refused.
	for _, tok := range []string{"", w.chatToken(escalation.NewChatID(), jeanne)} {
		resp, err := post(tok)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a message with token %.12q… got %d, want 403", tok, resp.StatusCode)
		}
	}
	resp, err := hc.Get(w.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ready\n" {
		t.Errorf("/readyz: %d %q", resp.StatusCode, body)
	}
	// Dydu slow: the message is in flight when the server is told to stop.
	w.dy.InjectFault(dydutest.Fault{Method: http.MethodPost, Path: "/", Latency: 300 * time.Millisecond})
	before := len(w.dy.Requests())
	answered := make(chan int, 1)
	go func() {
		resp, err := post(w.chatToken(chat, jeanne))
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	for len(w.dy.Requests()) == before { // until the handler is in its call to Dydu
		select {
		case code := <-answered:
			t.Fatalf("the message was answered %d before reaching Dydu", code)
		default:
		}
		if ctx.Err() != nil {
			t.Fatal("the message never reached Dydu")
		}
		time.Sleep(time.Millisecond)
	}
	stop()
	if code := <-answered; code != http.StatusOK {
		t.Errorf("the request in flight at shutdown got %d, want 200", code)
	}
	if code := <-done; code != exitOK {
		t.Errorf("serve exited %d after a graceful shutdown: %s", code, logs.String())
	}
	for _, want := range []string{`"msg":"serving flow","flow":"escalation","type":"escalation","path":"/escalation/"`, `"msg":"listening"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the logs lack %s:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "anonymous") {
		t.Errorf("the logs call the chat anonymous though authorize.chat_key is set:\n%s", logs.String())
	}
}

// serveConfigFile writes the world's file, listening on the world's
// address (its listener closed for serve to take), and returns its path.
func serveConfigFile(t *testing.T, w *world) string {
	t.Helper()
	addr := w.ln.Addr().String()
	w.ln.Close()
	w.ln = nil
	file := filepath.Join(t.TempDir(), "deskbridge.yaml")
	if err := os.WriteFile(file, []byte("listen: "+addr+"\n"+w.config()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// serveInBackground runs "deskbridge serve -config file [flags]" until ctx
// ends, once it listens; done receives its exit code.
func serveInBackground(t *testing.T, ctx context.Context, w *world, file string, flags ...string) (done <-chan int, logs *syncWriter) {
	t.Helper()
	ready := make(chan string, 1)
	logs = &syncWriter{w: &bytes.Buffer{}}
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, append([]string{"serve", "-config", file}, flags...), stdio{out: io.Discard, err: logs, getenv: w.getenv,
			listening: func(a string) { ready <- a }})
	}()
	select {
	case <-ready:
	case code := <-exited:
		t.Fatalf("serve exited %d: %s", code, logs.String())
	}
	return exited, logs
}

// TestServeAnonymousEscalation: without authorize.chat_key, serve says at
// start that the chat channel is anonymous, and what to set.
func TestServeAnonymousEscalation(t *testing.T) {
	w := newTestWorld(t, "escalation")
	delete(w.env, "DEMO_ESCALATION_CHAT_KEY")
	file := serveConfigFile(t, w)
	if code, out, errOut := runCmd(t, w.getenv, "apply", "-config", file); code != exitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	ctx, stop := context.WithCancel(t.Context())
	done, logs := serveInBackground(t, ctx, w, file)
	stop()
	<-done
	for _, want := range []string{`"msg":"the chat channel is anonymous`, `"flow":"escalation"`, `authorize: {chat_key:`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the logs lack %s:\n%s", want, logs.String())
		}
	}
}

// syncWriter serialises writes (serve's logs come from several goroutines).
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// String returns what was written, when w is a *bytes.Buffer.
func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.w.(*bytes.Buffer); ok {
		return b.String()
	}
	return ""
}

func TestReadyzNamesWhatFails(t *testing.T) {
	mux := http.NewServeMux()
	serveHealth(mux, readinessCheck{"store", func(context.Context) error { return nil }},
		readinessCheck{"zendesk acme", func(context.Context) error { return errors.New("zendesk: 401 Unauthorized") }})
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != "zendesk acme: zendesk: 401 Unauthorized\n" {
		t.Errorf("/readyz: %d %q", rec.Code, rec.Body.String())
	}
}

// TestFlowProblemsAtTheirLine: a problem only the flow's own validation
// finds is still shown at the line of the setting.
func TestFlowProblemsAtTheirLine(t *testing.T) {
	w := newTestWorld(t, "smsbridge")
	file := filepath.Join(t.TempDir(), "f.yaml")
	data := strings.Replace(w.config(), "retry_after: 1s", "retry_after: 70s\n    zendesk_secrets: [\"${DEMO_ZENDESK_TOKEN}\"]", 1)
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	line := 0
	for i, l := range strings.Split(data, "\n") {
		if strings.Contains(l, "retry_after: 70s") {
			line = i + 1
		}
	}
	code, out, errOut := runCmd(t, w.getenv, "check", "-config", file)
	want := fmt.Sprintf("%s:%d: flows.smsbridge.retry_after: \"1m10s\" is too long", file, line)
	if code != exitError || !strings.Contains(out, want) {
		t.Errorf("exit %d, want the output to hold %q:\n%s\n%s", code, want, out, errOut)
	}
}
