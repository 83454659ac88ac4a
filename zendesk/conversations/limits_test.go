package conversations

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
)

// TestLimits: what the API would refuse for its size or shape is refused
// before anything is sent, whole, with the limit named.
func TestLimits(t *testing.T) {
	t.Parallel()
	post := func(m MessagePost) func(*Client) error {
		return func(c *Client) error { _, err := c.Messages.Post(context.Background(), "c1", &m); return err }
	}
	biz := BusinessAuthor("")
	bigMeta := Metadata{"k": strings.Repeat("x", MaxMetadataBytes)}
	item := Item{Title: "t", Actions: []Action{ReplyAction("a", "b")}}
	img := Image("https://example.org/i.png")
	img.AltText = strings.Repeat("a", MaxAltTextLength+1)
	cases := []struct {
		name  string
		call  func(*Client) error
		field string
		limit int // 0: a refusal that is not a limit
		text  string
	}{
		{"text over 4096", post(MessagePost{Author: biz, Content: Text(strings.Repeat("é", MaxTextLength+1))}), "content.text", MaxTextLength, "4097 characters, over the limit of 4096"},
		{"emoji count twice", post(MessagePost{Author: biz, Content: Text(strings.Repeat("😀", MaxTextLength/2+1))}), "content.text", MaxTextLength, "4098 characters"},
		{"altText", post(MessagePost{Author: biz, Content: img}), "content.altText", MaxAltTextLength, "over the limit of 128"},
		{"metadata size", post(MessagePost{Author: biz, Content: Text("hi"), Metadata: bigMeta}), "metadata", MaxMetadataBytes, "bytes of JSON, over the limit of 4096"},
		{"metadata not flat", post(MessagePost{Author: biz, Content: Text("hi"), Metadata: Metadata{"a": map[string]any{"b": 1}}}), `metadata["a"]`, 0, "metadata must be flat"},
		{"metadata null", func(c *Client) error {
			return c.SwitchboardActions.PassControl(context.Background(), "c1", AgentWorkspaceName, Metadata{"a": nil})
		}, `metadata["a"]`, 0, "must be flat"},
		{"body over 100 KB", post(MessagePost{Author: biz, Content: Template(json.RawMessage(`{"x":"` + strings.Repeat("y", MaxBodyBytes) + `"}`))}), "body", MaxBodyBytes, "over the limit of 102400"},
		{"items 11", post(MessagePost{Author: biz, Content: Carousel(item, item, item, item, item, item, item, item, item, item, item)}), "content.items", MaxItems, "has 11 items"},
		{"item without actions", post(MessagePost{Author: biz, Content: List(Item{Title: "t"})}), "content.items[0].actions", MaxItemActions, "has 0 actions"},
		{"two subtypes", post(MessagePost{Author: Author{Type: AuthorBusiness, Subtypes: []string{SubtypeBot, SubtypeAI}}, Content: Text("hi")}), "author.subtypes", 0, "at most one"},
		{"user author without id", post(MessagePost{Author: Author{Type: AuthorUser}, Content: Text("hi")}), "author", 0, "needs UserID or UserExternalID"},
		{"no content type", post(MessagePost{Author: biz}), "content.type", 0, "is empty"},
		{"empty text", post(MessagePost{Author: biz, Content: Text("")}), "content.text", 0, "is empty"},
		{"image without URL", post(MessagePost{Author: biz, Content: Image("")}), "content.mediaUrl", 0, "is empty"},
		{"externalId", func(c *Client) error {
			_, err := c.Users.Create(context.Background(), &UserInput{ExternalID: strings.Repeat("x", MaxExternalIDLength+1)})
			return err
		}, "externalId", MaxExternalIDLength, "1025 characters, over the limit of 1024"},
		{"profile", func(c *Client) error {
			_, err := c.Users.Update(context.Background(), "u1", &UserInput{Profile: &Profile{GivenName: strings.Repeat("x", 129)}})
			return err
		}, "profile.givenName", MaxProfileLength, "over the limit of 128"},
		{"switchboard name", func(c *Client) error {
			_, err := c.SwitchboardIntegrations.Create(context.Background(), "sb1", &SwitchboardIntegrationCreate{Name: "dydu bot", IntegrationID: "i1"})
			return err
		}, "name", 0, "letters, digits"},
		{"conversation filter", func(c *Client) error {
			_, err := c.Conversations.ListPage(context.Background(), &ConversationListOptions{UserID: "u", UserExternalID: "x"})
			return err
		}, "filter", 0, "exactly one"},
		{"page size", func(c *Client) error {
			_, err := c.Integrations.ListPage(context.Background(), &IntegrationListOptions{PageOptions: PageOptions{Size: 101}})
			return err
		}, "page[size]", 0, "outside 1..100"},
		{"after and before", func(c *Client) error {
			_, err := c.Conversations.ListPage(context.Background(), &ConversationListOptions{UserID: "u", PageOptions: PageOptions{After: "a", Before: "b"}})
			return err
		}, "page", 0, "both set"},
		{"empty id", func(c *Client) error { return c.Conversations.Delete(context.Background(), "") }, "id", 0, "is empty"},
		{"pass control without target", func(c *Client) error { return c.SwitchboardActions.PassControl(context.Background(), "c1", "", nil) }, "switchboardIntegration", 0, "is empty"},
		{"webhook target", func(c *Client) error {
			_, err := c.Webhooks.Create(context.Background(), "i1", &WebhookInput{Target: "ftp://x", Triggers: []string{TriggerConversationMessage}})
			return err
		}, "webhook.target", 0, "not an http(s) URL"},
		{"unknown activity", func(c *Client) error {
			return c.Activities.Post(context.Background(), "c1", BusinessAuthor(""), "typing")
		}, "type", 0, `is "typing"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock := newMocked(t)
			rec := answerAll(mock, reply{200, `{}`})
			err := tc.call(c)
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, deskbridge.ErrInvalid) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			if ve.Field != tc.field || ve.Limit != tc.limit || errors.Is(err, ErrOverLimit) != (tc.limit > 0) {
				t.Fatalf("err = %+v, want field %q limit %d", ve, tc.field, tc.limit)
			}
			if !strings.Contains(err.Error(), tc.text) || !strings.Contains(err.Error(), "nothing was sent") {
				t.Fatalf("%q does not contain %q", err, tc.text)
			}
			if n := len(rec.all()); n != 0 {
				t.Fatalf("%d requests sent", n)
			}
		})
	}
}

// TestLimitsAtTheEdge: values at a limit go through.
func TestLimitsAtTheEdge(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	answerAll(mock, reply{201, testdata(t, "message_post_response.json")})
	meta := Metadata{"k": strings.Repeat("x", MaxMetadataBytes-len(`{"k":""}`))}
	if _, err := c.Messages.Post(context.Background(), "c1", &MessagePost{Author: BusinessAuthor(""),
		Content: Text(strings.Repeat("x", MaxTextLength)), Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Messages.Post(context.Background(), "c1", &MessagePost{Author: BusinessAuthor(""),
		Content: Text(strings.Repeat("😀", MaxTextLength/2))}); err != nil {
		t.Fatal(err)
	}
}
