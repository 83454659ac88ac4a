// Package conversations is a client for the Sunshine Conversations API v2,
// the API of Zendesk messaging
// (https://developer.zendesk.com/api-reference/conversations/): how a bot
// or a channel outside Zendesk talks to users, and hands a conversation to
// Zendesk's agents and gets it back.
//
// # Client
//
// One Client per app, shared by every goroutine:
//
//	cc, err := conversations.NewClient(
//		conversations.WithSubdomain("acme"), // https://acme.zendesk.com/sc; or WithRegion("eu-1"), WithBaseURL(fake.URL)
//		conversations.WithAppID(appID),
//		conversations.WithKey(keyID, secret), // or WithJWT(keyID, secret)
//	)
//
// The host is https://{subdomain}.zendesk.com/sc for accounts licensed
// through Zendesk ([WithSubdomain]), or a legacy Sunshine Conversations host
// ([WithRegion]: "us" for https://api.smooch.io, "eu-1" for
// https://api.eu-1.smooch.io). The app id is part of the client: no call
// takes it.
//
// # Keys
//
// An API key is a key id and a secret
// (https://support.zendesk.com/hc/en-us/articles/4576088682266). [WithKey]
// sends them with HTTP Basic authentication, the default; [WithJWT] signs a
// JWT (HS256, the key id in "kid", the "scope" claim of the key's kind)
// instead. An app key (app_…, Admin Center › Apps and integrations ›
// Conversations API) can call everything here. An integration key (int_…)
// cannot manage switchboards, switchboard integrations or integrations;
// the 403 it gets there is an [*Error] whose Hint says that the key's kind
// is the cause, as is a 403 to AcceptControl or ReleaseControl from an
// integration that is not the pending or active one.
//
// The app's own keys ([Client.AppKeys]: create, list, get, delete) are
// account provisioning: only an account key (act_… or svc_…, which direct
// Sunshine Conversations accounts have) may manage them, and an app or
// integration key gets 403 with a Hint saying so. A created key's secret
// is in the answer only: store it then. [Client.KeyID] and
// [Client.KeyKind] say which key the client holds.
//
// # Handing a conversation to Zendesk's agents
//
//	user, _, err := cc.Users.GetOrCreate(ctx, &conversations.UserInput{ExternalID: chatID,
//		Profile: &conversations.Profile{GivenName: "Jeanne", Email: "jeanne@example.org"}})
//	conv, err := cc.Conversations.Create(ctx, &conversations.ConversationCreate{
//		Type: conversations.ConversationPersonal, Participants: []conversations.ParticipantInput{{UserID: user.ID}}})
//	msgs, err := cc.Messages.Post(ctx, conv.ID, &conversations.MessagePost{
//		Author: conversations.UserAuthor(user.ID), Content: conversations.Text("Bonjour")})
//	md := conversations.Metadata{}
//	md.SetFirstMessageID(msgs[0].ID)
//	md.SetGroupID(groupID)
//	err = cc.SwitchboardActions.PassControl(ctx, conv.ID, conversations.AgentWorkspaceName, md)
//
// The agent's replies, and the hand-back when the ticket is solved, come
// to your integration's webhook (package webhook decodes them).
//
// # Limits
//
// What the API would refuse for its size is refused before sending, whole,
// with a [ValidationError] naming the limit and matching [ErrOverLimit]:
// text over 4,096 characters, altText over 128, metadata over 4 KB or not
// flat, a JSON body over 100 KB, a file over 50 MB, an externalId over
// 1,024 characters. A conversation that holds 30,000 messages refuses more
// with 423 Locked: the error matches [ErrMessageLimit].
//
// # Errors
//
// An API error is an [*Error] (the API's {"errors": [{"code", "title"}]})
// embedding [deskbridge.APIError], so errors.Is(err, deskbridge.ErrNotFound)
// and the other cross-vendor kinds work; Code is the API's code
// ([CodeConflict], [CodeUserNotFound]…). Input refused before sending is a
// [*ValidationError] matching [deskbridge.ErrInvalid]. No key secret or
// token ever appears in an error or a log record.
//
// # Lists
//
// Lists are cursor-paginated (page[after], page[before], page[size] up to
// 100). Each has an iterator that fetches pages as the loop needs them and
// a Page form that returns one [deskbridge.Page] with the cursor to resume
// from. Messages are the exception the API makes: their list starts at the
// most recent page and goes back in time, 100 messages a page, so
// [MessagesService.List] yields the newest message first, then older ones;
// [MessagesService.ListPage] returns a page in the API's order (oldest
// first within it) whose Next is the cursor of the older page.
package conversations
