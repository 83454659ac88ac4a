package dydu_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/dydu/dydutest"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

// The fake's rate limit against the client's 429 handling: past the
// limit the fake answers a bare 429; a client without retries returns it
// as ErrRateLimited, one with retries waits and gets through once the
// window passes; with several servers, a 429 moves the call to the next;
// SetRateLimit(0, 0) lifts the limit.
func TestContractRateLimit(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock()
	fake, c, id := fakeDialog(t, dydutest.WithRateLimit(1, time.Minute), dydutest.WithClock(clock.Now))
	ctx := t.Context()
	_, err := c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: dydutest.SeedQuestion})
	var de *dydu.Error
	if !errors.Is(err, deskbridge.ErrRateLimited) || !errors.As(err, &de) || de.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("past the limit without retries: %v", err)
	}
	// With retries, the client backs off (the bare 429 names no wait)
	// until the window has passed: the fake's clock moves on once the
	// retried call has been refused.
	rc := newFakeClient(t, fake, dydu.WithMaxRetries(20), dydu.WithRetryWaitMax(20*time.Millisecond))
	fake.ResetRequests()
	go func() {
		for fake.RequestCount("", "/") == 0 {
			time.Sleep(time.Millisecond)
		}
		clock.Advance(time.Minute)
	}()
	a, err := rc.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: dydutest.SeedQuestion})
	if err != nil || !strings.Contains(a.Text, "du lundi au vendredi") {
		t.Fatalf("with retries: %+v %v", a, err)
	}
	var limited, ok int
	for _, r := range fake.Requests() {
		switch r.Status {
		case http.StatusTooManyRequests:
			limited++
		case http.StatusOK:
			ok++
		}
	}
	if ok != 1 || limited == 0 {
		t.Fatalf("%d answered, %d limited; want 429s, then one answer", ok, limited)
	}
	// No limit: calls go through at once.
	fake.SetRateLimit(0, 0)
	for range 5 {
		if _, err := c.History(ctx, id); err != nil {
			t.Fatalf("without a limit: %v", err)
		}
	}

	// Two servers, the first limited: the call moves to the second.
	cl := dydutest.NewCluster(2)
	defer cl.Close()
	mc, err := dydu.NewClient(dydu.WithBotID(cl.BotID), dydu.WithServers(cl.URLs()...), dydu.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	cid, err := mc.NewContext(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl.Servers[0].SetRateLimit(1, time.Hour)
	_, _ = mc.History(ctx, cid) // may spend the first server's one request
	if _, err := mc.Talk(ctx, &dydu.TalkRequest{ContextID: cid, Input: dydutest.SeedQuestion}); err != nil {
		t.Fatalf("a limited server did not fail over: %v", err)
	}
	if mc.CurrentServer() != cl.Servers[1].URL {
		t.Fatalf("current server %s, want the second", mc.CurrentServer())
	}
}

// A bot built with AddSkill and AddKnowledge answers through the API as
// the seed bot does, escalating with the skill's condition; what the fake
// cannot take is refused.
func TestContractAddKnowledge(t *testing.T) {
	t.Parallel()
	fake, c, id := fakeDialog(t, dydutest.WithBot(dydutest.Bot{}))
	ctx := t.Context()
	if _, err := fake.AddSkill("Plomberie"); err != nil {
		t.Fatal(err)
	}
	kid, err := fake.AddKnowledge(dydutest.Knowledge{Questions: []string{"fuite d'eau"}, Answer: "Un plombier va vous répondre.",
		Skill: "Plomberie", Livechat: true})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := fake.AddKnowledge(dydutest.Knowledge{ID: 77, Questions: []string{"tarifs"}, Answer: "<p>Voir la grille.</p>"})
	if err != nil || plain != 77 {
		t.Fatalf("a knowledge with its id: %d %v", plain, err)
	}
	for name, k := range map[string]dydutest.Knowledge{
		"no answer":     {Questions: []string{"x"}},
		"no question":   {Answer: "x"},
		"unknown skill": {Questions: []string{"x"}, Answer: "x", Skill: "Jardinage"},
		"id taken":      {ID: 77, Questions: []string{"x"}, Answer: "x"},
	} {
		if _, err := fake.AddKnowledge(k); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	a, err := c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: "Quels sont vos tarifs ?"})
	if err != nil || a.KnowledgeID != 77 || !strings.Contains(a.Text, "Voir la grille") || a.Livechat().Kind != dydu.SignalNone {
		t.Fatalf("the plain knowledge: %+v %v", a, err)
	}
	a, err = c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: "J'ai une fuite d'eau dans la cuisine"})
	if err != nil || a.KnowledgeID != int64(kid) || !strings.Contains(a.Text, "plombier") {
		t.Fatalf("the escalating knowledge: %+v %v", a, err)
	}
	if k := a.Livechat().Kind; k != dydu.SignalStarted && k != dydu.SignalQueued {
		t.Fatalf("the escalation says %+v", a.Livechat())
	}
	if es := fake.Escalations(); len(es) != 1 || es[0].Skill != "Plomberie" {
		t.Fatalf("escalations %+v", es)
	}
}

// LivechatEvents is what the poll serves, in order, with increasing
// dates; an unknown dialog has none.
func TestLivechatEventsMatchThePoll(t *testing.T) {
	t.Parallel()
	fake, c, id := fakeDialog(t)
	ctx := t.Context()
	esc, err := c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: dydutest.SeedAnimalQuestion})
	if err != nil {
		t.Fatal(err)
	}
	before := len(fake.LivechatEvents(id))
	op := dydutest.Operator{Name: "Camille"}
	if _, err := fake.OperatorMessage(id, op, "Bonjour"); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.OperatorTyping(id); err != nil {
		t.Fatal(err)
	}
	evs := fake.LivechatEvents(id)
	if len(evs) != before+2 {
		t.Fatalf("%d events, want %d", len(evs), before+2)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Date <= evs[i-1].Date {
			t.Fatalf("event %d's date %d is not after %d", i, evs[i].Date, evs[i-1].Date)
		}
	}
	res, err := c.Poll(ctx, &dydu.PollRequest{ContextID: id, LastPoll: strconv.FormatInt(int64(esc.ServerTime), 10)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Signal.Kind != dydu.SignalMessage || res.Signal.Text != "Bonjour" || res.LastPoll != strconv.FormatInt(evs[before].Date, 10) {
		t.Fatalf("the poll served %+v (last %s); the fake's events %+v", res.Signal, res.LastPoll, evs[before:])
	}
	if got := fake.LivechatEvents("no-such-dialog"); got != nil {
		t.Fatalf("an unknown dialog's events: %v", got)
	}
}

// fakeDialog starts a fake with opts, a client of it and a dialog
// context.
func fakeDialog(t *testing.T, opts ...dydutest.Option) (*dydutest.Server, *dydu.Client, string) {
	t.Helper()
	fake := dydutest.NewServer(opts...)
	t.Cleanup(fake.Close)
	c := newFakeClient(t, fake)
	id, err := c.NewContext(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return fake, c, id
}

// ClearFaults drops the faults not yet served.
func TestFakeClearFaults(t *testing.T) {
	t.Parallel()
	fake := dydutest.NewServer()
	defer fake.Close()
	c := newFakeClient(t, fake)
	fake.InjectFault(dydutest.Fault{Status: http.StatusInternalServerError, Times: 3})
	if _, err := c.NewContext(t.Context(), nil); !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("with the fault: %v", err)
	}
	fake.ClearFaults()
	if _, err := c.NewContext(t.Context(), nil); err != nil {
		t.Fatalf("after ClearFaults: %v", err)
	}
}
