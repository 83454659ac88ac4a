package braze

import (
	"context"
	"fmt"
	"strings"
)

// MaxRecipients is the most recipients one trigger send may name (and the
// most external IDs or aliases of messages/send, users/export/ids and
// subscription/status/set).
const MaxRecipients = 50

// CampaignsService sends API-triggered campaigns.
type CampaignsService service

// UserAlias identifies a user by an alias name within a label.
type UserAlias struct {
	AliasName  string `json:"alias_name"`
	AliasLabel string `json:"alias_label"`
}

// Recipient is one user of a trigger send. Exactly one of ExternalUserID,
// UserAlias, BrazeID and Email must be set.
type Recipient struct {
	ExternalUserID string     `json:"external_user_id,omitempty"`
	UserAlias      *UserAlias `json:"user_alias,omitempty"`
	BrazeID        string     `json:"braze_id,omitempty"`
	Email          string     `json:"email,omitempty"`
	// Prioritization picks the profile among several with the email
	// ("identified" or "unidentified", then "most_recently_updated" or
	// "least_recently_updated"). Required with Email.
	Prioritization []string `json:"prioritization,omitempty"`
	// TriggerProperties (campaigns) are this user's personalization values,
	// {{api_trigger_properties.${key}}} in the message; they override the
	// request's on conflict.
	TriggerProperties map[string]any `json:"trigger_properties,omitempty"`
	// Context (Canvases; formerly canvas_entry_properties) are this user's
	// Canvas entry properties; they override the request's on conflict.
	Context map[string]any `json:"context,omitempty"`
	// SendToExistingOnly defaults to true on Braze's side: only existing
	// users get the message. Set it to false (with Attributes) to create
	// the user first. It cannot be used with a user alias.
	SendToExistingOnly *bool `json:"send_to_existing_only,omitempty"`
	// Attributes are set on the user's profile before the message is sent
	// (custom attributes, first_name…, subscription_groups).
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Attachment is a file attached to an email campaign (up to 2 MB).
type Attachment struct {
	// FileName is the name without the extension.
	FileName string `json:"file_name"`
	URL      string `json:"url"`
}

// CampaignTriggerRequest is the body of POST /campaigns/trigger/send.
type CampaignTriggerRequest struct {
	CampaignID string `json:"campaign_id"`
	SendID     string `json:"send_id,omitempty"`
	// TriggerProperties apply to every recipient.
	TriggerProperties map[string]any `json:"trigger_properties,omitempty"`
	// Broadcast sends to the campaign's whole segment; it must be set when
	// Recipients is empty, and then Recipients and Attachments must be.
	Broadcast bool `json:"broadcast,omitempty"`
	// Audience is a connected audience object: only users in it get the
	// message.
	Audience    any          `json:"audience,omitempty"`
	Recipients  []Recipient  `json:"recipients,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// SendResult is the answer to a send.
type SendResult struct {
	Response
	// DispatchID identifies this send (one per request, not per user).
	DispatchID string `json:"dispatch_id,omitempty"`
	// SendID is returned for tracked broadcasts.
	SendID string `json:"send_id,omitempty"`
	// Notice says why a Canvas send will not take effect (the Canvas is
	// paused or archived) although Braze answered success.
	Notice string `json:"notice,omitempty"`
}

// TriggerSend sends an API-triggered campaign to up to 50 recipients, or
// to its segment with Broadcast. The input is checked before anything is
// sent (see Recipient). A send is not retried after a 5xx unless the client
// was built WithRetrySends(true); such an error reports [MaybeSent].
func (s *CampaignsService) TriggerSend(ctx context.Context, req *CampaignTriggerRequest) (*SendResult, error) {
	const op = "Campaigns.TriggerSend"
	if req == nil {
		return nil, invalid(op, "", "the request is nil")
	}
	if strings.TrimSpace(req.CampaignID) == "" {
		return nil, invalid(op, "campaign_id", "is required")
	}
	if err := checkTrigger(op, req.Broadcast, len(req.Attachments) > 0, req.Recipients, false); err != nil {
		return nil, err
	}
	out := new(SendResult)
	if err := s.client.post(ctx, "/campaigns/trigger/send", req, send, out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkTrigger checks the recipients rules shared by campaign and Canvas
// trigger sends.
func checkTrigger(op string, broadcast, attachments bool, recipients []Recipient, canvas bool) error {
	switch {
	case broadcast && len(recipients) > 0:
		return invalid(op, "recipients", "must be empty when broadcast is true")
	case broadcast && attachments:
		return invalid(op, "attachments", "are not allowed when broadcast is true")
	case !broadcast && len(recipients) == 0:
		return invalid(op, "recipients", "no recipients: name up to %d, or set broadcast to send to the whole segment", MaxRecipients)
	case len(recipients) > MaxRecipients:
		return invalid(op, "recipients", "%d recipients; at most %d per request", len(recipients), MaxRecipients)
	}
	for i := range recipients {
		if err := checkRecipient(op, i, &recipients[i], canvas); err != nil {
			return err
		}
	}
	return nil
}

func checkRecipient(op string, i int, r *Recipient, canvas bool) error {
	var ids []string
	if r.ExternalUserID != "" {
		ids = append(ids, "external_user_id")
	}
	if r.UserAlias != nil {
		ids = append(ids, "user_alias")
		if r.UserAlias.AliasName == "" || r.UserAlias.AliasLabel == "" {
			return invalidAt(op, "recipients", i, "user_alias needs both alias_name and alias_label")
		}
	}
	if r.BrazeID != "" {
		ids = append(ids, "braze_id")
	}
	if r.Email != "" {
		ids = append(ids, "email")
	}
	switch {
	case len(ids) == 0:
		return invalidAt(op, "recipients", i, "no identifier: set exactly one of external_user_id, user_alias, braze_id, email")
	case len(ids) > 1:
		return invalidAt(op, "recipients", i, "%s are set: set exactly one identifier", strings.Join(ids, " and "))
	case r.Email != "" && len(r.Prioritization) == 0:
		return invalidAt(op, "recipients", i, "prioritization is required with email")
	case r.SendToExistingOnly != nil && r.UserAlias != nil:
		return invalidAt(op, "recipients", i, "send_to_existing_only cannot be used with a user alias")
	case r.SendToExistingOnly != nil && !*r.SendToExistingOnly && len(r.Attributes) == 0:
		return invalidAt(op, "recipients", i, "send_to_existing_only false creates the user and needs attributes")
	case canvas && len(r.TriggerProperties) > 0:
		return invalidAt(op, "recipients", i, "trigger_properties are for campaigns; a Canvas takes context")
	case !canvas && len(r.Context) > 0:
		return invalidAt(op, "recipients", i, "context is for Canvases; a campaign takes trigger_properties")
	}
	if len(r.Prioritization) > 0 {
		if err := checkPrioritization(r.Prioritization); err != nil {
			return invalidAt(op, "recipients", i, "%v", err)
		}
	}
	return nil
}

// checkPrioritization applies the documented rule: known values, and not
// both "identified" and "unidentified".
func checkPrioritization(p []string) error {
	seen := map[string]bool{}
	for _, v := range p {
		switch v {
		case "identified", "unidentified", "most_recently_updated", "least_recently_updated":
		default:
			return fmt.Errorf("prioritization %q is not identified, unidentified, most_recently_updated or least_recently_updated", v)
		}
		seen[v] = true
	}
	if seen["identified"] && seen["unidentified"] {
		return fmt.Errorf("prioritization cannot hold both identified and unidentified")
	}
	return nil
}
