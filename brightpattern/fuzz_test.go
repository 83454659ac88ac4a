package brightpattern

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/fuzzcheck"
)

// FuzzDecodeError: whatever an error response carries, the client returns
// one bounded line that matches the deskbridge kind of its status.
func FuzzDecodeError(f *testing.F) {
	f.Add(400, "application/json", []byte(`{"error_code":1003,"error_message":"Invalid chat parameters"}`))
	fuzzcheck.DecodeError(f, "brightpattern", decodeError)
}

// FuzzParseTokenResponse: the token answer is read or refused, never
// with a panic, and an accepted one has a usable token and lifetime.
func FuzzParseTokenResponse(f *testing.F) {
	for _, s := range []string{
		`{"access_token":"a","token_type":"Bearer","expires_in":"3599"}`,
		`{"access_token":"a","expires_in":3599}`,
		`{"access_token":"a","expires_in":null}`,
		`{"access_token":" ","expires_in":"x"}`,
		`{"access_token":"a b"}`,
		`{"access_token":"a","expires_in":"-5"}`,
		`{"access_token":"a","expires_in":1e400}`,
		`[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tr, err := parseTokenResponse(body)
		if err != nil {
			return
		}
		if tr.AccessToken == "" || tr.ExpiresIn < 0 {
			t.Fatalf("%+v", tr)
		}
	})
}

// FuzzEventsBody: a poll's answer decodes or fails, never panics; a
// decoded event encodes again, and keeps its type.
func FuzzEventsBody(f *testing.F) {
	for _, s := range []string{
		`{"events":[{"event":"chat_session_message","msg_id":"m","party_id":"p","msg":"hi"}]}`,
		`{"events":[{"event":"chat_session_party_joined","timestamp":"1700000000000","ewt":12}]}`,
		`{"events":[{"event":"chat_session_status","state":"queued","ewt":"30"}]}`,
		`{"events":[{"event":1}]}`,
		`{"events":[{"timestamp":-1}]}`,
		`{"events":null}`,
		`{"events":[{"data":{"a":"b"}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var eb eventsBody
		if json.Unmarshal(body, &eb) != nil {
			return
		}
		for _, ev := range eb.Events {
			if ev.Timestamp < 0 {
				t.Fatalf("negative timestamp %d", ev.Timestamp)
			}
			b, err := json.Marshal(ev)
			if err != nil {
				t.Fatalf("re-encoding %+v: %v", ev, err)
			}
			var back Event
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("decoding %s: %v", b, err)
			}
			if utf8.ValidString(ev.Event) && back.Event != ev.Event {
				t.Fatalf("type %q became %q", ev.Event, back.Event)
			}
		}
	})
}

// FuzzUserPhones: Export User Phone Numbers' answer decodes or is refused,
// never a panic; a user decoded has the login id under one of the keys.
func FuzzUserPhones(f *testing.F) {
	for _, s := range []string{`[{"loginId":"a","extension":"1000","voiceMail":false}]`, `[{"login_id":"b","extension":1009}]`,
		`[]`, `null`, `[{"extension":{"x":1}}]`, `[{"loginId":"a","login_id":"b"}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var us []UserPhone
		if err := json.Unmarshal(b, &us); err != nil {
			return
		}
		for _, u := range us {
			if !utf8.ValidString(u.LoginID) && utf8.Valid(b) {
				t.Fatalf("login %q from valid UTF-8", u.LoginID)
			}
		}
	})
}
