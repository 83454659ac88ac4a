package fakeserver_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// A fake declares its routes; the base answers the next matching request
// with the injected fault and logs what every request got.
func ExampleStart() {
	vendor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"ok":true}`) })
	b := fakeserver.Start(fakeserver.Spec{Routes: vendor})
	defer b.Close()

	b.InjectFault(deskbridgetest.Fault{Method: "GET", Path: "/api/", Status: http.StatusServiceUnavailable,
		Header: http.Header{"Retry-After": {"1"}}})
	for range 2 {
		resp, err := http.Get(b.URL + "/api/things")
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q\n", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	for _, e := range b.Requests() {
		fmt.Printf("%s %s → %d fault=%q\n", e.Method, e.Path, e.Status, e.Fault)
	}
	// Output:
	// 503 Retry-After="1"
	// 200 Retry-After=""
	// GET /api/things → 503 fault="Service Unavailable"
	// GET /api/things → 200 fault=""
}
