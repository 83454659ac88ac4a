package escalation

import (
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

// Two replicas behind a round-robin balancer, sharing one store: every
// retry lands on the other replica.
func TestTwoReplicasMemory(t *testing.T) {
	e := newEnv(t, 2, store.NewMemory())
	playSeed(t, e, "chat-replica-mem-000000000")
}

func TestTwoReplicasRedis(t *testing.T) {
	client, _ := redistest.Client(t)
	e := newEnv(t, 2, redisstore.New(client, redistest.Prefix(t)))
	playSeed(t, e, "chat-replica-redis-0000000")
}

// Faults on every side: a post whose answer is lost, a passControl that
// fails, duplicate user POSTs and webhook retries; the retries converge
// on the seed's chat with nothing doubled.
func TestFaultsAndDuplicates(t *testing.T) {
	e := newEnv(t, 2, store.NewMemory())
	chat := "chat-faults-01-00000000000"
	if code, _ := e.say(chat, "m1", "Quels sont vos horaires ?", map[string]string{"mail": "jeanne@example.org"}); code != 200 {
		t.Fatal(code)
	}
	// The same message again (the page retried): a duplicate.
	if code, body := e.say(chat, "m1", "Quels sont vos horaires ?", nil); code != 200 || body["outcome"] != "duplicate" {
		t.Fatalf("duplicate POST: %d %v", code, body)
	}
	// The second transcript post goes through but its answer is lost; then
	// passControl fails once. The page retries until it is handled.
	e.cf.InjectFault(conversationstest.Fault{Method: "POST", Path: urlPath(e.cf.URL) + "/v2/apps/" + e.cf.AppID + "/conversations/", Processed: true, Status: 502})
	codes := []int{}
	for range 6 {
		code, _ := e.say(chat, "m2", "J'ai une question sur mon chien", nil)
		codes = append(codes, code)
		if code == 200 {
			break
		}
		if code != http.StatusServiceUnavailable {
			t.Fatalf("codes %v", codes)
		}
	}
	if codes[len(codes)-1] != 200 || len(codes) < 2 {
		t.Fatalf("codes = %v, want 503s then 200", codes)
	}
	conv := e.conv(chat)
	h, _ := e.cf.HandOff(conv)
	if len(h.Transcript) != 4 {
		t.Fatalf("transcript has %d messages, want 4 (none doubled): %+v", len(h.Transcript), h.Transcript)
	}
	// Webhook retries: the bridge answers 503 once (store claims busy is
	// not needed: a fault on the Zendesk fake is not on this path), so a
	// duplicate delivery is played by Sunshine Conversations' own retry
	// after a dropped answer.
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = e.cf.AgentReply(conv, conversationstest.Agent{Name: "Ann"}, []string{"Un", "Deux", "Trois"}[i])
		}()
	}
	wg.Wait()
	e.wait()
	n := 0
	for _, m := range e.messages(chat) {
		if m.From == FromAgent && m.Kind == KindText {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("the user saw %d agent messages, want 3", n)
	}
	// A text over Dydu's or Sunshine's limit is refused, whole.
	long := make([]rune, 4097)
	for i := range long {
		long[i] = 'a'
	}
	if code, body := e.say(chat, "m9", string(long), nil); code != 422 || body["outcome"] != "rejected" {
		t.Fatalf("a 4,097-character text: %d %v", code, body)
	}
	// An unknown conversation's events are ignored.
	if got := e.outcomes()["sunshine/failed/vendor failed"]; got != 0 {
		t.Fatalf("%d webhook events failed", got)
	}
}

func urlPath(u string) string {
	p, _ := url.Parse(u)
	return p.Path
}
