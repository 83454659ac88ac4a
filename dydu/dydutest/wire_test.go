package dydutest_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/dydu/dydutest"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestTalkEnvelopeIsBase64(t *testing.T) {
	clock := testkit.NewClock()
	s := dydutest.NewServer(dydutest.WithClock(clock.Now))
	defer s.Close()
	if !uuidRE.MatchString(s.BotID) {
		t.Fatalf("bot id %q is not a UUID", s.BotID)
	}
	ctx := newContext(t, s)
	if !uuidRE.MatchString(ctx) {
		t.Fatalf("context id %q is not a UUID", ctx)
	}
	a := talk(t, s, ctx, dydutest.SeedQuestion)
	if a.Status != 200 || a.Type != "talkResponse" {
		t.Fatalf("talk: %d %q", a.Status, a.Type)
	}
	raw := a.Raw["values"].(map[string]any)
	if raw["text"] == a.str("text") {
		t.Fatalf("text is not base64 on the wire: %v", raw["text"])
	}
	if got := a.str("text"); !strings.Contains(got, "lundi au vendredi") {
		t.Fatalf("answer %q", got)
	}
	if a.str("typeResponse") != "DMUnderstoodQuestion" || a.str("contextId") != ctx || a.str("botId") != s.BotID {
		t.Fatalf("values %v", a.Values)
	}
	// Numbers and booleans are not base64.
	if _, ok := raw["knowledgeId"].(float64); !ok {
		t.Fatalf("knowledgeId %T", raw["knowledgeId"])
	}
	if a.num("serverTime") != clock.Now().UnixMilli() {
		t.Fatalf("serverTime %d, want %d", a.num("serverTime"), clock.Now().UnixMilli())
	}
	if raw["startLivechat"] != false {
		t.Fatalf("startLivechat %v", raw["startLivechat"])
	}
	// Absent optional fields are absent, not "".
	for _, k := range []string{"specialAction", "queuePosition", "urlRedirect"} {
		if _, ok := raw[k]; ok {
			t.Errorf("%s present on a plain answer", k)
		}
	}
	// Unicode survives base64: the answer is UTF-8.
	if !strings.Contains(talk(t, s, ctx, "Ça va ? Bonjour").str("text"), "Que puis-je") {
		t.Fatal("accented input did not match the greeting")
	}
	miss := talk(t, s, ctx, "zzz qqq")
	if miss.str("typeResponse") != "GBMisunderstoodQuestion" || miss.Values["knowledgeId"] != nil {
		t.Fatalf("misunderstood: %v", miss.Values)
	}
}

func TestTalkWithoutContextStartsOneAndSlashIsOptional(t *testing.T) {
	s := dydutest.NewServer()
	defer s.Close()
	a := talk(t, s, "", "bonjour")
	ctx := a.str("contextId")
	if !uuidRE.MatchString(ctx) {
		t.Fatalf("contextId %q", ctx)
	}
	// CV5 strips the trailing slash; both forms are served.
	b := post(t, s, "chat/talk/"+s.BotID+"/"+ctx, url.Values{"userInput": {"horaires"}})
	if b.Status != 200 || b.str("contextId") != ctx {
		t.Fatalf("no slash: %d %v", b.Status, b.Values)
	}
	// GET with query parameters works too ("HTTP GET or POST").
	resp, err := s.Client().Get(s.APIURL() + "chat/talk/" + s.BotID + "/" + ctx + "/?userInput=horaires")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET talk: %v %v", err, resp)
	}
	resp.Body.Close()
	d, _ := s.Context(ctx)
	if len(d.Interactions) != 3 {
		t.Fatalf("%d interactions", len(d.Interactions))
	}
}

func TestContextExpiresAfterTenIdleMinutes(t *testing.T) {
	clock := testkit.NewClock()
	s := dydutest.NewServer(dydutest.WithClock(clock.Now))
	defer s.Close()
	ctx := talk(t, s, "", "bonjour").str("contextId")

	clock.Advance(dydutest.ContextIdleTimeout - time.Millisecond)
	if got := talk(t, s, ctx, "horaires").str("contextId"); got != ctx {
		t.Fatalf("a context used within 10 minutes changed: %s", got)
	}
	// The talk pushed the expiry back: 9m59s later it is still there.
	clock.Advance(dydutest.ContextIdleTimeout - time.Second)
	avail := post(t, s, "chat/availablecontext/"+s.BotID+"/"+ctx+"/", nil)
	if avail.Values["isContextStillAvailable"] != true {
		t.Fatalf("availablecontext: %v", avail.Values)
	}
	// Asking does not count as a use: one more second and it is gone.
	clock.Advance(time.Second)
	avail = post(t, s, "chat/availablecontext/"+s.BotID+"/"+ctx+"/", nil)
	if avail.Values["isContextStillAvailable"] != false {
		t.Fatalf("availablecontext after expiry: %v", avail.Values)
	}
	if h := post(t, s, "chat/history/"+s.BotID+"/", url.Values{"contextUuid": {ctx}}); h.Status != 404 || h.str("code") != "UnknownContext" {
		t.Fatalf("history of an expired context: %d %v", h.Status, h.Values)
	}
	// A talk on it gets a new context, as Dydu documents.
	next := talk(t, s, ctx, "horaires")
	if next.Status != 200 || next.str("contextId") == ctx || !uuidRE.MatchString(next.str("contextId")) {
		t.Fatalf("talk on an expired context: %d %v", next.Status, next.Values)
	}
	if _, ok := s.Context(ctx); ok {
		t.Fatal("the expired context is still there")
	}
}

func TestUserInputOver600IsCutAndRecorded(t *testing.T) {
	s := dydutest.NewServer()
	defer s.Close()
	ctx := newContext(t, s)
	// 'é' is two bytes: the limit counts characters.
	long := "horaires " + strings.Repeat("é", 700)
	a := talk(t, s, ctx, long)
	if a.Status != 200 {
		t.Fatalf("the server refused a long input (%d); it silently cuts it", a.Status)
	}
	tr := s.Truncations()
	if len(tr) != 1 || tr[0].ContextID != ctx || tr[0].Length != 709 || len([]rune(tr[0].Used)) != dydutest.MaxUserInput {
		t.Fatalf("truncations %+v", tr)
	}
	d, _ := s.Context(ctx)
	if got := d.Interactions[0].User; got != tr[0].Used {
		t.Fatal("the bot saw more than the first 600 characters")
	}
	// Exactly 600 is not cut.
	talk(t, s, ctx, strings.Repeat("a", 600))
	if len(s.Truncations()) != 1 {
		t.Fatal("600 characters were recorded as cut")
	}
}

func TestWelcomeHistoryVariablesTypingReading(t *testing.T) {
	s := dydutest.NewServer()
	defer s.Close()
	ctx := newContext(t, s)
	w := post(t, s, "chat/welcomecall/"+s.BotID, url.Values{"contextUuid": {ctx}, "language": {"fr"}, "space": {"Defaut"}, "solutionUsed": {"ASSISTANT"}})
	if w.Type != "talkResponse" || !strings.Contains(w.str("text"), "assistant virtuel") || w.str("contextId") != ctx {
		t.Fatalf("welcome: %v", w.Values)
	}
	v := post(t, s, "chat/variable/"+s.BotID+"/", url.Values{"contextUuid": {ctx}, "name": {"plan"}, "value": {"gold"}, "solutionUsed": {"ASSISTANT"}})
	if v.Status != 200 {
		t.Fatalf("variable: %d %v", v.Status, v.Values)
	}
	// Capture in free input: the seed's identity mapping.
	talk(t, s, ctx, dydutest.SeedMailQuestion)
	if got := talk(t, s, ctx, "jeanne@example.org").str("text"); got != "Merci, c'est noté." {
		t.Fatalf("capture reply %q", got)
	}
	typing := post(t, s, "chat/typing/"+s.BotID+"/", url.Values{"typing": {"true"}, "contextId": {ctx},
		"content": {base64.StdEncoding.EncodeToString([]byte("J'écris…"))}, "solutionUsed": {"ASSISTANT"}})
	reading := post(t, s, "chat/reading/"+s.BotID+"/", url.Values{"reading": {"true"}, "contextId": {ctx}, "solutionUsed": {"ASSISTANT"}})
	if typing.Status != 200 || reading.Status != 200 {
		t.Fatalf("typing %d, reading %d", typing.Status, reading.Status)
	}
	d, _ := s.Context(ctx)
	if d.Variables["plan"] != "gold" || d.Variables["mail"] != "jeanne@example.org" || !d.UserTyping || d.TypingContent != "J'écris…" || !d.Read {
		t.Fatalf("context %+v", d)
	}
	h := post(t, s, "chat/history/"+s.BotID+"/", url.Values{"contextUuid": {ctx}, "solutionUsed": {"ASSISTANT"}})
	items, _ := h.Values["interactions"].([]any)
	if h.Type != "historyResponse" || h.str("contextId") != ctx || h.str("botUUID") != s.BotID || len(items) != 3 || h.Values["livechatEnabled"] != false {
		t.Fatalf("history: %v", h.Values)
	}
	first := items[0].(map[string]any)
	if _, ok := first["user"]; ok || !strings.Contains(first["text"].(string), "assistant") {
		t.Fatalf("the welcome turn: %v", first)
	}
	if items[2].(map[string]any)["user"] != "jeanne@example.org" {
		t.Fatalf("last turn %v", items[2])
	}
	if _, ok := h.Values["pollUpdatedInteractionDate"]; ok {
		t.Fatal("pollUpdatedInteractionDate without any livechat")
	}
}

func TestFeedbackGDPRTopKnowledgeSearch(t *testing.T) {
	s := dydutest.NewServer()
	defer s.Close()
	ctx := newContext(t, s)
	talk(t, s, ctx, "horaires")
	talk(t, s, ctx, "quelles heures d'ouverture")
	talk(t, s, ctx, "bonjour")
	for _, c := range []struct {
		path string
		form url.Values
		want int
	}{
		{"chat/feedback/" + s.BotID + "/", url.Values{"contextUUID": {ctx}, "feedBack": {"positive"}}, 200},
		{"chat/feedback/" + s.BotID + "/", url.Values{"contextUUID": {ctx}, "feedBack": {"great"}}, 400},
		{"chat/feedback/" + s.BotID + "/", url.Values{"contextUuid": {ctx}, "feedBack": {"positive"}}, 400}, // the key is contextUUID here
		{"chat/feedback/comment/" + s.BotID + "/", url.Values{"contextUUID": {ctx}, "comment": {"Très utile"}}, 200},
		{"chat/feedback/insatisfaction/" + s.BotID + "/", url.Values{"contextUUID": {ctx}, "choiceKey": {"choice1"}}, 200},
		{"chat/gdpr/" + s.BotID + "/", url.Values{"clientId": {"client-1"}, "mail": {"a@b.c"}, "object": {"Get"}}, 200},
		{"chat/gdpr/" + s.BotID + "/", url.Values{"clientId": {"client-1"}, "mail": {"a@b.c"}, "object": {"Export"}}, 400},
	} {
		if a := post(t, s, c.path, c.form); a.Status != c.want {
			t.Errorf("%s %v: %d, want %d (%v)", c.path, c.form, a.Status, c.want, a.Values)
		}
	}
	fb := s.Feedbacks()
	if len(fb) != 3 || fb[0].Value != "positive" || fb[1].Kind != "comment" || fb[2].Value != "choice1" {
		t.Fatalf("feedbacks %+v", fb)
	}
	top := post(t, s, "chat/topknowledge/"+s.BotID+"/", url.Values{"maxKnowledge": {"2"}, "period": {"Last30Days"}, "language": {"fr"}})
	var arts []struct {
		ID     int    `json:"id"`
		Reword string `json:"reword"`
	}
	if err := json.Unmarshal([]byte(top.str("knowledgeArticles")), &arts); err != nil || len(arts) != 2 || arts[0].Reword != "horaires" || arts[1].Reword != "bonjour" {
		t.Fatalf("top knowledge %v: %v %+v", top.Values, err, arts)
	}
	search := post(t, s, "chat/search/"+s.BotID+"/", url.Values{"search": {"mon ch"}, "onlyShowRewordables": {"true"}})
	if len(search.List) == 0 {
		t.Fatalf("search: %v", search.Raw)
	}
	if r := search.List[0].(map[string]any); r["rootConditionReword"] != "mon chien" {
		t.Fatalf("search result %v", r)
	}
	// GDPR Delete forgets the client's dialogs.
	post(t, s, "chat/gdpr/"+s.BotID+"/", url.Values{"clientId": {"client-1"}, "mail": {"a@b.c"}, "object": {"Delete"}})
	if _, ok := s.Context(ctx); ok {
		t.Fatal("GDPR Delete kept the client's dialog")
	}
	if g := s.GDPRRequests(); len(g) != 2 || g[1].Deleted != 1 {
		t.Fatalf("gdpr %+v", g)
	}
}

func TestRefusals(t *testing.T) {
	s := dydutest.NewServer()
	defer s.Close()
	ctx := newContext(t, s)
	for _, c := range []struct {
		name, path string
		form       url.Values
		status     int
		code       string
	}{
		{"unknown bot", "chat/talk/00000000-0000-4000-8000-000000000000/", url.Values{"userInput": {"x"}}, 404, "UnknownBot"},
		{"no input", "chat/talk/" + s.BotID + "/" + ctx + "/", url.Values{"userInput": {" "}}, 400, "MissingParameter"},
		{"unknown endpoint", "chat/nothing/" + s.BotID + "/", nil, 404, "NotFound"},
		{"unknown context", "chat/variable/" + s.BotID + "/", url.Values{"contextUuid": {"nope"}, "name": {"a"}}, 404, "UnknownContext"},
		{"no variable name", "chat/variable/" + s.BotID + "/", url.Values{"contextUuid": {ctx}}, 400, "MissingParameter"},
		{"bad lastPoll", "chat/poll/last/" + s.BotID, url.Values{"contextUuid": {ctx}, "lastPoll": {"yesterday"}}, 400, "InvalidParameter"},
		{"path escape", "chat/talk/" + s.BotID + "/../x/", url.Values{"userInput": {"x"}}, 404, ""},
	} {
		a := post(t, s, c.path, c.form)
		if a.Status != c.status || (c.code != "" && a.str("code") != c.code) || a.Type != "error" && c.code != "" {
			t.Errorf("%s: %d %q %v, want %d %s", c.name, a.Status, a.Type, a.Values, c.status, c.code)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, s.APIURL()+"chat/talk/"+s.BotID+"/", nil)
	resp, err := s.Client().Do(req)
	if err != nil || resp.StatusCode != 405 || resp.Header.Get("Allow") == "" {
		t.Fatalf("DELETE: %v %v", err, resp)
	}
	resp.Body.Close()
}

func TestClusterFailover(t *testing.T) {
	c := dydutest.NewCluster(3)
	defer c.Close()
	if len(c.URLs()) != 3 || c.Servers[2].BotID != c.BotID {
		t.Fatal("cluster shape")
	}
	s0, s1, s2 := c.Servers[0], c.Servers[1], c.Servers[2]
	s0.SetDown(true)
	if a := talk(t, s0, "", "bonjour"); a.Status != http.StatusServiceUnavailable {
		t.Fatalf("a down server answered %d", a.Status)
	}
	if s0.RequestCount("POST", "/servlet/api/chat/talk/") != 1 {
		t.Fatal("a down server's refusal is not logged")
	}
	// The dialog started on server 1 continues on server 2.
	ctx := talk(t, s1, "", "bonjour").str("contextId")
	if a := talk(t, s2, ctx, "horaires"); a.str("contextId") != ctx {
		t.Fatalf("server 2 does not know server 1's context: %v", a.Values)
	}
	s0.SetDown(false)
	if !uuidRE.MatchString(newContext(t, s0)) || s0.Down() {
		t.Fatal("the server did not come back")
	}
	// A dropped connection, for the network-error path.
	s1.InjectFault(dydutest.Fault{Path: "/servlet/api/chat/talk/", Drop: true})
	req, _ := http.NewRequest("POST", s1.APIURL()+"chat/talk/"+c.BotID+"/", strings.NewReader("userInput=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := s1.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the dropped connection answered")
	}
	if rs := s1.Requests(); rs[len(rs)-1].Fault != "drop" {
		t.Fatalf("log %+v", rs[len(rs)-1])
	}
}

func TestConcurrentDialogs(t *testing.T) {
	c := dydutest.NewCluster(2)
	defer c.Close()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := c.Servers[i%2]
			ctx := talk(t, s, "", "bonjour").str("contextId")
			for range 5 {
				talk(t, c.Servers[(i+1)%2], ctx, "horaires")
			}
			d, _ := s.Context(ctx)
			if len(d.Interactions) != 6 {
				t.Errorf("%d interactions", len(d.Interactions))
			}
		}()
	}
	wg.Wait()
	if n := c.Servers[0].ContextCount(); n != 16 {
		t.Fatalf("%d contexts", n)
	}
}

func TestAdminCompetenciesNeedBasic(t *testing.T) {
	s := dydutest.NewServer(dydutest.WithAdminCredentials("bms@example.org", "s3cret-pass"))
	defer s.Close()
	if _, err := s.AddSkill("Chat"); err != nil {
		t.Fatal(err)
	}
	get := func(login, pw string) answer {
		req, _ := http.NewRequest(http.MethodGet, s.APIURL()+"competencies/"+s.BotID, nil)
		if login != "" {
			req.SetBasicAuth(login, pw)
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env struct {
			Type   string
			Values map[string]any
		}
		json.NewDecoder(resp.Body).Decode(&env)
		return answer{Status: resp.StatusCode, Type: env.Type, Values: decodeB64(t, env.Values).(map[string]any)}
	}
	if a := get("", ""); a.Status != 401 {
		t.Fatalf("no credential: %d", a.Status)
	}
	if a := get("bms@example.org", "wrong"); a.Status != 401 {
		t.Fatalf("wrong password: %d", a.Status)
	}
	a := get("bms@example.org", "s3cret-pass")
	list, _ := a.Values["competencies"].([]any)
	if a.Status != 200 || len(list) != 2 || list[0].(map[string]any)["name"] != "Animal" || list[1].(map[string]any)["name"] != "Chat" {
		t.Fatalf("competencies: %d %v", a.Status, a.Values)
	}
	for _, r := range s.Requests() {
		if strings.Contains(r.Header.Get("Authorization"), "Basic") {
			t.Fatal("the log kept the Basic credential")
		}
	}
	if sk := s.Skills(); sk[0].Condition == "" || sk[1].ID == sk[0].ID {
		t.Fatalf("skills %+v", sk)
	}
}
