package conversationstest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// This file holds every behaviour of the fake that the vendor notes mark
// UNCONFIRMED: each one is one function or constant here, with the doubt
// named, and unconfirmed_test.go pins what the fake does today. When the
// real behaviour is known, change it here only.

// integrationJWTScope is the scope claim a JWT signed with an integration
// key must carry. UNCONFIRMED: the API reference shows JWT examples for
// app ("app") and account ("account") keys only; "integration" is the
// scope's name in the reference's scope table.
func integrationJWTScope() string { return "integration" }

// keySecretOnRead says whether listing or getting a key shows its secret.
// UNCONFIRMED: the secret is returned on creation; whether it can be read
// again later is not documented. The fake shows it only on creation.
func keySecretOnRead() bool { return false }

// wrongApp is the answer to a request for an app other than the fake's,
// made with a valid key. UNCONFIRMED: the reference documents
// app_not_found (404) but not which status a key of another app gets.
func wrongApp() error { return notFound("app_not_found", "App not found") }

// tooLarge is the answer to a body over the API's limits (100 KB of JSON,
// 50 MB of file). UNCONFIRMED: the limits are documented, the status and
// code of the refusal are not; the fake answers 413 "payload_too_large"
// and names the limit.
func tooLarge(title string) error {
	return &apiError{http.StatusRequestEntityTooLarge, "payload_too_large", title}
}

// writeRateLimited writes the 429 answer. UNCONFIRMED: the reference
// says only that a client over its (unpublished) limit gets 429 and must
// back off with jitter; the code "too_many_requests" and the absence of a
// Retry-After header are guesses.
func writeRateLimited(w http.ResponseWriter, _ fakeserver.LimitState) {
	writeErrors(w, &apiError{http.StatusTooManyRequests, "too_many_requests", "Too many requests, retry later with exponential backoff"})
}

// switchboardExists is the answer to CreateSwitchboard when the app
// already has one. UNCONFIRMED: an app has one switchboard; how a second
// create is refused is not documented.
func switchboardExists() error {
	return &apiError{http.StatusConflict, "conflict", "The app already has a switchboard"}
}

// receives says whether integration ir's webhooks get event ev (their
// triggers permitting). UNCONFIRMED as a rule (notes §5.2): an integration
// not linked to the switchboard, or any integration while the switchboard
// is disabled, gets the events of every conversation; a linked one gets a
// conversation's events while it is active or pending there, or always
// with deliverStandbyEvents; a switchboard event also reaches the
// integrations it is about (the one giving control and the one getting
// it). Events about users reach every integration.
func (st *state) receives(ir *integrationRec, ev *event) bool {
	si := st.switchboardIntegrationFor(ir.in.ID)
	if si == nil || ev.conv == nil || st.switchboard == nil || !st.switchboard.Enabled || si.DeliverStandbyEvents {
		return true
	}
	for _, id := range ev.involved {
		if id == si.ID {
			return true
		}
	}
	c := &ev.conv.c
	return idOf(c.ActiveSwitchboardIntegration) == si.ID || idOf(c.PendingSwitchboardIntegration) == si.ID
}

// acceptWithoutPending is acceptControl when no integration is pending.
// UNCONFIRMED: the reference's failure event example reads
// {"code": "switchboard_invalid_action", "message": "There is no
// pendingSwitchboardIntegration"}; whether the API call itself fails is
// not said. The fake answers 200 and emits
// switchboard:acceptControl:failure with that error. Callers hold s.mu.
func (st *state) acceptWithoutPending(cr *convRec, metadata map[string]any) error {
	conv := cr.c.clone()
	st.emit(&event{typ: "switchboard:acceptControl:failure", conv: cr, payload: func(*Webhook) map[string]any {
		p := map[string]any{"conversation": conv.truncated(),
			"error": map[string]any{"code": "switchboard_invalid_action", "message": "There is no pendingSwitchboardIntegration"}}
		if metadata != nil {
			p["metadata"] = metadata
		}
		return p
	}})
	return nil
}

// AgentWorkspaceSourceType is the source.type of the messages an agent
// writes in the agent workspace. UNCONFIRMED: seen only in the minified
// code of Zendesk's web widget, not in Zendesk's reference.
const AgentWorkspaceSourceType = "zd:agentWorkspace"

// AgentIDMetadataKey is the message metadata key Zendesk puts the
// agent's id under. UNCONFIRMED: third-party code (Botpress' Zendesk
// messaging hand-off) reads it; not in Zendesk's reference.
const AgentIDMetadataKey = "__zendesk_msg.agent.id"

// agentAuthor is the author of an agent's message: business, with the
// agent's name and avatar. UNCONFIRMED: whether Zendesk also sets
// subtypes ["agent"]; the fake does not.
func agentAuthor(a Agent) Author {
	return Author{Type: "business", DisplayName: a.Name, AvatarURL: a.AvatarURL}
}

// ticketSubject is the subject of a ticket the agent workspace opens.
// UNCONFIRMED: messaging tickets are titled "Conversation with <name>"
// in Zendesk's agent workspace; not in the API reference.
func ticketSubject(requester string) string { return "Conversation with " + requester }

// HandBack says how the agent workspace gives a conversation back when its
// ticket is solved: both come with reason "ticketClosed". UNCONFIRMED:
// which of releaseControl and passControl Zendesk sends depends on the
// switchboard's configuration
// (https://developer.zendesk.com/documentation/conversations/messaging-platform/programmable-conversations/switchboard)
// and is not documented.
type HandBack int

const (
	// HandBackAuto passes control to the agent workspace's
	// nextSwitchboardIntegrationId, else to the switchboard's default
	// integration when that is not the agent workspace, else releases
	// control. The default.
	HandBackAuto HandBack = iota
	// HandBackRelease always releases control (switchboard:releaseControl).
	HandBackRelease
	// HandBackPassControl passes control as HandBackAuto does, and never
	// releases it: with nowhere to pass it, control stays with the agent
	// workspace and a switchboard:passControl to it is emitted.
	HandBackPassControl
)

// handBackTarget returns the switchboard integration control passes to
// when aw gives a conversation back, or nil to release it. Callers hold
// s.mu.
func (st *state) handBackTarget(aw *SwitchboardIntegration, mode HandBack) *SwitchboardIntegration {
	if mode == HandBackRelease {
		return nil
	}
	if aw != nil {
		if next, ok := st.sbi[aw.NextSwitchboardIntegrationID]; ok {
			return next
		}
	}
	if sb := st.switchboard; sb != nil {
		if def, ok := st.sbi[sb.DefaultSwitchboardIntegrationID]; ok && (aw == nil || def.ID != aw.ID) {
			return def
		}
	}
	if mode == HandBackPassControl {
		return aw
	}
	return nil
}

// ticketFromMetadata reads the passControl metadata keys the agent
// workspace applies to the ticket it opens. first_message_id (Zendesk
// help center article 4419179022874) is read by the caller; the
// dataCapture keys below are UNCONFIRMED but widely used in public hand-off
// code:
// dataCapture.systemField.requester.name / .requester.email / .tags
// (comma-separated) / .group_id / .priority / .organization_id /
// .brand_id / .assignee_id, and dataCapture.ticketField.<id> for a custom
// field. A value that does not parse is reported, not guessed.
func ticketFromMetadata(md map[string]any, t *zendesktest.MessagingTicket) (unread []string, err error) {
	ids := map[string]*int64{
		"group_id": &t.GroupID, "organization_id": &t.OrganizationID, "brand_id": &t.BrandID, "assignee_id": &t.AssigneeID,
	}
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := fmt.Sprint(md[k])
		if f, ok := md[k].(float64); ok {
			v = strconv.FormatFloat(f, 'f', -1, 64)
		}
		switch {
		case k == "first_message_id":
		case strings.HasPrefix(k, "dataCapture.systemField."):
			field := strings.TrimPrefix(k, "dataCapture.systemField.")
			switch field {
			case "requester.name":
				t.RequesterName = v
			case "requester.email":
				t.RequesterEmail = v
			case "tags":
				t.Tags = append(t.Tags, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })...)
			case "priority":
				t.Priority = v
			default:
				dst, ok := ids[field]
				if !ok {
					unread = append(unread, k)
					continue
				}
				n, perr := strconv.ParseInt(v, 10, 64)
				if perr != nil {
					return unread, fmt.Errorf("metadata %s: %q is not a Zendesk id", k, v)
				}
				*dst = n
			}
		case strings.HasPrefix(k, "dataCapture.ticketField."):
			id, perr := strconv.ParseInt(strings.TrimPrefix(k, "dataCapture.ticketField."), 10, 64)
			if perr != nil {
				return unread, fmt.Errorf("metadata %s: the ticket field id is not a number", k)
			}
			raw, _ := jsonValue(md[k])
			t.CustomFields = append(t.CustomFields, zendesktest.CustomField{ID: id, Value: raw})
		default:
			unread = append(unread, k)
		}
	}
	return unread, nil
}

// channelShape is the client and device an end user's channel message
// carries under includeFullSource. UNCONFIRMED: the reference describes
// the client and device objects but no webhook example shows them; the
// fake fills the keys its schemas name that it knows.
func channelShape(clientID, deviceID, channelType, integrationID, userExternalID, lastSeen string) *channel {
	client := map[string]any{"id": clientID, "type": channelType, "status": "active", "integrationId": integrationID, "lastSeen": lastSeen}
	if userExternalID != "" {
		client["externalId"] = userExternalID
	}
	device := map[string]any{"id": deviceID, "type": channelType, "guid": deviceID, "clientId": clientID, "status": "active", "integrationId": integrationID, "lastSeen": lastSeen}
	return &channel{client: client, device: device}
}

// maxBatchEvents is the most events one delivery carries with
// [WithBatching]. UNCONFIRMED: the reference says events is an array and
// that a delivery may carry several, but not how many at most, nor how
// Sunshine Conversations groups them; 10 is a guess.
func maxBatchEvents() int { return 10 }
