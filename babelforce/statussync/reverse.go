package statussync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// bfObservation is a babelforce presence change reduced to what the flow
// needs.
type bfObservation struct {
	source   Source
	eventID  string
	presence string
	from     string
	at       time.Time
}

// observeBabelforce decides on o about the Zendesk agent zid holding
// its lease, as observeZendesk does. bfID, when known, is the babelforce
// agent's id. It returns the outcome reported. An automation call waits
// for a lease another observation holds (see acquire); the poller and
// the reconciler do not.
func (f *Flow) observeBabelforce(ctx context.Context, zid int64, bfID string, o *bfObservation) (flow.Outcome, error) {
	var out flow.Outcome
	decided, err := f.decide(ctx, zid, o.source == SourceAutomation, func(ctx context.Context, st *agentState) error {
		var err error
		out, err = f.observeLeased(ctx, st, bfID, o)
		return err
	})
	if !decided {
		res := f.babelforceResult(zid, bfID, o)
		res.Detail = failedDetail(err)
		res.Err, res.Outcome = err, flow.Failed
		f.report(ctx, res)
		return res.Outcome, err
	}
	var se *storeError
	if err != nil && (out == "" || errors.As(err, &se)) {
		out = flow.Failed // as reported: the record could not be written
	}
	return out, err
}

// observeLeased applies o to st, whose lease the caller holds.
func (f *Flow) observeLeased(ctx context.Context, st *agentState, bfID string, o *bfObservation) (flow.Outcome, error) {
	if bfID != "" && st.bfID != bfID {
		st.bfID = bfID
		f.commit(st)
	}
	if o.source != SourcePoller && !samePresence(st.bfKnown, o.presence) {
		o.from = st.bfKnown
	}
	return f.applyBabelforce(ctx, st, o)
}

// babelforceResult is the Result of o before its agent's record is read.
func (f *Flow) babelforceResult(zid int64, bfID string, o *bfObservation) Result {
	return Result{Time: f.now(), Source: o.source, Kind: "presence", Key: o.eventID, ZendeskAgentID: zid,
		BabelforceAgentID: bfID, From: o.from, To: o.presence, ObservedAt: o.at}
}

// applyBabelforce applies a babelforce-side observation to Zendesk and
// returns the outcome; the caller holds the agent's lease and releases it.
func (f *Flow) applyBabelforce(ctx context.Context, st *agentState, o *bfObservation) (flow.Outcome, error) {
	now := f.now()
	res := Result{Time: now, Source: o.source, Kind: "presence", Key: o.eventID, ZendeskAgentID: st.id,
		BabelforceAgentID: st.bfID, From: o.from, To: o.presence, ObservedAt: o.at}
	// touch records that the presence o reports is current, when it is:
	// a poll that read it before now is older, and the poller need not
	// report it again.
	touch := func() {
		if o.source != SourcePoller && samePresence(st.bfKnown, o.presence) {
			st.bfTouchedAt = now
			if st.polledOK {
				st.polled = o.presence
			}
		}
	}
	// Echoes first: an echo is dropped whatever its time says. The poller
	// never sees the flow's own changes (they update what it last saw), so
	// what it reports is never an echo.
	if o.source != SourcePoller && f.consumeBabelforceEcho(st, o.presence, now) {
		// The echo says what babelforce had at o.at: the presence now only
		// if the flow has not set (or seen) a newer one since. A late echo
		// of an older set must not pass for the current presence, or the
		// next change to that presence would be skipped as unchanged.
		if !o.at.Before(st.lastBF) {
			st.bfKnown, st.bfKnownAt = o.presence, now
		}
		st.lastBF = maxTime(st.lastBF, o.at)
		touch()
		res.Outcome, res.Detail = flow.Echo, DetailEchoPresence
		return res.Outcome, f.done(ctx, st, res)
	}
	if o.source == SourceAutomation && o.at.Equal(st.lastBF) && samePresence(st.bfKnown, o.presence) && st.zdPending == "" {
		// The change last applied from babelforce, delivered again. One
		// whose change is pending (its send failed in a way that may not
		// have reached Zendesk) is decided again: the change is sent again.
		res.Outcome, res.Detail = flow.Duplicate, DetailAlreadyApplied
		f.report(ctx, res)
		return res.Outcome, nil
	}
	if o.at.Before(st.lastBF) {
		res.Outcome, res.Detail = flow.Stale, "older than the last babelforce presence applied ("+st.lastBF.UTC().Format(time.RFC3339Nano)+")"
		f.report(ctx, res)
		return res.Outcome, nil
	}
	created := st.version == 0 && !st.abandoned // an abandoned lease's mark is kept
	st.bfEchoes = nil                           // a genuine change: earlier sets are no longer expected back
	st.bfKnown, st.bfKnownAt = o.presence, now
	st.bfPending = ""

	target, fellBack, err := f.statusFor(ctx, o.presence)
	if err != nil {
		return f.babelforceFailure(ctx, st, res, err, created)
	}
	res.Target = statusLabel(target)
	if fellBack {
		res.Detail = "no Zendesk status of this name: fallback"
	}
	if st.abandoned || (st.zdUnifiedAt.IsZero() && st.zdChannelAt.IsZero()) {
		// The record holds no Zendesk-side time (a new agent, or a store
		// that lost its records), or a lease on it ended unreleased (its
		// holder may have set a status it never wrote): Zendesk's own
		// status, and its time, tell whether this change is older than the
		// agent's last change there, which it must not overwrite.
		priorZD := st.zdKnown
		av, err := f.cfg.Zendesk.Availability.Get(ctx, st.id)
		if err != nil && st.abandoned {
			// Deciding blind could overwrite the agent's own status with
			// the echo of the abandoned holder's change: the sender retries.
			return f.babelforceFailure(ctx, st, res, fmt.Errorf("statussync: reading Zendesk agent %d's status after a lost lease: %w", st.id, err), created)
		}
		if err == nil && av.AgentStatus != nil && av.AgentStatus.Name != "" {
			abandoned := st.abandoned
			if abandoned {
				st.abandoned = false // the other side was read
				f.commit(st)
			}
			zs := av.AgentStatus
			st.zdKnown, st.zdKnownAt = NormalizeName(zs.Name), now
			if zs.UpdatedAt.After(st.zdUnifiedAt) {
				st.zdUnified, st.zdUnifiedCh, st.zdUnifiedAt = NormalizeName(zs.Name), "", zs.UpdatedAt
			}
			switch {
			case abandoned && (NormalizeName(zs.Name) == NormalizeName(target.Name) || samePresence(f.m.Presence(zs.Name), f.unalias(o.presence))):
				// The two sides agree: the abandoned holder may have set
				// one from the other. When Zendesk's status is this
				// presence's and changed since the record last knew it,
				// the holder may have set it, and its echo may come, which
				// is no change.
				if NormalizeName(zs.Name) == NormalizeName(target.Name) && priorZD != NormalizeName(zs.Name) {
					st.zdEchoes = rememberEcho(st.zdEchoes, zdEcho{status: NormalizeName(zs.Name), channel: ChannelState(target, f.m.Channel), at: now}, f.cfg.EchoWindow)
				}
				st.lastBF = maxTime(st.lastBF, o.at)
				touch()
				res.Outcome, res.Detail = flow.Unchanged, DetailInStep
				return res.Outcome, f.done(ctx, st, res)
			case zs.UpdatedAt.After(o.at):
				touch()
				res.Outcome = flow.Stale
				res.Detail = fmt.Sprintf("older than the agent's Zendesk status %q (%s)", zs.Name, zs.UpdatedAt.UTC().Format(time.RFC3339Nano))
				return res.Outcome, f.done(ctx, st, res)
			}
		}
	}
	if st.zdPending == "" && f.fresh(st.zdKnownAt, now) && st.zdKnown == NormalizeName(target.Name) {
		st.lastBF = maxTime(st.lastBF, o.at)
		touch()
		res.Outcome, res.Detail = flow.Unchanged, DetailHasStatus
		return res.Outcome, f.done(ctx, st, res)
	}
	// The change is recorded with the echo it causes, the status pending
	// until sent; the record is written as the lease ends, before
	// whichever replica the echo reaches can read it.
	echo := zdEcho{status: NormalizeName(target.Name), channel: ChannelState(target, f.m.Channel), at: now}
	before := saveStatus(st)
	st.zdEchoes = rememberEcho(st.zdEchoes, echo, f.cfg.EchoWindow)
	st.zdKnown, st.zdKnownAt = echo.status, now
	// The flow's change is the agent's latest unified status.
	st.zdUnified, st.zdUnifiedCh, st.zdUnifiedAt = echo.status, echo.channel, maxTime(st.zdUnifiedAt, now)
	st.lastBF = maxTime(st.lastBF, o.at)
	st.zdSet, st.zdSetAt, st.zdPending = echo.status, now, echo.status
	touch()
	f.commit(st)
	st.sent = true
	got, err := f.cfg.Zendesk.Availability.SetAgentStatus(ctx, st.id, target.ID)
	if err != nil {
		var zerr *zendesk.Error
		if errors.As(err, &zerr) && refusal(&zerr.APIError) {
			// Nothing changed: its echo will not come, the Zendesk side is
			// what it was, and nothing was sent (see finish). What the
			// observation says of babelforce stays.
			before.restore(st)
			st.zdPending = "" // the refused change replaces any pending one: a refusal is not retried
			st.sent = false
			if errors.Is(err, deskbridge.ErrNotFound) || errors.Is(err, deskbridge.ErrInvalid) || errors.Is(err, deskbridge.ErrForbidden) {
				err = webhook.Permanent(fmt.Errorf("statussync: Zendesk refused status %s for agent %d: %w; fix: check that the babelforce agent's sourceId is the Zendesk user id of an agent allowed this status", res.Target, st.id, err))
			}
		}
		return f.babelforceFailure(ctx, st, res, err, created)
	}
	st.zdPending = "" // sent
	if got != nil && !got.UpdatedAt.IsZero() {
		st.zdUnifiedAt = maxTime(st.zdUnifiedAt, got.UpdatedAt)
	}
	res.Outcome = flow.Applied
	return res.Outcome, f.done(ctx, st, res)
}

// statusState is what applyBabelforce changes on the Zendesk side of an
// agent's record when it sets a status.
type statusState struct {
	echoes                         []zdEcho
	known, unified, unifiedCh, set string
	pending                        string
	knownAt, unifiedAt, setAt      time.Time
}

// saveStatus returns the Zendesk side of st that a status set changes.
func saveStatus(st *agentState) statusState {
	return statusState{echoes: slices.Clone(st.zdEchoes), known: st.zdKnown, unified: st.zdUnified, unifiedCh: st.zdUnifiedCh, set: st.zdSet,
		pending: st.zdPending, knownAt: st.zdKnownAt, unifiedAt: st.zdUnifiedAt, setAt: st.zdSetAt}
}

// restore puts s back into st.
func (s statusState) restore(st *agentState) {
	st.zdEchoes, st.zdKnown, st.zdUnified, st.zdUnifiedCh, st.zdSet = s.echoes, s.known, s.unified, s.unifiedCh, s.set
	st.zdPending, st.zdKnownAt, st.zdUnifiedAt, st.zdSetAt = s.pending, s.knownAt, s.unifiedAt, s.setAt
}

// babelforceFailure reports a failed observation; one that found no
// record and cannot be applied (a permanent error) leaves none behind.
func (f *Flow) babelforceFailure(ctx context.Context, st *agentState, res Result, err error, created bool) (flow.Outcome, error) {
	if created && webhook.IsPermanent(err) {
		f.forget(st)
	}
	return f.fail(ctx, res, err)
}

// fail reports res as stopped by err and returns its outcome and err.
func (f *Flow) fail(ctx context.Context, res Result, err error) (flow.Outcome, error) {
	res.Err, res.Outcome = err, failureOutcome(err)
	var se *storeError
	if errors.As(err, &se) {
		res.Detail = DetailStore
	}
	f.report(ctx, res)
	return res.Outcome, err
}

// failureOutcome is the outcome of an observation that err stopped:
// [flow.Rejected] when retrying cannot help (a permanent error), else [flow.Failed].
func failureOutcome(err error) flow.Outcome {
	if webhook.IsPermanent(err) {
		return flow.Rejected
	}
	return flow.Failed
}

// consumeBabelforceEcho reports whether a presence observation is the echo
// of a presence the flow set, and forgets that echo.
func (f *Flow) consumeBabelforceEcho(st *agentState, presence string, now time.Time) bool {
	st.bfEchoes = slices.DeleteFunc(st.bfEchoes, func(e bfEcho) bool { return now.Sub(e.at) > f.cfg.EchoWindow })
	p := NormalizeName(presence)
	for i, e := range st.bfEchoes {
		if e.presence == p {
			st.bfEchoes = slices.Delete(st.bfEchoes, i, i+1)
			return true
		}
	}
	return false
}

// statusFor resolves a presence to a Zendesk unified status, reading the
// statuses when they were never read, or when the presence's own status is
// missing (a custom status may have been added since) and was not missing
// at a read in the last minute: babelforce's "busy", which has no status,
// costs one read a minute, not one per change.
func (f *Flow) statusFor(ctx context.Context, presence string) (*zendesk.UnifiedStatus, bool, error) {
	f.statusMu.Lock()
	defer f.statusMu.Unlock()
	loaded := false
	if f.statuses == nil {
		if err := f.loadStatusesLocked(ctx); err != nil {
			return nil, false, err
		}
		loaded = true
	}
	presence = f.unalias(presence)
	st, fellBack, err := f.m.Status(presence, f.statuses)
	if err != nil || fellBack {
		k := NormalizeName(presence)
		if last, ok := f.missed[k]; !loaded && (!ok || f.now().Sub(last) >= statusRefreshMin) {
			if lerr := f.loadStatusesLocked(ctx); lerr != nil {
				return nil, false, lerr
			}
			st, fellBack, err = f.m.Status(presence, f.statuses)
		}
		if err != nil || fellBack {
			f.markMissed(k, f.now())
		}
	}
	if err != nil {
		return nil, false, webhook.Permanent(fmt.Errorf("%w; fix: create the Zendesk status, or map the presence in Mapping.Statuses", err))
	}
	return st, fellBack, nil
}

// loadStatusesLocked reads Zendesk's unified statuses; statusMu is held.
func (f *Flow) loadStatusesLocked(ctx context.Context) error {
	var all []*zendesk.UnifiedStatus
	for s, err := range f.cfg.Zendesk.Availability.Statuses(ctx, nil) {
		if err != nil {
			return fmt.Errorf("statussync: reading Zendesk's unified statuses: %w", err)
		}
		all = append(all, s)
	}
	if all == nil {
		all = []*zendesk.UnifiedStatus{}
	}
	f.statuses, f.statusesAt = all, f.now()
	return nil
}

// unifiedChannelState returns the state that the unified status of the
// event (id and name) puts the driving channel in, or "" when unknown. A
// default status ("away") puts it in the state of its name. A custom
// status's mapping comes from Zendesk's statuses, read when they were
// never read or lack the status, at most once a minute per missing name
// and once a minute after a failed read: ordering falls back to the
// events' times when the mapping is unknown, and a Zendesk that does not
// answer does not hold up babelforce.
func (f *Flow) unifiedChannelState(ctx context.Context, id int64, name string) string {
	k := NormalizeName(name)
	if slices.Contains(channelStates, k) {
		return k
	}
	f.statusMu.Lock()
	defer f.statusMu.Unlock()
	find := func() *zendesk.UnifiedStatus {
		if id > 0 {
			for _, s := range f.statuses {
				if s != nil && s.ID == id {
					return s
				}
			}
		}
		return findStatus(f.statuses, name)
	}
	if s := find(); s != nil {
		return ChannelState(s, f.m.Channel)
	}
	now := f.now()
	if last, ok := f.missed[k]; ok && now.Sub(last) < statusRefreshMin {
		return ""
	}
	if !f.statusesFailedAt.IsZero() && now.Sub(f.statusesFailedAt) < statusRefreshMin {
		return ""
	}
	if err := f.loadStatusesLocked(ctx); err != nil {
		if ctx.Err() == nil {
			f.statusesFailedAt = now
		}
		f.log.WarnContext(ctx, "statussync: cannot read Zendesk's unified statuses to order channel events; ordering by time", "error", err.Error())
		return ""
	}
	f.statusesFailedAt = time.Time{}
	if s := find(); s != nil {
		return ChannelState(s, f.m.Channel)
	}
	f.markMissed(k, now)
	return ""
}

// statusLabel formats a status as "name (id)".
func statusLabel(s *zendesk.UnifiedStatus) string {
	return s.Name + " (" + strconv.FormatInt(s.ID, 10) + ")"
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// markMissed records that a read of the statuses found none named k at t;
// statusMu is held. Names come from outside, so the map starts afresh
// past maxMissed.
func (f *Flow) markMissed(k string, t time.Time) {
	if len(f.missed) >= maxMissed {
		clear(f.missed)
	}
	f.missed[k] = t
}
