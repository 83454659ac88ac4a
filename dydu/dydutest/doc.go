// Package dydutest is an in-process fake of Dydu's dialog API (the API
// Dydu's chatbox talks to), with a bot, its livechat and the operator
// side: for testing code that fronts a Dydu bot without credentials or
// network, and for running the deskbridge examples on a laptop (-demo).
// It does not import testing, so main packages can use it. It speaks the
// wire format of Dydu's documentation
// (https://docs-en.dydu.ai/developers/api-reference/dialog-api) and of
// its open-source chatbox (https://github.com/Do-you-dream-up/CV5), not
// any client's idea of it, and never imports the deskbridge client.
//
//	fake := dydutest.NewServer() // the guide's test bot, with the "Animal" escalation
//	defer fake.Close()
//	// point the code under test at fake.URL (a Dydu server: the dialog
//	// API is under fake.URL+"/servlet/api/") and the bot fake.BotID
//	...
//	esc := fake.Escalations()[0] // the bot handed a dialog to the livechat
//	fake.OperatorMessage(esc.ContextID, dydutest.Operator{Name: "Ann"}, "Bonjour !")
//	fake.EndLivechat(esc.ContextID, dydutest.EndByOperator, "")
//
// # Wire format
//
// Requests are form-encoded (GET query parameters work too) to
// URL+"/servlet/api/chat/…/{botUUID}", with or without a trailing
// slash: context, talk (chat/talk/{bot}/{contextId}/), welcomecall,
// history, availablecontext, search, topknowledge, feedback (and its
// comment and insatisfaction), gdpr, variable, typing, reading and
// poll/last. Answers are the envelope {"type": …, "values": {…}} in
// which every string inside values, at any depth, is base64 (UTF-8);
// numbers (knowledgeId, serverTime and pollUpdatedInteractionDate in
// Unix milliseconds) and booleans are not. A property without a value is
// left out. Bot and context ids are UUIDs.
//
// Dialog contexts expire after [ContextIdleTimeout] (10 minutes) unused,
// on the fake's clock ([WithClock]); a talk or welcome call naming an
// unknown or expired context gets a new one, with a new contextId, as
// Dydu documents. A userInput over [MaxUserInput] (600) characters is cut
// to its first 600 without an error, as the real server does, and
// recorded ([Server.Truncations]), so that a test shows why a client
// must refuse it before sending.
//
// # The bot
//
// [SeedBot] is the test bot of Dydu's guide to its Zendesk livechat
// connector (https://docs-en.dydu.ai/livechat/zendesk-livechat-connector):
// it answers a few questions, captures
// the "mail" variable in free input (the identity mapping), and its
// knowledge "Animal" carries the skill "Animal"'s context condition and
// the livechat connection action. [WithBot], [Server.AddKnowledge] and
// [Server.AddSkill] build other bots. A knowledge matches an input that
// holds one of its questions' words in a row, ignoring case, accents and
// punctuation.
//
// # Livechat
//
// When the matching knowledge carries the livechat action, the talk
// answer starts the livechat (typeResponse DMLiveChatConnectionSucceed,
// specialAction StartPolling), or puts the dialog in the waiting queue
// when [Server.SetQueue] says no operator is free (StartWaitingQueue,
// with queuePosition and estimatedWaitingDuration). The escalation is
// recorded with its skill, the dialog's variables and the transcript
// ([Server.Escalations], [WithEscalationHook]). From then on the user's
// talks go to the operator ([Server.UserMessages]), and chat/poll/last
// serves, one per poll, the answers dated after the lastPoll sent, each
// with its pollUpdatedInteractionDate: operator messages
// ([Server.OperatorMessage]: text and fromDetail), notifications
// ([Server.Notify], [Server.OperatorTyping]: a code), the queue
// ([Server.UpdateQueue], [Server.AcceptEscalation]) and the end
// ([Server.EndLivechat]: OPLiveChatEndByOperator, NAAutoCloseDialog or
// NAAutoCloseDialogBecauseUserLeft, with specialAction EndPolling), after
// which the bot answers again.
//
// The admin web services need Basic authentication with a BMS login and
// password ([Server.AdminLogin], [Server.AdminPassword],
// [WithAdminCredentials]); the fake serves one, the list of skills, at
// GET URL+"/servlet/api/competencies/{botUUID}" (path and shape
// UNCONFIRMED), so that provisioning can create a Zendesk group per skill.
//
// # Failover, faults and limits
//
// [NewCluster] starts several servers in front of one bot, so that a
// dialog started on one continues on another; [Server.SetDown] makes one
// answer 503 to everything, so a client fails over as Dydu's chatbox
// does. [Server.InjectFault] (statuses, latency, dropped connections,
// processed-then-lost answers) and [Server.SetRateLimit] make one answer
// as a server does on a bad day; [Server.Requests] lists what it
// received, credentials redacted. The controls are those of every
// deskbridge fake (package [deskbridgetest]). What the fake does where
// Dydu's documentation is silent (error bodies, most envelope types, the
// shapes of poll answers beyond text, fromDetail and code) is in
// unconfirmed.go, one function each.
package dydutest
