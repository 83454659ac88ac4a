package memorialize

import (
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/storetest"
)

// Every key the flow writes starts with "memorialize:", as statussync's
// and smsbridge's start with their names, so that flows may share one
// store (and one prefix) without sharing a key.
func TestKeysHaveTheFlowsPrefix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st := storetest.NewKeyRecorder(&store.Memory{Now: e.clock.Now})
	cfg := e.config()
	cfg.Store = st
	e.flow = e.newFlow(cfg)
	e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone}, DispositionID: e.resolved})
	e.warehouse()
	if ps := e.poll(); ps.Outcomes[flow.Applied] == 0 {
		t.Fatalf("poll wrote nothing: %+v", ps)
	}
	if len(st.Keys()) == 0 {
		t.Fatal("no key written")
	}
	for _, k := range st.Keys() {
		if !strings.HasPrefix(k, "memorialize:") {
			t.Errorf("key %q lacks the prefix memorialize:", k)
		}
	}
}
