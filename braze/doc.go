// Package braze is a client for the Braze REST API
// (https://www.braze.com/docs/api/basics/): API-triggered campaign and
// Canvas sends, messages/send with the SMS object, users/track, identify
// and export, and subscription group states.
//
// Build one client per workspace with its REST API key and its instance
// (the dashboard URL names it: dashboard-01.braze.eu is EU-01):
//
//	c, err := braze.NewClient(
//		braze.WithInstance("EU-01"),        // or braze.WithBaseURL(fake.URL)
//		braze.WithAPIKey(os.Getenv("BRAZE_REST_API_KEY")),
//	)
//
// The two-way SMS flow of the Zendesk Chat recipe sends an agent's reply as
// an API-triggered SMS campaign, setting the ticket on the user first:
//
//	res, err := c.Campaigns.TriggerSend(ctx, &braze.CampaignTriggerRequest{
//		CampaignID: campaignID,
//		Recipients: []braze.Recipient{{
//			ExternalUserID:    "user-42",
//			TriggerProperties: map[string]any{"msg_body": reply},
//			Attributes:        map[string]any{"zendesk_ticket": "1234", "zendesk_ticket_open": true},
//		}},
//	})
//	switch {
//	case braze.MaybeSent(err):
//		// a 5xx or a lost connection after the request left: the SMS may
//		// be out; do not send it again blindly
//	case err != nil:
//		// nothing was sent (a 4xx, or the input was refused before sending)
//	case len(res.Errors) > 0:
//		// sent, but Braze refused part of the input: res.Errors says which
//	}
//
// # What the client does for you
//
//   - Input is checked before sending (at most 50 recipients, exactly one
//     identifier each, send_to_existing_only rules…); a refusal is a
//     [*ValidationError] that names the field and index, and matches
//     [deskbridge.ErrInvalid].
//   - Any 2xx is a success, 202 {"message":"queued"} included
//     ([Response].Queued). Minor errors returned with a success are on the
//     result ([Response].Errors), never dropped.
//   - [UsersService.Track] splits input into requests of at most 75
//     objects in all ([MaxTrackObjects]; 75 of each kind
//     [WithLegacyTrackBatching]), sent in Braze's order, encodes every
//     request before sending the first, and indexes the minor errors of
//     each back into the caller's arrays. When a request fails, the error
//     says what was sent, and [MaybeSent] whether Braze may have processed
//     the failed one.
//   - Rate limits: the X-RateLimit-* headers (reset as epoch seconds) are
//     remembered per endpoint group, as Braze keeps its budgets
//     (https://www.braze.com/docs/api/api_limits/: users/track; the three
//     send endpoints together; users/export/ids; users/identify with the
//     alias, delete and merge endpoints; subscription status v1 and v2;
//     everything else). When a group's budget is spent its next request
//     waits for the reset instead of collecting a 429, or fails at once,
//     not sent, when the reset comes after the context's deadline; other
//     groups are not held. A reset further away than the longest wait the
//     client takes (five minutes) is not held: the request is sent, and
//     Braze's 429 comes back at once with the wait in its RetryAfter. A
//     429 that asks for a shorter wait is always retried.
//   - Sends are not idempotent: a 5xx on a send is not retried unless the
//     client is built [WithRetrySends](true), and its error says the message
//     may have been sent ([MaybeSent]). Exports and subscription states are
//     retried like reads.
//   - Errors are [*Error]: the [deskbridge.APIError] every vendor shares
//     (status, Braze's message, RetryAfter, the attempt count) with Braze's
//     minor errors; the API key never appears in an error or a log.
//
// The options every client takes ([WithBaseURL], [WithHTTPClient],
// [WithLogger], [WithUserAgent], [WithMaxRetries], [WithRetryWaitMax],
// [WithMaxResponseSize]) are described once, in package [deskbridge].
//
// Package brazetest is an in-process fake Braze for tests and demos.
package braze
