// Package webhook receives inbound webhooks from Zendesk and the tools beside
// it: it verifies the request, decodes the payload into typed events and
// serves the endpoint as an [http.Handler] whose status codes tell the
// sender exactly when to retry. It uses the standard library only.
//
// # Verifying
//
// Each scheme is a [Verifier]:
//
//   - [ZendeskVerifier] checks Zendesk's signature,
//     base64(HMAC-SHA256(secret, timestamp+body)) in
//     X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp
//     (https://developer.zendesk.com/documentation/webhooks/verifying/),
//     with a two-sided clock tolerance and several secrets while one is
//     rotated. Event subscriptions and trigger or automation webhooks are
//     signed alike. [SignZendesk] signs test payloads the same way.
//     [NewZendeskVerifier] and the handlers derive the HMAC key of each
//     secret once; a literal ZendeskVerifier derives it on every request.
//   - [SunshineVerifier] checks the X-API-Key secret of Sunshine
//     Conversations (Zendesk messaging) webhooks, which its API
//     specification documents instead of a signature
//     (https://github.com/zendesk/sunshine-conversations-api-spec).
//   - [SharedSecretVerifier] checks a fixed secret (Bearer, Basic or a named
//     header) for senders that do not sign, such as Braze webhook campaigns
//     and babelforce automations, optionally with a source-address
//     allowlist.
//
// All comparisons are constant-time, and no error carries a secret.
//
// # Decoding
//
// [ParseZendeskEvent] decodes the envelope of Zendesk event webhooks and
// gives a typed Payload for agent status changes (*[AgentStateChanged],
// *[AgentUnifiedStateChanged]) and ticket events (*[TicketEvent]); other
// types decode with a nil Payload. Ids that Zendesk sends as strings
// ("10011") come out as int64. [ParseSunshineEvents] decodes Sunshine
// Conversations calls, which carry several events each; each event's
// payload decodes with [SunshineEvent.TypedPayload] or the accessor of its
// type ([SunshineEvent.ConversationMessage], [SunshineEvent.SwitchboardEvent],
// …), an event of a type not known here to nil.
//
// # Handling
//
// A [Handler] runs every delivery through the same steps:
//
//	method allowed? → read body (capped) → verify → decode → for each item:
//	    accepted type? → claim its key (event id) → call your function → mark done or release
//
// and answers:
//
//	status  outcome             when
//	405     method_not_allowed  the method is not allowed (default: POST only)
//	413     too_large           the body is over the cap (default 1 MiB)
//	401     unauthorized        signature or secret missing or wrong, timestamp outside tolerance
//	403     forbidden           source address outside the allowlist
//	400     malformed           the body does not decode
//	200     ignored             the event type is not accepted; the function is not called
//	200     duplicate           the event was handled before; the function is not called (or it returned ErrDuplicate)
//	200     handled             the function returned nil; the event is marked handled
//	422     rejected            the function returned Permanent(err); the sender should not retry
//	503     failed              the function returned another error; Retry-After (5 s) asks for a retry
//	503     busy                the same event is being handled by another delivery; Retry-After: what is left of its claim's lease + 1 s (at most 59 s), or 2 s without a lease
//	503     panic               the function panicked; the panic is recovered and logged with its stack, and Retry-After (5 s) asks for a retry
//	500     misconfigured       the verifier has no secret (it fails closed)
//
// The body of every answer is the outcome word. Only "handled" marks an
// event as handled: after a failure, a rejection or a panic the key is
// released, so the sender's retry is processed. Which answers Zendesk
// retries, and how long it waits for one, its own documentation does not
// say in full (see Guesses below): the function should finish within a few
// seconds, or queue the work and return.
//
// De-duplication uses the event id (Zendesk "id", Sunshine "events[].id").
// A signed Zendesk body without one (a trigger or automation webhook) is
// keyed on its signature, which covers its timestamp and body, so that a
// captured delivery replayed with another X-Zendesk-Webhook-Invocation-Id
// ([HeaderZendeskInvocationID]), or none, is a duplicate; the invocation
// id, which names one invocation across its attempts but is not signed, is
// checked as a second key, so that a retry signed again is a duplicate
// too. The default store is a [MemoryDeduper] per handler (50,000 keys, 24
// hours); a service with several replicas uses a [StoreDeduper] over a
// store they share, whose claims have a lease (45 s by default) so that a
// key claimed by a replica that died mid-event is handled on the sender's
// first retry after the lease ends; only the claim's owner releases it:
//
//	h := webhook.NewZendeskHandler(v, fn, webhook.WithDeduper(
//		&webhook.StoreDeduper{Store: redisStore, Prefix: "statussync:acme:"}))
//
// [NewZendeskHandler] and [NewSunshineHandler] cover those payloads. For
// bodies of your own shape, such as the JSON a Zendesk trigger sends or a
// Braze webhook campaign, use [NewHandler] with [DecodeJSON] and the
// matching verifier:
//
//	type comment struct {
//		TicketID string `json:"ticket_id"`
//		Body     string `json:"body"`
//	}
//	h := webhook.NewHandler(
//		webhook.ZendeskVerifier{Secrets: []string{secret}},
//		webhook.DecodeJSON[comment](nil), // key: X-Zendesk-Webhook-Invocation-Id
//		func(ctx context.Context, c comment) error { return forward(ctx, c) },
//	)
//
// # Guesses
//
// A few things the senders do that this package relies on are not stated in
// their documentation as it could be read while writing it. Each sits
// behind one unexported function in unconfirmed.go, marked UNCONFIRMED and
// tested in unconfirmed_test.go: the order in which Zendesk signs the
// timestamp and the body; the members of the agent.unified_state_changed
// event ([AgentUnifiedStateChanged]); the payloads of the Sunshine
// Conversations events its specification does not show
// ([SunshineParticipantEvent], [SunshineReferralEvent],
// [SunshineUserEvent], [SunshineClientEvent]); the type of custom_status in ticket
// events ([TicketEvent.CustomStatus]); and which answers Zendesk retries,
// which the handler's 503 with a short Retry-After and 422 for [Permanent]
// are chosen by; and whether Zendesk signs a retry again and keeps its
// invocation id, which the keys of trigger deliveries are chosen by.
// Check them against real deliveries before relying on them.
package webhook
