package conversations

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/deskbridge/deskbridge"
)

// ConversationsService manages the app's conversations and their
// participants
// (https://developer.zendesk.com/api-reference/conversations/#tag/Conversations,
// #tag/Participants).
type ConversationsService service

// Create creates a conversation: POST /v2/apps/{appId}/conversations. For a
// conversation a bot holds with a user of an outside front end:
//
//	c.Conversations.Create(ctx, &conversations.ConversationCreate{
//		Type:         conversations.ConversationPersonal,
//		Participants: []conversations.ParticipantInput{{UserID: user.ID}},
//	})
func (s *ConversationsService) Create(ctx context.Context, in *ConversationCreate) (*Conversation, error) {
	const op = "Conversations.Create"
	if in == nil {
		return nil, invalid(op, "conversation", "is nil")
	}
	switch in.Type {
	case ConversationPersonal, ConversationSDKGroup:
	default:
		return nil, invalid(op, "type", "is %q; want %q or %q", in.Type, ConversationPersonal, ConversationSDKGroup)
	}
	for i, p := range in.Participants {
		if (p.UserID == "") == (p.UserExternalID == "") {
			return nil, invalid(op, "participants", "participant %d needs exactly one of UserID and UserExternalID", i)
		}
	}
	if err := checkMetadata(op, "metadata", in.Metadata); err != nil {
		return nil, err
	}
	return send[Conversation](ctx, s.client, &call{op: op, method: http.MethodPost, path: s.client.appPath("/conversations"), body: in}, "conversation")
}

// Get returns a conversation: GET /v2/apps/{appId}/conversations/{id}. Its
// ActiveSwitchboardIntegration says who is in control (the agent
// workspace, a bot…).
func (s *ConversationsService) Get(ctx context.Context, id string) (*Conversation, error) {
	const op = "Conversations.Get"
	if err := need(op, "id", id); err != nil {
		return nil, err
	}
	return get[Conversation](ctx, s.client, op, s.client.appPath("/conversations/%s", id), "conversation")
}

// ConversationListOptions select the conversations of one user: give
// exactly one of UserID and UserExternalID (the API requires a filter).
type ConversationListOptions struct {
	UserID         string
	UserExternalID string
	PageOptions
}

func (s *ConversationsService) listing(o *ConversationListOptions) listing[Conversation] {
	const op = "Conversations.List"
	var opts ConversationListOptions
	if o != nil {
		opts = *o
	}
	q := url.Values{}
	if opts.UserID != "" {
		q.Set("filter[userId]", opts.UserID)
	}
	if opts.UserExternalID != "" {
		q.Set("filter[userExternalId]", opts.UserExternalID)
	}
	l := newListing[Conversation](s.client, op, s.client.appPath("/conversations"), q, &opts.PageOptions, "conversations", true)
	if len(q) != 2 && l.err == nil { // page[size] and one filter
		l.err = invalid(op, "filter", "give exactly one of UserID and UserExternalID")
	}
	return l
}

// List walks the conversations of one user: GET
// /v2/apps/{appId}/conversations?filter[userId]=…, fetching pages as the
// loop needs them.
func (s *ConversationsService) List(ctx context.Context, o *ConversationListOptions) iter.Seq2[Conversation, error] {
	return s.listing(o).all(ctx)
}

// ListPage returns one page of the conversations of one user; its Next
// goes in the options' After (or Before, when walking back).
func (s *ConversationsService) ListPage(ctx context.Context, o *ConversationListOptions) (*deskbridge.Page[Conversation], error) {
	return s.listing(o).page(ctx)
}

// Update changes the fields u sets: PATCH
// /v2/apps/{appId}/conversations/{id}.
func (s *ConversationsService) Update(ctx context.Context, id string, u *ConversationUpdate) (*Conversation, error) {
	const op = "Conversations.Update"
	if err := need(op, "id", id); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, invalid(op, "update", "is nil")
	}
	if err := checkMetadata(op, "metadata", u.Metadata); err != nil {
		return nil, err
	}
	return send[Conversation](ctx, s.client, &call{op: op, method: http.MethodPatch, path: s.client.appPath("/conversations/%s", id), body: u, idempotent: true}, "conversation")
}

// Delete deletes a conversation and its messages: DELETE
// /v2/apps/{appId}/conversations/{id}.
func (s *ConversationsService) Delete(ctx context.Context, id string) error {
	const op = "Conversations.Delete"
	if err := need(op, "id", id); err != nil {
		return err
	}
	return s.client.del(ctx, op, s.client.appPath("/conversations/%s", id))
}

// ListParticipants walks the participants of a conversation: GET
// /v2/apps/{appId}/conversations/{id}/participants.
func (s *ConversationsService) ListParticipants(ctx context.Context, id string, o *PageOptions) iter.Seq2[Participant, error] {
	return s.participants(id, o).all(ctx)
}

// ListParticipantsPage returns one page of the participants of a
// conversation; its Next goes in the options' After.
func (s *ConversationsService) ListParticipantsPage(ctx context.Context, id string, o *PageOptions) (*deskbridge.Page[Participant], error) {
	return s.participants(id, o).page(ctx)
}

func (s *ConversationsService) participants(id string, o *PageOptions) listing[Participant] {
	const op = "Conversations.ListParticipants"
	l := newListing[Participant](s.client, op, s.client.appPath("/conversations/%s/participants", id), nil, o, "participants", true)
	if err := need(op, "id", id); err != nil {
		l.err = err
	}
	return l
}

// Join adds a user to an sdkGroup conversation: POST
// /v2/apps/{appId}/conversations/{id}/join.
func (s *ConversationsService) Join(ctx context.Context, id string, p ParticipantInput) (*Participant, error) {
	const op = "Conversations.Join"
	if err := need(op, "id", id); err != nil {
		return nil, err
	}
	if (p.UserID == "") == (p.UserExternalID == "") {
		return nil, invalid(op, "participant", "give exactly one of UserID and UserExternalID")
	}
	return send[Participant](ctx, s.client, &call{op: op, method: http.MethodPost, path: s.client.appPath("/conversations/%s/join", id), body: p}, "participant")
}

// Leave removes a participant from an sdkGroup conversation: POST
// /v2/apps/{appId}/conversations/{id}/leave.
func (s *ConversationsService) Leave(ctx context.Context, id string, who Leave) error {
	const op = "Conversations.Leave"
	if err := need(op, "id", id); err != nil {
		return err
	}
	n := 0
	for _, v := range []string{who.UserID, who.UserExternalID, who.ParticipantID} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return invalid(op, "leave", "give exactly one of UserID, UserExternalID and ParticipantID")
	}
	return s.client.do(ctx, &call{op: op, method: http.MethodPost, path: s.client.appPath("/conversations/%s/leave", id), body: who})
}
