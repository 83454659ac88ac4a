package fakeserver_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// A fake wraps its vendor handler in a Stack: the next matching request
// gets the injected fault, and the log records what every request got.
func ExampleStack() {
	stack := &fakeserver.Stack{Log: &fakeserver.Log{}, Faults: &fakeserver.Faults{}}
	vendor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"ok":true}`) })
	srv := httptest.NewServer(stack.Handler(vendor))
	defer srv.Close()

	stack.Faults.Inject(fakeserver.Fault{Method: "GET", Path: "/api/", Status: http.StatusServiceUnavailable,
		Header: http.Header{"Retry-After": {"1"}}})
	for range 2 {
		resp, err := http.Get(srv.URL + "/api/things")
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q\n", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	for _, e := range stack.Log.Entries() {
		fmt.Printf("%s %s → %d fault=%q\n", e.Method, e.Path, e.Status, e.Fault)
	}
	// Output:
	// 503 Retry-After="1"
	// 200 Retry-After=""
	// GET /api/things → 503 fault="Service Unavailable"
	// GET /api/things → 200 fault=""
}
