package webhook

import (
	"hash"
	"net/http"
	"time"
)

// This file holds every behaviour of the senders that this package relies
// on and that their public documentation, as read while writing it, does
// not state (UNCONFIRMED). Each sits behind one function, tested in
// unconfirmed_test.go by a test that names the doubt: what is assumed, and
// what would show it wrong. A correction is one edit here. Check them
// against real deliveries from a sandbox account before relying on them.
//
// What the senders do document is described where it is used, with its
// source; the choices this package makes on its own (the clock tolerance,
// the body cap, the handler's status codes) are described where they are
// made.

// writeZendeskSignedMessage writes the bytes Zendesk signs, in the order it
// signs them: the X-Zendesk-Webhook-Signature-Timestamp value, then the
// body. It is the only place that knows the order: [SignZendesk],
// [ZendeskVerifier.Verify] and the key state derived once (zendeskKeys)
// all write through it.
//
// UNCONFIRMED: Zendesk's "Verifying webhook authenticity"
// (https://developer.zendesk.com/documentation/webhooks/verifying/) says
// base64(HMACSHA256(TIMESTAMP + BODY)), and every third-party verifier
// found agrees; but an older copy of the same page
// (https://developer.zendesk.com/documentation/event-connectors/webhooks/verifying/)
// said (BODY)(TIMESTAMP), and its worked example verifies only in that
// order (see TestZendeskSignedMessageOrderUnconfirmed). This follows the
// current page. If a real signed request from a sandbox verifies only the
// other way, swap the two writes here and change nothing else.
func writeZendeskSignedMessage(mac hash.Hash, timestamp, body []byte) {
	// hash.Hash writes never fail.
	_, _ = mac.Write(timestamp)
	_, _ = mac.Write(body)
}

// decodeUnifiedStateEvent decodes the "event" object of
// agent.unified_state_changed (nil: absent or null) into p's previous and
// new status and the time of the change, on the fast path when it can
// (zendesk_fastpath.go) and with encoding/json otherwise.
//
// UNCONFIRMED: Zendesk's agent availability events reference
// (https://developer.zendesk.com/api-reference/webhooks/event-types/agent-availability-events/)
// names this event ("Agent Unified Status Changed") but the copies read
// show no body for it. The members read here are those of a public
// sample, not of Zendesk's documentation (scripts/send_sample_event.py in
// https://github.com/agarwalchirag77/zendesk-agent-presence):
//
//	{"new_unified_state": {"id": "2", "name": "online", "reason": "AGENT_LOGIN"},
//	 "previous_unified_state": {"id": "1", "name": "offline", "reason": "UNKNOWN"},
//	 "updated_at": "2023-04-05T23:30:58.642630335Z"}
//
// The sample looks made up: its ids are strings, where the Unified Agent
// Status API
// (https://developer.zendesk.com/api-reference/agent-availability/unified-agent-status-api/)
// gives status ids as integers and other ones (offline 2, online 3, away
// 4, transfers only 5), and AGENT_LOGIN is not among the reasons the Agent
// Availability API documents for agent_status
// (https://developer.zendesk.com/api-reference/agent-availability/agent-availability-api/).
// So an id is taken as a string or a number, a name and a reason as sent.
// A real delivery whose members are named otherwise decodes as zero
// states (its body stays in [ZendeskEvent.Event]); one whose ids are not
// integers is refused as malformed.
func decodeUnifiedStateEvent(event []byte, p *AgentUnifiedStateChanged) error {
	var e wireUnifiedStateEvent
	if !fastUnifiedStateEvent(event, &e) {
		if err := decodeStd("event", event, &e); err != nil {
			return err
		}
	}
	p.PreviousState, p.NewState, p.UpdatedAt = e.Previous.unified(), e.New.unified(), e.UpdatedAt
	return nil
}

// wireUnifiedStateEvent and wireUnifiedState are the event of
// agent.unified_state_changed as decodeUnifiedStateEvent reads it.
type wireUnifiedStateEvent struct {
	New       wireUnifiedState `json:"new_unified_state"`
	Previous  wireUnifiedState `json:"previous_unified_state"`
	UpdatedAt time.Time        `json:"updated_at"`
}

type wireUnifiedState struct {
	ID     flexInt64 `json:"id"`
	Name   string    `json:"name"`
	Reason string    `json:"reason"`
}

func (s wireUnifiedState) unified() UnifiedState {
	return UnifiedState{ID: int64(s.ID), Name: s.Name, Reason: s.Reason}
}

// The JSON names of the wire types above, as in their tags
// (TestFastPathNamesMatchTags keeps them in step).
var (
	unifiedStateEventNames = []string{"new_unified_state", "previous_unified_state", "updated_at"}
	unifiedStateNames      = []string{"id", "name", "reason"}
)

// fastUnifiedStateEvent decodes the "event" of agent.unified_state_changed
// without reflection, or reports that encoding/json must (see fastObject).
func fastUnifiedStateEvent(span []byte, e *wireUnifiedStateEvent) bool {
	if span == nil {
		return true
	}
	return fastObject(span, unifiedStateEventNames, func(name string, v []byte) bool {
		switch name {
		case "new_unified_state":
			return fastUnifiedState(v, &e.New)
		case "previous_unified_state":
			return fastUnifiedState(v, &e.Previous)
		default: // updated_at
			return fastTime(v, &e.UpdatedAt)
		}
	})
}

// fastUnifiedState decodes a unified state into s as encoding/json decodes
// an object into a struct field: members absent from the object, or null
// in it, leave what s holds (a duplicate state member merges into the
// first), and null as a whole leaves s alone.
func fastUnifiedState(value []byte, s *wireUnifiedState) bool {
	switch value[0] {
	case 'n':
		return string(value) == "null"
	case '{':
		return fastObject(value, unifiedStateNames, func(name string, v []byte) bool {
			switch name {
			case "id":
				return fastFlexInt64(v, &s.ID)
			case "name":
				return fastString(v, &s.Name)
			default: // reason
				return fastString(v, &s.Reason)
			}
		})
	}
	return false
}

// wireCustomStatus is detail's "custom_status" in ticket events, as
// [TicketEvent.CustomStatus] gives it; its UnmarshalJSON holds the guess.
type wireCustomStatus string

// UnmarshalJSON decodes custom_status as text.
//
// UNCONFIRMED: Zendesk's ticket events reference
// (https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/)
// lists custom_status among the detail properties, but the copies read
// give neither its type nor an example. It is taken to be the ticket's
// custom status id (custom_status_id in the Tickets API,
// https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/),
// and kept as text whether it comes as a string or a number (null as "").
// If it comes as an object, every ticket event is refused as malformed
// until this changes.
func (s *wireCustomStatus) UnmarshalJSON(data []byte) error {
	return (*flexString)(s).UnmarshalJSON(data)
}

// zendeskRetries reports whether Zendesk retries a webhook request that was
// answered with status and a Retry-After of retryAfter (0: none). The
// [Handler]'s answers are chosen to match it: a failure that a retry may
// cure answers 503 with a Retry-After under a minute ([DefaultRetryAfter],
// [DefaultBusyRetryAfter], [MaxBusyRetryAfter]) so that Zendesk retries it,
// and a [Permanent] failure answers 422 so that it does not.
//
// UNCONFIRMED: the "Webhook retries" section of
// https://developer.zendesk.com/api-reference/webhooks/introduction could
// not be read whole. This follows third-party summaries of it
// (https://alboz.eu/insights/master-webhooks-maximize-stability-performance
// and a "test webhooks locally" guide), not Zendesk's own text: a 409 is
// retried (up to 3 times), a 429 or 503 only when its Retry-After is under
// 60 seconds, a request left unanswered for 12 seconds (10 by one summary)
// up to 5 times, and nothing else. If Zendesk retries fewer answers than
// this, a failed delivery is lost; if it retries more, a refused one comes
// back and is refused again.
func zendeskRetries(status int, retryAfter time.Duration) bool {
	switch status {
	case http.StatusConflict:
		return true
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return retryAfter > 0 && retryAfter < time.Minute
	}
	return false
}

// zendeskDeliveryKeys returns the de-duplication keys of a verified Zendesk
// delivery whose body has no key of its own (a trigger or automation
// webhook): signed is the delivery's signature, which covers its timestamp
// and body, so that a captured delivery replayed within the tolerance is a
// duplicate whatever unsigned headers the replay carries; retry is the
// keyHeader value (X-Zendesk-Webhook-Invocation-Id by default), which the
// [Handler] checks as well, so that a retry of a handled invocation is a
// duplicate even when it is signed again. A delivery is handled when
// neither key was; both are then marked handled. The invocation id is never
// the only key: a replay could set it to anything.
//
// UNCONFIRMED: Zendesk's webhooks introduction
// (https://developer.zendesk.com/api-reference/webhooks/introduction)
// speaks of invocations and their attempts, but the pages read do not say
// whether a retry is signed again (a new X-Zendesk-Webhook-Signature-
// Timestamp and signature) or sent with the first attempt's headers, nor
// that every attempt carries the invocation's id. Both kinds of retry are
// covered: the same signature is the same key, and a new one is caught by
// the invocation id. What is lost if the guesses are wrong: if a retry that
// is signed again carries a new invocation id, a retry of a delivery that
// was handled but whose answer was lost is handled again (give the body a
// key of its own, a comment id, to cover that); and two deliveries of one
// body signed in the same second by the same secret are one delivery.
func zendeskDeliveryKeys(h http.Header, keyHeader string) (signed, retry string) {
	if sig := h.Get(HeaderZendeskSignature); sig != "" {
		signed = "zendesk-signature:" + sig
	}
	if keyHeader != "" {
		retry = h.Get(keyHeader)
	}
	return signed, retry
}

// sunshineGuessedPayload returns the maker of the payload type of the
// Sunshine Conversations event types whose payload this package guesses,
// or nil for the others.
//
// UNCONFIRMED: the webhook event schemas of the Sunshine Conversations API
// specification (openapi.yaml, https://github.com/zendesk/sunshine-conversations-api-spec)
// give the payloads of conversation:message, :create, :typing, :read,
// :postback, the message delivery events, the switchboard events and
// user:merge. The trigger list also names conversation:join, :leave,
// :remove, conversation:referral, user:update, user:remove and client:add,
// :update, :remove, whose payloads the copies read do not show; they are
// taken to carry the conversation and user (join, leave, remove), the
// conversation, user, source and referral of conversation:create
// (referral), the user (user events) and the user and client (client
// events). Members named otherwise decode as zero values (the payload
// stays in [SunshineEvent].Payload); a member of another JSON kind makes
// the accessor fail with ErrMalformed. Drop a type from here to make its
// events decode to nil instead.
func sunshineGuessedPayload(typ string) func() any {
	switch typ {
	case SunshineTypeConversationJoin, SunshineTypeConversationLeave, SunshineTypeConversationRemove:
		return func() any { return new(SunshineParticipantEvent) }
	case SunshineTypeConversationReferral:
		return func() any { return new(SunshineReferralEvent) }
	case SunshineTypeUserUpdate, SunshineTypeUserRemove:
		return func() any { return new(SunshineUserEvent) }
	case SunshineTypeClientAdd, SunshineTypeClientUpdate, SunshineTypeClientRemove:
		return func() any { return new(SunshineClientEvent) }
	}
	return nil
}
