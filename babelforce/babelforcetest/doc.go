// Package babelforcetest is an in-memory babelforce environment served over
// HTTP, for tests and for demo programs that run without credentials or
// network. It speaks babelforce's wire format as babelforce's OpenAPI specs
// (static/openapi/{auth,manager,task-automation}.openapi.yaml in
// https://github.com/babelforce/manager-sdk) and Go SDK
// (https://github.com/babelforce/manager-sdk-go) describe it, so the
// babelforce client, or any HTTP code, can talk to it:
//
//	srv := babelforcetest.NewServer()
//	defer srv.Close()
//	agent := srv.AddAgent(babelforcetest.Agent{Name: "Ann", SourceID: "10011"})
//	c, _ := babelforce.NewClient(
//		babelforce.WithBaseURL(srv.URL),
//		babelforce.WithPassword(srv.Username, srv.Password),
//	)
//	c.Agents.SetPresence(ctx, agent.ID, "available")
//	srv.Presence(agent.ID) // "available"
//	srv.History()          // [{… From: "busy", To: "available", Source: "api"}]
//
// What it serves:
//
//   - POST /oauth/token, the password grant (form body; client_id, when
//     sent, must be "manager"). expires_in=-1 gets a token that never
//     expires and a response without expires_in; other tokens expire after
//     [WithTokenLifetime]. Wrong credentials get 400 invalid_grant. The API
//     answers 401 to a missing, unknown, expired or revoked
//     ([Server.RevokeTokens]) bearer token.
//   - Agents (GET/POST /api/v2/agents, GET/PUT/DELETE /api/v2/agents/{id},
//     GET/PUT /api/v2/agents/{id}/status) with the sourceId, q, name,
//     number, enabled, source, state and tags filters and v2 pagination
//     (page, max; {items, pagination{pages, total, current, max,
//     maxResults, next}}). A presence change is recorded with its time and
//     source ([Server.History]), and the agent in the UI is played by
//     [Server.SetPresence].
//   - Presences (GET/POST /api/v2/agents/presence/available, GET/DELETE
//     …/{name}): the green "available" and the red "busy" exist; creating
//     another green one gets 501 as the spec says.
//   - Tasks (GET /api/v3/tasks with filter, page and page_size, GET
//     /api/v3/tasks/{id}). The filter is RSQL (filter.go): ";"/"and" bind
//     tighter than ","/"or", parentheses group, and ==, !=, =lt=, =le=,
//     =gt=, =ge=, =in=, =out= compare id, state, type, agent_id, queue_id,
//     session_id, customer_id, has_error, created_at and scheduled_at;
//     anything else gets a 400 naming it. A filtered list walks every task
//     for each page it answers (O(n) per page): an arbitrary RSQL filter
//     has no index to answer it. An unfiltered page and a task by id walk
//     none.
//   - The secrets vault (GET, POST, PATCH, DELETE
//     /api/v3/tasks/configurations/secrets[/{prefix}]); values are kept for
//     [Server.Secret] but never returned by the API nor kept in the request
//     log.
//   - The Zendesk webhook endpoint, POST /api/v1/webhook/zendesk?templateId=…,
//     which records a webhook.zendesk.agent_status task (202) and, for the
//     template webhook_map_talk_status ([StatusSyncTemplate]) of
//     babelforce's status-sync article
//     (https://help.babelforce.com/hc/en-us/articles/17020396359954-Synching-the-agent-status-from-Zendesk-omnichannel-to-babelforce;
//     "the status-sync article" in this package's documentation), applies
//     its mapping: online → available, any other state → the red presence
//     of the same name, on the agent whose sourceId is the event's
//     detail.agent_id.
//
// The wire format is kept strictly, so that a client bug shows here and
// not in production: ids are babelforce's 32 lower-case hex characters,
// and a path naming the hyphenated UUID form gets 404 (ids.go); optional
// fields without a value are left out, never sent as ""; request bodies
// are read with keys matched case-sensitively ("NAME" is not "name").
//
// Every server has the controls every deskbridge fake has (package
// [deskbridgetest]): a request log ([Server.Requests],
// [Server.RequestCount], [Server.ResetRequests]; the password, bearer
// tokens and secret values redacted), fault injection
// ([Server.InjectFault], [Server.ClearFaults]: statuses, latency, dropped
// connections, requests processed whose answer is lost) and an optional
// fixed-window rate limit on the API, not the token endpoint
// ([WithRateLimit], [Server.SetRateLimit]) with X-RateLimit-* headers and
// a 429 with Retry-After.
//
// # Unconfirmed
//
// Where babelforce documents no answer, the fake still has to give one.
// Each such guess is one function or value in unconfirmed.go, with a test
// that names the doubt: the rate-limit headers (babelforce documents
// neither its limits nor any header), the 401 and v2 error bodies, the
// answer to expires_in=-1 and to an unknown client_id, the token lifetime,
// the page defaults ([DefaultMax], [MaxMax], [DefaultPageSize]), a new
// agent's presence ([DefaultAgentPresence]), the name a presence gets
// from its label, the refusals of presence writes, the form of ids in
// task bodies, the task filter's case, absent fields, unknown states and
// length, the query split, what the status-sync article's template reads
// and how it maps states (its table is an image), and whether a POST to
// the vault replaces a prefix's keys.
//
// Every lookup is O(1): agents are indexed by id and by sourceId,
// presences by name, tasks by id, and the agents in each presence are
// counted. Lists that filter (a task filter, an agent search) walk the
// records they filter.
//
// The package imports no testing code and can be used from main packages.
package babelforcetest
