package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
)

// tokenClient is a client whose credential is a TokenCache fetching from
// POST /oauth/token on base, as a vendor's password or client-credentials
// grant does.
func tokenClient(t *testing.T, base string, opts TokenOptions, hc *http.Client) (*Client, **TokenCache) {
	t.Helper()
	var tc *TokenCache
	cred := Credential{
		Secrets: []string{"client-secret-value"},
		Auth: func(c *Client) (Authenticator, error) {
			tc = NewTokenCache(c, func(ctx context.Context) (Token, error) {
				var out struct {
					AccessToken string `json:"access_token"`
					ExpiresIn   int    `json:"expires_in"`
				}
				_, err := c.Do(ctx, &Request{Method: "POST", Path: "/oauth/token", NoAuth: true, Idempotent: true,
					Body: url.Values{"grant_type": {"client_credentials"}, "client_secret": {"client-secret-value"}}}, &out)
				if err != nil {
					return Token{}, err
				}
				return Token{AccessToken: out.AccessToken, Expiry: c.Now().Add(time.Duration(out.ExpiresIn) * time.Second)}, nil
			}, opts)
			return tc, nil
		},
	}
	c := newClient(t, base, nil, func(c *testConfig) {
		c.Cred = &cred
		if hc != nil {
			c.httpClient = hc
		}
	})
	return c, &tc
}

// countingTransport counts the requests in flight to /oauth/token.
type countingTransport struct {
	inFlight, most, total atomic.Int32
}

func (ct *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/oauth/token") {
		n := ct.inFlight.Add(1)
		defer ct.inFlight.Add(-1)
		ct.total.Add(1)
		for {
			m := ct.most.Load()
			if n <= m || ct.most.CompareAndSwap(m, n) {
				break
			}
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// Against a token endpoint that hangs, callers with short deadlines return
// at their deadline, at most one token request is in flight at any time,
// and once they have returned nothing of the client keeps running. (Before
// the cache moved into the core, 50 such calls left 55 goroutines alive
// after 63 s: one per attempt, each queued on the token source's lock,
// each starting its own 30 s fetch in turn.)
func TestTokenEndpointThatHangsLeavesNothingBehind(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			// Read the body, or the server never notices the client leave.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer func() {
		hang.CloseClientConnections() // a failed test must not hang in Close
		hang.Close()
	}()
	ct := &countingTransport{}
	c, _ := tokenClient(t, hang.URL, TokenOptions{}, &http.Client{Transport: ct})

	const calls = 50
	var wg sync.WaitGroup
	slow := atomic.Int32{}
	for range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := c.Do(ctx, &Request{Path: "/x"}, nil)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want the deadline", err)
			}
			if time.Since(start) > 500*time.Millisecond {
				slow.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := slow.Load(); n > 0 {
		t.Errorf("%d calls waited past their deadline", n)
	}
	if m := ct.most.Load(); m != 1 {
		t.Errorf("%d token requests in flight at once, want 1", m)
	}
	// Methods of the core only: the test's own fetch and handler are in
	// package rest too, and the hanging handler is not the client's.
	testkit.WaitGoroutines(t, "deskbridge/internal/rest.(*", 0, 2*time.Second)
	t.Logf("%d token requests for %d calls", ct.total.Load(), calls)
}

// A cached token is handed out without a goroutine or an allocation.
func TestCachedTokenCostsNothing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token":"tok-1","expires_in":3600}`)
	}))
	defer srv.Close()
	_, tcp := tokenClient(t, srv.URL, TokenOptions{}, nil)
	tc := *tcp
	ctx := t.Context()
	if tok, err := tc.Token(ctx); err != nil || tok != "tok-1" {
		t.Fatalf("tok %q err %v", tok, err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = tc.Token(ctx) }); n != 0 {
		t.Fatalf("a cached token costs %v allocations", n)
	}
}

// Concurrent callers share one fetch; after a 401 the token the failed
// attempt carried is dropped and the request sent once more with a new one.
func TestTokenSharedAndRenewedAfter401(t *testing.T) {
	t.Parallel()
	var issued atomic.Int32
	var revoked sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			time.Sleep(20 * time.Millisecond) // long enough for every caller to queue
			fmt.Fprintf(w, `{"access_token":"tok-%d","expires_in":3600}`, issued.Add(1))
			return
		}
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if _, bad := revoked.Load(tok); bad {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"token":%q}`, tok)
	}))
	defer srv.Close()
	c, _ := tokenClient(t, srv.URL, TokenOptions{}, nil)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := issued.Load(); n != 1 {
		t.Fatalf("%d token requests for 20 concurrent calls, want 1", n)
	}
	revoked.Store("tok-1", true)
	var out struct{ Token string }
	resp, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/x"}, &out)
	if err != nil || out.Token != "tok-2" || resp.Attempts != 2 {
		t.Fatalf("err %v, token %q, attempts %d", err, out.Token, resp.Attempts)
	}
}

// A fetch that returns a token with an error (a rotated refresh token that
// could not be stored) hands the error to the calls that waited, and the
// token to the calls after them.
func TestTokenWithErrorIsKept(t *testing.T) {
	t.Parallel()
	c := newClient(t, "http://127.0.0.1:1", nil)
	notStored := errors.New("could not store the new pair")
	var fetches atomic.Int32
	tc := NewTokenCache(c, func(context.Context) (Token, error) {
		fetches.Add(1)
		return Token{AccessToken: "new-token"}, notStored
	}, TokenOptions{Detached: true})
	if _, err := tc.Token(t.Context()); !errors.Is(err, notStored) {
		t.Fatalf("first: %v", err)
	}
	if tok, err := tc.Token(t.Context()); err != nil || tok != "new-token" || fetches.Load() != 1 {
		t.Fatalf("second: %q %v after %d fetches", tok, err, fetches.Load())
	}
	if got := c.Secrets().Scrub("x new-token y"); got != "x [redacted] y" {
		t.Fatalf("a fetched token is not scrubbed: %q", got)
	}
}

// A detached fetch runs to its end when its callers have gone, and its
// token serves the next caller; an attached one is cancelled.
func TestDetachedFetchOutlivesItsCallers(t *testing.T) {
	t.Parallel()
	for _, detached := range []bool{true, false} {
		t.Run(fmt.Sprint("detached=", detached), func(t *testing.T) {
			t.Parallel()
			c := newClient(t, "http://127.0.0.1:1", nil)
			release := make(chan struct{})
			var fetches, cancelled atomic.Int32
			tc := NewTokenCache(c, func(ctx context.Context) (Token, error) {
				n := fetches.Add(1)
				select {
				case <-release:
					return Token{AccessToken: fmt.Sprint("tok-", n)}, nil
				case <-ctx.Done():
					cancelled.Add(1)
					return Token{}, ctx.Err()
				}
			}, TokenOptions{Detached: detached})
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
			defer cancel()
			if _, err := tc.Token(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v", err)
			}
			close(release)
			tok, err := tc.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			want, wantFetches, wantCancelled := "tok-1", int32(1), int32(0)
			if !detached {
				want, wantFetches, wantCancelled = "tok-2", 2, 1
			}
			if tok != want || fetches.Load() != wantFetches || cancelled.Load() != wantCancelled {
				t.Fatalf("token %q after %d fetches, %d cancelled", tok, fetches.Load(), cancelled.Load())
			}
		})
	}
}

// A 401 drops the token the failed attempt carried, never one that
// replaced it since: concurrent 401s to one token cost one fetch, and a
// late 401 to an old token leaves the new one alone.
func TestInvalidateDropsOnlyTheTokenSent(t *testing.T) {
	t.Parallel()
	c := newClient(t, "http://127.0.0.1:1", nil)
	var n atomic.Int32
	tc := NewTokenCache(c, func(context.Context) (Token, error) {
		return Token{AccessToken: fmt.Sprint("tok-", n.Add(1))}, nil
	}, TokenOptions{})
	sent := func(tok string) *http.Request {
		return &http.Request{Header: http.Header{"Authorization": {"Bearer " + tok}}}
	}
	token := func() string {
		tok, err := tc.Token(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if token() != "tok-1" {
		t.Fatal("first token")
	}
	tc.Invalidate(sent("tok-1"))
	tc.Invalidate(sent("tok-1")) // a concurrent 401 to the same token
	if got := token(); got != "tok-2" || n.Load() != 2 {
		t.Fatalf("token %s after %d fetches, want tok-2 after 2", got, n.Load())
	}
	tc.Invalidate(sent("tok-1")) // a late 401 to the old token
	if got := token(); got != "tok-2" {
		t.Fatalf("a 401 to tok-1 dropped %s", got)
	}
	tc.Invalidate(sent("tok-2"))
	if got := token(); got != "tok-3" {
		t.Fatalf("got %s, want tok-3", got)
	}
}
