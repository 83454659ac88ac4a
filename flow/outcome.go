package flow

import (
	"net/http"

	"github.com/deskbridge/deskbridge/webhook"
)

// Outcome is what a flow did with one event (a webhook delivery, a poll, a
// call). Every flow reports its decisions with these names, so that logs
// and metrics (deliveries by flow and outcome) read the same for all; a
// flow keeps its own detail in its Result and may add outcomes of its own
// (an Outcome is a string).
type Outcome string

// The outcomes every flow shares. [Outcome.HTTPStatus] gives the answer a
// webhook sender gets for each.
const (
	// Applied: the other side was changed. 200.
	Applied Outcome = "applied"
	// Unchanged: the other side already had what the event asks for;
	// nothing was sent. 200.
	Unchanged Outcome = "unchanged"
	// Duplicate: the event was handled before (a redelivery); it was
	// dropped. 200.
	Duplicate Outcome = "duplicate"
	// Stale: the event is older than the last one applied for the same
	// key; it was dropped. 200.
	Stale Outcome = "stale"
	// Echo: the event is the flow's own change coming back from the side
	// it changed; it was dropped. 200.
	Echo Outcome = "echo"
	// Ignored: the event is not the flow's business (another channel, an
	// object that exists on one side only). 200.
	Ignored Outcome = "ignored"
	// Rejected: the event cannot be applied and retrying will not help; the
	// sender is told not to retry. 422.
	Rejected Outcome = "rejected"
	// Failed: the other side (or the store) failed; the sender is asked to
	// retry: 503 with Retry-After. The event is not marked as handled.
	Failed Outcome = "failed"
)

// Outcomes returns the shared outcomes, in the order of their constants,
// for example to register a metric for each before the first event.
func Outcomes() []Outcome {
	return []Outcome{Applied, Unchanged, Duplicate, Stale, Echo, Ignored, Rejected, Failed}
}

// HTTPStatus returns the status a webhook handler answers for o: 503 for
// [Failed] (with a Retry-After header, so that the sender retries), 422 for
// [Rejected], and 200 for every other outcome, a flow's own included.
func (o Outcome) HTTPStatus() int {
	switch o {
	case Failed:
		return http.StatusServiceUnavailable
	case Rejected:
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

// Retry reports whether the sender should send the event again (o is
// [Failed]).
func (o Outcome) Retry() bool { return o == Failed }

// HandlerError returns what a webhook handler function returns for a
// decision with outcome o and error err: err when there is one, else
// [webhook.ErrDuplicate] for [Duplicate] (so that the handler answers
// "duplicate" for an event the flow's own records found handled, as its
// Deduper would), else nil.
func HandlerError(o Outcome, err error) error {
	if err == nil && o == Duplicate {
		return webhook.ErrDuplicate
	}
	return err
}
