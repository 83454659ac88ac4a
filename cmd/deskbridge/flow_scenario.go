package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/brightpattern/scenario"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// scenarioSpec is the file's part for brightpattern/scenario: the Zendesk
// blocks of a Bright Pattern scenario, served as the endpoint its Fetch URL
// block calls.
type scenarioSpec struct {
	flowCommon `yaml:",inline"`
	// Accounts are the Zendesk tenants the scenario uses (Bright Pattern's
	// integration accounts, by tenant name); DefaultAccount the one used
	// when no Select Account names another (default: the first).
	Accounts       []string `yaml:"accounts"`
	DefaultAccount string   `yaml:"default_account"`
	// BrightPattern finds an agent's email for Screen Pop.
	BrightPattern string   `yaml:"brightpattern"`
	Secrets       []Secret `yaml:"secrets"`
	// Recipe is the scenario: inbound_call (the integration guide's).
	Recipe        string            `yaml:"recipe"`
	AccountByDNIS map[string]string `yaml:"account_by_dnis"`
	Fields        []struct {
		Title string `yaml:"title"`
		Value string `yaml:"value"`
	} `yaml:"fields"`
	Agents   []string      `yaml:"agents"`
	CacheTTL time.Duration `yaml:"cache_ttl"`
	// Timeout bounds one run of the scenario; default
	// scenario.DefaultTimeout (20s).
	Timeout time.Duration `yaml:"timeout"`
	// DoneTTL is how long what a run wrote once per interaction is
	// remembered; default scenario.DefaultDoneTTL (24h).
	DoneTTL time.Duration `yaml:"done_ttl"`
}

func (s *scenarioSpec) tenants() []tenantRef {
	var refs []tenantRef
	for _, a := range s.Accounts {
		refs = append(refs, tenantRef{"zendesk", a, ""})
	}
	if s.BrightPattern != "" {
		refs = append(refs, tenantRef{"brightpattern", s.BrightPattern, ""})
	}
	return refs
}

func (s *scenarioSpec) validate(c *Config, path string, ps *problems) {
	if len(s.Accounts) == 0 {
		ps.add(path, "has no accounts", "accounts: [acme], the Zendesk tenants the scenario uses")
	}
	for i, a := range s.Accounts {
		c.checkRef(ps, tenantRef{"zendesk", a, fmt.Sprintf("%s.accounts[%d]", path, i)})
	}
	if s.DefaultAccount != "" && !slices.Contains(s.Accounts, s.DefaultAccount) {
		ps.add(path+".default_account", fmt.Sprintf("%q is not in accounts", s.DefaultAccount), "one of accounts")
	}
	for dnis, a := range s.AccountByDNIS {
		if !slices.Contains(s.Accounts, a) {
			ps.add(path+".account_by_dnis."+dnis, fmt.Sprintf("%q is not in accounts", a), "one of accounts")
		}
	}
	switch s.Recipe {
	case "inbound_call":
		if s.BrightPattern == "" {
			ps.add(path, "has no brightpattern tenant, and the inbound_call recipe pops tickets to agents found by their email", "brightpattern: the tenant whose users are the agents")
		} else {
			c.checkRef(ps, tenantRef{"brightpattern", s.BrightPattern, path + ".brightpattern"})
		}
	default:
		ps.add(path+".recipe", fmt.Sprintf("%q is not a scenario this command knows", s.Recipe), "recipe: inbound_call")
	}
	if len(s.Secrets) == 0 {
		ps.add(path, "has no secrets", `secrets: ["${BRIGHTPATTERN_SCENARIO_SECRET}"], what the scenario's Fetch URL block sends as a bearer token`)
	}
	for i, sec := range s.Secrets {
		checkSecret(ps, fmt.Sprintf("%s.secrets[%d]", path, i), sec)
	}
	checkDuration(ps, path+".cache_ttl", s.CacheTTL)
	checkDuration(ps, path+".timeout", s.Timeout)
	checkDuration(ps, path+".done_ttl", s.DoneTTL)
}

type scenarioRunner struct {
	s          *scenarioSpec
	e          *env
	name, base string
	secrets    []string
	accounts   *brightpattern.Accounts
}

func (s *scenarioSpec) runner(e *env, name, base string) (flowRunner, error) {
	r := &scenarioRunner{s: s, e: e, name: name, base: base}
	r.secrets = secretList(e, "flows."+name+".secrets", s.Secrets)
	if err := e.secrets.err(); err != nil {
		return nil, err
	}
	def := s.DefaultAccount
	if def == "" {
		def = s.Accounts[0]
	}
	var accts []brightpattern.Account
	for _, a := range s.Accounts {
		z, cred := e.cfg.Tenants.Zendesk[a], e.zendeskCreds[a]
		acct := brightpattern.Account{Name: a, URL: z.BaseURL, Default: a == def, HTTPClient: e.http,
			Options: []zendesk.Option{zendesk.WithLogger(e.clientLog)}}
		if acct.URL == "" {
			acct.URL = z.Subdomain
		}
		if cred.oauth != "" {
			acct.Auth = brightpattern.OAuthToken{AccessToken: cred.oauth}
		} else {
			acct.Auth = brightpattern.APIToken{Username: cred.email, Token: cred.token}
		}
		accts = append(accts, acct)
	}
	var err error
	if r.accounts, err = brightpattern.NewAccounts(accts...); err != nil {
		return nil, fmt.Errorf("flow %s: %w", name, err)
	}
	return r, nil
}

func (r *scenarioRunner) scenario() scenario.Scenario {
	return scenario.InboundCall(r.s.AccountByDNIS, r.fields()...)
}

func (r *scenarioRunner) provision(ctx context.Context, dryRun, force bool) (flow.Report, error) {
	return scenario.Provision(ctx, scenario.ProvisionConfig{Accounts: r.accounts, Scenario: r.scenario(), DryRun: dryRun, Force: force})
}

func (r *scenarioRunner) notes() string {
	return scenarioNotes(r.base, r.s.Path, r.name, r.fields())
}

func (r *scenarioRunner) fields() []scenario.Field {
	var fields []scenario.Field
	for _, f := range r.s.Fields {
		fields = append(fields, scenario.Field{Title: f.Title, Value: f.Value})
	}
	return fields
}

func (r *scenarioRunner) start(_ context.Context, st store.Store, onResult func(flow.Outcome)) (*running, error) {
	f, err := scenario.New(scenario.Config{
		Accounts: r.accounts, Scenario: r.scenario(), ScenarioAuth: webhook.SharedSecretVerifier{Secrets: r.secrets},
		BrightPattern: r.e.brightpattern[r.s.BrightPattern], Agents: r.s.Agents,
		Store: st, CacheTTL: r.s.CacheTTL, Timeout: r.s.Timeout, DoneTTL: r.s.DoneTTL, Logger: r.e.log.With("flow", r.name),
		OnResult: func(res scenario.Result) { onResult(res.Outcome) },
	})
	if err != nil {
		return nil, err
	}
	run := &running{handler: f.Handler(), check: f.Check}
	for _, a := range r.s.Accounts {
		run.ready = append(run.ready, zendeskReady(a, r.e.zendesk[a]))
		run.checked = append(run.checked, "zendesk "+a+": the integration account works (credential, token access, privileges), and the fields the scenario attaches")
	}
	if bp := r.e.brightpattern[r.s.BrightPattern]; bp != nil {
		login := r.e.cfg.Tenants.BrightPattern[r.s.BrightPattern].LoginID
		run.ready = append(run.ready, brightPatternReady(r.s.BrightPattern, bp, login))
		what := "brightpattern " + r.s.BrightPattern + ": the Configuration API's token and a user read"
		if len(r.s.Agents) > 0 {
			what += ", and every agent's email, matched to a Zendesk agent"
		}
		run.checked = append(run.checked, what)
		run.check = func(ctx context.Context) error {
			err := f.Check(ctx)
			if perr := brightPatternProbe(ctx, bp, login); perr != nil {
				perr = fmt.Errorf("brightpattern %s: reading user %q of the Configuration API with login_id's token: %w; "+
					"check tenants.brightpattern.%s (tenant_url or base_url, login_id, api_secret) and that the API user may read users",
					r.s.BrightPattern, login, perr, r.s.BrightPattern)
				err = errors.Join(err, perr)
			}
			return err
		}
	}
	return run, nil
}
