package flow_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// provision is a flow's Provision in miniature: a webhook, a trigger
// category and a trigger that calls the webhook, and a user field, all
// through the Ensure helpers and one report.
func provision(ctx context.Context, zc *zendesk.Client, dryRun bool) (flow.Report, error) {
	rep := flow.Report{DryRun: dryRun}
	hook, err := flow.EnsureWebhook(ctx, zc, zendesk.Webhook{
		Name:          "Braze SMS bridge",
		Endpoint:      "https://sms.example.com/zendesk",
		Subscriptions: []string{zendesk.SubscriptionConditionalTicketEvents},
	}, &rep)
	if err != nil {
		return rep, err
	}
	if _, err := flow.EnsureUserField(ctx, zc, zendesk.UserField{Key: "braze_external_id", Title: "Braze external ID"}, &rep); err != nil {
		return rep, err
	}
	cat, err := flow.EnsureTriggerCategory(ctx, zc, zendesk.TriggerCategory{Name: "Braze SMS"}, &rep)
	if err != nil {
		return rep, err
	}
	_, err = flow.EnsureTrigger(ctx, zc, zendesk.Trigger{
		Title: "Reply by Braze SMS", CategoryID: cat.ID, Active: zendesk.Ptr(true),
		Conditions: zendesk.Conditions{All: []zendesk.Condition{
			zendesk.Cond("comment_is_public", "is", "true"), zendesk.LoopGuard(),
		}},
		Actions: []zendesk.Action{zendesk.NotifyWebhook(hook.ID, `{"ticket": "{{ticket.id}}"}`)},
	}, &rep)
	return rep, err
}

// Plan, apply, plan again: the dry run says what would be created and
// writes nothing; the second plan finds nothing to do.
func Example() {
	ctx := context.Background()
	fake := zendesktest.NewServer()
	defer fake.Close()
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(fake.URL), zendesk.WithAPIToken(fake.Email, fake.APIToken))
	if err != nil {
		log.Fatal(err)
	}

	plan, err := provision(ctx, zc, true)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(plan)
	fmt.Println("webhooks after the plan:", len(fake.Webhooks()))

	applied, err := provision(ctx, zc, false)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(applied.Summary())

	again, err := provision(ctx, zc, true)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(again.Summary(), "changed:", again.Changed())
	// Output:
	// + create  zendesk webhook "Braze SMS bridge"
	//             endpoint = "https://sms.example.com/zendesk"
	//             method = POST
	//             format = json
	//             subscriptions = conditional_ticket_events
	//             authentication = none
	// + create  zendesk user field "braze_external_id"
	//             type = text
	//             title = "Braze external ID"
	// + create  zendesk trigger category "Braze SMS"
	// + create  zendesk trigger "Reply by Braze SMS"
	//             conditions.all = comment_is_public is true; current_via_id is_not 5
	//             actions = notification_webhook = ["", {"ticket":"{{ticket.id}}"}]
	// Plan: 4 to create.
	// webhooks after the plan: 0
	// Applied: 4 created.
	// No changes: all 4 items are as wanted. changed: false
}

// A drifted trigger: the plan shows the field that differs, old → new.
func ExampleEnsureTrigger() {
	ctx := context.Background()
	fake := zendesktest.NewServer()
	defer fake.Close()
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(fake.URL), zendesk.WithAPIToken(fake.Email, fake.APIToken))
	if err != nil {
		log.Fatal(err)
	}
	want := zendesk.Trigger{
		Title:      "Tag solved tickets",
		Conditions: zendesk.Conditions{All: []zendesk.Condition{zendesk.Cond("status", "is", "solved")}},
		Actions:    []zendesk.Action{zendesk.Act("current_tags", "deskbridge_solved")},
	}
	var rep flow.Report
	t, err := flow.EnsureTrigger(ctx, zc, want, &rep)
	if err != nil {
		log.Fatal(err)
	}
	// Someone edits the trigger in Admin Center.
	edited := want
	edited.Actions = []zendesk.Action{zendesk.Act("current_tags", "solved_by_hand")}
	if _, err := zc.Triggers.Update(ctx, t.ID, &edited); err != nil {
		log.Fatal(err)
	}

	plan := flow.Report{DryRun: true}
	if _, err := flow.EnsureTrigger(ctx, zc, want, &plan); err != nil {
		log.Fatal(err)
	}
	for _, d := range plan.Changes[0].Diff {
		fmt.Println(plan.Changes[0].Action, d)
	}
	// Output:
	// updated actions: current_tags = solved_by_hand → current_tags = deskbridge_solved
}

// A Config's validation reports every problem at once; Problems walks
// them back out, for a command to print each with its fix.
func ExampleCollector() {
	type Config struct {
		Endpoint string
		Secrets  []string
	}
	validate := func(c Config) error {
		p := flow.Collector{Flow: "escalation"}
		if c.Endpoint == "" {
			p.Add("Config.Endpoint", "", "is empty", "give the public URL of the flow's handler")
		}
		if len(c.Secrets) == 0 {
			p.Add("Config.Secrets", "", "has no secret", "give the webhook's signing secret (Provision returns it)")
		}
		return p.Err()
	}
	err := validate(Config{})
	for _, p := range flow.Problems(err) {
		fmt.Println(p)
	}
	var ce *flow.ConfigError
	fmt.Println(errors.As(err, &ce), ce.Field)
	// Output:
	// escalation: Config.Endpoint: is empty; fix: give the public URL of the flow's handler
	// escalation: Config.Secrets: has no secret; fix: give the webhook's signing secret (Provision returns it)
	// true Config.Endpoint
}

// The answer a webhook handler gives for each outcome.
func ExampleOutcome_HTTPStatus() {
	for _, o := range flow.Outcomes() {
		fmt.Println(o, o.HTTPStatus())
	}
	// Output:
	// applied 200
	// unchanged 200
	// duplicate 200
	// stale 200
	// echo 200
	// ignored 200
	// rejected 422
	// failed 503
}
