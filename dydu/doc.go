// Package dydu is a client for the dialog API of a Dydu chatbot
// (https://docs-en.dydu.ai/developers/api-reference/dialog-api), the API
// that Dydu's open-source chatbox (https://github.com/Do-you-dream-up/CV5)
// talks to: dialog contexts, talk, welcome call, history, livechat
// polling, typing and reading, dialog variables, feedback, GDPR requests,
// top knowledge and search; and for the few admin web services it needs,
// with their Basic authentication.
//
// # Client
//
// One client per bot, shared by every goroutine and every user: it holds
// no per-user state, each call names its dialog context.
//
//	c, err := dydu.NewClient(
//		dydu.WithBotID("f1871fe8-cdea-4695-9ea6-529a4e9460dc"), // Preferences › Api › API access
//		dydu.WithServers("https://app1.dydu-priv.com", "https://app2.dydu-priv.com"), // or WithBaseURL(fake.URL)
//		dydu.WithLanguage("fr"),
//	)
//	ans, err := c.Talk(ctx, &dydu.TalkRequest{ContextID: contextID, Input: "Bonjour"})
//
// The bot id is the UUID of the chatbox's bot.json; the servers are its
// "servers". The dialog API is under each server's /servlet/api/. Calls
// are form posts (application/x-www-form-urlencoded; charset=utf-8) with
// the keys the chatbox sends; [Client.Talk] documents each. The dialog
// calls need no credential.
//
// # Answers: base64 values
//
// Every answer is {"type": …, "values": {…}}, and every string inside
// values, at any depth, is base64 of UTF-8 text. The client decodes them
// all ([DecodeEnvelope]): [Answer], [History] and [PollResult] hold text,
// and their Values field the whole decoded object for what they do not
// name.
//
// # Dialog contexts
//
// A context is one user's conversation. [Client.NewContext] opens one;
// a [Client.Talk] without a context id opens one too, and its answer
// carries the id. Dydu archives a context unused for 10 minutes
// ([ContextIdleLimit]) and answers the next talk on it in a new context:
// the [Answer] then says ContextRenewed, with the new ContextID and the
// PreviousContextID. Keep the new id and tell the user that the
// conversation starts over. [Client.CheckContext] asks without talking;
// its error matches [ErrContextExpired].
//
// # Limits
//
// Dydu reads only the first 600 characters of a user input
// ([MaxInputLength]) and drops the rest silently. The client refuses a
// longer input before sending, whole, with a [ValidationError] that names
// the limit and matches [ErrOverLimit] and [deskbridge.ErrInvalid]: cut it
// yourself, or ask the user to.
//
// # Livechat: the bot escalates
//
// When a knowledge's answer carries the "livechat connection" action, the
// talk's answer opens a livechat: [Answer.Livechat] returns a [Signal] of
// kind [SignalStarted] (specialAction StartPolling, or typeResponse
// DMLiveChatConnectionSucceed), or [SignalQueued] with the queue position
// and the estimated wait. From then on, as the chatbox does:
//
//	last := strconv.FormatInt(int64(ans.ServerTime), 10)
//	for {
//		res, err := c.Poll(ctx, &dydu.PollRequest{ContextID: id, LastPoll: last})
//		// res.Signal.Kind: SignalMessage (res.Signal.Text from the operator),
//		// SignalTyping, SignalNotification (res.Signal.Code), SignalEnded
//		last = res.LastPoll
//		time.Sleep(dydu.PollInterval)
//	}
//
// The user's messages go to the operator with TalkRequest.Livechat set;
// [Client.Typing] and [Client.Reading] send the typing indicator and read
// receipts. The livechat ends with typeResponse NAAutoCloseDialog,
// NAAutoCloseDialogBecauseUserLeft or OPLiveChatEndByOperator, or
// specialAction EndPolling: [SignalEnded]; the bot then has the dialog
// again. [Classify] reads any decoded values the same way.
//
// # Several servers
//
// A bot may be served by several servers ([WithServers]), which Dydu's
// chatbox fails over between. So does the client, where that is safe:
//
//   - A call goes first to the server that answered last.
//   - On one server, the retries of every deskbridge client apply
//     ([WithMaxRetries]): a 429 is retried; a 5xx or a network failure is
//     retried only for a call that is safe to send again.
//   - When a server still fails, the call moves to the next one if the
//     server never received it (it could not be dialled, or answered 429),
//     or, for a call that is safe to send again, also after a 5xx, a lost
//     connection or no answer within the server timeout
//     ([WithServerTimeout], [DefaultServerTimeout]; a talk waits
//     [TalkTimeout]). A 4xx other than 429 is returned at once: another
//     server would answer the same.
//   - Safe to send again: NewContext (an extra context is never used),
//     History, CheckContext, Status, Poll, SetVariable, Typing, Reading,
//     GDPR, TopKnowledge, Search, WhoAmI and the admin reads. Not safe:
//     Talk (the bot would answer, or escalate, twice), WelcomeCall (it
//     counts a visit) and the feedback calls; after such a failure the
//     error says what happened and nothing is resent.
//   - A call that failed on several servers returns a [*FailoverError]
//     naming them, which unwraps to the last server's error.
//
// Unlike the chatbox, the client never waits between two servers, and a
// call gives up after one pass over them: the caller's context bounds it.
//
// # Admin web services
//
// Some of Dydu's web services need HTTP Basic authentication with a BMS
// login ([WithAdminCredentials];
// https://docs-en.dydu.ai/developers/api-reference/authentication). The
// client has the one the escalation flow needs,
// [AdminService.Competencies]; its path and answer are guesses, because
// each BMS documents these services only in its own swagger.
//
// # Errors
//
// A non-2xx answer is an [*Error] that embeds [deskbridge.APIError] and
// matches the deskbridge kind of its status. Input the client refuses is
// a [*ValidationError] matching [deskbridge.ErrInvalid]. See the
// package's unconfirmed.go for every behaviour that rests on a guess.
package dydu
