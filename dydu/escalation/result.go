package escalation

import (
	"fmt"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/flow"
)

// Source says where an event the flow handled came from.
type Source string

// Sources of events.
const (
	// SourceUser: the user's channel (a message, a file or typing posted
	// to [Flow.Handler], or a call of [Flow.HandleUserMessage]).
	SourceUser Source = "user"
	// SourceSunshine: a Sunshine Conversations webhook event (an agent's
	// message or typing, the hand-back) delivered to [WebhookPath].
	SourceSunshine Source = "sunshine"
)

// Details of a [Result]: what the flow did, in its own words, beside the
// shared outcome.
const (
	DetailBotAnswered  = "bot answered"          // Applied: the user's text went to Dydu, the answer to the user
	DetailEscalated    = "escalated"             // Applied: the ticket was opened in the agent workspace
	DetailToAgent      = "sent to the agent"     // Applied: the user's text or file went to Zendesk
	DetailToUser       = "sent to the user"      // Applied: the agent's text or file went to the user
	DetailTyping       = "typing"                // Applied: a typing indicator went across
	DetailHandedBack   = "handed back"           // Applied: the agent solved the ticket; the bot has the chat again
	DetailAlreadyDone  = "already handled"       // Duplicate: a retry of what was done
	DetailOwnMessage   = "own message"           // Echo: a message the flow posted, coming back
	DetailNotOurs      = "not a bridged chat"    // Ignored: a conversation the flow did not open
	DetailOverLimit    = "over a limit"          // Rejected: text or file too large, or a refused file type
	DetailBadInput     = "bad input"             // Rejected: something else the flow cannot take
	DetailBusy         = "handled elsewhere"     // Failed: another replica holds the chat
	DetailStore        = "store failed"          // Failed: the shared store did not answer
	DetailVendorFailed = "vendor failed"         // Failed: Dydu, Sunshine Conversations or Zendesk failed
	DetailRenewed      = "dydu context renewed"  // Applied: Dydu had dropped the dialog; the bot started over
	DetailNotLive      = "no agent has the chat" // Ignored: typing while the bot has the chat
	DetailChatExpired  = "chat expired"          // Ignored: a conversation the flow opened whose chat was silent longer than Config.ChatLifetime
)

// Result is one decision of the flow about one event, as Config.OnResult
// receives it.
type Result struct {
	// Time is when the flow decided (Config.Now).
	Time time.Time
	// Source is where the event came from.
	Source Source
	// Kind is the event: "message", "file", "typing" from the user; the
	// Sunshine Conversations event type from the webhook.
	Kind string
	// Key is the event's key: the user message's id, the webhook event's
	// id.
	Key string
	// Chat is the user's chat, "" when not known.
	Chat string
	// ConversationID is the Sunshine Conversations conversation, "" before
	// the escalation.
	ConversationID string
	// Outcome is the shared outcome.
	Outcome flow.Outcome
	// Detail says more in a few words: one of the Detail constants.
	Detail string
	// Err is the error of a Rejected or Failed outcome.
	Err error
}

// String formats r on one line, message texts left out.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Source, r.Kind)
	if r.Chat != "" {
		fmt.Fprintf(&b, " chat %s", r.Chat)
	}
	if r.ConversationID != "" {
		fmt.Fprintf(&b, " conversation %s", r.ConversationID)
	}
	return flow.FormatResult(b.String(), r.Outcome, r.Detail, r.Err)
}

// report completes res and hands it to Config.OnResult.
func (f *Flow) report(res Result) Result {
	res.Time = f.cfg.Now()
	if f.cfg.OnResult != nil {
		f.cfg.OnResult(res)
	}
	return res
}
