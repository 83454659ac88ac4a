package flow_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/flow"
)

// A function behind RetryAfterHandler sets the Retry-After of the 503 its
// delivery gets: the longest ask, rounded up, capped; other answers and
// deliveries without an ask keep the handler's own.
func TestRetryAfterHandler(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		asks   []time.Duration
		want   string
	}{
		{"no ask", 503, nil, "5"},
		{"one ask", 503, []time.Duration{21 * time.Second}, "21"},
		{"rounded up", 503, []time.Duration{20*time.Second + time.Millisecond}, "21"},
		{"the longest of several", 503, []time.Duration{3 * time.Second, 31 * time.Second, 2 * time.Second}, "31"},
		{"capped", 503, []time.Duration{10 * time.Minute}, "59"},
		{"at least a second", 503, []time.Duration{time.Millisecond}, "1"},
		{"not a 503", 200, []time.Duration{21 * time.Second}, "5"},
	} {
		inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, d := range tc.asks {
				if !flow.AskRetryAfter(r.Context(), d) {
					t.Errorf("%s: the ask was not taken", tc.name)
				}
			}
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(tc.status)
		})
		rec := httptest.NewRecorder()
		flow.RetryAfterHandler(inner).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
		if got := rec.Header().Get("Retry-After"); rec.Code != tc.status || got != tc.want {
			t.Errorf("%s: %d Retry-After %q, want %d %q", tc.name, rec.Code, got, tc.status, tc.want)
		}
	}
	if flow.AskRetryAfter(context.Background(), time.Second) {
		t.Error("an ask outside a RetryAfterHandler was taken")
	}
}
