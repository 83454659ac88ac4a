package brightpattern

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Account is one Zendesk integration account, as Bright Pattern's Contact
// Center Administrator holds it (Call Center Configuration > Integration
// Accounts > Zendesk; see "Accessing Zendesk Data from Scenarios",
// https://help.brightpattern.com/5.19:Zendesk-integration-guide/AccessingZendeskDatafromScenarios):
// a name, the Zendesk URL, an authorization and the Default account
// checkbox.
type Account struct {
	// Name names the account; scenarios select it by this name (Zendesk
	// Select Account).
	Name string
	// URL is the Zendesk domain URL: "https://acme.zendesk.com",
	// "acme.zendesk.com" or "acme". Another https URL (a proxy, a fake) is
	// used as the base URL; plain http is accepted for loopback hosts only.
	URL string
	// Default marks the account that scenarios use when no Select Account
	// names another. Exactly one account is the default.
	Default bool
	// Auth is the account's authorization: [APIToken], [OAuthToken],
	// [ClientCredentials] or [PasswordGrant].
	Auth Credentials
	// HTTPClient, when set, sends the account's requests, token requests
	// included.
	HTTPClient *http.Client
	// Options are further options of the account's zendesk.Client
	// (zendesk.WithLogger, zendesk.WithMaxRetries…). They must not give a
	// credential, an account or an HTTP client: the fields above do.
	Options []zendesk.Option
}

// Credentials is an integration account's authorization: [APIToken],
// [OAuthToken], [ClientCredentials] or [PasswordGrant].
type Credentials interface {
	// problems returns what is missing, one sentence each.
	problems() []string
	// option returns the zendesk option that authenticates with it; base
	// is the account's base URL and hc its HTTP client (nil for the
	// default), for credentials that fetch tokens themselves.
	option(base string, hc *http.Client) (zendesk.Option, error)
	// kind names the authorization type for messages.
	kind() string
}

// APIToken is the authorization type "API token": a Zendesk API token
// (Admin Center > Apps and integrations > APIs > Zendesk API, with Token
// Access enabled) and the Username (email) of the Zendesk user on whose
// behalf scenario requests are made. Requests carry Authorization: Basic
// base64("{Username}/token:{Token}").
//
// Zendesk is retiring API tokens: none can be created from 2026-10-27, and
// every remaining one stops working on 2027-04-30
// (https://developer.zendesk.com/documentation/api-basics/authentication/oauth-migration/).
// Prefer [ClientCredentials] for anything meant to outlive that.
type APIToken struct {
	Username string
	Token    string
}

func (c APIToken) problems() []string {
	var p []string
	if strings.TrimSpace(c.Username) == "" {
		p = append(p, "the Username (the email of the Zendesk user requests act for) is empty")
	}
	if strings.TrimSpace(c.Token) == "" {
		p = append(p, "the API token is empty")
	}
	return p
}

func (c APIToken) option(string, *http.Client) (zendesk.Option, error) {
	return zendesk.WithAPIToken(strings.TrimSpace(c.Username), strings.TrimSpace(c.Token)), nil
}

func (APIToken) kind() string { return "API token" }

// OAuthToken is the authorization type "OAuth access token" with a token
// issued beforehand: by [RequestToken] (what Bright Pattern's "Request
// token" button does), by an admin through the OAuth tokens API
// (https://developer.zendesk.com/api-reference/ticketing/oauth/oauth_tokens/),
// or by any other OAuth flow. Requests carry Authorization: Bearer
// {AccessToken}; the token is never renewed.
type OAuthToken struct {
	AccessToken string
}

func (c OAuthToken) problems() []string {
	if strings.TrimSpace(c.AccessToken) == "" {
		return []string{"the OAuth access token is empty"}
	}
	return nil
}

func (c OAuthToken) option(string, *http.Client) (zendesk.Option, error) {
	return zendesk.WithOAuthToken(strings.TrimSpace(c.AccessToken)), nil
}

func (OAuthToken) kind() string { return "OAuth access token" }

// ClientCredentials is an OAuth access token obtained, and renewed before
// it expires, through the client_credentials grant of a confidential
// Zendesk OAuth client (Admin Center > Apps and integrations > APIs > OAuth
// clients): the server-to-server grant Zendesk recommends in place of the
// password grant
// (https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/).
// Scopes default to "read write".
type ClientCredentials struct {
	ClientID     string
	ClientSecret string
	Scopes       []string
}

func (c ClientCredentials) problems() []string {
	var p []string
	if strings.TrimSpace(c.ClientID) == "" {
		p = append(p, "the OAuth client id (the client's Unique Identifier) is empty")
	}
	if strings.TrimSpace(c.ClientSecret) == "" {
		p = append(p, "the OAuth client secret is empty")
	}
	return p
}

func (c ClientCredentials) option(string, *http.Client) (zendesk.Option, error) {
	return zendesk.WithOAuthClientCredentials(strings.TrimSpace(c.ClientID), c.ClientSecret, c.Scopes...), nil
}

func (ClientCredentials) kind() string { return "OAuth client credentials" }

// PasswordGrant is the OAuth access token Bright Pattern's "Request token"
// button asks for: the Zendesk OAuth password grant, with the OAuth
// client's id (its Unique Identifier) and secret and a Zendesk user's
// username and password. Here the token is requested on first use and
// again whenever Zendesk refuses it or it expires.
//
// Zendesk calls the password grant "deprecated and highly discouraged" and
// is switching password access to its APIs off
// (https://support.zendesk.com/hc/en-us/articles/9941874259354): it is
// offered for accounts set up as Bright Pattern's Zendesk integration guide
// describes (https://help.brightpattern.com/5.8:Zendesk-integration-guide),
// and will stop working.
// Use [ClientCredentials], or an [OAuthToken] issued by an admin, instead.
type PasswordGrant struct {
	ClientID     string
	ClientSecret string
	Username     string
	Password     string
	// Scopes default to "read write".
	Scopes []string
}

func (c PasswordGrant) problems() []string {
	p := ClientCredentials{ClientID: c.ClientID, ClientSecret: c.ClientSecret}.problems()
	if strings.TrimSpace(c.Username) == "" {
		p = append(p, "the Zendesk username is empty")
	}
	if c.Password == "" {
		p = append(p, "the Zendesk password is empty")
	}
	return p
}

func (c PasswordGrant) option(base string, hc *http.Client) (zendesk.Option, error) {
	src, err := newPasswordSource(base, hc, c)
	if err != nil {
		return nil, err
	}
	return zendesk.WithTokenSource(src), nil
}

func (PasswordGrant) kind() string { return "OAuth password grant" }

// Accounts holds the Zendesk integration accounts of a contact center:
// one per Zendesk instance, one of them the Default. Scenarios use the
// default account unless a Select Account step names another. It is safe
// for concurrent use.
type Accounts struct {
	names   []string // in the order given
	entries map[string]*accountEntry
	def     string
}

// accountEntry is one account and its client.
type accountEntry struct {
	acct   Account
	base   string
	client *zendesk.Client
}

// NewAccounts validates the accounts and builds a zendesk.Client for each.
// Every problem is reported at once, as [flow.ConfigError] values joined
// (walk them with [flow.Problems]): an account without a name, two with the
// same name (compared without regard to case), a URL that is not a Zendesk
// URL, a missing or incomplete authorization, and anything but exactly one
// Default account. Nothing is sent.
func NewAccounts(accounts ...Account) (*Accounts, error) {
	c := flow.Collector{Flow: "brightpattern"}
	if len(accounts) == 0 {
		c.Add("Accounts", "", "no integration account given", "add one Account per Zendesk instance, one of them Default")
		return nil, c.Err()
	}
	a := &Accounts{entries: make(map[string]*accountEntry, len(accounts))}
	var defaults []string
	for i, acct := range accounts {
		field := fmt.Sprintf("Accounts[%d]", i)
		name := strings.TrimSpace(acct.Name)
		if name == "" {
			c.Add(field+".Name", "", "is empty", "give each integration account a name; scenarios select accounts by name")
		} else {
			field = fmt.Sprintf("Account %q", name)
			if _, dup := a.entries[strings.ToLower(name)]; dup {
				c.Add(field+".Name", name, "is used by two accounts", "give each integration account its own name")
				continue
			}
		}
		if acct.Default {
			defaults = append(defaults, name)
		}
		e, problems := buildAccount(acct)
		for _, p := range problems {
			c.Add(field+"."+p.field, p.value, p.problem, p.fix)
		}
		if e == nil || name == "" {
			continue
		}
		e.acct.Name = name
		a.entries[strings.ToLower(name)] = e
		a.names = append(a.names, name)
		if acct.Default {
			a.def = name
		}
	}
	switch len(defaults) {
	case 0:
		c.Add("Accounts", "", "no account is marked Default", "set Default on the account scenarios use when no Select Account step names one")
	case 1:
	default:
		c.Add("Accounts", strings.Join(defaults, ", "), fmt.Sprintf("%d accounts are marked Default", len(defaults)), "set Default on exactly one account")
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	return a, nil
}

// problem is one finding of buildAccount.
type problem struct{ field, value, problem, fix string }

// buildAccount checks one account and builds its client.
func buildAccount(acct Account) (*accountEntry, []problem) {
	var ps []problem
	target, base, err := zendeskTarget(acct.URL)
	if err != nil {
		ps = append(ps, problem{"URL", acct.URL, err.Error(), `give the Zendesk domain URL, e.g. "https://acme.zendesk.com"`})
	}
	if acct.Auth == nil {
		ps = append(ps, problem{"Auth", "", "no authorization given", "give APIToken, OAuthToken, ClientCredentials or PasswordGrant"})
	} else {
		for _, p := range acct.Auth.problems() {
			ps = append(ps, problem{"Auth", "", acct.Auth.kind() + ": " + p, "copy it from Zendesk Admin Center > Apps and integrations > APIs"})
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	opts := []zendesk.Option{target}
	if acct.HTTPClient != nil {
		opts = append(opts, zendesk.WithHTTPClient(acct.HTTPClient))
	}
	opts = append(opts, acct.Options...)
	cred, err := acct.Auth.option(base, acct.HTTPClient)
	if err != nil {
		return nil, []problem{{"Auth", "", err.Error(), "check the account's URL and authorization"}}
	}
	zc, err := zendesk.NewClient(append(opts, cred)...)
	if err != nil {
		return nil, []problem{{"Auth", "", err.Error(), "check the account's authorization and Options (Options must not give a credential, an account or an HTTP client)"}}
	}
	return &accountEntry{acct: acct, base: base, client: zc}, nil
}

// zendeskTarget reads an account URL: the zendesk option that points at
// it, and its base URL.
func zendeskTarget(raw string) (zendesk.Option, string, error) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return nil, "", fmt.Errorf("is empty")
	}
	if !strings.Contains(v, "://") {
		v = "https://" + v
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return nil, "", fmt.Errorf("is not a URL")
	}
	host := strings.ToLower(u.Hostname())
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, "", fmt.Errorf("has a user, a query or a fragment")
	}
	if !strings.Contains(host, ".") && u.Port() == "" && strings.Trim(u.Path, "/") == "" {
		host += ".zendesk.com" // "acme"
	}
	if sub, ok := strings.CutSuffix(host, ".zendesk.com"); ok && u.Port() == "" && strings.Trim(u.Path, "/") == "" {
		if u.Scheme != "https" {
			return nil, "", fmt.Errorf("is not https")
		}
		base, err := vendorZendeskHost(sub)
		if err != nil {
			return nil, "", err
		}
		return zendesk.WithSubdomain(sub), base, nil
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(host):
	default:
		return nil, "", fmt.Errorf("is not https (plain http is accepted for loopback hosts only)")
	}
	base := strings.TrimRight(u.String(), "/")
	return zendesk.WithBaseURL(base), base, nil
}

// vendorZendeskHost is https://{subdomain}.zendesk.com, the subdomain
// checked as the zendesk client checks it.
func vendorZendeskHost(sub string) (string, error) {
	return rest.LabelHost("https://%s.zendesk.com", "Zendesk subdomain")(sub)
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Names returns the account names, in the order given.
func (a *Accounts) Names() []string { return slices.Clone(a.names) }

// DefaultName returns the name of the Default account.
func (a *Accounts) DefaultName() string { return a.def }

// Default returns the client of the Default account.
func (a *Accounts) Default() *zendesk.Client { return a.entries[strings.ToLower(a.def)].client }

// Select returns the client of the named account, as the Zendesk Select
// Account block picks one; the name is compared without regard to case,
// and "" selects the Default account. An unknown name is an error that
// lists the known ones.
func (a *Accounts) Select(name string) (*zendesk.Client, error) {
	e, err := a.entry(name)
	if err != nil {
		return nil, err
	}
	return e.client, nil
}

// URL returns the base URL of the named account ("" for the Default):
// "https://acme.zendesk.com".
func (a *Accounts) URL(name string) (string, error) {
	e, err := a.entry(name)
	if err != nil {
		return "", err
	}
	return e.base, nil
}

func (a *Accounts) entry(name string) (*accountEntry, error) {
	n := strings.TrimSpace(name)
	if n == "" {
		n = a.def
	}
	e, ok := a.entries[strings.ToLower(n)]
	if !ok {
		return nil, refusef("no Zendesk integration account %q; known: %s", name, strings.Join(a.names, ", "))
	}
	return e, nil
}

// Test tests every account's connection, as the Test connection button
// does, concurrently; it returns nil when all work, else one
// [*ConnectionError] per failing account, joined.
func (a *Accounts) Test(ctx context.Context) error {
	errs := make([]error, len(a.names))
	var wg sync.WaitGroup
	for i, name := range a.names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = a.TestAccount(ctx, name)
		}()
	}
	wg.Wait()
	var out []error
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return joinErrors(out)
}

// TestAccount is the Test connection button of one account ("" for the
// Default): the cheapest authenticated call, GET /api/v2/users/me, which
// returns the user requests act for. The account works when Zendesk
// answers with an agent or an admin. Otherwise the error is a
// [*ConnectionError] that says what is wrong and what to do, and matches
// one of [ErrBadCredentials], [ErrTokenAccessDisabled],
// [ErrUnknownSubdomain], [ErrNotPrivileged] when Zendesk's answer says
// which (see the package's unconfirmed guesses for how), besides the
// underlying zendesk error.
func (a *Accounts) TestAccount(ctx context.Context, name string) (*zendesk.User, error) {
	e, err := a.entry(name)
	if err != nil {
		return nil, err
	}
	u, err := testCall(ctx, e.client)
	if ce := classify(e, u, err); ce != nil {
		return nil, ce
	}
	return u, nil
}
