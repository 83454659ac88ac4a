package rest

import (
	"encoding/json"
	"testing"
)

func TestJSONText(t *testing.T) {
	for raw, want := range map[string]string{
		``:              "",
		`null`:          "",
		`"  spaced  "`:  "spaced",
		`"a\u00e9"`:     "aé",
		`42`:            "42",
		`-1.5e3`:        "-1.5e3",
		`true`:          "",
		`{"a":1}`:       "",
		`["x"]`:         "",
		`"unterminated`: "",
	} {
		if got := JSONText(json.RawMessage(raw)); got != want {
			t.Errorf("JSONText(%s) = %q, want %q", raw, got, want)
		}
	}
}

func TestFirstOfAndFirstText(t *testing.T) {
	if got := FirstOf("", "", "b", "c"); got != "b" {
		t.Errorf("FirstOf = %q", got)
	}
	if got := FirstOf(); got != "" {
		t.Errorf("FirstOf() = %q", got)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(`{"error":"","code":null,"errorCode":7,"message":"late"}`), &m); err != nil {
		t.Fatal(err)
	}
	if got := FirstText(m, "missing", "error", "code", "errorCode", "message"); got != "7" {
		t.Errorf("FirstText = %q, want the first non-empty member in key order", got)
	}
	if got := FirstText(m, "error", "code"); got != "" {
		t.Errorf("FirstText of empty members = %q", got)
	}
	if got := FirstText(nil, "error"); got != "" {
		t.Errorf("FirstText(nil) = %q", got)
	}
}
