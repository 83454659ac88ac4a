package braze

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
)

// MessagesService sends messages whose content is in the request.
type MessagesService service

// SendMessagesRequest is the body of POST /messages/send.
type SendMessagesRequest struct {
	// Broadcast sends to SegmentID or Audience; it must be set when no
	// external IDs or aliases are given.
	Broadcast       bool        `json:"broadcast,omitempty"`
	ExternalUserIDs []string    `json:"external_user_ids,omitempty"`
	UserAliases     []UserAlias `json:"user_aliases,omitempty"`
	SegmentID       string      `json:"segment_id,omitempty"`
	Audience        any         `json:"audience,omitempty"`
	// CampaignID is needed only to track the send's statistics.
	CampaignID               string `json:"campaign_id,omitempty"`
	SendID                   string `json:"send_id,omitempty"`
	OverrideFrequencyCapping bool   `json:"override_frequency_capping,omitempty"`
	// RecipientSubscriptionState is "opted_in", "subscribed" (Braze's
	// default) or "all".
	RecipientSubscriptionState string   `json:"recipient_subscription_state,omitempty"`
	Messages                   Messages `json:"messages"`
}

// Messages are the messaging objects of a send, one per channel.
type Messages struct {
	SMS *SMS `json:"sms,omitempty"`
	// Other holds the other channels' objects by their key ("email",
	// "apple_push", "webhook"…), sent as given.
	Other map[string]any `json:"-"`
}

// MarshalJSON sends SMS and the Other channels side by side.
func (m Messages) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(m.Other)+1)
	maps.Copy(out, m.Other)
	if m.SMS != nil {
		out["sms"] = m.SMS
	}
	return json.Marshal(out)
}

// SMS is the SMS messaging object.
type SMS struct {
	// SubscriptionGroupID is the SMS subscription group to send from.
	SubscriptionGroupID string `json:"subscription_group_id"`
	// MessageVariationID tracks the send under a variation of CampaignID.
	MessageVariationID string `json:"message_variation_id,omitempty"`
	Body               string `json:"body"`
	// AppID is any app of the workspace; it works for every user.
	AppID string `json:"app_id"`
	// MediaItems are image URLs sent as an MMS.
	MediaItems               []string `json:"media_items,omitempty"`
	LinkShorteningEnabled    bool     `json:"link_shortening_enabled,omitempty"`
	UserClickTrackingEnabled bool     `json:"user_click_tracking_enabled,omitempty"`
}

// Send sends the messages of req now. Like every send it is not retried
// after a 5xx unless the client was built WithRetrySends(true), and such
// an error reports [MaybeSent].
func (s *MessagesService) Send(ctx context.Context, req *SendMessagesRequest) (*SendResult, error) {
	const op = "Messages.Send"
	if err := checkSendMessages(op, req); err != nil {
		return nil, err
	}
	out := new(SendResult)
	if err := s.client.post(ctx, "/messages/send", req, send, out); err != nil {
		return nil, err
	}
	return out, nil
}

func checkSendMessages(op string, req *SendMessagesRequest) error {
	if req == nil {
		return invalid(op, "", "the request is nil")
	}
	users := len(req.ExternalUserIDs) + len(req.UserAliases)
	switch {
	case len(req.ExternalUserIDs) > MaxRecipients:
		return invalid(op, "external_user_ids", "%d IDs; at most %d per request", len(req.ExternalUserIDs), MaxRecipients)
	case len(req.UserAliases) > MaxRecipients:
		return invalid(op, "user_aliases", "%d aliases; at most %d per request", len(req.UserAliases), MaxRecipients)
	case users == 0 && !req.Broadcast:
		return invalid(op, "external_user_ids", "no recipients: name users, or set broadcast with a segment_id or audience")
	case req.Broadcast && req.SegmentID == "" && req.Audience == nil:
		return invalid(op, "broadcast", "needs a segment_id or an audience")
	case req.Messages.SMS == nil && len(req.Messages.Other) == 0:
		return invalid(op, "messages", "no message to send")
	}
	for i, id := range req.ExternalUserIDs {
		if strings.TrimSpace(id) == "" {
			return invalidAt(op, "external_user_ids", i, "is empty")
		}
	}
	switch req.RecipientSubscriptionState {
	case "", "opted_in", "subscribed", "all":
	default:
		return invalid(op, "recipient_subscription_state", "%q is not opted_in, subscribed or all", req.RecipientSubscriptionState)
	}
	if sms := req.Messages.SMS; sms != nil {
		switch {
		case sms.SubscriptionGroupID == "":
			return invalid(op, "messages.sms.subscription_group_id", "is required")
		case sms.Body == "":
			return invalid(op, "messages.sms.body", "is required")
		case sms.AppID == "":
			return invalid(op, "messages.sms.app_id", "is required")
		case sms.MessageVariationID != "" && req.CampaignID == "":
			return invalid(op, "messages.sms.message_variation_id", "needs campaign_id")
		}
	}
	return nil
}
