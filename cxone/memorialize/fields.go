package memorialize

import (
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/cxone"
)

// Channel is where a mapped value comes from: the "Select a channel" list
// of CXone's data memorialization screen.
type Channel string

// Channels, as the mapping screen of CXone's help article "Configure a CRM
// system for Zendesk" names them
// (https://help.nice-incontact.com/content/agent/agentapplicationadministration/cxoneagentintegrated/crmintegration/crmconfigurations/setupcrmconfigzen.htm).
const (
	// Voice ("Voice call contact") maps an ACD field of a voice contact
	// ([VoiceFields]).
	Voice Channel = "voice"
	// Digital ("Digital contact") maps a Digital Experience field of a
	// digital contact ([DigitalFields]).
	Digital Channel = "digital"
	// ScriptVariable maps a Studio script variable, read from the contact's
	// custom data, of a voice or digital contact. Its name is written in
	// lower case, as CXone requires ("the script variable must be in lower
	// case to match the ASSIGN action"), even when the script uses
	// capitals.
	ScriptVariable Channel = "script variable"
)

// need is what reading a data field costs beyond the completed contact.
type need uint8

const (
	needAgent       need = 1 << iota // GET /agents/{id} (cached)
	needDisposition                  // GET /dispositions/{id} (cached)
	needRecording                    // media playback (voice)
	needTranscript                   // media playback (chat)
	needCustomData                   // GET /contacts/{id}/custom-data
)

// dataField is one CXone data field of the help article's two lists.
type dataField struct {
	voice, digital bool
	// outcome fields (statuses, dispositions, notes, tags) are not
	// memorialized when the contact ended the interaction first.
	outcome bool
	need    need
	get     func(*Interaction) string
}

// The help article's field names ("Champs de données des contacts numériques" and
// "… des appels vocaux"), exactly as written there, with where each value
// comes from (vendor notes §1.7; guesses in unconfirmed.go).
var dataFields = map[string]dataField{
	"Agent ID":           {voice: true, digital: true, get: func(in *Interaction) string { return idText(in.Contact.AgentID) }},
	"Agent Name":         {voice: true, digital: true, need: needAgent, get: func(in *Interaction) string { return in.AgentName }},
	"ANI":                {voice: true, get: func(in *Interaction) string { return ani(&in.Contact) }},
	"Channel Name":       {digital: true, get: func(in *Interaction) string { return channelName(&in.Contact) }},
	"Channel Type":       {digital: true, get: func(in *Interaction) string { return channelType(&in.Contact) }},
	"Contact ID":         {voice: true, digital: true, get: func(in *Interaction) string { return idText(in.Contact.ContactID) }},
	"Contact Type":       {voice: true, get: func(in *Interaction) string { return contactType(&in.Contact) }},
	"Customer Name":      {digital: true, get: func(in *Interaction) string { return customerName(&in.Contact) }},
	"Direction":          {voice: true, digital: true, get: func(in *Interaction) string { return in.Contact.Direction() }},
	"Disposition Name":   {voice: true, digital: true, outcome: true, need: needDisposition, get: func(in *Interaction) string { return in.DispositionName }},
	"Disposition Notes":  {voice: true, digital: true, outcome: true, get: func(in *Interaction) string { return in.Contact.DispositionNotes }},
	"DNIS":               {voice: true, get: func(in *Interaction) string { return dnis(&in.Contact) }},
	"End Time":           {voice: true, digital: true, get: func(in *Interaction) string { return timeText(in.Contact.End()) }},
	"Event Type":         {digital: true, get: func(in *Interaction) string { return eventType(&in.Contact) }},
	"Final State":        {voice: true, digital: true, get: func(in *Interaction) string { return strconv.FormatBool(!in.HandedOff) }},
	"From":               {digital: true, get: func(in *Interaction) string { return customerName(&in.Contact) }},
	"Interaction ID":     {voice: true, digital: true, get: func(in *Interaction) string { return interactionID(in) }},
	"Master Contact ID":  {voice: true, get: func(in *Interaction) string { return idText(in.Contact.MasterContactID) }},
	"Media Type":         {voice: true, digital: true, get: func(in *Interaction) string { return eventType(&in.Contact) }},
	"Recording URL":      {voice: true, need: needRecording, get: func(in *Interaction) string { return in.RecordingURL }},
	"Skill ID":           {voice: true, digital: true, get: func(in *Interaction) string { return idText(in.Contact.SkillID) }},
	"Skill Name":         {voice: true, digital: true, get: func(in *Interaction) string { return in.Contact.SkillName }},
	"Start Time":         {voice: true, digital: true, get: func(in *Interaction) string { return timeText(in.Contact.ContactStartDate.Time) }},
	"Status":             {voice: true, digital: true, outcome: true, get: func(in *Interaction) string { return status(&in.Contact) }},
	"To":                 {voice: true, digital: true, need: needAgent, get: func(in *Interaction) string { return in.AgentName }},
	"Tags":               {voice: true, outcome: true, get: func(in *Interaction) string { return strings.Join(in.Contact.TagNames(), ", ") }},
	"Transcription Text": {digital: true, need: needTranscript, get: func(in *Interaction) string { return in.Transcript }},
	"Transcript URL":     {digital: true, get: func(in *Interaction) string { return transcriptURL(in) }},
}

// VoiceFields returns the names of the voice contact fields ("Voice call
// contact", CXone's ACD fields), as CXone's help article "Configure a CRM
// system for Zendesk" lists them (see [Channel]).
func VoiceFields() []string {
	return []string{"Agent ID", "Agent Name", "ANI", "Contact ID", "Contact Type", "Direction", "Disposition Name",
		"Disposition Notes", "DNIS", "End Time", "Final State", "Interaction ID", "Master Contact ID", "Media Type",
		"Recording URL", "Skill ID", "Skill Name", "Start Time", "Status", "To", "Tags"}
}

// DigitalFields returns the names of the digital contact fields ("Digital
// contact", CXone's Digital Experience fields), as CXone's help article
// "Configure a CRM system for Zendesk" lists them (see [Channel]).
func DigitalFields() []string {
	return []string{"Agent ID", "Agent Name", "Channel Name", "Channel Type", "Contact ID", "Customer Name",
		"Direction", "Disposition Name", "Disposition Notes", "End Time", "Event Type", "Final State", "From",
		"Interaction ID", "Media Type", "Skill ID", "Skill Name", "Start Time", "Status", "To",
		"Transcription Text", "Transcript URL"}
}

// Interaction is what the flow knows of one completed contact when it
// maps it: the contact as the Reporting API gives it and what the mapping
// made the flow read beside it. [Mapping.Values] reads only this, so the
// mapping can be tested without any server.
type Interaction struct {
	// Contact is the completed contact.
	Contact cxone.Contact
	// Digital is true for a Digital Experience contact, false for voice.
	Digital bool
	// EndedByContact is true when the customer ended the interaction
	// first: statuses, dispositions, notes and tags are then not written.
	EndedByContact bool
	// HandedOff is true when the agent passed the interaction on (a
	// transfer, an unassignment): this contact is the agent's segment of an
	// interaction that goes on under another contact id with the same
	// master contact id. "Final State" is then "false".
	HandedOff bool
	// AgentName is the handling agent's name (GET /agents/{agentId}).
	AgentName string
	// DispositionName is the name of the contact's primary disposition
	// (GET /dispositions/{id}).
	DispositionName string
	// RecordingURL is the voice recording's URL (media playback).
	RecordingURL string
	// Transcript is the digital contact's messages, one per line.
	Transcript string
	// Variables are the contact's custom data (script variables), by name
	// in lower case.
	Variables map[string]string

	claims claims // the claims the contact is written under; none: unchecked
}

// Channel is the channel of in's contact: [Digital] or [Voice].
func (in *Interaction) Channel() Channel {
	if in.Digital {
		return Digital
	}
	return Voice
}

// contactType is the voice list's "Contact Type", which the help article
// says is "vocale ou numérique": "voice" for a contact that gets the voice
// pairs (a voice mail, and a contact that names no media type, included;
// see [isDigital]), "digital" otherwise. "Event Type" and "Media Type" say
// which of the four kinds it is ([eventType]).
func contactType(c *cxone.Contact) string {
	if isDigital(c) {
		return typeDigital
	}
	return typeVoice
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// timeText writes t as RFC 3339 in UTC, "" when zero.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// customerName is the contact's firstName and lastName.
func customerName(c *cxone.Contact) string {
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}
