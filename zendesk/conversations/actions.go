package conversations

import (
	"context"
	"net/http"
	"strconv"
	"strings"
)

// SwitchboardActionsService moves control of a conversation between
// switchboard integrations
// (https://developer.zendesk.com/api-reference/conversations/#tag/Switchboard-Actions):
// how a bot hands a conversation to Zendesk's agents and gets it back.
// With an integration key, AcceptControl needs the key's integration to be
// the pending one and ReleaseControl the active one, else 403 (the
// [*Error]'s Hint says so).
type SwitchboardActionsService service

// PassControl makes target the active integration of the conversation,
// every other on standby: POST
// /v2/apps/{appId}/conversations/{conversationId}/passControl. target is a
// switchboard integration's id, name, integration type, or [Next];
// metadata goes with it (nil for none). To hand a conversation to the
// agent workspace, pass [AgentWorkspaceName] with metadata built by the
// Set methods of [Metadata]:
//
//	md := conversations.Metadata{}
//	md.SetFirstMessageID(firstID)
//	md.SetGroupID(360001234567)
//	err := c.SwitchboardActions.PassControl(ctx, convID, conversations.AgentWorkspaceName, md)
func (s *SwitchboardActionsService) PassControl(ctx context.Context, conversationID, target string, metadata Metadata) error {
	return s.control(ctx, "SwitchboardActions.PassControl", conversationID, "passControl", target, metadata)
}

// OfferControl makes target the pending integration (offered control,
// which it takes with AcceptControl), invalidating earlier offers: POST
// /v2/apps/{appId}/conversations/{conversationId}/offerControl.
func (s *SwitchboardActionsService) OfferControl(ctx context.Context, conversationID, target string, metadata Metadata) error {
	return s.control(ctx, "SwitchboardActions.OfferControl", conversationID, "offerControl", target, metadata)
}

// AcceptControl makes the pending integration active: POST
// /v2/apps/{appId}/conversations/{conversationId}/acceptControl.
func (s *SwitchboardActionsService) AcceptControl(ctx context.Context, conversationID string, metadata Metadata) error {
	return s.control(ctx, "SwitchboardActions.AcceptControl", conversationID, "acceptControl", "", metadata)
}

// ReleaseControl leaves the conversation with no active integration (the
// default one takes it on the next message): POST
// /v2/apps/{appId}/conversations/{conversationId}/releaseControl.
func (s *SwitchboardActionsService) ReleaseControl(ctx context.Context, conversationID string, metadata Metadata) error {
	return s.control(ctx, "SwitchboardActions.ReleaseControl", conversationID, "releaseControl", "", metadata)
}

func (s *SwitchboardActionsService) control(ctx context.Context, op, conversationID, action, target string, metadata Metadata) error {
	if err := need(op, "conversationID", conversationID); err != nil {
		return err
	}
	needsTarget := action == "passControl" || action == "offerControl"
	if needsTarget {
		if err := need(op, "switchboardIntegration", target); err != nil {
			return err
		}
	}
	if err := checkMetadata(op, "metadata", metadata); err != nil {
		return err
	}
	body := struct {
		SwitchboardIntegration string   `json:"switchboardIntegration,omitempty"`
		Metadata               Metadata `json:"metadata,omitempty"`
	}{target, metadata}
	return s.client.do(ctx, &call{op: op, method: http.MethodPost, path: s.client.appPath("/conversations/%s/"+action, conversationID), body: body})
}

// FirstMessageIDKey is the passControl metadata key that names the first
// message the agent workspace copies into the ticket it opens (by default,
// the last 10): https://support.zendesk.com/hc/en-us/articles/4419179022874.
const FirstMessageIDKey = "first_message_id"

// SetFirstMessageID sets [FirstMessageIDKey]: the ticket the agent
// workspace opens starts at this message.
func (m Metadata) SetFirstMessageID(messageID string) { m[FirstMessageIDKey] = messageID }

// SetRequesterName sets the name of the ticket's requester
// (dataCapture.systemField.requester.name). The key is not in Zendesk's
// reference; public integrations send it.
func (m Metadata) SetRequesterName(name string) { m[requesterNameKey()] = name }

// SetRequesterEmail sets the email of the ticket's requester
// (dataCapture.systemField.requester.email). The key is not in Zendesk's
// reference; public integrations send it.
func (m Metadata) SetRequesterEmail(email string) { m[requesterEmailKey()] = email }

// SetTags sets the ticket's tags (dataCapture.systemField.tags, a
// comma-separated list). The key is not in Zendesk's reference; public
// integrations send it.
func (m Metadata) SetTags(tags ...string) { m[tagsKey()] = strings.Join(tags, ",") }

// SetGroupID routes the ticket to this group
// (dataCapture.systemField.group_id). The key is not in Zendesk's
// reference; public integrations send it.
func (m Metadata) SetGroupID(groupID int64) { m[groupIDKey()] = strconv.FormatInt(groupID, 10) }

// SetPriority sets the ticket's priority ("low", "normal", "high",
// "urgent"; dataCapture.systemField.priority). The key is not in Zendesk's
// reference; public integrations send it.
func (m Metadata) SetPriority(priority string) { m[priorityKey()] = priority }

// SetOrganizationID sets the ticket's organization
// (dataCapture.systemField.organization_id). The key is not in Zendesk's
// reference; public integrations send it.
func (m Metadata) SetOrganizationID(id int64) { m[organizationIDKey()] = strconv.FormatInt(id, 10) }

// SetBrandID sets the ticket's brand (dataCapture.systemField.brand_id).
// The key is not in Zendesk's reference; public integrations send it.
func (m Metadata) SetBrandID(id int64) { m[brandIDKey()] = strconv.FormatInt(id, 10) }

// SetAssigneeID assigns the ticket to this agent
// (dataCapture.systemField.assignee_id). The key is not in Zendesk's
// reference; public integrations send it.
func (m Metadata) SetAssigneeID(id int64) { m[assigneeIDKey()] = strconv.FormatInt(id, 10) }

// SetTicketField sets the custom ticket field with this id
// (dataCapture.ticketField.<id>) to value: a string, number or boolean.
// The key is not in Zendesk's reference; public integrations send it.
func (m Metadata) SetTicketField(fieldID int64, value any) { m[ticketFieldKey(fieldID)] = value }
