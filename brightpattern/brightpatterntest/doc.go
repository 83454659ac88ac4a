// Package brightpatterntest is an in-memory Bright Pattern Contact Center
// tenant served over HTTP, for tests and for demo programs that run
// without credentials or network. It is a second, independent reading of
// Bright Pattern's public documentation (it does not import the
// brightpattern client), so the client, or any HTTP code, can talk to it:
//
//	bp := brightpatterntest.NewServer(
//		brightpatterntest.WithScenario(brightpatterntest.ScenarioCall(endpointURL, secret)),
//	)
//	defer bp.Close()
//	bp.AddUser(brightpatterntest.User{LoginID: "ann", Email: "ann@example.com", Roles: []string{"Agent"}})
//	run, err := bp.Arrive(ctx, brightpatterntest.Interaction{
//		ANI: "+14155550100", DNIS: "+18005550199", Agent: "ann",
//	})
//	run.Exit                    // "Next", "Failed", "No Data" or "Timeout"
//	run.Variables["ticket_id"]  // what the endpoint answered, as variables
//
// What it serves, with bp.URL standing for https://<tenant>.brightpattern.com:
//
//   - The Configuration API's client credentials grant, POST
//     /configapi/v2/oauth/token (form grant_type=client_credentials,
//     client_id, client_secret, tenant → {"access_token", "token_type":
//     "Bearer", "expires_in": "3599"}; see
//     https://help.brightpattern.com/5.2:Host-and-services-management-api-specification/RequestAccessToken),
//     and Get User Data, GET /configapi/v2/user/{loginId}
//     (https://help.brightpattern.com/5.2:User-management-api-specification/GetUserData),
//     which needs a live bearer token. Users are added with
//     [Server.AddUser]; [Server.UserByEmail] is the agent ↔ Zendesk user
//     link the Zendesk integration relies on.
//   - The mobile/web chat API v1 under /clientweb/api/v1/
//     (https://help.brightpattern.com/5.2:Mobile-web-api-specification/GeneralInformation):
//     availability, start chat, client events (POST, answered with the
//     server events not yet delivered) and the long-polled server events
//     (GET): held while there is nothing to answer ([WithPollHold],
//     [WithPollWait]); a second poll of a chat while one is held gets 400.
//     Every request needs "Authorization: MOBILE-API-140-327-PLAIN
//     appId=…, clientId=…" with the server's [Server.AppID]; a chat belongs
//     to the clientId that started it. The agent's side is played by
//     [Server.AgentJoin], [Server.AgentSay] and [Server.AgentEnd].
//   - A scenario driver: [Server.Arrive] plays a call or a chat arriving
//     with its ANI, DNIS, agent and variables through Fetch URL blocks
//     ([FetchURL]; [ScenarioCall] is the block that calls a deskbridge
//     scenario endpoint with a shared secret), the way Bright Pattern's
//     block sends a request and turns its JSON answer into scenario
//     variables; each run is recorded ([Server.Runs], [Server.LastRun]).
//
// Every server has the controls every deskbridge fake has (package
// [deskbridgetest]): a request log ([Server.Requests],
// [Server.RequestCount], [Server.ResetRequests]; the client secret,
// tokens and the Authorization header redacted), fault injection
// ([Server.InjectFault], [Server.ClearFaults]) and an optional fixed-window
// rate limit on everything but the token endpoint ([WithRateLimit],
// [Server.SetRateLimit]).
//
// # Unconfirmed
//
// Where the pages read do not say what Bright Pattern answers, the fake
// still answers; each such guess is one function or value in
// unconfirmed.go with a test naming the doubt: the error bodies and codes
// (only the chat API's 400 shape is documented), the rate-limit answer,
// how a tenant value is compared, the member naming a chat event
// ("event"), the type of ewt, id forms, when is_new_chat is false, the
// ANI's variable name, the Fetch URL block's default timeout, which
// statuses take its Failed exit, how it parses a JSON answer into
// variables, and what an unknown $(var) becomes.
//
// Lookups are O(1): users by login id and by email, chats by id, tokens by
// value. The package imports no testing code and can be used from main
// packages.
package brightpatterntest
