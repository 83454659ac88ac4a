// Package scenario gives a Go contact-center service, and a Bright Pattern
// scenario, the Zendesk blocks of Bright Pattern's Scenario Builder
// ("Accessing Zendesk Data from Scenarios",
// https://help.brightpattern.com/5.19:Zendesk-integration-guide/AccessingZendeskDatafromScenarios):
//
//   - [SelectAccount] (Zendesk Select Account): the integration account
//     later steps use; without it, the Default account of
//     [brightpattern.Accounts].
//   - [Search] (Zendesk Search): a Zendesk search whose results are a
//     recordset: the first record in "<rs>.<column>", the count in
//     "<rs>.__count__", [NextRecord] for the next; exits Failed and No Data.
//   - [ScreenPop] (Zendesk Screen Pop): the found ticket or user, or a new
//     voice ticket for the call, shown to the agent through Talk Partner
//     Edition; the agent is the Zendesk user with the Bright Pattern agent's
//     email.
//   - [AttachData] (Attached Data): custom ticket fields and an internal
//     note with the interaction's data.
//   - [APIRequest] (Zendesk API Request), [CreateObject] and [UpdateObject]:
//     any Zendesk call under /api/v2/, its code and body in
//     $(integrationResultCode) and $(integrationResultBody).
//
// A [Scenario] lists the steps; each setting may hold $(var)
// ([Substitute]), and each step's [Exits] say where Next, Failed and No
// Data go, as the Scenario Builder's arrows do. Variables may come from the
// caller (a number, a chat's from), so a value is escaped for where it
// goes: one search term in a Search query ([SubstituteSearch]), one path
// segment or parameter value in an API Request URL ([SubstituteURL]), one
// JSON string in a raw body ([SubstituteJSON]); a step's RawValues turns
// the first two off, for values the scenario's admin controls. [Flow.Run] runs it with an
// interaction's variables; [Flow.Handler] is the endpoint a Bright Pattern
// scenario calls from a Fetch URL block, with a shared secret, answering
// the variables the steps set as JSON, which the block turns into scenario
// variables:
//
//	f, err := scenario.New(scenario.Config{
//		Accounts:     accounts, // brightpattern.NewAccounts(...)
//		Directory:    brightpattern.NewDirectory(agents...),
//		ScenarioAuth: webhook.SharedSecretVerifier{Secrets: []string{os.Getenv("BP_SCENARIO_SECRET")}},
//		Scenario: scenario.Scenario{Steps: []scenario.Step{
//			&scenario.Search{Query: `type:ticket status<solved requester.phone:"$(item.ANI)"`, Recordset: "tickets",
//				Exits: scenario.Exits{NoData: "new"}},
//			&scenario.ScreenPop{Ticket: "$(tickets.id)", Exits: scenario.Exits{Next: "attach"}},
//			&scenario.ScreenPop{NewTicket: true, Exits: scenario.Exits{Label: "new"}},
//			&scenario.AttachData{Exits: scenario.Exits{Label: "attach"},
//				Fields: []scenario.Field{{Title: "Caller number", Value: "$(item.ANI)"}}},
//		}},
//	})
//	http.Handle("/brightpattern/scenario", f.Handler())
//
// In the Bright Pattern scenario, a Fetch URL block calls it: request type
// POST, the URL, an Extra header "Authorization: Bearer <secret>", content
// type application/json, and as body a JSON object of the variables the
// steps read ({"item.ANI":"$(item.ANI)","user.loginId":"$(user.loginId)",…}).
//
// The flow has the shape every deskbridge flow has: [Config] checked by
// [New] with every problem at once, [Result] for each run through
// OnResult, [Provision] (the ticket fields [AttachData] writes, on every
// account, idempotent, with a dry run) and [Flow.Check] (the accounts
// work, the fields exist, every Bright Pattern agent has a Zendesk agent
// of the same email).
//
// # Unconfirmed
//
// Bright Pattern documents the Search and API Request blocks; the settings
// of Screen Pop, Select Account, Attached Data and Create/Update Object
// could not be read. What the package guesses (the caller number's
// variable, the recordset's columns, how a pop and a new ticket are made,
// what Attached Data writes, the object endpoints, escaping in raw JSON
// and in search queries, how No Data is answered) is one function each in
// unconfirmed.go, with a test naming the doubt.
package scenario
