package dydutest

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Interaction is one turn of a dialog, as the fake keeps it and serves
// it in the history.
type Interaction struct {
	// User is what the user said ("" for a turn the user did not start:
	// the welcome, an operator's message).
	User string
	// Text is the bot's answer or the operator's message ("" for a user
	// message during the livechat).
	Text string
	// TypeResponse is the answer's type ("DMUnderstoodQuestion"…), ""
	// when there is no answer.
	TypeResponse string
	// KnowledgeID is the knowledge that answered, 0 for none.
	KnowledgeID int
	// Operator is set on an operator's message.
	Operator *Operator
	// Livechat says the turn happened while a human operator had the
	// dialog.
	Livechat bool
	// Time is when it happened, on the fake's clock.
	Time time.Time
}

// Escalation is the bot handing a dialog to the livechat.
type Escalation struct {
	ContextID   string
	KnowledgeID int
	// Skill is the skill whose context condition the escalating
	// knowledge carries ("" for none): the Zendesk group's name.
	Skill string
	// Question is the user's input that triggered it.
	Question string
	// Queued says no operator was free: the dialog waits in the queue
	// (see [Server.SetQueue]).
	Queued bool
	// Variables are the dialog's variables at that time (the identity
	// mapping's sender id, "mail", among them).
	Variables map[string]string
	// Transcript is the dialog so far, the escalating turn included.
	Transcript []Interaction
	Time       time.Time
}

// Truncation records a userInput longer than [MaxUserInput] characters,
// of which the server used only the first 600.
type Truncation struct {
	ContextID string
	// Length is the input's length in characters; Used is what the bot
	// saw.
	Length int
	Used   string
	Time   time.Time
}

// Feedback is one feedback request: Kind "feedback" (Value positive,
// negative or withoutAnswer), "comment" or "insatisfaction" (Value the
// choice key).
type Feedback struct {
	ContextID string
	Kind      string
	Value     string
	Time      time.Time
}

// GDPRRequest is one request to chat/gdpr: Object "Get" or "Delete".
type GDPRRequest struct {
	ClientID string
	Mail     string
	Object   string
	Language string
	// Deleted counts the dialogs a Delete forgot.
	Deleted int
	Time    time.Time
}

// LivechatState is where a dialog stands with the livechat.
type LivechatState int

// The livechat states of a dialog.
const (
	// LivechatNone: the bot answers.
	LivechatNone LivechatState = iota
	// LivechatQueued: escalated, waiting for a free operator.
	LivechatQueued
	// LivechatConnected: an operator has the dialog.
	LivechatConnected
)

// String names the state.
func (l LivechatState) String() string {
	switch l {
	case LivechatQueued:
		return "queued"
	case LivechatConnected:
		return "connected"
	}
	return "none"
}

// DialogContext is a snapshot of one dialog context.
type DialogContext struct {
	ID       string
	ClientID string
	Language string
	Space    string
	Created  time.Time
	LastUsed time.Time
	// Variables are the dialog's variables: set by chat/variable, by a
	// talk's variables parameter, or captured in free input.
	Variables    map[string]string
	Interactions []Interaction
	Livechat     LivechatState
	// UserTyping and TypingContent are the last chat/typing request's;
	// Read is whether the user has read the operator's messages
	// (chat/reading).
	UserTyping    bool
	TypingContent string
	Read          bool
}

// dialog is a context on the server.
type dialog struct {
	DialogContext
	capture       *Knowledge // waiting for a free-input value
	events        []LivechatEvent
	lastEventDate int64
	userMessages  []LivechatMessage
}

// LivechatEvent is one answer the poll endpoint serves, in the order
// pushed. Values are as the server sends them before base64.
type LivechatEvent struct {
	// Date is its pollUpdatedInteractionDate, in Unix milliseconds;
	// strictly increasing within a dialog.
	Date   int64
	Values map[string]any
}

// LivechatMessage is what the user said while an operator had the
// dialog: what the operator side reads.
type LivechatMessage struct {
	ContextID string
	Text      string
	Time      time.Time
}

// Bounds of the records a long demo or load run keeps.
const maxRecords = 10_000

// state is what the servers of a cluster share.
type state struct {
	cfg config

	mu          sync.Mutex
	bot         *bot
	dialogs     map[string]*dialog
	created     int
	queuePos    int
	queueWait   time.Duration
	escalations []Escalation
	truncations []Truncation
	feedbacks   []Feedback
	gdpr        []GDPRRequest
}

func newState(cfg config) *state {
	st := &state{cfg: cfg, bot: newBot(), dialogs: map[string]*dialog{}}
	b := cfg.bot
	if b == nil {
		sb := SeedBot()
		b = &sb
	}
	if err := st.load(*b); err != nil {
		panic(err) // WithBot's documented contract: a bot that does not load is a programming error
	}
	return st
}

func (st *state) load(b Bot) error {
	if b.Fallback != "" {
		st.bot.fallback = b.Fallback
	}
	for _, name := range b.Skills {
		if _, err := st.bot.addSkill(name); err != nil {
			return err
		}
	}
	for _, k := range b.Knowledge {
		if _, err := st.bot.addKnowledge(k); err != nil {
			return err
		}
	}
	return nil
}

func (st *state) now() time.Time { return st.cfg.now() }

// lookup returns the live dialog id, nil when it is unknown or has
// expired (it is then forgotten). touch marks it used.
func (st *state) lookup(id string, touch bool) *dialog {
	d := st.dialogs[id]
	if d == nil {
		return nil
	}
	now := st.now()
	if now.Sub(d.LastUsed) >= ContextIdleTimeout {
		delete(st.dialogs, id)
		return nil
	}
	if touch {
		d.LastUsed = now
	}
	return d
}

// newDialog starts a context.
func (st *state) newDialog(clientID, language, space string) *dialog {
	st.created++
	if st.created%1024 == 0 {
		st.sweep()
	}
	now := st.now()
	d := &dialog{DialogContext: DialogContext{ID: newUUID(), ClientID: clientID, Language: language, Space: space,
		Created: now, LastUsed: now, Variables: map[string]string{}}}
	st.dialogs[d.ID] = d
	return d
}

// sweep forgets the expired dialogs.
func (st *state) sweep() {
	now := st.now()
	for id, d := range st.dialogs {
		if now.Sub(d.LastUsed) >= ContextIdleTimeout {
			delete(st.dialogs, id)
		}
	}
}

// addInteraction appends to d's history, within its bound.
func (d *dialog) addInteraction(in Interaction) {
	if len(d.Interactions) >= MaxInteractionsPerContext {
		d.Interactions = slices.Delete(d.Interactions, 0, len(d.Interactions)-MaxInteractionsPerContext+1)
	}
	d.Interactions = append(d.Interactions, in)
}

// push appends a poll event to d, dated after every earlier one.
func (st *state) push(d *dialog, values map[string]any) LivechatEvent {
	date := max(nowMS(st.now()), d.lastEventDate+1)
	d.lastEventDate = date
	ev := LivechatEvent{Date: date, Values: values}
	if len(d.events) >= MaxEventsPerContext {
		d.events = slices.Delete(d.events, 0, len(d.events)-MaxEventsPerContext+1)
	}
	d.events = append(d.events, ev)
	return ev
}

// next returns the first event of d after lastPoll.
func (d *dialog) next(lastPoll int64) (LivechatEvent, bool) {
	i, _ := slices.BinarySearchFunc(d.events, lastPoll+1, func(e LivechatEvent, t int64) int {
		switch {
		case e.Date < t:
			return -1
		case e.Date > t:
			return 1
		}
		return 0
	})
	if i == len(d.events) {
		return LivechatEvent{}, false
	}
	return d.events[i], true
}

// record appends v to a bounded record list.
func record[T any](list []T, v T) []T {
	if len(list) >= maxRecords {
		list = slices.Delete(list, 0, len(list)-maxRecords+1)
	}
	return append(list, v)
}

// snapshot copies d for a caller.
func (d *dialog) snapshot() DialogContext {
	out := d.DialogContext
	out.Variables = maps.Clone(d.Variables)
	out.Interactions = slices.Clone(d.Interactions)
	return out
}

// errUnknownContext is a helper's answer for a context that is unknown
// or expired.
func errUnknownContext(id string) error {
	return fmt.Errorf("dydutest: no live dialog context %q (unknown, or unused for %s)", id, ContextIdleTimeout)
}
