package conversations

import (
	"context"
	"net/http"
)

// The switchboard decides which integration answers a conversation: one
// is active (in control), one may be pending (offered control), the others
// are on standby
// (https://developer.zendesk.com/documentation/conversations/messaging-platform/programmable-conversations/switchboard).
// A Zendesk account with messaging has one switchboard, whose integrations
// include Zendesk's agent workspace.

// Names and types of Zendesk's own switchboard integrations.
const (
	// AgentWorkspaceName is the name of the agent workspace's switchboard
	// integration: pass control to it to hand a conversation to Zendesk's
	// agents (a ticket is opened).
	AgentWorkspaceName = "zd-agentWorkspace"
	// AgentWorkspaceType is its integration type.
	AgentWorkspaceType = "zd:agentWorkspace"
	// AnswerBotType is the integration type of Zendesk's own bot.
	AnswerBotType = "zd:answerBot"
	// Next passes control to the caller's next switchboard integration
	// (its NextSwitchboardIntegrationID).
	Next = "next"
)

// Switchboard is the app's switchboard.
type Switchboard struct {
	ID      string `json:"id"`
	Enabled bool   `json:"enabled"`
	// DefaultSwitchboardIntegrationID is the integration that gets control
	// of new conversations.
	DefaultSwitchboardIntegrationID string `json:"defaultSwitchboardIntegrationId,omitempty"`
}

// SwitchboardUpdate changes what it sets.
type SwitchboardUpdate struct {
	Enabled                         *bool   `json:"enabled,omitempty"`
	DefaultSwitchboardIntegrationID *string `json:"defaultSwitchboardIntegrationId,omitempty"`
}

// SwitchboardsService manages the app's switchboard
// (https://developer.zendesk.com/api-reference/conversations/#tag/Switchboards).
// It needs an app key: an integration key is refused (403).
type SwitchboardsService service

// List returns the app's switchboards (an app has at most one): GET
// /v2/apps/{appId}/switchboards.
func (s *SwitchboardsService) List(ctx context.Context) ([]Switchboard, error) {
	l, err := get[[]Switchboard](ctx, s.client, "Switchboards.List", s.client.appPath("/switchboards"), "switchboards")
	if err != nil {
		return nil, err
	}
	return *l, nil
}

// Create creates the app's switchboard, disabled: POST
// /v2/apps/{appId}/switchboards.
func (s *SwitchboardsService) Create(ctx context.Context) (*Switchboard, error) {
	return send[Switchboard](ctx, s.client, &call{op: "Switchboards.Create", method: http.MethodPost, path: s.client.appPath("/switchboards")}, "switchboard")
}

// Update changes the switchboard: PATCH
// /v2/apps/{appId}/switchboards/{switchboardId}.
func (s *SwitchboardsService) Update(ctx context.Context, switchboardID string, u *SwitchboardUpdate) (*Switchboard, error) {
	const op = "Switchboards.Update"
	if err := need(op, "switchboardID", switchboardID); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, invalid(op, "update", "is nil")
	}
	return send[Switchboard](ctx, s.client, &call{op: op, method: http.MethodPatch, path: s.client.appPath("/switchboards/%s", switchboardID), body: u, idempotent: true}, "switchboard")
}

// Delete deletes the switchboard: DELETE
// /v2/apps/{appId}/switchboards/{switchboardId}.
func (s *SwitchboardsService) Delete(ctx context.Context, switchboardID string) error {
	const op = "Switchboards.Delete"
	if err := need(op, "switchboardID", switchboardID); err != nil {
		return err
	}
	return s.client.del(ctx, op, s.client.appPath("/switchboards/%s", switchboardID))
}

// SwitchboardIntegration is an integration's place in the switchboard.
type SwitchboardIntegration struct {
	ID string `json:"id"`
	// Name addresses it in control actions: letters, digits, "-" and "_".
	Name string `json:"name"`
	// IntegrationID is a custom integration's id; IntegrationType an
	// OAuth or first-party integration's type ([AgentWorkspaceType]).
	IntegrationID   string `json:"integrationId,omitempty"`
	IntegrationType string `json:"integrationType,omitempty"`
	// DeliverStandbyEvents sends webhooks to it while it is not in
	// control.
	DeliverStandbyEvents bool `json:"deliverStandbyEvents"`
	// NextSwitchboardIntegrationID is where [Next] passes control.
	NextSwitchboardIntegrationID string `json:"nextSwitchboardIntegrationId,omitempty"`
	// MessageHistoryCount is how many earlier messages it receives with
	// control, 1 to 10; 0 when not set.
	MessageHistoryCount int `json:"messageHistoryCount,omitempty"`
}

// SwitchboardIntegrationCreate is a switchboard integration to create:
// Name and one of IntegrationID and IntegrationType are required.
type SwitchboardIntegrationCreate struct {
	Name                         string `json:"name"`
	IntegrationID                string `json:"integrationId,omitempty"`
	IntegrationType              string `json:"integrationType,omitempty"`
	DeliverStandbyEvents         bool   `json:"deliverStandbyEvents"`
	NextSwitchboardIntegrationID string `json:"nextSwitchboardIntegrationId,omitempty"`
	MessageHistoryCount          int    `json:"messageHistoryCount,omitempty"`
}

// SwitchboardIntegrationUpdate changes what it sets.
type SwitchboardIntegrationUpdate struct {
	Name                         string  `json:"name,omitempty"`
	DeliverStandbyEvents         *bool   `json:"deliverStandbyEvents,omitempty"`
	NextSwitchboardIntegrationID *string `json:"nextSwitchboardIntegrationId,omitempty"`
	MessageHistoryCount          int     `json:"messageHistoryCount,omitempty"`
}

// SwitchboardIntegrationsService manages the integrations of a switchboard
// (https://developer.zendesk.com/api-reference/conversations/#tag/Switchboard-Integrations),
// at most 10 per switchboard. It needs an app key: an integration key is
// refused (403).
type SwitchboardIntegrationsService service

// List returns the integrations of a switchboard: GET
// /v2/apps/{appId}/switchboards/{switchboardId}/switchboardIntegrations.
func (s *SwitchboardIntegrationsService) List(ctx context.Context, switchboardID string) ([]SwitchboardIntegration, error) {
	const op = "SwitchboardIntegrations.List"
	if err := need(op, "switchboardID", switchboardID); err != nil {
		return nil, err
	}
	l, err := get[[]SwitchboardIntegration](ctx, s.client, op, s.client.appPath("/switchboards/%s/switchboardIntegrations", switchboardID), "switchboardIntegrations")
	if err != nil {
		return nil, err
	}
	return *l, nil
}

// Find returns the integration of a switchboard with this name (such as
// [AgentWorkspaceName]), or a 404-kind error naming the ones there are.
func (s *SwitchboardIntegrationsService) Find(ctx context.Context, switchboardID, name string) (*SwitchboardIntegration, error) {
	list, err := s.List(ctx, switchboardID)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(list))
	for i := range list {
		if list[i].Name == name {
			return &list[i], nil
		}
		names = append(names, list[i].Name)
	}
	return nil, &notFoundError{what: "switchboard integration " + name, have: names}
}

// Create adds an integration to a switchboard: POST
// /v2/apps/{appId}/switchboards/{switchboardId}/switchboardIntegrations.
func (s *SwitchboardIntegrationsService) Create(ctx context.Context, switchboardID string, in *SwitchboardIntegrationCreate) (*SwitchboardIntegration, error) {
	const op = "SwitchboardIntegrations.Create"
	if err := need(op, "switchboardID", switchboardID); err != nil {
		return nil, err
	}
	if in == nil {
		return nil, invalid(op, "switchboardIntegration", "is nil")
	}
	if err := checkSwitchboardName(op, in.Name); err != nil {
		return nil, err
	}
	if (in.IntegrationID == "") == (in.IntegrationType == "") {
		return nil, invalid(op, "integration", "give exactly one of IntegrationID and IntegrationType")
	}
	if in.MessageHistoryCount < 0 || in.MessageHistoryCount > 10 {
		return nil, &ValidationError{Op: op, Field: "messageHistoryCount", Limit: 10, Reason: "is outside 1..10"}
	}
	return send[SwitchboardIntegration](ctx, s.client, &call{op: op, method: http.MethodPost, path: s.client.appPath("/switchboards/%s/switchboardIntegrations", switchboardID), body: in}, "switchboardIntegration")
}

// Update changes a switchboard integration: PATCH
// /v2/apps/{appId}/switchboards/{switchboardId}/switchboardIntegrations/{id}.
func (s *SwitchboardIntegrationsService) Update(ctx context.Context, switchboardID, id string, u *SwitchboardIntegrationUpdate) (*SwitchboardIntegration, error) {
	const op = "SwitchboardIntegrations.Update"
	if err := need(op, "switchboardID", switchboardID); err != nil {
		return nil, err
	}
	if err := need(op, "id", id); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, invalid(op, "update", "is nil")
	}
	if u.Name != "" {
		if err := checkSwitchboardName(op, u.Name); err != nil {
			return nil, err
		}
	}
	if u.MessageHistoryCount < 0 || u.MessageHistoryCount > 10 {
		return nil, &ValidationError{Op: op, Field: "messageHistoryCount", Limit: 10, Reason: "is outside 1..10"}
	}
	return send[SwitchboardIntegration](ctx, s.client, &call{op: op, method: http.MethodPatch, path: s.client.appPath("/switchboards/%s/switchboardIntegrations/%s", switchboardID, id), body: u, idempotent: true}, "switchboardIntegration")
}

// Delete removes an integration from a switchboard: DELETE
// /v2/apps/{appId}/switchboards/{switchboardId}/switchboardIntegrations/{id}.
func (s *SwitchboardIntegrationsService) Delete(ctx context.Context, switchboardID, id string) error {
	const op = "SwitchboardIntegrations.Delete"
	if err := need(op, "switchboardID", switchboardID); err != nil {
		return err
	}
	if err := need(op, "id", id); err != nil {
		return err
	}
	return s.client.del(ctx, op, s.client.appPath("/switchboards/%s/switchboardIntegrations/%s", switchboardID, id))
}
