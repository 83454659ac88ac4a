package scenario

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
)

// ProvisionConfig says what [Provision] sets up.
type ProvisionConfig struct {
	// Accounts are the integration accounts; every one gets the fields.
	// Required.
	Accounts *brightpattern.Accounts
	// Scenario's [AttachData] steps name the ticket fields to create
	// ([Scenario.Fields]); Fields adds titles of its own.
	Scenario Scenario
	Fields   []string
	// DryRun makes Provision read only: the report says what would be
	// created.
	DryRun bool
	// Force is kept in the report; no item here has a write-only secret.
	Force bool
}

// Provision creates, on every integration account's Zendesk, the text
// ticket fields that [AttachData] steps write (found by title;
// [flow.EnsureTicketField]), idempotently: a second run reports them
// unchanged, and with DryRun nothing is written. Each change's Note names
// its account.
func Provision(ctx context.Context, pc ProvisionConfig) (flow.Report, error) {
	rep := flow.Report{DryRun: pc.DryRun, Force: pc.Force}
	if pc.Accounts == nil {
		return rep, &flow.ConfigError{Flow: "scenario", Field: "ProvisionConfig.Accounts", Problem: "is nil", Fix: "build the integration accounts with brightpattern.NewAccounts"}
	}
	titles := pc.Scenario.Fields()
	for _, t := range pc.Fields {
		if t = strings.TrimSpace(t); t != "" && !containsFold(titles, t) {
			titles = append(titles, t)
		}
	}
	for _, name := range pc.Accounts.Names() {
		zc, err := pc.Accounts.Select(name)
		if err != nil {
			return rep, err
		}
		sub := flow.Report{DryRun: pc.DryRun, Force: pc.Force}
		for _, title := range titles {
			want := zendesk.TicketField{Title: title, Type: zendesk.FieldText,
				Description: "Written by Bright Pattern's Attached Data step (deskbridge scenario)."}
			if _, err := flow.EnsureTicketField(ctx, zc, want, &sub); err != nil {
				return rep, fmt.Errorf("scenario: account %q: %w", name, err)
			}
		}
		for i := range sub.Changes {
			note := "account " + name
			if n := sub.Changes[i].Note; n != "" {
				note += "; " + n
			}
			sub.Changes[i].Note = note
		}
		rep.Merge(sub)
	}
	return rep, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Check says what is misconfigured, each problem a [*flow.ConfigError]
// with what to fix, all of them joined ([flow.Problems] lists them); nil
// means everything it can see is in place:
//
//   - every integration account works (Test connection,
//     [brightpattern.Accounts.Test]: credentials, token access, subdomain,
//     privileges);
//   - on every working account, the ticket fields the [AttachData] steps
//     write exist;
//   - every Bright Pattern agent has an email (from the Directory or the
//     Configuration API) and, on every working account, a Zendesk agent or
//     admin of the same email. "Every agent" is the logins of
//     Config.Agents and of Config.Directory and, when Config.BrightPattern
//     is set, every enabled user with the Agent role that the
//     Configuration API lists (Export User Phone Numbers,
//     [brightpattern.UsersService.List], then Get User Data of each for
//     the roles and email: one request per user). Without
//     Config.BrightPattern only the agents named are checked: the
//     Configuration API is the only list of Bright Pattern's users.
//
// A side that cannot be read (a network error, a 5xx) is reported as such,
// not as a misconfiguration.
func (f *Flow) Check(ctx context.Context) error {
	p := flow.Collector{Flow: "scenario"}
	r := flow.CheckReader{Problems: &p}
	working := map[string]bool{}
	for _, n := range f.accounts.Names() {
		working[n] = true
	}
	if err := f.accounts.Test(ctx); err != nil {
		for _, e := range leaves(err) {
			var ce *brightpattern.ConnectionError
			if errors.As(e, &ce) {
				working[ce.Account] = false
				if ce.Kind == nil {
					r.Include(e)
					continue
				}
				p.Add(fmt.Sprintf("Account %q", ce.Account), ce.URL, ce.Problem, ce.Fix)
				continue
			}
			r.Include(e)
		}
	}
	agents, emails := f.checkedAgents(ctx, &r)
	for _, login := range agents {
		if _, ok := emails[login]; ok {
			continue
		}
		email, err := f.agentEmail(ctx, login)
		switch {
		case err == nil:
			emails[login] = email
		case isBadInput(err):
			p.Add(fmt.Sprintf("Bright Pattern agent %q", login), "", "has no known email, so Screen Pop cannot find their Zendesk user",
				"give the agent an email in Bright Pattern, or add them to Config.Directory")
		default:
			r.Read("Config.BrightPattern", err)
		}
	}
	for _, name := range f.accounts.Names() {
		if !working[name] {
			continue
		}
		zc, _ := f.accounts.Select(name)
		for _, title := range f.cfg.Scenario.Fields() {
			_, err := zc.TicketFields.FindByTitle(ctx, title)
			switch {
			case errors.Is(err, deskbridge.ErrNotFound):
				p.Add(fmt.Sprintf("Account %q ticket field %q", name, title), "", "does not exist, so Attached Data fails", "run Provision")
			case !r.Read(fmt.Sprintf("Account %q", name), err):
			}
		}
		for _, login := range agents {
			email, ok := emails[login]
			if !ok {
				continue
			}
			u, err := findAgent(ctx, zc, email)
			switch {
			case !r.Read(fmt.Sprintf("Account %q", name), err):
			case u == nil:
				p.Add(fmt.Sprintf("Account %q", name), email, fmt.Sprintf("has no Zendesk agent with the email of Bright Pattern agent %q, so calls cannot be popped to them", login),
					"add the agent in Zendesk with the same email (Admin Center > People > Team members)")
			}
		}
	}
	return r.Err()
}

// checkedAgents returns the logins of the Bright Pattern agents Check
// checks, in order and once each, and the emails of those the
// Configuration API's list gave (the others are looked up by agentEmail).
func (f *Flow) checkedAgents(ctx context.Context, r *flow.CheckReader) ([]string, map[string]string) {
	var agents []string
	seen := map[string]bool{}
	add := func(login string) {
		if k := strings.ToLower(strings.TrimSpace(login)); k != "" && !seen[k] {
			seen[k] = true
			agents = append(agents, login)
		}
	}
	for _, l := range f.cfg.Agents {
		add(l)
	}
	if f.cfg.Directory != nil {
		for _, l := range f.cfg.Directory.Logins() {
			add(l)
		}
	}
	emails := map[string]string{}
	if f.cfg.BrightPattern == nil {
		return agents, emails
	}
	listed, err := f.cfg.BrightPattern.Users.List(ctx)
	if !r.Read("Config.BrightPattern", err) {
		return agents, emails
	}
	for _, l := range listed {
		if seen[strings.ToLower(l.LoginID)] {
			continue
		}
		u, err := f.cfg.BrightPattern.Users.Get(ctx, l.LoginID)
		if errors.Is(err, deskbridge.ErrNotFound) {
			continue // gone since the list
		}
		if !r.Read("Config.BrightPattern", err) {
			continue
		}
		if !u.HasRole("Agent") || u.Disabled {
			continue
		}
		add(u.LoginID)
		if u.Email != "" {
			emails[u.LoginID] = u.Email
		}
	}
	return agents, emails
}

// leaves returns the errors joined in err (err itself when it joins none);
// a ConnectionError is a leaf.
func leaves(err error) []error {
	if _, ok := err.(*brightpattern.ConnectionError); ok {
		return []error{err}
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}
