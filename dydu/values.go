package dydu

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Values is the decoded "values" object of a Dydu answer: every string the
// server sent base64-encoded comes out as the text it stands for, numbers
// as [json.Number], booleans as bool, objects as Values (or
// map[string]any inside arrays) and arrays as []any. The typed answers
// ([Answer], [History], [PollResult]) keep it for the fields they do not
// name.
type Values map[string]any

// Envelope is a Dydu answer as the dialog API sends it: {"type":
// "talkResponse", "values": {…}} with every string of values
// base64-encoded (Dydu's chatbox decodes them all, recursively:
// src/tools/cipher.js and src/tools/axios.ts in
// https://github.com/Do-you-dream-up/CV5).
type Envelope struct {
	// Type is the answer's kind: "talkResponse", "historyResponse",
	// "notification"…
	Type string
	// Values is the decoded values object; nil when the answer has none,
	// or when values is an array.
	Values Values
	// List is the decoded values when they are an array (the answer of
	// chat/search); nil otherwise.
	List []any
}

// maxEnvelopeDepth bounds the nesting of a values object the decoder walks.
const maxEnvelopeDepth = 64

// DecodeEnvelope reads a dialog API answer: the JSON object {"type",
// "values"} whose values strings are base64 of UTF-8 text, decoded here,
// recursively, in objects and arrays alike. Object keys are not encoded
// and are kept as they are. A string that is not base64 of UTF-8 text is
// kept as it came (see the package's unconfirmed facts). An answer without
// "values" (whoami, some admin calls) has nil Values. Anything but a JSON
// object, or a values member that is not an object, is an error.
func DecodeEnvelope(body []byte) (*Envelope, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, errors.New("the answer is not a JSON object")
	}
	// One pass: numbers stay json.Number, the rest as encoding/json
	// decodes into any.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw struct {
		Type   any `json:"type"`
		Values any `json:"values"`
	}
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("the answer is not valid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("the answer is followed by more JSON")
	}
	env := &Envelope{}
	switch t := raw.Type.(type) {
	case nil:
	case string:
		env.Type = t
	default:
		return nil, errors.New(`the answer's "type" is not a string`)
	}
	switch v := raw.Values.(type) {
	case nil:
	case map[string]any:
		out, err := decodeTree(v, 0)
		if err != nil {
			return nil, err
		}
		env.Values = Values(out.(map[string]any))
	case []any:
		out, err := decodeTree(v, 0)
		if err != nil {
			return nil, err
		}
		env.List = out.([]any)
	default:
		return nil, errors.New(`the answer's "values" is neither an object nor an array`)
	}
	return env, nil
}

// DecodeValues decodes one values object (the member of an [Envelope]):
// see [DecodeEnvelope].
func DecodeValues(raw []byte) (Values, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf(`the answer's "values" is not a JSON object: %w`, err)
	}
	if obj == nil {
		return nil, errors.New(`the answer's "values" is not a JSON object`)
	}
	// Token, not More: More says false before a stray ']' or '}', which
	// would pass for the end.
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New(`the answer's "values" is followed by more JSON`)
	}
	out, err := decodeTree(obj, 0)
	if err != nil {
		return nil, err
	}
	return Values(out.(map[string]any)), nil
}

// decodeTree replaces every string below v by its base64 decoding.
func decodeTree(v any, depth int) (any, error) {
	if depth > maxEnvelopeDepth {
		return nil, fmt.Errorf(`the answer's "values" nests deeper than %d levels`, maxEnvelopeDepth)
	}
	switch x := v.(type) {
	case string:
		return decodeString(x), nil
	case map[string]any:
		for k, e := range x {
			d, err := decodeTree(e, depth+1)
			if err != nil {
				return nil, err
			}
			x[k] = d
		}
		return x, nil
	case []any:
		for i, e := range x {
			d, err := decodeTree(e, depth+1)
			if err != nil {
				return nil, err
			}
			x[i] = d
		}
		return x, nil
	}
	return v, nil
}

// decodeString decodes one base64 string of UTF-8 text. Dydu encodes with
// padding (the chatbox's js-base64 does); unpadded input is accepted too.
// What is not base64 of UTF-8 text goes to undecodableString.
func decodeString(s string) string {
	if s == "" {
		return s
	}
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil || !utf8.Valid(b) {
		return undecodableString(s)
	}
	return string(b)
}

// encodeString is the base64 the dialog API expects in the parameters it
// reads encoded (typing's content, reading's mode).
func encodeString(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// String returns the text of key, "" when it is absent or not text. A
// number or a boolean is returned as its JSON text.
func (v Values) String(key string) string {
	switch x := v[key].(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// Has reports whether key is present with a value other than null.
func (v Values) Has(key string) bool { return v[key] != nil }

// Bool returns key as a boolean: true for JSON true or the text "true"
// (any case); false otherwise.
func (v Values) Bool(key string) bool {
	switch x := v[key].(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(strings.TrimSpace(x), "true")
	}
	return false
}

// Int returns key as an integer, whether it came as a number or as text
// ("3", decoded from base64); ok is false when it is absent or not an
// integer.
func (v Values) Int(key string) (n int64, ok bool) {
	var s string
	switch x := v[key].(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
		return int64(f), true
	}
	return 0, false
}

// Float returns key as a number, whether it came as a number or as text;
// ok is false when it is absent or not a number.
func (v Values) Float(key string) (f float64, ok bool) {
	var s string
	switch x := v[key].(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// Object returns key as an object, nil when it is absent or not an object.
func (v Values) Object(key string) Values {
	if m, ok := v[key].(map[string]any); ok {
		return Values(m)
	}
	return nil
}

// List returns key as an array, nil when it is absent or not an array.
func (v Values) List(key string) []any {
	l, _ := v[key].([]any)
	return l
}
