// Package cxone is a client for NICE CXone (CXone Mpower)'s ACD APIs: the
// agents, teams, skills, dispositions and unavailable codes of the Admin
// API, agent states and active contacts of the Real-Time Data API,
// completed contacts of the Reporting API, a contact's custom data, state
// history, tags and media (the recording URL), and agent sessions with
// their event stream (https://developer.niceincontact.com).
//
// It covers what the memorialization of CXone interaction data into
// Zendesk needs (package memorialize), as CXone's "Configure a CRM system
// for Zendesk" page describes it: poll the contacts that completed, read
// each one's data, disposition, tags, custom data (script variables) and
// recording.
//
// # Connecting
//
// A back-end application authenticates as a CXone API user with the
// OAuth2 password grant: the user's access key id and secret, and the
// client id and secret NICE issued when the application was registered
// ([WithAccessKey]). Nothing else is needed: the client reads the OpenID
// configuration of https://cxone.niceincontact.com for the token
// endpoint, reads the tenant id from the token (or [WithTenant]), and the
// tenant's /.well-known/cxone-configuration for its API endpoint:
//
//	c, err := cxone.NewClient(
//		cxone.WithAccessKey(accessKeyID, accessKeySecret, clientID, clientSecret),
//	)
//	d, err := c.Discovery(ctx) // api_endpoint, area, domain
//
// The discovery answer is checked before any token goes to the host it
// names: the API endpoint and the token endpoint must be https URLs on
// CXone's domains (niceincontact.com, nice-incontact.com, incontact.com),
// the area must look like one ("na1") and the domain must be CXone's. An
// answer naming another host is refused, so a tampered answer cannot move
// credentials elsewhere. [WithBaseURL] sends everything (discovery, token
// and API) to one URL instead: a cxonetest fake, or a proxy.
//
// The token is cached, shared by every goroutine and renewed 5 minutes
// before it expires; a 401 drops it and sends the call once more with a
// new one. The options every deskbridge client takes ([WithBaseURL],
// [WithHTTPClient], [WithLogger], [WithUserAgent], [WithMaxRetries],
// [WithRetryWaitMax], [WithMaxResponseSize]) are documented once, in
// package [deskbridge].
//
// # Versions
//
// The ACD APIs carry their version in the path, and each endpoint is
// called at the version CXone's agent SDK uses for it: v23.0 for most,
// v12.0 for dispositions, v33.0 for completed contacts and a contact. A
// [Contact] reads v33.0's field names and v23.0's (fromAddr, toAddr,
// contactStart, mediaType, confSeconds) alike.
//
// # Polling completed contacts
//
//	page, err := c.Contacts.CompletedPage(ctx, &cxone.CompletedContactListOptions{
//		UpdatedSince: lastPoll,
//		ListOptions:  cxone.ListOptions{OrderBy: "lastUpdateTime asc"},
//	})
//	// … handle page.Items, follow page.Next (opts.Next) …
//	lastPoll = page.LastPollTime
//
// # Lists
//
// Lists are paged with skip and top. List-style methods return an
// iterator that fetches pages as the caller ranges and stops when the
// caller breaks; ListPage-style methods fetch one page, a
// [deskbridge.Page] whose Next is the URL of the page after it
// (_links.next as CXone gives it, or the same request with skip moved on)
// to put back in [ListOptions].Next. An empty list may come as 204 No
// Content: it is an empty page.
//
// # Agent sessions
//
// [SessionsService.NextEvent] long-polls an agent session's events; CXone
// answers 304 when none came within the timeout, which is an empty batch,
// not an error. A [CallContactEvent] with Status Disconnected and
// FinalState true ([CallContactEvent.Ended]) is the end of a voice contact,
// after-call work included.
//
// # Errors
//
// A non-2xx response is an [*Error] that embeds [deskbridge.APIError],
// reads both of CXone's error shapes (OAuth-style {"error",
// "error_description"} and {"errors": […]}) and unwraps to a deskbridge
// error kind, so errors.Is(err, [deskbridge.ErrNotFound]) works. A 429 is
// retried, waiting what Retry-After asks (CXone publishes no rate-limit
// headers). Input that cannot be right (an id that is not positive, an
// empty session id) is refused before sending with an error that matches
// [deskbridge.ErrInvalid].
//
// # Unconfirmed facts
//
// Some behaviour rests on guesses, each kept in one place (unconfirmed.go):
// where the client id and secret go by default, the tenantId claim, the
// list of CXone's domains and the grammar of an area, the request-id
// header, the envelopes of single objects and of the contact lists, the
// contact's end time, the tags body, the state-history fields, the media
// playback host, and where session parameters go.
package cxone
