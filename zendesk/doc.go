// Package zendesk is a client for the parts of the Zendesk API that a
// contact-center integration uses: tickets and comments, users and custom
// user fields, ticket fields, groups, search, triggers and trigger categories, webhooks,
// agent availability and unified agent status, and Talk (including Talk
// Partner Edition screen pops and voice tickets).
//
// # Client
//
// One Client per Zendesk account, shared by every goroutine:
//
//	zc, err := zendesk.NewClient(
//		zendesk.WithSubdomain("acme"), // https://acme.zendesk.com; or WithBaseURL(fake.URL)
//		zendesk.WithOAuthClientCredentials(clientID, clientSecret, "read", "write"),
//		zendesk.WithLogger(logger),
//	)
//
// Exactly one credential option is given
// (https://support.zendesk.com/hc/en-us/articles/4408831452954):
//
//   - [WithOAuthClientCredentials]: server to server; the token is fetched
//     from POST /oauth/tokens, cached, and renewed 60 s before it expires,
//     one token request (bounded by 30 s) for all concurrent calls, each of
//     which waits for it no longer than its own context.
//   - [WithOAuthRefreshToken]: a token pair from the authorization-code
//     flow. Zendesk rotates the pair on every refresh and invalidates the
//     old refresh token, so the new pair is handed to a callback to be
//     stored; a failed store is returned ([ErrRefreshTokenNotStored]) and
//     logged.
//   - [WithTokenSource] (any oauth2.TokenSource), [WithOAuthToken] (static).
//   - [WithAPIToken]: email + API token. Zendesk deactivates every API token
//     on 2027-04-30; prefer OAuth.
//
// A cached OAuth token that Zendesk answers 401 to is dropped and the
// request sent once more with a new one, so a revoked token costs no failed
// call; a second 401 is returned. Credentials go only to the account's
// host, and never appear in an error string or a log line, including
// tokens learnt at run time.
//
// # The flows
//
// Agent status between Zendesk and babelforce: subscribe a webhook to
// agent events (the webhook package verifies and decodes what it delivers),
// and set the Zendesk side when the telephony side changes:
//
//	zc.Webhooks.Create(ctx, &zendesk.Webhook{
//		Name: "babelforce agent status", Endpoint: babelforceURL,
//		Subscriptions:  []string{zendesk.EventAgentStateChanged},
//		Authentication: zendesk.WebhookBearerToken(babelforceToken),
//	})
//	zc.Availability.SetAgentStatus(ctx, agentID, zendesk.UnifiedStatusAway)
//
// Two-way SMS between Zendesk and Braze: a custom user field holds the Braze
// user id, a webhook calls Braze, and a trigger fires it on public agent
// comments that did not come through the API ([LoopGuard]); inbound SMS become
// tickets or comments:
//
//	zc.UserFields.Create(ctx, &zendesk.UserField{Type: zendesk.FieldText, Key: "braze_external_id", Title: "Braze external ID"})
//	hook, _ := zc.Webhooks.Create(ctx, &zendesk.Webhook{Name: "Braze SMS", Endpoint: brazeURL,
//		Subscriptions:  []string{zendesk.SubscriptionConditionalTicketEvents},
//		Authentication: zendesk.WebhookBearerToken(brazeKey)})
//	send, _ := zendesk.NotifyWebhookJSON(hook.ID, brazeBody) // with {{ticket.latest_public_comment_html}}
//	zc.Triggers.Create(ctx, &zendesk.Trigger{Title: "Reply by SMS",
//		Conditions: zendesk.Conditions{All: []zendesk.Condition{
//			zendesk.Cond("comment_is_public", "is", "true"), zendesk.LoopGuard()}},
//		Actions: []zendesk.Action{send}})
//
//	user, _, _ := zc.Users.CreateOrUpdate(ctx, &zendesk.UserInput{Name: name, ExternalID: brazeID,
//		UserFields: map[string]any{"braze_external_id": brazeID}})
//	zc.Tickets.Create(ctx, &zendesk.TicketInput{Subject: "SMS", RequesterID: user.ID,
//		Comment: &zendesk.CommentInput{Body: sms}})
//	zc.Tickets.Update(ctx, ticketID, &zendesk.TicketInput{Comment: zendesk.PublicComment(sms)})
//
// # Lists
//
// Every list has an iterator form that fetches pages as the loop needs
// them, and a Page form that returns one [deskbridge.Page] with the cursor
// to resume from later (its Next; each Page method says which option takes
// it back):
//
//	for g, err := range zc.Groups.List(ctx, nil) {
//		if err != nil { return err }
//		...
//	}
//	page, err := zc.Groups.ListPage(ctx, &zendesk.CursorOptions{PageSize: 100})
//	// page.Items; later: &zendesk.CursorOptions{After: page.Next}
//
// Cursor pagination (page[size], page[after], meta.has_more;
// https://developer.zendesk.com/api-reference/introduction/pagination/) is
// used wherever an endpoint has it; offset pagination only for
// [SearchService.Query] and [UsersService.Search], which have nothing else (and which Zendesk
// caps at 1,000 and 10,000 results; [SearchService.Export] has no cap). Their pages
// carry the count Zendesk reports in Total, and the next page number, in
// decimal, in Next. A cursor request always carries
// page[size] ([MaxPageSize] when the options leave it 0), since Zendesk
// answers a list request without page[...] parameters with offset
// pagination; an offset answer to a cursor request is an error. Options
// passed to an iterator are copied, never modified.
//
// Paths are written without the optional ".json" suffix
// (/api/v2/tickets/42), as in Zendesk's OpenAPI description.
//
// # Errors, retries, rate limits
//
// A failed call returns [*Error], which embeds [deskbridge.APIError] and
// unwraps to the deskbridge kinds:
//
//	if errors.Is(err, deskbridge.ErrNotFound) { ... }
//	var zerr *zendesk.Error
//	if errors.As(err, &zerr) && zerr.Code == "RecordInvalid" { ... zerr.Details ... }
//
// Input the client refuses before sending (an id of 0, a page size over
// 100, more than 100 tickets in CreateMany) matches [deskbridge.ErrInvalid].
//
// 429s are retried after the wait Zendesk asks for; 5xx and network errors
// only when a second attempt cannot do more than the first: reads, PUTs and
// DELETEs, ticket creation (which carries an Idempotency-Key), and
// [UsersService.CreateOrUpdate]. A ticket update that adds a comment, bulk jobs,
// voice tickets and other POSTs are not replayed. The client remembers the
// rate-limit headers (ratelimit-*, X-Rate-Limit*), counts the requests in
// flight against what remains, and holds requests while the budget is
// spent, so that goroutines sharing a client wait for the reset instead of
// collecting 429s; [Client.RateLimit] reports it. The options every client
// takes ([WithBaseURL], [WithHTTPClient], [WithLogger], [WithUserAgent],
// [WithMaxRetries], [WithRetryWaitMax], [WithMaxResponseSize]) and their defaults
// are described once, in "Options every client takes" in package
// deskbridge.
//
// # Guesses
//
// A few wire details are not confirmed by a Zendesk reference that could be
// read while writing this package. Each sits behind one function or value
// in unconfirmed.go, marked UNCONFIRMED and tested in unconfirmed_test.go:
// the body of [AvailabilityService.SetAgentStatus], the agent availability
// filters, the bearer-token and API-key data of webhook authentication, the
// list path and filters of [WebhooksService.List], the path of
// [WebhooksService.ResetSigningSecret], the request and answer of
// [WebhooksService.Test], the field name of [LoopGuard], the job states
// other than "queued" and "completed" ([JobWorking], [JobFailed],
// [JobKilled]) and which are final, and the request id header.
package zendesk
