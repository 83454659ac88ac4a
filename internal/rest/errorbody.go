package rest

import (
	"encoding/json"
	"strings"
)

// The helpers below read the members of a JSON error body, for a vendor's
// DecodeError: vendors spell the code and message of an error in several
// ways, and a member may be a string or a number.

// JSONText returns a JSON string's value, trimmed of spaces, or a number's
// text; "" for anything else (null, an object, a list, bad JSON).
func JSONText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// FirstOf returns the first of vals that is not empty, or "".
func FirstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// FirstText returns the [JSONText] of the first member of m, in the order
// of keys, whose text is not empty, or "".
func FirstText(m map[string]json.RawMessage, keys ...string) string {
	for _, k := range keys {
		if v := JSONText(m[k]); v != "" {
			return v
		}
	}
	return ""
}
