package main

import (
	"context"
	"errors"
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
