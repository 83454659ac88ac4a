package dydu

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
)

// TestTalkDecodesTheChatboxFixture: the chatbox's own fixture, whose text
// is left plain and whose language and typeResponse are base64.
func TestTalkDecodesTheChatboxFixture(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t)
	mock.RegisterNoResponder(rec.Wrap(jsonResp(200, fixture(t, "talk_response.json"))))
	a, err := c.Talk(t.Context(), &TalkRequest{Input: "Bonjour"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Text != "Bonjour !" || a.Language != "fr" || a.TypeResponse != "DMSocial" || a.KnowledgeID != 522388 || a.ActionID != 1157051 {
		t.Fatalf("%+v", a)
	}
	if a.ServerTime.Time() != time.UnixMilli(1678353568304).UTC() || a.Human || a.StartLivechat || a.ContextRenewed {
		t.Fatalf("%+v", a)
	}
	if s := a.Livechat(); s.Kind != SignalNone {
		t.Fatalf("a bot answer says %+v", s)
	}
}

// TestTalkDecodesEveryString: strings at every depth, in objects and
// arrays, accents and an emoji outside the BMP; numbers and booleans kept.
func TestTalkDecodesEveryString(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	mock.RegisterNoResponder(jsonResp(200, fixture(t, "talk_response_encoded.json")))
	a, err := c.Talk(t.Context(), &TalkRequest{ContextID: testCtx, Input: "Combien dorment les chats ?"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Text != "<p>Les chats dorment 16 heures par jour. Ça vous étonne ? 🐈</p>" || a.ContextID != testCtx || a.BotID != testBot || a.GUICSName != "Defaut" || !a.AskFeedback {
		t.Fatalf("%+v", a)
	}
	if w := a.Values.Object("feedbackWording"); w.String("choice0") != "Réponse incomplète" || w.String("choice1") != "Hors sujet" {
		t.Fatalf("feedbackWording %v", w)
	}
	side := a.Values.List("sidebar")
	if len(side) != 1 {
		t.Fatalf("sidebar %v", side)
	}
	item := Values(side[0].(map[string]any))
	if item.String("title") != "Animaux" {
		t.Fatalf("sidebar %v", item)
	}
	if n, ok := item.Int("weight"); !ok || n != 2 {
		t.Fatalf("weight %v", item["weight"])
	}
}

// TestTalkOpensLivechat: the two answers that start a livechat, directly
// or through the waiting queue.
func TestTalkOpensLivechat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file string
		want Signal
	}{
		{"talk_livechat_start.json", Signal{Kind: SignalStarted, TypeResponse: TypeLivechatConnectionSucceed, SpecialAction: ActionStartPolling, Text: "Je vous mets en relation avec un conseiller."}},
		{"talk_livechat_queue.json", Signal{Kind: SignalQueued, TypeResponse: TypeLivechatConnectionSucceed, SpecialAction: ActionStartWaitingQueue, Text: "Tous nos conseillers sont occupés.", QueuePosition: 3, EstimatedWait: 2 * time.Minute}},
	} {
		c, mock, _ := newMocked(t)
		mock.RegisterNoResponder(jsonResp(200, fixture(t, tc.file)))
		a, err := c.Talk(t.Context(), &TalkRequest{ContextID: testCtx, Input: "Je veux parler à un humain"})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Livechat(); got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.file, got, tc.want)
		}
	}
}

// TestContextRenewed: a talk on a context Dydu archived comes back in a
// new context, and the answer says so.
func TestContextRenewed(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t)
	mock.RegisterNoResponder(rec.Wrap(jsonResp(200, fixture(t, "talk_response_encoded.json"))))
	const stale = "0b7e3e56-1111-4a2b-8c9d-000000000000"
	a, err := c.Talk(t.Context(), &TalkRequest{ContextID: stale, Input: "Encore là ?"})
	if err != nil {
		t.Fatal(err)
	}
	if !a.ContextRenewed || a.PreviousContextID != stale || a.ContextID != testCtx {
		t.Fatalf("%+v", a)
	}
	if p := rec.Last(t).Path; !strings.HasSuffix(p, "/"+stale) {
		t.Fatal(p)
	}
	// The same context: not renewed. No context: a new one, not renewed.
	for _, id := range []string{testCtx, ""} {
		a, err := c.Talk(t.Context(), &TalkRequest{ContextID: id, Input: "x"})
		if err != nil || a.ContextRenewed || a.PreviousContextID != "" {
			t.Fatalf("%q: %+v %v", id, a, err)
		}
	}
}

// TestCheckContext: available, expired (ErrContextExpired), or an answer
// that does not say.
func TestCheckContext(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	mock.RegisterResponder("POST", apiBase+"/chat/availablecontext/"+testBot+"/live", jsonResp(200, `{"values":{"isContextStillAvailable":true}}`))
	mock.RegisterResponder("POST", apiBase+"/chat/availablecontext/"+testBot+"/gone", jsonResp(200, `{"values":{"isContextStillAvailable":"`+b64("false")+`"}}`))
	mock.RegisterResponder("POST", apiBase+"/chat/availablecontext/"+testBot+"/odd", jsonResp(200, `{"values":{}}`))
	if err := c.CheckContext(t.Context(), "live"); err != nil {
		t.Fatal(err)
	}
	err := c.CheckContext(t.Context(), "gone")
	if !errors.Is(err, ErrContextExpired) || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("%v", err)
	}
	if err := c.CheckContext(t.Context(), "odd"); err == nil || errors.Is(err, ErrContextExpired) {
		t.Fatalf("%v", err)
	}
}

// TestInputLimit: 600 characters pass, 601 are refused before sending,
// naming the limit; an emoji outside the BMP counts two.
func TestInputLimit(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t)
	mock.RegisterNoResponder(rec.Wrap(jsonResp(200, fixture(t, "talk_response.json"))))
	if _, err := c.Talk(t.Context(), &TalkRequest{Input: strings.Repeat("é", 600)}); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{strings.Repeat("a", 601), strings.Repeat("a", 599) + "🐈"} {
		_, err := c.Talk(t.Context(), &TalkRequest{ContextID: testCtx, Input: in})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Limit != 600 || ve.Field != "userInput" || !errors.Is(err, ErrOverLimit) || !errors.Is(err, deskbridge.ErrInvalid) {
			t.Fatalf("%v", err)
		}
		if !strings.Contains(err.Error(), "600") || !strings.Contains(err.Error(), "nothing was sent") {
			t.Fatal(err)
		}
	}
	if _, err := c.Search(t.Context(), &SearchRequest{Text: strings.Repeat("a", 601)}); !errors.Is(err, ErrOverLimit) {
		t.Fatal(err)
	}
	if n := len(rec.All()); n != 1 {
		t.Fatalf("%d requests sent, want 1", n)
	}
}

// TestRefusedInput: what the client refuses before sending, each a
// ValidationError matching ErrInvalid.
func TestRefusedInput(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t)
	mock.RegisterNoResponder(rec.Wrap(jsonResp(200, `{}`)))
	ctx := t.Context()
	for name, err := range map[string]error{
		"talk nil":       func() error { _, err := c.Talk(ctx, nil); return err }(),
		"talk empty":     func() error { _, err := c.Talk(ctx, &TalkRequest{Input: "  "}); return err }(),
		"welcome no ctx": func() error { _, err := c.WelcomeCall(ctx, &WelcomeRequest{}); return err }(),
		"history no ctx": func() error { _, err := c.History(ctx, ""); return err }(),
		"poll no ctx":    func() error { _, err := c.Poll(ctx, &PollRequest{}); return err }(),
		"variable name":  c.SetVariable(ctx, testCtx, " ", "v"),
		"feedback value": c.SendFeedback(ctx, testCtx, "meh"),
		"comment empty":  c.SendFeedbackComment(ctx, testCtx, ""),
		"choice empty":   c.SendDissatisfaction(ctx, testCtx, ""),
		"gdpr action":    func() error { _, err := c.GDPR(ctx, &GDPRRequest{Email: "a@example.com", Action: "Erase"}); return err }(),
		"gdpr mail":      func() error { _, err := c.GDPR(ctx, &GDPRRequest{Email: "nobody", Action: GDPRGet}); return err }(),
		"top negative":   func() error { _, err := c.TopKnowledge(ctx, &TopKnowledgeRequest{Max: -1}); return err }(),
		"typing no ctx":  c.Typing(ctx, "", "x"),
		"reading no ctx": c.Reading(ctx, ""),
		"status no ctx":  func() error { _, err := c.Status(ctx, ""); return err }(),
		"check no ctx":   c.CheckContext(ctx, ""),
		"admin no creds": func() error { _, err := c.Admin.Competencies(ctx); return err }(),
		"search nil":     func() error { _, err := c.Search(ctx, nil); return err }(),
		"poll nil":       func() error { _, err := c.Poll(ctx, nil); return err }(),
		"welcome nil":    func() error { _, err := c.WelcomeCall(ctx, nil); return err }(),
		"gdpr nil":       func() error { _, err := c.GDPR(ctx, nil); return err }(),
	} {
		if !errors.Is(err, deskbridge.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(rec.All()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

// TestHistory decodes the transcript.
func TestHistory(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	mock.RegisterNoResponder(jsonResp(200, fixture(t, "history_response.json")))
	h, err := c.History(t.Context(), testCtx)
	if err != nil {
		t.Fatal(err)
	}
	if h.ContextID != testCtx || h.BotID != testBot || h.PollUpdatedInteractionDate != "1678353589000" || !h.LivechatEnabled || h.ServerTime != 1678353590000 || len(h.Interactions) != 2 {
		t.Fatalf("%+v", h)
	}
	u, op := h.Interactions[0], h.Interactions[1]
	if u.From != "user" || u.User != "Combien dorment les chats ?" || u.Text != "<p>Les chats dorment 16 heures par jour.</p>" || u.Timestamp != 1678353568304 || u.Date != "2023-03-09 10:19:28" {
		t.Fatalf("%+v", u)
	}
	if op.OperatorName != "Camille" || op.OperatorLastName != "Martin" || op.OperatorMail != "camille@example.com" || op.OperatorExternalID != "9001" || op.User != "" {
		t.Fatalf("%+v", op)
	}
}

// TestPoll: each kind of news, and the lastPoll to send next.
func TestPoll(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file     string
		kind     SignalKind
		text     string
		lastPoll string
	}{
		{"poll_operator_message.json", SignalMessage, "Bonjour, Camille du service client.", "1678353589000"},
		{"poll_operator_typing.json", SignalTyping, "", "1678353570000"},
		{"poll_end_by_operator.json", SignalEnded, "L'opérateur a mis fin à la conversation.", "1678353599000"},
		{"poll_auto_close.json", SignalEnded, "", "1678353570000"},
		{"", SignalNone, "", "1678353570000"},
	} {
		c, mock, rec := newMocked(t)
		body := `{"type":"pollResponse","values":{}}`
		if tc.file != "" {
			body = fixture(t, tc.file)
		}
		mock.RegisterNoResponder(rec.Wrap(jsonResp(200, body)))
		res, err := c.Poll(t.Context(), &PollRequest{ContextID: testCtx, LastPoll: "1678353570000"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Signal.Kind != tc.kind || res.Signal.Text != tc.text || res.LastPoll != tc.lastPoll {
			t.Errorf("%s: %+v lastPoll %q", tc.file, res.Signal, res.LastPoll)
		}
		if tc.kind == SignalMessage && res.Signal.Operator.Detail != "Camille" {
			t.Errorf("operator %+v", res.Signal.Operator)
		}
	}
}

// TestClassify: the chatbox's rules, one by one.
func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    Values
		want SignalKind
	}{
		{Values{"specialAction": "StartPolling"}, SignalStarted},
		{Values{"typeResponse": "DMLiveChatConnectionSucceed"}, SignalStarted},
		{Values{"typeResponse": "DMLiveChatConnectionSucceed", "specialAction": "StartWaitingQueue"}, SignalQueued},
		{Values{"typeResponse": "DMLiveChatConnectionInQueue"}, SignalQueued},
		{Values{"specialAction": "LeaveWaitingQueue"}, SignalQueueLeft},
		{Values{"typeResponse": "DMLiveChatLeaveQueue"}, SignalQueueLeft},
		{Values{"typeResponse": "NAAutoCloseDialog"}, SignalEnded},
		{Values{"typeResponse": "NAAutoCloseDialogBecauseUserLeft"}, SignalEnded},
		{Values{"typeResponse": "OPLiveChatEndByOperator", "text": "bye", "fromDetail": "x"}, SignalEnded},
		{Values{"specialAction": "EndPolling"}, SignalEnded},
		{Values{"text": "hi", "fromDetail": "Camille"}, SignalMessage},
		{Values{"text": "a bot answer"}, SignalNone},
		{Values{"code": "OperatorWritingStatus"}, SignalTyping},
		{Values{"code": "OperatorBusy"}, SignalNotification},
		{Values{"code": "AlmostTimedOut"}, SignalNotification},
		{Values{}, SignalNone},
		{nil, SignalNone},
	} {
		if got := Classify(tc.v).Kind; got != tc.want {
			t.Errorf("%v: %q, want %q", tc.v, got, tc.want)
		}
	}
}

// TestWhoAmI reads the host as the chatbox does.
func TestWhoAmI(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	mock.RegisterNoResponder(jsonResp(200, `{"headers":[null,{"x":"y"},{"host":"app1.dydu.example"}]}`))
	host, err := c.WhoAmI(t.Context())
	if err != nil || host != "app1.dydu.example" {
		t.Fatal(host, err)
	}
}

// TestBadAnswers: an answer that is not an envelope is an error that names
// the call, never a panic.
func TestBadAnswers(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`<html>`, `[]`, `{"values":"x"}`, `{"type":3}`, `{"values":{"a":` + strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100) + `}}`} {
		c, mock, _ := newMocked(t)
		mock.RegisterNoResponder(jsonResp(200, body))
		if _, err := c.History(t.Context(), testCtx); err == nil || !strings.Contains(err.Error(), "History") {
			t.Errorf("%s: %v", body, err)
		}
	}
	c, mock, _ := newMocked(t)
	mock.RegisterNoResponder(jsonResp(200, `{"values":{}}`))
	if _, err := c.NewContext(t.Context(), nil); err == nil || !strings.Contains(err.Error(), "contextId") {
		t.Fatal(err)
	}
}

// TestSearchAndTopKnowledge: search's values are a list; top knowledge's
// knowledgeArticles is the JSON text of a list (or of one item).
func TestSearchAndTopKnowledge(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	mock.RegisterResponder("POST", apiBase+"/chat/search/"+testBot, jsonResp(200,
		`{"type":"searchResponse","values":[{"rootConditionReword":"`+b64("Quels sont vos horaires ?")+`","score":0.92},{"rootConditionReword":"`+b64("Où êtes-vous ?")+`","score":"`+b64("0.5")+`"}]}`))
	mock.RegisterResponder("POST", apiBase+"/chat/topknowledge/"+testBot, jsonResp(200,
		`{"type":"topKnowledgeResponse","values":{"knowledgeArticles":"`+b64(`[{"id":3,"reword":"Horaires"},{"id":5,"reword":"Adresse"}]`)+`"}}`))
	s, err := c.Search(t.Context(), &SearchRequest{Text: "hor"})
	if err != nil || len(s) != 2 || s[0].Reword != "Quels sont vos horaires ?" || s[0].Score != 0.92 || s[1].Reword != "Où êtes-vous ?" || s[1].Score != 0.5 {
		t.Fatalf("%+v %v", s, err)
	}
	top, err := c.TopKnowledge(t.Context(), nil)
	if err != nil || len(top) != 2 || top[1].String("reword") != "Adresse" {
		t.Fatalf("%v %v", top, err)
	}
	for text, n := range map[string]int{"": 0, `{"id":1}`: 1, `[]`: 0} {
		l, err := knowledgeArticles(text)
		if err != nil || len(l) != n {
			t.Errorf("%q: %v %v", text, l, err)
		}
	}
	if _, err := knowledgeArticles(`"x"`); err == nil {
		t.Error("a string is not a list")
	}
}
