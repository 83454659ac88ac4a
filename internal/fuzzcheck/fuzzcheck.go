// Package fuzzcheck holds the invariants that the fuzz targets of several
// packages assert on the same kind of output.
package fuzzcheck

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// ErrorBodies are seeds for fuzzing a vendor's error decoder: the shapes
// the vendors document, and the broken ones they are known to send.
var ErrorBodies = []string{
	``,
	`{}`,
	`null`,
	`[]`,
	`Number of allowed API requests per minute exceeded`,
	`{"error":"RecordNotFound","description":"Not found"}`,
	`{"error":"RecordInvalid","description":"Record validation errors","details":{"subject":[{"description":"Subject: cannot be blank","error":"BlankValue"}]}}`,
	`{"error":{"title":"Forbidden","message":"You do not have access"}}`,
	`{"errors":[{"code":"unauthorized","title":"Authorization is required","status":"401"}]}`,
	`{"error":"invalid_grant","error_description":"The provided grant is invalid"}`,
	`{"error_message":"Task not found","error_detail":"no task 42"}`,
	`{"success":false,"message":"Agent not found"}`,
	`{"message":"Invalid Campaign ID","errors":[{"type":"'alias_name' must be a String","input_array":"user_aliases","index":0}]}`,
	`{"message":"success","errors":["a bare string"]}`,
	"{\"description\":\"line one\\nline two\\r\\u0000\"}",
	`{"error":` + strings.Repeat(`[`, 2000),
}

// VendorError checks what a vendor's rest.Vendor.DecodeError made of a
// response: an error, one line, bounded in length whatever the body held,
// matching the deskbridge kind of the status, and reachable as a
// *deskbridge.APIError with errors.As.
func VendorError(t testing.TB, err error, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error for a %d response", status)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("error string spans lines: %q", msg)
	}
	// vendor, method, path, status text, attempts: well under 300 bytes
	// here, plus the bounded detail.
	if len(msg) > deskbridge.MaxDetail+300 {
		t.Fatalf("error string is %d bytes: a body was dumped into it", len(msg))
	}
	var apiErr *deskbridge.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
		t.Fatalf("errors.As does not reach a *deskbridge.APIError with status %d: %v", status, err)
	}
	kind := deskbridge.KindOf(status)
	// The one documented exception: an OAuth credential error on a 400
	// (deskbridge.APIError.Unwrap).
	oauth := status == 400 && errors.Is(err, deskbridge.ErrUnauthorized)
	if kind != nil && !errors.Is(err, kind) && !oauth {
		t.Fatalf("a %d error does not match %v: %v", status, kind, err)
	}
}

// ErrorInfo builds the hook's input for a fuzzed status, content type and
// body. Statuses outside 400..599 are folded into it.
func ErrorInfo(vendor string, status int, contentType string, body []byte) (*rest.ErrorInfo, int) {
	if status < 400 || status > 599 {
		status = 400 + (status%200+200)%200
	}
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return &rest.ErrorInfo{
		APIError: deskbridge.APIError{Vendor: vendor, Method: http.MethodGet, Path: "/api/x", StatusCode: status, Attempts: 1},
		Header:   h,
		Body:     body,
	}, status
}

// DecodeError fuzzes a vendor's rest.Vendor.DecodeError: whatever body,
// status and content type an error response carries, the client returns
// an error that is one bounded line, matching the deskbridge kind of its
// status (VendorError). Seeds are ErrorBodies and a plain-text 429.
func DecodeError(f *testing.F, vendor string, decode func(*rest.ErrorInfo) error) {
	for i, body := range ErrorBodies {
		f.Add(400+i*11, "application/json", []byte(body))
	}
	f.Add(429, "text/plain", []byte("Rate Limited"))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		info, status := ErrorInfo(vendor, status, contentType, body)
		VendorError(t, decode(info), status)
	})
}
