package brazetest

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// This file holds every behaviour of the fake that the public Braze
// documentation does not state (UNCONFIRMED), one function or value each,
// tested in unconfirmed_test.go.

// webhookTimeout is Braze's documented timeout for one webhook request
// (https://www.braze.com/docs/user_guide/message_building_by_channel/webhooks/understanding_webhooks/).
const webhookTimeout = 90 * time.Second

// Webhook retry schedule. Documented (same page): 408, 429 and 5xx are
// retried, other statuses are not, "up to 5 retries in 30 minutes with
// exponential backoff", and Braze honours Retry-After.
//
// UNCONFIRMED: the exact waits. The fake waits 1, 2, 4, 8 and 15 minutes
// (30 in all) when the receiver gives no Retry-After, and retries network
// errors and timeouts the same way.
const (
	webhookMaxRetries  = 5
	webhookBackoffBase = time.Minute
	webhookBackoffMax  = 15 * time.Minute
)

// webhookRetryPolicy is the fakeserver.RetryPolicy of webhook campaigns.
func webhookRetryPolicy(now func() time.Time) fakeserver.RetryPolicy {
	return func(n int, resp *http.Response, err error) (bool, time.Duration) {
		if n > webhookMaxRetries {
			return false, 0
		}
		if err == nil {
			switch code := resp.StatusCode; {
			case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500:
			default:
				return false, 0
			}
			if d, ok := rest.ParseRetryAfter(resp.Header.Get("Retry-After"), now()); ok {
				return true, d
			}
		}
		return true, min(webhookBackoffBase<<(n-1), webhookBackoffMax)
	}
}

// successStatus is the status of a success on each endpoint.
//
// Documented: 201 for /canvas/trigger/send and /subscription/status/set
// (their pages' example responses, https://www.braze.com/docs/api/endpoints/messaging/send_messages/post_send_triggered_canvases/
// and https://www.braze.com/docs/api/endpoints/subscription_groups/post_update_user_subscription_group_status/).
// UNCONFIRMED: 201 for /campaigns/trigger/send and /messages/send, whose
// pages show no status, and 200 for the /users endpoints. Clients must take
// any 2xx.
func successStatus(path string) int {
	if strings.HasPrefix(path, "/users/") {
		return http.StatusOK
	}
	return http.StatusCreated
}

// Fatal messages whose exact text the documentation does not give: the
// table of https://www.braze.com/docs/api/errors/ names them ("400 Invalid
// Campaign ID", "429 Rate Limited") but shows no body. UNCONFIRMED: the
// body is {"message": <that name>}.
const (
	invalidCampaignMessage = "Invalid Campaign ID"
	invalidCanvasMessage   = "Invalid Canvas ID"
	rateLimitedMessage     = "Rate Limited"
)

// unauthorizedMessage is the message of a 401, given whether the request
// carried a key at all. It never repeats the key: an answer that echoed a
// credential would put it wherever the client logs errors.
//
// UNCONFIRMED: https://www.braze.com/docs/api/errors/ names the 401,
// "Unauthorized", for an unknown or missing REST API key, but shows no
// body; the fake's message is a guess.
func unauthorizedMessage(keyGiven bool) string {
	if !keyGiven {
		return "Invalid API key: no key was given"
	}
	return "Invalid API key"
}

// unknownKeyError is the answer to a request whose body has a key that
// names no field of the endpoint, at path (such as
// "recipients[0].External_User_Id"); keys match case-sensitively, so a
// miscased key is unknown too.
//
// UNCONFIRMED: the Braze docs do not say what Braze does with a key it does
// not know (ignores it, or refuses the request). The fake refuses it, 400
// Bad Request, so that a client that misspells or miscases a key hears of
// it instead of having the field silently dropped.
func unknownKeyError(path string) *apiError {
	return badRequest("body: unknown field %q", path)
}

// canvasContext is the context a Canvas send records for one recipient
// ([Send.Context]), from the request's canvas_entry_properties and context
// and the recipient's.
//
// Documented: the recipient's keys override the request's ("these
// key-value pairs override any keys that conflict with the parent
// context", braze-inc/braze-docs
// _docs/_api/endpoints/messaging/send_messages/post_send_triggered_canvases.md),
// and canvas_entry_properties is context's older name, still accepted.
// UNCONFIRMED: what Braze does with both names at one level. The fake
// merges them, context's value winning a key both have.
func canvasContext(entryProperties, context, recipientEntryProperties, recipientContext map[string]any) map[string]any {
	return mergeAll(entryProperties, context, recipientEntryProperties, recipientContext)
}

// contextTooLarge is the answer to a Canvas send whose context or
// canvas_entry_properties object (named by field) is n bytes, over the
// documented 50 KB.
//
// UNCONFIRMED: the docs give the limit but not Braze's answer past it. The
// fake refuses the request, 400 Bad Request, and sends nothing.
func contextTooLarge(field string, n int) *apiError {
	return badRequest("%s is %d bytes; the limit is %d", field, n, maxContextBytes)
}

// Batching limits of one users/track request
// (https://www.braze.com/docs/api/api_limits/).
const (
	maxTrackObjects = 75 // in all, on Braze's current limits
	maxTrackPerKind = 75 // of each array, on its legacy limits
)

// trackTooLarge is the answer to a users/track request carrying na
// attributes, ne events and np purchases, or nil if the server takes it:
// at most 75 objects in all, or 75 of each array [WithLegacyTrackLimits].
//
// Documented: the localized copies of
// https://www.braze.com/docs/api/api_limits/ (/docs/de/, /ja/, /pt-br/),
// newer than the English page, give up to 75 objects in total, combined
// across attributes, events and purchases, per request, and up to 75 of
// each for customers on legacy rate limits; the English page gives 75 of
// each. https://www.braze.com/docs/api/errors/ lists 400 "Max Input Length
// Exceeded" for too many objects on users/track.
//
// UNCONFIRMED: that the combined limit is the one a workspace that is not
// on legacy limits has (the English page says otherwise), and that Braze
// answers going over it with the same 400 {"message": "Max Input Length
// Exceeded"} it documents for more than 75 of one array (the errors page
// predates the combined limit). The fake takes the stricter reading, so
// that a client that relies on 75 of each hears of it.
func (s *Server) trackTooLarge(na, ne, np int) *apiError {
	over := na+ne+np > maxTrackObjects
	if s.legacyTrack {
		over = max(na, ne, np) > maxTrackPerKind
	}
	if over {
		return fatal(http.StatusBadRequest, msgMaxInputLength)
	}
	return nil
}

// sendsBudget is the rate-limit budget the three send endpoints
// (/messages/send, /campaigns/trigger/send, /canvas/trigger/send) draw on:
// one, apart from the default budget.
//
// Documented (https://www.braze.com/docs/api/api_limits/): the three share
// 250 requests a minute for broadcast calls. UNCONFIRMED: the budget of a
// send to given users, which the localized copies of that page put in the
// default pool of 250,000 an hour that every endpoint not in the table
// shares, and the English page in 250,000 an hour "shared between the
// endpoints". The fake counts every send, broadcast or not, in the one
// budget of the three, at the limit [Server.SetRateLimit] gives every group.
func sendsBudget() string { return "sends" }

// windowsAligned says the fake's rate-limit windows are fixed and aligned
// to the Unix epoch (fakeserver.Spec.AlignWindows): a minute window runs
// from one whole minute to the next.
//
// Documented (https://www.braze.com/docs/api/api_limits/): limits are so
// many requests per three seconds, minute, hour or day; every response
// carries X-RateLimit-Limit, X-RateLimit-Remaining ("the number of
// requests remaining in the current rate limit window") and
// X-RateLimit-Reset ("the time at which the current rate limit window
// resets in UTC epoch seconds"), and a client may "pause all sending until
// the time specified in X-RateLimit-Reset elapses".
//
// UNCONFIRMED: whether Braze's windows are fixed or sliding, and where a
// fixed window starts. Aligned to the epoch is the reading in which a reset
// in whole epoch seconds names the window's end exactly, so that a client
// that waits for it loses nothing.
const windowsAligned = true

// attributeEquals decides an audience filter "attribute equals value".
//
// UNCONFIRMED: how Braze compares across types. The Zendesk Chat recipe
// sets zendesk_ticket_open to the string "true" through a trigger send and
// filters on it as a boolean; the fake compares the printed values, case
// aside, so "true" equals true and "1234" equals 1234.
func attributeEquals(have, want any) bool {
	if have == nil || want == nil {
		return have == want
	}
	return strings.EqualFold(fmt.Sprint(formatValue(have)), fmt.Sprint(formatValue(want)))
}
