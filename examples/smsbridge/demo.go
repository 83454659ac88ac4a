package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/braze/smsbridge"
	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The demo's cast.
const (
	customerID   = "cust-42"
	brazeSecret  = "demo-braze-webhook-secret"
	demoDeadline = 30 * time.Second
)

// shortSleep stands for the senders' waits between retries: the demo asks
// for Retry-After: 1 and Zendesk and Braze would wait a second; the fakes
// record that wait but the demo only pauses briefly.
func shortSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(min(d, 20*time.Millisecond))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// demo holds the fakes and the bridge between them.
type demo struct {
	out io.Writer
	zd  *zendesktest.Server
	bz  *brazetest.Server
	zc  *zendesk.Client
	// replicas is how many bridges share the store behind a round-robin
	// balancer (1: one bridge with its own memory).
	replicas int
	flows    []*smsbridge.Flow
	url      string // the bridge's base URL (the balancer's)
	agent    int64
	reply    string // Braze campaign IDs
	closing  string
	step     int
}

// runDemo plays the conversation through replicas bridges and checks that
// both sides agree.
func runDemo(ctx context.Context, out io.Writer, replicas int) error {
	ctx, cancel := context.WithTimeout(ctx, demoDeadline)
	defer cancel()
	d := &demo{out: out, replicas: replicas}
	stop, err := d.setUp(ctx)
	defer stop()
	if err != nil {
		return err
	}
	ticket, err := d.conversation(ctx)
	if err != nil {
		return err
	}
	return d.transcript(ticket)
}

// setUp starts the fakes and the bridge on loopback, and provisions both
// sides as a user would: Provision for Zendesk, the documented campaigns
// for Braze.
func (d *demo) setUp(ctx context.Context) (stop func(), err error) {
	var closers []func()
	stop = func() {
		for _, c := range slices.Backward(closers) {
			c()
		}
	}
	d.zd = zendesktest.NewServer(zendesktest.WithDeliverySleep(shortSleep))
	closers = append(closers, d.zd.Close)
	d.bz = brazetest.NewServer(brazetest.WithWebhookSleep(shortSleep))
	closers = append(closers, d.bz.Close)

	// The bridge's address must exist before Provision points Zendesk at
	// it, and the bridge needs the webhook secret Provision returns.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return stop, err
	}
	var handler atomic.Pointer[http.Handler]
	srv := newHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := handler.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", "1")
		http.Error(w, "starting", http.StatusServiceUnavailable)
	}), defaultTimeouts)
	go srv.Serve(ln)
	closers = append(closers, func() { srv.Close() })
	d.url = "http://" + ln.Addr().String()

	d.zc, err = zendesk.NewClient(zendesk.WithBaseURL(d.zd.URL), zendesk.WithAPIToken(d.zd.Email, d.zd.APIToken),
		zendesk.WithMaxRetries(1), zendesk.WithRetryWaitMax(50*time.Millisecond))
	if err != nil {
		return stop, err
	}
	bc, err := braze.NewClient(braze.WithBaseURL(d.bz.URL), braze.WithAPIKey(d.bz.APIKey()),
		braze.WithMaxRetries(1), braze.WithRetryWaitMax(50*time.Millisecond))
	if err != nil {
		return stop, err
	}
	fmt.Fprintf(d.out, "Fake Zendesk at %s, fake Braze at %s, the bridge at %s.\n", d.zd.URL, d.bz.URL, d.url)
	fmt.Fprintf(d.out, "(the fakes record the Retry-After they are asked to honour but wait at most 20 ms, to keep the demo short)\n\n")

	pc := smsbridge.ProvisionConfig{Zendesk: d.zc, BridgeURL: d.url}
	rep, err := smsbridge.Provision(ctx, pc)
	if err != nil {
		return stop, err
	}
	fmt.Fprintf(d.out, "Provision, first run:\n%s", rep)
	secret, err := smsbridge.SigningSecret(ctx, d.zc, rep)
	if err != nil {
		return stop, err
	}
	again, err := smsbridge.Provision(ctx, pc)
	if err != nil {
		return stop, err
	}
	fmt.Fprintf(d.out, "Provision, second run:\n%s\n", again)
	if again.Changed() {
		return stop, fmt.Errorf("the second Provision changed something")
	}

	// Braze, set up as BrazeSetup says.
	if d.reply, err = d.bz.AddCampaign(brazetest.Campaign{Name: "Zendesk agent reply", Message: smsbridge.ReplyMessageTemplate}); err != nil {
		return stop, err
	}
	if d.closing, err = d.bz.AddCampaign(brazetest.Campaign{Name: "Zendesk ticket closed", Message: smsbridge.ReplyMessageTemplate}); err != nil {
		return stop, err
	}
	for _, c := range smsbridge.BrazeWebhookCampaigns(d.url, "SUPPORT", "Bearer "+brazeSecret) {
		w := &brazetest.Webhook{Method: c.Method, URL: c.URL, Header: c.Header, Body: c.Body}
		if c.Keyword != "" {
			w.Keywords = []string{c.Keyword}
		}
		if c.AudienceAttribute != "" {
			w.Audience = []brazetest.Filter{{CustomAttribute: c.AudienceAttribute, Equals: true}}
		}
		if _, err := d.bz.AddCampaign(brazetest.Campaign{Name: c.Name, Webhook: w}); err != nil {
			return stop, err
		}
		fmt.Fprintf(d.out, "Braze webhook campaign %q → %s %s\n", c.Name, c.Method, c.URL)
	}
	d.bz.AddUser(brazetest.User{ExternalID: customerID, FirstName: "Chloé", LastName: "Martin", Phone: "+33612345678"})
	d.agent = d.zd.AddAgent("Ann Agent", "ann@example.com")

	// One bridge keeps its state in its own memory; replicas share a
	// store, as they must.
	var shared store.Store
	if d.replicas > 1 {
		st, err := openStore(ctx, strings.TrimSpace(os.Getenv("REDIS_URL")), demoPrefix(), true)
		if err != nil {
			return stop, err
		}
		closers = append(closers, st.close)
		shared = st.Store
		fmt.Fprintf(d.out, "\n%d bridges behind a round-robin balancer, sharing %s.\n", d.replicas, st.what)
	}
	rr := &roundRobin{}
	for range max(d.replicas, 1) {
		f, err := smsbridge.New(smsbridge.Config{
			Zendesk: d.zc, Braze: bc,
			ReplyCampaignID: d.reply, ClosingCampaignID: d.closing,
			ZendeskSecrets: []string{secret},
			BrazeAuth:      webhook.SharedSecretVerifier{Secrets: []string{brazeSecret}},
			RetryAfter:     time.Second,
			Store:          shared,
		})
		if err != nil {
			return stop, err
		}
		d.flows = append(d.flows, f)
		rr.handlers = append(rr.handlers, f.Handler())
	}
	var h http.Handler = rr
	handler.Store(&h)
	return stop, nil
}

// demoPrefix is a Redis key prefix of this run alone, so that a shared
// Redis (REDIS_URL) holds nothing of an earlier run under it.
func demoPrefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "deskbridge:smsbridge-demo:" + hex.EncodeToString(b[:]) + ":"
}

// settle waits until neither fake has a delivery in flight.
func (d *demo) settle(ctx context.Context) error {
	for range 3 {
		if err := d.bz.WaitWebhooks(ctx); err != nil {
			return err
		}
		if err := d.zd.WaitDeliveries(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (d *demo) say(format string, args ...any) {
	d.step++
	fmt.Fprintf(d.out, "\n%d. "+format+"\n", append([]any{d.step}, args...)...)
}

func (d *demo) note(format string, args ...any) {
	fmt.Fprintf(d.out, "   "+format+"\n", args...)
}

// text has the customer send an SMS.
func (d *demo) text(ctx context.Context, msg string) error {
	if _, err := d.bz.ReceiveSMS(customerID, msg); err != nil {
		return err
	}
	return d.settle(ctx)
}

// conversation plays the scenario and returns the ticket.
func (d *demo) conversation(ctx context.Context) (int64, error) {
	fmt.Fprintf(d.out, "\nThe conversation:\n")

	d.say("Chloé texts SUPPORT.")
	if err := d.text(ctx, "SUPPORT"); err != nil {
		return 0, err
	}
	tickets := d.zd.Tickets()
	if len(tickets) != 1 {
		return 0, fmt.Errorf("%d tickets after SUPPORT, want 1", len(tickets))
	}
	ticket := tickets[0].ID
	requester, _ := d.zd.User(tickets[0].RequesterID)
	u, _ := d.bz.User(customerID)
	d.note("Zendesk: ticket #%d %q opened, requested by %s (braze_external_id %v).", ticket, tickets[0].Subject, requester.Name, requester.UserFields[smsbridge.DefaultUserField])
	d.note("Braze: %s = %v, %s = %v.", smsbridge.AttrTicket, u.CustomAttributes[smsbridge.AttrTicket], smsbridge.AttrTicketOpen, u.CustomAttributes[smsbridge.AttrTicketOpen])

	d.say("Ann answers in Zendesk's agent UI.")
	if err := d.zd.AgentReply(ticket, d.agent, "Bonjour Chloé 👋\nSorry to hear that. What is your order number?", true); err != nil {
		return 0, err
	}
	if err := d.settle(ctx); err != nil {
		return 0, err
	}
	d.note("The trigger fired; Braze sent %d SMS.", len(d.sends()))

	d.say("Chloé replies; Braze delivers that webhook twice.")
	if err := d.text(ctx, "It's A-1234 📦\nOrdered on 3 March."); err != nil {
		return 0, err
	}
	whs := d.bz.Webhooks()
	last := whs[len(whs)-1]
	status, outcome, err := d.repost(ctx, last)
	if err != nil {
		return 0, err
	}
	d.note("First delivery: %s. The same delivery again: %d %s.", attempts(last.Attempts), status, outcome)

	d.say("Chloé replies again; Zendesk saves the comment but answers 500.")
	d.zd.InjectFault(zendesktest.Fault{Method: http.MethodPut, Path: "/api/v2/tickets/", Status: http.StatusInternalServerError, Processed: true})
	if err := d.text(ctx, "The box arrived damaged 😕\n\"Fragile\" sticker & all."); err != nil {
		return 0, err
	}
	whs = d.bz.Webhooks()
	d.note("Braze's attempts: %s; the bridge found the comment of the first attempt on the ticket.", attempts(whs[len(whs)-1].Attempts))

	d.say("Ann answers; Braze sends the SMS but answers 503.")
	d.bz.InjectFault(brazetest.Fault{Method: http.MethodPost, Path: "/campaigns/trigger/send", Status: http.StatusServiceUnavailable, Processed: true})
	if err := d.zd.AgentReply(ticket, d.agent, "<p>Thanks! A replacement ships <b>today</b> &amp; arrives Friday.</p><p>Anything else?</p>", true); err != nil {
		return 0, err
	}
	if err := d.settle(ctx); err != nil {
		return 0, err
	}
	dl := d.zd.Deliveries()
	d.note("Zendesk's attempts: %s; on the retry the bridge read the send's marker back from Braze and did not send again.", attempts(dl[len(dl)-1].Attempts))

	d.say("Ann solves the ticket.")
	if _, err := d.zd.AgentUpdate(ticket, d.agent, zendesktest.AgentUpdate{Status: zendesk.TicketStatusSolved}); err != nil {
		return 0, err
	}
	if err := d.settle(ctx); err != nil {
		return 0, err
	}
	u, _ = d.bz.User(customerID)
	d.note("Braze: %s = %v.", smsbridge.AttrTicketOpen, u.CustomAttributes[smsbridge.AttrTicketOpen])
	return ticket, nil
}

// repost sends a Braze webhook delivery to the bridge again, as Braze
// would if the first answer had been lost.
func (d *demo) repost(ctx context.Context, w brazetest.WebhookDelivery) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, w.Method, w.URL, strings.NewReader(w.Body))
	if err != nil {
		return 0, "", err
	}
	req.Header = w.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), nil
}

func attempts(as []deskbridgetest.Attempt) string {
	var parts []string
	for _, a := range as {
		s := fmt.Sprint(a.Status)
		if a.Wait > 0 {
			s += fmt.Sprintf(" (Retry-After honoured: %v)", a.Wait)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", then ")
}

// sends returns the SMS Braze sent to the customer.
func (d *demo) sends() []brazetest.Send {
	var out []brazetest.Send
	for _, s := range d.bz.Sends() {
		if s.ExternalUserID == customerID {
			out = append(out, s)
		}
	}
	return out
}

// line is one message of the conversation as one side saw it.
type line struct {
	who  string // "customer" or "agent"
	text string
}

// transcript prints the conversation as Zendesk and Braze saw it and
// checks that they agree.
func (d *demo) transcript(ticket int64) error {
	tk, _ := d.zd.Ticket(ticket)
	fmt.Fprintf(d.out, "\nAs Zendesk saw it (ticket #%d, %s):\n", ticket, tk.Status)
	var zendeskSide []line
	for _, c := range d.zd.Comments(ticket) {
		if !c.Public {
			continue
		}
		who, name := "agent", "Ann Agent"
		if c.AuthorID == tk.RequesterID {
			who, name = "customer", "Chloé Martin"
		}
		fmt.Fprintf(d.out, "  %-12s via %-4s %s\n", name, c.Via.Channel, indentMore(c.Body, 24))
		// What an SMS can carry of it: the customer's text as is, the
		// agent's as the bridge extracts it.
		text := c.Body
		if who == "agent" {
			text = smsbridge.ExtractMessage(c.Body)
		}
		zendeskSide = append(zendeskSide, line{who, text})
	}

	fmt.Fprintf(d.out, "\nAs Braze saw it (user %s):\n", customerID)
	type event struct {
		at time.Time
		line
		closing bool
	}
	var events []event
	for _, in := range d.bz.InboundMessages() {
		if in.ExternalID == customerID && len(in.Campaigns) > 0 {
			events = append(events, event{at: in.Time, line: line{"customer", in.Text}})
		}
	}
	for _, s := range d.sends() {
		events = append(events, event{at: s.Time, line: line{"agent", s.Message}, closing: s.CampaignID == d.closing})
	}
	slices.SortStableFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	var brazeSide []line
	closings := 0
	for _, e := range events {
		switch {
		case e.closing:
			closings++
			fmt.Fprintf(d.out, "  SMS sent      %s   (closing campaign)\n", e.text)
			continue
		case e.who == "customer":
			fmt.Fprintf(d.out, "  SMS received  %s\n", indentMore(e.text, 16))
		default:
			fmt.Fprintf(d.out, "  SMS sent      %s\n", indentMore(e.text, 16))
		}
		brazeSide = append(brazeSide, e.line)
	}

	var problems []string
	if !slices.Equal(zendeskSide, brazeSide) {
		problems = append(problems, fmt.Sprintf("the conversations differ:\n  Zendesk %q\n  Braze   %q", zendeskSide, brazeSide))
	}
	if tk.Status == zendesk.TicketStatusSolved && closings != 1 {
		problems = append(problems, fmt.Sprintf("the ticket is solved and %d closing SMS went out", closings))
	}
	if u, _ := d.bz.User(customerID); u.CustomAttributes[smsbridge.AttrTicketOpen] != (tk.Status != zendesk.TicketStatusSolved) {
		problems = append(problems, fmt.Sprintf("Braze's %s is %v for a %s ticket", smsbridge.AttrTicketOpen, u.CustomAttributes[smsbridge.AttrTicketOpen], tk.Status))
	}
	for _, dl := range d.zd.Deliveries() {
		if !dl.Succeeded() {
			problems = append(problems, fmt.Sprintf("Zendesk webhook invocation %s was not delivered", dl.InvocationID))
		}
	}
	for _, w := range d.bz.Webhooks() {
		if !w.Delivered {
			problems = append(problems, fmt.Sprintf("Braze webhook %q was not delivered", w.CampaignName))
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(d.out, "\nDISAGREEMENT:\n  %s\n", strings.Join(problems, "\n  "))
		return fmt.Errorf("the two sides disagree (%d problems)", len(problems))
	}
	fmt.Fprintf(d.out, "\nBoth sides agree: %d messages, each once and in order, and one closing SMS for the solved ticket.\n", len(zendeskSide))
	return nil
}

// indentMore indents the lines after the first of s by n spaces.
func indentMore(s string, n int) string {
	lines := strings.Split(s, "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i] != "" {
			lines[i] = strings.Repeat(" ", n) + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}
