package brightpattern_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Two Zendesk instances as two integration accounts, one Default; Select
// picks one as the Zendesk Select Account block does, and Test is the Test
// connection button.
func ExampleNewAccounts() {
	support := zendesktest.NewServer()
	defer support.Close()
	brandB := zendesktest.NewServer()
	defer brandB.Close()

	accts, err := brightpattern.NewAccounts(
		brightpattern.Account{
			Name: "Support", URL: support.URL, Default: true, HTTPClient: support.Client(),
			Auth: brightpattern.APIToken{Username: support.Email, Token: support.APIToken},
		},
		brightpattern.Account{
			Name: "Brand B", URL: brandB.URL, HTTPClient: brandB.Client(),
			Auth: brightpattern.ClientCredentials{ClientID: brandB.OAuthClientID, ClientSecret: brandB.OAuthClientSecret},
		},
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	fmt.Println("all accounts work:", accts.Test(ctx) == nil)

	zc, err := accts.Select("brand b")
	if err != nil {
		log.Fatal(err)
	}
	me, err := zc.Users.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Brand B acts as:", me.Role)
	// Output:
	// all accounts work: true
	// Brand B acts as: admin
}

// Test connection says what is wrong: here, a wrong API token.
func ExampleAccounts_TestAccount() {
	zd := zendesktest.NewServer()
	defer zd.Close()
	accts, err := brightpattern.NewAccounts(brightpattern.Account{
		Name: "Support", URL: zd.URL, Default: true, HTTPClient: zd.Client(),
		Auth: brightpattern.APIToken{Username: zd.Email, Token: "an-old-token"},
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = accts.TestAccount(context.Background(), "Support")
	var ce *brightpattern.ConnectionError
	if errors.As(err, &ce) {
		fmt.Println(errors.Is(err, brightpattern.ErrBadCredentials))
		fmt.Println(ce.Problem)
	}
	// Output:
	// true
	// Zendesk refused the API token
}

// NewAccounts reports every configuration problem at once.
func ExampleNewAccounts_invalid() {
	_, err := brightpattern.NewAccounts(
		brightpattern.Account{Name: "A", URL: "acme", Auth: brightpattern.OAuthToken{AccessToken: "t"}},
		brightpattern.Account{Name: "B", URL: "acme-b", Auth: brightpattern.OAuthToken{AccessToken: "t"}},
	)
	fmt.Println(err)
	// Output:
	// brightpattern: Accounts: no account is marked Default; fix: set Default on the account scenarios use when no Select Account step names one
}

// A chat from the customer's side: start it, send a message, poll the
// agent's answer. The server here stands in for the tenant.
func ExampleChatService() {
	tenant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.Path {
		case "POST /clientweb/api/v1/chats":
			fmt.Fprint(w, `{"chat_id":"c-1","state":"queued","ewt":"20","is_new_chat":true}`)
		case "POST /clientweb/api/v1/chats/c-1/events":
			fmt.Fprint(w, `{"events":[]}`)
		case "GET /clientweb/api/v1/chats/c-1/events":
			fmt.Fprint(w, `{"events":[{"event":"chat_session_party_joined","party_id":"p1","display_name":"Jane","type":"internal"},{"event":"chat_session_message","party_id":"p1","msg":"Hello!"}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer tenant.Close()

	c, err := brightpattern.NewClient(
		brightpattern.WithBaseURL(tenant.URL),
		brightpattern.WithTenantURL("example.brightpattern.com"),
		brightpattern.WithChatApp("WebChatEntry", brightpattern.NewClientID()),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	chat, err := c.Chat.Start(ctx, &brightpattern.StartChat{From: "Ann", Parameters: map[string]string{"brand": "b"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(chat.ChatID, chat.State)
	if _, err := c.Chat.Send(ctx, chat.ChatID, brightpattern.MessageEvent(brightpattern.MessageID(chat.ChatID, 1), "Hi, my order is late")); err != nil {
		log.Fatal(err)
	}
	events, err := c.Chat.Poll(ctx, chat.ChatID)
	if err != nil {
		log.Fatal(err)
	}
	for _, ev := range events {
		fmt.Println(ev.Event, ev.DisplayName+ev.Msg)
	}
	// Output:
	// c-1 queued
	// chat_session_party_joined Jane
	// chat_session_message Hello!
}
