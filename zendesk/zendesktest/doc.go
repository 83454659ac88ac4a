// Package zendesktest is an in-memory Zendesk account served over HTTP, for
// testing code that talks to Zendesk without credentials or network, and
// for running the deskbridge examples on a laptop (-demo). It does not
// import testing, so main packages can use it.
//
// The fake speaks Zendesk's wire format as Zendesk's API reference
// (https://developer.zendesk.com/api-reference/) and public captures
// describe it (paths with or without ".json", envelopes, status codes,
// error bodies, cursor and offset pagination, rate-limit headers), not as
// any client expects, and it signs and delivers webhooks:
//
//	fake := zendesktest.NewServer(zendesktest.WithDeliverySleep(zendesktest.NoSleep))
//	defer fake.Close()
//	// point the code under test at fake.URL with fake.Email / fake.APIToken,
//	// or the OAuth client fake.OAuthClientID / fake.OAuthClientSecret
//	agent := fake.AddAgent("Ann Agent", "ann@example.com")
//	fake.SetAgentState(agent, "support", "online") // agent.state_changed webhooks
//	fake.AgentReply(ticketID, agent, "Hello", true) // fires triggers (via_id 0)
//	fake.WaitDeliveries(ctx)
//	for _, d := range fake.Deliveries() { ... }
//
// # Credentials
//
// The admin user [Server.AdminID] authenticates with Basic
// "Email/token:APIToken", or with bearer tokens from POST /oauth/tokens
// (grant types client_credentials and refresh_token; tokens expire after
// [WithTokenLifetime], 30 minutes by default; a refresh rotates the pair
// and invalidates the old one). Wrong or missing credentials get 401
// {"error":"Couldn't authenticate you"}; a token whose scope lacks write
// gets 403 on writes.
//
// # Request bodies
//
// Property names are case-sensitive, as Zendesk's are
// (https://developer.zendesk.com/api-reference/introduction/requests): a
// key that differs from a documented name only in case is an unknown key
// and sets nothing, at any depth, so {"ticket": {"Subject": "x"}} creates a
// ticket without a subject. A body without its envelope ("ticket", "user",
// "webhook", ...; also {"TICKET": ...}) gets 400 {"error":
// "ParameterMissing", "description": "Parameter ticket is required"}, the
// body Zendesk gave a public client.
//
// # What is modelled
//
//   - Tickets, comments, requester lookup/creation, via and via_id, status
//     transitions, Idempotency-Key, safe_update, create_many / update_many /
//     destroy_many with job statuses (tickets.go).
//   - Users, create_or_update, search, custom user fields, groups (users.go).
//   - Ticket fields: the system fields an account has, and custom fields
//     created, listed, updated and deleted through the API or
//     [Server.AddTicketField], read back with [Server.TicketFields]
//     (ticket_fields.go). The fake keeps the definitions only: a ticket's
//     custom_fields values are stored as sent, not checked against them.
//   - Search with the 1,000-result cap and search export (search.go).
//   - Triggers, trigger categories, the trigger cycle and the conditions and
//     placeholders that the integrations deskbridge covers use, such as
//     Braze's help article "Zendesk Chat" (triggers.go, placeholders.go).
//   - Webhooks, signing secrets, webhook tests (webhooks.go) and the
//     delivery of event and trigger webhooks with Zendesk's retry policy
//     (deliver.go).
//   - Agent availability, unified statuses (defaults 2-5, custom statuses),
//     agent events, Talk availability (availability.go).
//   - Talk Partner Edition screen pops and voice tickets (voice.go).
//   - Messaging tickets as the agent workspace opens them
//     ([Server.OpenMessagingTicket], [Server.AddMessagingComment]), the
//     hook the Sunshine Conversations fake
//     [github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest]
//     hands its conversations through (messaging.go).
//   - Cursor and offset pagination (paginate.go), an optional rate limit
//     ([WithRateLimit], [Server.SetRateLimit]), injected faults
//     ([Server.InjectFault]) and a request log with credentials redacted
//     ([Server.Requests]).
//
// Each file's comment lists what it models, with its sources. Whatever the
// fake plays as Zendesk's but no Zendesk reference states (UNCONFIRMED: a
// status code or body, a path, a default such as the token lifetime and the
// delivery timeout, a rule such as the webhook retry policy) is one
// function or value in unconfirmed.go, each with a test in
// unconfirmed_test.go that names its doubt.
//
// # What is not
//
// Organizations, ticket forms, macros, views, automations, SLAs,
// attachments and uploads, audits beyond the update answer, incremental
// exports, Help Center, the Sunshine Conversations API itself (that is
// conversationstest's), the webhook circuit breaker and invocation
// history, per-endpoint rate limits, the 30-job limit, account-level spike
// protection, authorization_code and password grants, and localization
// (dates in placeholders are UTC, English).
//
// # Time
//
// [WithClock] replaces the clock for timestamps, token expiry, rate-limit
// windows and webhook signature timestamps; a verifier checking the fake's
// signatures must then use the same clock (webhook.ZendeskVerifier.Now).
// [WithDeliverySleep]([NoSleep]) removes the waits between delivery retries
// (they are still recorded in each DeliveryAttempt.Wait), and
// [WithDeliveryTimeout] shortens the 12-second attempt timeout.
package zendesktest
