package escalation

import (
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/storetest"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

// Every key the flow and its StoreChannel write is under "escalation:",
// so that it shares a store (and a redisstore prefix) with other flows
// without a clash: smsbridge's and memorialize's keys also name "in:",
// "dedupe:" or a contact.
func TestStoreKeysAreNamespaced(t *testing.T) {
	keys := storetest.NewKeyRecorder(store.NewMemory())
	e := newEnv(t, 1, keys)
	chat := testChat("keys")
	conv := e.escalate(chat)
	e.wait()
	if _, err := e.cf.AgentReply(conv, conversationstest.Agent{Name: "Ann"}, "Je suis là"); err != nil {
		t.Fatal(err)
	}
	e.wait()
	kinds := map[string]bool{}
	for _, k := range keys.Keys() {
		if !strings.HasPrefix(k, keyPrefix) {
			t.Errorf("key %q is not under %q", k, keyPrefix)
		}
		kind, _, _ := strings.Cut(strings.TrimPrefix(k, keyPrefix), ":")
		kinds[kind] = true
	}
	for _, want := range []string{"chat", "chat-lock", "conv", "in", "dedupe", "box", "box-head", "box-id"} {
		if !kinds[want] {
			t.Errorf("no %q key written; kinds seen: %v", want, kinds)
		}
	}
}
