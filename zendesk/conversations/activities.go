package conversations

import (
	"context"
	"net/http"
)

// Activity types of [ActivitiesService.Post].
const (
	ActivityTypingStart      = "typing:start"
	ActivityTypingStop       = "typing:stop"
	ActivityConversationRead = "conversation:read"
)

// ActivitiesService tells the user's channel that someone is typing, or
// has read the conversation
// (https://developer.zendesk.com/api-reference/conversations/#tag/Activities).
type ActivitiesService service

// Post sends an activity: POST
// /v2/apps/{appId}/conversations/{conversationId}/activity with {"author":
// …, "type": activityType}, activityType one of [ActivityTypingStart],
// [ActivityTypingStop] and [ActivityConversationRead]. A "user" author
// needs its UserID.
func (s *ActivitiesService) Post(ctx context.Context, conversationID string, author Author, activityType string) error {
	const op = "Activities.Post"
	if err := need(op, "conversationID", conversationID); err != nil {
		return err
	}
	switch activityType {
	case ActivityTypingStart, ActivityTypingStop, ActivityConversationRead:
	default:
		return invalid(op, "type", "is %q; want %q, %q or %q", activityType, ActivityTypingStart, ActivityTypingStop, ActivityConversationRead)
	}
	if err := checkAuthor(op, &author); err != nil {
		return err
	}
	body := struct {
		Author Author `json:"author"`
		Type   string `json:"type"`
	}{author, activityType}
	// Sending an activity twice changes nothing: safe to retry.
	return s.client.do(ctx, &call{op: op, method: http.MethodPost, path: s.client.appPath("/conversations/%s/activity", conversationID), body: body, idempotent: true})
}

// TypingStart shows the author as typing: Post with [ActivityTypingStart].
func (s *ActivitiesService) TypingStart(ctx context.Context, conversationID string, author Author) error {
	return s.Post(ctx, conversationID, author, ActivityTypingStart)
}

// TypingStop stops showing the author as typing: Post with
// [ActivityTypingStop].
func (s *ActivitiesService) TypingStop(ctx context.Context, conversationID string, author Author) error {
	return s.Post(ctx, conversationID, author, ActivityTypingStop)
}

// MarkRead marks the conversation read by the author: Post with
// [ActivityConversationRead].
func (s *ActivitiesService) MarkRead(ctx context.Context, conversationID string, author Author) error {
	return s.Post(ctx, conversationID, author, ActivityConversationRead)
}
