package memorialize

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
)

// RecordType is a Zendesk record type ("entity type" on CXone's mapping
// screen).
type RecordType string

// Record types. Organizations and custom records are not covered: what
// CXone writes to them is UNCONFIRMED.
const (
	Ticket RecordType = "ticket"
	User   RecordType = "user"
)

// MaxDynamicFields is how many fields dynamic data shows per record type
// (CXone's help article "Configure a CRM system for Zendesk": "up to five
// fields per record type"; see [Channel]).
const MaxDynamicFields = 5

// Standard Zendesk fields a mapping can write, by record type. Only text
// fields: CXone's help article maps text only.
var standardFields = map[RecordType][]string{
	Ticket: {"subject", "external_id"},
	User:   {"name", "phone", "notes", "details", "external_id", "alias"},
}

// ZendeskField names a field of a Zendesk record: a standard field, or a
// custom one by id or key. Exactly one of Standard, ID (tickets), Title
// (tickets) and Key (users) names it.
type ZendeskField struct {
	// Standard is a standard field: "subject" or "external_id" of a
	// ticket; "name", "phone", "notes", "details", "external_id" or
	// "alias" of a user.
	Standard string
	// ID is a custom ticket field's id.
	ID int64
	// Title is a custom ticket field's title, by which the flow finds it
	// (ticket fields have no key) and [Provision] creates it; for a custom
	// user field, the title Provision gives it (default: Key).
	Title string
	// Key is a custom user field's key.
	Key string
	// Type is the custom field's type, zendesk.FieldText (the default) or
	// zendesk.FieldTextarea (multi-line, for transcripts): what Provision
	// creates, and what sets the longest value the flow writes.
	Type string
	// MaxLength overrides the longest value the flow writes into the
	// field, in characters (see unconfirmed.go for the defaults). A longer
	// value is refused, never cut.
	MaxLength int
}

// String names the field as a Config error shows it: `subject`,
// `ticket field 360001`, `ticket field "CXone ANI"`, `user field cxone_ani`.
func (f ZendeskField) String() string {
	switch {
	case f.Standard != "":
		return f.Standard
	case f.ID != 0:
		return "ticket field " + strconv.FormatInt(f.ID, 10)
	case f.Key != "":
		return "user field " + f.Key
	case f.Title != "":
		return fmt.Sprintf("ticket field %q", f.Title)
	}
	return "(no field)"
}

// custom reports whether f is a custom field.
func (f ZendeskField) custom() bool { return f.Standard == "" }

// Pair maps one CXone data field to one Zendesk field: a row of CXone's
// data memorialization screen ("External CRM field" ← channel, "CXone
// Mpower data").
type Pair struct {
	// Zendesk is the field written.
	Zendesk ZendeskField
	// Channel is where the value comes from: [Voice], [Digital] or
	// [ScriptVariable].
	Channel Channel
	// Data is the CXone data field, exactly as CXone's help article
	// "Configure a CRM system for Zendesk" names it ([VoiceFields],
	// [DigitalFields]), or the script variable's name in lower case.
	Data string
}

// Mapping is the data memorialization mapping: per record type, the
// pairs written when an interaction ends.
type Mapping map[RecordType][]Pair

// DynamicData is the dynamic data mapping: per record type, the fields
// (at most [MaxDynamicFields]) that [Flow.Lookup] returns for the records
// found.
type DynamicData map[RecordType][]ZendeskField

// validate returns every problem of m and d at once.
func validateMapping(p *flow.Collector, m Mapping, d DynamicData) {
	if len(m) == 0 {
		p.Add("Config.Mapping", "", "maps nothing", "add pairs for the ticket or the user record type, e.g. Mapping{memorialize.Ticket: {{Zendesk: ZendeskField{Title: \"CXone ANI\"}, Channel: memorialize.Voice, Data: \"ANI\"}}}")
	}
	for _, rt := range sortedTypes(m) {
		if !knownType(rt) {
			p.Add(fmt.Sprintf("Config.Mapping[%q]", rt), string(rt), "is not a record type the flow writes", "use memorialize.Ticket or memorialize.User (organizations and custom records are not covered)")
			continue
		}
		for i, pr := range m[rt] {
			field := fmt.Sprintf("Config.Mapping[%q][%d]", rt, i)
			validateField(p, field+".Zendesk", rt, pr.Zendesk)
			validatePairData(p, field, pr)
			// A field may take a voice value and a digital one (one
			// contact is one or the other), but not two of one contact.
			for j, other := range m[rt][:i] {
				if other.Zendesk.String() == pr.Zendesk.String() && pr.Zendesk != (ZendeskField{}) &&
					(other.Channel == pr.Channel || other.Channel == ScriptVariable || pr.Channel == ScriptVariable) {
					p.Add(field+".Zendesk", pr.Zendesk.String(), fmt.Sprintf("is written by pair %d too, for the same contacts", j),
						"map each Zendesk field once per record type and channel")
					break
				}
			}
		}
	}
	for _, rt := range sortedTypes(d) {
		field := fmt.Sprintf("Config.Dynamic[%q]", rt)
		if !knownType(rt) {
			p.Add(field, string(rt), "is not a record type the flow looks up", "use memorialize.Ticket or memorialize.User")
			continue
		}
		if n := len(d[rt]); n > MaxDynamicFields {
			p.Add(field, strconv.Itoa(n)+" fields", fmt.Sprintf("shows more than %d fields per record type, the most CXone Agent shows", MaxDynamicFields),
				fmt.Sprintf("keep the %d fields agents need most", MaxDynamicFields))
		}
		for i, f := range d[rt] {
			validateField(p, fmt.Sprintf("%s[%d]", field, i), rt, f)
		}
	}
}

func knownType(rt RecordType) bool { return rt == Ticket || rt == User }

func sortedTypes[V any](m map[RecordType]V) []RecordType {
	out := make([]RecordType, 0, len(m))
	for rt := range m {
		out = append(out, rt)
	}
	slices.Sort(out)
	return out
}

// validateField checks that f names one field that record type rt has.
func validateField(p *flow.Collector, name string, rt RecordType, f ZendeskField) {
	n := 0
	for _, set := range []bool{f.Standard != "", f.ID != 0, f.Key != "", f.Title != "" && f.Key == ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		p.Add(name, "", "names no Zendesk field", "set Standard, ID or Title (tickets), or Key (users)")
		return
	case n > 1:
		p.Add(name, f.String(), "names more than one field", "set only one of Standard, ID, Title (tickets) and Key (users)")
		return
	}
	switch {
	case f.Standard != "" && !slices.Contains(standardFields[rt], f.Standard):
		p.Add(name, f.Standard, fmt.Sprintf("is not a standard %s text field", rt),
			fmt.Sprintf("use one of %s, or a custom field", strings.Join(standardFields[rt], ", ")))
	case f.ID < 0:
		p.Add(name, f.String(), "has a negative id", "give the custom ticket field's id from Admin Center > Objects and rules > Tickets > Fields")
	case rt == Ticket && f.Key != "":
		p.Add(name, f.Key, "is a user field key on the ticket record type", "ticket fields have no key: name a custom ticket field by ID or Title")
	case rt == User && f.ID != 0:
		p.Add(name, f.String(), "is a ticket field id on the user record type", "name a custom user field by Key")
	case rt == User && f.Key == "" && f.Title != "":
		p.Add(name, f.Title, "names a user field by title", "name a custom user field by Key (Title is only the title Provision gives it)")
	}
	if f.Key != "" && !validKey(f.Key) {
		p.Add(name, f.Key, "is not a Zendesk field key", "use lower-case letters, digits and underscores, starting with a letter")
	}
	if f.Type != "" && f.Type != zendesk.FieldText && f.Type != zendesk.FieldTextarea {
		p.Add(name+".Type", f.Type, "is not a text type; the flow writes text only", "use zendesk.FieldText or zendesk.FieldTextarea")
	}
	if f.Type != "" && !f.custom() {
		p.Add(name+".Type", f.Type, "is set on a standard field", "leave Type empty for standard fields")
	}
	if f.MaxLength < 0 {
		p.Add(name+".MaxLength", strconv.Itoa(f.MaxLength), "is negative", "use 0 for Zendesk's limit, or a positive number of characters")
	}
}

// validKey reports whether k reads as a Zendesk custom field key.
func validKey(k string) bool {
	for i, r := range k {
		switch {
		case r >= 'a' && r <= 'z', r == '_' && i > 0, r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return k != ""
}

// longTranscript is the shortest limit a field may have to take a
// transcript: shorter, Zendesk would refuse most transcripts.
const longTranscript = 10000

// validatePairData checks the CXone side of a pair.
func validatePairData(p *flow.Collector, name string, pr Pair) {
	switch pr.Channel {
	case ScriptVariable:
		switch {
		case strings.TrimSpace(pr.Data) == "":
			p.Add(name+".Data", "", "names no script variable", "give the variable's name, in lower case")
		case pr.Data != strings.ToLower(pr.Data):
			p.Add(name+".Data", pr.Data, "is not in lower case; CXone requires script variables in lower case, even when the script uses capitals",
				fmt.Sprintf("write %q", strings.ToLower(pr.Data)))
		}
		return
	case Voice, Digital:
	case "":
		p.Add(name+".Channel", "", "is empty", "use memorialize.Voice, memorialize.Digital or memorialize.ScriptVariable")
		return
	default:
		p.Add(name+".Channel", string(pr.Channel), "is not a channel", "use memorialize.Voice, memorialize.Digital or memorialize.ScriptVariable")
		return
	}
	df, ok := dataFields[pr.Data]
	if !ok || (pr.Channel == Voice && !df.voice) || (pr.Channel == Digital && !df.digital) {
		list := VoiceFields()
		if pr.Channel == Digital {
			list = DigitalFields()
		}
		fix := "use one of: " + strings.Join(list, ", ") + "; or map it as a script variable"
		if s := suggest(pr.Data, list); s != "" {
			fix = fmt.Sprintf("write %q (names are written as CXone writes them), or %s", s, fix)
		}
		p.Add(name+".Data", pr.Data, fmt.Sprintf("is not a %s contact field", pr.Channel), fix)
		return
	}
	if pr.Data == "Transcription Text" {
		if lim := fieldLimit(pr.Zendesk); lim < longTranscript {
			p.Add(name+".Zendesk", pr.Zendesk.String(),
				fmt.Sprintf("is too short for a transcript: Zendesk takes at most %d characters there, and a longer transcript is refused, never cut", lim),
				"map Transcription Text to a multi-line custom field (Type zendesk.FieldTextarea)")
		}
	}
}

// suggest returns the name in list equal to s but for case and spaces.
func suggest(s string, list []string) string {
	norm := func(x string) string { return strings.ToLower(strings.ReplaceAll(x, " ", "")) }
	for _, n := range list {
		if norm(n) == norm(s) {
			return n
		}
	}
	return ""
}

// Value is one Zendesk field's value for one interaction, or why it is
// not written.
type Value struct {
	// Field is the Zendesk field.
	Field ZendeskField
	// Data is the CXone data field or script variable it comes from.
	Data string
	// Text is the value.
	Text string
	// Skip says why the value is not written ("" when it is): the contact
	// ended first, the value is empty, or it is longer than the field's
	// limit.
	Skip string
}

// Reasons a [Value] is skipped.
const (
	SkipEndedByContact = "the contact ended the interaction first"
	SkipEmpty          = "no value"
)

// Values maps in with m: for each record type, the value of every pair
// that applies to in's channel (script variables apply to both). It is
// pure: no server is called.
func (m Mapping) Values(in *Interaction) map[RecordType][]Value {
	out := map[RecordType][]Value{}
	ch := in.Channel()
	for _, rt := range sortedTypes(m) {
		for _, pr := range m[rt] {
			var v Value
			switch {
			case pr.Channel == ScriptVariable:
				v = Value{Field: pr.Zendesk, Data: pr.Data, Text: in.Variables[pr.Data]}
			case pr.Channel != ch:
				continue
			default:
				df, ok := dataFields[pr.Data]
				if !ok {
					continue
				}
				v = Value{Field: pr.Zendesk, Data: pr.Data}
				if df.outcome && in.EndedByContact {
					v.Skip = SkipEndedByContact
				} else {
					v.Text = df.get(in)
				}
			}
			if v.Skip == "" {
				v.Skip = checkLength(v.Field, v.Text)
			}
			out[rt] = append(out[rt], v)
		}
	}
	return out
}

// checkLength returns why text cannot go into f, "" when it can.
func checkLength(f ZendeskField, text string) string {
	if text == "" {
		return SkipEmpty
	}
	if n, lim := utf8.RuneCountInString(text), fieldLimit(f); n > lim {
		return fmt.Sprintf("the value has %d characters, over the %d that Zendesk takes in %s; refused, not cut", n, lim, f)
	}
	return ""
}

// needs returns what m needs read beside the completed contact.
func (m Mapping) needs() need {
	var n need
	for _, pairs := range m {
		for _, pr := range pairs {
			if pr.Channel == ScriptVariable {
				n |= needCustomData
				continue
			}
			n |= dataFields[pr.Data].need
			if pr.Data == "Interaction ID" || pr.Data == "Transcript URL" {
				n |= needCustomData
			}
		}
	}
	return n
}
