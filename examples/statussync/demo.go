package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// demoAutomationSecret is the secret of the demo's babelforce automation.
const demoAutomationSecret = "demo-automation-secret"

// demoRetryAfter is the Retry-After the flow asks for when babelforce
// fails; the fake Zendesk waits a tenth of it (demoTimeScale).
const (
	demoRetryAfter = time.Second
	demoTimeScale  = 10
)

// demo is the scenario's world: both fakes, the flow serving on a
// loopback port, and the table of what happened.
type demo struct {
	ctx   context.Context
	out   io.Writer
	start time.Time

	zd   *zendesktest.Server
	bf   *babelforcetest.Server
	zc   *zendesk.Client
	bc   *babelforce.Client
	flow *statussync.Flow
	base string // http://127.0.0.1:port
	http *http.Client

	names map[int64]string // Zendesk agent id → name
	relay *relay

	automation   atomic.Bool
	autoInflight atomic.Int64
	autoSent     atomic.Int64
	autoSeq      atomic.Int64

	closers []func()

	redisURL string             // REDIS_URL: the store of the replicas ("": see openStore)
	replicas int                // flow replicas behind a round-robin balancer
	flows    []*statussync.Flow // d.flow is flows[0]

	mu     sync.Mutex
	rows   []row
	counts map[string]int // outcomes seen, for the checks
	hidden int            // events of other channels, not shown
}

// row is one line of the table.
type row struct {
	at                   time.Duration
	source, agent, event string
	change, result       string
}

// runDemo plays the scenario and writes its report to w. It fails if both
// sides do not end consistent, or if a behaviour the scenario exercises
// did not show.
func runDemo(ctx context.Context, w io.Writer, replicas int, redisURL string) error {
	d := &demo{ctx: ctx, out: w, replicas: max(replicas, 1), redisURL: redisURL, start: time.Now(), names: map[int64]string{}, counts: map[string]int{}, http: &http.Client{Timeout: 10 * time.Second}}
	defer d.tearDown()
	if err := d.setUp(); err != nil {
		return err
	}
	if err := d.play(); err != nil {
		return err
	}
	return d.verify()
}

// scaledSleep makes the fake Zendesk wait a tenth of each Retry-After, so
// that the demo stays short; the wait it was asked for is still recorded.
func scaledSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d / demoTimeScale)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (d *demo) tearDown() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		d.closers[i]()
	}
	d.closers = nil
}

func (d *demo) setUp() error {
	d.zd = zendesktest.NewServer(zendesktest.WithDeliverySleep(scaledSleep))
	d.closers = append(d.closers, d.zd.Close)
	d.bf = babelforcetest.NewServer()
	d.closers = append(d.closers, d.bf.Close)
	var err error
	if d.zc, err = zendesk.NewClient(zendesk.WithBaseURL(d.zd.URL), zendesk.WithAPIToken(d.zd.Email, d.zd.APIToken),
		zendesk.WithRetryWaitMax(20*time.Millisecond)); err != nil {
		return err
	}
	if d.bc, err = babelforce.NewClient(babelforce.WithBaseURL(d.bf.URL),
		babelforce.WithPassword(d.bf.Username, d.bf.Password, babelforce.WithNonExpiringToken()),
		babelforce.WithMaxRetries(2), babelforce.WithRetryWaitMax(20*time.Millisecond)); err != nil {
		return err
	}

	// The flow's handlers on a loopback port. Zendesk's deliveries pass
	// through a relay that can hold some back, to deliver them late.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	d.base = "http://" + ln.Addr().String()
	d.relay = &relay{url: d.base + zendeskPath, client: d.http}
	mux := http.NewServeMux()
	mux.Handle("POST "+zendeskPath, d.relay)
	var automation atomic.Pointer[http.Handler]
	mux.HandleFunc("POST "+automationPath, func(w http.ResponseWriter, r *http.Request) {
		if h := automation.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.Error(w, "not ready", http.StatusServiceUnavailable)
	})
	srvCtx, stop := context.WithCancel(context.WithoutCancel(d.ctx))
	served := make(chan error, 1)
	go func() { served <- serveUntilDone(srvCtx, newHTTPServer(mux, defaultTimeouts), ln) }()
	d.closers = append(d.closers, func() { stop(); <-served })

	fmt.Fprintf(d.out, "deskbridge statussync demo: a fake Zendesk (%s) and a fake babelforce (%s), the flow on %s\n", d.zd.URL, d.bf.URL, d.base)
	fmt.Fprintf(d.out, "(the fake Zendesk waits 1/%d of each Retry-After, to keep the demo short)\n\n", demoTimeScale)

	// The account: a custom status, two agents on both sides.
	if _, err := d.zd.AddCustomStatus("In a meeting", "Busy in a meeting", map[string]string{"support": "away", "messaging": "away", "talk": "away"}); err != nil {
		return err
	}
	for _, name := range []string{"Ann", "Bob"} {
		zid := d.zd.AddAgent(name, strings.ToLower(name)+"@example.com")
		d.bf.AddAgent(babelforcetest.Agent{Name: name, SourceID: strconv.FormatInt(zid, 10)})
		d.names[zid] = name
	}

	// Provision twice: the second run changes nothing.
	pc := statussync.ProvisionConfig{Zendesk: d.zc, Babelforce: d.bc, Endpoint: d.base + zendeskPath,
		ZendeskCredential: statussync.BasicCredential(d.zd.Email, d.zd.APIToken)}
	rep, err := statussync.Provision(d.ctx, pc)
	if err != nil {
		return fmt.Errorf("provisioning: %w", err)
	}
	secret, err := statussync.SigningSecret(d.ctx, d.zc, rep)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "Provision:\n%s", rep)
	again, err := statussync.Provision(d.ctx, pc)
	if err != nil {
		return fmt.Errorf("provisioning again: %w", err)
	}
	if again.Changed() {
		return fmt.Errorf("the second Provision changed things:\n%s", again)
	}
	fmt.Fprintf(d.out, "Provision again:\n%s\n", again)

	st, err := openStore(d.ctx, d.redisURL, runPrefix("demo"), d.replicas > 1)
	if err != nil {
		return err
	}
	d.closers = append(d.closers, st.close)
	var zh, ah []http.Handler
	for range d.replicas {
		f, err := statussync.New(statussync.Config{
			Zendesk: d.zc, Babelforce: d.bc,
			ZendeskSecrets: []string{secret},
			AutomationAuth: webhook.SharedSecretVerifier{Secrets: []string{demoAutomationSecret}},
			RetryAfter:     demoRetryAfter,
			Store:          st.Store,
			OnResult:       d.record,
		})
		if err != nil {
			return err
		}
		d.flows = append(d.flows, f)
		zh, ah = append(zh, f.ZendeskHandler()), append(ah, f.AutomationHandler())
	}
	d.flow = d.flows[0]
	if d.replicas > 1 {
		fmt.Fprintf(d.out, "%d flow replicas behind a round-robin balancer; their shared state: %s\n\n", d.replicas, st.what)
	} else if d.redisURL != "" {
		// Where the run's keys are, to find or delete them.
		fmt.Fprintf(d.out, "state: %s\n\n", st.what)
	}
	check, err := d.flow.MappingInEffect(d.ctx)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	fmt.Fprintf(d.out, "Mapping in effect:\n%s\n", check)
	var h http.Handler = &roundRobin{handlers: ah}
	d.relay.setNext(&roundRobin{handlers: zh})
	automation.Store(&h)

	// babelforce's "Presence changed" automation, played by the fake's
	// hook: an HTTP action posting statussync.AutomationBody, filled in.
	// Like babelforce's, it runs asynchronously.
	d.automation.Store(true)
	d.bf.OnPresenceChange(func(ch babelforcetest.PresenceChange) {
		if !d.automation.Load() {
			return
		}
		d.autoInflight.Add(1)
		d.autoSent.Add(1)
		n := d.autoSeq.Add(1)
		go func() {
			defer d.autoInflight.Add(-1)
			body := strings.NewReplacer(
				"{{{event.id}}}", "bf-presence-"+strconv.FormatInt(n, 10),
				"{{{agent.id}}}", ch.AgentID,
				"{{{agent.sourceId}}}", ch.SourceID,
				"{{{agent.presence.name}}}", ch.To,
				"{{{event.dateCreated}}}", strconv.FormatInt(ch.Time.UnixMilli(), 10),
			).Replace(statussync.AutomationBody)
			req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, d.base+automationPath, strings.NewReader(body))
			if err != nil {
				return
			}
			req.Header.Set("Authorization", "Bearer "+demoAutomationSecret)
			req.Header.Set("Content-Type", "application/json")
			if resp, err := d.http.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	})
	return nil
}

// record is the flow's OnResult: one table row per decision.
func (d *demo) record(r statussync.Result) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.counts[string(r.Source)+" "+string(r.Outcome)]++
	if r.Outcome == flow.Ignored && strings.HasPrefix(r.Kind, "agent.state_changed (") {
		d.hidden++
		return
	}
	event := strings.TrimPrefix(strings.TrimPrefix(r.Kind, "agent."), "zen:event-type:")
	event = strings.Replace(event, "unified_state_changed", "unified status", 1)
	event = strings.Replace(event, "state_changed", "channel", 1)
	change := r.From + " → " + r.To
	if r.From == "" {
		change = "→ " + r.To
	}
	d.rows = append(d.rows, row{
		at: r.Time.Sub(d.start), source: string(r.Source), agent: d.names[r.ZendeskAgentID], event: event,
		change: change, result: describe(r),
	})
}

// describe says what a result means, in a few words.
func describe(r statussync.Result) string {
	other := "babelforce"
	if r.Source != statussync.SourceZendesk {
		other = "Zendesk"
	}
	switch r.Outcome {
	case flow.Applied:
		s := "applied: " + other + " set to " + r.Target
		if r.Detail != "" {
			s += " (" + r.Detail + ")"
		}
		return s
	case flow.Unchanged:
		return "unchanged: " + other + " already " + r.Target
	case flow.Echo:
		return "echo of the flow's own change: dropped"
	case flow.Duplicate:
		return "duplicate (applied before): dropped"
	case flow.Stale:
		return "out of order (older than the last applied): dropped"
	case statussync.Baseline:
		return "baseline (first sight, not a change)"
	case flow.Failed:
		return "failed: " + shortErr(r.Err) + " → 503, the sender retries"
	case flow.Rejected:
		return "rejected: " + shortErr(r.Err)
	}
	return string(r.Outcome)
}

func shortErr(err error) string {
	if err == nil {
		return ""
	}
	var berr *babelforce.Error
	if errors.As(err, &berr) {
		return fmt.Sprintf("babelforce answered %d %s (%d attempts)", berr.StatusCode, berr.Method, berr.Attempts)
	}
	s := err.Error()
	if i := strings.Index(s, "babelforce: "); i >= 0 {
		s = s[i:]
	}
	if len(s) > 70 {
		s = s[:70] + "…"
	}
	return s
}

// step prints a scenario step, runs it, waits until both sides settle
// and prints the rows it produced.
func (d *demo) step(title string, fn func() error) error {
	d.mu.Lock()
	first := len(d.rows)
	d.mu.Unlock()
	if err := fn(); err != nil {
		return fmt.Errorf("%s: %w", title, err)
	}
	if err := d.settle(); err != nil {
		return fmt.Errorf("%s: %w", title, err)
	}
	d.mu.Lock()
	rows := slices.Clone(d.rows[first:])
	d.mu.Unlock()
	fmt.Fprintf(d.out, "▸ %s\n", title)
	tw := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "  +%.3fs\t%s\t%s\t%s\t%s\t%s\n", r.at.Seconds(), r.source, r.agent, r.event, r.change, r.result)
	}
	return tw.Flush()
}

// addRow adds a row the flow did not report (what the sender saw of a
// delivery re-sent by hand).
func (d *demo) addRow(r row) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r.at = time.Since(d.start)
	d.rows = append(d.rows, r)
}

// settle waits until no Zendesk delivery, no held delivery being replayed
// and no automation call is in flight, and none started meanwhile.
func (d *demo) settle() error {
	ctx, cancel := context.WithTimeout(d.ctx, 10*time.Second)
	defer cancel()
	for range 100 {
		n, a := len(d.zd.Deliveries()), d.autoSent.Load()
		if err := d.zd.WaitDeliveries(ctx); err != nil {
			return fmt.Errorf("waiting for Zendesk's deliveries: %w", err)
		}
		for d.autoInflight.Load() > 0 {
			if ctx.Err() != nil {
				return errors.New("babelforce automation calls still in flight")
			}
			time.Sleep(time.Millisecond)
		}
		if len(d.zd.Deliveries()) == n && d.autoSent.Load() == a {
			return nil
		}
	}
	return errors.New("the two sides do not settle")
}

func (d *demo) agentID(name string) int64 {
	for id, n := range d.names {
		if n == name {
			return id
		}
	}
	return 0
}

func (d *demo) bfAgent(name string) string {
	a, _ := d.bf.AgentBySourceID(strconv.FormatInt(d.agentID(name), 10))
	return a.ID
}

// play runs the scenario.
func (d *demo) play() error {
	ann, bob := d.agentID("Ann"), d.agentID("Bob")
	annBF, bobBF := d.bfAgent("Ann"), d.bfAgent("Bob")
	var meeting int64
	for _, s := range d.zd.UnifiedStatuses() {
		if s.Name == "In a meeting" {
			meeting = s.ID
		}
	}
	set := func(zid, status int64) func() error {
		return func() error { return d.zd.SetAgentStatus(zid, status) }
	}
	fmt.Fprintln(d.out, "Scenario (time since start, source, agent, event, change, result):")
	steps := []struct {
		title string
		fn    func() error
	}{
		{"The poller's first pass: a baseline, not a change", func() error { return d.flow.Poll(d.ctx) }},
		{"Ann goes online in Zendesk", set(ann, zendesktest.StatusOnline)},
		{"Bob goes online in Zendesk; babelforce answers the first presence change with a 503, which the client's own retry absorbs",
			func() error {
				d.bf.InjectFault(babelforcetest.Fault{Method: http.MethodPut, Path: "/api/v2/agents/" + bobBF + "/status", Status: http.StatusServiceUnavailable})
				return d.zd.SetAgentStatus(bob, zendesktest.StatusOnline)
			}},
		{"Ann goes away in Zendesk", set(ann, zendesktest.StatusAway)},
		{"Bob picks the custom status \"In a meeting\" in Zendesk", set(bob, meeting)},
		{"Zendesk delivers Ann's \"away\" event a second time (the same signed request)", d.resendAway(ann)},
		{"Ann goes transfers only, but those deliveries are held back in transit …", func() error {
			d.relay.hold(ann)
			if err := d.zd.SetAgentStatus(ann, zendesktest.StatusTransfersOnly); err != nil {
				return err
			}
			if err := d.settle(); err != nil {
				return err
			}
			d.mu.Lock()
			d.rows = append(d.rows, row{at: time.Since(d.start), source: "(network)", agent: "Ann", event: fmt.Sprintf("%d deliveries", d.relay.count()),
				change: "away → transfers_only", result: "held in transit: not yet delivered to the flow"})
			d.mu.Unlock()
			return nil
		}},
		{"… Ann goes offline, delivered at once …", func() error {
			d.relay.hold(0)
			return d.zd.SetAgentStatus(ann, zendesktest.StatusOffline)
		}},
		{"… and the held \"transfers only\" events arrive late", d.relay.release},
		{"Bob goes online in Zendesk while babelforce fails 3 times in a row (beyond the client's 2 retries)", func() error {
			d.bf.InjectFault(babelforcetest.Fault{Method: http.MethodPut, Path: "/api/v2/agents/" + bobBF + "/status", Status: http.StatusServiceUnavailable, Times: 3})
			return d.zd.SetAgentStatus(bob, zendesktest.StatusOnline)
		}},
		{"Ann goes busy in babelforce; the automation reports it", func() error { return d.bf.SetPresence(annBF, "busy") }},
		{"Bob picks \"in_a_meeting\" in babelforce; no automation this time: the poller sees it", func() error {
			d.automation.Store(false)
			defer d.automation.Store(true)
			if err := d.bf.SetPresence(bobBF, "in_a_meeting"); err != nil {
				return err
			}
			return d.flow.Poll(d.ctx)
		}},
		{"Ann goes online in Zendesk again", set(ann, zendesktest.StatusOnline)},
	}
	for _, s := range steps {
		if err := d.step(s.title, s.fn); err != nil {
			return err
		}
	}
	d.mu.Lock()
	hidden := d.hidden
	d.mu.Unlock()
	fmt.Fprintf(d.out, "(%d agent.state_changed events of the messaging and talk channels were acknowledged and ignored: support drives babelforce)\n\n", hidden)
	return nil
}

// resendAway re-sends the signed delivery of Ann's unified "away" event,
// as Zendesk does when it is unsure a delivery arrived.
func (d *demo) resendAway(ann int64) func() error {
	return func() error {
		var del *zendesktest.Delivery
		for _, x := range d.zd.Deliveries() {
			if x.AgentID == ann && x.EventType == zendesk.EventAgentUnifiedStateChanged && bytes.Contains(x.Body, []byte(`"new_unified_state":{"id":"4"`)) {
				del = &x
			}
		}
		if del == nil || len(del.Attempts) == 0 {
			return errors.New("no delivery of Ann's away event to re-send")
		}
		req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, d.base+zendeskPath, bytes.NewReader(del.Body))
		if err != nil {
			return err
		}
		req.Header = del.Attempts[len(del.Attempts)-1].Header.Clone()
		resp, err := d.http.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		d.addRow(row{source: "zendesk (re-sent)", agent: "Ann", event: "unified status", change: "online → away",
			result: fmt.Sprintf("%d %s: the agent's record has this event's time and state", resp.StatusCode, strings.TrimSpace(string(body)))})
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("the re-sent delivery got %d %s, want 200", resp.StatusCode, body)
		}
		d.mu.Lock()
		dup := d.counts[string(statussync.SourceZendesk)+" "+string(flow.Duplicate)]
		d.mu.Unlock()
		if dup == 0 {
			return errors.New("the re-sent delivery was not found a duplicate")
		}
		return nil
	}
}

// verify reads both sides through their APIs, prints the final state and
// fails unless every agent is consistent and the scenario showed what it
// is meant to.
func (d *demo) verify() error {
	cmp, err := d.flow.Compare(d.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(d.out, "Final state, read through both APIs:")
	tw := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', 0)
	var problems []string
	for _, c := range cmp {
		verdict := "consistent"
		if !c.Consistent {
			verdict = "INCONSISTENT"
			problems = append(problems, fmt.Sprintf("%s: Zendesk %q, babelforce %q", c.Name, c.ZendeskStatus, c.Presence))
		}
		fmt.Fprintf(tw, "  %s\tZendesk %s (support %s)\tbabelforce %s\t%s\n", c.Name, c.ZendeskStatus, c.ZendeskChannel, c.Presence, verdict)
	}
	tw.Flush()
	d.mu.Lock()
	counts := d.counts
	d.mu.Unlock()
	for _, want := range []struct{ key, what string }{
		{"zendesk applied", "a Zendesk change applied to babelforce"},
		{"zendesk duplicate", "a duplicate dropped"},
		{"zendesk stale", "an out-of-order event dropped"},
		{"zendesk failed", "a babelforce failure answered with 503"},
		{"zendesk echo", "an echo of a Zendesk change the flow made dropped"},
		{"babelforce automation echo", "an echo of a babelforce change the flow made dropped"},
		{"babelforce automation applied", "a babelforce change applied to Zendesk by the automation"},
		{"babelforce poller applied", "a babelforce change applied to Zendesk by the poller"},
		{"babelforce poller baseline", "baseline taken by the poller"},
	} {
		if counts[want.key] == 0 {
			problems = append(problems, "the scenario showed no "+want.what)
		}
	}
	var retried bool
	for _, x := range d.zd.Deliveries() {
		if !x.Succeeded() {
			problems = append(problems, fmt.Sprintf("Zendesk delivery %s %s was not acknowledged", x.EventType, x.EventID))
		}
		if len(x.Attempts) > 1 && x.Attempts[0].Status == http.StatusServiceUnavailable {
			retried = true
		}
	}
	if !retried {
		problems = append(problems, "no Zendesk delivery was retried after a 503")
	}
	if len(problems) > 0 {
		return fmt.Errorf("the demo failed:\n  %s", strings.Join(problems, "\n  "))
	}
	fmt.Fprintf(d.out, "\nBoth sides are consistent; duplicates, late events and echoes were dropped, and the failed delivery was retried and applied.\n")
	return nil
}

// relay passes Zendesk's deliveries to the flow, except those about the
// held agent, which it acknowledges and keeps, to deliver them late: a
// network path that reorders.
type relay struct {
	url    string
	client *http.Client

	mu     sync.Mutex
	next   http.Handler
	holdID int64
	held   []heldRequest
}

type heldRequest struct {
	header http.Header
	body   []byte
}

func (rl *relay) setNext(h http.Handler) {
	rl.mu.Lock()
	rl.next = h
	rl.mu.Unlock()
}

// hold starts holding back the deliveries about the agent (0: none).
func (rl *relay) hold(agentID int64) {
	rl.mu.Lock()
	rl.holdID = agentID
	rl.mu.Unlock()
}

func (rl *relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, webhook.DefaultMaxBodyBytes+1))
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	rl.mu.Lock()
	next, hold := rl.next, rl.holdID
	if hold != 0 && r.Header.Get("X-Demo-Released") == "" {
		if ev, err := webhook.ParseZendeskEvent(body); err == nil && eventAgent(ev) == hold {
			rl.held = append(rl.held, heldRequest{header: r.Header.Clone(), body: body})
			rl.mu.Unlock()
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "held in transit")
			return
		}
	}
	rl.mu.Unlock()
	if next == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	next.ServeHTTP(w, r)
}

// count returns how many requests are held.
func (rl *relay) count() int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return len(rl.held)
}

// release delivers the held requests, in their order, over HTTP.
func (rl *relay) release() error {
	rl.mu.Lock()
	held := rl.held
	rl.held = nil
	rl.mu.Unlock()
	for _, h := range held {
		req, err := http.NewRequest(http.MethodPost, rl.url, bytes.NewReader(h.body))
		if err != nil {
			return err
		}
		req.Header = h.header.Clone()
		req.Header.Set("X-Demo-Released", "1")
		resp, err := rl.client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("a released delivery got %d", resp.StatusCode)
		}
	}
	return nil
}

func eventAgent(ev *webhook.ZendeskEvent) int64 {
	switch p := ev.Payload.(type) {
	case *webhook.AgentStateChanged:
		return p.AgentID
	case *webhook.AgentUnifiedStateChanged:
		return p.AgentID
	}
	return 0
}
