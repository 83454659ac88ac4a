package deskbridgetest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Every fake takes the same faults and keeps the same request log: here
// Zendesk fails twice, the client retries its GET, and the log shows what
// happened, credentials redacted.
func ExampleFault() {
	fake := zendesktest.NewServer()
	defer fake.Close()
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(fake.URL), zendesk.WithAPIToken(fake.Email, fake.APIToken),
		zendesk.WithRetryWaitMax(1)) // tiny waits, for the example
	if err != nil {
		panic(err)
	}
	fake.InjectFault(deskbridgetest.Fault{Method: http.MethodGet, Path: "/api/v2/groups", Status: http.StatusServiceUnavailable, Times: 2})

	_, err = zc.Groups.ListPage(context.Background(), nil)
	fmt.Println("listed after two 503s:", err == nil)
	for _, r := range fake.Requests() {
		fmt.Println(r.Method, r.Path, r.Status, r.Fault, r.Header.Get("Authorization"))
	}

	fake.ResetRequests()
	fake.InjectFault(deskbridgetest.Fault{Path: "/api/v2/groups", Status: http.StatusServiceUnavailable, Times: 10})
	_, err = zc.Groups.ListPage(context.Background(), nil)
	fmt.Println(errors.Is(err, deskbridge.ErrUnavailable), len(fake.Requests()))
	// Output:
	// listed after two 503s: true
	// GET /api/v2/groups 503 Service Unavailable [redacted]
	// GET /api/v2/groups 503 Service Unavailable [redacted]
	// GET /api/v2/groups 200  [redacted]
	// true 4
}
