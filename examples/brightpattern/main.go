// Command brightpattern serves Bright Pattern's Zendesk scenario blocks
// (package brightpattern/scenario) to a Bright Pattern scenario: a call
// arrives, the scenario's Fetch URL block posts its variables here, and
// the caller is found in Zendesk, their open ticket (or a new voice
// ticket) popped to the agent, the call data attached; the answer gives
// the scenario ticket_id, caller.id, caller.name and the counts as
// variables.
//
// Try it with no account and no network:
//
//	go run ./examples/brightpattern -demo
//
// starts a fake Bright Pattern tenant and two fake Zendesk instances (two
// brands) in-process, provisions the ticket fields, and plays three calls
// through real HTTP: a known number (its open ticket popped, the call data
// attached), an unknown number (a user and a voice ticket created and
// popped), a call to the second brand's number (the other account
// selected). It prints a table of what each block did and exits 0 only if
// the fakes' state says every pop, ticket and field is where it belongs.
//
// Without -demo it serves the endpoint for real accounts, configured by
// environment variables (it lists the missing ones):
//
//	BP_SCENARIO_SECRET     the secret the Fetch URL block sends as
//	                       "Authorization: Bearer …" (comma-separated
//	                       while rotating)
//	ZENDESK_ACCOUNTS       the integration accounts' names, comma-separated;
//	                       the first is the Default. For each NAME (upper
//	                       case, "-" as "_"):
//	ZENDESK_<NAME>_URL     the Zendesk URL, e.g. https://acme.zendesk.com
//	ZENDESK_<NAME>_EMAIL, ZENDESK_<NAME>_API_TOKEN
//	                       the user requests act for and an API token, or:
//	ZENDESK_<NAME>_OAUTH_TOKEN
//	                       an OAuth access token
//	ACCOUNT_BY_DNIS        optional: number=account pairs, comma-separated,
//	                       selecting the account by the number dialled
//	BP_TENANT_URL, BP_CLIENT_ID, BP_CLIENT_SECRET
//	                       the Configuration API, to read each agent's
//	                       email (the Zendesk agent popped to has the same)
//	BP_AGENTS              optional: agents' login ids, checked at start
//	REDIS_URL              optional: redis://[user:password@]host:port[/db],
//	                       the store replicas share (the agents' and
//	                       fields' ids, each run's once-per-interaction
//	                       writes); default one store.Memory, one replica
//	SCENARIO_REDIS_PREFIX  optional: the keys' prefix in Redis (default
//	                       deskbridge:scenario:)
//	ADDR                   optional: listen address (default :8080)
//
// It serves POST /brightpattern/scenario, GET /healthz (alive) and GET
// /readyz (every Zendesk account answers, and the store). With -provision it first
// creates the ticket fields Attached Data writes on every account.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/brightpattern/scenario"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
)

// scenarioPath is where the endpoint is served.
const scenarioPath = "/brightpattern/scenario"

// attachFields are the ticket fields the Attached Data step writes.
var attachFields = []scenario.Field{
	{Title: "Caller number", Value: "$(item.ANI)"},
	{Title: "Bright Pattern interaction", Value: "$(item.globalInteractionId)"},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "brightpattern:", err)
		var ce *configError
		if errors.As(err, &ce) || errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run is the whole program.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("brightpattern", flag.ContinueOnError)
	fs.SetOutput(stdout)
	demo := fs.Bool("demo", false, "play three calls on in-process fakes and exit")
	provision := fs.Bool("provision", false, "create the ticket fields on every account first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *demo {
		return runDemo(ctx, stdout)
	}
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, *provision, stdout)
}

// config is the real mode's configuration.
type config struct {
	accounts []brightpattern.Account
	byDNIS   map[string]string
	secrets  []string
	bpOpts   []brightpattern.Option
	agents   []string
	addr     string
	// redisURL and redisPrefix name the shared store; "" is a
	// store.Memory.
	redisURL, redisPrefix string
}

// configError lists what is missing or wrong in the environment.
type configError struct{ problems []string }

func (e *configError) Error() string {
	return "the environment is not complete (or run with -demo):\n  " + strings.Join(e.problems, "\n  ")
}

// loadConfig reads the environment and says exactly what is missing.
func loadConfig(getenv func(string) string) (*config, error) {
	var problems []string
	missing := func(name, why string) { problems = append(problems, "missing "+name+": "+why) }
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	cfg := &config{addr: env("ADDR"), byDNIS: map[string]string{}}
	if cfg.addr == "" {
		cfg.addr = ":8080"
	}
	if cfg.secrets = splitList(env("BP_SCENARIO_SECRET")); len(cfg.secrets) == 0 {
		missing("BP_SCENARIO_SECRET", "the secret the scenario's Fetch URL block sends as \"Authorization: Bearer …\" (choose a long random string)")
	}
	names := splitList(env("ZENDESK_ACCOUNTS"))
	if len(names) == 0 {
		missing("ZENDESK_ACCOUNTS", "the integration accounts' names, comma-separated, the Default first")
	}
	for i, name := range names {
		key := "ZENDESK_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_"
		acct := brightpattern.Account{Name: name, Default: i == 0, URL: env(key + "URL")}
		if acct.URL == "" {
			missing(key+"URL", "the Zendesk URL of account "+name+", e.g. https://acme.zendesk.com")
		}
		switch email, token, oauth := env(key+"EMAIL"), env(key+"API_TOKEN"), env(key+"OAUTH_TOKEN"); {
		case oauth != "":
			acct.Auth = brightpattern.OAuthToken{AccessToken: oauth}
		case email != "" && token != "":
			acct.Auth = brightpattern.APIToken{Username: email, Token: token}
		default:
			missing(key+"EMAIL and "+key+"API_TOKEN", "the user requests act for and an API token (or "+key+"OAUTH_TOKEN)")
		}
		cfg.accounts = append(cfg.accounts, acct)
	}
	for _, pair := range splitList(env("ACCOUNT_BY_DNIS")) {
		num, acct, ok := strings.Cut(pair, "=")
		if !ok {
			problems = append(problems, fmt.Sprintf("ACCOUNT_BY_DNIS: %q is not number=account", pair))
			continue
		}
		cfg.byDNIS[strings.TrimSpace(num)] = strings.TrimSpace(acct)
	}
	switch tenant, id, secret := env("BP_TENANT_URL"), env("BP_CLIENT_ID"), env("BP_CLIENT_SECRET"); {
	case tenant == "":
		missing("BP_TENANT_URL", "the Bright Pattern tenant, e.g. https://example.brightpattern.com, to read agents' emails")
	case id == "" || secret == "":
		missing("BP_CLIENT_ID and BP_CLIENT_SECRET", "a Configuration API login id and its API secret, to read agents' emails")
	default:
		cfg.bpOpts = []brightpattern.Option{brightpattern.WithTenantURL(tenant), brightpattern.WithClientCredentials(id, secret)}
	}
	cfg.agents = splitList(env("BP_AGENTS"))
	cfg.redisURL, cfg.redisPrefix = env("REDIS_URL"), env("SCENARIO_REDIS_PREFIX")
	if cfg.redisPrefix == "" {
		cfg.redisPrefix = defaultRedisPrefix
	}
	if len(problems) > 0 {
		return nil, &configError{problems}
	}
	return cfg, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// serve runs the real mode until ctx is done.
func serve(ctx context.Context, cfg *config, provision bool, stdout io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stdout, nil))
	accounts, err := brightpattern.NewAccounts(cfg.accounts...)
	if err != nil {
		return err
	}
	bp, err := brightpattern.NewClient(append(cfg.bpOpts, brightpattern.WithLogger(logger))...)
	if err != nil {
		return &configError{[]string{"Bright Pattern: " + err.Error()}}
	}
	sc := scenario.InboundCall(cfg.byDNIS, attachFields...)
	if provision {
		rep, err := scenario.Provision(ctx, scenario.ProvisionConfig{Accounts: accounts, Scenario: sc})
		fmt.Fprintf(stdout, "Zendesk setup:\n%s\n", rep)
		if err != nil {
			return err
		}
	}
	st, err := openStore(cfg.redisURL, cfg.redisPrefix)
	if err != nil {
		return err
	}
	defer st.close()
	fmt.Fprintf(stdout, "store: %s\n", st.what)
	f, err := scenario.New(cfg.flowConfig(accounts, sc, bp, st, logger))
	if err != nil {
		return err
	}
	if err := f.Check(ctx); err != nil {
		if len(flow.Problems(err)) > 0 {
			return fmt.Errorf("the configuration does not fit the accounts:\n%w", err)
		}
		fmt.Fprintf(stdout, "check: %v\n", err)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "serving %s on http://%s\n", scenarioPath, ln.Addr())
	return serveUntilDone(ctx, newHTTPServer(newMux(f, accounts, st, logger), defaultTimeouts), ln)
}

// flowConfig is the flow's configuration: the environment's, on st.
func (cfg *config) flowConfig(accounts *brightpattern.Accounts, sc scenario.Scenario, bp *brightpattern.Client, st *sharedStore, logger *slog.Logger) scenario.Config {
	return scenario.Config{Accounts: accounts, Scenario: sc, ScenarioAuth: webhook.SharedSecretVerifier{Secrets: cfg.secrets}, BrightPattern: bp,
		Agents: cfg.agents, Logger: logger, Store: st.Store}
}

// newMux serves the scenario endpoint and the health checks, whose errors
// go to logger (/readyz names only what fails).
func newMux(f *scenario.Flow, accounts *brightpattern.Accounts, st *sharedStore, logger *slog.Logger) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("POST "+scenarioPath, f.Handler())
	serveHealth(mux, publicChecks(logger, readinessCheck{"zendesk accounts", accounts.Test}, readinessCheck{"store", st.ping})...)
	return mux
}
