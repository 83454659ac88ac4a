package braze

import (
	"testing"

	"github.com/deskbridge/deskbridge/internal/fuzzcheck"
)

// FuzzDecodeError: whatever body, status and content type a braze error
// response carries, the client returns an error that is one bounded line
// and matches the deskbridge kind of its status.
func FuzzDecodeError(f *testing.F) { fuzzcheck.DecodeError(f, "braze", decodeError) }
