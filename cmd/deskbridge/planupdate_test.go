package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/deskbridge/deskbridge/zendesk"
)

// TestPlanShowsUpdates: after apply, an admin edits the flow's Zendesk
// webhook (another endpoint, deactivated); plan exits 2 with a "~ update"
// line and each field as old → new, apply puts it back, and plan exits 0.
func TestPlanShowsUpdates(t *testing.T) {
	w := newTestWorld(t, "statussync")
	file := filepath.Join(t.TempDir(), "deskbridge.yaml")
	if err := os.WriteFile(file, []byte(w.config()), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd(t, w.getenv, "apply", "-config", file); code != exitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	const name = "deskbridge statussync"
	var id, endpoint string
	for _, wh := range w.zd.Webhooks() {
		if wh.Name == name {
			id, endpoint = wh.ID, wh.Endpoint
		}
	}
	if id == "" {
		t.Fatalf("apply made no webhook %q", name)
	}
	// The admin's edit, through Zendesk's API as Admin Center makes it.
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(w.zd.URL), zendesk.WithAPIToken(w.zd.Email, w.zd.APIToken))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	wh, err := zc.Webhooks.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	const moved = "https://old.example.com/hook"
	wh.Endpoint, wh.Status = moved, zendesk.WebhookInactive
	if err := zc.Webhooks.Update(ctx, id, wh); err != nil {
		t.Fatal(err)
	}
	runSteps(t, w.getenv, file, []cmdStep{
		{"plan", exitChanges, []string{
			"~ update     zendesk webhook \"" + name + "\" (id " + id + ")\n",
			`endpoint: "` + moved + `" → "` + endpoint + `"` + "\n",
			"status: inactive → active\n",
			"All flows: Plan: 1 to update,",
		}},
		{"apply", exitOK, []string{"~ updated    zendesk webhook \"" + name + "\"", "All flows: Applied: 1 updated,"}},
		{"plan", exitOK, []string{`= unchanged  zendesk webhook "` + name + `"`, "All flows: No changes"}},
	}, w.zd.APIToken, w.bf.Password)
	for _, wh := range w.zd.Webhooks() {
		if wh.ID == id && (wh.Endpoint != endpoint || wh.Status != "active") {
			t.Errorf("after apply the webhook is %s %s, want %s active", wh.Endpoint, wh.Status, endpoint)
		}
	}
}
