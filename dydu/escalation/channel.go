package escalation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/store"
)

// Who wrote a [Message].
const (
	FromUser   = "user"   // the end user
	FromBot    = "bot"    // the Dydu bot
	FromAgent  = "agent"  // a Zendesk agent
	FromSystem = "system" // the bridge (the agent left, the bot is back)
)

// Kinds of a [Message].
const (
	KindText       = "text"
	KindImage      = "image"
	KindFile       = "file"
	KindTyping     = "typing"      // the agent started typing
	KindTypingStop = "typing-stop" // the agent stopped typing
)

// Message is one entry of a chat as the user's channel shows it: what the
// user said, the bot's and the agent's answers, files, typing, the
// bridge's notices. JSON keys are those a web page reads.
type Message struct {
	// Seq is the message's place in the chat, from 1; set by the channel.
	Seq int64 `json:"seq"`
	// ID identifies the message across retries: the user's message id,
	// the Sunshine Conversations message id of an agent's message.
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// From is FromUser, FromBot, FromAgent or FromSystem; Name is the
	// agent's display name.
	From string `json:"from"`
	Name string `json:"name,omitempty"`
	// Kind is KindText, KindImage, KindFile, KindTyping or KindTypingStop.
	Kind      string `json:"kind"`
	Text      string `json:"text,omitempty"`
	MediaURL  string `json:"mediaUrl,omitempty"`
	MediaType string `json:"mediaType,omitempty"`
	// Where is "dydu" or "zendesk": the side that had the chat.
	Where string `json:"where,omitempty"`
}

// Channel takes what the flow shows the user of a chat. The flow calls
// Deliver again with the same Message.ID after a failure (its sender
// retried), so an implementation must show each ID once. A failing
// Deliver makes the flow answer 503, and the sender retries.
type Channel interface {
	Deliver(ctx context.Context, chat string, m Message) error
}

// StoreChannel is the HTTP [Channel]: it keeps each chat's messages in a
// [store.Store], numbered from 1, so that a web page reads them from any
// replica by long poll or server-sent events ([StoreChannel.ServeHTTP]).
// Messages live for the store TTL given to [NewStoreChannel]; their keys
// start with "escalation:box", as the flow's own keys do with
// "escalation:", so that one store serves several flows. It is safe
// for concurrent use, and replicas sharing a store may deliver to one chat
// at once: every message gets one place, even when a delivery is retried
// after its first attempt wrote it and failed to say so.
type StoreChannel struct {
	st   store.Store
	ttl  time.Duration
	poll time.Duration
	now  func() time.Time

	mu      sync.Mutex
	waiters map[string]*waiters
}

// waiters are the long polls of one chat in this process: ch is closed
// to wake them, n counts them so that the last to leave removes the
// entry (the map never keeps a chat nobody waits on).
type waiters struct {
	ch chan struct{}
	n  int
}

// DefaultMessageTTL is how long a [StoreChannel] keeps a message.
const DefaultMessageTTL = 24 * time.Hour

// NewStoreChannel returns a channel keeping messages in st for ttl (0:
// [DefaultMessageTTL]). A long poll on one replica sees the messages that
// another replica delivers within poll (0: 500 ms); those of its own
// process at once.
func NewStoreChannel(st store.Store, ttl, poll time.Duration) *StoreChannel {
	if ttl <= 0 {
		ttl = DefaultMessageTTL
	}
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	return &StoreChannel{st: st, ttl: ttl, poll: poll, now: time.Now, waiters: map[string]*waiters{}}
}

func boxKey(chat string, n int64) string {
	return keyPrefix + "box:" + chat + ":" + strconv.FormatInt(n, 10)
}
func boxHead(chat string) string   { return keyPrefix + "box-head:" + chat }
func boxID(chat, id string) string { return keyPrefix + "box-id:" + chat + ":" + id }

// Deliver appends m to the chat, once per m.ID, and wakes the readers.
//
// How a retry stays single: the message takes the first free place after
// the chat's head (store Add, so one writer wins each place), then records
// its place under its ID, then moves the head forward (SetIfNewer). A
// writer that finds a place taken reads it and records that message's
// place too, so a message whose writer failed before recording its place
// is found by the next writer that passes it — and the head never moves
// past a place whose message is not recorded.
func (c *StoreChannel) Deliver(ctx context.Context, chat string, m Message) error {
	if m.ID == "" {
		return errors.New("escalation: a message needs an ID")
	}
	if _, ok, err := c.st.Get(ctx, boxID(chat, m.ID)); err != nil || ok {
		return errStore(err)
	}
	head, err := c.head(ctx, chat)
	if err != nil {
		return err
	}
	for n := head + 1; ; n++ {
		m.Seq = n
		b, _ := json.Marshal(m)
		added, err := c.st.Add(ctx, boxKey(chat, n), string(b), c.ttl)
		if err != nil {
			return errStore(err)
		}
		if !added {
			v, ok, err := c.st.Get(ctx, boxKey(chat, n))
			if err != nil {
				return errStore(err)
			}
			var other Message
			if !ok || json.Unmarshal([]byte(v), &other) != nil {
				continue // expired in between, or not ours: the next place
			}
			if err := c.st.Set(ctx, boxID(chat, other.ID), strconv.FormatInt(n, 10), c.ttl); err != nil {
				return errStore(err)
			}
			if other.ID != m.ID {
				continue
			}
		}
		if err := c.st.Set(ctx, boxID(chat, m.ID), strconv.FormatInt(n, 10), c.ttl); err != nil {
			return errStore(err)
		}
		if _, err := c.st.SetIfNewer(ctx, boxHead(chat), n, strconv.FormatInt(n, 10), c.ttl); err != nil {
			return errStore(err)
		}
		c.wake(chat)
		return nil
	}
}

func (c *StoreChannel) head(ctx context.Context, chat string) (int64, error) {
	v, ok, err := c.st.Get(ctx, boxHead(chat))
	if err != nil || !ok {
		return 0, errStore(err)
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n, nil
}

// Messages returns the chat's messages after place after, oldest first.
func (c *StoreChannel) Messages(ctx context.Context, chat string, after int64) ([]Message, error) {
	head, err := c.head(ctx, chat)
	if err != nil {
		return nil, err
	}
	var out []Message
	for n := after + 1; ; n++ {
		v, ok, err := c.st.Get(ctx, boxKey(chat, n))
		if err != nil {
			return out, errStore(err)
		}
		if !ok {
			if n > head {
				break // past the head and the places written beyond it
			}
			continue // expired
		}
		var m Message
		if json.Unmarshal([]byte(v), &m) == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// Wait returns the chat's messages after place after as soon as there
// are any, or none when ctx ends first (a long poll's timeout).
func (c *StoreChannel) Wait(ctx context.Context, chat string, after int64) ([]Message, error) {
	ch, leave := c.join(chat)
	defer leave()
	for {
		ms, err := c.Messages(ctx, chat, after)
		if err != nil && ctx.Err() != nil {
			return nil, nil // the wait's end, not the store's failure
		}
		if err != nil || len(ms) > 0 {
			return ms, err
		}
		t := time.NewTimer(c.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-ch:
			ch = c.current(chat)
		case <-t.C:
		}
		t.Stop()
	}
}

// join counts a waiter of chat in and returns the channel that wakes it
// and the function that counts it out.
func (c *StoreChannel) join(chat string) (<-chan struct{}, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.waiters[chat]
	if !ok {
		w = &waiters{ch: make(chan struct{})}
		c.waiters[chat] = w
	}
	w.n++
	return w.ch, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if w.n--; w.n == 0 {
			delete(c.waiters, chat)
		}
	}
}

// current is the channel that wakes chat's waiters now (a waiter that
// was woken and waits again).
func (c *StoreChannel) current(chat string) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waiters[chat].ch // the caller is counted in: the entry is there
}

// wake wakes chat's waiters; they stay counted until they leave.
func (c *StoreChannel) wake(chat string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w, ok := c.waiters[chat]; ok {
		close(w.ch)
		w.ch = make(chan struct{})
	}
}

// waiting returns how many chats have waiters in this process.
func (c *StoreChannel) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// Longest wait of a long poll, and the default one.
const (
	MaxLongPoll     = 55 * time.Second
	DefaultLongPoll = 25 * time.Second
)

// ServeHTTP serves a chat's messages to a web page, at
// GET {prefix}/chats/{chat}/messages?after=N&wait=S (a long poll: the
// messages after place N as {"messages": […]}, waiting up to S seconds,
// default 25, at most 55, for the first), and GET
// {prefix}/chats/{chat}/events?after=N (server-sent events: one "message"
// event per message, its JSON in data and its place in id, so that a
// browser's EventSource resumes with Last-Event-ID). [Flow.Handler]
// mounts it beside the routes that take the user's messages.
func (c *StoreChannel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	chat := r.PathValue("chat")
	if !validChat(chat) {
		writeJSONError(w, http.StatusBadRequest, errBadChat)
		return
	}
	after, err := parseAfter(r)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err)
		return
	}
	if r.PathValue("what") == "events" {
		c.serveEvents(w, r, chat, after)
		return
	}
	wait := DefaultLongPoll
	if s := r.URL.Query().Get("wait"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			writeJSONError(w, http.StatusBadRequest, fmt.Errorf("escalation: wait=%q is not a number of seconds", s))
			return
		}
		wait = min(time.Duration(n)*time.Second, MaxLongPoll)
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	var ms []Message
	if wait == 0 {
		ms, err = c.Messages(r.Context(), chat, after)
	} else {
		ms, err = c.Wait(ctx, chat, after)
	}
	if err != nil {
		writeRetry(w, err)
		return
	}
	if ms == nil {
		ms = []Message{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": ms})
}

// serveEvents streams the chat as server-sent events until the client
// goes away.
func (c *StoreChannel) serveEvents(w http.ResponseWriter, r *http.Request, chat string, after int64) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeJSONError(w, http.StatusInternalServerError, errors.New("escalation: the server cannot stream"))
		return
	}
	if s := r.Header.Get("Last-Event-ID"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > after {
			after = n
		}
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": chat "+chat+"\n\n")
	fl.Flush()
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(MaxLongPoll + 5*time.Second)) // a stream outlives the server's write timeout
		ctx, cancel := context.WithTimeout(r.Context(), DefaultLongPoll)
		ms, err := c.Wait(ctx, chat, after)
		cancel()
		if r.Context().Err() != nil {
			return
		}
		if err != nil {
			fmt.Fprintf(w, "event: error\ndata: %q\n\n", "the chat's store failed; reconnect")
			fl.Flush()
			return
		}
		if len(ms) == 0 {
			fmt.Fprint(w, ": keep-alive\n\n")
		}
		for _, m := range ms {
			b, _ := json.Marshal(m)
			fmt.Fprintf(w, "id: %d\nevent: message\ndata: %s\n\n", m.Seq, b)
			after = m.Seq
		}
		fl.Flush()
	}
}

func parseAfter(r *http.Request) (int64, error) {
	s := r.URL.Query().Get("after")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("escalation: after=%q is not a message place (a number from 0)", s)
	}
	return n, nil
}
