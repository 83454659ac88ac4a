package brazetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
)

// receiver is a webhook endpoint that answers from a script and records
// what it got.
type receiver struct {
	mu     sync.Mutex
	got    []received
	script []int
	header http.Header
	then   func(r received)
}

type received struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := received{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(body)}
	rc.mu.Lock()
	n := len(rc.got)
	rc.got = append(rc.got, rec)
	status := 200
	if n < len(rc.script) {
		status = rc.script[n]
	}
	then := rc.then
	rc.mu.Unlock()
	if then != nil {
		then(rec)
	}
	for k, v := range rc.header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func startReceiver(t *testing.T, rc *receiver) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return srv
}

// The two webhook campaigns of the Zendesk Chat recipe (Braze's help
// article "Zendesk Chat", steps 6.2 and 6.4), pointed at a local receiver.
const (
	createTicketBody = `{
  "ticket": {
    "subject": "Action Needed",
    "comment": {
      "body": "{{sms.${inbound_message_body}}}"
    },
"requester":{
"name": "{{${first_name}}} {{${last_name}}}",
"user_fields": {
"braze_external_id": "{{${user_id}}}"
}
},
    "priority": "normal",
    "type": "problem"
  }
}`
	followUpBody = `{
  "ticket": {
    "comment": {
      "body": "Inbound message from {{${first_name}}} {{${last_name}}}: {{sms.${inbound_message_body}}}"
    }
}
}`
)

func seedCampaigns(t *testing.T, s *Server, url string) (create, follow string) {
	t.Helper()
	header := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Basic dG9rZW4="}}
	create, err := s.AddCampaign(Campaign{Name: "Zendesk SMS 1", Webhook: &Webhook{Keywords: []string{"support"}, URL: url + "/api/v2/tickets", Header: header, Body: createTicketBody}})
	if err != nil {
		t.Fatal(err)
	}
	follow, err = s.AddCampaign(Campaign{Name: "Zendesk SMS 2", Webhook: &Webhook{
		Audience: []Filter{{CustomAttribute: "zendesk_ticket_open", Equals: true}},
		Method:   "put",
		URL:      url + "/api/v2/tickets/{{custom_attribute.${zendesk_ticket}}}.json?from={{${first_name}}}",
		Header:   header, Body: followUpBody,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return create, follow
}

func TestReceiveSMSFiresTheRecipeCampaigns(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	target := startReceiver(t, rc)
	s := NewServer()
	defer s.Close()
	create, follow := seedCampaigns(t, s, target.URL)
	s.AddUser(User{ExternalID: "cust-1", FirstName: `Zoë "Z"`, LastName: "O'Neil & co", Phone: "+33600000001"})

	in, err := s.ReceiveSMS("cust-1", "Support")
	if err != nil || in.Category != "SUPPORT" || len(in.Campaigns) != 1 || in.Campaigns[0] != create {
		t.Fatalf("in = %+v, err = %v", in, err)
	}
	if err := s.WaitWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := rc.all()
	if len(got) != 1 || got[0].Method != "POST" || got[0].Path != "/api/v2/tickets" || got[0].Header.Get("Authorization") != "Basic dG9rZW4=" {
		t.Fatalf("got = %+v", got)
	}
	var ticket struct {
		Ticket struct {
			Comment   struct{ Body string } `json:"comment"`
			Requester struct {
				Name       string            `json:"name"`
				UserFields map[string]string `json:"user_fields"`
			} `json:"requester"`
		} `json:"ticket"`
	}
	if err := json.Unmarshal([]byte(got[0].Body), &ticket); err != nil {
		t.Fatalf("the rendered body is not JSON: %v\n%s", err, got[0].Body)
	}
	if ticket.Ticket.Comment.Body != "Support" || ticket.Ticket.Requester.Name != `Zoë "Z" O'Neil & co` || ticket.Ticket.Requester.UserFields["braze_external_id"] != "cust-1" {
		t.Fatalf("ticket = %+v", ticket)
	}

	// Not in the audience yet: "Other" fires nothing.
	if in, _ := s.ReceiveSMS("cust-1", "hello?"); in.Category != OtherCategory || len(in.Campaigns) != 0 {
		t.Fatalf("in = %+v", in)
	}
	// The agent's reply set the ticket on the user (as a string, as the
	// recipe's trigger does).
	s.mu.Lock()
	u := s.userByExternalID("cust-1")
	u.CustomAttributes["zendesk_ticket"] = "1234"
	u.CustomAttributes["zendesk_ticket_open"] = "true"
	s.mu.Unlock()
	text := "Line one\nline \"two\" 👍 <b>&</b>"
	if in, _ := s.ReceiveSMS("cust-1", text); len(in.Campaigns) != 1 || in.Campaigns[0] != follow {
		t.Fatalf("in = %+v", in)
	}
	s.WaitWebhooks(t.Context())
	got = rc.all()
	last := got[len(got)-1]
	if last.Method != "PUT" || last.Path != "/api/v2/tickets/1234.json" || last.RawQuery != "from=Zo%C3%AB+%22Z%22" {
		t.Fatalf("last = %+v", last)
	}
	var upd struct {
		Ticket struct{ Comment struct{ Body string } } `json:"ticket"`
	}
	if err := json.Unmarshal([]byte(last.Body), &upd); err != nil || upd.Ticket.Comment.Body != `Inbound message from Zoë "Z" O'Neil & co: `+text {
		t.Fatalf("body = %s (%v)", last.Body, err)
	}
	wh := s.Webhooks()
	if len(wh) != 2 || !wh[1].Delivered || wh[1].CampaignName != "Zendesk SMS 2" || wh[1].InboundText != text || len(wh[1].Attempts) != 1 {
		t.Fatalf("webhooks = %+v", wh)
	}
	if msgs := s.InboundMessages(); len(msgs) != 3 || msgs[1].Category != OtherCategory {
		t.Fatalf("inbound = %+v", msgs)
	}
}

func TestWebhookRetriedAsBrazeRetries(t *testing.T) {
	t.Parallel()
	rc := &receiver{script: []int{503, 429, 408, 500, 200}, header: http.Header{}}
	target := startReceiver(t, rc)
	sleep := testkit.NewClock()
	s := NewServer(WithWebhookSleep(sleep.Sleep))
	defer s.Close()
	if _, err := s.AddCampaign(Campaign{Webhook: &Webhook{URL: target.URL + "/hook", Body: "{{sms.${inbound_message_body}}}"}}); err != nil {
		t.Fatal(err)
	}
	s.ReceiveSMS("u", "hi")
	s.WaitWebhooks(t.Context())
	wh := s.Webhooks()[0]
	if !wh.Delivered || len(wh.Attempts) != 5 || len(rc.all()) != 5 {
		t.Fatalf("delivery = %+v", wh)
	}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}
	for i, w := range want {
		if wh.Attempts[i].Wait != w || sleep.Sleeps()[i] != w {
			t.Fatalf("waits = %+v / %v, want %v", wh.Attempts, sleep.Sleeps(), want)
		}
	}
	if rc.all()[4].Body != "hi" {
		t.Fatalf("plain body = %q", rc.all()[4].Body)
	}
}

func TestWebhookRetryAfterHonouredAndGivingUp(t *testing.T) {
	t.Parallel()
	rc := &receiver{script: []int{503, 503, 503, 503, 503, 503, 503}, header: http.Header{"Retry-After": {"2"}}}
	target := startReceiver(t, rc)
	sleep := testkit.NewClock()
	s := NewServer(WithWebhookSleep(sleep.Sleep))
	defer s.Close()
	s.AddCampaign(Campaign{Webhook: &Webhook{URL: target.URL}})
	s.ReceiveSMS("u", "hi")
	s.WaitWebhooks(t.Context())
	wh := s.Webhooks()[0]
	if wh.Delivered || len(wh.Attempts) != 6 || wh.Attempts[0].Wait != 2*time.Second || wh.Attempts[5].Wait != 0 {
		t.Fatalf("delivery = %+v (5 retries, then given up)", wh)
	}
	// A 4xx other than 408 and 429 is not retried.
	rc2 := &receiver{script: []int{401}}
	target2 := startReceiver(t, rc2)
	s2 := NewServer(WithWebhookSleep(sleep.Sleep))
	defer s2.Close()
	s2.AddCampaign(Campaign{Webhook: &Webhook{URL: target2.URL}})
	s2.ReceiveSMS("u", "hi")
	s2.WaitWebhooks(t.Context())
	if wh := s2.Webhooks()[0]; wh.Delivered || len(wh.Attempts) != 1 || wh.Attempts[0].Status != 401 {
		t.Fatalf("delivery = %+v", wh)
	}
}

func TestWebhookTimeoutRetried(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	first := true
	var mu sync.Mutex
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		slow := first
		first = false
		mu.Unlock()
		if slow {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	defer target.Close()
	defer close(release)
	s := NewServer(WithWebhookTimeout(50*time.Millisecond), WithWebhookSleep(testkit.NewClock().Sleep))
	defer s.Close()
	s.AddCampaign(Campaign{Webhook: &Webhook{URL: target.URL}})
	s.ReceiveSMS("u", "hi")
	s.WaitWebhooks(t.Context())
	// The first attempt times out and is retried. (Only the first is slow;
	// a loaded machine may time out the next one too, with 50 ms to answer,
	// so the count is not pinned.)
	wh := s.Webhooks()[0]
	if !wh.Delivered || len(wh.Attempts) < 2 || wh.Attempts[0].Err != "timeout" || wh.Attempts[len(wh.Attempts)-1].Status != 200 {
		t.Fatalf("delivery = %+v", wh)
	}
}

func TestWebhooksInOrderPerUserAndCallbacks(t *testing.T) {
	t.Parallel()
	var s *Server
	rc := &receiver{}
	// The receiver calls the fake back while the delivery is in flight: no
	// lock may be held.
	rc.then = func(r received) {
		if _, ok := s.User("u"); !ok {
			panic("user missing")
		}
		s.Sends()
	}
	target := startReceiver(t, rc)
	s = NewServer()
	defer s.Close()
	s.AddCampaign(Campaign{Webhook: &Webhook{URL: target.URL, Body: "{{sms.${inbound_message_body}}}"}})
	for i := range 20 {
		s.ReceiveSMS("u", strings.Repeat("x", i+1))
	}
	if err := s.WaitWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := rc.all()
	if len(got) != 20 {
		t.Fatalf("%d deliveries", len(got))
	}
	for i, r := range got {
		if len(r.Body) != i+1 {
			t.Fatalf("delivery %d carried %q: out of order", i, r.Body)
		}
	}
}

func TestWaitWebhooksHonoursContextAndClose(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer target.Close()
	defer close(block)
	s := NewServer()
	s.AddCampaign(Campaign{Webhook: &Webhook{URL: target.URL}})
	s.ReceiveSMS("u", "hi")
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := s.WaitWebhooks(ctx); err != context.DeadlineExceeded {
		t.Fatalf("err = %v", err)
	}
	s.Close() // cancels the delivery in flight and waits for it
	if _, err := s.ReceiveSMS("u", "again"); err == nil {
		t.Fatal("a closed server took an SMS")
	}
	if wh := s.Webhooks(); len(wh) != 1 || wh[0].Delivered {
		t.Fatalf("webhooks = %+v", wh)
	}
}

func TestKeywordCategories(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	for _, tc := range []struct {
		c    Campaign
		want string
	}{
		{Campaign{Webhook: &Webhook{Keywords: []string{"two words"}, URL: "http://x"}}, "one word"},
		{Campaign{Webhook: &Webhook{Keywords: []string{strings.Repeat("K", 35)}, URL: "http://x"}}, "at most 34"},
		{Campaign{Webhook: &Webhook{Keywords: []string{"stop"}, URL: "http://x"}}, "belongs to the Opt-Out category"},
		{Campaign{Webhook: &Webhook{Keywords: []string{"support"}}}, "no URL"},
	} {
		if _, err := s.AddCampaign(tc.c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
	if _, err := s.AddCampaign(Campaign{ID: "a", Webhook: &Webhook{Keywords: []string{"SUPPORT", "AIDE"}, URL: "http://x"}}); err != nil {
		t.Fatal(err)
	}
	// A second campaign on the same category is fine; a keyword of it in
	// another category is not; the same ID twice is not.
	if _, err := s.AddCampaign(Campaign{ID: "b", Webhook: &Webhook{Keywords: []string{"support", "aide"}, URL: "http://x"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCampaign(Campaign{ID: "c", Webhook: &Webhook{Keywords: []string{"AIDE"}, URL: "http://x"}}); err == nil || !strings.Contains(err.Error(), "SUPPORT category") {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.AddCampaign(Campaign{ID: "a"}); err == nil {
		t.Fatal("duplicate ID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for text, want := range map[string]string{
		"stop": "Opt-Out", " Yes ": "Opt-In", "INFO": "Help", "aide": "SUPPORT", "support please": OtherCategory, "STOP PLEASE": OtherCategory,
	} {
		if got := s.categoryOf(text); got != want {
			t.Errorf("%q → %s, want %s", text, got, want)
		}
	}
}

// Webhooks keeps the newest records, not every one.
func TestWebhookRecordsBounded(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	target := startReceiver(t, rc)
	s := NewServer()
	defer s.Close()
	s.mu.Lock()
	s.maxWebhooks = 5
	s.mu.Unlock()
	s.AddCampaign(Campaign{Webhook: &Webhook{URL: target.URL, Body: "{{sms.${inbound_message_body}}}"}})
	for i := range 23 {
		if _, err := s.ReceiveSMS("u", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.WaitWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	wh := s.Webhooks()
	if len(wh) != 5 || len(rc.all()) != 23 {
		t.Fatalf("%d records of %d deliveries", len(wh), len(rc.all()))
	}
	for i, w := range wh {
		if want := fmt.Sprint(18 + i); w.InboundText != want || !w.Delivered {
			t.Fatalf("record %d is of %q, want the newest (%s)", i, w.InboundText, want)
		}
	}
	s.mu.Lock()
	kept := len(s.webhooks)
	s.mu.Unlock()
	if kept >= 10 {
		t.Fatalf("%d records held for a bound of 5", kept)
	}
	if MaxWebhookRecords != 10_000 {
		t.Fatal("the documented bound changed")
	}
}

// Pending deliveries are bounded: past the bound ReceiveSMS refuses a text
// that fires a campaign, and takes nothing of it.
func TestWebhookQueueFull(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	unblock := sync.OnceFunc(func() { close(release) })
	rc := &receiver{}
	rc.then = func(received) { <-release }
	target := startReceiver(t, rc)
	t.Cleanup(unblock) // before the receiver closes, even on failure
	s := NewServer()
	defer s.Close()
	s.deliveries.mu.Lock()
	s.deliveries.max = 3
	s.deliveries.mu.Unlock()
	s.AddCampaign(Campaign{Webhook: &Webhook{URL: target.URL, Body: "{{${user_id}}}: {{sms.${inbound_message_body}}}"}})
	for _, m := range [][2]string{{"u1", "a"}, {"u2", "b"}, {"u1", "c"}} {
		if _, err := s.ReceiveSMS(m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	s.deliveries.mu.Lock()
	workers := len(s.deliveries.queues)
	s.deliveries.mu.Unlock()
	if workers != 2 {
		t.Fatalf("%d workers for 2 users", workers)
	}
	if _, err := s.ReceiveSMS("u3", "d"); !errors.Is(err, ErrWebhookQueueFull) {
		t.Fatalf("err = %v, want ErrWebhookQueueFull", err)
	}
	if _, ok := s.User("u3"); ok || len(s.InboundMessages()) != 3 {
		t.Fatalf("a refused text left a user or a record: %+v", s.InboundMessages())
	}
	// A text that fires no campaign needs no room.
	if in, err := s.ReceiveSMS("u3", "HELP"); err != nil || len(in.Campaigns) != 0 {
		t.Fatalf("HELP: %+v, %v", in, err)
	}
	unblock()
	if err := s.WaitWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReceiveSMS("u3", "d"); err != nil {
		t.Fatalf("after the queue drained: %v", err)
	}
	if err := s.WaitWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, r := range rc.all() {
		bodies = append(bodies, r.Body)
	}
	got := strings.Join(bodies, ",")
	if len(bodies) != 4 || strings.Index(got, "u1: a") > strings.Index(got, "u1: c") || !strings.Contains(got, "u3: d") {
		t.Fatalf("deliveries: %s", got)
	}
}
