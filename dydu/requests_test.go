package dydu

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// chatboxRequest is one entry of testdata/chatbox_requests.json: a dialog
// call as Dydu's chatbox sends it.
type chatboxRequest struct {
	Method string   `json:"method"`
	Path   string   `json:"path"`
	Keys   []string `json:"keys"`
}

// exactCase is one method called with every parameter set, the request it
// must send, and the chatbox call it mirrors.
type exactCase struct {
	chatbox string
	call    func(ctx context.Context, c *Client) error
	path    string // below /servlet/api
	form    url.Values
	answer  string
}

func exactCases() []exactCase {
	ok := `{"type":"response","values":{}}`
	return []exactCase{
		{"context", func(ctx context.Context, c *Client) error {
			_, err := c.NewContext(ctx, &ContextRequest{ClientID: "cl-1", Language: "en", Space: "Pro", AlreadyCame: true, QualificationMode: true})
			return err
		}, "/chat/context/" + testBot, url.Values{"alreadyCame": {"true"}, "clientId": {"cl-1"}, "language": {"en"}, "space": {"Pro"}, "solutionUsed": {"ASSISTANT"}, "qualificationMode": {"true"}},
			`{"type":"contextResponse","values":{"contextId":"` + b64(testCtx) + `"}}`},
		{"talk", func(ctx context.Context, c *Client) error {
			_, err := c.Talk(ctx, &TalkRequest{ContextID: testCtx, Input: "Bonjour & à+ =x", ClientID: "cl-1", Language: "fr", Space: "Defaut",
				AlreadyCame: true, DoNotRegisterInteraction: true, Browser: "Firefox 128", OS: "Linux", UserURL: "https://www.example.com/aide?x=1",
				ExtraParameters: map[string]string{"page": "aide"}, Variables: map[string]string{"mail": "a@example.com"}, Mode: "Synchron", Livechat: true})
			return err
		}, "/chat/talk/" + testBot + "/" + testCtx, url.Values{"alreadyCame": {"true"}, "browser": {"Firefox 128"}, "clientId": {"cl-1"}, "doNotRegisterInteraction": {"true"},
			"language": {"fr"}, "os": {"Linux"}, "qualificationMode": {"false"}, "space": {"Defaut"}, "userInput": {"Bonjour & à+ =x"}, "userUrl": {"https://www.example.com/aide?x=1"},
			"solutionUsed": {"LIVECHAT"}, "extraParameters": {`{"page":"aide"}`}, "variables": {`{"mail":"a@example.com"}`}, "mode": {b64("Synchron")}}, ""},
		{"welcomecall", func(ctx context.Context, c *Client) error {
			_, err := c.WelcomeCall(ctx, &WelcomeRequest{ContextID: testCtx, Language: "fr", Space: "Pro", QualificationMode: true, Variables: map[string]string{"v": "1"}})
			return err
		}, "/chat/welcomecall/" + testBot, url.Values{"contextUuid": {testCtx}, "language": {"fr"}, "qualificationMode": {"true"}, "solutionUsed": {"ASSISTANT"}, "space": {"Pro"}, "variables": {`{"v":"1"}`}}, ""},
		{"history", func(ctx context.Context, c *Client) error {
			_, err := c.History(ctx, testCtx)
			return err
		}, "/chat/history/" + testBot, url.Values{"contextUuid": {testCtx}, "solutionUsed": {"ASSISTANT"}}, ""},
		{"status", func(ctx context.Context, c *Client) error {
			_, err := c.Status(ctx, testCtx)
			return err
		}, "/chat/status/" + testBot + "/" + testCtx, url.Values{}, ok},
		{"availablecontext", func(ctx context.Context, c *Client) error {
			return c.CheckContext(ctx, testCtx)
		}, "/chat/availablecontext/" + testBot + "/" + testCtx, url.Values{}, `{"values":{"isContextStillAvailable":true}}`},
		{"search", func(ctx context.Context, c *Client) error {
			_, err := c.Search(ctx, &SearchRequest{Text: "chat", Language: "fr", Space: "Pro"})
			return err
		}, "/chat/search/" + testBot, url.Values{"language": {"fr"}, "search": {"chat"}, "space": {"Pro"}, "onlyShowRewordables": {"true"}}, ok},
		{"topknowledge", func(ctx context.Context, c *Client) error {
			_, err := c.TopKnowledge(ctx, &TopKnowledgeRequest{Max: 5, Period: "Last30Days", Language: "fr", Space: "Pro"})
			return err
		}, "/chat/topknowledge/" + testBot, url.Values{"language": {"fr"}, "maxKnowledge": {"5"}, "period": {"Last30Days"}, "space": {"Pro"}, "solutionUsed": {"ASSISTANT"}}, ok},
		{"feedback", func(ctx context.Context, c *Client) error {
			return c.SendFeedback(ctx, testCtx, FeedbackNegative)
		}, "/chat/feedback/" + testBot, url.Values{"contextUUID": {testCtx}, "feedBack": {"negative"}, "solutionUsed": {"ASSISTANT"}}, ok},
		{"feedbackcomment", func(ctx context.Context, c *Client) error {
			return c.SendFeedbackComment(ctx, testCtx, "Pas clair")
		}, "/chat/feedback/comment/" + testBot, url.Values{"comment": {"Pas clair"}, "contextUUID": {testCtx}, "solutionUsed": {"ASSISTANT"}}, ok},
		{"insatisfaction", func(ctx context.Context, c *Client) error {
			return c.SendDissatisfaction(ctx, testCtx, "choice1")
		}, "/chat/feedback/insatisfaction/" + testBot, url.Values{"choiceKey": {"choice1"}, "contextUUID": {testCtx}, "solutionUsed": {"ASSISTANT"}}, ok},
		{"gdpr", func(ctx context.Context, c *Client) error {
			_, err := c.GDPR(ctx, &GDPRRequest{Email: "a@example.com", Action: GDPRDelete, ClientID: "cl-1", Language: "fr"})
			return err
		}, "/chat/gdpr/" + testBot, url.Values{"clientId": {"cl-1"}, "language": {"fr"}, "mail": {"a@example.com"}, "object": {"Delete"}}, ok},
		{"variable", func(ctx context.Context, c *Client) error {
			return c.SetVariable(ctx, testCtx, "mail", "a@example.com")
		}, "/chat/variable/" + testBot, url.Values{"contextUuid": {testCtx}, "name": {"mail"}, "value": {"a@example.com"}, "solutionUsed": {"ASSISTANT"}}, ok},
		{"typing", func(ctx context.Context, c *Client) error {
			return c.Typing(ctx, testCtx, "Bonj")
		}, "/chat/typing/" + testBot, url.Values{"typing": {"true"}, "content": {b64("Bonj")}, "contextId": {testCtx}, "solutionUsed": {"ASSISTANT"}}, ok},
		{"reading", func(ctx context.Context, c *Client) error {
			return c.Reading(ctx, testCtx)
		}, "/chat/reading/" + testBot, url.Values{"reading": {"true"}, "contextId": {testCtx}, "solutionUsed": {"ASSISTANT"}, "mode": {b64("Synchron")}}, ok},
		{"poll", func(ctx context.Context, c *Client) error {
			_, err := c.Poll(ctx, &PollRequest{ContextID: testCtx, LastPoll: "1678353570000", Language: "fr", Space: "Pro"})
			return err
		}, "/chat/poll/last/" + testBot, url.Values{"solutionUsed": {"LIVECHAT"}, "format": {"JSon"}, "space": {"Pro"}, "contextUuid": {testCtx}, "language": {"fr"}, "lastPoll": {"1678353570000"}}, ok},
		{"whoami", func(ctx context.Context, c *Client) error {
			_, err := c.WhoAmI(ctx)
			return err
		}, "/whoami", url.Values{}, `{"headers":[{"x":"y"},{"host":"app1"}]}`},
	}
}

// TestExactRequests: every dialog method sends the method, path, headers
// and form body the chatbox sends, key for key.
func TestExactRequests(t *testing.T) {
	t.Parallel()
	var chatbox map[string]chatboxRequest
	if err := json.Unmarshal([]byte(fixture(t, "chatbox_requests.json")), &chatbox); err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, tc := range exactCases() {
		t.Run(tc.chatbox, func(t *testing.T) {
			covered[tc.chatbox] = true
			want, ok := chatbox[tc.chatbox]
			if !ok {
				t.Fatalf("no chatbox request %q in testdata", tc.chatbox)
			}
			c, mock, rec := newMocked(t)
			answer := tc.answer
			if answer == "" {
				answer = fixture(t, "talk_response.json")
			}
			mock.RegisterNoResponder(rec.Wrap(jsonResp(200, answer)))
			if err := tc.call(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			r := rec.Last(t)
			// The chatbox's path, with its ids, without the trailing slash
			// its emit strips.
			wantPath := "/servlet/api/" + strings.TrimSuffix(strings.NewReplacer("{bot}", testBot, "{ctx}", testCtx).Replace(want.Path), "/")
			if r.Method != want.Method || r.EscapedPath != wantPath || r.EscapedPath != "/servlet/api"+tc.path {
				t.Fatalf("%s %s, want %s %s", r.Method, r.EscapedPath, want.Method, wantPath)
			}
			if got := r.Header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept = %q", got)
			}
			if r.Method == http.MethodPost {
				if got := r.Header.Get("Content-Type"); got != "application/x-www-form-urlencoded; charset=utf-8" {
					t.Errorf("Content-Type = %q", got)
				}
			}
			if r.Header.Get("Authorization") != "" {
				t.Errorf("a dialog call sent Authorization")
			}
			if !maps.EqualFunc(r.Form(), tc.form, slices.Equal) {
				t.Errorf("form\n got %v\nwant %v", r.Form(), tc.form)
			}
			// Every key the chatbox sends, and no other.
			gotKeys := slices.Sorted(maps.Keys(r.Form()))
			wantKeys := slices.Sorted(slices.Values(want.Keys))
			if !slices.Equal(gotKeys, wantKeys) {
				t.Errorf("form keys\n got %v\nwant %v (the chatbox's)", gotKeys, wantKeys)
			}
		})
	}
	for name := range chatbox {
		if !covered[name] {
			t.Errorf("chatbox request %q has no test", name)
		}
	}
}

// TestOptionalKeysLeftOut: what the caller did not set is not sent,
// except what the chatbox always sends (alreadyCame, qualificationMode,
// variables, the language and space defaults).
func TestOptionalKeysLeftOut(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, WithLanguage("en"), WithSpace("Support"))
	mock.RegisterNoResponder(rec.Wrap(jsonResp(200, fixture(t, "talk_response.json"))))
	if _, err := c.Talk(t.Context(), &TalkRequest{Input: "hello"}); err != nil {
		t.Fatal(err)
	}
	r := rec.Last(t)
	want := url.Values{"alreadyCame": {"false"}, "language": {"en"}, "qualificationMode": {"false"}, "space": {"Support"},
		"userInput": {"hello"}, "solutionUsed": {"ASSISTANT"}, "variables": {"{}"}}
	if r.EscapedPath != "/servlet/api/chat/talk/"+testBot || !maps.EqualFunc(r.Form(), want, slices.Equal) {
		t.Fatalf("%s %v", r.EscapedPath, r.Form())
	}
	// Typing stopped: typing=false with empty content left out.
	if err := c.Typing(t.Context(), testCtx, ""); err != nil {
		t.Fatal(err)
	}
	if f := rec.Last(t).Form(); f.Get("typing") != "false" || f.Has("content") {
		t.Fatalf("%v", f)
	}
	// Search for everything.
	if _, err := c.Search(t.Context(), &SearchRequest{Text: "x", AllKnowledge: true}); err != nil {
		t.Fatal(err)
	}
	if f := rec.Last(t).Form(); f.Get("onlyShowRewordables") != "false" || f.Get("space") != "Support" {
		t.Fatalf("%v", f)
	}
	// The default space, without WithSpace.
	c2, mock2, rec2 := newMocked(t)
	mock2.RegisterNoResponder(rec2.Wrap(jsonResp(200, fixture(t, "context_response.json"))))
	id, err := c2.NewContext(t.Context(), nil)
	if err != nil || id != testCtx {
		t.Fatal(id, err)
	}
	if f := rec2.Last(t).Form(); f.Get("space") != defaultSpace() || f.Get("language") != "fr" || f.Has("clientId") {
		t.Fatalf("%v", f)
	}
}
