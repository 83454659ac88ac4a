package memorialize

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
)

// keyLog is a store.Memory that records every key written.
type keyLog struct {
	*store.Memory
	mu   sync.Mutex
	keys []string
}

func (s *keyLog) log(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, key)
}

func (s *keyLog) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	s.log(key)
	return s.Memory.Set(ctx, key, value, ttl)
}

func (s *keyLog) Add(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	s.log(key)
	return s.Memory.Add(ctx, key, value, ttl)
}

func (s *keyLog) SetIfNewer(ctx context.Context, key string, version int64, value string, ttl time.Duration) (bool, error) {
	s.log(key)
	return s.Memory.SetIfNewer(ctx, key, version, value, ttl)
}

// Every key the flow writes starts with "memorialize:", as statussync's
// and smsbridge's start with their names, so that flows may share one
// store (and one prefix) without sharing a key.
func TestKeysHaveTheFlowsPrefix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st := &keyLog{Memory: &store.Memory{Now: e.clock.Now}}
	cfg := e.config()
	cfg.Store = st
	e.flow = e.newFlow(cfg)
	e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone}, DispositionID: e.resolved})
	e.warehouse()
	if ps := e.poll(); ps.Outcomes[flow.Applied] == 0 {
		t.Fatalf("poll wrote nothing: %+v", ps)
	}
	if len(st.keys) == 0 {
		t.Fatal("no key written")
	}
	for _, k := range st.keys {
		if !strings.HasPrefix(k, "memorialize:") {
			t.Errorf("key %q lacks the prefix memorialize:", k)
		}
	}
}
