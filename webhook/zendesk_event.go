package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Zendesk event types that ParseZendeskEvent decodes into a typed payload.
// Every type starting with ZendeskTicketTypePrefix is decoded into a
// *TicketEvent, including ticket types not listed here.
const (
	// ZendeskTypeAgentStateChanged ("Agent Per Channel Status Changed"):
	// Payload is *AgentStateChanged.
	ZendeskTypeAgentStateChanged = "zen:event-type:agent.state_changed"
	// ZendeskTypeAgentUnifiedStateChanged ("Agent Unified Status Changed"):
	// Payload is *AgentUnifiedStateChanged.
	ZendeskTypeAgentUnifiedStateChanged = "zen:event-type:agent.unified_state_changed"

	// ZendeskTicketTypePrefix starts every ticket event type; their Payload
	// is *TicketEvent.
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
// The ticket types are the ones of Zendesk's "Ticket events" table as far as
// the stored copy shows it (vendor notes 3.3); other ticket.* types decode
// as *TicketEvent all the same.
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
// constant for; ParseZendeskEvent gives each of them a typed Payload. The
// slice is a copy.
func ZendeskEventTypes() []string {
	return slices.Clone(zendeskTypedTypes)
}

// IsTypedZendeskEvent reports whether ParseZendeskEvent decodes events of
// type t into a typed Payload: the agent status types above and every
// "zen:event-type:ticket.*" type. It is the handler's default filter.
func IsTypedZendeskEvent(t string) bool {
	return t == ZendeskTypeAgentStateChanged ||
		t == ZendeskTypeAgentUnifiedStateChanged ||
		(strings.HasPrefix(t, ZendeskTicketTypePrefix) && len(t) > len(ZendeskTicketTypePrefix))
}

// ZendeskEvent is the envelope of a Zendesk event-subscription webhook
// ("zen:event-type:*"), identical for every event type:
//
//	{"account_id": 2, "detail": {...}, "event": {...}, "id": "01GX79ST1QX01C889XV42S2J5T",
//	 "subject": "zen:agent:10011", "time": "2023-05-10T23:31:58.642630335Z",
//	 "type": "zen:event-type:agent.state_changed", "zendesk_event_version": "2022-11-06"}
//
// Detail describes the object the event is about (its shape depends on the
// event family) and Event what happened to it (its shape depends on the
// type). Both are kept raw; Payload holds them decoded for the types this
// package knows (see ZendeskEventTypes).
type ZendeskEvent struct {
	// ID identifies the event; it is the same on every retry of a delivery
	// and is the handler's de-duplication key.
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
	// Payload is Detail and Event decoded: *AgentStateChanged,
	// *AgentUnifiedStateChanged or *TicketEvent according to Type, and nil
	// for every other type.
	Payload any `json:"-"`
}

// AgentStateChanged is the payload of "zen:event-type:agent.state_changed"
// (Agent Per Channel Status Changed): an agent's status on one channel
// changed.
type AgentStateChanged struct {
	// AccountID and AgentID come from "detail", where Zendesk sends them as
	// strings ("10011"). AgentID is the Zendesk user id of the agent.
	AccountID int64
	AgentID   int64
	// DetailVersion is detail's "version" ("3").
	DetailVersion string
	// Channel is "support", "messaging" or "talk".
	Channel string
	// PreviousState and NewState are the channel status before and after:
	// "online", "away", "transfers_only" or "offline".
	PreviousState string
	NewState      string
	// UpdatedAt is when the status changed.
	UpdatedAt time.Time
}

// AgentUnifiedStateChanged is the payload of
// "zen:event-type:agent.unified_state_changed" (Agent Unified Status
// Changed): an agent's unified (omnichannel) status changed.
//
// UNCONFIRMED: Zendesk's reference does not show this event's body. The
// decoding follows a public sample (vendor notes 3.2):
//
//	{"new_unified_state": {"id": "2", "name": "online", "reason": "AGENT_LOGIN"},
//	 "previous_unified_state": {"id": "1", "name": "offline", "reason": "UNKNOWN"},
//	 "updated_at": "..."}
//
// Status ids are accepted as strings or numbers. Check a real delivery before
// relying on the fields; the raw body stays in ZendeskEvent.Event.
type AgentUnifiedStateChanged struct {
	AccountID     int64 // from "detail"
	AgentID       int64 // from "detail"
	DetailVersion string
	PreviousState UnifiedState
	NewState      UnifiedState
	UpdatedAt     time.Time
}

// UnifiedState is an agent's unified status as carried by
// AgentUnifiedStateChanged.
type UnifiedState struct {
	// ID is the status id: the default statuses have small ids (online,
	// away, transfers only, offline), custom statuses larger ones.
	ID int64
	// Name is the status name, e.g. "online" or a custom status name.
	Name string
	// Reason says what caused the change, e.g. "AGENT_STATUS_SWITCHER"
	// (UNCONFIRMED for events; the values are those of the Agent Status API).
	Reason string
}

// TicketEvent is the payload of every "zen:event-type:ticket.*" event: the
// ticket as "detail" describes it after the change, and the raw "event",
// whose shape depends on the event type and is not confirmed in Zendesk's
// reference. Ids arrive as strings and are decoded to int64 (0 when absent).
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
	// CustomStatus is detail's "custom_status" as sent (probably the custom
	// status id; UNCONFIRMED), kept as text; a number is kept as its digits.
	CustomStatus string
	Description  string
	Subject      string
	// Status is "new", "open", "pending", "hold", "solved" or "closed" (case
	// as Zendesk sends it).
	Status string
	// Priority is "low", "normal", "high", "urgent" or empty.
	Priority string
	// TicketType is detail's "type": "question", "incident", "problem",
	// "task" or empty (not the event type, which is ZendeskEvent.Type).
	TicketType string
	IsPublic   bool
	Tags       []string
	// ViaChannel is detail's "via.channel", e.g. "web", "email", "api".
	ViaChannel string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Event is the raw "event" object (same as ZendeskEvent.Event).
	Event json.RawMessage
}

// ParseZendeskEvent decodes a Zendesk event-subscription webhook body. It
// returns an error wrapping ErrMalformed when the body is not a JSON object,
// has no "type", or has a field of the wrong type, including a typed
// payload's field. Unknown event types decode without error and with a nil
// Payload. A null or absent "detail" or "event" is tolerated. The
// envelope's member names match exactly ("Type" is not "type"); inside
// "detail" and "event" they match as encoding/json matches them.
//
// ParseZendeskEvent does not verify anything: call ZendeskVerifier.Verify on
// the same bytes first (the handler does). The event does not keep body.
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
		a := new(struct {
			ev ZendeskEvent
			p  AgentStateChanged
		})
		if err := decodeAgentStateChanged(detail, event, &a.p); err != nil {
			return nil, err
		}
		ev = &a.ev
		ev.Payload = &a.p
	case typ == ZendeskTypeAgentUnifiedStateChanged:
		a := new(struct {
			ev ZendeskEvent
			p  AgentUnifiedStateChanged
		})
		if err := decodeAgentUnifiedStateChanged(detail, event, &a.p); err != nil {
			return nil, err
		}
		ev = &a.ev
		ev.Payload = &a.p
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

type wireTicketDetail struct {
	ActorID        flexInt64  `json:"actor_id"`
	AssigneeID     flexInt64  `json:"assignee_id"`
	BrandID        flexInt64  `json:"brand_id"`
	CreatedAt      time.Time  `json:"created_at"`
	CustomStatus   flexString `json:"custom_status"`
	Description    string     `json:"description"`
	ExternalID     flexString `json:"external_id"`
	FormID         flexInt64  `json:"form_id"`
	GroupID        flexInt64  `json:"group_id"`
	ID             flexInt64  `json:"id"`
	IsPublic       flexBool   `json:"is_public"`
	OrganizationID flexInt64  `json:"organization_id"`
	Priority       string     `json:"priority"`
	RequesterID    flexInt64  `json:"requester_id"`
	Status         string     `json:"status"`
	Subject        string     `json:"subject"`
	SubmitterID    flexInt64  `json:"submitter_id"`
	Tags           []string   `json:"tags"`
	Type           string     `json:"type"`
	UpdatedAt      time.Time  `json:"updated_at"`
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
