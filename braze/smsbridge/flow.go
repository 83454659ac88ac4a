package smsbridge

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/internal/keyedmutex"
	"github.com/deskbridge/deskbridge/store"
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

// Config configures a [Flow]. Zendesk, Braze, ReplyCampaignID,
// ZendeskSecrets and BrazeAuth.Secrets are required; the rest has defaults.
type Config struct {
	// Zendesk reads tickets and users and writes comments, tickets and
	// users. The flow's calls must finish well within Zendesk's webhook
	// timeout (see unconfirmed.go): give the client a short retry
	// budget (zendesk.WithMaxRetries(2), zendesk.WithRetryWaitMax(2*time.Second)).
	Zendesk *zendesk.Client
	// Braze sends the SMS campaigns, sets the customer's attributes and
	// probes sends. Its key needs campaigns.trigger.send, users.track and
	// (for the probe) users.export.ids. Do not build it WithRetrySends:
	// the flow decides itself whether a send may be repeated.
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
	// BrazeAuth verifies the calls of Braze's webhook campaigns to
	// [Flow.InboundSMSHandler]. Its Secrets (at least one) are the
	// secrets the campaigns send, several while one is rotated; with no
	// Scheme, as "Authorization: Bearer <secret>" (or SchemeBasic, or
	// SchemeHeader with the Header's name). Its AllowedSources, when set,
	// allowlist the addresses Braze calls from (see Braze's IP list for
	// your instance); its ClientIP reads the client address behind a
	// proxy ([webhook.ClientIPFromForwardedFor]).
	BrazeAuth webhook.SharedSecretVerifier

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
	// after an ambiguous failure, the flow reads it back
	// (users/export/ids) to learn whether Braze processed the send, since
	// Braze applies a send's attributes before sending. Default
	// DefaultSendMarker; "-" turns the probe off.
	SendMarker string
	// Store holds everything the flow remembers between deliveries: each
	// send and its state, each text posted, the flow's own recent comments
	// (to recognise their echo), each customer's latest ticket, and the
	// claim on a customer while one of their texts is handled. All of it
	// expires. Replicas of the flow must share one, such as a
	// [github.com/deskbridge/deskbridge/store/redisstore.Store] (see
	// Running several replicas in the package documentation). nil means a
	// [store.Memory] of this process alone, and [New] logs that the flow
	// is then single-replica.
	Store store.Store
	// Deduper, when set, de-duplicates the deliveries of both handlers by
	// their key, on top of the flow's own records. nil (the default, and
	// the advice) de-duplicates them with the flow's records themselves:
	// the record an agent reply's send claims in Store makes a Zendesk
	// retry a duplicate, and the record a text adds in Store (under the
	// customer's claim) makes a Braze retry one. So the hot paths cost two
	// store round trips each, where a Deduper would add two more.
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
	// NoUndeliveredNotes stops the internal note the flow adds to a
	// ticket whose reply did not go out.
	NoUndeliveredNotes bool
	// OnResult, when set, is called with every decision the flow makes
	// about a delivery (see [Result]), after it is made and before the
	// delivery is answered. It must be quick and safe for concurrent use.
	OnResult func(Result)

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
	// the flow did not repeat, [Delivery] being [AtMostOnce]), false when it
	// certainly was not sent (Braze refused it).
	Uncertain bool
	Err       error
}

// Flow connects Zendesk tickets and Braze SMS. It is safe for concurrent
// use, and several Flows (in one process or many) may serve one
// conversation when they share their [Config.Store].
type Flow struct {
	cfg   Config
	store store.Store
	// dedup is Config.Deduper; nil: the flow's records de-duplicate (an
	// agent reply's send record, a text's record).
	dedup   webhook.Deduper
	log     *slog.Logger
	agent   http.Handler
	inbound http.Handler
	self    atomic.Int64 // the flow's own Zendesk user, once read
	// customers serialises the texts of each customer in this process;
	// across processes the customer's claim in the store does.
	customers keyedmutex.Mutex
}

// New checks cfg and returns a [Flow]. The error lists every problem at
// once, each a [*flow.ConfigError] saying what to change
// ([flow.Problems] lists them).
func New(cfg Config) (*Flow, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.UserField = cmp.Or(cfg.UserField, DefaultUserField)
	cfg.ClosingMessage = cmp.Or(cfg.ClosingMessage, DefaultClosingMessage)
	cfg.TicketSubject = cmp.Or(cfg.TicketSubject, DefaultTicketSubject)
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
	f := &Flow{cfg: cfg, store: cfg.Store, log: cfg.Logger}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if f.store == nil {
		f.store = &store.Memory{Now: cfg.Now}
		f.log.Info("smsbridge: no Config.Store: the flow keeps its state in this process, so it must run as a single replica; " +
			"give every replica one shared store (redisstore) to run several")
	}
	f.dedup = cfg.Deduper
	agentOpts := []webhook.Option{
		webhook.WithAcceptedTypes(EventReply, EventSolved),
		webhook.WithRetryAfter(cfg.RetryAfter),
		webhook.WithLogger(cfg.Logger),
	}
	// nil turns the handlers' own de-duplication off: the send record is
	// it for Zendesk, the text's record for Braze.
	agentOpts = append(agentOpts, webhook.WithDeduper(f.dedup))
	f.agent = flow.RetryAfterHandler(webhook.NewHandler(
		webhook.ZendeskVerifier{Secrets: slices.Clone(cfg.ZendeskSecrets), Now: cfg.Now},
		decodeAgentReply,
		func(ctx context.Context, r *AgentReply) error {
			res, err := f.HandleAgentReply(ctx, r)
			return flow.HandlerError(res.Outcome, err)
		},
		agentOpts...,
	))
	f.inbound = flow.RetryAfterHandler(webhook.NewHandler(
		cfg.BrazeAuth,
		decodeInbound,
		func(ctx context.Context, m *InboundSMS) error {
			res, err := f.HandleInboundSMS(ctx, m)
			return flow.HandlerError(res.Outcome, err)
		},
		webhook.WithDeduper(f.dedup),
		webhook.WithKeyHeader(""),
		webhook.WithRetryAfter(cfg.RetryAfter),
		webhook.WithLogger(cfg.Logger),
	))
	return f, nil
}

// validate returns every problem of c at once; it readies c.BrazeAuth
// (default scheme, empty secrets dropped, slices copied).
func (c *Config) validate() error {
	p := flow.Collector{Flow: "smsbridge"}
	if c.Zendesk == nil {
		p.Add("Config.Zendesk", "", "is nil", "build a client with zendesk.NewClient")
	}
	if c.Braze == nil {
		p.Add("Config.Braze", "", "is nil", "build a client with braze.NewClient")
	}
	if strings.TrimSpace(c.ReplyCampaignID) == "" {
		p.Add("Config.ReplyCampaignID", "", "is empty", "give the ID of the API-triggered SMS campaign that carries agent replies")
	}
	if !hasNonEmpty(c.ZendeskSecrets) {
		p.Add("Config.ZendeskSecrets", "", "holds no secret", "give the Zendesk webhook's signing secret (Provision returns it; Admin Center shows it)")
	}
	c.BrazeAuth = flow.SharedSecretAuth(&p, "Config.BrazeAuth", c.BrazeAuth, true,
		"the secret Braze's webhook campaigns send (a long random string)")
	if c.Delivery != AtMostOnce && c.Delivery != AtLeastOnce {
		p.Add("Config.Delivery", strconv.Itoa(int(c.Delivery)), "is not a delivery policy", "use AtMostOnce (the default) or AtLeastOnce")
	}
	if c.InboundWindow < 0 {
		p.Add("Config.InboundWindow", c.InboundWindow.String(), "is negative", "use a positive duration, or 0 for the default (1 h)")
	}
	switch {
	case c.RetryAfter < 0:
		p.Add("Config.RetryAfter", c.RetryAfter.String(), "is negative", "use a duration between 1 s and 59 s, or 0 for the default (5 s)")
	case !zendeskRetriesAfter(c.RetryAfter):
		p.Add("Config.RetryAfter", c.RetryAfter.String(), "is too long: Zendesk is reported not to retry a 503 that asks for that long",
			"keep it under "+zendeskMaxRetryAfter.String()+", or 0 for the default (5 s)")
	}
	return p.Err()
}

func hasNonEmpty(ss []string) bool {
	return slices.ContainsFunc(ss, func(s string) bool { return s != "" })
}

// AgentReplyHandler serves the Zendesk trigger webhook: signature checked
// with ZendeskSecrets, deliveries de-duplicated by their signed content
// (see [AgentReply.Key]), answers as package webhook documents
// (200 handled, duplicate or ignored; 401; 400; 422 when Braze refused the
// send; 503 with Retry-After when Zendesk should try again).
func (f *Flow) AgentReplyHandler() http.Handler { return f.agent }

// InboundSMSHandler serves Braze's webhook campaigns: the shared secret
// checked, deliveries de-duplicated by their key (see [ParseInboundSMS]),
// 503 with Retry-After when Zendesk failed, so that Braze retries.
func (f *Flow) InboundSMSHandler() http.Handler { return f.inbound }

// Handler serves AgentReplyHandler at [AgentReplyPath] and
// InboundSMSHandler at [InboundSMSPath].
func (f *Flow) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(AgentReplyPath, f.agent)
	mux.Handle(InboundSMSPath, f.inbound)
	return mux
}

// decodeAgentReply is the Decoder of the Zendesk handler: the key is a
// digest of what the signature covers (see [agentReplyKey]), and the
// item's type is its event, or "skip" when the body alone shows there is
// nothing to send.
func decodeAgentReply(_ *http.Request, body []byte) ([]webhook.Item[*AgentReply], error) {
	ar, err := ParseAgentReply(body)
	if err != nil {
		return nil, err
	}
	ar.Key = agentReplyKey(ar)
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
