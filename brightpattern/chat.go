package brightpattern

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// ChatService is the mobile/web chat API, v1
// (https://help.brightpattern.com/5.2:Mobile-web-api-specification/GeneralInformation):
// a digital interaction seen from the customer's side. [ChatService.Start]
// opens a chat, [ChatService.Send] sends client events (messages, typing,
// the end), and [ChatService.Poll] long-polls the server events (status,
// the agent joining, the agent's messages, the end).
//
// Bright Pattern allows one poll per chat at a time and answers a second
// concurrent GET with a 400; the client therefore serialises the polls of
// each chat: a Poll for a chat whose previous Poll has not returned waits
// for it (no longer than its own context) before it is sent. Polls of
// different chats run in parallel.
type ChatService struct {
	client *Client

	mu    sync.Mutex
	polls map[string]*pollSlot
}

// pollSlot serialises the polls of one chat; refs counts the Polls that
// hold or wait for it, so that a chat's slot is dropped with its last Poll.
type pollSlot struct {
	turn chan struct{} // capacity 1: holding the token is the right to poll
	refs int
}

// Chat API paths, below the tenant's base URL.
const (
	chatBase         = "/clientweb/api/v1"
	availabilityPath = chatBase + "/availability"
	chatsPath        = chatBase + "/chats"
)

// Chat availability values.
const (
	ChatAvailable    = "available"
	ChatNotAvailable = "notAvailable"
)

// Availability is the answer of [ChatService.Availability].
type Availability struct {
	// Chat is "available" or "notAvailable" (ChatAvailable,
	// ChatNotAvailable).
	Chat string `json:"chat"`
}

// Available reports whether chat is available.
func (a *Availability) Available() bool { return a.Chat == ChatAvailable }

// StartChat is the body of [ChatService.Start].
type StartChat struct {
	// PhoneNumber is the customer's phone number, if known.
	PhoneNumber string `json:"phone_number,omitempty"`
	// From is what the scenario sees as $(item.from): the customer's name
	// or address.
	From string `json:"from,omitempty"`
	// Parameters are the chat's expected parameters; the scenario reads
	// them as $(item.externalChatData.<name>).
	Parameters map[string]string `json:"parameters,omitempty"`
}

// Chat states of [Chat.State] and of chat_session_status events.
const (
	ChatQueued     = "queued"
	ChatConnecting = "connecting"
	ChatConnected  = "connected"
	ChatIVR        = "ivr"
	ChatFailed     = "failed"
	ChatCompleted  = "completed"
)

// Chat is the answer of [ChatService.Start].
type Chat struct {
	ChatID string `json:"chat_id"`
	// State is "queued", "connected" or "ivr".
	State string `json:"state,omitempty"`
	// EWT is the estimated waiting time, as sent.
	EWT Text `json:"ewt,omitempty"`
	// IsNewChat is false when the client already had an active chat, which
	// this answer names.
	IsNewChat   bool   `json:"is_new_chat,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// eventsBody is the body of POST and GET .../events.
type eventsBody struct {
	Events []Event `json:"events"`
}

// chatRC returns the chat API's client, or the error naming the option.
func (s *ChatService) chatRC() (*rest.Client, error) {
	if s.client.chat == nil {
		return nil, errNoChatApp
	}
	return s.client.chat, nil
}

// tenantQuery is the tenantUrl query parameter every chat request carries
// (see sendTenantURLParam).
func (s *ChatService) tenantQuery() url.Values {
	if !sendTenantURLParam() || s.client.tenant == "" {
		return nil
	}
	return url.Values{"tenantUrl": {s.client.tenant}}
}

// Availability reports whether chat is available now: GET
// /clientweb/api/v1/availability.
func (s *ChatService) Availability(ctx context.Context) (*Availability, error) {
	rc, err := s.chatRC()
	if err != nil {
		return nil, err
	}
	return rest.Get[Availability](ctx, rc, availabilityPath, s.tenantQuery(), "")
}

// Start opens a chat: POST /clientweb/api/v1/chats. A 400 (the chat
// service refused it: no such scenario entry, a missing parameter…) is an
// *Error with Bright Pattern's error_code and error_message. A POST that
// may have been processed is not replayed.
func (s *ChatService) Start(ctx context.Context, in *StartChat) (*Chat, error) {
	rc, err := s.chatRC()
	if err != nil {
		return nil, err
	}
	if in == nil {
		in = &StartChat{}
	}
	ch, err := rest.Send[Chat](ctx, rc, &rest.Request{Method: http.MethodPost, Path: chatsPath, Query: s.tenantQuery(), Body: in}, "")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(ch.ChatID) == "" {
		return nil, refusef("POST %s: the answer has no chat_id", chatsPath)
	}
	return ch, nil
}

// eventsPath is the events path of a chat.
func eventsPath(chatID string) (string, error) {
	if strings.TrimSpace(chatID) == "" {
		return "", refusef("chat id is empty")
	}
	return rest.Pathf(chatsPath+"/%s/events", chatID), nil
}

// Send sends client events to a chat: POST
// /clientweb/api/v1/chats/{chatID}/events. Bright Pattern answers with the
// server events that are new since the last poll, which Send returns. It
// is not replayed after a 5xx (a message could be shown twice). An empty
// events list is refused.
func (s *ChatService) Send(ctx context.Context, chatID string, events ...Event) ([]Event, error) {
	rc, err := s.chatRC()
	if err != nil {
		return nil, err
	}
	path, err := eventsPath(chatID)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, refusef("no events to send to chat %q", chatID)
	}
	for i, ev := range events {
		if strings.TrimSpace(ev.Event) == "" {
			return nil, refusef("event %d has no type: build it with MessageEvent, TypingEvent…", i)
		}
	}
	out, err := rest.Send[eventsBody](ctx, rc, &rest.Request{Method: http.MethodPost, Path: path, Query: s.tenantQuery(), Body: eventsBody{Events: events}}, "")
	if err != nil {
		return nil, err
	}
	return out.Events, nil
}

// Poll long-polls a chat's server events: GET
// /clientweb/api/v1/chats/{chatID}/events. Bright Pattern holds the request
// for a while (about 5 to 15 s) when there is nothing to say, then answers
// with no events; Poll then returns an empty list, and the caller polls
// again.
//
// Only one poll per chat may be in flight: Bright Pattern answers a second
// concurrent one with a 400. Poll waits until the previous Poll of the same
// chat on this Client has returned, no longer than ctx; two Clients (or
// processes) polling the same chat still collide, and get that 400.
func (s *ChatService) Poll(ctx context.Context, chatID string) ([]Event, error) {
	rc, err := s.chatRC()
	if err != nil {
		return nil, err
	}
	path, err := eventsPath(chatID)
	if err != nil {
		return nil, err
	}
	release, err := s.takeTurn(ctx, chatID)
	if err != nil {
		return nil, err
	}
	defer release()
	out, err := rest.Get[eventsBody](ctx, rc, path, s.tenantQuery(), "")
	if err != nil {
		return nil, err
	}
	return out.Events, nil
}

// takeTurn waits for the right to poll chatID and returns the function that
// gives it back.
func (s *ChatService) takeTurn(ctx context.Context, chatID string) (func(), error) {
	s.mu.Lock()
	if s.polls == nil {
		s.polls = map[string]*pollSlot{}
	}
	slot := s.polls[chatID]
	if slot == nil {
		slot = &pollSlot{turn: make(chan struct{}, 1)}
		s.polls[chatID] = slot
	}
	slot.refs++
	s.mu.Unlock()

	leave := func() {
		s.mu.Lock()
		slot.refs--
		if slot.refs == 0 {
			delete(s.polls, chatID)
		}
		s.mu.Unlock()
	}
	select {
	case slot.turn <- struct{}{}:
		return func() {
			<-slot.turn
			leave()
		}, nil
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
}
