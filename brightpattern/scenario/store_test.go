package scenario

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/store"
)

// With no Config.Store, New says the flow is single-replica (what a step
// does once per interaction would be done again by another replica); with
// one, it says nothing of the kind.
func TestNewLogsSingleReplicaWithoutStore(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		st   store.Store
		want bool
	}{{nil, true}, {store.NewMemory(), false}} {
		var logs bytes.Buffer
		cfg := w.config(InboundCall(nil, testFields...))
		cfg.Store, cfg.Logger = tc.st, slog.New(slog.NewTextHandler(&logs, nil))
		if _, err := New(cfg); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(logs.String(), "single replica"); got != tc.want {
			t.Errorf("Store %T: logged single replica %v, want %v:\n%s", tc.st, got, tc.want, logs.String())
		}
	}
}
