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
//
// Of concurrent probes, the state follows the latest to start, not the
// last to finish: a slow probe that fails at its deadline after a newer
// one passed says nothing newer, and is neither logged nor remembered.
func publicChecks(log *slog.Logger, checks ...readinessCheck) []readinessCheck {
	public := make([]readinessCheck, len(checks))
	for i, c := range checks {
		var (
			mu      sync.Mutex
			started uint64 // probes begun
			latest  uint64 // the probe whose answer set failing
			failing bool
		)
		public[i] = readinessCheck{c.name, func(ctx context.Context) error {
			mu.Lock()
			started++
			seq := started
			mu.Unlock()
			err := c.check(ctx)
			if err != nil && errors.Is(context.Cause(ctx), context.Canceled) {
				return errNotReady
			}
			mu.Lock()
			if seq > latest {
				latest = seq
				switch {
				case err != nil && !failing:
					log.Warn("not ready", "check", c.name, "error", err.Error())
				case err == nil && failing:
					log.Info("ready again", "check", c.name)
				}
				failing = err != nil
			}
			mu.Unlock()
			if err != nil {
				return errNotReady
			}
			return nil
		}}
	}
	return public
}
