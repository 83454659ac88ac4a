package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

func noStore(context.Context, Token) error { return nil }

func slogJSON(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// tokenEndpoint answers POST /oauth/tokens with the given responses in
// order (the last repeats) and records each request.
type tokenEndpoint struct {
	mu     sync.Mutex
	bodies []string
	auth   []string
	calls  atomic.Int32
}

func (te *tokenEndpoint) register(f *fake, replies ...func(body string) (int, string)) {
	f.mock.RegisterResponder("POST", testBase+"/oauth/tokens", func(req *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(req.Body)
		n := int(te.calls.Add(1))
		te.mu.Lock()
		te.bodies = append(te.bodies, string(b))
		te.auth = append(te.auth, req.Header.Get("Authorization")+"|"+req.Header.Get("Content-Type"))
		te.mu.Unlock()
		code, body := replies[min(n, len(replies))-1](string(b))
		resp := httpmock.NewStringResponse(code, body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})
}

// tokenFake starts a parallel test with a fake whose token endpoint gives
// replies in turn (the last one again once they run out).
func tokenFake(t *testing.T, replies ...func(body string) (int, string)) (*fake, *tokenEndpoint) {
	t.Helper()
	t.Parallel()
	f := newFake(t)
	te := &tokenEndpoint{}
	te.register(f, replies...)
	return f, te
}

func (te *tokenEndpoint) requests() (bodies, auth []string) {
	te.mu.Lock()
	defer te.mu.Unlock()
	return append([]string(nil), te.bodies...), append([]string(nil), te.auth...)
}

func tokenReply(access, refresh string, expiresIn int) func(string) (int, string) {
	return func(string) (int, string) {
		body := fmt.Sprintf(`{"access_token":%q,"token_type":"bearer","scope":"read write","expires_in":%d`, access, expiresIn)
		if refresh != "" {
			body += fmt.Sprintf(`,"refresh_token":%q,"refresh_token_expires_in":2592000`, refresh)
		}
		return 200, body + "}"
	}
}

// apiEcho answers GET /api/v2/tickets/1 and records the Authorization of
// each request.
func apiEcho(f *fake) *[]string {
	var mu sync.Mutex
	var seen []string
	f.mock.RegisterResponder("GET", testBase+"/api/v2/tickets/1", func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		seen = append(seen, req.Header.Get("Authorization"))
		mu.Unlock()
		return httpmock.NewStringResponse(200, `{"ticket":{"id":1}}`), nil
	})
	return &seen
}

// getConcurrently makes n concurrent Tickets.Get calls on c and waits for
// them; each must succeed.
func getConcurrently(t *testing.T, c *Client, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// sentBearer fails unless every API call apiEcho saw carried the bearer
// token.
func sentBearer(t *testing.T, seen *[]string, token string) {
	t.Helper()
	for _, a := range *seen {
		if a != "Bearer "+token {
			t.Fatalf("Authorization = %q, want Bearer %s", a, token)
		}
	}
}

func TestClientCredentialsOneTokenRequestFor50ConcurrentCalls(t *testing.T) {
	f, te := tokenFake(t, tokenReply("cc-access-1", "", 7200))
	seen := apiEcho(f)
	c := f.client(WithOAuthClientCredentials("zd-client", "cc-secret-xyz"))

	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := te.calls.Load(); n != 1 {
		t.Fatalf("token requests = %d, want 1", n)
	}
	bodies, auth := te.requests()
	if bodies[0] != `{"grant_type":"client_credentials","client_id":"zd-client","client_secret":"cc-secret-xyz","scope":"read write"}` {
		t.Fatalf("token body = %s", bodies[0])
	}
	if auth[0] != "|application/json" {
		t.Fatalf("token request Authorization|Content-Type = %q: no credentials go to the token endpoint", auth[0])
	}
	if len(*seen) != 50 {
		t.Fatalf("API calls = %d", len(*seen))
	}
	sentBearer(t, seen, "cc-access-1")
}

func TestClientCredentialsRenewedBeforeExpiry(t *testing.T) {
	// expires_in 30 s is inside the 60 s early-expiry window: the token is
	// renewed for the next call, without waiting.
	f, te := tokenFake(t, tokenReply("short-lived", "", 30), tokenReply("long-lived", "", 7200))
	seen := apiEcho(f)
	c := f.client(WithOAuthClientCredentials("zd-client", "cc-secret-xyz", "tickets:read", "users:write"))
	for range 3 {
		if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if n := te.calls.Load(); n != 2 {
		t.Fatalf("token requests = %d, want 2", n)
	}
	want := []string{"Bearer short-lived", "Bearer long-lived", "Bearer long-lived"}
	if fmt.Sprint(*seen) != fmt.Sprint(want) {
		t.Fatalf("Authorization = %v, want %v", *seen, want)
	}
	bodies, _ := te.requests()
	if !strings.Contains(bodies[1], `"scope":"tickets:read users:write"`) {
		t.Fatalf("scope: %s", bodies[1])
	}
}

func TestClientCredentialsTokenRefused(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var te tokenEndpoint
	te.register(f, func(body string) (int, string) {
		// A careless endpoint echoes what it received.
		return 401, `{"error":"invalid_client","error_description":"Client authentication failed: ` + strings.ReplaceAll(body, `"`, `'`) + `"}`
	})
	seen := apiEcho(f)
	var logs bytes.Buffer
	c := f.client(WithOAuthClientCredentials("zd-client", "cc-secret-xyz"), WithLogger(slogJSON(&logs)))
	_, err := c.Tickets.Get(t.Context(), 1)
	if !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	var zerr *Error
	if !errors.As(err, &zerr) || zerr.Code != "invalid_client" || zerr.Path != "/oauth/tokens" {
		t.Fatalf("zerr = %+v", zerr)
	}
	if len(*seen) != 0 {
		t.Fatal("the API call was sent without a token")
	}
	for _, s := range []string{err.Error(), zerr.Message, logs.String()} {
		if strings.Contains(s, "cc-secret-xyz") {
			t.Fatalf("client secret leaked: %s", s)
		}
	}
}

func TestTokenSource(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	seen := apiEcho(f)
	var n atomic.Int32
	src := tokenSourceFunc(func() (*oauth2.Token, error) {
		n.Add(1)
		return &oauth2.Token{AccessToken: "ts-token", Expiry: time.Now().Add(time.Hour)}, nil
	})
	c := f.client(WithTokenSource(src))
	for range 3 {
		if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() != 1 || (*seen)[2] != "Bearer ts-token" {
		t.Fatalf("source calls = %d, auth = %v", n.Load(), *seen)
	}
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }

// rotations records what onRotate received.
type rotations struct {
	mu   sync.Mutex
	got  []Token
	fail error
}

func (r *rotations) store(_ context.Context, t Token) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, t)
	if r.fail != nil {
		return fmt.Errorf("writing refresh token %s: %w", t.RefreshToken, r.fail)
	}
	return nil
}

func (r *rotations) tokens() []Token {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Token(nil), r.got...)
}

func TestRefreshTokenRotationReachesCallback(t *testing.T) {
	f, te := tokenFake(t, tokenReply("at-2", "rt-2", 7200))
	seen := apiEcho(f)
	var rot rotations
	start := time.Now()
	c := f.client(WithOAuthRefreshToken("zd-client", "rt-secret", Token{RefreshToken: "rt-1"}, rot.store))

	getConcurrently(t, c, 50)
	if n := te.calls.Load(); n != 1 {
		t.Fatalf("token requests = %d, want 1", n)
	}
	bodies, auth := te.requests()
	if bodies[0] != `{"grant_type":"refresh_token","client_id":"zd-client","client_secret":"rt-secret","refresh_token":"rt-1"}` {
		t.Fatalf("refresh body = %s", bodies[0])
	}
	if auth[0] != "|application/json" {
		t.Fatalf("token request Authorization|Content-Type = %q", auth[0])
	}
	got := rot.tokens()
	if len(got) != 1 || got[0].AccessToken != "at-2" || got[0].RefreshToken != "rt-2" || got[0].Scope != "read write" {
		t.Fatalf("rotations = %+v", got)
	}
	if d := got[0].Expiry.Sub(start); d < 2*time.Hour-time.Minute || d > 2*time.Hour+time.Minute {
		t.Fatalf("expiry in %s, want ~2h", d)
	}
	if d := got[0].RefreshTokenExpiry.Sub(start); d < 29*24*time.Hour {
		t.Fatalf("refresh token expiry in %s", d)
	}
	sentBearer(t, seen, "at-2")
}

func TestRefreshTokenRenewedNearExpiryAndChained(t *testing.T) {
	// at-2 lives 30 s: inside the early-expiry window, so the next call
	// refreshes again, with the refresh token the first refresh returned.
	f, te := tokenFake(t, tokenReply("at-2", "rt-2", 30), tokenReply("at-3", "rt-3", 7200))
	seen := apiEcho(f)
	var rot rotations
	current := Token{AccessToken: "at-1", RefreshToken: "rt-1", Expiry: time.Now().Add(30 * time.Second)}
	c := f.client(WithOAuthRefreshToken("zd-client", "rt-secret", current, rot.store))
	for range 3 {
		if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
	}
	bodies, _ := te.requests()
	if len(bodies) != 2 || !strings.Contains(bodies[0], `"refresh_token":"rt-1"`) || !strings.Contains(bodies[1], `"refresh_token":"rt-2"`) {
		t.Fatalf("refreshes = %v", bodies)
	}
	if got := rot.tokens(); len(got) != 2 || got[0].RefreshToken != "rt-2" || got[1].RefreshToken != "rt-3" {
		t.Fatalf("rotations in order = %+v", got)
	}
	if want := "[Bearer at-2 Bearer at-3 Bearer at-3]"; fmt.Sprint(*seen) != want {
		t.Fatalf("Authorization = %v, want %s", *seen, want)
	}
}

func TestRefreshTokenValidAccessTokenIsUsedAsIs(t *testing.T) {
	f, te := tokenFake(t, tokenReply("never", "never", 7200))
	seen := apiEcho(f)
	current := Token{AccessToken: "at-1", RefreshToken: "rt-1", Expiry: time.Now().Add(time.Hour)}
	c := f.client(WithOAuthRefreshToken("zd-client", "rt-secret", current, noStore))
	if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if te.calls.Load() != 0 || (*seen)[0] != "Bearer at-1" {
		t.Fatalf("token calls = %d, auth = %v", te.calls.Load(), *seen)
	}
}

func TestRefreshWithoutRotationKeepsOldRefreshToken(t *testing.T) {
	f, te := tokenFake(t, tokenReply("at-2", "", 30), tokenReply("at-3", "", 7200))
	apiEcho(f)
	var rot rotations
	c := f.client(WithOAuthRefreshToken("zd-client", "rt-secret", Token{RefreshToken: "rt-1"}, rot.store))
	for range 2 {
		if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
	}
	bodies, _ := te.requests()
	if !strings.Contains(bodies[1], `"refresh_token":"rt-1"`) || rot.tokens()[0].RefreshToken != "rt-1" {
		t.Fatalf("bodies = %v, rotations = %+v", bodies, rot.tokens())
	}
}

func TestRefreshCallbackFailureIsNotSilent(t *testing.T) {
	f, te := tokenFake(t, tokenReply("at-2-secret-access", "rt-2-secret-refresh", 7200))
	seen := apiEcho(f)
	diskFull := errors.New("disk full")
	rot := rotations{fail: diskFull}
	var logs bytes.Buffer
	c := f.client(WithOAuthRefreshToken("zd-client", "rt-secret", Token{RefreshToken: "rt-1-secret-refresh"}, rot.store),
		WithLogger(slogJSON(&logs)))

	_, err := c.Tickets.Get(t.Context(), 1)
	if !errors.Is(err, ErrRefreshTokenNotStored) || !errors.Is(err, diskFull) {
		t.Fatalf("err = %v, want ErrRefreshTokenNotStored wrapping the callback's error", err)
	}
	if !strings.Contains(err.Error(), "could not be stored") || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %q", err)
	}
	if errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatal("a storage failure is not Zendesk being unavailable")
	}
	if len(*seen) != 0 {
		t.Fatal("the triggering request was sent")
	}
	if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), "not stored") {
		t.Fatalf("no error log: %s", logs.String())
	}
	for _, s := range []string{err.Error(), logs.String()} {
		for _, secret := range []string{"at-2-secret-access", "rt-2-secret-refresh", "rt-1-secret-refresh", "rt-secret\""} {
			if strings.Contains(s, secret) {
				t.Fatalf("%s leaked in %s", secret, s)
			}
		}
	}
	// The new pair is kept in memory: the process keeps working, without
	// another refresh (which the lost rotation would make impossible).
	if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if te.calls.Load() != 1 || (*seen)[0] != "Bearer at-2-secret-access" {
		t.Fatalf("token calls = %d, auth = %v", te.calls.Load(), *seen)
	}
}

func TestRefreshRefusedIsReturned(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var te tokenEndpoint
	te.register(f, func(body string) (int, string) {
		return 400, `{"error":"invalid_grant","error_description":"The refresh token rt-1-secret-refresh is invalid"}`
	})
	apiEcho(f)
	c := f.client(WithOAuthRefreshToken("zd-client", "rt-secret", Token{RefreshToken: "rt-1-secret-refresh"}, noStore))
	_, err := c.Tickets.Get(t.Context(), 1)
	var zerr *Error
	if !errors.As(err, &zerr) || zerr.Code != "invalid_grant" || !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "rt-1-secret-refresh") || strings.Contains(zerr.Message, "rt-1-secret-refresh") {
		t.Fatalf("refresh token leaked: %v", err)
	}
	// A refresh is not replayed after a 5xx: the first attempt may have
	// rotated the pair.
	f2 := newFake(t)
	var te2 tokenEndpoint
	te2.register(f2, func(string) (int, string) { return 502, `{}` })
	c2 := f2.client(WithOAuthRefreshToken("zd-client", "rt-secret", Token{RefreshToken: "rt-1"}, noStore))
	if _, err := c2.Tickets.Get(t.Context(), 1); err == nil || te2.calls.Load() != 1 {
		t.Fatalf("err = %v, refresh attempts = %d, want 1", err, te2.calls.Load())
	}
}

func TestRefreshEmptyAccessTokenIsAnError(t *testing.T) {
	f, _ := tokenFake(t, func(string) (int, string) { return 200, `{"token_type":"bearer"}` })
	c := f.client(WithOAuthRefreshToken("zd-client", "rt-secret", Token{RefreshToken: "rt-1"}, noStore))
	if _, err := c.Tickets.Get(t.Context(), 1); err == nil || !strings.Contains(err.Error(), "no access_token") {
		t.Fatalf("err = %v", err)
	}
}

// Every credential kind: a server that echoes what it received must not get
// a credential into an error string or a log line.
func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	const (
		apiToken     = "api-token-SECRET-1"
		oauthToken   = "oauth-token-SECRET-2"
		clientSecret = "client-secret-SECRET-3"
		refreshToken = "refresh-token-SECRET-4"
		accessToken  = "access-token-SECRET-5"
		rotated      = "rotated-refresh-SECRET-6"
	)
	for name, opt := range map[string]Option{
		"api token":          WithAPIToken("agent@example.com", apiToken),
		"oauth token":        WithOAuthToken(oauthToken),
		"client credentials": WithOAuthClientCredentials("zd-client", clientSecret),
		"refresh token":      WithOAuthRefreshToken("zd-client", clientSecret, Token{RefreshToken: refreshToken}, noStore),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			var te tokenEndpoint
			te.register(f, func(body string) (int, string) {
				b, _ := json.Marshal(map[string]string{"access_token": accessToken, "refresh_token": rotated, "echo": body})
				return 200, string(b)
			})
			f.mock.RegisterResponder("GET", testBase+"/api/v2/tickets/1", func(req *http.Request) (*http.Response, error) {
				user, pass, _ := req.BasicAuth()
				body := fmt.Sprintf(`{"error":"Unauthorized","description":"bad %s user=%s pass=%s"}`, req.Header.Get("Authorization"), user, pass)
				return httpmock.NewStringResponse(401, body), nil
			})
			var logs bytes.Buffer
			c := f.client(opt, WithLogger(slogJSON(&logs)))
			_, err := c.Tickets.Get(t.Context(), 1)
			var zerr *Error
			if !errors.As(err, &zerr) || zerr.StatusCode != 401 {
				t.Fatalf("err = %v", err)
			}
			for _, s := range []string{apiToken, oauthToken, clientSecret, refreshToken, accessToken, rotated} {
				if strings.Contains(err.Error(), s) || strings.Contains(zerr.Message, s) || strings.Contains(logs.String(), s) {
					t.Fatalf("%s leaked: err=%q logs=%s", s, err, logs.String())
				}
			}
		})
	}
}

// Zendesk's documented token answer has no expires_in: such a token does not
// expire and is fetched once.
func TestClientCredentialsDocumentedTokenWithoutExpiry(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var te tokenEndpoint
	doc := testdata(t, "oauth_token.json")
	te.register(f, func(string) (int, string) { return 200, doc })
	seen := apiEcho(f)
	c := f.client(WithOAuthClientCredentials("zd-client", "cc-secret-xyz", "organizations:write", "read"))
	for range 2 {
		if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if te.calls.Load() != 1 || (*seen)[1] != "Bearer gErypPlm4dOVgGRvA1ZzMH5MQ3nLo8bo" {
		t.Fatalf("token calls = %d, auth = %v", te.calls.Load(), *seen)
	}
}

// A refresh token learnt from the token endpoint (it travels in no header
// the core sees) is scrubbed from the API's errors too: the token request
// goes through the same client, whose secrets learn it.
func TestRotatedRefreshTokenScrubbedFromAPIErrors(t *testing.T) {
	t.Parallel()
	const rotated = "rotated-refresh-SECRET-7"
	f := newFake(t)
	var te tokenEndpoint
	te.register(f, tokenReply("at-2", rotated, 7200))
	f.mock.RegisterResponder("GET", testBase+"/api/v2/tickets/1", httpmock.NewStringResponder(400,
		`{"error":"InvalidToken","description":"refresh token `+rotated+` does not belong here"}`))
	var logs bytes.Buffer
	c := f.client(WithOAuthRefreshToken("zd-client", "rt-secret", Token{RefreshToken: "rt-1"}, noStore), WithLogger(slogJSON(&logs)))
	_, err := c.Tickets.Get(t.Context(), 1)
	var zerr *Error
	if !errors.As(err, &zerr) || te.calls.Load() != 1 {
		t.Fatalf("err = %v, token calls = %d", err, te.calls.Load())
	}
	if strings.Contains(err.Error(), rotated) || strings.Contains(zerr.Message, rotated) || strings.Contains(logs.String(), rotated) {
		t.Fatalf("rotated refresh token leaked: %q", err)
	}
	if !strings.Contains(zerr.Message, "[redacted]") {
		t.Fatalf("message = %q, want the token redacted", zerr.Message)
	}
}
