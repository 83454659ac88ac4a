package braze

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/jarcoal/httpmock"
)

func TestInstances(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"US-01": "https://rest.iad-01.braze.com",
		"us-05": "https://rest.iad-05.braze.com",
		"US-08": "https://rest.iad-08.braze.com",
		"US-10": "https://rest.us-10.braze.com",
		"EU-01": "https://rest.fra-01.braze.eu",
		"EU-02": "https://rest.fra-02.braze.eu",
		"AU-01": "https://rest.au-01.braze.com",
	} {
		c, err := NewClient(WithInstance(in), WithAPIKey(testKey))
		if err != nil {
			t.Fatal(err)
		}
		if c.BaseURL() != want {
			t.Errorf("%s → %s, want %s", in, c.BaseURL(), want)
		}
	}
	if n := len(Instances()); n != 12 {
		t.Fatalf("%d instances, want the 12 of the documented table", n)
	}
	if u, ok := InstanceURL(" eu-02 "); !ok || u != "https://rest.fra-02.braze.eu" {
		t.Fatalf("InstanceURL = %q, %v", u, ok)
	}
	if u, ok := InstanceURL("US-09"); ok || u != "" {
		t.Fatalf("InstanceURL(US-09) = %q, %v", u, ok)
	}
	_, err := NewClient(WithInstance("US-09"), WithAPIKey(testKey))
	if err == nil || !strings.Contains(err.Error(), `unknown Braze instance "US-09"`) ||
		!strings.Contains(err.Error(), "AU-01, EU-01, EU-02, US-01, US-02, US-03, US-04, US-05, US-06, US-07, US-08, US-10") {
		t.Fatalf("err = %v", err)
	}
	// WithBaseURL replaces the instance.
	c, err := NewClient(WithInstance("EU-01"), WithBaseURL("http://127.0.0.1:9/"), WithAPIKey(testKey))
	if err != nil || c.BaseURL() != "http://127.0.0.1:9" {
		t.Fatalf("%v %v", c, err)
	}
}

func TestNewClientValidates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts []Option
		want string
	}{
		{[]Option{WithInstance("US-01")}, "no credentials: give WithAPIKey"},
		{[]Option{WithAPIKey(testKey)}, "give WithInstance (or WithBaseURL"},
		{[]Option{WithInstance("US-01"), WithAPIKey(testKey), WithAPIKey(testKey)}, "give exactly one"},
		{[]Option{WithAPIKey("")}, "empty"},
		{[]Option{WithAPIKey(`"` + testKey + `"`)}, "quoted"},
		{[]Option{WithAPIKey("abc def")}, "spaces"},
		{[]Option{WithAPIKey("abc\n")}, "spaces or control"},
		{[]Option{WithBaseURL("ftp://x")}, "base URL"},
		{[]Option{WithHTTPClient(nil)}, "HTTP client is nil"},
		{[]Option{WithLogger(nil)}, "logger is nil"},
		{[]Option{WithUserAgent("a\nb")}, "user agent"},
		{[]Option{WithMaxRetries(-1)}, "max retries"},
		{[]Option{WithRetryWaitMax(0)}, "retry wait max"},
		{[]Option{WithMaxResponseSize(0)}, "max response size"},
	} {
		if _, err := NewClient(tc.opts...); err == nil || !strings.HasPrefix(err.Error(), "braze: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
	// nil options are skipped; the common options apply.
	c, err := NewClient(nil, WithInstance("US-01"), WithAPIKey(testKey), WithLogger(slog.Default()), WithMaxRetries(0), WithRetryWaitMax(time.Second), WithMaxResponseSize(1<<20))
	if err != nil || c == nil {
		t.Fatal(err)
	}
}

func TestUserAgentAndHeaders(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, WithUserAgent("smsbridge/1.0"))
	got := answer(mock, "/users/identify", ok(`{"message":"success","aliases_processed":1}`))
	if _, err := c.Users.Identify(t.Context(), &IdentifyRequest{AliasesToIdentify: []AliasToIdentify{{ExternalID: "e", UserAlias: UserAlias{AliasName: "n", AliasLabel: "l"}}}}); err != nil {
		t.Fatal(err)
	}
	h := got.all()[0].Header
	if h.Get("User-Agent") != "smsbridge/1.0 deskbridge/"+deskbridge.Version || h.Get("Accept") != "application/json" {
		t.Fatalf("headers = %v", h)
	}
}

func TestAPIKeyNeverInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mock, _ := newMocked(t, WithLogger(logger))
	// A server that echoes the credential it got, as an error body might.
	mock.RegisterResponder(http.MethodPost, testBase+"/users/identify", func(req *http.Request) (*http.Response, error) {
		auth := req.Header.Get("Authorization")
		body := fmt.Sprintf(`{"message":"Invalid API key: %s","errors":[%q]}`, strings.TrimPrefix(auth, "Bearer "), "header was "+auth)
		return httpmock.NewStringResponse(401, body), nil
	})
	_, err := c.Users.Identify(t.Context(), &IdentifyRequest{AliasesToIdentify: []AliasToIdentify{{ExternalID: "e", UserAlias: UserAlias{AliasName: "n", AliasLabel: "l"}}}})
	var be *Error
	if !errors.As(err, &be) || !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), testKey) || strings.Contains(be.Message, testKey) || strings.Contains(fmt.Sprint(be.Errors), testKey) {
		t.Fatalf("key in error: %q %+v", err, be)
	}
	if be.Message != "Invalid API key: [redacted]" || be.Errors[0].Type != "header was [redacted]" {
		t.Fatalf("error = %+v", be)
	}
	if logs.Len() == 0 || strings.Contains(logs.String(), testKey) {
		t.Fatalf("logs = %s", logs.String())
	}
}
