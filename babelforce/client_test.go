package babelforce

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
)

func TestNewClientValidates(t *testing.T) {
	t.Parallel()
	tok := WithAccessToken("t0k3n")
	cases := []struct {
		name string
		opts []Option
		want string
	}{
		{"no credentials", nil, "no credentials"},
		{"two credentials", []Option{tok, WithPassword("u", "p")}, "credential options given"},
		{"empty token", []Option{WithAccessToken("  ")}, "access token is empty"},
		{"empty username", []Option{WithPassword("", "p")}, "username and password"},
		{"empty password", []Option{WithPassword("u", "")}, "username and password"},
		{"empty client id", []Option{WithPassword("u", "p", WithClientID(""))}, "client id is empty"},
		{"env with a dot", []Option{tok, WithEnvironment("evil.com")}, "not one DNS label"},
		{"env with a path", []Option{tok, WithEnvironment("evil.com/x")}, "not one DNS label"},
		{"env with a port", []Option{tok, WithEnvironment("acme:8443")}, "not one DNS label"},
		{"env leading hyphen", []Option{tok, WithEnvironment("-acme")}, "not one DNS label"},
		{"env trailing hyphen", []Option{tok, WithEnvironment("acme-")}, "not one DNS label"},
		{"env empty", []Option{tok, WithEnvironment("")}, "not one DNS label"},
		{"env too long", []Option{tok, WithEnvironment(strings.Repeat("a", 64))}, "not one DNS label"},
		{"env user info", []Option{tok, WithEnvironment("a@b")}, "not one DNS label"},
		{"bad base URL", []Option{tok, WithBaseURL("ftp://x")}, "base URL"},
		{"base URL with query", []Option{tok, WithBaseURL("https://x?y=1")}, "base URL"},
		{"nil HTTP client", []Option{tok, WithHTTPClient(nil)}, "HTTP client is nil"},
		{"nil logger", []Option{tok, WithLogger(nil)}, "logger is nil"},
		{"bad user agent", []Option{tok, WithUserAgent("a\nb")}, "user agent"},
		{"negative retries", []Option{tok, WithMaxRetries(-1)}, "max retries"},
		{"zero wait", []Option{tok, WithRetryWaitMax(0)}, "retry wait max"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tc.opts...)
			if err == nil || c != nil {
				t.Fatalf("NewClient = %v, %v; want an error", c, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "babelforce: ") {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestBaseURLs(t *testing.T) {
	t.Parallel()
	tok := WithAccessToken("t0k3n")
	cases := []struct {
		opts []Option
		want string
	}{
		{[]Option{tok}, "https://services.babelforce.com"},
		{[]Option{tok, WithEnvironment("acme")}, "https://acme.babelforce.com"},
		{[]Option{tok, WithEnvironment("US-East")}, "https://us-east.babelforce.com"}, // upper case accepted, lower-cased
		{[]Option{tok, WithEnvironment("a1")}, "https://a1.babelforce.com"},
		{[]Option{tok, WithBaseURL("http://127.0.0.1:9/prefix/")}, "http://127.0.0.1:9/prefix"},
		// WithBaseURL wins over WithEnvironment in either order, as in
		// zendesk and braze.
		{[]Option{tok, WithEnvironment("acme"), WithBaseURL("http://127.0.0.1:9")}, "http://127.0.0.1:9"},
		{[]Option{tok, WithBaseURL("http://127.0.0.1:9"), WithEnvironment("acme")}, "http://127.0.0.1:9"},
		{[]Option{WithBaseURL("http://127.0.0.1:9"), WithEnvironment("acme"), tok, WithEnvironment("other")}, "http://127.0.0.1:9"},
		{[]Option{tok, WithEnvironment("acme"), WithEnvironment("other")}, "https://other.babelforce.com"},
		{[]Option{tok, nil}, "https://services.babelforce.com"},
	}
	for _, tc := range cases {
		c, err := NewClient(tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.BaseURL(); got != tc.want {
			t.Errorf("BaseURL = %q, want %q", got, tc.want)
		}
	}
}

func TestCommonHeadersAndOptions(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil, WithUserAgent("statussync/1.0"), WithRetryWaitMax(time.Millisecond), WithMaxRetries(2))
	mock.RegisterResponder("GET", testBase+"/api/v2/agents/presence/available",
		rec.Wrap(jsonResp(503, `{"success":false,"message":"down"}`).Then(jsonResp(200, `{"items":[],"success":true}`))))
	if _, err := c.Presences.List(t.Context()); err != nil {
		t.Fatal(err)
	}
	calls := rec.All()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2 (a GET is retried after a 503)", len(calls))
	}
	r := calls[1]
	checkCommon(t, r, "Bearer "+staticToken)
	if ua := r.Header.Get("User-Agent"); ua != "statussync/1.0 deskbridge/"+deskbridge.Version {
		t.Errorf("User-Agent = %q", ua)
	}
	if c.RateLimit().Limit != 0 {
		t.Errorf("rate limit reported without headers: %+v", c.RateLimit())
	}
}

func TestRateLimitHeadersRead(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks/configurations/secrets", rec.Wrap(
		jsonResp(200, `[]`).HeaderSet(http.Header{"X-Ratelimit-Limit": {"100"}, "X-Ratelimit-Remaining": {"7"}})))
	if _, err := c.Secrets.ListPrefixes(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rl := c.RateLimit(); rl.Limit != 100 || rl.Remaining != 7 {
		t.Fatalf("RateLimit = %+v", rl)
	}
}

func TestInvalidInputSendsNothing(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, nil)
	ctx := t.Context()
	checks := map[string]error{}
	_, checks["Agents.Get"] = c.Agents.Get(ctx, "")
	_, checks["Agents.Update"] = c.Agents.Update(ctx, "", &AgentUpdate{})
	_, checks["Agents.Update nil"] = c.Agents.Update(ctx, "a", nil)
	_, checks["Agents.Create"] = c.Agents.Create(ctx, &AgentCreate{})
	_, checks["Agents.Create nil"] = c.Agents.Create(ctx, nil)
	checks["Agents.Delete"] = c.Agents.Delete(ctx, " ")
	_, checks["Agents.SetPresence id"] = c.Agents.SetPresence(ctx, "", "busy")
	_, checks["Agents.SetPresence name"] = c.Agents.SetPresence(ctx, "a", "")
	_, checks["Agents.Status"] = c.Agents.Status(ctx, "")
	_, checks["Agents.FindBySourceID"] = c.Agents.FindBySourceID(ctx, "")
	_, checks["Agents.ListPage"] = c.Agents.ListPage(ctx, &AgentListOptions{Page: -1})
	_, checks["Presences.Create"] = c.Presences.Create(ctx, &PresenceCreate{})
	_, checks["Presences.Create nil"] = c.Presences.Create(ctx, nil)
	_, checks["Presences.Create green"] = c.Presences.Create(ctx, &PresenceCreate{Label: "Lunch", Available: true})
	_, checks["Presences.Get"] = c.Presences.Get(ctx, "")
	checks["Presences.Delete"] = c.Presences.Delete(ctx, "")
	_, checks["Tasks.Get"] = c.Tasks.Get(ctx, "")
	_, checks["Tasks.ListPage"] = c.Tasks.ListPage(ctx, &TaskListOptions{PageSize: 101})
	_, checks["Tasks.TriggerZendeskWebhook id"] = c.Tasks.TriggerZendeskWebhook(ctx, "", map[string]any{})
	_, checks["Tasks.TriggerZendeskWebhook body"] = c.Tasks.TriggerZendeskWebhook(ctx, "t", nil)
	_, checks["Secrets.Keys"] = c.Secrets.Keys(ctx, "")
	checks["Secrets.Store prefix"] = c.Secrets.Store(ctx, "", map[string]string{"a": "b"})
	checks["Secrets.Store empty"] = c.Secrets.Store(ctx, "p", nil)
	checks["Secrets.Update key"] = c.Secrets.Update(ctx, "p", map[string]string{"": "b"})
	checks["Secrets.Delete prefix"] = c.Secrets.Delete(ctx, "", "a")
	checks["Secrets.Delete keys"] = c.Secrets.Delete(ctx, "p")
	for name, err := range checks {
		if !errors.Is(err, deskbridge.ErrInvalid) {
			t.Errorf("%s: err = %v, want one matching ErrInvalid", name, err)
		}
	}
	if n := mock.GetTotalCallCount(); n != 0 {
		t.Fatalf("%d requests sent for refused input", n)
	}
}
