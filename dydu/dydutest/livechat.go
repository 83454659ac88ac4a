package dydutest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Operator is a livechat operator, as the poll answers and the history
// name them.
type Operator struct {
	Name       string
	LastName   string
	Mail       string
	ExternalID string
}

func (op Operator) displayName() string {
	n := strings.TrimSpace(op.Name + " " + op.LastName)
	if n == "" {
		return "Operator"
	}
	return n
}

// EndReason says how a livechat ends (see [Server.EndLivechat]).
type EndReason int

// The ends of a livechat the chatbox knows.
const (
	// EndByOperator: typeResponse "OPLiveChatEndByOperator".
	EndByOperator EndReason = iota
	// EndAutoClose: typeResponse "NAAutoCloseDialog" (the dialog idled).
	EndAutoClose
	// EndUserLeft: typeResponse "NAAutoCloseDialogBecauseUserLeft".
	EndUserLeft
)

// These helpers play the operator side of Dydu's livechat (or let a
// bridge inject what its agents do): each adds an answer that the poll
// endpoint, chat/poll/last, serves after the lastPoll a chatbox sends.
// They act on the shared state, so any server of a cluster serves them.

// withLive runs f on the live dialog id under the lock; f may refuse.
func (s *Server) withLive(id string, need bool, f func(d *dialog) error) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	d := st.lookup(id, false)
	if d == nil {
		return errUnknownContext(id)
	}
	if need && d.Livechat == LivechatNone {
		return fmt.Errorf("dydutest: dialog %q is not in the livechat: the bot has not escalated it", id)
	}
	return f(d)
}

// OperatorMessage makes op say text to the user of dialog id: a poll
// answer with text and fromDetail, and a history interaction. It returns
// the answer's pollUpdatedInteractionDate. The dialog must be in the
// livechat; a queued one is connected to op first.
func (s *Server) OperatorMessage(id string, op Operator, text string) (int64, error) {
	var date int64
	err := s.withLive(id, true, func(d *dialog) error {
		if strings.TrimSpace(text) == "" {
			return fmt.Errorf("dydutest: an operator message needs text")
		}
		if d.Livechat == LivechatQueued {
			s.st.push(d, acceptValues(op))
			d.Livechat = LivechatConnected
		}
		date = s.st.push(d, operatorMessageValues(op, text)).Date
		o := op
		d.addInteraction(Interaction{Text: text, Operator: &o, Livechat: true, Time: s.st.now()})
		d.Read = false
		return nil
	})
	return date, err
}

// OperatorTyping tells the user of dialog id that the operator is
// writing (notification code "OperatorWritingStatus").
func (s *Server) OperatorTyping(id string) (int64, error) {
	return s.Notify(id, "OperatorWritingStatus", "")
}

// Notify adds a livechat notification with code (one of Dydu's
// LIVECHAT_NOTIFICATION codes, such as "OperatorBusy") and an optional
// text.
func (s *Server) Notify(id, code, text string) (int64, error) {
	if code == "" {
		return 0, fmt.Errorf("dydutest: a notification needs a code")
	}
	v := map[string]any{"code": code}
	setIf(v, "text", text)
	return s.PushEvent(id, v)
}

// UpdateQueue tells the user of a queued dialog its new place and wait.
func (s *Server) UpdateQueue(id string, position int, wait time.Duration) (int64, error) {
	var date int64
	err := s.withLive(id, true, func(d *dialog) error {
		if d.Livechat != LivechatQueued {
			return fmt.Errorf("dydutest: dialog %q is not waiting in the queue", id)
		}
		date = s.st.push(d, queueValues(position, wait)).Date
		return nil
	})
	return date, err
}

// AcceptEscalation connects a queued dialog to op.
func (s *Server) AcceptEscalation(id string, op Operator) (int64, error) {
	var date int64
	err := s.withLive(id, true, func(d *dialog) error {
		if d.Livechat != LivechatQueued {
			return fmt.Errorf("dydutest: dialog %q is not waiting in the queue", id)
		}
		d.Livechat = LivechatConnected
		date = s.st.push(d, acceptValues(op)).Date
		return nil
	})
	return date, err
}

// EndLivechat ends the livechat of dialog id for reason, with an
// optional text for the user: the poll serves the end, and the bot
// answers the dialog's next talk again.
func (s *Server) EndLivechat(id string, reason EndReason, text string) (int64, error) {
	var date int64
	err := s.withLive(id, true, func(d *dialog) error {
		v := endValues(reason, text)
		date = s.st.push(d, v).Date
		d.Livechat = LivechatNone
		d.addInteraction(Interaction{Text: text, TypeResponse: v["typeResponse"].(string), Livechat: true, Time: s.st.now()})
		return nil
	})
	return date, err
}

// PushEvent adds a poll answer with values as given (strings are
// base64-encoded on the wire; nested maps must be map[string]any and
// lists []any), for a signal the other helpers do not make. The dialog
// need not be in the livechat.
func (s *Server) PushEvent(id string, values map[string]any) (int64, error) {
	var date int64
	err := s.withLive(id, false, func(d *dialog) error {
		date = s.st.push(d, maps.Clone(values)).Date
		return nil
	})
	return date, err
}

// LivechatEvents returns what the poll endpoint serves for dialog id, in
// order (nil for an unknown dialog).
func (s *Server) LivechatEvents(id string) []LivechatEvent {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if d := s.st.dialogs[id]; d != nil {
		return slices.Clone(d.events)
	}
	return nil
}

// UserMessages returns what the user of dialog id said while the
// livechat had it: what the operator reads.
func (s *Server) UserMessages(id string) []LivechatMessage {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if d := s.st.dialogs[id]; d != nil {
		return slices.Clone(d.userMessages)
	}
	return nil
}

// SetQueue sends the next escalations to the waiting queue at position
// (with the estimated wait) instead of to a free operator; position 0
// makes operators free again. [Server.AcceptEscalation] or an operator
// message takes a queued dialog.
func (s *Server) SetQueue(position int, wait time.Duration) {
	s.st.mu.Lock()
	s.st.queuePos, s.st.queueWait = max(position, 0), wait
	s.st.mu.Unlock()
}

// Escalations returns the escalations so far, oldest first (the newest
// 10,000).
func (s *Server) Escalations() []Escalation {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return slices.Clone(s.st.escalations)
}

// Context returns a snapshot of dialog context id; false when it is
// unknown or has expired (an expired one is forgotten).
func (s *Server) Context(id string) (DialogContext, bool) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	d := s.st.lookup(id, false)
	if d == nil {
		return DialogContext{}, false
	}
	return d.snapshot(), true
}

// ContextCount returns how many dialog contexts the server holds, the
// expired ones not yet forgotten included.
func (s *Server) ContextCount() int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return len(s.st.dialogs)
}

// Truncations returns every userInput the server cut to its first 600
// characters, oldest first: what a client that sends them loses without
// being told.
func (s *Server) Truncations() []Truncation {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return slices.Clone(s.st.truncations)
}

// Feedbacks returns the feedback requests, oldest first.
func (s *Server) Feedbacks() []Feedback {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return slices.Clone(s.st.feedbacks)
}

// GDPRRequests returns the GDPR requests, oldest first.
func (s *Server) GDPRRequests() []GDPRRequest {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return slices.Clone(s.st.gdpr)
}

// AddSkill adds a skill (competency) and its context condition; adding
// an existing name returns it.
func (s *Server) AddSkill(name string) (Skill, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return s.st.bot.addSkill(name)
}

// Skills returns the bot's skills, in the order added.
func (s *Server) Skills() []Skill {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]Skill, 0, len(s.st.bot.skillList))
	for _, n := range s.st.bot.skillList {
		out = append(out, *s.st.bot.skills[n])
	}
	return out
}

// AddKnowledge adds k to the bot and returns its knowledgeId. A
// knowledge needs an answer, questions (unless it is the welcome) and,
// when it names a skill, a skill added first.
func (s *Server) AddKnowledge(k Knowledge) (int, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return s.st.bot.addKnowledge(k)
}

// Knowledge returns the knowledge with knowledgeId id.
func (s *Server) Knowledge(id int) (Knowledge, bool) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	k := s.st.bot.knowledge[id]
	if k == nil {
		return Knowledge{}, false
	}
	out := *k
	out.Questions = slices.Clone(k.Questions)
	return out, true
}
