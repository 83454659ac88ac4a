package storetest_test

import (
	"testing"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/storetest"
)

func TestMemory(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return store.NewMemory() })
}

// One Memory shared by every subtest, as a shared backend would be.
func TestMemoryShared(t *testing.T) {
	m := store.NewMemory()
	storetest.Run(t, func(*testing.T) store.Store { return m })
}
