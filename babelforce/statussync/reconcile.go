package statussync

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Reconcile repairs drift from Zendesk to babelforce that outlived the
// Zendesk webhook's retries: it reads every babelforce agent whose
// sourceId is a Zendesk user id and every Zendesk agent's availability,
// and for each agent whose two sides disagree under the mapping and whose
// Zendesk status the flow has not applied (the events were lost: after
// its last failed delivery Zendesk shows "away" and babelforce still
// "available") or whose last presence change failed in a way that may not
// have reached babelforce, it
// sets the babelforce presence as [Flow.ZendeskHandler] would have. Each
// repair is reported to [Config].OnResult with [SourceReconciler].
//
// A disagreement whose Zendesk side the flow has applied is a babelforce
// change on its way to Zendesk (the automation or the poller carries it),
// and is left alone: the reconciler never overwrites an agent's own
// change in babelforce. A babelforce change whose send to Zendesk failed
// for good (the automation gave up) is carried to
// Zendesk instead, as the poller would carry it. The observation time of what a pass reads is when
// the pass started, so an event applied since then is newer and wins.
//
// An agent whose record knows nothing of its Zendesk side (the flow never
// saw it, or lost its record: a restart on a [store.Memory], Retention
// expired, a Redis back empty) is a baseline, as an agent the poller sees
// for the first time is: what the pass read of both sides is recorded (the Zendesk side as
// the reconciler's own sight, not as applied, so that a Zendesk event of
// that change still on its way is applied when it comes) and reported
// with [Baseline], and nothing is set, since a disagreement may then be
// the agent's own change in babelforce on its way to Zendesk. Drift is a
// Zendesk status that differs from the one the record holds as applied,
// or, when none is, from the baseline; it is repaired at a later pass.
// So each pass reads the record of every agent found on both sides (one
// store round trip each), and takes the lease (two
// more) only of an agent that needs a decision: one whose sides disagree,
// or that it has not yet taken a baseline of. An agent whose lease
// another observation holds is left to the next pass.
//
// Reconcile returns the error of either list, or the failures of the pass
// joined.
func (f *Flow) Reconcile(ctx context.Context) error {
	start := f.now()
	statuses, err := f.loadedStatuses(ctx)
	if err != nil {
		return err
	}
	bf := map[int64]*babelforce.Agent{}
	for a, err := range f.cfg.Babelforce.Agents.List(ctx, &babelforce.AgentListOptions{Max: pollPageSize}) {
		if err != nil {
			return fmt.Errorf("statussync: reconciling: listing babelforce agents: %w", err)
		}
		if zid, perr := strconv.ParseInt(strings.TrimSpace(a.SourceID), 10, 64); perr == nil && zid > 0 && a.Presence != nil && a.Presence.Name != "" {
			bf[zid] = a
		}
	}
	// What the pass learns of babelforce is known as of the end of the
	// list, not of its start: a poll that started in between read older.
	listed := f.now()
	var errs []error
	for av, err := range f.cfg.Zendesk.Availability.List(ctx, nil) {
		if err != nil {
			return fmt.Errorf("statussync: reconciling: listing Zendesk availabilities: %w", err)
		}
		a := bf[av.AgentID]
		if a == nil {
			continue
		}
		c := AgentComparison{ZendeskAgentID: av.AgentID, BabelforceAgentID: a.ID, Presence: a.Presence.Name}
		o := zdObservation{source: SourceReconciler, agentID: av.AgentID, at: start}
		if ch := av.Channel(f.m.Channel); ch != nil {
			c.ZendeskChannel = ch.Status
			o.to = ch.Status
		}
		if av.AgentStatus != nil && av.AgentStatus.Name != "" {
			c.ZendeskStatus = av.AgentStatus.Name
			o.unified, o.to = true, av.AgentStatus.Name
			o.channel = f.unifiedChannelState(ctx, av.AgentStatus.ID, o.to)
		}
		if o.to == "" {
			continue
		}
		if err := f.reconcileAgent(ctx, &o, a, start, listed, f.consistent(c, statuses)); err != nil {
			errs = append(errs, err)
		}
	}
	return joinErrors(errs)
}

// loadedStatuses returns Zendesk's unified statuses, reading them once.
func (f *Flow) loadedStatuses(ctx context.Context) ([]*zendesk.UnifiedStatus, error) {
	f.statusMu.Lock()
	defer f.statusMu.Unlock()
	if f.statuses == nil {
		if err := f.loadStatusesLocked(ctx); err != nil {
			return nil, err
		}
	}
	return f.statuses, nil
}

// reconcileAgent takes a baseline of one agent the flow knows nothing of
// on the Zendesk side, or repairs one whose sides disagree (consistent is
// false), as read by a pass that started at start and had listed the
// babelforce agents at listed.
func (f *Flow) reconcileAgent(ctx context.Context, o *zdObservation, a *babelforce.Agent, start, listed time.Time, consistent bool) error {
	// Most agents need nothing: their record is read first, without the
	// lease (one round trip), and only one that needs a decision is
	// leased (two more).
	st, ok, err := f.peek(ctx, o.agentID)
	if err != nil {
		f.report(ctx, f.zendeskResult(o, flow.Failed, err, DetailStore))
		return err
	}
	if ok && !f.reconcileNeeded(st, o, consistent) {
		return nil
	}
	decided, err := f.decide(ctx, o.agentID, false, func(ctx context.Context, st *agentState) error {
		if !f.reconcileNeeded(st, o, consistent) {
			return nil
		}
		return f.reconcileLeased(ctx, st, o, a, start, listed)
	})
	switch {
	case errors.Is(err, errBusy):
		return nil // another observation is deciding about the agent; the next pass sees it
	case !decided:
		f.report(ctx, f.zendeskResult(o, flow.Failed, err, failedDetail(err)))
	}
	return err
}

// reconcileNeeded reports whether what the pass read of the agent (o, and
// whether the two sides agree) needs a decision against its record st.
func (f *Flow) reconcileNeeded(st *agentState, o *zdObservation, consistent bool) bool {
	if st.zdPending != "" {
		return true // a babelforce change whose send to Zendesk failed: carried over
	}
	applied := st.zdChannel
	if o.unified {
		applied = st.zdUnified
	}
	if applied == "" {
		// The flow never applied this agent's Zendesk side: what the
		// reconciler last saw of it is the reference. Without one, a
		// baseline; with one, drift when Zendesk moved since it, and no
		// event of it was applied.
		return st.reconciled == "" || (!consistent && NormalizeName(o.to) != st.reconciled)
	}
	// A status the flow applied, with babelforce changed since, is a
	// babelforce change that the automation or the poller carries over.
	return !consistent && (NormalizeName(o.to) != applied || st.bfPending != "")
}

// reconcileLeased is reconcileAgent's decision on st, whose lease it
// holds, once reconcileNeeded said that one is needed.
func (f *Flow) reconcileLeased(ctx context.Context, st *agentState, o *zdObservation, a *babelforce.Agent, start, listed time.Time) error {
	if st.bfID == "" {
		st.bfID = a.ID
		f.commit(st)
	}
	if st.zdPending != "" {
		// A babelforce change is pending for Zendesk: its send failed (the
		// sender gave up). The disagreement is that change not yet in
		// Zendesk, not Zendesk drifting: babelforce's presence is carried
		// over, as the poller would, never Zendesk's older status back.
		o := bfObservation{source: SourceReconciler, presence: a.Presence.Name, from: st.polled, at: start}
		_, err := f.applyBabelforce(ctx, st, &o)
		return err
	}
	applied := st.zdChannel
	if o.unified {
		applied = st.zdUnified
	}
	if applied == "" && st.reconciled == "" {
		return f.reconcileBaseline(ctx, st, o, a, start, listed)
	}
	o.from = applied
	if st.bfPending == "" && st.bfTouchedAt.Before(start) && st.bfKnownAt.Before(start) {
		st.bfKnown, st.bfKnownAt = a.Presence.Name, listed
	}
	return f.applyZendesk(ctx, st, o)
}

// reconcileBaseline records what a pass that started at start read of an
// agent whose record knows nothing of its Zendesk side: the Zendesk status
// o as the reconciler's own baseline (not as applied: a Zendesk event of
// that change still on its way is applied when it comes), and the
// babelforce presence unless the flow knows a newer one. It reports a
// [Baseline] and sets nothing.
func (f *Flow) reconcileBaseline(ctx context.Context, st *agentState, o *zdObservation, a *babelforce.Agent, start, listed time.Time) error {
	st.reconciled = NormalizeName(o.to)
	if st.bfPending == "" && st.bfTouchedAt.Before(start) && st.bfKnownAt.Before(start) {
		st.bfKnown, st.bfKnownAt = a.Presence.Name, listed
	}
	res := f.zendeskResult(o, Baseline, nil, DetailFirstSight)
	res.BabelforceAgentID = st.bfID
	return f.done(ctx, st, res)
}

// RunReconciler runs [Flow.Reconcile] every [Config].ReconcileInterval,
// starting at once, until ctx is done; then it returns nil. Replicas that
// share the store take turns: a pass runs only on the replica that claims
// it, so that one pass runs per interval whatever the number of replicas.
// A failed pass is logged and the next one tried.
func (f *Flow) RunReconciler(ctx context.Context) error {
	return f.runClaimed(ctx, keyReconcileClaim, f.cfg.ReconcileInterval, "reconcile", f.Reconcile)
}

// runClaimed runs pass every interval until ctx is done, on the replica
// that claims key for the interval.
func (f *Flow) runClaimed(ctx context.Context, key string, interval time.Duration, what string, pass func(context.Context) error) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	// The lease ends a little before the next tick, so that the replica
	// that ran this pass may claim the next one.
	lease := max(interval-interval/10, time.Millisecond)
	for {
		ok, err := f.claim(ctx, key, lease)
		switch {
		case err != nil && ctx.Err() == nil:
			f.log.WarnContext(ctx, "statussync: cannot claim the "+what+" pass", "error", err.Error())
		case ok:
			if err := pass(ctx); err != nil && ctx.Err() == nil {
				f.log.WarnContext(ctx, "statussync: "+what+" failed", "error", err.Error())
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
