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

// TestServerCopiesAreIdentical: every example that serves HTTP, and the
// deskbridge command, carries the same server.go (timeouts against slow
// clients, graceful shutdown, /healthz and /readyz), so that each example
// builds when copied out alone. Its behaviour is tested
// once, beside testedServer; this test keeps the other copies byte for byte
// equal to it, so that a fix made in one copy cannot leave the others
// untested or behind.
func TestServerCopiesAreIdentical(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile(testedServer)
	if err != nil {
		t.Fatal(err)
	}
	copies, err := filepath.Glob(filepath.Join("*", "server.go"))
	if err != nil {
		t.Fatal(err)
	}
	// The command serves every flow with the same server.
	copies = append(copies, filepath.Join("..", "cmd", "deskbridge", "server.go"))
	others := 0
	for _, path := range copies {
		if filepath.ToSlash(path) == testedServer {
			continue
		}
		others++
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s, the copy that is tested: make the same change in every copy", path, testedServer)
		}
	}
	if others < 6 {
		t.Fatalf("found %d copies of server.go beside %s, want one per flow's example and the command's; the glob is looking in the wrong place", others, testedServer)
	}
}
