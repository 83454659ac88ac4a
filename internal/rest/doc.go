// Package rest is the one HTTP core that every deskbridge vendor client
// uses. No vendor package talks to net/http on its own; what a vendor needs
// and the core lacks is added here.
//
// # A vendor is a declaration
//
// What differs between vendors is one Vendor value in the vendor package:
// its name, its host rule (LabelHost, TableHost), the names of its
// credential options, the headers that carry its rate-limit budget and
// request id, how its budgets split by endpoint, and how its error bodies
// decode. The vendor's options fill a Settings (the options every vendor
// shares are written once, as Settings setters) and its credential options
// give a Credential: Basic, Bearer, Static, or a TokenCache for an
// OAuth-style grant. Build applies the options and returns the client:
//
//	var vendor = &rest.Vendor{Name: "zendesk", Host: rest.LabelHost("https://%s.zendesk.com", "subdomain"), ...}
//
//	func NewClient(opts ...Option) (*Client, error) {
//		_, rc, err := rest.Build(vendor, opts)
//		...
//	}
//
// A resource method is then a line or two:
//
//	func (s *TicketsService) Get(ctx context.Context, id int64) (*Ticket, error) {
//		return rest.Get[Ticket](ctx, s.client.rest, rest.Pathf("/api/v2/tickets/%d", id), nil, "ticket")
//	}
//
// and a list is List (an iterator) and ListPage (one page, as a
// deskbridge.Page) over a PageReader for the vendor's page shape and a
// Style saying where the next page's cursor goes (a query parameter, or
// the next page's URL).
//
// # What every call gets
//
//   - The URL from the base URL and the path (arguments of Pathf are
//     path-escaped; "." and ".." segments are refused; an absolute URL, a
//     vendor's next-page link, must lie below the base URL), the query from
//     an options struct (go-querystring) or url.Values, and the body (JSON,
//     or a form for url.Values).
//   - Pacing: each request takes a place in its rate-limit budget. What may
//     be sent is what the vendor last reported remains, less what is in
//     flight, so the goroutines sharing a client never send into a spent
//     window; when it is spent they wait for the reset (or for the answers
//     in flight), not for a 429.
//   - Credentials on every attempt, set on the core's own request (no copy
//     per attempt). A redirect is followed only on the base URL's origin: a
//     307 elsewhere would re-send a token request's secret.
//   - Retries through go-retryablehttp with its logger off and its policy
//     replaced: a 429 is always retried; a 5xx or a network error only when
//     the request is idempotent (GET, HEAD, OPTIONS, PUT, DELETE unless
//     marked NotIdempotent, or a request marked Idempotent or carrying an
//     IdempotencyKey); a failure while dialing for any request. The wait is
//     the response's Retry-After (seconds or HTTP-date), else the vendor's
//     reset header, else exponential backoff with jitter capped at
//     RetryWaitMax. A wait honours the context; one that would pass the
//     context's deadline, or that is longer than MaxServerWait, is not
//     started, nor kept as a hold on later calls: the last response's error
//     is returned at once, with the wait in its RetryAfter.
//   - A 401 to a credential that can go stale (a TokenCache) drops it and
//     sends the request once more with a new one.
//   - Bodies are capped: success bodies at WithMaxResponseSize (64 MiB by
//     default), error bodies at 1 MiB.
//   - A non-2xx response becomes the vendor's error (Vendor.DecodeError),
//     which embeds deskbridge.APIError. Every credential the client knows is
//     scrubbed from the body before the vendor reads it, and from what the
//     vendor read, in any spelling a vendor may echo it in (JSON escapes,
//     URL and form encoding).
//   - One debug record per attempt with the keys vendor, method, path,
//     status, attempt, wait and elapsed. Headers, query strings and bodies
//     are never logged.
package rest
