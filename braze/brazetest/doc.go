// Package brazetest is an in-process fake of the Braze REST API, for tests
// and demos: no credentials, no network beyond loopback. It is usable from
// main packages.
//
//	fake := brazetest.NewServer()
//	defer fake.Close()
//	campaignID, _ := fake.AddCampaign(brazetest.Campaign{Name: "Agent reply",
//		Message: "New message from Zendesk: {{api_trigger_properties.${msg_body}}}"})
//	c, _ := braze.NewClient(braze.WithBaseURL(fake.URL), braze.WithAPIKey(fake.APIKey()))
//	// ... c.Campaigns.TriggerSend(ctx, ...) ...
//	for _, s := range fake.Sends() { fmt.Println(s.ExternalUserID, s.Message) }
//
// It serves POST /campaigns/trigger/send, /canvas/trigger/send,
// /messages/send, /users/track, /users/identify, /users/export/ids and
// /subscription/status/set with Braze's checks and status codes: a missing
// or wrong Bearer key is 401; more than 50 recipients, more than 75
// objects in all on users/track ("Max Input Length Exceeded"; 75 of each
// array [WithLegacyTrackLimits]), an unknown campaign
// or Canvas ID are 400 with Braze's envelope {"message", "errors"}
// (https://www.braze.com/docs/api/errors/). JSON keys match exactly, as
// Braze reads them: a key the endpoint does not have, "EXTERNAL_USER_IDS"
// for "external_user_ids" included, is 400 too. It keeps user profiles
// ([Server.User]) from users/track and from the attributes of trigger
// sends, and records every send ([Server.Sends]). [Server.SetQueued],
// [Server.InjectMinorErrors], [Server.SetRateLimit] (Braze's budget per
// endpoint group, its X-RateLimit-* headers) and [Server.InjectFault] make
// it answer as Braze does on a bad day; [Server.Requests] lists what it
// received, credentials redacted, and [Server.ResetRequests] empties that
// list. The controls are those of every deskbridge fake (package
// [deskbridgetest]).
//
// # Inbound SMS
//
// Webhook campaigns ([Campaign.Webhook]) reproduce the Braze side of the
// Zendesk Chat recipe: a keyword category such as SUPPORT, or the "Other"
// category with an audience filter such as zendesk_ticket_open == true.
// ReceiveSMS(user, text) fires the matching campaigns at their URL with
// their Liquid rendered (see Webhook for the tags and the escaping), in the
// background and retried as Braze retries; [Server.WaitWebhooks] waits for them and
// Webhooks lists every attempt.
//
// What the fake keeps is bounded, so that a long demo or load run does not
// grow without bound: [Server.Requests] keeps the newest 20,000 requests and
// bounded bodies (see [deskbridgetest.Request]), [Server.Webhooks] the newest
// [MaxWebhookRecords] (10,000) deliveries, and at most
// [MaxPendingWebhooks] (10,000) deliveries wait or run at once: past that
// [Server.ReceiveSMS] refuses a text that fires a campaign with
// [ErrWebhookQueueFull].
package brazetest
