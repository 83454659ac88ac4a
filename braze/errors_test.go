package braze

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/jarcoal/httpmock"
)

func TestDecodeError(t *testing.T) {
	t.Parallel()
	base := rest.ErrorInfo{
		APIError: deskbridge.APIError{Vendor: "braze", Method: "POST", Path: "/users/track", Attempts: 1, RequestID: "req-9"},
		Header:   http.Header{},
	}

	info := base
	info.StatusCode, info.Body = 502, []byte("<html><body>Bad Gateway\n</body></html>")
	e := decodeError(&info).(*Error)
	if e.Message != "<html><body>Bad Gateway </body></html>" || !errors.Is(e, deskbridge.ErrUnavailable) || e.NotSent || e.RetryAfter != 0 || e.RequestID != "req-9" {
		t.Fatalf("text body: %+v", e)
	}

	info = base
	info.StatusCode, info.NotSent, info.Message, info.RetryAfter, info.Attempts = 429, true, "budget spent", 3*time.Second, 0
	e = decodeError(&info).(*Error)
	if e.Message != "budget spent" || !e.NotSent || e.RetryAfter != 3*time.Second || !errors.Is(e, deskbridge.ErrRateLimited) {
		t.Fatalf("not sent: %+v", e)
	}

	info = base
	info.StatusCode, info.Body = 403, []byte(`{"message":"Access Denied","code":"perm","errors":["no campaigns.trigger.send"]}`)
	e = decodeError(&info).(*Error)
	if e.Message != "Access Denied" || e.Code != "perm" || len(e.Errors) != 1 || !errors.Is(e, deskbridge.ErrForbidden) {
		t.Fatalf("envelope: %+v", e)
	}
	if want := "braze: POST /users/track: 403 Forbidden: perm: Access Denied: no campaigns.trigger.send [request req-9]"; e.Error() != want {
		t.Fatalf("Error() =\n%q\nwant\n%q", e.Error(), want)
	}
	// errors.As reaches the APIError every vendor shares.
	var apiErr *deskbridge.APIError
	if !errors.As(error(e), &apiErr) || apiErr.StatusCode != 403 || apiErr.Vendor != "braze" {
		t.Fatalf("errors.As: %+v", apiErr)
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	e := &Error{APIError: deskbridge.APIError{Vendor: "braze", StatusCode: 503, Method: "POST", Path: "/campaigns/trigger/send", Attempts: 2}, MaybeSent: true,
		Errors: []MinorError{{Type: "x"}, {Type: "y"}}}
	want := "braze: POST /campaigns/trigger/send: 503 Service Unavailable: x (and 1 more); the message may have been sent, check before sending it again (gave up after 2 attempts)"
	if e.Error() != want {
		t.Fatalf("Error() =\n%q\nwant\n%q", e.Error(), want)
	}
	// However long Braze's message, the warning is never cut off, and the
	// string stays one bounded line.
	e.Message, e.Errors = strings.Repeat("long\n", 400), nil
	if got := e.Error(); !strings.HasSuffix(got, maybeSentNote+" (gave up after 2 attempts)") || len(got) > deskbridge.MaxDetail+200 || strings.Contains(got, "\n") {
		t.Fatalf("Error() = %q", got)
	}
	e.Message = ""
	if got := e.Error(); got != "braze: POST /campaigns/trigger/send: 503 Service Unavailable: the message may have been sent, check before sending it again (gave up after 2 attempts)" {
		t.Fatalf("Error() = %q", got)
	}
	if (MinorError{Type: "t", InputArray: "events"}).String() != "events: t" {
		t.Fatal("MinorError.String without index")
	}
	ve := &ValidationError{Op: "Users.Track", Reason: "nothing to track"}
	if ve.Error() != "braze: Users.Track: nothing to track (nothing was sent)" {
		t.Fatal(ve.Error())
	}
}

func TestSendFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		err     error
		retried bool
		want    bool
	}{
		{"400", apiErr(400, 1, false), false, false},
		{"500", apiErr(500, 1, false), false, true},
		{"429 after 429s", apiErr(429, 3, false), false, false},
		{"429 after opted-in retries", apiErr(429, 3, false), true, true},
		{"429 held, never sent", apiErr(429, 0, true), true, false},
		{"429 held, never sent, not retried", apiErr(429, 0, true), false, false},
		{"transport error", &deskbridge.TransportError{Vendor: "braze", Attempts: 1}, false, true},
		{"transport error after retries", &deskbridge.TransportError{Vendor: "braze", Attempts: 3}, true, true},
		{"context ended while the budget held it", &deskbridge.TransportError{Vendor: "braze", Attempts: 0}, false, false},
		{"dial failure", &deskbridge.TransportError{Vendor: "braze", Attempts: 1, Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, false, false},
		{"dial failure, retried but only tried once", &deskbridge.TransportError{Vendor: "braze", Attempts: 1, Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, true, false},
		// With WithRetrySends, a 503 (or a connection reset after the
		// request left) then a dial failure ends on the dial failure: the
		// first attempt may have sent the message all the same.
		{"503 then a dial failure, retried", &deskbridge.TransportError{Vendor: "braze", Attempts: 2, Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, true, true},
		{"other", errors.New("x"), false, false},
	} {
		if got := MaybeSent(sendFailure(tc.err, tc.retried)); got != tc.want {
			t.Errorf("%s: MaybeSent = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func apiErr(status, attempts int, notSent bool) *Error {
	return &Error{APIError: deskbridge.APIError{Vendor: "braze", StatusCode: status, Attempts: attempts, NotSent: notSent}}
}

// A send that certainly did not leave is not "may have been sent".
func TestSendNotSentIsNotMaybeSent(t *testing.T) {
	t.Parallel()
	req := &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}}
	okSpent := func(ft *testkit.Clock, in time.Duration) reply {
		return reply{status: 201, body: `{"message":"success","dispatch_id":"d"}`, header: spent(ft, in)}
	}

	t.Run("context ended before the call", func(t *testing.T) {
		t.Parallel()
		c, mock, _ := newMocked(t, WithRetrySends(true))
		sends := answer(mock, "/campaigns/trigger/send", ok(`{"message":"success"}`))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := c.Campaigns.TriggerSend(ctx, req)
		if !errors.Is(err, context.Canceled) || MaybeSent(err) || strings.Contains(err.Error(), "may have been sent") {
			t.Fatalf("err = %v", err)
		}
		if n := len(sends.all()); n != 0 {
			t.Fatalf("sent %d times", n)
		}
	})

	t.Run("context ended while a spent budget held it", func(t *testing.T) {
		t.Parallel()
		ft := testkit.NewClock()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		held := func(c *config) error {
			c.SetClock(ft.Now, func(ctx context.Context, d time.Duration) error {
				cancel() // the caller gives up during the hold
				return ctx.Err()
			})
			return nil
		}
		c, mock, _ := newMocked(t, held)
		sends := answer(mock, "/campaigns/trigger/send", okSpent(ft, 30*time.Second))
		if _, err := c.Campaigns.TriggerSend(t.Context(), req); err != nil {
			t.Fatal(err)
		}
		_, err := c.Campaigns.TriggerSend(ctx, req)
		if !errors.Is(err, context.Canceled) || MaybeSent(err) {
			t.Fatalf("err = %v, MaybeSent = %v", err, MaybeSent(err))
		}
		if n := len(sends.all()); n != 1 {
			t.Fatalf("sent %d times, want 1", n)
		}
	})

	t.Run("budget resets after the deadline", func(t *testing.T) {
		t.Parallel()
		// The wall clock: the core compares the hold with the deadline.
		c, mock, _ := newMocked(t, WithRetrySends(true), withWallClock())
		sends := answer(mock, "/campaigns/trigger/send", reply{status: 201, body: `{"message":"success","dispatch_id":"d"}`,
			header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {fmt.Sprint(time.Now().Add(40 * time.Second).Unix())}}})
		if _, err := c.Campaigns.TriggerSend(t.Context(), req); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		_, err := c.Campaigns.TriggerSend(ctx, req)
		var be *Error
		if !errors.As(err, &be) || !be.NotSent || be.MaybeSent || be.RetryAfter < 30*time.Second || MaybeSent(err) {
			t.Fatalf("err = %v (%+v)", err, be)
		}
		if n := len(sends.all()); n != 1 {
			t.Fatalf("sent %d times, want 1", n)
		}
	})
}

// RetryAfter comes from the core: Retry-After, else the reset of a 429 or
// of any answer that says its budget is spent, on the client's clock.
func TestRetryAfterOnTheClientsClock(t *testing.T) {
	t.Parallel()
	c, mock, ft := newMocked(t, WithMaxRetries(0))
	answer(mock, "/users/export/ids",
		reply{status: 503, body: `{"message":"Service Unavailable"}`, header: spent(ft, 40*time.Second)},
		reply{status: 500, body: `{"message":"Internal Server Error"}`, header: http.Header{"X-Ratelimit-Remaining": {"3"}, "X-Ratelimit-Reset": {fmt.Sprint(ft.Now().Add(time.Hour).Unix())}}},
		reply{status: 400, body: `{"message":"Bad Request"}`, header: http.Header{"Retry-After": {"12"}}},
		// What the core read stands: Retry-After over the reset; and a 429
		// whose reset the core found unusable is not read again here.
		reply{status: 403, body: `{"message":"Access Denied"}`, header: http.Header{"Retry-After": {"7"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {fmt.Sprint(ft.Now().Add(time.Hour).Unix())}}},
		reply{status: 429, body: `{"message":"Rate Limited"}`, header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"soon"}}},
	)
	export := &ExportIDsRequest{ExternalIDs: []string{"u"}}
	// (The first answer spent the budget: the second request waits its 40 s
	// out on the fake clock.)
	for i, want := range []time.Duration{40 * time.Second, 0, 12 * time.Second, 7 * time.Second, 0} {
		_, err := c.Users.ExportIDs(t.Context(), export)
		var be *Error
		if !errors.As(err, &be) || be.RetryAfter != want || be.NotSent {
			t.Fatalf("answer %d: err = %v, RetryAfter = %v, want %v", i+1, err, be.RetryAfter, want)
		}
	}
}

// With WithRetrySends, a send answered 503 and then refused at the dial
// may have gone out on its first attempt: it is MaybeSent, even though
// the last failure was a dial.
func TestRetriedSendEndingInDialFailureIsMaybeSent(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, WithRetrySends(true), WithMaxRetries(1))
	n := 0
	mock.RegisterResponder(http.MethodPost, testBase+"/campaigns/trigger/send", func(*http.Request) (*http.Response, error) {
		n++
		if n == 1 {
			return httpmock.NewStringResponse(503, `{"message":"Service Unavailable"}`), nil
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	})
	_, err := c.Campaigns.TriggerSend(t.Context(), &CampaignTriggerRequest{CampaignID: "c", Recipients: []Recipient{{ExternalUserID: "u"}}})
	var te *deskbridge.TransportError
	if !errors.As(err, &te) || te.Attempts != 2 || !MaybeSent(err) || !strings.Contains(err.Error(), "may have been sent") {
		t.Fatalf("err = %v (attempts %d), MaybeSent = %v, want a transport error after 2 attempts that may have been sent", err, te.Attempts, MaybeSent(err))
	}
}

// A 400 that says its endpoint group's budget is spent (X-RateLimit-Remaining
// 0) carries the time to the reset: the core reads it for any status.
func TestSpentBudgetOn400CarriesRetryAfter(t *testing.T) {
	t.Parallel()
	c, mock, ft := newMocked(t)
	answer(mock, "/users/identify", reply{status: 400, body: `{"message":"Bad Request"}`, header: spent(ft, 30*time.Second)})
	_, err := c.Users.Identify(t.Context(), &IdentifyRequest{AliasesToIdentify: []AliasToIdentify{{ExternalID: "e", UserAlias: UserAlias{AliasName: "n", AliasLabel: "l"}}}})
	var be *Error
	if !errors.As(err, &be) || be.StatusCode != 400 || be.RetryAfter != 30*time.Second || be.NotSent || !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("err = %v, want a 400 with RetryAfter 30s", err)
	}
}

// A Braze error body that echoes the API key, one letter JSON-escaped
// (\u0061 for "a"), in its message and in a minor error's type, shows the
// key neither in err.Error() nor in the decoded MinorError.Type: the
// core finds the key in the decoded text, not only in the raw bytes.
func TestErrorDoesNotEchoEscapedKey(t *testing.T) {
	t.Parallel()
	if !strings.Contains(testKey, "a") {
		t.Fatal("the test key needs an a")
	}
	escaped := strings.Replace(testKey, "a", `\u0061`, 1)
	for _, status := range []int{400, 401} {
		c, mock, _ := newMocked(t)
		answer(mock, "/users/identify", reply{status: status, body: `{"message":"bad key ` + escaped + `","errors":[{"type":"key '` + escaped + `' is not valid","input_array":"aliases_to_identify","index":0},"` + escaped + `"]}`})
		_, err := c.Users.Identify(t.Context(), &IdentifyRequest{AliasesToIdentify: []AliasToIdentify{{ExternalID: "e", UserAlias: UserAlias{AliasName: "n", AliasLabel: "l"}}}})
		var be *Error
		if !errors.As(err, &be) || len(be.Errors) != 2 {
			t.Fatalf("%d: err = %v", status, err)
		}
		if strings.Contains(err.Error(), testKey) || strings.Contains(be.Message, testKey) {
			t.Errorf("%d: the key is in the error: %q", status, err.Error())
		}
		for _, m := range be.Errors {
			if strings.Contains(m.Type, testKey) || strings.Contains(m.String(), testKey) {
				t.Errorf("%d: the key is in a minor error: %q", status, m.Type)
			}
		}
	}
}

// A success's minor errors are the vendor's words too, and smsbridge logs
// them: a key they echo is scrubbed as an error's is.
func TestSuccessMinorErrorsDoNotEchoKey(t *testing.T) {
	t.Parallel()
	escaped := strings.Replace(testKey, "a", `\u0061`, 1)
	c, mock, _ := newMocked(t)
	answer(mock, "/users/identify", reply{status: 201, body: `{"message":"success","errors":[{"type":"key '` + testKey + `' is old","input_array":"aliases_to_identify","index":0},"` + escaped + `"]}`})
	res, err := c.Users.Identify(t.Context(), &IdentifyRequest{AliasesToIdentify: []AliasToIdentify{{ExternalID: "e", UserAlias: UserAlias{AliasName: "n", AliasLabel: "l"}}}})
	if err != nil || len(res.Errors) != 2 {
		t.Fatalf("res %+v, err %v", res, err)
	}
	for _, m := range res.Errors {
		if strings.Contains(m.Type, testKey) || !strings.Contains(m.Type, "[redacted]") {
			t.Errorf("minor error %q", m.Type)
		}
	}
}
