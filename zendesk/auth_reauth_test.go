package zendesk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

// Every OAuth grant is a rest.TokenCache, a rest.Reauthenticator: on a 401
// the core drops the token and resends once.
var _ rest.Reauthenticator = (*rest.TokenCache)(nil)

// restClient returns the core client of a client built on f.
func restClient(t *testing.T, f *fake) *rest.Client {
	t.Helper()
	return f.client().rest
}

// revocable answers GET /api/v2/tickets/1 and PUT /api/v2/tickets/1 with
// 401 to revoked tokens, and records the Authorization of every request.
type revocable struct {
	mu      sync.Mutex
	revoked map[string]bool
	seen    []string
}

func newRevocable(f *fake) *revocable {
	rv := &revocable{revoked: map[string]bool{}}
	answer := func(req *http.Request) (*http.Response, error) {
		a := req.Header.Get("Authorization")
		rv.mu.Lock()
		rv.seen = append(rv.seen, req.Method+" "+a)
		revoked := rv.revoked[strings.TrimPrefix(a, "Bearer ")]
		rv.mu.Unlock()
		if revoked {
			return httpmock.NewStringResponse(401, `{"error":"Couldn't authenticate you"}`), nil
		}
		return httpmock.NewStringResponse(200, `{"ticket":{"id":1}}`), nil
	}
	f.mock.RegisterResponder("GET", testBase+"/api/v2/tickets/1", answer)
	f.mock.RegisterResponder("PUT", testBase+"/api/v2/tickets/1", answer)
	return rv
}

func (rv *revocable) revoke(tokens ...string) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	for _, t := range tokens {
		rv.revoked[t] = true
	}
}

func (rv *revocable) requests() []string {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]string(nil), rv.seen...)
}

// A revoked client-credentials token costs one 401, not a failed call: the
// token is fetched again and the request resent, even with retries off.
// A second 401 is returned.
func TestRevokedClientCredentialsTokenIsReplaced(t *testing.T) {
	f, te := tokenFake(t, tokenReply("t1", "", 7200), tokenReply("t2", "", 7200), tokenReply("t3", "", 7200))
	rv := newRevocable(f)
	f.on("GET", "/api/v2/tickets/2", status(500, `{}`))
	c := f.client(WithOAuthClientCredentials("zd-client", "cc-secret-xyz"), WithMaxRetries(0))
	get := func(id int64) error { _, err := c.Tickets.Get(t.Context(), id); return err }
	if err := get(1); err != nil {
		t.Fatal(err)
	}
	if err := get(2); err == nil || te.calls.Load() != 1 {
		t.Fatalf("err = %v, token requests = %d: a 500 does not drop the token", err, te.calls.Load())
	}

	rv.revoke("t1")
	if err := get(1); err != nil {
		t.Fatalf("a revoked token failed the call: %v", err)
	}
	if n := te.calls.Load(); n != 2 {
		t.Fatalf("token requests = %d, want 2", n)
	}
	if got, want := fmt.Sprint(rv.requests()), "[GET Bearer t1 GET Bearer t1 GET Bearer t2]"; got != want {
		t.Fatalf("requests = %s, want %s", got, want)
	}

	rv.revoke("t2", "t3")
	err := get(1)
	var zerr *Error
	if !errors.Is(err, deskbridge.ErrUnauthorized) || !errors.As(err, &zerr) || zerr.Attempts != 2 {
		t.Fatalf("err = %v (%+v), want the second 401 after 2 attempts", err, zerr)
	}
	if n := te.calls.Load(); n != 3 {
		t.Fatalf("token requests = %d, want 3", n)
	}
}

// A 401 means the request was not processed: an update that must not be
// replayed after a 5xx (it adds a comment) is still resent with the new
// token.
func TestRevokedTokenResendsAnUpdateWithAComment(t *testing.T) {
	f, _ := tokenFake(t, tokenReply("t1", "", 7200), tokenReply("t2", "", 7200))
	rv := newRevocable(f)
	c := f.client(WithOAuthClientCredentials("zd-client", "cc-secret-xyz"))
	if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	rv.revoke("t1")
	if _, err := c.Tickets.Update(t.Context(), 1, &TicketInput{Comment: PublicComment("once")}); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(rv.requests()), "[GET Bearer t1 PUT Bearer t1 PUT Bearer t2]"; got != want {
		t.Fatalf("requests = %s, want %s", got, want)
	}
}

// Concurrent calls answered 401 to the same revoked token renew it once
// (twice in a rare interleaving), not once per call, and all succeed.
func TestRevokedTokenBurstRenewsOnce(t *testing.T) {
	f, te := tokenFake(t, tokenReply("t1", "", 7200), tokenReply("t2", "", 7200), tokenReply("t3", "", 7200))
	rv := newRevocable(f)
	c := f.client(WithOAuthClientCredentials("zd-client", "cc-secret-xyz"))
	if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	rv.revoke("t1")
	getConcurrently(t, c, 20)
	if n := te.calls.Load(); n < 2 || n > 3 {
		t.Fatalf("token requests = %d, want 2 (3 at most)", n)
	}
}

// Invalidate drops the token an attempt carried, not one obtained since.
func TestCachedTokenInvalidateKeepsANewerToken(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	a := newSourceCache(restClient(t, newFake(t)), tokenSourceFunc(func() (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: fmt.Sprint("t", n.Add(1))}, nil
	}))
	auth := func(want string) *http.Request {
		t.Helper()
		req, _ := http.NewRequest("GET", testBase, nil)
		if err := a.Authenticate(req); err != nil || req.Header.Get("Authorization") != "Bearer "+want {
			t.Fatal(err, req.Header)
		}
		return req
	}
	sentT1 := auth("t1")
	a.Invalidate(sentT1)
	sentT2 := auth("t2")
	a.Invalidate(sentT1) // a late 401 to t1 leaves t2
	auth("t2")
	a.Invalidate(sentT2)
	auth("t3")
}

// A revoked access token of the refresh flow: the access token alone is
// dropped, the pair refreshed once (each refresh token presented once) and
// the request resent. A second 401 is returned.
func TestRevokedRefreshAccessTokenIsReplaced(t *testing.T) {
	f, te := tokenFake(t, tokenReply("at-2", "rt-2", 7200), tokenReply("at-3", "rt-3", 7200))
	rv := newRevocable(f)
	var rot rotations
	c := f.client(WithOAuthRefreshToken("zd-client", "rt-secret", Token{AccessToken: "at-1", RefreshToken: "rt-1", Expiry: time.Now().Add(time.Hour)}, rot.store),
		WithMaxRetries(0))
	rv.revoke("at-1")
	if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
		t.Fatalf("a revoked access token failed the call: %v", err)
	}
	if got, want := fmt.Sprint(rv.requests()), "[GET Bearer at-1 GET Bearer at-2]"; got != want {
		t.Fatalf("requests = %s, want %s", got, want)
	}
	if got := rot.tokens(); len(got) != 1 || got[0].RefreshToken != "rt-2" {
		t.Fatalf("rotations = %+v", got)
	}

	rv.revoke("at-2", "at-3")
	if _, err := c.Tickets.Get(t.Context(), 1); !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("err = %v, want the second 401", err)
	}
	bodies, _ := te.requests()
	if len(bodies) != 2 || !strings.Contains(bodies[0], `"refresh_token":"rt-1"`) || !strings.Contains(bodies[1], `"refresh_token":"rt-2"`) {
		t.Fatalf("refreshes = %v: each refresh token once, in order", bodies)
	}
}

func TestRefreshInvalidateDropsOnlyTheAccessToken(t *testing.T) {
	f, te := tokenFake(t, tokenReply("at-2", "rt-2", 7200))
	r := &refresher{rc: restClient(t, f), clientID: "zd-client", clientSecret: "rt-secret", onRotate: noStore,
		pair: Token{AccessToken: "at-1", RefreshToken: "rt-1"}}
	tc := r.cache()
	token := func() string {
		t.Helper()
		tok, err := tc.Token(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if got := token(); got != "at-1" {
		t.Fatalf("the caller's access token is used first: %q", got)
	}
	sent := func(tok string) *http.Request {
		return &http.Request{Header: http.Header{"Authorization": {"Bearer " + tok}}}
	}
	if tc.Invalidate(sent("at-0")); token() != "at-1" {
		t.Fatal("a 401 to another token dropped the one held")
	}
	if tc.Invalidate(sent("at-1")); token() != "at-2" {
		t.Fatal("the access token was not dropped")
	}
	bodies, _ := te.requests()
	if len(bodies) != 1 || !strings.Contains(bodies[0], `"refresh_token":"rt-1"`) {
		t.Fatalf("refreshes = %v: the refresh token is kept when the access token is dropped", bodies)
	}
}

// slowTokens makes the token endpoint hang until the test releases it (at
// the latest when it ends).
func slowTokens(t *testing.T, f *fake, reply func(string) (int, string)) (*tokenEndpoint, func()) {
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free)
	te := &tokenEndpoint{}
	te.register(f, func(body string) (int, string) {
		<-release
		return reply(body)
	})
	return te, free
}

// callWithin makes a call with a short deadline and checks that it returns
// with the deadline's error, in time, without reaching the API.
func callWithin(t *testing.T, c *Client, seen *[]string, ctx context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Tickets.Get(ctx, 1)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a call with a 100 ms deadline waited %s for the token", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) || len(*seen) != 0 {
		t.Fatalf("err = %v, API requests = %d", err, len(*seen))
	}
}

type ctxKey struct{}

// A slow refresh: a call waits no longer than its context, the refresh
// goes on without it (its answer is not dropped: the pair rotates once and
// reaches onRotate, with the starting call's values and a live context),
// and later calls use its token.
func TestRefreshWaitHonoursContext(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	te, release := slowTokens(t, f, tokenReply("at-2", "rt-2", 7200))
	seen := apiEcho(f)
	stored := make(chan string, 1)
	store := func(ctx context.Context, tok Token) error {
		v, _ := ctx.Value(ctxKey{}).(string)
		stored <- fmt.Sprintf("%s %s %v", tok.RefreshToken, v, ctx.Err())
		return nil
	}
	c := f.client(WithOAuthRefreshToken("zd-client", "rt-secret", Token{RefreshToken: "rt-1"}, store))

	callWithin(t, c, seen, context.WithValue(t.Context(), ctxKey{}, "first caller"))
	callWithin(t, c, seen, t.Context()) // joins the refresh in flight
	if n := te.calls.Load(); n != 1 {
		t.Fatalf("token requests = %d, want 1: a refresh token is presented once", n)
	}
	release()
	if got := <-stored; got != "rt-2 first caller <nil>" {
		t.Fatalf("onRotate got %q", got)
	}
	if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if te.calls.Load() != 1 || fmt.Sprint(*seen) != "[Bearer at-2]" {
		t.Fatalf("token requests = %d, API auth = %v", te.calls.Load(), *seen)
	}
}

// The same for client credentials, but a token request whose calls have
// all gone is cancelled (a client-credentials grant can be asked again, and
// against a token endpoint that hangs nothing must keep running behind the
// callers): once the calls have returned, no token request is left in
// flight, though the endpoint still hangs; no two were ever in flight at
// once; and a later call gets a token. How many token requests the two
// calls made depends on timing: the second call starts a request of its own
// only if the first one's cancelled request has unwound before its own
// deadline, so the count is 2 or 3, never one per call plus one.
func TestClientCredentialsWaitHonoursContext(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	te, release := slowTokens(t, f, tokenReply("cc-1", "", 7200))
	seen := apiEcho(f)
	counting := &inFlight{next: f.mock}
	c := f.client(WithOAuthClientCredentials("zd-client", "cc-secret-xyz"), WithHTTPClient(&http.Client{Transport: counting}))
	callWithin(t, c, seen, t.Context())
	callWithin(t, c, seen, t.Context())
	// The endpoint still hangs: the requests ended because they were
	// cancelled, not answered.
	waitFor(t, "the cancelled token requests to end", func() bool { return counting.now.Load() == 0 })
	release()
	if _, err := c.Tickets.Get(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if n := te.calls.Load(); n < 2 || n > 3 || fmt.Sprint(*seen) != "[Bearer cc-1]" {
		t.Fatalf("token requests = %d, want 2 or 3 (at most one per call); API auth = %v", n, *seen)
	}
	if most := counting.most.Load(); most != 1 {
		t.Fatalf("%d token requests were in flight at once, want 1", most)
	}
}

// waitFor polls cond until it holds, failing t after 10 s: long enough
// for a loaded machine, and never reached by a test that passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after 10 s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// tokenWaiters counts the goroutines that wait inside a token cache's Token
// for a fetch to end: parked in its select, so joined to the fetch. (A
// goroutine still on its way in, counted too, could join after the fetch
// ended and take the token it cached: a call that never waited.)
func tokenWaiters() int {
	return testkit.GoroutinesWhere(func(g string) bool {
		return strings.Contains(g, " [select") && strings.Contains(g, "deskbridge/internal/rest.(*TokenCache).Token(")
	})
}

// inFlight counts the token requests in flight through it.
type inFlight struct {
	next      http.RoundTripper
	now, most atomic.Int32
}

func (c *inFlight) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/oauth/tokens" {
		n := c.now.Add(1)
		defer c.now.Add(-1)
		for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
		}
	}
	return c.next.RoundTrip(r)
}

// Calls waiting for one refresh share its outcome: a refused refresh, or a
// rotated pair that onRotate failed to store, fails them all; the refresh
// token was presented once. The refresh is answered once the five calls
// wait inside the token cache, counted from the goroutines' stacks: the
// test and its cases do not run in parallel, so that no other test's calls
// are counted.
func TestRefreshFailureSharedByWaiters(t *testing.T) {
	diskFull := errors.New("disk full")
	for _, tc := range []struct {
		name  string
		reply func(string) (int, string)
		store func(context.Context, Token) error
		check func(error) bool
	}{
		{"refused", func(string) (int, string) {
			return 400, `{"error":"invalid_grant","error_description":"The refresh token is invalid"}`
		}, noStore, func(err error) bool {
			var zerr *Error
			return errors.As(err, &zerr) && zerr.Code == "invalid_grant"
		}},
		{"not stored", tokenReply("at-2", "rt-2", 7200), func(context.Context, Token) error { return diskFull },
			func(err error) bool { return errors.Is(err, ErrRefreshTokenNotStored) && errors.Is(err, diskFull) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			te, release := slowTokens(t, f, tc.reply)
			apiEcho(f)
			c := f.client(WithOAuthRefreshToken("zd-client", "rt-secret", Token{RefreshToken: "rt-1"}, tc.store))
			errs := make(chan error, 5)
			var wg, started sync.WaitGroup
			for range 5 {
				wg.Add(1)
				started.Add(1)
				go func() {
					defer wg.Done()
					started.Done()
					_, err := c.Tickets.Get(t.Context(), 1)
					errs <- err
				}()
			}
			started.Wait()
			waitFor(t, "5 calls waiting for the refresh", func() bool { return tokenWaiters() == 5 })
			release()
			wg.Wait()
			close(errs)
			for err := range errs {
				if !tc.check(err) {
					t.Fatalf("err = %v", err)
				}
			}
			if n := te.calls.Load(); n != 1 {
				t.Fatalf("token requests = %d, want 1", n)
			}
		})
	}
}

// A 401 makes the client ask its token source again, which helps only when
// the source can return another token (WithTokenSource's doc says so): an
// oauth2.ReuseTokenSource, as oauth2.Config.TokenSource returns, hands
// back the revoked token it still holds, and the resend gets the second
// 401; a source that fetches on every call gives a new token and the call
// succeeds.
func TestTokenSourceAfterA401(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		source  func(fetch oauth2.TokenSource) oauth2.TokenSource
		wantErr bool
		want    string
	}{
		{"ReuseTokenSource", func(fetch oauth2.TokenSource) oauth2.TokenSource { return oauth2.ReuseTokenSource(nil, fetch) }, true,
			"[GET Bearer ts-1 GET Bearer ts-1]"},
		{"a source that fetches", func(fetch oauth2.TokenSource) oauth2.TokenSource { return fetch }, false,
			"[GET Bearer ts-1 GET Bearer ts-2]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			rv := newRevocable(f)
			rv.revoke("ts-1")
			var n atomic.Int32
			fetch := tokenSourceFunc(func() (*oauth2.Token, error) {
				return &oauth2.Token{AccessToken: fmt.Sprint("ts-", n.Add(1)), Expiry: time.Now().Add(time.Hour)}, nil
			})
			c := f.client(WithTokenSource(tc.source(fetch)), WithMaxRetries(0))
			_, err := c.Tickets.Get(t.Context(), 1)
			if got := fmt.Sprint(rv.requests()); (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("err = %v, requests = %s, want %s", err, got, tc.want)
			}
			if tc.wantErr && !errors.Is(err, deskbridge.ErrUnauthorized) {
				t.Fatalf("err = %v, want the second 401", err)
			}
		})
	}
}
