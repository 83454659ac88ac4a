package zendesktest_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// A test of a service that Zendesk calls through a trigger: the service
// provisions a webhook and a trigger with the zendesk client, an agent
// replies in the (fake) agent UI, and the service receives the rendered
// body.
func Example() {
	ctx := context.Background()
	fake := zendesktest.NewServer(zendesktest.WithDeliverySleep(zendesktest.NoSleep))
	defer fake.Close()

	// The service's webhook endpoint.
	got := make(chan string, 10)
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	defer svc.Close()

	zc, err := zendesk.NewClient(zendesk.WithBaseURL(fake.URL), zendesk.WithAPIToken(fake.Email, fake.APIToken))
	if err != nil {
		log.Fatal(err)
	}
	hook, err := zc.Webhooks.Create(ctx, &zendesk.Webhook{
		Name: "service", Endpoint: svc.URL, HTTPMethod: "POST", RequestFormat: "json", Status: zendesk.WebhookActive,
		Subscriptions: []string{zendesk.SubscriptionConditionalTicketEvents},
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = zc.Triggers.Create(ctx, &zendesk.Trigger{
		Title: "Public agent replies",
		Conditions: zendesk.Conditions{All: []zendesk.Condition{
			zendesk.Cond("comment_is_public", "is", "true"), zendesk.LoopGuard(),
		}},
		Actions: []zendesk.Action{zendesk.NotifyWebhook(hook.ID, `{"ticket": "{{ticket.id}}", "status": "{{ticket.status}}"}`)},
	})
	if err != nil {
		log.Fatal(err)
	}

	// A ticket created through the API does not fire the trigger (loop
	// guard); an agent's reply in the agent UI does.
	t, err := zc.Tickets.Create(ctx, &zendesk.TicketInput{
		Subject: "Printer", Comment: zendesk.PublicComment("It smokes"),
		Requester: &zendesk.Requester{Name: "Rita", Email: "rita@example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	agent := fake.AddAgent("Ann Agent", "ann@example.com")
	if err := fake.AgentReply(t.ID, agent, "On my way", true); err != nil {
		log.Fatal(err)
	}
	if err := fake.WaitDeliveries(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(got), <-got)
	// Output: 1 {"ticket": "1", "status": "Open"}
}

// Agent status changes reach a webhook.Handler, signed with the webhook's
// secret.
func ExampleServer_SetAgentState() {
	ctx := context.Background()
	fake := zendesktest.NewServer()
	defer fake.Close()
	agent := fake.AddAgent("Ann Agent", "ann@example.com")

	// The receiver's address is known before it starts, so the webhook
	// (and its secret) can exist before the handler.
	svc := httptest.NewUnstartedServer(nil)
	defer svc.Close()
	_, secret, err := fake.AddWebhook(zendesktest.Webhook{
		Name: "agent status", Endpoint: "http://" + svc.Listener.Addr().String(),
		Subscriptions: []string{"zen:event-type:agent.state_changed"},
	})
	if err != nil {
		log.Fatal(err)
	}
	events := make(chan *webhook.AgentStateChanged, 10)
	svc.Config.Handler = webhook.NewZendeskHandler(webhook.ZendeskVerifier{Secrets: []string{secret}},
		func(_ context.Context, ev *webhook.ZendeskEvent) error {
			events <- ev.Payload.(*webhook.AgentStateChanged)
			return nil
		})
	svc.Start()

	if err := fake.SetAgentState(agent, "talk", "online"); err != nil {
		log.Fatal(err)
	}
	if err := fake.WaitDeliveries(ctx); err != nil {
		log.Fatal(err)
	}
	ev := <-events
	fmt.Println(ev.AgentID == agent, ev.Channel, ev.PreviousState, "->", ev.NewState, fake.Deliveries()[0].Succeeded())
	// Output: true talk offline -> online true
}
