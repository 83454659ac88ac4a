package escalation

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// UserMessage is a text the user's channel sends.
type UserMessage struct {
	// Chat is the user's chat: 8 to 64 letters, digits, '-' or '_',
	// chosen by the channel (a UUID, say). Required.
	Chat string
	// ID identifies the message across the channel's retries: a message
	// is handled once per ID. Required.
	ID string
	// Text is what the user typed: at most 600 characters while the bot
	// has the chat (Dydu's limit), 4,096 while an agent has it (Sunshine
	// Conversations'). A longer text is refused whole, never cut.
	Text string
	// Variables are dialog variables the channel sent: they go to Dydu
	// with the talk. They are the browser's word, so they never say who
	// the user is: those named by Config.SenderIDVariable or
	// Config.NameVariable are dropped.
	Variables map[string]string
	// Identity are variables the server vouches for (from the user's
	// session: Config.Authorize returns them for the HTTP channel): the
	// one named by Config.SenderIDVariable identifies the user to the
	// agent (the ticket's requester), the one named by Config.NameVariable
	// names them. They go to Dydu too.
	Identity map[string]string
}

// ErrBadInput is matched by the error of an event the flow refuses:
// a bad chat id, an empty or too long text, a file too large or of a
// refused type. The channel gets 422 and should not retry.
var ErrBadInput = fmt.Errorf("escalation: input refused: %w", deskbridge.ErrInvalid)

// ErrOverLimit is matched by the error of a text or file over a limit of
// Dydu or Sunshine Conversations, or a file of a type Zendesk refuses. It
// matches [ErrBadInput] too.
var ErrOverLimit = fmt.Errorf("escalation: over a limit: %w", ErrBadInput)

var errBadChat = fmt.Errorf("%w: a chat id is %d to 64 letters, digits, '-' or '_' (32 or more when only hex digits), "+
	"random, of at least 128 bits: make one with escalation.NewChatID", ErrBadInput, MinChatIDLength)

// MinChatIDLength is the shortest chat id taken: 22 base64url characters
// hold 132 bits. An id of hex digits only needs 32 (128 bits); a UUID
// (with its dashes) passes. Without [Config.Authorize] the chat id is
// all that keeps a chat private, so it must be random: [NewChatID].
const MinChatIDLength = 22

// NewChatID returns a new random chat id: 32 base64url characters, 192
// bits from crypto/rand.
func NewChatID() string {
	var b [24]byte
	_, _ = rand.Read(b[:]) // never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// validChat reports whether s is a chat id: long enough to hold 128
// random bits, of base64url characters.
func validChat(s string) bool {
	if len(s) < MinChatIDLength || len(s) > 64 {
		return false
	}
	hexDigits := 0
	onlyHex := true
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F':
			hexDigits++
		case r == '-':
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_':
			onlyHex = false
		default:
			return false
		}
	}
	return !onlyHex || hexDigits >= 32
}

// validID reports whether s is a message id: 1 to 128 printable ASCII
// characters without ':' (it is part of store keys).
func validID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' || s[i] == ':' {
			return false
		}
	}
	return true
}

// HandleUserMessage takes a text from the user's channel: to the bot,
// whose answer goes back to the channel (and, when the bot escalates, the
// hand-off to Zendesk's agent workspace), or to the agent who has the
// chat. It is safe to call again with the same message after an error
// (the channel's retry): what was done is not done twice.
func (f *Flow) HandleUserMessage(ctx context.Context, m *UserMessage) (Result, error) {
	res := Result{Source: SourceUser, Kind: "message", Key: m.ID, Chat: m.Chat}
	switch {
	case !validChat(m.Chat):
		return f.fail(ctx, res, errBadChat)
	case !validID(m.ID):
		return f.fail(ctx, res, fmt.Errorf("%w: a message id is 1 to 128 printable ASCII characters without ':'", ErrBadInput))
	case m.Text == "":
		return f.fail(ctx, res, fmt.Errorf("%w: the text is empty", ErrBadInput))
	case !utf8.ValidString(m.Text):
		return f.fail(ctx, res, fmt.Errorf("%w: the text is not UTF-8", ErrBadInput))
	}
	return f.withChat(ctx, res, func(st *chatState, res *Result) error {
		if err := f.mergeVariables(st, m.Variables, m.Identity); err != nil {
			return err
		}
		if err := checkText(st.Mode, m.Text); err != nil {
			return err
		}
		where := "dydu"
		if st.Mode != modeBot {
			where = "zendesk"
		}
		if err := f.channel.Deliver(ctx, m.Chat, Message{ID: m.ID, Time: f.cfg.Now(), From: FromUser, Kind: KindText, Text: m.Text, Where: where}); err != nil {
			return err
		}
		if st.Mode == modeEscalating {
			if err := f.escalate(ctx, m.Chat, st); err != nil {
				return err
			}
		}
		if st.Mode == modeLive {
			res.ConversationID = st.Conv
			res.Detail = DetailToAgent
			post := &conversations.MessagePost{Author: conversations.UserAuthor(st.User), Content: conversations.Text(m.Text)}
			_, err := f.postOnce(ctx, m.Chat, st, "u."+m.ID, post)
			return err
		}
		return f.talk(ctx, m, st, res)
	})
}

// Limits of a chat's dialog variables (the browser's, kept across its
// messages): a message that would take a chat over one is refused whole
// with 422 ([ErrOverLimit]).
const (
	// MaxVariables is the most variables a chat holds.
	MaxVariables = 50
	// MaxVariablesSize is the most bytes a chat's variables hold, names
	// and values together.
	MaxVariablesSize = 8 << 10
)

// mergeVariables keeps a message's variables in the chat's state: the
// browser's as dialog variables, those named like the identity's
// dropped; the server's as the identity. Variables that would take the
// chat over MaxVariables or MaxVariablesSize are refused, and the state
// is left as it was.
func (f *Flow) mergeVariables(st *chatState, browser, trusted map[string]string) error {
	merged := maps.Clone(st.Vars)
	for k, v := range browser {
		if k == "" || f.identityVariable(k) {
			continue
		}
		if merged == nil {
			merged = map[string]string{}
		}
		merged[k] = v
	}
	size := 0
	for k, v := range merged {
		size += len(k) + len(v)
	}
	switch {
	case len(merged) > MaxVariables:
		return fmt.Errorf("%w: the chat would hold %d variables; it takes at most %d (escalation.MaxVariables): send fewer",
			ErrOverLimit, len(merged), MaxVariables)
	case size > MaxVariablesSize:
		return fmt.Errorf("%w: the chat's variables would hold %d bytes; it takes at most %d (escalation.MaxVariablesSize): send shorter ones",
			ErrOverLimit, size, MaxVariablesSize)
	}
	st.Vars = merged
	for k, v := range trusted {
		if k == "" {
			continue
		}
		if st.Identity == nil {
			st.Identity = map[string]string{}
		}
		st.Identity[k] = v
	}
	return nil
}

// identityVariable reports whether a variable names the user: only the
// server side may set it.
func (f *Flow) identityVariable(k string) bool {
	return k == f.cfg.SenderIDVariable && k != "" || k == f.cfg.NameVariable && k != ""
}

// talkVariables are the variables sent to Dydu: the browser's, and the
// identity over them.
func talkVariables(st *chatState) map[string]string {
	if len(st.Identity) == 0 {
		return st.Vars
	}
	out := make(map[string]string, len(st.Vars)+len(st.Identity))
	maps.Copy(out, st.Vars)
	maps.Copy(out, st.Identity)
	return out
}

// checkText refuses a text over the limit of the side that gets it.
func checkText(mode, text string) error {
	n := utf8.RuneCountInString(text)
	if mode == modeBot && n > dydu.MaxInputLength {
		return fmt.Errorf("%w: the text has %d characters; Dydu reads at most %d (dydu.MaxInputLength) and would drop the rest: shorten it",
			ErrOverLimit, n, dydu.MaxInputLength)
	}
	if n > conversations.MaxTextLength {
		return fmt.Errorf("%w: the text has %d characters; Sunshine Conversations takes at most %d (conversations.MaxTextLength): shorten it",
			ErrOverLimit, n, conversations.MaxTextLength)
	}
	return nil
}

// talk sends the user's text to the bot and its answer to the user; an
// answer that escalates starts the hand-off.
func (f *Flow) talk(ctx context.Context, m *UserMessage, st *chatState, res *Result) error {
	// Dydu's talk has no idempotency key: a retry of a talk whose answer
	// was lost talks again (see Exactly once in the package doc).
	st.Talk = m.ID
	if err := f.saveChat(ctx, m.Chat, st); err != nil {
		return err
	}
	ans, err := f.cfg.Dydu.Talk(ctx, &dydu.TalkRequest{ContextID: st.Context, Input: m.Text, Variables: talkVariables(st), ClientID: m.Chat})
	if err != nil {
		return err
	}
	res.Detail = DetailBotAnswered
	if ans.ContextRenewed && st.Context != "" {
		res.Detail = DetailRenewed
		if err := f.channel.Deliver(ctx, m.Chat, Message{ID: m.ID + ".renewed", Time: f.cfg.Now(), From: FromSystem, Kind: KindText,
			Text: f.cfg.RenewedMessage, Where: "dydu"}); err != nil {
			return err
		}
	}
	st.Context = ans.ContextID
	if text := plainText(ans.Text); text != "" {
		if err := f.channel.Deliver(ctx, m.Chat, Message{ID: m.ID + ".bot", Time: f.cfg.Now(), From: FromBot, Name: f.cfg.BotName,
			Kind: KindText, Text: text, Where: "dydu"}); err != nil {
			return err
		}
	}
	st.Talk = ""
	switch ans.Livechat().Kind {
	case dydu.SignalStarted, dydu.SignalQueued:
	default:
		return nil
	}
	st.Mode, st.Skill = modeEscalating, f.skillOf(ans)
	st.Conv, st.Group, st.Posted, st.First, st.Pending, st.Passed = "", 0, 0, "", nil, false
	st.Escalations++
	if err := f.saveChat(ctx, m.Chat, st); err != nil {
		return err
	}
	res.Detail = DetailEscalated
	if err := f.escalate(ctx, m.Chat, st); err != nil {
		return err
	}
	res.ConversationID = st.Conv
	return nil
}

// withChat runs fn on the chat's state under the chat's claim, once per
// event key: a key already handled is a duplicate. The state is saved
// and the key marked handled when fn succeeds; on failure what fn saved
// stays, so that the retry resumes.
func (f *Flow) withChat(ctx context.Context, res Result, fn func(*chatState, *Result) error) (Result, error) {
	ctx, unlock, err := f.lockChat(ctx, res.Chat)
	if err != nil {
		return f.fail(ctx, res, err)
	}
	defer unlock()
	doneKey := keyPrefix + "in:" + res.Chat + ":" + res.Key
	if _, ok, err := f.store.Get(ctx, doneKey); err != nil {
		return f.fail(ctx, res, errStore(err))
	} else if ok {
		res.Outcome, res.Detail = flow.Duplicate, DetailAlreadyDone
		return f.report(res), nil
	}
	st, err := f.loadChat(ctx, res.Chat)
	if err != nil {
		return f.fail(ctx, res, err)
	}
	res.ConversationID = st.Conv
	if err := fn(st, &res); err != nil {
		return f.fail(ctx, res, err)
	}
	if err := f.saveChat(ctx, res.Chat, st); err != nil {
		return f.fail(ctx, res, err)
	}
	if st.Conv != "" && st.Mode != modeBot {
		if err := f.linkConv(ctx, st.Conv, res.Chat); err != nil {
			return f.fail(ctx, res, err)
		}
	}
	if err := f.store.Set(ctx, doneKey, "done", doneTTL); err != nil {
		return f.fail(ctx, res, errStore(err))
	}
	res.Outcome = flow.Applied
	res = f.report(res)
	f.log.InfoContext(ctx, "escalation: "+res.String())
	return res, nil
}

// fail reports a failed or refused event and returns its error.
func (f *Flow) fail(ctx context.Context, res Result, err error) (Result, error) {
	res.Outcome, res.Detail = classify(err)
	res.Err = err
	res = f.report(res)
	f.log.WarnContext(ctx, "escalation: "+res.Kind+" not handled", slog.String("chat", res.Chat), slog.String("outcome", string(res.Outcome)),
		slog.String("error", err.Error()))
	return res, err
}

// classify gives the outcome of an error: refused input is Rejected (the
// sender must not retry), everything else Failed (it retries).
func classify(err error) (flow.Outcome, string) {
	var se *storeError
	switch {
	case errors.Is(err, errBusy), errors.Is(err, errUploadsBusy):
		return flow.Failed, DetailBusy
	case errors.As(err, &se):
		return flow.Failed, DetailStore
	case errors.Is(err, conversations.ErrOverLimit), errors.Is(err, dydu.ErrOverLimit), errors.Is(err, ErrOverLimit):
		return flow.Rejected, DetailOverLimit
	case errors.Is(err, ErrBadInput):
		return flow.Rejected, DetailBadInput
	}
	return flow.Failed, DetailVendorFailed
}
