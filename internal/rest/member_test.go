package rest

import (
	"encoding/json"
	"testing"
)

func TestDecodeMember(t *testing.T) {
	t.Parallel()
	type item struct {
		ID int `json:"id"`
	}
	for _, tc := range []struct {
		body  string
		found bool
		id    int
		err   bool
	}{
		{`{"ticket":{"id":7}}`, true, 7, false},
		{` {"ticket" : {"id":3} , "audit":{"events":[]}} `, true, 3, false}, // not the only member
		{`{"ticket":{"id":4}} ]`, true, 4, false},                           // trailing junk: the member is still read
		{`{"ticket":{"id":1},"ticket":{"id":2}}`, true, 2, false},           // the last one wins, as in encoding/json
		{` { "audit" : {"a":[1,{"b":"}"}]}, "ticket" : {"id":8} , "x":1}`, true, 8, false},
		{`{"tick\u0065t":{"id":9}}`, true, 9, false},           // an escaped key
		{`{"other":"\"ticket\":{\"id\":1}"}`, false, 0, false}, // the key inside a string is not a key
		{`{"tickets":[{"id":1}]}`, false, 0, false},
		{`{"ticket":null}`, false, 0, false},
		{`{}`, false, 0, false},
		{`{"ticket":{"id":"x"}}`, true, 0, true},
		{`[{"ticket":{"id":1}}]`, false, 0, true},
		{`{"ticket"`, false, 0, true},
		{`{"a":[}`, false, 0, true},
		{``, false, 0, true},
	} {
		var out item
		found, err := DecodeMember([]byte(tc.body), "ticket", &out)
		if found != tc.found || (err != nil) != tc.err || out.ID != tc.id {
			t.Errorf("%s: found %v, err %v, id %d; want %v, err %v, id %d", tc.body, found, err, out.ID, tc.found, tc.err, tc.id)
		}
	}
}

// FuzzDecodeMember: on any body the scanner ends, never panics, and when it
// finds the member, encoding/json agrees with it.
func FuzzDecodeMember(f *testing.F) {
	for _, s := range []string{
		`{"ticket":{"id":7}}`, `{"a":1,"ticket":[1,2,{"x":"]"}]}`, `{"tick\u0065t":"v"}`, `{"ticket":`,
		`{"a":{"b":{"c":[[[[]]]]}},"ticket":true}`, `{"a":"\\","ticket":1}`, `{"a" 1}`, `[`, `{"a":[}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got any
		found, err := DecodeMember(body, "ticket", &got)
		if !found || err != nil {
			return
		}
		var whole map[string]any
		if json.Unmarshal(body, &whole) != nil {
			return // the scanner only checks the member it decodes
		}
		want, ok := whole["ticket"]
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if !ok || string(wb) != string(gb) {
			t.Fatalf("%q: member %s, encoding/json says %s", body, gb, wb)
		}
	})
}
