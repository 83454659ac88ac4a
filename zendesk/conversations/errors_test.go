package conversations

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/jarcoal/httpmock"
)

// TestErrors decodes the documented error bodies into *Error with the
// cross-vendor kinds.
func TestErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		file   string
		kind   error
		code   string
		text   string
	}{
		{401, "error_unauthorized.json", deskbridge.ErrUnauthorized, CodeUnauthorized, "401 Unauthorized: unauthorized: Authorization is required"},
		{409, "error_conflict.json", deskbridge.ErrConflict, CodeConflict, "User already exists"},
		{423, "error_locked.json", ErrMessageLimit, CodeLocked, "423 Locked: locked: Message limit of 30000 per conversation reached."},
		{400, "error_bad_request.json", deskbridge.ErrInvalid, CodeBadRequest, "should have required property 'displayName' (and 1 more)"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			c, mock := newMocked(t)
			answerAll(mock, reply{tc.status, testdata(t, tc.file)})
			_, err := c.Messages.Post(context.Background(), "c1", &MessagePost{Author: BusinessAuthor(""), Content: Text("hi")})
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v, want %v", err, tc.kind)
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code || e.StatusCode != tc.status {
				t.Fatalf("err = %#v", err)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("%q does not contain %q", err.Error(), tc.text)
			}
			var api *deskbridge.APIError
			if !errors.As(err, &api) || api.Vendor != "conversations" || api.Method != "POST" {
				t.Fatalf("APIError = %+v", api)
			}
		})
	}
}

// Test423 names the message limit so that a caller can test for it, and
// a POST that got it is not repeated.
func Test423(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := answerAll(mock, reply{423, testdata(t, "error_locked.json")})
	_, err := c.Messages.Post(context.Background(), "c1", &MessagePost{Author: BusinessAuthor(""), Content: Text("hi")})
	if !errors.Is(err, ErrMessageLimit) || errors.Is(err, deskbridge.ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
	if n := len(rec.all()); n != 1 {
		t.Fatalf("%d attempts", n)
	}
}

func TestErrorNotJSON(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t, WithMaxRetries(0))
	answerAll(mock, reply{502, "<html>Bad Gateway</html>"})
	_, err := c.Users.Get(context.Background(), "u1")
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, deskbridge.ErrUnavailable) || e.Message != "<html>Bad Gateway</html>" {
		t.Fatalf("err = %v", err)
	}
}

// TestForbiddenHint: a 403 an integration key gets where the spec says
// it will names the key kind as the cause; an app key's 403 does not.
func TestForbiddenHint(t *testing.T) {
	t.Parallel()
	intKey := WithKey("int_67a1110ef0305f4a391e9f01", testSecret)
	forbidden := reply{403, `{"errors":[{"code":"forbidden","title":"Forbidden"}]}`}
	cases := []struct {
		name string
		key  Option
		call func(*Client) error
		hint string
	}{
		{"switchboards", intKey, func(c *Client) error { _, err := c.Switchboards.List(context.Background()); return err }, "cannot manage switchboards: use an app key"},
		{"switchboard integrations", intKey, func(c *Client) error {
			_, err := c.SwitchboardIntegrations.List(context.Background(), "sb1")
			return err
		}, "cannot manage switchboards"},
		{"integrations", intKey, func(c *Client) error { _, err := c.Integrations.Get(context.Background(), "i1"); return err }, "cannot manage integrations"},
		{"integration keys", intKey, func(c *Client) error { _, err := c.Integrations.ListKeys(context.Background(), "i1"); return err }, "cannot manage integrations"},
		{"app", intKey, func(c *Client) error { _, err := c.Apps.Get(context.Background()); return err }, "cannot read the app"},
		{"acceptControl", intKey, func(c *Client) error { return c.SwitchboardActions.AcceptControl(context.Background(), "c1", nil) }, "only the pending switchboard integration may accept control"},
		{"releaseControl", intKey, func(c *Client) error { return c.SwitchboardActions.ReleaseControl(context.Background(), "c1", nil) }, "only the active switchboard integration may release control"},
		{"webhooks are allowed", intKey, func(c *Client) error { _, err := c.Webhooks.List(context.Background(), "i1"); return err }, ""},
		{"app key", WithKey(testKeyID, testSecret), func(c *Client) error { _, err := c.Switchboards.List(context.Background()); return err }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mock := httpmock.NewMockTransport()
			c, err := NewClient(WithSubdomain("acme"), WithAppID(testApp), tc.key, withMock(mock))
			if err != nil {
				t.Fatal(err)
			}
			answerAll(mock, forbidden)
			err = tc.call(c)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, deskbridge.ErrForbidden) {
				t.Fatalf("err = %v", err)
			}
			if tc.hint == "" {
				if e.Hint != "" {
					t.Fatalf("Hint = %q, want none", e.Hint)
				}
				return
			}
			if !strings.Contains(e.Hint, tc.hint) || !strings.Contains(err.Error(), tc.hint) {
				t.Fatalf("err = %q, want the hint %q", err, tc.hint)
			}
		})
	}
}

// TestGetOrCreate: 404 creates; a 409 from a concurrent create fetches.
func TestGetOrCreate(t *testing.T) {
	t.Parallel()
	user := testdata(t, "user_create_response.json")
	notFound := reply{404, `{"errors":[{"code":"user_not_found","title":"User not found"}]}`}
	in := &UserInput{ExternalID: "dydu-ctx-3f1c"}

	c, mock := newMocked(t)
	rec := answerAll(mock, notFound, reply{201, user})
	u, created, err := c.Users.GetOrCreate(context.Background(), in)
	if err != nil || !created || u.ExternalID != "dydu-ctx-3f1c" {
		t.Fatalf("u = %+v, created = %v, err = %v", u, created, err)
	}
	if r := rec.all(); len(r) != 2 || r[0].Method != "GET" || r[1].Method != "POST" {
		t.Fatalf("requests = %+v", r)
	}

	c, mock = newMocked(t)
	rec = answerAll(mock, notFound, reply{409, testdata(t, "error_conflict.json")}, reply{200, user})
	u, created, err = c.Users.GetOrCreate(context.Background(), in)
	if err != nil || created || u == nil || len(rec.all()) != 3 {
		t.Fatalf("u = %+v, created = %v, err = %v", u, created, err)
	}

	c, mock = newMocked(t)
	answerAll(mock, reply{200, user})
	if _, created, err = c.Users.GetOrCreate(context.Background(), in); err != nil || created {
		t.Fatalf("created = %v, err = %v", created, err)
	}
}

func TestFindNotFound(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	answerAll(mock, reply{200, testdata(t, "switchboard_integrations.json")})
	_, err := c.SwitchboardIntegrations.Find(context.Background(), "sb1", "dydu")
	if !errors.Is(err, deskbridge.ErrNotFound) || !strings.Contains(err.Error(), "zd-agentWorkspace, zd-answerBot") {
		t.Fatalf("err = %v", err)
	}
}

// TestRetries: a read is retried after a 5xx; a posted message is not
// (it may have been posted); a 429 is retried for both.
func TestRetries(t *testing.T) {
	t.Parallel()
	post := func(c *Client) error {
		_, err := c.Messages.Post(context.Background(), "c1", &MessagePost{Author: BusinessAuthor(""), Content: Text("hi")})
		return err
	}
	get := func(c *Client) error { _, err := c.Conversations.Get(context.Background(), "c1"); return err }
	conv := reply{200, testdata(t, "conversation_create_response.json")}
	msgs := reply{201, testdata(t, "message_post_response.json")}
	cases := []struct {
		name     string
		call     func(*Client) error
		replies  []reply
		attempts int
		ok       bool
	}{
		{"get after 500", get, []reply{{500, `{}`}, conv}, 2, true},
		{"post after 500", post, []reply{{500, `{}`}, msgs}, 1, false},
		{"post after 429", post, []reply{{429, `{"errors":[{"code":"too_many_requests","title":"slow down"}]}`}, msgs}, 2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock := newMocked(t)
			rec := answerAll(mock, tc.replies...)
			err := tc.call(c)
			if (err == nil) != tc.ok || len(rec.all()) != tc.attempts {
				t.Fatalf("err = %v after %d attempts", err, len(rec.all()))
			}
		})
	}
}
