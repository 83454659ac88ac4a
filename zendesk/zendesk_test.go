package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/jarcoal/httpmock"
)

const (
	testBase  = "https://acme.zendesk.com"
	testToken = "test-oauth-token-1234"
)

// call is one request the mock transport received.
type call struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

// reply is one canned response.
type reply struct {
	status int
	body   string
	header []string // name, value, ...
}

func ok(body string) reply               { return reply{status: 200, body: body} }
func status(code int, body string) reply { return reply{status: code, body: body} }

// fake is an httpmock transport dedicated to one test (never the global
// DefaultTransport), recording every request.
type fake struct {
	t    *testing.T
	mock *httpmock.MockTransport
	mu   sync.Mutex
	got  []call
}

func newFake(t *testing.T) *fake {
	t.Helper()
	return &fake{t: t, mock: httpmock.NewMockTransport()}
}

// client returns a client on the fake: subdomain acme, retries without real
// waits, and with no opts a static OAuth token. Tests that give opts give
// their own credential.
func (f *fake) client(opts ...Option) *Client {
	f.t.Helper()
	base := []Option{
		WithSubdomain("acme"),
		WithHTTPClient(&http.Client{Transport: f.mock}),
		WithRetryWaitMax(time.Millisecond),
	}
	if len(opts) == 0 { // with options, the test gives its own credential
		base = append(base, WithOAuthToken(testToken))
	}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// on answers method + path (query ignored for matching) with replies in
// order, the last one repeating.
func (f *fake) on(method, path string, replies ...reply) {
	f.t.Helper()
	var mu sync.Mutex
	n := 0
	f.mock.RegisterResponder(method, testBase+path, func(req *http.Request) (*http.Response, error) {
		f.record(req)
		mu.Lock()
		r := replies[min(n, len(replies)-1)]
		n++
		mu.Unlock()
		resp := httpmock.NewStringResponse(r.status, r.body)
		resp.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(r.header); i += 2 {
			resp.Header.Set(r.header[i], r.header[i+1])
		}
		return resp, nil
	})
}

func (f *fake) record(req *http.Request) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, call{req.Method, req.URL.EscapedPath(), req.URL.RawQuery, req.Header.Clone(), string(body)})
}

func (f *fake) calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.got...)
}

// only returns the single request made, failing otherwise.
func (f *fake) only() call {
	f.t.Helper()
	c := f.calls()
	if len(c) != 1 {
		f.t.Fatalf("got %d requests, want 1: %+v", len(c), c)
	}
	return c[0]
}

// expect checks method, path, query (order-insensitive; "" for none) and
// the exact JSON body ("" for none), and the headers every call carries.
func (c call) expect(t *testing.T, method, path, query, body string) {
	t.Helper()
	if c.Method != method || c.Path != path {
		t.Errorf("request = %s %s, want %s %s", c.Method, c.Path, method, path)
	}
	gotQ, _ := url.ParseQuery(c.RawQuery)
	wantQ, _ := url.ParseQuery(query)
	if len(gotQ) != 0 || len(wantQ) != 0 {
		if !reflect.DeepEqual(gotQ, wantQ) {
			t.Errorf("query = %q, want %q", c.RawQuery, query)
		}
	}
	if body != "" {
		var want bytes.Buffer
		if err := json.Compact(&want, []byte(body)); err != nil {
			t.Fatalf("bad expected body: %v", err)
		}
		if c.Body != want.String() {
			t.Errorf("body =\n%s\nwant\n%s", c.Body, want.String())
		}
		if ct := c.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
	} else if c.Body != "" {
		t.Errorf("unexpected body %s", c.Body)
	}
	if a := c.Header.Get("Authorization"); a != "Bearer "+testToken && !strings.HasPrefix(a, "Basic ") && !strings.HasPrefix(a, "Bearer ") {
		t.Errorf("Authorization = %q", a)
	}
	if c.Header.Get("Accept") != "application/json" {
		t.Errorf("Accept = %q", c.Header.Get("Accept"))
	}
	if ua := c.Header.Get("User-Agent"); !strings.Contains(ua, "deskbridge/"+deskbridge.Version) {
		t.Errorf("User-Agent = %q", ua)
	}
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// isInvalid asserts an input error refused before sending.
func isInvalid(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, deskbridge.ErrInvalid) {
		t.Errorf("err = %v, want deskbridge.ErrInvalid", err)
	}
}

func TestSubdomainValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sub string
		ok  bool
	}{
		{"acme", true},
		{"a", true},
		{"acme-support", true},
		{"z3ndesk", true},
		{strings.Repeat("a", 63), true},
		// Host names are case-insensitive: folded to lower case.
		{"Acme", true},
		{"ACME", true},
		// Surrounding space is trimmed; nothing inside a label can move
		// the host.
		{"acme\n", true},
		{"", false},
		{"evil.com/x", false},
		{"a..b", false},
		{"acme.zendesk.com", false},
		{"-acme", false},
		{"acme-", false},
		{strings.Repeat("a", 64), false},
		{"ac me", false},
		{"acme@evil.com", false},
		{"acme:443", false},
		{"acme#", false},
		{"acme/", false},
		{"ac\nme", false},
		{"ａcme", false}, // full-width a
		{"under_score", false},
	} {
		c, err := NewClient(WithSubdomain(tc.sub), WithOAuthToken("t0k3n"))
		if (err == nil) != tc.ok {
			t.Errorf("WithSubdomain(%q): err = %v, want ok=%v", tc.sub, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "subdomain") {
			t.Errorf("WithSubdomain(%q): unclear error %q", tc.sub, err)
		}
		if err == nil && !strings.HasPrefix(c.BaseURL(), "https://"+strings.ToLower(strings.TrimSpace(tc.sub))+".zendesk.com") {
			t.Errorf("WithSubdomain(%q): base URL %s", tc.sub, c.BaseURL())
		}
	}
	_, err := NewClient(WithSubdomain("acme.zendesk.com"), WithOAuthToken("t0k3n"))
	if err == nil || !strings.Contains(err.Error(), `give only the first label: "acme"`) {
		t.Errorf("hint missing: %v", err)
	}
}

func TestNewClientOptions(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithSubdomain("acme"), WithOAuthToken("t0k3n"))
	if err != nil || c.BaseURL() != "https://acme.zendesk.com" {
		t.Fatalf("c = %v, err = %v", c, err)
	}
	c, err = NewClient(WithSubdomain("acme"), WithBaseURL("http://127.0.0.1:9/zd/"), WithOAuthToken("t0k3n"))
	if err != nil || c.BaseURL() != "http://127.0.0.1:9/zd" {
		t.Fatalf("base URL wins: %v, %v", c, err)
	}
	for name, opts := range map[string][]Option{
		"no account":      {WithOAuthToken("t0k3n")},
		"no credentials":  {WithSubdomain("acme")},
		"two credentials": {WithSubdomain("acme"), WithOAuthToken("t0k3n"), WithAPIToken("a@example.com", "tok")},
		"bad base URL":    {WithBaseURL("ftp://x"), WithOAuthToken("t0k3n")},
		"nil HTTP client": {WithSubdomain("acme"), WithOAuthToken("t0k3n"), WithHTTPClient(nil)},
		"nil logger":      {WithSubdomain("acme"), WithOAuthToken("t0k3n"), WithLogger(nil)},
		"bad user agent":  {WithSubdomain("acme"), WithOAuthToken("t0k3n"), WithUserAgent("a\nb")},
		"bad retries":     {WithSubdomain("acme"), WithOAuthToken("t0k3n"), WithMaxRetries(-1)},
		"bad wait":        {WithSubdomain("acme"), WithOAuthToken("t0k3n"), WithRetryWaitMax(0)},
		"bad max size":    {WithSubdomain("acme"), WithOAuthToken("t0k3n"), WithMaxResponseSize(0)},
		"empty token":     {WithSubdomain("acme"), WithOAuthToken(" ")},
		"token with \\n":  {WithSubdomain("acme"), WithOAuthToken("a\nb")},
		"empty email":     {WithSubdomain("acme"), WithAPIToken("", "tok")},
		"email with :":    {WithSubdomain("acme"), WithAPIToken("a:b@example.com", "tok")},
		"empty API token": {WithSubdomain("acme"), WithAPIToken("a@example.com", "")},
		"nil source":      {WithSubdomain("acme"), WithTokenSource(nil)},
		"cc no id":        {WithSubdomain("acme"), WithOAuthClientCredentials("", "secret")},
		"cc no secret":    {WithSubdomain("acme"), WithOAuthClientCredentials("id", "")},
		"cc bad scope":    {WithSubdomain("acme"), WithOAuthClientCredentials("id", "secret", "read write")},
		"rt no id":        {WithSubdomain("acme"), WithOAuthRefreshToken("", "s", Token{RefreshToken: "r"}, noStore)},
		"rt no secret":    {WithSubdomain("acme"), WithOAuthRefreshToken("id", "", Token{RefreshToken: "r"}, noStore)},
		"rt no token":     {WithSubdomain("acme"), WithOAuthRefreshToken("id", "s", Token{}, noStore)},
		"rt no callback":  {WithSubdomain("acme"), WithOAuthRefreshToken("id", "s", Token{RefreshToken: "r"}, nil)},
	} {
		if _, err := NewClient(opts...); err == nil || !strings.HasPrefix(err.Error(), "zendesk: ") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// nil options are skipped.
	if _, err := NewClient(nil, WithSubdomain("acme"), WithOAuthToken("t0k3n")); err != nil {
		t.Fatal(err)
	}
}

func TestCommonOptionsReachRequests(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/users/me", status(503, `{}`), ok(`{"user":{"id":1}}`))
	var logs bytes.Buffer
	c := f.client(WithOAuthToken(testToken), WithUserAgent("acme-sync/1.2"), WithMaxRetries(0),
		WithLogger(slogJSON(&logs)))
	_, err := c.Users.Me(t.Context())
	if !errors.Is(err, deskbridge.ErrUnavailable) || len(f.calls()) != 1 {
		t.Fatalf("retries off: err = %v, calls = %d", err, len(f.calls()))
	}
	if ua := f.calls()[0].Header.Get("User-Agent"); ua != "acme-sync/1.2 deskbridge/"+deskbridge.Version {
		t.Fatalf("User-Agent = %q", ua)
	}
	if !strings.Contains(logs.String(), `"vendor":"zendesk"`) {
		t.Fatalf("no debug log: %s", logs.String())
	}
}

func TestAPITokenAuth(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/users/me", ok(`{"user":{"id":1}}`))
	c := f.client(WithAPIToken("agent@example.com", "api-tok-123"))
	if _, err := c.Users.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	// base64("agent@example.com/token:api-tok-123")
	if got := f.only().Header.Get("Authorization"); got != "Basic YWdlbnRAZXhhbXBsZS5jb20vdG9rZW46YXBpLXRvay0xMjM=" {
		t.Fatalf("Authorization = %q", got)
	}
}

func TestRateLimitHeadersAreReported(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/users/me", reply{status: 200, body: `{"user":{"id":1}}`, header: []string{
		"X-Rate-Limit", "700", "X-Rate-Limit-Remaining", "699", "ratelimit-limit", "700", "ratelimit-remaining", "698", "ratelimit-reset", "41",
	}})
	c := f.client()
	if rl := c.RateLimit(); rl.Limit != 0 {
		t.Fatalf("before any call: %+v", rl)
	}
	before := time.Now()
	if _, err := c.Users.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	rl := c.RateLimit()
	if rl.Limit != 700 || rl.Remaining != 698 || rl.Reset.Before(before.Add(40*time.Second)) || rl.Observed.IsZero() {
		t.Fatalf("rate limit = %+v", rl)
	}
}

func TestRateLimitLegacyHeaders(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/users/me", reply{status: 200, body: `{"user":{"id":1}}`, header: []string{
		"X-Rate-Limit", "400", "X-Rate-Limit-Remaining", "12",
	}})
	c := f.client()
	if _, err := c.Users.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rl := c.RateLimit(); rl.Limit != 400 || rl.Remaining != 12 {
		t.Fatalf("rate limit = %+v", rl)
	}
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(va, vb)
}

// withClock is a test-only option: the client's waits (retries, pacing,
// the polls of JobStatuses.Wait) run on ft, which records them and returns
// at once.
func withClock(ft *testkit.Clock) Option { return withSleep(ft, ft.Sleep) }

// withSleep is withClock with ft's sleep replaced by sleep (which may
// call ft.Sleep).
func withSleep(ft *testkit.Clock, sleep func(context.Context, time.Duration) error) Option {
	return func(c *config) error {
		c.SetClock(ft.Now, sleep)
		return nil
	}
}

// A 429 without Retry-After is retried after the reset Zendesk reports in
// ratelimit-reset (seconds from now), not after a backoff of the client's
// choosing; a Retry-After wins over it.
func TestError429WaitsForZendesksReset(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		header []string
		want   time.Duration
	}{
		{"ratelimit-reset", []string{"ratelimit-limit", "700", "ratelimit-remaining", "0", "ratelimit-reset", "7"}, 7 * time.Second},
		{"Retry-After first", []string{"Retry-After", "3", "ratelimit-reset", "7"}, 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.on("GET", "/api/v2/tickets/1", reply{status: 429, body: "Number of allowed API requests per minute exceeded", header: tc.header},
				ok(`{"ticket":{"id":1}}`))
			ft := testkit.NewClock()
			start := time.Now()
			if _, err := f.client(WithOAuthToken(testToken), withClock(ft)).Tickets.Get(t.Context(), 1); err != nil {
				t.Fatal(err)
			}
			if sleeps := ft.Sleeps(); len(sleeps) != 1 || sleeps[0] < tc.want || sleeps[0] > tc.want+10*time.Millisecond {
				t.Fatalf("waits = %v, want one of %s", sleeps, tc.want)
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("the test waited %s of real time", d)
			}
		})
	}
}
