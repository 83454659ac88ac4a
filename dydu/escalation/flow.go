package escalation

import (
	"cmp"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/internal/keyedmutex"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// Paths at which [Flow.Handler] serves.
const (
	// WebhookPath receives the Sunshine Conversations webhook (agent
	// messages, typing, the hand-back).
	WebhookPath = "/sunshine/webhook"
	// ChatsPath is the root of the user's channel: POST
	// /chats/{chat}/messages, /chats/{chat}/typing and /chats/{chat}/files
	// take the user's text, typing and files; GET /chats/{chat}/messages
	// (long poll) and /chats/{chat}/events (server-sent events) give what
	// the user is shown (see [StoreChannel.ServeHTTP]).
	ChatsPath = "/chats/"
)

// Defaults.
const (
	// DefaultBotName is the display name of the bot's turns in Zendesk.
	DefaultBotName = "Dydu"
	// DefaultHandBackMessage tells the user that the agent closed the
	// conversation and the bot answers again.
	DefaultHandBackMessage = "Le conseiller a clôturé la conversation. L'assistant virtuel reprend la main : comment puis-je vous aider ?"
	// DefaultRenewedMessage tells the user that Dydu dropped the dialog
	// (unused for 10 minutes) and the bot starts over.
	DefaultRenewedMessage = "La conversation précédente a expiré ; l'assistant reprend depuis le début."
	// DefaultRetryAfter is the Retry-After of a 503.
	DefaultRetryAfter = 2 * time.Second
	// DefaultMaxConcurrentUploads is the default Config.MaxConcurrentUploads.
	DefaultMaxConcurrentUploads = 4
	// DefaultChatLifetime is how long a chat is kept after its last event:
	// a messaging ticket may wait days for an agent.
	DefaultChatLifetime = 14 * 24 * time.Hour
)

// Config configures a [Flow]. Dydu, Conversations, Zendesk and
// WebhookSecrets are required; the rest has defaults.
type Config struct {
	// Dydu talks to the bot (talk, new contexts, history).
	Dydu *dydu.Client
	// Conversations is the Sunshine Conversations client of the Zendesk
	// account's app, with an app-scoped key (Admin Center › Apps and
	// integrations › Conversations API): users, conversations, messages,
	// attachments, activity and passControl.
	Conversations *conversations.Client
	// Zendesk reads the groups that skills route to.
	Zendesk *zendesk.Client
	// WebhookSecrets are the secrets the integration's webhook sends as
	// X-API-Key ([WebhookSecret] reads it after [Provision]); several
	// while one is replaced.
	WebhookSecrets []string
	// IntegrationID is the flow's own Conversations integration; messages
	// it posted that come back through the webhook are recognised by it
	// too. Optional (the flow also marks its posts in their metadata).
	IntegrationID string

	// Skills maps the id of an escalating knowledge to its skill (the
	// "compétence" whose context condition the knowledge carries): the
	// ticket goes to the Zendesk group of the same name. Dydu's answer
	// does not say the skill (see unconfirmed.go).
	Skills map[int64]string
	// DefaultSkill is the skill of an escalation whose knowledge is not in
	// Skills; "" leaves the ticket without a group.
	DefaultSkill string
	// SenderIDVariable is the identity mapping's sender id: the name of
	// the variable (e.g. "mail") whose value identifies the user to the
	// agent (the ticket's requester). The value comes from the server
	// side only — [Config.Authorize] for the HTTP channel, or
	// [UserMessage].Identity — never from the variables a browser posts:
	// otherwise any visitor could put their chat on another customer's
	// tickets.
	SenderIDVariable string
	// NameVariable is the name of the variable (e.g. "name") whose value
	// is the user's name: the agent sees the user, and the ticket's
	// requester, under it. Like SenderIDVariable it comes from the server
	// side only. Optional.
	NameVariable string
	// Authorize, when set, is asked about every request of the user's
	// channel under [ChatsPath] (posting messages, typing and files,
	// reading the chat) before anything else: it authenticates the
	// request (a session cookie, a token signed for this chat id…) and
	// returns the user's identity variables, which the server vouches for
	// (SenderIDVariable's and NameVariable's values, say; nil when the user
	// is anonymous). An error refuses the request with 403; its text is
	// logged, never shown. [ChatSigner.Authorize] verifies tokens your
	// site's server signs.
	//
	// Without Authorize the channel is open: whoever knows a chat id
	// reads and posts in it, so chat ids must be random (see
	// [NewChatID]), and no chat has an identity: the tickets it opens
	// have an anonymous requester, whatever variables the browser sends.
	Authorize func(r *http.Request, chat string) (identity map[string]string, err error)
	// AgentWorkspace is the switchboard integration control is passed to;
	// default [conversations.AgentWorkspaceName].
	AgentWorkspace string
	// BotName is the display name of the bot's turns; default
	// DefaultBotName.
	BotName string
	// HandBackMessage is told to the user when the agent solves the
	// ticket; default DefaultHandBackMessage.
	HandBackMessage string
	// RenewedMessage is told to the user when Dydu dropped the dialog;
	// default DefaultRenewedMessage.
	RenewedMessage string

	// Channel shows the user what the bot and the agent say. nil: a
	// [StoreChannel] on Store, served by [Flow.Handler].
	Channel Channel
	// Store holds the chats' state, the de-duplication claims and (with
	// the default Channel) the messages. Replicas must share one, such as
	// a [github.com/deskbridge/deskbridge/store/redisstore.Store]. nil
	// means a [store.Memory] of this process alone, and [New] logs that the
	// flow is then single-replica. Every key the flow (and its default
	// Channel) writes starts with "escalation:", so that flows may share
	// one store, and one redisstore prefix, with no clash.
	Store store.Store
	// RetryAfter is the Retry-After of a 503; default DefaultRetryAfter.
	RetryAfter time.Duration
	// MaxConcurrentUploads bounds the files the HTTP channel receives at
	// once (each is held in memory, up to 50 MB, while it is sent on); one
	// past it is answered 503 with Retry-After. Default
	// DefaultMaxConcurrentUploads.
	MaxConcurrentUploads int
	// ChatLifetime is how long a chat is kept after its last event (a
	// user's message or file, an agent's message or typing): its state,
	// the link from its Sunshine Conversations conversation, and with the
	// default Channel the messages shown. Every event renews it, so a chat
	// with an agent lives as long as the ticket is active; an agent's
	// message after a silence longer than this finds no chat (it is
	// reported as [DetailChatExpired] and logged as a warning). Default
	// DefaultChatLifetime (14 days).
	ChatLifetime time.Duration
	// OnResult, when set, is called with every decision of the flow. It
	// must be quick and safe for concurrent use.
	OnResult func(Result)
	// Logger receives one record per decision (nil: discard). Message
	// texts are never logged.
	Logger *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Flow bridges a Dydu bot and Zendesk's agents. It is safe for concurrent
// use, and several Flows (in one process or many) may serve one chat when
// they share their [Config.Store].
type Flow struct {
	cfg     Config
	store   store.Store
	channel Channel
	log     *slog.Logger
	hook    http.Handler
	mux     *http.ServeMux
	uploads chan struct{} // a slot per file being received
	lease   time.Duration // a chat claim's lease; 0: lockLease (tests shorten it)
	// chats holds the chats this process's events work on; localWait is
	// how long another event of one waits (0: localWait; tests shorten it).
	chats     keyedmutex.Mutex
	localWait time.Duration
}

// New checks cfg and returns a [Flow]. The error lists every problem at
// once, each a [*flow.ConfigError] saying what to change.
func New(cfg Config) (*Flow, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.AgentWorkspace = cmp.Or(cfg.AgentWorkspace, conversations.AgentWorkspaceName)
	cfg.BotName = cmp.Or(cfg.BotName, DefaultBotName)
	cfg.HandBackMessage = cmp.Or(cfg.HandBackMessage, DefaultHandBackMessage)
	cfg.RenewedMessage = cmp.Or(cfg.RenewedMessage, DefaultRenewedMessage)
	cfg.RetryAfter = cmp.Or(cfg.RetryAfter, DefaultRetryAfter)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.WebhookSecrets = slices.Clone(cfg.WebhookSecrets)
	f := &Flow{cfg: cfg, store: cfg.Store, log: cfg.Logger, uploads: make(chan struct{}, cmp.Or(cfg.MaxConcurrentUploads, DefaultMaxConcurrentUploads))}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if f.store == nil {
		f.store = &store.Memory{Now: cfg.Now}
		f.log.Info("escalation: no Config.Store: the flow keeps its state in this process, so it must run as a single replica; " +
			"give every replica one shared store (redisstore) to run several")
	}
	if cfg.Authorize == nil {
		f.log.Warn("escalation: no Config.Authorize: whoever knows a chat id reads and posts in it, and tickets have an anonymous " +
			"requester (identity variables posted by browsers are ignored); set Config.Authorize to authenticate the user's channel")
	}
	f.channel = cfg.Channel
	if f.channel == nil {
		sc := NewStoreChannel(f.store, f.lifetime(), 0)
		sc.now = cfg.Now
		f.channel = sc
	}
	f.hook = webhook.NewSunshineHandler(webhook.SunshineVerifier{Secrets: cfg.WebhookSecrets}, f.handleEvent,
		webhook.WithDeduper(&webhook.StoreDeduper{Store: f.store, Prefix: keyPrefix + "dedupe:sunshine:"}),
		webhook.WithRetryAfter(cfg.RetryAfter),
		webhook.WithLogger(cfg.Logger),
	)
	f.mux = http.NewServeMux()
	f.mux.Handle("POST "+WebhookPath, f.hook)
	f.mux.Handle("POST /chats/{chat}/messages", f.authorized(f.serveMessage))
	f.mux.Handle("POST /chats/{chat}/typing", f.authorized(f.serveTyping))
	f.mux.Handle("POST /chats/{chat}/files", f.authorized(f.serveFile))
	if h, ok := f.channel.(http.Handler); ok {
		f.mux.Handle("GET /chats/{chat}/{what}", f.authorized(func(w http.ResponseWriter, r *http.Request, _ map[string]string) { h.ServeHTTP(w, r) }))
	}
	return f, nil
}

// validate returns every problem of c at once.
func (c *Config) validate() error {
	p := flow.Collector{Flow: "escalation"}
	if c.Dydu == nil {
		p.Add("Config.Dydu", "", "is nil", "build a client with dydu.NewClient (the bot's UUID and servers)")
	}
	if c.Conversations == nil {
		p.Add("Config.Conversations", "", "is nil", "build a client with conversations.NewClient and an app-scoped key")
	}
	if c.Zendesk == nil {
		p.Add("Config.Zendesk", "", "is nil", "build a client with zendesk.NewClient (it reads the skills' groups)")
	}
	if !slices.ContainsFunc(c.WebhookSecrets, func(s string) bool { return s != "" }) {
		p.Add("Config.WebhookSecrets", "", "holds no secret",
			"give the secret of the Conversations integration's webhook (escalation.WebhookSecret after Provision; Admin Center shows it once)")
	}
	for id, skill := range c.Skills {
		if strings.TrimSpace(skill) == "" {
			p.Add("Config.Skills", "", "maps a knowledge to an empty skill", "name the skill of every knowledge listed, or leave it out")
			_ = id
			break
		}
	}
	if c.ChatLifetime < 0 {
		p.Add("Config.ChatLifetime", c.ChatLifetime.String(), "is negative", "use a positive duration, or 0 for the default (14 days)")
	}
	if c.MaxConcurrentUploads < 0 {
		p.Add("Config.MaxConcurrentUploads", strconv.Itoa(c.MaxConcurrentUploads), "is negative", "use a positive number, or 0 for the default (4)")
	}
	if c.RetryAfter < 0 {
		p.Add("Config.RetryAfter", c.RetryAfter.String(), "is negative", "use a positive duration, or 0 for the default (2 s)")
	}
	return p.Err()
}

// Handler serves the Sunshine Conversations webhook at [WebhookPath] and
// the user's channel under [ChatsPath].
func (f *Flow) Handler() http.Handler { return f.mux }

// WebhookHandler serves the Sunshine Conversations webhook alone: the
// X-API-Key checked, each event of a delivery de-duplicated by its id
// across replicas, answers as package webhook documents (503 with
// Retry-After when a side failed, so that Sunshine Conversations retries).
func (f *Flow) WebhookHandler() http.Handler { return f.hook }

// Channel returns the flow's channel (a [*StoreChannel] unless
// Config.Channel set another).
func (f *Flow) Channel() Channel { return f.channel }
