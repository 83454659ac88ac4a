package scenario

import (
	"strconv"
	"testing"

	"github.com/deskbridge/deskbridge/zendesk"
)

// benchScenario is one inbound call: Search the caller's open tickets,
// Screen Pop the first, Attached Data (two fields and a note).
func benchScenario() Scenario {
	return Scenario{Steps: []Step{
		&Search{Query: "type:ticket status<solved requester:$(caller_id)", Recordset: "tickets", MaxResults: 1},
		&ScreenPop{Ticket: "$(tickets.id)"},
		&AttachData{Fields: testFields},
	}}
}

// BenchmarkInboundCall runs the call through the scenario; the floor,
// BenchmarkInboundCallByHand, makes the same three Zendesk calls with the
// zendesk client directly (ids known beforehand), against the same fake in
// the same run. The ratio is what the blocks cost on top of the calls:
// substitution, the recordset, the cached agent and field lookups.
func BenchmarkInboundCall(b *testing.B) {
	w := newWorld(b)
	f, _ := w.flow(benchScenario())
	vars := call(knownANI, mainDNIS)
	vars["caller_id"] = itoa(w.caller)
	if res := f.Run(b.Context(), vars); res.Exit != ExitNext {
		b.Fatal(res)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		// A new interaction each time, so that each writes its note (and
		// its once-per-interaction record), as the floor does.
		n++
		vars[VarInteractionID] = "GIID" + strconv.Itoa(n)
		if res := f.Run(b.Context(), vars); res.Exit != ExitNext {
			b.Fatal(res)
		}
	}
}

func BenchmarkInboundCallByHand(b *testing.B) {
	w := newWorld(b)
	zc, _ := w.accounts.Select("")
	ctx := b.Context()
	var fieldIDs []int64
	for _, f := range testFields {
		tf, err := zc.TicketFields.FindByTitle(ctx, f.Title)
		if err != nil {
			b.Fatal(err)
		}
		fieldIDs = append(fieldIDs, tf.ID)
	}
	q := "type:ticket status<solved requester:" + itoa(w.caller)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var id int64
		for hit, err := range zc.Search.Query(ctx, q, &zendesk.SearchOptions{OffsetOptions: zendesk.OffsetOptions{PerPage: 1}}) {
			if err != nil {
				b.Fatal(err)
			}
			id = hit.Ticket.ID
			break
		}
		if err := zc.Voice.DisplayTicket(ctx, w.annZD, id); err != nil {
			b.Fatal(err)
		}
		f1, _ := zendesk.NewCustomField(fieldIDs[0], knownANI)
		f2, _ := zendesk.NewCustomField(fieldIDs[1], "GIID1")
		in := &zendesk.TicketInput{CustomFields: []zendesk.CustomField{f1, f2}, Comment: zendesk.PrivateComment("Bright Pattern interaction\nitem.ANI: " + knownANI)}
		if _, err := zc.Tickets.Update(ctx, id, in); err != nil {
			b.Fatal(err)
		}
	}
}
