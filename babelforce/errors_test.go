package babelforce

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

func TestErrorEnvelopes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                  string
		status                int
		body                  string
		code, message, detail string
		kind                  error
		text                  string
	}{
		{
			name: "v3 error_message and error_detail", status: 400, body: `{"error_message":"Bad Request","error_detail":"templateId is required"}`,
			message: "Bad Request", detail: "templateId is required", kind: deskbridge.ErrInvalid,
			text: "babelforce: POST /x: 400 Bad Request: Bad Request (templateId is required)",
		},
		{
			name: "v3 detail only", status: 404, body: `{"error_detail":"no such task"}`,
			detail: "no such task", kind: deskbridge.ErrNotFound,
			text: "babelforce: POST /x: 404 Not Found: no such task",
		},
		{
			name: "OAuth2 error", status: 400, body: `{"error":"invalid_grant","error_description":"Bad credentials","state":"x"}`,
			code: "invalid_grant", message: "Bad credentials", kind: deskbridge.ErrUnauthorized,
			text: "babelforce: POST /x: 400 Bad Request: invalid_grant: Bad credentials",
		},
		{
			name: "OAuth2 invalid_request stays invalid", status: 400, body: `{"error":"invalid_request"}`,
			code: "invalid_request", kind: deskbridge.ErrInvalid,
		},
		{
			name: "bearer 401", status: 401, body: `{"error":"invalid_token","error_description":"Access token expired"}`,
			code: "invalid_token", message: "Access token expired", kind: deskbridge.ErrUnauthorized,
		},
		{
			name: "v2 message envelope", status: 404, body: `{"success":false,"message":"Agent not found"}`,
			message: "Agent not found", kind: deskbridge.ErrNotFound,
			text: "babelforce: POST /x: 404 Not Found: Agent not found",
		},
		{
			name: "v2 code and message (babelforce SDK tests)", status: 404, body: `{"code":"NOT_FOUND","message":"No agent 42"}`,
			code: "NOT_FOUND", message: "No agent 42", kind: deskbridge.ErrNotFound,
		},
		{
			name: "numeric code", status: 409, body: `{"code":409,"message":"exists"}`,
			code: "409", message: "exists", kind: deskbridge.ErrConflict,
		},
		{
			name: "error as a sentence", status: 500, body: `{"error":"Something went wrong"}`,
			message: "Something went wrong", kind: deskbridge.ErrUnavailable,
		},
		{
			name: "detail field", status: 422, body: `{"detail":"name too long"}`,
			message: "name too long", kind: deskbridge.ErrInvalid,
		},
		{
			name: "unknown JSON", status: 403, body: `{"foo":"bar"}`,
			message: `{"foo":"bar"}`, kind: deskbridge.ErrForbidden,
		},
		{
			name: "empty JSON", status: 429, body: `{}`, kind: deskbridge.ErrRateLimited,
			text: "babelforce: POST /x: 429 Too Many Requests",
		},
		{
			name: "text body", status: 502, body: "<html>\n<body>Bad gateway</body>\n</html>",
			message: "<html> <body>Bad gateway</body> </html>", kind: deskbridge.ErrUnavailable,
		},
		{
			name: "no body", status: 501, body: "", kind: deskbridge.ErrUnavailable,
			text: "babelforce: POST /x: 501 Not Implemented",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := decodeError(&rest.ErrorInfo{
				APIError: deskbridge.APIError{Vendor: "babelforce", Method: "POST", Path: "/x", StatusCode: tc.status, Attempts: 1},
				Body:     []byte(tc.body), Header: http.Header{},
			})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%T", err)
			}
			if e.Code != tc.code || e.Message != tc.message || e.Detail != tc.detail {
				t.Errorf("code %q message %q detail %q; want %q %q %q", e.Code, e.Message, e.Detail, tc.code, tc.message, tc.detail)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("%v does not match %v", err, tc.kind)
			}
			if tc.text != "" && err.Error() != tc.text {
				t.Errorf("Error() = %q\nwant      %q", err.Error(), tc.text)
			}
		})
	}
}

func TestErrorDetailsFromResponse(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, nil, WithMaxRetries(1), WithRetryWaitMax(time.Millisecond))
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks/t1", jsonResp(503, `{"error_message":"Service Unavailable"}`).
		HeaderSet(http.Header{"Retry-After": {"0"}, "X-Request-Id": {"req-77"}}))
	_, err := c.Tasks.Get(t.Context(), "t1")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if e.Attempts != 2 || e.RequestID != "req-77" || e.RetryAfter != 0 || e.Method != "GET" || e.Path != "/api/v3/tasks/t1" {
		t.Fatalf("error = %+v", e)
	}
	if want := "babelforce: GET /api/v3/tasks/t1: 503 Service Unavailable: Service Unavailable [request req-77] (gave up after 2 attempts)"; err.Error() != want {
		t.Fatalf("Error() = %q", err)
	}
	if !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatal("a 503 does not match ErrUnavailable")
	}
}

func TestErrorNotSentAndLongFields(t *testing.T) {
	t.Parallel()
	err := decodeError(&rest.ErrorInfo{APIError: deskbridge.APIError{Vendor: "babelforce", Method: "GET", Path: "/y", StatusCode: 429, NotSent: true, RetryAfter: time.Minute, Message: "budget spent"}})
	var e *Error
	if !errors.As(err, &e) || !e.NotSent || e.Message != "budget spent" || e.RetryAfter != time.Minute || !errors.Is(err, deskbridge.ErrRateLimited) {
		t.Fatalf("err = %+v", err)
	}
	long := strings.Repeat("x", 5000)
	err = decodeError(&rest.ErrorInfo{APIError: deskbridge.APIError{Vendor: "babelforce", Method: "GET", Path: "/y", StatusCode: 400}, Body: []byte(`{"error_message":"` + long + `","error_detail":"` + long + `y"}`)})
	if n := len(err.Error()); n > 600 {
		t.Fatalf("Error() is %d bytes long", n)
	}
}
