package statussync

import (
	"testing"
	"time"
)

// FuzzDecodeAgent: whatever the store holds under an agent's key (another
// version of the flow's record, a rollback's, garbage), reading it never
// panics; a record that decodes encodes back to itself, version included;
// one that does not is dropped keeping its version when it starts with
// one (recordVersion), so that the next write replaces it.
func FuzzDecodeAgent(f *testing.F) {
	st := &agentState{id: 7, bfID: "b1", bfKnown: "away", bfKnownAt: time.Unix(1700000000, 5), zdUnified: "online",
		bfEchoes: []bfEcho{{presence: "away", at: time.Unix(1700000001, 0)}}, zdEchoes: []zdEcho{{status: "online", channel: "online", at: time.Unix(1700000002, 0), unifiedSeen: true}}}
	f.Add(st.encode(3))
	f.Add(`7 {"lb":"not a number"}`)
	f.Add("12 <<binary>>")
	f.Add(`{"b":"x"}`)
	f.Add("0 {}")
	f.Add("-1 {}")
	f.Add("9223372036854775807 {}")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := decodeAgent(7, s)
		version, versioned := recordVersion(s)
		if err != nil {
			if got != nil {
				t.Fatalf("an error and a record for %q", s)
			}
			return
		}
		if !versioned || got.version != version {
			t.Fatalf("%q decoded at version %d, recordVersion says %d, %v", s, got.version, version, versioned)
		}
		again, err := decodeAgent(7, got.encode(got.version))
		if err != nil || again.encode(again.version) != got.encode(got.version) {
			t.Fatalf("%q does not survive a round trip: %v", s, err)
		}
	})
}
