// Package escalation is the chatbot → live agent escalation of Dydu's
// Zendesk livechat connector (Dydu's guide "Zendesk livechat connector",
// https://docs-en.dydu.ai/livechat/zendesk-livechat-connector),
// as an open bridge: a user talks to a Dydu bot through the bridge; when
// the bot escalates, the same chat continues with a Zendesk agent in the
// agent workspace, through Sunshine Conversations
// (https://developer.zendesk.com/api-reference/conversations/), and comes
// back to the bot when the agent solves the ticket.
//
// Dydu's own connector is closed. The package does two things with it:
// [Provision] sets up the Zendesk side for it (or for the bridge), and
// [Flow] offers the same escalation to teams that front Dydu's dialog API
// themselves (their own chat front end, app or channel).
//
//	rep, err := escalation.Provision(ctx, escalation.ProvisionConfig{
//		Conversations: cc, Zendesk: zc, BridgeURL: "https://chat.example.com",
//		Skills: []string{"Animal"}, SenderIDVariable: "mail"})
//	fmt.Print(rep) // the app key, the integration, the switchboard, the groups, the BMS form
//	secret, err := escalation.WebhookSecret(ctx, cc, rep)
//	f, err := escalation.New(escalation.Config{
//		Dydu: dc, Conversations: cc, Zendesk: zc, WebhookSecrets: []string{secret},
//		Skills: map[int64]string{4001: "Animal"}, SenderIDVariable: "mail",
//		Authorize: checkSession, // who the user is, from your site's session
//		Store: redisstore.New(rdb, "acme:"), // keys under acme:escalation:
//	})
//	err = f.Check(ctx)
//	http.ListenAndServe(":8080", f.Handler())
//
// # The user's channel
//
// A web page (or an app) talks to [Flow.Handler]:
//
//	POST /chats/{chat}/messages  {"id": "m1", "text": "Bonjour", "variables": {"lang": "fr"}}
//	POST /chats/{chat}/typing    {"typing": true}
//	POST /chats/{chat}/files?id=f1&name=photo.png   (the file as the body, its type as Content-Type)
//	GET  /chats/{chat}/messages?after=N&wait=25    (long poll: {"messages": [...]})
//	GET  /chats/{chat}/events?after=N              (server-sent events, one per message)
//
// The chat id is random, of at least 128 bits ([NewChatID] makes one; a
// UUID passes; shorter ids are refused): without [Config.Authorize] it is
// all that keeps a chat private. Each message carries an id, so that
// a retried POST is handled once. Answers: 200 handled (or a duplicate),
// 403 refused by Config.Authorize, 422 refused with what is wrong (a text
// over Dydu's 600 characters or Sunshine Conversations' 4,096, a file over
// 50 MB or of a refused type, a chat's variables over [MaxVariables] or
// [MaxVariablesSize]), 503 with Retry-After (retry; also when
// [Config].MaxConcurrentUploads files are being received). A file is
// checked (chat, id, name, type, an agent has the chat) before its body is
// read. What the user
// is shown — their messages, the bot's answers, the agent's messages and
// files, typing, the bridge's notices — is a list of [Message] kept by the
// [Channel]; the default, [StoreChannel], keeps it in the store so that
// any replica serves it. Another Channel (a websocket hub, a messaging
// app) replaces it.
//
// # Who the user is
//
// The browser's word is not trusted: the "variables" a page posts go to
// Dydu as dialog variables, but never say who the user is (those named by
// Config.SenderIDVariable or Config.NameVariable are dropped), since any
// visitor could otherwise open tickets in another customer's name. The
// identity comes from the server side: [Config.Authorize] authenticates
// every request of the channel (a session cookie, a token your site signs
// for the chat id and the signed-in user…) and returns the user's
// identity variables; a Go caller sets [UserMessage].Identity. Without
// Authorize, every chat is anonymous and open to whoever knows its id,
// and [New] logs a warning saying so. [ChatSigner] is such an Authorize:
// the site's server signs the chat id and the identity with HMAC-SHA256,
// the bridge verifies them (cmd/deskbridge and examples/dydu use it).
//
// # The escalation
//
// While the bot has the chat, a text goes to Dydu (chat/talk) and the
// answer back to the user. When the answer opens a livechat (Dydu's
// specialAction StartPolling, typeResponse DMLiveChatConnectionSucceed, or
// the waiting queue), the bridge:
//
//  1. finds the Zendesk group named after the skill of the escalating
//     knowledge (Config.Skills, by knowledge id);
//  2. finds or creates the Sunshine Conversations user (externalId from
//     the chat; the identity mapping's value, Config.SenderIDVariable, as
//     the profile's email or name, and Config.NameVariable's as its name,
//     both from the server side, see Who the user is)
//     and creates a personal conversation;
//  3. posts the bot transcript from Dydu's history, user turns as the
//     user and bot turns as the business with subtype bot;
//  4. passes control to the agent workspace with first_message_id (the
//     first transcript message) and the group, so that the ticket opens
//     in that group with the whole transcript.
//
// From then on the user's texts and files go to the conversation, and the
// agent's messages, files and typing come back through the webhook
// (conversation:message with a business author, conversation:typing).
// When the agent solves the ticket — a passControl or releaseControl with
// reason ticketClosed, or a ticket:closed system message, whichever comes
// — the user is told ([Config].HandBackMessage) and the bot answers again,
// in a new Dydu dialog.
//
// [Provision] makes the bridge's integration the switchboard's default:
// were the agent workspace the default, the user's first message would
// open the ticket before passControl could set its group.
//
// # Exactly once
//
// Every step is recorded in [Config.Store] before the next, and every
// event is handled under its key:
//
//   - the webhook de-duplicates each event of a delivery by its id
//     ([webhook.StoreDeduper]): a retry, or another replica, sees it as a
//     duplicate; an event that failed is not marked and its retry is
//     handled;
//   - a user message is handled once per id, under a claim on its chat
//     (one event of a chat at a time, across replicas), renewed while the
//     event works; an event whose claim ended stops saving and its sender
//     retries. Within one replica an event waits (5 s at most) for
//     another event of its chat, such as the renewal an agent's reply
//     makes, rather than answering 503; a chat another replica holds is
//     answered 503 with Retry-After at once;
//   - the escalation's steps (group, user, conversation, each transcript
//     message, passControl) resume where a failure stopped;
//   - each message the bridge posts carries its key in its metadata
//     ("deskbridge_key"), so that a post whose answer was lost is found
//     among the conversation's latest messages instead of being posted
//     again, and so that the bridge knows its own messages when the
//     webhook brings them back (Echo);
//   - the channel shows each message id once ([StoreChannel.Deliver]),
//     so that two hand-back signals tell the user once.
//
// Dydu's talk has no idempotency key: a talk whose answer was lost (Dydu
// failed after receiving it) is sent again on the retry, and the bot may
// see the user's text twice. Nothing the user sees is doubled.
//
// A side that fails — Dydu, Sunshine Conversations, Zendesk, the store —
// answers 503 with Retry-After; Sunshine Conversations retries its
// webhook (5 times over 15 minutes), the page retries its POST; nothing
// is lost.
//
// # How long a chat lives
//
// A messaging ticket may wait days for an agent. Every event of a chat —
// the user's message or file, the agent's message or typing — keeps it
// (its state, the link from its conversation, and with the default
// Channel the messages shown) for another [Config.ChatLifetime], 14 days
// by default, so an agent's answer a week later still reaches the user.
// An event for the conversation of a chat silent for longer is reported
// as [DetailChatExpired] and logged as a warning, never dropped silently.
//
// # Running several replicas
//
// Give every replica the same store (a redisstore.Store on one Redis):
// the chats' state, the claims, the de-duplication and the messages shown
// are all there. Every key the flow writes starts with "escalation:", as
// the other flows' start with their own name ("statussync:",
// "smsbridge:", "memorialize:"…), so flows may share one store and one
// redisstore prefix. A long poll on one replica sees messages delivered by
// another within half a second. With no store, [New] keeps everything in
// a [store.Memory] of its process and logs that the flow is single-replica.
//
// # Unconfirmed
//
// Dydu's connector is closed and parts of Zendesk's agent workspace are
// undocumented; each guess sits behind one function in unconfirmed.go,
// tested in unconfirmed_test.go: the passControl metadata key of the
// group (dataCapture.systemField.group_id) and of the requester; the
// user's externalId; how the identity mapping reaches the agent; which
// switchboard event signals the hand-back, and the ticket:closed system
// message; how the bridge recognises its own messages; the file types
// Zendesk takes; and that Dydu's answer does not name the skill (so
// Config.Skills does).
package escalation
