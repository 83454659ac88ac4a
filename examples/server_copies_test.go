package examples

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// testedServer is the copy of server.go whose package tests it
// (webhook/server_test.go).
const testedServer = "webhook/server.go"

// testedReadyz is the copy of readyz.go whose package tests it
// (statussync/readyz_test.go).
const testedReadyz = "statussync/readyz.go"

// TestServerCopiesAreIdentical: every example that serves HTTP, and the
// deskbridge command, carries the same server.go (timeouts against slow
// clients, graceful shutdown, /healthz and /readyz), so that each example
// builds when copied out alone. Its behaviour is tested
// once, beside testedServer; this test keeps the other copies byte for byte
// equal to it, so that a fix made in one copy cannot leave the others
// untested or behind.
func TestServerCopiesAreIdentical(t *testing.T) {
	t.Parallel()
	// The command serves every flow with the same server.
	checkCopies(t, testedServer, 6, filepath.Join("..", "cmd", "deskbridge", "server.go"))
}

// TestReadyzCopiesAreIdentical: every example with readiness checks
// carries the same readyz.go (what its public /readyz says, and what it
// logs), tested once beside testedReadyz, as server.go is. The command
// wraps its checks its own way and carries no copy.
func TestReadyzCopiesAreIdentical(t *testing.T) {
	t.Parallel()
	checkCopies(t, testedReadyz, 4)
}

// checkCopies fails t unless every */<base of tested> and every extra path
// is byte for byte equal to tested, and there are at least atLeast of them
// besides tested.
func checkCopies(t *testing.T, tested string, atLeast int, extra ...string) {
	t.Helper()
	want, err := os.ReadFile(tested)
	if err != nil {
		t.Fatal(err)
	}
	copies, err := filepath.Glob(filepath.Join("*", filepath.Base(tested)))
	if err != nil {
		t.Fatal(err)
	}
	copies = append(copies, extra...)
	others := 0
	for _, path := range copies {
		if filepath.ToSlash(path) == tested {
			continue
		}
		others++
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s, the copy that is tested: make the same change in every copy", path, tested)
		}
	}
	if others < atLeast {
		t.Fatalf("found %d copies of %s beside %s, want at least %d; the glob is looking in the wrong place", others, filepath.Base(tested), tested, atLeast)
	}
}
