package statussync_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Handler serves the Zendesk path, and the automation path only when the
// automation has a secret; anything else is 404.
func TestHandlerServesTheFlowsPaths(t *testing.T) {
	t.Parallel()
	zc, err := zendesk.NewClient(zendesk.WithBaseURL("http://127.0.0.1:1"), zendesk.WithAPIToken("a@example.com", "t"))
	if err != nil {
		t.Fatal(err)
	}
	bc, err := babelforce.NewClient(babelforce.WithBaseURL("http://127.0.0.1:1"), babelforce.WithPassword("u", "p"))
	if err != nil {
		t.Fatal(err)
	}
	status := func(h http.Handler, path string, header http.Header) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{}`))
		for k, v := range header {
			req.Header[k] = v
		}
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, auto := range []bool{false, true} {
		cfg := statussync.Config{Zendesk: zc, Babelforce: bc, ZendeskSecrets: []string{"zs"}}
		if auto {
			cfg.AutomationAuth = webhook.SharedSecretVerifier{Scheme: webhook.SchemeBearer, Secrets: []string{"auto-secret"}}
		}
		f, err := statussync.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		h := f.Handler()
		// Unsigned: the Zendesk handler answers 401, so it is there.
		if got := status(h, statussync.ZendeskPath, nil); got != http.StatusUnauthorized {
			t.Errorf("automation %v: %s unsigned: %d, want 401", auto, statussync.ZendeskPath, got)
		}
		want := http.StatusNotFound
		if auto {
			want = http.StatusUnauthorized
		}
		if got := status(h, statussync.AutomationPath, nil); got != want {
			t.Errorf("automation %v: %s without its secret: %d, want %d", auto, statussync.AutomationPath, got, want)
		}
		if got := status(h, "/other", nil); got != http.StatusNotFound {
			t.Errorf("automation %v: /other: %d, want 404", auto, got)
		}
	}
}
