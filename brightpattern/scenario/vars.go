package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// ErrUnknownVariable is matched (errors.Is) by the error of a step whose
// settings name a variable the scenario does not have.
var ErrUnknownVariable = errors.New("scenario: unknown variable")

// errBadInput marks a failure caused by the scenario's input or settings
// (an unknown variable, a value that is not a number), not by Zendesk.
var errBadInput = errors.New("bad input")

// badInput returns an error matching errBadInput.
func badInput(format string, args ...any) error {
	return asBadInput(fmt.Errorf(format, args...))
}

// asBadInput marks err as caused by the input; its message is err's.
func asBadInput(err error) error { return &inputError{err} }

// inputError is an error of the input: it matches errBadInput and
// unwraps to the error it marks.
type inputError struct{ err error }

func (e *inputError) Error() string        { return e.err.Error() }
func (e *inputError) Unwrap() error        { return e.err }
func (e *inputError) Is(target error) bool { return target == errBadInput }

// MaxVariables and the other limits bound what one call may bring.
const (
	// MaxVariables is the most variables a call may carry.
	MaxVariables = 1000
	// MaxNameLen is the longest variable name, in bytes.
	MaxNameLen = 256
	// MaxValueLen is the longest variable value, in bytes.
	MaxValueLen = 64 << 10
)

// Substitute replaces every $(name) in template with the variable's value,
// as the Scenario Builder does in a block's settings. A name that vars
// does not hold is an error matching [ErrUnknownVariable] that names it;
// "$(" without its ")" is kept as written.
func Substitute(template string, vars map[string]string) (string, error) {
	return substitute(template, vars, nil)
}

// SubstituteJSON is [Substitute] for a raw JSON template (a block's Raw
// JSON body): each value is escaped as the inside of a JSON string, so that
// a caller's value cannot change the body's shape (see unconfirmed.go).
func SubstituteJSON(template string, vars map[string]string) (string, error) {
	if !escapeJSONValues() {
		return Substitute(template, vars)
	}
	return substitute(template, vars, func(_, v string) string { return jsonEscape(v) })
}

// SubstituteURL is [Substitute] for a URL relative to /api/v2/ (an
// [APIRequest]'s URL): a value in the path (before the template's first
// "?") is path-escaped ([url.PathEscape]: "/", "?", "#" and "%" become
// %XX), one in the query is query-escaped ([url.QueryEscape]: "&", "=",
// "#" too), so that a caller's value stays one path segment's text or one
// parameter's value: ticket_id "destroy_many.json?ids=1,2,3&x=" in
// "tickets/$(ticket_id).json" is a ticket id Zendesk does not have, never
// a bulk delete.
func SubstituteURL(template string, vars map[string]string) (string, error) {
	return substitute(template, vars, func(lit, v string) string {
		if strings.ContainsAny(lit, "?#") {
			return url.QueryEscape(v)
		}
		return url.PathEscape(v)
	})
}

// SubstituteSearch is [Substitute] for a Zendesk search query (a
// [Search]'s Query,
// https://support.zendesk.com/hc/en-us/articles/4408886879258), so that a
// caller's value is one search term and can add no condition of its own:
//
//   - inside a phrase of the template ("…$(var)…"), the value's double
//     quotes and backslashes are removed (Zendesk documents no escape
//     inside a phrase; see unconfirmed.go), and its control characters
//     become spaces;
//   - elsewhere, a value that is one plain word (letters, digits and
//     "+", ".", "@", "_", "-", not leading) is put in as it is, any other
//     value as a phrase: cleaned as above and put between double quotes.
//
// So `type:user phone:"$(item.ANI)"` with the ANI
// `x" OR type:user role:admin "` searches the phone
// "x OR type:user role:admin ", never every admin.
func SubstituteSearch(template string, vars map[string]string) (string, error) {
	return substitute(template, vars, func(lit, v string) string {
		if strings.Count(lit, `"`)%2 == 1 {
			return searchPhrase(v)
		}
		if v == "" || isSearchWord(v) {
			return v
		}
		return `"` + searchPhrase(v) + `"`
	})
}

// searchPhrase is v made safe inside a search phrase: without the
// characters searchPhraseDrops names, and control characters as spaces.
func searchPhrase(v string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case searchPhraseDrops(r):
			return -1
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, v)
}

// substitute replaces each $(name) of s with its value, passed through
// escape (when not nil) with the template's literal text before it.
func substitute(s string, vars map[string]string, escape func(lit, v string) string) (string, error) {
	if !strings.Contains(s, "$(") {
		return s, nil
	}
	var sb, lit strings.Builder
	sb.Grow(len(s))
	for {
		i := strings.Index(s, "$(")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+2:], ')')
		if j < 0 {
			break
		}
		name := s[i+2 : i+2+j]
		v, ok := vars[name]
		if !ok {
			return "", fmt.Errorf("%w $(%s)", ErrUnknownVariable, name)
		}
		sb.WriteString(s[:i])
		if escape != nil {
			lit.WriteString(s[:i])
			v = escape(lit.String(), v)
		}
		sb.WriteString(v)
		s = s[i+2+j+1:]
	}
	sb.WriteString(s)
	return sb.String(), nil
}

// jsonEscape is v as the inside of a JSON string.
func jsonEscape(v string) string {
	b, _ := json.Marshal(v)
	return string(b[1 : len(b)-1])
}

// maxFlattenDepth bounds the nesting flatten follows.
const maxFlattenDepth = 32

// flatten writes a JSON value as scenario variables under name: an
// object's members as "<name>.<member>", an array's items as
// "<name>[<i>]" and its length as "<name>.__count__", a string as its
// text, null as "", any other value as its JSON. name "" writes an
// object's members under their own names.
func flatten(out map[string]string, name string, v any, depth int) error {
	if depth > maxFlattenDepth {
		return badInput("the JSON is nested deeper than %d levels", maxFlattenDepth)
	}
	join := func(k string) string {
		if name == "" {
			return k
		}
		return name + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if err := flatten(out, join(k), e, depth+1); err != nil {
				return err
			}
		}
	case []any:
		out[join("__count__")] = strconv.Itoa(len(x))
		for i, e := range x {
			if err := flatten(out, name+"["+strconv.Itoa(i)+"]", e, depth+1); err != nil {
				return err
			}
		}
	case string:
		out[name] = x
	case nil:
		out[name] = ""
	default:
		b, _ := json.Marshal(x)
		out[name] = string(b)
	}
	return nil
}

// decodeJSON decodes one JSON value with numbers kept as written.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

// atPath walks a dot path ("user", "results.0", "results[0].id") into v.
// An empty path is v itself.
func atPath(v any, path string) (any, bool) {
	path = strings.TrimSpace(path)
	if path == "" {
		return v, true
	}
	path = strings.ReplaceAll(strings.ReplaceAll(path, "[", "."), "]", "")
	for part := range strings.SplitSeq(path, ".") {
		if part == "" {
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			e, ok := x[part]
			if !ok {
				return nil, false
			}
			v = e
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}
