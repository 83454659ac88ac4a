package cxonetest

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// sessionParams are the parameters of POST /agent-sessions and …/join
// (the generated client's SessionsService).
type sessionParams struct {
	StationID             string `json:"stationId"`
	StationPhoneNumber    string `json:"stationPhoneNumber"`
	InactivityTimeout     int    `json:"inactivityTimeout"`
	InactivityForceLogout bool   `json:"inactivityForceLogout"`
	AsAgentID             int64  `json:"asAgentId"`
}

// startSession answers POST /agent-sessions: a session for the agent
// asAgentId, which logs it in (a station id or phone number is required).
// An agent already logged in gets 409.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request) {
	var p sessionParams
	if !readJSON(w, r, &p) {
		return
	}
	sessionParamsFromQuery(r, &p)
	if p.StationID == "" && p.StationPhoneNumber == "" {
		apiError(w, http.StatusBadRequest, "InvalidRequest", "stationId or stationPhoneNumber is required")
		return
	}
	if p.AsAgentID == 0 {
		noAgentForSession(w)
		return
	}
	s.mu.Lock()
	a, ok := s.agents[p.AsAgentID]
	var id string
	busy := ok && a.session != nil
	if ok && !busy {
		id = s.logIn(a).id
	}
	s.mu.Unlock()
	switch {
	case !ok:
		notFound(w, "agent", p.AsAgentID)
	case busy:
		apiError(w, http.StatusConflict, "AgentAlreadyLoggedIn", "agent "+strconv.FormatInt(p.AsAgentID, 10)+" already has a session: join it")
	default:
		writeJSON(w, sessionActionStatus, map[string]string{"sessionId": id})
	}
}

// joinSession answers POST /agent-sessions/join: a new session id that
// sees the events of the session agent asAgentId has.
func (s *Server) joinSession(w http.ResponseWriter, r *http.Request) {
	var p sessionParams
	if !readJSON(w, r, &p) {
		return
	}
	sessionParamsFromQuery(r, &p)
	if p.AsAgentID <= 0 {
		apiError(w, http.StatusBadRequest, "InvalidRequest", "asAgentId is required")
		return
	}
	s.mu.Lock()
	a, ok := s.agents[p.AsAgentID]
	var id string
	live := ok && a.session != nil
	if live {
		ss := s.newSession(a.ID, true)
		a.joined = append(a.joined, ss)
		id = ss.id
	}
	s.mu.Unlock()
	switch {
	case !ok:
		notFound(w, "agent", p.AsAgentID)
	case !live:
		notLoggedIn(w, p.AsAgentID)
	default:
		writeJSON(w, sessionActionStatus, map[string]string{"sessionId": id})
	}
}

// withSession runs fn on the live {sid} session and its agent under the
// lock; it answers 404 for an unknown session and 409 for an ended one.
func (s *Server) withSession(w http.ResponseWriter, r *http.Request, fn func(ss *session, a *agentRec) error) {
	s.mu.Lock()
	ss, ok := s.sessions[r.PathValue("sid")]
	var err error
	switch {
	case !ok:
	case ss.ended:
		err = errEnded
	default:
		err = fn(ss, s.agents[ss.agentID])
	}
	s.mu.Unlock()
	switch {
	case !ok:
		apiError(w, http.StatusNotFound, "InvalidSessionId", "no agent session has this id")
	case err == errEnded:
		apiError(w, http.StatusConflict, "SessionEnded", "the agent session has ended")
	case errors.Is(err, ErrNotFound):
		apiError(w, http.StatusNotFound, "NotFound", err.Error())
	case err != nil:
		apiError(w, http.StatusConflict, "InvalidState", err.Error())
	default:
		w.WriteHeader(sessionActionStatus)
	}
}

var errEnded = errors.New("session ended")

// endSession answers DELETE /agent-sessions/{sessionId}: a joined
// session ends alone; the agent's own logs the agent out.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	s.withSession(w, r, func(ss *session, a *agentRec) error {
		if !ss.joined {
			s.logOut(a)
			return nil
		}
		ss.push(sessionEvent(eventSessionEnd, ss.id, s.now()))
		ss.ended = true
		ss.signal()
		return nil
	})
}

// getNextEvent answers GET /agent-sessions/{sessionId}/get-next-event?timeout=N:
// 200 {"sessionId", "events"} as soon as the session has events, 304
// without a body when none came within N seconds (the SDK's
// NOT_MODIFIED), 409 once the session has ended and its events were
// read.
func (s *Server) getNextEvent(w http.ResponseWriter, r *http.Request) {
	timeout := 60 * time.Second
	if v := r.URL.Query().Get("timeout"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 60*60 {
			apiError(w, http.StatusBadRequest, "InvalidParameter", "timeout "+strconv.Quote(v)+" is not a number of seconds")
			return
		}
		timeout = time.Duration(n) * time.Second
	}
	id := r.PathValue("sid")
	events, status, desc := s.nextEvents(id, timeout, r.Context().Done())
	switch status {
	case http.StatusOK:
		writeJSON(w, http.StatusOK, map[string]any{"sessionId": id, "events": events})
	case http.StatusNotModified:
		w.WriteHeader(http.StatusNotModified)
	case 0: // the client went away
	case http.StatusNotFound:
		apiError(w, status, "InvalidSessionId", desc)
	default:
		apiError(w, status, "SessionEnded", desc)
	}
}

// sessionState answers POST /agent-sessions/{sessionId}/state?state=&reason=:
// Available, or Unavailable with the name of an unavailable code.
func (s *Server) sessionState(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state, reason := q.Get("state"), q.Get("reason")
	if state != agentAvailable && state != agentUnavailable {
		apiError(w, http.StatusBadRequest, "InvalidParameter", "state must be Available or Unavailable")
		return
	}
	s.withSession(w, r, func(ss *session, a *agentRec) error {
		var code int64
		if reason != "" {
			for _, id := range s.codeOrder {
				if s.codes[id].Name == reason {
					code = id
				}
			}
			if code == 0 {
				return errors.Join(ErrNotFound, errors.New("no unavailable code is named "+strconv.Quote(reason)))
			}
		}
		return s.changeState(a, state == agentAvailable, code)
	})
}

// agentContact checks that the {id} contact is the session agent's.
func (s *Server) agentContact(w http.ResponseWriter, r *http.Request) (int64, bool) {
	return pathID(w, r, "contact")
}

func (s *Server) ownContact(a *agentRec, id int64) error {
	c, ok := s.contacts[id]
	if !ok || c.AgentID != a.ID {
		return errors.Join(ErrNotFound, errors.New("contact "+strconv.FormatInt(id, 10)+" is not one of the session's agent"))
	}
	return nil
}

// dispositionBody is POST …/interactions/{contactId}/disposition's body
// (the generated client's SessionsService).
type dispositionBody struct {
	PrimaryDispositionID    int64  `json:"primaryDispositionId"`
	PrimaryDispositionNotes string `json:"primaryDispositionNotes"`
	PrimaryCommitmentAmount any    `json:"primaryCommitmentAmount"`
	PrimaryCallbackTime     string `json:"primaryCallbackTime"`
	PrimaryCallbackNumber   string `json:"primaryCallbackNumber"`
	SecondaryDispositionID  int64  `json:"secondaryDispositionId"`
	PreviewDispositionID    int64  `json:"previewDispositionId"`
}

func (s *Server) sessionDisposition(w http.ResponseWriter, r *http.Request) {
	id, ok := s.agentContact(w, r)
	if !ok {
		return
	}
	var b dispositionBody
	if !readJSON(w, r, &b) {
		return
	}
	if b.PrimaryDispositionID <= 0 {
		apiError(w, http.StatusBadRequest, "InvalidRequest", "primaryDispositionId is required")
		return
	}
	if n := len([]rune(b.PrimaryDispositionNotes)); n > maxDispositionNotes() {
		apiError(w, http.StatusBadRequest, "InvalidRequest", "primaryDispositionNotes has "+strconv.Itoa(n)+" characters, over the limit of "+strconv.Itoa(maxDispositionNotes()))
		return
	}
	s.withSession(w, r, func(ss *session, a *agentRec) error {
		if err := s.ownContact(a, id); err != nil {
			return err
		}
		return s.disposition(id, b.PrimaryDispositionID, b.PrimaryDispositionNotes)
	})
}

// sessionCustomData answers POST
// …/interactions/{contactId}/custom-data?indicatorName=&data=.
func (s *Server) sessionCustomData(w http.ResponseWriter, r *http.Request) {
	id, ok := s.agentContact(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	name, data := q.Get("indicatorName"), q.Get("data")
	if name == "" {
		apiError(w, http.StatusBadRequest, "InvalidParameter", "indicatorName is required")
		return
	}
	s.withSession(w, r, func(ss *session, a *agentRec) error {
		if err := s.ownContact(a, id); err != nil {
			return err
		}
		return s.setCustomData(id, name, data)
	})
}

// sessionEnd answers POST …/interactions/{contactId}/end: the agent ends
// the contact.
func (s *Server) sessionEnd(w http.ResponseWriter, r *http.Request) {
	id, ok := s.agentContact(w, r)
	if !ok {
		return
	}
	s.withSession(w, r, func(ss *session, a *agentRec) error {
		if err := s.ownContact(a, id); err != nil {
			return err
		}
		return s.endContact(id, false)
	})
}
