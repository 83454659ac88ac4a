// Package rest is the one HTTP core that every deskbridge vendor client uses.
// No vendor package talks to net/http on its own; what a vendor needs and the
// core lacks is added here.
//
// A vendor package builds one *Client per tenant with New and a Config that
// says how the vendor differs: its base URL, how its error bodies decode
// (Config.NewError), which headers carry its rate-limit budget
// (Config.RateLimit), how requests authenticate (Config.Auth). Then every
// call is one Do:
//
//	var out struct{ Ticket Ticket `json:"ticket"` }
//	_, err := c.Do(ctx, &rest.Request{
//		Method: http.MethodGet,
//		Path:   rest.Pathf("/api/v2/tickets/%d", id),
//	}, &out)
//
// What Do does, in order:
//
//   - Builds the URL from the base URL and the path (arguments of Pathf are
//     path-escaped; ".." segments are refused; an absolute URL, such as a
//     vendor's next-page link, must stay on the base URL's host), the query
//     from an options struct (go-querystring) or url.Values, and the body
//     (JSON, or a form for url.Values).
//   - Paces: when the last response said the rate-limit budget is spent, the
//     request waits until the reset instead of collecting a 429. The state is
//     shared by every goroutine using the client.
//   - Authenticates each attempt, only towards the base URL's host.
//   - Retries through go-retryablehttp with its logger off and its policy
//     replaced: a 429 is always retried; a 5xx or a network error only when
//     the request is idempotent (GET, HEAD, OPTIONS, PUT, DELETE unless marked
//     NotIdempotent, or a request marked Idempotent or carrying an
//     IdempotencyKey). The wait is the
//     response's Retry-After (seconds or HTTP-date), else the vendor's reset
//     header, else exponential backoff with jitter capped at RetryWaitMax. A
//     wait honours the context, and a wait that would pass the context's
//     deadline is not started: the last response's error is returned at once.
//   - Turns a non-2xx response into the vendor's error through
//     Config.NewError, with the body (read up to 1 MiB, credentials scrubbed)
//     and the number of attempts made.
//   - Logs one debug record per attempt with the keys vendor, method, path,
//     status, attempt and wait. Headers, query strings and bodies are never
//     logged, and credentials never appear in an error string.
//
// Iterate turns a vendor's page-fetching function into an iter.Seq2.
package rest
