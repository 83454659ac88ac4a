package main

// What /readyz says on a listener anyone can reach, with the standard
// library only, so that this file can be copied out along with server.go
// and main.go.

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// errNotReady is what /readyz shows of a failing check in place of its
// error.
var errNotReady = errors.New("not ready")

// publicChecks returns checks for a /readyz that anyone can probe (it is
// served beside the webhooks): a failing check answers errNotReady, so
// that the answer names what fails ("zendesk: not ready") and nothing of
// why. A vendor's error text can name a tenant, an endpoint, what the
// vendor said; it goes to log instead, as a warning when the check goes
// from passing to failing, not on every probe (a load balancer probes
// every few seconds), and as info when it passes again.
//
// A probe that went away before its checks finished (its request's
// context canceled) learns nothing about the dependencies: its failures
// are neither logged nor remembered. A check cut off by readyTimeout is a
// failure like any other: the dependency did not answer in time.
func publicChecks(log *slog.Logger, checks ...readinessCheck) []readinessCheck {
	public := make([]readinessCheck, len(checks))
	for i, c := range checks {
		var (
			mu      sync.Mutex
			failing bool
		)
		public[i] = readinessCheck{c.name, func(ctx context.Context) error {
			err := c.check(ctx)
			if err != nil && errors.Is(context.Cause(ctx), context.Canceled) {
				return errNotReady
			}
			mu.Lock()
			was := failing
			failing = err != nil
			mu.Unlock()
			switch {
			case err != nil && !was:
				log.Warn("not ready", "check", c.name, "error", err.Error())
			case err == nil && was:
				log.Info("ready again", "check", c.name)
			}
			if err != nil {
				return errNotReady
			}
			return nil
		}}
	}
	return public
}
