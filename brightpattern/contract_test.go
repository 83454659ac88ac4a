package brightpattern_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/brightpattern/brightpatterntest"
)

// Contract tests: the client against brightpatterntest, the fake written
// from a second, independent reading of Bright Pattern's documentation.

func contractClient(t *testing.T, bp *brightpatterntest.Server, opts ...brightpattern.Option) *brightpattern.Client {
	t.Helper()
	base := []brightpattern.Option{
		brightpattern.WithBaseURL(bp.URL),
		brightpattern.WithTenantURL(bp.TenantURL),
		brightpattern.WithHTTPClient(bp.Client()),
		brightpattern.WithClientCredentials(bp.ClientID, bp.ClientSecret),
		brightpattern.WithChatApp(bp.AppID, brightpattern.NewClientID()),
		brightpattern.WithMaxRetries(0),
	}
	c, err := brightpattern.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestContractUsers(t *testing.T) {
	t.Parallel()
	bp := brightpatterntest.NewServer()
	defer bp.Close()
	if err := bp.AddUser(brightpatterntest.User{LoginID: "ann", Email: "ann@example.com", FirstName: "Ann", Extension: "1001", Roles: []string{"Agent"}, Skills: map[string]int{"Zendesk": 90}}); err != nil {
		t.Fatal(err)
	}
	c := contractClient(t, bp)
	ctx := context.Background()
	u, err := c.Users.Get(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if u.LoginID != "ann" || u.Email != "ann@example.com" || u.Extension != "1001" || !u.HasRole("Agent") || u.Skills["Zendesk"] != 90 {
		t.Fatalf("%+v", u)
	}
	// A revoked token is replaced once, without the caller noticing.
	bp.RevokeTokens()
	if _, err := c.Users.Get(ctx, "ann"); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if n := bp.RequestCount("POST", "/configapi/v2/oauth/token"); n != 2 {
		t.Fatalf("%d token requests", n)
	}
	us, err := c.Users.List(ctx)
	if err != nil || len(us) != 1 || us[0].LoginID != "ann" || us[0].Extension != "1001" || us[0].FirstName != "Ann" {
		t.Fatalf("List: %+v %v", us, err)
	}
	if _, err := c.Users.Get(ctx, "nobody"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	d, err := c.Users.Directory(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if login, ok := d.Login("ANN@example.com"); !ok || login != "ann" {
		t.Fatal(login, ok)
	}

	bad, err := brightpattern.NewClient(brightpattern.WithBaseURL(bp.URL), brightpattern.WithTenantURL(bp.TenantURL),
		brightpattern.WithHTTPClient(bp.Client()), brightpattern.WithClientCredentials(bp.ClientID, "wrong-secret-123"), brightpattern.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Users.Get(ctx, "ann"); !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestContractChat(t *testing.T) {
	t.Parallel()
	bp := brightpatterntest.NewServer(brightpatterntest.WithPollHold(50 * time.Millisecond))
	defer bp.Close()
	if err := bp.AddUser(brightpatterntest.User{LoginID: "ann", FirstName: "Ann", Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	c := contractClient(t, bp)
	ctx := context.Background()

	a, err := c.Chat.Availability(ctx)
	if err != nil || !a.Available() {
		t.Fatal(a, err)
	}
	bp.SetAvailability(false)
	if a, err := c.Chat.Availability(ctx); err != nil || a.Available() {
		t.Fatal(a, err)
	}
	bp.SetAvailability(true)

	chat, err := c.Chat.Start(ctx, &brightpattern.StartChat{From: "Carl", PhoneNumber: "+14155550100", Parameters: map[string]string{"brand": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if chat.ChatID == "" || chat.State == "" {
		t.Fatalf("%+v", chat)
	}
	if _, err := c.Chat.Send(ctx, chat.ChatID, brightpattern.MessageEvent(brightpattern.MessageID(chat.ChatID, 1), "my order is late")); err != nil {
		t.Fatal(err)
	}
	if got, ok := bp.Chat(chat.ChatID); !ok || len(got.Messages) == 0 {
		t.Fatalf("the fake has no message: %+v", got)
	}

	// Three concurrent polls of one chat never collide (no 400).
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Chat.Poll(ctx, chat.ChatID)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent polls: %v", err)
		}
	}

	if err := bp.AgentJoin(chat.ChatID, "ann"); err != nil {
		t.Fatal(err)
	}
	if err := bp.AgentSay(chat.ChatID, "Let me check."); err != nil {
		t.Fatal(err)
	}
	seen := map[string]brightpattern.Event{}
	for i := 0; i < 5 && seen[brightpattern.EventMessage].Msg == ""; i++ {
		evs, err := c.Chat.Poll(ctx, chat.ChatID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			seen[ev.Event] = ev
		}
	}
	if seen[brightpattern.EventPartyJoined].PartyID == "" || seen[brightpattern.EventMessage].Msg != "Let me check." {
		t.Fatalf("events seen: %+v", seen)
	}
	if err := bp.AgentEnd(chat.ChatID); err != nil {
		t.Fatal(err)
	}
	ended := false
	for i := 0; i < 5 && !ended; i++ {
		evs, err := c.Chat.Poll(ctx, chat.ChatID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			ended = ended || ev.Event == brightpattern.EventEnded || ev.Event == brightpattern.EventStatus && ev.State == brightpattern.ChatCompleted
		}
	}
	if !ended {
		t.Fatal("no end seen")
	}

	wrongApp, err := brightpattern.NewClient(brightpattern.WithBaseURL(bp.URL), brightpattern.WithTenantURL(bp.TenantURL),
		brightpattern.WithHTTPClient(bp.Client()), brightpattern.WithChatApp("NoSuchEntry", brightpattern.NewClientID()), brightpattern.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrongApp.Chat.Availability(ctx); !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("wrong app id: %v", err)
	}
}
