package smsbridge

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The end-to-end tests run the real HTTP paths: Braze's fake fires the
// documented webhook campaigns at the bridge, Zendesk's fake fires the
// provisioned triggers at it, and the bridge calls both fakes back.

func TestConversation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	// The customer texts SUPPORT: a ticket opens, requested by them.
	ticket := e.openTicket()
	tk, _ := e.zd.Ticket(ticket)
	if tk.Subject != "SMS from Chloé Martin" || !slices.Contains(tk.Tags, "sms") {
		t.Errorf("ticket: subject %q, tags %v", tk.Subject, tk.Tags)
	}
	requester, _ := e.zd.User(tk.RequesterID)
	if requester.Name != "Chloé Martin" || requester.UserFields[DefaultUserField] != customer {
		t.Errorf("requester: %q, fields %v", requester.Name, requester.UserFields)
	}
	cs := e.comments(ticket)
	if len(cs) != 1 || cs[0].Body != supportWord || cs[0].AuthorID != requester.ID || !cs[0].Public {
		t.Fatalf("comments: %+v", cs)
	}
	if a := e.attrs(); a[AttrTicket] != strconv.FormatInt(ticket, 10) || a[AttrTicketOpen] != true {
		t.Errorf("Braze attributes after the ticket opened: %v", a)
	}
	if len(e.sends()) != 0 {
		t.Errorf("an SMS went out for the customer's own text: %+v", e.sends())
	}

	// The agent answers in the agent UI: the trigger fires, the SMS goes
	// out with the message alone, HTML and all cleaned.
	e.agentSays(ticket, "Bonjour Chloé 👋\nYour order <b>A-1234</b> ships today &amp; arrives Friday.\n\nAnything else?")
	sends := e.sends()
	if len(sends) != 1 {
		t.Fatalf("%d SMS after the agent's reply, want 1", len(sends))
	}
	want := "Bonjour Chloé 👋\nYour order A-1234 ships today & arrives Friday.\n\nAnything else?"
	if s := sends[0]; s.CampaignID != e.reply || s.Message != want || s.TriggerProperties["msg_body"] != want {
		t.Errorf("reply SMS: campaign %s, message %q, want %q", s.CampaignID, s.Message, want)
	}
	if a := sends[0].Attributes; a[AttrTicket] != strconv.FormatInt(ticket, 10) || a[AttrTicketOpen] != true || a[DefaultSendMarker] == nil {
		t.Errorf("reply attributes: %v", a)
	}

	// The customer replies (several lines, emoji): a public comment by
	// them, and nothing goes back out.
	firings := len(e.zd.Firings())
	e.text("Merci ! 🙏\nC'est bien ça.\n\n\"Quoted\" & <tagged>")
	cs = e.comments(ticket)
	last := cs[len(cs)-1]
	if len(cs) != 3 || last.Body != "Merci ! 🙏\nC'est bien ça.\n\n\"Quoted\" & <tagged>" || last.AuthorID != requester.ID || !last.Public || last.Via.Channel != "api" {
		t.Errorf("customer reply comment: %+v (of %d)", last, len(cs))
	}
	if n := len(e.zd.Firings()); n != firings {
		t.Errorf("the API comment fired %d triggers", n-firings)
	}
	if len(e.sends()) != 1 {
		t.Errorf("the customer's reply went back out: %+v", e.sends())
	}

	// The agent solves the ticket: the closing SMS, and the ticket is
	// closed on Braze's side.
	if _, err := e.zd.AgentUpdate(ticket, e.agent, zendesktest.AgentUpdate{Status: zendesk.TicketStatusSolved}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	sends = e.sends()
	if len(sends) != 2 || sends[1].CampaignID != e.closing || sends[1].Message != DefaultClosingMessage {
		t.Fatalf("closing SMS: %+v", sends)
	}
	if a := e.attrs(); a[AttrTicketOpen] != false {
		t.Errorf("zendesk_ticket_open after solving: %v", a[AttrTicketOpen])
	}

	// A text now matches no campaign (the follow-up's audience needs an
	// open ticket); SUPPORT opens a new ticket.
	if in := e.text("one more thing"); len(in.Campaigns) != 0 {
		t.Errorf("a text after closing fired %v", in.Campaigns)
	}
	e.text(supportWord)
	if n := len(e.zd.Tickets()); n != 2 {
		t.Errorf("%d tickets, want a second one", n)
	}
	for _, d := range e.zd.Deliveries() {
		if !d.Succeeded() {
			t.Errorf("Zendesk delivery %s failed: %+v", d.InvocationID, d.Attempts)
		}
	}
}

func TestNoEchoWithoutTheLoopGuard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ticket := e.openTicket()
	e.agentSays(ticket, "Hello")
	// Someone removes the loop guard from the trigger: the bridge's own
	// comment now fires it, and the bridge must recognise its text.
	e.removeLoopGuard()
	firings := len(e.zd.Firings())
	e.text("My reply\nin two lines 👍")
	if len(e.zd.Firings()) != firings+1 {
		t.Fatalf("the unguarded trigger did not fire on the API comment")
	}
	if n := len(e.sends()); n != 1 {
		t.Errorf("%d SMS, want 1: the customer's text was sent back", n)
	}
	if !e.logged("the flow posted this comment from an SMS") {
		t.Error("the log lacks the echo decision")
	}
}

func TestRequesterCommentIsNotSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ticket := e.openTicket()
	// The customer answers by email: a public comment not made through
	// the API, so the trigger fires; the author is the requester.
	if err := e.zd.EndUserReply(ticket, "Sent from my mailbox"); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if len(e.zd.Firings()) == 0 {
		t.Fatal("the trigger did not fire for the email reply")
	}
	if n := len(e.sends()); n != 0 {
		t.Errorf("%d SMS for the requester's own comment", n)
	}
}

func TestInboundDuplicateDelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ticket := e.openTicket()
	e.text("Here is the photo description")
	whs := e.bz.Webhooks()
	d := whs[len(whs)-1]
	// Braze delivers the same request again (its answer was lost): the
	// text's record makes it a duplicate (the handler has no Deduper of
	// its own: the flow returns webhook.ErrDuplicate, answered
	// "duplicate").
	var results []Result
	e.flow.cfg.OnResult = func(r Result) { results = append(results, r) }
	status, outcome := e.post(InboundSMSPath, d.Header, d.Body)
	if status != http.StatusOK || outcome != "duplicate" || len(results) != 1 ||
		results[0].Outcome != flow.Duplicate || results[0].Detail != DetailAlreadyPosted || results[0].TicketID != ticket {
		t.Errorf("duplicate delivery: %d %s, results %+v", status, outcome, results)
	}
	e.flow.cfg.OnResult = nil
	m, err := ParseInboundSMS(d.Header.Get("Content-Type"), []byte(d.Body))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := e.flow.HandleInboundSMS(t.Context(), m); err != nil || res.Outcome != flow.Duplicate {
		t.Errorf("HandleInboundSMS again: %v, %v", res, err)
	}
	if n := len(e.comments(ticket)); n != 2 {
		t.Errorf("%d comments, want 2", n)
	}
}

func TestInboundZendeskFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault zendesktest.Fault
	}{
		{"503 before the comment", zendesktest.Fault{Method: http.MethodPut, Path: "/api/v2/tickets/", Status: http.StatusServiceUnavailable}},
		{"500 after the comment", zendesktest.Fault{Method: http.MethodPut, Path: "/api/v2/tickets/", Status: http.StatusInternalServerError, Processed: true}},
		{"connection dropped after the comment", zendesktest.Fault{Method: http.MethodPut, Path: "/api/v2/tickets/", Drop: true, Processed: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ticket := e.openTicket()
			e.zd.InjectFault(tc.fault)
			e.text("Still waiting 🕐")
			n := 0
			for _, c := range e.comments(ticket) {
				if c.Body == "Still waiting 🕐" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("the text is on the ticket %d times, want 1", n)
			}
			whs := e.bz.Webhooks()
			d := whs[len(whs)-1]
			if len(d.Attempts) != 2 || d.Attempts[0].Status != http.StatusServiceUnavailable || !d.Delivered {
				t.Errorf("Braze's attempts: %+v", d.Attempts)
			}
		})
	}
}

func TestTicketCreationConverges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		retries int // the Zendesk client's
		fault   zendesktest.Fault
	}{
		{"client retries with the same key", 1, zendesktest.Fault{Method: http.MethodPost, Path: "/api/v2/tickets", Status: http.StatusInternalServerError, Processed: true}},
		{"Braze retries with the same key", 0, zendesktest.Fault{Method: http.MethodPost, Path: "/api/v2/tickets", Status: http.StatusGatewayTimeout, Processed: true}},
		{"timeout then Braze retries", 0, zendesktest.Fault{Method: http.MethodPost, Path: "/api/v2/tickets", Drop: true, Processed: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var zc *zendesk.Client
			e := newEnv(t, func(c *Config) {
				var err error
				zc, err = zendesk.NewClient(zendesk.WithBaseURL(c.Zendesk.BaseURL()), zendesk.WithAPIToken(zendesktest.DefaultEmail, zendesktest.DefaultAPIToken),
					zendesk.WithMaxRetries(tc.retries), zendesk.WithRetryWaitMax(1))
				if err != nil {
					t.Fatal(err)
				}
				c.Zendesk = zc
			})
			e.zd.InjectFault(tc.fault)
			e.text(supportWord)
			if n := len(e.zd.Tickets()); n != 1 {
				t.Fatalf("%d tickets, want 1\n%s", n, e.logs.String())
			}
			if a := e.attrs(); a[AttrTicket] != "1" {
				t.Errorf("attributes: %v", a)
			}
		})
	}
}

func TestAgentReplyWhenBrazeFails(t *testing.T) {
	t.Parallel()
	processed := brazetest.Fault{Method: http.MethodPost, Path: "/campaigns/trigger/send", Status: http.StatusServiceUnavailable, Processed: true}
	lost := brazetest.Fault{Method: http.MethodPost, Path: "/campaigns/trigger/send", Status: http.StatusServiceUnavailable}
	dropped := brazetest.Fault{Method: http.MethodPost, Path: "/campaigns/trigger/send", Drop: true, Processed: true}
	for _, tc := range []struct {
		name      string
		delivery  Delivery
		marker    string
		faults    []brazetest.Fault
		sends     int
		withheld  bool // reported as uncertain, with a note on the ticket
		confirmed bool
	}{
		{"at-most-once: Braze sent, answered 503", AtMostOnce, "", []brazetest.Fault{processed}, 1, false, true},
		{"at-most-once: Braze sent, connection dropped", AtMostOnce, "", []brazetest.Fault{dropped}, 1, false, true},
		{"at-most-once: Braze did not send, answered 503", AtMostOnce, "", []brazetest.Fault{lost}, 0, true, false},
		{"at-most-once without the probe: Braze sent", AtMostOnce, "-", []brazetest.Fault{processed}, 1, true, false},
		{"at-most-once: the probe keeps failing", AtMostOnce, "", []brazetest.Fault{processed,
			{Method: http.MethodPost, Path: "/users/export/ids", Status: http.StatusInternalServerError, Times: 100}}, 1, true, false},
		{"at-least-once: Braze sent, answered 503", AtLeastOnce, "", []brazetest.Fault{processed}, 1, false, true},
		{"at-least-once: Braze did not send", AtLeastOnce, "", []brazetest.Fault{lost}, 1, false, false},
		{"at-least-once without the probe: Braze sent (sent twice)", AtLeastOnce, "-", []brazetest.Fault{processed}, 2, false, false},
		{"rate limited twice: not sent, retried", AtMostOnce, "", []brazetest.Fault{{Method: http.MethodPost, Path: "/campaigns/trigger/send",
			Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"0"}}, Times: 2}}, 1, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *Config) { c.Delivery, c.SendMarker = tc.delivery, tc.marker })
			ticket := e.openTicket()
			for _, f := range tc.faults {
				e.bz.InjectFault(f)
			}
			e.agentSays(ticket, "Your refund is on its way")
			if n := len(e.sends()); n != tc.sends {
				t.Errorf("%d SMS, want %d", n, tc.sends)
			}
			ds := e.zd.Deliveries()
			d := ds[len(ds)-1]
			if !d.Succeeded() || len(d.Attempts) < 2 || d.Attempts[0].Status != http.StatusServiceUnavailable {
				t.Errorf("Zendesk's attempts: %+v", d.Attempts)
			}
			und := e.undeliveredList()
			if tc.withheld != (len(und) == 1 && und[0].Uncertain && und[0].TicketID == ticket) {
				t.Errorf("undelivered reports: %+v", und)
			}
			note := false
			for _, c := range e.comments(ticket) {
				note = note || (!c.Public && strings.Contains(c.Body, "may not have reached the customer"))
			}
			if note != tc.withheld {
				t.Errorf("internal note on the ticket: %v, want %v", note, tc.withheld)
			}
			if got := e.logged("earlier send confirmed by its marker"); got != tc.confirmed {
				t.Errorf("confirmed by the probe: %v, want %v", got, tc.confirmed)
			}
		})
	}
}

func TestAgentReplyBrazeRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.ReplyCampaignID = "no-such-campaign" })
	ticket := e.openTicket()
	e.agentSays(ticket, "Hello")
	ds := e.zd.Deliveries()
	if d := ds[len(ds)-1]; len(d.Attempts) != 1 || d.Attempts[0].Status != http.StatusUnprocessableEntity {
		t.Errorf("Zendesk's attempts: %+v", d.Attempts)
	}
	und := e.undeliveredList()
	if len(und) != 1 || und[0].Uncertain || und[0].Err == nil {
		t.Errorf("undelivered: %+v", und)
	}
	cs := e.comments(ticket)
	if last := cs[len(cs)-1]; last.Public || !strings.Contains(last.Body, "was not sent to the customer by SMS") {
		t.Errorf("note: %+v", last)
	}
	// The refusal is remembered: a retry of the delivery sends nothing.
	r, err := ParseAgentReply(ds[len(ds)-1].Body)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := e.flow.HandleAgentReply(t.Context(), r); res.Outcome != flow.Duplicate || res.Detail != "refused before" || err != nil {
		t.Errorf("again: %v %v", res, err)
	}
}

// A send Braze answers 401 or 403 (a revoked or mistyped API key, a key
// without the campaigns.trigger.send permission) is not a refusal of the
// reply: it is answered 503 with Retry-After, so that Zendesk retries, and
// the reply goes out once the key is fixed; nothing is noted as undelivered.
func TestAgentReplyBrazeKeyRefusedIsRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		e := newEnv(t)
		ticket := e.openTicket()
		e.bz.InjectFault(brazetest.Fault{Method: http.MethodPost, Path: "/campaigns/trigger/send", Status: status,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"Invalid API key"}`})
		e.retriedAfter503(2, func() { e.agentSays(ticket, "Hello after the key is fixed") })
		ds := e.zd.Deliveries()
		if w := ds[len(ds)-1].Attempts[0].Wait; w != time.Second {
			t.Errorf("%d: Zendesk waited %v, want the bridge's Retry-After (1s)", status, w)
		}
		if sends := e.sends(); len(sends) != 1 || !strings.Contains(sends[0].Message, "Hello after the key is fixed") {
			t.Errorf("%d: sends = %+v", status, sends)
		}
		if und := e.undeliveredList(); len(und) != 0 {
			t.Errorf("%d: undelivered: %+v", status, und)
		}
		for _, c := range e.comments(ticket) {
			if strings.Contains(c.Body, "was not sent to the customer") {
				t.Errorf("%d: note %q", status, c.Body)
			}
		}
	}
}

func TestTicketOfSomeoneElse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.zd.AddUser(zendesktest.User{Name: "Other Person"})
	tk, err := e.zc.Tickets.Create(t.Context(), &zendesk.TicketInput{Subject: "theirs", RequesterID: other.ID, Comment: zendesk.PublicComment("hi")})
	if err != nil {
		t.Fatal(err)
	}
	// The customer's attribute points at a ticket that is not theirs.
	if _, err := e.bc.Users.Track(t.Context(), &braze.TrackRequest{Attributes: []braze.UserAttributes{{ExternalID: customer,
		Attributes: map[string]any{AttrTicket: strconv.FormatInt(tk.ID, 10), AttrTicketOpen: true}}}}); err != nil {
		t.Fatal(err)
	}
	e.text("Is anyone there?")
	if n := len(e.comments(tk.ID)); n != 1 {
		t.Errorf("the text went on someone else's ticket (%d comments)", n)
	}
	if n := len(e.zd.Tickets()); n != 2 {
		t.Errorf("%d tickets, want a new one", n)
	}
}

func TestSolvedTicketOpensANewOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ticket := e.openTicket()
	if _, err := e.zd.AgentUpdate(ticket, e.agent, zendesktest.AgentUpdate{Status: zendesk.TicketStatusSolved}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	// Braze still thinks the ticket is open (say the closing send was
	// lost): the text must not go on the solved ticket.
	if _, err := e.bc.Users.Track(t.Context(), &braze.TrackRequest{Attributes: []braze.UserAttributes{{ExternalID: customer,
		Attributes: map[string]any{AttrTicketOpen: true}}}}); err != nil {
		t.Fatal(err)
	}
	e.text("New problem")
	if n := len(e.zd.Tickets()); n != 2 {
		t.Fatalf("%d tickets, want 2", n)
	}
	if tk, _ := e.zd.Ticket(ticket); tk.Status != zendesk.TicketStatusSolved {
		t.Errorf("the solved ticket is %s", tk.Status)
	}
	if a := e.attrs(); a[AttrTicket] != "2" {
		t.Errorf("attributes: %v", a)
	}
}

func TestClosingWithoutCampaign(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.ClosingCampaignID = "" })
	ticket := e.openTicket()
	if _, err := e.zd.AgentUpdate(ticket, e.agent, zendesktest.AgentUpdate{Comment: "Done!", Public: true, Status: zendesk.TicketStatusSolved}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	sends := e.sends()
	if len(sends) != 1 || sends[0].Message != "Done!" || sends[0].Attributes[AttrTicketOpen] != false {
		t.Errorf("sends: %+v", sends)
	}
	if a := e.attrs(); a[AttrTicketOpen] != false {
		t.Errorf("attributes: %v", a)
	}
}

func TestRecipeBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ticket := e.openTicket()
	// A trigger written for Braze (the recipe's Step 3 body, as Zendesk
	// renders it) pointed at the bridge.
	body := strings.NewReplacer(
		"{{ticket.requester.custom_fields.braze_external_id}}", customer,
		"{{ticket.latest_public_comment_html}}", `----------------------------------------------\n\nAnn Agent, Mar 3, 2025, 10:04\n\nLine 1\nLine 2 ✅`,
		"{{ticket.id}}", strconv.FormatInt(ticket, 10),
	).Replace(RecipeTriggerBody("ignored-campaign", "", false, ""))
	if status, out := e.post(AgentReplyPath, e.signedHeader(body, "inv-1"), body); status != http.StatusOK || out != "handled" {
		t.Fatalf("recipe reply body: %d %s", status, out)
	}
	solved := strings.NewReplacer("{{ticket.requester.custom_fields.braze_external_id}}", customer, "{{ticket.id}}", strconv.FormatInt(ticket, 10)).
		Replace(RecipeTriggerBody("ignored", "", true, "Bye 👋"))
	if status, out := e.post(AgentReplyPath, e.signedHeader(solved, "inv-2"), solved); status != http.StatusOK || out != "handled" {
		t.Fatalf("recipe solved body: %d %s", status, out)
	}
	sends := e.sends()
	if len(sends) != 2 || sends[0].Message != "Line 1\nLine 2 ✅" || sends[0].CampaignID != e.reply ||
		sends[1].Message != "Bye 👋" || sends[1].CampaignID != e.closing || sends[1].Attributes[AttrTicketOpen] != false {
		t.Errorf("sends: %+v", sends)
	}
}

func TestHandlerAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reply := `{"event":"reply","ticket_id":"1","external_id":"` + customer + `","comment":"hi"}`
	for _, tc := range []struct {
		name, path string
		header     http.Header
		body       string
		status     int
		outcome    string
	}{
		{"unsigned trigger webhook", AgentReplyPath, http.Header{"Content-Type": {"application/json"}}, reply, 401, "unauthorized"},
		{"signed with another secret", AgentReplyPath, func() http.Header {
			h := e.signedHeader(reply, "x")
			h.Set("X-Zendesk-Webhook-Signature", "AAAA"+h.Get("X-Zendesk-Webhook-Signature")[4:])
			return h
		}(), reply, 401, "unauthorized"},
		{"not JSON", AgentReplyPath, e.signedHeader("hello", "y"), "hello", 400, "malformed"},
		{"unknown event", AgentReplyPath, e.signedHeader(`{"event":"deleted"}`, "z"), `{"event":"deleted"}`, 400, "malformed"},
		{"requester without Braze ID", AgentReplyPath, e.signedHeader(`{"event":"reply","ticket_id":"1","comment":"hi"}`, "w"),
			`{"event":"reply","ticket_id":"1","comment":"hi"}`, 200, "ignored"},
		{"two recipients", AgentReplyPath, e.signedHeader(`{"campaign_id":"c","recipients":[{},{}]}`, "v"), `{"campaign_id":"c","recipients":[{},{}]}`, 400, "malformed"},
		{"Braze without the secret", InboundSMSPath, http.Header{"Content-Type": {"application/json"}}, InboundBody(KindSupport), 401, "unauthorized"},
		{"Braze with a wrong secret", InboundSMSPath, http.Header{"Authorization": {"Bearer nope"}}, InboundBody(KindSupport), 401, "unauthorized"},
		{"Braze body without a user", InboundSMSPath, http.Header{"Authorization": {"Bearer " + brazeSecret}}, `{"message":"hi"}`, 422, "rejected"},
		{"Braze body without text", InboundSMSPath, http.Header{"Authorization": {"Bearer " + brazeSecret}}, `{"external_id":"u"}`, 422, "rejected"},
		{"Braze body not JSON", InboundSMSPath, http.Header{"Authorization": {"Bearer " + brazeSecret}}, `hi`, 400, "malformed"},
	} {
		status, outcome := e.post(tc.path, tc.header, tc.body)
		if status != tc.status || outcome != tc.outcome {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, outcome, tc.status, tc.outcome)
		}
	}
	if len(e.zd.Tickets()) != 0 || len(e.bz.Sends()) != 0 {
		t.Error("a refused request had an effect")
	}
}

func TestInboundFormBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := http.Header{"Authorization": {"Bearer " + brazeSecret}, "Content-Type": {"application/x-www-form-urlencoded"}}
	body := "kind=support&external_id=" + customer + "&first_name=Chlo%C3%A9&message=Line+1%0ALine+2+%F0%9F%98%80"
	if status, out := e.post(InboundSMSPath, h, body); status != 200 || out != "handled" {
		t.Fatalf("%d %s", status, out)
	}
	cs := e.comments(1)
	if len(cs) != 1 || cs[0].Body != "Line 1\nLine 2 😀" {
		t.Errorf("comments: %+v", cs)
	}
}

func TestUserLinkedByHand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// An agent set the field on the customer's existing user.
	u := e.zd.AddUser(zendesktest.User{Name: "Chloé M.", Email: zendesk.Ptr("chloe@example.com")})
	if err := e.zd.SetUserField(u.ID, DefaultUserField, customer); err != nil {
		t.Fatal(err)
	}
	ticket := e.openTicket()
	if tk, _ := e.zd.Ticket(ticket); tk.RequesterID != u.ID {
		t.Errorf("requester %d, want the linked user %d", tk.RequesterID, u.ID)
	}
}

func TestTicketClosedBetweenCheckAndComment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ticket := e.openTicket()
	tk, _ := e.zd.Ticket(ticket)
	if _, err := e.zc.Tickets.Update(t.Context(), ticket, &zendesk.TicketInput{Status: zendesk.TicketStatusClosed}); err != nil {
		t.Fatal(err)
	}
	// The bridge reads the ticket while it is still open (the fault plays
	// that read); it is closed when the comment arrives.
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/tickets/" + strconv.FormatInt(ticket, 10), Status: http.StatusOK,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   `{"ticket":{"id":` + strconv.FormatInt(ticket, 10) + `,"status":"open","requester_id":` + strconv.FormatInt(tk.RequesterID, 10) + `}}`})
	e.text("Hello again")
	if n := len(e.zd.Tickets()); n != 2 {
		t.Fatalf("%d tickets, want a new one\n%s", n, e.logs.String())
	}
	if cs := e.comments(2); len(cs) != 1 || cs[0].Body != "Hello again" {
		t.Errorf("new ticket's comments: %+v", cs)
	}
}

func TestZendeskRefusesTheComment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ticket := e.openTicket()
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodPut, Path: "/api/v2/tickets/", Status: http.StatusUnprocessableEntity,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"error":"RecordInvalid","description":"Record validation errors"}`})
	e.text("This one is refused")
	whs := e.bz.Webhooks()
	if d := whs[len(whs)-1]; len(d.Attempts) != 1 || d.Attempts[0].Status != http.StatusUnprocessableEntity {
		t.Errorf("Braze's attempts: %+v", d.Attempts)
	}
	if n := len(e.comments(ticket)); n != 1 {
		t.Errorf("%d comments", n)
	}
}

func TestAgentMayRepeatTheCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ticket := e.openTicket()
	e.agentSays(ticket, "Hello")
	e.text("Thanks")
	// The agent answers with the very words the customer just sent: it is
	// not an echo of the bridge's comment, and goes out.
	e.agentSays(ticket, "Thanks")
	if sends := e.sends(); len(sends) != 2 || sends[1].Message != "Thanks" {
		t.Errorf("sends: %+v", sends)
	}
}

// TestEchoCheckRetriesWhenTheBridgeCannotReadItsUser: the bridge's own
// comment comes back (no loop guard) while the bridge cannot read its own
// Zendesk user. It cannot tell its comment from an agent's reply, so it
// neither sends nor acknowledges: 503, and Zendesk's retry decides.
func TestEchoCheckRetriesWhenTheBridgeCannotReadItsUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.openTicket()
	e.removeLoopGuard()
	e.meFails(http.StatusForbidden, 1)
	e.retriedAfter503(2, func() { e.text("A reply") })
	if n := len(e.sends()); n != 0 {
		t.Errorf("%d SMS: the customer's text was sent back", n)
	}
	if !e.logged("could not read the flow's own Zendesk user") {
		t.Error("the log lacks the failure")
	}
}

// TestAgentRepeatingTheCustomerIsRetriedWhenTheBridgeCannotReadItsUser:
// the customer texts "OK", the agent answers "OK" while the bridge cannot
// read its own Zendesk user: the reply is not dropped as an echo; Zendesk
// retries and the SMS goes out once.
func TestAgentRepeatingTheCustomerIsRetriedWhenTheBridgeCannotReadItsUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ticket := e.openTicket()
	e.text("OK")
	e.meFails(http.StatusInternalServerError, 2)
	e.retriedAfter503(0, func() { e.agentSays(ticket, "OK") })
	if sends := e.sends(); len(sends) != 1 || sends[0].Message != "OK" {
		t.Errorf("sends: %+v", sends)
	}
}

// TestRecipeBodyAgentMayRepeatTheCustomer: with the recipe's own Step 3
// body, which does not say who made the update, an agent answering with
// the customer's recent words is sent, not taken for the bridge's echo.
func TestRecipeBodyAgentMayRepeatTheCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ticket := e.openTicket()
	e.text("OK")
	body := strings.NewReplacer(
		"{{ticket.requester.custom_fields.braze_external_id}}", customer,
		"{{ticket.latest_public_comment_html}}", `----------------------------------------------\n\nAnn Agent, Mar 3, 2025, 10:04\n\nOK`,
		"{{ticket.id}}", strconv.FormatInt(ticket, 10),
	).Replace(RecipeTriggerBody("ignored-campaign", "", false, ""))
	if status, out := e.post(AgentReplyPath, e.signedHeader(body, "inv-ok"), body); status != http.StatusOK || out != "handled" {
		t.Errorf("answer %d %s", status, out)
	}
	if sends := e.sends(); len(sends) != 1 || sends[0].Message != "OK" {
		t.Errorf("the agent's \"OK\" was not sent: %+v", sends)
	}
}

// TestBracesInTextSurvive: texts that hold template syntax of their own go
// through both ways, not taken for placeholders left unrendered.
func TestBracesInTextSurvive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ticket := e.openTicket()
	e.agentSays(ticket, "Type {{name}} in the form")
	if sends := e.sends(); len(sends) != 1 || sends[0].Message != "Type {{name}} in the form" {
		t.Errorf("agent reply with braces: sends %+v", sends)
	}
	e.text("my code is {%A1")
	cs := e.comments(ticket)
	if last := cs[len(cs)-1]; last.Body != "my code is {%A1" {
		t.Errorf("customer text with {%%: last comment %+v", last)
	}
	// And straight through the handler, as the reviewer's case had it.
	m, err := ParseInboundSMS("application/json", []byte(`{"external_id":"`+customer+`","ticket":"`+strconv.FormatInt(ticket, 10)+`","message":"{{x}} and {%y"}`))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := e.flow.HandleInboundSMS(t.Context(), m); err != nil || res.Detail != DetailCommentAdded {
		t.Errorf("HandleInboundSMS: %s %v", res, err)
	}
}

// TestEchoIsUsedUp: a recognised echo is forgotten through Store.Delete,
// not through a Set with no TTL that a Redis-like store refuses.
func TestEchoIsUsedUp(t *testing.T) {
	t.Parallel()
	store := store.NewMemory() // refuses a TTL that is not positive, as Redis does
	e := newEnv(t, func(c *Config) { c.Store = store })
	ticket := e.openTicket()
	e.agentSays(ticket, "Hello")
	e.removeLoopGuard()
	e.text("Same words")
	if n := len(e.sends()); n != 1 || !e.logged("the flow posted this comment from an SMS") {
		t.Fatalf("%d SMS, want 1 (the echo skipped)", n)
	}
	if _, ok, _ := store.Get(t.Context(), echoKey(customer, "Same words")); ok {
		t.Error("the echo was recognised but is still remembered")
	}
	if e.logged("store failed") {
		t.Error("a store call failed")
	}
}

// inboundBody is a Braze webhook campaign's body for a text from the
// customer, with no ticket yet.
func inboundBody(msg string) string {
	return `{"kind":"support","external_id":"` + customer + `","first_name":"Chloé","message":` + q(msg) + `}`
}

func brazeHeader() http.Header {
	return http.Header{"Authorization": {"Bearer " + brazeSecret}, "Content-Type": {"application/json"}}
}

// TestConcurrentFirstTextsOpenOneTicket: several different texts from a
// customer who has no ticket arrive at once (none carries a ticket, Braze
// has not been told of one yet): one ticket opens, with every text on it.
func TestConcurrentFirstTextsOpenOneTicket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A slow ticket creation, so that the texts overlap.
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodPost, Path: "/api/v2/tickets", Latency: 100 * time.Millisecond, Times: 5})
	texts := []string{"SUPPORT", "my parcel is late", "order A-1234", "📦?", "hello\nanyone"}
	var wg sync.WaitGroup
	status := make([]int, len(texts))
	for i, msg := range texts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status[i], _ = e.post(InboundSMSPath, brazeHeader(), inboundBody(msg))
		}()
	}
	wg.Wait()
	for i, s := range status {
		if s != http.StatusOK {
			t.Errorf("text %q answered %d", texts[i], s)
		}
	}
	tickets := e.zd.Tickets()
	if len(tickets) != 1 {
		t.Fatalf("%d tickets, want 1", len(tickets))
	}
	var bodies []string
	for _, c := range e.comments(tickets[0].ID) {
		bodies = append(bodies, c.Body)
	}
	slices.Sort(bodies)
	want := slices.Clone(texts)
	slices.Sort(want)
	if !slices.Equal(bodies, want) {
		t.Errorf("comments %q, want %q", bodies, want)
	}
	if n := e.flow.customers.Held(); n != 0 {
		t.Errorf("%d customer locks left", n)
	}
}

// TestReplicasOpenOneTicket: two replicas share the Store and the
// Deduper; a text reaching one while the other opens the customer's
// ticket is answered 503, and Braze's retry lands on that ticket.
func TestReplicasOpenOneTicket(t *testing.T) {
	t.Parallel()
	store, dedup := store.NewMemory(), &webhook.MemoryDeduper{}
	e := newEnv(t, func(c *Config) { c.Store, c.Deduper = store, dedup })
	other, err := New(Config{
		Zendesk: e.zc, Braze: e.bc, ReplyCampaignID: e.reply,
		ZendeskSecrets: []string{e.secret}, BrazeAuth: webhook.SharedSecretVerifier{Secrets: []string{brazeSecret}},
		Store: store, Deduper: dedup,
	})
	if err != nil {
		t.Fatal(err)
	}
	replica := httptest.NewServer(other.Handler())
	t.Cleanup(replica.Close)
	postTo := func(base, body string) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, base+InboundSMSPath, strings.NewReader(body))
		req.Header = brazeHeader()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodPost, Path: "/api/v2/tickets", Latency: 300 * time.Millisecond})
	first := make(chan int, 1)
	go func() { first <- postTo(e.srv.URL, inboundBody("SUPPORT")) }()
	// Wait until the first replica holds the customer.
	deadline := time.Now().Add(testDeadline)
	for {
		if _, ok, _ := store.Get(t.Context(), customerLockKey(customer)); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first replica never claimed the customer")
		}
		time.Sleep(time.Millisecond)
	}
	if s := postTo(replica.URL, inboundBody("my parcel is late")); s != http.StatusServiceUnavailable {
		t.Errorf("the second replica answered %d while the first held the customer, want 503", s)
	}
	if s := <-first; s != http.StatusOK {
		t.Fatalf("first text: %d", s)
	}
	if _, ok, _ := store.Get(t.Context(), customerLockKey(customer)); ok {
		t.Error("the claim was not released")
	}
	// Braze retries the refused text, still without a ticket.
	if s := postTo(replica.URL, inboundBody("my parcel is late")); s != http.StatusOK {
		t.Errorf("retry: %d", s)
	}
	tickets := e.zd.Tickets()
	if len(tickets) != 1 {
		t.Fatalf("%d tickets, want 1", len(tickets))
	}
	if cs := e.comments(tickets[0].ID); len(cs) != 2 || cs[1].Body != "my parcel is late" {
		t.Errorf("comments: %+v", cs)
	}
}
