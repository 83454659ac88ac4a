package babelforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/jarcoal/httpmock"
)

const (
	testUser     = "manager@acme.test"
	testPassword = "s3cret-Passw0rd!"
)

func tokenJSON(tok string, expiresIn int) string {
	if expiresIn == 0 {
		return `{"access_token":"` + tok + `","token_type":"bearer"}`
	}
	return `{"access_token":"` + tok + `","token_type":"bearer","expires_in":` + strconv.Itoa(expiresIn) + `}`
}

func TestPasswordGrantForm(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, WithPassword(testUser, testPassword))
	mock.RegisterResponder("POST", testBase+"/oauth/token", rec.Wrap(jsonResp(200, fixture(t, "token_response.json"))))
	mock.RegisterResponder("GET", testBase+"/api/v2/agents/presence/available", rec.Wrap(jsonResp(200, `{"items":[]}`)))
	if _, err := c.Presences.List(t.Context()); err != nil {
		t.Fatal(err)
	}
	calls := rec.All()
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	tok := calls[0]
	if tok.Method != "POST" || tok.Path != "/oauth/token" || tok.RawQuery != "" {
		t.Fatalf("token request %s %s?%s", tok.Method, tok.Path, tok.RawQuery)
	}
	if ct := tok.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	if h := tok.Header.Get("Authorization"); h != "" {
		t.Errorf("the token request carries Authorization %q", h)
	}
	want := "client_id=manager&grant_type=password&password=" + url.QueryEscape(testPassword) + "&username=" + url.QueryEscape(testUser)
	if tok.Body != want {
		t.Errorf("form = %q\nwant   %q", tok.Body, want)
	}
	checkCommon(t, calls[1], "Bearer tok")
}

func TestPasswordGrantOptions(t *testing.T) {
	t.Parallel()
	ft := testkit.NewClock()
	c, mock, rec := newMocked(t, WithPassword(testUser, testPassword, WithClientID("babelconnect"), WithNonExpiringToken(), nil), withClock(ft))
	mock.RegisterResponder("POST", testBase+"/oauth/token", rec.Wrap(jsonResp(200, tokenJSON("forever", 0))))
	got, err := c.AccessToken(t.Context())
	if err != nil || got != "forever" {
		t.Fatalf("AccessToken = %q, %v", got, err)
	}
	form, _ := url.ParseQuery(rec.Last(t).Body)
	if form.Get("client_id") != "babelconnect" || form.Get("expires_in") != "-1" {
		t.Fatalf("form = %v", form)
	}
	// Cached, and never expires: asking again, a year later, sends nothing.
	ft.Advance(365 * 24 * time.Hour)
	if got, err := c.AccessToken(t.Context()); err != nil || got != "forever" || mock.GetTotalCallCount() != 1 {
		t.Fatalf("second AccessToken: %q, %v, %d calls", got, err, mock.GetTotalCallCount())
	}
}

// TestTokenLifetime: a token response without expires_in lasts 3600 s, as
// babelforce's Go SDK assumes, unless a non-expiring token was asked for;
// expires_in wins over both. A token is renewed 60 s before it expires.
func TestTokenLifetime(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		opts      []PasswordOption
		expiresIn int
		lifetime  time.Duration
	}{
		{"no expires_in", nil, 0, time.Hour},
		{"expires_in wins over the default", nil, 600, 600 * time.Second},
		{"expires_in wins over non-expiring", []PasswordOption{WithNonExpiringToken()}, 120, 120 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ft := testkit.NewClock()
			c, mock, _ := newMocked(t, WithPassword(testUser, testPassword, tc.opts...), withClock(ft))
			mock.RegisterResponder("POST", testBase+"/oauth/token", numberedTokens(new(atomic.Int32), tc.expiresIn))
			token := func() string { return mustToken(t, c.AccessToken) }
			token()
			ft.Advance(tc.lifetime - 61*time.Second)
			if got := token(); got != "t1" {
				t.Fatalf("%s after the token came, before the 60 s margin: %s", tc.lifetime-61*time.Second, got)
			}
			ft.Advance(2 * time.Second)
			if got := token(); got != "t2" {
				t.Fatalf("%s after the token came, inside the 60 s margin: %s", tc.lifetime-59*time.Second, got)
			}
		})
	}
}

func TestTokenRenewedWhenExpiring(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, WithPassword(testUser, testPassword))
	// A token valid for 45 s is inside the 60 s early-expiry margin (the
	// zendesk client's): every call needs a new one.
	mock.RegisterResponder("POST", testBase+"/oauth/token", jsonResp(200, tokenJSON("short", 45)))
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks/configurations/secrets", jsonResp(200, `[]`))
	for range 3 {
		if _, err := c.Secrets.ListPrefixes(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n := mock.GetCallCountInfo()["POST "+testBase+"/oauth/token"]; n != 3 {
		t.Fatalf("%d token requests, want 3", n)
	}
	// A token valid for 90 s is reused.
	c2, mock2, _ := newMocked(t, WithPassword(testUser, testPassword))
	mock2.RegisterResponder("POST", testBase+"/oauth/token", jsonResp(200, tokenJSON("long", 90)))
	mock2.RegisterResponder("GET", testBase+"/api/v3/tasks/configurations/secrets", jsonResp(200, `[]`))
	for range 3 {
		if _, err := c2.Secrets.ListPrefixes(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n := mock2.GetCallCountInfo()["POST "+testBase+"/oauth/token"]; n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}

func TestConcurrentCallsShareOneToken(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, WithPassword(testUser, testPassword))
	mock.RegisterResponder("POST", testBase+"/oauth/token", jsonResp(200, tokenJSON("shared", 3600)).Delay(20*time.Millisecond))
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks/configurations/secrets", func(req *http.Request) (*http.Response, error) {
		if req.Header.Get("Authorization") != "Bearer shared" {
			return httpmock.NewStringResponse(401, `{"error":"invalid_token"}`), nil
		}
		return httpmock.NewStringResponse(200, `["zendesk"]`), nil
	})
	concurrently(t, 50, func() error {
		_, err := c.Secrets.ListPrefixes(t.Context())
		return err
	})
	info := mock.GetCallCountInfo()
	if n := info["POST "+testBase+"/oauth/token"]; n != 1 {
		t.Fatalf("%d token requests for 50 concurrent calls, want 1", n)
	}
	if n := info["GET "+testBase+"/api/v3/tasks/configurations/secrets"]; n != 50 {
		t.Fatalf("%d API calls, want 50", n)
	}
}

func TestUnauthorizedDropsTokenOnce(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, WithPassword(testUser, testPassword))
	mock.RegisterResponder("POST", testBase+"/oauth/token",
		jsonResp(200, tokenJSON("revoked", 0)).Then(jsonResp(200, tokenJSON("fresh", 0))))
	mock.RegisterResponder("POST", testBase+"/api/v2/agents", rec.Wrap(func(req *http.Request) (*http.Response, error) {
		if req.Header.Get("Authorization") != "Bearer fresh" {
			return jsonResp(401, `{"error":"invalid_token","error_description":"Invalid access token: revoked"}`)(req)
		}
		return jsonResp(201, `{"item":{"id":"a1","name":"Ann"},"success":true}`)(req)
	}))
	a, err := c.Agents.Create(t.Context(), &AgentCreate{Name: "Ann"})
	if err != nil || a.ID != "a1" {
		t.Fatalf("Create = %+v, %v", a, err)
	}
	calls := rec.All()
	if len(calls) != 2 || calls[0].Body != calls[1].Body {
		t.Fatalf("calls = %+v; want the POST sent twice, the same", calls)
	}
	if n := mock.GetCallCountInfo()["POST "+testBase+"/oauth/token"]; n != 2 {
		t.Fatalf("%d token requests, want 2", n)
	}

	// A 401 that persists is returned after one retry.
	c2, mock2, rec2 := newMocked(t, WithPassword(testUser, testPassword))
	mock2.RegisterResponder("POST", testBase+"/oauth/token", jsonResp(200, tokenJSON("t", 0)))
	mock2.RegisterResponder("GET", testBase+"/api/v2/agents/x", rec2.Wrap(jsonResp(401, `{"error":"invalid_token"}`)))
	_, err = c2.Agents.Get(t.Context(), "x")
	var e *Error
	if !errors.Is(err, deskbridge.ErrUnauthorized) || !errors.As(err, &e) || e.Code != "invalid_token" {
		t.Fatalf("err = %v", err)
	}
	if len(rec2.All()) != 2 {
		t.Fatalf("%d calls, want 2", len(rec2.All()))
	}
	// With a static token, a 401 is returned at once.
	c3, mock3, rec3 := newMocked(t, nil)
	mock3.RegisterResponder("GET", testBase+"/api/v2/agents/x", rec3.Wrap(jsonResp(401, `{"error":"invalid_token"}`)))
	if _, err := c3.Agents.Get(t.Context(), "x"); !errors.Is(err, deskbridge.ErrUnauthorized) || len(rec3.All()) != 1 {
		t.Fatalf("static token: err = %v, %d calls", err, len(rec3.All()))
	}
}

func TestBadCredentials(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, WithPassword(testUser, testPassword), WithMaxRetries(3))
	mock.RegisterResponder("POST", testBase+"/oauth/token", jsonResp(400, fixture(t, "oauth_error.json")))
	_, err := c.Agents.Get(t.Context(), "a1")
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 400 || e.Code != "invalid_grant" || e.Message != "Bad credentials" {
		t.Fatalf("err = %#v", err)
	}
	if !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Errorf("bad credentials do not match ErrUnauthorized: %v", err)
	}
	if errors.Is(err, deskbridge.ErrUnavailable) {
		t.Errorf("bad credentials match ErrUnavailable: %v", err)
	}
	want := "babelforce: GET /api/v2/agents/a1: authenticating: babelforce: POST /oauth/token: 400 Bad Request: invalid_grant: Bad credentials"
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	info := mock.GetCallCountInfo()
	if info["POST "+testBase+"/oauth/token"] != 1 || mock.GetTotalCallCount() != 1 {
		t.Fatalf("calls = %v; want one token request and no API call", info)
	}
	// AccessToken reports the same error.
	if _, err := c.AccessToken(t.Context()); !errors.As(err, &e) || e.Code != "invalid_grant" {
		t.Fatalf("AccessToken err = %v", err)
	}
}

func TestAccessToken(t *testing.T) {
	t.Parallel()
	c, _, _ := newMocked(t, nil)
	if tok, err := c.AccessToken(t.Context()); tok != staticToken || err != nil {
		t.Fatalf("static AccessToken = %q, %v", tok, err)
	}
	c2, mock, _ := newMocked(t, WithPassword(testUser, testPassword))
	mock.RegisterResponder("POST", testBase+"/oauth/token", jsonResp(200, tokenJSON("slow", 3600)).Delay(time.Second))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := c2.AccessToken(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("AccessToken with an ended context: %v", err)
	}
	c3, mock3, _ := newMocked(t, WithPassword(testUser, testPassword))
	mock3.RegisterResponder("POST", testBase+"/oauth/token", jsonResp(200, `{"token_type":"bearer"}`))
	if _, err := c3.AccessToken(t.Context()); err == nil || !strings.Contains(err.Error(), "no access_token") {
		t.Fatalf("token response without a token: %v", err)
	}
}

func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	var logs testkit.Logs
	c, mock, _ := newMocked(t, WithPassword(testUser, testPassword), WithLogger(logs.Logger()))
	const token = "tok-abcdef-0123456789"
	mock.RegisterResponder("POST", testBase+"/oauth/token", jsonResp(200, tokenJSON(token, 3600)))
	// The API echoes the credentials back in its error body.
	mock.RegisterResponder("GET", testBase+"/api/v2/agents/a1", jsonResp(500,
		`{"success":false,"message":"boom for `+testUser+` with `+testPassword+` and Bearer `+token+`"}`))
	_, err := c.Agents.Get(t.Context(), "a1")
	if err == nil {
		t.Fatal("want an error")
	}
	// A token endpoint that echoes the password.
	c2, mock2, _ := newMocked(t, WithPassword(testUser, testPassword), WithLogger(logs.Logger()))
	mock2.RegisterResponder("POST", testBase+"/oauth/token", jsonResp(400, `{"error":"invalid_grant","error_description":"wrong password `+testPassword+`"}`))
	_, err2 := c2.Agents.Get(t.Context(), "a1")
	// A static token echoed.
	c3, mock3, _ := newMocked(t, WithAccessToken(token), WithLogger(logs.Logger()))
	mock3.RegisterResponder("GET", testBase+"/api/v2/agents/a1", jsonResp(401, `{"error":"invalid_token","error_description":"`+token+` is not valid"}`))
	_, err3 := c3.Agents.Get(t.Context(), "a1")

	out := logs.String()
	if !strings.Contains(out, "deskbridge http attempt") {
		t.Fatalf("no debug log was written: %q", out)
	}
	for _, s := range []string{err.Error(), err2.Error(), err3.Error(), out} {
		for _, secret := range []string{testPassword, token} {
			if strings.Contains(s, secret) {
				t.Errorf("secret %q leaked in %q", secret, s)
			}
		}
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("err = %q; want the echoed credentials redacted", err)
	}
}

// TestJSONEscapedTokenEchoScrubbed: a v3 error body that echoes the access
// token with one letter JSON-escaped in error_detail ("\u0061" for "a",
// valid JSON that decodes to the token itself) shows the token neither in
// err.Error() nor in [Error.Detail] nor in the debug log, whether the token
// came from the password grant or was given with [WithAccessToken]. The
// raw token does not occur in the body, so the credentials must be looked
// for in the decoded text before babelforce decodes the members it keeps.
func TestJSONEscapedTokenEchoScrubbed(t *testing.T) {
	t.Parallel()
	// The token is one run of letters and digits (hex, like babelforce's
	// ids), so with its first letter escaped the body holds neither the
	// token nor any whole run of it as sent. (A token with a longer run
	// elsewhere, "tok-abcdef-0123456789" with its "a" escaped, was already
	// caught by a scrub that looked for its longest run as sent.)
	const token = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
	escaped := `\u0061` + token[1:]
	var decoded string
	if err := json.Unmarshal([]byte(`"`+escaped+`"`), &decoded); err != nil || decoded != token || strings.Contains(escaped, token) {
		t.Fatalf("the echo %q must decode to the token and not contain it raw (decodes to %q, %v)", escaped, decoded, err)
	}
	const tail = " is not allowed to run this template"
	body := `{"error_message":"Bad Request","error_detail":"bearer ` + escaped + tail + `"}`
	for name, creds := range map[string]Option{
		"password grant": WithPassword(testUser, testPassword),
		"static token":   WithAccessToken(token),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs testkit.Logs
			c, mock, _ := newMocked(t, creds, WithLogger(logs.Logger()))
			mock.RegisterResponder("POST", testBase+"/oauth/token", jsonResp(200, tokenJSON(token, 3600)))
			mock.RegisterResponder("POST", testBase+"/api/v1/webhook/zendesk", jsonResp(400, body))
			_, err := c.Tasks.TriggerZendeskWebhook(t.Context(), StatusSyncTemplate, map[string]any{"event": map[string]string{"new_state": "online"}})
			var e *Error
			if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest || e.Message != "Bad Request" {
				t.Fatalf("err = %v", err)
			}
			for what, s := range map[string]string{"err.Error()": err.Error(), "Detail": e.Detail, "the debug log": logs.String()} {
				if strings.Contains(s, token) || strings.Contains(s, escaped) {
					t.Errorf("the token is in %s: %q", what, s)
				}
			}
			if e.Detail != "bearer [redacted]"+tail {
				t.Errorf("Detail = %q, want the token redacted and the rest kept", e.Detail)
			}
		})
	}
}

// TestPasswordGrantEchoScrubbed: a token endpoint that echoes the form it
// received, as it was sent (form-encoded) and decoded, in its 400 answer
// leaves the password in no spelling in the error or the debug log. The
// password has characters that form encoding changes (a space, "/", "+",
// "&", "%"), so its form spelling differs from its raw one.
func TestPasswordGrantEchoScrubbed(t *testing.T) {
	t.Parallel()
	const password = "Pa ss/w0rd+&100%-sure"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(raw))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		// The raw form, its password decoded, and the password URL-encoded
		// again, as a server that quotes what it parsed may.
		body, _ := json.Marshal(map[string]string{
			"error":             "invalid_request",
			"error_description": "cannot parse " + string(raw),
			"message":           "password was " + form.Get("password"),
			"error_detail":      "query password=" + url.QueryEscape(form.Get("password")) + " path " + url.PathEscape(form.Get("password")),
		})
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	var logs testkit.Logs
	c, err := NewClient(WithBaseURL(srv.URL), WithPassword(testUser, password), WithLogger(logs.Logger()), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Agents.Get(t.Context(), "a1")
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest || e.Code != "invalid_request" {
		t.Fatalf("err = %v", err)
	}
	_, tokErr := c.AccessToken(t.Context())
	out := logs.String()
	if !strings.Contains(out, `"path":"/oauth/token"`) {
		t.Fatalf("the token request was not logged: %s", out)
	}
	spellings := []string{password, url.QueryEscape(password), url.PathEscape(password)}
	for _, s := range []string{err.Error(), e.Message, e.Detail, fmt.Sprint(tokErr), out} {
		for _, sp := range spellings {
			if strings.Contains(s, sp) {
				t.Errorf("the password, spelt %q, is in %q", sp, s)
			}
		}
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("err = %q; want the echoed password redacted", err)
	}
}

func TestTokenAuthInvalidate(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, WithPassword(testUser, testPassword))
	var n atomic.Int32
	mock.RegisterResponder("POST", testBase+"/oauth/token", numberedTokens(&n, 3600))
	a := c.tokens
	var _ rest.Reauthenticator = a
	token := func() string { return mustToken(t, a.Token) }
	if got := token(); got != "t1" {
		t.Fatal(got)
	}
	sent := func(tok string) *http.Request {
		return &http.Request{Header: http.Header{"Authorization": {"Bearer " + tok}}}
	}

	// A 401 to t1 drops it: the next attempt fetches t2.
	a.Invalidate(sent("t1"))
	// Another 401 to t1 (a concurrent call) before t2 is fetched, and one
	// after: neither drops the cache again.
	a.Invalidate(sent("t1"))
	if got := token(); got != "t2" {
		t.Fatal(got)
	}
	a.Invalidate(sent("t1"))
	if got := token(); got != "t2" || n.Load() != 2 {
		t.Fatalf("token %s after %d fetches; a 401 to an older token must not drop t2", got, n.Load())
	}
	// A 401 to t2 drops it.
	a.Invalidate(sent("t2"))
	if got := token(); got != "t3" {
		t.Fatal(got)
	}
}

// TestConcurrentUnauthorizedFetchOneToken: when the shared token is
// revoked, the calls that all get a 401 fetch one new token between them
// and none of them fails.
func TestConcurrentUnauthorizedFetchOneToken(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, WithPassword(testUser, testPassword))
	mock.RegisterResponder("POST", testBase+"/oauth/token",
		jsonResp(200, tokenJSON("revoked", 3600)).Then(jsonResp(200, tokenJSON("fresh", 3600)).Delay(10*time.Millisecond)))
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks/configurations/secrets", func(req *http.Request) (*http.Response, error) {
		if req.Header.Get("Authorization") != "Bearer fresh" {
			return jsonResp(401, `{"error":"invalid_token"}`)(req)
		}
		return jsonResp(200, `[]`)(req)
	})
	if _, err := c.AccessToken(t.Context()); err != nil { // caches "revoked"
		t.Fatal(err)
	}
	concurrently(t, 20, func() error {
		_, err := c.Secrets.ListPrefixes(t.Context())
		return err
	})
	if n := mock.GetCallCountInfo()["POST "+testBase+"/oauth/token"]; n != 2 {
		t.Fatalf("%d token requests, want 2 (the revoked one and one fresh for all)", n)
	}
}

// TestTokenFetchTimeout: one token fetch, retries included, is bounded by
// 30 s, as in the zendesk client, whatever the caller's context.
func TestTokenFetchTimeout(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, WithPassword(testUser, testPassword))
	var left time.Duration
	mock.RegisterResponder("POST", testBase+"/oauth/token", func(req *http.Request) (*http.Response, error) {
		if deadline, ok := req.Context().Deadline(); ok {
			left = time.Until(deadline)
		}
		return jsonResp(200, tokenJSON("t", 3600))(req)
	})
	if _, err := c.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if left <= 25*time.Second || left > 30*time.Second {
		t.Fatalf("the token request had %s left, want at most 30 s", left)
	}
}

// TestSlowTokenEndpoint: against a token endpoint that hangs, calls with
// short deadlines, API calls and AccessToken alike, return at their
// deadline; the fetch they all waited for is cancelled when the last of
// them has gone, so nothing of the client runs on behind them, and no two
// token requests are ever in flight at once. Once the endpoint answers,
// the next call fetches a token and goes through. (The hand-written cache
// this client had before let the fetch run on, 30 s, after its callers
// had gone.)
func TestSlowTokenEndpoint(t *testing.T) {
	// Not parallel: it counts the goroutines of the HTTP core.
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	var tokenRequests, inFlight, overlap atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/oauth/token":
			tokenRequests.Add(1)
			// A request that the client has abandoned may take the server
			// a moment to notice: give the previous one that long.
			for deadline := time.Now().Add(time.Second); inFlight.Load() > 0 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			if inFlight.Add(1) > 1 {
				overlap.Add(1)
			}
			defer inFlight.Add(-1)
			select {
			case <-release:
				io.WriteString(w, tokenJSON("slow", 3600))
			case <-r.Context().Done():
			}
		case "/api/v3/tasks/configurations/secrets":
			if r.Header.Get("Authorization") != "Bearer slow" {
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"error":"invalid_token"}`)
				return
			}
			io.WriteString(w, `["zendesk"]`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(unblock) // runs before srv.Close, which waits for the handler
	c, err := NewClient(WithBaseURL(srv.URL), WithPassword(testUser, testPassword))
	if err != nil {
		t.Fatal(err)
	}

	short := func(call func(ctx context.Context) error) error {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := call(ctx)
		switch {
		case !errors.Is(err, context.DeadlineExceeded):
			return fmt.Errorf("err = %v, want the context's deadline", err)
		case errors.Is(err, deskbridge.ErrUnavailable):
			return fmt.Errorf("err = %v matches ErrUnavailable; the caller's deadline ended it", err)
		case time.Since(start) > 2*time.Second:
			return fmt.Errorf("returned after %s, past its 50 ms deadline", time.Since(start))
		}
		return nil
	}
	concurrently(t, 50, func() error {
		return short(func(ctx context.Context) error {
			_, err := c.Secrets.ListPrefixes(ctx)
			return err
		})
	})
	if err := short(func(ctx context.Context) error {
		_, err := c.AccessToken(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// An ended context fetches nothing.
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	before := tokenRequests.Load()
	if _, err := c.AccessToken(ended); !errors.Is(err, context.Canceled) {
		t.Fatalf("AccessToken with an ended context: %v", err)
	}
	testkit.WaitGoroutines(t, "deskbridge/internal/rest.", 0, 5*time.Second)
	if n := tokenRequests.Load(); n != before || n < 1 || n > 2 {
		t.Fatalf("%d token requests (%d before the ended context): want one for the 50 calls, perhaps one for AccessToken", n, before)
	}

	unblock()
	prefixes, err := c.Secrets.ListPrefixes(t.Context())
	if err != nil || len(prefixes) != 1 {
		t.Fatalf("after the endpoint came back: %v, %v", prefixes, err)
	}
	if tok, err := c.AccessToken(t.Context()); err != nil || tok != "slow" {
		t.Fatalf("AccessToken = %q, %v", tok, err)
	}
	if n := overlap.Load(); n != 0 {
		t.Fatalf("%d token requests overlapped another", n)
	}
}
