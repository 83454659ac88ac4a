package scenario

import (
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/brightpattern/brightpatterntest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestProvisionIdempotent(t *testing.T) {
	w := newWorld(t)
	sc := InboundCall(nil, append(testFields, Field{Title: "Call queue", Value: "$(item.DNIS)"})...)
	before := len(w.zd.TicketFields())
	dry, err := Provision(t.Context(), ProvisionConfig{Accounts: w.accounts, Scenario: sc, DryRun: true})
	if err != nil || dry.Count(flow.ActionCreated) != 2 || dry.Count(flow.ActionUpdated) != 4 {
		t.Fatalf("%v\n%s", err, dry)
	}
	if len(w.zd.TicketFields()) != before {
		t.Fatal("a dry run wrote")
	}
	rep, err := Provision(t.Context(), ProvisionConfig{Accounts: w.accounts, Scenario: sc})
	if err != nil || rep.Count(flow.ActionCreated) != 2 || !strings.Contains(rep.Changes[2].Note, "account support") {
		t.Fatalf("%v\n%s", err, rep)
	}
	again, err := Provision(t.Context(), ProvisionConfig{Accounts: w.accounts, Scenario: sc})
	if err != nil || again.Changed() {
		t.Fatalf("%v\n%s", err, again)
	}
	if _, err := Provision(t.Context(), ProvisionConfig{}); err == nil {
		t.Fatal("no accounts accepted")
	}
}

func TestCheck(t *testing.T) {
	w := newWorld(t)
	f, _ := w.flow(InboundCall(nil, testFields...))
	if err := f.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A missing field, an agent missing on one account, an agent without an
	// email, and an account whose token Zendesk refuses.
	bad := zendesktest.NewServer()
	defer bad.Close()
	accounts, err := brightpattern.NewAccounts(
		brightpattern.Account{Name: "support", URL: w.zd.URL, Default: true, HTTPClient: w.zd.Client(),
			Auth: brightpattern.APIToken{Username: w.zd.Email, Token: w.zd.APIToken}},
		brightpattern.Account{Name: "brand", URL: bad.URL, HTTPClient: bad.Client(),
			Auth: brightpattern.APIToken{Username: bad.Email, Token: "wrong"}, Options: []zendesk.Option{zendesk.WithMaxRetries(0)}},
	)
	if err != nil {
		t.Fatal(err)
	}
	cfg := w.config(InboundCall(nil, append(testFields, Field{Title: "Missing", Value: "x"})...))
	cfg.Accounts = accounts
	cfg.Directory = brightpattern.NewDirectory(&brightpattern.User{LoginID: "ann", Email: "ann@example.com"},
		&brightpattern.User{LoginID: "bob", Email: "bob@example.com"}, &brightpattern.User{LoginID: "cy"})
	cfg.Agents = []string{"ann", "bob", "cy"}
	f, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = f.Check(t.Context())
	text := ""
	for _, p := range flow.Problems(err) {
		text += p.Error() + "\n"
	}
	for _, want := range []string{`Account "brand"`, `ticket field "Missing"`, `Bright Pattern agent "bob"`, `agent "cy"`} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	if strings.Contains(text, `agent "ann", so`) {
		t.Errorf("ann reported:\n%s", text)
	}
}

// Check sorts what it reads through flow.CheckReader: a Zendesk account
// that refuses a read (403) is a problem on that account, one that fails
// (5xx) is a side that could not be read, no problem.
func TestCheckSortsRefusedFromUnreadable(t *testing.T) {
	w := newWorld(t)
	cfg := w.config(InboundCall(nil, testFields...))
	cfg.Directory = brightpattern.NewDirectory(&brightpattern.User{LoginID: "ann", Email: "ann@example.com"})
	cfg.Agents = []string{"ann"}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.zd.InjectFault(zendesktest.Fault{Method: "GET", Path: "/api/v2/search", Status: 403, Body: `{"error":"Forbidden"}`, Times: 100})
	w.zd.InjectFault(zendesktest.Fault{Method: "GET", Path: "/api/v2/ticket_fields", Status: 500, Body: `{"error":"boom"}`, Times: 100})
	err = f.Check(t.Context())
	if err == nil {
		t.Fatal("Check passed with a refused search and failing ticket fields")
	}
	text := ""
	for _, p := range flow.Problems(err) {
		text += p.Error() + "\n"
	}
	if !strings.Contains(text, `Account "support"`) || !strings.Contains(text, "credentials were refused") {
		t.Errorf("the refused search is not a problem on the account:\n%s", text)
	}
	if strings.Contains(text, "500") || strings.Contains(text, "boom") {
		t.Errorf("the failing ticket fields were reported as a misconfiguration:\n%s", text)
	}
	if !strings.Contains(err.Error(), `scenario: reading the account of Account "support"`) || !strings.Contains(err.Error(), "500") {
		t.Errorf("the failing ticket fields are not reported as unreadable:\n%v", err)
	}
}

// With a Configuration API client, Check checks every enabled Bright
// Pattern user with the Agent role the API lists (Export User Phone
// Numbers), not only the logins it was given; supervisors and disabled
// agents are not checked.
func TestCheckListsEveryBrightPatternAgent(t *testing.T) {
	w := newWorld(t)
	for _, u := range []brightpatterntest.User{
		{LoginID: "bob", Email: "bob@example.com", Roles: []string{"Agent"}},
		{LoginID: "dee", Roles: []string{"Agent"}},
		{LoginID: "sue", Email: "sue@example.com", Roles: []string{"Supervisor"}},
		{LoginID: "old", Email: "old@example.com", Roles: []string{"Agent"}, Disabled: true},
	} {
		if err := w.bp.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	bp, err := brightpattern.NewClient(brightpattern.WithBaseURL(w.bp.URL), brightpattern.WithTenantURL(w.bp.TenantURL),
		brightpattern.WithHTTPClient(w.bp.Client()), brightpattern.WithClientCredentials(w.bp.ClientID, w.bp.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	cfg := w.config(InboundCall(nil, testFields...))
	cfg.Agents, cfg.Directory, cfg.BrightPattern = nil, nil, bp
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := ""
	for _, p := range flow.Problems(f.Check(t.Context())) {
		text += p.Error() + "\n"
	}
	for _, want := range []string{`agent "bob"`, `Bright Pattern agent "dee"`} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	for _, not := range []string{`"ann"`, `"sue"`, `"old"`} {
		if strings.Contains(text, not) {
			t.Errorf("%s reported:\n%s", not, text)
		}
	}
	if n := w.bp.RequestCount("GET", "/configapi/v2/phone/user"); n != 1 {
		t.Errorf("%d list requests", n)
	}
}
