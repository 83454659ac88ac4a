package webhook

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"
)

// The Sunshine benchmarks verify and decode
// testdata/sunshine_bench_message_2k.json (2,135 bytes): one
// conversation:message event of a user, sent with "include full user" and
// "include full source", as a Web Messenger conversation handed to Zendesk's
// agent workspace sends it.
//
// BenchmarkSunshineVerifyDecode does what a NewSunshineHandler does for it
// (check X-API-Key, parse the envelope) and decodes the message with
// SunshineEvent.ConversationMessage. BenchmarkSunshineVerifyDecodeFloor is
// the standard library doing the same work: a constant-time compare of the
// header and one json.Unmarshal into the same shape. Compare them in one
// run:
//
//	go test -run='^$' -bench=SunshineVerifyDecode -benchmem -count=6 -cpu 1 ./webhook

const benchSunshineSecret = "5f4eaef81e3dcc117c7ba48a-secret"

func benchSunshineRequest(b *testing.B) (*http.Request, []byte) {
	b.Helper()
	body, err := os.ReadFile("testdata/sunshine_bench_message_2k.json")
	if err != nil {
		b.Fatal(err)
	}
	r := &http.Request{Method: http.MethodPost, Header: http.Header{}}
	r.Header.Set(HeaderSunshineAPIKey, benchSunshineSecret)
	return r, body
}

func BenchmarkSunshineVerifyDecode(b *testing.B) {
	r, body := benchSunshineRequest(b)
	v := SunshineVerifier{Secrets: []string{benchSunshineSecret}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.VerifyRequest(r, body); err != nil {
			b.Fatal(err)
		}
		env, err := ParseSunshineEvents(body)
		if err != nil {
			b.Fatal(err)
		}
		for i := range env.Events {
			m, err := env.Events[i].ConversationMessage()
			if err != nil {
				b.Fatal(err)
			}
			if m.Message.Author.User == nil || m.Message.Source.Device == nil {
				b.Fatalf("message %+v", m)
			}
		}
	}
}

// floorSunshineEnvelope is the body in the shape ParseSunshineEvents and
// ConversationMessage give, decoded in one pass.
type floorSunshineEnvelope struct {
	App     SunshineApp     `json:"app"`
	Webhook SunshineWebhook `json:"webhook"`
	Events  []struct {
		ID        string                      `json:"id"`
		CreatedAt time.Time                   `json:"createdAt"`
		Type      string                      `json:"type"`
		Payload   SunshineConversationMessage `json:"payload"`
	} `json:"events"`
}

func floorSunshineVerifyDecode(secret string, r *http.Request, body []byte) (*floorSunshineEnvelope, error) {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(HeaderSunshineAPIKey)), []byte(secret)) != 1 {
		return nil, errors.New("bad key")
	}
	var env floorSunshineEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	return &env, nil
}

func BenchmarkSunshineVerifyDecodeFloor(b *testing.B) {
	r, body := benchSunshineRequest(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		env, err := floorSunshineVerifyDecode(benchSunshineSecret, r, body)
		if err != nil {
			b.Fatal(err)
		}
		if m := env.Events[0].Payload.Message; m.Author.User == nil || m.Source.Device == nil {
			b.Fatalf("message %+v", m)
		}
	}
}

// The benchmark's body decodes alike both ways.
func TestSunshineBenchFloorAgrees(t *testing.T) {
	t.Parallel()
	body := readTestdata(t, "sunshine_bench_message_2k.json")
	r := &http.Request{Header: http.Header{}}
	r.Header.Set(HeaderSunshineAPIKey, benchSunshineSecret)
	floor, err := floorSunshineVerifyDecode(benchSunshineSecret, r, body)
	if err != nil {
		t.Fatal(err)
	}
	env, err := ParseSunshineEvents(body)
	if err != nil {
		t.Fatal(err)
	}
	m, err := env.Events[0].ConversationMessage()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(m)
	want, _ := json.Marshal(floor.Events[0].Payload)
	if string(got) != string(want) {
		t.Errorf("decoded\n%s\nfloor\n%s", got, want)
	}
}
