package flow

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
)

// CheckReader sorts the errors a flow's Check meets while it reads the
// vendors' accounts into the two kinds Check reports differently:
//
//   - credentials refused (an error matching [deskbridge.ErrUnauthorized]
//     or [deskbridge.ErrForbidden]: a 401, a 403, or an OAuth grant the
//     vendor refused) are a misconfiguration, a [ConfigError] on the
//     Config field of the client that sent them, added to Problems;
//   - anything else (a network error, a 5xx, an unexpected answer) means
//     that side could not be read: it is no misconfiguration, and Check
//     returns it as an error beside the problems.
//
// A Check reads each side through Read and returns Err:
//
//	p := flow.Collector{Flow: "smsbridge"}
//	r := flow.CheckReader{Problems: &p}
//	if _, err := zc.Users.Me(ctx); r.Read("Config.Zendesk", err) {
//		// the credentials work: check the account
//	}
//	return r.Err()
type CheckReader struct {
	// Problems collects the misconfigurations; its Flow prefixes the
	// errors of sides that could not be read. Required.
	Problems *Collector

	unreadable []error
}

// Read reports whether err is nil. Otherwise it records err as refused
// credentials of field ("Config.Zendesk", say) or as a side that could not
// be read, and returns false: the caller skips what needed that read.
func (r *CheckReader) Read(field string, err error) (ok bool) {
	switch {
	case err == nil:
		return true
	case errors.Is(err, deskbridge.ErrUnauthorized), errors.Is(err, deskbridge.ErrForbidden):
		r.Problems.Add(field, "", "its credentials were refused: "+err.Error(),
			"give the client valid credentials with the permissions the package documentation lists")
	default:
		r.unreadable = append(r.unreadable, fmt.Errorf("%s: reading the account of %s: %w", r.Problems.Flow, field, err))
	}
	return false
}

// Include records err, the result of a nested check: its [ConfigError]
// values go to Problems (with the rest of err), and an err that holds none
// is a side that could not be read. A nil err is ignored.
func (r *CheckReader) Include(err error) {
	switch {
	case err == nil:
	case Problems(err) != nil:
		r.Problems.Include(err)
	default:
		r.unreadable = append(r.unreadable, err)
	}
}

// Err returns the errors of the sides that could not be read, then the
// problems collected, joined; nil when there are none.
func (r *CheckReader) Err() error {
	return errors.Join(append(slices.Clone(r.unreadable), r.Problems.Err())...)
}

// CheckSigningSecret reads the signing secret of w, a Zendesk webhook
// that calls the flow (through Read, as Config.Zendesk), and adds a
// problem when it is not one of secrets, the secrets the flow verifies
// deliveries with (field, such as "Config.ZendeskSecrets"): the flow would
// answer every delivery of that webhook 401. It reports false when the
// secret could not be read. The secret never appears in a problem.
func (r *CheckReader) CheckSigningSecret(ctx context.Context, zc *zendesk.Client, w *zendesk.Webhook, field string, secrets []string) (ok bool) {
	ss, err := zc.Webhooks.SigningSecret(ctx, w.ID)
	if !r.Read("Config.Zendesk", err) {
		return false
	}
	if !slices.Contains(secrets, ss.Secret) {
		r.Problems.Add(fmt.Sprintf("Zendesk webhook %q", w.Name), "",
			"signs with a secret that is not in "+field+": the flow would answer its deliveries 401",
			"add the webhook's signing secret (read by the flow's SigningSecret, or shown in Admin Center > Apps and integrations > Webhooks) to "+field)
	}
	return true
}
