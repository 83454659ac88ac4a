package braze_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/brazetest"
)

// An agent's reply goes out as an API-triggered SMS campaign; the ticket is
// set on the user first, as the Zendesk Chat recipe does.
func ExampleCampaignsService_TriggerSend() {
	fake := brazetest.NewServer()
	defer fake.Close()
	fake.AddUser(brazetest.User{ExternalID: "cust-42", FirstName: "Ada"})
	campaignID, _ := fake.AddCampaign(brazetest.Campaign{
		Name:    "Zendesk agent reply",
		Message: "New message from Zendesk:\n{{api_trigger_properties.${msg_body}}}",
	})

	c, err := braze.NewClient(braze.WithBaseURL(fake.URL), braze.WithAPIKey(fake.APIKey()))
	if err != nil {
		panic(err)
	}
	res, err := c.Campaigns.TriggerSend(context.Background(), &braze.CampaignTriggerRequest{
		CampaignID: campaignID,
		Recipients: []braze.Recipient{{
			ExternalUserID:    "cust-42",
			TriggerProperties: map[string]any{"msg_body": "Your parcel left today."},
			Attributes:        map[string]any{"zendesk_ticket": "1234", "zendesk_ticket_open": true},
		}},
	})
	switch {
	case braze.MaybeSent(err):
		fmt.Println("the SMS may be out: do not send it again blindly")
	case err != nil:
		fmt.Println("nothing was sent:", err)
	default:
		fmt.Println(res.Message, res.StatusCode, len(res.Errors), "minor errors")
	}
	for _, s := range fake.Sends() {
		fmt.Printf("to %s: %q\n", s.ExternalUserID, s.Message)
	}
	u, _ := fake.User("cust-42")
	fmt.Println("ticket", u.CustomAttributes["zendesk_ticket"], "open", u.CustomAttributes["zendesk_ticket_open"])
	// Output:
	// success 201 0 minor errors
	// to cust-42: "New message from Zendesk:\nYour parcel left today."
	// ticket 1234 open true
}

// Input is checked before anything is sent; the error names the recipient.
func ExampleCampaignsService_TriggerSend_validation() {
	c, _ := braze.NewClient(braze.WithInstance("EU-01"), braze.WithAPIKey("example-key"))
	_, err := c.Campaigns.TriggerSend(context.Background(), &braze.CampaignTriggerRequest{
		CampaignID: "campaign-id",
		Recipients: []braze.Recipient{
			{ExternalUserID: "a"},
			{ExternalUserID: "b", Email: "b@example.com"},
		},
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, deskbridge.ErrInvalid))
	// Output:
	// braze: Campaigns.TriggerSend: recipients[1]: external_user_id and email are set: set exactly one identifier (nothing was sent)
	// true
}

// Users.Track splits large input into requests of at most 75 of each kind.
func ExampleUsersService_Track() {
	fake := brazetest.NewServer()
	defer fake.Close()
	c, _ := braze.NewClient(braze.WithBaseURL(fake.URL), braze.WithAPIKey(fake.APIKey()))

	attrs := make([]braze.UserAttributes, 200)
	for i := range attrs {
		attrs[i] = braze.UserAttributes{ExternalID: fmt.Sprintf("user-%03d", i), Attributes: map[string]any{"plan": "pro"}}
	}
	res, err := c.Users.Track(context.Background(), &braze.TrackRequest{
		Attributes: attrs,
		Events:     []braze.Event{{ExternalID: "user-000", Name: "texted_support", Time: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Requests, "requests;", res.AttributesProcessed, "attributes,", res.EventsProcessed, "event")
	fmt.Println(fake.RequestCount("POST", "/users/track"), "requests reached Braze")
	// Output:
	// 3 requests; 200 attributes, 1 event
	// 3 requests reached Braze
}

// The instance comes from the dashboard URL; an unknown one is refused.
func ExampleWithInstance() {
	c, _ := braze.NewClient(braze.WithInstance("EU-01"), braze.WithAPIKey("example-key"))
	fmt.Println(c.BaseURL())
	_, err := braze.NewClient(braze.WithInstance("EU-03"), braze.WithAPIKey("example-key"))
	fmt.Println(err)
	// Output:
	// https://rest.fra-01.braze.eu
	// braze: unknown Braze instance "EU-03"; known: AU-01, EU-01, EU-02, US-01, US-02, US-03, US-04, US-05, US-06, US-07, US-08, US-10
}
