package cxonetest

import (
	"fmt"
	"time"
)

// session is an agent session: the agent's own (LogIn, POST
// /agent-sessions) or one joined to it (POST /agent-sessions/join). Each
// has its own event queue, read by get-next-event.
type session struct {
	id      string
	agentID int64
	joined  bool
	ended   bool
	queue   []map[string]any
	wake    chan struct{} // closed when an event is queued or the session ends
	polling bool
}

// maxQueuedEvents bounds a session's queue; the oldest events go first.
const maxQueuedEvents = 1000

func (s *Server) newSession(agentID int64, joined bool) *session {
	ss := &session{id: newUUID(), agentID: agentID, joined: joined, wake: make(chan struct{})}
	s.sessions[ss.id] = ss
	return ss
}

// push queues ev on the session and wakes its poll.
func (ss *session) push(ev map[string]any) {
	if ss.ended {
		return
	}
	if len(ss.queue) >= maxQueuedEvents {
		ss.queue = ss.queue[1:]
	}
	ss.queue = append(ss.queue, ev)
	ss.signal()
}

func (ss *session) signal() {
	close(ss.wake)
	ss.wake = make(chan struct{})
}

// agentSessions returns the live sessions that see agent a's events.
func (s *Server) agentSessions(a *agentRec) []*session {
	if a.session == nil {
		return nil
	}
	out := []*session{a.session}
	for _, ss := range a.joined {
		if !ss.ended {
			out = append(out, ss)
		}
	}
	return out
}

// emit queues ev on every session of agent a.
func (s *Server) emit(a *agentRec, ev map[string]any) {
	for _, ss := range s.agentSessions(a) {
		ss.push(ev)
	}
}

// emitContact queues the contact event of c's state on a's sessions.
func (s *Server) emitContact(a *agentRec, c *Contact, status string, final bool) {
	s.emit(a, contactEvent(c, s.skills[c.SkillID], status, final, s.now()))
}

// LogIn logs an agent in, as if the agent opened CXone Agent: the agent
// gets a session of its own (whose id is returned), becomes Available, and
// may then be joined (POST /agent-sessions/join) and given contacts.
func (s *Server) LogIn(agentID int64) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[agentID]
	if !ok {
		return "", fmt.Errorf("%w: agent %d", ErrNotFound, agentID)
	}
	if a.session != nil {
		return a.session.id, nil
	}
	return s.logIn(a).id, nil
}

func (s *Server) logIn(a *agentRec) *session {
	a.session = s.newSession(a.ID, false)
	a.loginAt = s.now()
	a.session.push(sessionEvent(eventSessionStart, a.session.id, a.loginAt))
	s.setAgentState(a, agentAvailable, 0)
	return a.session
}

// LogOut ends an agent's session and every session joined to it; they
// get AgentSessionEnd and the agent is LoggedOut. A contact it handles is
// left as it is.
func (s *Server) LogOut(agentID int64) error {
	return known(s, s.agents, "agent", agentID, func(a *agentRec) error {
		s.logOut(a)
		return nil
	})
}

func (s *Server) logOut(a *agentRec) {
	if a.session == nil {
		return
	}
	now := s.now()
	for _, ss := range s.agentSessions(a) {
		ss.push(sessionEvent(eventSessionEnd, ss.id, now))
		ss.ended = true
		ss.signal()
	}
	a.session, a.joined = nil, nil
	a.state, a.stateSince, a.outCode, a.lastUpdated = agentLoggedOut, now, 0, now
}

// SetAgentState sets a logged-in agent Available, or Unavailable with an
// unavailable code (0 for none), as the agent would in CXone Agent. An
// agent in after-call work ends it: its contact closes.
func (s *Server) SetAgentState(agentID int64, available bool, codeID int64) error {
	return known(s, s.agents, "agent", agentID, func(a *agentRec) error {
		return s.changeState(a, available, codeID)
	})
}

func (s *Server) changeState(a *agentRec, available bool, codeID int64) error {
	if a.session == nil {
		return fmt.Errorf("%w: agent %d is logged out", ErrState, a.ID)
	}
	if codeID != 0 {
		if _, ok := s.codes[codeID]; !ok {
			return fmt.Errorf("%w: unavailable code %d", ErrNotFound, codeID)
		}
	}
	if c, ok := s.contacts[a.contactID]; ok {
		if c.Phase != PhaseACW {
			return fmt.Errorf("%w: agent %d is on contact %d", ErrState, a.ID, c.ID)
		}
		s.close(c, a)
	}
	if available {
		s.setAgentState(a, agentAvailable, 0)
	} else {
		s.setAgentState(a, agentUnavailable, codeID)
	}
	return nil
}

// setAgentState records a's new state and sends AgentState to its
// sessions.
func (s *Server) setAgentState(a *agentRec, state string, code int64) {
	now := s.now()
	a.state, a.stateSince, a.outCode, a.lastUpdated = state, now, code, now
	reason := ""
	if c, ok := s.codes[code]; ok {
		reason = c.Name
	}
	s.emit(a, agentStateEvent(state, reason, now))
}

// AgentState returns an agent's state name (LoggedOut, Available,
// Unavailable, InboundContact…) and the unavailable code's id.
func (s *Server) AgentState(agentID int64) (state string, codeID int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[agentID]
	if !ok {
		return "", 0, false
	}
	return a.state, a.outCode, true
}

// nextEvents waits up to timeout for ss's events and takes them; ok is
// false when the session is unknown, ended false when it is live.
func (s *Server) nextEvents(id string, timeout time.Duration, done <-chan struct{}) (events []map[string]any, status int, desc string) {
	s.mu.Lock()
	ss, ok := s.sessions[id]
	if !ok {
		s.mu.Unlock()
		return nil, 404, "no agent session has this id"
	}
	var timer <-chan time.Time
	for {
		if len(ss.queue) > 0 {
			events, ss.queue = ss.queue, nil
			s.mu.Unlock()
			return events, 200, ""
		}
		if ss.ended {
			s.mu.Unlock()
			return nil, 409, "the agent session has ended"
		}
		wake := ss.wake
		ss.polling = true
		s.mu.Unlock()
		if timer == nil {
			timer = s.cfg.after(timeout)
		}
		select {
		case <-wake:
		case <-timer:
			s.setPolling(ss, false)
			return nil, 304, ""
		case <-done:
			s.setPolling(ss, false)
			return nil, 0, ""
		}
		s.mu.Lock()
		ss.polling = false
	}
}

func (s *Server) setPolling(ss *session, v bool) {
	s.mu.Lock()
	ss.polling = v
	s.mu.Unlock()
}

// Polling reports whether a get-next-event of the session is waiting, so
// that a test can act once the poll holds.
func (s *Server) Polling(sessionID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[sessionID]
	return ok && ss.polling
}
