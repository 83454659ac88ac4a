// Command cxone runs the CXone data memorialization flow (package
// cxone/memorialize): when a NICE CXone interaction ends, its data (ANI,
// agent, disposition, notes, recording, transcript, script variables) is
// written into the Zendesk ticket and user fields the mapping names, and
// agents can look up a few Zendesk fields of an incoming caller.
//
// Try it with no account and no network:
//
//	go run ./examples/cxone -demo
//
// starts a fake CXone tenant and a fake Zendesk account in-process,
// provisions the Zendesk fields the mapping needs, and plays a short day
// in the contact center through real HTTP: a voice call ends after
// after-call work, a chat ends and its Studio script calls the flow, a
// caller hangs up first (no disposition is written for them), a caller's
// script carries his closed ticket (the flow opens a new one for him, as
// Zendesk takes no update to a closed ticket), Zendesk fails once (the
// poll holds and retries), and an incoming ANI's dynamic
// data is looked up. It prints what was written where, as a table, and
// exits 0 only if Zendesk holds what the mapping says.
//
//	go run ./examples/cxone -demo -replicas 3
//
// plays it through three flows sharing one store: Redis when REDIS_URL is
// set or redis-server is on PATH, else one store.Memory.
//
// Without -demo it serves the flow for real accounts, configured by
// environment variables (it lists the missing ones):
//
//	CXONE_ACCESS_KEY_ID, CXONE_ACCESS_KEY_SECRET
//	                           the access key of the CXone API user
//	CXONE_CLIENT_ID, CXONE_CLIENT_SECRET
//	                           the registered back-end application's
//	CXONE_TENANT_ID            optional: the tenant, when the token lacks it
//	CXONE_URL                  optional: one base URL for every CXone host
//	                           (a proxy, or a cxonetest fake)
//	ZENDESK_SUBDOMAIN          the account: https://{subdomain}.zendesk.com
//	                           (or ZENDESK_URL, a base URL such as a proxy's)
//	ZENDESK_EMAIL, ZENDESK_API_TOKEN
//	                           the dedicated system user's email and API
//	                           token, or instead:
//	ZENDESK_OAUTH_TOKEN        an OAuth access token (read write)
//	MEMORIALIZE_MAPPING        a JSON file: {"Mapping": {"ticket": [{"Zendesk":
//	                           {"Title": "CXone ANI"}, "Channel": "voice",
//	                           "Data": "ANI"}, …], "user": […]}, "Dynamic":
//	                           {…}, "Workflows": {"SearchANI": true, …}}
//	                           (the Go field names of memorialize.Config)
//	STUDIO_SECRET              optional: the secret Studio scripts send as
//	                           "Authorization: Bearer …" (comma-separated
//	                           while rotating); without it only the poll
//	                           memorializes and dynamic data is off
//	ZENDESK_SYSTEM_USER        optional: the system user's email, which
//	                           the check at start compares
//	POLL_INTERVAL              optional: e.g. 30s (the default)
//	REDIS_URL                  optional: the Redis every replica shares;
//	                           without it the flow keeps its cursor in
//	                           memory and must run as a single replica
//	MEMORIALIZE_REDIS_PREFIX   optional: the prefix of the flow's Redis keys
//	                           (default deskbridge:memorialize:)
//	ADDR                       optional: listen address (default :8080)
//
// It polls completed contacts, and serves POST /cxone/contact-ended (the
// Studio script's call), GET /cxone/dynamic-data, GET /healthz and GET
// /readyz (the store, CXone and Zendesk reachable). With -provision it
// first creates the Zendesk fields the mapping needs.
package main

import (
	"context"
	"encoding/json"
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
	"time"

	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/cxone/memorialize"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cxone:", err)
		var ce *configError
		if errors.As(err, &ce) || errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run is the whole program: args are the command-line arguments (without
// the program name), output goes to stdout.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("cxone", flag.ContinueOnError)
	fs.SetOutput(stdout)
	demo := fs.Bool("demo", false, "play a day in the contact center on in-process fakes and exit")
	replicas := fs.Int("replicas", 1, "with -demo: how many flows share one store")
	provision := fs.Bool("provision", false, "create the Zendesk fields the mapping needs first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *replicas < 1 || *replicas > 16 {
		return &configError{[]string{fmt.Sprintf("-replicas %d: want 1 to 16", *replicas)}}
	}
	if *demo {
		return runDemo(ctx, stdout, *replicas)
	}
	cfg, err := loadConfig(os.Getenv, os.ReadFile)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, *provision, stdout)
}

// config is the real mode's configuration.
type config struct {
	cxoneOpts     []cxone.Option
	zendeskOpts   []zendesk.Option
	mapping       mappingFile
	studioSecrets []string
	systemUser    string
	pollInterval  time.Duration
	redisURL      string
	redisPrefix   string
	addr          string
}

// mappingFile is MEMORIALIZE_MAPPING's content.
type mappingFile struct {
	Mapping   memorialize.Mapping
	Dynamic   memorialize.DynamicData
	Workflows memorialize.Workflows
}

// configError lists what is missing or wrong in the environment.
type configError struct{ problems []string }

func (e *configError) Error() string {
	return "the environment is not complete (or run with -demo):\n  " + strings.Join(e.problems, "\n  ")
}

// loadConfig reads the environment and says exactly what is missing.
func loadConfig(getenv func(string) string, readFile func(string) ([]byte, error)) (*config, error) {
	var problems []string
	missing := func(name, why string) { problems = append(problems, "missing "+name+": "+why) }
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	cfg := &config{addr: env("ADDR"), systemUser: env("ZENDESK_SYSTEM_USER")}
	if cfg.addr == "" {
		cfg.addr = ":8080"
	}

	id, secret, cid, csecret := env("CXONE_ACCESS_KEY_ID"), env("CXONE_ACCESS_KEY_SECRET"), env("CXONE_CLIENT_ID"), env("CXONE_CLIENT_SECRET")
	for _, v := range []struct{ name, value, why string }{
		{"CXONE_ACCESS_KEY_ID", id, "the access key id of the CXone API user (My Profile > Access Keys)"},
		{"CXONE_ACCESS_KEY_SECRET", secret, "the secret of that access key (shown once, when generated)"},
		{"CXONE_CLIENT_ID", cid, "the client id NICE issued when the back-end application was registered"},
		{"CXONE_CLIENT_SECRET", csecret, "the client secret of that registration"},
	} {
		if v.value == "" {
			missing(v.name, v.why)
		}
	}
	cfg.cxoneOpts = append(cfg.cxoneOpts, cxone.WithAccessKey(id, secret, cid, csecret), cxone.WithMaxRetries(2), cxone.WithRetryWaitMax(5*time.Second))
	if u := env("CXONE_URL"); u != "" {
		cfg.cxoneOpts = append(cfg.cxoneOpts, cxone.WithBaseURL(u))
	}
	if t := env("CXONE_TENANT_ID"); t != "" {
		cfg.cxoneOpts = append(cfg.cxoneOpts, cxone.WithTenant(t))
	}

	switch sub, base := env("ZENDESK_SUBDOMAIN"), env("ZENDESK_URL"); {
	case base != "":
		cfg.zendeskOpts = append(cfg.zendeskOpts, zendesk.WithBaseURL(base))
	case sub != "":
		cfg.zendeskOpts = append(cfg.zendeskOpts, zendesk.WithSubdomain(sub))
	default:
		missing("ZENDESK_SUBDOMAIN", "the Zendesk account, https://{subdomain}.zendesk.com (or ZENDESK_URL)")
	}
	switch email, token, oauth := env("ZENDESK_EMAIL"), env("ZENDESK_API_TOKEN"), env("ZENDESK_OAUTH_TOKEN"); {
	case oauth != "":
		cfg.zendeskOpts = append(cfg.zendeskOpts, zendesk.WithOAuthToken(oauth))
	case email != "" && token != "":
		cfg.zendeskOpts = append(cfg.zendeskOpts, zendesk.WithAPIToken(email, token))
	case email != "":
		missing("ZENDESK_API_TOKEN", "the API token of ZENDESK_EMAIL (or set ZENDESK_OAUTH_TOKEN instead)")
	default:
		missing("ZENDESK_EMAIL and ZENDESK_API_TOKEN", "the dedicated system user's email and API token (or ZENDESK_OAUTH_TOKEN)")
	}
	cfg.zendeskOpts = append(cfg.zendeskOpts, zendesk.WithMaxRetries(2), zendesk.WithRetryWaitMax(5*time.Second))

	if path := env("MEMORIALIZE_MAPPING"); path == "" {
		missing("MEMORIALIZE_MAPPING", "a JSON file with the mapping (see the package documentation of this command)")
	} else if b, err := readFile(path); err != nil {
		problems = append(problems, "MEMORIALIZE_MAPPING: "+err.Error())
	} else {
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg.mapping); err != nil {
			problems = append(problems, "MEMORIALIZE_MAPPING "+path+": "+err.Error())
		}
	}
	cfg.studioSecrets = splitList(env("STUDIO_SECRET"))
	if s := env("POLL_INTERVAL"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			problems = append(problems, fmt.Sprintf("POLL_INTERVAL %q is not a positive duration such as 30s", s))
		}
		cfg.pollInterval = d
	}
	cfg.redisURL, cfg.redisPrefix = env("REDIS_URL"), redisPrefix(getenv)
	if strings.ContainsAny(cfg.redisPrefix, "{}") {
		problems = append(problems, fmt.Sprintf("MEMORIALIZE_REDIS_PREFIX %q holds a brace, which Redis Cluster would read as a hash tag: use one without", cfg.redisPrefix))
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
	cc, err := cxone.NewClient(append(cfg.cxoneOpts, cxone.WithLogger(logger))...)
	if err != nil {
		return &configError{[]string{"CXone: " + err.Error()}}
	}
	zc, err := zendesk.NewClient(append(cfg.zendeskOpts, zendesk.WithLogger(logger))...)
	if err != nil {
		return &configError{[]string{"Zendesk: " + err.Error()}}
	}
	if provision {
		rep, err := memorialize.Provision(ctx, memorialize.ProvisionConfig{Zendesk: zc, Mapping: cfg.mapping.Mapping, Dynamic: cfg.mapping.Dynamic})
		fmt.Fprintf(stdout, "Zendesk setup:\n%s\n", rep)
		if err != nil {
			return err
		}
	}
	st, err := openStore(ctx, cfg.redisURL, cfg.redisPrefix, false)
	if err != nil {
		return err
	}
	defer st.close()
	fmt.Fprintf(stdout, "state: %s\n", st.what)
	f, err := memorialize.New(memorialize.Config{
		CXone: cc, Zendesk: zc,
		Mapping: cfg.mapping.Mapping, Dynamic: cfg.mapping.Dynamic, Workflows: cfg.mapping.Workflows,
		StudioAuth: webhook.SharedSecretVerifier{Secrets: cfg.studioSecrets}, SystemUser: cfg.systemUser,
		Store: st.Store, PollInterval: cfg.pollInterval, Logger: logger,
	})
	if err != nil {
		return err
	}
	// What is misconfigured stops the program; a side that cannot be read
	// now is only said (/readyz will tell when it is back).
	if err := f.Check(ctx); err != nil {
		if len(flow.Problems(err)) > 0 {
			return fmt.Errorf("the configuration does not fit the accounts:\n%w", err)
		}
		fmt.Fprintf(stdout, "check: %v\n", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", f.Handler())
	serveHealth(mux, publicChecks(logger, readinessChecks(st, cc, zc)...)...)
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "polling completed contacts; serving %s and %s on http://%s\n", memorialize.ContactEndedPath, memorialize.DynamicDataPath, ln.Addr())
	go f.Run(ctx)
	return serveUntilDone(ctx, newHTTPServer(mux, defaultTimeouts), ln)
}

// readinessChecks are what /readyz checks: the store, CXone's token and
// discovery, and Zendesk's own user.
func readinessChecks(st *sharedStore, cc *cxone.Client, zc *zendesk.Client) []readinessCheck {
	return []readinessCheck{
		{"store", st.ping},
		{"cxone", func(ctx context.Context) error { _, err := cc.Discovery(ctx); return err }},
		{"zendesk", func(ctx context.Context) error { _, err := zc.Users.Me(ctx); return err }},
	}
}
