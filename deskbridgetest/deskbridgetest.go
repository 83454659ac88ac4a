// Package deskbridgetest holds what every deskbridge fake shares: the
// failures a test injects into a fake's answers ([Fault]) and the record
// of the requests a fake received ([Request]).
//
// Each vendor's fake (zendesktest, babelforcetest, brazetest…) is an
// in-memory server that speaks that vendor's wire format; every one of
// them has the same controls:
//
//	fake.InjectFault(deskbridgetest.Fault{Method: "PUT", Path: "/api/v2/tickets/", Status: 503, Times: 2})
//	fake.SetRateLimit(100, time.Minute) // the vendor's headers, a 429 past the limit
//	for _, r := range fake.Requests() { ... } // credentials redacted
//	fake.ResetRequests()
package deskbridgetest

import (
	"net/http"
	"time"
)

// Fault is a failure injected into a fake's answers: it applies to the
// next Times requests that match Method ("" for any) and Path (a prefix
// of the URL path, "" for any). Faults apply in the order they were
// injected.
type Fault struct {
	// Method and Path select the requests.
	Method string
	Path   string
	// Status answers with this status, Header and Body instead of the
	// vendor's answer. Zero lets the request through to the vendor's
	// handler, after Latency.
	Status int
	Header http.Header
	Body   string
	// Latency delays the answer; the wait ends early if the client goes.
	Latency time.Duration
	// Drop closes the connection without answering.
	Drop bool
	// Processed lets the request through to the vendor's handler, so that
	// its effects happen (a message is sent, a ticket created), then
	// discards the vendor's answer and answers with Status, Header and
	// Body instead (or drops the connection when Drop is set): the case
	// where a client cannot know whether its request was carried out.
	// Without Status or Drop it answers 500.
	Processed bool
	// Times is how many matching requests the fault applies to; 0 means 1.
	Times int
}

// Request is one request a fake received, as its log keeps it.
type Request struct {
	// Time is when the fake received it, on the fake's clock.
	Time time.Time
	// Method, Path and RawQuery are the request line's.
	Method   string
	Path     string
	RawQuery string
	// Header is the request's headers, with Authorization and every other
	// credential header replaced by "[redacted]".
	Header http.Header
	// Body is the request body, with credentials replaced by "[redacted]".
	// The log keeps at most the first 16 KiB of each body, and keeps the
	// bodies of the newest requests only, 16 MiB of them in all; BodySize
	// says how long the body was, BodyDropped that the log let it go.
	Body        []byte
	BodySize    int
	BodyDropped bool
	// Status is the status the fake answered with (0 when the connection
	// was dropped).
	Status int
	// Fault names the injected fault that answered, "" when none did.
	Fault string
}

// Attempt is one try of a webhook a fake delivers, as the vendor would
// (zendesktest's event and trigger webhooks, brazetest's webhook
// campaigns).
type Attempt struct {
	// Time is when the attempt was made, on the fake's clock.
	Time time.Time
	// Status is the receiver's answer, 0 when none came.
	Status int
	// Err is "timeout" or the network error, when no answer came.
	Err string
	// Wait is how long the fake waited after this attempt before the next
	// one (0 after the last).
	Wait time.Duration
	// Header holds the request headers of this attempt, signature and all,
	// with credentials replaced by "[redacted]".
	Header http.Header
}
