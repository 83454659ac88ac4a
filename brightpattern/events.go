package brightpattern

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Client event types
// (https://help.brightpattern.com/5.3:Mobile-web-api-specification/ClientEvents)
// and server event types
// (https://help.brightpattern.com/5.2:Mobile-web-api-specification/ServerEvents).
// chat_session_message goes both ways.
const (
	EventMessage     = "chat_session_message"
	EventTyping      = "chat_session_typing"
	EventNotTyping   = "chat_session_not_typing"
	EventFormData    = "chat_session_form_data"
	EventEnd         = "chat_session_end"
	EventDisconnect  = "chat_session_disconnect"
	EventSignaling   = "chat_session_signaling"
	EventStatus      = "chat_session_status"
	EventEnded       = "chat_session_ended"
	EventPartyJoined = "chat_session_party_joined"
	EventPartyLeft   = "chat_session_party_left"
)

// Party types of chat_session_party_joined.
const (
	PartyScenario = "scenario"
	PartyExternal = "external"
	PartyInternal = "internal"
)

// Event is one chat event, sent ([ChatService.Send]) or received
// ([ChatService.Send], [ChatService.Poll]). Event names its type
// (EventMessage…); the other fields are those the types documented carry,
// and are left out when empty. Raw holds a received event as it came, for
// the fields Bright Pattern sends that Event does not name.
type Event struct {
	// Event is the event's type: "chat_session_message"…
	Event string `json:"event"`
	// MsgID identifies a message: "<chatID>:<n>" for a client's.
	MsgID string `json:"msg_id,omitempty"`
	// Msg is a message's text.
	Msg string `json:"msg,omitempty"`
	// PartyID names the party an event is from or about.
	PartyID string `json:"party_id,omitempty"`
	// State is a chat_session_status's state: "queued", "connecting",
	// "connected", "failed", "completed".
	State string `json:"state,omitempty"`
	// EWT is a chat_session_status's estimated waiting time, as sent.
	EWT Text `json:"ewt,omitempty"`
	// FirstName, LastName, DisplayName and Type describe a joining party;
	// Type is "scenario", "external" or "internal".
	FirstName   string `json:"first_name,omitempty"`
	LastName    string `json:"last_name,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	Type        string `json:"type,omitempty"`
	// Timestamp is when a party joined or left, in milliseconds since the
	// Unix epoch (UTC); see [Event.Time].
	Timestamp int64 `json:"timestamp,omitempty"`
	// FormRequestID, FormName and Data are a chat_session_form_data's.
	FormRequestID string            `json:"form_request_id,omitempty"`
	FormName      string            `json:"form_name,omitempty"`
	Data          map[string]string `json:"data,omitempty"`
	// Destination is a chat_session_signaling's.
	Destination string `json:"destination,omitempty"`

	// Raw is a received event as sent; nil for an event built here. It is
	// not sent.
	Raw json.RawMessage `json:"-"`
}

// eventWire is Event without its methods, for encoding.
type eventWire Event

// MarshalJSON writes the event with its type under the key eventKey names.
func (e Event) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(eventWire(e))
	if err != nil || eventKey() == "event" {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m[eventKey()] = m["event"]
	delete(m, "event")
	return json.Marshal(m)
}

// UnmarshalJSON reads an event: its type from the key eventKey names, a
// timestamp written as a number or a string of digits, and the whole event
// into Raw.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w struct {
		eventWire
		Timestamp json.RawMessage `json:"timestamp"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Event(w.eventWire)
	if k := eventKey(); k != "event" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		e.Event = ""
		if raw, ok := m[k]; ok {
			if err := json.Unmarshal(raw, &e.Event); err != nil {
				return fmt.Errorf("event type: %w", err)
			}
		}
	}
	ts, err := flexInt(w.Timestamp, 1e16, "a time in milliseconds")
	if err != nil {
		return fmt.Errorf("event timestamp: %w", err)
	}
	e.Timestamp = ts
	e.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// Time returns Timestamp as a time, or the zero time when there is none.
func (e *Event) Time() time.Time {
	if e.Timestamp <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(e.Timestamp).UTC()
}

// MessageEvent is a client's chat message. msgID identifies it within the
// chat; Bright Pattern's examples number a client's messages
// "<chatID>:<n>" (see [MessageID]).
func MessageEvent(msgID, text string) Event {
	return Event{Event: EventMessage, MsgID: msgID, Msg: text}
}

// MessageID returns "<chatID>:<n>", the form of a client message's id.
func MessageID(chatID string, n int) string { return chatID + ":" + strconv.Itoa(n) }

// TypingEvent tells the agent the customer is typing.
func TypingEvent() Event { return Event{Event: EventTyping} }

// NotTypingEvent tells the agent the customer stopped typing.
func NotTypingEvent() Event { return Event{Event: EventNotTyping} }

// FormDataEvent answers a form the agent sent.
func FormDataEvent(formRequestID, formName string, data map[string]string) Event {
	return Event{Event: EventFormData, FormRequestID: formRequestID, FormName: formName, Data: data}
}

// EndEvent ends the chat.
func EndEvent() Event { return Event{Event: EventEnd} }

// DisconnectEvent disconnects the client from the chat without ending it.
func DisconnectEvent() Event { return Event{Event: EventDisconnect} }
