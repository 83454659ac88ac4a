package escalation

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/store"
)

func TestStoreChannelWait(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	// Two replicas' channels on one store; the second polls every 5 ms.
	a := NewStoreChannel(st, 0, time.Hour)
	b := NewStoreChannel(st, 0, 5*time.Millisecond)
	// Nothing comes: Wait returns nothing when its context ends.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	ms, err := a.Wait(short, "chat-wait-0001-00000000000", 0)
	cancel()
	if err != nil || ms != nil {
		t.Fatalf("Wait with nothing = %v, %v", ms, err)
	}
	type got struct {
		ms  []Message
		err error
	}
	wait := func(c *StoreChannel) chan got {
		ch := make(chan got, 1)
		go func() {
			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			ms, err := c.Wait(ctx, "chat-wait-0001-00000000000", 0)
			ch <- got{ms, err}
		}()
		return ch
	}
	// A waiter of the same process is woken at once (its own poll is an
	// hour); one of another replica within its poll.
	sameProc, otherProc := wait(a), wait(b)
	time.Sleep(10 * time.Millisecond) // let both start waiting
	if err := a.Deliver(ctx, "chat-wait-0001-00000000000", Message{ID: "m1", From: FromUser, Kind: KindText, Text: "Bonjour"}); err != nil {
		t.Fatal(err)
	}
	for name, ch := range map[string]chan got{"same process": sameProc, "other replica": otherProc} {
		select {
		case g := <-ch:
			if g.err != nil || len(g.ms) != 1 || g.ms[0].Seq != 1 || g.ms[0].Text != "Bonjour" {
				t.Fatalf("%s: %+v", name, g)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: not woken", name)
		}
	}
	// Delivering the same id again shows it once.
	if err := b.Deliver(ctx, "chat-wait-0001-00000000000", Message{ID: "m1", From: FromUser, Kind: KindText, Text: "Bonjour"}); err != nil {
		t.Fatal(err)
	}
	if ms, _ := a.Messages(ctx, "chat-wait-0001-00000000000", 0); len(ms) != 1 {
		t.Fatalf("messages %+v", ms)
	}
	if err := a.Deliver(ctx, "chat-wait-0001-00000000000", Message{}); err == nil {
		t.Fatal("a message without an id was taken")
	}
}

func TestStoreChannelHTTP(t *testing.T) {
	st := store.NewMemory()
	c := NewStoreChannel(st, 0, 0)
	mux := http.NewServeMux()
	mux.Handle("GET /chats/{chat}/{what}", c)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, q := range []string{"/chats/bad/messages", "/chats/chat-http-0001-00000000000/messages?after=-1", "/chats/chat-http-0001-00000000000/messages?after=x",
		"/chats/chat-http-0001-00000000000/messages?wait=soon", "/chats/chat-http-0001-00000000000/events?after=-2"} {
		resp, err := http.Get(srv.URL + q)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 400 || body["error"] == "" {
			t.Errorf("%s: %d %v", q, resp.StatusCode, body)
		}
	}
	// A long poll answers as soon as a message comes.
	done := make(chan []Message, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/chats/chat-http-0001-00000000000/messages?wait=30")
		if err != nil {
			done <- nil
			return
		}
		defer resp.Body.Close()
		var out struct{ Messages []Message }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		done <- out.Messages
	}()
	time.Sleep(10 * time.Millisecond)
	if err := c.Deliver(context.Background(), "chat-http-0001-00000000000", Message{ID: "a1", From: FromAgent, Kind: KindText, Text: "Bonjour"}); err != nil {
		t.Fatal(err)
	}
	select {
	case ms := <-done:
		if len(ms) != 1 || ms[0].Text != "Bonjour" {
			t.Fatalf("long poll got %+v", ms)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the long poll did not answer")
	}
	// Server-sent events: what is there, then what comes.
	evs := make(chan []Message, 1)
	go func() { evs <- readEvents(t, srv.URL+"/chats/chat-http-0001-00000000000/events", nil, 2) }()
	time.Sleep(10 * time.Millisecond)
	if err := c.Deliver(context.Background(), "chat-http-0001-00000000000", Message{ID: "a2", From: FromAgent, Kind: KindText, Text: "Encore là ?"}); err != nil {
		t.Fatal(err)
	}
	select {
	case ms := <-evs:
		if len(ms) != 2 || ms[0].Seq != 1 || ms[1].Text != "Encore là ?" {
			t.Fatalf("events %+v", ms)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no events")
	}
	// after= skips what the page has; wait=0 answers at once.
	resp, err := http.Get(srv.URL + "/chats/chat-http-0001-00000000000/messages?wait=0&after=2")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if strings.TrimSpace(string(out["messages"])) != "[]" {
		t.Fatalf("after=2: %s", out["messages"])
	}
}

// Long polls that time out leave nothing behind: 10,000 on distinct chats
// one after the other, and 200 on one chat at once woken midway.
func TestStoreChannelWaitersDoNotLeak(t *testing.T) {
	c := NewStoreChannel(store.NewMemory(), 0, time.Hour)
	ctx := context.Background()
	for i := range 10_000 {
		short, cancel := context.WithTimeout(ctx, time.Microsecond)
		ms, err := c.Wait(short, testChat("leak-"+strconv.Itoa(i)), 0)
		cancel()
		if err != nil || ms != nil {
			t.Fatalf("wait %d: %v %v", i, ms, err)
		}
	}
	if n := c.waiting(); n != 0 {
		t.Fatalf("%d chats still in the waiter map after 10,000 timed-out waits", n)
	}
	chat := testChat("leak-one")
	stop, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = c.Wait(stop, chat, 5) }() // after 5: the one message below does not end them
	}
	for c.count(chat) < 200 {
		runtime.Gosched()
	}
	if err := c.Deliver(ctx, chat, Message{ID: "m1", From: FromUser, Kind: KindText, Text: "x"}); err != nil {
		t.Fatal(err)
	}
	cancel()
	wg.Wait()
	if n := c.waiting(); n != 0 {
		t.Fatalf("%d chats still in the waiter map after 200 waits ended", n)
	}
}

// count is how many waiters chat has in this process.
func (c *StoreChannel) count(chat string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w, ok := c.waiters[chat]; ok {
		return w.n
	}
	return 0
}
