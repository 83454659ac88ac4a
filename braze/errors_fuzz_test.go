package braze

import (
	"testing"

	"github.com/deskbridge/deskbridge/internal/fuzzcheck"
)

// FuzzDecodeError: whatever body, status and content type a braze error
// response carries, the client returns an error that is one bounded line
// and matches the deskbridge kind of its status.
func FuzzDecodeError(f *testing.F) {
	for i, body := range fuzzcheck.ErrorBodies {
		f.Add(400+i*11, "application/json", []byte(body))
	}
	f.Add(429, "text/plain", []byte("Rate Limited"))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		info, status := fuzzcheck.ErrorInfo("braze", status, contentType, body)
		fuzzcheck.VendorError(t, decodeError(info), status)
	})
}
