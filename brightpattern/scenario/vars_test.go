package scenario

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestSubstitute(t *testing.T) {
	vars := map[string]string{"a": "1", "item.ANI": "+1 415", "q": `x"y`, "": "empty"}
	for _, c := range []struct{ in, want, jsonWant string }{
		{"no vars", "no vars", "no vars"},
		{"$(a)$(a)", "11", "11"},
		{`phone:"$(item.ANI)"`, `phone:"+1 415"`, `phone:"+1 415"`},
		{"$(q)", `x"y`, `x\"y`},
		{"keep $( open", "keep $( open", "keep $( open"},
		{"$()", "empty", "empty"},
		{"$(a", "$(a", "$(a"},
	} {
		got, err := Substitute(c.in, vars)
		if err != nil || got != c.want {
			t.Errorf("Substitute(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		got, err = SubstituteJSON(c.in, vars)
		if err != nil || got != c.jsonWant {
			t.Errorf("SubstituteJSON(%q) = %q, %v; want %q", c.in, got, err, c.jsonWant)
		}
	}
	_, err := Substitute("x $(nope) y", vars)
	if !errors.Is(err, ErrUnknownVariable) || !strings.Contains(err.Error(), "$(nope)") {
		t.Errorf("err = %v", err)
	}
}

// Substitution never panics, leaves a template without "$(" alone, and
// with JSON escaping keeps a JSON string template valid JSON whatever the
// values.
func FuzzSubstitute(f *testing.F) {
	f.Add("$(a) and $(b)", "v", `"q"`)
	f.Add(`{"name":"$(a)"}`, "\\", "\u2028")
	f.Add("$($(a))", "a)", "")
	f.Add("$(", "", "")
	f.Fuzz(func(t *testing.T, tmpl, a, b string) {
		vars := map[string]string{"a": a, "b": b}
		got, err := Substitute(tmpl, vars)
		if !strings.Contains(tmpl, "$(") && (err != nil || got != tmpl) {
			t.Fatalf("%q changed to %q, %v", tmpl, got, err)
		}
		if err != nil && !errors.Is(err, ErrUnknownVariable) {
			t.Fatalf("unexpected error %v", err)
		}
		j, err := SubstituteJSON(`{"x":"$(a)","y":"$(b)"}`, vars)
		if err != nil || !json.Valid([]byte(j)) {
			t.Fatalf("body %q, %v", j, err)
		}
		var back map[string]string
		enc, _ := json.Marshal(a)
		var want string
		_ = json.Unmarshal(enc, &want) // a as JSON carries it (invalid UTF-8 replaced)
		if json.Unmarshal([]byte(j), &back) != nil || back["x"] != want {
			t.Fatalf("value %q came back as %q", a, back["x"])
		}
	})
}
