package statuswriter

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatus(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		h    func(http.ResponseWriter)
		want int
	}{
		"header first":     {func(w http.ResponseWriter) { w.WriteHeader(401); w.WriteHeader(500) }, 401},
		"body first":       {func(w http.ResponseWriter) { _, _ = w.Write([]byte("x")); w.WriteHeader(500) }, 200},
		"flush first":      {func(w http.ResponseWriter) { w.(http.Flusher).Flush() }, 200},
		"nothing answered": {func(http.ResponseWriter) {}, 0},
	} {
		rec := httptest.NewRecorder()
		w := &Writer{ResponseWriter: rec}
		c.h(w)
		if w.Status != c.want {
			t.Errorf("%s: Status %d, want %d", name, w.Status, c.want)
		}
	}
	rec := httptest.NewRecorder()
	if err := http.NewResponseController(&Writer{ResponseWriter: rec}).Flush(); err != nil || !rec.Flushed {
		t.Errorf("flush through the controller: %v, flushed %v", err, rec.Flushed)
	}
}
