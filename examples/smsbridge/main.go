// Command smsbridge runs the two-way SMS bridge between Zendesk tickets and
// Braze (package braze/smsbridge): a customer texts, a ticket opens; agents
// answer in Zendesk and the customer gets SMS; the customer's replies land
// on the ticket; solving it sends a closing SMS.
//
// Try it with no account and no network:
//
//	go run ./examples/smsbridge -demo
//
// starts a fake Zendesk and a fake Braze in-process, provisions them (the
// Zendesk webhook and Braze's webhook campaigns point at the bridge on a
// loopback port), plays a conversation through real HTTP — the customer
// texts SUPPORT, the agent answers, the customer replies twice (one
// delivery duplicated, Zendesk failing once), the agent answers while
// Braze fails once, the agent solves the ticket — prints the conversation
// as each side saw it, and exits 0 only if they agree.
//
//	go run ./examples/smsbridge -demo -replicas 3
//
// plays the same conversation through three bridges behind a round-robin
// balancer, sharing one store: Redis when REDIS_URL is set or redis-server
// is on PATH (started on a free loopback port and stopped at the end),
// else one store.Memory; the output says which. Retries land on another
// replica than the first attempt, and the check at the end is the same.
//
// Without -demo it serves the bridge for real accounts, configured by
// environment variables (it lists the missing ones):
//
//	ZENDESK_SUBDOMAIN          the account: https://{subdomain}.zendesk.com
//	                           (or ZENDESK_URL, a base URL such as a proxy's)
//	ZENDESK_EMAIL, ZENDESK_API_TOKEN
//	                           an admin's API token, or instead:
//	ZENDESK_OAUTH_TOKEN        an OAuth access token (read write)
//	ZENDESK_WEBHOOK_SECRET     the Zendesk webhook's signing secret
//	                           (comma-separated while rotating); not needed
//	                           with -provision, which reads it and accepts
//	                           it besides any set here
//	BRAZE_INSTANCE             the Braze instance, e.g. US-03 or EU-01
//	                           (or BRAZE_REST_URL, the REST endpoint)
//	BRAZE_API_KEY              a REST key with campaigns.trigger.send,
//	                           users.track and users.export.ids
//	BRAZE_REPLY_CAMPAIGN_ID    the API-triggered SMS campaign of agent replies
//	BRAZE_CLOSING_CAMPAIGN_ID  optional: the campaign of the closing SMS
//	BRIDGE_BRAZE_SECRET        the secret Braze's webhook campaigns send as
//	                           "Authorization: Bearer …" (comma-separated
//	                           while rotating)
//	PUBLIC_URL                 the https base URL where Zendesk and Braze
//	                           reach this service; needed with -provision
//	SMSBRIDGE_DELIVERY         optional: at-most-once (default) or
//	                           at-least-once, for a send Braze may or may
//	                           not have made
//	REDIS_URL                  optional: the Redis every replica shares
//	                           (redis://[user:password@]host:port[/db]);
//	                           without it the bridge keeps its state in
//	                           memory and must run as a single replica
//	SMSBRIDGE_REDIS_PREFIX     optional: the prefix of the bridge's Redis
//	                           keys (default deskbridge:smsbridge:), one per
//	                           tenant sharing a Redis
//	ADDR                       optional: listen address (default :8080)
//
// It serves POST /zendesk/agent-reply (the Zendesk webhook), POST
// /braze/inbound-sms (Braze's webhook campaigns), GET /healthz (alive) and
// GET /readyz (the store, Zendesk and Braze reachable). With
// -provision it first creates or repairs the Zendesk side (user field,
// webhook, trigger category, triggers) and prints what it did and the Braze
// setup to do by hand.
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
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/smsbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "smsbridge:", err)
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
	fs := flag.NewFlagSet("smsbridge", flag.ContinueOnError)
	fs.SetOutput(stdout)
	demo := fs.Bool("demo", false, "play a conversation on in-process fakes and exit")
	replicas := fs.Int("replicas", 1, "with -demo: how many bridges share one store behind a round-robin balancer")
	provision := fs.Bool("provision", false, "set up the Zendesk side first and print the Braze setup")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *replicas < 1 || *replicas > 16 {
		return &configError{[]string{fmt.Sprintf("-replicas %d: want 1 to 16", *replicas)}}
	}
	if *demo {
		return runDemo(ctx, stdout, *replicas)
	}
	cfg, err := loadConfig(os.Getenv, *provision)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, *provision, stdout)
}

// config is the real mode's configuration.
type config struct {
	zendeskOpts     []zendesk.Option
	zendeskSecrets  []string
	brazeOpts       []braze.Option
	replyCampaign   string
	closingCampaign string
	brazeSecrets    []string
	publicURL       string
	delivery        smsbridge.Delivery
	redisURL        string
	redisPrefix     string
	addr            string
}

// configError lists what is missing or wrong in the environment.
type configError struct{ problems []string }

func (e *configError) Error() string {
	return "the environment is not complete (or run with -demo):\n  " + strings.Join(e.problems, "\n  ")
}

// loadConfig reads the environment and says exactly what is missing.
func loadConfig(getenv func(string) string, provision bool) (*config, error) {
	var problems []string
	missing := func(name, why string) { problems = append(problems, "missing "+name+": "+why) }
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	cfg := &config{addr: env("ADDR")}
	if cfg.addr == "" {
		cfg.addr = ":8080"
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
		missing("ZENDESK_EMAIL and ZENDESK_API_TOKEN", "an admin's email and API token (or ZENDESK_OAUTH_TOKEN), to read tickets and add comments")
	}
	cfg.zendeskOpts = append(cfg.zendeskOpts, zendesk.WithMaxRetries(2), zendesk.WithRetryWaitMax(2*time.Second))
	cfg.zendeskSecrets = splitList(env("ZENDESK_WEBHOOK_SECRET"))
	if len(cfg.zendeskSecrets) == 0 && !provision {
		missing("ZENDESK_WEBHOOK_SECRET", "the Zendesk webhook's signing secret, to check its calls (or run with -provision, which reads it)")
	}

	switch inst, rest := env("BRAZE_INSTANCE"), env("BRAZE_REST_URL"); {
	case rest != "":
		cfg.brazeOpts = append(cfg.brazeOpts, braze.WithBaseURL(rest))
	case inst != "":
		if _, ok := braze.InstanceURL(inst); !ok {
			problems = append(problems, fmt.Sprintf("BRAZE_INSTANCE %q is not one of %s", inst, strings.Join(braze.Instances(), ", ")))
		}
		cfg.brazeOpts = append(cfg.brazeOpts, braze.WithInstance(inst))
	default:
		missing("BRAZE_INSTANCE", "the Braze instance of the workspace, e.g. US-03 or EU-01 (or BRAZE_REST_URL)")
	}
	if key := env("BRAZE_API_KEY"); key == "" {
		missing("BRAZE_API_KEY", "a Braze REST key with campaigns.trigger.send, users.track and users.export.ids")
	} else {
		cfg.brazeOpts = append(cfg.brazeOpts, braze.WithAPIKey(key))
	}
	cfg.brazeOpts = append(cfg.brazeOpts, braze.WithMaxRetries(2), braze.WithRetryWaitMax(2*time.Second))
	if cfg.replyCampaign = env("BRAZE_REPLY_CAMPAIGN_ID"); cfg.replyCampaign == "" {
		missing("BRAZE_REPLY_CAMPAIGN_ID", "the API-triggered SMS campaign that carries agent replies")
	}
	cfg.closingCampaign = env("BRAZE_CLOSING_CAMPAIGN_ID")
	if cfg.brazeSecrets = splitList(env("BRIDGE_BRAZE_SECRET")); len(cfg.brazeSecrets) == 0 {
		missing("BRIDGE_BRAZE_SECRET", "the secret Braze's webhook campaigns send as \"Authorization: Bearer …\" (choose a long random string)")
	}
	cfg.publicURL = env("PUBLIC_URL")
	if provision && cfg.publicURL == "" {
		missing("PUBLIC_URL", "the https base URL where Zendesk and Braze reach this service, for -provision")
	} else if cfg.publicURL != "" {
		if u, err := url.Parse(cfg.publicURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			problems = append(problems, fmt.Sprintf("PUBLIC_URL %q is not an http(s) URL", cfg.publicURL))
		}
	}
	switch d := env("SMSBRIDGE_DELIVERY"); d {
	case "", "at-most-once":
		cfg.delivery = smsbridge.AtMostOnce
	case "at-least-once":
		cfg.delivery = smsbridge.AtLeastOnce
	default:
		problems = append(problems, fmt.Sprintf("SMSBRIDGE_DELIVERY %q: want at-most-once or at-least-once", d))
	}
	cfg.redisURL, cfg.redisPrefix = env("REDIS_URL"), redisPrefix(getenv)
	if strings.ContainsAny(cfg.redisPrefix, "{}") {
		problems = append(problems, fmt.Sprintf("SMSBRIDGE_REDIS_PREFIX %q holds a brace, which Redis Cluster would read as a hash tag: use one without", cfg.redisPrefix))
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
	h, closeStore, err := newServer(ctx, cfg, provision, stdout)
	if err != nil {
		return err
	}
	defer closeStore()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "serving %s and %s on http://%s (%s)\n", smsbridge.AgentReplyPath, smsbridge.InboundSMSPath, ln.Addr(), cfg.delivery)
	return serveUntilDone(ctx, newHTTPServer(h, defaultTimeouts), ln)
}

// newServer builds the real mode's handler, provisioning Zendesk first
// when asked; the function it returns lets the store go.
func newServer(ctx context.Context, cfg *config, provision bool, stdout io.Writer) (http.Handler, func(), error) {
	logger := slog.New(slog.NewTextHandler(stdout, nil))
	zc, err := zendesk.NewClient(append(cfg.zendeskOpts, zendesk.WithLogger(logger))...)
	if err != nil {
		return nil, nil, &configError{[]string{"Zendesk: " + err.Error()}}
	}
	bc, err := braze.NewClient(cfg.brazeOpts...)
	if err != nil {
		return nil, nil, &configError{[]string{"Braze: " + err.Error()}}
	}
	if provision {
		rep, err := smsbridge.Provision(ctx, smsbridge.ProvisionConfig{Zendesk: zc, BridgeURL: cfg.publicURL})
		fmt.Fprintf(stdout, "Zendesk setup:\n%s\n", rep)
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprint(stdout, smsbridge.BrazeSetup(smsbridge.ProvisionConfig{BridgeURL: cfg.publicURL}))
		// Accept the provisioned webhook's secret besides the configured
		// ones: Provision may have just created the webhook, whose new
		// secret ZENDESK_WEBHOOK_SECRET cannot hold yet.
		secret, err := smsbridge.SigningSecret(ctx, zc, rep)
		if err != nil {
			return nil, nil, err
		}
		if secret != "" && !slices.Contains(cfg.zendeskSecrets, secret) {
			cfg.zendeskSecrets = append(cfg.zendeskSecrets, secret)
		}
	}
	st, err := openStore(ctx, cfg.redisURL, cfg.redisPrefix, false)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(stdout, "state: %s\n", st.what)
	f, err := smsbridge.New(smsbridge.Config{
		Zendesk: zc, Braze: bc,
		ReplyCampaignID: cfg.replyCampaign, ClosingCampaignID: cfg.closingCampaign,
		ZendeskSecrets: cfg.zendeskSecrets,
		BrazeAuth:      webhook.SharedSecretVerifier{Secrets: cfg.brazeSecrets},
		Delivery:       cfg.delivery,
		Store:          st.Store,
		Logger:         logger,
	})
	if err != nil {
		st.close()
		return nil, nil, err
	}
	// What is misconfigured on either side stops the program; a side that
	// cannot be read now is only said (/readyz will tell when it is back).
	if err := f.Check(ctx); err != nil {
		if problems := flow.Problems(err); len(problems) > 0 {
			st.close()
			return nil, nil, fmt.Errorf("the configuration does not fit the accounts:\n%w", err)
		}
		fmt.Fprintf(stdout, "check: %v\n", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", f.Handler())
	serveHealth(mux, publicChecks(logger, readinessChecks(st, zc, bc)...)...)
	return mux, st.close, nil
}

// readinessChecks are what /readyz checks: the store, and the cheapest
// authenticated call to each vendor (Zendesk's own user; a Braze export of
// a user that does not exist, which needs the key's users.export.ids).
func readinessChecks(st *sharedStore, zc *zendesk.Client, bc *braze.Client) []readinessCheck {
	return []readinessCheck{
		{"store", st.ping},
		{"zendesk", func(ctx context.Context) error { _, err := zc.Users.Me(ctx); return err }},
		{"braze", func(ctx context.Context) error {
			_, err := bc.Users.ExportIDs(ctx, &braze.ExportIDsRequest{ExternalIDs: []string{"smsbridge-readyz"}, FieldsToExport: []string{"external_id"}})
			return err
		}},
	}
}
