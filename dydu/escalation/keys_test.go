package escalation

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

// keyLog is a store.Store that records every key written to it.
type keyLog struct {
	store.Store
	mu   sync.Mutex
	keys map[string]bool
}

func (k *keyLog) saw(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil {
		k.keys = map[string]bool{}
	}
	k.keys[key] = true
}

func (k *keyLog) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	k.saw(key)
	return k.Store.Set(ctx, key, value, ttl)
}

func (k *keyLog) Add(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	k.saw(key)
	return k.Store.Add(ctx, key, value, ttl)
}

func (k *keyLog) SetIfNewer(ctx context.Context, key string, version int64, value string, ttl time.Duration) (bool, error) {
	k.saw(key)
	return k.Store.SetIfNewer(ctx, key, version, value, ttl)
}

// Every key the flow and its StoreChannel write is under "escalation:",
// so that it shares a store (and a redisstore prefix) with other flows
// without a clash: smsbridge's and memorialize's keys also name "in:",
// "dedupe:" or a contact.
func TestStoreKeysAreNamespaced(t *testing.T) {
	keys := &keyLog{Store: store.NewMemory()}
	e := newEnv(t, 1, keys)
	chat := testChat("keys")
	conv := e.escalate(chat)
	e.wait()
	if _, err := e.cf.AgentReply(conv, conversationstest.Agent{Name: "Ann"}, "Je suis là"); err != nil {
		t.Fatal(err)
	}
	e.wait()
	keys.mu.Lock()
	defer keys.mu.Unlock()
	kinds := map[string]bool{}
	for k := range keys.keys {
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
