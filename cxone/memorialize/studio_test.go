package memorialize

import (
	"errors"
	"testing"

	"github.com/deskbridge/deskbridge"
)

func TestParseStudioRequest(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int64{
		`{"contactId": 560001}`:                   560001,
		`{"contactId": "560001"}`:                 560001,
		`{"contactId": " 560001 ", "skill": "x"}`: 560001,
		`{"contactId": 0}`:                        0,
		`{"contactId": -4}`:                       0,
		`{"contactId": "abc"}`:                    0,
		`{"contactId": null}`:                     0,
		`{}`:                                      0,
		`[]`:                                      0,
		`{"contactId": 1} {"contactId": 2}`:       0,
		`{"contactId": 99999999999999999999999}`:  0,
		`not json`:                                0,
		`{"contactId": 1.5}`:                      0,
		`{"contactId": "\u0031\u0032"}`:           12,
		`{"contactId": {"nested": 1}}`:            0,
		"{\"contactId\": \"1\x00\"}":              0,
		`{"contactId": true}`:                     0,
		`{"ContactID": 7}`:                        7, // encoding/json matches keys without regard to case
	} {
		r, err := ParseStudioRequest([]byte(body))
		switch {
		case want == 0 && err == nil:
			t.Errorf("%s: accepted as %d", body, r.ContactID)
		case want == 0 && !errors.Is(err, deskbridge.ErrInvalid):
			t.Errorf("%s: error %v does not match ErrInvalid", body, err)
		case want != 0 && (err != nil || r.ContactID != want):
			t.Errorf("%s: %v, %v; want %d", body, r, err, want)
		}
	}
}

func FuzzParseStudioRequest(f *testing.F) {
	for _, s := range []string{`{"contactId": 560001}`, `{"contactId": "560001"}`, `{}`, `{"contactId": null}`, `[1]`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseStudioRequest(body)
		if err != nil {
			if !errors.Is(err, deskbridge.ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			if len(err.Error()) > 400 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		if r.ContactID <= 0 {
			t.Fatalf("accepted contact id %d", r.ContactID)
		}
		if _, err := decodeStudio(nil, body); err != nil && len(body) <= maxStudioBody {
			t.Fatalf("the decoder refused what the parser took: %v", err)
		}
	})
}
