package brazetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// OtherCategory is the inbound-SMS keyword category of messages that match
// no keyword.
const OtherCategory = "Other"

// Default keyword categories
// (https://www.braze.com/docs/user_guide/message_building_by_channel/sms/keywords/keyword_handling/):
// they take their keywords before any custom category.
var defaultCategories = []struct {
	name     string
	keywords []string
}{
	{"Opt-In", []string{"START", "YES", "UNSTOP"}},
	{"Opt-Out", []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}},
	{"Help", []string{"HELP", "INFO"}},
}

// Campaign is a campaign known to the fake. An API-triggered campaign needs
// only an ID (trigger sends to unknown IDs are refused); a webhook campaign
// triggered by inbound SMS also has Webhook.
type Campaign struct {
	// ID is the campaign's API identifier; [Server.AddCampaign] makes one if empty.
	ID   string
	Name string
	// Message is the SMS body of an API-triggered campaign, a Liquid
	// template rendered into each Send's Message (plain text), e.g.
	// "{{api_trigger_properties.${msg_body}}}".
	Message string
	// Webhook makes it a webhook campaign with action-based delivery on
	// "Send an SMS Inbound Message".
	Webhook *Webhook
}

// Webhook is the trigger and the composer of a webhook campaign.
//
// URL, Header values and Body are Liquid templates. The tags rendered are
// those of the Zendesk Chat recipe: {{sms.${inbound_message_body}}},
// {{sms.${inbound_media_urls}}}, {{${user_id}}}, {{${first_name}}},
// {{${last_name}}}, {{${email_address}}}, {{${phone_number}}},
// {{custom_attribute.${name}}}; a missing value renders empty. Any other
// tag is left as written. Values are escaped for where they land: inside
// a JSON string when the body is JSON (a Content-Type containing "json",
// or a body starting with "{" or "["), form-encoded for an
// application/x-www-form-urlencoded body, path- or query-escaped in the
// URL, and with line breaks removed in headers. (Braze itself does not
// escape; a Liquid template there would use | json_escape.)
type Webhook struct {
	// Keywords is the keyword category that triggers the campaign: single
	// words, matched against the whole message, case-insensitively
	// ("SUPPORT"). Empty means the "Other" category: messages matching no
	// keyword.
	Keywords []string
	// Audience limits the campaign to users whose custom attributes match
	// every filter (e.g. zendesk_ticket_open equals true).
	Audience []Filter
	// Method is POST when empty.
	Method string
	URL    string
	Header http.Header
	Body   string
}

// Filter is an audience filter: the custom attribute equals the value.
type Filter struct {
	CustomAttribute string
	Equals          any
}

// AddCampaign registers a campaign and returns its ID. A webhook campaign's
// keywords must be single words of at most 34 characters, taken by no
// other category.
func (s *Server) AddCampaign(c Campaign) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = s.nextID("campaign")
	}
	if s.campaignByID(c.ID) != nil {
		return "", fmt.Errorf("brazetest: campaign %q exists", c.ID)
	}
	if w := c.Webhook; w != nil {
		if w.URL == "" {
			return "", fmt.Errorf("brazetest: campaign %q: the webhook has no URL", c.ID)
		}
		wc := *w
		wc.Keywords = slices.Clone(w.Keywords)
		wc.Audience = slices.Clone(w.Audience)
		wc.Header = w.Header.Clone()
		wc.Keywords = keywordsUpper(w.Keywords)
		for i, k := range wc.Keywords {
			if k == "" || len(k) > 34 || strings.ContainsFunc(k, isSpace) {
				return "", fmt.Errorf("brazetest: campaign %q: keyword %q must be one word of at most 34 characters", c.ID, w.Keywords[i])
			}
			if owner := s.keywordOwner(k); owner != "" && !slices.Equal(s.keywordsOf(owner), wc.Keywords) {
				return "", fmt.Errorf("brazetest: campaign %q: keyword %q belongs to the %s category", c.ID, k, owner)
			}
		}
		c.Webhook = &wc
	}
	s.campaigns.add(&c)
	return c.ID, nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

func keywordsUpper(k []string) []string {
	out := make([]string, len(k))
	for i, v := range k {
		out[i] = strings.ToUpper(strings.TrimSpace(v))
	}
	return out
}

// keywordOwner returns the category that has the keyword (upper case), or
// "". Callers hold s.mu.
func (s *Server) keywordOwner(k string) string {
	if name, ok := defaultKeywords[k]; ok {
		return name
	}
	return s.campaigns.keywordCategory[k]
}

// categoryName names a custom category by its first keyword.
func categoryName(keywords []string) string {
	if len(keywords) == 0 {
		return OtherCategory
	}
	return strings.ToUpper(strings.TrimSpace(keywords[0]))
}

// categoryOf returns the category a message falls in: the one whose
// keyword is the whole message, case aside. Callers hold s.mu.
func (s *Server) categoryOf(text string) string {
	if name := s.keywordOwner(strings.ToUpper(strings.TrimSpace(text))); name != "" {
		return name
	}
	return OtherCategory
}

// keywordsOf returns the keywords of a category. Callers hold s.mu.
func (s *Server) keywordsOf(category string) []string {
	for _, d := range defaultCategories {
		if d.name == category {
			return d.keywords
		}
	}
	return s.campaigns.categoryKeywords[category]
}

// campaignByID returns the campaign with the ID, nil for none. Callers
// hold s.mu.
func (s *Server) campaignByID(id string) *Campaign { return s.campaigns.byID[id] }

// InboundSMS is a text a user sent, as [Server.ReceiveSMS] took it.
type InboundSMS struct {
	Time       time.Time
	ExternalID string
	Text       string
	// Category is the keyword category it fell in: "Opt-In", "Opt-Out",
	// "Help", a custom category (named by its first keyword), or "Other".
	Category string
	// Campaigns are the webhook campaigns it triggered, by ID.
	Campaigns []string
}

// MaxPendingWebhooks bounds the webhook deliveries waiting or under way
// (each retried for up to 30 minutes, as Braze does). When a text would
// take more, [Server.ReceiveSMS] refuses it with [ErrWebhookQueueFull].
const MaxPendingWebhooks = 10_000

// ErrWebhookQueueFull is returned by [Server.ReceiveSMS] when the webhook
// deliveries the text fires would exceed [MaxPendingWebhooks]. Nothing of the
// text is kept: no inbound record, no delivery, no new user. [Server.WaitWebhooks],
// then text again.
var ErrWebhookQueueFull = errors.New("brazetest: too many webhook deliveries pending; the text was not taken")

// ReceiveSMS simulates the user with externalID texting the workspace's
// number: it finds the keyword category of text, and fires every webhook
// campaign of that category whose audience the user is in, rendered with
// the user's profile as it is now. Deliveries run in the background, in
// order for one user, retried as Braze retries (408, 429 and 5xx, up to 5
// retries with exponential backoff, Retry-After honoured); [Server.WaitWebhooks]
// waits for them and [Server.Webhooks] lists them. An unknown user is created with
// that external ID. With [MaxPendingWebhooks] deliveries already pending, a
// text that fires a campaign is refused with [ErrWebhookQueueFull].
func (s *Server) ReceiveSMS(externalID, text string) (InboundSMS, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return InboundSMS{}, errors.New("brazetest: the server is closed")
	}
	u := s.userByExternalID(externalID)
	created := u == nil
	if created {
		u = s.newUser()
		s.setExternalID(u, externalID)
	}
	in := InboundSMS{Time: s.now(), ExternalID: externalID, Text: text, Category: s.categoryOf(text)}
	var jobs []WebhookDelivery
	data := renderData{user: u, sms: text}
	for _, c := range s.campaigns.webhooks[in.Category] {
		w := c.Webhook
		if !inAudience(u, w.Audience) {
			continue
		}
		in.Campaigns = append(in.Campaigns, c.ID)
		jobs = append(jobs, renderWebhook(c, w, data, in))
	}
	// Queued under s.mu, so that one user's texts are delivered in the
	// order they were taken; the deliveries lock is never held while
	// taking s.mu.
	if err := s.deliveries.enqueue(externalID, jobs); err != nil {
		if created {
			s.forgetNewestUser(u)
		}
		return InboundSMS{}, err
	}
	s.inbound = append(s.inbound, in)
	return in, nil
}

// forgetNewestUser undoes the newUser and setExternalID of u, the last
// user made, and gives its ID back. Callers hold s.mu and have taken no
// other ID since.
func (s *Server) forgetNewestUser(u *User) {
	s.users.remove(u)
	s.seq--
}

// InboundMessages returns every text [Server.ReceiveSMS] took, in order.
func (s *Server) InboundMessages() []InboundSMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.inbound)
}

func inAudience(u *User, filters []Filter) bool {
	for _, f := range filters {
		if !attributeEquals(u.CustomAttributes[f.CustomAttribute], f.Equals) {
			return false
		}
	}
	return true
}

// WebhookDelivery is one webhook campaign fired by an inbound SMS, with
// its attempts.
type WebhookDelivery struct {
	CampaignID   string
	CampaignName string
	ExternalID   string
	InboundText  string
	Method       string
	URL          string
	// Header holds the request's headers as rendered, credentials
	// included, so that a test can replay the delivery ([Server.Requests], by
	// contrast, redacts).
	Header   http.Header
	Body     string
	Attempts []Attempt
	// Delivered is true when an attempt got a 2xx.
	Delivered bool
}

// Attempt is one try of a webhook delivery, as
// [WebhookDelivery.Attempts] records it. It is [deskbridgetest.Attempt],
// the same in every deskbridge fake; its fields are documented there.
type Attempt = deskbridgetest.Attempt

// MaxWebhookRecords is how many finished webhook deliveries [Server.Webhooks]
// keeps: the newest, so that a long demo or load run does not grow without
// bound.
const MaxWebhookRecords = 10_000

// Webhooks returns the finished webhook deliveries, in the order they
// finished: the newest [MaxWebhookRecords] of them. Each carries its request
// as sent, headers included, so that a test can replay it.
func (s *Server) Webhooks() []WebhookDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.webhooks
	if n := s.maxWebhooks; len(w) > n {
		w = w[len(w)-n:]
	}
	return slices.Clone(w)
}

func (s *Server) deliver(ctx context.Context, d WebhookDelivery) {
	d.Attempts = s.deliverer.Deliver(ctx, fakeserver.Delivery{Method: d.Method, URL: d.URL, Header: d.Header, Body: []byte(d.Body)})
	for _, a := range d.Attempts {
		if a.Status >= 200 && a.Status < 300 {
			d.Delivered = true
		}
	}
	s.mu.Lock()
	s.recordWebhook(d)
	s.mu.Unlock()
}

// recordWebhook keeps d, and forgets the oldest records once there are
// twice maxWebhooks (so that adding stays cheap; [Server.Webhooks] shows the newest
// maxWebhooks). Callers hold s.mu.
func (s *Server) recordWebhook(d WebhookDelivery) {
	s.webhooks = append(s.webhooks, d)
	if n := s.maxWebhooks; len(s.webhooks) >= 2*n {
		old := len(s.webhooks)
		s.webhooks = append(s.webhooks[:0], s.webhooks[old-n:]...)
		clear(s.webhooks[n:old]) // let the forgotten records go
	}
}

// WaitWebhooks waits until every webhook delivery started so far (and any
// started meanwhile) has finished, or ctx ends.
func (s *Server) WaitWebhooks(ctx context.Context) error { return s.deliveries.wait(ctx) }

// deliveries runs webhook deliveries in the background, in order per user:
// one worker per user with deliveries queued, at most max deliveries
// queued or under way. It never holds the server's lock while delivering
// (a receiver may call the fake back).
type deliveries struct {
	deliver func(ctx context.Context, d WebhookDelivery)
	max     int

	mu      sync.Mutex
	ctx     context.Context
	cancel  context.CancelFunc
	pending int                          // queued or under way
	idle    chan struct{}                // closed while pending == 0
	queues  map[string][]WebhookDelivery // per user with a worker: what it has left
}

func (d *deliveries) init(deliver func(ctx context.Context, d WebhookDelivery), max int) {
	d.deliver, d.max = deliver, max
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.queues = map[string][]WebhookDelivery{}
	d.idle = make(chan struct{})
	close(d.idle)
}

// enqueue queues jobs after the user's earlier ones, all or none.
func (d *deliveries) enqueue(key string, jobs []WebhookDelivery) error {
	if len(jobs) == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending+len(jobs) > d.max {
		return ErrWebhookQueueFull
	}
	if d.pending == 0 {
		d.idle = make(chan struct{})
	}
	d.pending += len(jobs)
	q, running := d.queues[key]
	d.queues[key] = append(q, jobs...)
	if !running {
		go d.work(key)
	}
	return nil
}

// work delivers the user's queue until it is empty.
func (d *deliveries) work(key string) {
	for {
		d.mu.Lock()
		q := d.queues[key]
		if len(q) == 0 {
			delete(d.queues, key)
			d.mu.Unlock()
			return
		}
		job := q[0]
		q[0] = WebhookDelivery{}
		d.queues[key] = q[1:]
		d.mu.Unlock()

		d.deliver(d.ctx, job)

		d.mu.Lock()
		d.pending--
		if d.pending == 0 {
			close(d.idle)
		}
		d.mu.Unlock()
	}
}

func (d *deliveries) wait(ctx context.Context) error {
	d.mu.Lock()
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop cancels the deliveries under way (the queued ones then end at once)
// and waits for them.
func (d *deliveries) stop() {
	d.cancel()
	d.wait(context.Background())
}
