package escalation

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

// BenchmarkUserAndAgentMessage: one op is a user's message to the agent
// and the agent's reply back, over HTTP, on a chat an agent has:
//
//  1. the page POSTs the message to the bridge, which posts it to
//     Sunshine Conversations (the fake);
//  2. the agent answers (the fake's workspace), and Sunshine
//     Conversations delivers the webhooks (the echo of the user's message
//     and the reply) to the bridge;
//  3. the page long-polls the bridge until the reply is there.
//
// "bridge" is the escalation Flow (store.Memory); "floor" does the same
// HTTP hops by hand with net/http and encoding/json against the same
// fakes, with none of the bridge's checks, claims, de-duplication or
// store. Run: go test -run '^$' -bench UserAndAgent -cpu 1 -count 6.
func BenchmarkUserAndAgentMessage(b *testing.B) {
	b.Run("bridge", func(b *testing.B) {
		e := newEnv(b, 1, store.NewMemory())
		chat := "chat-bench-bridge-00000000"
		conv := e.escalate(chat)
		page := &benchPage{b: b, base: e.srv.URL, chat: chat}
		page.after = page.last()
		runBench(b, e, conv, page)
	})
	b.Run("floor", func(b *testing.B) {
		e := newEnv(b, 1, store.NewMemory())
		chat := "chat-bench-floor-000000000"
		conv := e.escalate(chat)
		st, _ := e.flows[0].loadChat(context.Background(), chat)
		fl := &floor{sunco: e.cf.URL + "/v2/apps/" + e.cf.AppID + "/conversations/" + conv + "/messages", keyID: e.cf.KeyID,
			keySecret: e.cf.Secret, user: st.User, secret: e.secret, wake: make(chan struct{})}
		srv := httptest.NewServer(fl.handler())
		b.Cleanup(srv.Close)
		// The integration's webhook now calls the floor instead.
		ch, _ := e.rep.Find(flow.SideConversations, KindIntegration, "")
		hooks, _ := e.cc.Webhooks.List(context.Background(), ch.ID)
		if _, err := e.cc.Webhooks.Update(context.Background(), ch.ID, hooks[0].ID, &conversations.WebhookInput{Target: srv.URL + WebhookPath}); err != nil {
			b.Fatal(err)
		}
		runBench(b, e, conv, &benchPage{b: b, base: srv.URL, chat: chat})
	})
}

func runBench(b *testing.B, e *env, conv string, page *benchPage) {
	agent := conversationstest.Agent{Name: "Ann"}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		page.say(fmt.Sprintf("b%d", i), fmt.Sprintf("Question %d", i))
		reply := fmt.Sprintf("Réponse %d", i)
		if _, err := e.cf.AgentReply(conv, agent, reply); err != nil {
			b.Fatal(err)
		}
		page.waitFor(reply)
	}
	b.StopTimer()
	b.ReportMetric(float64(2*b.N)/time.Since(start).Seconds(), "msgs/s")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = e.cf.WaitDeliveries(ctx)
}

// benchPage is the web page of a benchmark: it posts and long-polls.
type benchPage struct {
	b     *testing.B
	base  string
	chat  string
	after int64
}

func (p *benchPage) say(id, text string) {
	body, _ := json.Marshal(map[string]string{"id": id, "text": text})
	resp, err := http.Post(p.base+"/chats/"+p.chat+"/messages", "application/json", bytes.NewReader(body))
	if err != nil {
		p.b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		p.b.Fatalf("POST message: %d", resp.StatusCode)
	}
}

func (p *benchPage) poll() []Message {
	resp, err := http.Get(fmt.Sprintf("%s/chats/%s/messages?after=%d&wait=10", p.base, p.chat, p.after))
	if err != nil {
		p.b.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Messages []Message }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		p.b.Fatalf("GET messages: %d %v", resp.StatusCode, err)
	}
	return out.Messages
}

func (p *benchPage) last() int64 {
	ms := p.poll()
	return ms[len(ms)-1].Seq
}

func (p *benchPage) waitFor(text string) {
	for {
		ms := p.poll()
		for _, m := range ms {
			p.after = m.Seq
			if m.From == FromAgent && m.Text == text {
				return
			}
		}
	}
}

// floor is the bridge's HTTP hops by hand: the page's message posted to
// Sunshine Conversations, the webhook's agent messages kept in a slice,
// the page's long poll.
type floor struct {
	sunco, keyID, keySecret, user, secret string

	mu   sync.Mutex
	msgs []Message
	wake chan struct{}
}

func (f *floor) add(m Message) {
	f.mu.Lock()
	m.Seq = int64(len(f.msgs) + 1)
	f.msgs = append(f.msgs, m)
	close(f.wake)
	f.wake = make(chan struct{})
	f.mu.Unlock()
}

func (f *floor) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chats/{chat}/messages", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ ID, Text string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		post, _ := json.Marshal(map[string]any{"author": map[string]any{"type": "user", "userId": f.user},
			"content": map[string]any{"type": "text", "text": in.Text}})
		req, _ := http.NewRequestWithContext(r.Context(), "POST", f.sunco, bytes.NewReader(post))
		req.SetBasicAuth(f.keyID, f.keySecret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		var out struct{ Messages []struct{ ID string } }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != 201 && resp.StatusCode != 200 {
			http.Error(w, resp.Status, http.StatusServiceUnavailable)
			return
		}
		f.add(Message{ID: in.ID, From: FromUser, Kind: KindText, Text: in.Text})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"outcome": "applied"})
	})
	mux.HandleFunc("POST "+WebhookPath, func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-API-Key")), []byte(f.secret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var env struct {
			Events []struct {
				Type    string
				Payload struct {
					Message struct {
						ID      string
						Author  struct{ Type, DisplayName string }
						Content struct{ Type, Text string }
					}
				}
			}
		}
		if err := json.NewDecoder(r.Body).Decode(&env); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, ev := range env.Events {
			m := ev.Payload.Message
			if ev.Type == "conversation:message" && m.Author.Type == "business" {
				f.add(Message{ID: m.ID, From: FromAgent, Name: m.Author.DisplayName, Kind: KindText, Text: m.Content.Text})
			}
		}
		w.WriteHeader(200)
	})
	mux.HandleFunc("GET /chats/{chat}/messages", func(w http.ResponseWriter, r *http.Request) {
		var after int
		_, _ = fmt.Sscan(r.URL.Query().Get("after"), &after)
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		for {
			f.mu.Lock()
			ms, wake := append([]Message(nil), f.msgs[min(after, len(f.msgs)):]...), f.wake
			f.mu.Unlock()
			if len(ms) > 0 {
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"messages": ms})
				return
			}
			select {
			case <-wake:
			case <-ctx.Done():
				_ = json.NewEncoder(w).Encode(map[string]any{"messages": []Message{}})
				return
			}
		}
	})
	return mux
}
