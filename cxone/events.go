package cxone

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// Event is one event of an agent session's stream. Type names it
// (CallContactEvent, AgentState, AgentSessionEnd, …: the SDK's
// get-next-event-type.js); Raw is the event as CXone sent it, for the
// types this package has no struct for.
type Event struct {
	Type string
	Raw  json.RawMessage
}

// UnmarshalJSON keeps the event and reads its Type.
func (e *Event) UnmarshalJSON(b []byte) error {
	var probe struct {
		Type json.RawMessage `json:"Type"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return err
	}
	e.Type = rest.JSONText(probe.Type)
	e.Raw = bytes.Clone(b)
	return nil
}

// MarshalJSON writes the event as CXone sent it.
func (e Event) MarshalJSON() ([]byte, error) {
	if len(e.Raw) == 0 {
		return json.Marshal(map[string]string{"Type": e.Type})
	}
	return e.Raw, nil
}

// CallContactEvent type names.
const (
	// EventCallContact is a voice contact's event.
	EventCallContact = "CallContactEvent"
	// StatusDisconnected is the Status of a call whose voice path is torn
	// down; with FinalState true the contact is closed (after ACW).
	StatusDisconnected = "Disconnected"
)

// CallContact decodes a CallContactEvent; it is an error for another type.
func (e Event) CallContact() (*CallContactEvent, error) {
	if e.Type != EventCallContact {
		return nil, fmt.Errorf("cxone: event type %q is not %s", clip(e.Type), EventCallContact)
	}
	var c CallContactEvent
	if err := json.Unmarshal(e.Raw, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// CallContactEvent is a voice contact's state change in the agent event
// stream, keys in PascalCase and booleans as "True"/"False" (the SDK's
// call-contact-event.js). ContactID changes on every transfer; MasterID
// stays the original contact's.
type CallContactEvent struct {
	ContactID              string          `json:"ContactID"`
	MasterID               string          `json:"MasterID,omitempty"`
	Status                 string          `json:"Status,omitempty"`
	OriginalState          string          `json:"OriginalState,omitempty"`
	CallType               string          `json:"CallType,omitempty"`
	DNIS                   string          `json:"DNIS,omitempty"`
	ANI                    string          `json:"ANI,omitempty"`
	Skill                  string          `json:"Skill,omitempty"`
	IsInbound              Bool            `json:"IsInbound"`
	StartTimeUTC           Time            `json:"StartTimeUTC,omitzero"`
	LastStateChangeTimeUTC Time            `json:"LastStateChangeTimeUTC,omitzero"`
	ScreenPopURL           string          `json:"ScreenPopUrl,omitempty"`
	DisconnectCode         string          `json:"DisconnectCode,omitempty"`
	IsLogging              Bool            `json:"IsLogging"`
	AllowDispositions      Bool            `json:"AllowDispositions"`
	Label                  string          `json:"Label,omitempty"`
	IsLinked               Bool            `json:"IsLinked"`
	FinalState             Bool            `json:"FinalState"`
	BlendingToSkillName    string          `json:"BlendingToSkillName,omitempty"`
	DeliveryType           string          `json:"DeliveryType,omitempty"`
	CustomData             json.RawMessage `json:"CustomData,omitempty"`
	ParentContactID        string          `json:"ParentContactId,omitempty"`
	OmniGroupID            string          `json:"OmniGroupId,omitempty"`
	ExternalID             string          `json:"ExternalId,omitempty"`
	InteractionID          string          `json:"InteractionId,omitempty"`
	CustomerCardURL        string          `json:"CustomerCardUrl,omitempty"`
}

// Ended reports the end of the contact: Status Disconnected with
// FinalState true, sent when after-call work is over (the SDK drops a
// contact on exactly this).
func (c *CallContactEvent) Ended() bool {
	return c.Status == StatusDisconnected && bool(c.FinalState)
}

// UnmarshalJSON reads an event whose scalar values may be strings or
// numbers: every string field takes a number's text.
func (c *CallContactEvent) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for k, v := range m {
		v = bytes.TrimSpace(v)
		if len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') && !strings.EqualFold(k, "CustomData") {
			m[k] = json.RawMessage(`"` + string(v) + `"`)
		}
	}
	norm, err := json.Marshal(m)
	if err != nil {
		return err
	}
	type plain CallContactEvent
	var p plain
	if err := json.Unmarshal(norm, &p); err != nil {
		return err
	}
	*c = CallContactEvent(p)
	return nil
}
