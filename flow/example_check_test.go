package flow_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// A flow's Check reads each side through a CheckReader: refused
// credentials become a problem of the client's Config field, anything else
// an error beside the problems.
func ExampleCheckReader() {
	fake := zendesktest.NewServer()
	defer fake.Close()
	// Credentials the account does not know.
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(fake.URL), zendesk.WithAPIToken(fake.Email, "not-the-token"), zendesk.WithMaxRetries(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	p := flow.Collector{Flow: "myflow"}
	r := flow.CheckReader{Problems: &p}
	if _, err := zc.Users.Me(context.Background()); r.Read("Config.Zendesk", err) {
		fmt.Println("the credentials work: check the account")
	}
	for _, ce := range flow.Problems(r.Err()) {
		fmt.Println(ce.Field)
	}
	// Output:
	// Config.Zendesk
}

// A webhook handler's function asks for the Retry-After of the 503 it
// causes: here, a delivery answered busy while another holds its lease for
// 20 more seconds.
func ExampleRetryAfterHandler() {
	h := flow.RetryAfterHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// What package webhook's handler does with a function's error:
		// its own Retry-After, then 503.
		flow.AskRetryAfter(r.Context(), 20*time.Second+time.Second)
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	fmt.Println(rec.Code, rec.Header().Get("Retry-After"))
	// Output:
	// 503 21
}
