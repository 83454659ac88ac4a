package escalation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/dydu/dydutest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

// faultyStore is a store that can be made to fail every operation (an
// outage of the shared Redis, say).
type faultyStore struct {
	store.Store
	down atomic.Bool
}

var errOutage = errors.New("store outage (test)")

func (s *faultyStore) Get(ctx context.Context, k string) (string, bool, error) {
	if s.down.Load() {
		return "", false, errOutage
	}
	return s.Store.Get(ctx, k)
}

func (s *faultyStore) Set(ctx context.Context, k, v string, ttl time.Duration) error {
	if s.down.Load() {
		return errOutage
	}
	return s.Store.Set(ctx, k, v, ttl)
}

func (s *faultyStore) Add(ctx context.Context, k, v string, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errOutage
	}
	return s.Store.Add(ctx, k, v, ttl)
}

func (s *faultyStore) SetIfNewer(ctx context.Context, k string, n int64, v string, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errOutage
	}
	return s.Store.SetIfNewer(ctx, k, n, v, ttl)
}

func (s *faultyStore) Delete(ctx context.Context, k string) error {
	if s.down.Load() {
		return errOutage
	}
	return s.Store.Delete(ctx, k)
}

func (s *faultyStore) DeleteIf(ctx context.Context, k, v string) (bool, error) {
	if s.down.Load() {
		return false, errOutage
	}
	return s.Store.DeleteIf(ctx, k, v)
}

// flakyChannel is a StoreChannel whose Deliver fails for the next
// failures messages that match.
type flakyChannel struct {
	*StoreChannel
	match    func(Message) bool
	failures atomic.Int32
}

func (c *flakyChannel) Deliver(ctx context.Context, chat string, m Message) error {
	if c.match(m) && c.failures.Add(-1) >= 0 {
		return errors.New("the user's channel failed (test)")
	}
	return c.StoreChannel.Deliver(ctx, chat, m)
}

// addFlow adds a bridge built from e.config() changed by edit.
func (e *env) addFlow(edit func(*Config)) *Flow {
	e.t.Helper()
	cfg := e.config()
	if edit != nil {
		edit(&cfg)
	}
	f, err := New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.flows = append(e.flows, f)
	return f
}

// send makes a request to the bridges and returns the response, its body
// read.
func (e *env) send(method, path, ct string, body io.Reader, hdr http.Header) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// escalate plays the seed's two first messages: the chat is with an agent.
func (e *env) escalate(chat string) string {
	e.t.Helper()
	for i, text := range []string{"Quels sont vos horaires ?", "J'ai une question sur mon chien"} {
		if code, body := e.say(chat, []string{"m1", "m2"}[i], text, map[string]string{"mail": "jeanne@example.org"}); code != 200 {
			e.t.Fatalf("%q: %d %v", text, code, body)
		}
	}
	return e.conv(chat)
}

func count(lines []string, line string) int {
	n := 0
	for _, l := range lines {
		if l == line {
			n++
		}
	}
	return n
}

func TestStoreOutage(t *testing.T) {
	st := &faultyStore{Store: store.NewMemory()}
	// Sunshine Conversations waits before retrying a webhook; the outage
	// ends while it waits.
	e := newEnv(t, 2, st, conversationstest.WithDeliverySleep(func(ctx context.Context, _ time.Duration) error {
		st.down.Store(false)
		return ctx.Err()
	}))
	chat := "chat-outage-01-00000000000"
	conv := e.escalate(chat)
	e.wait() // the escalation's own webhooks, before the outage
	st.down.Store(true)
	b, _ := json.Marshal(map[string]any{"id": "m3", "text": "Vous êtes là ?"})
	resp, body := e.send("POST", "/chats/"+chat+"/messages", "application/json", bytes.NewReader(b), nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" || !strings.Contains(body, DetailStore) {
		t.Fatalf("a message during the outage: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if strings.Contains(body, "Vous êtes là") {
		t.Fatal("the error shows the user's text")
	}
	resp, _ = e.send("GET", "/chats/"+chat+"/messages?wait=0", "", nil, nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("reading during the outage: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// The agent answers during the outage: the webhook is answered 503,
	// and Sunshine Conversations' retry, after the outage, is handled.
	m, err := e.cf.AgentReply(conv, conversationstest.Agent{Name: "Ann"}, "Oui, je suis là.")
	if err != nil {
		t.Fatal(err)
	}
	e.wait()
	var attempts []int
	for _, d := range e.cf.Deliveries() {
		if d.EventType == "conversation:message" && strings.Contains(string(d.Body), m.ID) {
			for _, a := range d.Attempts {
				attempts = append(attempts, a.Status)
			}
		}
	}
	if !slices.Equal(attempts, []int{503, 200}) {
		t.Fatalf("the agent message's delivery attempts = %v, want [503 200]", attempts)
	}
	// The page retries its message after the outage.
	if code, body := e.say(chat, "m3", "Vous êtes là ?", nil); code != 200 {
		t.Fatalf("the retry after the outage: %d %v", code, body)
	}
	got := shown(e.messages(chat))
	if count(got, "agent: Oui, je suis là.") != 1 || count(got, "user: Vous êtes là ?") != 1 {
		t.Fatalf("after the outage the user sees:\n%s", strings.Join(got, "\n"))
	}
	n := 0
	for _, m := range e.cf.Messages(conv) {
		if m.Content.Text == "Vous êtes là ?" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the agent got the user's message %d times", n)
	}
}

func TestDyduFaults(t *testing.T) {
	e := newEnv(t, 2, store.NewMemory())
	chat := "chat-dydu-fault-0000000000"
	talk := "/servlet/api/chat/talk/"
	// Dydu answers 503: the page is told to retry, and its retry is handled.
	e.dy.InjectFault(dydutest.Fault{Method: "POST", Path: talk, Status: 503})
	b, _ := json.Marshal(map[string]any{"id": "m1", "text": "Quels sont vos horaires ?"})
	resp, body := e.send("POST", "/chats/"+chat+"/messages", "application/json", bytes.NewReader(b), nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" || !strings.Contains(body, DetailVendorFailed) {
		t.Fatalf("Dydu down: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if code, body := e.say(chat, "m1", "Quels sont vos horaires ?", nil); code != 200 {
		t.Fatalf("retry: %d %v", code, body)
	}
	// Dydu takes the talk but the answer is lost: the retry talks again,
	// and the user still sees each message once.
	e.dy.InjectFault(dydutest.Fault{Method: "POST", Path: talk, Processed: true, Drop: true})
	if code, _ := e.say(chat, "m2", "Bonjour", nil); code != 503 {
		t.Fatalf("a lost answer: %d", code)
	}
	if code, body := e.say(chat, "m2", "Bonjour", nil); code != 200 {
		t.Fatalf("retry: %d %v", code, body)
	}
	got := shown(e.messages(chat))
	want := []string{"user: Quels sont vos horaires ?", "bot: Nous sommes ouverts du lundi au vendredi, de 9 h à 18 h.",
		"user: Bonjour", "bot: Bonjour ! Que puis-je faire pour vous ?"}
	if !slices.Equal(got, want) {
		t.Fatalf("the user sees:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A dropped poll: the page's long poll goes away (a network change) and
// messages arrive meanwhile; its next poll from its last place gets them
// all, and a server-sent events stream resumes from Last-Event-ID.
func TestDroppedPollRecovers(t *testing.T) {
	e := newEnv(t, 2, store.NewMemory())
	chat := "chat-dropped-poll-00000000"
	conv := e.escalate(chat)
	last := e.messages(chat)
	after := last[len(last)-1].Seq
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/chats/"+chat+"/messages?wait=30&after="+itoa(after), nil)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the dropped poll answered")
	}
	for _, text := range []string{"Un", "Deux"} {
		if _, err := e.cf.AgentReply(conv, conversationstest.Agent{Name: "Ann"}, text); err != nil {
			t.Fatal(err)
		}
	}
	e.wait()
	resp, body := e.send("GET", "/chats/"+chat+"/messages?wait=5&after="+itoa(after), "", nil, nil)
	var out struct{ Messages []Message }
	if err := json.Unmarshal([]byte(body), &out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if got := shown(out.Messages); !slices.Equal(got, []string{"agent: Un", "agent: Deux"}) {
		t.Fatalf("the next poll got %v", got)
	}
	// The stream dropped after the first agent message resumes after it.
	evs := readEvents(t, e.srv.URL+"/chats/"+chat+"/events", http.Header{"Last-Event-Id": {itoa(out.Messages[0].Seq)}}, 1)
	if len(evs) != 1 || evs[0].Text != "Deux" || evs[0].Seq != out.Messages[1].Seq {
		t.Fatalf("the resumed stream sent %+v", evs)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// readEvents reads n "message" events of a server-sent events stream,
// then hangs up.
func readEvents(t *testing.T, url string, hdr http.Header, n int) []Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var out []Message
	var id, event string
	buf := make([]byte, 0, 4096)
	for len(out) < n {
		chunk := make([]byte, 4096)
		k, err := resp.Body.Read(chunk)
		buf = append(buf, chunk[:k]...)
		for {
			i := bytes.Index(buf, []byte("\n\n"))
			if i < 0 {
				break
			}
			block := string(buf[:i])
			buf = buf[i+2:]
			id, event = "", ""
			for _, line := range strings.Split(block, "\n") {
				switch {
				case strings.HasPrefix(line, "id: "):
					id = line[4:]
				case strings.HasPrefix(line, "event: "):
					event = line[7:]
				case strings.HasPrefix(line, "data: ") && event == "message":
					var m Message
					if err := json.Unmarshal([]byte(line[6:]), &m); err != nil {
						t.Fatalf("event data %q: %v", line, err)
					}
					if id != itoa(m.Seq) {
						t.Fatalf("event id %s, message place %d", id, m.Seq)
					}
					out = append(out, m)
				}
			}
		}
		if err != nil {
			if len(out) < n {
				t.Fatalf("the stream ended after %d events: %v", len(out), err)
			}
			break
		}
	}
	return out
}

// A delivery of two events whose second fails: answered 503, and its
// retry handles the second without repeating the first.
func TestWebhookMultiEventPartialFailure(t *testing.T) {
	e := newEnv(t, 0, store.NewMemory())
	var ch *flakyChannel
	f := e.addFlow(func(c *Config) {
		ch = &flakyChannel{StoreChannel: NewStoreChannel(e.st, 0, 0), match: func(m Message) bool { return m.ID == "msg-multi-2" }}
		ch.failures.Store(1)
		c.Channel = ch
	})
	if f.Channel() != Channel(ch) {
		t.Fatalf("Channel() = %T %p, want Config.Channel %p", f.Channel(), f.Channel(), ch)
	}
	chat := "chat-multi-event-000000000"
	conv := e.escalate(chat)
	tmpl, err := e.cf.AgentReply(conv, conversationstest.Agent{Name: "Ann"}, "modèle")
	if err != nil {
		t.Fatal(err)
	}
	e.wait()
	var env map[string]any
	for _, d := range e.cf.Deliveries() {
		if strings.Contains(string(d.Body), tmpl.ID) {
			_ = json.Unmarshal(d.Body, &env)
		}
	}
	if env == nil {
		t.Fatal("no delivery of the agent's message")
	}
	ev := env["events"].([]any)[0].(map[string]any)
	var events []any
	for i, text := range []string{"Premier", "Second"} {
		b, _ := json.Marshal(ev)
		var c map[string]any
		_ = json.Unmarshal(b, &c)
		c["id"] = "evt-multi-" + itoa(int64(i+1))
		msg := c["payload"].(map[string]any)["message"].(map[string]any)
		msg["id"] = "msg-multi-" + itoa(int64(i+1))
		msg["content"] = map[string]any{"type": "text", "text": text}
		events = append(events, c)
	}
	env["events"] = events
	body, _ := json.Marshal(env)
	hdr := http.Header{"X-Api-Key": {e.secret}}
	post := func() int {
		resp, _ := e.send("POST", WebhookPath, "application/json", bytes.NewReader(body), hdr)
		return resp.StatusCode
	}
	if code := post(); code != 503 {
		t.Fatalf("the delivery whose second event failed: %d, want 503", code)
	}
	// The retry reaches the webhook handler alone, mounted where an
	// application chose (Handler serves the webhook at WebhookPath only):
	// the key is checked, and the second event is handled.
	const mounted = "/hooks/sunshine"
	serve := func(h http.Handler, key string) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", mounted, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Api-Key", key)
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := serve(f.Handler(), e.secret); code != http.StatusNotFound {
		t.Fatalf("Handler at %s: %d, want 404", mounted, code)
	}
	if code := serve(f.WebhookHandler(), "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("WebhookHandler with a wrong key: %d, want 401", code)
	}
	if code := serve(f.WebhookHandler(), e.secret); code != 200 {
		t.Fatalf("its retry through WebhookHandler: %d", code)
	}
	if code := post(); code != 200 {
		t.Fatalf("a duplicate: %d", code)
	}
	got := shown(e.messages(chat))
	if count(got, "agent: Premier") != 1 || count(got, "agent: Second") != 1 {
		t.Fatalf("the user sees:\n%s", strings.Join(got, "\n"))
	}
	applied := map[string]int{}
	e.mu.Lock()
	for _, r := range e.results {
		if strings.HasPrefix(r.Key, "evt-multi-") {
			applied[r.Key+"/"+string(r.Outcome)]++
		}
	}
	e.mu.Unlock()
	want := map[string]int{"evt-multi-1/applied": 1, "evt-multi-2/failed": 1, "evt-multi-2/applied": 1}
	if len(applied) != len(want) {
		t.Fatalf("results %v, want %v", applied, want)
	}
	for k, n := range want {
		if applied[k] != n {
			t.Fatalf("results %v, want %v", applied, want)
		}
	}
	// A wrong X-API-Key is refused and not retried.
	if resp, _ := e.send("POST", WebhookPath, "application/json", bytes.NewReader(body), http.Header{"X-Api-Key": {"wrong"}}); resp.StatusCode != 401 {
		t.Fatalf("a wrong key: %d", resp.StatusCode)
	}
}

// Sunshine Conversations retries a delivery the bridge could not handle
// (the user's channel failed); the user sees the message once.
func TestWebhookRetried(t *testing.T) {
	e := newEnv(t, 0, store.NewMemory())
	var ch *flakyChannel
	e.addFlow(func(c *Config) {
		ch = &flakyChannel{StoreChannel: NewStoreChannel(e.st, 0, 0), match: func(m Message) bool { return m.From == FromAgent }}
		c.Channel = ch
	})
	e.addFlow(func(c *Config) { c.Channel = ch })
	chat := "chat-webhook-retry-0000000"
	conv := e.escalate(chat)
	ch.failures.Store(2)
	m, err := e.cf.AgentReply(conv, conversationstest.Agent{Name: "Ann"}, "Trois essais")
	if err != nil {
		t.Fatal(err)
	}
	e.wait()
	for _, d := range e.cf.Deliveries() {
		if strings.Contains(string(d.Body), m.ID) && d.EventType == "conversation:message" {
			if len(d.Attempts) != 3 || !d.Delivered {
				t.Fatalf("attempts %+v", d.Attempts)
			}
		}
	}
	if got := shown(e.messages(chat)); count(got, "agent: Trois essais") != 1 {
		t.Fatalf("the user sees:\n%s", strings.Join(got, "\n"))
	}
}

// zeros is an endless reader of zero bytes: a large body without the
// memory.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestFileRefusalsOverHTTP(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	chat := "chat-files-0001-0000000000"
	// A file while the bot has the chat: only an agent takes files.
	resp, body := e.send("POST", "/chats/"+chat+"/files?id=f0&name=a.png", "image/png", strings.NewReader("\x89PNG"), nil)
	if resp.StatusCode != 422 || !strings.Contains(body, "only an agent takes files") {
		t.Fatalf("a file to the bot: %d %s", resp.StatusCode, body)
	}
	conv := e.escalate(chat)
	big := int64(conversations.MaxAttachmentBytes) + 1
	// Over 50 MB by its Content-Length: refused before it is read (the
	// body is an endless reader; nothing of it is allocated).
	req := httptest.NewRequest("POST", "/chats/"+chat+"/files?id=f1&name=big.mp4", io.LimitReader(zeros{}, big))
	req.ContentLength = big
	req.Header.Set("Content-Type", "video/mp4")
	rec := httptest.NewRecorder()
	e.flows[0].Handler().ServeHTTP(rec, req)
	if rec.Code != 413 || !strings.Contains(rec.Body.String(), "50 MB") {
		t.Fatalf("over 50 MB: %d %s", rec.Code, rec.Body.String())
	}
	for _, c := range []struct{ name, query, ct, body, want string }{
		{"refused type", "id=f2&name=setup.exe", "application/x-msdownload", "MZ", `type \"application/x-msdownload\"`},
		{"svg", "id=f3&name=a.svg", "image/svg+xml", "<svg/>", "image/svg+xml"},
		{"empty", "id=f4&name=a.png", "image/png", "", "empty"},
		{"no name", "id=f5", "image/png", "x", "name"},
		{"no id", "name=a.png", "image/png", "x", "message id"},
	} {
		resp, body := e.send("POST", "/chats/"+chat+"/files?"+c.query, c.ct, strings.NewReader(c.body), nil)
		if resp.StatusCode != 422 || !strings.Contains(body, c.want) || !strings.Contains(body, `"rejected"`) {
			t.Errorf("%s: %d %s", c.name, resp.StatusCode, body)
		}
	}
	// A file that fits reaches the agent, once.
	for range 2 {
		resp, body := e.send("POST", "/chats/"+chat+"/files?id=f6&name=photo.png&text=Mon+chien", "image/png", strings.NewReader("\x89PNG chien"), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("a photo: %d %s", resp.StatusCode, body)
		}
	}
	n := 0
	for _, m := range e.cf.Messages(conv) {
		if m.Content.Type == "image" && m.Content.Text == "Mon chien" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the agent got the photo %d times", n)
	}
	if failed := e.outcomes()["user/"+string(flow.Failed)+"/"+DetailVendorFailed]; failed != 0 {
		t.Fatalf("%d failures", failed)
	}
}

// lockChat's release is the holder's only: a release that comes after
// the lease ended and another replica claimed the chat leaves that claim.
func TestLockReleaseIsTheHolders(t *testing.T) {
	st := store.NewMemory()
	e := newFakes(t, st)
	e.secret = "s"
	f := e.addFlow(nil)
	ctx := context.Background()
	_, unlock, err := f.lockChat(ctx, "chat-lock-0001-00000000000")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.addFlow(nil).lockChat(ctx, "chat-lock-0001-00000000000"); !errors.Is(err, errBusy) {
		t.Fatalf("a second replica's claim = %v, want busy", err)
	}
	// The lease ends; another replica claims the chat.
	if err := st.Delete(ctx, keyPrefix+"chat-lock:chat-lock-0001-00000000000"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := st.Add(ctx, keyPrefix+"chat-lock:chat-lock-0001-00000000000", "other", time.Minute); !ok {
		t.Fatal("the other replica's claim")
	}
	unlock()
	if v, ok, _ := st.Get(ctx, keyPrefix+"chat-lock:chat-lock-0001-00000000000"); !ok || v != "other" {
		t.Fatalf("the late release removed the other claim: %q %v", v, ok)
	}
}
