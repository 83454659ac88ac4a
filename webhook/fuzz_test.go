package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"
)

// Seeds of FuzzParseZendeskEvent, all in testdata/ (see its README for the
// sources): the agent.state_changed example of Zendesk's agent availability
// events reference, the same event as babelforce's help article shows it
// received (the task's inner "body"), the public agent.unified_state_changed
// sample, a ticket event built on the detail properties of Zendesk's ticket
// events reference, and the benchmark event.
var zendeskFuzzSeeds = []string{
	"zendesk_agent_state_changed.json",
	"zendesk_agent_state_changed_babelforce.json",
	"zendesk_agent_unified_state_changed.json",
	"zendesk_ticket_status_changed.json",
	"zendesk_bench_unified_state_1k.json",
}

// FuzzParseZendeskEvent checks that ParseZendeskEvent never panics, only
// accepts valid JSON, reports failures as ErrMalformed, and gives the same
// event back after a round trip through encoding/json; and that the object
// scanner behind it finds exactly the members encoding/json finds.
func FuzzParseZendeskEvent(f *testing.F) {
	for _, name := range zendeskFuzzSeeds {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte(`{"type":"zen:event-type:ticket.created","detail":{"id":7,"tags":["a"],"via":{"channel":"web"}},"event":null}`))
	f.Add([]byte(`{"typ\u0065":"zen:event-type:agent.state_changed","id":"a\"b","account_id":"12","time":""}`))
	f.Add([]byte(`{"type":"x","type":"y","detail":{"a":[1,{"b":"}"}]}}`))

	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseZendeskEvent(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
		} else {
			checkParsedEvent(t, body, ev)
		}
		checkScanAgreesWithStdlib(t, body)
	})
}

func checkParsedEvent(t *testing.T, body []byte, ev *ZendeskEvent) {
	t.Helper()
	if !json.Valid(body) {
		t.Fatalf("accepted invalid JSON %q", body)
	}
	if ev.Type == "" {
		t.Fatal("accepted an event without type")
	}
	for _, raw := range []json.RawMessage{ev.Detail, ev.Event} {
		if raw != nil && (raw[0] != '{' || !json.Valid(raw)) {
			t.Fatalf("Detail/Event %q is not a JSON object", raw)
		}
	}
	if (ev.Payload != nil) != IsTypedZendeskEvent(ev.Type) {
		t.Fatalf("type %q has payload %T", ev.Type, ev.Payload)
	}
	again, err := json.Marshal(ev)
	if err != nil {
		return // e.g. a time encoding/json cannot write back
	}
	ev2, err := ParseZendeskEvent(again)
	if err != nil {
		t.Fatalf("round trip %s: %v", again, err)
	}
	if ev.ID != ev2.ID || ev.Type != ev2.Type || ev.Subject != ev2.Subject || ev.AccountID != ev2.AccountID ||
		ev.Version != ev2.Version || !ev.Time.Equal(ev2.Time) {
		t.Fatalf("round trip changed the envelope:\n%+v\n%+v", ev, ev2)
	}
	p1, p2 := ev.Payload, ev2.Payload
	if te, ok := p1.(*TicketEvent); ok { // its raw Event is compacted by Marshal
		c1, c2 := *te, *p2.(*TicketEvent)
		c1.Event, c2.Event = nil, nil
		p1, p2 = &c1, &c2
	}
	if !payloadEqual(p1, p2) {
		t.Fatalf("round trip changed the payload:\n%+v\n%+v", p1, p2)
	}
}

// payloadEqual compares payloads, times by instant.
func payloadEqual(a, b any) bool {
	switch a := a.(type) {
	case *AgentStateChanged:
		return equalInUTC(a, b, func(p *AgentStateChanged) []*time.Time { return []*time.Time{&p.UpdatedAt} })
	case *AgentUnifiedStateChanged:
		return equalInUTC(a, b, func(p *AgentUnifiedStateChanged) []*time.Time { return []*time.Time{&p.UpdatedAt} })
	case *TicketEvent:
		return equalInUTC(a, b, func(p *TicketEvent) []*time.Time { return []*time.Time{&p.CreatedAt, &p.UpdatedAt} })
	}
	return a == nil && b == nil
}

// equalInUTC reports whether b is a *P deeply equal to a once the times
// that times points to in each are moved to UTC.
func equalInUTC[P any](a *P, b any, times func(*P) []*time.Time) bool {
	pb, ok := b.(*P)
	if !ok {
		return false
	}
	ca, cb := *a, *pb
	for _, t := range append(times(&ca), times(&cb)...) {
		*t = t.UTC()
	}
	return reflect.DeepEqual(ca, cb)
}

// checkScanAgreesWithStdlib: for every valid JSON object, scanObject must
// succeed and find the members, with the same values byte for byte, that
// encoding/json finds.
func checkScanAgreesWithStdlib(t *testing.T, body []byte) {
	t.Helper()
	var std map[string]json.RawMessage
	if !json.Valid(body) || json.Unmarshal(body, &std) != nil || std == nil {
		return
	}
	got := map[string][]byte{}
	err := scanObject(body, func(quoted []byte, escaped bool, value []byte) error {
		key, err := memberKey(quoted, escaped)
		if err != nil {
			return err
		}
		got[string(key)] = value
		return nil
	})
	if err != nil {
		t.Fatalf("scanObject refused a valid object %q: %v", body, err)
	}
	if len(got) != len(std) {
		t.Fatalf("scanObject found %d members, encoding/json %d, in %q", len(got), len(std), body)
	}
	for k, v := range std {
		if !bytes.Equal(got[k], v) {
			t.Fatalf("member %q: scanObject %q, encoding/json %q", k, got[k], v)
		}
	}
}

// FuzzZendeskVerify feeds arbitrary signature headers and bodies to Verify:
// it must never panic, must fail with one of its sentinel errors, and must
// only succeed for a genuine signature of one of its secrets. A verifier
// that derived its key once must answer as the literal one does.
func FuzzZendeskVerify(f *testing.F) {
	f.Add(vecSig, vecTimestamp, []byte(vecBody))
	f.Add(vecSig2, vecTimestamp, []byte(vecBody))
	f.Add(vecSigEmpty, vecTimestamp, []byte{})
	f.Add("", "", []byte(nil))
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "2021-03-25T05:09:27.999999999+00:00", []byte("x"))
	f.Add("P2iKOs0eFBXbqjyUNxNnoWmoN/cSSkVqIRoRhYZhv5o", "2021-03-25T05:09:27Z", []byte(vecBody))
	f.Add("====", "9999-12-31T23:59:59Z", []byte("\x00"))

	secrets := []string{vecSecret, vecSecret2}
	v := ZendeskVerifier{Secrets: secrets, Now: fixedClock(vecTime)}
	prepared := withClock(NewZendeskVerifier(secrets...), vecTime)
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		h := http.Header{}
		h.Set(HeaderZendeskSignature, sig)
		h.Set(HeaderZendeskSignatureTimestamp, ts)
		err := v.Verify(h, body)
		if perr := prepared.Verify(h, body); (err == nil) != (perr == nil) || (err != nil && err.Error() != perr.Error()) {
			t.Fatalf("literal verifier: %v; prepared verifier: %v", err, perr)
		}
		if err != nil {
			if !errors.Is(err, ErrMissingSignature) && !errors.Is(err, ErrSignatureMismatch) && !errors.Is(err, ErrTimestampSkew) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		for _, s := range secrets {
			mac := hmac.New(sha256.New, []byte(s))
			mac.Write([]byte(ts))
			mac.Write(body)
			if sig == base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
				return
			}
		}
		t.Fatalf("verified a signature no secret produced: sig %q ts %q body %q", sig, ts, body)
	})
}
