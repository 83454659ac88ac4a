package rest

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
)

// Token is an access token and when it expires (zero: it does not).
type Token struct {
	AccessToken string
	Expiry      time.Time
}

// TokenFetch obtains a new token. A fetch may return a token together with
// an error: the token is kept for later requests, and the requests that
// waited for this fetch get the error (a rotated refresh token that could
// not be stored).
type TokenFetch func(ctx context.Context) (Token, error)

// TokenOptions tune a TokenCache.
type TokenOptions struct {
	// EarlyExpiry renews a token this long before it expires, so that no
	// request leaves with a token that dies on the way. Default 60 s.
	EarlyExpiry time.Duration
	// Timeout bounds one fetch, retries included, through the context the
	// fetch is given: a fetch that ignores its context (an
	// oauth2.TokenSource, which takes none) must bound itself. Default 30 s.
	Timeout time.Duration
	// Detached lets a fetch run to its end when every request that waited
	// for it has gone: a refresh-token grant whose answer, if dropped,
	// would leave the stored refresh token invalidated. Otherwise a fetch
	// is cancelled when its last waiter leaves.
	Detached bool
}

// Defaults of TokenOptions.
const (
	DefaultTokenEarlyExpiry = 60 * time.Second
	DefaultTokenTimeout     = 30 * time.Second
)

// TokenCache is the one token cache of every OAuth-style credential: it
// holds one access token for all of a client's goroutines and renews it
// before it expires.
//
//   - One fetch at a time: requests that need a token while one is being
//     fetched wait for that fetch, each no longer than its own context.
//   - A cached token costs a mutex, no goroutine.
//   - When every request waiting for a fetch has gone, the fetch is
//     cancelled (unless Detached), so that a token endpoint that hangs
//     leaves nothing running behind the callers; a new request then starts
//     a new fetch once the old one has returned.
//   - It is a Reauthenticator: after a 401 the token the failed attempt
//     carried is dropped, and the request sent once more with a new one.
//
// The fetch runs with a context that keeps the values of the request that
// started it but not its cancellation, bounded by Timeout.
type TokenCache struct {
	fetch   TokenFetch
	opts    TokenOptions
	secrets *Secrets
	now     func() time.Time

	mu     sync.Mutex
	tok    Token
	flight *tokenFlight
}

// tokenFlight is one fetch; tok and err are set before done closes.
type tokenFlight struct {
	done    chan struct{}
	tok     Token
	err     error
	waiters int
	cancel  context.CancelFunc
	dropped bool // cancelled: its result is not used
}

// NewTokenCache returns a cache over fetch for client c, whose secrets
// learn every token fetched.
func NewTokenCache(c *Client, fetch TokenFetch, opts TokenOptions) *TokenCache {
	opts.EarlyExpiry = pick(opts.EarlyExpiry, DefaultTokenEarlyExpiry)
	opts.Timeout = pick(opts.Timeout, DefaultTokenTimeout)
	return &TokenCache{fetch: fetch, opts: opts, secrets: c.secrets, now: c.now}
}

// valid reports whether the cached token can be sent. tc.mu is held.
func (tc *TokenCache) valid() bool {
	return tc.tok.AccessToken != "" && (tc.tok.Expiry.IsZero() || tc.now().Add(tc.opts.EarlyExpiry).Before(tc.tok.Expiry))
}

// Token returns a valid access token, fetching one when there is none or
// it is about to expire. It waits no longer than ctx.
func (tc *TokenCache) Token(ctx context.Context) (string, error) {
	for {
		tc.mu.Lock()
		if tc.flight == nil {
			if tc.valid() {
				tok := tc.tok.AccessToken
				tc.mu.Unlock()
				return tok, nil
			}
			if err := ctx.Err(); err != nil {
				tc.mu.Unlock()
				return "", err // start no fetch for a caller already gone
			}
			tc.start(ctx)
		}
		f := tc.flight
		if f.dropped {
			// A cancelled fetch is still returning: wait for it, so that
			// two token requests are never in flight at once.
			tc.mu.Unlock()
			select {
			case <-f.done:
				continue
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		f.waiters++
		tc.mu.Unlock()
		select {
		case <-f.done:
			if f.err != nil {
				return "", f.err
			}
			return f.tok.AccessToken, nil
		case <-ctx.Done():
			tc.leave(f)
			return "", ctx.Err()
		}
	}
}

// start begins a fetch. tc.mu is held.
func (tc *TokenCache) start(ctx context.Context) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tc.opts.Timeout)
	f := &tokenFlight{done: make(chan struct{}), cancel: cancel}
	tc.flight = f
	go tc.run(fctx, f)
}

// leave takes a waiter off f; the last one to go cancels it, unless the
// cache is Detached.
func (tc *TokenCache) leave(f *tokenFlight) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	f.waiters--
	if f.waiters == 0 && !tc.opts.Detached && tc.flight == f {
		f.dropped = true
		f.cancel()
	}
}

func (tc *TokenCache) run(ctx context.Context, f *tokenFlight) {
	tok, err := tc.fetch(ctx)
	f.cancel()
	if err == nil && tok.AccessToken == "" {
		err = errors.New("the token endpoint returned no access token")
	}
	if tok.AccessToken != "" {
		tc.secrets.Add(tok.AccessToken)
	}
	tc.mu.Lock()
	if tok.AccessToken != "" && !f.dropped {
		tc.tok = tok
	}
	tc.flight = nil
	f.tok, f.err = tok, err
	tc.mu.Unlock()
	close(f.done)
}

// Authenticate sets "Authorization: Bearer <token>" on req.
func (tc *TokenCache) Authenticate(req *http.Request) error {
	tok, err := tc.Token(req.Context())
	if err != nil {
		return err
	}
	req.Header["Authorization"] = []string{"Bearer " + tok}
	return nil
}

// Invalidate implements Reauthenticator: the attempt sent got a 401. The
// cached token is dropped if it is the one that attempt carried; one
// obtained since (another call's 401 dropped the old one already, or it
// was renewed) is kept for the next attempt.
func (tc *TokenCache) Invalidate(sent *http.Request) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.tok.AccessToken != "" && sent != nil && sent.Header.Get("Authorization") == "Bearer "+tc.tok.AccessToken {
		tc.tok = Token{}
	}
}

// Set replaces the cached token, as when a caller hands the client a
// token it stored (a refresh-token grant's current pair). A fetch in
// flight when Set is called stores its own token when it ends.
func (tc *TokenCache) Set(tok Token) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.tok = tok
	if tok.AccessToken != "" {
		tc.secrets.Add(tok.AccessToken)
	}
}
