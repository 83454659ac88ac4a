package storetest_test

import (
	"testing"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/storetest"
)

// An implementation of [store.Store] runs the suite from a test of its
// own package, here on [store.Memory]: testConformance is the body of a
// func TestConformance(t *testing.T) in a _test.go file. newStore may
// return a fresh store per subtest, or one shared by all (a Redis
// database, say), since each subtest keeps to keys of its own. The
// example has no output to check: the suite reports through t.
func Example() {
	testConformance := func(t *testing.T) {
		storetest.Run(t, func(*testing.T) store.Store {
			return store.NewMemory()
		})
	}
	_ = testConformance
}
