package memorialize

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Paths at which [Flow.Handler] serves the two endpoints.
const (
	// ContactEndedPath receives the call a Studio script makes when a
	// contact ends ([StudioRequest]).
	ContactEndedPath = "/cxone/contact-ended"
	// DynamicDataPath answers dynamic data lookups ([Flow.Lookup]).
	DynamicDataPath = "/cxone/dynamic-data"
)

// Defaults.
const (
	// DefaultTicketVariable is the script variable (custom data) that
	// carries the Zendesk ticket of an interaction.
	DefaultTicketVariable = "zendeskticketid"
	// DefaultUserVariable is the script variable that carries the Zendesk
	// user of an interaction.
	DefaultUserVariable = "zendeskuserid"
	// DefaultPollInterval is how often [Flow.Run] polls completed contacts.
	DefaultPollInterval = 30 * time.Second
	// DefaultPageSize is the number of completed contacts read per request.
	DefaultPageSize = 100
	// DefaultLookback is how far back a poll starts when the store holds
	// no cursor yet.
	DefaultLookback = time.Hour
	// DefaultTicketSubject is the subject of a ticket the Create Ticket
	// workflow opens; {media}, {contact} and {ani} are replaced.
	DefaultTicketSubject = "CXone {media} contact {contact}"
	// DefaultRetryAfter is the Retry-After of a 503 to the Studio script.
	DefaultRetryAfter = 5 * time.Second
	// DefaultSettle is how far behind the time of each poll its cursor
	// stays ([Config.Settle]).
	DefaultSettle = 5 * time.Minute
	// DefaultDoneTTL is how long the flow remembers that a contact was
	// memorialized, so that it is never written twice.
	DefaultDoneTTL = 30 * 24 * time.Hour
)

// Workflows are CXone's Zendesk workflows, as the flow runs them to find
// the record an interaction is written to: the ticket or user the
// interaction carries (script variables), else Search ANI, else Create
// Ticket / Create User.
type Workflows struct {
	// TicketVariable is the script variable holding the Zendesk ticket id
	// (lower case); default [DefaultTicketVariable], "-" for none.
	TicketVariable string
	// UserVariable is the script variable holding the Zendesk user id;
	// default [DefaultUserVariable], "-" for none.
	UserVariable string
	// SearchANI finds the user whose phone is the contact's ANI, and
	// their most recent open ticket (Search ANI).
	SearchANI bool
	// CreateTicket opens a ticket when none is found (Create Ticket); its
	// requester is the user found, or created by CreateUser.
	CreateTicket bool
	// CreateUser creates an end user with the contact's ANI and name when
	// none is found (Create User).
	CreateUser bool
	// TicketSubject is the subject of created tickets; default
	// [DefaultTicketSubject].
	TicketSubject string
}

// Config configures a [Flow]. CXone, Zendesk and Mapping are required.
type Config struct {
	// CXone reads completed contacts, their custom data, dispositions,
	// agents and media. Its API user needs the Reporting and Admin APIs'
	// read permissions.
	CXone *cxone.Client
	// Zendesk writes the records. Build it with the credential of a
	// dedicated Zendesk system user, as CXone's page asks ([Flow.Check]
	// says when it is an agent's).
	Zendesk *zendesk.Client

	// Mapping is the data memorialization mapping.
	Mapping Mapping
	// Dynamic is the dynamic data mapping ([Flow.Lookup]).
	Dynamic DynamicData
	// Workflows say how the record is found or created.
	Workflows Workflows

	// StudioAuth verifies the calls a Studio script makes to
	// [ContactEndedPath] and [DynamicDataPath]: the secrets it sends
	// (several while one is rotated), as "Authorization: Bearer <secret>"
	// when Scheme is zero, or Basic or a header of its own; AllowedSources
	// allowlists the addresses it calls from, and ClientIP reads the
	// client address behind a proxy. No secret: those endpoints refuse
	// every call, and polling alone memorializes.
	StudioAuth webhook.SharedSecretVerifier

	// Store holds the poll cursor, the claim on each contact being
	// written and the record of each contact written. Replicas share one
	// (redisstore). nil: a store.Memory of this process, single replica.
	Store store.Store
	// PollInterval is the period of [Flow.Run]; default
	// [DefaultPollInterval].
	PollInterval time.Duration
	// PageSize is the "top" of each completed-contacts request; default
	// [DefaultPageSize].
	PageSize int
	// Lookback is where the first poll starts, before now, when the store
	// holds no cursor; default [DefaultLookback].
	Lookback time.Duration
	// Settle is how far behind the time of each poll the cursor stays,
	// so that a contact the Reporting API lists late (its lastUpdateTime
	// before an earlier poll's lastPollTime) is still written: each poll
	// lists the last Settle again, and skips the contacts done. Default
	// [DefaultSettle]; it must exceed CXone's warehousing lag.
	Settle time.Duration
	// DoneTTL is how long a written contact is remembered; default
	// [DefaultDoneTTL]. It must outlast any replay of the cursor.
	DoneTTL time.Duration
	// MaxAttempts, when above 0, rejects a contact (detail
	// [DetailGaveUp]) after that many failed attempts, so that a contact
	// that always fails with a 5xx stops holding the poll. 0 (the
	// default): retried until it is written, since during an outage of
	// CXone or Zendesk every contact fails alike, and a bound would
	// drop the one the poll holds before; choose it above the polls an
	// outage may last (PollInterval × MaxAttempts). A refusal no retry
	// changes (a 4xx) is rejected at once whatever this says.
	MaxAttempts int
	// RefetchDelays are the waits before each re-fetch of a contact a
	// Studio call named before CXone listed it complete
	// ([Flow.Memorialize]); default [DefaultRefetchDelays]. Their number
	// bounds the re-fetches (20 at most); past the last, the poll alone
	// writes it. They add up to 24 hours at most: the store keeps the
	// schedule 24 hours past its last change.
	RefetchDelays []time.Duration
	// RetryAfter is the Retry-After of a 503; default [DefaultRetryAfter].
	RetryAfter time.Duration

	// SystemUser, when set, is the email of the dedicated Zendesk system
	// user: [Flow.Check] reports a Zendesk credential of anyone else.
	SystemUser string

	// OnResult, when set, is called with every decision about a contact
	// ([Result]). It must be quick and safe for concurrent use.
	OnResult func(Result)
	// Logger receives one record per decision (nil: discard). Values are
	// never logged.
	Logger *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Flow writes CXone interaction data into Zendesk records. It is safe for
// concurrent use; several Flows sharing one Config.Store write each
// contact once.
type Flow struct {
	cfg    Config
	store  store.Store
	log    *slog.Logger
	needs  need
	studio http.Handler
	verify webhook.SharedSecretVerifier

	sleep func(context.Context, time.Duration) error // the backoff of refetchWait

	refetchMu sync.Mutex // the turn of updateRefetch in this process

	mu           sync.Mutex
	agentNames   map[int64]string
	dispositions map[int64]string
	ticketFields map[string]int64 // custom ticket field ids by title
}

// New checks cfg and returns a [Flow]. The error lists every problem at
// once, each a [*flow.ConfigError] saying what to change.
func New(cfg Config) (*Flow, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	w := &cfg.Workflows
	w.TicketVariable = cmp.Or(w.TicketVariable, DefaultTicketVariable)
	w.UserVariable = cmp.Or(w.UserVariable, DefaultUserVariable)
	w.TicketSubject = cmp.Or(w.TicketSubject, DefaultTicketSubject)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, DefaultPollInterval)
	cfg.PageSize = cmp.Or(cfg.PageSize, DefaultPageSize)
	cfg.Lookback = cmp.Or(cfg.Lookback, DefaultLookback)
	cfg.Settle = cmp.Or(cfg.Settle, DefaultSettle)
	cfg.DoneTTL = cmp.Or(cfg.DoneTTL, DefaultDoneTTL)
	cfg.RetryAfter = cmp.Or(cfg.RetryAfter, DefaultRetryAfter)
	if len(cfg.RefetchDelays) == 0 {
		cfg.RefetchDelays = DefaultRefetchDelays
	}
	cfg.RefetchDelays = slices.Clone(cfg.RefetchDelays)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	f := &Flow{cfg: cfg, store: cfg.Store, log: cfg.Logger, needs: cfg.Mapping.needs(),
		sleep:      rest.SleepContext,
		agentNames: map[int64]string{}, dispositions: map[int64]string{}, ticketFields: map[string]int64{}}
	if w.TicketVariable != "-" || w.UserVariable != "-" {
		f.needs |= needCustomData
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if f.store == nil {
		f.store = &store.Memory{Now: cfg.Now}
		f.log.Info("memorialize: no Config.Store: the flow keeps its cursor in this process, so it must run as a single replica; " +
			"give every replica one shared store (redisstore) to run several")
	}
	f.verify = cfg.StudioAuth
	f.studio = webhook.NewHandler(f.verify, decodeStudio, f.handleStudio,
		webhook.WithDeduper(nil),
		webhook.WithKeyHeader(""),
		webhook.WithRetryAfter(cfg.RetryAfter),
		webhook.WithLogger(cfg.Logger),
	)
	return f, nil
}

// validate returns every problem of c at once, and readies c.StudioAuth
// ([flow.SharedSecretAuth]: Bearer by default, empty secrets dropped).
func (c *Config) validate() error {
	p := flow.Collector{Flow: "memorialize"}
	if c.CXone == nil {
		p.Add("Config.CXone", "", "is nil", "build a client with cxone.NewClient")
	}
	if c.Zendesk == nil {
		p.Add("Config.Zendesk", "", "is nil", "build a client with zendesk.NewClient, with the credential of a dedicated system user")
	}
	validateMapping(&p, c.Mapping, c.Dynamic)
	c.StudioAuth = flow.SharedSecretAuth(&p, "Config.StudioAuth", c.StudioAuth, false,
		"the secret the Studio script's REST API action sends")
	w := c.Workflows
	for _, v := range []struct{ name, value string }{{"TicketVariable", w.TicketVariable}, {"UserVariable", w.UserVariable}} {
		if v.value != "" && v.value != "-" && v.value != strings.ToLower(v.value) {
			p.Add("Config.Workflows."+v.name, v.value, "is not in lower case; CXone requires script variables in lower case",
				strconv.Quote(strings.ToLower(v.value)))
		}
	}
	if len(c.Mapping[Ticket]) > 0 && w.TicketVariable == "-" && !w.SearchANI && !w.CreateTicket {
		p.Add("Config.Workflows", "", "finds no ticket: the ticket variable is off and neither SearchANI nor CreateTicket is set",
			"set TicketVariable, SearchANI or CreateTicket, or map no ticket fields")
	}
	if len(c.Mapping[User]) > 0 && w.UserVariable == "-" && !w.SearchANI && !w.CreateUser {
		p.Add("Config.Workflows", "", "finds no user: the user variable is off and neither SearchANI nor CreateUser is set",
			"set UserVariable, SearchANI or CreateUser, or map no user fields")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"PollInterval", c.PollInterval}, {"Lookback", c.Lookback}, {"Settle", c.Settle}, {"DoneTTL", c.DoneTTL}, {"RetryAfter", c.RetryAfter}} {
		if d.v < 0 {
			p.Add("Config."+d.name, d.v.String(), "is negative", "use a positive duration, or 0 for the default")
		}
	}
	for i, d := range c.RefetchDelays {
		if d <= 0 {
			p.Add("Config.RefetchDelays["+strconv.Itoa(i)+"]", d.String(), "is not positive", "use positive waits, or none for the default")
		}
	}
	var total time.Duration // saturated at twice refetchTTL: never overflows
	for _, d := range c.RefetchDelays {
		total = min(total+min(max(d, 0), refetchTTL), 2*refetchTTL)
	}
	if total > refetchTTL {
		sum := total.String() + " in all"
		if total == 2*refetchTTL {
			sum = total.String() + " or more in all"
		}
		p.Add("Config.RefetchDelays", sum, "adds up to more than "+refetchTTL.String()+
			", the time the store keeps the re-fetch schedule", "use waits that add up to "+refetchTTL.String()+
			" at most (the default's are about 45 minutes); the poll writes the contact in any case")
	}
	if len(c.RefetchDelays) > 20 {
		p.Add("Config.RefetchDelays", strconv.Itoa(len(c.RefetchDelays))+" delays", "is more than 20 re-fetches", "use a few growing waits; the poll writes the contact in any case")
	}
	if c.MaxAttempts < 0 {
		p.Add("Config.MaxAttempts", strconv.Itoa(c.MaxAttempts), "is negative", "use a count of attempts, or 0 to retry until written")
	}
	if c.PageSize < 0 || c.PageSize > 1000 {
		p.Add("Config.PageSize", strconv.Itoa(c.PageSize), "is out of range", "use 1 to 1000, or 0 for the default (100)")
	}
	return p.Err()
}

// ContactEndedHandler serves the call a Studio script makes when a
// contact ends ([StudioRequest]): the shared secret checked
// ([Config].StudioAuth: 401, or 403 from an address it does not allow),
// the body decoded (400), the contact fetched and memorialized at once
// (200). A
// contact CXone does not list as complete yet (200, outcome ignored) is
// scheduled for re-fetches with a bounded backoff, kept in the store so
// that any replica's poll does them ([Flow.Memorialize]): the script need
// not call again. Zendesk or the store failing answers 503 with
// Retry-After; the poll writes the contact in any case.
func (f *Flow) ContactEndedHandler() http.Handler { return f.studio }

// Handler serves ContactEndedHandler at [ContactEndedPath] and
// DynamicDataHandler at [DynamicDataPath].
func (f *Flow) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(ContactEndedPath, f.studio)
	mux.Handle(DynamicDataPath, f.DynamicDataHandler())
	return mux
}
