package brightpatterntest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// The mobile/web chat API, v1
// (https://help.brightpattern.com/5.2:Mobile-web-api-specification/GeneralInformation
// and the pages beside it; Postman collection
// https://documenter.getpostman.com/view/6735877/T1LHGpBY):
//   - every request carries
//     Authorization: MOBILE-API-140-327-PLAIN appId="<scenario entry id>", clientId="<UUID>";
//   - GET availability → {"chat":"available"|"notAvailable"};
//   - POST chats {"phone_number","from","parameters":{…}} →
//     {"chat_id","state","ewt","is_new_chat","phone_number"};
//   - POST chats/{chatId}/events {"events":[client events]} →
//     {"events":[new server events]};
//   - GET chats/{chatId}/events, a long poll held while there is nothing to
//     answer; a second poll of the same chat while one is held gets 400.
//
// The query parameter tenantUrl names the tenant when the request is not
// sent to the tenant's domain; the fake accepts it absent or naming its
// tenant.

const chatPrefix = "/clientweb/api/v1/"

// Server event names (https://help.brightpattern.com/5.2:Mobile-web-api-specification/ServerEvents).
const (
	EventStatus      = "chat_session_status"
	EventEnded       = "chat_session_ended"
	EventPartyJoined = "chat_session_party_joined"
	EventPartyLeft   = "chat_session_party_left"
	EventMessage     = "chat_session_message"
)

// Client event names (https://help.brightpattern.com/5.3:Mobile-web-api-specification/ClientEvents).
const (
	EventTyping     = "chat_session_typing"
	EventNotTyping  = "chat_session_not_typing"
	EventFormData   = "chat_session_form_data"
	EventEnd        = "chat_session_end"
	EventDisconnect = "chat_session_disconnect"
	EventSignaling  = "chat_session_signaling"
)

// Chat states, as chat_session_status and the start answer write them.
const (
	StateQueued     = "queued"
	StateConnecting = "connecting"
	StateConnected  = "connected"
	StateFailed     = "failed"
	StateCompleted  = "completed"
)

// Chat is what the fake knows of a chat, for assertions.
type Chat struct {
	ID          string
	AppID       string
	ClientID    string
	PhoneNumber string
	From        string
	// Parameters are the start request's parameters, each as its JSON
	// text.
	Parameters map[string]json.RawMessage
	State      string
	// Agent is the login id of the agent who joined, "" before one did.
	Agent string
	// Typing says the client's last typing event was chat_session_typing.
	Typing   bool
	Messages []ChatMessage
	// FormData holds the chat_session_form_data events, oldest first.
	FormData []json.RawMessage
	// Ended says the chat is over (either side ended it).
	Ended bool
}

// ChatMessage is one message of a chat.
type ChatMessage struct {
	MsgID string
	// PartyID is the sender's party id; "" for the client.
	PartyID string
	// Agent is the sending agent's login id; "" for the client.
	Agent string
	Text  string
	Time  time.Time
}

type chat struct {
	Chat
	seq       int // server message counter
	pending   []map[string]any
	notify    chan struct{}
	polling   bool
	agentPID  string
	createdAt time.Time
}

// wake releases a held poll.
func (c *chat) wake() {
	if c.notify != nil {
		close(c.notify)
		c.notify = nil
	}
}

func (c *chat) push(ev map[string]any) {
	c.pending = append(c.pending, ev)
	c.wake()
}

func (c *chat) snapshot() Chat {
	out := c.Chat
	out.Parameters = cloneMap(c.Parameters)
	out.Messages = slices.Clone(c.Messages)
	out.FormData = slices.Clone(c.FormData)
	return out
}

// chatAuth is the parsed Authorization header of the chat API.
type chatAuth struct{ appID, clientID string }

// chatAuthorized checks the chat API's Authorization header and tenantUrl;
// it answers 401 and reports false when they do not pass.
func (s *Server) chatAuthorized(w http.ResponseWriter, r *http.Request) (chatAuth, bool) {
	if t := r.URL.Query().Get("tenantUrl"); t != "" && !sameTenant(t, s.TenantURL) {
		writeChatError(w, http.StatusUnauthorized, errUnknownTenant, "unknown tenantUrl")
		return chatAuth{}, false
	}
	a, err := parseMobileAuth(r.Header.Get("Authorization"))
	if err != nil {
		writeChatError(w, http.StatusUnauthorized, errUnauthorized, err.Error())
		return chatAuth{}, false
	}
	if a.appID != s.AppID {
		writeChatError(w, http.StatusUnauthorized, errUnauthorized, "unknown appId")
		return chatAuth{}, false
	}
	return a, true
}

// chatRequest authorizes a chat API request, reads its body and decodes
// it; it answers (400 with decode's error) and reports false when any of
// them fails.
func chatRequest[T any](s *Server, w http.ResponseWriter, r *http.Request, decode func([]byte) (T, error)) (chatAuth, T, bool) {
	var req T
	a, ok := s.chatAuthorized(w, r)
	if !ok {
		return a, req, false
	}
	body, ok := readBody(w, r)
	if !ok {
		return a, req, false
	}
	req, err := decode(body)
	if err != nil {
		writeChatError(w, http.StatusBadRequest, errBadRequest, err.Error())
		return a, req, false
	}
	return a, req, true
}

// mobileScheme is the chat API's authorization scheme.
const mobileScheme = "MOBILE-API-140-327-PLAIN"

// parseMobileAuth reads `MOBILE-API-140-327-PLAIN appId="…", clientId="…"`.
// Both parameters are required and non-empty; their order is free.
func parseMobileAuth(h string) (chatAuth, error) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if scheme != mobileScheme {
		return chatAuth{}, fmt.Errorf("the Authorization scheme must be %s", mobileScheme)
	}
	var a chatAuth
	for part := range strings.SplitSeq(rest, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
			return chatAuth{}, errors.New(`the Authorization parameters must be name="value"`)
		}
		val = val[1 : len(val)-1]
		switch strings.TrimSpace(name) {
		case "appId":
			a.appID = val
		case "clientId":
			a.clientID = val
		}
	}
	if a.appID == "" || a.clientID == "" {
		return chatAuth{}, errors.New("the Authorization header needs appId and clientId")
	}
	return a, nil
}

func (s *Server) availability(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.chatAuthorized(w, r); !ok {
		return
	}
	s.mu.Lock()
	avail := s.available
	s.mu.Unlock()
	state := "notAvailable"
	if avail {
		state = "available"
	}
	writeJSON(w, http.StatusOK, map[string]string{"chat": state})
}

// startRequest is the body of POST chats.
type startRequest struct {
	PhoneNumber *string                    `json:"phone_number"`
	From        *string                    `json:"from"`
	Parameters  map[string]json.RawMessage `json:"parameters"`
}

type startResponse struct {
	ChatID      string `json:"chat_id"`
	State       string `json:"state"`
	EWT         any    `json:"ewt"`
	IsNewChat   bool   `json:"is_new_chat"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// decodeStart decodes a start request body (fuzzed by FuzzDecodeStart).
func decodeStart(body []byte) (startRequest, error) {
	var req startRequest
	if len(body) == 0 {
		return req, nil // every member is optional
	}
	if err := fakeserver.DecodeJSON(body, &req); err != nil {
		return req, fmt.Errorf("the body is not a JSON object: %v", err)
	}
	return req, nil
}

func (s *Server) startChat(w http.ResponseWriter, r *http.Request) {
	a, req, ok := chatRequest(s, w, r, decodeStart)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := a.appID + "\x00" + a.clientID
	if id, ok := s.active[key]; ok && reuseActiveChat() {
		c := s.chats[id]
		writeJSON(w, http.StatusOK, startResponse{ChatID: c.ID, State: c.State, EWT: ewt(0), IsNewChat: false, PhoneNumber: c.PhoneNumber})
		return
	}
	c := &chat{createdAt: s.now()}
	c.ID, c.AppID, c.ClientID, c.State = newChatID(), a.appID, a.clientID, StateQueued
	if req.PhoneNumber != nil {
		c.PhoneNumber = *req.PhoneNumber
	}
	if req.From != nil {
		c.From = *req.From
	}
	c.Parameters = cloneMap(req.Parameters)
	c.push(map[string]any{eventKey: EventStatus, "state": StateQueued, "ewt": ewt(0)})
	s.chats[c.ID] = c
	s.active[key] = c.ID
	writeJSON(w, http.StatusOK, startResponse{ChatID: c.ID, State: c.State, EWT: ewt(0), IsNewChat: true, PhoneNumber: c.PhoneNumber})
}

// eventsBody is the body of POST chats/{id}/events.
type eventsBody struct {
	Events []json.RawMessage `json:"events"`
}

// clientEvent holds the members of client events the fake reads.
type clientEvent struct {
	Event         string          `json:"event"`
	MsgID         string          `json:"msg_id"`
	Msg           *string         `json:"msg"`
	FormRequestID string          `json:"form_request_id"`
	FormName      string          `json:"form_name"`
	Data          json.RawMessage `json:"data"`
}

// decodeClientEvents decodes and checks a POST events body: an object
// whose "events" is an array of objects, each naming a known client event
// and carrying what it needs.
func decodeClientEvents(body []byte) ([]clientEvent, error) {
	var b eventsBody
	if err := fakeserver.DecodeJSON(body, &b); err != nil {
		return nil, fmt.Errorf("the body is not a JSON object: %v", err)
	}
	if b.Events == nil {
		return nil, errors.New(`the body needs an "events" array`)
	}
	out := make([]clientEvent, 0, len(b.Events))
	for i, raw := range b.Events {
		var ev clientEvent
		if err := fakeserver.DecodeJSON(raw, &ev); err != nil {
			return nil, fmt.Errorf("events[%d] is not an object: %v", i, err)
		}
		switch ev.Event {
		case EventMessage:
			if ev.Msg == nil || *ev.Msg == "" {
				return nil, fmt.Errorf("events[%d]: %s needs a msg", i, EventMessage)
			}
		case EventTyping, EventNotTyping, EventEnd, EventDisconnect, EventSignaling:
		case EventFormData:
			if ev.FormRequestID == "" {
				return nil, fmt.Errorf("events[%d]: %s needs a form_request_id", i, EventFormData)
			}
		case "":
			return nil, fmt.Errorf("events[%d] names no event", i)
		default:
			return nil, fmt.Errorf("events[%d]: unknown event %q", i, ev.Event)
		}
		out = append(out, ev)
	}
	return out, nil
}

// chatFor returns the chat of the path owned by a, or answers 404.
func (s *Server) chatFor(w http.ResponseWriter, r *http.Request, a chatAuth) (*chat, bool) {
	c, ok := s.chats[r.PathValue("chatId")]
	if !ok || c.AppID != a.appID || c.ClientID != a.clientID {
		writeChatError(w, http.StatusNotFound, errNotFound, "chat not found")
		return nil, false
	}
	return c, true
}

func (s *Server) sendEvents(w http.ResponseWriter, r *http.Request) {
	a, evs, ok := chatRequest(s, w, r, decodeClientEvents)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chatFor(w, r, a)
	if !ok {
		return
	}
	if c.Ended && len(evs) > 0 {
		writeChatError(w, http.StatusBadRequest, errChatEnded, "the chat has ended")
		return
	}
	now := s.now()
	for _, ev := range evs {
		switch ev.Event {
		case EventMessage:
			c.Messages = append(c.Messages, ChatMessage{MsgID: ev.MsgID, Text: *ev.Msg, Time: now})
		case EventTyping:
			c.Typing = true
		case EventNotTyping:
			c.Typing = false
		case EventFormData:
			raw, _ := json.Marshal(map[string]any{"form_request_id": ev.FormRequestID, "form_name": ev.FormName, "data": ev.Data})
			c.FormData = append(c.FormData, raw)
		case EventEnd, EventDisconnect:
			s.endChat(c)
		}
	}
	out := c.pending
	c.pending = nil
	writeJSON(w, http.StatusOK, map[string]any{"events": nonNil(out)})
}

func nonNil(evs []map[string]any) []map[string]any {
	if evs == nil {
		return []map[string]any{}
	}
	return evs
}

// endChat ends c and queues chat_session_ended; s.mu is held.
func (s *Server) endChat(c *chat) {
	if c.Ended {
		return
	}
	c.Ended, c.State = true, StateCompleted
	delete(s.active, c.AppID+"\x00"+c.ClientID)
	c.push(map[string]any{eventKey: EventEnded})
}

func (s *Server) pollEvents(w http.ResponseWriter, r *http.Request) {
	a, ok := s.chatAuthorized(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	c, ok := s.chatFor(w, r, a)
	if !ok {
		s.mu.Unlock()
		return
	}
	if c.polling {
		s.mu.Unlock()
		writeChatError(w, http.StatusBadRequest, errConcurrentPoll, "another request is already polling this chat's events")
		return
	}
	if len(c.pending) == 0 && !c.Ended {
		c.polling = true
		if c.notify == nil {
			c.notify = make(chan struct{})
		}
		notify := c.notify
		s.mu.Unlock()
		s.hold(r.Context(), notify)
		s.mu.Lock()
		c.polling = false
	}
	out := c.pending
	c.pending = nil
	s.mu.Unlock()
	if r.Context().Err() != nil {
		// The client went: keep nothing back from it that it did not get.
		s.mu.Lock()
		c.pending = append(out, c.pending...)
		s.mu.Unlock()
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": nonNil(out)})
}

// hold waits until notify closes, the hold passes or ctx ends.
func (s *Server) hold(ctx context.Context, notify <-chan struct{}) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		_ = s.cfg.pollWait(ctx, s.cfg.pollHold)
		close(done)
	}()
	select {
	case <-notify:
	case <-done:
	case <-ctx.Done():
	}
}

// Chat returns a snapshot of the chat with id.
func (s *Server) Chat(id string) (Chat, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[id]
	if !ok {
		return Chat{}, false
	}
	return c.snapshot(), true
}

// Polling reports whether a long poll of the chat's events is being held.
func (s *Server) Polling(chatID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[chatID]
	return ok && c.polling
}

// ErrNoChat is returned for a chat id the fake does not know.
var ErrNoChat = errors.New("brightpatterntest: no such chat")

// ErrChatEnded is returned for an agent action on a chat that has ended.
var ErrChatEnded = errors.New("brightpatterntest: the chat has ended")

// ErrNoUser is returned for an agent login id the fake does not know.
var ErrNoUser = errors.New("brightpatterntest: no such user")

// AgentJoin delivers the chat to the agent with loginID, as routing does:
// the client gets chat_session_party_joined (type "internal") and
// chat_session_status "connected".
func (s *Server) AgentJoin(chatID, loginID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.agentJoin(chatID, loginID)
}

func (s *Server) agentJoin(chatID, loginID string) error {
	c, ok := s.chats[chatID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoChat, chatID)
	}
	u, ok := s.users[loginID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoUser, loginID)
	}
	if c.Ended {
		return ErrChatEnded
	}
	if c.Agent == loginID {
		return nil
	}
	c.Agent, c.agentPID, c.State = loginID, newPartyID(), StateConnected
	ev := map[string]any{eventKey: EventPartyJoined, "party_id": c.agentPID, "type": "internal", "timestamp": s.now().UnixMilli()}
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if u.FirstName != "" {
		ev["first_name"] = u.FirstName
	}
	if u.LastName != "" {
		ev["last_name"] = u.LastName
	}
	if name == "" {
		name = u.LoginID
	}
	ev["display_name"] = name
	c.push(ev)
	c.push(map[string]any{eventKey: EventStatus, "state": StateConnected})
	return nil
}

// AgentSay posts text from the chat's agent to the client, as a
// chat_session_message server event.
func (s *Server) AgentSay(chatID, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[chatID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoChat, chatID)
	}
	if c.Ended {
		return ErrChatEnded
	}
	if c.Agent == "" {
		return errors.New("brightpatterntest: AgentSay: no agent has joined the chat")
	}
	if text == "" {
		return errors.New("brightpatterntest: AgentSay: empty message")
	}
	c.seq++
	id := fmt.Sprintf("%s:%d", c.ID, c.seq)
	now := s.now()
	c.Messages = append(c.Messages, ChatMessage{MsgID: id, PartyID: c.agentPID, Agent: c.Agent, Text: text, Time: now})
	c.push(map[string]any{eventKey: EventMessage, "msg_id": id, "party_id": c.agentPID, "msg": text, "timestamp": now.UnixMilli()})
	return nil
}

// AgentEnd ends the chat from the agent's side: the client gets
// chat_session_party_left, then chat_session_ended.
func (s *Server) AgentEnd(chatID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[chatID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoChat, chatID)
	}
	if c.Ended {
		return ErrChatEnded
	}
	if c.agentPID != "" {
		c.push(map[string]any{eventKey: EventPartyLeft, "party_id": c.agentPID, "timestamp": s.now().UnixMilli()})
	}
	s.endChat(c)
	return nil
}
