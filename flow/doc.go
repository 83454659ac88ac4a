// Package flow holds what every deskbridge flow shares, so that a user who
// knows one flow knows all, and a command can plan, apply and count any of
// them the same way:
//
//   - configuration problems: [ConfigError] (Field, Value, Problem, Fix), a
//     [Collector] that gathers every problem of a Config at once, and
//     [Problems], which walks them back out of the joined error;
//   - the [Outcome] of each event a flow handles (applied, unchanged,
//     duplicate, stale, echo, ignored, rejected, failed) and the HTTP answer
//     each gives a webhook sender ([Outcome.HTTPStatus]), and the one-line
//     form of a flow's Result that ends with it ([FormatResult]);
//   - the provisioning [Report]: one [Change] per item on every side
//     (created, updated, unchanged, skipped, manual), with the fields that
//     differ as old → new, printed like a terraform plan, and merged across
//     flows ([Report.Merge]);
//   - idempotent provisioning helpers on a [*zendesk.Client], each with a
//     dry run: [EnsureWebhook] (and [SigningSecret]), [EnsureTriggerCategory],
//     [EnsureTrigger], [EnsureUserField], [EnsureTicketField] and
//     [EnsureGroup];
//   - a flow's Check scaffold: [CheckReader] sorts what reading an account
//     meets into refused credentials (a problem of the client's Config
//     field) and a side that could not be read (an error), and checks a
//     Zendesk webhook's signing secret ([CheckReader.CheckSigningSecret]);
//   - [RetryAfterHandler] and [AskRetryAfter]: a delivery answered busy
//     under a lease asks the sender to retry just after the lease ends
//     (at most [MaxRetryAfter]), not at a fixed time inside it.
//
// # Provisioning
//
// A flow's Provision(ctx, …) (Report, error) sets up what the vendors'
// setup guides describe as clicks. It calls the Ensure helpers with one
// *Report: its DryRun field decides whether anything is written (a dry run sends only
// GET requests), its Force field whether write-only credentials are sent
// again. Each helper finds its object by name, creates it when missing,
// compares it with what is wanted when it exists and updates what differs,
// and adds one Change to the report; a second run reports every item
// unchanged ([Report.Changed] is false). Fields left zero in want are not
// compared (Zendesk's value stays), unless a helper says otherwise. Each
// helper returns the object as Zendesk has it after the call; in a dry
// run, an object that would be created is returned as want with no id (so
// a trigger planned beside a new webhook carries an empty webhook id).
// Every Ensure helper has the same shape:
//
//	func EnsureX(ctx context.Context, zc *zendesk.Client, want zendesk.X, rep *flow.Report) (*zendesk.X, error)
//
// For example:
//
//	rep := flow.Report{DryRun: plan}
//	hook, err := flow.EnsureWebhook(ctx, zc, zendesk.Webhook{
//		Name:          "deskbridge statussync",
//		Endpoint:      "https://flows.example.com/zendesk",
//		Subscriptions: []string{zendesk.EventAgentStateChanged},
//	}, &rep)
//	...
//	fmt.Print(rep) // + create  zendesk webhook "deskbridge statussync" ...
//
// A flow's other sides (babelforce presences, vault secrets, …) add their
// own changes with [Report.Add], using the same actions.
//
// Reports never show a credential: a webhook's authentication appears by
// its kind only (bearer_token, basic_auth, api_key, none), and custom
// headers by name and length.
package flow
