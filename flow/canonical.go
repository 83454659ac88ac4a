package flow

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/zendesk"
)

// canonical returns the display form of a trigger condition's or action's
// JSON value, the same for values Zendesk treats alike: a string and a
// number of the same text ("5" and 5), a one-element list and its element,
// a JSON document in a string and its compacted form (a webhook body that
// Zendesk re-formats). null and an absent value are "".
func canonical(raw json.RawMessage) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ""
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return strings.TrimSpace(string(raw))
	}
	return canonicalAny(v)
}

func canonicalAny(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return compactJSON(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case []any:
		if len(v) == 1 {
			return canonicalAny(v[0])
		}
		parts := make([]string, len(v))
		for i, e := range v {
			if parts[i] = canonicalAny(e); parts[i] == "" {
				parts[i] = `""` // an id a dry run does not know yet
			}
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	b, err := json.Marshal(v) // a map: keys sorted
	if err != nil {
		return ""
	}
	return string(b)
}

// compactJSON returns s compacted when it is a JSON object or list, else s
// trimmed.
func compactJSON(s string) string {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, []byte(t)) != nil {
		return t
	}
	return b.String()
}

// conditionsText returns conditions in canonical order (sorted: their order
// does not matter to Zendesk), one "field operator value" each, joined by
// "; ".
func conditionsText(cs []zendesk.Condition) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = strings.TrimSpace(c.Field + " " + c.Operator + " " + canonical(c.Value))
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}

// actionsText returns actions in their order (which matters), one
// "field = value" each, joined by "; ".
func actionsText(as []zendesk.Action) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Field + " = " + canonical(a.Value)
	}
	return strings.Join(out, "; ")
}
