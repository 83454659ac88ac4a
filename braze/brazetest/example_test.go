package brazetest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/deskbridge/deskbridge/braze/brazetest"
)

// A customer texts SUPPORT: the webhook campaign of the Zendesk Chat recipe
// posts a ticket to the configured URL, here a local handler.
func ExampleServer_ReceiveSMS() {
	tickets := make(chan string, 1)
	zendesk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		tickets <- r.Method + " " + r.URL.Path + " " + string(body)
		w.WriteHeader(http.StatusCreated)
	}))
	defer zendesk.Close()

	fake := brazetest.NewServer()
	defer fake.Close()
	fake.AddUser(brazetest.User{ExternalID: "cust-42", FirstName: "Ada", LastName: "Lovelace"})
	fake.AddCampaign(brazetest.Campaign{
		Name: "Zendesk SMS 1",
		Webhook: &brazetest.Webhook{
			Keywords: []string{"SUPPORT"},
			URL:      zendesk.URL + "/api/v2/tickets",
			Header:   http.Header{"Content-Type": {"application/json"}},
			Body:     `{"ticket":{"comment":{"body":"{{sms.${inbound_message_body}}}"},"requester":{"name":"{{${first_name}}} {{${last_name}}}","user_fields":{"braze_external_id":"{{${user_id}}}"}}}}`,
		},
	})

	in, _ := fake.ReceiveSMS("cust-42", "support")
	fmt.Println("category:", in.Category)
	fake.WaitWebhooks(context.Background())
	fmt.Println(<-tickets)
	wh := fake.Webhooks()[0]
	fmt.Println("delivered:", wh.Delivered, "after", len(wh.Attempts), "attempt")
	// Output:
	// category: SUPPORT
	// POST /api/v2/tickets {"ticket":{"comment":{"body":"support"},"requester":{"name":"Ada Lovelace","user_fields":{"braze_external_id":"cust-42"}}}}
	// delivered: true after 1 attempt
}
