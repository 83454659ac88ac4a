package memorialize

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Each test here names one UNCONFIRMED guess of unconfirmed.go: what the
// flow assumes, and what would show the assumption wrong.

func TestUnconfirmedDigitalMediaTypes(t *testing.T) {
	t.Parallel()
	// Doubt: which mediaTypeIds are voice, and which pairs a voice mail
	// (voice) and a work item (digital) get. Wrong, a voice contact would
	// get the digital pairs (or the reverse), and its voice fields stay empty.
	for c, want := range map[*cxone.Contact]bool{
		{MediaTypeID: 4, MediaTypeName: "Call"}: false,
		{MediaTypeID: 5}:                        false,
		{MediaTypeName: "Voice Mail"}:           false,
		{MediaTypeID: 6}:                        true,
		{MediaTypeName: "Work Item"}:            true,
		{MediaTypeName: "Phone Call"}:           false,
		{MediaTypeID: 3, MediaTypeName: "Chat"}: true,
		{MediaTypeID: 1}:                        true,
		{MediaTypeID: 61}:                       true,
		{}:                                      false,
	} {
		if got := isDigital(c); got != want {
			t.Errorf("isDigital(%d %q) = %v", c.MediaTypeID, c.MediaTypeName, got)
		}
	}
}

func TestUnconfirmedEventType(t *testing.T) {
	t.Parallel()
	// Doubt: that the Reporting API numbers its media types as CXone's
	// agent SDK does (4 PhoneCall, 5 VoiceEmail, 6 WorkItem, 1 Email,
	// 3 ChatItem, 9 Digital; https://github.com/nice-devone/nice-cxone-agent-sdk,
	// common-sdk/src/enum/media-type), and that CXone writes the help
	// page's words into "Event Type" and "Contact Type" (its SDK's voice
	// contactType is a call type: Regular, Consult…). Wrong, a voice mail
	// or a work item is written as another kind of interaction.
	for _, tc := range []struct {
		c    cxone.Contact
		want string
	}{
		{cxone.Contact{MediaTypeID: 4, MediaTypeName: "Call"}, "voice"},
		{cxone.Contact{MediaTypeID: 5, MediaTypeName: "Voice Mail"}, "voicemail"},
		{cxone.Contact{MediaTypeID: 6, MediaTypeName: "Work Item"}, "work item"},
		{cxone.Contact{MediaTypeID: 3, MediaTypeName: "Chat"}, "digital"},
		{cxone.Contact{MediaTypeID: 1, MediaTypeName: "Email"}, "digital"},
		{cxone.Contact{MediaTypeID: 9, MediaTypeName: "Digital"}, "digital"},
		{cxone.Contact{MediaTypeID: 61}, "digital"},
		// The id decides over the name.
		{cxone.Contact{MediaTypeID: 6, MediaTypeName: "Call"}, "work item"},
		// Without an id, the name.
		{cxone.Contact{MediaTypeName: "Voice Mail"}, "voicemail"},
		{cxone.Contact{MediaTypeName: "voicemail"}, "voicemail"},
		{cxone.Contact{MediaTypeName: " Work  Item "}, "work item"},
		{cxone.Contact{MediaTypeName: "Phone Call"}, "voice"},
		{cxone.Contact{MediaTypeName: "Voice"}, "voice"},
		{cxone.Contact{MediaTypeName: "SMS"}, "digital"},
		{cxone.Contact{}, ""},
	} {
		if got := eventType(&tc.c); got != tc.want {
			t.Errorf("eventType(%d %q) = %q, want %q", tc.c.MediaTypeID, tc.c.MediaTypeName, got, tc.want)
		}
	}
}

func TestUnconfirmedEndReason(t *testing.T) {
	t.Parallel()
	// Doubt: the endReason values. Wrong, a disposition would be written
	// for a contact that hung up first (or withheld from one that did not).
	for reason, want := range map[string]bool{
		"Contact Hung Up": true, "contact disconnected": true, "Agent Hung Up": false, "": false, "Transferred": false,
	} {
		if got := endedByContact(&cxone.Contact{EndReason: reason}); got != want {
			t.Errorf("endedByContact(%q) = %v", reason, got)
		}
	}
}

func TestUnconfirmedANIAndDNIS(t *testing.T) {
	t.Parallel()
	// Doubt: fromAddress as ANI inbound, toAddress outbound. Wrong, Search
	// ANI looks for the contact center's own number.
	in := cxone.Contact{FromAddress: "+331", ToAddress: "+332"}
	out := cxone.Contact{FromAddress: "+331", ToAddress: "+332", IsOutbound: true}
	if ani(&in) != "+331" || dnis(&in) != "+332" || ani(&out) != "+332" || dnis(&out) != "+331" {
		t.Error("ANI/DNIS inference changed")
	}
}

func TestUnconfirmedChannelAndStatus(t *testing.T) {
	t.Parallel()
	// Doubt: the Reporting API has no channel or digital status; the sub
	// type and digitalContactStateName stand in.
	c := cxone.Contact{MediaTypeName: "Chat", MediaSubTypeName: "Facebook Messenger", DigitalContactStateName: "Resolved", StateName: "EndContact"}
	if channelName(&c) != "Facebook Messenger" || channelType(&c) != "Facebook Messenger" || status(&c) != "Resolved" {
		t.Error("channel or status source changed")
	}
	c = cxone.Contact{MediaTypeName: "Chat", StateName: "EndContact"}
	if channelName(&c) != "Chat" || status(&c) != "EndContact" {
		t.Error("channel or status fallback changed")
	}
}

func TestUnconfirmedInteractionIDAndTranscriptURL(t *testing.T) {
	t.Parallel()
	// Doubt: no Reporting field carries them; the script variables do
	// when the script sets them, else nothing is written.
	in := &Interaction{Variables: map[string]string{"interactionid": "i-1", "transcripturl": "https://t"}}
	if interactionID(in) != "i-1" || transcriptURL(in) != "https://t" || interactionID(&Interaction{}) != "" {
		t.Error("interaction id or transcript URL source changed")
	}
}

func TestUnconfirmedSettled(t *testing.T) {
	t.Parallel()
	// Doubt: whether /contacts/completed lists contacts still in ACW.
	// Wrong, a voice contact would be written before its disposition.
	if settled(&cxone.Contact{IsActive: true}) || !settled(&cxone.Contact{}) {
		t.Error("settled changed")
	}
}

func TestUnconfirmedUpdatedSinceBound(t *testing.T) {
	t.Parallel()
	// Doubt: whether updatedSince includes its bound. The poll resumes a
	// second early, so the held contact is listed again either way.
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	if !resumeFrom(at).Before(at) {
		t.Error("resumeFrom does not step back")
	}
}

func TestUnconfirmedFieldLimits(t *testing.T) {
	t.Parallel()
	// Doubt: Zendesk publishes no length for text values. Wrong, a value
	// is refused that Zendesk would take, or Zendesk refuses (422) one the
	// flow sends.
	for f, want := range map[ZendeskField]int{
		{Title: "x"}: limitText,
		{Title: "x", Type: zendesk.FieldTextarea}: limitMultiline,
		{Standard: "subject"}:                     limitText,
		{Standard: "notes"}:                       limitMultiline,
		{Key: "k", MaxLength: 40}:                 40,
	} {
		if got := fieldLimit(f); got != want {
			t.Errorf("fieldLimit(%s) = %d, want %d", f, got, want)
		}
	}
}

func TestUnconfirmedSearchQueries(t *testing.T) {
	t.Parallel()
	// Doubt: Zendesk's search syntax for phones and open tickets, given
	// only by examples.
	if q := phoneQuery(`+33 6 12 "34"`); q != "phone:+3361234" {
		t.Errorf("phoneQuery = %q", q)
	}
	if q := openTicketQuery(42); q != "type:ticket requester:42 status<solved" {
		t.Errorf("openTicketQuery = %q", q)
	}
}

func TestUnconfirmedAgentRoles(t *testing.T) {
	t.Parallel()
	// Doubt: Zendesk cannot tell a person from a system account; the role
	// "agent" is taken for a person.
	if r := agentRoles(); len(r) != 1 || r[0] != zendesk.RoleAgent {
		t.Errorf("agentRoles = %v", r)
	}
}

// Doubt: how Zendesk answers an update of a closed ticket (public test
// fixtures show a 422 RecordInvalid, details.status "Status: closed
// prevents ticket update"); any other 422 is no closed ticket.
func TestUnconfirmedClosedTicketAnswer(t *testing.T) {
	closed := &zendesk.Error{APIError: deskbridge.APIError{StatusCode: 422, Code: "RecordInvalid"},
		Details: map[string][]zendesk.ErrorDetail{"status": {{Description: "Status: closed prevents ticket update", Error: "InvalidValue"}}}}
	if !closedTicket(fmt.Errorf("memorialize: updating ticket 9: %w", closed)) {
		t.Error("the fixtures' answer is not taken for a closed ticket")
	}
	other := &zendesk.Error{APIError: deskbridge.APIError{StatusCode: 422, Code: "RecordInvalid"},
		Details: map[string][]zendesk.ErrorDetail{"subject": {{Description: "Subject: is too long"}}}}
	for _, err := range []error{other, &zendesk.Error{APIError: deskbridge.APIError{StatusCode: 404}}, errors.New("closed"), nil} {
		if closedTicket(err) {
			t.Errorf("%v is taken for a closed ticket", err)
		}
	}
}

// Doubt: whether a completed contact's lastUpdateTime is its landing in
// the Reporting API or its own last change (then a contact can land with
// a lastUpdateTime before the last poll's lastPollTime). The cursor never
// passes now - settle, whatever CXone's lastPollTime says.
func TestUnconfirmedLastUpdateTimeMayPrecedeLanding(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		t, want time.Time
	}{
		{now, now.Add(-DefaultSettle)},                                   // lastPollTime is now: keep the overlap
		{now.Add(time.Hour), now.Add(-DefaultSettle)},                    // a clock ahead of ours
		{now.Add(-DefaultSettle + time.Second), now.Add(-DefaultSettle)}, // inside the overlap
		{now.Add(-time.Hour), now.Add(-time.Hour)},                       // a contact held long ago stays the cursor
		{now.Add(-DefaultSettle - time.Second), now.Add(-DefaultSettle - time.Second)},
	} {
		if got := resumeAfterList(tc.t, now, DefaultSettle); !got.Equal(tc.want) {
			t.Errorf("resumeAfterList(%s) = %s, want %s", tc.t, got, tc.want)
		}
	}
}

func TestUnconfirmedHandoff(t *testing.T) {
	t.Parallel()
	// Doubt: how the Reporting API lists a digital transfer or
	// unassignment. The flow assumes the agent's segment ends (listed
	// completed) with an endReason naming it, and the interaction goes on
	// under a new contact id with the same masterContactId. Wrong, a
	// segment would be written with "Final State" true, or (were the
	// contact id kept) the contact written once, at its end, with its last
	// agent's data.
	for reason, want := range map[string]bool{
		"Transferred": true, "Agent Transfer": true, "Unassigned": true, "unassign": true,
		"Agent Hung Up": false, "Contact Hung Up": false, "": false,
	} {
		if got := handedOff(&cxone.Contact{EndReason: reason}); got != want {
			t.Errorf("handedOff(%q) = %v", reason, got)
		}
	}
	// A transfer indicator alone is not a handoff: the receiving segment
	// may carry one.
	if handedOff(&cxone.Contact{TransferIndicatorID: 3, EndReason: "Agent Hung Up"}) {
		t.Error("a transfer indicator taken for a handoff")
	}
}
