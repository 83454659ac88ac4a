package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// DecodeMember decodes the member key of the JSON object in body into out,
// without decoding the other members: {"ticket": {...}} for key "ticket".
// It reports false, and leaves out alone, when the object has no such
// member or it is null. Only the object's top level is scanned, to its
// end, so that a key given twice is read as encoding/json reads it (the
// last one wins); the member found is decoded (and so checked) by
// encoding/json.
func DecodeMember(body []byte, key string, out any) (bool, error) {
	// Most answers are {"key": value} alone: then the value runs to the
	// object's last brace, and encoding/json's own check of it is the only
	// scan. A slice that is not one value (more members follow) fails that
	// check before anything is decoded, and the object is scanned member
	// by member instead.
	if v, ok := onlyMember(body, key); ok {
		if string(v) == "null" {
			return false, nil
		}
		err := json.Unmarshal(v, out)
		if _, notOneValue := err.(*json.SyntaxError); !notOneValue {
			return true, err
		}
	}
	start, end, found, err := findMember(body, key)
	if err != nil || !found {
		return false, err
	}
	if end-start == 4 && string(body[start:end]) == "null" {
		return false, nil
	}
	return true, json.Unmarshal(body[start:end], out)
}

var errNotObject = errors.New("the answer is not a JSON object")

// onlyMember returns what lies between the object's first key, when it is
// key, and its last brace: the value, if key is the object's one member.
func onlyMember(b []byte, key string) ([]byte, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	if i >= len(b) || b[i] != '"' {
		return nil, false
	}
	kEnd, err := skipString(b, i)
	if err != nil {
		return nil, false
	}
	if match, err := keyIs(b[i:kEnd], key); err != nil || !match {
		return nil, false
	}
	i = skipSpace(b, kEnd)
	if i >= len(b) || b[i] != ':' {
		return nil, false
	}
	last := bytes.LastIndexByte(b, '}')
	if last <= i || len(bytes.TrimSpace(b[last+1:])) != 0 {
		return nil, false
	}
	return bytes.TrimSpace(b[i+1 : last]), true
}

// findMember returns where the value of member key starts and ends in the
// object in body, and whether there is one. A key given twice is read as
// encoding/json reads it: the last one wins.
func findMember(b []byte, key string) (start, end int, found bool, err error) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return 0, 0, false, errNotObject
	}
	i++
	for {
		i = skipSpace(b, i)
		if i < len(b) && b[i] == '}' {
			return start, end, found, nil
		}
		if i >= len(b) || b[i] != '"' {
			return 0, 0, false, syntaxError(i)
		}
		kEnd, err := skipString(b, i)
		if err != nil {
			return 0, 0, false, err
		}
		match, err := keyIs(b[i:kEnd], key)
		if err != nil {
			return 0, 0, false, err
		}
		i = skipSpace(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return 0, 0, false, syntaxError(i)
		}
		vStart := skipSpace(b, i+1)
		vEnd, err := skipValue(b, vStart, 0)
		if err != nil {
			return 0, 0, false, err
		}
		if match {
			start, end, found = vStart, vEnd, true
		}
		i = skipSpace(b, vEnd)
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i < len(b) && b[i] == '}' {
			return start, end, found, nil
		}
		return 0, 0, false, syntaxError(i)
	}
}

// keyIs compares a JSON string literal (quotes included) with key; only a
// literal with escapes is decoded.
func keyIs(lit []byte, key string) (bool, error) {
	raw := lit[1 : len(lit)-1]
	for _, c := range raw {
		if c == '\\' {
			var s string
			if err := json.Unmarshal(lit, &s); err != nil {
				return false, err
			}
			return s == key, nil
		}
	}
	return string(raw) == key, nil
}

func syntaxError(at int) error { return fmt.Errorf("malformed JSON at byte %d", at) }

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the end of the string literal starting at b[i] ('"').
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return -1, syntaxError(i)
}

// maxDepth bounds the nesting skipValue follows, as encoding/json does.
const maxDepth = 10000

// skipValue returns the end of the JSON value starting at b[i]. It finds
// the end; it does not check what lies between.
func skipValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return -1, syntaxError(i)
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		if depth >= maxDepth {
			return -1, errors.New("JSON nested too deeply")
		}
		closer := byte('}')
		if b[i] == '[' {
			closer = ']'
		}
		j := i + 1
		for {
			j = skipSpace(b, j)
			if j >= len(b) {
				return -1, syntaxError(j)
			}
			switch b[j] {
			case closer:
				return j + 1, nil
			case ',', ':':
				j++
			default:
				end, err := skipValue(b, j, depth+1)
				if err != nil {
					return -1, err
				}
				j = end
			}
		}
	}
	j := i
	for ; j < len(b); j++ {
		switch b[j] {
		case ',', ':', '{', '[', '}', ']', '"', ' ', '\t', '\n', '\r':
			if j == i {
				return -1, syntaxError(i) // a delimiter where a value should be
			}
			return j, nil
		}
	}
	return j, nil
}
