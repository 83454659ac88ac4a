package webhook

import "errors"

// Errors returned by the verifiers and parsers. They are wrapped with detail
// (which header, how far the clock was off) that never includes a secret, a
// signature or a body; test for them with [errors.Is].
var (
	// ErrMissingSignature: the request carries no signature or credential
	// (a Zendesk signature header, the Authorization header, X-API-Key, …) or
	// carries an empty one. The [Handler] answers 401.
	ErrMissingSignature = errors.New("webhook: missing signature")

	// ErrSignatureMismatch: the request carries a signature or credential that
	// matches none of the configured secrets, or a signature header that cannot
	// be decoded. The [Handler] answers 401.
	ErrSignatureMismatch = errors.New("webhook: signature mismatch")

	// ErrTimestampSkew: the signature is valid but its timestamp is further
	// from the verifier's clock than the tolerance allows, in the past (a
	// replay, or a delivery that waited too long) or in the future (a clock
	// off). The [Handler] answers 401.
	ErrTimestampSkew = errors.New("webhook: timestamp outside tolerance")

	// ErrSourceNotAllowed: the request comes from an address outside the
	// verifier's allowlist, or its address cannot be read. The [Handler]
	// answers 403.
	ErrSourceNotAllowed = errors.New("webhook: source address not allowed")

	// ErrNotConfigured: the verifier cannot verify anything because it is
	// misconfigured (no secret, no scheme, no header name, nil verifier). It
	// fails closed: every request is refused. The [Handler] answers 500, since
	// the fault is the receiver's and not the sender's.
	ErrNotConfigured = errors.New("webhook: verifier not configured")

	// ErrMalformed: the body is not the JSON the parser expects (not JSON, not
	// an object, a required field missing, a field of the wrong type). The
	// [Handler] answers 400.
	ErrMalformed = errors.New("webhook: malformed payload")
)

// ErrDuplicate, returned by a handler function (or wrapped in what it
// returns), says that the function found the event already handled by its
// own records: a flow that de-duplicates by its own state, without a
// [Deduper], returns it for a redelivery. The [Handler] answers 200
// "duplicate", as it does for a duplicate its Deduper found, and marks the
// event handled.
var ErrDuplicate = errors.New("webhook: event already handled")

// Permanent marks err as a failure that retrying the delivery cannot fix (the
// event refers to something that does not exist, the payload is valid JSON but
// semantically unusable). A handler function that returns Permanent(err) makes
// the [Handler] answer 422 Unprocessable Entity, which Zendesk is reported not
// to retry; any other error answers 503 with Retry-After, which it is
// reported to retry (see unconfirmed.go). Either way the event is not marked
// as handled.
//
// Sunshine Conversations retries every status except 400, 401, 403, 404 and
// 406, so it retries a 422 too, up to five attempts in 15 minutes (its API
// specification, openapi.yaml in
// https://github.com/zendesk/sunshine-conversations-api-spec).
//
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked with
// [Permanent].
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return "permanent: " + e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }
