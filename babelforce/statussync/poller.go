package statussync

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/webhook"
)

// pollPageSize is the page size of the poller's agent list.
const pollPageSize = 100

// Poll reads every babelforce agent once and applies the presence changes
// it sees to Zendesk. An agent's first sighting is a baseline, not a
// change. Agents whose sourceId is not a Zendesk user id are skipped.
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
// done; then it returns nil. A failed pass is logged and the next one
// tried.
func (f *Flow) RunPoller(ctx context.Context) error {
	t := time.NewTicker(f.cfg.PollInterval)
	defer t.Stop()
	for {
		if err := f.Poll(ctx); err != nil && ctx.Err() == nil {
			f.log.WarnContext(ctx, "statussync: poll failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
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
	st := f.agent(zid)
	st.mu.Lock()
	defer st.mu.Unlock()
	f.setBabelforceID(st, a.ID)
	p := a.Presence.Name
	if !st.polledOK {
		st.polled, st.polledOK = p, true
		if st.bfTouchedAt.Before(start) {
			st.bfKnown, st.bfKnownAt = p, start
		}
		f.report(ctx, Result{Time: f.now(), Source: SourcePoller, Kind: "presence", ZendeskAgentID: zid, BabelforceAgentID: a.ID,
			To: p, ObservedAt: start, Outcome: Baseline, Detail: "first sight of the agent; not a change"})
		return nil
	}
	if !st.bfTouchedAt.Before(start) {
		// The flow set the presence, or the automation reported it, after
		// this pass read it: what it read is older than what is known.
		return nil
	}
	if samePresence(p, st.polled) {
		return nil
	}
	o := bfObservation{source: SourcePoller, presence: p, from: st.polled, at: start}
	_, err = f.applyBabelforce(ctx, st, &o)
	if err == nil || webhook.IsPermanent(err) {
		st.polled = p
	}
	return err
}
