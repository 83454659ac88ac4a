// Package babelforce is a client for babelforce's REST APIs: the v2 manager
// API (agents, presences), the v3 Task Automation Platform (tasks, the
// secrets vault) and the Zendesk webhook endpoint that starts tasks.
//
// It covers what the agent status sync between Zendesk and babelforce needs
// (package statussync), as babelforce's help center article "Synching the
// agent status from Zendesk omnichannel to babelforce" describes it
// (https://help.babelforce.com/hc/en-us/articles/17020396359954-Synching-the-agent-status-from-Zendesk-omnichannel-to-babelforce;
// "the status-sync article" in this package's documentation): find the
// babelforce agent whose sourceId is a Zendesk user id, set its presence,
// list presences and create the red ones, store a Zendesk credential in
// the vault, and hand babelforce's own Zendesk webhook its bearer token.
//
// The API's shapes follow babelforce's OpenAPI specs,
// static/openapi/{auth,manager,task-automation}.openapi.yaml in
// https://github.com/babelforce/manager-sdk ("the auth spec", "the manager
// spec", "the task-automation spec"), and its Go SDK,
// https://github.com/babelforce/manager-sdk-go.
//
// # Connecting
//
// A client talks to one environment, https://{env}.babelforce.com
// ([WithEnvironment]; services.babelforce.com when none is given), or to
// any base URL such as a babelforcetest fake ([WithBaseURL], which wins
// when both are given). It authenticates with the OAuth2 password grant of
// a manager user ([WithPassword]), whose token it caches, shares between
// goroutines and renews, or with a bearer token obtained elsewhere
// ([WithAccessToken]):
//
//	c, err := babelforce.NewClient(
//		babelforce.WithEnvironment("acme"),
//		babelforce.WithPassword(user, password),
//	)
//
// The options every deskbridge client takes ([WithBaseURL],
// [WithHTTPClient], [WithLogger], [WithUserAgent], [WithMaxRetries],
// [WithRetryWaitMax], [WithMaxResponseSize]) are documented once, in
// package [deskbridge].
//
// # The status flow, by hand
//
//	agent, err := c.Agents.FindBySourceID(ctx, "10011") // the Zendesk user id
//	if errors.Is(err, deskbridge.ErrNotFound) { … }
//	_, err = c.Agents.SetPresence(ctx, agent.ID, babelforce.AvailablePresence)
//
//	// babelforce has one green presence, "available"; every Zendesk status
//	// that is not online becomes a red presence of the same name.
//	_, err = c.Presences.Create(ctx, &babelforce.PresenceCreate{Label: "In a meeting"})
//
//	// The status-sync article's setup: the Zendesk credential in the
//	// vault, read by the template as {{secret.zendesk.webhook}} …
//	err = c.Secrets.Store(ctx, "zendesk", map[string]string{"webhook": "Basic …"})
//	// … and a Zendesk webhook to /api/v1/webhook/zendesk?templateId=…,
//	// which babelforce answers with a task (202):
//	task, err := c.Tasks.TriggerZendeskWebhook(ctx, babelforce.StatusSyncTemplate, event)
//
// # Lists
//
// Paginated lists come in two forms: List returns an iterator that fetches
// pages as the caller ranges and stops when the caller breaks; ListPage
// fetches one page, a [deskbridge.Page] whose Next is the number of the
// page after it, in decimal ("" after the last), to put back in the
// options' Page to resume. v2 lists (agents) page with page and max and
// stop at the last of pagination.pages; v3 lists (tasks) page with page
// and page_size.
//
// # Errors
//
// A non-2xx response is an [*Error] that embeds [deskbridge.APIError],
// reads babelforce's v2, v3 and OAuth2 error bodies and unwraps to a
// deskbridge error kind, so errors.Is(err, [deskbridge.ErrNotFound]) works.
// Input that cannot be right (an empty id, a green custom presence) is
// refused before sending with an error that matches [deskbridge.ErrInvalid].
//
// # Unconfirmed facts
//
// Some behaviour is not documented by babelforce and is a guess, each kept
// in one place: the expires_in=-1 form field that asks for a non-expiring
// token ([WithNonExpiringToken]), the client_id=manager default
// ([WithClientID]), PUT as the presence method, the {{secret.…}} reference
// syntax ([SecretRef]), the rate-limit and request-id headers, and the
// shape of v2 error bodies.
package babelforce
