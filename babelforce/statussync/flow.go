package statussync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Flow keeps an agent's Zendesk status and babelforce presence in step.
// Build it with [New]; it is safe for concurrent use: the two handlers, the
// poller, the reconciler and [Flow.ApplyPresence] may run at once, and so
// may several Flows (replicas) that share one [Config].Store.
//
// A Flow keeps nothing of its own about agents: what it knows of each
// agent (the last state and time applied on each side, the changes it made
// that it expects back as echoes, the poller's last sight) is one record
// in [Config].Store, read and written back per observation under a lease
// on the record (see "Running several replicas" in the package
// documentation), so that one observation at a time, on any replica,
// decides about an agent, and none loses another's changes. Records expire
// [Config].Retention after their last change, and an observation about an
// agent that exists on one side only leaves none behind.
//
// Each Flow caches a little of the vendors' configuration, the same for
// every replica and re-read when missing: Zendesk's unified statuses,
// and the names babelforce gave presences created with a label.
type Flow struct {
	cfg   Config
	m     Mapping
	log   *slog.Logger
	now   func() time.Time
	store store.Store

	zendeskHandler    http.Handler
	automationHandler http.Handler

	statusMu   sync.Mutex
	statuses   []*zendesk.UnifiedStatus
	statusesAt time.Time
	missed     map[string]time.Time // presence → when a read last found no status of its name; at most maxMissed
	// statusesFailedAt is when reading the statuses for
	// unifiedChannelState last failed (zero after a success).
	statusesFailedAt time.Time

	aliasMu   sync.RWMutex
	aliases   map[string]string // mapped presence name → the name babelforce gave it; at most maxAliases
	unaliases map[string]string // the reverse, by normalised name
}

// maxMissed and maxAliases bound the Flow's caches of vendor
// configuration: names come from outside (an automation may name any
// presence), so past the bound the cache starts afresh.
const (
	maxMissed  = 256
	maxAliases = 256
)

// agentState is what the flow knows about one agent: its record in the
// store (see state.go), read for one observation and written back.
type agentState struct {
	id      int64 // Zendesk agent (user) id
	version int64 // the record's version in the store; 0 when absent

	// The observation's lease on the record (see decide): holder is its
	// token, read the record as the lease read it. dirty says that the
	// observation changed the record, sent that it sent (or tried to send)
	// a change to a side, forgotten that the record must not be written,
	// released that the lease has been ended.
	holder, read                     string
	dirty, sent, forgotten, released bool
	// abandoned: a lease on the record ended unreleased (its holder may
	// have sent a change it never wrote), and no observation has read the
	// other side since; kept in the record until one does.
	// newlyAbandoned: this observation's lease found it.
	abandoned, newlyAbandoned bool

	bfID string // babelforce agent id; "" until looked up

	// The agent's presence in babelforce and its unified status in
	// Zendesk as last known, and since when.
	bfKnown, zdKnown     string
	bfKnownAt, zdKnownAt time.Time

	// The last Zendesk-side states applied, by kind, with their times
	// (an event's updated_at, or when the flow set the status): the
	// agent's unified status (normalised), with the state it puts the
	// driving channel in (zdUnifiedCh, "" when unknown), and the state of
	// the driving channel from agent.state_changed. zdUnifiedAt is zero
	// for an agent whose unified status was never seen (an account that
	// sends channel events only).
	zdUnified, zdUnifiedCh string
	zdUnifiedAt            time.Time
	zdChannel              string
	zdChannelAt            time.Time
	// lastBF is the time of the last babelforce-side presence applied.
	lastBF time.Time
	// bfTouchedAt is when the flow last learnt the babelforce presence
	// other than by polling (it set it, or the automation reported it):
	// a poll that started before then read an older presence.
	bfTouchedAt time.Time

	// Changes the flow made, expected back as echoes: at most one entry
	// per target value, none older than Config.EchoWindow, and never more
	// than maxEchoes (see rememberEcho), so that they stay small
	// when nothing brings the echoes back (no automation, or the Zendesk
	// webhook pointed at babelforce).
	bfEchoes []bfEcho
	zdEchoes []zdEcho

	// The poller's last sight of the presence.
	polled   string
	polledOK bool
	// The reconciler's baseline of the Zendesk side (the status or channel
	// state it read) of an agent whose record held none: drift is Zendesk
	// moving away from it while the flow applies nothing.
	reconciled string

	// The last change the flow decided to make on each side, and when
	// (bfSet a presence name, zdSet a status name); bfPending and
	// zdPending name a change whose send failed in a way that may or may
	// not have reached the vendor (not a refusal): until it is sent again,
	// the side's known state is not trusted to skip a change.
	bfSet, zdSet         string
	bfSetAt, zdSetAt     time.Time
	bfPending, zdPending string
}

// maxEchoes bounds each echo list of an agent: entries expire after
// [Config].EchoWindow, and past maxEchoes the oldest go, so an agent's state
// stays small however fast it changes.
//
// An echo list is a multiset: each change the flow makes produces one
// change on the other side, and its report may arrive in any order
// (babelforce automations and Zendesk deliveries are asynchronous), so
// setting P, Q, P expects two echoes of P. Keeping one entry per value
// would let the second echo of P pass as a genuine change and bounce back.
const maxEchoes = 8

// bfEcho: the flow set the babelforce presence to presence at at.
type bfEcho struct {
	presence string // normalised
	at       time.Time
}

func (e bfEcho) sentAt() time.Time { return e.at }

// zdEcho: the flow set the Zendesk unified status to status at at, which
// puts the driving channel in channel; Zendesk answers with a unified
// status event and, if the channel changed, a channel event.
type zdEcho struct {
	status, channel          string // normalised; channel "" when unknown
	at                       time.Time
	unifiedSeen, channelSeen bool
}

func (e zdEcho) sentAt() time.Time { return e.at }

// New returns a flow for cfg. It checks the configuration without reading
// either side (Check does that) and returns every problem found, joined,
// each a [*flow.ConfigError] saying what to fix ([flow.Problems] lists them).
func New(cfg Config) (*Flow, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	f := &Flow{
		cfg:       cfg,
		m:         cfg.Mapping,
		log:       cfg.Logger,
		now:       cfg.Now,
		store:     cfg.Store,
		aliases:   map[string]string{},
		unaliases: map[string]string{},
		missed:    map[string]time.Time{},
	}
	if f.store == nil {
		f.store = &store.Memory{Now: cfg.Now}
		f.log.Info("statussync: Config.Store is nil, so the flow keeps its state in this process's memory: run one replica only, or give every replica one shared store (redisstore)")
	}
	opts := []webhook.Option{webhook.WithRetryAfter(cfg.RetryAfter), webhook.WithLogger(cfg.Logger)}
	// Without a de-duper of the user's, the agent's record de-duplicates
	// Zendesk events: each carries its updated_at, and an event of the time
	// and state last applied is a duplicate (see zendeskDuplicate).
	zdDedupe := cfg.ZendeskDeduper
	f.zendeskHandler = flow.RetryAfterHandler(webhook.NewZendeskHandler(
		webhook.ZendeskVerifier{Secrets: cfg.ZendeskSecrets, Now: cfg.Now},
		f.handleZendeskEvent,
		append(slices.Clone(opts), webhook.WithDeduper(zdDedupe),
			webhook.WithAcceptedTypes(webhook.ZendeskTypeAgentStateChanged, webhook.ZendeskTypeAgentUnifiedStateChanged))...,
	))
	// Automation calls with a changed_at are de-duplicated by the record
	// too; those without one (nothing orders them) by a StoreDeduper.
	autoDedupe, decode := cfg.AutomationDeduper, decodePresenceEvent
	if autoDedupe == nil {
		autoDedupe, decode = &webhook.StoreDeduper{Store: f.store, Prefix: keyDedupeAutomation}, decodeUntimedKeys
	}
	f.automationHandler = flow.RetryAfterHandler(webhook.NewHandler(cfg.AutomationAuth, decode, f.handlePresenceEvent,
		append(opts, webhook.WithDeduper(autoDedupe))...))
	return f, nil
}

// Paths at which [Flow.Handler] serves the two webhooks.
const (
	// ZendeskPath receives the Zendesk webhook's agent events
	// ([Flow.ZendeskHandler]): give [ProvisionConfig].Endpoint the public
	// URL of the service with this path.
	ZendeskPath = "/zendesk/agent-status"
	// AutomationPath receives the babelforce automation's calls
	// ([Flow.AutomationHandler]) when [Config].AutomationAuth has a secret.
	AutomationPath = "/babelforce/presence"
)

// Handler serves ZendeskHandler at [ZendeskPath] and, when
// [Config].AutomationAuth has a secret, AutomationHandler at
// [AutomationPath]; any other path is 404.
func (f *Flow) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(ZendeskPath, f.zendeskHandler)
	if len(f.cfg.AutomationAuth.Secrets) > 0 {
		mux.Handle(AutomationPath, f.automationHandler)
	}
	return mux
}

// Mapping returns the flow's mapping, defaults filled in and override
// keys normalised. It is a copy: changing it does not change the flow.
func (f *Flow) Mapping() Mapping { return f.m.clone() }

// ZendeskHandler returns the handler for the Zendesk webhook subscribed to
// agent.state_changed and agent.unified_state_changed ([Provision] with
// Endpoint creates it). It verifies Zendesk's signature with
// [Config].ZendeskSecrets, drops duplicates by event id, sets the babelforce
// presence, and answers as package webhook documents: 200 when handled (or
// ignored, duplicate, stale, an echo), 503 with Retry-After when babelforce
// failed (Zendesk retries, and the retry is processed), 422 when the event
// cannot be applied (an unknown presence).
func (f *Flow) ZendeskHandler() http.Handler { return f.zendeskHandler }

// report logs a decision and hands it to OnResult; a decision under a
// lease reports once its record is written (see decide).
func (f *Flow) report(ctx context.Context, r Result) {
	if b, ok := ctx.Value(resultsKey{}).(*decisionResults); ok {
		b.rs = append(b.rs, r) // reported by decide once the record is written
		return
	}
	f.emit(ctx, r)
}

// resultsKey keys the results of a decision under a lease (see decide),
// held until its record is written.
type resultsKey struct{}

type decisionResults struct{ rs []Result }

// emit logs a decision and hands it to OnResult.
func (f *Flow) emit(ctx context.Context, r Result) {
	level := slog.LevelDebug
	switch r.Outcome {
	case flow.Applied:
		level = slog.LevelInfo
	case flow.Rejected, flow.Ignored:
		level = slog.LevelWarn
		if r.Outcome == flow.Ignored && r.Err == nil {
			level = slog.LevelDebug
		}
	case flow.Failed:
		level = slog.LevelError
	}
	if f.log.Enabled(ctx, level) {
		attrs := []slog.Attr{
			slog.String("source", string(r.Source)), slog.String("kind", r.Kind), slog.String("outcome", string(r.Outcome)),
			slog.Int64("zendesk_agent_id", r.ZendeskAgentID), slog.String("babelforce_agent_id", r.BabelforceAgentID),
			slog.String("from", r.From), slog.String("to", r.To), slog.String("target", r.Target),
		}
		if r.Key != "" {
			attrs = append(attrs, slog.String("key", r.Key))
		}
		if r.Detail != "" {
			attrs = append(attrs, slog.String("detail", r.Detail))
		}
		if r.Err != nil {
			attrs = append(attrs, slog.String("error", r.Err.Error()))
		}
		f.log.LogAttrs(ctx, level, "statussync", attrs...)
	}
	if f.cfg.OnResult != nil {
		f.cfg.OnResult(r)
	}
}

// fresh reports whether knowledge learnt at t may still be trusted.
func (f *Flow) fresh(t, now time.Time) bool {
	return f.cfg.StateTTL > 0 && !t.IsZero() && now.Sub(t) < f.cfg.StateTTL
}

// --- Zendesk → babelforce ---

// zdObservation is a Zendesk event reduced to what the flow needs.
type zdObservation struct {
	source   Source // SourceZendesk or SourceReconciler
	eventID  string
	unified  bool
	agentID  int64
	from, to string
	at       time.Time
	// channel is, for a unified status, the state it puts the driving
	// channel in ("" when unknown).
	channel string
}

// kind names the observation's event type for results.
func (o *zdObservation) kind(channel string) string {
	if o.unified {
		return "agent.unified_state_changed"
	}
	return "agent.state_changed (" + channel + ")"
}

// handleZendeskEvent is [Flow.ZendeskHandler]'s function.
func (f *Flow) handleZendeskEvent(ctx context.Context, ev *webhook.ZendeskEvent) error {
	var o zdObservation
	switch p := ev.Payload.(type) {
	case *webhook.AgentStateChanged:
		if p.Channel != f.m.Channel {
			f.report(ctx, Result{Time: f.now(), Source: SourceZendesk, Kind: "agent.state_changed (" + p.Channel + ")", Key: ev.ID,
				ZendeskAgentID: p.AgentID, From: p.PreviousState, To: p.NewState, ObservedAt: p.UpdatedAt, Outcome: flow.Ignored,
				Detail: "channel " + p.Channel + " does not drive babelforce (Mapping.Channel is " + f.m.Channel + ")"})
			return nil
		}
		o = zdObservation{agentID: p.AgentID, from: p.PreviousState, to: p.NewState, at: p.UpdatedAt}
	case *webhook.AgentUnifiedStateChanged:
		o = zdObservation{unified: true, agentID: p.AgentID, from: p.PreviousState.Name, to: p.NewState.Name, at: p.UpdatedAt}
		if o.to != "" {
			o.channel = f.unifiedChannelState(ctx, p.NewState.ID, o.to)
		}
	default:
		return nil // not an accepted type
	}
	o.eventID = ev.ID
	if o.at.IsZero() {
		o.at = ev.Time
	}
	if o.at.IsZero() {
		o.at = f.now()
	}
	if o.agentID <= 0 || o.to == "" {
		err := webhook.Permanent(fmt.Errorf("statussync: event %s has no agent id or no new state: %w", ev.ID, webhook.ErrMalformed))
		f.report(ctx, Result{Time: f.now(), Source: SourceZendesk, Kind: o.kind(f.m.Channel), Key: ev.ID, ZendeskAgentID: o.agentID,
			Outcome: flow.Rejected, Err: err})
		return err
	}
	o.source = SourceZendesk
	return f.observeZendesk(ctx, &o)
}

// observeZendesk decides on o holding its agent's lease: it reads the
// record and takes the lease (one store round trip), decides and acts,
// and writes the record back as it ends the lease (one more). A delivery
// (o.source SourceZendesk) waits for a lease another observation holds
// (see acquire); the reconciler does not.
func (f *Flow) observeZendesk(ctx context.Context, o *zdObservation) error {
	decided, err := f.decide(ctx, o.agentID, o.source == SourceZendesk, func(ctx context.Context, st *agentState) error {
		return f.applyZendesk(ctx, st, o)
	})
	if !decided {
		f.report(ctx, f.zendeskResult(o, flow.Failed, err, failedDetail(err)))
	}
	return err
}

// failedDetail is the Detail of an observation that err stopped outside
// its decision: DetailBusy, DetailStore, or DetailRetry (the delivery's
// context ended while it waited).
func failedDetail(err error) string {
	var se *storeError
	switch {
	case errors.Is(err, errBusy):
		return DetailBusy
	case errors.As(err, &se):
		return DetailStore
	}
	return DetailRetry
}

// zendeskResult is the Result of o with outcome, before its agent's
// record is read.
func (f *Flow) zendeskResult(o *zdObservation, outcome flow.Outcome, err error, detail string) Result {
	return Result{Time: f.now(), Source: o.source, Kind: o.kind(f.m.Channel), Key: o.eventID, ZendeskAgentID: o.agentID,
		From: o.from, To: o.to, ObservedAt: o.at, Target: f.m.Presence(o.to), Outcome: outcome, Err: err, Detail: detail}
}

// done marks st to be written back as the observation's lease ends, and
// reports res (once it is written: see decide).
func (f *Flow) done(ctx context.Context, st *agentState, res Result) error {
	f.commit(st)
	f.report(ctx, res)
	return nil
}

// applyZendesk applies a Zendesk-side observation to babelforce; the
// caller holds the agent's lease and releases it.
func (f *Flow) applyZendesk(ctx context.Context, st *agentState, o *zdObservation) error {
	now := f.now()
	res := Result{Time: now, Source: o.source, Kind: o.kind(f.m.Channel), Key: o.eventID, ZendeskAgentID: st.id,
		BabelforceAgentID: st.bfID, From: o.from, To: o.to, ObservedAt: o.at}
	target := f.m.Presence(o.to)
	res.Target = target
	// Echoes first: an echo is dropped whatever its time says. The
	// reconciler reads the status; what it reads is never an echo.
	if o.source == SourceZendesk && f.consumeZendeskEcho(st, o, now) {
		// As for babelforce echoes: a late echo of an older status the
		// flow set is not the agent's status now.
		if o.unified && !o.at.Before(st.zdUnifiedAt) {
			st.zdKnown, st.zdKnownAt = NormalizeName(o.to), now
		}
		f.advanceZendesk(st, o)
		res.Outcome, res.Detail = flow.Echo, DetailEchoZendesk
		return f.done(ctx, st, res)
	}
	if o.source == SourceZendesk && f.zendeskDuplicate(st, o) && st.bfPending == "" {
		res.Outcome, res.Detail = flow.Duplicate, DetailAlreadyApplied
		f.report(ctx, res)
		return webhook.ErrDuplicate // answered "duplicate"
		// A duplicate whose change is pending (its send failed in a way
		// that may not have reached babelforce) is decided again: the
		// change is sent again.
	}
	if detail := f.zendeskStale(st, o); detail != "" {
		res.Outcome, res.Detail = flow.Stale, detail
		f.report(ctx, res)
		return nil
	}
	// A channel event that the last unified status accounts for (its
	// channel part, arriving after it) stands for that status: the
	// presence stays the status's ("in_a_meeting"), not the channel
	// state's ("away").
	covered := f.coveredByUnified(st, o)
	if covered {
		target = f.m.Presence(st.zdUnified)
		res.Target = target
	}
	if o.unified {
		st.zdKnown, st.zdKnownAt = NormalizeName(o.to), now
	}
	if !covered {
		st.zdEchoes = nil // a genuine change: earlier sets are no longer expected back
	}
	created := st.version == 0 && !st.abandoned // an abandoned lease's mark is kept
	var err error
	priorBF := st.bfKnown
	if st.abandoned {
		// A lease on the record ended unreleased: its holder may have set
		// a presence it never wrote. babelforce's own is read, and trusted.
		err = f.lookupBabelforceAgent(ctx, st, true)
	} else {
		err = f.resolveBabelforceAgent(ctx, st)
	}
	if err != nil {
		return f.zendeskFailure(ctx, st, o, res, err, created)
	}
	abandoned := st.abandoned
	if abandoned {
		st.abandoned = false // the other side was read
		f.commit(st)
	}
	res.BabelforceAgentID = st.bfID
	f.advanceZendesk(st, o)
	if st.bfPending == "" && f.fresh(st.bfKnownAt, now) && samePresence(st.bfKnown, f.alias(target)) {
		res.Outcome, res.Detail = flow.Unchanged, DetailHasPresence
		if covered {
			res.Detail = f.coveredDetail(st) + "; the babelforce agent already has its presence"
		}
		if abandoned && !samePresence(priorBF, st.bfKnown) {
			// The presence changed since the record last knew it: the
			// holder that abandoned the lease may have set it, and its
			// echo may come, which is no change.
			st.bfEchoes = rememberEcho(st.bfEchoes, bfEcho{presence: NormalizeName(st.bfKnown), at: now}, f.cfg.EchoWindow)
		}
		return f.done(ctx, st, res)
	}
	if abandoned && f.inStepWithPresence(ctx, st, o) {
		// The echo of a status that the abandoned holder set from the
		// presence babelforce has: no change.
		res.Outcome, res.Detail = flow.Unchanged, DetailInStep
		return f.done(ctx, st, res)
	}
	name, err := f.setPresence(ctx, st, target, now)
	if err != nil {
		return f.zendeskFailure(ctx, st, o, res, err, created)
	}
	res.Outcome, res.Target = flow.Applied, name
	var details []string
	if covered {
		details = append(details, f.coveredDetail(st)+"; its presence set again")
	}
	if NormalizeName(name) != NormalizeName(target) {
		details = append(details, "the presence babelforce named "+strconv.Quote(name)+" (found by label)")
	}
	res.Detail = strings.Join(details, "; ")
	return f.done(ctx, st, res)
}

// inStepWithPresence reports whether o's Zendesk state is the one the
// agent's babelforce presence (st.bfKnown, just read) maps to: the two
// sides agree, and setting the presence from o would replace one that
// has no status of its own ("busy", mapped to a fallback) with the
// fallback's.
func (f *Flow) inStepWithPresence(ctx context.Context, st *agentState, o *zdObservation) bool {
	if st.bfKnown == "" {
		return false
	}
	s, _, err := f.statusFor(ctx, st.bfKnown)
	if err != nil || s == nil {
		return false
	}
	if o.unified {
		return NormalizeName(s.Name) == NormalizeName(o.to)
	}
	return ChannelState(s, f.m.Channel) == NormalizeName(o.to)
}

// zendeskFailure reports err and returns what the handler should answer:
// a permanent error (422), nil for an agent to ignore (200), or err (503).
// created says that the observation found no record of the agent: one
// that cannot be acted on leaves none behind.
func (f *Flow) zendeskFailure(ctx context.Context, st *agentState, o *zdObservation, res Result, err error, created bool) error {
	res.Err = err
	var se *storeError
	switch {
	case errors.Is(err, errNoBabelforceAgent) && !f.cfg.RejectUnknownAgents:
		res.Outcome, res.Detail = flow.Ignored, DetailUnknownAgent
		if created {
			f.forget(st)
			f.report(ctx, res)
			return nil
		}
		f.advanceZendesk(st, o)
		return f.done(ctx, st, res)
	case webhook.IsPermanent(err):
		res.Outcome = flow.Rejected
		if created {
			f.forget(st)
		}
	case errors.As(err, &se):
		res.Outcome, res.Detail = flow.Failed, DetailStore
	default:
		res.Outcome = flow.Failed
		res.Detail = DetailRetry
	}
	f.report(ctx, res)
	return err
}

// zendeskStale says why o is older than what was applied for st, or ""
// when it is not. The unified status and the driving channel's state are
// ordered separately, since one change of status may send both events in
// either order and Zendesk does not document that they share a time:
//
//   - a unified status older than the last one applied is stale, and so is
//     one older than the last channel state applied unless that state is
//     the one the status puts the channel in (the channel event of the same
//     change, delivered first);
//   - a channel state older than the last one applied, or than the last
//     unified status applied, is stale; so is one of the same time as the
//     unified status that disagrees with it: the unified status takes
//     precedence (one that agrees is left to coveredByUnified).
func (f *Flow) zendeskStale(st *agentState, o *zdObservation) string {
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	if o.unified {
		switch {
		case o.at.Before(st.zdUnifiedAt):
			return "older than the last unified status applied (" + stamp(st.zdUnifiedAt) + ")"
		case o.at.Before(st.zdChannelAt) && (o.channel == "" || o.channel != st.zdChannel):
			return "older than the last " + f.m.Channel + " state applied (" + st.zdChannel + " at " + stamp(st.zdChannelAt) + ")"
		}
		return ""
	}
	switch {
	case o.at.Before(st.zdChannelAt):
		return "older than the last " + f.m.Channel + " state applied (" + stamp(st.zdChannelAt) + ")"
	case o.at.Before(st.zdUnifiedAt):
		return "older than the last unified status applied (" + stamp(st.zdUnifiedAt) + ")"
	case o.at.Equal(st.zdUnifiedAt) && NormalizeName(o.to) != st.zdUnifiedCh:
		return "the unified status event of the same change took precedence"
	}
	return ""
}

// zendeskDuplicate reports whether o is the Zendesk event last applied
// for st, of its kind, delivered again (a retry, or a replay of a captured
// delivery): the same time and the same state.
func (f *Flow) zendeskDuplicate(st *agentState, o *zdObservation) bool {
	if o.unified {
		return !st.zdUnifiedAt.IsZero() && o.at.Equal(st.zdUnifiedAt) && NormalizeName(o.to) == st.zdUnified
	}
	return !st.zdChannelAt.IsZero() && o.at.Equal(st.zdChannelAt) && NormalizeName(o.to) == st.zdChannel
}

// coveredByUnified reports whether o is a channel event that the agent's
// last unified status already accounts for: the agent sends unified
// status events, the last one applied puts the driving channel in o's
// state, and no channel state that disagrees with it was applied since.
// Such an event adds nothing, and applying it would replace a custom
// status's presence ("in_a_meeting") with the channel state's ("away").
// A channel state that disagrees with the unified status is news, and
// applies.
func (f *Flow) coveredByUnified(st *agentState, o *zdObservation) bool {
	if o.unified || st.zdUnifiedAt.IsZero() || st.zdUnifiedCh == "" || NormalizeName(o.to) != st.zdUnifiedCh {
		return false
	}
	return !st.zdChannelAt.After(st.zdUnifiedAt) || st.zdChannel == st.zdUnifiedCh
}

// coveredDetail explains a channel event that coveredByUnified accepted.
func (f *Flow) coveredDetail(st *agentState) string {
	return fmt.Sprintf("covered by the unified status %q, which puts %s in %s", st.zdUnified, f.m.Channel, st.zdUnifiedCh)
}

// advanceZendesk records o as the last Zendesk-side state of its kind
// applied.
func (f *Flow) advanceZendesk(st *agentState, o *zdObservation) {
	if o.unified {
		if !o.at.Before(st.zdUnifiedAt) {
			st.zdUnified, st.zdUnifiedCh, st.zdUnifiedAt = NormalizeName(o.to), o.channel, o.at
		}
		return
	}
	if !o.at.Before(st.zdChannelAt) {
		st.zdChannel, st.zdChannelAt = NormalizeName(o.to), o.at
	}
}

// consumeZendeskEcho reports whether o is the echo of a status the flow
// set, and marks that part of the echo as seen.
func (f *Flow) consumeZendeskEcho(st *agentState, o *zdObservation, now time.Time) bool {
	st.zdEchoes = slices.DeleteFunc(st.zdEchoes, func(e zdEcho) bool {
		return now.Sub(e.at) > f.cfg.EchoWindow || (e.unifiedSeen && (e.channelSeen || e.channel == ""))
	})
	to := NormalizeName(o.to)
	for i := range st.zdEchoes {
		e := &st.zdEchoes[i]
		switch {
		case o.unified && !e.unifiedSeen && e.status == to:
			e.unifiedSeen = true
			return true
		case !o.unified && !e.channelSeen && e.channel != "" && e.channel == to:
			e.channelSeen = true
			return true
		}
	}
	return false
}

// errNoBabelforceAgent: no babelforce agent has the Zendesk agent id as
// sourceId.
var errNoBabelforceAgent = errors.New("no babelforce agent has this sourceId")

// resolveBabelforceAgent finds st's babelforce agent, from the cache or by
// sourceId.
func (f *Flow) resolveBabelforceAgent(ctx context.Context, st *agentState) error {
	if st.bfID != "" {
		return nil
	}
	return f.lookupBabelforceAgent(ctx, st, false)
}

// lookupBabelforceAgent finds st's babelforce agent by sourceId and keeps
// its id and presence in st (the caller writes st back). The presence read
// replaces the one known unless a change of the flow's is pending; with
// trust it does anyway, and ends a pending change it shows as made.
func (f *Flow) lookupBabelforceAgent(ctx context.Context, st *agentState, trust bool) error {
	a, err := f.cfg.Babelforce.Agents.FindBySourceID(ctx, strconv.FormatInt(st.id, 10))
	if errors.Is(err, deskbridge.ErrNotFound) {
		st.bfID = ""
		return webhook.Permanent(fmt.Errorf("statussync: Zendesk agent %d: %w %d; fix: set the babelforce agent's sourceId to the Zendesk user id", st.id, errNoBabelforceAgent, st.id))
	}
	if err != nil {
		return fmt.Errorf("statussync: looking up the babelforce agent of Zendesk agent %d: %w", st.id, err)
	}
	st.bfID = a.ID
	if a.Presence != nil && a.Presence.Name != "" && (st.bfPending == "" || trust) {
		st.bfKnown, st.bfKnownAt = a.Presence.Name, f.now()
		if samePresence(st.bfPending, a.Presence.Name) {
			st.bfPending = ""
		}
	}
	return nil
}

// setPresence sets st's babelforce presence to target (or the name
// babelforce gave it) and returns the name set. The caller holds the
// agent's lease, so no other observation decides about the agent
// meanwhile: whichever replica the echo reaches waits for the lease, and
// finds the echo in the record written as the lease ends.
//
// A 404 may mean that the cached agent is gone: the agent is looked up
// again and the call repeated once. A 400 or 404 that remains may mean
// that babelforce named the presence differently: the presence is looked
// up by label, and the call repeated with its name. What still fails is
// permanent, with the fix in the error.
func (f *Flow) setPresence(ctx context.Context, st *agentState, target string, now time.Time) (string, error) {
	name := f.alias(target)
	before := savePresence(st)
	f.expectPresence(st, name, now)
	bfID := st.bfID
	_, err := f.cfg.Babelforce.Agents.SetPresence(ctx, bfID, name)
	if err != nil && errors.Is(err, deskbridge.ErrNotFound) {
		if lerr := f.lookupBabelforceAgent(ctx, st, false); lerr != nil {
			f.presenceFailed(st, before, err) // refused: nothing changed
			return name, lerr
		}
		bfID = st.bfID
		_, err = f.cfg.Babelforce.Agents.SetPresence(ctx, bfID, name)
	}
	if err != nil && (errors.Is(err, deskbridge.ErrNotFound) || errors.Is(err, deskbridge.ErrInvalid)) {
		if alt, lerr := f.resolvePresenceByLabel(ctx, target); lerr == nil && alt != "" && alt != name {
			f.presenceFailed(st, before, err)
			st.bfID = bfID
			f.expectPresence(st, alt, now)
			name = alt
			_, err = f.cfg.Babelforce.Agents.SetPresence(ctx, bfID, name)
		}
		if err != nil && (errors.Is(err, deskbridge.ErrNotFound) || errors.Is(err, deskbridge.ErrInvalid)) {
			err = webhook.Permanent(fmt.Errorf("statussync: babelforce refused presence %q for agent %s: %w; fix: create a red presence labelled %q in babelforce (Provision does), or map the Zendesk state to an existing presence in Mapping.Presences",
				name, bfID, err, target))
		}
	}
	// A poll pass that started before the send returned may have read the
	// presence from before it: what it read is older than this change.
	st.bfTouchedAt = maxTime(st.bfTouchedAt, f.now())
	if err != nil {
		f.presenceFailed(st, before, err)
		return name, err
	}
	st.bfID = bfID
	if st.bfPending == name {
		st.bfPending = "" // sent
	}
	return name, nil
}

// expectPresence records in st that the flow sets the presence to name at
// now: the echo it expects, the presence as known (pending until sent),
// and that a poll before now read an older presence.
func (f *Flow) expectPresence(st *agentState, name string, now time.Time) {
	f.commit(st)
	st.sent = true
	st.bfEchoes = rememberEcho(st.bfEchoes, bfEcho{presence: NormalizeName(name), at: now}, f.cfg.EchoWindow)
	st.bfTouchedAt = now
	st.bfKnown, st.bfKnownAt = name, now
	// babelforce reports times in milliseconds: a change it reports in
	// the same millisecond as this one is not taken for an older one.
	st.lastBF = maxTime(st.lastBF, now.Truncate(time.Millisecond))
	if st.polledOK {
		st.polled = name
	}
	st.bfSet, st.bfSetAt, st.bfPending = name, now, name
}

// presenceFailed undoes in st what expectPresence wrote (back to
// before) for a presence that was not set. A refusal (4xx) of a request
// sent once changed nothing: its echo will not come, the presence is
// what it was, and nothing was sent (see finish). Any other failure
// (one that a retry of the request answered 4xx included) may have been
// carried out, and leaves the echo and the presence pending: the retry
// sends it again.
func (f *Flow) presenceFailed(st *agentState, before presenceState, err error) {
	var berr *babelforce.Error
	if !errors.As(err, &berr) || !refusal(&berr.APIError) {
		return
	}
	before.restore(st)
	st.bfPending = "" // the refused change replaces any pending one: a refusal is not retried
	st.sent = false
}

// refusal reports whether e is a vendor's refusal of a request sent once:
// a 4xx other than 429, so that nothing changed.
func refusal(e *deskbridge.APIError) bool {
	return e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != http.StatusTooManyRequests && e.Attempts <= 1
}

// presenceState is what expectPresence changes in an agent's record.
type presenceState struct {
	echoes                            []bfEcho
	polled, known, set, pending       string
	knownAt, lastBF, touchedAt, setAt time.Time
}

// savePresence returns what expectPresence would change in st.
func savePresence(st *agentState) presenceState {
	return presenceState{echoes: slices.Clone(st.bfEchoes), polled: st.polled, known: st.bfKnown, set: st.bfSet, pending: st.bfPending,
		knownAt: st.bfKnownAt, lastBF: st.lastBF, touchedAt: st.bfTouchedAt, setAt: st.bfSetAt}
}

// restore puts p back into st.
func (p presenceState) restore(st *agentState) {
	st.bfEchoes, st.polled, st.bfKnown, st.bfSet, st.bfPending = p.echoes, p.polled, p.known, p.set, p.pending
	st.bfKnownAt, st.lastBF, st.bfTouchedAt, st.bfSetAt = p.knownAt, p.lastBF, p.touchedAt, p.setAt
}

// rememberEcho returns list with echo, a change the flow made, added for
// consumeBabelforceEcho or consumeZendeskEcho: the entries older than
// window at echo's time go first, and the oldest go when maxEchoes are
// kept. Entries of the same value are kept apart: each change is expected
// back once (see maxEchoes).
func rememberEcho[E interface{ sentAt() time.Time }](list []E, echo E, window time.Duration) []E {
	list = slices.DeleteFunc(list, func(e E) bool { return echo.sentAt().Sub(e.sentAt()) > window })
	if len(list) >= maxEchoes {
		list = slices.Delete(list, 0, len(list)-maxEchoes+1)
	}
	return append(list, echo)
}

// samePresence compares presence names as the flow does.
func samePresence(a, b string) bool { return a != "" && NormalizeName(a) == NormalizeName(b) }

// alias returns the name babelforce gave the presence the mapping calls
// name, when Check or a refused change found it by label.
func (f *Flow) alias(name string) string {
	f.aliasMu.RLock()
	defer f.aliasMu.RUnlock()
	if a, ok := f.aliases[NormalizeName(name)]; ok {
		return a
	}
	return name
}

// resolvePresenceByLabel reads babelforce's presences and returns the name
// of the one whose name or label normalises to target's, remembering it.
func (f *Flow) resolvePresenceByLabel(ctx context.Context, target string) (string, error) {
	list, err := f.cfg.Babelforce.Presences.List(ctx)
	if err != nil {
		return "", err
	}
	p := findPresence(list, target)
	if p == nil {
		return "", nil
	}
	f.setAlias(target, p.Name)
	return p.Name, nil
}

func (f *Flow) setAlias(target, name string) {
	f.aliasMu.Lock()
	defer f.aliasMu.Unlock()
	if len(f.aliases) >= maxAliases {
		clear(f.aliases)
		clear(f.unaliases)
	}
	t, n := NormalizeName(target), NormalizeName(name)
	if old, ok := f.aliases[t]; ok {
		delete(f.unaliases, NormalizeName(old))
	}
	if t == n {
		delete(f.aliases, t)
		return
	}
	f.aliases[t] = name
	f.unaliases[n] = t
}

// unalias returns the name the mapping knows a presence by: the inverse
// of alias.
func (f *Flow) unalias(name string) string {
	f.aliasMu.RLock()
	defer f.aliasMu.RUnlock()
	if t, ok := f.unaliases[NormalizeName(name)]; ok {
		return t
	}
	return name
}

// findPresence returns the presence named name, else the one whose label
// normalises to name's normal form.
func findPresence(list []*babelforce.Presence, name string) *babelforce.Presence {
	k := NormalizeName(name)
	for _, p := range list {
		if p != nil && NormalizeName(p.Name) == k {
			return p
		}
	}
	for _, p := range list {
		if p != nil && p.Label != "" && NormalizeName(p.Label) == k {
			return p
		}
	}
	return nil
}
