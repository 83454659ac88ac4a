package statussync

import (
	"fmt"
	"strings"
	"time"
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

// Outcome is what the flow did with an observation.
type Outcome string

// Outcomes.
const (
	// Applied: the other side was changed.
	Applied Outcome = "applied"
	// Unchanged: the other side already had the target state; nothing was
	// sent.
	Unchanged Outcome = "unchanged"
	// Stale: the observation is older than the last one applied for the
	// agent on that side; it was dropped.
	Stale Outcome = "stale"
	// Echo: the observation is the flow's own change coming back from the
	// side it changed; it was dropped.
	Echo Outcome = "echo"
	// Ignored: the observation is not the flow's business: another
	// channel, or an agent that exists on one side only.
	Ignored Outcome = "ignored"
	// Baseline: the poller's first sight of an agent, which is not a
	// change.
	Baseline Outcome = "baseline"
	// Rejected: the observation cannot be applied and retrying will not
	// help (an unknown presence, a Zendesk agent that does not exist); the
	// sender is told not to retry (422).
	Rejected Outcome = "rejected"
	// Failed: the other side failed; the sender is asked to retry (503 with
	// Retry-After) or the poller tries again at its next pass.
	Failed Outcome = "failed"
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
	// EventID is the Zendesk event id or the automation's event_id.
	EventID string
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
	Outcome    Outcome
	// Detail explains the outcome in a few words.
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
