package escalation

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// What the flow keeps in its [store.Store], every key with a TTL and
// under keyPrefix ("escalation:"), so that flows may share a store and its
// prefix (a second escalation flow, for another Dydu bot or Zendesk
// account, takes a store.Store of its own, e.g. a redisstore with another
// prefix):
//
//	chat:<chat>                 the chat's state (Config.ChatLifetime from its last event): Dydu context, mode, Sunshine user and conversation
//	chat-lock:<chat>            the claim on a chat while one of its events is handled (lockLease)
//	conv:<conversation>         the chat a Sunshine conversation belongs to (Config.ChatLifetime from the chat's last event)
//	in:<chat>:<message id>      a user message handled (doneTTL)
//	dedupe:sunshine:<event id>  the webhook handler's de-duplication claim (webhook.StoreDeduper)
//	box:… (StoreChannel)        the messages shown to the user, see [StoreChannel]
//
// Texts never appear in keys.

const (
	// keyPrefix starts every key the flow (and its StoreChannel) writes.
	keyPrefix = "escalation:"
	// doneTTL is how long a user message id is remembered as handled:
	// a channel retries within minutes.
	doneTTL = 24 * time.Hour
	// lockLease is how long a chat's claim holds when the replica that
	// took it dies.
	lockLease = time.Minute
	// localWait is how long an event waits for another event of the same
	// chat in this process (a renewal after an agent's message, a user's
	// message being posted) before it is refused as busy: such events
	// take a few calls, and a message refused behind one would make its
	// sender retry after Config.RetryAfter for nothing.
	localWait = 5 * time.Second
)

// Modes of a chat.
const (
	modeBot        = "bot"        // Dydu answers
	modeEscalating = "escalating" // the bot escalated; the hand-off is under way
	modeLive       = "live"       // a Zendesk agent has the chat
)

// chatState is what the flow remembers of one chat, as JSON.
type chatState struct {
	// Context is the Dydu dialog context; "" opens a new one.
	Context string `json:"ctx,omitempty"`
	Mode    string `json:"mode"`
	// Vars are the dialog variables the user's channel sent: they go to
	// Dydu, never to the user's identity.
	Vars map[string]string `json:"vars,omitempty"`
	// Identity are the variables from the server side (Config.Authorize,
	// UserMessage.Identity): the identity mapping's and the name.
	Identity map[string]string `json:"ident,omitempty"`
	// User is the Sunshine Conversations user, Conv the conversation of the
	// current escalation.
	User string `json:"user,omitempty"`
	Conv string `json:"conv,omitempty"`
	// Skill and Group are the escalation's skill and Zendesk group (0: none).
	Skill string `json:"skill,omitempty"`
	Group int64  `json:"group,omitempty"`
	// Posted counts the transcript turns posted; First is the first one's
	// message id; Pending are the metadata keys of posts whose outcome is
	// not known, one per message (a retry looks for its key before posting
	// again), the newest maxPending kept. OldPending is the single key
	// earlier versions kept; loadChat moves it into Pending.
	Posted     int      `json:"posted,omitempty"`
	First      string   `json:"first,omitempty"`
	Pending    []string `json:"pendings,omitempty"`
	OldPending string   `json:"pending,omitempty"`
	// Passed is set once control passed to the agent workspace.
	Passed bool `json:"passed,omitempty"`
	// Talk is the id of the user message whose talk to Dydu may have gone
	// out without its answer being handled.
	Talk string `json:"talk,omitempty"`
	// Escalations counts the chat's escalations (each gets a conversation).
	Escalations int `json:"n,omitempty"`
}

// storeError is a [store.Store] failure. It is transient: the handler
// answers 503, and the sender retries.
type storeError struct{ err error }

func (e *storeError) Error() string { return "escalation: store: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

func errStore(err error) error {
	if err == nil {
		return nil
	}
	return &storeError{err}
}

// errBusy: another replica (or goroutine) holds the chat.
var errBusy = errors.New("escalation: the chat is being handled elsewhere; retry shortly")

// loadChat reads a chat's state; a chat never seen is in bot mode.
func (f *Flow) loadChat(ctx context.Context, chat string) (*chatState, error) {
	v, ok, err := f.store.Get(ctx, keyPrefix+"chat:"+chat)
	if err != nil {
		return nil, errStore(err)
	}
	st := &chatState{Mode: modeBot}
	if !ok {
		return st, nil
	}
	if err := json.Unmarshal([]byte(v), st); err != nil {
		return nil, fmt.Errorf("escalation: the state of chat %s does not decode: %w", chat, err)
	}
	if st.OldPending != "" {
		st.Pending, st.OldPending = append(st.Pending, st.OldPending), ""
	}
	return st, nil
}

// saveChat writes a chat's state.
func (f *Flow) saveChat(ctx context.Context, chat string, st *chatState) error {
	if lockLost(ctx) {
		return errBusy // another replica has the chat: what it saved stands
	}
	b, _ := json.Marshal(st) // plain types only
	return errStore(f.store.Set(ctx, keyPrefix+"chat:"+chat, string(b), f.lifetime()))
}

// lifetime is how long a chat is kept after its last event.
func (f *Flow) lifetime() time.Duration {
	if f.cfg.ChatLifetime > 0 {
		return f.cfg.ChatLifetime
	}
	return DefaultChatLifetime
}

// linkConv maps a conversation to its chat for the chat's lifetime; it is
// written again on every event of a live chat, so that an agent who
// answers days later still reaches the user.
func (f *Flow) linkConv(ctx context.Context, conv, chat string) error {
	return errStore(f.store.Set(ctx, keyPrefix+"conv:"+conv, chat, f.lifetime()))
}

// renewChat keeps a live chat for another lifetime after an event of its
// conversation: its state and its conversation's link are written again.
// When another event holds the chat, that event's save renews it.
func (f *Flow) renewChat(ctx context.Context, chat, conv string) error {
	ctx, unlock, err := f.lockChat(ctx, chat)
	if errors.Is(err, errBusy) {
		return f.linkConv(ctx, conv, chat)
	}
	if err != nil {
		return err
	}
	defer unlock()
	st, err := f.loadChat(ctx, chat)
	if err != nil {
		return err
	}
	if st.Conv != conv {
		return nil // an earlier escalation's conversation
	}
	if err := f.saveChat(ctx, chat, st); err != nil {
		return err
	}
	return f.linkConv(ctx, conv, chat)
}

// chatLock is a claim on a chat, kept in the context of the event that
// holds it: renewed while the event works, and marked lost when the
// store no longer holds its token (the lease ended and another replica
// claimed the chat), so that the event's saves stop (errBusy).
type chatLock struct {
	key, token string
	lost       atomic.Bool
}

type lockKey struct{}

// lockChat claims a chat for one event and returns the context to work
// in and the function that gives the claim back. Within the process, an
// event waits for another event of the same chat (for localWait at most,
// or ctx), so that a user's message is not refused behind the renewal
// an agent's reply makes; then the chat is claimed in the store
// ([store.Store.Add] of a random token, with a lease), which the replicas
// share. While the event works, the claim is renewed every third of its
// lease; saveChat refuses to write once the claim is lost. The release
// deletes the key only if it still holds the token, since past its lease
// another replica may hold it. It returns errBusy when another replica
// holds the chat, or another event of this process held it past
// localWait.
func (f *Flow) lockChat(ctx context.Context, chat string) (context.Context, func(), error) {
	leave, err := f.waitChat(ctx, chat, cmp.Or(f.localWait, localWait))
	if err != nil {
		return ctx, nil, err
	}
	ctx, unlock, err := f.claimChat(ctx, chat)
	if err != nil {
		leave()
		return ctx, nil, err
	}
	return ctx, func() {
		defer leave()
		unlock()
	}, nil
}

// claimChat is lockChat's claim in the store, shared by the replicas.
func (f *Flow) claimChat(ctx context.Context, chat string) (context.Context, func(), error) {
	var tok [12]byte
	_, _ = rand.Read(tok[:]) // never fails
	l := &chatLock{key: keyPrefix + "chat-lock:" + chat, token: hex.EncodeToString(tok[:])}
	lease := cmp.Or(f.lease, lockLease)
	ok, err := f.store.Add(ctx, l.key, l.token, lease)
	switch {
	case err != nil:
		return ctx, nil, errStore(err)
	case !ok:
		return ctx, nil, errBusy
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				f.renewLock(context.WithoutCancel(ctx), l, lease)
			}
		}
	}()
	return context.WithValue(ctx, lockKey{}, l), func() {
		close(stop)
		<-done
		// DeleteIf: past the lease another replica may hold the key, and
		// only the holder of the token may release it.
		if _, err := f.store.DeleteIf(context.WithoutCancel(ctx), l.key, l.token); err != nil {
			f.log.WarnContext(ctx, "escalation: store failed releasing a chat; its lease will end it", slog.String("error", err.Error()))
		}
	}, nil
}

// renewLock extends a claim the store still holds for this token; one it
// no longer holds is lost. (The store has no compare-and-extend: the
// check and the write are two calls, a third of a lease before the end.)
func (f *Flow) renewLock(ctx context.Context, l *chatLock, lease time.Duration) {
	if l.lost.Load() {
		return
	}
	v, ok, err := f.store.Get(ctx, l.key)
	switch {
	case err != nil:
		return // the next tick tries again; the lease still runs
	case !ok || v != l.token:
		l.lost.Store(true)
		f.log.WarnContext(ctx, "escalation: a chat's claim ended while its event was handled; the event stops and its sender retries",
			slog.String("key", l.key))
		return
	}
	if err := f.store.Set(ctx, l.key, l.token, lease); err != nil {
		return
	}
}

// lockLost reports whether ctx's chat claim is lost.
func lockLost(ctx context.Context) bool {
	l, _ := ctx.Value(lockKey{}).(*chatLock)
	return l != nil && l.lost.Load()
}

// waitChat waits until no other event of this process holds chat, for
// max at most (then errBusy) or until ctx ends, and holds it until leave
// is called.
func (f *Flow) waitChat(ctx context.Context, chat string, max time.Duration) (leave func(), err error) {
	wctx, cancel := context.WithTimeoutCause(ctx, max, errBusy)
	defer cancel()
	leave, err = f.chats.Lock(wctx, chat)
	switch {
	case err == nil:
		return leave, nil
	case errors.Is(err, errBusy):
		return nil, errBusy
	}
	return nil, fmt.Errorf("%w (%w)", errBusy, err)
}
