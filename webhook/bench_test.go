package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"
)

// The benchmarks verify and parse testdata/zendesk_bench_unified_state_1k.json
// (1,033 bytes): an agent.unified_state_changed event whose two states carry,
// besides the id/name/reason of the public sample, the description, channels
// and group_ids of a custom status as the Unified Agent Status API returns it
// (https://developer.zendesk.com/api-reference/agent-availability/unified-agent-status-api/).
// Whether events carry those extra fields is not confirmed; they stand for
// realistic bulk that both decoders must skip.
//
// BenchmarkZendeskVerifyParseFloor does the same work with the standard
// library only, the way a careful hand-written receiver would: hmac.New +
// base64 + hmac.Equal + one json.Unmarshal into a struct with ",string" ids.
// BenchmarkZendeskVerifyParse verifies with the verifier a handler keeps
// (its HMAC key derived once), BenchmarkZendeskVerifyParseLiteral with a
// literal ZendeskVerifier (key derived per request). Compare them in one
// run:
//
//	go test -run='^$' -bench=ZendeskVerifyParse -benchmem -count=6 -cpu 1 ./webhook

const benchSecret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="

// benchSignedAt is when the benchmark request is signed; it is verified 3
// seconds later, at benchNow.
var benchSignedAt = time.Date(2025, 3, 12, 14, 2, 52, 0, time.UTC)

func benchNow() time.Time { return benchSignedAt.Add(3 * time.Second) }

func benchRequest(b *testing.B) (http.Header, []byte, time.Time) {
	b.Helper()
	body, err := os.ReadFile("testdata/zendesk_bench_unified_state_1k.json")
	if err != nil {
		b.Fatal(err)
	}
	sig, ts := SignZendesk(benchSecret, benchSignedAt, body)
	h := http.Header{}
	h.Set(HeaderZendeskSignature, sig)
	h.Set(HeaderZendeskSignatureTimestamp, ts)
	return h, body, benchNow()
}

// BenchmarkZendeskVerifyParse verifies with the verifier a handler built
// by NewZendeskHandler keeps, called as the handler calls it, and parses as
// its decoder does.
func BenchmarkZendeskVerifyParse(b *testing.B) {
	lit := ZendeskVerifier{Secrets: []string{benchSecret}, Now: benchNow}
	v := NewZendeskHandler(lit, func(context.Context, *ZendeskEvent) error { return nil }).verifier
	benchVerifyParse(b, v)
}

// BenchmarkZendeskVerifyParseLiteral verifies with a literal
// ZendeskVerifier, which derives the HMAC key on every request.
func BenchmarkZendeskVerifyParseLiteral(b *testing.B) {
	benchVerifyParse(b, ZendeskVerifier{Secrets: []string{benchSecret}, Now: benchNow})
}

func benchVerifyParse(b *testing.B, v Verifier) {
	h, body, _ := benchRequest(b)
	r := &http.Request{Method: http.MethodPost, Header: h}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.VerifyRequest(r, body); err != nil {
			b.Fatal(err)
		}
		ev, err := ParseZendeskEvent(body)
		if err != nil {
			b.Fatal(err)
		}
		if p, ok := ev.Payload.(*AgentUnifiedStateChanged); !ok || p.NewState.ID != 360001234567 {
			b.Fatalf("payload %#v", ev.Payload)
		}
	}
}

// floorEvent is what BenchmarkZendeskVerifyParse produces, typed for
// encoding/json alone.
type floorEvent struct {
	AccountID int64  `json:"account_id"`
	ID        string `json:"id"`
	Subject   string `json:"subject"`
	Type      string `json:"type"`
	Version   string `json:"zendesk_event_version"`
	Time      time.Time
	Detail    struct {
		AccountID int64  `json:"account_id,string"`
		AgentID   int64  `json:"agent_id,string"`
		Version   string `json:"version"`
	} `json:"detail"`
	Event struct {
		New       floorState `json:"new_unified_state"`
		Previous  floorState `json:"previous_unified_state"`
		UpdatedAt time.Time  `json:"updated_at"`
	} `json:"event"`
}

type floorState struct {
	ID     int64  `json:"id,string"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

func floorVerifyParse(secret string, h http.Header, body []byte, now time.Time) (*floorEvent, error) {
	sig, ts := h.Get(HeaderZendeskSignature), h.Get(HeaderZendeskSignatureTimestamp)
	if sig == "" || ts == "" {
		return nil, errors.New("missing signature")
	}
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), want) {
		return nil, errors.New("signature mismatch")
	}
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return nil, err
	}
	if d := now.Sub(t); d > DefaultTolerance || d < -DefaultTolerance {
		return nil, errors.New("skew")
	}
	var ev floorEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

func BenchmarkZendeskVerifyParseFloor(b *testing.B) {
	h, body, now := benchRequest(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		ev, err := floorVerifyParse(benchSecret, h, body, now)
		if err != nil {
			b.Fatal(err)
		}
		if ev.Event.New.ID != 360001234567 {
			b.Fatalf("event %#v", ev)
		}
	}
}

// BenchmarkZendeskVerify and BenchmarkParseZendeskEvent time the two halves
// of BenchmarkZendeskVerifyParse apart, to see which one a change moves.
func BenchmarkZendeskVerify(b *testing.B) {
	h, body, _ := benchRequest(b)
	r := &http.Request{Method: http.MethodPost, Header: h}
	lit := ZendeskVerifier{Secrets: []string{benchSecret}, Now: benchNow}
	for _, bc := range []struct {
		name string
		v    Verifier
	}{
		{"handler", NewZendeskHandler(lit, func(context.Context, *ZendeskEvent) error { return nil }).verifier},
		{"literal", lit},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.v.VerifyRequest(r, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseZendeskEvent(b *testing.B) {
	_, body, _ := benchRequest(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseZendeskEvent(body); err != nil {
			b.Fatal(err)
		}
	}
}
