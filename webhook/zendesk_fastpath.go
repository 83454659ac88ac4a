package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"
)

// This file decodes the "detail" and "event" objects of the agent status
// events without encoding/json's reflection, which for a 1 KB event cost
// about as many bytes as the event itself (a decodeState per call, the wire
// structs moved to the heap, the parser's state stack). The fast decoders
// below read the common shape only and give up on anything unusual: a key
// with an escape or invalid UTF-8, a key that matches a field only by case
// folding (encoding/json's rule), a string with an escape or invalid UTF-8,
// a value of the wrong kind or not valid JSON. The caller then decodes the
// same bytes with encoding/json, as before, which sets the result or
// reports the error; so errors read exactly as they did, and the fast path
// only has to agree with encoding/json on what it accepts.
// FuzzAgentPayloadFastPath checks that agreement.

// errNotFast stops a fast decoder: encoding/json must decide.
var errNotFast = errors.New("webhook: not for the fast path")

// The JSON names of the wire types' fields, as in their tags
// (TestFastPathNamesMatchTags keeps them in step). Those of
// agent.unified_state_changed are in unconfirmed.go.
var (
	agentDetailNames     = []string{"account_id", "agent_id", "version"}
	agentStateEventNames = []string{"channel", "new_state", "previous_state", "updated_at"}
)

// fastObject calls fn, in order, with each member of the object in span
// whose key is one of names (as that name), the way encoding/json assigns
// members to fields: a later duplicate is assigned again. It returns false
// when encoding/json must decide: span is not an object, a key has an
// escape or invalid UTF-8 or matches a name only by case folding, an other
// member's value is not valid JSON, or fn returned false.
func fastObject(span []byte, names []string, fn func(name string, value []byte) bool) bool {
	return scanObject(span, func(quoted []byte, escaped bool, value []byte) error {
		if escaped {
			return errNotFast
		}
		key := quoted[1 : len(quoted)-1]
		for _, name := range names {
			if string(key) == name {
				if !fn(name, value) {
					return errNotFast
				}
				return nil
			}
		}
		if !utf8.Valid(key) {
			return errNotFast
		}
		for _, name := range names {
			if bytes.EqualFold(key, []byte(name)) {
				return errNotFast
			}
		}
		if !json.Valid(value) {
			return errNotFast
		}
		return nil
	}) == nil
}

// fastFlexInt64 decodes a value as flexInt64.UnmarshalJSON does; every
// value parseFlexInt64 accepts is valid JSON.
func fastFlexInt64(value []byte, dst *flexInt64) bool {
	n, ok := parseFlexInt64(value)
	if ok {
		*dst = flexInt64(n)
	}
	return ok
}

// fastFlexString decodes a value as flexString.UnmarshalJSON does: null as
// "", a string without escapes and with valid UTF-8 as its text, a number
// as its literal.
func fastFlexString(value []byte, dst *flexString) bool {
	switch {
	case string(value) == "null":
		*dst = ""
	case value[0] == '"':
		inner, ok := plainString(value)
		if !ok {
			return false
		}
		*dst = flexString(inner)
	case (value[0] == '-' || '0' <= value[0] && value[0] <= '9') && json.Valid(value):
		*dst = flexString(value)
	default:
		return false
	}
	return true
}

// fastString decodes a value into a string field as encoding/json does:
// null leaves the field as it is.
func fastString(value []byte, dst *string) bool {
	if string(value) == "null" {
		return true
	}
	inner, ok := plainString(value)
	if ok {
		*dst = string(inner)
	}
	return ok
}

// fastTime decodes a value into a time.Time field: encoding/json calls
// UnmarshalJSON, which leaves null alone and parses a string strictly, and
// every value it accepts is valid JSON.
func fastTime(value []byte, dst *time.Time) bool {
	return dst.UnmarshalJSON(value) == nil
}

// fastAgentDetail decodes an agent event's "detail" (nil: absent or null).
func fastAgentDetail(span []byte, d *wireAgentDetail) bool {
	if span == nil {
		return true
	}
	return fastObject(span, agentDetailNames, func(name string, v []byte) bool {
		switch name {
		case "account_id":
			return fastFlexInt64(v, &d.AccountID)
		case "agent_id":
			return fastFlexInt64(v, &d.AgentID)
		default: // version
			return fastFlexString(v, &d.Version)
		}
	})
}

// fastAgentStateEvent decodes the "event" of agent.state_changed.
func fastAgentStateEvent(span []byte, e *wireAgentStateEvent) bool {
	if span == nil {
		return true
	}
	return fastObject(span, agentStateEventNames, func(name string, v []byte) bool {
		switch name {
		case "channel":
			return fastString(v, &e.Channel)
		case "new_state":
			return fastString(v, &e.NewState)
		case "previous_state":
			return fastString(v, &e.PreviousState)
		default: // updated_at
			return fastTime(v, &e.UpdatedAt)
		}
	})
}

// decodeAgentStateChanged decodes the detail and event of
// agent.state_changed into p.
func decodeAgentStateChanged(detail, event []byte, p *AgentStateChanged) error {
	var d wireAgentDetail
	if err := decodeAgentDetail(detail, &d); err != nil {
		return err
	}
	var e wireAgentStateEvent
	if !fastAgentStateEvent(event, &e) {
		if err := decodeStd("event", event, &e); err != nil {
			return err
		}
	}
	*p = AgentStateChanged{
		AccountID:     int64(d.AccountID),
		AgentID:       int64(d.AgentID),
		DetailVersion: string(d.Version),
		Channel:       e.Channel,
		PreviousState: e.PreviousState,
		NewState:      e.NewState,
		UpdatedAt:     e.UpdatedAt,
	}
	return nil
}

// decodeAgentUnifiedStateChanged decodes the detail and event of
// agent.unified_state_changed into p; the event's shape is a guess (see
// decodeUnifiedStateEvent).
func decodeAgentUnifiedStateChanged(detail, event []byte, p *AgentUnifiedStateChanged) error {
	var d wireAgentDetail
	if err := decodeAgentDetail(detail, &d); err != nil {
		return err
	}
	p.AccountID, p.AgentID, p.DetailVersion = int64(d.AccountID), int64(d.AgentID), string(d.Version)
	return decodeUnifiedStateEvent(event, p)
}

// decodeAgentDetail decodes the "detail" of an agent event (nil: absent or
// null).
func decodeAgentDetail(span []byte, d *wireAgentDetail) error {
	if fastAgentDetail(span, d) {
		return nil
	}
	return decodeStd("detail", span, d)
}

// decodeStd decodes span (nil: absent or null) with encoding/json, once a
// fast decoder gave up on it. It decodes into a value of its own, then
// copies it to dst: what the fast decoder left in dst is replaced, and
// dst, which encoding/json never sees, can stay on the caller's stack.
func decodeStd[T any](name string, span []byte, dst *T) error {
	var v T
	if err := unmarshalPart(name, span, &v); err != nil {
		return err
	}
	*dst = v
	return nil
}
