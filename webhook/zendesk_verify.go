package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Headers Zendesk sends with every webhook request, as its "Anatomy of a
// webhook request" shows them
// (https://developer.zendesk.com/documentation/webhooks/anatomy-of-a-webhook-request).
const (
	// HeaderZendeskSignature carries base64(HMAC-SHA256(secret, timestamp+body)).
	HeaderZendeskSignature = "X-Zendesk-Webhook-Signature"
	// HeaderZendeskSignatureTimestamp carries the signing time, RFC 3339 in UTC
	// ("2021-03-25T05:09:27Z").
	HeaderZendeskSignatureTimestamp = "X-Zendesk-Webhook-Signature-Timestamp"
	// HeaderZendeskInvocationID identifies one invocation of a webhook,
	// which Zendesk may attempt several times
	// (https://developer.zendesk.com/api-reference/webhooks/introduction).
	// It is not signed: for bodies that carry no event id (trigger and
	// automation webhooks) the [Handler] de-duplicates on the signature and
	// checks this id as a second key (see [Item]).
	HeaderZendeskInvocationID = "X-Zendesk-Webhook-Invocation-Id"
	// HeaderZendeskWebhookID identifies the webhook that sent the request.
	HeaderZendeskWebhookID = "X-Zendesk-Webhook-Id"
	// HeaderZendeskAccountID carries the sending Zendesk account's id.
	HeaderZendeskAccountID = "X-Zendesk-Account-Id"
)

// DefaultTolerance is the clock skew a [ZendeskVerifier] allows, in either
// direction, when its Tolerance is zero. Zendesk's "Verifying webhook
// authenticity" (https://developer.zendesk.com/documentation/webhooks/verifying/)
// gives no value; five minutes is the common choice of webhook verifiers
// (Stripe, Slack).
const DefaultTolerance = 5 * time.Minute

// ZendeskVerifier checks the signature Zendesk puts on every webhook request,
// event subscriptions and trigger or automation webhooks alike, as
// "Verifying webhook authenticity"
// (https://developer.zendesk.com/documentation/webhooks/verifying/)
// describes it:
//
//	X-Zendesk-Webhook-Signature:           base64(HMAC-SHA256(secret, TIMESTAMP + BODY))
//	X-Zendesk-Webhook-Signature-Timestamp: TIMESTAMP (RFC 3339)
//
// (An older copy of that page put BODY first; which order Zendesk signs in
// is kept in one place, see unconfirmed.go.) The secret is the webhook's
// signing secret as shown by Zendesk, used as its string bytes, as the
// page's sample code does (it looks like base64 but is not decoded).
//
// The comparison is constant-time and tries every secret in Secrets: the
// secrets of several webhooks that share one endpoint, or the old and the
// new secret around a reset of the signing secret. Expect Zendesk to sign
// with the new secret as soon as it is reset: deploy it promptly, and drop
// the old one once no delivery signed with it can arrive any more.
//
// A ZendeskVerifier is safe for concurrent use; its zero Tolerance and nil
// Now mean [DefaultTolerance] and [time.Now]. A verifier with no non-empty
// secret refuses every request with [ErrNotConfigured].
//
// A literal ZendeskVerifier{Secrets: s} derives the HMAC key state from each
// secret on every request. [NewZendeskVerifier], [NewZendeskHandler] and
// [NewHandler] derive it once, when they are called, and Verify then reuses
// it. It is used only while Secrets holds exactly the secrets it was derived
// from, in the same order: once an element is replaced or Secrets is
// reassigned, Verify goes back to deriving the key state from the current
// Secrets on every request, so a changed secret takes effect either way.
// Build a new verifier or handler to derive it once again.
type ZendeskVerifier struct {
	Secrets   []string         // signing secrets; more than one while rotating
	Tolerance time.Duration    // two-sided clock skew allowed; 0 means DefaultTolerance (5 min)
	Now       func() time.Time // nil means time.Now

	// keys is the HMAC key state derived from Secrets once; nil in a
	// literal verifier. Copies of the verifier share it.
	keys *zendeskKeys
}

// NewZendeskVerifier returns a [ZendeskVerifier] for secrets (a copy of the
// slice is kept) whose HMAC key state is derived once, here, instead of on
// every request as a literal ZendeskVerifier does. Set Tolerance and Now on
// the result as on a literal:
//
//	v := webhook.NewZendeskVerifier(oldSecret, newSecret)
//	v.Tolerance = time.Minute
//
// See [ZendeskVerifier] for what happens when Secrets is changed afterwards.
func NewZendeskVerifier(secrets ...string) ZendeskVerifier {
	return ZendeskVerifier{Secrets: slices.Clone(secrets)}.prepared()
}

// prepared returns v holding key state derived from v.Secrets, unless it
// holds state for exactly these secrets already.
func (v ZendeskVerifier) prepared() ZendeskVerifier {
	if v.keys == nil || !v.keys.current(v.Secrets) {
		v.keys = newZendeskKeys(v.Secrets)
	}
	return v
}

// Verify checks the signature headers in h against body, which must be the
// request body exactly as received (an empty body is signed as ""). It returns
// nil, or an error wrapping [ErrMissingSignature] (a header is missing or
// empty), [ErrSignatureMismatch] (no secret produces this signature, or a
// header cannot be decoded), [ErrTimestampSkew] (the signature is valid but
// too old or too far in the future) or [ErrNotConfigured] (no secret).
//
// The timestamp is checked after the signature, so ErrTimestampSkew always
// means an authentic request: a replay, a long delivery delay or a clock off.
func (v ZendeskVerifier) Verify(h http.Header, body []byte) error {
	if !hasSecret(v.Secrets) {
		return fmt.Errorf("%w: ZendeskVerifier has no signing secret", ErrNotConfigured)
	}
	sig := h.Get(HeaderZendeskSignature)
	ts := h.Get(HeaderZendeskSignatureTimestamp)
	switch {
	case sig == "" && ts == "":
		return fmt.Errorf("%w: no %s and no %s header", ErrMissingSignature, HeaderZendeskSignature, HeaderZendeskSignatureTimestamp)
	case sig == "":
		return fmt.Errorf("%w: no %s header", ErrMissingSignature, HeaderZendeskSignature)
	case ts == "":
		return fmt.Errorf("%w: no %s header", ErrMissingSignature, HeaderZendeskSignatureTimestamp)
	}
	signedAt, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return fmt.Errorf("%w: %s is not an RFC 3339 time", ErrSignatureMismatch, HeaderZendeskSignatureTimestamp)
	}

	// A SHA-256 HMAC is 32 bytes, 44 characters of padded standard base64.
	// Strict decoding refuses the other spellings of the same bytes (unused
	// bits set, line breaks), so that only the exact signature verifies.
	// Decode needs room for what 44 characters can hold without padding (33
	// bytes), or it writes past the buffer: FuzzZendeskVerify found that.
	const sigLen = 44 // base64.StdEncoding.EncodedLen(sha256.Size)
	var want [sigLen / 4 * 3]byte
	if len(sig) != sigLen {
		return fmt.Errorf("%w: %s is not a base64 SHA-256 digest", ErrSignatureMismatch, HeaderZendeskSignature)
	}
	if n, err := base64.StdEncoding.Strict().Decode(want[:], []byte(sig)); err != nil || n != sha256.Size {
		return fmt.Errorf("%w: %s is not a base64 SHA-256 digest", ErrSignatureMismatch, HeaderZendeskSignature)
	}

	// Try every secret without stopping at the first match, so that timing
	// does not tell which secret (old or new) signed the request.
	var matched bool
	if v.keys != nil && v.keys.current(v.Secrets) {
		matched = v.keys.match(ts, body, want[:sha256.Size])
	} else {
		var got [sha256.Size]byte
		for _, secret := range v.Secrets {
			if secret == "" {
				continue
			}
			zendeskMAC(secret, ts, body, got[:0])
			if hmac.Equal(got[:], want[:sha256.Size]) {
				matched = true
			}
		}
	}
	if !matched {
		return fmt.Errorf("%w: %s does not match any configured secret", ErrSignatureMismatch, HeaderZendeskSignature)
	}

	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if skew := now().Sub(signedAt); skew > tol || skew < -tol {
		when := "old"
		if skew < 0 {
			when, skew = "in the future", -skew
		}
		return fmt.Errorf("%w: timestamp is %s %s (tolerance %s)", ErrTimestampSkew, skew.Round(time.Millisecond), when, tol)
	}
	return nil
}

// VerifyRequest implements [Verifier]; it calls [ZendeskVerifier.Verify]
// with the request's headers.
func (v ZendeskVerifier) VerifyRequest(r *http.Request, body []byte) error {
	return v.Verify(r.Header, body)
}

// SignZendesk signs body the way Zendesk does (see [ZendeskVerifier]) and
// returns the values of the [HeaderZendeskSignature] and
// [HeaderZendeskSignatureTimestamp] headers. The timestamp is t in UTC, to
// the second, as Zendesk formats it.
// It is meant for tests and fakes that play Zendesk's part:
//
//	sig, ts := webhook.SignZendesk(secret, time.Now(), body)
//	req.Header.Set(webhook.HeaderZendeskSignature, sig)
//	req.Header.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
func SignZendesk(secret string, t time.Time, body []byte) (signature, timestamp string) {
	timestamp = t.UTC().Format(time.RFC3339)
	var sum [sha256.Size]byte
	zendeskMAC(secret, timestamp, body, sum[:0])
	return base64.StdEncoding.EncodeToString(sum[:]), timestamp
}

// zendeskMAC appends HMAC-SHA256(secret, signed message) to dst; the signed
// message is written by writeZendeskSignedMessage (unconfirmed.go).
func zendeskMAC(secret, timestamp string, body []byte, dst []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	writeZendeskSignedMessage(mac, []byte(timestamp), body)
	return mac.Sum(dst)
}

// hasSecret reports whether secrets holds at least one non-empty secret; an
// empty secret would let anyone sign.
func hasSecret(secrets []string) bool {
	for _, s := range secrets {
		if s != "" {
			return true
		}
	}
	return false
}

// deliveryKeyer is implemented by verifiers whose senders sign each
// delivery: the [Handler] keys an item that has no key of its own on the
// signed material, which a replay cannot change, rather than on an unsigned
// header alone.
type deliveryKeyer interface {
	// deliveryKeys returns, for a request that verified, the key of what
	// the sender signed, and a second key naming the delivery across the
	// sender's retries ("" when there is none). keyHeader is the handler's
	// key header ("" when turned off).
	deliveryKeys(h http.Header, keyHeader string) (signed, retry string)
}

// deliveryKeys implements deliveryKeyer; see zendeskDeliveryKeys.
func (ZendeskVerifier) deliveryKeys(h http.Header, keyHeader string) (signed, retry string) {
	return zendeskDeliveryKeys(h, keyHeader)
}
