package memorialize

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/zendesk"
)

// This file holds every detail of CXone's and Zendesk's behaviour that the
// flow relies on and that no public document read while writing it
// states (UNCONFIRMED), one function each, tested in unconfirmed_test.go
// by a test that names the doubt, so that a correction is one edit.
// "The help page" is CXone's help page "Configure a CRM system for Zendesk"
// (https://help.nice-incontact.com/content/agent/agentapplicationadministration/cxoneagentintegrated/crmintegration/crmconfigurations/setupcrmconfigzen.htm);
// "the notes" are the vendor facts deskbridge was built from, with their
// sources (CXone's agent SDK, https://github.com/nice-devone/nice-cxone-agent-sdk,
// and clients generated from the developer portal's OpenAPI files).

// The values of the help page's "Event Type" and "Contact Type" (the
// seed, in French, lists "vocale, numérique, messagerie vocale ou élément
// de travail"; the vendor notes' English is written): [eventType].
const (
	typeVoice     = "voice"
	typeDigital   = "digital"
	typeVoicemail = "voicemail"
	typeWorkItem  = "work item"
)

// eventType is the help page's "Event Type" and "Contact Type" of a
// completed contact: "voice", "digital", "voicemail" or "work item", ""
// when the contact names no media type. It is the flow's one reading of
// CXone's media types ([isDigital] reads it too).
//
// UNCONFIRMED: the Reporting API's references publish no list of
// mediaTypeIds (their samples show 4 "Call" and 3 "Chat"). CXone's agent
// SDK names PhoneCall 4, VoiceEmail 5, WorkItem 6, Email 1, ChatItem 3
// and Digital 9, and the names "Voice", "Voice Mail", "Work Item",
// "Email" and "Digital" (common-sdk/src/enum/media-type in
// https://github.com/nice-devone/nice-cxone-agent-sdk); that the
// Reporting API uses the same ids is an inference. Every other id is
// digital (e-mail, chat, SMS, messaging). Without an id, the media type
// name decides: one naming a voice mail or a work item, then one naming a
// call or voice, else digital. Also unconfirmed: what CXone itself writes
// for these fields. The help page gives these four values (and only
// "voice or digital" for "Contact Type"), while the SDK's voice contact
// data carries a contactType of Regular, PersonalConnection, Consult or
// PersonalQueue (a call type); the flow writes the help page's values.
func eventType(c *cxone.Contact) string {
	switch c.MediaTypeID {
	case 4:
		return typeVoice
	case 5:
		return typeVoicemail
	case 6:
		return typeWorkItem
	case 0:
	default:
		return typeDigital
	}
	name := strings.ToLower(strings.Join(strings.Fields(c.MediaTypeName), ""))
	switch {
	case name == "":
		return ""
	case strings.Contains(name, "voicemail"):
		return typeVoicemail
	case strings.Contains(name, "workitem"):
		return typeWorkItem
	case strings.Contains(name, "call") || strings.Contains(name, "voice"):
		return typeVoice
	}
	return typeDigital
}

// isDigital reports whether a completed contact is a Digital Experience
// contact (chat, e-mail, SMS, messaging) rather than a voice call, from
// its [eventType].
//
// UNCONFIRMED: which pairs a voice mail and a work item get. A voice mail
// (a recorded call) is voice, with the voice pairs (its "Recording URL");
// a work item, neither a call nor a Digital Experience contact, is
// digital, with the digital pairs (its "Event Type" is "work item"). A
// contact that names no media type is voice.
func isDigital(c *cxone.Contact) bool {
	switch eventType(c) {
	case typeDigital, typeWorkItem:
		return true
	}
	return false
}

// endedByContact reports whether the customer ended the interaction
// first, so that statuses, dispositions, notes and tags are not
// memorialized (the help page).
//
// UNCONFIRMED: the Reporting API's endReason values are not published;
// "Contact Hung Up" is the one in its sample. Any end reason starting with
// "Contact" (the contact hung up, left, disconnected) counts; "Agent …"
// and empty do not.
func endedByContact(c *cxone.Contact) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(c.EndReason)), "contact")
}

// handedOff reports whether a completed contact is the segment of an
// agent who passed the interaction on (transferred it to another agent or
// skill, or unassigned it), rather than its end. The help page says a
// digital contact is memorialized "when the agent transfers the
// interaction, or unassigns and dismisses it"; the flow writes such a
// segment as it writes any completed contact, with that agent's data
// ("Final State" false), and the segment that continues it, under its own
// contact id, into the same records (they share the masterContactId).
//
// UNCONFIRMED: how the Reporting API lists a digital handoff. Public pages
// say only that Studio's OnAssignment runs again for the next agent (with
// IsTransfer for an agent-to-agent transfer) and OnUnassignment when a
// contact leaves its agent while the interaction goes on
// (https://help.nice-incontact.com/content/studio/actionscx/onassignmentchanged_digital/onassignmentchanged_digital.htm,
// https://help.nice-incontact.com/content/studio/actionscx/onunassignmentchanged_digital/onunassignmentchanged_digital.htm);
// the agent SDK says a transferred voice contact gets a new ContactID
// with the same MasterID. The flow assumes a digital handoff ends the
// contact (listed complete) and that its endReason names the transfer or
// the unassignment ("Transferred", "Unassigned"; the transferIndicator
// fields are not read, since a segment that received a transfer may carry
// them as well). Were a handoff to keep the contact id, the
// segment would not be listed and the contact would be written once, at
// its end, with its last agent's data.
func handedOff(c *cxone.Contact) bool {
	r := strings.ToLower(c.EndReason)
	return strings.Contains(r, "transfer") || strings.Contains(r, "unassign")
}

// ani is the help page's "ANI" (the contact's phone number).
//
// UNCONFIRMED: the Reporting API has no ANI field; the caller's address
// (fromAddress) of an inbound contact, and the number dialled (toAddress)
// of an outbound one, is an inference (the notes, §1.7).
func ani(c *cxone.Contact) string {
	if c.IsOutbound {
		return c.ToAddress
	}
	return c.FromAddress
}

// dnis is the help page's "DNIS" (the agent side's number): the other address
// of the contact. UNCONFIRMED as [ani].
func dnis(c *cxone.Contact) string {
	if c.IsOutbound {
		return c.FromAddress
	}
	return c.ToAddress
}

// channelName and channelType are the help page's "Channel Name" and "Channel
// Type" of a digital contact ("the type of digital channel, such as chat,
// e-mail or Facebook Messenger").
//
// UNCONFIRMED: the Reporting API has no channel; the media sub-type name
// (else the media type name) is the nearest it has, for both.
func channelName(c *cxone.Contact) string {
	if c.MediaSubTypeName != "" {
		return c.MediaSubTypeName
	}
	return c.MediaTypeName
}

func channelType(c *cxone.Contact) string { return channelName(c) }

// status is the help page's "Status" (the state the agent chose in the outcome
// window).
//
// UNCONFIRMED: the Reporting API's digitalContactStateName for a digital
// contact, and its stateName otherwise (the notes, §1.7).
func status(c *cxone.Contact) string {
	if c.DigitalContactStateName != "" {
		return c.DigitalContactStateName
	}
	return c.StateName
}

// interactionID is the help page's "Interaction ID".
//
// UNCONFIRMED: the Reporting API carries none (the agent event stream's
// InteractionId and the Digital Experience contact's interactionId do).
// The flow reads the script variable "interactionid" when the script sets
// it, and writes nothing otherwise.
func interactionID(in *Interaction) string { return in.Variables["interactionid"] }

// transcriptURL is the help page's "Transcript URL".
//
// UNCONFIRMED: no public endpoint returns a transcript's URL (the Digital
// Experience API's POST /contacts/{id}/transcript e-mails one). The flow
// reads the script variable "transcripturl" when the script sets it.
func transcriptURL(in *Interaction) string { return in.Variables["transcripturl"] }

// settled reports whether a completed contact is final enough to
// memorialize: voice after its after-call work, digital once closed.
//
// UNCONFIRMED: the Reporting API lists a contact as completed once it has
// ended; whether it can list one whose after-call work is still going on
// is not said. A contact still marked isActive is left for a later poll.
func settled(c *cxone.Contact) bool { return !c.IsActive }

// resumeFrom is the updatedSince the poll resumes from when it must hold
// before a contact with lastUpdateTime t.
//
// UNCONFIRMED: whether updatedSince includes a contact updated exactly
// then. The flow steps a second back, so the contact is listed again
// either way; the contacts before it that are listed again are known
// done and skipped.
func resumeFrom(t time.Time) time.Time { return t.Add(-time.Second) }

// resumeAfterList is the updatedSince the next poll starts from, where
// the poll would resume at t: CXone's lastPollTime at the end of the list,
// the last contact's time at the end of a page, a second before a contact
// it holds before. It keeps settle of overlap: never later than now -
// settle.
//
// UNCONFIRMED: whether a completed contact's lastUpdateTime is the time
// its record reached the Reporting API (then lastPollTime misses nothing)
// or its own last change, which can precede its landing by the
// warehousing lag: a contact landing after a poll whose lastPollTime is
// past its lastUpdateTime would then never be listed again. The overlap
// lists the last settle again at every poll, so a contact landing up to
// settle late is still written; the contacts written before are known done
// and skipped (a store read each, no Zendesk request).
func resumeAfterList(t, now time.Time, settle time.Duration) time.Time {
	if limit := now.Add(-settle); t.After(limit) {
		return limit
	}
	return t
}

// Zendesk's field limits, in characters.
//
// UNCONFIRMED: Zendesk's references give no length for text values; 255
// for a single-line text field and the standard one-line fields, and
// 65,535 for a multi-line field and a user's notes and details, are the
// figures users report. [ZendeskField.MaxLength] overrides them.
const (
	limitText      = 255
	limitMultiline = 65535
)

// fieldLimit is the longest value a Zendesk field takes, in characters
// (see limitText).
func fieldLimit(f ZendeskField) int {
	if f.MaxLength > 0 {
		return f.MaxLength
	}
	switch f.Standard {
	case "notes", "details":
		return limitMultiline
	case "":
	default:
		return limitText
	}
	if f.Type == zendesk.FieldTextarea {
		return limitMultiline
	}
	return limitText
}

// phoneQuery is the Zendesk user search of the Search ANI workflow ("it
// searches every standard phone field with the ANI").
//
// UNCONFIRMED: that /api/v2/users/search matches "phone:<number>" on the
// user's phone and phone identities as written; Zendesk's search
// reference gives the syntax by examples only.
// The number is reduced to its digits (and leading +), so that an ANI
// such as "1*" cannot become a wildcard, nor a quote a search term.
func phoneQuery(number string) string {
	return "phone:" + phoneDigits(number)
}

// openTicketQuery is the ticket search that finds a user's open ticket.
//
// UNCONFIRMED: "requester:<id> status<solved" as Zendesk's search syntax
// (its reference gives such terms by example).
func openTicketQuery(userID int64) string {
	return "type:ticket requester:" + idText(userID) + " status<solved"
}

// closedTicket reports whether err is Zendesk refusing to update a
// closed ticket, which no retry changes: the flow then treats the ticket
// the interaction carries as absent and runs the Search ANI and Create
// Ticket workflows (a new ticket rather than a follow-up: the zendesk
// client has no via_followup_source_id).
//
// UNCONFIRMED: Zendesk's ticket reference says a closed ticket cannot be
// updated but not how it answers; public test fixtures show a 422
// RecordInvalid with details.status[].description "Status: closed
// prevents ticket update". Any 422 with a status detail naming "closed"
// counts.
func closedTicket(err error) bool {
	var ze *zendesk.Error
	if !errors.As(err, &ze) || ze.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, d := range ze.Details["status"] {
		if strings.Contains(strings.ToLower(d.Description), "closed") {
			return true
		}
	}
	return false
}

// agentRoles are the Zendesk roles of a credential that [Flow.Check]
// reports as an agent's rather than a dedicated system user's.
//
// UNCONFIRMED: the help page asks for a dedicated system user with admin
// rights; Zendesk cannot tell a person from a system account, so Check
// reports a credential of role "agent" (an admin can be the system user),
// and, when Config.SystemUser is set, any other user.
func agentRoles() []string { return []string{"agent"} }
