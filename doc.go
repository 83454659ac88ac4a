// Package deskbridge connects Zendesk with the contact-center tools that sit
// beside it: babelforce (cloud telephony), Braze (SMS), NICE CXone, Bright
// Pattern and Dydu (chatbots).
//
// It is three things in one module:
//
//   - Typed clients, one package per vendor, that share one HTTP core: retries
//     that are safe for writes, Retry-After and rate-limit headers honoured,
//     pacing per client, typed errors, iterator pagination and slog logging
//     with secrets redacted. A client holds no global state; build one per
//     tenant and share it between goroutines.
//   - Webhook helpers (package webhook) that verify Zendesk signatures and
//     shared secrets, decode typed events and serve them as an http.Handler
//     that never acknowledges what it did not handle.
//   - Flows that compose the two into what the vendors document: agent status
//     sync between Zendesk and babelforce, the two-way SMS bridge between
//     Zendesk and Braze.
//
// Every vendor package ships an in-process fake of that vendor's API (package
// zendesktest, babelforcetest, brazetest), so that services can be tested
// without credentials and every example runs with -demo and no network.
//
// # Package map
//
//	webhook                    verify and decode inbound webhooks; the http.Handler
//	zendesk                    Zendesk Support, webhooks, agent availability, Talk
//	zendesk/zendesktest        in-memory Zendesk that signs and delivers webhooks
//	babelforce                 babelforce agents, presences, tasks, secrets
//	babelforce/babelforcetest  in-memory babelforce
//	babelforce/statussync      flow: Zendesk agent status <-> babelforce presence
//	braze                      Braze trigger sends, messages, users/track
//	braze/brazetest            in-memory Braze with inbound SMS simulation
//	braze/smsbridge            flow: Zendesk ticket comments <-> Braze SMS
//
// # Errors
//
// Every vendor client returns its own *Error type carrying the vendor's
// detail (status, code, message, request id, Retry-After). Each of them
// unwraps to one of the kinds below, so code that talks to several vendors
// can branch on the kind and still reach the detail with errors.As:
//
//	t, err := zc.Tickets.Get(ctx, 42)
//	switch {
//	case errors.Is(err, deskbridge.ErrNotFound):
//		// gone: drop the reference
//	case errors.Is(err, deskbridge.ErrRateLimited):
//		var zerr *zendesk.Error
//		if errors.As(err, &zerr) {
//			log.Printf("retry in %s", zerr.RetryAfter)
//		}
//	}
//
// Network failures that outlast the client's retries match ErrUnavailable.
package deskbridge

import "errors"

// Version is the version of this module. Every request carries it in its
// User-Agent header as "deskbridge/<Version>".
const Version = "0.1.0"

// Cross-vendor error kinds. A vendor *Error unwraps to exactly one of them,
// chosen by the HTTP status of the response.
var (
	// ErrUnauthorized: the credentials were missing, wrong or expired (401).
	ErrUnauthorized = errors.New("deskbridge: unauthorized")
	// ErrForbidden: the credentials are valid but lack a permission or scope (403).
	ErrForbidden = errors.New("deskbridge: forbidden")
	// ErrNotFound: the resource or endpoint does not exist (404).
	ErrNotFound = errors.New("deskbridge: not found")
	// ErrConflict: the request conflicts with the resource's current state (409).
	ErrConflict = errors.New("deskbridge: conflict")
	// ErrInvalid: the vendor rejected the input (400, 422), or the SDK refused
	// it before sending.
	ErrInvalid = errors.New("deskbridge: invalid request")
	// ErrRateLimited: the vendor's rate limit was hit and the retries (if any)
	// did not get through (429).
	ErrRateLimited = errors.New("deskbridge: rate limited")
	// ErrUnavailable: the vendor failed (5xx) or could not be reached, and the
	// retries (if any) did not get through.
	ErrUnavailable = errors.New("deskbridge: vendor unavailable")
)
