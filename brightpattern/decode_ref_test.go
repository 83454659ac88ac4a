package brightpattern

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// This file keeps the event decoding as it was before it was made faster
// (one decode into a struct embedding eventWire, Text and flexInt without
// their fast paths), as the reference FuzzEventsDecodeSame compares the
// current decoding with on any input.

// refEventsBody is eventsBody decoded the old way.
type refEventsBody struct {
	Events []refEvent `json:"events"`
}

// refEvent is Event decoded the old way.
type refEvent Event

// refText is Text decoded the old way.
type refText string

func (t *refText) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		*t = ""
		return nil
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*t = refText(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", rest.Snippet(b, 40))
	}
	*t = refText(n.String())
	return nil
}

func refFlexInt(raw json.RawMessage, limit float64, what string) (int64, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, nil
	}
	if s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > limit {
		return 0, fmt.Errorf("%q is not %s", rest.Snippet([]byte(s), 40), what)
	}
	return max(int64(f), 0), nil
}

func (e *refEvent) UnmarshalJSON(b []byte) error {
	// eventWire as it was, but with the old Text; named as before so that
	// type errors name the same field path.
	type eventWire struct {
		Event         string            `json:"event"`
		MsgID         string            `json:"msg_id,omitempty"`
		Msg           string            `json:"msg,omitempty"`
		PartyID       string            `json:"party_id,omitempty"`
		State         string            `json:"state,omitempty"`
		EWT           refText           `json:"ewt,omitempty"`
		FirstName     string            `json:"first_name,omitempty"`
		LastName      string            `json:"last_name,omitempty"`
		DisplayName   string            `json:"display_name,omitempty"`
		Type          string            `json:"type,omitempty"`
		Timestamp     int64             `json:"timestamp,omitempty"`
		FormRequestID string            `json:"form_request_id,omitempty"`
		FormName      string            `json:"form_name,omitempty"`
		Data          map[string]string `json:"data,omitempty"`
		Destination   string            `json:"destination,omitempty"`
		Raw           json.RawMessage   `json:"-"`
	}
	var w struct {
		eventWire
		Timestamp json.RawMessage `json:"timestamp"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	ew := w.eventWire
	*e = refEvent{Event: ew.Event, MsgID: ew.MsgID, Msg: ew.Msg, PartyID: ew.PartyID, State: ew.State,
		EWT: Text(ew.EWT), FirstName: ew.FirstName, LastName: ew.LastName, DisplayName: ew.DisplayName,
		Type: ew.Type, Timestamp: ew.Timestamp, FormRequestID: ew.FormRequestID, FormName: ew.FormName,
		Data: ew.Data, Destination: ew.Destination, Raw: ew.Raw}
	if k := eventKey(); k != "event" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		e.Event = ""
		if raw, ok := m[k]; ok {
			if err := json.Unmarshal(raw, &e.Event); err != nil {
				return fmt.Errorf("event type: %w", err)
			}
		}
	}
	ts, err := refFlexInt(w.Timestamp, 1e16, "a time in milliseconds")
	if err != nil {
		return fmt.Errorf("event timestamp: %w", err)
	}
	e.Timestamp = ts
	e.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// refDecode decodes body the old way into an eventsBody.
func refDecode(body []byte) (eventsBody, error) {
	var r refEventsBody
	err := json.Unmarshal(body, &r)
	var eb eventsBody
	if r.Events != nil {
		eb.Events = make([]Event, len(r.Events))
		for i, e := range r.Events {
			eb.Events[i] = Event(e)
		}
	}
	return eb, err
}

// refErrText is the old decoding's error text with the reference's type
// names put back to those the old code had.
func refErrText(err error) string {
	return strings.NewReplacer("refEventsBody", "eventsBody", "refText", "Text").Replace(err.Error())
}

// FuzzEventsDecodeSame: the current decoding of a poll's answer gives what
// the old one gave, for any input: the same error text or none, and the
// same events (reflect.DeepEqual), even those left by a failed decode. The
// old and new Text and flexInt are compared on the same input too.
func FuzzEventsDecodeSame(f *testing.F) {
	for _, s := range []string{
		`{"events":[{"event":"chat_session_message","msg_id":"m","party_id":"p","msg":"hi"}]}`,
		`{"events":[{"event":"chat_session_party_joined","timestamp":"1700000000000","ewt":12}]}`,
		`{"events":[{"event":"chat_session_status","state":"queued","ewt":"30"}]}`,
		`{"events":[{"event":1}]}`,
		`{"events":[{"timestamp":-1}]}`,
		`{"events":null}`,
		`{"events":[{"data":{"a":"b"}}]}`,
		`{"events":[null,{"ewt":" 7 ","timestamp":" \"0012\" "}],"EVENTS":[{"msg":"x"}]}`,
		`{"events":[{"ewt":"a\u00e9\"b","timestamp":"99999999999999999"}]}`,
		`{"events":[{"ewt":true}]}`,
		`{"events":[{"msg":5,"ewt":1e3,"timestamp":1.5}]}`,
	} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		want, wantErr := refDecode(body)
		var got eventsBody
		gotErr := json.Unmarshal(body, &got)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != refErrText(wantErr)) {
			t.Fatalf("%q: error %v, want %v", body, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %#v\nwant %#v", body, got, want)
		}
		// The same bytes as one value, to Text and flexInt directly.
		var gt Text
		var wt refText
		gerr, werr := gt.UnmarshalJSON(body), wt.UnmarshalJSON(body)
		if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) || (gerr == nil && string(gt) != string(wt)) {
			t.Fatalf("Text %q: %q, %v; want %q, %v", body, gt, gerr, wt, werr)
		}
		gi, gerr := flexInt(body, 1e16, "a time")
		wi, werr := refFlexInt(body, 1e16, "a time")
		if gi != wi || (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
			t.Fatalf("flexInt %q: %d, %v; want %d, %v", body, gi, gerr, wi, werr)
		}
	})
}

// TestEventInKeys: eventIn reads every key Event has, into a field of the
// same type (the timestamp kept raw), so that a field added to Event is
// not silently left unread.
func TestEventInKeys(t *testing.T) {
	keys := func(typ reflect.Type) map[string]reflect.Type {
		m := map[string]reflect.Type{}
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "-" {
				m[name] = f.Type
			}
		}
		return m
	}
	want := keys(reflect.TypeFor[Event]())
	want["timestamp"] = reflect.TypeFor[json.RawMessage]()
	if got := keys(reflect.TypeFor[eventIn]()); !reflect.DeepEqual(got, want) {
		t.Errorf("eventIn keys %v, want %v", got, want)
	}
}
