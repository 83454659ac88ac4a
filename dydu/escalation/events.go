package escalation

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// handleEvent is the webhook handler's function: one Sunshine
// Conversations event. An error makes the delivery answer 503 (the event
// is not marked handled, and Sunshine Conversations retries it); the
// other events of the same delivery keep their own fate.
func (f *Flow) handleEvent(ctx context.Context, ev *webhook.SunshineEvent) error {
	res := Result{Source: SourceSunshine, Kind: ev.Type, Key: ev.ID}
	switch ev.Type {
	case webhook.SunshineTypeConversationMessage:
		p, err := ev.ConversationMessage()
		if err != nil {
			return f.refuse(ctx, res, err)
		}
		res.ConversationID = p.Conversation.ID
		return f.onMessage(ctx, res, &p.Conversation, &p.Message)
	case webhook.SunshineTypeConversationTyping:
		p, err := ev.ConversationActivity()
		if err != nil {
			return f.refuse(ctx, res, err)
		}
		res.ConversationID = p.Conversation.ID
		return f.onTyping(ctx, res, p)
	case webhook.SunshineTypeSwitchboardPassControl, webhook.SunshineTypeSwitchboardReleaseControl:
		p, err := ev.SwitchboardEvent()
		if err != nil {
			return f.refuse(ctx, res, err)
		}
		res.ConversationID = p.Conversation.ID
		if !handBackSignal(ev.Type, p, f.cfg.AgentWorkspace) {
			return f.done(res, flow.Ignored, "control moved, not a hand-back")
		}
		return f.handBack(ctx, res, &p.Conversation)
	}
	return f.done(res, flow.Ignored, "event type not used")
}

// done reports an event that needed nothing (or nothing more); a
// duplicate is answered "duplicate" (see [flow.HandlerError]).
func (f *Flow) done(res Result, o flow.Outcome, detail string) error {
	res.Outcome, res.Detail = o, detail
	f.report(res)
	return flow.HandlerError(o, nil)
}

// refuse reports an event the flow cannot read: 422, not retried.
func (f *Flow) refuse(ctx context.Context, res Result, err error) error {
	_, err = f.fail(ctx, res, fmt.Errorf("%w: %w", ErrBadInput, err))
	return webhook.Permanent(err)
}

// chatOf returns the chat of a conversation the flow opened, handled
// false when the event was answered for (an error, or a conversation
// with no chat). A conversation whose link the store has forgotten but
// whose metadata names one of the flow's chats is linked again while
// that chat still has it; once the chat is gone too, the event is
// reported as [DetailChatExpired] and logged as a warning. An unknown
// conversation is logged as a warning when loud is set (an agent's
// message or a hand-back: something meant for a user).
func (f *Flow) chatOf(ctx context.Context, res *Result, conv *webhook.SunshineConversation, loud bool) (string, bool, error) {
	chat, ok, err := f.store.Get(ctx, keyPrefix+"conv:"+conv.ID)
	if err != nil {
		_, err = f.fail(ctx, *res, errStore(err))
		return "", false, err
	}
	if ok {
		res.Chat = chat
		return chat, true, nil
	}
	ours, _ := conv.Metadata[chatMetaKey].(string)
	if ours == "" || !validChat(ours) {
		if loud {
			f.log.WarnContext(ctx, "escalation: an event for a conversation the flow does not know; dropped",
				slog.String("conversation", conv.ID), slog.String("event", res.Kind))
		}
		return "", false, f.done(*res, flow.Ignored, DetailNotOurs)
	}
	res.Chat = ours
	st, err := f.loadChat(ctx, ours)
	if err != nil {
		_, err = f.fail(ctx, *res, err)
		return "", false, err
	}
	if st.Conv == conv.ID {
		if err := f.linkConv(ctx, conv.ID, ours); err != nil {
			_, err = f.fail(ctx, *res, err)
			return "", false, err
		}
		f.log.WarnContext(ctx, "escalation: the link from a conversation to its chat was gone; linked again",
			slog.String("conversation", conv.ID), slog.String("chat", ours))
		return ours, true, nil
	}
	f.log.WarnContext(ctx, "escalation: an event for the conversation of a chat that is gone (silent longer than Config.ChatLifetime, "+
		f.lifetime().String()+"); the user does not get it: raise Config.ChatLifetime above the longest wait of a ticket",
		slog.String("conversation", conv.ID), slog.String("chat", ours), slog.String("event", res.Kind))
	return "", false, f.done(*res, flow.Ignored, DetailChatExpired)
}

// onMessage forwards an agent's message to the user, and takes a
// ticket:closed system message as the hand-back.
func (f *Flow) onMessage(ctx context.Context, res Result, conv *webhook.SunshineConversation, m *webhook.SunshineMessage) error {
	if m.Activity == nil && ownMessage(m, f.cfg.IntegrationID) {
		return f.done(res, flow.Echo, DetailOwnMessage) // needs no chat
	}
	loud := m.Author.Type == conversations.AuthorBusiness || m.Activity != nil && handBackActivity(m.Activity.Type)
	chat, ok, err := f.chatOf(ctx, &res, conv, loud)
	if !ok {
		return err
	}
	if m.Activity != nil {
		if handBackActivity(m.Activity.Type) {
			return f.handBack(ctx, res, conv)
		}
		return f.done(res, flow.Ignored, "system message "+m.Activity.Type)
	}
	if m.Author.Type != conversations.AuthorBusiness || m.Deleted {
		return f.done(res, flow.Ignored, "not an agent's message")
	}
	out := Message{ID: m.ID, Time: m.Received, From: FromAgent, Name: m.Author.DisplayName, Where: "zendesk",
		Kind: KindText, Text: m.Content.Text}
	switch m.Content.Type {
	case conversations.ContentImage:
		out.Kind, out.MediaURL, out.MediaType = KindImage, m.Content.MediaURL, m.Content.MediaType
	case conversations.ContentFile:
		out.Kind, out.MediaURL, out.MediaType = KindFile, m.Content.MediaURL, m.Content.MediaType
	case conversations.ContentText:
	default:
		if out.Text == "" {
			out.Text = "[" + m.Content.Type + "]" // a carousel, a form…: the page shows it is there
		}
	}
	if out.Time.IsZero() {
		out.Time = f.cfg.Now()
	}
	if err := f.channel.Deliver(ctx, chat, out); err != nil {
		_, err = f.fail(ctx, res, err)
		return err
	}
	if err := f.renewChat(ctx, chat, conv.ID); err != nil {
		_, err = f.fail(ctx, res, err) // the retry finds the message shown, and renews
		return err
	}
	return f.done(res, flow.Applied, DetailToUser)
}

// onTyping shows the agent's typing to the user.
func (f *Flow) onTyping(ctx context.Context, res Result, p *webhook.SunshineConversationActivity) error {
	if p.Activity.Author.Type != conversations.AuthorBusiness {
		return f.done(res, flow.Echo, DetailOwnMessage)
	}
	chat, ok, err := f.chatOf(ctx, &res, &p.Conversation, false)
	if !ok {
		return err
	}
	kind := KindTyping
	if p.Activity.Type == conversations.ActivityTypingStop {
		kind = KindTypingStop
	}
	if err := f.channel.Deliver(ctx, chat, Message{ID: "typing." + res.Key, Time: f.cfg.Now(), From: FromAgent,
		Name: p.Activity.Author.DisplayName, Kind: kind, Where: "zendesk"}); err != nil {
		_, err = f.fail(ctx, res, err)
		return err
	}
	if err := f.renewChat(ctx, chat, p.Conversation.ID); err != nil {
		_, err = f.fail(ctx, res, err)
		return err
	}
	return f.done(res, flow.Applied, DetailTyping)
}

// handBack gives the chat back to the bot once the agent solved the
// ticket, and tells the user. Several signals of one hand-back (the
// passControl and the ticket:closed message) tell the user once.
func (f *Flow) handBack(ctx context.Context, res Result, conv *webhook.SunshineConversation) error {
	if res.Chat == "" {
		if _, ok, err := f.chatOf(ctx, &res, conv, true); !ok {
			return err
		}
	}
	ctx, unlock, err := f.lockChat(ctx, res.Chat)
	if err != nil {
		_, err = f.fail(ctx, res, err)
		return err
	}
	defer unlock()
	st, err := f.loadChat(ctx, res.Chat)
	if err != nil {
		_, err = f.fail(ctx, res, err)
		return err
	}
	if st.Conv != res.ConversationID || st.Mode == modeBot {
		return f.done(res, flow.Duplicate, DetailAlreadyDone)
	}
	if err := f.channel.Deliver(ctx, res.Chat, Message{ID: "handback." + res.ConversationID, Time: f.cfg.Now(), From: FromSystem,
		Kind: KindText, Text: f.cfg.HandBackMessage, Where: "dydu"}); err != nil {
		_, err = f.fail(ctx, res, err)
		return err
	}
	// Dydu still holds its dialog in livechat mode: the bot answers again
	// in a new one.
	st.Mode, st.Context, st.Talk = modeBot, "", ""
	if err := f.saveChat(ctx, res.Chat, st); err != nil {
		_, err = f.fail(ctx, res, err)
		return err
	}
	return f.done(res, flow.Applied, DetailHandedBack)
}
