package smsbridge_test

import (
	"fmt"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/smsbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// New takes Braze's webhook campaigns' secret in Config.BrazeAuth, by
// default sent as "Authorization: Bearer <secret>"; here in a header of
// the campaign's own. A Config with problems gets them all at once.
func ExampleNew() {
	zc, err := zendesk.NewClient(zendesk.WithSubdomain("acme"), zendesk.WithOAuthToken("token"))
	if err != nil {
		panic(err)
	}
	bc, err := braze.NewClient(braze.WithInstance("US-01"), braze.WithAPIKey("key"))
	if err != nil {
		panic(err)
	}
	cfg := smsbridge.Config{
		Zendesk: zc, Braze: bc,
		ReplyCampaignID: "reply-campaign-id",
		ZendeskSecrets:  []string{"zendesk-signing-secret"},
		BrazeAuth:       webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader},
	}
	_, err = smsbridge.New(cfg)
	for _, p := range flow.Problems(err) {
		fmt.Printf("%s %s\n", p.Field, p.Problem)
	}

	cfg.BrazeAuth.Header = "X-Bridge-Secret"
	cfg.BrazeAuth.Secrets = []string{"braze-campaign-secret"}
	f, err := smsbridge.New(cfg)
	fmt.Println(f != nil, err)
	// Output:
	// Config.BrazeAuth.Secrets is empty
	// Config.BrazeAuth.Header is empty while Scheme is webhook.SchemeHeader
	// true <nil>
}

func ExampleExtractMessage() {
	comment := "----------------------------------------------\n\n" +
		"Ann Agent, Mar 3, 2025, 10:04\n\n" +
		"<p>Bonjour Chloé 👋</p><p>Your order ships today &amp; arrives Friday.<br>Anything else?</p>"
	fmt.Println(smsbridge.ExtractMessage(comment))
	// Output:
	// Bonjour Chloé 👋
	//
	// Your order ships today & arrives Friday.
	// Anything else?
}

func ExampleParseInboundSMS() {
	m, err := smsbridge.ParseInboundSMS("application/json", []byte(`{"kind": "reply", "external_id": "cust-42",
		"ticket": "1234", "message": "It's A-1234 🙂", "message_id": "{{campaign.${dispatch_id}}}"}`))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s about ticket %d: %q (message ID %q)\n", m.ExternalID, m.TicketID, m.Message, m.MessageID)
	// Output:
	// cust-42 about ticket 1234: "It's A-1234 🙂" (message ID "")
}

func ExampleTriggerBody() {
	fmt.Println(smsbridge.TriggerBody(smsbridge.EventSolved, ""))
	// Output:
	// {
	//   "event": "solved",
	//   "ticket_id": "{{ticket.id}}",
	//   "status": "{{ticket.status}}",
	//   "external_id": "{{ticket.requester.custom_fields.braze_external_id}}",
	//   "requester_id": "{{ticket.requester.id}}",
	//   "author_id": "{{current_user.id}}"
	// }
}
