package webhook

import "net/http"

// Verifier authenticates an inbound webhook request. body is the request
// body exactly as received, already read (and capped) by the handler.
//
// VerifyRequest returns nil for an authentic request. Errors wrapping
// [ErrNotConfigured] make the [Handler] answer 500, [ErrSourceNotAllowed]
// 403, and any other error 401. Errors must not contain secrets: the
// handler logs them.
//
// [ZendeskVerifier], [SunshineVerifier] and [SharedSecretVerifier]
// implement it; [VerifierFunc] adapts a function.
type Verifier interface {
	VerifyRequest(r *http.Request, body []byte) error
}

// VerifierFunc adapts a function to the [Verifier] interface.
type VerifierFunc func(r *http.Request, body []byte) error

// VerifyRequest calls f(r, body).
func (f VerifierFunc) VerifyRequest(r *http.Request, body []byte) error { return f(r, body) }
