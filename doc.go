// Package deskbridge connects Zendesk with the contact-center tools that sit
// beside it: Zendesk Support and Sunshine Conversations (Zendesk
// messaging), babelforce (cloud telephony), Braze (SMS), NICE CXone and
// Bright Pattern (contact centers) and Dydu (chatbots).
//
// It is three things in one module:
//
//   - Typed clients, one package per vendor, over one HTTP core: retries
//     that are safe for writes, Retry-After and rate-limit headers
//     honoured, pacing that keeps 429s rare, typed errors, iterator
//     pagination and slog logging with credentials redacted. A client holds
//     no global state; build one per tenant and share it between
//     goroutines.
//   - Webhook helpers (package webhook) that verify Zendesk signatures and
//     shared secrets, decode typed events and serve them as an http.Handler
//     that never acknowledges what it did not handle.
//   - Flows that compose the two into what the vendors document: agent
//     status sync between Zendesk and babelforce, the two-way SMS bridge
//     between Zendesk and Braze, the Dydu chatbot's escalation to Zendesk
//     agents, CXone interaction data written into Zendesk records, and
//     Bright Pattern's Zendesk scenario blocks. Every flow has the same
//     shape (package flow) and keeps its state in a store.Store, so that
//     it runs as several replicas (package store, Redis in
//     store/redisstore).
//
// Every vendor package ships an in-process fake of that vendor's API
// (zendesktest, conversationstest, babelforcetest, brazetest, cxonetest,
// brightpatterntest, dydutest), so that services can be tested
// without credentials and every example runs with -demo and no network.
// What the fakes share (injected faults, the request log) is in package
// deskbridgetest.
//
// These vendors are what deskbridge covers today; no other vendor is
// scheduled. What is coming for them before 1.0 is in the README's Status
// section.
//
// # Package map
//
//	deskbridge                             this overview; the error kinds, APIError, TransportError, RateLimit, Page
//	deskbridgetest                         what every fake shares: Fault, Request, Attempt
//	webhook                                verify and decode inbound webhooks; the http.Handler; de-duplication
//	store                                  state flows share between replicas; bounded in-memory store
//	store/storetest                        the conformance suite every Store runs
//	store/redisstore                       the Store on Redis (single node, Sentinel, Cluster)
//	store/redisstore/redistest             a throwaway redis-server for tests and demos
//	flow                                   what every flow shares: ConfigError, Outcome, Report, Ensure helpers
//	zendesk                                Zendesk Support, webhooks, agent availability, Talk, fields, groups
//	zendesk/zendesktest                    in-memory Zendesk that signs and delivers webhooks
//	zendesk/conversations                  Sunshine Conversations (Zendesk messaging) API v2
//	zendesk/conversations/conversationstest  in-memory Sunshine Conversations with the agent workspace
//	babelforce                             babelforce agents, presences, tasks, secrets
//	babelforce/babelforcetest              in-memory babelforce
//	babelforce/statussync                  flow: Zendesk agent status <-> babelforce presence
//	braze                                  Braze trigger sends, messages, users/track
//	braze/brazetest                        in-memory Braze with inbound SMS simulation
//	braze/smsbridge                        flow: Zendesk ticket comments <-> Braze SMS
//	cxone                                  NICE CXone: discovery, access keys, ACD, agent sessions
//	cxone/cxonetest                        simulated CXone contact center
//	cxone/memorialize                      flow: CXone interaction data -> Zendesk records
//	brightpattern                          Zendesk integration accounts; Bright Pattern config and chat APIs
//	brightpattern/brightpatterntest        in-memory Bright Pattern tenant with a scenario driver
//	brightpattern/scenario                 flow: Bright Pattern's Zendesk scenario blocks, and their endpoint
//	dydu                                   Dydu dialog API (the chatbox's calls), livechat signals
//	dydu/dydutest                          in-memory Dydu bot with livechat
//	dydu/escalation                        flow: Dydu bot -> Zendesk live agent over Sunshine Conversations
//	cmd/deskbridge                         the command: plan, apply, check and serve flows from one file
//
// # Options every client takes
//
// Each vendor's NewClient takes its own options (the account, the
// credentials) and these, which behave the same for every vendor:
//
//   - WithBaseURL(url): send every request below url instead of the
//     vendor's host: a fake, a proxy or a recording server. It wins over the
//     vendor's host option (WithSubdomain, WithEnvironment, WithInstance)
//     in whichever order they come. Only scheme, host and an optional path
//     prefix are allowed.
//   - WithHTTPClient(hc): send each attempt with hc (its Transport, and its
//     Timeout per attempt). hc is copied, never modified. Default: a client
//     of its own with a pooled transport and a 60 s timeout per attempt.
//   - WithLogger(l): one debug record per attempt, with the keys vendor,
//     method, path, status, attempt, wait and elapsed, and one per wait for
//     a spent rate-limit budget (vendor, method, path, wait); never a
//     header, a query string, a body or a credential. Default: no logging.
//   - WithUserAgent(product): a product token sent before
//     "deskbridge/<Version>" in the User-Agent header. Default: none.
//   - WithMaxRetries(n): how many times a failed request is retried, 0 to
//     20. Default 3. A 429 is always retried (the vendor did not process the
//     request); a 5xx or a network failure only when the request is safe to
//     repeat (a read, a PUT or DELETE, a write with an idempotency key).
//   - WithRetryWaitMax(d): the cap of the exponential backoff between
//     retries. Default 30 s. A wait the vendor asks for (Retry-After, a
//     rate-limit reset) is taken as asked, up to 5 minutes; a longer one, or
//     one that would pass the context's deadline, is not waited for: the
//     call fails at once with the vendor's error, whose RetryAfter says
//     when to try again.
//   - WithMaxResponseSize(n): the largest successful response body read,
//     in bytes. Default 64 MiB (exports are large); a larger body is an
//     error, never a truncated result. Error bodies are read up to 1 MiB.
//
// # Errors
//
// Every vendor client returns its own *Error type carrying the vendor's
// detail; each embeds [APIError] and unwraps to one of the kinds below, so
// code that talks to several vendors branches on the kind and still reaches
// the detail with [errors.As]:
//
//	t, err := zc.Tickets.Get(ctx, 42)
//	switch {
//	case errors.Is(err, deskbridge.ErrNotFound):
//		// gone: drop the reference
//	case errors.Is(err, deskbridge.ErrRateLimited):
//		var apiErr *deskbridge.APIError
//		if errors.As(err, &apiErr) {
//			log.Printf("retry in %s", apiErr.RetryAfter)
//		}
//	}
//
// A call that got no answer returns a [*TransportError]; a network failure
// that outlasted the retries matches [ErrUnavailable].
package deskbridge

// Version is the version of this module. Every request carries it in its
// User-Agent header as "deskbridge/<Version>".
const Version = "0.4.0"
