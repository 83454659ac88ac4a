package statussync

import (
	"errors"
	"testing"

	"github.com/deskbridge/deskbridge/webhook"
)

// FuzzDecodePresenceEvent: the automation body is outside input. Whatever
// it holds, the decoder answers either a malformed-body error (400) or one
// event with a presence and an agent, whose key is stable.
func FuzzDecodePresenceEvent(f *testing.F) {
	for _, s := range []string{
		`{"event_id":"e-1","agent_id":"0fe3d4a8335b4c3ea63dc38d153020e2","source_id":"10011","presence":"busy","changed_at":"2026-11-21T10:00:00Z"}`,
		`{"agent_id":7,"presence":{"name":"available"},"changed_at":1763719200000}`,
		`{"source_id":"10011","presence":"in_a_meeting","changed_at":"1763719200"}`,
		`{"event_id":"{{{event.id}}}","agent_id":"{{{agent.id}}}","presence":"{{{agent.presence.name}}}"}`,
		`{"presence":""}`, `{"presence":null,"agent_id":null}`, `{"changed_at":1e300,"presence":"x","agent_id":"a"}`,
		`[]`, `null`, ``, `{"presence":{"name":{"name":"x"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := decodePresenceEvent(nil, body)
		if err != nil {
			if !errors.Is(err, webhook.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed (the handler would not answer 400)", err)
			}
			return
		}
		if len(items) != 1 {
			t.Fatalf("%d items", len(items))
		}
		e := items[0].Value
		if e.Presence == "" || (e.AgentID == "" && e.SourceID == "") {
			t.Fatalf("accepted an event without presence or agent: %+v", e)
		}
		if items[0].Key != e.Key() {
			t.Fatalf("item key %q is not the event's key %q", items[0].Key, e.Key())
		}
		// Decoding the same body again gives the same key (retries de-duplicate).
		again, err := decodePresenceEvent(nil, body)
		if err != nil || again[0].Key != items[0].Key {
			t.Fatalf("second decode: %v, key %q vs %q", err, again[0].Key, items[0].Key)
		}
	})
}
