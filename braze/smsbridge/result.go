package smsbridge

import (
	"fmt"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/flow"
)

// Source says which webhook a delivery came through.
type Source string

// Sources of deliveries.
const (
	// SourceZendesk: a Zendesk trigger webhook (an agent reply or a solved
	// ticket) delivered to [Flow.AgentReplyHandler], or a call of
	// [Flow.HandleAgentReply].
	SourceZendesk Source = "zendesk"
	// SourceBraze: a Braze webhook campaign (a customer's text) delivered
	// to [Flow.InboundSMSHandler], or a call of [Flow.HandleInboundSMS].
	SourceBraze Source = "braze"
)

// Withheld is smsbridge's own outcome, beside the shared [flow.Outcome]
// values: an agent reply whose first send may or may not have reached the
// customer, not sent again because [Config.Delivery] is [AtMostOnce]. The
// delivery is acknowledged (200); the agent gets an internal note and
// [Config.OnUndelivered] is called.
const Withheld flow.Outcome = "withheld"

// Details of a [Result]: what the flow did, in smsbridge's words, beside
// the shared outcome.
const (
	DetailSMSSent       = "sms sent"               // Applied: the reply or closing SMS went out
	DetailSMSConfirmed  = "sms confirmed"          // Applied: an earlier ambiguous send was found processed
	DetailAttributes    = "attributes set"         // Applied: a solved ticket without a closing campaign
	DetailCommentAdded  = "comment added"          // Applied: the text was added to the open ticket
	DetailTicketCreated = "ticket created"         // Applied: the text opened a ticket
	DetailAlreadySent   = "sms already sent"       // Duplicate: a retry of a reply whose SMS went out
	DetailAlreadyPosted = "text already posted"    // Duplicate: a retry of a text already on the ticket
	DetailRefused       = "braze refused the send" // Rejected: Braze refused it (a 4xx but 401, 403, 429)
	DetailMaybeSent     = "braze may have sent it" // Failed: the retry will probe, then follow Config.Delivery
	DetailBusy          = "handled elsewhere"      // Failed: another replica holds the reply or the customer
	DetailStore         = "store failed"           // Failed: the shared store did not answer
)

// Result is one decision of the flow about one delivery, as
// [Config].OnResult receives it.
type Result struct {
	// Time is when the flow decided (Config.Now).
	Time time.Time
	// Source is where the delivery came from.
	Source Source
	// Kind is the event: [EventReply] or [EventSolved] from Zendesk, the
	// text's kind from Braze ("support", "reply").
	Kind string
	// Key is the de-duplication key of the delivery the decision is about:
	// the agent reply's ([AgentReply.Key]) or the text's ([InboundSMS.Key]).
	Key string
	// TicketID is the Zendesk ticket, 0 when not known (yet).
	TicketID int64
	// ExternalID is the customer's Braze external ID.
	ExternalID string
	// Outcome is the shared outcome ([flow.Applied], [flow.Duplicate],
	// [flow.Echo], [flow.Ignored], [flow.Rejected], [flow.Failed]) or
	// [Withheld].
	Outcome flow.Outcome
	// Detail says more in a few words: one of the Detail constants, or why
	// a reply was ignored.
	Detail string
	// Err is the error of a Rejected or Failed outcome (and the cause of a
	// Withheld one).
	Err error
}

// String formats r on one line, message texts left out.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Source, r.Kind)
	if r.TicketID != 0 {
		fmt.Fprintf(&b, " ticket %d", r.TicketID)
	}
	if r.ExternalID != "" {
		fmt.Fprintf(&b, " customer %s", r.ExternalID)
	}
	return flow.FormatResult(b.String(), r.Outcome, r.Detail, r.Err)
}

// report completes res and hands it to Config.OnResult.
func (f *Flow) report(res Result) Result {
	res.Time = f.cfg.Now()
	if f.cfg.OnResult != nil {
		f.cfg.OnResult(res)
	}
	return res
}
