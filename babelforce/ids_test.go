package babelforce

import (
	"context"
	"net/http"
	"testing"
)

// TestIDsPassThrough: the client puts an id in the path exactly as it was
// given. babelforce's ids are 32 hex characters without hyphens and its API
// does not match the hyphenated form (github.com/babelforce/manager-sdk-go,
// ids.go); ids come from babelforce in that form, so the client has nothing
// to rewrite, and it does not reformat any id, hyphenated or not: a caller
// who hands it an id of another system gets babelforce's answer for that
// id, not a request for another one.
func TestIDsPassThrough(t *testing.T) {
	t.Parallel()
	for _, id := range []string{wireAgentID, specExampleAgentID, "0FE3D4A8335B4C3EA63DC38D153020E2", "not-an-id"} {
		c, mock, rec := newMocked(t, nil)
		mock.RegisterNoResponder(rec.Wrap(jsonResp(http.StatusOK, fixture(t, "agent_item.json"))))
		ctx := context.Background()
		calls := []struct {
			path string
			call func() error
		}{
			{"/api/v2/agents/" + id, func() error { _, err := c.Agents.Get(ctx, id); return err }},
			{"/api/v2/agents/" + id, func() error { _, err := c.Agents.Update(ctx, id, &AgentUpdate{Name: Ptr("A")}); return err }},
			{"/api/v2/agents/" + id, func() error { return c.Agents.Delete(ctx, id) }},
			{"/api/v2/agents/" + id + "/status", func() error { _, err := c.Agents.SetPresence(ctx, id, "busy"); return err }},
			{"/api/v3/tasks/" + id, func() error { _, err := c.Tasks.Get(ctx, id); return err }},
		}
		for _, k := range calls {
			_ = k.call() // the canned body fits only some calls; the path is the point
			if got := rec.Last(t); got.EscapedPath != k.path {
				t.Errorf("id %q: %s sent to %q, want %q", id, got.Method, got.EscapedPath, k.path)
			}
		}
	}
}
