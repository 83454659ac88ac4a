package deskbridge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// vendorError is how a vendor package's error embeds APIError.
type vendorError struct {
	APIError
	Detail string
}

func TestAPIErrorReachedFromAnyVendorError(t *testing.T) {
	t.Parallel()
	var err error = fmt.Errorf("syncing agent 7: %w", &vendorError{
		APIError: APIError{Vendor: "acme", Method: "GET", Path: "/agents/7", StatusCode: 404, Code: "NotFound", Message: "no agent 7", RequestID: "req-1", Attempts: 1},
		Detail:   "vendor detail",
	})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.RequestID != "req-1" {
		t.Fatalf("errors.As gave %+v", apiErr)
	}
	var ve *vendorError
	if !errors.As(err, &ve) || ve.Detail != "vendor detail" {
		t.Fatal("the vendor's own type is not reached")
	}
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) {
		t.Fatal("kind")
	}
	const want = "acme: GET /agents/7: 404 Not Found: NotFound: no agent 7 [request req-1]"
	if got := ve.Error(); got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}

func TestAPIErrorString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		e    APIError
		want string
	}{
		{APIError{Vendor: "v", Method: "POST", Path: "/x", StatusCode: 503, Attempts: 4}, "v: POST /x: 503 Service Unavailable (gave up after 4 attempts)"},
		{APIError{Vendor: "v", Method: "GET", Path: "/x", StatusCode: 429, Message: "slow down", RetryAfter: time.Second}, "v: GET /x: 429 Too Many Requests: slow down"},
		{APIError{Vendor: "v", Method: "GET", Path: "/x", StatusCode: 400, Code: "invalid_grant"}, "v: GET /x: 400 Bad Request: invalid_grant"},
		{APIError{Vendor: "v", Method: "GET", Path: "/x", StatusCode: 400, Code: "same", Message: "same"}, "v: GET /x: 400 Bad Request: same"},
		{APIError{Vendor: "v", Method: "GET", Path: "/x", StatusCode: 599, Message: "two\nlines"}, "v: GET /x: 599: two lines"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
	long := APIError{Vendor: "v", Method: "GET", Path: "/x", StatusCode: 400, Message: strings.Repeat("é", 1000)}
	if n := len(long.Error()); n > MaxDetail+100 {
		t.Fatalf("a long message gives a %d-byte error string", n)
	}
}

func TestKinds(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]error{
		401: ErrUnauthorized, 403: ErrForbidden, 404: ErrNotFound, 409: ErrConflict, 400: ErrInvalid,
		422: ErrInvalid, 429: ErrRateLimited, 500: ErrUnavailable, 503: ErrUnavailable, 405: nil, 302: nil, 200: nil,
	} {
		if got := KindOf(status); got != want {
			t.Errorf("KindOf(%d) = %v, want %v", status, got, want)
		}
	}
	// OAuth's wrong-credentials codes come with a 400 and mean new credentials.
	for _, code := range []string{"invalid_grant", "invalid_client", "unauthorized_client"} {
		if !errors.Is(&APIError{StatusCode: 400, Code: code}, ErrUnauthorized) {
			t.Errorf("400 %s is not ErrUnauthorized", code)
		}
		if !errors.Is(&APIError{StatusCode: 503, Code: code}, ErrUnavailable) {
			t.Errorf("503 %s is not an outage", code)
		}
	}
}

func TestTransportError(t *testing.T) {
	t.Parallel()
	err := &TransportError{Vendor: "v", Method: "GET", Path: "/x", Attempts: 3, Err: context.DeadlineExceeded}
	if !errors.Is(err, context.DeadlineExceeded) || err.Error() != "v: GET /x: context deadline exceeded (gave up after 3 attempts)" {
		t.Fatalf("%v", err)
	}
	var te *TransportError
	if !errors.As(fmt.Errorf("wrapped: %w", err), &te) || te.Attempts != 3 {
		t.Fatal("errors.As does not reach the attempt count")
	}
}
