// Package conversationstest is an in-process fake of the Sunshine
// Conversations (Zendesk messaging) API v2 for one app, with Zendesk's
// agent workspace on the far side of its switchboard: for testing code
// that hands conversations to Zendesk agents without credentials or
// network, and for running the deskbridge examples on a laptop (-demo). It
// does not import testing, so main packages can use it. It speaks the wire
// format of the API reference
// (https://developer.zendesk.com/api-reference/conversations/), not any
// client's idea of it, and never imports the deskbridge client.
//
//	zd := zendesktest.NewServer()
//	fake := conversationstest.NewServer(conversationstest.WithZendesk(zd))
//	defer fake.Close()
//	// point the code under test at fake.URL (it stands for
//	// https://{subdomain}.zendesk.com/sc) with fake.AppID and the app key
//	// fake.KeyID / fake.Secret
//	...
//	fake.AgentReply(conversationID, conversationstest.Agent{Name: "Ann"}, "Hello!")
//	fake.SolveTicket(conversationID) // hand-back with reason "ticketClosed"
//	fake.WaitDeliveries(ctx)
//	for _, d := range fake.Deliveries() { ... }
//
// # API
//
// Paths are URL+"/v2/apps/{appId}/…" (and the same without "/sc", as the
// legacy api.smooch.io hosts serve them): the app, users, conversations,
// participants, join and leave, messages (post, list, delete), activity,
// attachments (multipart upload, served back at their media URL without
// credentials, and remove), custom integrations with their keys and
// webhooks, the switchboard, its integrations, and the switchboard actions
// passControl, offerControl, acceptControl and releaseControl. Requests
// authenticate with Basic (key id and secret) or a JWT (HS256, the key id
// in the kid header, a scope claim: "app" for an app key, "account" for
// the account key); keys are the app's keys ("app_…", scope app), an
// account key ("act_…", AccountKeyID and AccountSecret, the only one that
// may create, list, get and delete the app's keys at /v2/apps/{appId}/keys:
// the others get 403 there) and custom integration keys ("int_…", scope
// integration), which
// get 403 on the integrations and switchboard endpoints, on another
// integration's webhooks, on acceptControl unless pending and on
// releaseControl unless active. Errors are {"errors":[{"code","title"}]}
// with the reference's codes (unauthorized, forbidden, user_not_found,
// conversation_not_found, switchboard_integration_not_found, conflict for
// a taken externalId, locked at 30,000 messages, bad_request…). JSON keys
// match exactly, as the API reads them; a property without a value is left
// out of answers. Ids are 24 hex characters; times
// YYYY-MM-DDThh:mm:ss.SSSZ.
//
// Lists page with page[after] / page[before] (a record id; not both) and
// page[size] (1–100, default 25), and answer meta {hasMore, afterCursor,
// beforeCursor} and absolute links {prev, next}; messages page backwards,
// 100 at a time, the most recent page first. Limits are enforced with an
// error naming them: text 4,096 characters, altText 128, metadata flat and
// at most 4 KB, JSON body 100 KB, file 50 MB ([WithAttachmentLimit]),
// 30,000 messages ([WithMessageLimit]), 10 webhooks per app, 10 keys per
// app and per integration, 10 switchboard integrations.
//
// # Webhooks
//
// Events go to each custom integration's webhooks whose triggers name
// them, one POST per event with the envelope {app, webhook, events[]},
// the header X-API-Key set to the webhook's secret and the payload shaped
// by includeFullUser and includeFullSource. Deliveries are asynchronous,
// in order per webhook, retried as Sunshine Conversations retries (5
// attempts over 15 minutes, none after 400, 401, 403, 404 or 406, 20 s to
// answer; [WithRetryWaits], [WithDeliveryTimeout] and [WithDeliverySleep]
// scale that down for tests), and recorded ([Server.Deliveries],
// [Server.WaitDeliveries]). [WithBatching] groups the events emitted for
// a webhook within a window into one POST (events[] holding several), as
// Sunshine Conversations may send them, so that a receiver's handling of
// several events per delivery, and of the retry of such a delivery, is
// tested.
//
// # The agent workspace
//
// The switchboard starts enabled with the agent workspace
// ({"name": "zd-agentWorkspace", "integrationType": "zd:agentWorkspace"}) as
// its default integration. When control passes to it, the fake opens a
// ticket as Zendesk does ([Server.HandOff]; in the Zendesk fake attached
// with [WithZendesk] or [Server.Attach], through
// [zendesktest.Server.OpenMessagingTicket]) with the messages from the
// metadata's first_message_id on and the dataCapture fields it understands.
// [Server.AgentReply], [Server.AgentSendFile], [Server.AgentTyping] and
// [Server.SolveTicket] play the agent, [Server.UserMessage] the end user,
// and [Server.SyncTickets] mirrors what was done to the tickets through the
// Zendesk fake itself. What the notes leave UNCONFIRMED is in unconfirmed.go.
//
// [Server.SetRateLimit] (429 past the limit) and [Server.InjectFault] make
// it answer as the API does on a bad day; [Server.Requests] lists what it
// received, credentials redacted. The controls are those of every
// deskbridge fake (package [deskbridgetest]).
package conversationstest
