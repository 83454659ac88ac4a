package memorialize

import (
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestProvisionIsIdempotentWithADryRun(t *testing.T) {
	t.Parallel()
	zd := zendesktest.NewServer()
	t.Cleanup(zd.Close)
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken))
	if err != nil {
		t.Fatal(err)
	}
	system := len(zd.TicketFields()) // the account's system fields
	pc := ProvisionConfig{Zendesk: zc, Mapping: testMapping(), Dynamic: testDynamic(), DryRun: true}
	plan, err := Provision(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	// 7 ticket fields by title, 1 user field (the dynamic ones repeat them).
	if n := plan.Count(flow.ActionCreated); n != 8 || len(zd.TicketFields()) != system {
		t.Fatalf("dry run: %d to create, %d fields exist\n%s", n, len(zd.TicketFields()), plan)
	}
	if n := zd.RequestCount("POST", "") + zd.RequestCount("PUT", ""); n != 0 {
		t.Errorf("the dry run wrote %d times", n)
	}
	pc.DryRun = false
	rep, err := Provision(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(flow.ActionCreated) != 8 {
		t.Fatalf("apply:\n%s", rep)
	}
	for _, f := range zd.TicketFields() {
		if f.Title == "CXone transcript" && f.Type != zendesk.FieldTextarea {
			t.Errorf("transcript field of type %s", f.Type)
		}
	}
	again, err := Provision(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	if again.Changed() {
		t.Errorf("second run changed something:\n%s", again)
	}
}

func TestProvisionReportsAMissingFieldID(t *testing.T) {
	t.Parallel()
	zd := zendesktest.NewServer()
	t.Cleanup(zd.Close)
	zc, _ := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken))
	rep, err := Provision(t.Context(), ProvisionConfig{Zendesk: zc,
		Mapping: Mapping{Ticket: {{Zendesk: ZendeskField{ID: 424242}, Channel: Voice, Data: "ANI"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(flow.ActionManual) != 1 {
		t.Errorf("report:\n%s", rep)
	}
	if _, err := Provision(t.Context(), ProvisionConfig{}); len(flow.Problems(err)) < 2 {
		t.Errorf("empty ProvisionConfig: %v", err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.flow.Check(t.Context()); err != nil {
		t.Fatalf("a provisioned admin setup: %v", err)
	}
	// Another user than the system user, and a field not provisioned.
	cfg := e.config()
	cfg.SystemUser = "cxone-system@example.com"
	cfg.Mapping[Ticket] = append(cfg.Mapping[Ticket], Pair{Zendesk: ZendeskField{Title: "Not provisioned"}, Channel: Voice, Data: "DNIS"})
	err := e.newFlow(cfg).Check(t.Context())
	probs := flow.Problems(err)
	var system, missing bool
	for _, p := range probs {
		system = system || (p.Field == "Config.Zendesk" && strings.Contains(p.Problem, "cxone-system@example.com"))
		missing = missing || (strings.Contains(p.Field, "Not provisioned") && strings.Contains(p.Fix, "Provision"))
	}
	if !system || !missing {
		t.Errorf("problems:\n%v", err)
	}
}

func TestCheckWarnsOfAnAgentsCredential(t *testing.T) {
	t.Parallel()
	p := flow.Collector{Flow: "memorialize"}
	checkSystemUser(&p, &zendesk.User{Name: "Paul", Email: "paul@example.com", Role: zendesk.RoleAgent}, "")
	checkSystemUser(&p, &zendesk.User{Name: "CXone", Email: "cxone@example.com", Role: zendesk.RoleAdmin}, "")
	checkSystemUser(&p, &zendesk.User{Name: "CXone", Email: "CXONE@example.com", Role: zendesk.RoleAdmin}, "cxone@example.com")
	probs := flow.Problems(p.Err())
	if len(probs) != 1 || !strings.Contains(probs[0].Problem, "belongs to an agent") || !strings.Contains(probs[0].Problem, "integration stops") {
		t.Errorf("problems: %v", probs)
	}
}
