package scenario

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Defaults of [Config].
const (
	// DefaultCacheTTL is how long the Zendesk user of an agent and the id
	// of a ticket field are remembered.
	DefaultCacheTTL = 10 * time.Minute
	// DefaultMaxBody is the largest request body [Flow.Handler] reads.
	DefaultMaxBody = 256 << 10
	// DefaultTimeout bounds one run of the scenario: under the 30 s an
	// HTTP server commonly gives a handler to answer.
	DefaultTimeout = 20 * time.Second
	// DefaultDoneTTL is how long what a run's once-guarded step wrote
	// (per interaction, step and round: see [Flow.Run]) is remembered: far
	// longer than any retry of a call.
	DefaultDoneTTL = 24 * time.Hour
)

// Config configures a [Flow]. Accounts, Scenario and a secret in
// ScenarioAuth are required.
type Config struct {
	// Accounts are the Zendesk integration accounts the steps use: the
	// Default one unless a [SelectAccount] step names another.
	Accounts *brightpattern.Accounts
	// Scenario is the steps run for every call of the handler.
	Scenario Scenario

	// ScenarioAuth verifies the calls of the Bright Pattern scenario to
	// [Flow.Handler]: the secret its Fetch URL block sends in its Extra
	// headers. Secrets (several while one is rotated) with no Scheme mean
	// "Authorization: Bearer <secret>"; SchemeBasic and SchemeHeader (with
	// Header, the Extra header's name) are the other places.
	// AllowedSources, when set, allowlists the addresses Bright Pattern
	// calls from; ClientIP reads the client address behind a proxy.
	ScenarioAuth webhook.SharedSecretVerifier

	// Directory gives the email of a Bright Pattern agent by login id
	// (brightpattern.NewDirectory, or UsersService.Directory). BrightPattern,
	// when set, looks up agents the Directory does not hold through the
	// Configuration API (Get User Data). One of them is needed for
	// [ScreenPop] steps: the agent's Zendesk user is the one with the same
	// email.
	Directory     *brightpattern.Directory
	BrightPattern *brightpattern.Client
	// Agents are login ids of Bright Pattern agents [Flow.Check] checks
	// (each needs a Zendesk agent of the same email), beside the
	// Directory's and, with BrightPattern, every enabled user with the
	// Agent role the Configuration API lists.
	Agents []string

	// Store holds what a step does once per interaction and round of the
	// step (see [Flow.Run]; the claim while a run does it, then its
	// result, for DoneTTL: the ticket a [ScreenPop] created, the object of
	// a [CreateObject], the note of an [AttachData]), and caches each
	// agent's Zendesk user id and each ticket field's id per account, for
	// CacheTTL (default [DefaultCacheTTL]). Replicas must share one, such
	// as a [github.com/deskbridge/deskbridge/store/redisstore.Store]: a
	// call Bright Pattern retries on another replica would otherwise create
	// a second ticket. nil means a [store.Memory] of this process alone,
	// and [New] logs that the flow is then single-replica. Every key starts
	// with "scenario:", so that flows may share one store and one
	// redisstore prefix.
	Store    store.Store
	CacheTTL time.Duration
	// MaxBody is the largest request body the handler reads; default
	// DefaultMaxBody.
	MaxBody int64
	// Timeout bounds one run, whatever the caller's context: the handler
	// runs the steps to their end even when Bright Pattern hangs up (its
	// Fetch URL timing out, a dropped connection), so that a ticket is
	// not left half-made; default [DefaultTimeout].
	Timeout time.Duration
	// DoneTTL is how long the ticket a [ScreenPop] created for an
	// interaction, the object a [CreateObject] created, and the note an
	// [AttachData] wrote, are remembered
	// (by $(item.globalInteractionId)), so that a retried call pops that
	// ticket instead of creating another; default [DefaultDoneTTL].
	DoneTTL time.Duration

	// OnResult, when set, is called with every run's [Result]. It must be
	// quick and safe for concurrent use.
	OnResult func(Result)
	// Logger receives one record per run (nil: discard). Variable values
	// are never logged.
	Logger *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Flow runs a [Scenario] for Bright Pattern: through [Flow.Run], or as the
// endpoint a scenario's Fetch URL block calls ([Flow.Handler]). It is safe
// for concurrent use.
type Flow struct {
	cfg      Config
	accounts *brightpattern.Accounts
	store    store.Store
	log      *slog.Logger
}

// New checks cfg and returns a [Flow]. The error lists every problem at
// once, each a [*flow.ConfigError] ([flow.Problems] lists them).
func New(cfg Config) (*Flow, error) {
	p := flow.Collector{Flow: "scenario"}
	if cfg.Accounts == nil {
		p.Add("Config.Accounts", "", "is nil", "build the integration accounts with brightpattern.NewAccounts")
	}
	for _, prob := range cfg.Scenario.problems() {
		p.Add("Config.Scenario", "", prob, "fix the step as the message says")
	}
	cfg.ScenarioAuth = flow.SharedSecretAuth(&p, "Config.ScenarioAuth", cfg.ScenarioAuth, true,
		"the secret the Bright Pattern scenario sends in its Fetch URL block (a long random string)")
	if needsAgents(cfg.Scenario) && cfg.Directory == nil && cfg.BrightPattern == nil {
		p.Add("Config.Directory", "", "is nil, and so is Config.BrightPattern, while a Screen Pop step needs the agent's email",
			"give a brightpattern.Directory of the agents, or a brightpattern.Client with Configuration API credentials")
	}
	if cfg.CacheTTL < 0 {
		p.Add("Config.CacheTTL", cfg.CacheTTL.String(), "is negative", "use a positive duration, or 0 for the default (10 min)")
	}
	if cfg.Timeout < 0 {
		p.Add("Config.Timeout", cfg.Timeout.String(), "is negative", "use a positive duration, or 0 for the default (20 s)")
	}
	if cfg.DoneTTL < 0 || cfg.DoneTTL > store.MaxTTL {
		p.Add("Config.DoneTTL", cfg.DoneTTL.String(), "is negative or longer than store.MaxTTL", "use a positive duration, or 0 for the default (24 h)")
	}
	if cfg.MaxBody < 0 {
		p.Add("Config.MaxBody", strconv.FormatInt(cfg.MaxBody, 10), "is negative", "use a positive size, or 0 for the default (256 KiB)")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	cfg.CacheTTL = cmp.Or(cfg.CacheTTL, DefaultCacheTTL)
	cfg.MaxBody = cmp.Or(cfg.MaxBody, DefaultMaxBody)
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	cfg.DoneTTL = cmp.Or(cfg.DoneTTL, DefaultDoneTTL)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Scenario.Steps = slices.Clone(cfg.Scenario.Steps)
	f := &Flow{cfg: cfg, accounts: cfg.Accounts, store: cfg.Store, log: cfg.Logger}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if f.store == nil {
		f.store = &store.Memory{Now: cfg.Now}
		f.log.Info("scenario: no Config.Store: the flow keeps what its steps did once (per interaction and round) in this process, so it must run as a single replica; " +
			"give every replica one shared store (redisstore) to run several")
	}
	return f, nil
}

func needsAgents(s Scenario) bool {
	return slices.ContainsFunc(s.Steps, func(st Step) bool { _, ok := st.(*ScreenPop); return ok })
}

// Result is one run of the scenario, as [Config].OnResult receives it.
type Result struct {
	// Time is when the run ended (Config.Now).
	Time time.Time
	// Interaction is the interaction's global id ($(item.globalInteractionId)), when given.
	Interaction string
	// Key is the de-duplication key of the run: the interaction's global
	// id, under which a step that creates something does it once for
	// every call of the interaction; "" when the call gave none.
	Key string
	// Exit is the scenario's exit: the last step's.
	Exit Exit
	// Outcome is [flow.Applied] (Next), [flow.Ignored] (No Data),
	// [flow.Rejected] (Failed for the input or the scenario's settings: an
	// unknown variable, an unknown account) or [flow.Failed] (Failed
	// because Zendesk failed).
	Outcome flow.Outcome
	// Detail says what the last step did, in a few words.
	Detail string
	// Steps are the steps that ran, in order.
	Steps []StepResult
	// Variables are the variables the steps set (the handler's answer).
	Variables map[string]string
	// Err is why the scenario took Failed.
	Err error
}

// String formats r on one line, variable values left out.
func (r Result) String() string {
	return flow.FormatResult("scenario "+cmp.Or(strings.TrimSpace(r.Interaction), "-"), r.Exit, r.Detail, r.Err)
}

// Run runs the scenario with the interaction's variables (by their Bright
// Pattern names: "item.ANI", "user.loginId"…) and returns what it did. A
// failing step is the Failed exit of the result (Result.Err says why),
// not an error: Run always returns a Result. The run ends by ctx's
// deadline or Config.Timeout, whichever comes first.
//
// A call of an interaction whose earlier call created its ticket
// ([ScreenPop] NewTicket), an object ([CreateObject]) or wrote its note
// ([AttachData]) pops that ticket, reads that object and writes no second
// note; one that comes while the earlier call
// is still doing it takes Failed (Zendesk's kind: the handler answers 503
// with Retry-After). The interaction is known by
// $(item.globalInteractionId): without it each call creates its ticket.
// A step run again in the same call (a loop through Get Next Record) is
// not a retry: each of its rounds does its work, and a retried call's
// round n finds what round n of the earlier call did. A round is a write
// the run completed or found completed by an earlier call. A visit that
// took Failed (a Failed exit wired back to the step to try again) uses no
// round when its write failed, nor when it found the earlier call's
// ticket or note and then failed to pop the ticket ([ScreenPop]) or to
// set the fields ([AttachData]): the next visit finds the same result
// instead of writing a second. A [CreateObject] that found the earlier
// call's answer uses its round even when reading the answer fails, as
// the earlier call's visit did. A step in a Get Next Record walk counts
// its rounds per record (by the current record's "id"), so a retried call
// whose search returns the records in another order reads each record's
// own object.
func (f *Flow) Run(ctx context.Context, vars map[string]string) Result {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	e := &env{f: f, vars: make(map[string]string, len(vars)+16), out: map[string]string{}, recordsets: map[string]*recordset{}}
	for k, v := range vars {
		e.vars[k] = v
	}
	res := Result{Interaction: vars[VarInteractionID], Key: vars[VarInteractionID]}
	res.Exit = f.cfg.Scenario.run(ctx, e, &res)
	if n := len(res.Steps); n > 0 {
		res.Detail = res.Steps[n-1].Detail
	}
	switch {
	case res.Exit == ExitNext:
		res.Outcome = flow.Applied
	case res.Exit == ExitNoData:
		res.Outcome = flow.Ignored
	case isBadInput(res.Err):
		res.Outcome = flow.Rejected
	default:
		res.Outcome = flow.Failed
	}
	res.Variables = e.out
	res.Time = f.cfg.Now()
	f.log.LogAttrs(ctx, slog.LevelInfo, "scenario", slog.String("interaction", res.Interaction), slog.String("exit", string(res.Exit)),
		slog.String("outcome", string(res.Outcome)), slog.Int("steps", len(res.Steps)), slog.Any("error", res.Err))
	if f.cfg.OnResult != nil {
		f.cfg.OnResult(res)
	}
	return res
}

// zendeskAgent returns the Zendesk user id of the Bright Pattern agent
// login on the account: the agent or admin with the agent's email.
func (f *Flow) zendeskAgent(ctx context.Context, account string, zc *zendesk.Client, login string) (int64, error) {
	if login == "" {
		return 0, badInput("no agent: the interaction is delivered to nobody ($(%s) is empty)", VarAgentLoginID)
	}
	email, err := f.agentEmail(ctx, login)
	if err != nil {
		return 0, err
	}
	key := "scenario:agent:" + strings.ToLower(cmp.Or(strings.TrimSpace(account), f.accounts.DefaultName())) + ":" + strings.ToLower(email)
	if v, ok, err := f.store.Get(ctx, key); err == nil && ok {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			return id, nil
		}
	}
	u, err := findAgent(ctx, zc, email)
	if err != nil {
		return 0, err
	}
	if u == nil {
		return 0, badInput("the Bright Pattern agent %q (%s) has no Zendesk agent of the same email on account %q: add one, as the integration requires",
			login, email, cmp.Or(strings.TrimSpace(account), f.accounts.DefaultName()))
	}
	_ = f.store.Set(ctx, key, strconv.FormatInt(u.ID, 10), f.cfg.CacheTTL) // a cache: a failure costs a lookup
	return u.ID, nil
}

// agentEmail returns the email of the Bright Pattern agent login.
func (f *Flow) agentEmail(ctx context.Context, login string) (string, error) {
	if f.cfg.Directory != nil {
		if e, ok := f.cfg.Directory.Email(login); ok {
			return e, nil
		}
	}
	if f.cfg.BrightPattern != nil {
		u, err := f.cfg.BrightPattern.Users.Get(ctx, login)
		switch {
		case errors.Is(err, deskbridge.ErrNotFound):
		case err != nil:
			return "", fmt.Errorf("reading Bright Pattern agent %q: %w", login, err)
		case u.Email != "":
			return u.Email, nil
		}
	}
	return "", badInput("Bright Pattern agent %q has no known email: add it to Config.Directory (or its user in Bright Pattern needs an email)", login)
}

// findAgent returns the agent or admin with email, or nil.
func findAgent(ctx context.Context, zc *zendesk.Client, email string) (*zendesk.User, error) {
	q := `type:user email:"` + searchPhrase(email) + `"`
	for hit, err := range zc.Search.Query(ctx, q, nil) {
		if err != nil {
			return nil, fmt.Errorf("finding the Zendesk user %s: %w", email, err)
		}
		if agentMatches(hit.User, email) {
			return hit.User, nil
		}
	}
	return nil, nil
}

// ticketField returns the id of the ticket field titled title on the
// account.
func (f *Flow) ticketField(ctx context.Context, account string, zc *zendesk.Client, title string) (int64, error) {
	title = strings.TrimSpace(title)
	key := "scenario:field:" + strings.ToLower(cmp.Or(strings.TrimSpace(account), f.accounts.DefaultName())) + ":" + strings.ToLower(title)
	if v, ok, err := f.store.Get(ctx, key); err == nil && ok {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			return id, nil
		}
	}
	tf, err := zc.TicketFields.FindByTitle(ctx, title)
	if errors.Is(err, deskbridge.ErrNotFound) {
		return 0, badInput("no ticket field %q on account %q: run Provision", title, cmp.Or(strings.TrimSpace(account), f.accounts.DefaultName()))
	}
	if err != nil {
		return 0, fmt.Errorf("finding ticket field %q: %w", title, err)
	}
	_ = f.store.Set(ctx, key, strconv.FormatInt(tf.ID, 10), f.cfg.CacheTTL)
	return tf.ID, nil
}
