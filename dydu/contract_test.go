package dydu_test

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/dydu/dydutest"
)

// The client against dydutest, an independent reading of the same
// sources: every dialog call the fake serves, the seed's escalation
// round trip, context expiry and failover.

func newFakeClient(t *testing.T, fake *dydutest.Server, opts ...dydu.Option) *dydu.Client {
	t.Helper()
	c, err := dydu.NewClient(append([]dydu.Option{dydu.WithBotID(fake.BotID), dydu.WithBaseURL(fake.URL), dydu.WithMaxRetries(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestContractSeedEscalation: the seed's test — a question the bot
// answers, the "Animal" knowledge that escalates, the operator's messages,
// typing and end, through the poll.
func TestContractSeedEscalation(t *testing.T) {
	t.Parallel()
	fake := dydutest.NewServer()
	defer fake.Close()
	c := newFakeClient(t, fake)
	ctx := t.Context()

	id, err := c.NewContext(ctx, &dydu.ContextRequest{ClientID: "client-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fake.Context(id); !ok {
		t.Fatalf("the fake has no context %q", id)
	}
	welcome, err := c.WelcomeCall(ctx, &dydu.WelcomeRequest{ContextID: id})
	if err != nil || !strings.Contains(welcome.Text, "assistant virtuel") {
		t.Fatalf("%+v %v", welcome, err)
	}
	a, err := c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: dydutest.SeedQuestion})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Text, "du lundi au vendredi") || a.ContextID != id || a.ContextRenewed || a.Livechat().Kind != dydu.SignalNone {
		t.Fatalf("%+v", a)
	}
	esc, err := c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: dydutest.SeedAnimalQuestion})
	if err != nil {
		t.Fatal(err)
	}
	if k := esc.Livechat().Kind; k != dydu.SignalStarted && k != dydu.SignalQueued {
		t.Fatalf("the escalation says %+v (values %v)", esc.Livechat(), esc.Values)
	}
	if len(fake.Escalations()) != 1 {
		t.Fatalf("escalations %+v", fake.Escalations())
	}

	last := strconv.FormatInt(int64(esc.ServerTime), 10)
	poll := func() dydu.Signal {
		t.Helper()
		res, err := c.Poll(ctx, &dydu.PollRequest{ContextID: id, LastPoll: last})
		if err != nil {
			t.Fatal(err)
		}
		last = res.LastPoll
		return res.Signal
	}
	op := dydutest.Operator{Name: "Camille", LastName: "Martin", Mail: "camille@example.com", ExternalID: "9001"}
	if _, err := fake.OperatorMessage(id, op, "Bonjour, que puis-je pour votre chien ? 🐕"); err != nil {
		t.Fatal(err)
	}
	if s := poll(); s.Kind != dydu.SignalMessage || s.Text != "Bonjour, que puis-je pour votre chien ? 🐕" {
		t.Fatalf("%+v", s)
	}
	if s := poll(); s.Kind != dydu.SignalNone {
		t.Fatalf("the same message twice: %+v", s)
	}
	// The user answers the operator, types, reads.
	if _, err := c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: "Il ne mange plus.", Livechat: true}); err != nil {
		t.Fatal(err)
	}
	if msgs := fake.UserMessages(id); len(msgs) != 1 {
		t.Fatalf("user messages %+v", msgs)
	}
	if err := c.Typing(ctx, id, "Depuis"); err != nil {
		t.Fatal(err)
	}
	if d, _ := fake.Context(id); !d.UserTyping || d.TypingContent != "Depuis" {
		t.Fatalf("typing %+v", d)
	}
	if err := c.Reading(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.OperatorTyping(id); err != nil {
		t.Fatal(err)
	}
	if s := poll(); s.Kind != dydu.SignalTyping {
		t.Fatalf("%+v", s)
	}
	if _, err := fake.EndLivechat(id, dydutest.EndByOperator, "Au revoir !"); err != nil {
		t.Fatal(err)
	}
	if s := poll(); s.Kind != dydu.SignalEnded || s.TypeResponse != dydu.TypeLivechatEndByOperator {
		t.Fatalf("%+v", s)
	}
	// The bot has the dialog again.
	back, err := c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: dydutest.SeedQuestion})
	if err != nil || !strings.Contains(back.Text, "du lundi au vendredi") {
		t.Fatalf("%+v %v", back, err)
	}
	h, err := c.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if h.ContextID != id || len(h.Interactions) < 4 {
		t.Fatalf("history %+v", h)
	}
	if tr := fake.Truncations(); len(tr) != 0 {
		t.Fatalf("the fake cut an input: %+v", tr)
	}
}

// TestContractQueue: the waiting queue's position and wait.
func TestContractQueue(t *testing.T) {
	t.Parallel()
	fake := dydutest.NewServer()
	defer fake.Close()
	fake.SetQueue(2, 90*time.Second)
	c := newFakeClient(t, fake)
	a, err := c.Talk(t.Context(), &dydu.TalkRequest{Input: dydutest.SeedAnimalQuestion})
	if err != nil {
		t.Fatal(err)
	}
	s := a.Livechat()
	if s.Kind != dydu.SignalQueued || s.QueuePosition != 2 || s.EstimatedWait != 90*time.Second {
		t.Fatalf("%+v (values %v)", s, a.Values)
	}
}

// TestContractContextExpiry: ten idle minutes on the fake's clock; the
// next talk comes back in a new context and says so; CheckContext says
// expired.
func TestContractContextExpiry(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fake := dydutest.NewServer(dydutest.WithClock(clock))
	defer fake.Close()
	c := newFakeClient(t, fake)
	id, err := c.NewContext(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckContext(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(dydu.ContextIdleLimit + time.Second)
	mu.Unlock()
	if err := c.CheckContext(t.Context(), id); !errors.Is(err, dydu.ErrContextExpired) {
		t.Fatalf("%v", err)
	}
	a, err := c.Talk(t.Context(), &dydu.TalkRequest{ContextID: id, Input: dydutest.SeedQuestion})
	if err != nil {
		t.Fatal(err)
	}
	if !a.ContextRenewed || a.PreviousContextID != id || a.ContextID == id || a.ContextID == "" {
		t.Fatalf("%+v", a)
	}
}

// TestContractCalls: the remaining calls the fake serves.
func TestContractCalls(t *testing.T) {
	t.Parallel()
	fake, c, id := fakeDialog(t)
	ctx := t.Context()
	if err := c.SetVariable(ctx, id, "mail", "jeanne@example.org"); err != nil {
		t.Fatal(err)
	}
	if d, _ := fake.Context(id); d.Variables["mail"] != "jeanne@example.org" {
		t.Fatalf("variables %v", d.Variables)
	}
	if _, err := c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: "bonjour"}); err != nil {
		t.Fatal(err)
	}
	if err := c.SendFeedback(ctx, id, dydu.FeedbackNegative); err != nil {
		t.Fatal(err)
	}
	if err := c.SendFeedbackComment(ctx, id, "Pas clair"); err != nil {
		t.Fatal(err)
	}
	if err := c.SendDissatisfaction(ctx, id, "choice0"); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Feedbacks()); n != 3 {
		t.Fatalf("feedbacks %+v", fake.Feedbacks())
	}
	if _, err := c.GDPR(ctx, &dydu.GDPRRequest{Email: "jeanne@example.org", Action: dydu.GDPRDelete}); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.GDPRRequests()); n != 1 {
		t.Fatalf("gdpr %+v", fake.GDPRRequests())
	}
	top, err := c.TopKnowledge(ctx, &dydu.TopKnowledgeRequest{Max: 3})
	if err != nil || len(top) == 0 || len(top) > 3 {
		t.Fatalf("%v %v", top, err)
	}
	sugg, err := c.Search(ctx, &dydu.SearchRequest{Text: "horaires"})
	if err != nil || len(sugg) == 0 || sugg[0].Reword == "" {
		t.Fatalf("%+v %v", sugg, err)
	}
	// A refused input never reaches the fake.
	before := len(fake.Requests())
	if _, err := c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: strings.Repeat("a", 601)}); !errors.Is(err, dydu.ErrOverLimit) {
		t.Fatal(err)
	}
	if len(fake.Requests()) != before {
		t.Fatal("a refused talk was sent")
	}
}

// TestContractFailover: a cluster whose first server is down; the dialog
// continues on the second, context and all.
func TestContractFailover(t *testing.T) {
	t.Parallel()
	cl := dydutest.NewCluster(2)
	defer cl.Close()
	c, err := dydu.NewClient(dydu.WithBotID(cl.BotID), dydu.WithServers(cl.URLs()...), dydu.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	id, err := c.NewContext(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl.Servers[0].SetDown(true)
	if _, err := c.History(ctx, id); err != nil {
		t.Fatal(err)
	}
	if c.CurrentServer() != cl.Servers[1].URL {
		t.Fatalf("current %s", c.CurrentServer())
	}
	if _, err := c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: dydutest.SeedQuestion}); err != nil {
		t.Fatal(err)
	}
	// Both down: the error names both servers.
	cl.Servers[1].SetDown(true)
	_, err = c.History(ctx, id)
	var fe *dydu.FailoverError
	if !errors.As(err, &fe) || len(fe.Servers) != 2 || !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("%v", err)
	}
}
