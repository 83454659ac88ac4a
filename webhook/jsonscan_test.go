package webhook

import (
	"encoding/json"
	"testing"
)

// TestScanObjectAgainstEncodingJSON: with values validated by json.Valid,
// scanObject must accept exactly the JSON objects encoding/json accepts.
func TestScanObjectAgainstEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{
		`{}`, ` { } `, `{"a":1}`, `{"a":1,"b":[1,2,{"c":"]}"}],"d":{"e":null}}`, `{"a":"\"}\\"}`,
		`{"a":true,"b":false,"c":null,"d":-1.5e3}`, "{\"a\"\t:\r\n1}", `{"\u00e9":1}`,
		``, ` `, `{`, `}`, `{"a"`, `{"a":`, `{"a" 1}`, `{"a":1,}`, `{,"a":1}`, `{"a":1 "b":2}`, `{a:1}`,
		`{"a":1}}`, `{"a":1} x`, `{"a":"unterminated}`, `{"a":"\`, `{"a":[1,2}`, `{"a":{"b":1]}`, `{"a":tru}`,
		`{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":"` + "\x1f" + `"}`, `{"` + "\n" + `":1}`, `{"a\x":1}`, `{"a":"\q"}`,
		`{"a":]}`, `{"a":,}`, `[1]`, `"x"`, `1`, `null`, `{"a":1}` + "\x00", `{"a":[}`, `{"a":{"b":"c"}`,
	} {
		err := scanObject([]byte(doc), func(quoted []byte, escaped bool, value []byte) error {
			if _, err := memberKey(quoted, escaped); err != nil {
				return err
			}
			if !json.Valid(value) {
				return errSyntax
			}
			return nil
		})
		var obj map[string]json.RawMessage
		want := json.Unmarshal([]byte(doc), &obj) == nil && obj != nil
		if (err == nil) != want {
			t.Errorf("scanObject(%q) = %v, encoding/json accepts it: %v", doc, err, want)
		}
	}
}

func TestDecodeHelpers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		span string
		want string
		ok   bool
	}{
		{`"plain"`, "plain", true}, {`"a\nb"`, "a\nb", true}, {`null`, "", true}, {`"` + "\xff" + `"`, "\ufffd", true},
		{`1`, "", false}, {``, "", false}, {`"\x"`, "", false},
	} {
		if got, ok := decodeString([]byte(tc.span)); got != tc.want || ok != tc.ok {
			t.Errorf("decodeString(%q) = %q, %v", tc.span, got, ok)
		}
	}
	for _, tc := range []struct {
		data string
		want string
		ok   bool
	}{
		{`"abc"`, "abc", true}, {`"a\u00e9"`, "aé", true}, {`12.5`, "12.5", true}, {`null`, "", true},
		{`true`, "", false}, {`[]`, "", false}, {`"`, "", false}, {``, "", false},
	} {
		var f flexString
		err := f.UnmarshalJSON([]byte(tc.data))
		if (err == nil) != tc.ok || string(f) != tc.want {
			t.Errorf("flexString(%q) = %q, %v", tc.data, f, err)
		}
	}
	for _, tc := range []struct {
		data string
		want bool
		ok   bool
	}{
		{`true`, true, true}, {`"true"`, true, true}, {`false`, false, true}, {`""`, false, true}, {`null`, false, true},
		{`1`, false, false}, {`"yes"`, false, false},
	} {
		var f flexBool
		err := f.UnmarshalJSON([]byte(tc.data))
		if (err == nil) != tc.ok || bool(f) != tc.want {
			t.Errorf("flexBool(%q) = %v, %v", tc.data, f, err)
		}
	}
	for data, want := range map[string]string{`"x"`: "string", `{}`: "object", `[]`: "array", `true`: "bool",
		`false`: "bool", `null`: "null", `-1`: "number", `7`: "number", ``: "value", `?`: "value"} {
		if got := jsonKind([]byte(data)); got != want {
			t.Errorf("jsonKind(%q) = %q, want %q", data, got, want)
		}
	}
}
