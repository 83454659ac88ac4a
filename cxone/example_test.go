package cxone_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/deskbridge/deskbridge/cxone"
)

// miniCXone answers the few routes the examples call, as CXone would,
// from one URL (what a cxonetest fake does in full).
func miniCXone() *httptest.Server {
	mux := http.NewServeMux()
	var srv *httptest.Server
	answer := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		answer(`{"token_endpoint":"`+srv.URL+`/auth/token"}`)(w, r)
	})
	mux.HandleFunc("POST /auth/token", answer(`{"access_token":"example-token","token_type":"Bearer","expires_in":3600}`))
	mux.HandleFunc("GET /.well-known/cxone-configuration", func(w http.ResponseWriter, r *http.Request) {
		answer(`{"api_endpoint":"`+srv.URL+`","area":"na1","domain":"niceincontact.com"}`)(w, r)
	})
	mux.HandleFunc("GET /inContactAPI/services/v33.0/contacts/completed", answer(`{
		"lastPollTime": "2026-11-21T10:05:00Z", "totalRecords": 1,
		"completedContacts": [{"contactId": 560001, "fromAddress": "+33612345678", "skillName": "Billing Voice",
			"contactStartDate": "2026-11-21T09:55:00Z", "totalDurationSeconds": 285, "primaryDispositionId": 31,
			"tags": [{"tagId": 8, "tagName": "refund"}]}]}`))
	mux.HandleFunc("GET /inContactAPI/services/v23.0/agent-sessions/{id}/get-next-event", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified) // no event within the timeout
	})
	srv = httptest.NewServer(mux)
	return srv
}

// A client discovers the tenant's API endpoint on its first call; here on
// a local stand-in for CXone, reached through WithBaseURL.
func ExampleNewClient() {
	srv := miniCXone()
	defer srv.Close()

	c, err := cxone.NewClient(
		cxone.WithBaseURL(srv.URL), // omit for CXone itself
		cxone.WithTenant("11ee0000-aaaa-4bbb-8ccc-000000000001"),
		cxone.WithAccessKey("ACCESS-KEY-ID", "access-key-secret", "app@vendor", "client-secret"),
	)
	if err != nil {
		log.Fatal(err)
	}
	d, err := c.Discovery(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("area", d.Area, "domain", d.Domain)
	// Output:
	// area na1 domain niceincontact.com
}

// The memorialization flow's source: completed contacts since the last
// poll, and the time to poll from next.
func ExampleContactsService_CompletedPage() {
	srv := miniCXone()
	defer srv.Close()
	c, err := cxone.NewClient(cxone.WithBaseURL(srv.URL), cxone.WithTenant("t1"),
		cxone.WithAccessKey("ACCESS-KEY-ID", "access-key-secret", "app@vendor", "client-secret"))
	if err != nil {
		log.Fatal(err)
	}
	lastPoll := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	page, err := c.Contacts.CompletedPage(context.Background(), &cxone.CompletedContactListOptions{
		UpdatedSince: lastPoll,
		ListOptions:  cxone.ListOptions{OrderBy: "lastUpdateTime asc"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, ct := range page.Items {
		fmt.Println(ct.ContactID, ct.FromAddress, ct.SkillName, ct.End().Format(time.TimeOnly), ct.TagNames())
	}
	fmt.Println("next poll from", page.LastPollTime.Format(time.RFC3339))
	// Output:
	// 560001 +33612345678 Billing Voice 09:59:45 [refund]
	// next poll from 2026-11-21T10:05:00Z
}

// get-next-event answers 304 when no event came within the timeout: an
// empty batch, not an error.
func ExampleSessionsService_NextEvent() {
	srv := miniCXone()
	defer srv.Close()
	c, err := cxone.NewClient(cxone.WithBaseURL(srv.URL), cxone.WithTenant("t1"), cxone.WithAccessToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	batch, err := c.Sessions.NextEvent(context.Background(), "session-1", time.Second)
	if err != nil {
		log.Fatal(err)
	}
	for _, ev := range batch.Events {
		if cc, err := ev.CallContact(); err == nil && cc.Ended() {
			fmt.Println("contact", cc.ContactID, "ended")
		}
	}
	fmt.Println(len(batch.Events), "events")
	// Output:
	// 0 events
}
