package cxone

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// SessionsService drives agent sessions: the Agent API's /agent-sessions
// (https://developer.niceincontact.com/API/AgentAPI), at v23.0 as the SDK
// calls it. A session is what a back end needs to read an agent's event
// stream (get-next-event), one long poll per agent: start one for an
// agent, or join the one the agent already has.
type SessionsService service

// SessionStart is what POST /agent-sessions takes.
type SessionStart struct {
	// StationID (required) or StationPhoneNumber name the agent's phone.
	StationID          string `json:"stationId,omitempty"`
	StationPhoneNumber string `json:"stationPhoneNumber,omitempty"`
	// InactivityTimeout is in seconds; InactivityForceLogout logs the
	// agent out when it passes.
	InactivityTimeout     int  `json:"inactivityTimeout,omitempty"`
	InactivityForceLogout bool `json:"inactivityForceLogout,omitempty"`
	// AsAgentID starts the session for another agent.
	AsAgentID int64 `json:"asAgentId,omitempty"`
}

// sessionAnswer is POST /agent-sessions' and …/join's answer.
type sessionAnswer struct {
	SessionID string `json:"sessionId"`
}

// Start opens a session: POST /agent-sessions. It returns the session id.
func (s *SessionsService) Start(ctx context.Context, req *SessionStart) (string, error) {
	if req == nil || strings.TrimSpace(req.StationID) == "" && strings.TrimSpace(req.StationPhoneNumber) == "" {
		return "", invalidf("a session needs a station id or a station phone number")
	}
	if req.InactivityTimeout < 0 {
		return "", invalidf("inactivity timeout %d is negative", req.InactivityTimeout)
	}
	return s.open(ctx, apiPath(v23, "/agent-sessions"), req)
}

// Join attaches to the session the agent asAgentID already has open (in
// CXone Agent, say): POST /agent-sessions/join. It returns the session id.
func (s *SessionsService) Join(ctx context.Context, asAgentID int64) (string, error) {
	if err := checkID("agent", asAgentID); err != nil {
		return "", err
	}
	return s.open(ctx, apiPath(v23, "/agent-sessions/join"), map[string]int64{"asAgentId": asAgentID})
}

func (s *SessionsService) open(ctx context.Context, path string, body any) (string, error) {
	rc, err := s.client.api(ctx)
	if err != nil {
		return "", err
	}
	a, err := rest.Send[sessionAnswer](ctx, rc, sessionRequest(path, body), "")
	if err != nil {
		return "", err
	}
	if a.SessionID == "" {
		return "", errors.New("cxone: POST " + path + ": the answer has no sessionId")
	}
	return a.SessionID, nil
}

// EndSessionOptions are the query of DELETE /agent-sessions/{sessionId}.
type EndSessionOptions struct {
	ForceLogoff         bool `url:"forceLogoff,omitempty"`
	EndContacts         bool `url:"endContacts,omitempty"`
	IgnorePersonalQueue bool `url:"ignorePersonalQueue,omitempty"`
}

// End closes a session: DELETE /agent-sessions/{sessionId}.
func (s *SessionsService) End(ctx context.Context, sessionID string, opts *EndSessionOptions) error {
	if err := checkSession(sessionID); err != nil {
		return err
	}
	rc, err := s.client.api(ctx)
	if err != nil {
		return err
	}
	req := &rest.Request{Method: http.MethodDelete, Path: apiPath(v23, "/agent-sessions/%s", sessionID)}
	if opts != nil {
		req.Query = opts
	}
	_, err = rc.Do(ctx, req, nil)
	return err
}

// Long-poll bounds of [SessionsService.NextEvent].
const (
	// DefaultEventTimeout is the wait asked for when none is given.
	DefaultEventTimeout = 30 * time.Second
	// MaxEventTimeout is the longest wait: the SDK's 60 s. The client's
	// own HTTP client times an attempt out after 60 s too; give
	// WithHTTPClient a longer Timeout to wait this long.
	MaxEventTimeout = 60 * time.Second
)

// EventBatch is what one get-next-event returns: the session's events,
// none when the wait ended without any (304).
type EventBatch struct {
	SessionID string  `json:"sessionId,omitempty"`
	Events    []Event `json:"events"`
}

// NextEvent waits up to timeout (whole seconds, 1 s to MaxEventTimeout; 0
// means DefaultEventTimeout) for the session's next events: GET
// /agent-sessions/{sessionId}/get-next-event?timeout=N. CXone answers 200
// with events, or 304 when none came within the timeout, which returns an
// empty batch and no error.
func (s *SessionsService) NextEvent(ctx context.Context, sessionID string, timeout time.Duration) (*EventBatch, error) {
	if err := checkSession(sessionID); err != nil {
		return nil, err
	}
	if timeout == 0 {
		timeout = DefaultEventTimeout
	}
	secs := int(timeout / time.Second)
	if timeout%time.Second != 0 || secs < 1 || timeout > MaxEventTimeout {
		return nil, invalidf("event timeout %s is not a whole number of seconds from 1s to %s", timeout, MaxEventTimeout)
	}
	rc, err := s.client.api(ctx)
	if err != nil {
		return nil, err
	}
	var b EventBatch
	_, err = rc.Do(ctx, &rest.Request{
		Path:  apiPath(v23, "/agent-sessions/%s/get-next-event", sessionID),
		Query: url.Values{"timeout": {strconv.Itoa(secs)}},
	}, &b)
	var e *Error
	if errors.As(err, &e) && e.StatusCode == http.StatusNotModified {
		return &EventBatch{SessionID: sessionID, Events: []Event{}}, nil
	}
	if err != nil {
		return nil, err
	}
	if b.Events == nil {
		b.Events = []Event{}
	}
	return &b, nil
}

// Events long-polls the session's events until the caller breaks or an
// error ends it (yielded once). Each poll waits up to timeout, as
// [SessionsService.NextEvent].
func (s *SessionsService) Events(ctx context.Context, sessionID string, timeout time.Duration) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			b, err := s.NextEvent(ctx, sessionID, timeout)
			if err != nil {
				yield(Event{}, err)
				return
			}
			for _, ev := range b.Events {
				if !yield(ev, nil) {
					return
				}
			}
			if ctx.Err() != nil {
				yield(Event{}, ctx.Err())
				return
			}
		}
	}
}

// Agent states of [SessionsService.SetState].
const (
	StateAvailable   = "Available"
	StateUnavailable = "Unavailable"
)

// SetState sets the session's agent Available, or Unavailable with the
// name of an unavailable code as reason: POST
// /agent-sessions/{sessionId}/state?state=…&reason=….
func (s *SessionsService) SetState(ctx context.Context, sessionID, state, reason string) error {
	if err := checkSession(sessionID); err != nil {
		return err
	}
	if state != StateAvailable && state != StateUnavailable {
		return invalidf("state %q is not %s or %s", state, StateAvailable, StateUnavailable)
	}
	q := url.Values{"state": {state}}
	if reason != "" {
		q.Set("reason", reason)
	}
	rc, err := s.client.api(ctx)
	if err != nil {
		return err
	}
	_, err = rc.Do(ctx, &rest.Request{Method: http.MethodPost, Path: apiPath(v23, "/agent-sessions/%s/state", sessionID), Query: q, Idempotent: true}, nil)
	return err
}

// DispositionRequest is what POST
// /agent-sessions/{sessionId}/interactions/{contactId}/disposition takes.
type DispositionRequest struct {
	PrimaryDispositionID    int64  `json:"primaryDispositionId"`
	PrimaryDispositionNotes string `json:"primaryDispositionNotes,omitempty"`
	PrimaryCallbackTime     string `json:"primaryCallbackTime,omitempty"`
	PrimaryCallbackNumber   string `json:"primaryCallbackNumber,omitempty"`
	SecondaryDispositionID  int64  `json:"secondaryDispositionId,omitempty"`
}

// Disposition gives a contact the session's agent handles its
// disposition, with notes.
func (s *SessionsService) Disposition(ctx context.Context, sessionID string, contactID int64, req *DispositionRequest) error {
	if err := checkSession(sessionID); err != nil {
		return err
	}
	if err := checkID("contact", contactID); err != nil {
		return err
	}
	if req == nil {
		return invalidf("no disposition given")
	}
	if err := checkID("disposition", req.PrimaryDispositionID); err != nil {
		return err
	}
	rc, err := s.client.api(ctx)
	if err != nil {
		return err
	}
	_, err = rc.Do(ctx, &rest.Request{Method: http.MethodPost, Path: apiPath(v23, "/agent-sessions/%s/interactions/%d/disposition", sessionID, contactID), Body: req, Idempotent: true}, nil)
	return err
}

// checkSession refuses an empty session id before anything is sent.
func checkSession(id string) error {
	if strings.TrimSpace(id) == "" {
		return invalidf("session id is empty")
	}
	return nil
}
