package flow

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/deskbridge/deskbridge/zendesk"
)

func benchTriggers() (have, want zendesk.Trigger) {
	want = zendesk.Trigger{
		Title: "Reply by Braze SMS",
		Conditions: zendesk.Conditions{All: []zendesk.Condition{
			zendesk.Cond("comment_is_public", "is", "true"), zendesk.LoopGuard(),
			zendesk.Cond("requester.custom_fields.braze_external_id", "present"),
		}},
		Actions: []zendesk.Action{zendesk.NotifyWebhook("01HQ3Z", `{"ticket": "{{ticket.id}}", "text": "{{ticket.latest_public_comment_html}}", "to": "{{ticket.requester.custom_fields.braze_external_id}}"}`)},
	}
	have = want
	have.Conditions.All = []zendesk.Condition{want.Conditions.All[2], want.Conditions.All[0], want.Conditions.All[1]}
	have.Conditions.All[2].Value = []byte("5")
	have.Actions = []zendesk.Action{zendesk.NotifyWebhook("01HQ3Z", `{"ticket":"{{ticket.id}}","text":"{{ticket.latest_public_comment_html}}","to":"{{ticket.requester.custom_fields.braze_external_id}}"}`)}
	return have, want
}

// BenchmarkTriggerCompare is EnsureTrigger's comparison of a trigger as
// Zendesk returns it with the one wanted (conditions as sets, values and
// webhook bodies canonical).
func BenchmarkTriggerCompare(b *testing.B) {
	have, want := benchTriggers()
	b.ReportAllocs()
	for b.Loop() {
		same := conditionsText(have.Conditions.All) == conditionsText(want.Conditions.All) &&
			actionsText(have.Actions) == actionsText(want.Actions)
		if !same {
			b.Fatal("differ")
		}
	}
}

// BenchmarkTriggerCompareFloor is the standard library doing the least
// comparable work: marshal both triggers' conditions and actions and
// compare the bytes (which, unlike the canonical comparison, calls the
// reordered, re-formatted trigger different).
func BenchmarkTriggerCompareFloor(b *testing.B) {
	have, want := benchTriggers()
	b.ReportAllocs()
	for b.Loop() {
		h, _ := json.Marshal(struct {
			C zendesk.Conditions
			A []zendesk.Action
		}{have.Conditions, have.Actions})
		w, _ := json.Marshal(struct {
			C zendesk.Conditions
			A []zendesk.Action
		}{want.Conditions, want.Actions})
		if bytes.Equal(h, w) {
			b.Fatal("same")
		}
	}
}
