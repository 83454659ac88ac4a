package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

// script answers the n-th request with the n-th handler (the last repeats)
// and records what it received.
type script struct {
	mu       sync.Mutex
	steps    []http.HandlerFunc
	requests []recorded
}

type recorded struct {
	Method, Path, RawPath, Query string
	Header                       http.Header
	Body                         string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, recorded{r.Method, r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.Header.Clone(), string(body)})
	step := s.steps[min(n, len(s.steps)-1)]
	s.mu.Unlock()
	step(w, r)
}

func (s *script) Requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.requests...)
}

func status(code int, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"status":%d}`, code)
	}
}

func serve(t *testing.T, steps ...http.HandlerFunc) (*script, *httptest.Server) {
	t.Helper()
	s := &script{steps: steps}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

// refusedURL is a loopback address nothing listens on: port 1 (tcpmux) is
// closed on any test machine. Closing a listener and dialing its port
// instead races with other tests' servers, which may get the port.
const refusedURL = "http://127.0.0.1:1"

// testConfig is what newClient builds a client from: the vendor's
// declaration, the tenant's settings, and a credential.
type testConfig struct {
	Vendor
	Settings
	Cred *Credential
}

func ptr[T any](v T) *T { return &v }

// authFunc adapts a function to Authenticator.
type authFunc func(req *http.Request) error

func (f authFunc) Authenticate(req *http.Request) error { return f(req) }

// withAuth is a credential that authenticates with a.
func withAuth(a Authenticator) *Credential {
	return &Credential{Auth: func(*Client) (Authenticator, error) { return a, nil }}
}

func newClient(t *testing.T, baseURL string, ft *testkit.Clock, mutate ...func(*testConfig)) *Client {
	t.Helper()
	cfg := &testConfig{Vendor: Vendor{
		Name:      "acme",
		RateLimit: RateLimitHeaders{Remaining: []string{"X-Remaining"}, Reset: []string{"X-Reset"}},
	}}
	cfg.baseURL = baseURL
	if ft != nil {
		cfg.SetClock(ft.Now, ft.Sleep)
	}
	for _, m := range mutate {
		m(cfg)
	}
	if cfg.Cred != nil {
		cfg.SetCredential("WithTest", *cfg.Cred)
	}
	c, err := NewClient(&cfg.Vendor, &cfg.Settings)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRetryAfterSeconds429(t *testing.T) {
	t.Parallel()
	s, srv := serve(t, status(429, "Retry-After", "1"), status(200))
	ft := testkit.NewClock()
	c := newClient(t, srv.URL, ft)
	resp, err := c.Do(t.Context(), &Request{Method: http.MethodPost, Path: "/things"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 2 || len(s.Requests()) != 2 {
		t.Fatalf("attempts = %d, requests = %d; want 2, 2", resp.Attempts, len(s.Requests()))
	}
	// A 429 is retried even for a POST without an idempotency key: the
	// request was not processed.
	if got := ft.Sleeps(); len(got) != 1 || got[0] != time.Second {
		t.Fatalf("waits = %v, want [1s]", got)
	}
}

func TestRetryAfterHTTPDate429(t *testing.T) {
	t.Parallel()
	ft := testkit.NewClock()
	date := ft.Now().Add(7 * time.Second).Format(http.TimeFormat)
	_, srv := serve(t, status(429, "Retry-After", date), status(200))
	c := newClient(t, srv.URL, ft)
	req := &Request{Path: "/things"}
	if _, err := c.Do(t.Context(), req, nil); err != nil {
		t.Fatal(err)
	}
	if req.Method != "" {
		t.Fatalf("Do changed the caller's request: Method = %q", req.Method)
	}
	if got := ft.Sleeps(); len(got) != 1 || got[0] != 7*time.Second {
		t.Fatalf("waits = %v, want [7s]", got)
	}
}

func TestResetHeaderWhenNoRetryAfter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		epoch bool
		value func(now time.Time) string
	}{
		{"delta seconds", false, func(time.Time) string { return "41" }},
		{"epoch seconds", true, func(now time.Time) string { return fmt.Sprint(now.Add(41 * time.Second).Unix()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ft := testkit.NewClock()
			_, srv := serve(t, status(429, "X-Reset", tc.value(ft.Now())), status(200))
			c := newClient(t, srv.URL, ft, func(c *testConfig) { c.RateLimit.ResetEpoch = tc.epoch })
			if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil {
				t.Fatal(err)
			}
			if got := ft.Sleeps(); len(got) != 1 || got[0] != 41*time.Second {
				t.Fatalf("waits = %v, want [41s]", got)
			}
		})
	}
}

func TestPOST500RetriedOnlyWithIdempotencyKey(t *testing.T) {
	t.Parallel()
	t.Run("without key: sent once", func(t *testing.T) {
		t.Parallel()
		s, srv := serve(t, status(500), status(201))
		c := newClient(t, srv.URL, testkit.NewClock())
		_, err := c.Do(t.Context(), &Request{Method: http.MethodPost, Path: "/tickets", Body: map[string]int{"a": 1}}, nil)
		if !errors.Is(err, deskbridge.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
		if n := len(s.Requests()); n != 1 {
			t.Fatalf("sent %d times, want 1", n)
		}
	})
	t.Run("with key: retried with the same key", func(t *testing.T) {
		t.Parallel()
		s, srv := serve(t, status(500), status(201))
		c := newClient(t, srv.URL, testkit.NewClock())
		if _, err := c.Do(t.Context(), &Request{Method: http.MethodPost, Path: "/tickets", Body: map[string]int{"a": 1}, IdempotencyKey: "k-1"}, nil); err != nil {
			t.Fatal(err)
		}
		reqs := s.Requests()
		if len(reqs) != 2 {
			t.Fatalf("sent %d times, want 2", len(reqs))
		}
		for i, r := range reqs {
			if r.Header.Get("Idempotency-Key") != "k-1" || r.Body != `{"a":1}` {
				t.Fatalf("attempt %d: key %q body %q", i+1, r.Header.Get("Idempotency-Key"), r.Body)
			}
		}
	})
}

func TestPUTMarkedNotIdempotentIsNotReplayed(t *testing.T) {
	t.Parallel()
	t.Run("500: sent once", func(t *testing.T) {
		t.Parallel()
		s, srv := serve(t, status(500), status(200))
		c := newClient(t, srv.URL, testkit.NewClock())
		_, err := c.Do(t.Context(), &Request{Method: http.MethodPut, Path: "/tickets/1", Body: map[string]int{"a": 1}, NotIdempotent: true}, nil)
		if !errors.Is(err, deskbridge.ErrUnavailable) || len(s.Requests()) != 1 {
			t.Fatalf("err = %v, sent %d times, want 1", err, len(s.Requests()))
		}
	})
	t.Run("429: still retried", func(t *testing.T) {
		t.Parallel()
		s, srv := serve(t, status(429, "Retry-After", "1"), status(200))
		c := newClient(t, srv.URL, testkit.NewClock())
		if _, err := c.Do(t.Context(), &Request{Method: http.MethodPut, Path: "/tickets/1", NotIdempotent: true}, nil); err != nil || len(s.Requests()) != 2 {
			t.Fatalf("err = %v, sent %d times, want 2", err, len(s.Requests()))
		}
	})
	t.Run("an idempotency key overrides it", func(t *testing.T) {
		t.Parallel()
		s, srv := serve(t, status(500), status(200))
		c := newClient(t, srv.URL, testkit.NewClock())
		if _, err := c.Do(t.Context(), &Request{Method: http.MethodPut, Path: "/tickets/1", NotIdempotent: true, IdempotencyKey: "k"}, nil); err != nil || len(s.Requests()) != 2 {
			t.Fatalf("err = %v, sent %d times, want 2", err, len(s.Requests()))
		}
	})
}

func TestGET503Then200(t *testing.T) {
	t.Parallel()
	s, srv := serve(t, status(503), status(503), func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"name":"ok"}`)
	})
	ft := testkit.NewClock()
	c := newClient(t, srv.URL, ft, func(c *testConfig) { c.retryWaitMin = 100 * time.Millisecond; c.retryWaitMax = time.Second })
	var out struct{ Name string }
	resp, err := c.Do(t.Context(), &Request{Path: "/x"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "ok" || resp.Attempts != 3 || len(s.Requests()) != 3 {
		t.Fatalf("out=%+v attempts=%d requests=%d", out, resp.Attempts, len(s.Requests()))
	}
	// Exponential backoff with jitter: attempt n waits in [min·2^(n-1)/2, min·2^(n-1)].
	w := ft.Sleeps()
	if len(w) != 2 || w[0] < 50*time.Millisecond || w[0] > 100*time.Millisecond || w[1] < 100*time.Millisecond || w[1] > 200*time.Millisecond {
		t.Fatalf("waits = %v", w)
	}
}

func TestGiveUpReportsAttempts(t *testing.T) {
	t.Parallel()
	s, srv := serve(t, status(503))
	c := newClient(t, srv.URL, testkit.NewClock(), func(c *testConfig) { c.SetMaxRetries(2) })
	_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
	var se *deskbridge.APIError
	if !errors.As(err, &se) || se.Attempts != 3 || len(s.Requests()) != 3 {
		t.Fatalf("err = %v (%T), requests = %d", err, err, len(s.Requests()))
	}
	if !strings.Contains(err.Error(), "gave up after 3 attempts") || !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("err = %q", err)
	}
}

func TestNotRetried(t *testing.T) {
	t.Parallel()
	for _, code := range []int{400, 401, 403, 404, 409, 422, 501} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			s, srv := serve(t, status(code))
			c := newClient(t, srv.URL, testkit.NewClock())
			_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
			if err == nil || len(s.Requests()) != 1 {
				t.Fatalf("err = %v, requests = %d", err, len(s.Requests()))
			}
			if se := (*deskbridge.APIError)(nil); errors.As(err, &se) && se.RetryAfter != 0 {
				t.Fatalf("RetryAfter = %v for a response that asked for no wait", se.RetryAfter)
			}
			if !errors.Is(err, deskbridge.KindOf(code)) {
				t.Fatalf("%v does not match %v", err, deskbridge.KindOf(code))
			}
		})
	}
}

func TestCancelDuringWaitReturnsPromptly(t *testing.T) {
	t.Parallel()
	_, srv := serve(t, status(429, "Retry-After", "30"))
	c := newClient(t, srv.URL, nil) // real clock and sleep
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(ctx, &Request{Path: "/x"}, nil)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond) // let the first attempt land and the wait start
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		if elapsed := time.Since(start); elapsed > 50*time.Millisecond {
			t.Fatalf("returned %s after cancel, want < 50ms", elapsed)
		}
		if !errors.Is(err, context.Canceled) || errors.Is(err, deskbridge.ErrUnavailable) {
			t.Fatalf("err = %v, want context.Canceled only", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Do did not return after cancel")
	}
}

func TestRetryAfterBeyondDeadlineFailsAtOnce(t *testing.T) {
	t.Parallel()
	s, srv := serve(t, status(429, "Retry-After", "30"), status(200))
	c := newClient(t, srv.URL, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Do(ctx, &Request{Path: "/x"}, nil)
	if elapsed := time.Since(start); elapsed > 500*time.Millisecond {
		t.Fatalf("took %s; the wait should not have started", elapsed)
	}
	var se *deskbridge.APIError
	if !errors.As(err, &se) || se.StatusCode != 429 || se.RetryAfter != 30*time.Second || se.Attempts != 1 {
		t.Fatalf("err = %v (%+v)", err, se)
	}
	if !errors.Is(err, deskbridge.ErrRateLimited) || len(s.Requests()) != 1 {
		t.Fatalf("err = %v, requests = %d", err, len(s.Requests()))
	}
}

func TestServerWaitAboveCeilingIsNotWaited(t *testing.T) {
	t.Parallel()
	_, srv := serve(t, status(503, "Retry-After", "3600"), status(200))
	ft := testkit.NewClock()
	c := newClient(t, srv.URL, ft)
	_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
	var se *deskbridge.APIError
	if !errors.As(err, &se) || se.RetryAfter != time.Hour || len(ft.Sleeps()) != 0 {
		t.Fatalf("err = %v, sleeps = %v", err, ft.Sleeps())
	}
}

func TestPacingHoldsNextRequestUntilReset(t *testing.T) {
	t.Parallel()
	s, srv := serve(t, status(200, "X-Remaining", "0", "X-Reset", "12"), status(200, "X-Remaining", "99", "X-Reset", "60"))
	ft := testkit.NewClock()
	c := newClient(t, srv.URL, ft)
	if _, err := c.Do(t.Context(), &Request{Path: "/a"}, nil); err != nil {
		t.Fatal(err)
	}
	if len(ft.Sleeps()) != 0 {
		t.Fatalf("first request waited: %v", ft.Sleeps())
	}
	if _, err := c.Do(t.Context(), &Request{Path: "/b"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := ft.Sleeps(); len(got) != 1 || got[0] != 12*time.Second+resumeMargin {
		t.Fatalf("second request waited %v, want [12s+%s]", got, resumeMargin)
	}
	if n := len(s.Requests()); n != 2 {
		t.Fatalf("requests = %d, want 2 (no 429 collected)", n)
	}
	if rl := c.RateLimit(); rl.Remaining != 99 {
		t.Fatalf("RateLimit = %+v", rl)
	}
	// The budget is back: a third request goes at once.
	if _, err := c.Do(t.Context(), &Request{Path: "/c"}, nil); err != nil || len(ft.Sleeps()) != 1 {
		t.Fatalf("err = %v, sleeps = %v", err, ft.Sleeps())
	}
}

func TestPacingSharedAcrossGoroutinesAndDeadline(t *testing.T) {
	t.Parallel()
	s, srv := serve(t, status(200, "X-Remaining", "0", "X-Reset", "30"), status(200))
	c := newClient(t, srv.URL, nil) // real clock: nothing may wait 30 s here
	if _, err := c.Do(t.Context(), &Request{Path: "/a"}, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			_, err := c.Do(ctx, &Request{Path: "/b"}, nil)
			var se *deskbridge.APIError
			if !errors.As(err, &se) || !se.NotSent || !errors.Is(err, deskbridge.ErrRateLimited) {
				t.Errorf("err = %v, want a not-sent 429", err)
			}
		}()
	}
	wg.Wait()
	if n := len(s.Requests()); n != 1 {
		t.Fatalf("requests = %d, want 1: the held ones must not be sent", n)
	}
}

func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	const token, password = "tok-SUPERSECRET-9f8e7d", "pa55-w0rd-XYZ"
	// A hostile or careless server echoes every credential it got, raw and
	// decoded.
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		user, pass, _ := r.BasicAuth()
		fmt.Fprintf(w, "bad credentials %q user=%s pass=%s bearer=%s",
			r.Header.Get("Authorization"), user, pass, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}
	_, srv := serve(t, echo)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, tc := range []struct {
		cred   Credential
		secret string
	}{
		{Bearer(token), token},
		{Basic("agent@example.com/token", token), token},
		{Basic("agent@example.com", password), password},
	} {
		c := newClient(t, srv.URL, testkit.NewClock(), func(c *testConfig) {
			c.Cred = &tc.cred
			c.logger = logger
		})
		_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
		var se *deskbridge.APIError
		if !errors.As(err, &se) {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), tc.secret) {
			t.Fatalf("secret in error: %q", err)
		}
		if !strings.Contains(err.Error(), "[redacted]") {
			t.Fatalf("error %q lost the redaction marker", err)
		}
	}
	// A secret the client was given (a client secret, a password for a token
	// grant) is scrubbed even when no header carried it.
	_, leaky := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "invalid_client: secret %s rejected", password)
	})
	c := newClient(t, leaky.URL, testkit.NewClock(), func(c *testConfig) { c.logger = logger })
	c.Secrets().Add(password)
	if _, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/oauth/token", NoAuth: true}, nil); err == nil || strings.Contains(err.Error(), password) {
		t.Fatalf("err = %v", err)
	}
	// A network error whose text quotes the credential (a proxy echoing
	// the request) leaks into neither the error nor the attempt's log.
	echoing := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return nil, fmt.Errorf("proxy refused %s", r.Header.Get("Authorization"))
	})
	c = newClient(t, "https://vendor.example.com", testkit.NewClock(), func(c *testConfig) {
		c.Cred = ptr(Bearer(token))
		c.logger = logger
		c.httpClient = &http.Client{Transport: echoing}
		c.SetMaxRetries(1)
	})
	_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
	if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "proxy refused") {
		t.Fatalf("err = %v", err)
	}
	if logs.Len() == 0 {
		t.Fatal("no log records captured; the test would prove nothing")
	}
	for _, secret := range []string{token, password} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("secret in logs: %s", logs.String())
		}
	}
}

func TestOneLogRecordPerAttempt(t *testing.T) {
	t.Parallel()
	_, srv := serve(t, status(503), status(200))
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, srv.URL, testkit.NewClock(), func(c *testConfig) { c.logger = logger; c.retryWaitMin = time.Second })
	if _, err := c.Do(t.Context(), &Request{Path: "/things/1", Query: url.Values{"email": {"x@example.com"}}}, nil); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d records, want 2:\n%s", len(lines), logs.String())
	}
	for i, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"vendor", "method", "path", "status", "attempt", "wait"} {
			if _, ok := rec[k]; !ok {
				t.Fatalf("record %d lacks %q: %s", i, k, line)
			}
		}
		if rec["path"] != "/things/1" || rec["attempt"] != float64(i+1) {
			t.Fatalf("record %d: %s", i, line)
		}
	}
	if strings.Contains(logs.String(), "x@example.com") {
		t.Fatal("the query string was logged")
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	var seen sync.Map // path → struct{}: the first attempt of about one call in 7 fails
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		w.Header().Set("X-Remaining", fmt.Sprint(100000-n))
		if _, again := seen.LoadOrStore(r.URL.Path, struct{}{}); !again && pathSum(r.URL.Path)%7 == 0 {
			w.WriteHeader(503)
			return
		}
		fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, nil, func(c *testConfig) {
		c.retryWaitMin, c.retryWaitMax = time.Millisecond, 2*time.Millisecond
		c.SetMaxRetries(5)
		c.Cred = ptr(Bearer("token-for-race"))
	})
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				var out struct{ Path string }
				p := Pathf("/g/%d/i/%d", g, i)
				if _, err := c.Do(t.Context(), &Request{Path: p}, &out); err != nil {
					t.Error(err)
					return
				}
				if out.Path != p {
					t.Errorf("got %q for %q", out.Path, p)
				}
			}
		}()
	}
	wg.Wait()
	if c.RateLimit().Observed.IsZero() {
		t.Fatal("rate limit never observed")
	}
	if n := hits.Load(); n <= 32*20 {
		t.Fatalf("%d hits: no call was retried, the test proves less than it says", n)
	}
}

func pathSum(p string) int {
	n := 0
	for _, b := range []byte(p) {
		n += int(b)
	}
	return n
}

func TestRequestBuilding(t *testing.T) {
	t.Parallel()
	s, srv := serve(t, status(200))
	c := newClient(t, srv.URL+"/prefix", testkit.NewClock(), func(c *testConfig) {
		c.userAgent = "myapp/2.0"
		c.Header = http.Header{"Accept": {"application/json"}}
	})
	type opts struct {
		PageSize int    `url:"page[size],omitempty"`
		After    string `url:"page[after],omitempty"`
		Empty    string `url:"empty,omitempty"`
	}
	_, err := c.Do(t.Context(), &Request{
		Method: http.MethodPut,
		Path:   Pathf("/api/v2/users/%s/x", "a/b c"),
		Query:  opts{PageSize: 100, After: "xyz"},
		Body:   map[string]string{"name": "Ann"},
		Header: http.Header{"X-Call": {"1"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := s.Requests()[0]
	if r.Method != "PUT" || r.Path != "/prefix/api/v2/users/a/b c/x" || r.RawPath != "/prefix/api/v2/users/a%2Fb%20c/x" {
		t.Fatalf("path = %q raw %q", r.Path, r.RawPath)
	}
	if r.Query != "page%5Bafter%5D=xyz&page%5Bsize%5D=100" {
		t.Fatalf("query = %q", r.Query)
	}
	if r.Body != `{"name":"Ann"}` || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("body %q type %q", r.Body, r.Header.Get("Content-Type"))
	}
	if got := r.Header.Get("User-Agent"); got != "myapp/2.0 deskbridge/"+deskbridge.Version {
		t.Fatalf("User-Agent = %q", got)
	}
	if r.Header.Get("Accept") != "application/json" || r.Header.Get("X-Call") != "1" {
		t.Fatalf("headers = %v", r.Header)
	}
	// A form body.
	if _, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/oauth/token", Body: url.Values{"grant_type": {"password"}}}, nil); err != nil {
		t.Fatal(err)
	}
	r = s.Requests()[1]
	if r.Body != "grant_type=password" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Fatalf("form: %q %q", r.Body, r.Header.Get("Content-Type"))
	}
	// A raw body: its bytes and its content type, as they are.
	multipart := "--b\r\nContent-Disposition: form-data; name=\"source\"; filename=\"a.txt\"\r\n\r\nhi\r\n--b--\r\n"
	if _, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/attachments", Body: RawBody{ContentType: "multipart/form-data; boundary=b", Data: []byte(multipart)}}, nil); err != nil {
		t.Fatal(err)
	}
	r = s.Requests()[2]
	if r.Body != multipart || r.Header.Get("Content-Type") != "multipart/form-data; boundary=b" {
		t.Fatalf("raw: %q %q", r.Body, r.Header.Get("Content-Type"))
	}
	// One without its content type is refused before sending.
	_, err = c.Do(t.Context(), &Request{Method: "POST", Path: "/attachments", Body: RawBody{Data: []byte("x")}}, nil)
	if !errors.Is(err, deskbridge.ErrInvalid) || len(s.Requests()) != 3 {
		t.Fatalf("raw body without a content type: %v, %d requests", err, len(s.Requests()))
	}
}

func TestPathsRefused(t *testing.T) {
	t.Parallel()
	s, srv := serve(t, status(200))
	c := newClient(t, srv.URL+"/api", testkit.NewClock())
	for _, p := range []string{
		Pathf("/v2/users/%s", ".."),
		Pathf("/v2/users/%s/x", "."),
		Pathf("/v2/agents/%s", "../../admin/x"), // ..%2F..%2Fadmin%2Fx: a decoding proxy would walk up
		Pathf("/v2/agents/%s", `..\admin`),
		Pathf("/v2/agents/%s", ""),        // an empty id: the collection
		Pathf("/v2/agents/%s/status", ""), // "//status"
		"/v2/%2e%2e/admin",
		"https://evil.example.com/api/v2/x",
		srv.URL + "/other/x",
		srv.URL + "/api/../x",
	} {
		_, err := c.Do(t.Context(), &Request{Method: "DELETE", Path: p}, nil)
		if err == nil {
			t.Errorf("%q was sent", p)
		} else if !errors.Is(err, deskbridge.ErrInvalid) {
			t.Errorf("%q: %v does not match ErrInvalid", p, err)
		}
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
	// A next-page link below the base URL is followed, query and all.
	if _, err := c.Do(t.Context(), &Request{Path: srv.URL + "/api/v2/x?page%5Bafter%5D=abc"}, nil); err != nil {
		t.Fatal(err)
	}
	if r := s.Requests()[0]; r.Path != "/api/v2/x" || r.Query != "page%5Bafter%5D=abc" {
		t.Fatalf("got %+v", r)
	}
}

// A redirect is followed on the base URL's origin, credentials and all,
// and never to another host: Go's client would drop the Authorization
// header there but re-send a 307's body (a token request's secret).
func TestRedirectsStayOnOrigin(t *testing.T) {
	t.Parallel()
	other, otherSrv := serve(t, status(200))
	s, srv := serve(t,
		func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/moved", http.StatusTemporaryRedirect)
		},
		status(200),
		func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, otherSrv.URL+"/landing", http.StatusTemporaryRedirect)
		})
	c := newClient(t, srv.URL, testkit.NewClock(), func(c *testConfig) { c.Cred = ptr(Bearer("secret-token-1")) })
	if _, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/x", Body: map[string]string{"a": "b"}}, nil); err != nil {
		t.Fatal(err)
	}
	if r := s.Requests()[1]; r.Path != "/moved" || r.Header.Get("Authorization") != "Bearer secret-token-1" || r.Body != `{"a":"b"}` {
		t.Fatalf("same-origin redirect: %+v", r)
	}
	_, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/oauth/token", Body: url.Values{"client_secret": {"s3cr3t-value"}}, NoAuth: true}, nil)
	if err == nil || !strings.Contains(err.Error(), "refusing to follow a redirect away from the base URL") {
		t.Fatalf("err = %v", err)
	}
	if n := len(other.Requests()); n != 0 {
		t.Fatalf("the other host got %d requests: %+v", n, other.Requests())
	}
	if n := len(s.Requests()); n != 3 {
		t.Fatalf("a refused redirect was retried: %d requests", n)
	}

	// Nor to another path prefix of the same host: one proxy may serve
	// several tenants.
	proxy, proxySrv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/tenant-b/x", http.StatusTemporaryRedirect)
	})
	c = newClient(t, proxySrv.URL+"/tenant-a", testkit.NewClock(), func(c *testConfig) { c.Cred = ptr(Bearer("tenant-a-token")) })
	if _, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/x", Body: map[string]string{"a": "b"}}, nil); err == nil || !strings.Contains(err.Error(), "away from the base URL") {
		t.Fatalf("err = %v", err)
	}
	if n := len(proxy.Requests()); n != 1 {
		t.Fatalf("the other tenant's path got the request: %+v", proxy.Requests())
	}
}

func TestNetworkErrors(t *testing.T) {
	t.Parallel()
	// A server that drops the connection after reading the request.
	drop := func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	t.Run("dropped GET is retried", func(t *testing.T) {
		t.Parallel()
		s, srv := serve(t, drop, status(200))
		c := newClient(t, srv.URL, testkit.NewClock())
		if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil || len(s.Requests()) != 2 {
			t.Fatalf("err = %v, requests = %d", err, len(s.Requests()))
		}
	})
	t.Run("dropped POST is not replayed", func(t *testing.T) {
		t.Parallel()
		s, srv := serve(t, drop, status(200))
		c := newClient(t, srv.URL, testkit.NewClock())
		_, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/x", Body: map[string]int{}}, nil)
		var te *deskbridge.TransportError
		if !errors.As(err, &te) || !errors.Is(err, deskbridge.ErrUnavailable) || len(s.Requests()) != 1 {
			t.Fatalf("err = %v, requests = %d", err, len(s.Requests()))
		}
	})
	t.Run("refused connection is retried even for POST", func(t *testing.T) {
		t.Parallel()
		c := newClient(t, refusedURL, testkit.NewClock(), func(c *testConfig) { c.SetMaxRetries(2) })
		_, err := c.Do(t.Context(), &Request{Method: "POST", Path: "/x"}, nil)
		var te *deskbridge.TransportError
		if !errors.As(err, &te) || te.Attempts != 3 || !strings.Contains(err.Error(), "gave up after 3 attempts") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("slow server hits the attempt timeout and is retried", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		defer close(release)
		slow := func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		s, srv := serve(t, slow, status(200))
		c := newClient(t, srv.URL, testkit.NewClock(), func(c *testConfig) { c.httpClient = &http.Client{Timeout: 50 * time.Millisecond} })
		if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil || len(s.Requests()) != 2 {
			t.Fatalf("err = %v, requests = %d", err, len(s.Requests()))
		}
	})
}

func TestErrorBodyCapped(t *testing.T) {
	t.Parallel()
	_, srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		w.Write(bytes.Repeat([]byte("x"), 3<<20))
	})
	var bodyLen int
	c := newClient(t, srv.URL, testkit.NewClock(), func(c *testConfig) {
		c.DecodeError = func(info *ErrorInfo) error { bodyLen = len(info.Body); return &info.APIError }
	})
	_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
	if bodyLen != MaxErrorBody {
		t.Fatalf("body len = %d", bodyLen)
	}
	if len(err.Error()) > 400 {
		t.Fatalf("error string is %d bytes; bodies must not be dumped into it", len(err.Error()))
	}
}

func TestDecodeResponses(t *testing.T) {
	t.Parallel()
	_, srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/empty":
			w.WriteHeader(204)
		case "/bad":
			io.WriteString(w, `{"id":`)
		default:
			io.WriteString(w, `{"id":7}`)
		}
	})
	c := newClient(t, srv.URL, testkit.NewClock())
	out := struct{ ID int }{ID: 3}
	if _, err := c.Do(t.Context(), &Request{Path: "/empty"}, &out); err != nil || out.ID != 3 {
		t.Fatalf("204: err %v out %+v", err, out)
	}
	var raw []byte
	if _, err := c.Do(t.Context(), &Request{Path: "/raw"}, &raw); err != nil || string(raw) != `{"id":7}` {
		t.Fatalf("raw: %v %q", err, raw)
	}
	if _, err := c.Do(t.Context(), &Request{Path: "/bad"}, &out); err == nil || !strings.Contains(err.Error(), "decoding") {
		t.Fatalf("bad JSON: %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"1.5", 1500 * time.Millisecond, true},
		{"-3", 0, false},
		{"NaN", 0, false},
		{"+Inf", 0, false},
		{"", 0, false},
		{"soon", 0, false},
		{"Sat, 21 Nov 2026 10:00:09 GMT", 9 * time.Second, true},
		{"Sat, 21 Nov 2026 09:00:00 GMT", 0, true},
		{"Saturday, 21-Nov-26 10:00:05 GMT", 5 * time.Second, true},
	} {
		got, ok := ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoffCapped(t *testing.T) {
	t.Parallel()
	for attempt := 1; attempt < 100; attempt++ {
		d := backoff(250*time.Millisecond, 2*time.Second, attempt)
		if d < 125*time.Millisecond || d > 2*time.Second {
			t.Fatalf("attempt %d: %v", attempt, d)
		}
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"ftp://x", "https://", "https://u:p@x.example.com", "https://x.example.com?a=1", "::"} {
		if _, err := NewClient(&Vendor{Name: "v"}, &Settings{baseURL: base}); !errors.Is(err, deskbridge.ErrInvalid) {
			t.Errorf("base %q: %v, want an error matching ErrInvalid", base, err)
		}
	}
	if _, err := NewClient(&Vendor{Name: "v"}, &Settings{}); !errors.Is(err, deskbridge.ErrInvalid) || !strings.Contains(err.Error(), "WithBaseURL") {
		t.Errorf("no base URL: %v", err)
	}
	// A refused option matches ErrInvalid too.
	v := &Vendor{Name: "v", Host: LabelHost("https://%s.example.com", "subdomain")}
	opt := func(c *testConfig) error { return c.SetHost(v, "evil.com/x") }
	if _, _, err := Build(v, []func(*testConfig) error{opt}); !errors.Is(err, deskbridge.ErrInvalid) || !strings.Contains(err.Error(), "v: subdomain") {
		t.Errorf("a refused option: %v", err)
	}
	if _, err := NewClient(&Vendor{}, &Settings{baseURL: "https://x.example.com"}); err == nil {
		t.Error("empty vendor accepted")
	}
}

func TestAuthErrorNotRetried(t *testing.T) {
	t.Parallel()
	s, srv := serve(t, status(200))
	var calls atomic.Int32
	boom := authFunc(func(*http.Request) error { calls.Add(1); return errors.New("token endpoint said no") })
	c := newClient(t, srv.URL, testkit.NewClock(), func(c *testConfig) { c.Cred = withAuth(boom) })
	_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
	if err == nil || !strings.Contains(err.Error(), "token endpoint said no") || calls.Load() != 1 || len(s.Requests()) != 0 {
		t.Fatalf("err = %v, calls = %d, requests = %d", err, calls.Load(), len(s.Requests()))
	}
	if errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatal("an authentication failure is not the vendor being unavailable")
	}
	// NoAuth requests skip the authenticator.
	if _, err := c.Do(t.Context(), &Request{Path: "/oauth", NoAuth: true}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestSecretsBounded(t *testing.T) {
	t.Parallel()
	set := NewSecrets("client-secret-1")
	set.Add("rotated-refresh-token")
	for i := range 40 { // past the ring: the static secret must survive
		set.Add(fmt.Sprintf("access-token-%02d", i))
	}
	got := set.Scrub("client-secret-1 rotated-refresh-token access-token-39 access-token-00")
	if got != "[redacted] rotated-refresh-token [redacted] access-token-00" {
		t.Fatalf("Scrub = %q", got)
	}
	// A secret learnt after the client was built is scrubbed from its errors.
	_, srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		io.WriteString(w, "bad refresh token late-learnt-secret")
	})
	c := newClient(t, srv.URL, testkit.NewClock())
	c.Secrets().Add("late-learnt-secret")
	_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
	if err == nil || strings.Contains(err.Error(), "late-learnt-secret") {
		t.Fatalf("err = %v", err)
	}
}

func TestOAuthErrorKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		code   string
		want   error
	}{
		{400, "invalid_grant", deskbridge.ErrUnauthorized},
		{401, "invalid_client", deskbridge.ErrUnauthorized},
		{400, "unauthorized_client", deskbridge.ErrUnauthorized},
		{400, "invalid_request", deskbridge.ErrInvalid},
		{400, "RecordInvalid", deskbridge.ErrInvalid},
		{503, "invalid_grant", deskbridge.ErrUnavailable}, // an outage, whatever the body says
		{429, "invalid_client", deskbridge.ErrRateLimited},
	} {
		err := &deskbridge.APIError{StatusCode: tc.status, Code: tc.code}
		if got := err.Unwrap(); got != tc.want {
			t.Errorf("%d %q unwraps to %v, want %v", tc.status, tc.code, got, tc.want)
		}
	}
}

// A success body past the client's limit is an error that names the
// limit, read no further than the limit: never a truncated result, and
// never the whole body in memory. (Before, a 64 MiB body was decoded whole,
// allocating some 448 MiB.)
func TestSuccessBodyCapped(t *testing.T) {
	const limit = 1 << 20
	chunk := bytes.Repeat([]byte(`"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",`), 1024)
	_, srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sized" {
			w.Header().Set("Content-Length", fmt.Sprint(64<<20))
		}
		io.WriteString(w, `{"items":[`)
		for range (64 << 20) / len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	c := newClient(t, srv.URL, testkit.NewClock(), func(c *testConfig) { c.SetMaxResponseSize(limit) })
	for _, path := range []string{"/chunked", "/sized"} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var out struct{ Items []string }
		_, err := c.Do(t.Context(), &Request{Path: path}, &out)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "larger than 1048576 bytes") || !strings.Contains(err.Error(), "WithMaxResponseSize") {
			t.Fatalf("%s: err = %v", path, err)
		}
		if len(out.Items) != 0 {
			t.Fatalf("%s: a truncated result was decoded: %d items", path, len(out.Items))
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16*limit { // far below the 64 MiB sent
			t.Fatalf("%s: %d MiB allocated for a body capped at 1 MiB", path, alloc>>20)
		}
	}
	// The default is generous: 64 MiB.
	if c := newClient(t, srv.URL, nil); c.maxBody != 64<<20 {
		t.Fatalf("default limit %d", c.maxBody)
	}
}

// Pathf formats the common verbs without fmt, exactly as fmt would.
func TestPathfQuickPathAgreesWithFmt(t *testing.T) {
	for _, tc := range []struct {
		format string
		args   []any
	}{
		{"/api/v2/tickets/%d", []any{int64(35436)}},
		{"/api/v2/tickets/%d/comments", []any{42}},
		{"/api/v2/users/%s/x", []any{"a/b c?%"}},
		{"/v/%v/%v", []any{"é/..", int64(-7)}},
		{"/100%%/%s", []any{"x"}},
		{"/%05d", []any{7}},               // a width: fmt's path
		{"/%x", []any{255}},               // another verb: fmt's path
		{"/%d/%s", []any{uint(3), "y"}},   // another type: fmt's path
		{"/%s/%s", []any{"only one"}},     // too few arguments
		{"/%s", []any{"one", "too many"}}, // too many
		{"/trailing%", nil},
	} {
		escaped := make([]any, len(tc.args))
		for i, a := range tc.args {
			escaped[i] = segment{a}
		}
		want := fmt.Sprintf(tc.format, escaped...)
		if got := Pathf(tc.format, tc.args...); got != want {
			t.Errorf("Pathf(%q, %v) = %q, want %q", tc.format, tc.args, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = Pathf("/api/v2/tickets/%d", int64(35436)) }); n > 1 {
		t.Errorf("Pathf of an id allocates %v times, want 1", n)
	}
}

// An error that says the budget is spent carries the time to the reset in
// its RetryAfter, whatever its status: that is when a retry can go.
func TestSpentBudgetGivesRetryAfter(t *testing.T) {
	t.Parallel()
	_, srv := serve(t, status(400, "X-Remaining", "0", "X-Reset", "30"), status(400, "X-Remaining", "5", "X-Reset", "30"))
	c := newClient(t, srv.URL, testkit.NewClock())
	for _, want := range []time.Duration{30 * time.Second, 0} {
		_, err := c.Do(t.Context(), &Request{Path: "/x"}, nil)
		var apiErr *deskbridge.APIError
		if !errors.As(err, &apiErr) || apiErr.RetryAfter != want {
			t.Fatalf("err = %v, RetryAfter %v, want %v", err, apiErr.RetryAfter, want)
		}
	}
}

// The budget an answer reports after a redirect counts: the client holds
// the next request until the reset it gave.
func TestRedirectedAnswerPaces(t *testing.T) {
	t.Parallel()
	_, srv := serve(t,
		func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/moved", http.StatusTemporaryRedirect)
		},
		status(200, "X-Remaining", "0", "X-Reset", "12"),
		status(200))
	ft := testkit.NewClock()
	c := newClient(t, srv.URL, ft)
	for range 2 {
		if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := ft.Sleeps(); len(got) != 1 || got[0] != 12*time.Second+resumeMargin {
		t.Fatalf("waits %v, want the reset the redirected answer gave", got)
	}
}
