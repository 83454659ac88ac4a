package memorialize

import (
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
)

func voiceContact() cxone.Contact {
	return cxone.Contact{
		ContactID: 560001, MasterContactID: 560000, AgentID: 1001,
		FromAddress: "+33612345678", ToAddress: "+33198765432",
		ContactStartDate: cxone.Time{Time: time.Date(2026, 11, 21, 9, 55, 0, 0, time.UTC)}, TotalDurationSeconds: 285,
		MediaTypeID: 4, MediaTypeName: "Call", SkillID: 2001, SkillName: "Billing Voice",
		PrimaryDispositionID: 31, DispositionNotes: "Refund promised", EndReason: "Agent Hung Up",
		Tags: []cxone.ContactTag{{TagID: 8, TagName: "refund"}, {TagID: 9, TagName: "vip"}},
	}
}

func TestValuesTable(t *testing.T) {
	t.Parallel()
	ticketField := func(title string) ZendeskField { return ZendeskField{Title: title} }
	m := Mapping{
		Ticket: {
			{Zendesk: ticketField("ANI"), Channel: Voice, Data: "ANI"},
			{Zendesk: ticketField("DNIS"), Channel: Voice, Data: "DNIS"},
			{Zendesk: ticketField("Disposition"), Channel: Voice, Data: "Disposition Name"},
			{Zendesk: ticketField("Notes"), Channel: Voice, Data: "Disposition Notes"},
			{Zendesk: ticketField("Tags"), Channel: Voice, Data: "Tags"},
			{Zendesk: ticketField("End"), Channel: Voice, Data: "End Time"},
			{Zendesk: ticketField("Agent"), Channel: Voice, Data: "Agent Name"},
			{Zendesk: ticketField("Order"), Channel: ScriptVariable, Data: "ordernumber"},
			{Zendesk: ticketField("Transcript"), Channel: Digital, Data: "Transcription Text"},
			{Zendesk: ticketField("Contact type"), Channel: Voice, Data: "Contact Type"},
			{Zendesk: ticketField("Event type"), Channel: Digital, Data: "Event Type"},
			{Zendesk: ticketField("Media type"), Channel: Voice, Data: "Media Type"},
			{Zendesk: ticketField("Media type"), Channel: Digital, Data: "Media Type"},
		},
		User: {{Zendesk: ZendeskField{Key: "cxone_skill"}, Channel: Voice, Data: "Skill Name"}},
	}
	base := Interaction{Contact: voiceContact(), AgentName: "Ann Lee", DispositionName: "Resolved",
		Variables: map[string]string{"ordernumber": "A-42"}}
	ended := base
	ended.EndedByContact = true
	outbound := base
	outbound.Contact.IsOutbound = true
	// media is base on another media type, on the channel the flow
	// would give it.
	media := func(id int, name string) Interaction {
		in := base
		in.Contact.MediaTypeID, in.Contact.MediaTypeName = id, name
		in.Digital = isDigital(&in.Contact)
		return in
	}

	for _, tc := range []struct {
		name string
		in   Interaction
		want map[string]string // Data → Text, or "skip:<reason prefix>"
	}{
		{"voice, agent ended", base, map[string]string{
			"ANI": "+33612345678", "DNIS": "+33198765432", "Disposition Name": "Resolved", "Disposition Notes": "Refund promised",
			"Tags": "refund, vip", "End Time": "2026-11-21T09:59:45Z", "Agent Name": "Ann Lee", "ordernumber": "A-42", "Skill Name": "Billing Voice",
			"Contact Type": "voice"}},
		{"voice, contact hung up first", ended, map[string]string{
			"ANI": "+33612345678", "Disposition Name": "skip:" + SkipEndedByContact, "Disposition Notes": "skip:" + SkipEndedByContact,
			"Tags": "skip:" + SkipEndedByContact, "Agent Name": "Ann Lee"}},
		{"outbound swaps ANI and DNIS", outbound, map[string]string{"ANI": "+33198765432", "DNIS": "+33612345678"}},
		// The help page's "Contact Type" (voice pairs) is voice or digital;
		// "Event Type" (digital pairs) and "Media Type" (both) name one of
		// four kinds. A voice mail gets the voice pairs and a work item the
		// digital ones (unconfirmed.go).
		{"voicemail", media(5, "Voice Mail"), map[string]string{"Contact Type": "voice", "Media Type": "voicemail", "ANI": "+33612345678"}},
		{"digital chat", media(3, "Chat"), map[string]string{"Event Type": "digital", "Media Type": "digital", "Transcription Text": "skip:" + SkipEmpty}},
		{"work item", media(6, "Work Item"), map[string]string{"Event Type": "work item", "Media Type": "work item"}},
		{"no media type named", media(0, ""), map[string]string{"Contact Type": "voice", "ANI": "+33612345678"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]Value{}
			vals := m.Values(&tc.in)
			for _, vs := range vals {
				for _, v := range vs {
					got[v.Data] = v
				}
			}
			other := []string{"Transcription Text", "Event Type"} // digital pairs
			if tc.in.Digital {
				other = []string{"ANI", "Contact Type"} // voice pairs
			}
			for _, data := range other {
				if _, ok := got[data]; ok {
					t.Errorf("%s was mapped for a contact on the other channel", data)
				}
			}
			for data, want := range tc.want {
				v, ok := got[data]
				switch {
				case !ok:
					t.Errorf("%s: not mapped", data)
				case strings.HasPrefix(want, "skip:"):
					if v.Skip != strings.TrimPrefix(want, "skip:") {
						t.Errorf("%s: skip %q, want %q", data, v.Skip, want)
					}
				case v.Skip != "" || v.Text != want:
					t.Errorf("%s = %q (skip %q), want %q", data, v.Text, v.Skip, want)
				}
			}
		})
	}
}

func TestValuesRefusesTooLong(t *testing.T) {
	t.Parallel()
	m := Mapping{Ticket: {
		{Zendesk: ZendeskField{Title: "Notes"}, Channel: Voice, Data: "Disposition Notes"},
		{Zendesk: ZendeskField{Title: "Short", MaxLength: 5}, Channel: Voice, Data: "Skill Name"},
	}}
	in := Interaction{Contact: voiceContact()}
	in.Contact.DispositionNotes = strings.Repeat("é", 256)
	vals := m.Values(&in)[Ticket]
	for _, v := range vals {
		if !strings.Contains(v.Skip, "refused, not cut") {
			t.Errorf("%s: skip %q, want a refusal", v.Data, v.Skip)
		}
	}
	if !strings.Contains(vals[0].Skip, "256 characters, over the 255") || !strings.Contains(vals[1].Skip, "over the 5") {
		t.Errorf("limits not named: %q / %q", vals[0].Skip, vals[1].Skip)
	}
}

func TestDigitalValues(t *testing.T) {
	t.Parallel()
	m := Mapping{Ticket: {
		{Zendesk: ZendeskField{Title: "T", Type: zendesk.FieldTextarea}, Channel: Digital, Data: "Transcription Text"},
		{Zendesk: ZendeskField{Title: "C"}, Channel: Digital, Data: "Customer Name"},
		{Zendesk: ZendeskField{Title: "S"}, Channel: Digital, Data: "Status"},
		{Zendesk: ZendeskField{Title: "A"}, Channel: Voice, Data: "ANI"},
	}}
	c := cxone.Contact{ContactID: 7, MediaTypeID: 3, MediaTypeName: "Chat", FirstName: "Bo", LastName: "Ng",
		DigitalContactStateName: "Resolved", EndReason: "Contact Hung Up"}
	in := Interaction{Contact: c, Digital: isDigital(&c), EndedByContact: endedByContact(&c), Transcript: "CUSTOMER Bo: hi"}
	vals := m.Values(&in)[Ticket]
	if len(vals) != 3 {
		t.Fatalf("%d values, want the 3 digital pairs: %+v", len(vals), vals)
	}
	if vals[0].Text != "CUSTOMER Bo: hi" || vals[1].Text != "Bo Ng" || vals[2].Skip != SkipEndedByContact {
		t.Errorf("values %+v", vals)
	}
}

func TestValidateEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	cfg := Config{
		Mapping: Mapping{
			Ticket: {
				{Zendesk: ZendeskField{Title: "X"}, Channel: Voice, Data: "ani"},                    // case
				{Zendesk: ZendeskField{Title: "Y"}, Channel: Voice, Data: "Transcription Text"},     // digital only
				{Zendesk: ZendeskField{Title: "Z"}, Channel: Digital, Data: "Transcription Text"},   // too short
				{Zendesk: ZendeskField{Key: "k"}, Channel: Voice, Data: "ANI"},                      // key on ticket
				{Zendesk: ZendeskField{Standard: "priority"}, Channel: Voice, Data: "ANI"},          // not a text field
				{Zendesk: ZendeskField{Title: "W"}, Channel: ScriptVariable, Data: "OrderNumber"},   // not lower case
				{Zendesk: ZendeskField{Title: "V", Type: "checkbox"}, Channel: Voice, Data: "DNIS"}, // not text
			},
			"organization": {{Zendesk: ZendeskField{Standard: "name"}, Channel: Voice, Data: "ANI"}},
		},
		Dynamic: DynamicData{User: {{Standard: "name"}, {Standard: "phone"}, {Key: "a"}, {Key: "b"}, {Key: "c"}, {Key: "d"}}},
	}
	err := cfg.validate()
	probs := flow.Problems(err)
	want := []string{
		"Config.CXone", "Config.Zendesk",
		`Config.Mapping["organization"]`,
		`Config.Mapping["ticket"][0].Data`, `Config.Mapping["ticket"][1].Data`, `Config.Mapping["ticket"][2].Zendesk`,
		`Config.Mapping["ticket"][3].Zendesk`, `Config.Mapping["ticket"][4].Zendesk`, `Config.Mapping["ticket"][5].Data`,
		`Config.Mapping["ticket"][6].Zendesk.Type`, `Config.Dynamic["user"]`,
	}
	have := map[string]*flow.ConfigError{}
	for _, p := range probs {
		have[p.Field] = p
		if p.Flow != "memorialize" || p.Fix == "" {
			t.Errorf("problem without flow or fix: %v", p)
		}
	}
	for _, w := range want {
		if have[w] == nil {
			t.Errorf("no problem for %s in:\n%v", w, err)
		}
	}
	if p := have[`Config.Mapping["ticket"][0].Data`]; p != nil && !strings.Contains(p.Fix, `"ANI"`) {
		t.Errorf("no suggestion of the seed's spelling: %v", p)
	}
	if p := have[`Config.Mapping["ticket"][2].Zendesk`]; p != nil && !strings.Contains(p.Problem, "255 characters") {
		t.Errorf("transcript limit not named: %v", p)
	}
	if p := have[`Config.Dynamic["user"]`]; p != nil && !strings.Contains(p.Problem, "more than 5") {
		t.Errorf("dynamic limit not named: %v", p)
	}
}

func TestFieldListsAreTheSeeds(t *testing.T) {
	t.Parallel()
	if n := len(VoiceFields()); n != 21 {
		t.Errorf("%d voice fields, the seed lists 21", n)
	}
	if n := len(DigitalFields()); n != 22 {
		t.Errorf("%d digital fields, the seed lists 22", n)
	}
	for _, name := range VoiceFields() {
		if df, ok := dataFields[name]; !ok || !df.voice {
			t.Errorf("voice field %q has no source", name)
		}
	}
	for _, name := range DigitalFields() {
		if df, ok := dataFields[name]; !ok || !df.digital {
			t.Errorf("digital field %q has no source", name)
		}
	}
}
