package conversations_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

// Build a client for an app of a Zendesk account, with an app key. The
// examples run against conversationstest; leave WithBaseURL out for the
// real account.
func ExampleNewClient() {
	fake := conversationstest.NewServer()
	defer fake.Close()

	cc, err := conversations.NewClient(
		conversations.WithSubdomain("acme"), // https://acme.zendesk.com/sc
		conversations.WithBaseURL(fake.URL), // the fake stands for it
		conversations.WithAppID(fake.AppID),
		conversations.WithKey(fake.KeyID, fake.Secret),
	)
	if err != nil {
		log.Fatal(err)
	}
	app, err := cc.Apps.Get(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(app.ID == fake.AppID, cc.KeyKind())
	// Output: true app
}

// Hand a chatbot's conversation to Zendesk's agents. The bot's integration
// takes control of the conversation first, so that the user's messages do
// not open a ticket before the bot hands over (the agent workspace is the
// switchboard's default); then passControl to the agent workspace carries
// the metadata it reads when it opens the ticket.
func ExampleSwitchboardActionsService_PassControl() {
	fake := conversationstest.NewServer()
	defer fake.Close()
	cc, err := conversations.NewClient(conversations.WithBaseURL(fake.URL), conversations.WithAppID(fake.AppID),
		conversations.WithKey(fake.KeyID, fake.Secret))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Once: the bot's custom integration, in the switchboard.
	bot, err := cc.Integrations.CreateCustom(ctx, &conversations.CustomIntegration{DisplayName: "Dydu",
		Webhook: conversations.WebhookInput{Target: "https://bot.example/hook", Triggers: []string{conversations.TriggerConversationMessage}}})
	if err != nil {
		log.Fatal(err)
	}
	boards, err := cc.Switchboards.List(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := cc.SwitchboardIntegrations.Create(ctx, boards[0].ID, &conversations.SwitchboardIntegrationCreate{Name: "dydu", IntegrationID: bot.ID}); err != nil {
		log.Fatal(err)
	}

	user, _, err := cc.Users.GetOrCreate(ctx, &conversations.UserInput{ExternalID: "chat-42",
		Profile: &conversations.Profile{GivenName: "Jeanne", Email: "jeanne@example.org"}})
	if err != nil {
		log.Fatal(err)
	}
	conv, err := cc.Conversations.Create(ctx, &conversations.ConversationCreate{Type: conversations.ConversationPersonal,
		Participants: []conversations.ParticipantInput{{UserID: user.ID}}})
	if err != nil {
		log.Fatal(err)
	}
	if err := cc.SwitchboardActions.PassControl(ctx, conv.ID, "dydu", nil); err != nil {
		log.Fatal(err)
	}
	first, err := cc.Messages.Post(ctx, conv.ID, &conversations.MessagePost{
		Author: conversations.UserAuthor(user.ID), Content: conversations.Text("Je voudrais parler à quelqu'un")})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := cc.Messages.Post(ctx, conv.ID, &conversations.MessagePost{
		Author: conversations.BotAuthor("Dydu"), Content: conversations.Text("Je vous mets en relation.")}); err != nil {
		log.Fatal(err)
	}

	md := conversations.Metadata{}
	md.SetFirstMessageID(first[0].ID) // the ticket starts at the user's question
	md.SetTags("dydu", "escalation")
	if err := cc.SwitchboardActions.PassControl(ctx, conv.ID, conversations.AgentWorkspaceName, md); err != nil {
		log.Fatal(err)
	}

	conv, err = cc.Conversations.Get(ctx, conv.ID)
	if err != nil {
		log.Fatal(err)
	}
	handoff, _ := fake.HandOff(conv.ID)
	fmt.Println("in control:", conv.ActiveSwitchboardIntegration.Name)
	fmt.Println("ticket transcript:", len(handoff.Transcript), "messages")
	// Output:
	// in control: zd-agentWorkspace
	// ticket transcript: 2 messages
}

// Read a conversation from its most recent message back: the iterator
// fetches the older pages (100 messages each) only as the loop needs them.
func ExampleMessagesService_List() {
	fake := conversationstest.NewServer()
	defer fake.Close()
	cc, err := conversations.NewClient(conversations.WithBaseURL(fake.URL), conversations.WithAppID(fake.AppID),
		conversations.WithKey(fake.KeyID, fake.Secret))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	user, err := cc.Users.Create(ctx, &conversations.UserInput{ExternalID: "chat-7"})
	if err != nil {
		log.Fatal(err)
	}
	conv, err := cc.Conversations.Create(ctx, &conversations.ConversationCreate{Type: conversations.ConversationPersonal,
		Participants: []conversations.ParticipantInput{{UserID: user.ID}}})
	if err != nil {
		log.Fatal(err)
	}
	for _, text := range []string{"one", "two", "three"} {
		if _, err := cc.Messages.Post(ctx, conv.ID, &conversations.MessagePost{Author: conversations.UserAuthor(user.ID), Content: conversations.Text(text)}); err != nil {
			log.Fatal(err)
		}
	}

	var last []string
	for m, err := range cc.Messages.List(ctx, conv.ID, nil) {
		if err != nil {
			log.Fatal(err)
		}
		last = append(last, m.Content.Text)
		if len(last) == 2 {
			break // the two most recent are enough
		}
	}
	fmt.Println(strings.Join(last, ", "))
	// Output: three, two
}

// A text over the API's limit is refused before sending, whole, naming
// the limit; a conversation full at 30,000 messages is told apart.
func ExampleErrOverLimit() {
	cc, err := conversations.NewClient(conversations.WithSubdomain("acme"), conversations.WithAppID("5ebee0975ac5304b664a12fa"),
		conversations.WithKey("app_5ebee0985ac5304b664a12fb", "secret"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = cc.Messages.Post(context.Background(), "67a0ecf8f0305f4a391e9db1", &conversations.MessagePost{
		Author: conversations.BusinessAuthor(""), Content: conversations.Text(strings.Repeat("a", 5000))})
	switch {
	case errors.Is(err, conversations.ErrOverLimit):
		fmt.Println(err)
	case errors.Is(err, conversations.ErrMessageLimit):
		fmt.Println("conversation full: delete its messages or start another")
	case errors.Is(err, deskbridge.ErrNotFound):
		fmt.Println("no such conversation")
	}
	// Output: conversations: Messages.Post: content.text: 5000 characters, over the limit of 4096 (nothing was sent)
}

// Create an app key with an account key (direct Sunshine Conversations
// accounts; on a Zendesk account, Admin Center makes app keys). The secret
// is in this answer only: keep it in a secret store, never in a log.
func ExampleAppKeysService_Create() {
	fake := conversationstest.NewServer()
	defer fake.Close()
	acct, err := conversations.NewClient(conversations.WithBaseURL(fake.URL), conversations.WithAppID(fake.AppID),
		conversations.WithKey(fake.AccountKeyID, fake.AccountSecret))
	if err != nil {
		log.Fatal(err)
	}
	key, err := acct.AppKeys.Create(context.Background(), "Dydu")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(conversations.KindOfKey(key.ID), key.DisplayName, key.Secret != "")

	// The app key itself may not manage keys.
	app, err := conversations.NewClient(conversations.WithBaseURL(fake.URL), conversations.WithAppID(fake.AppID),
		conversations.WithKey(key.ID, key.Secret))
	if err != nil {
		log.Fatal(err)
	}
	_, err = app.AppKeys.List(context.Background())
	fmt.Println(errors.Is(err, deskbridge.ErrForbidden))
	// Output:
	// app Dydu true
	// true
}
