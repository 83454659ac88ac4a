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

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// OtherCategory is the inbound-SMS keyword category of messages that match
// no keyword.
const OtherCategory = "Other"

// Default keyword categories ([BZ] sms/keywords/keyword_handling.md
// @5a4ddb3): they take their keywords before any custom category.
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
	// ID is the campaign's API identifier; AddCampaign makes one if empty.
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
	s.campaigns = append(s.campaigns, &c)
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

// keywordOwner returns the category that has the keyword, or "". Callers
// hold s.mu.
func (s *Server) keywordOwner(k string) string {
	for _, d := range defaultCategories {
		if slices.Contains(d.keywords, k) {
			return d.name
		}
	}
	for _, c := range s.campaigns {
		if c.Webhook != nil && slices.Contains(c.Webhook.Keywords, k) {
			return categoryName(c.Webhook.Keywords)
		}
	}
	return ""
}

// categoryName names a custom category by its first keyword.
func categoryName(keywords []string) string {
	if len(keywords) == 0 {
		return OtherCategory
	}
	return strings.ToUpper(strings.TrimSpace(keywords[0]))
}

// categoryOf returns the category a message falls in. Callers hold s.mu.
func (s *Server) categoryOf(text string) string {
	word := strings.ToUpper(strings.TrimSpace(text))
	for _, d := range defaultCategories {
		if slices.Contains(d.keywords, word) {
			return d.name
		}
	}
	for _, c := range s.campaigns {
		if c.Webhook != nil && keywordMatches(c.Webhook.Keywords, text) {
			return categoryName(c.Webhook.Keywords)
		}
	}
	return OtherCategory
}

func (s *Server) keywordsOf(category string) []string {
	for _, d := range defaultCategories {
		if d.name == category {
			return d.keywords
		}
	}
	for _, c := range s.campaigns {
		if c.Webhook != nil && categoryName(c.Webhook.Keywords) == category {
			return c.Webhook.Keywords
		}
	}
	return nil
}

func (s *Server) campaignByID(id string) *Campaign {
	for _, c := range s.campaigns {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// InboundSMS is a text a user sent, as ReceiveSMS took it.
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

// ReceiveSMS simulates the user with externalID texting the workspace's
// number: it finds the keyword category of text, and fires every webhook
// campaign of that category whose audience the user is in, rendered with
// the user's profile as it is now. Deliveries run in the background, in
// order for one user, retried as Braze retries (408, 429 and 5xx, up to 5
// retries with exponential backoff, Retry-After honoured); WaitWebhooks
// waits for them and Webhooks lists them. An unknown user is created with
// that external ID.
func (s *Server) ReceiveSMS(externalID, text string) (InboundSMS, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return InboundSMS{}, errors.New("brazetest: the server is closed")
	}
	u := s.userByExternalID(externalID)
	if u == nil {
		u = s.newUser()
		s.setExternalID(u, externalID)
	}
	in := InboundSMS{Time: s.now(), ExternalID: externalID, Text: text, Category: s.categoryOf(text)}
	var jobs []WebhookDelivery
	data := renderData{user: u, sms: text}
	for _, c := range s.campaigns {
		w := c.Webhook
		if w == nil || categoryName(w.Keywords) != in.Category || !inAudience(u, w.Audience) {
			continue
		}
		in.Campaigns = append(in.Campaigns, c.ID)
		jobs = append(jobs, renderWebhook(c, w, data, in))
	}
	s.inbound = append(s.inbound, in)
	s.mu.Unlock()
	if len(jobs) > 0 {
		s.deliveries.enqueue(externalID, func(ctx context.Context) {
			for _, job := range jobs {
				s.deliver(ctx, job)
			}
		})
	}
	return in, nil
}

// InboundMessages returns every text ReceiveSMS took, in order.
func (s *Server) InboundMessages() []InboundSMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.inbound)
}

func keywordMatches(keywords []string, text string) bool {
	word := strings.TrimSpace(text)
	return slices.ContainsFunc(keywords, func(k string) bool { return strings.EqualFold(k, word) })
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
	Header       http.Header
	Body         string
	Attempts     []Attempt
	// Delivered is true when an attempt got a 2xx.
	Delivered bool
}

// Attempt is one try of a webhook delivery.
type Attempt struct {
	Time   time.Time
	Status int    // 0 when no response arrived
	Err    string // the network error or "timeout"
	// Wait is how long Braze waited before the next attempt.
	Wait time.Duration
}

// Webhooks returns the finished webhook deliveries, in the order they
// finished.
func (s *Server) Webhooks() []WebhookDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.webhooks)
}

func (s *Server) deliver(ctx context.Context, d WebhookDelivery) {
	attempts := s.deliverer.Deliver(ctx, fakeserver.Delivery{Method: d.Method, URL: d.URL, Header: d.Header, Body: []byte(d.Body)})
	for _, a := range attempts {
		d.Attempts = append(d.Attempts, Attempt{Time: a.Time, Status: a.Status, Err: a.Err, Wait: a.Wait})
		if a.Status >= 200 && a.Status < 300 {
			d.Delivered = true
		}
	}
	s.mu.Lock()
	s.webhooks = append(s.webhooks, d)
	s.mu.Unlock()
}

// WaitWebhooks waits until every webhook delivery started so far (and any
// started meanwhile) has finished, or ctx ends.
func (s *Server) WaitWebhooks(ctx context.Context) error { return s.deliveries.wait(ctx) }

// deliveries runs background jobs in order per user, never holding the
// server's lock (a receiver may call the fake back).
type deliveries struct {
	mu      sync.Mutex
	ctx     context.Context
	cancel  context.CancelFunc
	pending int
	idle    chan struct{}
	last    map[string]chan struct{} // per user: closed when its last job ends
}

func (d *deliveries) init() {
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.last = map[string]chan struct{}{}
	d.idle = make(chan struct{})
	close(d.idle)
}

func (d *deliveries) enqueue(key string, job func(ctx context.Context)) {
	d.mu.Lock()
	if d.pending == 0 {
		d.idle = make(chan struct{})
	}
	d.pending++
	prev := d.last[key]
	done := make(chan struct{})
	d.last[key] = done
	d.mu.Unlock()
	go func() {
		defer d.finish(key, done)
		if prev != nil {
			<-prev
		}
		job(d.ctx)
	}()
}

func (d *deliveries) finish(key string, done chan struct{}) {
	close(done)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.last[key] == done {
		delete(d.last, key)
	}
	d.pending--
	if d.pending == 0 {
		close(d.idle)
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

func (d *deliveries) stop() {
	d.cancel()
	d.wait(context.Background())
}
