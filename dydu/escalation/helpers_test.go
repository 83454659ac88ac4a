package escalation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/dydu/dydutest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// animalKnowledge is the id the tests give the seed's escalating
// knowledge.
const animalKnowledge = 4001

// env is the three fakes, provisioned, and one or more bridges behind a
// round-robin balancer, sharing one store.
type env struct {
	t       testing.TB
	zd      *zendesktest.Server
	cf      *conversationstest.Server
	dy      *dydutest.Server
	zc      *zendesk.Client
	cc      *conversations.Client
	dc      *dydu.Client
	srv     *httptest.Server
	flows   []*Flow
	st      store.Store
	group   int64
	rep     flow.Report
	secret  string
	mu      sync.Mutex
	results []Result
	next    atomic.Uint64
	// session is what the page's server knows of each chat's user (the
	// identity Config.Authorize returns); say fills it.
	session map[string]map[string]string
}

func seedBot() dydutest.Bot {
	bot := dydutest.SeedBot()
	for i := range bot.Knowledge {
		if bot.Knowledge[i].Skill == dydutest.SeedSkill {
			bot.Knowledge[i].ID = animalKnowledge
		}
	}
	return bot
}

func newEnv(t testing.TB, replicas int, st store.Store, opts ...conversationstest.Option) *env {
	t.Helper()
	e := newFakes(t, st, opts...)
	e.provision(ProvisionConfig{Skills: []string{dydutest.SeedSkill}, Domain: "dydu-32357.zendesk.com", SenderIDVariable: "mail"})
	for range replicas {
		f, err := New(e.config())
		if err != nil {
			t.Fatal(err)
		}
		e.flows = append(e.flows, f)
	}
	return e
}

// newFakes starts the three fakes and the bridges' front server (with no
// bridge behind it yet), and builds the clients; nothing is provisioned.
func newFakes(t testing.TB, st store.Store, opts ...conversationstest.Option) *env {
	t.Helper()
	e := &env{t: t, st: st}
	e.zd = zendesktest.NewServer()
	t.Cleanup(e.zd.Close)
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := e.next.Add(1) - 1
		e.flows[i%uint64(len(e.flows))].Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	opts = append([]conversationstest.Option{conversationstest.WithZendesk(e.zd), conversationstest.WithDeliverySleep(conversationstest.NoSleep),
		conversationstest.WithRetryWaits(time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond)}, opts...)
	e.cf = conversationstest.NewServer(opts...)
	t.Cleanup(e.cf.Close)
	e.dy = dydutest.NewServer(dydutest.WithBot(seedBot()))
	t.Cleanup(e.dy.Close)
	var err error
	if e.zc, err = zendesk.NewClient(zendesk.WithBaseURL(e.zd.URL), zendesk.WithAPIToken(e.zd.Email, e.zd.APIToken), zendesk.WithMaxRetries(1)); err != nil {
		t.Fatal(err)
	}
	if e.cc, err = conversations.NewClient(conversations.WithBaseURL(e.cf.URL), conversations.WithAppID(e.cf.AppID),
		conversations.WithKey(e.cf.KeyID, e.cf.Secret), conversations.WithMaxRetries(1), conversations.WithRetryWaitMax(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if e.dc, err = dydu.NewClient(dydu.WithBotID(e.dy.BotID), dydu.WithBaseURL(e.dy.URL), dydu.WithMaxRetries(1), dydu.WithRetryWaitMax(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	return e
}

// provision runs Provision for the bridge (pc's clients and BridgeURL
// filled in) and keeps its report, the webhook's secret and the Animal
// group.
func (e *env) provision(pc ProvisionConfig) {
	e.t.Helper()
	pc.Conversations, pc.Zendesk, pc.BridgeURL = e.cc, e.zc, e.srv.URL
	ctx := context.Background()
	var err error
	if e.rep, err = Provision(ctx, pc); err != nil {
		e.t.Fatal(err)
	}
	if e.secret, err = WebhookSecret(ctx, e.cc, e.rep); err != nil || e.secret == "" {
		e.t.Fatalf("WebhookSecret = %q, %v", e.secret, err)
	}
	g, err := e.zc.Groups.FindByName(ctx, dydutest.SeedSkill)
	if err != nil {
		e.t.Fatal(err)
	}
	e.group = g.ID
}

func (e *env) config() Config {
	return Config{Dydu: e.dc, Conversations: e.cc, Zendesk: e.zc, WebhookSecrets: []string{e.secret},
		Skills: map[int64]string{animalKnowledge: dydutest.SeedSkill}, SenderIDVariable: "mail", Store: e.st,
		OnResult:  func(r Result) { e.mu.Lock(); e.results = append(e.results, r); e.mu.Unlock() },
		Authorize: e.authorize}
}

// authorize is the tests' Config.Authorize: every request is the chat's
// own, and its user is who the session says.
func (e *env) authorize(_ *http.Request, chat string) (map[string]string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.session[chat], nil
}

// login records who the chat's user is, as a site's server would on
// sign-in.
func (e *env) login(chat string, identity map[string]string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.session == nil {
		e.session = map[string]map[string]string{}
	}
	e.session[chat] = identity
}

// say posts a user message through the bridge's HTTP channel and returns
// the status. The identity variables among vars ("mail", "name") are
// the signed-in user's: the session gets them, as a site's server knows
// who signed in.
func (e *env) say(chat, id, text string, vars map[string]string) (int, map[string]any) {
	e.t.Helper()
	if vars["mail"] != "" || vars["name"] != "" {
		e.login(chat, map[string]string{"mail": vars["mail"], "name": vars["name"]})
	}
	b, _ := json.Marshal(map[string]any{"id": id, "text": text, "variables": vars})
	return e.post("/chats/"+chat+"/messages", "application/json", b)
}

func (e *env) post(path, ct string, body []byte) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.Post(e.srv.URL+path, ct, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// messages reads the chat as the user's page does (long poll, no wait).
func (e *env) messages(chat string) []Message {
	e.t.Helper()
	resp, err := http.Get(e.srv.URL + "/chats/" + chat + "/messages?wait=0")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Messages []Message }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("GET messages: %d %v", resp.StatusCode, err)
	}
	return out.Messages
}

// wait waits for the fake's webhook deliveries.
func (e *env) wait() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.cf.WaitDeliveries(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// conv returns the chat's conversation id.
func (e *env) conv(chat string) string {
	e.t.Helper()
	st, err := e.flows[0].loadChat(context.Background(), chat)
	if err != nil || st.Conv == "" {
		e.t.Fatalf("chat %s has no conversation: %v", chat, err)
	}
	return st.Conv
}

func (e *env) outcomes() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := map[string]int{}
	for _, r := range e.results {
		m[fmt.Sprintf("%s/%s/%s", r.Source, r.Outcome, r.Detail)]++
	}
	return m
}

// shown is the chat as "from: text" lines, typing left out.
func shown(ms []Message) []string {
	var out []string
	for _, m := range ms {
		if m.Kind == KindTyping || m.Kind == KindTypingStop {
			continue
		}
		s := m.From + ": " + m.Text
		if m.MediaURL != "" {
			s += " [" + m.Kind + "]"
		}
		out = append(out, s)
	}
	return out
}

// testChat is a chat id for a test: name padded to 26 characters, as
// unguessable as a test needs (a real one is random, see NewChatID).
func testChat(name string) string {
	const pad = "-000000000000000000000000"
	if len(name) >= 26 {
		return name
	}
	return name + pad[:26-len(name)]
}
