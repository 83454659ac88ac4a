package braze

import (
	"context"
)

// SubscriptionsService sets users' subscription group states.
type SubscriptionsService service

// Subscription states.
const (
	Subscribed   = "subscribed"
	Unsubscribed = "unsubscribed"
)

// SetStatusRequest is the body of POST /subscription/status/set. Name the
// users by ExternalIDs, or by Phones (SMS groups) or Emails (email groups),
// up to 50 each; not Phones and Emails together.
type SetStatusRequest struct {
	SubscriptionGroupID string `json:"subscription_group_id"`
	// SubscriptionState is Subscribed or Unsubscribed.
	SubscriptionState string   `json:"subscription_state"`
	ExternalIDs       []string `json:"external_id,omitempty"`
	// Phones are E.164 numbers ("+12223334444"); every profile with the
	// number is updated.
	Phones []string `json:"phone,omitempty"`
	Emails []string `json:"email,omitempty"`
}

// SetStatus subscribes or unsubscribes users to a subscription group.
// Setting a state twice changes nothing, so it is retried like a read.
func (s *SubscriptionsService) SetStatus(ctx context.Context, req *SetStatusRequest) (*Response, error) {
	const op = "Subscriptions.SetStatus"
	if err := checkSetStatus(op, req); err != nil {
		return nil, err
	}
	out := new(Response)
	if err := s.client.post(ctx, "/subscription/status/set", req, safe, out); err != nil {
		return nil, err
	}
	return out, nil
}

func checkSetStatus(op string, req *SetStatusRequest) error {
	if req == nil {
		return invalid(op, "", "the request is nil")
	}
	switch {
	case req.SubscriptionGroupID == "":
		return invalid(op, "subscription_group_id", "is required")
	case req.SubscriptionState != Subscribed && req.SubscriptionState != Unsubscribed:
		return invalid(op, "subscription_state", "%q is not %q or %q", req.SubscriptionState, Subscribed, Unsubscribed)
	case len(req.Phones) > 0 && len(req.Emails) > 0:
		return invalid(op, "phone", "give phones or emails, not both")
	case len(req.ExternalIDs)+len(req.Phones)+len(req.Emails) == 0:
		return invalid(op, "external_id", "no users: give external IDs, phones or emails")
	}
	for _, f := range []struct {
		name string
		list []string
	}{{"external_id", req.ExternalIDs}, {"phone", req.Phones}, {"email", req.Emails}} {
		name, list := f.name, f.list
		if len(list) > MaxRecipients {
			return invalid(op, name, "%d values; at most %d per request", len(list), MaxRecipients)
		}
		for i, v := range list {
			if v == "" {
				return invalidAt(op, name, i, "is empty")
			}
		}
	}
	return nil
}
