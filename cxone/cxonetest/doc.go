// Package cxonetest is an in-memory NICE CXone tenant served over HTTP,
// for tests and for demo programs that run without credentials or
// network. It speaks CXone's wire format as the public sources describe
// it — the developer portal (https://developer.niceincontact.com), the
// official agent SDK (https://github.com/nice-devone/nice-cxone-agent-sdk)
// and clients generated from the portal's OpenAPI files
// (https://github.com/calljacob/nice-cxone-api) — so that the cxone
// client, or any HTTP code, can talk to it:
//
//	srv := cxonetest.NewServer()
//	defer srv.Close()
//	billing := srv.AddSkill(cxonetest.Skill{Name: "Billing Voice", ACW: true})
//	ann := srv.AddAgent(cxonetest.Agent{FirstName: "Ann", LastName: "Lee"})
//	srv.LogIn(ann.ID)
//	id, _ := srv.StartContact(cxonetest.NewContact{SkillID: billing.ID, From: "+33612345678"})
//	srv.Deliver(id, ann.ID)
//	srv.EndContact(id, false) // the agent hangs up: after-call work
//	srv.FinishACW(id)         // closed; in the Reporting API after the warehousing delay
//
// URL plays every CXone host: it serves the OpenID configuration
// (/.well-known/openid-configuration, whose token_endpoint is URL +
// /auth/token), the tenant's cxone-configuration
// (/.well-known/cxone-configuration?tenantId=, whose api_endpoint is URL),
// the token endpoint and the APIs.
//
// # Authentication
//
// POST /auth/token takes the password grant (grant_type=password, the
// access key id and secret as username and password) and the
// refresh_token grant, the client id and secret in the form or as HTTP
// Basic (not both). Tokens are JWTs carrying the tenantId claim; they
// expire after [WithTokenLifetime] on the fake's clock ([WithClock]).
// Errors are OAuth's: 400 invalid_grant, 401 invalid_client. The APIs
// answer 401 invalid_token to a missing, unknown, expired or revoked
// ([Server.RevokeTokens]) bearer token.
//
// # The ACD APIs
//
// Under /inContactAPI/services/vNN.0 (any casing of inContactAPI), at
// every version up to 33.0: agents (updateSince, isActive, searchString),
// an agent's skills and state, agent states, teams with their agents and
// unavailable codes, skills with their dispositions, dispositions,
// unavailable codes, contacts (active; completed with updatedSince,
// startDate, endDate and the id filters; one contact; custom data; state
// history; tags), and agent sessions (start, join, end, get-next-event,
// state, disposition, custom data, end of a contact). Completed contacts
// and one contact are written with v33.0's field names at 33.0 and with
// v23.0's (fromAddr, toAddr, contactStart, mediaType, confSeconds, tags'
// Contact_Id, TagId, TagName) below. Media playback is
// /media-playback/v1/contacts?acd-call-id=.
//
// Lists are paged with skip and top (default 50, at most 100) and answer
// {"businessUnitId", "lastPollTime", "totalRecords", "_links": {"self",
// "next", "previous"}, <items>}, _links.next an absolute URL present only
// when a page follows; an empty list is 204 No Content. Errors are
// CXone's OAuth style, {"error", "error_description"}; media playback's
// are {"internalCode", "message"}; [ErrorListFault] injects the Digital
// Engagement APIs' {"errors": […], "uid"}.
//
// # The simulated contact center
//
// A test or a demo adds agents, teams, skills, dispositions, unavailable
// codes and tags, logs agents in, and drives contacts: [Server.StartContact]
// queues one on a skill, [Server.Deliver] gives it to an agent,
// [Server.AddMessage] writes a digital contact's transcript,
// [Server.SetCustomData] and [Server.TagContact] annotate it,
// [Server.EndContact] ends it (by the agent, or by the customer first),
// [Server.Disposition] records the agent's disposition and notes, and
// [Server.FinishACW] ends after-call work. [Server.Transfer] and
// [Server.Unassign] pass an active digital contact on: its segment closes
// with its agent's data, and a new contact id with the same
// masterContactId continues the interaction. [Server.Play] runs a whole
// contact at once. A closed contact reaches the Reporting API (GET
// /contacts/completed, GET /contacts/{contactId}) only after
// [WithWarehouseDelay]; a change to a closed contact (a tag) reaches it
// as a new version with a later lastUpdateTime. With [WithListingInACW], a
// call in after-call work is listed there too, with isActive true.
//
// Every session of an agent (its own and those joined to it) gets its
// events: AgentSessionStart, AgentState, CallContactEvent (PascalCase
// keys, "True"/"False" strings; Disconnected with FinalState "False" when
// after-call work starts, then "True" when the contact closes),
// DigitalContactEvent and AgentSessionEnd. get-next-event answers 200 as
// soon as there are events and 304 when the timeout passes without any;
// [WithAfter] replaces the timer so that a test waits no seconds.
//
// Every server has the controls every deskbridge fake has (package
// [deskbridgetest]): a request log ([Server.Requests]; the bearer token,
// the password, client_secret and refresh_token redacted), fault
// injection ([Server.InjectFault]) and an optional fixed-window rate
// limit on the APIs ([WithRateLimit]) answering 429 with Retry-After.
//
// # Unconfirmed
//
// Where CXone documents no answer the fake still gives one; each guess is
// one function or value in unconfirmed.go with a test naming the doubt:
// the discovery values and token claims, the 401 and 429 bodies, ids and
// media type ids, the state-history states, the event fields of digital
// contacts and agent states, end reasons, the disposition-notes limit,
// page sizes, the versions served and where v33.0's names begin, the
// envelope of single Admin records, the active-contact list's key, the
// warehousing model (lastUpdateTime is the time a record reached the
// warehouse; updatedSince includes that instant), the Agent API's 202,
// where session parameters travel and the tags body.
//
// Lookups by id are O(1); completed contacts are found from updatedSince
// by binary search. The package imports no testing code and can be used
// from main packages.
package cxonetest
