package escalation

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

// typingSeen returns the typing activities Sunshine Conversations emitted
// for conv, as "author: type" in order (the agent workspace sees them as
// conversation:typing events).
func typingSeen(t *testing.T, e *env, conv string) []string {
	t.Helper()
	var out []string
	for _, d := range e.cf.Deliveries() {
		if d.EventType != "conversation:typing" {
			continue
		}
		var env struct {
			Events []struct {
				ID      string
				Payload struct {
					Conversation struct{ ID string }
					Activity     struct {
						Type   string
						Author struct{ Type, UserID string }
					}
				}
			}
		}
		if err := json.Unmarshal(d.Body, &env); err != nil {
			t.Fatal(err)
		}
		for _, ev := range env.Events {
			if ev.ID == d.EventID && ev.Payload.Conversation.ID == conv {
				out = append(out, ev.Payload.Activity.Author.Type+": "+ev.Payload.Activity.Type)
			}
		}
	}
	return out
}

// The user's typing reaches the agent while an agent has the chat:
// POST /chats/{chat}/typing makes Sunshine Conversations emit
// conversation:typing with typing:start, then typing:stop, authored by
// the chat's user; while the bot has the chat it goes nowhere.
func TestUserTypingReachesTheAgent(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	chat := testChat("chat-typing-user")
	if code, body := e.post("/chats/"+chat+"/typing", "application/json", []byte(`{"typing":true}`)); code != 200 || body["outcome"] != string(flow.Ignored) {
		t.Fatalf("typing while the bot has the chat: %d %v", code, body)
	}
	conv := e.escalate(chat)
	e.wait()
	if got := typingSeen(t, e, conv); len(got) != 0 {
		t.Fatalf("typing before any was sent: %v", got)
	}
	for _, typing := range []string{`{"typing":true}`, `{"typing":false}`} {
		if code, body := e.post("/chats/"+chat+"/typing", "application/json", []byte(typing)); code != 200 || body["outcome"] != string(flow.Applied) {
			t.Fatalf("typing %s: %d %v", typing, code, body)
		}
	}
	e.wait()
	if got := typingSeen(t, e, conv); !slices.Equal(got, []string{"user: typing:start", "user: typing:stop"}) {
		t.Fatalf("the agent saw %v, want the user's typing:start then typing:stop", got)
	}
	// The bridge takes its own user's typing coming back as an echo: the
	// user is not shown their own typing.
	for _, m := range e.messages(chat) {
		if m.Kind == KindTyping || m.Kind == KindTypingStop {
			t.Fatalf("the user was shown typing: %+v", m)
		}
	}
}

// Every hand-back signal of the notes ends the live chat the same way:
// the user is told once, and the bot answers the next message.
func TestEveryHandBackSignal(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []conversationstest.Option
		// awDefault makes the agent workspace the switchboard's default
		// after the escalation, so that with HandBackPassControl control
		// has nowhere to go and stays with it.
		awDefault bool
		// signals are what the solve makes Sunshine Conversations send.
		signals []string
	}{
		{name: "passControl to the bot (auto)", signals: []string{"switchboard:passControl"}},
		{name: "releaseControl", opts: []conversationstest.Option{conversationstest.WithHandBack(conversationstest.HandBackRelease)},
			signals: []string{"switchboard:releaseControl"}},
		{name: "passControl", opts: []conversationstest.Option{conversationstest.WithHandBack(conversationstest.HandBackPassControl)},
			signals: []string{"switchboard:passControl"}},
		{name: "passControl staying with the agent workspace", awDefault: true,
			opts:    []conversationstest.Option{conversationstest.WithHandBack(conversationstest.HandBackPassControl)},
			signals: []string{"switchboard:passControl"}},
		{name: "ticket:closed and passControl", opts: []conversationstest.Option{conversationstest.WithTicketClosedActivity()},
			signals: []string{"conversation:message ticket:closed", "switchboard:passControl"}},
		{name: "ticket:closed and releaseControl", opts: []conversationstest.Option{conversationstest.WithTicketClosedActivity(),
			conversationstest.WithHandBack(conversationstest.HandBackRelease)},
			signals: []string{"conversation:message ticket:closed", "switchboard:releaseControl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 1, store.NewMemory(), tc.opts...)
			chat := testChat("chat-handback")
			conv := e.escalate(chat)
			if tc.awDefault {
				if err := e.cf.SetSwitchboardDefault(e.cf.AgentWorkspaceID()); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.cf.AgentReply(conv, conversationstest.Agent{Name: "Ann"}, "C'est réglé."); err != nil {
				t.Fatal(err)
			}
			e.wait()
			before := len(e.cf.Deliveries())
			if err := e.cf.SolveTicket(conv); err != nil {
				t.Fatal(err)
			}
			e.wait()
			var signals []string
			for _, d := range e.cf.Deliveries()[before:] {
				sig := d.EventType
				if strings.Contains(string(d.Body), `"ticket:closed"`) {
					sig += " ticket:closed"
				}
				if strings.Contains(string(d.Body), `"reason":"ticketClosed"`) || strings.HasSuffix(sig, "ticket:closed") {
					signals = append(signals, sig)
				}
			}
			if !slices.Equal(signals, tc.signals) {
				t.Fatalf("the solve sent %v, want %v", signals, tc.signals)
			}
			if code, body := e.say(chat, "m3", "Quels sont vos horaires ?", nil); code != 200 || body["detail"] != DetailBotAnswered {
				t.Fatalf("after the hand-back: %d %v", code, body)
			}
			got := shown(e.messages(chat))
			if n := count(got, "system: "+DefaultHandBackMessage); n != 1 {
				t.Fatalf("the user was told %d times:\n%s", n, strings.Join(got, "\n"))
			}
			want := []string{"agent: C'est réglé.", "system: " + DefaultHandBackMessage, "user: Quels sont vos horaires ?",
				"bot: Nous sommes ouverts du lundi au vendredi, de 9 h à 18 h."}
			if tail := got[max(0, len(got)-len(want)):]; !slices.Equal(tail, want) {
				t.Fatalf("the chat ends:\n%s\nwant:\n%s", strings.Join(tail, "\n"), strings.Join(want, "\n"))
			}
			if n := e.outcomes()["sunshine/applied/"+DetailHandedBack]; n != 1 {
				t.Fatalf("%d hand-backs applied: %v", n, e.outcomes())
			}
		})
	}
}

// With Sunshine Conversations sending several events per POST, and the
// user's channel failing on one of them, the delivery is answered 503 and
// retried whole, and every event is handled once: the user sees each
// agent message once, in order.
func TestBatchedDeliveryWithAFault(t *testing.T) {
	e := newEnv(t, 0, store.NewMemory(), conversationstest.WithBatching(100*time.Millisecond))
	var ch *flakyChannel
	e.addFlow(func(c *Config) {
		ch = &flakyChannel{StoreChannel: NewStoreChannel(e.st, 0, 0), match: func(m Message) bool { return m.Text == "Deux" }}
		ch.failures.Store(1)
		c.Channel = ch
	})
	chat := testChat("chat-batched")
	conv := e.escalate(chat)
	e.wait()
	ann := conversationstest.Agent{Name: "Ann"}
	var ids []string
	for _, text := range []string{"Un", "Deux", "Trois"} {
		m, err := e.cf.AgentReply(conv, ann, text)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	e.wait()
	// The three replies went in one POST, answered 503, then retried.
	var batch []string
	var attempts []int
	for _, d := range e.cf.Deliveries() {
		if d.EventType == "conversation:message" && strings.Contains(string(d.Body), ids[1]) {
			batch = d.Batch
			for _, a := range d.Attempts {
				attempts = append(attempts, a.Status)
			}
			break // the batch's other events share its body and attempts
		}
	}
	if len(batch) < 3 || !slices.Equal(attempts, []int{503, 200}) {
		t.Fatalf("the replies' delivery: batch %v, attempts %v; want one POST of the three, 503 then 200", batch, attempts)
	}
	if ch.failures.Load() >= 0 {
		t.Fatal("the fault was never hit")
	}
	got := shown(e.messages(chat))
	var agent []string
	for _, l := range got {
		if strings.HasPrefix(l, "agent: ") {
			agent = append(agent, l)
		}
	}
	if !slices.Equal(agent, []string{"agent: Un", "agent: Deux", "agent: Trois"}) {
		t.Fatalf("the user sees:\n%s", strings.Join(got, "\n"))
	}
	applied := map[string]int{}
	e.mu.Lock()
	for _, r := range e.results {
		if r.Outcome == flow.Applied && r.Detail == DetailToUser {
			applied[r.Key]++
		}
	}
	e.mu.Unlock()
	for _, b := range batch {
		if applied[b] > 1 {
			t.Fatalf("event %s applied %d times", b, applied[b])
		}
	}
	if len(applied) != 3 {
		t.Fatalf("%d agent messages applied, want 3: %v", len(applied), applied)
	}
}
