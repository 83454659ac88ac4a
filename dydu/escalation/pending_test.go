package escalation

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

// Message A's post goes through but its answer is lost; message B is
// posted; A's retry finds A instead of posting it again: each message
// keeps its own pending key.
func TestPendingPerMessage(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	chat := NewChatID()
	conv := e.escalate(chat)
	e.wait()
	e.cf.InjectFault(conversationstest.Fault{Method: "POST", Path: urlPath(e.cf.URL) + "/v2/apps/" + e.cf.AppID + "/conversations/" + conv + "/messages",
		Processed: true, Status: 502})
	if code, body := e.say(chat, "a1", "Message A", nil); code != http.StatusServiceUnavailable {
		t.Fatalf("A with its answer lost: %d %v", code, body)
	}
	if code, body := e.say(chat, "b1", "Message B", nil); code != 200 {
		t.Fatalf("B: %d %v", code, body)
	}
	if code, body := e.say(chat, "a1", "Message A", nil); code != 200 {
		t.Fatalf("A retried: %d %v", code, body)
	}
	n := map[string]int{}
	for _, m := range e.cf.Messages(conv) {
		n[m.Content.Text]++
	}
	if n["Message A"] != 1 || n["Message B"] != 1 {
		t.Fatalf("on the Zendesk side: A %d times, B %d times; want once each", n["Message A"], n["Message B"])
	}
	if st, _ := e.flows[0].loadChat(context.Background(), chat); len(st.Pending) != 0 {
		t.Fatalf("pending keys left: %v", st.Pending)
	}
}

// A state saved by an earlier version (one pending key) still finds its
// post.
func TestPendingOldState(t *testing.T) {
	st := store.NewMemory()
	e := newFakes(t, st)
	e.secret = "s"
	f := e.addFlow(nil)
	chat := NewChatID()
	if err := st.Set(context.Background(), keyPrefix+"chat:"+chat, `{"mode":"live","pending":"u.a1"}`, time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err := f.loadChat(context.Background(), chat)
	if err != nil || len(got.Pending) != 1 || got.Pending[0] != "u.a1" || got.OldPending != "" {
		t.Fatalf("%+v %v", got, err)
	}
}

// A chat's claim is renewed while its event works past the lease, and an
// event whose claim was lost stops saving (errBusy) instead of writing
// over the new holder's state.
func TestLockRenewedAndLost(t *testing.T) {
	st := store.NewMemory()
	e := newFakes(t, st)
	e.secret = "s"
	f := e.addFlow(nil)
	f.lease = 150 * time.Millisecond // renewed every 50 ms, with room for a loaded machine
	chat := NewChatID()
	ctx, unlock, err := f.lockChat(context.Background(), chat)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(450 * time.Millisecond) // three leases: still held
	if _, _, err := e.addFlow(nil).lockChat(context.Background(), chat); !errors.Is(err, errBusy) {
		t.Fatalf("another replica's claim past the lease while the event works = %v, want busy", err)
	}
	if err := f.saveChat(ctx, chat, &chatState{Mode: modeBot}); err != nil {
		t.Fatalf("save while holding: %v", err)
	}
	// Another replica took the chat (the store lost the claim, say).
	if err := st.Set(context.Background(), keyPrefix+"chat-lock:"+chat, "other", time.Minute); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !lockLost(ctx) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := f.saveChat(ctx, chat, &chatState{Mode: modeLive}); !errors.Is(err, errBusy) {
		t.Fatalf("save after the claim was lost = %v, want busy", err)
	}
	unlock()
	if v, _, _ := st.Get(context.Background(), keyPrefix+"chat-lock:"+chat); v != "other" {
		t.Fatalf("the release removed the other claim: %q", v)
	}
}
