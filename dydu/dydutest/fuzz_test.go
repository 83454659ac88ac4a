package dydutest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzRequest drives the fake's request decoding — the route, the form
// body, the variables JSON, typing's base64 content, lastPoll — without
// a network. Nothing may panic; every answer is a JSON envelope whose
// values hold only base64 strings; a success is 200, a refusal 400, 401,
// 404 or 405.
func FuzzRequest(f *testing.F) {
	const bot = "f1871fe8-cdea-4695-9ea6-529a4e9460dc"
	for _, c := range [][3]string{
		{"POST", "chat/talk/" + bot + "/", "userInput=bonjour&language=fr&space=Defaut&solutionUsed=ASSISTANT"},
		{"POST", "chat/talk/" + bot + "/CTX/", "userInput=mon+chien&variables=%7B%22mail%22%3A%22a%40b.c%22%7D"},
		{"POST", "chat/talk/" + bot, "userInput=" + strings.Repeat("%C3%A9", 700)},
		{"POST", "chat/context/" + bot + "/", "clientId=c&alreadyCame=false"},
		{"POST", "chat/poll/last/" + bot, "contextUuid=CTX&lastPoll=1700000000000&solutionUsed=LIVECHAT&format=JSon"},
		{"POST", "chat/typing/" + bot + "/", "typing=true&contextId=CTX&content=" + base64.StdEncoding.EncodeToString([]byte("é"))},
		{"POST", "chat/history/" + bot + "/", "contextUuid=CTX"},
		{"POST", "chat/feedback/comment/" + bot + "/", "contextUUID=CTX&comment=x"},
		{"POST", "chat/gdpr/" + bot + "/", "mail=a%40b.c&object=Delete&clientId=c"},
		{"POST", "chat/search/" + bot + "/", "search=mon+ch"},
		{"POST", "chat/topknowledge/" + bot + "/", "maxKnowledge=-1"},
		{"GET", "chat/availablecontext/" + bot + "/CTX/", ""},
		{"PUT", "chat/../../etc", "%zz"},
		{"GET", "competencies/" + bot, ""},
	} {
		f.Add(c[0], c[1], c[2])
	}
	clock := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		cfg := newConfig([]Option{WithBotID(bot), WithClock(func() time.Time { return clock })})
		s := &Server{BotID: bot, AdminLogin: "a", AdminPassword: "b", st: newState(cfg)}
		ctx := s.st.newDialog("c", "fr", "Defaut").ID
		if _, err := s.st.bot.addKnowledge(Knowledge{Questions: []string{"x"}, Answer: "y", Capture: "v"}); err != nil {
			t.Fatal(err)
		}
		path = strings.ReplaceAll(path, "CTX", ctx)
		body = strings.ReplaceAll(body, "CTX", ctx)
		req, err := http.NewRequest(method, "http://fake"+apiPrefix+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		s.serve(w, req)
		switch w.Code {
		case 200, 400, 401, 404, 405:
		default:
			t.Fatalf("status %d", w.Code)
		}
		var env struct {
			Type   string
			Values any
		}
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Type == "" {
			t.Fatalf("not an envelope: %q", w.Body.String())
		}
		if (w.Code == 200) == (env.Type == "error") {
			t.Fatalf("status %d with type %q", w.Code, env.Type)
		}
		checkBase64(t, env.Values)
	})
}

func checkBase64(t *testing.T, v any) {
	switch x := v.(type) {
	case string:
		if _, err := base64.StdEncoding.DecodeString(x); err != nil {
			t.Fatalf("%q in values is not base64", x)
		}
	case map[string]any:
		for _, e := range x {
			checkBase64(t, e)
		}
	case []any:
		for _, e := range x {
			checkBase64(t, e)
		}
	}
}

// FuzzMatch feeds the bot's matcher and normalizer: no panic, and an
// input that holds a question's words matches some knowledge.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{SeedAnimalQuestion, SeedQuestion, "ÇA VA ?!", "", "œuf", "\xff\xfe", strings.Repeat("mon ", 300)} {
		f.Add(s)
	}
	b := newBot()
	sb := SeedBot()
	for _, n := range sb.Skills {
		b.addSkill(n)
	}
	for _, k := range sb.Knowledge {
		if _, err := b.addKnowledge(k); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		b.match(s)
		if b.match(s+" mon chien") == nil {
			t.Fatalf("%q + mon chien matched nothing", s)
		}
	})
}
