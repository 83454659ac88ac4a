package cxone

import (
	"context"
	"time"
)

// ContractClock runs a client on an injected clock (time.Now and the
// context-aware sleep of its retries), for the contract tests of package
// cxone_test, which share one clock between the client and a cxonetest
// fake. Exported from a test file only: it is not part of the API.
func ContractClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) error {
		c.SetClock(now, sleep)
		return nil
	}
}
