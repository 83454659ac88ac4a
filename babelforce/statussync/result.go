package statussync

import (
	"fmt"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/flow"
)

// Source says where an observation came from.
type Source string

// Sources of observations.
const (
	// SourceZendesk: an agent.state_changed or agent.unified_state_changed
	// event delivered to [Flow.ZendeskHandler].
	SourceZendesk Source = "zendesk"
	// SourceAutomation: a call of the babelforce automation to
	// [Flow.AutomationHandler] (or [Flow.ApplyPresence]).
	SourceAutomation Source = "babelforce automation"
	// SourcePoller: a presence change the poller saw in the agents API.
	SourcePoller Source = "babelforce poller"
	// SourceReconciler: a Zendesk status that the reconciler read and
	// found not carried over to babelforce ([Flow.Reconcile]).
	SourceReconciler Source = "zendesk reconciler"
)

// Baseline is statussync's own outcome, beside the shared [flow.Outcome]
// values: the poller's first sight of an agent, which is not a change
// (see [Flow.Poll]), or the reconciler's of an agent whose record knows
// nothing of its Zendesk side (see [Flow.Reconcile]).
const Baseline flow.Outcome = "baseline"

// Details of a [Result]: what the flow did, in statussync's words, beside
// the shared outcome. A Stale result's Detail says what the observation is
// older than, and an Ignored one's why it is not the flow's business.
const (
	DetailPresenceSet     = "presence set"                                                // Applied: the babelforce presence was set
	DetailStatusSet       = "status set"                                                  // Applied: the Zendesk status was set
	DetailEchoZendesk     = "the flow set this Zendesk status"                            // Echo
	DetailEchoPresence    = "the flow set this presence"                                  // Echo
	DetailHasPresence     = "the babelforce agent already has this presence"              // Unchanged
	DetailHasStatus       = "the Zendesk agent already has this status"                   // Unchanged
	DetailAlreadyApplied  = "applied before: same time and state"                         // Duplicate: a redelivery or a replay
	DetailFirstSight      = "first sight of the agent; not a change"                      // Baseline
	DetailUnknownAgent    = "no babelforce agent has this Zendesk agent's id as sourceId" // Ignored (or Rejected with Config.RejectUnknownAgents)
	DetailNotZendeskAgent = "the babelforce agent's sourceId is not a Zendesk user id"    // Ignored
	DetailInStep          = "the two sides already agree"                                 // Unchanged: after a lease that ended unreleased, the other side's state maps to this one
	DetailBusy            = "handled elsewhere"                                           // Failed: another delivery held the agent's lease past Config.LeaseWait; the sender retries later
	DetailRetry           = "the sender is asked to retry"                                // Failed: the other side failed
	DetailStore           = "store failed"                                                // Failed: the shared store did not answer
)

// Result is one decision of the flow, as [Config].OnResult receives it.
type Result struct {
	// Time is when the flow decided (Config.Now).
	Time time.Time
	// Source is where the observation came from.
	Source Source
	// Kind is the event type ("agent.state_changed (support)",
	// "agent.unified_state_changed") or "presence".
	Kind string
	// Key is the de-duplication key of the delivery the decision is about:
	// the Zendesk event's id, or the automation call's ([PresenceEvent.Key]);
	// "" for a decision of the poller or the reconciler.
	Key string
	// ZendeskAgentID and BabelforceAgentID identify the agent (either may
	// be unknown: 0 or "").
	ZendeskAgentID    int64
	BabelforceAgentID string
	// From and To are the states on the source side ("online" → "away").
	From, To string
	// Target is what the other side is (or would be) set to: a babelforce
	// presence name, or a Zendesk status "name (id)".
	Target string
	// ObservedAt is the observation's own time: the event's updated_at,
	// the automation's changed_at, or the poll's time.
	ObservedAt time.Time
	// Outcome is the shared outcome ([flow.Applied], [flow.Unchanged],
	// [flow.Duplicate], [flow.Stale], [flow.Echo], [flow.Ignored],
	// [flow.Rejected], [flow.Failed]) or [Baseline].
	Outcome flow.Outcome
	// Detail says more in a few words: one of the Detail constants, or
	// what a stale observation is older than.
	Detail string
	// Err is the error of a Rejected or Failed outcome.
	Err error
}

// String formats r on one line.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s agent %d", r.Source, r.Kind, r.ZendeskAgentID)
	if r.From != "" || r.To != "" {
		fmt.Fprintf(&b, ": %s → %s", orDash(r.From), orDash(r.To))
	}
	fmt.Fprintf(&b, ": %s", r.Outcome)
	if r.Target != "" {
		fmt.Fprintf(&b, " (%s)", r.Target)
	}
	if r.Detail != "" {
		fmt.Fprintf(&b, ": %s", r.Detail)
	}
	if r.Err != nil {
		fmt.Fprintf(&b, ": %v", r.Err)
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
