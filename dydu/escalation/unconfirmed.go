package escalation

import (
	"context"
	"errors"
	"strings"

	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// This file holds every behaviour of the flow that rests on a fact the
// vendor documents read while writing it do not state (UNCONFIRMED). Each
// is one function, tested in unconfirmed_test.go with a test that names
// the doubt, so that a correction is one edit. Dydu's own Zendesk
// connector is closed (https://docs-en.dydu.ai/livechat/zendesk-livechat-connector
// says what to configure, not what it calls); these are the choices of
// deskbridge's open bridge.

// setGroup puts the skill's Zendesk group in the passControl metadata, so
// that the ticket the agent workspace opens lands in that group.
//
// UNCONFIRMED: the key. Zendesk documents first_message_id
// (https://support.zendesk.com/hc/en-us/articles/4419179022874) but the
// article listing the other keys was not read; public hand-offs send
// "dataCapture.systemField.group_id" (Botpress' Zendesk messaging HITL),
// some "groupId". conversations.Metadata.SetGroupID writes the former. If
// tickets land without a group, the fallback is a PUT /api/v2/tickets/{id}
// with group_id once the ticket exists.
func setGroup(md conversations.Metadata, groupID int64) { md.SetGroupID(groupID) }

// userExternalID is the externalId of the Sunshine Conversations user of
// a chat.
//
// UNCONFIRMED: which id Dydu's connector uses (its dialog contextId or
// the chatbox's clientId). The bridge uses its chat id, which outlives
// Dydu's 10-minute contexts, prefixed so that it cannot collide with the
// ids of another channel of the app.
func userExternalID(chat string) string { return "dydu-chat:" + chat }

// identityProfile is the profile of the Sunshine Conversations user from
// the identity mapping's value (the sender-id variable) and the user's
// name (Config.NameVariable), either of which may be "".
//
// UNCONFIRMED: how Dydu's connector shows the value to the agent
// (profile.email, givenName, the author's displayName, or passControl
// metadata). The bridge sets it as the profile's email when it looks like
// an address, else as the given name; a name the channel sent is the
// given name (whole: splitting it into given name and surname would be a
// guess).
func identityProfile(value, name string) *conversations.Profile {
	p := &conversations.Profile{}
	switch {
	case looksLikeEmail(value):
		p.Email = value
	case value != "":
		p.GivenName = value
	}
	if name != "" {
		p.GivenName = name
	}
	if *p == (conversations.Profile{}) {
		return nil
	}
	return p
}

// identityMetadata puts the identity mapping's value and the user's name
// in the passControl metadata, as the ticket requester's email and name.
//
// UNCONFIRMED: the keys dataCapture.systemField.requester.email / .name
// are what public hand-offs send; Zendesk's list of keys was not read.
func identityMetadata(md conversations.Metadata, value, name string) {
	switch {
	case looksLikeEmail(value):
		md.SetRequesterEmail(value)
	case value != "" && name == "":
		md.SetRequesterName(value)
	}
	if name != "" {
		md.SetRequesterName(name)
	}
}

func looksLikeEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n")
}

// handBackSignal reports whether a switchboard event gives the
// conversation back from the agent workspace: a passControl or
// releaseControl with reason ticketClosed (or transferToEmail), or a
// passControl to an integration other than the agent workspace.
//
// UNCONFIRMED: which of releaseControl and passControl
// Zendesk sends when the agent solves the ticket depends on the
// switchboard's configuration; both are taken.
func handBackSignal(typ string, p *webhook.SunshineSwitchboardEvent, agentWorkspace string) bool {
	if p.Error != nil {
		return false
	}
	switch p.Reason {
	case webhook.SunshineReasonTicketClosed, webhook.SunshineReasonTransferToEmail:
		return true
	}
	if typ == webhook.SunshineTypeSwitchboardPassControl {
		a := p.Conversation.ActiveSwitchboardIntegration
		return a != nil && a.Name != agentWorkspace && a.IntegrationType != "zd:agentWorkspace"
	}
	return false
}

// handBackActivity reports whether a system message's activity ends the
// agent's part: "ticket:closed".
//
// UNCONFIRMED: only the API's schema describes this message; that Zendesk
// posts it when an agent solves a ticket is not documented. Dydu's
// connector subscribes to conversation:message alone, so it would be the
// one signal it sees.
func handBackActivity(t string) bool { return t == conversations.MessageActivityTicketClosed }

// ownMessage reports whether a business message is the flow's own post
// coming back through the webhook: marked with the flow's metadata key,
// or posted through the API by the flow's integration.
//
// UNCONFIRMED: that webhooks echo metadata as posted (the schema says
// so), and that source.integrationId of an API post is the posting key's
// integration. Agent messages are the others: Zendesk is reported to mark
// them with metadata "__zendesk_msg.agent.id" and source type
// "zd:agentWorkspace", which the flow does not require.
func ownMessage(m *webhook.SunshineMessage, integrationID string) bool {
	if _, ok := m.Metadata[markKey]; ok {
		return true
	}
	return integrationID != "" && m.Source.Type == "api:conversations" && m.Source.IntegrationID == integrationID
}

// allowedFileType reports whether a file of media type mt is sent to the
// agent.
//
// UNCONFIRMED: Zendesk's list of the file types messaging takes
// (https://support.zendesk.com/hc/en-us/articles/8435939957914) was not
// read. The bridge takes images, audio, video, PDF, plain text, CSV and
// office documents, and refuses the rest (executables, scripts, archives)
// with a clear error rather than let Zendesk drop them.
func allowedFileType(mt string) bool {
	mt = strings.ToLower(mt)
	for _, p := range []string{"image/", "audio/", "video/"} {
		if strings.HasPrefix(mt, p) {
			return mt != "image/svg+xml" // scripts can hide in SVG
		}
	}
	switch mt {
	case "application/pdf", "text/plain", "text/csv", "application/msword", "application/vnd.ms-excel",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet":
		return true
	}
	return false
}

// skillOf is the skill of an escalating answer: Config.Skills by the
// answer's knowledge id, else Config.DefaultSkill.
//
// UNCONFIRMED: whether Dydu's talk answer names the skill. The chatbox's
// types (types/servlet.d.ts in https://github.com/Do-you-dream-up/CV5)
// show no such value: the skill is the context condition the escalating
// knowledge carries, configured in the BMS, so the bridge is told it.
func (f *Flow) skillOf(ans *dydu.Answer) string {
	if s, ok := f.cfg.Skills[ans.KnowledgeID]; ok {
		return s
	}
	return f.cfg.DefaultSkill
}

// probeContext is the dialog context [Flow.Check] asks Dydu about: a
// well-formed UUID no dialog has.
const probeContext = "00000000-0000-4000-8000-000000000000"

// dyduProbe asks Dydu whether the bot answers, the cheapest way that
// still names the bot: POST chat/availablecontext/{bot}/{probe}, which
// only asks whether a context is alive (CV5's checkContextAvailability).
// nil when the bot answers (the probe context being gone is the expected
// answer); an error matching [deskbridge.ErrNotFound] when the bot's UUID
// is unknown; the transport's error otherwise.
//
// Why not the others: NewContext opens a dialog on Dydu's side (what
// Check used before), and GET whoami/ answers without naming the bot, so
// a wrong UUID would pass.
//
// UNCONFIRMED: that availablecontext answers isContextStillAvailable
// false for an unknown id without creating a context (Dydu's doc says an
// invalid id makes the server create one, for talk), and that an unknown
// bot UUID is a 404 (dydutest answers so; Dydu documents no error body).
func dyduProbe(ctx context.Context, dc *dydu.Client) error {
	err := dc.CheckContext(ctx, probeContext)
	if errors.Is(err, dydu.ErrContextExpired) {
		return nil
	}
	return err
}
