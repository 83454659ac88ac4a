package escalation

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

// newClockEnv is one bridge whose flow and store read an injected clock.
func newClockEnv(t *testing.T, edit func(*Config)) (*env, *testkit.Clock, *testkit.Logs) {
	t.Helper()
	clock := testkit.NewClock()
	logs := &testkit.Logs{}
	e := newEnv(t, 0, &store.Memory{Now: clock.Now})
	e.addFlow(func(c *Config) {
		c.Now, c.Logger = clock.Now, logs.Logger()
		if edit != nil {
			edit(c)
		}
	})
	return e, clock, logs
}

// An agent answers a messaging ticket days later: the reply reaches the
// user, and the user's answer reaches the agent, as long as the chat is
// live (each event renews it).
func TestAgentReplyDaysLater(t *testing.T) {
	e, clock, _ := newClockEnv(t, nil)
	chat := testChat("late")
	conv := e.escalate(chat)
	e.wait()
	ag := conversationstest.Agent{Name: "Ann"}
	for i, gap := range []time.Duration{25 * time.Hour, 8 * 24 * time.Hour, 13 * 24 * time.Hour} {
		clock.Advance(gap)
		text := "Réponse après " + gap.String()
		if _, err := e.cf.AgentReply(conv, ag, text); err != nil {
			t.Fatal(err)
		}
		e.wait()
		got := shown(e.messages(chat))
		if count(got, "agent: "+text) != 1 {
			t.Fatalf("+%s: the agent's reply did not reach the user:\n%s", gap, strings.Join(got, "\n"))
		}
		clock.Advance(time.Hour)
		id := "late-" + string(rune('a'+i))
		if code, body := e.say(chat, id, "Merci, "+gap.String(), nil); code != 200 || body["detail"] != DetailToAgent {
			t.Fatalf("+%s: the user's answer: %d %v", gap, code, body)
		}
	}
	if o := e.outcomes(); o["sunshine/ignored/"+DetailNotOurs] != 0 || o["sunshine/ignored/"+DetailChatExpired] != 0 {
		t.Fatalf("outcomes %v", o)
	}
}

// A chat silent for longer than its lifetime is forgotten; an agent's
// message for its conversation is not silently ignored: it is reported
// with its own detail and logged as a warning naming the chat.
func TestChatLifetimeEnds(t *testing.T) {
	e, clock, logs := newClockEnv(t, func(c *Config) { c.ChatLifetime = 48 * time.Hour })
	chat := testChat("expire")
	conv := e.escalate(chat)
	e.wait() // the escalation's own echoes first
	clock.Advance(49 * time.Hour)
	if _, err := e.cf.AgentReply(conv, conversationstest.Agent{Name: "Ann"}, "Toujours là ?"); err != nil {
		t.Fatal(err)
	}
	e.wait()
	if o := e.outcomes(); o["sunshine/"+string(flow.Ignored)+"/"+DetailChatExpired] != 1 {
		t.Fatalf("outcomes %v", o)
	}
	if s := logs.String(); !strings.Contains(s, `"level":"WARN"`) || !strings.Contains(s, chat) || !strings.Contains(s, "ChatLifetime") {
		t.Fatalf("no warning naming the chat and Config.ChatLifetime:\n%s", s)
	}
	// A conversation that is not ours is logged at warning level too.
	logs2 := &testkit.Logs{}
	f := e.addFlow(func(c *Config) { c.Logger = logs2.Logger() })
	msg := &webhook.SunshineMessage{ID: "msg-unknown-0001", Author: webhook.SunshineAuthor{Type: conversations.AuthorBusiness}}
	msg.Content.Type, msg.Content.Text = conversations.ContentText, "Bonjour"
	if err := f.onMessage(context.Background(), Result{Source: SourceSunshine, Kind: "conversation:message"},
		&webhook.SunshineConversation{ID: "conv-unknown-0001"}, msg); err != nil {
		t.Fatal(err)
	}
	if s := logs2.String(); !strings.Contains(s, `"level":"WARN"`) || !strings.Contains(s, "conv-unknown-0001") {
		t.Fatalf("an unknown conversation was not logged as a warning:\n%s", s)
	}
}

func TestChatLifetimeConfig(t *testing.T) {
	e := newFakes(t, store.NewMemory())
	cfg := Config{Dydu: e.dc, Conversations: e.cc, Zendesk: e.zc, WebhookSecrets: []string{"s"}, ChatLifetime: -time.Hour}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "Config.ChatLifetime") {
		t.Fatalf("a negative lifetime: %v", err)
	}
	cfg.ChatLifetime = 0
	f, err := New(cfg)
	if err != nil || f.lifetime() != DefaultChatLifetime {
		t.Fatalf("default lifetime %v, %v", f, err)
	}
}

// A live chat whose conversation link the store lost (evicted, say) is
// found again from the conversation's metadata: the agent's message
// reaches the user and the link is written back.
func TestConversationLinkRestored(t *testing.T) {
	e, _, logs := newClockEnv(t, nil)
	chat := testChat("relink")
	conv := e.escalate(chat)
	e.wait()
	if err := e.st.Delete(context.Background(), keyPrefix+"conv:"+conv); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cf.AgentReply(conv, conversationstest.Agent{Name: "Ann"}, "Je suis là"); err != nil {
		t.Fatal(err)
	}
	e.wait()
	if got := shown(e.messages(chat)); count(got, "agent: Je suis là") != 1 {
		t.Fatalf("the agent's message did not reach the user:\n%s", strings.Join(got, "\n"))
	}
	if v, ok, _ := e.st.Get(context.Background(), keyPrefix+"conv:"+conv); !ok || v != chat {
		t.Fatalf("the link was not written back: %q %v", v, ok)
	}
	if !strings.Contains(logs.String(), "linked again") {
		t.Fatalf("no warning:\n%s", logs.String())
	}
}
