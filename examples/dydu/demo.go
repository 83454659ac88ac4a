package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/dydu/dydutest"
	"github.com/deskbridge/deskbridge/dydu/escalation"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// animalKnowledge is the id the demo gives the escalating knowledge (the
// Animal skill's), as an admin reads it in the BMS.
const animalKnowledge = 4001

// runDemo plays the escalation of Dydu's guide
// (https://docs-en.dydu.ai/livechat/zendesk-livechat-connector) on the
// fakes and checks both sides.
//
// With redisURL the bridges share that Redis under prefix, a prefix of
// this run alone.
func runDemo(ctx context.Context, out io.Writer, replicas int, redisURL, prefix string) error {
	// One clock for every side, moved on by the script between its steps:
	// every row of the table is stamped by it, in order.
	clock := &demoClock{t: demoStart}
	zd := zendesktest.NewServer(zendesktest.WithClock(clock.Now))
	defer zd.Close()
	bridge := &balancer{}
	front := httptest.NewServer(bridge)
	defer front.Close()
	cf := conversationstest.NewServer(conversationstest.WithZendesk(zd), conversationstest.WithDeliverySleep(conversationstest.NoSleep),
		conversationstest.WithClock(clock.Now))
	defer cf.Close()
	bot := dydutest.SeedBot()
	for i := range bot.Knowledge {
		if bot.Knowledge[i].Skill == dydutest.SeedSkill {
			bot.Knowledge[i].ID = animalKnowledge
		}
	}
	dy := dydutest.NewServer(dydutest.WithBot(bot))
	defer dy.Close()

	zc, err := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken))
	if err != nil {
		return err
	}
	cc, err := conversations.NewClient(conversations.WithBaseURL(cf.URL), conversations.WithAppID(cf.AppID), conversations.WithKey(cf.KeyID, cf.Secret))
	if err != nil {
		return err
	}
	dc, err := dydu.NewClient(dydu.WithBotID(dy.BotID), dydu.WithBaseURL(dy.URL))
	if err != nil {
		return err
	}
	var skills []string
	for _, s := range dy.Skills() {
		skills = append(skills, s.Name)
	}
	rep, err := escalation.Provision(ctx, escalation.ProvisionConfig{Conversations: cc, Zendesk: zc, BridgeURL: front.URL,
		Skills: skills, Domain: "dydu-32357.zendesk.com", SenderIDVariable: "mail"})
	fmt.Fprintf(out, "Provision:\n%s\n", rep)
	if err != nil {
		return err
	}
	secret, err := escalation.WebhookSecret(ctx, cc, rep)
	if err != nil {
		return err
	}
	st, err := openStore(redisURL, prefix)
	if err != nil {
		return err
	}
	defer st.close()
	fmt.Fprintf(out, "Bridges: %d, state in %s\n\n", replicas, st.what)
	// The site's server signs the chat id and who signed in; the bridges
	// trust only that.
	var key [escalation.MinChatKey]byte
	_, _ = rand.Read(key[:])
	signer := escalation.ChatSigner{Key: key[:]}
	var flows []http.Handler
	for range replicas {
		f, err := escalation.New(escalation.Config{Dydu: dc, Conversations: cc, Zendesk: zc, WebhookSecrets: []string{secret},
			Skills: map[int64]string{animalKnowledge: dydutest.SeedSkill}, SenderIDVariable: "mail", NameVariable: "name", Store: st.Store,
			Authorize: signer.Authorize, Now: clock.Now})
		if err != nil {
			return err
		}
		if err := f.Check(ctx); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		flows = append(flows, f.Handler())
	}
	bridge.set(flows)

	chatID := escalation.NewChatID() // Jeanne signs in: her chat, and its token
	token, err := signer.Sign(chatID, map[string]string{"mail": "jeanne@example.org", "name": "Jeanne Martin"})
	if err != nil {
		return err
	}
	u := &user{base: front.URL, chat: chatID, client: front.Client(), token: token}
	ag := conversationstest.Agent{Name: "Ann Martin"}
	const reply, file = "Bonjour Jeanne, je suis Ann. Depuis quand ne mange-t-il plus ?", "Essayez ces croquettes"
	var solvedAt time.Time
	// Each step comes after its pause on the clock, and its webhook
	// deliveries end before the next step.
	steps := []struct {
		after time.Duration
		do    func() error
	}{
		{0, func() error {
			// A browser's variables go to Dydu, never to who she is: the
			// token says that.
			return u.say("Quels sont vos horaires ?", map[string]string{"mail": "someone-else@example.org", "lang": "fr"})
		}},
		{20 * time.Second, func() error { return u.say("J'ai une question sur mon chien, il ne mange plus", nil) }},
		{45 * time.Second, func() error { return cf.AgentTyping(u.conv(ctx, cc), ag, true) }},
		{15 * time.Second, func() error {
			// The delivery of this reply is answered 503 once (a replica
			// restarting): Sunshine Conversations retries it.
			bridge.failWebhook.Store(ptr(reply))
			_, err := cf.AgentReply(u.conv(ctx, cc), ag, reply)
			return err
		}},
		{30 * time.Second, func() error {
			bridge.duplicateWebhook.Store(ptr(file)) // this file's delivery arrives twice
			_, err := cf.AgentSendFile(u.conv(ctx, cc), ag, "croquettes.png", "image/png", []byte("\x89PNG\r\n\x1a\n demo"), file)
			return err
		}},
		{40 * time.Second, func() error { return u.say("Depuis hier. Merci, je vais essayer !", nil) }},
		{time.Minute, func() error { solvedAt = clock.Now(); return cf.SolveTicket(u.conv(ctx, cc)) }},
		{10 * time.Second, func() error { return u.say("Bonjour", nil) }},
	}
	for i, s := range steps {
		clock.advance(s.after)
		if err := s.do(); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
		if err := wait(ctx, cf); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
	}
	chat, err := u.read()
	if err != nil {
		return err
	}
	conv := u.conv(ctx, cc)
	tid, _ := cf.AgentTicket(conv)
	rows := tableRows(chat, row{t: solvedAt, who: "agent (" + ag.Name + ")", where: "zendesk", what: fmt.Sprintf("solves ticket %d", tid)})
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tWHO\tWHERE\tWHAT")
	for _, r := range rows {
		fmt.Fprintf(tw, "+%s\t%s\t%s\t%s\n", r.t.Sub(rows[0].t), r.who, r.where, r.what)
	}
	tw.Flush()

	// The checks: the user's chat up to the hand-back and the Zendesk
	// conversation say the same, and the ticket is in the Animal group.
	var userSide, zendeskSide []string
	for _, m := range chat {
		if m.From == escalation.FromSystem {
			break
		}
		if m.Kind == escalation.KindTyping || m.Kind == escalation.KindTypingStop {
			continue
		}
		userSide = append(userSide, side(m.From == escalation.FromUser)+": "+m.Text)
	}
	for _, m := range cf.Messages(conv) {
		if m.Activity == nil {
			zendeskSide = append(zendeskSide, side(m.Author.Type == "user")+": "+m.Content.Text)
		}
	}
	var problems []string
	for i := 1; i < len(rows); i++ {
		if rows[i].t.Before(rows[i-1].t) {
			problems = append(problems, fmt.Sprintf("row %d (%s) is earlier than the row before it", i+1, rows[i].what))
		}
	}
	problems = append(problems, checkInjected(cf.Deliveries(), reply, file)...)
	if !slices.Equal(userSide, zendeskSide) {
		problems = append(problems, fmt.Sprintf("the transcripts differ:\n  user:    %q\n  zendesk: %q", userSide, zendeskSide))
	}
	tk, _ := zd.Ticket(tid)
	group, _ := zc.Groups.FindByName(ctx, dydutest.SeedSkill)
	if group == nil || tk.GroupID == nil || *tk.GroupID != group.ID {
		problems = append(problems, fmt.Sprintf("ticket %d is not in the %s group", tid, dydutest.SeedSkill))
	}
	if !strings.Contains(tk.Subject, "Jeanne Martin") {
		problems = append(problems, fmt.Sprintf("ticket %d's subject %q does not name the user", tid, tk.Subject))
	}
	if h, _ := cf.HandOff(conv); h.Ticket.RequesterEmail != "jeanne@example.org" {
		problems = append(problems, fmt.Sprintf("the requester is <%s>, not the signed-in user <jeanne@example.org>", h.Ticket.RequesterEmail))
	}
	// Without the chat's token the chat is closed to a stranger.
	if resp, err := u.client.Get(u.base + "/chats/" + u.chat + "/messages?wait=0"); err != nil || resp.StatusCode != http.StatusForbidden {
		problems = append(problems, fmt.Sprintf("a read without the chat's token was not refused 403: %v %v", resp, err))
	} else {
		resp.Body.Close()
	}
	if tk.Status != "solved" {
		problems = append(problems, fmt.Sprintf("ticket %d is %s, not solved", tid, tk.Status))
	}
	if last := chat[len(chat)-1]; last.From != escalation.FromBot {
		problems = append(problems, "the bot did not take the chat back")
	}
	fmt.Fprintf(out, "\nTicket %d %q in group %s (status %s); %d messages in the Zendesk conversation.\n", tid, tk.Subject, dydutest.SeedSkill, tk.Status, len(zendeskSide))
	if len(problems) > 0 {
		return fmt.Errorf("the sides disagree:\n%s", strings.Join(problems, "\n"))
	}
	fmt.Fprintln(out, "Both sides agree.")
	return nil
}

// demoStart is when the demo's clock starts.
var demoStart = time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)

// demoClock is the demo's one clock: it stands still until the script
// moves it on.
type demoClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *demoClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// row is a line of the demo's table.
type row struct {
	t                time.Time
	who, where, what string
}

// tableRows is the user's chat as rows, with the agent's solve (which
// the user does not see) before the hand-back it causes.
func tableRows(chat []escalation.Message, solve row) []row {
	var rows []row
	for _, m := range chat {
		if m.From == escalation.FromSystem && strings.HasPrefix(m.ID, "handback.") {
			rows = append(rows, solve)
		}
		who := m.From
		if m.Name != "" {
			who += " (" + m.Name + ")"
		}
		what := m.Text
		switch m.Kind {
		case escalation.KindTyping:
			what = "… is typing"
		case escalation.KindTypingStop:
			what = "… stopped typing"
		case escalation.KindImage, escalation.KindFile:
			what += " [" + m.Kind + " " + m.MediaType + "]"
		}
		rows = append(rows, row{t: m.Time, who: who, where: m.Where, what: what})
	}
	return rows
}

// checkInjected checks that the faults the balancer injected hit the
// deliveries they were meant for: the agent's reply answered 503 once,
// then delivered; the file delivered (twice, which the attempts do not
// show); every other delivery, the agent's typing among them, in one
// attempt.
func checkInjected(ds []conversationstest.Delivery, reply, file string) []string {
	var problems []string
	var replied bool
	for _, d := range ds {
		var statuses []int
		for _, a := range d.Attempts {
			statuses = append(statuses, a.Status)
		}
		switch {
		case d.EventType == "conversation:message" && strings.Contains(string(d.Body), reply):
			replied = true
			if !slices.Equal(statuses, []int{http.StatusServiceUnavailable, http.StatusOK}) {
				problems = append(problems, fmt.Sprintf("the agent's reply was delivered with answers %v, not 503 then 200", statuses))
			}
		case !slices.Equal(statuses, []int{http.StatusOK}):
			problems = append(problems, fmt.Sprintf("a %s delivery got answers %v: the injected 503 missed the reply", d.EventType, statuses))
		}
	}
	if !replied {
		problems = append(problems, "no delivery of the agent's reply")
	}
	return problems
}

func ptr(s string) *string { return &s }

func side(user bool) string {
	if user {
		return "user"
	}
	return "business"
}

func wait(ctx context.Context, cf *conversationstest.Server) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return cf.WaitDeliveries(ctx)
}

// user is the web page: it posts to the bridge and reads the chat back.
type user struct {
	base, chat string
	token      string // signed by the site's server for chat
	client     *http.Client
	n          int
	convID     string
}

func (u *user) say(text string, vars map[string]string) error {
	u.n++
	b, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("m%d", u.n), "text": text, "variables": vars})
	for attempt := 0; attempt < 5; attempt++ {
		req, err := http.NewRequest(http.MethodPost, u.base+"/chats/"+u.chat+"/messages", bytes.NewReader(b))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+u.token)
		resp, err := u.client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			return nil
		case http.StatusServiceUnavailable:
			continue // the page retries with the same id
		}
		return fmt.Errorf("POST message: %d %s", resp.StatusCode, body)
	}
	return fmt.Errorf("POST message: still 503 after 5 tries")
}

func (u *user) read() ([]escalation.Message, error) {
	req, err := http.NewRequest(http.MethodGet, u.base+"/chats/"+u.chat+"/messages?wait=0", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+u.token)
	resp, err := u.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct{ Messages []escalation.Message }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	if len(out.Messages) == 0 {
		return nil, fmt.Errorf("the chat is empty")
	}
	return out.Messages, nil
}

// conv finds the chat's conversation as an agent would: by the user's
// externalId.
func (u *user) conv(ctx context.Context, cc *conversations.Client) string {
	if u.convID != "" {
		return u.convID
	}
	for c, err := range cc.Conversations.List(ctx, &conversations.ConversationListOptions{UserExternalID: "dydu-chat:" + u.chat}) {
		if err == nil {
			u.convID = c.ID
		}
	}
	return u.convID
}

// balancer hands each request to the next bridge in turn, as a load
// balancer does, and plays a webhook delivery failing once or arriving
// twice: the first delivery whose body holds failWebhook's text is
// answered 503, the first that holds duplicateWebhook's is sent twice.
type balancer struct {
	mu               sync.Mutex
	flows            []http.Handler
	next             atomic.Uint64
	failWebhook      atomic.Pointer[string]
	duplicateWebhook atomic.Pointer[string]
}

func (b *balancer) set(flows []http.Handler) {
	b.mu.Lock()
	b.flows = flows
	b.mu.Unlock()
}

func (b *balancer) pick() http.Handler {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.flows) == 0 {
		return http.NotFoundHandler()
	}
	return b.flows[(b.next.Add(1)-1)%uint64(len(b.flows))]
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == escalation.WebhookPath {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if hit(&b.failWebhook, body) {
			http.Error(w, "a replica restarting", http.StatusServiceUnavailable)
			return
		}
		if hit(&b.duplicateWebhook, body) {
			first := r.Clone(r.Context())
			first.Body = io.NopCloser(bytes.NewReader(body))
			b.pick().ServeHTTP(httptest.NewRecorder(), first)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
	}
	b.pick().ServeHTTP(w, r)
}

// hit reports whether body holds the text p points to, and clears p so
// that the fault is played once.
func hit(p *atomic.Pointer[string], body []byte) bool {
	text := p.Load()
	return text != nil && bytes.Contains(body, []byte(*text)) && p.CompareAndSwap(text, nil)
}

// demoPrefix is a Redis key prefix of this run alone, such as
// "deskbridge:escalation-demo:3f9a1c0e77d2:", so that a shared Redis
// (REDIS_URL) holds nothing of an earlier run under it. It is outside
// the bridge's own prefix (ESCALATION_REDIS_PREFIX, by default
// defaultRedisPrefix), as the other examples' demos are: the demo's fake
// conversations never mix with a real bridge's keys on the same Redis.
func demoPrefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "deskbridge:escalation-demo:" + hex.EncodeToString(b[:]) + ":"
}
