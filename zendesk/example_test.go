package zendesk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
)

// fakeZendesk stands in for https://acme.zendesk.com in the examples: it
// issues OAuth tokens and answers a few endpoints from canned JSON.
func fakeZendesk() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/tokens", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"access_token":"example-access-token","token_type":"bearer","scope":"read write","expires_in":7200}`)
	})
	authed := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer example-access-token" {
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"error":"Couldn't authenticate you"}`)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /api/v2/users/me", authed(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"user":{"id":35436,"name":"Johnny Agent","role":"agent"}}`)
	}))
	mux.HandleFunc("GET /api/v2/groups", authed(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page[after]") == "" {
			io.WriteString(w, `{"groups":[{"id":211,"name":"DJs"},{"id":122,"name":"MCs"}],"meta":{"has_more":true,"after_cursor":"c2"}}`)
			return
		}
		io.WriteString(w, `{"groups":[{"id":301,"name":"Support FR"}],"meta":{"has_more":false}}`)
	}))
	mux.HandleFunc("PUT /api/v2/agent_availabilities/agent_statuses/agents/{id}", authed(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"data":{"attributes":{"agent_id":%s,"agent_status":{"id":4,"name":"away"}},"id":"agent_availabilities|%s","type":"agent_availabilities"}}`, r.PathValue("id"), r.PathValue("id"))
	}))
	mux.HandleFunc("GET /api/v2/tickets/{id}", authed(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"RecordNotFound","description":"Not found"}`)
	}))
	return httptest.NewServer(mux)
}

// Build a client that authenticates with an OAuth client's credentials. The
// token is fetched on the first call and renewed before it expires.
func ExampleWithOAuthClientCredentials() {
	srv := fakeZendesk()
	defer srv.Close()

	zc, err := zendesk.NewClient(
		zendesk.WithSubdomain("acme"),
		zendesk.WithBaseURL(srv.URL), // the fake; leave out for the real account
		zendesk.WithOAuthClientCredentials("deskbridge-sync", "client-secret", "read", "write"),
	)
	if err != nil {
		log.Fatal(err)
	}
	me, err := zc.Users.Me(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Name, me.Role)
	// Output: Johnny Agent agent
}

// Walk every group; pages are fetched as the loop needs them.
func ExampleGroupsService_List() {
	srv := fakeZendesk()
	defer srv.Close()
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(srv.URL), zendesk.WithOAuthToken("example-access-token"))
	if err != nil {
		log.Fatal(err)
	}

	for g, err := range zc.Groups.List(context.Background(), &zendesk.CursorOptions{PageSize: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(g.ID, g.Name)
	}
	// Output:
	// 211 DJs
	// 122 MCs
	// 301 Support FR
}

// Fetch one page and keep its cursor to resume later.
func ExampleGroupsService_ListPage() {
	srv := fakeZendesk()
	defer srv.Close()
	zc, _ := zendesk.NewClient(zendesk.WithBaseURL(srv.URL), zendesk.WithOAuthToken("example-access-token"))
	ctx := context.Background()

	page, err := zc.Groups.ListPage(ctx, &zendesk.CursorOptions{PageSize: 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d groups, next %q\n", len(page.Items), page.Next)
	next, err := zc.Groups.ListPage(ctx, &zendesk.CursorOptions{PageSize: 2, After: page.Next})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s, next %q\n", next.Items[0].Name, next.Next)
	// Output:
	// 2 groups, next "c2"
	// Support FR, next ""
}

// Set an agent's unified status, for example when the agent went on a break
// in the telephony tool.
func ExampleAvailabilityService_SetAgentStatus() {
	srv := fakeZendesk()
	defer srv.Close()
	zc, _ := zendesk.NewClient(zendesk.WithBaseURL(srv.URL), zendesk.WithOAuthToken("example-access-token"))

	st, err := zc.Availability.SetAgentStatus(context.Background(), 10011, zendesk.UnifiedStatusAway)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.ID, st.Name)
	// Output: 4 away
}

// Errors unwrap to the deskbridge kinds and carry Zendesk's detail.
func ExampleError() {
	srv := fakeZendesk()
	defer srv.Close()
	zc, _ := zendesk.NewClient(zendesk.WithBaseURL(srv.URL), zendesk.WithOAuthToken("example-access-token"))

	_, err := zc.Tickets.Get(context.Background(), 42)
	var zerr *zendesk.Error
	fmt.Println(errors.Is(err, deskbridge.ErrNotFound), errors.As(err, &zerr), zerr.Code)
	fmt.Println(err)
	// Output:
	// true true RecordNotFound
	// zendesk: GET /api/v2/tickets/42: 404 Not Found: RecordNotFound: Not found
}

// The trigger of the Braze SMS bridge: public comments that did not come
// through the API call a webhook with the comment.
func ExampleNotifyWebhookJSON() {
	send, err := zendesk.NotifyWebhookJSON("01F1KRFQ6BG29CNWFR60NK5FNY", map[string]any{
		"campaign_id": "YOUR_CAMPAIGN_ID",
		"recipients": []map[string]any{{
			"external_user_id":   "{{ticket.requester.custom_fields.braze_external_id}}",
			"trigger_properties": map[string]string{"msg_body": "{{ticket.latest_public_comment_html}}"},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	trigger := &zendesk.Trigger{
		Title: "Reply by Braze SMS",
		Conditions: zendesk.Conditions{All: []zendesk.Condition{
			zendesk.Cond("comment_is_public", "is", "true"),
			zendesk.LoopGuard(),
		}},
		Actions: []zendesk.Action{send},
	}
	fmt.Println(string(trigger.Conditions.All[1].Value), send.Field)
	fmt.Println(string(send.Value))
	// Output:
	// "5" notification_webhook
	// ["01F1KRFQ6BG29CNWFR60NK5FNY","{\"campaign_id\":\"YOUR_CAMPAIGN_ID\",\"recipients\":[{\"external_user_id\":\"{{ticket.requester.custom_fields.braze_external_id}}\",\"trigger_properties\":{\"msg_body\":\"{{ticket.latest_public_comment_html}}\"}}]}"]
}
