package escalation

import (
	"context"
	"fmt"

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
		return f.onMessage(ctx, res, &p.Message)
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
		return f.handBack(ctx, res)
	}
	return f.done(res, flow.Ignored, "event type not used")
}

// done reports an event that needed nothing (or nothing more).
func (f *Flow) done(res Result, o flow.Outcome, detail string) error {
	res.Outcome, res.Detail = o, detail
	f.report(res)
	return nil
}

// refuse reports an event the flow cannot read: 422, not retried.
func (f *Flow) refuse(ctx context.Context, res Result, err error) error {
	_, err = f.fail(ctx, res, fmt.Errorf("%w: %w", ErrBadInput, err))
	return webhook.Permanent(err)
}

// chatOf returns the chat of a conversation the flow opened.
func (f *Flow) chatOf(ctx context.Context, conv string) (string, bool, error) {
	chat, ok, err := f.store.Get(ctx, "conv:"+conv)
	return chat, ok, errStore(err)
}

// onMessage forwards an agent's message to the user, and takes a
// ticket:closed system message as the hand-back.
func (f *Flow) onMessage(ctx context.Context, res Result, m *webhook.SunshineMessage) error {
	chat, ok, err := f.chatOf(ctx, res.ConversationID)
	if err != nil {
		_, err = f.fail(ctx, res, err)
		return err
	}
	if !ok {
		return f.done(res, flow.Ignored, DetailNotOurs)
	}
	res.Chat = chat
	if m.Activity != nil {
		if handBackActivity(m.Activity.Type) {
			return f.handBack(ctx, res)
		}
		return f.done(res, flow.Ignored, "system message "+m.Activity.Type)
	}
	if ownMessage(m, f.cfg.IntegrationID) {
		return f.done(res, flow.Echo, DetailOwnMessage)
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
	return f.done(res, flow.Applied, DetailToUser)
}

// onTyping shows the agent's typing to the user.
func (f *Flow) onTyping(ctx context.Context, res Result, p *webhook.SunshineConversationActivity) error {
	if p.Activity.Author.Type != conversations.AuthorBusiness {
		return f.done(res, flow.Echo, DetailOwnMessage)
	}
	chat, ok, err := f.chatOf(ctx, res.ConversationID)
	if err != nil {
		_, err = f.fail(ctx, res, err)
		return err
	}
	if !ok {
		return f.done(res, flow.Ignored, DetailNotOurs)
	}
	res.Chat = chat
	kind := KindTyping
	if p.Activity.Type == conversations.ActivityTypingStop {
		kind = KindTypingStop
	}
	if err := f.channel.Deliver(ctx, chat, Message{ID: "typing." + res.Key, Time: f.cfg.Now(), From: FromAgent,
		Name: p.Activity.Author.DisplayName, Kind: kind, Where: "zendesk"}); err != nil {
		_, err = f.fail(ctx, res, err)
		return err
	}
	return f.done(res, flow.Applied, DetailTyping)
}

// handBack gives the chat back to the bot once the agent solved the
// ticket, and tells the user. Several signals of one hand-back (the
// passControl and the ticket:closed message) tell the user once.
func (f *Flow) handBack(ctx context.Context, res Result) error {
	if res.Chat == "" {
		chat, ok, err := f.chatOf(ctx, res.ConversationID)
		if err != nil {
			_, err = f.fail(ctx, res, err)
			return err
		}
		if !ok {
			return f.done(res, flow.Ignored, DetailNotOurs)
		}
		res.Chat = chat
	}
	unlock, err := f.lockChat(ctx, res.Chat)
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
