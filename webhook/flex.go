package webhook

import (
	"bytes"
	"encoding/json"
	"reflect"
	"unicode/utf8"
)

// Zendesk event payloads carry numeric ids as JSON strings inside "detail"
// ("agent_id": "10011") and as numbers elsewhere. The types below accept both
// so that a change of encoding on Zendesk's side does not break decoding.
// Their errors are *json.UnmarshalTypeError, to which encoding/json adds the
// field path; they never quote the value.

// flexInt64 decodes 10011, "10011", "" and null (the last two as 0).
type flexInt64 int64

func (f *flexInt64) UnmarshalJSON(data []byte) error {
	n, ok := parseFlexInt64(data)
	if !ok {
		return typeError(data, reflect.TypeFor[int64]())
	}
	*f = flexInt64(n)
	return nil
}

// parseFlexInt64 parses a JSON integer, a JSON string holding only a decimal
// integer (an optional minus and digits), "" or null. Fractions, exponents,
// plus signs, spaces and escapes are refused: each would denote something
// other than the id Zendesk meant.
func parseFlexInt64(data []byte) (int64, bool) {
	quoted := len(data) >= 2 && data[0] == '"' && data[len(data)-1] == '"'
	switch {
	case quoted:
		data = data[1 : len(data)-1]
		if len(data) == 0 {
			return 0, true
		}
	case string(data) == "null":
		return 0, true
	}
	neg := len(data) > 0 && data[0] == '-'
	if neg {
		data = data[1:]
	}
	// 19 digits always fit in a uint64; more never fit in an int64.
	if len(data) == 0 || len(data) > 19 || (!quoted && len(data) > 1 && data[0] == '0') {
		return 0, false
	}
	var n uint64
	for _, c := range data {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	switch {
	case neg && n > 1<<63:
		return 0, false
	case neg:
		return int64(-n), true // -(1<<63) wraps to math.MinInt64, as wanted
	case n > 1<<63-1:
		return 0, false
	}
	return int64(n), true
}

// flexBool decodes true, false, "true", "false", "" and null.
type flexBool bool

func (f *flexBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`:
		*f = true
	case "false", `"false"`, `""`, "null":
		*f = false
	default:
		return typeError(data, reflect.TypeFor[bool]())
	}
	return nil
}

// flexString decodes a JSON string, a number (kept as its literal text) or
// null. It is used for fields whose type on the wire is not confirmed.
type flexString string

func (f *flexString) UnmarshalJSON(data []byte) error {
	switch kind := jsonKind(data); kind {
	case "string":
		// encoding/json has validated the string; without escapes (and with
		// valid UTF-8, which it would otherwise repair) its text is literal.
		if len(data) < 2 {
			return typeError(data, reflect.TypeFor[string]())
		}
		if inner := data[1 : len(data)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			*f = flexString(inner)
			return nil
		}
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case "number":
		*f = flexString(data)
	case "null":
		*f = ""
	default:
		return typeError(data, reflect.TypeFor[string]())
	}
	return nil
}

func typeError(data []byte, t reflect.Type) error {
	return &json.UnmarshalTypeError{Value: jsonKind(data), Type: t}
}

// jsonKind names the kind of a JSON value the way encoding/json's errors do.
func jsonKind(data []byte) string {
	if len(data) == 0 {
		return "value"
	}
	switch c := data[0]; {
	case c == '"':
		return "string"
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == 't' || c == 'f':
		return "bool"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "number"
	}
	return "value"
}
