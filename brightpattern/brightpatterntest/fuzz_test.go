package brightpatterntest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeClientEvents fuzzes the decoding of a POST events body: it
// never panics, and what it accepts names only known client events, each
// with what it needs.
func FuzzDecodeClientEvents(f *testing.F) {
	for _, s := range []string{
		`{"events":[]}`,
		`{"events":[{"event":"chat_session_message","msg_id":"c:1","msg":"hi"}]}`,
		`{"events":[{"event":"chat_session_typing"},{"event":"chat_session_not_typing"}]}`,
		`{"events":[{"event":"chat_session_form_data","form_request_id":"f1","form_name":"x","data":{"a":"b"}}]}`,
		`{"events":[{"event":"chat_session_end"}]}`,
		`{"events":[{"event":"chat_session_signaling","msg_id":"c:2","destination":"x"}]}`,
		`{"events":[{"EVENT":"chat_session_end"}]}`,
		`{"events":null}`, `{"events":[1]}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := decodeClientEvents(body)
		if err != nil {
			if evs != nil {
				t.Fatal("events with an error")
			}
			return
		}
		for _, ev := range evs {
			switch ev.Event {
			case EventMessage:
				if ev.Msg == nil || *ev.Msg == "" {
					t.Fatal("message without msg accepted")
				}
			case EventFormData:
				if ev.FormRequestID == "" {
					t.Fatal("form data without id accepted")
				}
			case EventTyping, EventNotTyping, EventEnd, EventDisconnect, EventSignaling:
			default:
				t.Fatalf("event %q accepted", ev.Event)
			}
		}
	})
}

// FuzzDecodeStart fuzzes the decoding of a start chat body.
func FuzzDecodeStart(f *testing.F) {
	for _, s := range []string{
		`{"phone_number":"+14155550100","from":"web","parameters":{"email":"c@example.com","n":1}}`,
		`{}`, ``, `{"parameters":null}`, `{"Phone_Number":"1"}`, `[`, `{"phone_number":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeStart(body)
		if err != nil {
			return
		}
		if req.PhoneNumber != nil && !utf8.ValidString(*req.PhoneNumber) {
			t.Fatalf("invalid UTF-8 kept: %q", *req.PhoneNumber)
		}
	})
}

// FuzzParseMobileAuth fuzzes the chat API's Authorization header: an
// accepted header has both ids, and each id came from the header.
func FuzzParseMobileAuth(f *testing.F) {
	for _, s := range []string{
		`MOBILE-API-140-327-PLAIN appId="app", clientId="c1"`,
		`MOBILE-API-140-327-PLAIN clientId="WebChat",appId="a"`,
		`MOBILE-API-140-327-PLAIN appId="", clientId="c"`,
		`MOBILE-API-140-327-PLAIN appId="a"`, `Bearer x`, ``, `MOBILE-API-140-327-PLAIN ,,,`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseMobileAuth(h)
		if err != nil {
			return
		}
		if a.appID == "" || a.clientID == "" || !strings.Contains(h, a.appID) || !strings.Contains(h, a.clientID) {
			t.Fatalf("%q -> %+v", h, a)
		}
	})
}

// FuzzParseResult fuzzes the parsing of a Fetch URL answer into variables:
// no panic, and an accepted answer is a JSON object.
func FuzzParseResult(f *testing.F) {
	for _, s := range []string{
		`{"ticket_id":4711,"user":{"name":"Carla","tags":["vip"]},"n":null}`,
		`{}`, `[]`, `""`, `{"a":[[[]]]}`, `{"a":1e999}`, `{"a":"\u0000"}`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		vars, err := parseResult(body)
		if err != nil {
			return
		}
		if trimmed := strings.TrimSpace(string(body)); !strings.HasPrefix(trimmed, "{") {
			t.Fatalf("non-object accepted: %q", body)
		}
		for k := range vars {
			if k == "" && !strings.Contains(string(body), `""`) {
				t.Fatalf("empty name from %q", body)
			}
		}
	})
}

// FuzzSubstitute fuzzes $(var) substitution: no panic, text without "$("
// is kept as it is, and a value is put in once, never substituted again.
func FuzzSubstitute(f *testing.F) {
	for _, s := range []string{`{"a":"$(item.ANI)"}`, "$(", "$()", "$($(a))", "plain", "$(a)$(b)$(c"} {
		f.Add(s, "v$(a)")
	}
	f.Fuzz(func(t *testing.T, tmpl, val string) {
		vars := map[string]string{"a": val, "item.ANI": val}
		got := substitute(tmpl, vars)
		if !strings.Contains(tmpl, "$(") && got != tmpl {
			t.Fatalf("%q changed to %q", tmpl, got)
		}
		// Values go in once: with a value free of "$(" and ")", the
		// result holds no more "$(" than the template.
		if !strings.ContainsAny(val, "$()") && strings.Count(got, "$(") > strings.Count(tmpl, "$(") {
			t.Fatalf("%q with %q gave %q", tmpl, val, got)
		}
	})
}
