package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/braze/smsbridge"
	"github.com/deskbridge/deskbridge/dydu/dydutest"
	"github.com/deskbridge/deskbridge/dydu/escalation"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The demo's world: the vendors' fakes in this process, a file naming
// them (base_url tenants, secrets in a fake environment), and a listener
// for serve. Tests play on the same world.

// demoBrazeSecret is what the demo's Braze webhook campaigns send.
const demoBrazeSecret = "demo-braze-webhook-secret"

// demoAnimalKnowledge is the id the escalation demo gives the seed bot's
// escalating knowledge, mapped to its skill.
const demoAnimalKnowledge = 4242

// demoPrefix is the demo file's store_prefix: each flow's Redis keys are
// under it and the flow's name (a memory store ignores it).
const demoPrefix = "deskbridge-demo:"

// demoCustomer is the smsbridge demo's customer in Braze.
const demoCustomer = "cust-chloe"

type world struct {
	flows []string
	zd    *zendesktest.Server
	bf    *babelforcetest.Server
	bz    *brazetest.Server
	cf    *conversationstest.Server
	dy    *dydutest.Server
	cx    *cxWorld
	bp    *bpWorld
	// fakes names every fake started and its URL, for the demo's header.
	fakes []string
	// callerTicket is the open ticket of the customer who calls
	// (memorialize, scenario).
	callerTicket int64

	env     map[string]string
	store   string // the file's store: "" is memory
	ln      net.Listener
	base    string           // http://127.0.0.1:port
	agents  map[string]int64 // name → Zendesk id
	reply   string           // Braze reply campaign
	closing string
	closers []func()
}

// shortSleep makes the fakes wait at most 20 ms for a Retry-After, so that
// a retried delivery does not hold a demo or a test for seconds.
func shortSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(min(d, 20*time.Millisecond))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// demoFlows are the flows deskbridge demo plays.
var demoFlows = []string{"statussync", "smsbridge", "escalation", "memorialize", "scenario"}

// newWorld starts the fakes the flows need and a loopback listener.
func newWorld(flows ...string) (*world, error) {
	w := &world{flows: flows, env: map[string]string{}, agents: map[string]int64{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w.ln, w.base = ln, "http://"+ln.Addr().String()
	w.zd = zendesktest.NewServer(zendesktest.WithDeliverySleep(shortSleep))
	w.closers = append(w.closers, w.zd.Close)
	w.env["DEMO_ZENDESK_TOKEN"] = w.zd.APIToken
	w.fakes = append(w.fakes, "Zendesk at "+w.zd.URL)
	for _, f := range flows {
		switch f {
		case "statussync":
			w.bf = babelforcetest.NewServer()
			w.closers = append(w.closers, w.bf.Close)
			w.env["DEMO_BABELFORCE_PASSWORD"] = w.bf.Password
			w.fakes = append(w.fakes, "babelforce at "+w.bf.URL)
			w.env["DEMO_AUTOMATION_SECRET"] = "demo-automation-secret"
			for _, name := range []string{"Ann", "Bob"} {
				zid := w.zd.AddAgent(name, strings.ToLower(name)+"@example.com")
				w.agents[name] = zid
				w.bf.AddAgent(babelforcetest.Agent{Name: name, SourceID: strconv.FormatInt(zid, 10)})
			}
		case "smsbridge":
			w.bz = brazetest.NewServer(brazetest.WithWebhookSleep(shortSleep))
			w.closers = append(w.closers, w.bz.Close)
			w.env["DEMO_BRAZE_KEY"] = w.bz.APIKey()
			w.fakes = append(w.fakes, "Braze at "+w.bz.URL)
			w.env["DEMO_BRAZE_WEBHOOK_SECRET"] = demoBrazeSecret
			if w.reply, err = w.bz.AddCampaign(brazetest.Campaign{Name: "Zendesk agent reply", Message: smsbridge.ReplyMessageTemplate}); err != nil {
				w.close()
				return nil, err
			}
			if w.closing, err = w.bz.AddCampaign(brazetest.Campaign{Name: "Zendesk ticket closed", Message: smsbridge.ReplyMessageTemplate}); err != nil {
				w.close()
				return nil, err
			}
			w.bz.AddUser(brazetest.User{ExternalID: demoCustomer, FirstName: "Chloé", LastName: "Martin", Phone: "+33612345678"})
			w.agents["Agent"] = w.zd.AddAgent("Ann Agent", "ann.agent@example.com")
		case "escalation":
			w.cf = conversationstest.NewServer(conversationstest.WithZendesk(w.zd), conversationstest.WithDeliverySleep(conversationstest.NoSleep))
			w.closers = append(w.closers, w.cf.Close)
			bot := dydutest.SeedBot()
			for i := range bot.Knowledge {
				if bot.Knowledge[i].Skill == dydutest.SeedSkill {
					bot.Knowledge[i].ID = demoAnimalKnowledge
				}
			}
			w.dy = dydutest.NewServer(dydutest.WithBot(bot))
			w.closers = append(w.closers, w.dy.Close)
			w.env["DEMO_SUNCO_SECRET"] = w.cf.Secret
			w.fakes = append(w.fakes, "Sunshine Conversations at "+w.cf.URL, "Dydu at "+w.dy.URL)
			w.env["DEMO_ESCALATION_CHAT_KEY"] = demoChatKey
		case "memorialize":
			if err := w.newCXone(); err != nil {
				w.close()
				return nil, err
			}
			w.fakes = append(w.fakes, "CXone at "+w.cx.srv.URL)
		case "scenario":
			if err := w.newBrightPattern(); err != nil {
				w.close()
				return nil, err
			}
			w.fakes = append(w.fakes, "Bright Pattern at "+w.bp.srv.URL)
		default:
			w.close()
			return nil, fmt.Errorf("no demo for flow %q; try one of: %s", f, strings.Join(demoFlows, ", "))
		}
	}
	return w, nil
}

func (w *world) close() {
	if w.ln != nil {
		w.ln.Close()
	}
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
}

func (w *world) getenv(k string) string { return w.env[k] }

// config is the file of the world's flows.
func (w *world) config() string {
	var b strings.Builder
	st := w.store
	if st == "" {
		st = "memory"
	}
	fmt.Fprintf(&b, "public_url: %s\nstore: %s\nstore_prefix: %s\ntenants:\n  zendesk:\n    demo:\n      base_url: %s\n      email: %s\n      api_token: ${DEMO_ZENDESK_TOKEN}\n",
		w.base, st, `"`+demoPrefix+`"`, w.zd.URL, w.zd.Email)
	if w.bf != nil {
		fmt.Fprintf(&b, "  babelforce:\n    demo:\n      base_url: %s\n      username: %s\n      password: ${DEMO_BABELFORCE_PASSWORD}\n", w.bf.URL, w.bf.Username)
	}
	if w.bz != nil {
		fmt.Fprintf(&b, "  braze:\n    demo:\n      base_url: %s\n      api_key: ${DEMO_BRAZE_KEY}\n", w.bz.URL)
	}
	if w.cf != nil {
		fmt.Fprintf(&b, "  conversations:\n    demo:\n      base_url: %s\n      app_id: %s\n      key_id: %s\n      key_secret: ${DEMO_SUNCO_SECRET}\n", w.cf.URL, w.cf.AppID, w.cf.KeyID)
		fmt.Fprintf(&b, "  dydu:\n    demo:\n      base_url: %s\n      bot_id: %s\n", w.dy.URL, w.dy.BotID)
	}
	if w.cx != nil {
		w.cxoneConfig(&b)
	}
	if w.bp != nil {
		w.brightPatternConfig(&b)
	}
	b.WriteString("flows:\n")
	for _, f := range w.flows {
		switch f {
		case "statussync":
			b.WriteString("  statussync:\n    zendesk: demo\n    babelforce: demo\n    poll_interval: \"off\"\n    automation_secret: ${DEMO_AUTOMATION_SECRET}\n    retry_after: 1s\n")
		case "smsbridge":
			fmt.Fprintf(&b, "  smsbridge:\n    zendesk: demo\n    braze: demo\n    reply_campaign_id: %s\n    closing_campaign_id: %s\n    braze_secrets: [\"${DEMO_BRAZE_WEBHOOK_SECRET}\"]\n    retry_after: 1s\n", w.reply, w.closing)
		case "escalation":
			fmt.Fprintf(&b, "  escalation:\n    dydu: demo\n    conversations: demo\n    zendesk: demo\n    skills: {%d: %s}\n    sender_id_variable: mail\n    name_variable: name\n", demoAnimalKnowledge, dydutest.SeedSkill)
			if w.env["DEMO_ESCALATION_CHAT_KEY"] != "" { // a test may take it out: an anonymous chat
				b.WriteString("    authorize: {chat_key: \"${DEMO_ESCALATION_CHAT_KEY}\"}\n")
			}
		case "memorialize":
			memorializeFlowConfig(&b)
		case "scenario":
			scenarioFlowConfig(&b)
		}
	}
	return b.String()
}

// setUpBraze adds the webhook campaigns BrazeSetup asks an admin to make,
// calling the bridge at its path.
func (w *world) setUpBraze(path string) error {
	for _, c := range smsbridge.BrazeWebhookCampaigns(w.base+path, "SUPPORT", "Bearer "+demoBrazeSecret) {
		wh := &brazetest.Webhook{Method: c.Method, URL: c.URL, Header: c.Header, Body: c.Body}
		if c.Keyword != "" {
			wh.Keywords = []string{c.Keyword}
		}
		if c.AudienceAttribute != "" {
			wh.Audience = []brazetest.Filter{{CustomAttribute: c.AudienceAttribute, Equals: true}}
		}
		if _, err := w.bz.AddCampaign(brazetest.Campaign{Name: c.Name, Webhook: wh}); err != nil {
			return err
		}
	}
	return nil
}

// settle waits until neither fake has a delivery in flight.
func (w *world) settle(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for range 3 {
		if w.bz != nil {
			if err := w.bz.WaitWebhooks(ctx); err != nil {
				return err
			}
		}
		if err := w.zd.WaitDeliveries(ctx); err != nil {
			return err
		}
		if w.cf != nil {
			if err := w.cf.WaitDeliveries(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// running is the world's flows served in-process.
type served struct {
	e      *env
	stop   func() error
	client *http.Client
}

// serveWorld parses the world's file, applies it and serves it on the
// world's listener; stop shuts the server down.
func (w *world) serve(ctx context.Context, out io.Writer, logger *slog.Logger) (*served, error) {
	cfg, err := ParseConfig("demo.yaml", []byte(w.config()))
	if err != nil {
		return nil, err
	}
	e := newEnv(cfg, w.getenv, logger, newMetrics())
	e.readyTTL = 0 // the demo (and its tests) read a vendor going down at once
	if err := e.buildClients(); err != nil {
		return nil, err
	}
	io := stdio{out: out, err: out, getenv: w.getenv}
	fmt.Fprintln(out, "$ deskbridge plan")
	if code := provisionAll(ctx, e, io, true, false); code != exitChanges {
		return nil, fmt.Errorf("plan exited %d, want %d (changes pending)", code, exitChanges)
	}
	fmt.Fprintln(out, "$ deskbridge apply")
	if code := provisionAll(ctx, e, io, false, false); code != exitOK {
		return nil, fmt.Errorf("apply exited %d", code)
	}
	fmt.Fprintln(out, "$ deskbridge plan   # again: nothing left to do")
	if code := provisionAll(ctx, e, io, true, false); code != exitOK {
		return nil, fmt.Errorf("plan after apply exited %d, want %d (no changes)", code, exitOK)
	}
	for _, f := range cfg.flows {
		if f.Type == "smsbridge" {
			if err := w.setUpBraze(f.Path); err != nil {
				return nil, err
			}
		}
	}
	ready := make(chan string, 1)
	io.listening = func(addr string) { ready <- addr }
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	ln := w.ln
	w.ln = nil // serveOn closes it
	go func() { done <- serveOn(sctx, e, ln, nil, io) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintf(out, "$ deskbridge serve   # on %s\n\n", w.base)
	return &served{e: e, client: &http.Client{Timeout: 10 * time.Second}, stop: func() error { cancel(); return <-done }}, nil
}

// scrape returns the deskbridge_ samples of /metrics, by series.
func (s *served) scrape(ctx context.Context, base string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics answered %s", resp.Status)
	}
	return parseMetrics(string(body))
}

// parseMetrics reads the deskbridge_ samples of a Prometheus text page.
func parseMetrics(body string) (map[string]float64, error) {
	out := map[string]float64{}
	for line := range strings.SplitSeq(body, "\n") {
		if !strings.HasPrefix(line, "deskbridge_") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("/metrics: %q: %w", line, err)
		}
		out[line[:i]] = v
	}
	return out, nil
}

// runDemo plays a short scenario of one flow on the fakes.
func runDemo(ctx context.Context, name string, sio stdio) error {
	w, err := newWorld(name)
	if err != nil {
		return err
	}
	defer w.close()
	out := sio.out
	fmt.Fprintf(out, "deskbridge demo %s: fake %s\nThe file:\n\n%s\n", name, strings.Join(w.fakes, ", fake "), indentText(w.config(), "    "))
	logger := slog.New(slog.DiscardHandler)
	s, err := w.serve(ctx, out, logger)
	if err != nil {
		return err
	}
	var playErr error
	switch name {
	case "statussync":
		playErr = w.playStatussync(ctx, out)
	case "smsbridge":
		playErr = w.playSMSBridge(ctx, out)
	case "escalation":
		playErr = w.playEscalation(ctx, out, s.client)
	case "memorialize":
		playErr = w.playMemorialize(ctx, out, s.client)
	case "scenario":
		playErr = w.playScenario(ctx, out)
	}
	if playErr == nil {
		playErr = w.settle(ctx)
	}
	m, err := s.scrape(ctx, w.base)
	// A decision made in the background (memorialize's poll writing the
	// contact the Studio call found claimed) is counted once the write is
	// done, which the demo may have seen first.
	applied := `deskbridge_deliveries_total{flow="` + name + `",outcome="applied"}`
	for deadline := time.Now().Add(5 * time.Second); playErr == nil && err == nil && m[applied] == 0 && time.Now().Before(deadline); {
		if err = shortSleep(ctx, 5*time.Millisecond); err == nil {
			m, err = s.scrape(ctx, w.base)
		}
	}
	stopErr := s.stop()
	if err := errors.Join(playErr, err, stopErr); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nMetrics (GET /metrics, deskbridge_ series that are not zero):")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, k := range sortedNonZero(m) {
		if strings.Contains(k, "_bucket{") || strings.Contains(k, "_sum") {
			continue
		}
		fmt.Fprintf(tw, "  %s\t%g\n", k, m[k])
	}
	return tw.Flush()
}

func sortedNonZero(m map[string]float64) []string {
	var ks []string
	for k, v := range m {
		if v != 0 {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

func indentText(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// playStatussync sets agents' statuses in Zendesk and shows babelforce
// following.
func (w *world) playStatussync(ctx context.Context, out io.Writer) error {
	ann, bob := w.agents["Ann"], w.agents["Bob"]
	steps := []struct {
		title string
		fn    func() error
	}{
		{"Ann goes online in Zendesk", func() error { return w.zd.SetAgentStatus(ann, zendesktest.StatusOnline) }},
		{"Bob goes online in Zendesk", func() error { return w.zd.SetAgentStatus(bob, zendesktest.StatusOnline) }},
		{"Ann goes away in Zendesk", func() error { return w.zd.SetAgentStatus(ann, zendesktest.StatusAway) }},
	}
	for _, st := range steps {
		if err := st.fn(); err != nil {
			return fmt.Errorf("%s: %w", st.title, err)
		}
		if err := w.settle(ctx); err != nil {
			return err
		}
		fmt.Fprintf(out, "▸ %s → babelforce: Ann %s, Bob %s\n", st.title, w.presence("Ann"), w.presence("Bob"))
	}
	if p := w.presence("Ann"); p == "" || w.presence("Bob") == "" {
		return errors.New("babelforce did not follow Zendesk")
	}
	return nil
}

// presence is an agent's babelforce presence.
func (w *world) presence(name string) string {
	a, ok := w.bf.AgentBySourceID(strconv.FormatInt(w.agents[name], 10))
	if !ok {
		return ""
	}
	return w.bf.Presence(a.ID)
}

// playSMSBridge has a customer text, an agent answer and solve.
func (w *world) playSMSBridge(ctx context.Context, out io.Writer) error {
	if _, err := w.bz.ReceiveSMS(demoCustomer, "SUPPORT"); err != nil {
		return err
	}
	if err := w.settle(ctx); err != nil {
		return err
	}
	tickets := w.zd.Tickets()
	if len(tickets) != 1 {
		return fmt.Errorf("the text opened %d tickets, want 1", len(tickets))
	}
	t := tickets[0]
	fmt.Fprintf(out, "▸ Chloé texts SUPPORT → Zendesk ticket #%d %q\n", t.ID, t.Subject)
	if err := w.zd.AgentReply(t.ID, w.agents["Agent"], "Sorry to hear that. What is your order number?", true); err != nil {
		return err
	}
	if err := w.settle(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "▸ The agent replies on the ticket → Braze sends %d SMS to Chloé\n", len(w.bz.SendsTo(demoCustomer)))
	if _, err := w.bz.ReceiveSMS(demoCustomer, "My parcel has not arrived; order A-4521"); err != nil {
		return err
	}
	if err := w.settle(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "▸ Chloé answers → the ticket has %d comments\n", len(w.zd.Comments(t.ID)))
	if len(w.bz.SendsTo(demoCustomer)) == 0 {
		return errors.New("the agent's reply was not sent by SMS")
	}
	return nil
}

// playEscalation has a user ask the bot something, then something it
// escalates to the Animal group's agents.
// demoChatKey is the key the demo's site signs chat tokens with.
const demoChatKey = "demo-escalation-chat-key-of-32-bytes+"

// jeanne is the identity the demo's site vouches for.
var jeanne = map[string]string{"mail": "jeanne@example.org", "name": "Jeanne Martin"}

// chatToken is the token the site's server would give the page of chat:
// signed with the world's chat key for identity.
func (w *world) chatToken(chat string, identity map[string]string) string {
	return chatKey{[]byte(w.env["DEMO_ESCALATION_CHAT_KEY"])}.sign(chat, identity)
}

func (w *world) playEscalation(ctx context.Context, out io.Writer, hc *http.Client) error {
	chat := escalation.NewChatID()
	say := func(id, text string, vars map[string]string) error {
		b, _ := json.Marshal(map[string]any{"id": id, "text": text, "variables": vars})
		for range 5 {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.base+"/escalation/chats/"+chat+"/messages", bytes.NewReader(b))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+w.chatToken(chat, jeanne))
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				return nil
			case http.StatusServiceUnavailable:
				continue // the page retries with the same id
			}
			return fmt.Errorf("POST message: %d %s", resp.StatusCode, body)
		}
		return errors.New("POST message: still 503 after 5 tries")
	}
	if err := say("m1", "Quels sont vos horaires ?", nil); err != nil {
		return err
	}
	fmt.Fprintln(out, "▸ Jeanne, signed in on the site (her chat token), asks the bot for the opening hours → the bot answers")
	if err := say("m2", "J'ai une question sur mon chien, il ne mange plus", nil); err != nil {
		return err
	}
	if err := w.cf.WaitDeliveries(ctx); err != nil {
		return err
	}
	tickets := w.zd.Tickets()
	if len(tickets) != 1 {
		return fmt.Errorf("the escalation opened %d tickets, want 1", len(tickets))
	}
	if !strings.Contains(tickets[0].Subject, jeanne["name"]) {
		return fmt.Errorf("ticket %d is %q: not Jeanne's, whom the chat token signs", tickets[0].ID, tickets[0].Subject)
	}
	if tickets[0].GroupID == nil {
		return fmt.Errorf("ticket %d has no group; want the %s group", tickets[0].ID, dydutest.SeedSkill)
	}
	fmt.Fprintf(out, "▸ Jeanne asks about her dog → escalated: Zendesk ticket #%d %q in group %d (%s)\n", tickets[0].ID, tickets[0].Subject, *tickets[0].GroupID, dydutest.SeedSkill)
	return nil
}
