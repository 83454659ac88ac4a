package main

import (
	"runtime/debug"
	"testing"

	"github.com/deskbridge/deskbridge"
)

// A build from the repository (go build, go run, go test) has "(devel)"
// or no version in its build info: version then says the module's
// deskbridge.Version, never "(devel)". A build of a tagged module (go
// install …@v0.3.0) says its tag.
func TestVersion(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		bi   *debug.BuildInfo
		want string
	}{
		{nil, deskbridge.Version},
		{&debug.BuildInfo{}, deskbridge.Version},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, deskbridge.Version},
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.3.1"}}, "v0.3.1"},
	} {
		if got := versionOf(c.bi); got != c.want {
			t.Errorf("versionOf(%+v) = %q, want %q", c.bi, got, c.want)
		}
	}
	if got := version(); got == "(devel)" || got == "" {
		t.Errorf("version() = %q in a test build", got)
	}
}
