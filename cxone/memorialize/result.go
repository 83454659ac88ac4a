package memorialize

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/flow"
)

// Source says how the flow came to a contact.
type Source string

// Sources.
const (
	// SourcePoll: the poll of completed contacts ([Flow.Poll], [Flow.Run]).
	SourcePoll Source = "poll"
	// SourceStudio: a Studio script's call to [ContactEndedPath], or
	// [Flow.Memorialize].
	SourceStudio Source = "studio"
	// SourceRefetch: a re-fetch of a contact a Studio call named before
	// CXone listed it complete ([Flow.Memorialize], [Flow.Poll]).
	SourceRefetch Source = "refetch"
)

// Details of a [Result].
const (
	DetailWritten       = "written"                  // Applied: fields written to the records
	DetailNothing       = "nothing to write"         // Unchanged: no mapped field has a value
	DetailAlreadyDone   = "already memorialized"     // Duplicate: the contact was written (or refused for good) before
	DetailBusy          = "handled elsewhere"        // Duplicate: another replica holds the contact now
	DetailNotComplete   = "not complete yet"         // Ignored: CXone does not list it as complete yet
	DetailNoRecord      = "no record found"          // Ignored: no workflow found or created a record
	DetailTooLong       = "every value over a limit" // Rejected: nothing fits its field
	DetailRefused       = "refused"                  // Rejected: CXone or Zendesk refused it for good (a 4xx no retry changes)
	DetailGaveUp        = "gave up"                  // Rejected: failed Config.MaxAttempts times
	DetailZendeskFailed = "zendesk failed"           // Failed: held for a retry
	DetailCXoneFailed   = "cxone failed"             // Failed: held for a retry
	DetailStore         = "store failed"             // Failed: held for a retry
)

// Written is one record the flow wrote for a contact.
type Written struct {
	// Type is the record type.
	Type RecordType
	// ID is the Zendesk ticket or user id.
	ID int64
	// Created is true when a workflow created the record.
	Created bool
	// Values are the mapped values, written or skipped (Value.Skip).
	Values []Value
}

// Result is one decision of the flow about one contact, as
// Config.OnResult receives it.
type Result struct {
	// Time is when the flow decided (Config.Now).
	Time time.Time
	// Source is how the flow came to the contact.
	Source Source
	// ContactID is the CXone contact.
	ContactID int64
	// Key is the de-duplication key of the contact the decision is about:
	// its id as decimal text ("5000123"), under which the flow handles
	// each contact once, whether the poll or a Studio call brought it; ""
	// for an id that is no contact id ([Flow.Memorialize] refused it).
	Key string
	// Channel is the contact's channel (Voice or Digital), "" when unknown.
	Channel Channel
	// EndedByContact is true when the customer ended the interaction first.
	EndedByContact bool
	// HandedOff is true when the contact is the segment of an agent who
	// transferred or unassigned the interaction ([Interaction].HandedOff).
	HandedOff bool
	// Refetch is when the flow fetches the contact again, for a Studio
	// call that came before CXone listed it complete ([Flow.Memorialize]);
	// zero when no re-fetch is scheduled (the poll writes it in any case).
	Refetch time.Time
	// Records are the records written (or found with nothing to write).
	Records []Written
	// Outcome is the shared outcome.
	Outcome flow.Outcome
	// Detail says more in a few words: a Detail constant.
	Detail string
	// Err is the error of a Rejected or Failed outcome, or of a
	// Duplicate whose claim ended while this replica worked on it.
	Err error
}

// Refused returns the values of r refused for their length.
func (r Result) Refused() []Value {
	var out []Value
	for _, w := range r.Records {
		for _, v := range w.Values {
			if v.Skip != "" && v.Skip != SkipEmpty && v.Skip != SkipEndedByContact {
				out = append(out, v)
			}
		}
	}
	return out
}

// String formats r on one line, values left out.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s contact %d", r.Source, r.ContactID)
	if r.Channel != "" {
		fmt.Fprintf(&b, " (%s)", r.Channel)
	}
	for _, w := range r.Records {
		n := 0
		for _, v := range w.Values {
			if v.Skip == "" {
				n++
			}
		}
		fmt.Fprintf(&b, " %s %d: %d fields", w.Type, w.ID, n)
	}
	return flow.FormatResult(b.String(), r.Outcome, r.Detail, r.Err)
}

// report completes res, logs it and hands it to Config.OnResult.
func (f *Flow) report(res Result) Result {
	res.Time = f.cfg.Now()
	if res.Key == "" && res.ContactID > 0 {
		res.Key = strconv.FormatInt(res.ContactID, 10)
	}
	attrs := []any{"source", string(res.Source), "contact", res.ContactID, "outcome", string(res.Outcome), "detail", res.Detail}
	if res.Err != nil {
		attrs = append(attrs, "error", res.Err.Error())
		f.log.Warn("memorialize", attrs...)
	} else {
		f.log.Info("memorialize", attrs...)
	}
	if f.cfg.OnResult != nil {
		f.cfg.OnResult(res)
	}
	return res
}
