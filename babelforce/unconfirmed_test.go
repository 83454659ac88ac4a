package babelforce

import (
	"errors"
	"net/http"
	"testing"
)

// Each test here names one guess of unconfirmed.go: what babelforce does
// not document, so that a change of the guess is a change of a test.

// TestUnconfirmedDefaultClientID names the doubt: whether babelforce
// requires client_id=manager is not documented (its Go SDK sends it, the
// help center's curl does not).
func TestUnconfirmedDefaultClientID(t *testing.T) {
	t.Parallel()
	if defaultClientID() != "manager" {
		t.Fatal(defaultClientID())
	}
}

// TestUnconfirmedNonExpiringTokenParam names the doubt: expires_in=-1 is
// in the help center's curl only, not in babelforce's token request schema.
func TestUnconfirmedNonExpiringTokenParam(t *testing.T) {
	t.Parallel()
	if got := nonExpiringTokenParams().Encode(); got != "expires_in=-1" {
		t.Fatalf("nonExpiringTokenParams = %q", got)
	}
}

// TestUnconfirmedSetPresenceMethod names the doubt: the spec has PUT; a POST
// on the status endpoint is not documented.
func TestUnconfirmedSetPresenceMethod(t *testing.T) {
	t.Parallel()
	if setPresenceMethod() != http.MethodPut {
		t.Fatal(setPresenceMethod())
	}
}

// TestUnconfirmedSecretRefRoot names the doubt: {{secret.…}} (the help
// center) or {{secrets.…}} (the task-automation spec's mTLS note).
func TestUnconfirmedSecretRefRoot(t *testing.T) {
	t.Parallel()
	if secretRefRoot() != "secret" {
		t.Fatal(secretRefRoot())
	}
}

// TestUnconfirmedRateLimitHeaders names the doubt: babelforce documents no
// rate-limit headers, and no reset header is read.
func TestUnconfirmedRateLimitHeaders(t *testing.T) {
	t.Parallel()
	h := rateLimitHeaders()
	if len(h.Reset) != 0 || len(h.Limit) != 1 || h.Limit[0] != "X-RateLimit-Limit" || len(h.Remaining) != 1 || h.Remaining[0] != "X-RateLimit-Remaining" {
		t.Fatalf("%+v", h)
	}
}

// TestUnconfirmedRequestIDHeader names the doubt: babelforce documents no
// request id header; X-Request-Id is read.
func TestUnconfirmedRequestIDHeader(t *testing.T) {
	t.Parallel()
	if h := requestIDHeaders(); len(h) != 1 || h[0] != "X-Request-Id" {
		t.Fatal(h)
	}
	c, mock, _ := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks/t1", jsonResp(404, `{"error_message":"Not Found"}`).
		HeaderSet(http.Header{"X-Request-Id": {"r1"}}))
	_, err := c.Tasks.Get(t.Context(), "t1")
	var e *Error
	if !errors.As(err, &e) || e.RequestID != "r1" {
		t.Fatalf("err = %v", err)
	}
}

// TestUnconfirmedV2ErrorShape names the doubt: the manager spec defines no
// v2 error body; {"success":false,"message"} (its message envelope) and
// babelforce's Go SDK's {"code","message"}, "error" and "detail" are read.
func TestUnconfirmedV2ErrorShape(t *testing.T) {
	t.Parallel()
	e := &Error{}
	readErrorBody(e, []byte(fixture(t, "message_response.json")))
	if e.Message != "message" {
		t.Fatalf("message = %q", e.Message)
	}
	for body, want := range map[string][2]string{
		`{"code":"NOT_FOUND","message":"No agent 42"}`: {"NOT_FOUND", "No agent 42"},
		`{"error":"Something went wrong"}`:             {"", "Something went wrong"},
		`{"detail":"name too long"}`:                   {"", "name too long"},
		`{"message":"m","error":"E e","detail":"d"}`:   {"", "m"},
		`{"error":"E e","detail":"d"}`:                 {"", "E e"},
	} {
		e := &Error{}
		readErrorBody(e, []byte(body))
		if e.Code != want[0] || e.Message != want[1] {
			t.Errorf("%s: code %q message %q, want %q", body, e.Code, e.Message, want)
		}
	}
}
