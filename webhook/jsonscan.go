package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// This file holds the small JSON reader behind ParseZendeskEvent. Decoding
// the envelope with encoding/json into json.RawMessage fields and then
// decoding "detail" and "event" again scans the nested objects four times
// (validate, skip, validate, decode); the reader below finds the top-level
// members in one cheap pass and leaves encoding/json to validate and decode
// each nested object once. The agent events' nested objects are read with
// scanObject too (zendesk_fastpath.go), falling back to encoding/json for
// anything unusual.
//
// Together, scanObject and the decoders of the member values validate the
// whole document: scanObject checks the top-level grammar and the strings it
// crosses at the top level, and every value span is either parsed strictly
// (strings, integers, times) or handed to encoding/json (objects, unknown
// members). FuzzParseZendeskEvent checks this against encoding/json.

var (
	errNotObject  = errors.New("not a JSON object")
	errSyntax     = errors.New("invalid JSON")
	errUnexpected = errors.New("unexpected end of JSON")
)

// scanObject walks the members of the JSON object in data and calls fn with
// each member's key (quoted, as in the input; escaped tells whether it holds
// a backslash escape) and the span of its value, which fn must validate. It
// checks the object's own grammar: braces, colons, commas, whitespace, keys
// being strings without raw control characters, nothing after the end.
func scanObject(data []byte, fn func(key []byte, escaped bool, value []byte) error) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errNotObject
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return checkEnd(data, i+1)
	}
	for {
		if i >= len(data) {
			return errUnexpected
		}
		if data[i] != '"' {
			return errSyntax
		}
		keyEnd, escaped, err := scanString(data, i)
		if err != nil {
			return err
		}
		key := data[i:keyEnd]
		i = skipSpace(data, keyEnd)
		if i >= len(data) {
			return errUnexpected
		}
		if data[i] != ':' {
			return errSyntax
		}
		i = skipSpace(data, i+1)
		valEnd, err := scanValue(data, i)
		if err != nil {
			return err
		}
		if err := fn(key, escaped, data[i:valEnd]); err != nil {
			return err
		}
		i = skipSpace(data, valEnd)
		if i >= len(data) {
			return errUnexpected
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return checkEnd(data, i+1)
		default:
			return errSyntax
		}
	}
}

func checkEnd(data []byte, i int) error {
	if skipSpace(data, i) != len(data) {
		return errSyntax
	}
	return nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString returns the index just past the string that starts with the
// quote at data[i], and whether it holds an escape. The escapes themselves
// are checked by whoever decodes the string.
func scanString(data []byte, i int) (end int, escaped bool, err error) {
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			i++ // the escaped character cannot end the string
		case c < 0x20:
			return 0, false, errSyntax
		}
	}
	return 0, false, errUnexpected
}

// scanValue returns the index just past the value starting at data[i]. For
// an object or array it only matches brackets (outside strings): the span
// must then be validated by encoding/json. A literal (number, true, false,
// null) ends at the first delimiter and must be validated by its decoder.
func scanValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, errUnexpected
	}
	switch data[i] {
	case '"':
		end, _, err := scanString(data, i)
		return end, err
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, _, err := scanString(data, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errUnexpected
	}
	j := i
	for j < len(data) {
		switch data[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if j == i {
				return 0, errSyntax
			}
			return j, nil
		}
		j++
	}
	return j, nil
}

// memberKey returns a member key unquoted, decoding escapes when there are
// any and repairing invalid UTF-8 as encoding/json does.
func memberKey(quoted []byte, escaped bool) ([]byte, error) {
	if inner := quoted[1 : len(quoted)-1]; !escaped && utf8.Valid(inner) {
		return inner, nil
	}
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return nil, errSyntax
	}
	return []byte(s), nil
}

// decodeString decodes a string value span from scanObject (control
// characters already refused), or null as "". ok is false for any other
// value or an invalid escape.
func decodeString(span []byte) (s string, ok bool) {
	inner, ok := plainString(span)
	if ok {
		return string(inner), true
	}
	if string(span) == "null" {
		return "", true
	}
	if len(span) == 0 || span[0] != '"' {
		return "", false
	}
	return unquoteString(span)
}

// unquoteString decodes a string span with escapes, or invalid UTF-8 that
// encoding/json replaces with U+FFFD. It is apart from decodeString so that
// the string handed to encoding/json by address is allocated only when there
// is one to decode, not on every call.
func unquoteString(span []byte) (string, bool) {
	var s string
	if err := json.Unmarshal(span, &s); err != nil {
		return "", false
	}
	return s, true
}

// plainString returns the text of a string span from scanObject when it
// needs no decoding: no escape and valid UTF-8.
func plainString(span []byte) ([]byte, bool) {
	if len(span) < 2 || span[0] != '"' {
		return nil, false
	}
	inner := span[1 : len(span)-1]
	if bytes.IndexByte(inner, '\\') >= 0 || !utf8.Valid(inner) {
		return nil, false
	}
	return inner, true
}
