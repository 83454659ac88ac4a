package babelforcetest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
)

// A fake environment for a test or a demo: seed it, point the client at it,
// then assert on its state and history.
func ExampleServer() {
	srv := babelforcetest.NewServer()
	defer srv.Close()
	ann := srv.AddAgent(babelforcetest.Agent{Name: "Ann", SourceID: "10011"})
	srv.AddPresence("", "Away")

	c, err := babelforce.NewClient(babelforce.WithBaseURL(srv.URL), babelforce.WithPassword(srv.Username, srv.Password))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Agents.SetPresence(ctx, ann.ID, "away"); err != nil {
		log.Fatal(err)
	}
	// Ann changes her presence in babelforce's UI.
	if err := srv.SetPresence(ann.ID, "available"); err != nil {
		log.Fatal(err)
	}
	for _, ch := range srv.History() {
		fmt.Printf("%s: %s → %s (%s)\n", ch.SourceID, ch.From, ch.To, ch.Source)
	}
	fmt.Println("token requests:", srv.TokenRequests())
	// Output:
	// 10011: busy → away (api)
	// 10011: away → available (ui)
	// token requests: 1
}

// Faults make the next requests fail; the client retries what is safe.
func ExampleServer_InjectFault() {
	srv := babelforcetest.NewServer()
	defer srv.Close()
	c, err := babelforce.NewClient(babelforce.WithBaseURL(srv.URL), babelforce.WithPassword(srv.Username, srv.Password),
		babelforce.WithRetryWaitMax(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	srv.InjectFault(babelforcetest.Fault{Method: http.MethodGet, Path: "/api/v2/agents/presence", Status: http.StatusServiceUnavailable})
	presences, err := c.Presences.List(context.Background())
	fmt.Println(len(presences), err)
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Status)
	}
	// Output:
	// 2 <nil>
	// POST /oauth/token 200
	// GET /api/v2/agents/presence/available 503
	// GET /api/v2/agents/presence/available 200
}
