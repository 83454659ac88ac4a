package conversations

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestRequests checks the exact request of every method (method, path,
// query, headers, body) and that its documented answer decodes.
func TestRequests(t *testing.T) {
	t.Parallel()
	ok := func(body string) reply { return reply{200, body} }
	created := func(body string) reply { return reply{201, body} }
	type tc struct {
		name   string
		call   func(ctx context.Context, c *Client) error
		method string
		path   string // below /sc/v2/apps/{appId}
		query  string // url.Values encoding
		body   string // JSON; "" for none
		reply  reply
	}
	convID, msgID, userID := "67a0ecf8f0305f4a391e9db1", "5f748c1a2b5315fc007e7977", "5963c0d619a30a2e00de36b8"
	sbID, sbiID, integID, hookID := "5ef21b86e933b7355c11c600", "5ef21b86e933b7355c11c604", "5e4af71a81966cfff3ef6550", "5f4eaef81e3dcc117c7ba48a"
	cases := []tc{
		{"Apps.Get", func(ctx context.Context, c *Client) error {
			a, err := c.Apps.Get(ctx)
			return want(err, a != nil && a.ID == testApp && a.Subdomain == "acme", a)
		}, "GET", "", "", "", ok(`{"app":{"id":"` + testApp + `","displayName":"Acme","subdomain":"acme"}}`)},

		{"Users.Create", func(ctx context.Context, c *Client) error {
			u, err := c.Users.Create(ctx, &UserInput{ExternalID: "dydu-ctx-3f1c", SignedUpAt: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC),
				Profile: &Profile{GivenName: "Jeanne", Surname: "Martin", Email: "jeanne@example.org", Locale: "fr"}})
			return want(err, u != nil && u.ID == userID && u.Authenticated && u.Profile.LocaleOrigin == "apiRequest" && u.SignedUpAt.Year() == 2026, u)
		}, "POST", "/users", "", `{"externalId":"dydu-ctx-3f1c","signedUpAt":"2026-01-05T10:00:00Z","profile":{"givenName":"Jeanne","surname":"Martin","email":"jeanne@example.org","locale":"fr"}}`,
			created(testdataString("user_create_response.json"))},
		{"Users.Get", func(ctx context.Context, c *Client) error {
			u, err := c.Users.Get(ctx, "dydu/ctx 3f1c")
			return want(err, u != nil && u.ExternalID == "dydu-ctx-3f1c", u)
		}, "GET", "/users/dydu%2Fctx%203f1c", "", "", ok(testdataString("user_create_response.json"))},
		{"Users.Update", func(ctx context.Context, c *Client) error {
			_, err := c.Users.Update(ctx, userID, &UserInput{ToBeRetained: Bool(false), Metadata: Metadata{"tier": "gold", "score": 3}})
			return err
		}, "PATCH", "/users/" + userID, "", `{"toBeRetained":false,"metadata":{"tier":"gold","score":3}}`, ok(testdataString("user_create_response.json"))},
		{"Users.Delete", func(ctx context.Context, c *Client) error {
			return c.Users.Delete(ctx, userID)
		}, "DELETE", "/users/" + userID, "", "", ok(`{}`)},
		{"Users.DeletePersonalInformation", func(ctx context.Context, c *Client) error {
			u, err := c.Users.DeletePersonalInformation(ctx, userID)
			return want(err, u != nil && u.ID == userID, u)
		}, "DELETE", "/users/" + userID + "/personalinformation", "", "", ok(`{"user":{"id":"` + userID + `","profile":{},"identities":[]}}`)},
		{"Users.Sync", func(ctx context.Context, c *Client) error {
			u, err := c.Users.Sync(ctx, "35436", "35437")
			return want(err, u == nil, u) // an empty answer: no user, no error
		}, "POST", "/users/35436/sync", "", `{"survivingZendeskId":"35437"}`, ok(`{}`)},

		{"Conversations.Create", func(ctx context.Context, c *Client) error {
			cv, err := c.Conversations.Create(ctx, &ConversationCreate{Type: ConversationPersonal, Participants: []ParticipantInput{{UserID: userID}}})
			return want(err, cv != nil && cv.ID == convID && !cv.CreatedAt.IsZero() && cv.ActiveSwitchboardIntegration == nil, cv)
		}, "POST", "/conversations", "", `{"type":"personal","participants":[{"userId":"` + userID + `","subscribeSDKClient":false}]}`,
			created(testdataString("conversation_create_response.json"))},
		{"Conversations.Get", func(ctx context.Context, c *Client) error {
			_, err := c.Conversations.Get(ctx, convID)
			return err
		}, "GET", "/conversations/" + convID, "", "", ok(testdataString("conversation_create_response.json"))},
		{"Conversations.ListPage", func(ctx context.Context, c *Client) error {
			p, err := c.Conversations.ListPage(ctx, &ConversationListOptions{UserID: userID, PageOptions: PageOptions{Size: 10}})
			return want(err, p != nil && len(p.Items) == 1 && p.Next == convID && p.Items[0].ActiveSwitchboardIntegration.Name == AgentWorkspaceName, p)
		}, "GET", "/conversations", "filter%5BuserId%5D=" + userID + "&page%5Bsize%5D=10", "", ok(testdataString("conversations_page.json"))},
		{"Conversations.ListPage/external/after", func(ctx context.Context, c *Client) error {
			_, err := c.Conversations.ListPage(ctx, &ConversationListOptions{UserExternalID: "x1", PageOptions: PageOptions{After: "c1"}})
			return err
		}, "GET", "/conversations", "filter%5BuserExternalId%5D=x1&page%5Bafter%5D=c1&page%5Bsize%5D=100", "", ok(`{"conversations":[],"meta":{"hasMore":false}}`)},
		{"Conversations.Update", func(ctx context.Context, c *Client) error {
			_, err := c.Conversations.Update(ctx, convID, &ConversationUpdate{DisplayName: "Chat", Metadata: Metadata{"lang": "fr"}})
			return err
		}, "PATCH", "/conversations/" + convID, "", `{"displayName":"Chat","metadata":{"lang":"fr"}}`, ok(testdataString("conversation_create_response.json"))},
		{"Conversations.Delete", func(ctx context.Context, c *Client) error {
			return c.Conversations.Delete(ctx, convID)
		}, "DELETE", "/conversations/" + convID, "", "", ok(`{}`)},
		{"Conversations.ListParticipantsPage", func(ctx context.Context, c *Client) error {
			p, err := c.Conversations.ListParticipantsPage(ctx, convID, nil)
			return want(err, p != nil && len(p.Items) == 1 && p.Items[0].UserID == userID && p.Next == "", p)
		}, "GET", "/conversations/" + convID + "/participants", "page%5Bsize%5D=100", "", ok(`{"participants":[{"id":"p1","userId":"` + userID + `","unreadCount":0}],"meta":{"hasMore":false}}`)},
		{"Conversations.Join", func(ctx context.Context, c *Client) error {
			p, err := c.Conversations.Join(ctx, convID, ParticipantInput{UserExternalID: "x1", SubscribeSDKClient: true})
			return want(err, p != nil && p.ID == "p1", p)
		}, "POST", "/conversations/" + convID + "/join", "", `{"userExternalId":"x1","subscribeSDKClient":true}`, created(`{"participant":{"id":"p1","userId":"` + userID + `"}}`)},
		{"Conversations.Leave", func(ctx context.Context, c *Client) error {
			return c.Conversations.Leave(ctx, convID, Leave{ParticipantID: "p1"})
		}, "POST", "/conversations/" + convID + "/leave", "", `{"participantId":"p1"}`, ok(`{}`)},

		{"Messages.Post/text", func(ctx context.Context, c *Client) error {
			m, err := c.Messages.Post(ctx, convID, &MessagePost{Author: BusinessAuthor("Steve"), Content: Text("Hello!"), Metadata: Metadata{"lang": "en-ca"}})
			return want(err, len(m) == 1 && m[0].ID == msgID && m[0].Content.Text == "Hello!" && m[0].Source.Type == "api:conversations" && m[0].Received.Equal(time.Date(2020, 9, 30, 13, 46, 2, 733e6, time.UTC)), m)
		}, "POST", "/conversations/" + convID + "/messages", "", `{"author":{"type":"business","displayName":"Steve"},"content":{"type":"text","text":"Hello!"},"metadata":{"lang":"en-ca"}}`,
			created(testdataString("message_post_response.json"))},
		{"Messages.Post/image", func(ctx context.Context, c *Client) error {
			img := Image("https://example.org/image.jpg")
			img.Text, img.AltText = "Hello!", "A wonderful image"
			_, err := c.Messages.Post(ctx, convID, &MessagePost{Author: BusinessAuthor(""), Content: img})
			return err
		}, "POST", "/conversations/" + convID + "/messages", "", `{"author":{"type":"business"},"content":{"type":"image","text":"Hello!","mediaUrl":"https://example.org/image.jpg","altText":"A wonderful image"}}`,
			created(testdataString("message_post_response.json"))},
		{"Messages.Post/file", func(ctx context.Context, c *Client) error {
			f := File("https://example.org/FAQ.pdf")
			f.Text, f.AltText = "Here's our FAQ!", "FAQ.pdf"
			_, err := c.Messages.Post(ctx, convID, &MessagePost{Author: UserAuthor(userID), Content: f})
			return err
		}, "POST", "/conversations/" + convID + "/messages", "", `{"author":{"type":"user","userId":"` + userID + `"},"content":{"type":"file","text":"Here's our FAQ!","mediaUrl":"https://example.org/FAQ.pdf","altText":"FAQ.pdf"}}`,
			created(testdataString("message_post_response.json"))},
		{"Messages.Post/carousel", func(ctx context.Context, c *Client) error {
			_, err := c.Messages.Post(ctx, convID, &MessagePost{Author: BotAuthor("Dydu bot"), Content: Carousel(
				Item{Title: "Tacos", Actions: []Action{PostbackAction("Buy", "TACOS"), LinkAction("More", "https://example.org/tacos")}})})
			return err
		}, "POST", "/conversations/" + convID + "/messages", "", `{"author":{"type":"business","subtypes":["bot"],"displayName":"Dydu bot"},"content":{"type":"carousel","items":[{"title":"Tacos","actions":[{"type":"postback","text":"Buy","payload":"TACOS"},{"type":"link","text":"More","uri":"https://example.org/tacos"}]}]}}`,
			created(testdataString("message_post_response.json"))},
		{"Messages.Post/list", func(ctx context.Context, c *Client) error {
			_, err := c.Messages.Post(ctx, convID, &MessagePost{Author: BusinessAuthor(""), Content: List(Item{Title: "A", Description: "a", Actions: []Action{ReplyAction("A", "PA")}})})
			return err
		}, "POST", "/conversations/" + convID + "/messages", "", `{"author":{"type":"business"},"content":{"type":"list","items":[{"title":"A","description":"a","actions":[{"type":"reply","text":"A","payload":"PA"}]}]}}`,
			created(testdataString("message_post_response.json"))},
		{"Messages.Post/location", func(ctx context.Context, c *Client) error {
			loc := Location(0, -73.5)
			loc.Location = &Place{Name: "Office"}
			_, err := c.Messages.Post(ctx, convID, &MessagePost{Author: UserAuthorByExternalID("x1"), Content: loc})
			return err
		}, "POST", "/conversations/" + convID + "/messages", "", `{"author":{"type":"user","userExternalId":"x1"},"content":{"type":"location","coordinates":{"lat":0,"long":-73.5},"location":{"name":"Office"}}}`,
			created(testdataString("message_post_response.json"))},
		{"Messages.Post/form", func(ctx context.Context, c *Client) error {
			_, err := c.Messages.Post(ctx, convID, &MessagePost{Author: BusinessAuthor(""), Content: Form(Field{Type: "email", Name: "email", Label: "Your email"})})
			return err
		}, "POST", "/conversations/" + convID + "/messages", "", `{"author":{"type":"business"},"content":{"type":"form","fields":[{"type":"email","name":"email","label":"Your email"}]}}`,
			created(testdataString("message_post_response.json"))},
		{"Messages.Post/template", func(ctx context.Context, c *Client) error {
			_, err := c.Messages.Post(ctx, convID, &MessagePost{Author: BusinessAuthor(""), Content: Template([]byte(`{"name":"hello","language":{"code":"fr"}}`)), Destination: &Destination{IntegrationType: "whatsapp"}})
			return err
		}, "POST", "/conversations/" + convID + "/messages", "", `{"author":{"type":"business"},"content":{"type":"template","template":{"name":"hello","language":{"code":"fr"}}},"destination":{"integrationType":"whatsapp"}}`,
			created(testdataString("message_post_response.json"))},
		{"Messages.ListPage", func(ctx context.Context, c *Client) error {
			p, err := c.Messages.ListPage(ctx, convID, nil)
			return want(err, p != nil && len(p.Items) == 3 && p.Next == "67a0ed10f0305f4a391e9db5" && p.Items[0].Content.Text == "third" &&
				p.Items[1].Content.MediaSize == 12345 && p.Items[2].Activity.Type == MessageActivityTicketClosed, p)
		}, "GET", "/conversations/" + convID + "/messages", "", "", ok(testdataString("messages_newest_page.json"))},
		{"Messages.ListPage/before", func(ctx context.Context, c *Client) error {
			p, err := c.Messages.ListPage(ctx, convID, &MessageListOptions{Before: "67a0ed10f0305f4a391e9db5"})
			return want(err, p != nil && len(p.Items) == 2 && p.Next == "" && p.Items[1].Content.Items[0].Title == "Tacos", p)
		}, "GET", "/conversations/" + convID + "/messages", "page%5Bbefore%5D=67a0ed10f0305f4a391e9db5", "", ok(testdataString("messages_older_page.json"))},
		{"Messages.ListPage/after", func(ctx context.Context, c *Client) error {
			p, err := c.Messages.ListPage(ctx, convID, &MessageListOptions{After: "m1"})
			return want(err, p != nil && p.Next == "m9", p)
		}, "GET", "/conversations/" + convID + "/messages", "page%5Bafter%5D=m1", "", ok(`{"messages":[],"meta":{"hasMore":true,"afterCursor":"m9"}}`)},
		{"Messages.DeleteAll", func(ctx context.Context, c *Client) error {
			return c.Messages.DeleteAll(ctx, convID)
		}, "DELETE", "/conversations/" + convID + "/messages", "", "", ok(`{}`)},
		{"Messages.Delete", func(ctx context.Context, c *Client) error {
			return c.Messages.Delete(ctx, convID, msgID)
		}, "DELETE", "/conversations/" + convID + "/messages/" + msgID, "", "", ok(`{}`)},

		{"Activities.TypingStart", func(ctx context.Context, c *Client) error {
			return c.Activities.TypingStart(ctx, convID, BusinessAuthor(""))
		}, "POST", "/conversations/" + convID + "/activity", "", `{"author":{"type":"business"},"type":"typing:start"}`, ok(`{}`)},
		{"Activities.TypingStop", func(ctx context.Context, c *Client) error {
			return c.Activities.TypingStop(ctx, convID, UserAuthor(userID))
		}, "POST", "/conversations/" + convID + "/activity", "", `{"author":{"type":"user","userId":"` + userID + `"},"type":"typing:stop"}`, ok(`{}`)},
		{"Activities.MarkRead", func(ctx context.Context, c *Client) error {
			return c.Activities.MarkRead(ctx, convID, BusinessAuthor(""))
		}, "POST", "/conversations/" + convID + "/activity", "", `{"author":{"type":"business"},"type":"conversation:read"}`, ok(`{}`)},

		{"Attachments.Remove", func(ctx context.Context, c *Client) error {
			return c.Attachments.Remove(ctx, "https://acme.zendesk.com/sc/attachments/v2/01JK/f.jpeg")
		}, "POST", "/attachments/remove", "", `{"mediaUrl":"https://acme.zendesk.com/sc/attachments/v2/01JK/f.jpeg"}`, ok(`{}`)},

		{"Switchboards.List", func(ctx context.Context, c *Client) error {
			l, err := c.Switchboards.List(ctx)
			return want(err, len(l) == 1 && l[0].Enabled && l[0].DefaultSwitchboardIntegrationID == sbiID, l)
		}, "GET", "/switchboards", "", "", ok(`{"switchboards":[{"id":"` + sbID + `","enabled":true,"defaultSwitchboardIntegrationId":"` + sbiID + `"}]}`)},
		{"Switchboards.Create", func(ctx context.Context, c *Client) error {
			s, err := c.Switchboards.Create(ctx)
			return want(err, s != nil && !s.Enabled, s)
		}, "POST", "/switchboards", "", "", created(`{"switchboard":{"id":"` + sbID + `","enabled":false}}`)},
		{"Switchboards.Update", func(ctx context.Context, c *Client) error {
			def := sbiID
			_, err := c.Switchboards.Update(ctx, sbID, &SwitchboardUpdate{Enabled: Bool(true), DefaultSwitchboardIntegrationID: &def})
			return err
		}, "PATCH", "/switchboards/" + sbID, "", `{"enabled":true,"defaultSwitchboardIntegrationId":"` + sbiID + `"}`, ok(`{"switchboard":{"id":"` + sbID + `","enabled":true}}`)},
		{"Switchboards.Delete", func(ctx context.Context, c *Client) error {
			return c.Switchboards.Delete(ctx, sbID)
		}, "DELETE", "/switchboards/" + sbID, "", "", ok(`{}`)},
		{"SwitchboardIntegrations.List", func(ctx context.Context, c *Client) error {
			l, err := c.SwitchboardIntegrations.List(ctx, sbID)
			return want(err, len(l) == 2 && l[0].IntegrationType == AgentWorkspaceType && l[1].IntegrationType == AnswerBotType, l)
		}, "GET", "/switchboards/" + sbID + "/switchboardIntegrations", "", "", ok(testdataString("switchboard_integrations.json"))},
		{"SwitchboardIntegrations.Find", func(ctx context.Context, c *Client) error {
			si, err := c.SwitchboardIntegrations.Find(ctx, sbID, AgentWorkspaceName)
			return want(err, si != nil && si.ID == sbiID, si)
		}, "GET", "/switchboards/" + sbID + "/switchboardIntegrations", "", "", ok(testdataString("switchboard_integrations.json"))},
		{"SwitchboardIntegrations.Create", func(ctx context.Context, c *Client) error {
			_, err := c.SwitchboardIntegrations.Create(ctx, sbID, &SwitchboardIntegrationCreate{Name: "dydu", IntegrationID: integID, NextSwitchboardIntegrationID: sbiID})
			return err
		}, "POST", "/switchboards/" + sbID + "/switchboardIntegrations", "", `{"name":"dydu","integrationId":"` + integID + `","deliverStandbyEvents":false,"nextSwitchboardIntegrationId":"` + sbiID + `"}`,
			created(`{"switchboardIntegration":{"id":"sbi2","name":"dydu","integrationId":"` + integID + `","deliverStandbyEvents":false}}`)},
		{"SwitchboardIntegrations.Update", func(ctx context.Context, c *Client) error {
			_, err := c.SwitchboardIntegrations.Update(ctx, sbID, "sbi2", &SwitchboardIntegrationUpdate{DeliverStandbyEvents: Bool(false), MessageHistoryCount: 5})
			return err
		}, "PATCH", "/switchboards/" + sbID + "/switchboardIntegrations/sbi2", "", `{"deliverStandbyEvents":false,"messageHistoryCount":5}`, ok(`{"switchboardIntegration":{"id":"sbi2","name":"dydu"}}`)},
		{"SwitchboardIntegrations.Delete", func(ctx context.Context, c *Client) error {
			return c.SwitchboardIntegrations.Delete(ctx, sbID, "sbi2")
		}, "DELETE", "/switchboards/" + sbID + "/switchboardIntegrations/sbi2", "", "", ok(`{}`)},

		{"SwitchboardActions.PassControl", func(ctx context.Context, c *Client) error {
			md := Metadata{}
			md.SetFirstMessageID(msgID)
			md.SetGroupID(360001234567)
			md.SetTicketField(360005, "gold")
			md.SetTags("dydu", "vip")
			return c.SwitchboardActions.PassControl(ctx, convID, AgentWorkspaceName, md)
		}, "POST", "/conversations/" + convID + "/passControl", "", `{"switchboardIntegration":"zd-agentWorkspace","metadata":{"first_message_id":"` + msgID +
			`","dataCapture.systemField.group_id":"360001234567","dataCapture.ticketField.360005":"gold","dataCapture.systemField.tags":"dydu,vip"}}`, ok(`{}`)},
		{"SwitchboardActions.OfferControl", func(ctx context.Context, c *Client) error {
			return c.SwitchboardActions.OfferControl(ctx, convID, "dydu", nil)
		}, "POST", "/conversations/" + convID + "/offerControl", "", `{"switchboardIntegration":"dydu"}`, ok(`{}`)},
		{"SwitchboardActions.AcceptControl", func(ctx context.Context, c *Client) error {
			return c.SwitchboardActions.AcceptControl(ctx, convID, Metadata{"k": true})
		}, "POST", "/conversations/" + convID + "/acceptControl", "", `{"metadata":{"k":true}}`, ok(`{}`)},
		{"SwitchboardActions.ReleaseControl", func(ctx context.Context, c *Client) error {
			return c.SwitchboardActions.ReleaseControl(ctx, convID, nil)
		}, "POST", "/conversations/" + convID + "/releaseControl", "", `{}`, ok(`{}`)},

		{"Integrations.CreateCustom", func(ctx context.Context, c *Client) error {
			in, err := c.Integrations.CreateCustom(ctx, &CustomIntegration{DisplayName: "Dydu livechat", Webhook: WebhookInput{
				Target:          "https://bms.example/zendesk/webhook",
				Triggers:        []string{TriggerConversationMessage, TriggerSwitchboardPassControl, TriggerSwitchboardReleaseControl},
				IncludeFullUser: Bool(true), IncludeFullSource: Bool(true)}})
			return want(err, in != nil && in.ID == integID && in.Status == "active" && in.Webhooks[0].Secret != "" && in.Webhooks[0].Version == "v2", in)
		}, "POST", "/integrations", "", `{"type":"custom","displayName":"Dydu livechat","webhooks":[{"target":"https://bms.example/zendesk/webhook","triggers":["conversation:message","switchboard:passControl","switchboard:releaseControl"],"includeFullUser":true,"includeFullSource":true}]}`,
			created(testdataString("integration_create_response.json"))},
		{"Integrations.ListPage", func(ctx context.Context, c *Client) error {
			p, err := c.Integrations.ListPage(ctx, &IntegrationListOptions{Types: []string{"custom", "web"}})
			return want(err, p != nil && len(p.Items) == 1 && p.Items[0].Type == IntegrationCustom, p)
		}, "GET", "/integrations", "filter%5Btypes%5D=custom%2Cweb&page%5Bsize%5D=100", "", ok(`{"integrations":[{"id":"` + integID + `","type":"custom","status":"active"}],"meta":{"hasMore":false}}`)},
		{"Integrations.Get", func(ctx context.Context, c *Client) error {
			_, err := c.Integrations.Get(ctx, integID)
			return err
		}, "GET", "/integrations/" + integID, "", "", ok(testdataString("integration_create_response.json"))},
		{"Integrations.Rename", func(ctx context.Context, c *Client) error {
			_, err := c.Integrations.Rename(ctx, integID, "Dydu")
			return err
		}, "PATCH", "/integrations/" + integID, "", `{"displayName":"Dydu"}`, ok(testdataString("integration_create_response.json"))},
		{"Integrations.Delete", func(ctx context.Context, c *Client) error {
			return c.Integrations.Delete(ctx, integID)
		}, "DELETE", "/integrations/" + integID, "", "", ok(`{}`)},
		{"Integrations.CreateKey", func(ctx context.Context, c *Client) error {
			k, err := c.Integrations.CreateKey(ctx, integID, "Dydu livechat key")
			return want(err, k != nil && KindOfKey(k.ID) == KeyIntegration && k.Secret != "", k)
		}, "POST", "/integrations/" + integID + "/keys", "", `{"displayName":"Dydu livechat key"}`, created(testdataString("integration_key_response.json"))},
		{"Integrations.ListKeys", func(ctx context.Context, c *Client) error {
			l, err := c.Integrations.ListKeys(ctx, integID)
			return want(err, len(l) == 1 && l[0].Secret == "", l)
		}, "GET", "/integrations/" + integID + "/keys", "", "", ok(`{"keys":[{"id":"int_67a1110ef0305f4a391e9f01","displayName":"k"}]}`)},
		{"Integrations.GetKey", func(ctx context.Context, c *Client) error {
			_, err := c.Integrations.GetKey(ctx, integID, "int_67a1110ef0305f4a391e9f01")
			return err
		}, "GET", "/integrations/" + integID + "/keys/int_67a1110ef0305f4a391e9f01", "", "", ok(`{"key":{"id":"int_67a1110ef0305f4a391e9f01"}}`)},
		{"Integrations.DeleteKey", func(ctx context.Context, c *Client) error {
			return c.Integrations.DeleteKey(ctx, integID, "int_67a1110ef0305f4a391e9f01")
		}, "DELETE", "/integrations/" + integID + "/keys/int_67a1110ef0305f4a391e9f01", "", "", ok(`{}`)},

		{"AppKeys.Create", func(ctx context.Context, c *Client) error {
			k, err := c.AppKeys.Create(ctx, "Dydu")
			return want(err, k != nil && KindOfKey(k.ID) == KeyApp && k.DisplayName == "Dydu" && k.Secret != "", k)
		}, "POST", "/keys", "", `{"displayName":"Dydu"}`, created(testdataString("app_key_response.json"))},
		{"AppKeys.List", func(ctx context.Context, c *Client) error {
			l, err := c.AppKeys.List(ctx)
			return want(err, len(l) == 1 && l[0].ID == "app_5f4eaef81e3dcc117c7ba48b" && l[0].Secret == "", l)
		}, "GET", "/keys", "", "", ok(`{"keys":[{"id":"app_5f4eaef81e3dcc117c7ba48b","displayName":"Dydu"}]}`)},
		{"AppKeys.Get", func(ctx context.Context, c *Client) error {
			k, err := c.AppKeys.Get(ctx, "app_5f4eaef81e3dcc117c7ba48b")
			return want(err, k != nil && k.DisplayName == "Dydu", k)
		}, "GET", "/keys/app_5f4eaef81e3dcc117c7ba48b", "", "", ok(`{"key":{"id":"app_5f4eaef81e3dcc117c7ba48b","displayName":"Dydu"}}`)},
		{"AppKeys.Delete", func(ctx context.Context, c *Client) error {
			return c.AppKeys.Delete(ctx, "app_5f4eaef81e3dcc117c7ba48b")
		}, "DELETE", "/keys/app_5f4eaef81e3dcc117c7ba48b", "", "", ok(`{}`)},

		{"Webhooks.Create", func(ctx context.Context, c *Client) error {
			_, err := c.Webhooks.Create(ctx, integID, &WebhookInput{Target: "https://bms.example/hook", Triggers: []string{TriggerConversationMessage}})
			return err
		}, "POST", "/integrations/" + integID + "/webhooks", "", `{"target":"https://bms.example/hook","triggers":["conversation:message"]}`,
			created(`{"webhook":{"id":"` + hookID + `","version":"v2","target":"https://bms.example/hook","triggers":["conversation:message"],"secret":"abcdef0123456789","includeFullUser":false,"includeFullSource":false}}`)},
		{"Webhooks.List", func(ctx context.Context, c *Client) error {
			l, err := c.Webhooks.List(ctx, integID)
			return want(err, len(l) == 1 && l[0].ID == hookID, l)
		}, "GET", "/integrations/" + integID + "/webhooks", "", "", ok(`{"webhooks":[{"id":"` + hookID + `","target":"https://x.example","triggers":["conversation:message"]}]}`)},
		{"Webhooks.Get", func(ctx context.Context, c *Client) error {
			_, err := c.Webhooks.Get(ctx, integID, hookID)
			return err
		}, "GET", "/integrations/" + integID + "/webhooks/" + hookID, "", "", ok(`{"webhook":{"id":"` + hookID + `"}}`)},
		{"Webhooks.Update", func(ctx context.Context, c *Client) error {
			_, err := c.Webhooks.Update(ctx, integID, hookID, &WebhookInput{IncludeFullUser: Bool(false)})
			return err
		}, "PATCH", "/integrations/" + integID + "/webhooks/" + hookID, "", `{"includeFullUser":false}`, ok(`{"webhook":{"id":"` + hookID + `"}}`)},
		{"Webhooks.Delete", func(ctx context.Context, c *Client) error {
			return c.Webhooks.Delete(ctx, integID, hookID)
		}, "DELETE", "/integrations/" + integID + "/webhooks/" + hookID, "", "", ok(`{}`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock := newMocked(t)
			rec := answerAll(mock, tc.reply)
			if err := tc.call(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			reqs := rec.all()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			assertCommon(t, r)
			if r.Method != tc.method {
				t.Errorf("method = %s, want %s", r.Method, tc.method)
			}
			if got := r.Path; got != appPrefix+tc.path {
				t.Errorf("path = %s, want %s", got, appPrefix+tc.path)
			}
			if q, _ := url.ParseQuery(r.RawQuery); q.Encode() != tc.query {
				t.Errorf("query = %s, want %s", q.Encode(), tc.query)
			}
			switch {
			case tc.body == "" && len(r.Body) != 0:
				t.Errorf("body = %s, want none", r.Body)
			case tc.body != "":
				assertJSON(t, r.Body, tc.body)
			}
		})
	}
}

// want returns err, or an error describing got when ok is false.
func want(err error, ok bool, got any) error {
	if err != nil {
		return err
	}
	if !ok {
		return &mismatch{got}
	}
	return nil
}

type mismatch struct{ got any }

func (m *mismatch) Error() string { return "unexpected answer: " + strings.TrimSpace(sprint(m.got)) }

// testdataString reads a testdata file (for table literals; a missing file
// fails the test that uses it with an empty body).
func testdataString(name string) string {
	b, _ := readTestdata(name)
	return b
}
