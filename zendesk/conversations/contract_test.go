package conversations_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The contract tests run the client against conversationstest, an
// independent reading of the same reference: every call the client makes,
// answered by the fake.

func fakeClient(t *testing.T, opts ...conversationstest.Option) (*conversations.Client, *conversationstest.Server) {
	t.Helper()
	fake := conversationstest.NewServer(opts...)
	t.Cleanup(fake.Close)
	return clientFor(t, fake, conversations.WithKey(fake.KeyID, fake.Secret)), fake
}

func clientFor(t *testing.T, fake *conversationstest.Server, key conversations.Option) *conversations.Client {
	t.Helper()
	c, err := conversations.NewClient(conversations.WithBaseURL(fake.URL), conversations.WithAppID(fake.AppID), key,
		conversations.WithHTTPClient(fake.Client()), conversations.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// must returns v, failing the test given to what it returns on err.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestContractAppAndJWT(t *testing.T) {
	t.Parallel()
	_, fake := fakeClient(t)
	c := clientFor(t, fake, conversations.WithJWT(fake.KeyID, fake.Secret))
	app := must(c.Apps.Get(context.Background()))(t)
	if app.ID != fake.AppID {
		t.Fatalf("app = %+v", app)
	}
	bad := clientFor(t, fake, conversations.WithKey(fake.KeyID, "wrong-secret-value"))
	if _, err := bad.Apps.Get(context.Background()); !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
}

func TestContractUsers(t *testing.T) {
	t.Parallel()
	c, _ := fakeClient(t)
	ctx := context.Background()
	in := &conversations.UserInput{ExternalID: "dydu-ctx-3f1c", Profile: &conversations.Profile{GivenName: "Jeanne", Email: "jeanne@example.org", Locale: "fr"},
		Metadata: conversations.Metadata{"tier": "gold"}}
	u, created, err := c.Users.GetOrCreate(ctx, in)
	if err != nil || !created || u.ID == "" || u.ExternalID != in.ExternalID || u.Profile.GivenName != "Jeanne" {
		t.Fatalf("u = %+v, created = %v, err = %v", u, created, err)
	}
	if _, err := c.Users.Create(ctx, in); !errors.Is(err, deskbridge.ErrConflict) {
		t.Fatalf("second create: %v", err)
	}
	if got := must(c.Users.Get(ctx, u.ID))(t); got.ExternalID != in.ExternalID {
		t.Fatalf("by id: %+v", got)
	}
	up := must(c.Users.Update(ctx, in.ExternalID, &conversations.UserInput{Profile: &conversations.Profile{Surname: "Martin"}}))(t)
	if up.Profile.Surname != "Martin" {
		t.Fatalf("updated: %+v", up.Profile)
	}
	must(c.Users.DeletePersonalInformation(ctx, u.ID))(t)
	check(t, c.Users.Delete(ctx, u.ID))
	var e *conversations.Error
	if _, err := c.Users.Get(ctx, u.ID); !errors.Is(err, deskbridge.ErrNotFound) || !errors.As(err, &e) || e.Code != conversations.CodeUserNotFound {
		t.Fatalf("after delete: %v", err)
	}
}

// TestContractUsersSync: Sync copies the Support user's name, external
// id and email onto its messaging user.
func TestContractUsersSync(t *testing.T) {
	t.Parallel()
	zd := zendesktest.NewServer()
	t.Cleanup(zd.Close)
	c, _ := fakeClient(t, conversationstest.WithZendesk(zd))
	su := zd.AddUser(zendesktest.User{Name: "Jeanne Martin", Email: ptr("jeanne@example.org"), Role: "end-user"})
	u := must(c.Users.Sync(context.Background(), strconv.FormatInt(su.ID, 10), ""))(t)
	if u == nil || u.ZendeskID != strconv.FormatInt(su.ID, 10) || u.Profile.GivenName != "Jeanne" {
		t.Fatalf("synced %+v", u)
	}
	if _, err := c.Users.Sync(context.Background(), "999999", ""); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("unknown Support user: %v", err)
	}
}

func TestContractConversationsAndMessages(t *testing.T) {
	t.Parallel()
	c, fake := fakeClient(t)
	ctx := context.Background()
	u := must(c.Users.Create(ctx, &conversations.UserInput{ExternalID: "u-1"}))(t)
	var convIDs []string
	for range 3 {
		cv := must(c.Conversations.Create(ctx, &conversations.ConversationCreate{Type: conversations.ConversationPersonal,
			Participants: []conversations.ParticipantInput{{UserID: u.ID}}}))(t)
		convIDs = append(convIDs, cv.ID)
	}
	var listed []string
	for cv, err := range c.Conversations.List(ctx, &conversations.ConversationListOptions{UserExternalID: "u-1", PageOptions: conversations.PageOptions{Size: 2}}) {
		check(t, err)
		listed = append(listed, cv.ID)
	}
	if slices.Sort(listed); !slices.Equal(listed, slices.Sorted(slices.Values(convIDs))) {
		t.Fatalf("listed %v, created %v", listed, convIDs)
	}
	id := convIDs[0]
	cv := must(c.Conversations.Update(ctx, id, &conversations.ConversationUpdate{DisplayName: "Chat", Metadata: conversations.Metadata{"lang": "fr"}}))(t)
	if cv.DisplayName != "Chat" || cv.Metadata["lang"] != "fr" {
		t.Fatalf("updated %+v", cv)
	}
	if got := must(c.Conversations.Get(ctx, id))(t); got.DisplayName != "Chat" {
		t.Fatalf("got %+v", got)
	}
	n := 0
	for p, err := range c.Conversations.ListParticipants(ctx, id, nil) {
		check(t, err)
		if p.UserID != u.ID {
			t.Fatalf("participant %+v", p)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d participants", n)
	}

	// 150 messages: the newest page holds 100; List walks back to the first.
	var first string
	for i := range 150 {
		text := "m" + string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
		author := conversations.UserAuthor(u.ID)
		if i%2 == 1 {
			author = conversations.BotAuthor("Dydu bot")
		}
		msgs := must(c.Messages.Post(ctx, id, &conversations.MessagePost{Author: author, Content: conversations.Text(text)}))(t)
		if i == 0 {
			first = msgs[0].ID
		}
	}
	page := must(c.Messages.ListPage(ctx, id, nil))(t)
	if len(page.Items) != 100 || page.Next == "" || page.Items[99].Content.Text != "m149" {
		t.Fatalf("newest page: %d items, next %q, last %q", len(page.Items), page.Next, page.Items[len(page.Items)-1].Content.Text)
	}
	older := must(c.Messages.ListPage(ctx, id, &conversations.MessageListOptions{Before: page.Next}))(t)
	if len(older.Items) != 50 || older.Next != "" || older.Items[0].ID != first {
		t.Fatalf("older page: %d items, next %q", len(older.Items), older.Next)
	}
	var texts []string
	for m, err := range c.Messages.List(ctx, id, nil) {
		check(t, err)
		texts = append(texts, m.Content.Text)
	}
	if len(texts) != 150 || texts[0] != "m149" || texts[149] != "m000" {
		t.Fatalf("%d messages, %q … %q", len(texts), texts[0], texts[len(texts)-1])
	}
	check(t, c.Messages.Delete(ctx, id, first))
	check(t, c.Messages.DeleteAll(ctx, id))
	if n := len(fake.Messages(id)); n != 0 {
		t.Fatalf("%d messages left", n)
	}
	check(t, c.Conversations.Delete(ctx, id))
	if _, err := c.Conversations.Get(ctx, id); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestContractContentTypes(t *testing.T) {
	t.Parallel()
	c, fake := fakeClient(t)
	ctx := context.Background()
	u := must(c.Users.Create(ctx, &conversations.UserInput{ExternalID: "u-1"}))(t)
	cv := must(c.Conversations.Create(ctx, &conversations.ConversationCreate{Type: conversations.ConversationPersonal, Participants: []conversations.ParticipantInput{{UserID: u.ID}}}))(t)
	att := must(c.Attachments.Upload(ctx, "faq.pdf", strings.NewReader("%PDF-1.4 faq"), &conversations.UploadOptions{ContentType: "application/pdf", ConversationID: cv.ID}))(t)
	if got, ok := fake.Attachment(att.MediaURL); !ok || !bytes.Equal(got.Data, []byte("%PDF-1.4 faq")) {
		t.Fatalf("attachment %+v not on the fake", att)
	}
	file := conversations.File(att.MediaURL)
	file.AltText = "faq.pdf"
	img := conversations.Image(att.MediaURL)
	img.Text = "caption"
	item := conversations.Item{Title: "Tacos", Actions: []conversations.Action{conversations.PostbackAction("Buy", "TACOS")}}
	loc := conversations.Location(48.85, 2.35)
	for _, content := range []conversations.Content{
		conversations.Text("Bonjour"), file, img, conversations.Carousel(item), conversations.List(item), loc,
		conversations.Form(conversations.Field{Type: "email", Name: "email", Label: "Email"}),
	} {
		msgs, err := c.Messages.Post(ctx, cv.ID, &conversations.MessagePost{Author: conversations.BusinessAuthor("Bot"), Content: content})
		if err != nil {
			t.Fatalf("%s: %v", content.Type, err)
		}
		if msgs[0].Content.Type != content.Type || msgs[0].Author.Type != conversations.AuthorBusiness || msgs[0].Source == nil {
			t.Fatalf("%s: %+v", content.Type, msgs[0])
		}
	}
	check(t, c.Activities.TypingStart(ctx, cv.ID, conversations.BusinessAuthor("")))
	check(t, c.Activities.TypingStop(ctx, cv.ID, conversations.BusinessAuthor("")))
	check(t, c.Activities.MarkRead(ctx, cv.ID, conversations.UserAuthor(u.ID)))
	check(t, c.Attachments.Remove(ctx, att.MediaURL))
	if _, ok := fake.Attachment(att.MediaURL); ok {
		t.Fatal("attachment not removed")
	}
}

func TestContractGroupParticipants(t *testing.T) {
	t.Parallel()
	c, _ := fakeClient(t)
	ctx := context.Background()
	a := must(c.Users.Create(ctx, &conversations.UserInput{ExternalID: "a"}))(t)
	must(c.Users.Create(ctx, &conversations.UserInput{ExternalID: "b"}))(t)
	cv := must(c.Conversations.Create(ctx, &conversations.ConversationCreate{Type: conversations.ConversationSDKGroup, Participants: []conversations.ParticipantInput{{UserID: a.ID}}}))(t)
	p := must(c.Conversations.Join(ctx, cv.ID, conversations.ParticipantInput{UserExternalID: "b"}))(t)
	if p.ID == "" {
		t.Fatalf("participant %+v", p)
	}
	check(t, c.Conversations.Leave(ctx, cv.ID, conversations.Leave{UserExternalID: "b"}))
	page := must(c.Conversations.ListParticipantsPage(ctx, cv.ID, nil))(t)
	if len(page.Items) != 1 || page.Items[0].UserID != a.ID {
		t.Fatalf("participants %+v", page.Items)
	}
}

func TestContractMessageLimit(t *testing.T) {
	t.Parallel()
	c, _ := fakeClient(t, conversationstest.WithMessageLimit(2))
	ctx := context.Background()
	u := must(c.Users.Create(ctx, &conversations.UserInput{ExternalID: "u"}))(t)
	cv := must(c.Conversations.Create(ctx, &conversations.ConversationCreate{Type: conversations.ConversationPersonal, Participants: []conversations.ParticipantInput{{UserID: u.ID}}}))(t)
	post := func() error {
		_, err := c.Messages.Post(ctx, cv.ID, &conversations.MessagePost{Author: conversations.UserAuthor(u.ID), Content: conversations.Text("x")})
		return err
	}
	check(t, post())
	check(t, post())
	if err := post(); !errors.Is(err, conversations.ErrMessageLimit) {
		t.Fatalf("err = %v", err)
	}
}

func TestContractIntegrationsAndWebhooks(t *testing.T) {
	t.Parallel()
	c, fake := fakeClient(t)
	ctx := context.Background()
	integ := must(c.Integrations.CreateCustom(ctx, &conversations.CustomIntegration{DisplayName: "Dydu livechat", Webhook: conversations.WebhookInput{
		Target: "https://bms.example/zendesk/webhook", Triggers: []string{conversations.TriggerConversationMessage, conversations.TriggerSwitchboardReleaseControl},
		IncludeFullUser: conversations.Bool(true)}}))(t)
	if integ.Type != conversations.IntegrationCustom || len(integ.Webhooks) != 1 || integ.Webhooks[0].Secret == "" || !integ.Webhooks[0].IncludeFullUser {
		t.Fatalf("integration %+v", integ)
	}
	var ids []string
	for in, err := range c.Integrations.List(ctx, &conversations.IntegrationListOptions{Types: []string{"custom"}}) {
		check(t, err)
		ids = append(ids, in.ID)
	}
	if !slices.Contains(ids, integ.ID) {
		t.Fatalf("listed %v", ids)
	}
	must(c.Integrations.ListPage(ctx, nil))(t)
	if got := must(c.Integrations.Get(ctx, integ.ID))(t); got.DisplayName != "Dydu livechat" {
		t.Fatalf("got %+v", got)
	}
	if got := must(c.Integrations.Rename(ctx, integ.ID, "Dydu"))(t); got.DisplayName != "Dydu" {
		t.Fatalf("renamed %+v", got)
	}
	key := must(c.Integrations.CreateKey(ctx, integ.ID, "bridge"))(t)
	if conversations.KindOfKey(key.ID) != conversations.KeyIntegration || key.Secret == "" {
		t.Fatalf("key %+v", key)
	}
	keys := must(c.Integrations.ListKeys(ctx, integ.ID))(t)
	if len(keys) != 1 || keys[0].ID != key.ID {
		t.Fatalf("keys %+v", keys)
	}
	must(c.Integrations.GetKey(ctx, integ.ID, key.ID))(t)

	// The integration key manages its own webhooks, and nothing of the
	// switchboard: the 403 says the key kind is the cause.
	ic := clientFor(t, fake, conversations.WithKey(key.ID, key.Secret))
	hook := must(ic.Webhooks.Create(ctx, integ.ID, &conversations.WebhookInput{Target: "https://bms.example/second", Triggers: []string{conversations.TriggerConversationCreate}}))(t)
	hooks := must(ic.Webhooks.List(ctx, integ.ID))(t)
	if len(hooks) != 2 {
		t.Fatalf("hooks %+v", hooks)
	}
	if got := must(ic.Webhooks.Get(ctx, integ.ID, hook.ID))(t); got.Secret == "" {
		t.Fatalf("hook %+v", got)
	}
	up := must(ic.Webhooks.Update(ctx, integ.ID, hook.ID, &conversations.WebhookInput{IncludeFullSource: conversations.Bool(true)}))(t)
	if !up.IncludeFullSource {
		t.Fatalf("updated %+v", up)
	}
	check(t, ic.Webhooks.Delete(ctx, integ.ID, hook.ID))
	var e *conversations.Error
	if _, err := ic.Switchboards.List(ctx); !errors.Is(err, deskbridge.ErrForbidden) || !errors.As(err, &e) || !strings.Contains(e.Hint, "integration key") {
		t.Fatalf("switchboards with an integration key: %v", err)
	}

	check(t, c.Integrations.DeleteKey(ctx, integ.ID, key.ID))
	if _, err := ic.Webhooks.List(ctx, integ.ID); !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("revoked key: %v", err)
	}
	check(t, c.Integrations.Delete(ctx, integ.ID))
	if _, err := c.Integrations.Get(ctx, integ.ID); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestContractSwitchboard(t *testing.T) {
	t.Parallel()
	c, fake := fakeClient(t)
	ctx := context.Background()
	boards := must(c.Switchboards.List(ctx))(t)
	if len(boards) != 1 || !boards[0].Enabled {
		t.Fatalf("switchboards %+v", boards)
	}
	sb := boards[0].ID
	aw := must(c.SwitchboardIntegrations.Find(ctx, sb, conversations.AgentWorkspaceName))(t)
	if aw.IntegrationType != conversations.AgentWorkspaceType || aw.ID != fake.AgentWorkspaceID() {
		t.Fatalf("agent workspace %+v", aw)
	}
	integ := must(c.Integrations.CreateCustom(ctx, &conversations.CustomIntegration{DisplayName: "Dydu", Webhook: conversations.WebhookInput{
		Target: "https://bms.example/hook", Triggers: []string{conversations.TriggerConversationMessage}}}))(t)
	bot := must(c.SwitchboardIntegrations.Create(ctx, sb, &conversations.SwitchboardIntegrationCreate{Name: "dydu", IntegrationID: integ.ID, NextSwitchboardIntegrationID: aw.ID}))(t)
	if bot.IntegrationID != integ.ID || bot.NextSwitchboardIntegrationID != aw.ID {
		t.Fatalf("bot %+v", bot)
	}
	bot = must(c.SwitchboardIntegrations.Update(ctx, sb, bot.ID, &conversations.SwitchboardIntegrationUpdate{DeliverStandbyEvents: conversations.Bool(true), MessageHistoryCount: 5}))(t)
	if !bot.DeliverStandbyEvents || bot.MessageHistoryCount != 5 {
		t.Fatalf("updated %+v", bot)
	}
	if len(must(c.SwitchboardIntegrations.List(ctx, sb))(t)) < 2 {
		t.Fatal("bot not listed")
	}
	updated := must(c.Switchboards.Update(ctx, sb, &conversations.SwitchboardUpdate{Enabled: conversations.Bool(true)}))(t)
	if !updated.Enabled {
		t.Fatalf("switchboard %+v", updated)
	}

	// The hand-off: user, conversation, transcript, passControl with the
	// metadata the agent workspace reads.
	key := must(c.Integrations.CreateKey(ctx, integ.ID, "bot"))(t)
	ic := clientFor(t, fake, conversations.WithKey(key.ID, key.Secret))
	u, _, err := ic.Users.GetOrCreate(ctx, &conversations.UserInput{ExternalID: "chat-1", Profile: &conversations.Profile{GivenName: "Jeanne", Email: "jeanne@example.org"}})
	check(t, err)
	cv := must(ic.Conversations.Create(ctx, &conversations.ConversationCreate{Type: conversations.ConversationPersonal, Participants: []conversations.ParticipantInput{{UserID: u.ID}}}))(t)
	check(t, ic.SwitchboardActions.PassControl(ctx, cv.ID, "dydu", nil))
	msgs := must(ic.Messages.Post(ctx, cv.ID, &conversations.MessagePost{Author: conversations.UserAuthor(u.ID), Content: conversations.Text("I need a human")}))(t)
	md := conversations.Metadata{}
	md.SetFirstMessageID(msgs[0].ID)
	md.SetGroupID(360001234567)
	check(t, ic.SwitchboardActions.PassControl(ctx, cv.ID, conversations.AgentWorkspaceName, md))
	ho, ok := fake.HandOff(cv.ID)
	if !ok || ho.Metadata[conversations.FirstMessageIDKey] != msgs[0].ID || len(ho.Transcript) != 1 {
		t.Fatalf("hand-off %+v", ho)
	}
	got := must(ic.Conversations.Get(ctx, cv.ID))(t)
	if got.ActiveSwitchboardIntegration == nil || got.ActiveSwitchboardIntegration.Name != conversations.AgentWorkspaceName {
		t.Fatalf("active %+v", got.ActiveSwitchboardIntegration)
	}
	// Not in control: releaseControl with the integration key is a 403
	// that says why.
	var e *conversations.Error
	if err := ic.SwitchboardActions.ReleaseControl(ctx, cv.ID, nil); !errors.As(err, &e) || e.StatusCode != 403 || !strings.Contains(e.Hint, "active switchboard integration") {
		t.Fatalf("release: %v", err)
	}
	if err := ic.SwitchboardActions.AcceptControl(ctx, cv.ID, nil); !errors.As(err, &e) || e.StatusCode != 403 || !strings.Contains(e.Hint, "pending") {
		t.Fatalf("accept: %v", err)
	}
	check(t, c.SwitchboardActions.OfferControl(ctx, cv.ID, "dydu", nil))
	check(t, ic.SwitchboardActions.AcceptControl(ctx, cv.ID, conversations.Metadata{"k": "v"}))
	check(t, ic.SwitchboardActions.ReleaseControl(ctx, cv.ID, nil))

	check(t, c.SwitchboardIntegrations.Delete(ctx, sb, bot.ID))
	if _, err := c.SwitchboardIntegrations.Find(ctx, sb, "dydu"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestContractSwitchboardLifecycle(t *testing.T) {
	t.Parallel()
	c, _ := fakeClient(t)
	ctx := context.Background()
	sb := must(c.Switchboards.List(ctx))(t)[0]
	check(t, c.Switchboards.Delete(ctx, sb.ID))
	if n := len(must(c.Switchboards.List(ctx))(t)); n != 0 {
		t.Fatalf("%d switchboards after delete", n)
	}
	created := must(c.Switchboards.Create(ctx))(t)
	if created.ID == "" {
		t.Fatalf("created %+v", created)
	}
}

func ptr[T any](v T) *T { return &v }

// TestContractHandOffRoundTrip: user → conversation → passControl to the
// agent workspace → the agent replies → webhook → the agent solves → the
// hand-back event, all through the client and the fake's webhooks.
func TestContractHandOffRoundTrip(t *testing.T) {
	t.Parallel()
	type got struct {
		key  string
		body []byte
	}
	var mu sync.Mutex
	var hooks []got
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooks = append(hooks, got{r.Header.Get("X-API-Key"), b})
		mu.Unlock()
	}))
	t.Cleanup(target.Close)
	c, fake := fakeClient(t, conversationstest.WithDeliverySleep(conversationstest.NoSleep))
	ctx := context.Background()

	integ := must(c.Integrations.CreateCustom(ctx, &conversations.CustomIntegration{DisplayName: "Dydu", Webhook: conversations.WebhookInput{
		Target: target.URL, Triggers: []string{conversations.TriggerConversationMessage, conversations.TriggerSwitchboardPassControl, conversations.TriggerSwitchboardReleaseControl}}}))(t)
	secret := integ.Webhooks[0].Secret
	sb := must(c.Switchboards.List(ctx))(t)[0]
	aw := must(c.SwitchboardIntegrations.Find(ctx, sb.ID, conversations.AgentWorkspaceName))(t)
	must(c.SwitchboardIntegrations.Create(ctx, sb.ID, &conversations.SwitchboardIntegrationCreate{Name: "dydu", IntegrationID: integ.ID,
		NextSwitchboardIntegrationID: aw.ID, DeliverStandbyEvents: true}))(t)

	u, _, err := c.Users.GetOrCreate(ctx, &conversations.UserInput{ExternalID: "chat-9"})
	check(t, err)
	cv := must(c.Conversations.Create(ctx, &conversations.ConversationCreate{Type: conversations.ConversationPersonal, Participants: []conversations.ParticipantInput{{UserID: u.ID}}}))(t)
	check(t, c.SwitchboardActions.PassControl(ctx, cv.ID, "dydu", nil))
	first := must(c.Messages.Post(ctx, cv.ID, &conversations.MessagePost{Author: conversations.UserAuthor(u.ID), Content: conversations.Text("un humain svp")}))(t)
	md := conversations.Metadata{}
	md.SetFirstMessageID(first[0].ID)
	check(t, c.SwitchboardActions.PassControl(ctx, cv.ID, conversations.AgentWorkspaceName, md))
	if _, err := fake.AgentReply(cv.ID, conversationstest.Agent{Name: "Ann"}, "Bonjour, je suis Ann"); err != nil {
		t.Fatal(err)
	}
	check(t, fake.SolveTicket(cv.ID))
	check(t, fake.WaitDeliveries(ctx))

	var agentReply, handBack bool
	mu.Lock()
	defer mu.Unlock()
	for _, h := range hooks {
		if h.key != secret {
			t.Fatalf("X-API-Key = %q, want the webhook's secret", h.key)
		}
		var env struct {
			Events []struct {
				Type    string `json:"type"`
				Payload struct {
					Message *conversations.Message `json:"message"`
					Reason  string                 `json:"reason"`
				} `json:"payload"`
			} `json:"events"`
		}
		check(t, json.Unmarshal(h.body, &env))
		for _, ev := range env.Events {
			switch {
			case ev.Type == conversations.TriggerConversationMessage && ev.Payload.Message != nil &&
				ev.Payload.Message.Author.Type == conversations.AuthorBusiness && ev.Payload.Message.Author.DisplayName == "Ann":
				agentReply = ev.Payload.Message.Content.Text == "Bonjour, je suis Ann"
			case (ev.Type == conversations.TriggerSwitchboardReleaseControl || ev.Type == conversations.TriggerSwitchboardPassControl) && ev.Payload.Reason == "ticketClosed":
				handBack = true
			}
		}
	}
	if !agentReply || !handBack {
		t.Fatalf("agent reply %v, hand-back %v in %d deliveries", agentReply, handBack, len(hooks))
	}
	after := must(c.Conversations.Get(ctx, cv.ID))(t)
	if a := after.ActiveSwitchboardIntegration; a != nil && a.Name == conversations.AgentWorkspaceName {
		t.Fatalf("the agent workspace is still in control: %+v", a)
	}
}

// The app's keys are account provisioning: an account key creates, lists,
// reads and deletes them (Basic or JWT with scope "account"); the app key
// and an integration key get 403 with a hint naming the cause. The secret
// is given once, and a deleted key no longer authenticates.
func TestContractAppKeys(t *testing.T) {
	ctx := context.Background()
	c, fake := fakeClient(t)
	acct := clientFor(t, fake, conversations.WithKey(fake.AccountKeyID, fake.AccountSecret))
	if acct.KeyKind() != conversations.KeyAccount || acct.KeyID() != fake.AccountKeyID || c.KeyID() != fake.KeyID {
		t.Fatalf("KeyKind %q KeyID %q / %q", acct.KeyKind(), acct.KeyID(), c.KeyID())
	}
	key := must(acct.AppKeys.Create(ctx, "Dydu"))(t)
	if conversations.KindOfKey(key.ID) != conversations.KeyApp || key.Secret == "" || key.DisplayName != "Dydu" {
		t.Fatalf("created %+v", key)
	}
	keys := must(acct.AppKeys.List(ctx))(t)
	ids := []string{}
	for _, k := range keys {
		if k.Secret != "" {
			t.Fatalf("a key listed with its secret: %s", k.ID)
		}
		ids = append(ids, k.ID)
	}
	if !slices.Equal(ids, []string{fake.KeyID, key.ID}) {
		t.Fatalf("listed %v, want the fake's app key and the new one", ids)
	}
	if got := must(acct.AppKeys.Get(ctx, key.ID))(t); got.DisplayName != "Dydu" || got.Secret != "" {
		t.Fatalf("got %+v", got)
	}
	// The new key works as an app key.
	nc := clientFor(t, fake, conversations.WithKey(key.ID, key.Secret))
	must(nc.Apps.Get(ctx))(t)
	// An account JWT manages keys too.
	jc := clientFor(t, fake, conversations.WithJWT(fake.AccountKeyID, fake.AccountSecret))
	must(jc.AppKeys.List(ctx))(t)

	integ := must(c.Integrations.CreateCustom(ctx, &conversations.CustomIntegration{DisplayName: "x", Webhook: conversations.WebhookInput{Target: "https://bms.example/hook", Triggers: []string{conversations.TriggerConversationMessage}}}))(t)
	ik := must(c.Integrations.CreateKey(ctx, integ.ID, "x"))(t)
	for name, cl := range map[string]*conversations.Client{"app key": c, "integration key": clientFor(t, fake, conversations.WithKey(ik.ID, ik.Secret))} {
		var e *conversations.Error
		_, err := cl.AppKeys.Create(ctx, "nope")
		if !errors.Is(err, deskbridge.ErrForbidden) || !errors.As(err, &e) || !strings.Contains(e.Hint, "account key") {
			t.Errorf("%s creating an app key: %v", name, err)
		}
		if _, err := cl.AppKeys.List(ctx); !errors.Is(err, deskbridge.ErrForbidden) {
			t.Errorf("%s listing app keys: %v", name, err)
		}
	}

	check(t, acct.AppKeys.Delete(ctx, key.ID))
	if _, err := nc.Apps.Get(ctx); !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("a deleted key: %v", err)
	}
	if _, err := acct.AppKeys.Get(ctx, key.ID); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("get a deleted key: %v", err)
	}
	if _, err := acct.AppKeys.Create(ctx, ""); err == nil {
		t.Fatal("a key without a display name was sent")
	}
	// The app holds at most MaxKeysPerApp keys.
	for range conversations.MaxKeysPerApp - 1 {
		must(acct.AppKeys.Create(ctx, "k"))(t)
	}
	if _, err := acct.AppKeys.Create(ctx, "one too many"); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("key %d: %v", conversations.MaxKeysPerApp+1, err)
	}
	// No secret in the fake's log.
	for _, r := range fake.Requests() {
		if strings.Contains(string(r.Body), key.Secret) || strings.Contains(string(r.Body), fake.AccountSecret) {
			t.Fatalf("a secret in the log: %s %s", r.Path, r.Body)
		}
	}
}
