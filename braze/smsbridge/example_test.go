package smsbridge_test

import (
	"fmt"

	"github.com/deskbridge/deskbridge/braze/smsbridge"
)

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
