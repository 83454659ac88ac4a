package dydutest_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/dydu/dydutest"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

// pollAll polls as CV5 does, keeping pollUpdatedInteractionDate as the
// next lastPoll, until an answer brings nothing new.
func pollAll(t *testing.T, s *dydutest.Server, ctx string, last *int64) []answer {
	t.Helper()
	var out []answer
	for range 50 {
		a := poll(t, s, ctx, *last)
		if a.Status != 200 {
			t.Fatalf("poll: %d %v", a.Status, a.Values)
		}
		d, ok := a.Values["pollUpdatedInteractionDate"].(float64)
		if !ok {
			return out
		}
		if int64(d) <= *last {
			t.Fatalf("pollUpdatedInteractionDate %d did not move past %d", int64(d), *last)
		}
		*last = int64(d)
		out = append(out, a)
	}
	t.Fatal("the poll never ran dry")
	return nil
}

func TestLivechatPollSequence(t *testing.T) {
	clock := testkit.NewClock() // frozen: dates must still increase
	var hooked []dydutest.Escalation
	s := dydutest.NewServer(dydutest.WithClock(clock.Now), dydutest.WithEscalationHook(func(e dydutest.Escalation) { hooked = append(hooked, e) }))
	defer s.Close()
	ctx := newContext(t, s)
	talk(t, s, ctx, dydutest.SeedQuestion)
	talk(t, s, ctx, dydutest.SeedMailQuestion)
	talk(t, s, ctx, "jeanne@example.org")

	esc := talk(t, s, ctx, dydutest.SeedAnimalQuestion)
	if esc.str("specialAction") != "StartPolling" || esc.str("typeResponse") != "DMLiveChatConnectionSucceed" ||
		esc.Values["startLivechat"] != true || esc.str("text") == "" {
		t.Fatalf("escalation answer %v", esc.Values)
	}
	es := s.Escalations()
	if len(es) != 1 || len(hooked) != 1 || es[0].ContextID != ctx || es[0].Skill != dydutest.SeedSkill || es[0].Queued ||
		es[0].Variables["mail"] != "jeanne@example.org" || len(es[0].Transcript) != 4 || es[0].Question != dydutest.SeedAnimalQuestion {
		t.Fatalf("escalations %+v", es)
	}
	k, _ := s.Knowledge(es[0].KnowledgeID)
	if !k.Livechat || k.Skill != "Animal" {
		t.Fatalf("knowledge %+v", k)
	}

	// The first lastPoll is the talk answer's serverTime, as in CV5.
	last := esc.num("serverTime")
	if got := pollAll(t, s, ctx, &last); len(got) != 0 {
		t.Fatalf("events before any: %v", got)
	}
	op := dydutest.Operator{Name: "Ann", LastName: "Agent", Mail: "ann@example.org", ExternalID: "42"}
	s.OperatorTyping(ctx)
	s.OperatorMessage(ctx, op, "Bonjour Jeanne, que se passe-t-il avec votre chien ?")
	// The user answers through talk, with solutionUsed LIVECHAT.
	if a := talk(t, s, ctx, "Il ne mange plus.", "LIVECHAT"); a.Values["human"] != true || a.Values["text"] != nil {
		t.Fatalf("livechat talk answer %v", a.Values)
	}
	if um := s.UserMessages(ctx); len(um) != 1 || um[0].Text != "Il ne mange plus." {
		t.Fatalf("user messages %+v", um)
	}
	s.OperatorMessage(ctx, op, `Voici une fiche : <a href="https://example.org/chien.pdf">chien.pdf</a>`)
	s.EndLivechat(ctx, dydutest.EndByOperator, "Conversation terminée.")

	got := pollAll(t, s, ctx, &last)
	if len(got) != 4 {
		t.Fatalf("%d answers: %v", len(got), got)
	}
	if got[0].str("code") != "OperatorWritingStatus" {
		t.Errorf("first: %v", got[0].Values)
	}
	if got[1].str("text") == "" || got[1].str("fromDetail") != "Ann Agent" || got[1].str("operatorExternalId") != "42" || got[1].Values["code"] != nil {
		t.Errorf("operator message: %v", got[1].Values)
	}
	if got[3].str("typeResponse") != "OPLiveChatEndByOperator" || got[3].str("specialAction") != "EndPolling" {
		t.Errorf("end: %v", got[3].Values)
	}
	// Polling again from an older date replays; from the last, nothing.
	if a := poll(t, s, ctx, esc.num("serverTime")); a.str("code") != "OperatorWritingStatus" {
		t.Errorf("replay: %v", a.Values)
	}
	// The bot has the dialog again.
	if a := talk(t, s, ctx, dydutest.SeedQuestion); a.str("typeResponse") != "DMUnderstoodQuestion" {
		t.Fatalf("after the end: %v", a.Values)
	}
	h := post(t, s, "chat/history/"+s.BotID+"/", url.Values{"contextUuid": {ctx}})
	if h.num("pollUpdatedInteractionDate") != last {
		t.Errorf("history pollUpdatedInteractionDate %d, want %d", h.num("pollUpdatedInteractionDate"), last)
	}
	items := h.Values["interactions"].([]any)
	opTurn := items[4].(map[string]any)
	if opTurn["from"] != "operator" || opTurn["operatorName"] != "Ann" {
		t.Errorf("operator turn in history: %v", opTurn)
	}
	// Operator helpers refuse a dialog not in the livechat.
	if _, err := s.OperatorMessage(ctx, op, "encore"); err == nil {
		t.Error("an operator message after the end was accepted")
	}
	if _, err := s.OperatorMessage("nope", op, "x"); err == nil {
		t.Error("an operator message to no dialog was accepted")
	}
}

func TestLivechatQueue(t *testing.T) {
	clock := testkit.NewClock()
	s := dydutest.NewServer(dydutest.WithClock(clock.Now))
	defer s.Close()
	s.SetQueue(3, 2*time.Minute)
	ctx := newContext(t, s)
	esc := talk(t, s, ctx, dydutest.SeedAnimalQuestion)
	if esc.str("specialAction") != "StartWaitingQueue" || esc.str("queuePosition") != "3" || esc.str("estimatedWaitingDuration") != "120" {
		t.Fatalf("queued answer %v", esc.Values)
	}
	if d, _ := s.Context(ctx); d.Livechat != dydutest.LivechatQueued || d.Livechat.String() != "queued" {
		t.Fatalf("state %v", d.Livechat)
	}
	clock.Advance(30 * time.Second)
	if _, err := s.UpdateQueue(ctx, 1, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptEscalation(ctx, dydutest.Operator{Name: "Ann"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptEscalation(ctx, dydutest.Operator{Name: "Bob"}); err == nil {
		t.Fatal("a connected dialog was accepted twice")
	}
	last := esc.num("serverTime")
	got := pollAll(t, s, ctx, &last)
	if len(got) != 2 || got[0].str("code") != "NAWaitingForOperator" || got[0].str("queuePosition") != "1" ||
		got[1].str("typeResponse") != "DMLiveChatConnectionSucceed" || got[1].str("code") != "OperatorConnected" {
		t.Fatalf("queue sequence %v", got)
	}
	// The chatbox's polls keep the dialog alive past 10 minutes.
	for range 3 {
		clock.Advance(5 * time.Minute)
		poll(t, s, ctx, last)
	}
	if _, err := s.EndLivechat(ctx, dydutest.EndUserLeft, ""); err != nil {
		t.Fatal(err)
	}
	if got := pollAll(t, s, ctx, &last); len(got) != 1 || got[0].str("typeResponse") != "NAAutoCloseDialogBecauseUserLeft" {
		t.Fatalf("end %v", got)
	}
	// And without polls it expires.
	clock.Advance(dydutest.ContextIdleTimeout)
	if a := poll(t, s, ctx, last); a.Status != 404 {
		t.Fatalf("poll of an expired context: %d", a.Status)
	}
}
