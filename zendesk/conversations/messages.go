package conversations

import (
	"context"
	"iter"
	"net/http"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// MessagesService posts, lists and deletes the messages of a conversation
// (https://developer.zendesk.com/api-reference/conversations/#tag/Messages).
type MessagesService service

// Post posts a message: POST
// /v2/apps/{appId}/conversations/{conversationId}/messages. It returns the
// messages created (several for some template shorthands, usually one).
//
// The message is checked before sending: author and content as the API
// requires them, text at most 4,096 characters ([MaxTextLength]),
// metadata flat and at most 4 KB, the body at most 100 KB; a value over a
// limit is refused whole ([ErrOverLimit]), never cut. A conversation that
// holds 30,000 messages answers 423, an error matching [ErrMessageLimit].
//
// A post is not repeated after a 5xx or a lost connection, which may
// follow a message that was posted.
func (s *MessagesService) Post(ctx context.Context, conversationID string, m *MessagePost) ([]Message, error) {
	const op = "Messages.Post"
	if err := need(op, "conversationID", conversationID); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, invalid(op, "message", "is nil")
	}
	if err := checkAuthor(op, &m.Author); err != nil {
		return nil, err
	}
	if err := checkContent(op, &m.Content); err != nil {
		return nil, err
	}
	if err := checkMetadata(op, "metadata", m.Metadata); err != nil {
		return nil, err
	}
	msgs, err := send[[]Message](ctx, s.client, &call{op: op, method: http.MethodPost, path: s.client.appPath("/conversations/%s/messages", conversationID), body: m}, "messages")
	if err != nil {
		return nil, err
	}
	return *msgs, nil
}

// MessageListOptions select where a walk through a conversation's messages
// starts. Both empty start at the most recent message.
type MessageListOptions struct {
	// Before starts at the messages before this cursor: the Next of a
	// page returned by [MessagesService.ListPage].
	Before string
	// After asks for the messages after this cursor instead, walking
	// forwards ([MessagesService.ListPage] only).
	After string
}

func (s *MessagesService) listing(conversationID string, o *MessageListOptions, forIter bool) listing[Message] {
	const op = "Messages.List"
	var opts MessageListOptions
	if o != nil {
		opts = *o
	}
	l := newListing[Message](s.client, op, s.client.appPath("/conversations/%s/messages", conversationID), nil,
		&PageOptions{Before: opts.Before, After: opts.After}, "messages", false)
	if l.err == nil && opts.After == "" {
		// The newest page comes first: the walk goes back in time.
		l.style, l.read = rest.Style{Param: "page[before]"}, cursorPages[Message]("messages", true)
	}
	if l.err == nil && forIter && opts.After != "" {
		l.err = invalid(op, "After", "List walks backwards from the most recent message; use ListPage to page forwards")
	}
	if err := need(op, "conversationID", conversationID); err != nil {
		l.err = err
	}
	return l
}

// List walks the messages of a conversation from the most recent to the
// oldest: GET /v2/apps/{appId}/conversations/{conversationId}/messages
// answers the most recent page (100 messages, a size the API fixes) first,
// and each page[before] the page before it, so the walk yields the newest
// message first and goes back in time, fetching a page when the loop needs
// one. Break once you have gone back far enough; to read a conversation in
// the order it was written, collect and reverse (slices.Reverse).
func (s *MessagesService) List(ctx context.Context, conversationID string, o *MessageListOptions) iter.Seq2[Message, error] {
	l := s.listing(conversationID, o, true)
	if l.err != nil {
		return failed[Message](l.err)
	}
	return rest.Iterate(ctx, l.start, func(ctx context.Context, cursor string) (*deskbridge.Page[Message], error) {
		p, err := l.fetch(ctx, cursor)
		if p != nil {
			newestFirst(p.Items)
		}
		return p, err
	})
}

// ListPage returns one page of up to 100 messages, in the API's order
// (oldest first within the page). Without options it is the most recent
// page; its Next is the cursor of the page before it (older messages), to
// give back as Before; "" when there is none. With After, it is the page
// after that cursor and Next the one after it.
func (s *MessagesService) ListPage(ctx context.Context, conversationID string, o *MessageListOptions) (*deskbridge.Page[Message], error) {
	return s.listing(conversationID, o, false).page(ctx)
}

// DeleteAll deletes every message of a conversation (the way out of the
// 30,000-message limit): DELETE
// /v2/apps/{appId}/conversations/{conversationId}/messages.
func (s *MessagesService) DeleteAll(ctx context.Context, conversationID string) error {
	const op = "Messages.DeleteAll"
	if err := need(op, "conversationID", conversationID); err != nil {
		return err
	}
	return s.client.del(ctx, op, s.client.appPath("/conversations/%s/messages", conversationID))
}

// Delete deletes one message: DELETE
// /v2/apps/{appId}/conversations/{conversationId}/messages/{messageId}.
func (s *MessagesService) Delete(ctx context.Context, conversationID, messageID string) error {
	const op = "Messages.Delete"
	if err := need(op, "conversationID", conversationID); err != nil {
		return err
	}
	if err := need(op, "messageID", messageID); err != nil {
		return err
	}
	return s.client.del(ctx, op, s.client.appPath("/conversations/%s/messages/%s", conversationID, messageID))
}
