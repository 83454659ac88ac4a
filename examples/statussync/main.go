// Command statussync keeps agent statuses in step between Zendesk and
// babelforce with package babelforce/statussync: an agent changes status
// once, in either tool, and the other follows.
//
// Try it with no account and no network:
//
//	go run ./examples/statussync -demo
//
// starts a fake Zendesk and a fake babelforce in-process, provisions them
// (the Zendesk webhook points at this program's handler on a loopback
// port), plays a scenario through real HTTP — agents going online, away,
// into a custom status and offline, a duplicated delivery, one delivered
// out of order, babelforce failing, changes made in babelforce flowing
// back — prints what happened, and exits 0 only if both sides end
// consistent.
//
//	go run ./examples/statussync -demo -replicas 3
//
// plays it through three flow replicas behind a round-robin balancer on
// one store: Redis when REDIS_URL is set or redis-server is on PATH
// (started on a free loopback port and stopped at the end), else one
// store.Memory; the output says which. On a REDIS_URL the demo and -load
// keep their keys under a prefix of their run alone
// (deskbridge:statussync-demo:{random}:), so that runs do not meet each
// other's records, nor the real mode's.
//
//	go run ./examples/statussync -load 2000
//
// sends 2000 signed Zendesk events through the handler into the fake
// babelforce and prints events/s and p50/p99 latency.
//
// Without -demo or -load it runs against real accounts, configured by
// environment variables (it lists the missing ones):
//
//	ZENDESK_SUBDOMAIN          the account: https://{subdomain}.zendesk.com
//	ZENDESK_EMAIL, ZENDESK_API_TOKEN
//	                           an admin's API token, or instead:
//	ZENDESK_OAUTH_TOKEN        an OAuth access token (read write)
//	ZENDESK_WEBHOOK_SECRET     the signing secret of the Zendesk webhook
//	                           (comma-separated while rotating); not needed
//	                           with -provision, which reads it
//	BABELFORCE_ENV             the environment: https://{env}.babelforce.com
//	BABELFORCE_USERNAME, BABELFORCE_PASSWORD
//	                           a babelforce manager user (password grant)
//	STATUSSYNC_SHARED_SECRET   optional: the bearer secret of the babelforce
//	                           automation calling /babelforce/presence;
//	                           without it that path is not served and only
//	                           the poller brings babelforce changes back
//	STATUSSYNC_POLL_INTERVAL   optional: poller interval (default 15s; "off")
//	PUBLIC_URL                 the https base URL where Zendesk reaches this
//	                           service; needed with -provision
//	REDIS_URL                  optional: the Redis every replica shares
//	                           (redis://[user:password@]host:port[/db]);
//	                           without it the flow keeps its state in
//	                           memory and must run as a single replica
//	STATUSSYNC_REDIS_PREFIX    optional: the prefix of the flow's Redis keys
//	                           (default deskbridge:statussync:), one per
//	                           tenant sharing a Redis
//	ADDR                       optional: listen address (default :8080)
//
// It serves POST /zendesk/agent-status (the Zendesk webhook), POST /babelforce/presence
// (the babelforce automation, body statussync.AutomationBody; only with
// STATUSSYNC_SHARED_SECRET), GET /healthz (alive) and GET /readyz (the
// store, Zendesk and babelforce reachable), and says so at start. With -provision it first creates or repairs the Zendesk webhook
// (pointing at PUBLIC_URL/zendesk/agent-status), stores the Zendesk credential in
// babelforce's vault and creates the missing red presences, then prints
// what it did.
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
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Paths served: the flow's own (see statussync.Flow.Handler).
const (
	zendeskPath    = statussync.ZendeskPath
	automationPath = statussync.AutomationPath
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "statussync:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a problem with the command line or the environment.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run parses args and runs the demo, the load test or the real service,
// writing its report to stdout.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("statussync", flag.ContinueOnError)
	fs.SetOutput(stdout)
	demo := fs.Bool("demo", false, "run the built-in scenario on in-process fakes and exit")
	load := fs.Int("load", 0, "send `N` signed events through the handler into a fake babelforce and report throughput")
	workers := fs.Int("workers", 8, "concurrent senders for -load")
	provision := fs.Bool("provision", false, "set up the Zendesk webhook, the vault credential and the red presences before serving")
	replicas := fs.Int("replicas", 1, "with -demo: play the demo through `N` flow replicas behind a round-robin balancer on one store")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	switch {
	case *demo && *load > 0:
		return usageError{"-demo and -load are exclusive"}
	case *replicas < 1:
		return usageError{"-replicas needs a positive number"}
	case *replicas > 1 && !*demo:
		return usageError{"-replicas goes with -demo"}
	case *demo:
		return runDemo(ctx, stdout, *replicas, strings.TrimSpace(os.Getenv("REDIS_URL")))
	case *load > 0:
		_, err := runLoad(ctx, stdout, *load, *workers)
		return err
	case *load < 0:
		return usageError{"-load needs a positive number of events"}
	}
	env, err := envFrom(os.Getenv, *provision)
	if err != nil {
		return err
	}
	return serve(ctx, env, *provision, stdout)
}

// envConfig is the real mode's configuration.
type envConfig struct {
	zendeskOpts    []zendesk.Option
	zendeskCred    string // for babelforce's vault
	webhookSecrets []string
	babelforceOpts []babelforce.Option
	sharedSecret   string
	pollInterval   time.Duration // 0: off
	publicURL      string
	redisURL       string // "": a store.Memory
	redisPrefix    string // of the flow's keys, with REDIS_URL
	addr           string
}

// envFrom reads the environment and says exactly what is missing.
func envFrom(getenv func(string) string, provision bool) (envConfig, error) {
	var c envConfig
	var missing []string
	need := func(name, why string) string {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			missing = append(missing, fmt.Sprintf("  %s: %s", name, why))
		}
		return v
	}

	// Zendesk. ZENDESK_BASE_URL (undocumented above) points at a fake or
	// a proxy instead of {subdomain}.zendesk.com.
	if base := strings.TrimSpace(getenv("ZENDESK_BASE_URL")); base != "" {
		c.zendeskOpts = append(c.zendeskOpts, zendesk.WithBaseURL(base))
	} else if sub := need("ZENDESK_SUBDOMAIN", "the Zendesk account, as in https://{subdomain}.zendesk.com"); sub != "" {
		c.zendeskOpts = append(c.zendeskOpts, zendesk.WithSubdomain(sub))
	}
	email, token, oauth := strings.TrimSpace(getenv("ZENDESK_EMAIL")), strings.TrimSpace(getenv("ZENDESK_API_TOKEN")), strings.TrimSpace(getenv("ZENDESK_OAUTH_TOKEN"))
	switch {
	case oauth != "":
		c.zendeskOpts = append(c.zendeskOpts, zendesk.WithOAuthToken(oauth))
		c.zendeskCred = statussync.BearerCredential(oauth)
	case email != "" || token != "":
		need("ZENDESK_EMAIL", "the email of the Zendesk admin whose API token is ZENDESK_API_TOKEN")
		need("ZENDESK_API_TOKEN", "an API token of that admin (Admin Center > Apps and integrations > Zendesk API)")
		c.zendeskOpts = append(c.zendeskOpts, zendesk.WithAPIToken(email, token))
		c.zendeskCred = statussync.BasicCredential(email, token)
	default:
		missing = append(missing, "  ZENDESK_EMAIL and ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN: credentials to read and set agent statuses in Zendesk")
	}
	for _, s := range strings.Split(getenv("ZENDESK_WEBHOOK_SECRET"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.webhookSecrets = append(c.webhookSecrets, s)
		}
	}
	if len(c.webhookSecrets) == 0 && !provision {
		missing = append(missing, "  ZENDESK_WEBHOOK_SECRET: the signing secret of the Zendesk webhook that calls "+zendeskPath+" "+
			"(Admin Center > Apps and integrations > Webhooks > the webhook > Signing secret), or run with -provision")
	}

	// babelforce. BABELFORCE_BASE_URL likewise replaces the environment.
	if base := strings.TrimSpace(getenv("BABELFORCE_BASE_URL")); base != "" {
		c.babelforceOpts = append(c.babelforceOpts, babelforce.WithBaseURL(base))
	} else if env := need("BABELFORCE_ENV", "the babelforce environment, as in https://{env}.babelforce.com"); env != "" {
		c.babelforceOpts = append(c.babelforceOpts, babelforce.WithEnvironment(env))
	}
	user := need("BABELFORCE_USERNAME", "a babelforce manager user, for the OAuth password grant")
	pass := need("BABELFORCE_PASSWORD", "that user's password")
	c.babelforceOpts = append(c.babelforceOpts, babelforce.WithPassword(user, pass, babelforce.WithNonExpiringToken()))

	c.sharedSecret = strings.TrimSpace(getenv("STATUSSYNC_SHARED_SECRET"))
	c.pollInterval = statussync.DefaultPollInterval
	if v := strings.TrimSpace(getenv("STATUSSYNC_POLL_INTERVAL")); v != "" {
		if strings.EqualFold(v, "off") || v == "0" {
			c.pollInterval = 0
		} else if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			missing = append(missing, fmt.Sprintf("  STATUSSYNC_POLL_INTERVAL: %q is not a positive duration (e.g. 15s) or \"off\"", v))
		} else {
			c.pollInterval = d
		}
	}
	if c.sharedSecret == "" && c.pollInterval == 0 {
		missing = append(missing, "  STATUSSYNC_SHARED_SECRET or STATUSSYNC_POLL_INTERVAL: with neither, no babelforce change would reach Zendesk")
	}
	c.publicURL = strings.TrimRight(strings.TrimSpace(getenv("PUBLIC_URL")), "/")
	if provision {
		if c.publicURL == "" {
			need("PUBLIC_URL", "the https base URL where Zendesk reaches this service; the webhook points at PUBLIC_URL"+zendeskPath)
		} else if u, err := url.Parse(c.publicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			missing = append(missing, fmt.Sprintf("  PUBLIC_URL: %q is not an http(s) URL", c.publicURL))
		}
	}
	if p, err := redisPrefix(getenv); err != nil {
		missing = append(missing, "  "+err.Error())
	} else {
		c.redisPrefix = p
	}
	c.redisURL = strings.TrimSpace(getenv("REDIS_URL"))
	c.addr = strings.TrimSpace(getenv("ADDR"))
	if c.addr == "" {
		c.addr = ":8080"
	}
	if len(missing) > 0 {
		return c, usageError{"missing or invalid environment variables (or run with -demo):\n" + strings.Join(missing, "\n")}
	}
	return c, nil
}

// servingLine says what the real mode serves on addr, and how babelforce
// changes come back: the automation path is mounted only with a shared
// secret, the poller runs only with an interval.
func servingLine(addr string, automation bool, poll time.Duration) string {
	var b strings.Builder
	if automation {
		fmt.Fprintf(&b, "serving %s and %s on %s", zendeskPath, automationPath, addr)
	} else {
		fmt.Fprintf(&b, "serving %s on %s (not %s: STATUSSYNC_SHARED_SECRET is not set)", zendeskPath, addr, automationPath)
	}
	if poll > 0 {
		fmt.Fprintf(&b, "; polling babelforce every %s", poll)
	} else {
		b.WriteString("; not polling babelforce")
	}
	return b.String()
}

// serve runs the real mode on env.addr until ctx is done.
func serve(ctx context.Context, env envConfig, provision bool, out io.Writer) error {
	ln, err := net.Listen("tcp", env.addr)
	if err != nil {
		return err
	}
	return serveOn(ctx, ln, env, provision, out)
}

// serveOn runs the real mode on ln until ctx is done; it closes ln.
func serveOn(ctx context.Context, ln net.Listener, env envConfig, provision bool, out io.Writer) error {
	defer ln.Close()
	logger := slog.New(slog.NewTextHandler(out, nil))
	zc, err := zendesk.NewClient(append(env.zendeskOpts, zendesk.WithLogger(logger))...)
	if err != nil {
		return err
	}
	bc, err := babelforce.NewClient(append(env.babelforceOpts, babelforce.WithLogger(logger))...)
	if err != nil {
		return err
	}
	secrets := env.webhookSecrets
	if provision {
		rep, err := statussync.Provision(ctx, statussync.ProvisionConfig{
			Zendesk: zc, Babelforce: bc, Endpoint: env.publicURL + zendeskPath, ZendeskCredential: env.zendeskCred,
		})
		fmt.Fprintf(out, "Provisioning:\n%s", rep)
		if err != nil {
			return fmt.Errorf("provisioning: %w", err)
		}
		secret, err := statussync.SigningSecret(ctx, zc, rep)
		if err != nil {
			return err
		}
		secrets = append(secrets, secret)
	}
	var automationAuth webhook.SharedSecretVerifier
	if env.sharedSecret != "" {
		automationAuth.Secrets = []string{env.sharedSecret}
	}
	prefix := env.redisPrefix
	if prefix == "" {
		prefix = defaultRedisPrefix
	}
	st, err := openStore(ctx, env.redisURL, prefix, false)
	if err != nil {
		return err
	}
	defer st.close()
	fmt.Fprintf(out, "state: %s\n", st.what)
	flow, err := statussync.New(statussync.Config{
		Zendesk: zc, Babelforce: bc,
		ZendeskSecrets: secrets,
		AutomationAuth: automationAuth,
		PollInterval:   env.pollInterval,
		Store:          st.Store,
		Logger:         logger,
	})
	if err != nil {
		return err
	}
	table, err := flow.MappingInEffect(ctx)
	if table != nil {
		fmt.Fprintf(out, "Mapping in effect:\n%s", table)
	}
	if err != nil {
		return fmt.Errorf("the configuration does not fit the accounts:\n%w", err)
	}

	fmt.Fprintln(out, servingLine(ln.Addr().String(), env.sharedSecret != "", env.pollInterval))
	if env.pollInterval > 0 {
		go func() { _ = flow.RunPoller(ctx) }()
	}
	go func() { _ = flow.RunReconciler(ctx) }()
	checks := []readinessCheck{
		{"store", st.ping},
		{"zendesk", func(ctx context.Context) error { _, err := zc.Users.Me(ctx); return err }},
		{"babelforce", func(ctx context.Context) error { _, err := bc.Presences.List(ctx); return err }},
	}
	return serveUntilDone(ctx, newHTTPServer(newMux(flow, env.sharedSecret != "", publicChecks(logger, checks...)...), defaultTimeouts), ln)
}

// newMux returns what the real mode serves: the Zendesk webhook, the
// babelforce automation (only when it has a secret), /healthz, and /readyz
// with checks (the store, and the cheapest authenticated call to each
// vendor).
func newMux(flow *statussync.Flow, automation bool, checks ...readinessCheck) *http.ServeMux {
	mux := http.NewServeMux()
	h := flow.Handler()
	mux.Handle("POST "+zendeskPath, h)
	if automation {
		mux.Handle("POST "+automationPath, h)
	}
	serveHealth(mux, checks...)
	return mux
}
