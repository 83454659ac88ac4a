// Package brightpattern connects Bright Pattern Contact Center with
// Zendesk: the Zendesk integration accounts its scenarios use, and a
// client of the Bright Pattern APIs an integration needs.
//
// # Integration accounts
//
// Bright Pattern reaches Zendesk data from its scenarios through named
// Zendesk integration accounts ("Accessing Zendesk Data from Scenarios",
// https://help.brightpattern.com/5.19:Zendesk-integration-guide/AccessingZendeskDatafromScenarios):
// one per Zendesk instance, each with its URL and authorization, exactly
// one of them the Default, which scenarios use unless a Zendesk Select
// Account block names another; a Test connection button checks one.
// [Accounts] holds the same for a Go service:
//
//	accts, err := brightpattern.NewAccounts(
//		brightpattern.Account{Name: "support", URL: "https://acme.zendesk.com", Default: true,
//			Auth: brightpattern.ClientCredentials{ClientID: id, ClientSecret: secret}},
//		brightpattern.Account{Name: "brand-b", URL: "acme-b",
//			Auth: brightpattern.APIToken{Username: "bot@acme.com", Token: tok}},
//	)
//	zc, err := accts.Select("brand-b") // a *zendesk.Client
//	err = accts.Test(ctx)               // Test connection, every account
//
// The authorizations are the guide's two and two more: [APIToken] (token
// plus the username requests act for), [OAuthToken] (a token issued
// beforehand, e.g. by [RequestToken], which does what the guide's Request
// token button does: the Zendesk OAuth password grant), [PasswordGrant]
// (that grant run by the client whenever it needs a token) and
// [ClientCredentials]. Zendesk is retiring both the password grant and API
// tokens; [ClientCredentials] is the one to choose for anything new.
//
// [Accounts.Test] and [Accounts.TestAccount] call GET /api/v2/users/me and
// say what is wrong in a [*ConnectionError]: bad credentials, token access
// disabled, unknown subdomain, a user lacking privileges (see
// [ErrBadCredentials] and its siblings). How Zendesk's answers tell these
// apart is partly a guess, kept in unconfirmed.go.
//
// # The Bright Pattern client
//
// [Client] covers, per tenant:
//
//   - the Configuration API ([Client.Users]): OAuth2 client credentials at
//     /configapi/v2/oauth/token
//     (https://help.brightpattern.com/5.2:Host-and-services-management-api-specification/RequestAccessToken)
//     and Get User Data, to match an agent's login with the email of the
//     Zendesk user of the same person ([Directory]);
//   - the mobile/web chat API ([Client.Chat],
//     https://help.brightpattern.com/5.2:Mobile-web-api-specification/GeneralInformation):
//     availability, start a chat, send client events, and long-poll server
//     events, one poll per chat at a time.
//
// Errors are [*Error] values that match the deskbridge error kinds
// (errors.Is(err, deskbridge.ErrNotFound)); no error or log record holds a
// credential.
//
// brightpatterntest is the in-memory fake of these APIs.
package brightpattern
