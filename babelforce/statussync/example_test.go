package statussync_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The default mapping follows the status-sync article: online is
// babelforce's only green presence, everything else the red presence of
// the same name.
func ExampleMapping() {
	m := statussync.Mapping{
		// babelforce has no "away": use its built-in "busy" instead.
		Presences: map[string]string{"away": "busy"},
	}
	for _, s := range []string{"online", "away", "transfers_only", "In a meeting"} {
		fmt.Printf("Zendesk %-15q → babelforce %q\n", s, m.Presence(s))
	}
	name, fallback := m.StatusName("busy")
	fmt.Printf("babelforce %q → Zendesk %q (fallback allowed: %v)\n", "busy", name, fallback)
	// Output:
	// Zendesk "online"        → babelforce "available"
	// Zendesk "away"          → babelforce "busy"
	// Zendesk "transfers_only" → babelforce "transfers_only"
	// Zendesk "In a meeting"  → babelforce "in_a_meeting"
	// babelforce "busy" → Zendesk "busy" (fallback allowed: true)
}

// A mapping that would make a red state green is refused, with the fix.
func ExampleMapping_Validate() {
	err := statussync.Mapping{Presences: map[string]string{"away": "available"}}.Validate()
	for _, p := range flow.Problems(err) {
		fmt.Println(p.Field)
		fmt.Println(p.Fix)
	}
	// Output:
	// Mapping.Presences["away"]
	// map "away" to a red presence such as "away", or remove the entry
}

// The flow between the two fakes: Provision points the Zendesk webhook at
// the flow's handler, and an agent's status change in Zendesk sets their
// babelforce presence.
func Example() {
	ctx := context.Background()
	zd := zendesktest.NewServer()
	defer zd.Close()
	bf := babelforcetest.NewServer()
	defer bf.Close()
	zc, _ := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken))
	bc, _ := babelforce.NewClient(babelforce.WithBaseURL(bf.URL), babelforce.WithPassword(bf.Username, bf.Password))

	// The flow's handler, served where Zendesk can reach it.
	var handler http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	defer srv.Close()

	rep, err := statussync.Provision(ctx, statussync.ProvisionConfig{Zendesk: zc, Babelforce: bc, Endpoint: srv.URL})
	if err != nil {
		panic(err)
	}
	secret, err := statussync.SigningSecret(ctx, zc, rep)
	if err != nil {
		panic(err)
	}
	sync, err := statussync.New(statussync.Config{Zendesk: zc, Babelforce: bc, ZendeskSecrets: []string{secret}})
	if err != nil {
		panic(err)
	}
	if err := sync.Check(ctx); err != nil {
		panic(err)
	}
	handler = sync.ZendeskHandler()

	ann := zd.AddAgent("Ann", "ann@example.com")
	agent := bf.AddAgent(babelforcetest.Agent{Name: "Ann", SourceID: strconv.FormatInt(ann, 10)})
	_ = zd.SetAgentStatus(ann, zendesktest.StatusOnline)
	_ = zd.WaitDeliveries(ctx)
	fmt.Println(bf.Presence(agent.ID))
	_ = zd.SetAgentStatus(ann, zendesktest.StatusAway)
	_ = zd.WaitDeliveries(ctx)
	fmt.Println(bf.Presence(agent.ID))
	// Output:
	// available
	// away
}
