package escalation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// markKey is the metadata key on every message the flow posts: its key,
// by which a retry finds a post whose answer was lost, and by which the
// flow knows its own messages when the webhook brings them back.
const markKey = "deskbridge_key"

// chatMetaKey is the conversation metadata key naming the chat the flow
// opened the conversation for: it tells the flow's conversations from
// others when the store has forgotten the link.
const chatMetaKey = "deskbridge_chat"

// escalate hands the chat to Zendesk's agent workspace, step by step,
// each step recorded in the chat's state so that a retry resumes where a
// failure stopped: the skill's group, the Sunshine Conversations user and
// conversation, the bot transcript, passControl.
func (f *Flow) escalate(ctx context.Context, chat string, st *chatState) error {
	if st.Skill != "" && st.Group == 0 {
		g, err := f.cfg.Zendesk.Groups.FindByName(ctx, st.Skill)
		switch {
		case errors.Is(err, deskbridge.ErrNotFound):
			// The ticket goes without a group; Check reports the missing one.
			f.log.WarnContext(ctx, "escalation: no Zendesk group for the skill; run Provision", slog.String("skill", st.Skill))
			st.Group = -1
		case err != nil:
			return fmt.Errorf("escalation: reading the Zendesk group %q: %w", st.Skill, err)
		default:
			st.Group = g.ID
		}
		if err := f.saveChat(ctx, chat, st); err != nil {
			return err
		}
	}
	if st.User == "" {
		u, _, err := f.cfg.Conversations.Users.GetOrCreate(ctx, &conversations.UserInput{
			ExternalID: userExternalID(chat), Profile: identityProfile(f.senderID(st), f.userName(st))})
		if err != nil {
			return fmt.Errorf("escalation: the Sunshine Conversations user: %w", err)
		}
		st.User = u.ID
		if err := f.saveChat(ctx, chat, st); err != nil {
			return err
		}
	}
	if st.Conv == "" {
		c, err := f.cfg.Conversations.Conversations.Create(ctx, &conversations.ConversationCreate{
			Type:         conversations.ConversationPersonal,
			Participants: []conversations.ParticipantInput{{UserID: st.User}},
			Metadata:     conversations.Metadata{chatMetaKey: chat},
		})
		if err != nil {
			return fmt.Errorf("escalation: the Sunshine Conversations conversation: %w", err)
		}
		if err := f.linkConv(ctx, c.ID, chat); err != nil {
			return err
		}
		st.Conv = c.ID
		if err := f.saveChat(ctx, chat, st); err != nil {
			return err
		}
	}
	if !st.Passed {
		if err := f.postTranscript(ctx, chat, st); err != nil {
			return err
		}
		md := conversations.Metadata{}
		if st.First != "" {
			md.SetFirstMessageID(st.First)
		}
		if st.Group > 0 {
			setGroup(md, st.Group)
		}
		identityMetadata(md, f.senderID(st), f.userName(st))
		if err := f.cfg.Conversations.SwitchboardActions.PassControl(ctx, st.Conv, f.cfg.AgentWorkspace, md); err != nil {
			return fmt.Errorf("escalation: passing control to %s: %w", f.cfg.AgentWorkspace, err)
		}
		st.Passed = true
	}
	st.Mode = modeLive
	return f.saveChat(ctx, chat, st)
}

// senderID is the identity mapping's value, "" when there is none. It
// comes from the server side only (Config.Authorize or
// UserMessage.Identity), never from what the browser sent.
func (f *Flow) senderID(st *chatState) string {
	if f.cfg.SenderIDVariable == "" {
		return ""
	}
	return st.Identity[f.cfg.SenderIDVariable]
}

// userName is the user's name from Config.NameVariable, "" when there
// is none.
func (f *Flow) userName(st *chatState) string {
	if f.cfg.NameVariable == "" {
		return ""
	}
	return strings.TrimSpace(st.Identity[f.cfg.NameVariable])
}

// turn is one message of the bot transcript.
type turn struct {
	user bool
	text string
}

// postTranscript posts the Dydu dialog so far to the conversation, user
// turns as the user and bot turns as the business with subtype bot,
// skipping those already posted.
func (f *Flow) postTranscript(ctx context.Context, chat string, st *chatState) error {
	h, err := f.cfg.Dydu.History(ctx, st.Context)
	if err != nil {
		return fmt.Errorf("escalation: reading the bot transcript from Dydu: %w", err)
	}
	turns := transcript(h)
	for i := st.Posted; i < len(turns); i++ {
		t := turns[i]
		post := &conversations.MessagePost{Author: conversations.BotAuthor(f.cfg.BotName), Content: conversations.Text(t.text)}
		if t.user {
			post.Author = conversations.UserAuthor(st.User)
		}
		id, err := f.postOnce(ctx, chat, st, "t"+strconv.Itoa(st.Escalations)+"."+strconv.Itoa(i), post)
		if err != nil {
			return err
		}
		if i == 0 {
			st.First = id
		}
		st.Posted = i + 1
		if err := f.saveChat(ctx, chat, st); err != nil {
			return err
		}
	}
	return nil
}

// transcript turns a Dydu history into messages, oldest first: each
// interaction's user input, then its answer. Texts over the Sunshine
// Conversations limit are split, never cut.
func transcript(h *dydu.History) []turn {
	var out []turn
	for _, in := range h.Interactions {
		if s := strings.TrimSpace(in.User); s != "" {
			out = appendSplit(out, true, s)
		}
		if s := plainText(in.Text); s != "" {
			out = appendSplit(out, false, s)
		}
	}
	return out
}

// appendSplit appends text as one turn, or as several of at most
// MaxTextLength characters.
func appendSplit(out []turn, user bool, text string) []turn {
	r := []rune(text)
	for len(r) > conversations.MaxTextLength/2 { // UTF-16 units: stay well inside
		out = append(out, turn{user, string(r[:conversations.MaxTextLength/2])})
		r = r[conversations.MaxTextLength/2:]
	}
	return append(out, turn{user, string(r)})
}

// postOnce posts a message marked with key, once: when an earlier post of
// the key may have gone through (its answer lost), it looks for the key
// among the conversation's latest messages first.
func (f *Flow) postOnce(ctx context.Context, chat string, st *chatState, key string, post *conversations.MessagePost) (string, error) {
	if post.Metadata == nil {
		post.Metadata = conversations.Metadata{}
	}
	post.Metadata[markKey] = key
	if slices.Contains(st.Pending, key) {
		page, err := f.cfg.Conversations.Messages.ListPage(ctx, st.Conv, nil)
		if err != nil {
			return "", fmt.Errorf("escalation: looking for a message whose post may have gone through: %w", err)
		}
		for _, m := range page.Items {
			if fmt.Sprint(m.Metadata[markKey]) == key {
				st.donePending(key)
				return m.ID, nil
			}
		}
	} else {
		st.Pending = append(st.Pending, key)
		if len(st.Pending) > maxPending {
			st.Pending = st.Pending[len(st.Pending)-maxPending:]
		}
	}
	if err := f.saveChat(ctx, chat, st); err != nil {
		return "", err
	}
	msgs, err := f.cfg.Conversations.Messages.Post(ctx, st.Conv, post)
	if err != nil {
		if errors.Is(err, deskbridge.ErrInvalid) {
			st.donePending(key) // refused: it did not go through
		}
		return "", fmt.Errorf("escalation: posting to Sunshine Conversations: %w", err)
	}
	st.donePending(key)
	if len(msgs) == 0 {
		return "", nil
	}
	return msgs[0].ID, nil
}

// maxPending is how many posts of unknown outcome a chat remembers: a
// message whose sender stops retrying must not stay forever.
const maxPending = 32

// donePending forgets a post's key: its outcome is known.
func (st *chatState) donePending(key string) {
	st.Pending = slices.DeleteFunc(st.Pending, func(k string) bool { return k == key })
	if len(st.Pending) == 0 {
		st.Pending = nil
	}
}

// plainText returns an answer's HTML as text: tags dropped, <br> and
// </p> as line breaks, the common entities decoded.
func plainText(html string) string {
	var b strings.Builder
	for i := 0; i < len(html); {
		if html[i] != '<' {
			j := strings.IndexByte(html[i:], '<')
			if j < 0 {
				j = len(html) - i
			}
			b.WriteString(html[i : i+j])
			i += j
			continue
		}
		j := strings.IndexByte(html[i:], '>')
		if j < 0 {
			b.WriteString(html[i:])
			break
		}
		tag := strings.ToLower(strings.TrimSpace(strings.Trim(html[i+1:i+j], "/ ")))
		if name, _, _ := strings.Cut(tag, " "); name == "br" || name == "p" || name == "li" || name == "div" {
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte('\n')
			}
		}
		i += j + 1
	}
	return strings.TrimSpace(entities.Replace(b.String()))
}

var entities = strings.NewReplacer("&nbsp;", " ", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&apos;", "'")
