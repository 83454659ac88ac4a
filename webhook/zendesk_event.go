package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Zendesk event types that [ParseZendeskEvent] decodes into a typed payload,
// as Zendesk's event type references name them
// (https://developer.zendesk.com/api-reference/webhooks/event-types/agent-availability-events/,
// https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/).
// Every type starting with [ZendeskTicketTypePrefix] is decoded into a
// *[TicketEvent], including ticket types not listed here.
const (
	// ZendeskTypeAgentStateChanged ("Agent Per Channel Status Changed"):
	// Payload is *[AgentStateChanged].
	ZendeskTypeAgentStateChanged = "zen:event-type:agent.state_changed"
	// ZendeskTypeAgentUnifiedStateChanged ("Agent Unified Status Changed"):
	// Payload is *[AgentUnifiedStateChanged].
	ZendeskTypeAgentUnifiedStateChanged = "zen:event-type:agent.unified_state_changed"

	// ZendeskTicketTypePrefix starts every ticket event type; their Payload
	// is *[TicketEvent].
	ZendeskTicketTypePrefix = "zen:event-type:ticket."

	ZendeskTypeTicketAgentAssignmentChanged        = ZendeskTicketTypePrefix + "agent_assignment_changed"
	ZendeskTypeTicketAttachmentLinkedToComment     = ZendeskTicketTypePrefix + "attachment_linked_to_comment"
	ZendeskTypeTicketAttachmentRedactedFromComment = ZendeskTicketTypePrefix + "attachment_redacted_from_comment"
	ZendeskTypeTicketBrandChanged                  = ZendeskTicketTypePrefix + "brand_changed"
	ZendeskTypeTicketCommentAdded                  = ZendeskTicketTypePrefix + "comment_added"
	ZendeskTypeTicketCommentMadePrivate            = ZendeskTicketTypePrefix + "comment_made_private"
	ZendeskTypeTicketCommentRedacted               = ZendeskTicketTypePrefix + "comment_redacted"
	ZendeskTypeTicketCustomFieldChanged            = ZendeskTicketTypePrefix + "custom_field_changed"
	ZendeskTypeTicketCustomStatusChanged           = ZendeskTicketTypePrefix + "custom_status_changed"
	ZendeskTypeTicketDescriptionChanged            = ZendeskTicketTypePrefix + "description_changed"
	ZendeskTypeTicketExternalIDChanged             = ZendeskTicketTypePrefix + "external_id_changed"
	ZendeskTypeTicketEmailCCsChanged               = ZendeskTicketTypePrefix + "email_ccs_changed"
	ZendeskTypeTicketFollowersChanged              = ZendeskTicketTypePrefix + "followers_changed"
	ZendeskTypeTicketFormChanged                   = ZendeskTicketTypePrefix + "form_changed"
	ZendeskTypeTicketGroupAssignmentChanged        = ZendeskTicketTypePrefix + "group_assignment_changed"
	ZendeskTypeTicketOrganizationChanged           = ZendeskTicketTypePrefix + "organization_changed"
	ZendeskTypeTicketPriorityChanged               = ZendeskTicketTypePrefix + "priority_changed"
	ZendeskTypeTicketProblemLinkChanged            = ZendeskTicketTypePrefix + "problem_link_changed"
	ZendeskTypeTicketRequesterChanged              = ZendeskTicketTypePrefix + "requester_changed"
	ZendeskTypeTicketStatusChanged                 = ZendeskTicketTypePrefix + "status_changed"
	ZendeskTypeTicketSubjectChanged                = ZendeskTicketTypePrefix + "subject_changed"
)

// zendeskTypedTypes lists the types named by the constants above, sorted.
// The ticket types are those of the table in Zendesk's ticket events
// reference as far as the copies read show it (up to subject_changed);
// other ticket.* types, such as those of the same events in Zendesk's
// integration services reference
// (https://developer.zendesk.com/api-reference/integration-services/trigger-events/ticket-events/),
// decode as *TicketEvent all the same.
var zendeskTypedTypes = []string{
	ZendeskTypeAgentStateChanged,
	ZendeskTypeAgentUnifiedStateChanged,
	ZendeskTypeTicketAgentAssignmentChanged,
	ZendeskTypeTicketAttachmentLinkedToComment,
	ZendeskTypeTicketAttachmentRedactedFromComment,
	ZendeskTypeTicketBrandChanged,
	ZendeskTypeTicketCommentAdded,
	ZendeskTypeTicketCommentMadePrivate,
	ZendeskTypeTicketCommentRedacted,
	ZendeskTypeTicketCustomFieldChanged,
	ZendeskTypeTicketCustomStatusChanged,
	ZendeskTypeTicketDescriptionChanged,
	ZendeskTypeTicketEmailCCsChanged,
	ZendeskTypeTicketExternalIDChanged,
	ZendeskTypeTicketFollowersChanged,
	ZendeskTypeTicketFormChanged,
	ZendeskTypeTicketGroupAssignmentChanged,
	ZendeskTypeTicketOrganizationChanged,
	ZendeskTypeTicketPriorityChanged,
	ZendeskTypeTicketProblemLinkChanged,
	ZendeskTypeTicketRequesterChanged,
	ZendeskTypeTicketStatusChanged,
	ZendeskTypeTicketSubjectChanged,
}

// ZendeskEventTypes returns, sorted, the event types this package has a
// constant for; [ParseZendeskEvent] gives each of them a typed Payload. The
// slice is a copy.
func ZendeskEventTypes() []string {
	return slices.Clone(zendeskTypedTypes)
}

// IsTypedZendeskEvent reports whether [ParseZendeskEvent] decodes events of
// type t into a typed Payload: the agent status types above and every
// "zen:event-type:ticket.*" type. It is the default filter of
// [NewZendeskHandler].
func IsTypedZendeskEvent(t string) bool {
	return t == ZendeskTypeAgentStateChanged ||
		t == ZendeskTypeAgentUnifiedStateChanged ||
		(strings.HasPrefix(t, ZendeskTicketTypePrefix) && len(t) > len(ZendeskTicketTypePrefix))
}

// ZendeskEvent is the envelope of a Zendesk event-subscription webhook
// ("zen:event-type:*"), identical for every event type; this is the example
// of Zendesk's agent availability events reference
// (https://developer.zendesk.com/api-reference/webhooks/event-types/agent-availability-events/):
//
//	{"account_id": 2, "detail": {...}, "event": {...}, "id": "01GX79ST1QX01C889XV42S2J5T",
//	 "subject": "zen:agent:10011", "time": "2023-05-10T23:31:58.642630335Z",
//	 "type": "zen:event-type:agent.state_changed", "zendesk_event_version": "2022-11-06"}
//
// Detail describes the object the event is about (its shape depends on the
// event family) and Event what happened to it (its shape depends on the
// type). Both are kept raw; Payload holds them decoded for the types this
// package knows (see [ZendeskEventTypes]).
type ZendeskEvent struct {
	// ID identifies the event; it is the same on every retry of a delivery
	// and is the [Handler]'s de-duplication key.
	ID string `json:"id"`
	// Type is the event type, e.g. "zen:event-type:agent.state_changed".
	Type string `json:"type"`
	// Subject is a URN naming what the event is about, e.g. "zen:agent:10011".
	Subject string `json:"subject"`
	// AccountID is the Zendesk account the event comes from.
	AccountID int64 `json:"account_id"`
	// Time is when the event happened, with nanosecond precision.
	Time time.Time `json:"time"`
	// Version is the payload schema version ("zendesk_event_version"),
	// e.g. "2022-11-06".
	Version string `json:"zendesk_event_version"`
	// Detail is the raw "detail" object, nil when absent or null.
	Detail json.RawMessage `json:"detail,omitempty"`
	// Event is the raw "event" object, nil when absent or null.
	Event json.RawMessage `json:"event,omitempty"`
	// Payload is Detail and Event decoded: *[AgentStateChanged],
	// *[AgentUnifiedStateChanged] or *[TicketEvent] according to Type, and
	// nil for every other type.
	Payload any `json:"-"`
}

// AgentStateChanged is the payload of "zen:event-type:agent.state_changed"
// (Agent Per Channel Status Changed): an agent's status on one channel
// changed. Its fields are those of the event's example in Zendesk's agent
// availability events reference
// (https://developer.zendesk.com/api-reference/webhooks/event-types/agent-availability-events/).
type AgentStateChanged struct {
	// AccountID and AgentID come from "detail", where Zendesk sends them as
	// strings ("10011"). AgentID is the Zendesk user id of the agent.
	AccountID int64
	AgentID   int64
	// DetailVersion is detail's "version" ("3").
	DetailVersion string
	// Channel is "support", "messaging" or "talk".
	Channel string
	// PreviousState and NewState are the channel status before and after,
	// as sent: the reference says "online", "offline" or "away"; the
	// channel statuses of the Unified Agent Status API
	// (https://developer.zendesk.com/api-reference/agent-availability/unified-agent-status-api/)
	// add "transfers_only".
	PreviousState string
	NewState      string
	// UpdatedAt is when the status changed.
	UpdatedAt time.Time
}

// AgentUnifiedStateChanged is the payload of
// "zen:event-type:agent.unified_state_changed" (Agent Unified Status
// Changed): an agent's unified (omnichannel) status changed.
//
// AccountID, AgentID and DetailVersion come from "detail", as in
// [AgentStateChanged]. The members the rest is read from are a guess:
// Zendesk's reference shows no body for this event, and the decoding
// follows a public sample (see unconfirmed.go). Check a real delivery
// before relying on PreviousState, NewState and UpdatedAt; the raw body
// stays in [ZendeskEvent.Event].
type AgentUnifiedStateChanged struct {
	AccountID     int64 // from "detail"
	AgentID       int64 // from "detail"
	DetailVersion string
	PreviousState UnifiedState
	NewState      UnifiedState
	UpdatedAt     time.Time
}

// UnifiedState is an agent's unified status as carried by
// [AgentUnifiedStateChanged] (whose decoding is a guess, see there).
type UnifiedState struct {
	// ID is the status id. In the Unified Agent Status API
	// (https://developer.zendesk.com/api-reference/agent-availability/unified-agent-status-api/)
	// the default statuses are offline 2, online 3, away 4 and transfers
	// only 5, and custom statuses have larger ids; the public sample the
	// decoding follows uses other ids.
	ID int64
	// Name is the status name, e.g. "online" or a custom status name.
	Name string
	// Reason says what caused the change, as sent, e.g.
	// "AGENT_STATUS_SWITCHER", one of the reasons the Agent Availability API
	// documents for agent_status
	// (https://developer.zendesk.com/api-reference/agent-availability/agent-availability-api/).
	Reason string
}

// TicketEvent is the payload of every "zen:event-type:ticket.*" event: the
// ticket as "detail" describes it after the change, with the detail
// properties Zendesk's ticket events reference lists
// (https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/),
// and the raw "event", whose shape depends on the event type and is left
// to the caller: the copies of that reference read while writing this
// package did not show its examples. Ids are decoded to int64 whether they
// arrive as strings or numbers (0 when absent).
type TicketEvent struct {
	TicketID       int64 // detail "id"
	ActorID        int64 // the user who made the change
	AssigneeID     int64
	BrandID        int64
	FormID         int64
	GroupID        int64
	OrganizationID int64
	RequesterID    int64
	SubmitterID    int64
	// ExternalID is the ticket's external id, always a string.
	ExternalID string
	// CustomStatus is detail's "custom_status" as text; a number is kept as
	// its digits. That it is the custom status id is a guess (see
	// unconfirmed.go).
	CustomStatus string
	Description  string
	Subject      string
	// Status is "new", "open", "pending", "hold", "solved" or "closed" (case
	// as Zendesk sends it).
	Status string
	// Priority is "low", "normal", "high", "urgent" or empty.
	Priority string
	// TicketType is detail's "type": "question", "incident", "problem",
	// "task" or empty (not the event type, which is [ZendeskEvent.Type]).
	TicketType string
	IsPublic   bool
	Tags       []string
	// ViaChannel is detail's "via.channel", e.g. "web", "email", "api".
	ViaChannel string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Event is the raw "event" object (same as [ZendeskEvent.Event]).
	Event json.RawMessage
}

// ParseZendeskEvent decodes a Zendesk event-subscription webhook body. It
// returns an error wrapping [ErrMalformed] when the body is not a JSON object,
// has no "type", or has a field of the wrong type, including a typed
// payload's field. Unknown event types decode without error and with a nil
// Payload. A null or absent "detail" or "event" is tolerated. The
// envelope's member names match exactly ("Type" is not "type"); inside
// "detail" and "event" they match as encoding/json matches them.
//
// ParseZendeskEvent does not verify anything: call [ZendeskVerifier.Verify]
// on the same bytes first (the [Handler] does). The event does not keep
// body.
func ParseZendeskEvent(body []byte) (*ZendeskEvent, error) {
	var w zendeskSpans
	if err := scanObject(body, w.member); err != nil {
		return nil, malformed("zendesk event", err)
	}
	typ, ok := decodeType(w.typ)
	if w.typ != nil && !ok {
		return nil, fmt.Errorf("%w: zendesk event: \"type\" is not a string", ErrMalformed)
	}
	if typ == "" {
		return nil, fmt.Errorf("%w: zendesk event has no \"type\"", ErrMalformed)
	}
	detail, event, err := w.parts()
	if err != nil {
		return nil, err
	}

	// One allocation holds the event and its payload (and, for tickets, the
	// wire struct the payload is decoded through).
	var ev *ZendeskEvent
	switch {
	case typ == ZendeskTypeAgentStateChanged:
		if ev, err = newEventWith(detail, event, decodeAgentStateChanged); err != nil {
			return nil, err
		}
	case typ == ZendeskTypeAgentUnifiedStateChanged:
		if ev, err = newEventWith(detail, event, decodeAgentUnifiedStateChanged); err != nil {
			return nil, err
		}
	case IsTypedZendeskEvent(typ): // ticket.*
		a := new(struct {
			ev ZendeskEvent
			p  TicketEvent
			d  wireTicketDetail
		})
		if err := unmarshalPart("detail", detail, &a.d); err != nil {
			return nil, err
		}
		if event != nil && !json.Valid(event) {
			return nil, malformed("zendesk event event", errSyntax)
		}
		a.p = a.d.ticketEvent()
		ev = &a.ev
		ev.Payload = &a.p
	default:
		for _, part := range [...]struct {
			name string
			raw  []byte
		}{{"detail", detail}, {"event", event}} {
			if part.raw != nil && !json.Valid(part.raw) {
				return nil, malformed("zendesk event "+part.name, errSyntax)
			}
		}
		ev = new(ZendeskEvent)
	}

	ev.Type = typ
	if err := w.envelope(ev); err != nil {
		return nil, err
	}
	// Detail and Event must not alias body, which the caller may reuse: copy
	// both into one buffer.
	if n := len(detail) + len(event); n > 0 {
		buf := make([]byte, 0, n)
		buf = append(buf, detail...)
		buf = append(buf, event...)
		if detail != nil {
			ev.Detail = buf[:len(detail):len(detail)]
		}
		if event != nil {
			ev.Event = buf[len(detail):]
		}
	}
	if t, ok := ev.Payload.(*TicketEvent); ok {
		t.Event = ev.Event
	}
	return ev, nil
}

// newEventWith returns an event whose Payload is a *P decoded from detail
// and event by decode, both in one allocation.
func newEventWith[P any](detail, event []byte, decode func(detail, event []byte, p *P) error) (*ZendeskEvent, error) {
	a := new(struct {
		ev ZendeskEvent
		p  P
	})
	if err := decode(detail, event, &a.p); err != nil {
		return nil, err
	}
	a.ev.Payload = &a.p
	return &a.ev, nil
}

// decodeType decodes the "type" span as decodeString does, but gives the
// types this package has a constant for as that constant, without
// allocating a copy.
func decodeType(span []byte) (string, bool) {
	if inner, ok := plainString(span); ok {
		for _, t := range zendeskTypedTypes {
			if string(inner) == t {
				return t, true
			}
		}
	}
	return decodeString(span)
}

// zendeskSpans holds the spans of the envelope's members, as found by
// scanObject. A member that appears twice keeps its last value, as with
// encoding/json, once the earlier one is found valid.
type zendeskSpans struct {
	accountID, detail, event, id, subject, time, typ, version []byte
}

func (w *zendeskSpans) member(quotedKey []byte, escaped bool, value []byte) error {
	key, err := memberKey(quotedKey, escaped)
	if err != nil {
		return err
	}
	var slot *[]byte
	switch string(key) {
	case "account_id":
		slot = &w.accountID
	case "detail":
		slot = &w.detail
	case "event":
		slot = &w.event
	case "id":
		slot = &w.id
	case "subject":
		slot = &w.subject
	case "time":
		slot = &w.time
	case "type":
		slot = &w.typ
	case "zendesk_event_version":
		slot = &w.version
	default:
		// Members this package does not read must still be valid JSON.
		if !json.Valid(value) {
			return errSyntax
		}
		return nil
	}
	// A value a later duplicate replaces is never decoded: it must be
	// valid JSON all the same.
	if *slot != nil && !json.Valid(*slot) {
		return errSyntax
	}
	*slot = value
	return nil
}

// parts returns the detail and event spans, nil when absent or null; each
// must otherwise be an object, still to be validated by its decoder.
func (w *zendeskSpans) parts() (detail, event []byte, err error) {
	obj := func(name string, span []byte) ([]byte, error) {
		switch {
		case span == nil || string(span) == "null":
			return nil, nil
		case span[0] != '{':
			return nil, fmt.Errorf("%w: zendesk event: %q is a JSON %s, not an object", ErrMalformed, name, jsonKind(span))
		}
		return span, nil
	}
	if detail, err = obj("detail", w.detail); err != nil {
		return nil, nil, err
	}
	if event, err = obj("event", w.event); err != nil {
		return nil, nil, err
	}
	return detail, event, nil
}

// envelope decodes the scalar members into ev (all but Type).
func (w *zendeskSpans) envelope(ev *ZendeskEvent) error {
	bad := func(name, want string) error {
		return fmt.Errorf("%w: zendesk event: %q is not %s", ErrMalformed, name, want)
	}
	var ok bool
	if ev.ID, ok = decodeString(w.id); w.id != nil && !ok {
		return bad("id", "a string")
	}
	if ev.Subject, ok = decodeString(w.subject); w.subject != nil && !ok {
		return bad("subject", "a string")
	}
	if ev.Version, ok = decodeString(w.version); w.version != nil && !ok {
		return bad("zendesk_event_version", "a string")
	}
	if ev.AccountID, ok = parseFlexInt64(w.accountID); w.accountID != nil && !ok {
		return bad("account_id", "an integer")
	}
	if w.time != nil && !decodeTime(w.time, &ev.Time) {
		return bad("time", "an RFC 3339 time")
	}
	return nil
}

// decodeTime decodes an RFC 3339 string span (or null or "" as the zero
// time) the way time.Time's UnmarshalJSON does, without allocating.
func decodeTime(span []byte, t *time.Time) bool {
	if inner, ok := plainString(span); ok {
		if len(inner) == 0 {
			return true
		}
		return t.UnmarshalText(inner) == nil
	}
	s, ok := decodeString(span)
	if !ok {
		return false
	}
	return s == "" || t.UnmarshalText([]byte(s)) == nil
}

// The wire types mirror the JSON; their flex fields accept ids as strings
// or numbers.

type wireAgentDetail struct {
	AccountID flexInt64  `json:"account_id"`
	AgentID   flexInt64  `json:"agent_id"`
	Version   flexString `json:"version"`
}

type wireAgentStateEvent struct {
	Channel       string    `json:"channel"`
	NewState      string    `json:"new_state"`
	PreviousState string    `json:"previous_state"`
	UpdatedAt     time.Time `json:"updated_at"`
}

type wireTicketDetail struct {
	ActorID        flexInt64        `json:"actor_id"`
	AssigneeID     flexInt64        `json:"assignee_id"`
	BrandID        flexInt64        `json:"brand_id"`
	CreatedAt      time.Time        `json:"created_at"`
	CustomStatus   wireCustomStatus `json:"custom_status"`
	Description    string           `json:"description"`
	ExternalID     flexString       `json:"external_id"`
	FormID         flexInt64        `json:"form_id"`
	GroupID        flexInt64        `json:"group_id"`
	ID             flexInt64        `json:"id"`
	IsPublic       flexBool         `json:"is_public"`
	OrganizationID flexInt64        `json:"organization_id"`
	Priority       string           `json:"priority"`
	RequesterID    flexInt64        `json:"requester_id"`
	Status         string           `json:"status"`
	Subject        string           `json:"subject"`
	SubmitterID    flexInt64        `json:"submitter_id"`
	Tags           []string         `json:"tags"`
	Type           string           `json:"type"`
	UpdatedAt      time.Time        `json:"updated_at"`
	Via            struct {
		Channel flexString `json:"channel"`
	} `json:"via"`
}

func (d *wireTicketDetail) ticketEvent() TicketEvent {
	return TicketEvent{
		TicketID:       int64(d.ID),
		ActorID:        int64(d.ActorID),
		AssigneeID:     int64(d.AssigneeID),
		BrandID:        int64(d.BrandID),
		FormID:         int64(d.FormID),
		GroupID:        int64(d.GroupID),
		OrganizationID: int64(d.OrganizationID),
		RequesterID:    int64(d.RequesterID),
		SubmitterID:    int64(d.SubmitterID),
		ExternalID:     string(d.ExternalID),
		CustomStatus:   string(d.CustomStatus),
		Description:    d.Description,
		Subject:        d.Subject,
		Status:         d.Status,
		Priority:       d.Priority,
		TicketType:     d.Type,
		IsPublic:       bool(d.IsPublic),
		Tags:           d.Tags,
		ViaChannel:     string(d.Via.Channel),
		CreatedAt:      d.CreatedAt,
		UpdatedAt:      d.UpdatedAt,
	}
}

// unmarshalPart decodes one of the envelope's objects; a nil part (absent
// or null) leaves v zero.
func unmarshalPart(name string, data json.RawMessage, v any) error {
	if data == nil {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return malformed("zendesk event "+name, err)
	}
	return nil
}

// malformed wraps a decoding error in ErrMalformed. The text says where
// decoding failed but never quotes a value from the body, so that it can be
// logged.
func malformed(what string, err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		tim *time.ParseError
	)
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%w: %s: invalid JSON at offset %d", ErrMalformed, what, syn.Offset)
	case errors.As(err, &typ):
		return fmt.Errorf("%w: %s: field %q: JSON %s where %s was expected", ErrMalformed, what, typ.Field, typ.Value, typ.Type)
	case errors.As(err, &tim):
		return fmt.Errorf("%w: %s: a time is not RFC 3339", ErrMalformed, what)
	}
	return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
}
