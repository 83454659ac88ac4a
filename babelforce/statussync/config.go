package statussync

import (
	"errors"
	"log/slog"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Defaults of [Config].
const (
	// flowName is the flow's name in its [flow.ConfigError] values.
	flowName = "statussync"
	// DefaultEchoWindow is how long a change the flow made on one side is
	// expected to come back from that side as an echo.
	DefaultEchoWindow = time.Minute
	// DefaultStateTTL is how long a known state of an agent is trusted to
	// skip setting it again.
	DefaultStateTTL = 30 * time.Second
	// DefaultPollInterval is the poller's interval.
	DefaultPollInterval = 15 * time.Second
	// DefaultReconcileInterval is the reconciler's interval.
	DefaultReconcileInterval = time.Minute
	// DefaultLeaseWait is how long a delivery waits for another
	// observation of its agent to end ([Config].LeaseWait).
	DefaultLeaseWait = 2 * time.Second
	// maxLeaseWait bounds [Config].LeaseWait: Zendesk waits 10 to 12 s
	// for a webhook's answer.
	maxLeaseWait = 10 * time.Second
	// statusRefreshMin is the least time between two reads of Zendesk's
	// unified statuses caused by a presence with no status of its name
	// (babelforce's "busy" has none, and would otherwise cost a read per
	// change).
	statusRefreshMin = time.Minute
)

// Config configures a [Flow]. Zendesk and Babelforce are required; every
// other field has a default.
type Config struct {
	// Zendesk is the Zendesk account's client (agent statuses are set
	// through Availability.SetAgentStatus and read through
	// Availability.Statuses).
	Zendesk *zendesk.Client
	// Babelforce is the babelforce environment's client (agents are found
	// by sourceId, presences set with Agents.SetPresence).
	Babelforce *babelforce.Client

	// Mapping is the table between Zendesk states and babelforce
	// presences; the zero value is the default (see [Mapping]). New keeps
	// a copy: later writes to its maps do not reach the flow.
	Mapping Mapping

	// ZendeskSecrets are the signing secrets of the Zendesk webhook that
	// calls ZendeskHandler (Provision returns it; several while rotating).
	// Without one the handler refuses every delivery (500, misconfigured).
	ZendeskSecrets []string
	// AutomationAuth verifies the calls of the babelforce automation to
	// AutomationHandler: the secret the automation's HTTP action sends.
	// Secrets with no Scheme mean "Authorization: Bearer <secret>"; New
	// checks it as every flow checks its shared-secret sender
	// ([flow.SharedSecretAuth]). Without a secret the handler refuses every
	// call (500).
	AutomationAuth webhook.SharedSecretVerifier

	// RetryAfter is the Retry-After of the 503 a handler answers when a
	// side fails, so that the sender retries (default 5 s; whole seconds;
	// under 60 s, or Zendesk does not retry).
	RetryAfter time.Duration
	// EchoWindow is how long a change the flow made is expected back from
	// the side it changed, and dropped when it comes (default 1 min). It
	// should exceed the time that side takes to report a change: Zendesk's
	// webhook delivery, retries included, and the babelforce automation's
	// call. The poller does not use it (it never reports the flow's own
	// changes), so it need not exceed PollInterval.
	EchoWindow time.Duration
	// StateTTL is how long an agent's known presence (or Zendesk status)
	// is trusted: a change to what the agent is known to have had for less
	// than StateTTL is skipped. Older knowledge is not trusted and the
	// change is sent (both APIs treat setting the current state as no
	// change). Default 30 s; negative never skips.
	StateTTL time.Duration
	// PollInterval is the interval of RunPoller (default 15 s).
	PollInterval time.Duration
	// RejectUnknownAgents makes ZendeskHandler answer 422 to an event about
	// a Zendesk agent that no babelforce agent has as sourceId. By default
	// such events are acknowledged (200) and logged as ignored: Zendesk
	// sends every agent's events, not only those of the agents who use
	// babelforce, and a stream of refused deliveries can trip Zendesk's
	// webhook circuit breaker, which would then hold back the events of
	// every agent.
	RejectUnknownAgents bool

	// Store keeps everything the flow remembers between observations:
	// each agent's record (the last states and times applied on each side,
	// the echoes expected, the poller's last sight), the handlers'
	// de-duplication claims, and the claims that let one replica at a time
	// run a poller or reconciler pass. Replicas of one flow share one
	// store: a [github.com/deskbridge/deskbridge/store/redisstore.Store],
	// say. nil means a [store.Memory] of this process, and New logs that
	// the flow is then single-replica. A store error is transient: the
	// handler answers 503 with Retry-After and the sender retries.
	Store store.Store
	// Retention is how long an agent's record outlives its last change
	// (default [DefaultRetention], 24 h). It should exceed the time a
	// sender keeps retrying one event.
	Retention time.Duration
	// ReconcileInterval is the interval of RunReconciler (default
	// [DefaultReconcileInterval], 1 min).
	ReconcileInterval time.Duration
	// LeaseWait is how long a delivery waits for another observation of
	// the same agent, on any replica, to end: one observation at a time
	// decides about an agent, holding a lease on its record in Store (see
	// "Running several replicas" in the package documentation). Past it
	// the delivery is answered 503 with a Retry-After of what is left of
	// the other's lease plus a second. Default [DefaultLeaseWait], 2 s;
	// under 10 s, well inside the senders' timeouts (Zendesk waits about
	// 10 s for an answer); negative: do not wait.
	LeaseWait time.Duration

	// ZendeskDeduper and AutomationDeduper, when set, de-duplicate the
	// deliveries of each handler by event id, on top of the agent's record.
	// nil (the default, and the advice) lets the record de-duplicate every
	// event it orders (Zendesk's, and automation calls with a changed_at),
	// which saves two store round trips per event, and de-duplicates
	// automation calls without a changed_at with a webhook.StoreDeduper over
	// Store.
	ZendeskDeduper, AutomationDeduper webhook.Deduper

	// Logger receives the flow's records (one per decision, at Debug for
	// echoes, stale and unchanged events, Info for changes, Warn and Error
	// for refusals and failures) and the handlers' delivery records. nil
	// discards.
	Logger *slog.Logger
	// Now is the flow's clock: observation times, the echo window, state
	// freshness, and the signature timestamps of Zendesk deliveries. nil
	// means time.Now.
	Now func() time.Time
	// OnResult, when set, is called with every decision the flow makes,
	// synchronously, once the decision is written to the store (as
	// flow.Failed, DetailStore, when the write failed): it must be quick
	// and must not call the Flow. A decision cut short by a panic is not
	// reported; a poll that the store stopped is logged, not reported.
	OnResult func(Result)
}

// joinErrors is errors.Join that keeps a single error as it is.
func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

// withDefaults validates c and fills in the defaults.
func (c Config) withDefaults() (Config, error) {
	p := flow.Collector{Flow: flowName}
	add := p.Add
	if c.Zendesk == nil {
		add("Config.Zendesk", "", "is nil", "build a client with zendesk.NewClient")
	}
	if c.Babelforce == nil {
		add("Config.Babelforce", "", "is nil", "build a client with babelforce.NewClient")
	}
	p.Include(c.Mapping.Validate())
	switch {
	case c.RetryAfter < 0:
		add("Config.RetryAfter", c.RetryAfter.String(), "is negative", "use a duration between 1 s and 59 s, or 0 for the default (5 s)")
	case c.RetryAfter >= maxRetryAfter:
		add("Config.RetryAfter", c.RetryAfter.String(), "is 60 s or more, and Zendesk is reported not to retry a 503 that asks for that long",
			"use a duration under 60 s, or 0 for the default (5 s)")
	case c.RetryAfter == 0:
		c.RetryAfter = webhook.DefaultRetryAfter
	}
	if c.EchoWindow < 0 {
		add("Config.EchoWindow", c.EchoWindow.String(), "is negative", "use a positive duration, or 0 for the default (1 min)")
	} else if c.EchoWindow == 0 {
		c.EchoWindow = DefaultEchoWindow
	}
	if c.StateTTL == 0 {
		c.StateTTL = DefaultStateTTL
	}
	if c.PollInterval < 0 {
		add("Config.PollInterval", c.PollInterval.String(), "is negative", "use a positive duration, or 0 for the default (15 s)")
	} else if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Retention < 0 {
		add("Config.Retention", c.Retention.String(), "is negative", "use a positive duration, or 0 for the default (24 h)")
	} else if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.ReconcileInterval < 0 {
		add("Config.ReconcileInterval", c.ReconcileInterval.String(), "is negative", "use a positive duration, or 0 for the default (1 min)")
	} else if c.ReconcileInterval == 0 {
		c.ReconcileInterval = DefaultReconcileInterval
	}
	switch {
	case c.LeaseWait >= maxLeaseWait:
		add("Config.LeaseWait", c.LeaseWait.String(), "is not under 10 s: a delivery waiting that long outlives its sender's timeout (Zendesk waits about 10 s), which then retries an event still being handled", "use a duration under 10 s, 0 for the default (2 s), or a negative one not to wait")
	case c.LeaseWait == 0:
		c.LeaseWait = DefaultLeaseWait
	}
	c.AutomationAuth = flow.SharedSecretAuth(&p, "Config.AutomationAuth", c.AutomationAuth, false,
		"the secret the babelforce automation's HTTP action sends")
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Mapping = c.Mapping.withDefaults()
	return c, p.Err()
}
