package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// The readiness checks of /readyz: one cheap authenticated read of each
// vendor a flow talks to, named "<kind> <tenant>" so that two flows on one
// tenant share one check.

func zendeskReady(name string, zc *zendesk.Client) readinessCheck {
	return readinessCheck{"zendesk " + name, func(ctx context.Context) error { _, err := zc.Users.Me(ctx); return err }}
}

func babelforceReady(name string, bc *babelforce.Client) readinessCheck {
	return readinessCheck{"babelforce " + name, func(ctx context.Context) error { _, err := bc.Presences.List(ctx); return err }}
}

// brazeReady reads one unknown user through users/export/ids, the read
// smsbridge's Check makes with the key (Braze has no whoami).
func brazeReady(name string, bc *braze.Client) readinessCheck {
	return readinessCheck{"braze " + name, func(ctx context.Context) error {
		_, err := bc.Users.ExportIDs(ctx, &braze.ExportIDsRequest{ExternalIDs: []string{"deskbridge-readyz"}, FieldsToExport: []string{"external_id"}})
		return err
	}}
}

// dyduReady asks the bot whether a dialog context is still available,
// for a context that never was: the bot's servers answer for its id
// without opening a dialog, the probe escalation's Check makes (and its
// doubt: see dyduProbe in dydu/escalation's unconfirmed.go).
func dyduReady(name string, dc *dydu.Client) readinessCheck {
	return readinessCheck{"dydu " + name, func(ctx context.Context) error {
		err := dc.CheckContext(ctx, "00000000-0000-4000-8000-000000000000") // well-formed, no dialog has it
		if errors.Is(err, dydu.ErrContextExpired) {
			return nil
		}
		return err
	}}
}

// conversationsReady reads the app the key belongs to.
func conversationsReady(name string, cc *conversations.Client) readinessCheck {
	return readinessCheck{"conversations " + name, func(ctx context.Context) error { _, err := cc.Apps.Get(ctx); return err }}
}

// cxoneReady reads one completed contact of the last minute, through the
// Reporting API memorialize polls.
func cxoneReady(name string, cc *cxone.Client) readinessCheck {
	return readinessCheck{"cxone " + name, func(ctx context.Context) error {
		_, err := cc.Contacts.CompletedPage(ctx, &cxone.CompletedContactListOptions{
			UpdatedSince: time.Now().Add(-time.Minute), ListOptions: cxone.ListOptions{Top: 1}})
		return err
	}}
}

// brightPatternReady is brightPatternProbe as a readiness check.
func brightPatternReady(name string, bc *brightpattern.Client, login string) readinessCheck {
	return readinessCheck{"brightpattern " + name, func(ctx context.Context) error { return brightPatternProbe(ctx, bc, login) }}
}

// brightPatternProbe reads one user of the Configuration API (GET
// /configapi/v2/user/{login}) with a token of the API user's client
// credentials: the token grant and a read both work. A login the tenant
// does not know (404) still proves both, so it is no error: the probe asks
// for the API user's own login, which need not be a user.
func brightPatternProbe(ctx context.Context, bc *brightpattern.Client, login string) error {
	_, err := bc.Users.Get(ctx, login)
	if errors.Is(err, deskbridge.ErrNotFound) {
		return nil
	}
	return err
}

// vendorReadyTTL is how long /readyz reuses a vendor check's answer. The
// endpoint is public on the webhooks' listener (unless -metrics-listen
// moves it): each probe, a balancer's or anyone's, would otherwise spend
// a request of every vendor's rate limit.
const vendorReadyTTL = 10 * time.Second

// cachedCheck returns c answering from its last result for ttl after it
// ran, with at most one run at a time: probes that come during a run wait
// for it (or for their context) and share its answer.
func cachedCheck(c readinessCheck, ttl time.Duration, now func() time.Time) readinessCheck {
	var (
		mu  sync.Mutex
		at  time.Time
		err error
		run = make(chan struct{}, 1) // holds a token while a check runs
	)
	return readinessCheck{c.name, func(ctx context.Context) error {
		select {
		case run <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-run }()
		mu.Lock()
		if !at.IsZero() && now().Sub(at) < ttl {
			defer mu.Unlock()
			return err
		}
		mu.Unlock()
		e := c.check(ctx)
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() == nil { // an answer cut short by the probe's own deadline is not kept
			at, err = now(), e
		}
		return e
	}}
}

// errNotReady is what /readyz on the webhooks' listener shows of a check
// that failed: its name and "not ready", nothing of the error.
var errNotReady = errors.New("not ready")

// loggedCheck returns c with its changes of state logged: a warning
// naming the check, with the error, when it starts failing, and an Info
// record when it passes again; while it stays the same, nothing, so that
// probes (anyone's, on the webhooks' listener) cannot fill the logs. A
// failure of a probe cancelled from outside (its client gone, the server
// shutting down) says nothing of the check: it is neither logged nor taken
// as a change; a probe's deadline ending is a failure (the check was too
// slow). Of concurrent probes, the state follows the latest to start. With
// public, the error c returns is replaced by errNotReady: /readyz on the
// webhooks' listener answers anyone, and a vendor's error text (a tenant,
// an endpoint, what the vendor said) is for the logs and the
// -metrics-listen listener only.
func loggedCheck(c readinessCheck, log *slog.Logger, public bool) readinessCheck {
	var (
		mu      sync.Mutex
		started uint64 // probes begun
		latest  uint64 // the probe whose answer set failing
		failing bool
	)
	return readinessCheck{c.name, func(ctx context.Context) error {
		mu.Lock()
		started++
		seq := started
		mu.Unlock()
		err := c.check(ctx)
		// A failure of a cancelled probe is the probe's own end, not the
		// check's answer.
		cancelled := err != nil && errors.Is(ctx.Err(), context.Canceled)
		mu.Lock()
		if seq > latest && !cancelled {
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
		if err != nil && public {
			return errNotReady
		}
		return err
	}}
}

// byKind merges cs into one check per kind, a check's name up to its
// first space ("zendesk acme" is zendesk's, "store" is its own), in the
// order the kinds first come; a kind's check runs its checks at once and
// fails with the first failure. /readyz on the webhooks' listener serves
// these, so that it names a vendor and never a tenant; the logs and the
// -metrics-listen listener keep the full names.
func byKind(cs []readinessCheck) []readinessCheck {
	var kinds []string
	of := map[string][]readinessCheck{}
	for _, c := range cs {
		k, _, _ := strings.Cut(c.name, " ")
		if of[k] == nil {
			kinds = append(kinds, k)
		}
		of[k] = append(of[k], c)
	}
	out := make([]readinessCheck, len(kinds))
	for i, k := range kinds {
		group := of[k]
		out[i] = readinessCheck{k, func(ctx context.Context) error {
			errs := make([]error, len(group))
			var wg sync.WaitGroup
			for j, c := range group {
				wg.Add(1)
				go func() { defer wg.Done(); errs[j] = c.check(ctx) }()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					return err
				}
			}
			return nil
		}}
	}
	return out
}
