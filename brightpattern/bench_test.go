package brightpattern

import (
	"encoding/json"
	"os"
	"testing"
)

// BenchmarkDecodeEvents decodes a poll's answer into Events (tolerant
// timestamp, Raw kept); the floor decodes the same body into a plain struct
// with encoding/json alone.
func BenchmarkDecodeEvents(b *testing.B) {
	body, err := os.ReadFile("testdata/server_events.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var eb eventsBody
			if err := json.Unmarshal(body, &eb); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		type plain struct {
			Event       string          `json:"event"`
			MsgID       string          `json:"msg_id"`
			Msg         string          `json:"msg"`
			PartyID     string          `json:"party_id"`
			State       string          `json:"state"`
			EWT         json.RawMessage `json:"ewt"`
			FirstName   string          `json:"first_name"`
			LastName    string          `json:"last_name"`
			DisplayName string          `json:"display_name"`
			Type        string          `json:"type"`
			Timestamp   json.RawMessage `json:"timestamp"`
		}
		b.ReportAllocs()
		for b.Loop() {
			var eb struct {
				Events []plain `json:"events"`
			}
			if err := json.Unmarshal(body, &eb); err != nil {
				b.Fatal(err)
			}
		}
	})
}
