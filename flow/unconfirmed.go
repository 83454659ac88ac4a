package flow

// This file holds the Zendesk behaviour the Ensure helpers rely on that no
// Zendesk reference read while writing them states (UNCONFIRMED), each
// behind one function tested in unconfirmed_test.go, so that a correction
// is one edit.

import "time"

// fieldTypeFixed reports whether a custom field's type is fixed once it is
// created, so that a field of the wanted title (or key) with another type
// is left alone and reported as ActionManual rather than updated.
//
// UNCONFIRMED: neither the ticket fields nor the user fields reference
// (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_fields/,
// https://developer.zendesk.com/api-reference/ticketing/users/user_fields/)
// describes a way to change a field's type, and Admin Center offers none;
// what PUT answers when asked is not stated (zendesktest refuses it).
func fieldTypeFixed() bool { return true }

// zendeskMaxRetryAfter is the shortest Retry-After past which Zendesk no
// longer retries a 503; [MaxRetryAfter] stays under it.
//
// UNCONFIRMED: the "Webhook retries" section of
// https://developer.zendesk.com/api-reference/webhooks/introduction could
// not be read whole; third-party summaries of it
// (https://alboz.eu/insights/master-webhooks-maximize-stability-performance)
// say that 429 and 503 are retried only when Retry-After is under 60
// seconds, and not how many times.
const zendeskMaxRetryAfter = time.Minute

// zendeskRetriesAfter reports whether Zendesk retries a 503 whose
// Retry-After is d (UNCONFIRMED: see zendeskMaxRetryAfter).
func zendeskRetriesAfter(d time.Duration) bool { return d < zendeskMaxRetryAfter }
