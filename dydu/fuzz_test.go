package dydu

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/fuzzcheck"
)

// FuzzDecodeError: whatever body, status and content type a Dydu error
// answer carries, the client returns an error that is one bounded line
// and matches the deskbridge kind of its status.
func FuzzDecodeError(f *testing.F) {
	f.Add(400, "application/json", []byte(`{"type":"error","values":{"code":"`+b64("ERRInvalidRequest")+`","text":"`+b64("a\nb")+`"}}`))
	f.Add(500, "application/json", []byte(`{"values":{"text":{"nested":["`+b64(strings.Repeat("x", 5000))+`"]}}}`))
	fuzzcheck.DecodeError(f, "dydu", decodeError)
}

// FuzzDecodeEnvelope: whatever a server answers, the envelope decoder
// returns a result or an error, never panics; every string it returns is
// what base64 decoding gave, or the string as it came; what decodes
// re-encodes to the same values.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, name := range []string{"talk_response.json", "talk_response_encoded.json", "talk_livechat_start.json", "talk_livechat_queue.json",
		"history_response.json", "poll_operator_message.json", "poll_end_by_operator.json", "context_response.json"} {
		f.Add([]byte(fixture(f, name)))
	}
	for _, s := range []string{``, `{}`, `null`, `{"values":null}`, `{"values":[]}`, `{"type":"x","values":{"a":"===="}}`,
		`{"values":{"a":"Zm9v"}}`, `{"values":{"a":"Zm9"}}`, `{"values":{"a":"/w=="}}`, `{"values":{"a":[[[["Zm9v"]]]]}}`,
		`{"values":{"a":` + strings.Repeat(`[`, 80) + strings.Repeat(`]`, 80) + `}}`, `{"values":{"a":1e400}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := DecodeEnvelope(body)
		if err != nil {
			if env != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		walkStrings(env.Values, func(s string) {
			if !utf8.ValidString(s) && !strings.Contains(string(body), s) {
				t.Fatalf("a string that is neither decoded text nor the input's: %q", s)
			}
		})
		// The decoded values encode back to JSON.
		if _, err := json.Marshal(env.Values); err != nil {
			t.Fatalf("decoded values do not encode: %v", err)
		}
		// Classify reads anything.
		_ = Classify(env.Values)
	})
}

// FuzzDecodeValues: a values object decodes as it does inside an
// envelope: DecodeValues(raw) and DecodeEnvelope({"values": raw}) accept
// the same objects and give the same values; what is not one JSON object
// (trailing JSON, a closing bracket left over) is an error.
func FuzzDecodeValues(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"Zm9v"}`, `{"a":["Zm9v",{"b":"YmFy"}],"n":12}`, `{"a":"Zm9"}`, `{}]`, `{"a":"Zm9v"}}`,
		`{} {}`, `null`, `[]`, `"Zm9v"`, ``, `{"a":` + strings.Repeat(`[`, 80) + strings.Repeat(`]`, 80) + `}`} {
		f.Add([]byte(s))
	}
	f.Add([]byte(fixture(f, "poll_operator_message.json")))
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := DecodeValues(raw)
		if err != nil && v != nil {
			t.Fatal("values with an error")
		}
		env, envErr := DecodeEnvelope(append(append([]byte(`{"values":`), raw...), '}'))
		if envErr == nil && env.List != nil {
			return // an array: DecodeValues takes objects only
		}
		if (err == nil) != (envErr == nil && env.Values != nil) {
			t.Fatalf("DecodeValues: %v; in an envelope: %v", err, envErr)
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(v, env.Values) {
			t.Fatalf("DecodeValues gave %v, the envelope %v", v, env.Values)
		}
		_ = Classify(v)
	})
}

func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case Values:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case map[string]any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	}
}

// TestDecodeStringRoundTrip: base64 of any UTF-8 text decodes to it,
// padded or not.
func TestDecodeStringRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"a", "ab", "abc", "Ça va ? 🐈", "", strings.Repeat("é", 601)} {
		enc := encodeString(s)
		if got := decodeString(enc); got != s {
			t.Errorf("%q: %q", s, got)
		}
		if got := decodeString(strings.TrimRight(enc, "=")); got != s {
			t.Errorf("unpadded %q: %q", s, got)
		}
	}
	// Not base64, or not UTF-8 text once decoded: kept.
	for _, s := range []string{"Bonjour !", "/w==", "%%%"} {
		if got := decodeString(s); got != s {
			t.Errorf("%q became %q", s, got)
		}
	}
}
