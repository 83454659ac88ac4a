package smsbridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Paths at which Handler serves the two webhooks.
const (
	// AgentReplyPath receives the Zendesk trigger webhooks (agent replies
	// and solved tickets).
	AgentReplyPath = "/zendesk/agent-reply"
	// InboundSMSPath receives the Braze webhook campaigns (texts from
	// customers).
	InboundSMSPath = "/braze/inbound-sms"
)

// Names shared with the Zendesk Chat recipe.
const (
	// DefaultUserField is the key of the Zendesk user field holding the
	// customer's Braze external ID.
	DefaultUserField = "braze_external_id"
	// AttrTicket is the Braze custom attribute holding the customer's
	// current Zendesk ticket ID (a string, as the recipe sets it).
	AttrTicket = "zendesk_ticket"
	// AttrTicketOpen is the Braze custom attribute saying whether that
	// ticket is open; the follow-up webhook campaign's audience is
	// "zendesk_ticket_open is true".
	AttrTicketOpen = "zendesk_ticket_open"
	// DefaultSendMarker is the Braze custom attribute in which each send
	// records its key (see [Config.SendMarker]).
	DefaultSendMarker = "zendesk_sms_last_send"
	// DefaultClosingMessage is the closing SMS of a solved ticket (the
	// recipe's text).
	DefaultClosingMessage = "Your ticket has been closed"
	// DefaultTicketSubject is the subject of a ticket opened by SMS;
	// "{name}" is replaced by the customer's name.
	DefaultTicketSubject = "SMS from {name}"
	// DefaultInboundWindow is how long a text from Braze is remembered, to
	// apply Braze's retries once (Braze retries a webhook up to 5 times
	// in 30 minutes:
	// https://www.braze.com/docs/user_guide/message_building_by_channel/webhooks/understanding_webhooks/).
	DefaultInboundWindow = time.Hour
	// DefaultRetryAfter is the Retry-After of a 503: short enough for
	// Zendesk, which is reported to retry a 503 only after a short
	// Retry-After (see unconfirmed.go), and for Braze.
	DefaultRetryAfter = 5 * time.Second
)

// Delivery says what the bridge does with an agent reply whose SMS may or
// may not have gone out: Braze answered 5xx, or the connection broke after
// the request left, and the probe (see [Config.SendMarker]) could not show
// that Braze processed it.
type Delivery int

const (
	// AtMostOnce (the default) never sends such a reply again: the
	// customer may miss it, but never gets it twice. The agent is told with
	// an internal note on the ticket, and [Config.OnUndelivered] is called.
	AtMostOnce Delivery = iota
	// AtLeastOnce sends it again: the customer may get it twice, but does
	// not miss it.
	AtLeastOnce
)

// String returns "at-most-once" or "at-least-once".
func (d Delivery) String() string {
	if d == AtLeastOnce {
		return "at-least-once"
	}
	return "at-most-once"
}

// Config configures a [Bridge]. Zendesk, Braze, ReplyCampaignID,
// ZendeskSecrets and BrazeSecrets are required; the rest has defaults.
type Config struct {
	// Zendesk reads tickets and users and writes comments, tickets and
	// users. The bridge's calls must finish well within Zendesk's webhook
	// timeout (see unconfirmed.go): give the client a short retry
	// budget (zendesk.WithMaxRetries(2), zendesk.WithRetryWaitMax(2*time.Second)).
	Zendesk *zendesk.Client
	// Braze sends the SMS campaigns, sets the customer's attributes and
	// probes sends. Its key needs campaigns.trigger.send, users.track and
	// (for the probe) users.export.ids. Do not build it WithRetrySends:
	// the bridge decides itself whether a send may be repeated.
	Braze *braze.Client

	// ReplyCampaignID is the API-triggered SMS campaign that carries agent
	// replies; its message is {{api_trigger_properties.${msg_body}}}.
	ReplyCampaignID string
	// ClosingCampaignID is the API-triggered SMS campaign sent when a
	// ticket is solved. Empty: no closing SMS; the customer's
	// zendesk_ticket_open attribute is still set to false.
	ClosingCampaignID string
	// ClosingMessage is the closing SMS text (msg_body); default
	// DefaultClosingMessage. A recipe body's own msg_body wins.
	ClosingMessage string

	// ZendeskSecrets are the signing secrets of the Zendesk webhook
	// ([Provision] returns it; Admin Center shows it): several while one is
	// rotated.
	ZendeskSecrets []string
	// BrazeSecrets are the secrets Braze's webhook campaigns send, by
	// default as "Authorization: Bearer <secret>" (BrazeScheme).
	BrazeSecrets []string
	// BrazeScheme and BrazeHeader say where the secret is: SchemeBearer
	// (default), SchemeBasic, or SchemeHeader with the header's name.
	BrazeScheme webhook.SharedSecretScheme
	BrazeHeader string
	// BrazeSources, when set, allowlists the addresses Braze calls from
	// (see Braze's IP list for your instance); BrazeClientIP reads the
	// client address behind a proxy ([webhook.ClientIPFromForwardedFor]).
	BrazeSources  []netip.Prefix
	BrazeClientIP func(*http.Request) (netip.Addr, error)

	// UserField is the Zendesk user field holding the Braze external ID;
	// default [DefaultUserField].
	UserField string
	// TicketSubject is the subject of tickets opened by SMS; "{name}" is
	// replaced by the customer's name. Default [DefaultTicketSubject].
	TicketSubject string
	// TicketTags are set on tickets opened by SMS; default ["sms", "braze"].
	// An empty, non-nil slice sets none.
	TicketTags []string

	// Delivery decides the ambiguous case; see [Delivery]. Default [AtMostOnce].
	Delivery Delivery
	// SendMarker is the Braze custom attribute each send sets to its key;
	// after an ambiguous failure, the bridge reads it back
	// (users/export/ids) to learn whether Braze processed the send, since
	// Braze applies a send's attributes before sending. Default
	// DefaultSendMarker; "-" turns the probe off.
	SendMarker string
	// Store remembers sends, texts, the bridge's own comments and each
	// customer's latest ticket, and claims a customer while one of their
	// texts is handled; default a [MemoryStore]. Share one between replicas.
	Store Store
	// Deduper de-duplicates deliveries in both handlers; default one
	// webhook.MemoryDeduper per handler. Share one between replicas.
	Deduper webhook.Deduper
	// InboundWindow is how long a Braze delivery is remembered; default
	// DefaultInboundWindow.
	InboundWindow time.Duration
	// RetryAfter is the Retry-After of a 503 answer; default
	// DefaultRetryAfter. [New] refuses one too long for Zendesk to retry
	// (see unconfirmed.go).
	RetryAfter time.Duration

	// OnUndelivered, when set, is called when an agent reply was not sent
	// or may not have been (it is also logged, and noted on the ticket
	// unless NoUndeliveredNotes).
	OnUndelivered func(context.Context, Undelivered)
	// NoUndeliveredNotes stops the internal note the bridge adds to a
	// ticket whose reply did not go out.
	NoUndeliveredNotes bool

	// Logger receives one record per decision (nil: discard). Message
	// texts are never logged.
	Logger *slog.Logger
	// Now is the clock (nil: time.Now); the Zendesk signature check uses it
	// too.
	Now func() time.Time
}

// Undelivered describes an agent reply whose SMS did not go out, or may
// not have.
type Undelivered struct {
	Key        string
	TicketID   int64
	ExternalID string
	Event      string // EventReply or EventSolved
	// Uncertain is true when Braze may have sent it (an ambiguous failure
	// the bridge did not repeat, [Delivery] being [AtMostOnce]), false when it
	// certainly was not sent (Braze refused it).
	Uncertain bool
	Err       error
}

// Outcome says what the bridge did with one delivery.
type Outcome string

// Outcomes.
const (
	OutcomeSent          Outcome = "sent"           // the reply or closing SMS was sent
	OutcomeConfirmed     Outcome = "confirmed"      // an earlier ambiguous send was found processed by the probe
	OutcomeAlreadySent   Outcome = "already sent"   // a retry of a delivery whose SMS went out
	OutcomeWithheld      Outcome = "withheld"       // ambiguous; not sent again (AtMostOnce)
	OutcomeRefused       Outcome = "refused"        // Braze refused the send (a 4xx but 401, 403, 429); not sent
	OutcomeAttributes    Outcome = "attributes set" // solved without a closing campaign: attributes only
	OutcomeEcho          Outcome = "echo"           // the bridge's own comment came back; not sent
	OutcomeSkipped       Outcome = "skipped"        // nothing to send (no Braze ID, the requester's own comment, no text)
	OutcomeCommented     Outcome = "commented"      // the text was added to the open ticket
	OutcomeTicketCreated Outcome = "ticket created" // the text opened a ticket
	OutcomeDuplicate     Outcome = "duplicate"      // the text was applied before
)

// Bridge connects Zendesk tickets and Braze SMS. It is safe for concurrent
// use.
type Bridge struct {
	cfg     Config
	store   Store
	zdDedup webhook.Deduper
	bzDedup webhook.Deduper
	log     *slog.Logger
	agent   http.Handler
	inbound http.Handler
	self    atomic.Int64 // the bridge's own Zendesk user, once read
	// customers serialises the texts of each customer in this process.
	customers keyedMutex
}

// New checks cfg and returns a [Bridge]. The error lists every problem.
func New(cfg Config) (*Bridge, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if cfg.Zendesk == nil {
		bad("Zendesk: a *zendesk.Client is required")
	}
	if cfg.Braze == nil {
		bad("Braze: a *braze.Client is required")
	}
	if strings.TrimSpace(cfg.ReplyCampaignID) == "" {
		bad("ReplyCampaignID: the ID of the API-triggered SMS campaign for agent replies is required")
	}
	if !hasNonEmpty(cfg.ZendeskSecrets) {
		bad("ZendeskSecrets: the Zendesk webhook's signing secret is required (Provision returns it)")
	}
	if !hasNonEmpty(cfg.BrazeSecrets) {
		bad("BrazeSecrets: the secret Braze's webhook campaigns send is required")
	}
	switch cfg.BrazeScheme {
	case 0:
		cfg.BrazeScheme = webhook.SchemeBearer
	case webhook.SchemeBearer, webhook.SchemeBasic:
	case webhook.SchemeHeader:
		if cfg.BrazeHeader == "" {
			bad("BrazeHeader: the header name is required with SchemeHeader")
		}
	default:
		bad("BrazeScheme: unknown scheme %d", cfg.BrazeScheme)
	}
	if cfg.Delivery != AtMostOnce && cfg.Delivery != AtLeastOnce {
		bad("Delivery: unknown policy %d", cfg.Delivery)
	}
	if cfg.InboundWindow < 0 || cfg.RetryAfter < 0 {
		bad("InboundWindow and RetryAfter cannot be negative")
	}
	if !zendeskRetriesAfter(cfg.RetryAfter) {
		bad("RetryAfter: %v; Zendesk is reported not to retry a 503 with so long a Retry-After: keep it under %v", cfg.RetryAfter, zendeskMaxRetryAfter)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("smsbridge: invalid config: %w", errors.Join(errs...))
	}

	cfg.UserField = cmp(cfg.UserField, DefaultUserField)
	cfg.ClosingMessage = cmp(cfg.ClosingMessage, DefaultClosingMessage)
	cfg.TicketSubject = cmp(cfg.TicketSubject, DefaultTicketSubject)
	if cfg.TicketTags == nil {
		cfg.TicketTags = []string{"sms", "braze"}
	}
	cfg.TicketTags = slices.Clone(cfg.TicketTags)
	switch cfg.SendMarker {
	case "":
		cfg.SendMarker = DefaultSendMarker
	case "-":
		cfg.SendMarker = ""
	}
	if cfg.InboundWindow == 0 {
		cfg.InboundWindow = DefaultInboundWindow
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	b := &Bridge{cfg: cfg, store: cfg.Store, log: cfg.Logger}
	if b.store == nil {
		b.store = &MemoryStore{Now: cfg.Now}
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.zdDedup, b.bzDedup = cfg.Deduper, cfg.Deduper
	if cfg.Deduper == nil {
		b.zdDedup = &webhook.MemoryDeduper{Now: cfg.Now}
		b.bzDedup = &webhook.MemoryDeduper{Now: cfg.Now, TTL: cfg.InboundWindow}
	}
	b.agent = webhook.NewHandler(
		webhook.ZendeskVerifier{Secrets: slices.Clone(cfg.ZendeskSecrets), Now: cfg.Now},
		decodeAgentReply,
		func(ctx context.Context, r *AgentReply) error { _, err := b.HandleAgentReply(ctx, r); return err },
		webhook.WithAcceptedTypes(EventReply, EventSolved),
		webhook.WithDeduper(b.zdDedup),
		webhook.WithRetryAfter(cfg.RetryAfter),
		webhook.WithLogger(cfg.Logger),
	)
	b.inbound = webhook.NewHandler(
		webhook.SharedSecretVerifier{Scheme: cfg.BrazeScheme, Header: cfg.BrazeHeader, Secrets: slices.Clone(cfg.BrazeSecrets),
			AllowedSources: slices.Clone(cfg.BrazeSources), ClientIP: cfg.BrazeClientIP},
		decodeInbound,
		func(ctx context.Context, m *InboundSMS) error { _, err := b.HandleInboundSMS(ctx, m); return err },
		webhook.WithDeduper(b.bzDedup),
		webhook.WithKeyHeader(""),
		webhook.WithRetryAfter(cfg.RetryAfter),
		webhook.WithLogger(cfg.Logger),
	)
	return b, nil
}

func hasNonEmpty(ss []string) bool {
	return slices.ContainsFunc(ss, func(s string) bool { return s != "" })
}

func cmp(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// AgentReplyHandler serves the Zendesk trigger webhook: signature checked
// with ZendeskSecrets, deliveries de-duplicated by
// X-Zendesk-Webhook-Invocation-Id, answers as package webhook documents
// (200 handled, duplicate or ignored; 401; 400; 422 when Braze refused the
// send; 503 with Retry-After when Zendesk should try again).
func (b *Bridge) AgentReplyHandler() http.Handler { return b.agent }

// InboundSMSHandler serves Braze's webhook campaigns: the shared secret
// checked, deliveries de-duplicated by their key (see [ParseInboundSMS]),
// 503 with Retry-After when Zendesk failed, so that Braze retries.
func (b *Bridge) InboundSMSHandler() http.Handler { return b.inbound }

// Handler serves AgentReplyHandler at [AgentReplyPath] and
// InboundSMSHandler at [InboundSMSPath].
func (b *Bridge) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(AgentReplyPath, b.agent)
	mux.Handle(InboundSMSPath, b.inbound)
	return mux
}

// decodeAgentReply is the Decoder of the Zendesk handler: the key is the
// invocation id, and the item's type is its event, or "skip" when the body
// alone shows there is nothing to send.
func decodeAgentReply(r *http.Request, body []byte) ([]webhook.Item[*AgentReply], error) {
	ar, err := ParseAgentReply(body)
	if err != nil {
		return nil, err
	}
	if inv := strings.TrimSpace(r.Header.Get(webhook.HeaderZendeskInvocationID)); inv != "" {
		ar.Key = "zd:" + inv
	} else {
		ar.Key = "zd:h:" + digest(ar.Event, fmt.Sprint(ar.TicketID), ar.ExternalID, ar.Comment)
	}
	typ := ar.Event
	if skipReason(ar) != "" {
		typ = "skip"
	}
	return []webhook.Item[*AgentReply]{{Key: ar.Key, Type: typ, Value: ar}}, nil
}

// decodeInbound is the Decoder of the Braze handler.
func decodeInbound(r *http.Request, body []byte) ([]webhook.Item[*InboundSMS], error) {
	m, err := ParseInboundSMS(r.Header.Get("Content-Type"), body)
	if err != nil {
		return nil, err
	}
	return []webhook.Item[*InboundSMS]{{Key: m.Key, Value: m}}, nil
}
