package escalation

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
)

// holdChat claims chat on f as an event of f's process does (the renewal
// after an agent's reply, say) and returns the release.
func holdChat(t *testing.T, f *Flow, chat string) func() {
	t.Helper()
	_, unlock, err := f.lockChat(context.Background(), chat)
	if err != nil {
		t.Fatal(err)
	}
	return unlock
}

// waitWaiters waits until n events of f's process wait for a chat.
func waitWaiters(t *testing.T, f *Flow, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.chats.Waiting() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d events wait for the chat, want %d", f.chats.Waiting(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// A user's message that arrives while the same process renews the chat
// (an agent's reply being handled) waits for it instead of being refused
// with 503 "handled elsewhere": the bridge benchmark failed at
// GOMAXPROCS 2 on exactly this.
func TestUserMessageWaitsForALocalEvent(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	chat := testChat("chat-lock-wait")
	conv := e.escalate(chat)
	e.wait()
	release := holdChat(t, e.flows[0], chat)
	type answer struct {
		code int
		body map[string]any
	}
	got := make(chan answer, 1)
	go func() {
		code, body := e.say(chat, "m3", "Il a trois ans", nil)
		got <- answer{code, body}
	}()
	waitWaiters(t, e.flows[0], 1)
	release()
	a := <-got
	if a.code != 200 || a.body["outcome"] != string(flow.Applied) {
		t.Fatalf("the message behind a local event: %d %v, want 200 applied", a.code, a.body)
	}
	var seen bool
	for _, m := range e.cf.Messages(conv) {
		seen = seen || (m.Content.Text == "Il a trois ans")
	}
	if !seen {
		t.Fatal("the agent never got the message")
	}
}

// The wait is bounded: an event of the same chat that holds it past the
// bound gets the message refused as busy (503 with Retry-After), and a
// caller whose context ends stops waiting.
func TestLocalWaitIsBounded(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	f := e.flows[0]
	f.localWait = 20 * time.Millisecond
	chat := testChat("chat-lock-bound")
	release := holdChat(t, f, chat)
	defer release()
	resp, body := e.send("POST", "/chats/"+chat+"/messages", "application/json",
		strings.NewReader(`{"id":"m1","text":"Bonjour"}`), nil)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("held past the bound: %d %q (Retry-After %q), want 503 with Retry-After", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	f.localWait = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, _, err := f.lockChat(ctx, chat)
		errc <- err
	}()
	waitWaiters(t, f, 1)
	cancel()
	if err := <-errc; !errors.Is(err, errBusy) || !errors.Is(err, context.Canceled) {
		t.Fatalf("a wait whose context ended = %v, want busy and canceled", err)
	}
	if n := f.chats.Waiting(); n != 0 {
		t.Fatalf("%d waiters left", n)
	}
}

// Across replicas nothing waits: a chat another replica holds is refused
// at once with 503, and its sender retries.
func TestOtherReplicaStillBusy(t *testing.T) {
	e := newEnv(t, 2, store.NewMemory())
	chat := testChat("chat-lock-replica")
	release := holdChat(t, e.flows[0], chat)
	defer release()
	start := time.Now()
	res, err := e.flows[1].HandleUserMessage(context.Background(), &UserMessage{Chat: chat, ID: "m1", Text: "Bonjour"})
	if !errors.Is(err, errBusy) || res.Detail != DetailBusy {
		t.Fatalf("a chat another replica holds: %v %v, want busy", res, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the other replica waited %v", d)
	}
}

// Events of different chats do not wait for each other.
func TestLocalWaitIsPerChat(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	release := holdChat(t, e.flows[0], testChat("chat-lock-a"))
	defer release()
	e.flows[0].localWait = time.Hour
	if code, body := e.say(testChat("chat-lock-b"), "m1", "Quels sont vos horaires ?", nil); code != 200 {
		t.Fatalf("another chat: %d %v", code, body)
	}
}
