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
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Flow keeps an agent's Zendesk status and babelforce presence in step.
// Build it with [New]; it is safe for concurrent use: the two handlers, the
// poller and [Flow.ApplyPresence] may run at once. Each agent's observations
// are handled one at a time (a lock per agent), so concurrent deliveries
// about one agent cannot interleave; different agents proceed in parallel.
//
// A [Flow] keeps a small record per agent it has seen (by Zendesk agent id)
// for as long as it lives: the last state and time applied on each side,
// and the changes it made that it expects back as echoes, at most one per
// target value, none older than [Config].EchoWindow, and a few at most. Its
// memory grows with the number of agents, not with the number of changes,
// whether or not the echoes ever come back.
type Flow struct {
	cfg Config
	m   Mapping
	log *slog.Logger
	now func() time.Time

	zendeskHandler    http.Handler
	automationHandler http.Handler

	mu       sync.Mutex
	agents   map[int64]*agentState // by Zendesk agent id
	bfAgents map[string]int64      // babelforce agent id → Zendesk agent id

	statusMu   sync.Mutex
	statuses   []*zendesk.UnifiedStatus
	statusesAt time.Time
	missed     map[string]time.Time // presence → when a read last found no status of its name
	// statusesFailedAt is when reading the statuses for
	// unifiedChannelState last failed (zero after a success).
	statusesFailedAt time.Time

	aliasMu   sync.RWMutex
	aliases   map[string]string // mapped presence name → the name babelforce gave it
	unaliases map[string]string // the reverse, by normalised name
}

// agentState is what the flow knows about one agent. Its fields are
// guarded by mu, which is held while an observation about the agent is
// handled (calls to either side included).
type agentState struct {
	mu sync.Mutex
	id int64 // Zendesk agent (user) id

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
// each a [*ConfigError] saying what to fix.
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
		agents:    map[int64]*agentState{},
		bfAgents:  map[string]int64{},
		aliases:   map[string]string{},
		unaliases: map[string]string{},
		missed:    map[string]time.Time{},
	}
	opts := []webhook.Option{webhook.WithRetryAfter(cfg.RetryAfter), webhook.WithLogger(cfg.Logger)}
	zdDedupe := cfg.ZendeskDeduper
	if zdDedupe == nil {
		zdDedupe = &webhook.MemoryDeduper{Now: cfg.Now}
	}
	f.zendeskHandler = webhook.NewZendeskHandler(
		webhook.ZendeskVerifier{Secrets: cfg.ZendeskSecrets, Now: cfg.Now},
		f.handleZendeskEvent,
		append(slices.Clone(opts), webhook.WithDeduper(zdDedupe),
			webhook.WithAcceptedTypes(webhook.ZendeskTypeAgentStateChanged, webhook.ZendeskTypeAgentUnifiedStateChanged))...,
	)
	autoDedupe := cfg.AutomationDeduper
	if autoDedupe == nil {
		autoDedupe = &webhook.MemoryDeduper{Now: cfg.Now}
	}
	f.automationHandler = webhook.NewHandler(cfg.AutomationAuth, decodePresenceEvent, f.handlePresenceEvent,
		append(opts, webhook.WithDeduper(autoDedupe))...)
	return f, nil
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

// agent returns the state of the Zendesk agent id, creating it.
func (f *Flow) agent(id int64) *agentState {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.agents[id]
	if st == nil {
		st = &agentState{id: id}
		f.agents[id] = st
	}
	return st
}

// setBabelforceID records the babelforce agent id of st; st.mu is held.
func (f *Flow) setBabelforceID(st *agentState, bfID string) {
	if st.bfID == bfID {
		return
	}
	f.mu.Lock()
	if st.bfID != "" {
		delete(f.bfAgents, st.bfID)
	}
	if bfID != "" {
		f.bfAgents[bfID] = st.id
	}
	f.mu.Unlock()
	st.bfID = bfID
}

// report logs a decision and hands it to OnResult.
func (f *Flow) report(ctx context.Context, r Result) {
	level := slog.LevelDebug
	switch r.Outcome {
	case Applied:
		level = slog.LevelInfo
	case Rejected, Ignored:
		level = slog.LevelWarn
		if r.Outcome == Ignored && r.Err == nil {
			level = slog.LevelDebug
		}
	case Failed:
		level = slog.LevelError
	}
	if f.log.Enabled(ctx, level) {
		attrs := []slog.Attr{
			slog.String("source", string(r.Source)), slog.String("kind", r.Kind), slog.String("outcome", string(r.Outcome)),
			slog.Int64("zendesk_agent_id", r.ZendeskAgentID), slog.String("babelforce_agent_id", r.BabelforceAgentID),
			slog.String("from", r.From), slog.String("to", r.To), slog.String("target", r.Target),
		}
		if r.EventID != "" {
			attrs = append(attrs, slog.String("event_id", r.EventID))
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
			f.report(ctx, Result{Time: f.now(), Source: SourceZendesk, Kind: "agent.state_changed (" + p.Channel + ")", EventID: ev.ID,
				ZendeskAgentID: p.AgentID, From: p.PreviousState, To: p.NewState, ObservedAt: p.UpdatedAt, Outcome: Ignored,
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
		f.report(ctx, Result{Time: f.now(), Source: SourceZendesk, Kind: o.kind(f.m.Channel), EventID: ev.ID, ZendeskAgentID: o.agentID,
			Outcome: Rejected, Err: err})
		return err
	}
	st := f.agent(o.agentID)
	st.mu.Lock()
	defer st.mu.Unlock()
	return f.applyZendesk(ctx, st, &o)
}

// applyZendesk applies a Zendesk-side observation to babelforce; st.mu is
// held.
func (f *Flow) applyZendesk(ctx context.Context, st *agentState, o *zdObservation) error {
	now := f.now()
	res := Result{Time: now, Source: SourceZendesk, Kind: o.kind(f.m.Channel), EventID: o.eventID, ZendeskAgentID: st.id,
		BabelforceAgentID: st.bfID, From: o.from, To: o.to, ObservedAt: o.at}
	target := f.m.Presence(o.to)
	res.Target = target
	// Echoes first: an echo is dropped whatever its time says.
	if f.consumeZendeskEcho(st, o, now) {
		// As for babelforce echoes: a late echo of an older status the
		// flow set is not the agent's status now.
		if o.unified && !o.at.Before(st.zdUnifiedAt) {
			st.zdKnown, st.zdKnownAt = NormalizeName(o.to), now
		}
		f.advanceZendesk(st, o)
		res.Outcome, res.Detail = Echo, "the flow set this Zendesk status"
		f.report(ctx, res)
		return nil
	}
	if detail := f.zendeskStale(st, o); detail != "" {
		res.Outcome, res.Detail = Stale, detail
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

	if err := f.resolveBabelforceAgent(ctx, st); err != nil {
		return f.zendeskFailure(ctx, st, o, res, err)
	}
	res.BabelforceAgentID = st.bfID
	if f.fresh(st.bfKnownAt, now) && samePresence(st.bfKnown, f.alias(target)) {
		f.advanceZendesk(st, o)
		res.Outcome, res.Detail = Unchanged, "the babelforce agent already has this presence"
		if covered {
			res.Detail = f.coveredDetail(st) + "; the babelforce agent already has its presence"
		}
		f.report(ctx, res)
		return nil
	}
	name, err := f.setPresence(ctx, st, target, now)
	if err != nil {
		return f.zendeskFailure(ctx, st, o, res, err)
	}
	f.advanceZendesk(st, o)
	res.Outcome, res.Target = Applied, name
	var details []string
	if covered {
		details = append(details, f.coveredDetail(st)+"; its presence set again")
	}
	if NormalizeName(name) != NormalizeName(target) {
		details = append(details, "the presence babelforce named "+strconv.Quote(name)+" (found by label)")
	}
	res.Detail = strings.Join(details, "; ")
	f.report(ctx, res)
	return nil
}

// zendeskFailure reports err and returns what the handler should answer:
// a permanent error (422), nil for an agent to ignore (200), or err (503).
func (f *Flow) zendeskFailure(ctx context.Context, st *agentState, o *zdObservation, res Result, err error) error {
	res.Err = err
	switch {
	case errors.Is(err, errNoBabelforceAgent) && !f.cfg.RejectUnknownAgents:
		f.advanceZendesk(st, o)
		res.Outcome, res.Detail = Ignored, "no babelforce agent has this Zendesk agent's id as sourceId"
		f.report(ctx, res)
		return nil
	case webhook.IsPermanent(err):
		res.Outcome = Rejected
	default:
		res.Outcome = Failed
		res.Detail = "the sender is asked to retry"
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
// sourceId; st.mu is held.
func (f *Flow) resolveBabelforceAgent(ctx context.Context, st *agentState) error {
	if st.bfID != "" {
		return nil
	}
	return f.lookupBabelforceAgent(ctx, st)
}

func (f *Flow) lookupBabelforceAgent(ctx context.Context, st *agentState) error {
	a, err := f.cfg.Babelforce.Agents.FindBySourceID(ctx, strconv.FormatInt(st.id, 10))
	if errors.Is(err, deskbridge.ErrNotFound) {
		f.setBabelforceID(st, "")
		return webhook.Permanent(fmt.Errorf("statussync: Zendesk agent %d: %w %d; fix: set the babelforce agent's sourceId to the Zendesk user id", st.id, errNoBabelforceAgent, st.id))
	}
	if err != nil {
		return fmt.Errorf("statussync: looking up the babelforce agent of Zendesk agent %d: %w", st.id, err)
	}
	f.setBabelforceID(st, a.ID)
	if a.Presence != nil && a.Presence.Name != "" {
		st.bfKnown, st.bfKnownAt = a.Presence.Name, f.now()
	}
	return nil
}

// setPresence sets st's babelforce presence to target (or the name
// babelforce gave it) and returns the name set; st.mu is held.
//
// A 404 may mean that the cached agent is gone: the agent is looked up
// again and the call repeated once. A 400 or 404 that remains may mean
// that babelforce named the presence differently: the presence is looked
// up by label, and the call repeated with its name. What still fails is
// permanent, with the fix in the error.
func (f *Flow) setPresence(ctx context.Context, st *agentState, target string, now time.Time) (string, error) {
	name := f.alias(target)
	err := f.putPresence(ctx, st, name, now)
	if err != nil && errors.Is(err, deskbridge.ErrNotFound) {
		if lerr := f.lookupBabelforceAgent(ctx, st); lerr != nil {
			return name, lerr
		}
		err = f.putPresence(ctx, st, name, now)
	}
	if err != nil && (errors.Is(err, deskbridge.ErrNotFound) || errors.Is(err, deskbridge.ErrInvalid)) {
		if alt, lerr := f.resolvePresenceByLabel(ctx, target); lerr == nil && alt != "" && alt != name {
			name = alt
			err = f.putPresence(ctx, st, name, now)
		}
		if err != nil && (errors.Is(err, deskbridge.ErrNotFound) || errors.Is(err, deskbridge.ErrInvalid)) {
			return name, webhook.Permanent(fmt.Errorf("statussync: babelforce refused presence %q for agent %s: %w; fix: create a red presence labelled %q in babelforce (Provision does), or map the Zendesk state to an existing presence in Mapping.Presences",
				name, st.bfID, err, target))
		}
	}
	return name, err
}

// putPresence sends one presence change, expecting its echo.
func (f *Flow) putPresence(ctx context.Context, st *agentState, name string, now time.Time) error {
	echo := bfEcho{presence: NormalizeName(name), at: now}
	st.bfEchoes = rememberEcho(st.bfEchoes, echo, f.cfg.EchoWindow)
	st.bfTouchedAt = now
	_, err := f.cfg.Babelforce.Agents.SetPresence(ctx, st.bfID, name)
	if err != nil {
		var berr *babelforce.Error
		if errors.As(err, &berr) && berr.StatusCode >= 400 && berr.StatusCode < 500 && berr.StatusCode != http.StatusTooManyRequests {
			// Refused: nothing changed, so nothing will come back.
			if i := slices.Index(st.bfEchoes, echo); i >= 0 {
				st.bfEchoes = slices.Delete(st.bfEchoes, i, i+1)
			}
		}
		return err
	}
	st.bfKnown, st.bfKnownAt = name, now
	// babelforce reports times in milliseconds: a change it reports in
	// the same millisecond as this one is not taken for an older one.
	st.lastBF = maxTime(st.lastBF, now.Truncate(time.Millisecond))
	if st.polledOK {
		st.polled = name
	}
	return nil
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
