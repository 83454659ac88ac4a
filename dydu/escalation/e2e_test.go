package escalation

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

// playSeed plays seed 002's test through the bridge's HTTP paths and
// checks both sides: the user's chat, and the ticket in the Animal group
// with the bot transcript, the agent's answers and the user's reply.
func playSeed(t *testing.T, e *env, chat string) {
	t.Helper()
	ag := conversationstest.Agent{Name: "Ann"}
	if code, body := e.say(chat, "m1", "Quels sont vos horaires ?", map[string]string{"mail": "jeanne@example.org"}); code != 200 {
		t.Fatalf("first message: %d %v", code, body)
	}
	if code, body := e.say(chat, "m2", "J'ai une question sur mon chien", nil); code != 200 {
		t.Fatalf("escalating message: %d %v", code, body)
	}
	conv := e.conv(chat)
	tid, ok := e.cf.AgentTicket(conv)
	if !ok {
		t.Fatal("no ticket was opened")
	}
	tk, _ := e.zd.Ticket(tid)
	if tk.GroupID == nil || *tk.GroupID != e.group {
		t.Fatalf("ticket group = %v, want %d (Animal)", tk.GroupID, e.group)
	}
	h, _ := e.cf.HandOff(conv)
	if len(h.Transcript) != 4 || h.Transcript[0].Content.Text != "Quels sont vos horaires ?" || h.Transcript[1].Author.Type != "business" {
		t.Fatalf("ticket transcript = %+v", h.Transcript)
	}
	if h.Ticket.RequesterEmail != "jeanne@example.org" {
		t.Errorf("requester email = %q", h.Ticket.RequesterEmail)
	}
	if err := e.cf.AgentTyping(conv, ag, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cf.AgentReply(conv, ag, "Bonjour Jeanne, je suis Ann. Que se passe-t-il ?"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cf.AgentSendFile(conv, ag, "croquettes.png", "image/png", []byte("\x89PNG fake"), "Voici les croquettes conseillées"); err != nil {
		t.Fatal(err)
	}
	e.wait()
	if code, body := e.say(chat, "m3", "Merci beaucoup !", nil); code != 200 {
		t.Fatalf("reply: %d %v", code, body)
	}
	if err := e.cf.SolveTicket(conv); err != nil {
		t.Fatal(err)
	}
	e.wait()
	if code, body := e.say(chat, "m4", "Bonjour", nil); code != 200 {
		t.Fatalf("after the hand-back: %d %v", code, body)
	}
	got := shown(e.messages(chat))
	want := []string{
		"user: Quels sont vos horaires ?",
		"bot: Nous sommes ouverts du lundi au vendredi, de 9 h à 18 h.",
		"user: J'ai une question sur mon chien",
		"bot: Je vous mets en relation avec un conseiller de l'équipe Animal.",
		"agent: Bonjour Jeanne, je suis Ann. Que se passe-t-il ?",
		"agent: Voici les croquettes conseillées [image]",
		"user: Merci beaucoup !",
		"system: " + DefaultHandBackMessage,
		"user: Bonjour",
		"bot: Bonjour ! Que puis-je faire pour vous ?",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the user's chat:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var zside []string
	for _, m := range e.cf.Messages(conv) {
		if m.Activity != nil {
			continue
		}
		zside = append(zside, m.Author.Type+": "+m.Content.Text)
	}
	wantZ := []string{"user: Quels sont vos horaires ?", "business: Nous sommes ouverts du lundi au vendredi, de 9 h à 18 h.",
		"user: J'ai une question sur mon chien", "business: Je vous mets en relation avec un conseiller de l'équipe Animal.",
		"business: Bonjour Jeanne, je suis Ann. Que se passe-t-il ?", "business: Voici les croquettes conseillées", "user: Merci beaucoup !"}
	if !slices.Equal(zside, wantZ) {
		t.Fatalf("the Zendesk side:\n%s\nwant:\n%s", strings.Join(zside, "\n"), strings.Join(wantZ, "\n"))
	}
}

func TestSeedScenario(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	chat := "chat-seed-0001-00000000000"
	playSeed(t, e, chat)
	if n := e.outcomes()["user/failed/vendor failed"]; n != 0 {
		t.Errorf("%d failures", n)
	}
	// Flow.Channel is, with no Config.Channel, the StoreChannel the page
	// reads: it holds the chat the page was shown, and a notice an app
	// delivers through it reaches the page once, even delivered twice.
	ctx := context.Background()
	sc, ok := e.flows[0].Channel().(*StoreChannel)
	if !ok {
		t.Fatalf("Channel() = %T, want *StoreChannel", e.flows[0].Channel())
	}
	page := e.messages(chat)
	if ms, err := sc.Messages(ctx, chat, 0); err != nil || !slices.Equal(shown(ms), shown(page)) {
		t.Fatalf("the flow's channel holds %v (%v), the page shows %v", shown(ms), err, shown(page))
	}
	notice := Message{ID: "notice-maintenance", From: FromSystem, Kind: KindText, Text: "Maintenance ce soir à 22 h"}
	for range 2 {
		if err := e.flows[0].Channel().Deliver(ctx, chat, notice); err != nil {
			t.Fatal(err)
		}
	}
	after := e.messages(chat)
	if len(after) != len(page)+1 || after[len(after)-1].ID != notice.ID || after[len(after)-1].Seq != page[len(page)-1].Seq+1 {
		t.Fatalf("after the notice the page shows %v", shown(after))
	}
	// A second Provision changes nothing.
	rep, err := Provision(context.Background(), ProvisionConfig{Conversations: e.cc, Zendesk: e.zc, BridgeURL: e.srv.URL, Skills: []string{"Animal"}})
	if err != nil || rep.Changed() {
		t.Fatalf("second Provision: %v\n%s", err, rep)
	}
	if err := e.flows[0].Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// The user's name, when the channel sends it, is how the agent sees the
// user: the ticket's requester and subject.
func TestRequesterName(t *testing.T) {
	e := newEnv(t, 0, store.NewMemory())
	e.addFlow(func(c *Config) { c.NameVariable = "name" })
	chat := "chat-name-00001-0000000000"
	if code, body := e.say(chat, "m1", "Quels sont vos horaires ?", map[string]string{"mail": "jeanne@example.org", "name": " Jeanne Martin "}); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	if code, body := e.say(chat, "m2", "J'ai une question sur mon chien", nil); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	conv := e.conv(chat)
	h, _ := e.cf.HandOff(conv)
	if h.Ticket.RequesterName != "Jeanne Martin" || h.Ticket.RequesterEmail != "jeanne@example.org" {
		t.Fatalf("requester %q <%s>", h.Ticket.RequesterName, h.Ticket.RequesterEmail)
	}
	tid, _ := e.cf.AgentTicket(conv)
	if tk, _ := e.zd.Ticket(tid); !strings.Contains(tk.Subject, "Jeanne Martin") {
		t.Fatalf("ticket subject %q", tk.Subject)
	}
	if u, ok := e.cf.User(userExternalID(chat)); !ok || u.Profile.GivenName != "Jeanne Martin" {
		t.Fatalf("Sunshine user %+v", u)
	}
}
