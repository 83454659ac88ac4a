package statussync

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
)

// How a change the flow sent is settled without a store round trip after
// the send.
//
// A change is written to the agent's record before it is sent, as pending
// with its sending time and the echo it will cause (one round trip, which
// the echo needs anyway). A failed send is written (its sending time
// cleared: the change is sent again by the sender's retry, the poller or
// the reconciler). A successful send writes nothing. Its pending mark is
// settled later, by a write that happens anyway:
//
//   - its echo: the observation that comes back from the side it changed
//     is handled with one read and one write (consuming the echo), and that
//     write clears the mark (settlePresence, settleStatus);
//   - the poller, which reads babelforce and sees the presence pending;
//   - a redelivery of the event that caused it, past the send's lease,
//     which reads the vendor (presenceShown, statusShown): a change it
//     shows was sent (a duplicate, 200), else it is sent again.
//
// A redelivery while the send's lease runs is answered busy (503 with
// Retry-After), as when the send is still under way.
//
// The write after the send also caught a newer decision that another
// replica made meanwhile, whose send may have reached the vendor first
// (replica A sends away, replica B online, the vendor applies online then
// away). The echoes' times tell it instead: an echo of an older decision
// that is the vendor's latest change (its time is not before the newer
// decision) means the vendor ended on the older decision, and the newest
// is sent again. Without echoes (no babelforce automation) the poller
// does it, by the echo the older decision left in the record, and
// [Flow.Reconcile] repairs what is left.

// replay is what a redelivery of the event whose change is pending gets.
type replay int

const (
	replayDuplicate replay = iota // a duplicate: nothing to write
	replaySettled                 // a duplicate, the pending mark cleared and written
	replayBusy                    // 503 busy: the send is under way
	replayAgain                   // decided again: the change is sent again
)

// replayOf decides on a redelivery of the event that caused the change
// pending (sending since sending; pending "" when settled). A failed send
// is sent again. Otherwise shown reads the vendor: a change it shows is in
// effect, and the redelivery a duplicate (its pending mark written as
// settled once the send's lease is over); one it does not show is busy
// while the lease runs (the send is under way), and sent again after it
// (its replica died before sending it).
func replayOf(ctx context.Context, pending string, sending, now time.Time, shown func(context.Context) (bool, error)) (replay, error) {
	switch {
	case pending == "":
		return replayDuplicate, nil
	case sending.IsZero():
		return replayAgain, nil
	}
	ok, err := shown(ctx)
	switch {
	case err != nil:
		return 0, err
	case ok && inFlight(sending, now):
		return replayDuplicate, nil
	case ok:
		return replaySettled, nil
	case inFlight(sending, now):
		return replayBusy, nil
	}
	return replayAgain, nil
}

// bfSettled reports whether st holds no presence change that this
// observation should send again: none is pending, or the pending one is
// being sent (its send's lease runs) by an observation whose sender
// retries it, should it fail.
func bfSettled(st *agentState, now time.Time) bool {
	return st.bfPending == "" || inFlight(st.bfSending, now)
}

// zdSettled is bfSettled for the Zendesk status.
func zdSettled(st *agentState, now time.Time) bool {
	return st.zdPending == "" || inFlight(st.zdSending, now)
}

// presenceShown reports whether babelforce shows st's pending presence: a
// send whose lease ended with no failure written was carried out if it
// does, else its replica died before sending it (or babelforce refused
// it meanwhile, which a retry reports).
func (f *Flow) presenceShown(ctx context.Context, st *agentState) (bool, error) {
	if st.bfID == "" {
		return false, nil
	}
	a, err := f.cfg.Babelforce.Agents.Get(ctx, st.bfID)
	if errors.Is(err, deskbridge.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("statussync: reading babelforce agent %s to tell whether presence %q was set: %w", st.bfID, st.bfPending, err)
	}
	return a.Presence != nil && samePresence(a.Presence.Name, st.bfPending), nil
}

// statusShown reports whether Zendesk shows st's pending status, or a
// status set after its send started (the agent's own change, newer than
// the flow's, which a send again would overwrite).
func (f *Flow) statusShown(ctx context.Context, st *agentState) (bool, error) {
	av, err := f.cfg.Zendesk.Availability.Get(ctx, st.id)
	if errors.Is(err, deskbridge.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("statussync: reading Zendesk agent %d's status to tell whether %q was set: %w", st.id, st.zdPending, err)
	}
	zs := av.AgentStatus
	if zs == nil || zs.Name == "" {
		return false, nil
	}
	return NormalizeName(zs.Name) == st.zdPending || zs.UpdatedAt.After(st.zdSending), nil
}

// olderDecision reports whether echo e, of a change the flow decided at
// e.at to value, that the vendor applied at vendorAt, shows the vendor
// ending on an older decision than the newest, newest (decided at
// newestAt): the vendor's latest change (latest) is an older decision
// with another value, applied within a send's lease of it (a send takes
// no longer; a change much later is the agent's, not the flow's send).
func olderDecision(e time.Time, same, latest bool, vendorAt, newestAt time.Time) bool {
	return latest && !same && e.Before(newestAt) && vendorAt.Before(e.Add(sendLease))
}

// settlePresence settles st after the echo e of a presence the flow set
// was consumed; latest says that babelforce reported it at a time not
// before any other change known (so it is babelforce's presence now),
// at. When e is the echo of the newest decision, and babelforce's
// presence now, its pending mark is cleared. When it is the echo of an
// older decision that babelforce applied after the newest was made, the
// newest is recorded as set again at now, and returned: the caller writes
// st and sends it (sendPresenceAgain).
func (f *Flow) settlePresence(st *agentState, e bfEcho, latest bool, at, now time.Time) string {
	st.bfEchoAt = now
	if st.bfSet == "" {
		return ""
	}
	if olderDecision(e.at, samePresence(st.bfSet, e.presence), latest, at, st.bfSetAt) {
		if st.bfID == "" {
			return ""
		}
		again := st.bfSet
		f.expectPresence(st, again, now)
		return again
	}
	newest := NormalizeName(st.bfSet)
	if latest && samePresence(st.bfPending, e.presence) &&
		!slices.ContainsFunc(st.bfEchoes, func(x bfEcho) bool { return x.presence == newest && x.at.Equal(st.bfSetAt) }) {
		st.bfPending, st.bfSending = "", time.Time{}
	}
	return ""
}

// sendPresenceAgain sends the presence name that settlePresence (or the
// poller) recorded as set again at setAt, once st is written. A failure is
// logged and written: the presence stays pending, and the next
// observation of the agent, or the reconciler, sends it.
func (f *Flow) sendPresenceAgain(ctx context.Context, st *agentState, name string, setAt time.Time) {
	if _, err := f.cfg.Babelforce.Agents.SetPresence(ctx, st.bfID, name); err != nil {
		f.log.WarnContext(ctx, "statussync: setting again the newest presence, which babelforce applied before an older one, failed", "babelforce_agent_id", st.bfID, "presence", name, "error", err.Error())
		f.presenceFailed(ctx, st, name, setAt, err)
	}
}

// settleStatus is settlePresence for the echo e of a Zendesk status (its
// unified status event; at is its updated_at). It returns the status to
// set again, or nil.
func (f *Flow) settleStatus(st *agentState, e zdEcho, latest bool, at, now time.Time) *zendesk.UnifiedStatus {
	if e.status != "" && e.unifiedSeen {
		st.zdEchoAt = now
	}
	if st.zdSet == "" {
		return nil
	}
	if olderDecision(e.at, e.status == st.zdSet, latest, at, st.zdSetAt) {
		f.statusMu.Lock()
		s := findStatus(f.statuses, st.zdSet)
		f.statusMu.Unlock()
		if s != nil {
			f.expectStatus(st, s, now)
		}
		return s
	}
	if latest && st.zdPending == e.status &&
		!slices.ContainsFunc(st.zdEchoes, func(x zdEcho) bool { return x.status == st.zdSet && x.at.Equal(st.zdSetAt) && !x.unifiedSeen }) {
		st.zdPending, st.zdSending = "", time.Time{}
	}
	return nil
}

// sendStatusAgain sets the status s that settleStatus recorded as set
// again at setAt, once st is written. A failure is logged and written, as
// in sendPresenceAgain.
func (f *Flow) sendStatusAgain(ctx context.Context, st *agentState, s *zendesk.UnifiedStatus, setAt time.Time) {
	if _, err := f.cfg.Zendesk.Availability.SetAgentStatus(ctx, st.id, s.ID); err != nil {
		f.log.WarnContext(ctx, "statussync: setting again the newest status, which Zendesk applied before an older one, failed", "zendesk_agent_id", st.id, "status", s.Name, "error", err.Error())
		echo := zdEcho{status: NormalizeName(s.Name), channel: ChannelState(s, f.m.Channel), at: setAt}
		f.statusFailed(ctx, st, echo, zendeskRefused(err))
	}
}

// zendeskRefused reports whether Zendesk refused a change (a 4xx other
// than 429): it changed nothing, and its echo will not come.
func zendeskRefused(err error) bool {
	var zerr *zendesk.Error
	return errors.As(err, &zerr) && zerr.StatusCode >= 400 && zerr.StatusCode < 500 && zerr.StatusCode != http.StatusTooManyRequests
}
