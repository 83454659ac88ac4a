package statussync

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
)

// pollPageSize is the page size of the poller's agent list.
const pollPageSize = 100

// Poll reads every babelforce agent once and applies the presence changes
// it sees to Zendesk. An agent's first sighting is a baseline, not a
// change, unless the flow set the agent's presence (or the automation
// reported it) before the pass and the pass reads another: the agent
// changed it since. Agents whose sourceId is not a Zendesk user id are
// skipped.
//
// The observation time of a change is when the pass started. A change
// that fails is seen again, and retried, at the next pass. Poll returns
// the error of the agents list, or the failures of the pass joined.
func (f *Flow) Poll(ctx context.Context) error {
	start := f.now()
	var errs []error
	for a, err := range f.cfg.Babelforce.Agents.List(ctx, &babelforce.AgentListOptions{Max: pollPageSize}) {
		if err != nil {
			return fmt.Errorf("statussync: polling babelforce agents: %w", err)
		}
		if err := f.observePoll(ctx, a, start); err != nil {
			errs = append(errs, err)
		}
	}
	return joinErrors(errs)
}

// RunPoller polls at [Config].PollInterval, starting at once, until ctx is
// done; then it returns nil. Replicas that share the store take turns: a
// pass runs only on the replica that claims it, so that one pass runs per
// interval whatever the number of replicas. A failed pass is logged and
// the next one tried.
func (f *Flow) RunPoller(ctx context.Context) error {
	return f.runClaimed(ctx, keyPollClaim, f.cfg.PollInterval, "poll", f.Poll)
}

// observePoll handles one agent of a poll that started at start.
func (f *Flow) observePoll(ctx context.Context, a *babelforce.Agent, start time.Time) error {
	if a == nil || a.Presence == nil || a.Presence.Name == "" {
		return nil
	}
	zid, err := strconv.ParseInt(strings.TrimSpace(a.SourceID), 10, 64)
	if err != nil || zid <= 0 {
		return nil
	}
	// Most agents need nothing: their record is read first, without the
	// lease (one round trip), and only one that needs a decision is
	// leased (two more).
	if st, ok, err := f.peek(ctx, zid); err != nil {
		return err
	} else if ok && !f.pollNeeded(st, a.Presence.Name, start) {
		return nil
	}
	_, err = f.decide(ctx, zid, false, func(ctx context.Context, st *agentState) error {
		if !f.pollNeeded(st, a.Presence.Name, start) {
			return nil
		}
		return f.pollAgent(ctx, st, a, start)
	})
	if errors.Is(err, errBusy) {
		return nil // another observation is deciding about the agent; the next pass sees it
	}
	return err
}

// pollNeeded reports whether the presence p, read by a pass that started
// at start, needs a decision against the agent's record st.
func (f *Flow) pollNeeded(st *agentState, p string, start time.Time) bool {
	if !st.polledOK {
		return true // first sight: a baseline, or a change from what the flow set
	}
	// The flow set the presence, or the automation reported it, after this
	// pass read it: what it read is older than what is known. Else a
	// presence the poller saw last needs nothing, unless a status change
	// is still pending (its send failed in a way that may not have reached
	// Zendesk): it is applied again.
	return st.bfTouchedAt.Before(start) && (!samePresence(p, st.polled) || st.zdPending != "")
}

// pollAgent handles one agent's presence p read by a pass that started at
// start, against the agent's record st.
func (f *Flow) pollAgent(ctx context.Context, st *agentState, a *babelforce.Agent, start time.Time) error {
	if st.bfID != a.ID {
		st.bfID = a.ID
		f.commit(st)
	}
	p := a.Presence.Name
	if !st.polledOK {
		st.polledOK = true
		switch {
		case !st.bfTouchedAt.Before(start) && st.bfKnown != "":
			// The flow set the presence, or the automation reported it,
			// after this pass read it: the baseline is that newer
			// presence, so that the agent's next change away from it is
			// seen.
			st.polled = st.bfKnown
		case st.bfKnown != "" && st.bfPending == "" && !st.bfTouchedAt.IsZero() && !st.bfKnownAt.After(st.bfTouchedAt) && !samePresence(p, st.bfKnown):
			// The flow set the presence, or the automation reported it,
			// before this pass read another: the agent changed it since,
			// which is a change, not a first sight. (The pass before may
			// have found the agent's lease held while the flow set it.)
			st.polled = st.bfKnown
		default:
			st.polled = p
			if st.bfTouchedAt.Before(start) && st.bfPending == "" && !st.bfKnownAt.After(start) {
				st.bfKnown, st.bfKnownAt = p, start
			}
		}
		if samePresence(st.polled, p) || !st.bfTouchedAt.Before(start) {
			return f.done(ctx, st, Result{Time: f.now(), Source: SourcePoller, Kind: "presence", ZendeskAgentID: st.id, BabelforceAgentID: a.ID,
				To: st.polled, ObservedAt: start, Outcome: Baseline, Detail: DetailFirstSight})
		}
	}
	o := bfObservation{source: SourcePoller, presence: p, from: st.polled, at: start}
	// What the poller saw is recorded with the decision, whatever it is:
	// a failure that cannot be retried is not retried at every pass. A
	// failure that can stays unrecorded, and the next pass sees it again.
	st.polled = p
	f.commit(st)
	_, err := f.applyBabelforce(ctx, st, &o)
	return err
}
