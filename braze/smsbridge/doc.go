// Package smsbridge is a two-way SMS conversation between a Zendesk ticket
// and a customer's phone, through Braze: the flow of Braze's Zendesk Chat
// recipe (Braze's help article "Zendesk Chat", braze-inc/braze-docs
// _docs/_partners/additional_channels_and_extensions/additional_channels/instant_chat/zendesk_chat.md),
// with a bridge in the middle that makes it safe.
//
//   - A customer texts the keyword (SUPPORT): a Braze webhook campaign calls
//     the bridge, which finds or creates the customer's Zendesk user (by the
//     braze_external_id user field) and opens a ticket with the text as the
//     customer's comment; it sets the customer's zendesk_ticket and
//     zendesk_ticket_open attributes in Braze.
//   - An agent answers in Zendesk: a trigger calls the bridge, which cuts
//     Zendesk's comment header (ExtractMessage) and sends the text with the
//     reply campaign (/campaigns/trigger/send, msg_body).
//   - The customer replies: the follow-up webhook campaign (any text, for
//     customers whose zendesk_ticket_open is true) calls the bridge, which
//     adds the text to the ticket as the customer's public comment.
//   - The agent solves the ticket: a trigger calls the bridge, which sends
//     the closing campaign and sets zendesk_ticket_open to false.
//
// The flow has the shape every deskbridge flow has: [Provision] sets up
// the Zendesk side (the user field, the webhook, a trigger category and the
// two triggers) through package flow's Ensure helpers and returns a
// [flow.Report] (with a dry run); [BrazeSetup] writes out the Braze side,
// which Braze's API cannot create. [New] checks a [Config] (every problem a
// [flow.ConfigError]) and builds the [Flow]; [Flow.Handler] serves both
// webhooks; [Flow.Check] says what is misconfigured on either side; every
// decision is a [Result] with a shared [flow.Outcome], passed to
// Config.OnResult; the state is in Config.Store (see Running several
// replicas).
//
//	pc := smsbridge.ProvisionConfig{Zendesk: zc, BridgeURL: "https://sms.example.com"}
//	rep, err := smsbridge.Provision(ctx, pc)
//	fmt.Print(rep, smsbridge.BrazeSetup(pc))
//	secret, err := smsbridge.SigningSecret(ctx, zc, rep)
//	f, err := smsbridge.New(smsbridge.Config{
//		Zendesk: zc, Braze: bc,
//		ReplyCampaignID: replyID, ClosingCampaignID: closingID,
//		ZendeskSecrets: []string{secret},
//		BrazeAuth:      webhook.SharedSecretVerifier{Secrets: []string{os.Getenv("BRIDGE_BRAZE_SECRET")}},
//		Store:          redisstore.New(redisClient, "acme:smsbridge:"),
//	})
//	err = f.Check(ctx)
//	http.ListenAndServe(":8080", f.Handler())
//
// # What each side sends
//
// The Zendesk webhook (POST, JSON, signed by Zendesk) is called by two
// triggers in one category:
//
//	"Reply by Braze SMS"        comment_is_public is true
//	                            current_via_id is_not 5          (not through the API)
//	                            requester.custom_fields.braze_external_id present
//	"Braze SMS: ticket solved"  status value solved              (changed to solved)
//	                            requester.custom_fields.braze_external_id present
//
// with the body TriggerBody([EventReply]) or TriggerBody([EventSolved]):
//
//	{"event": "reply", "ticket_id": "{{ticket.id}}", "status": "{{ticket.status}}",
//	 "external_id": "{{ticket.requester.custom_fields.braze_external_id}}",
//	 "requester_id": "{{ticket.requester.id}}", "author_id": "{{current_user.id}}",
//	 "comment": "{{ticket.latest_public_comment_html}}"}
//
// The handler also takes the recipe's own /campaigns/trigger/send body
// ([RecipeTriggerBody]), so that triggers written for Braze can point at the
// bridge unchanged; its campaign_id is ignored (the bridge's campaigns are
// used). With [ProvisionConfig.Direct] the webhook calls Braze itself with the
// recipe's bodies and no bridge is on that path.
//
// The Braze webhook campaigns ([BrazeWebhookCampaigns]) POST to
// BridgeURL+[InboundSMSPath] with "Authorization: Bearer <secret>" and the
// body InboundBody(kind), as JSON key/value pairs:
//
//	{"kind": "support", "external_id": "{{${user_id}}}", "first_name": "{{${first_name}}}",
//	 "last_name": "{{${last_name}}}", "phone": "{{${phone_number}}}",
//	 "ticket": "{{custom_attribute.${zendesk_ticket}}}",
//	 "message": "{{sms.${inbound_message_body}}}", "message_id": "{{campaign.${dispatch_id}}}"}
//
// The same fields form-encoded are accepted too.
//
// # No loops
//
// A comment the bridge adds is made through the API (via_id 5), so the
// reply trigger's loop guard does not fire for it. The bridge checks too,
// for triggers without the guard: it remembers for 15 minutes what it
// posted for each customer, and does not send that text back when the
// update was made by the bridge's own Zendesk user (the compact body's
// author_id, {{current_user.id}}). The text alone never decides, since an
// agent may answer with the customer's very words ("OK"): a body that does
// not name the updater, such as the recipe's, is always sent (keep the
// loop guard on such a trigger), and when the bridge cannot read its own
// Zendesk user ([zendesk.UsersService.Me]) to compare, it answers 503 and Zendesk retries.
// ({{ticket.via}} would not do instead: it is the channel the ticket was
// created through, the API for every ticket the bridge opens, not the
// channel of the update.) It also sends nothing for a comment whose author
// is the requester (a customer answering by email).
//
// # No loss, no double
//
// Both handlers follow package webhook: a delivery is acknowledged only once
// it was handled, duplicates are acknowledged without effect, and a
// failure answers 503 with Retry-After ([Config.RetryAfter]), to which
// Zendesk and Braze both retry.
//
// Texts from Braze carry no event ID. Their key is a digest of the
// customer, ticket, text and message_id, so Braze's retries are applied
// once; a ticket is created with an Idempotency-Key derived from it, so a
// creation whose answer was lost converges on one ticket; and before adding
// a comment whose earlier attempt may have succeeded, the bridge looks for
// it on the ticket.
//
// Agent replies are keyed by a digest of their signed body
// ([AgentReply.Key]), not by X-Zendesk-Webhook-Invocation-Id, which
// Zendesk does not sign: a captured delivery replayed with another
// invocation id is still a duplicate. Braze sends
// are not idempotent, and a 5xx or a broken connection does not say whether
// the SMS went out ([braze.MaybeSent]). The bridge records each send in the
// store before and after making it, and marks it in Braze: the send sets
// the customer attribute [Config.SendMarker] to the delivery's key, and Braze
// applies a send's attributes before sending. After an ambiguous failure it
// answers 503; on Zendesk's retry it reads the marker back
// (users/export/ids): found, the SMS went out and is not sent again; not
// found, Braze most likely did not process the send, but the bridge cannot
// be sure, and [Config.Delivery] decides. The default is [AtMostOnce]: the
// reply is not sent again, the agent gets an internal note on the ticket
// and [Config.OnUndelivered] is called. [AtLeastOnce] sends it again. A send
// Braze refused (a 4xx other than 401, 403 and 429) is reported the same
// way and answered 422, which Zendesk does not retry. A 401 or 403 (a
// revoked or mistyped API key, or one without the permission) is answered
// 503 with Retry-After like any failure that sent nothing, so that the
// reply goes out once the key is fixed.
//
// Texts from one customer are handled one at a time, and the ticket a
// text opens is remembered: two texts sent together by a customer without a
// ticket open one ticket, with both texts on it.
//
// See Running several replicas for what the store does across replicas.
//
// # Running several replicas
//
// Everything the flow remembers between deliveries is in [Config.Store], a
// [store.Store] with a TTL on every key: each agent reply's send record,
// each text's record, the texts the flow posted (to recognise their echo),
// each customer's latest ticket, and the claim on a customer while one of
// their texts is handled. Give every replica the same store, such as a
// [github.com/deskbridge/deskbridge/store/redisstore.Store] on one Redis,
// and any replica may take any delivery:
//
//   - a Zendesk retry that the load balancer sends to another replica finds
//     the reply's send record there: "sent", it is a duplicate (200, no
//     second SMS); "sending" by a replica that is still waiting for Braze,
//     it is answered 503 with a Retry-After of what is left of the send's
//     30-second lease plus a second, and the next retry finds the outcome,
//     or, if that replica died, decides on the reply ([Config.Delivery]). A send, once started, finishes even if Zendesk stops
//     waiting, so that its outcome is known;
//   - two texts of a customer without a ticket, reaching two replicas at
//     once, open one ticket: the first claims the customer in the store
//     (an Add with a one-minute lease, so that a replica that dies does not
//     hold the customer for longer), the other answers 503 and Braze
//     retries it onto the ticket the first one opened;
//   - a store that fails or cannot be reached (Redis restarting, say) is a
//     transient error: the delivery is answered 503 with Retry-After, so
//     that Zendesk or Braze retries it once the store is back. Nothing is
//     lost, and nothing is sent twice: a send whose outcome could not be
//     recorded is found again through its marker in Braze
//     ([Config.SendMarker]).
//
// With no store, [New] keeps the flow's state in a [store.Memory] of its
// own process, and logs that the flow is then single-replica: two replicas
// would each send a retried reply (two SMS for one reply) and each open a
// ticket for a customer's two first texts. Several Flows in one process
// may share one store.Memory.
//
// Every key the flow writes starts with "smsbridge:", so that flows may
// share one store, and one redisstore prefix (one per tenant, say), with
// statussync (whose keys start with "statussync:") or any other flow. Two
// bridges for two tenants need two prefixes, or two stores.
//
// Each delivery costs at most two store round trips on its hot path, the
// independent operations of a step going to the store together
// ([store.Do]: one pipeline on Redis):
//
//   - an agent's reply sent as an SMS: the claim of the send (Add), then
//     its record (Set). The flow reads its own Zendesk user once, so that
//     an agent's reply needs no look-up of the texts the flow posted;
//   - a customer's text on their open ticket: one batch up front (the
//     claim on the customer, the text's record added as pending and read
//     back, the ticket remembered for the customer, the text noted as one
//     the flow posts), then the text's record, done, with the claim's
//     release. A retry (a duplicate) or a text refused busy costs two as
//     well;
//   - the flow's own comment coming back through a trigger without the
//     loop guard (an echo): the look-up of the text with the send's claim
//     (and the send's record read back), then the echo recorded; Zendesk's
//     retry of an echo whose first attempt died after the claim costs two
//     as well;
//   - a customer's first text, which opens their ticket, costs four: the
//     remembered ticket is read again once the claim on the customer is
//     surely held, and the new ticket is remembered before the claim is
//     released, each in a round trip of its own, so that a text the
//     customer sent at the same time finds that ticket even on a store that
//     splits a batch across nodes (Redis Cluster orders a batch's ops per
//     key only).
//
// Both handlers are de-duplicated by these records (Config.Deduper nil):
// a Zendesk retry by the send's record, a Braze retry by the text's.
//
// # Unconfirmed
//
// A few details are not confirmed by a Zendesk or Braze document that
// could be read while writing the package. Each sits behind one unexported
// function or value in unconfirmed.go, marked UNCONFIRMED and tested in
// unconfirmed_test.go:
//
//   - the trigger conditions' names (comment_is_public is true, status
//     value solved, requester.custom_fields.<key> present; the zendesk
//     package's LoopGuard and bearer-token webhook data are guesses of
//     that package);
//   - how {{ticket.status}} renders, and that {{current_user.id}} is the
//     user who made the update;
//   - whether Zendesk escapes placeholder values in a JSON body, and Braze
//     the values of a "JSON key/value pairs" body (raw line breaks are
//     repaired; a raw quote makes the body invalid);
//   - that Zendesk's user search matches custom user fields by key (a miss
//     only costs a [zendesk.UsersService.CreateOrUpdate] by external_id);
//   - that {{campaign.${dispatch_id}}} differs per inbound message (without
//     it, two identical texts from one customer within
//     Config.InboundWindow count as one);
//   - that users/export/ids shows a send's attributes by the time Zendesk
//     retries;
//   - how Braze types zendesk_ticket_open (the bridge sends a boolean, the
//     recipe's bodies the strings "true" and "false");
//   - what the recipe's message Liquid (RecipeMessageTemplate, direct mode)
//     shows of a reply;
//   - after which Retry-After Zendesk no longer retries a 503, and how long
//     it waits for the bridge's answer.
//
// Passing user_fields inside a ticket's requester, as the recipe's first
// webhook campaign does, is not documented; the bridge does not rely on it.
package smsbridge
