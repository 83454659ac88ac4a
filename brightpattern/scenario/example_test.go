package scenario_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/brightpattern/brightpatterntest"
	"github.com/deskbridge/deskbridge/brightpattern/scenario"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Two calls from a known number: the first, run directly, finds no open
// ticket and creates a voice ticket popped to the agent; the second,
// through a Bright Pattern scenario's Fetch URL block, pops that ticket.
// Both attach the call data.
func Example() {
	ctx := context.Background()
	zd := zendesktest.NewServer()
	defer zd.Close()
	zd.AddAgent("Ann Agent", "ann@example.com")
	phone := "+14155550100"
	caller := zd.AddUser(zendesktest.User{Name: "Carla Caller", Phone: &phone})
	accounts, err := brightpattern.NewAccounts(brightpattern.Account{Name: "support", URL: zd.URL, Default: true, HTTPClient: zd.Client(),
		Auth: brightpattern.APIToken{Username: zd.Email, Token: zd.APIToken}})
	if err != nil {
		fmt.Println(err)
		return
	}
	sc := scenario.InboundCall(nil, scenario.Field{Title: "Caller number", Value: "$(item.ANI)"})
	if _, err := scenario.Provision(ctx, scenario.ProvisionConfig{Accounts: accounts, Scenario: sc}); err != nil {
		fmt.Println(err)
		return
	}
	f, err := scenario.New(scenario.Config{Accounts: accounts, Scenario: sc, ScenarioAuth: webhook.SharedSecretVerifier{Secrets: []string{"shared-secret"}},
		Directory: brightpattern.NewDirectory(&brightpattern.User{LoginID: "ann", Email: "ann@example.com"})})
	if err != nil {
		fmt.Println(err)
		return
	}
	// No open ticket: a new voice ticket.
	res := f.Run(ctx, map[string]string{"item.ANI": phone, "user.loginId": "ann"})
	fmt.Println(res.Exit, res.Variables["caller.name"], res.Variables["tickets.__count__"], res.Variables["ticket_id"])

	// The same call arriving at Bright Pattern, whose scenario calls the
	// handler.
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	bp := brightpatterntest.NewServer(brightpatterntest.WithScenario(brightpatterntest.ScenarioCall(srv.URL, "shared-secret")))
	defer bp.Close()
	_ = bp.AddUser(brightpatterntest.User{LoginID: "ann", Email: "ann@example.com"})
	run, err := bp.Arrive(ctx, brightpatterntest.Interaction{ANI: phone, DNIS: "+18005550199", Agent: "ann"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(run.Exit, run.Variables["caller.id"] == fmt.Sprint(caller.ID), run.Variables["tickets.__count__"], run.Variables["ticket_id"], len(zd.ScreenPops()))
	// Output:
	// Next Carla Caller 0 1
	// Next true 1 1 2
}

// Substitute puts variables into a block's setting, as the Scenario
// Builder does.
func ExampleSubstitute() {
	q, err := scenario.Substitute(`type:user phone:"$(item.ANI)"`, map[string]string{"item.ANI": "+14155550100"})
	fmt.Println(q, err)
	_, err = scenario.Substitute("$(item.DNIS)", map[string]string{})
	fmt.Println(err)
	// Output:
	// type:user phone:"+14155550100" <nil>
	// scenario: unknown variable $(item.DNIS)
}

// SubstituteSearch keeps a caller's value one search term: it cannot close
// the phrase and add a condition.
func ExampleSubstituteSearch() {
	vars := map[string]string{"item.ANI": `x" OR type:user role:admin "`, "name": "Ann Lee"}
	q, _ := scenario.SubstituteSearch(`type:user phone:"$(item.ANI)"`, vars)
	fmt.Println(q)
	q, _ = scenario.SubstituteSearch(`type:user name:$(name)`, vars)
	fmt.Println(q)
	// Output:
	// type:user phone:"x OR type:user role:admin "
	// type:user name:"Ann Lee"
}

// SubstituteURL keeps a caller's value one path segment, or one
// parameter's value.
func ExampleSubstituteURL() {
	vars := map[string]string{"ticket_id": "destroy_many.json?ids=1,2,3&x=", "q": "a&b"}
	u, _ := scenario.SubstituteURL("tickets/$(ticket_id).json", vars)
	fmt.Println(u)
	u, _ = scenario.SubstituteURL("users/search.json?query=$(q)", vars)
	fmt.Println(u)
	// Output:
	// tickets/destroy_many.json%3Fids=1%2C2%2C3&x=.json
	// users/search.json?query=a%26b
}
