// Command dydu runs the Dydu → Zendesk live-agent escalation (package
// dydu/escalation): a user talks to a Dydu bot through this bridge; when
// the bot escalates, a Zendesk agent takes the same chat in the agent
// workspace, in the group of the skill; when the agent solves the ticket,
// the bot answers again.
//
// Try it with no account and no network:
//
//	go run ./examples/dydu -demo
//
// starts a fake Dydu bot (the test bot of Dydu's guide to its Zendesk
// livechat connector, https://docs-en.dydu.ai/livechat/zendesk-livechat-connector,
// with the "Animal" escalation), a fake Sunshine Conversations app with the
// agent workspace and a fake Zendesk in-process, provisions them, and plays
// the guide's test through real HTTP: the user asks the bot something it answers, then what
// triggers the "Animal" knowledge; the ticket opens in the Animal group
// with the bot transcript; the agent answers with text (its webhook
// delivery answered 503 once, and retried) and an image (its delivery
// arriving twice); the user replies; the agent solves; the bot takes over
// again. It prints a table (time on one clock that every fake and the
// bridge read, moved on by the script, who, where, what, the agent's
// solve included) and exits 0 only if the user's chat and the Zendesk
// conversation agree, the ticket is in the Animal group, and the injected
// faults hit the deliveries meant.
//
//	go run ./examples/dydu -demo -replicas 2
//
// plays it through two bridges behind a round-robin balancer sharing one
// store: Redis when REDIS_URL is set (keys under a prefix of the run
// alone, deskbridge:escalation-demo:<random>:, never under
// ESCALATION_REDIS_PREFIX), else one store.Memory.
//
// Without -demo it serves the bridge for real accounts, configured by
// environment variables (it lists the missing ones):
//
//	DYDU_BOT_ID             the bot's UUID (BMS › Preferences › Api › API access)
//	DYDU_SERVERS            the bot's servers, comma-separated (https://app1.dydu-priv.com,…)
//	ZENDESK_SUBDOMAIN       the account: https://{subdomain}.zendesk.com
//	ZENDESK_EMAIL, ZENDESK_API_TOKEN
//	                        the Zendesk API email and token (API token access on)
//	SUNCO_APP_ID, SUNCO_KEY_ID, SUNCO_KEY_SECRET
//	                        the Conversations app and an app-scoped API key
//	SUNCO_WEBHOOK_SECRET    the integration webhook's secret (X-API-Key);
//	                        not needed with -provision, which reads it
//	ESCALATION_SKILLS       optional: knowledgeId=skill pairs, comma-separated (4001=Animal);
//	                        with DYDU_WEBHOOK_URL, skill names alone will do
//	ESCALATION_SENDER_ID    optional: the identity mapping's variable (mail)
//	ESCALATION_NAME_VARIABLE
//	                        optional: the variable holding the user's name
//	                        (name), shown to the agent as the requester
//	ESCALATION_CHAT_KEY     the key (32 bytes or more) your site's server signs
//	                        chat ids and the signed-in user with
//	                        (escalation.ChatSigner's token: base64url(identity
//	                        JSON) "." base64url(HMAC-SHA256(key, chat id "\n"
//	                        identity JSON))), shared by your site's server and
//	                        the bridge alone: the bridge trusts only the
//	                        identity the token carries, never the variables
//	                        the browser posts. The page sends the token as
//	                        Authorization: Bearer,
//	                        or ?token= for an EventSource. Optional, but without
//	                        it the chats are open to whoever knows their id and
//	                        the tickets' requesters anonymous
//	PUBLIC_URL              the https base URL of this service; needed with -provision
//	                        (unless DYDU_WEBHOOK_URL is set)
//	DYDU_WEBHOOK_URL        optional, with -provision only: the webhook URL
//	                        Dydu's BMS shows for its own connector ("URL du
//	                        Webhook à fournir à Zendesk"); see below
//	REDIS_URL               optional: the Redis every replica shares
//	                        (redis://[user:password@]host:port[/db]);
//	                        without it the bridge keeps its state in
//	                        memory and must run as a single replica
//	ESCALATION_REDIS_PREFIX optional: the prefix of the bridge's Redis keys
//	                        (default deskbridge:escalation:), one per
//	                        tenant sharing a Redis
//	ADDR                    optional: listen address (default :8080)
//
// It serves POST /sunshine/webhook, the user's channel under /chats/,
// GET /healthz and GET /readyz (the store, Dydu, Zendesk and Sunshine
// Conversations reachable). With -provision it first sets up the Zendesk
// side (integration, switchboard, the skills' groups) and prints the
// report with the four blocks of Dydu's BMS form.
//
// To use Dydu's own (closed) Zendesk connector instead of this bridge,
// set DYDU_WEBHOOK_URL and run
//
//	go run ./examples/dydu -provision
//
// It sets up the Zendesk side as Dydu's guide has an admin do by hand: the
// Conversations integration whose webhook calls DYDU_WEBHOOK_URL with
// conversation:message only (full user and source included), an
// app-scoped Conversations API key (the client's own when SUNCO_KEY_ID is
// one; made, and its secret shown this once, when it is an account key),
// a check that the Zendesk API email and token work, and a Zendesk group
// for each skill of ESCALATION_SKILLS (skill names alone will do here:
// Animal,Chat). It prints the report ending with the four blocks to copy
// into the BMS (Preferences › Livechat settings › External connector),
// and exits: nothing is served, and the switchboard is left to Dydu's
// connector. Only ZENDESK_SUBDOMAIN, ZENDESK_EMAIL, ZENDESK_API_TOKEN,
// SUNCO_APP_ID, SUNCO_KEY_ID and SUNCO_KEY_SECRET are needed (with the
// optional ESCALATION_SKILLS and ESCALATION_SENDER_ID); PUBLIC_URL must
// be unset. Run it again: it changes nothing that is as wanted.
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
	"strconv"
	"strings"
	"syscall"

	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/dydu/escalation"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "dydu:", err)
		var ce *configError
		if errors.As(err, &ce) || errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run is the whole program.
func run(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("dydu", flag.ContinueOnError)
	fs.SetOutput(stdout)
	demo := fs.Bool("demo", false, "play an escalation (Dydu's guide's Animal skill) on in-process fakes and exit")
	replicas := fs.Int("replicas", 1, "with -demo: how many bridges share one store behind a round-robin balancer")
	provision := fs.Bool("provision", false, "set up the Zendesk side first and print the BMS form; with DYDU_WEBHOOK_URL set, "+
		"set it up for Dydu's own connector (its webhook to Dydu, no bridge), print the form and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *replicas < 1 || *replicas > 8 {
		return &configError{[]string{fmt.Sprintf("-replicas %d: want 1 to 8", *replicas)}}
	}
	if *demo {
		return runDemo(ctx, stdout, *replicas, strings.TrimSpace(getenv("REDIS_URL")), demoPrefix())
	}
	cfg, err := loadConfig(getenv, *provision)
	if err != nil {
		return err
	}
	return start(ctx, cfg, *provision, stdout)
}

// start runs what cfg and -provision ask for: with DYDU_WEBHOOK_URL, the
// Zendesk side of Dydu's own connector, provisioned and reported, and no
// bridge; else the bridge.
func start(ctx context.Context, cfg *config, provision bool, stdout io.Writer) error {
	if cfg.dyduWebhookURL != "" {
		return provisionDyduConnector(ctx, cfg, stdout)
	}
	return serve(ctx, cfg, provision, stdout)
}

// config is the real mode's configuration.
type config struct {
	dyduOpts       []dydu.Option
	zendeskOpts    []zendesk.Option
	suncoOpts      []conversations.Option
	webhookSecrets []string
	skills         map[int64]string
	groups         []string // the skills whose Zendesk groups -provision makes, sorted
	senderID       string
	nameVariable   string
	chatKey        []byte
	publicURL      string
	dyduWebhookURL string // -provision sets up Dydu's own connector, not the bridge
	subdomain      string
	zendeskEmail   string
	redisURL       string
	redisPrefix    string
	addr           string
}

// configError lists what is missing or wrong in the environment.
type configError struct{ problems []string }

func (e *configError) Error() string {
	return "the environment is not complete (or run with -demo):\n  " + strings.Join(e.problems, "\n  ")
}

// loadConfig reads the environment and says exactly what is missing: with
// -provision and DYDU_WEBHOOK_URL (Dydu's own connector, no bridge), only
// the Zendesk and Conversations accounts are needed.
func loadConfig(getenv func(string) string, provision bool) (*config, error) {
	var problems []string
	missing := func(name, why string) { problems = append(problems, "missing "+name+": "+why) }
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	// pair reads two variables that work only together and names exactly
	// the unset one(s).
	pair := func(a, b, whyA, whyB, whyBoth string) (string, string, bool) {
		va, vb := env(a), env(b)
		switch {
		case va != "" && vb != "":
			return va, vb, true
		case va != "":
			missing(b, whyB)
		case vb != "":
			missing(a, whyA)
		default:
			missing(a+" and "+b, whyBoth)
		}
		return "", "", false
	}
	cfg := &config{addr: env("ADDR"), redisURL: env("REDIS_URL"), redisPrefix: redisPrefix(getenv), senderID: env("ESCALATION_SENDER_ID"),
		nameVariable: env("ESCALATION_NAME_VARIABLE"), skills: map[int64]string{}, publicURL: env("PUBLIC_URL"), dyduWebhookURL: env("DYDU_WEBHOOK_URL")}
	connector := cfg.dyduWebhookURL != ""
	switch {
	case connector && !provision:
		problems = append(problems, "DYDU_WEBHOOK_URL is set without -provision: it sets up the Zendesk side of Dydu's own connector "+
			"and serves nothing; run with -provision, or unset it to serve deskbridge's bridge")
	case connector && cfg.publicURL != "":
		problems = append(problems, "PUBLIC_URL and DYDU_WEBHOOK_URL are both set: -provision points the integration's webhook "+
			"at deskbridge's bridge (PUBLIC_URL) or at Dydu's own connector (DYDU_WEBHOOK_URL); unset one")
	}
	if connector {
		if u, err := url.Parse(cfg.dyduWebhookURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			problems = append(problems, fmt.Sprintf("DYDU_WEBHOOK_URL %q is not an http(s) URL: copy the webhook URL Dydu's BMS shows "+
				"(Preferences › Livechat settings › External connector)", cfg.dyduWebhookURL))
		}
	}
	if strings.ContainsAny(cfg.redisPrefix, "{}") && !connector {
		problems = append(problems, fmt.Sprintf("ESCALATION_REDIS_PREFIX %q holds a brace, which Redis Cluster would read as a hash tag: use one without", cfg.redisPrefix))
	}
	if cfg.addr == "" {
		cfg.addr = ":8080"
	}
	if !connector { // Dydu's own connector talks to the bot itself
		if id := env("DYDU_BOT_ID"); id == "" {
			missing("DYDU_BOT_ID", "the bot's UUID (BMS › Preferences › Api › API access)")
		} else {
			cfg.dyduOpts = append(cfg.dyduOpts, dydu.WithBotID(id))
		}
		if servers := splitList(env("DYDU_SERVERS")); len(servers) == 0 {
			missing("DYDU_SERVERS", "the bot's servers, comma-separated, as in the chatbox's bot.json")
		} else {
			cfg.dyduOpts = append(cfg.dyduOpts, dydu.WithServers(servers...))
		}
	}
	if cfg.subdomain = env("ZENDESK_SUBDOMAIN"); cfg.subdomain == "" {
		missing("ZENDESK_SUBDOMAIN", "the Zendesk account, https://{subdomain}.zendesk.com")
	} else {
		cfg.zendeskOpts = append(cfg.zendeskOpts, zendesk.WithSubdomain(cfg.subdomain))
		cfg.suncoOpts = append(cfg.suncoOpts, conversations.WithSubdomain(cfg.subdomain))
	}
	if email, token, ok := pair("ZENDESK_EMAIL", "ZENDESK_API_TOKEN",
		"the email of the Zendesk user whose API token ZENDESK_API_TOKEN is",
		"the API token of ZENDESK_EMAIL (Admin Center › Apps and integrations › APIs › Zendesk API)",
		"the Zendesk API email and token (Admin Center › Apps and integrations › APIs › Zendesk API)"); ok {
		cfg.zendeskEmail = email
		cfg.zendeskOpts = append(cfg.zendeskOpts, zendesk.WithAPIToken(email, token))
	}
	if app := env("SUNCO_APP_ID"); app == "" {
		missing("SUNCO_APP_ID", "the Conversations app id (the integration's details page shows it)")
	} else {
		cfg.suncoOpts = append(cfg.suncoOpts, conversations.WithAppID(app))
	}
	if id, secret, ok := pair("SUNCO_KEY_ID", "SUNCO_KEY_SECRET",
		"the id (app_…) of the app-scoped key whose secret SUNCO_KEY_SECRET is",
		"the secret of the key SUNCO_KEY_ID (Admin Center shows it once, when the key is created)",
		"an app-scoped key (Admin Center › Apps and integrations › Conversations API › Create API key)"); ok {
		cfg.suncoOpts = append(cfg.suncoOpts, conversations.WithKey(id, secret))
	}
	if cfg.webhookSecrets = splitList(env("SUNCO_WEBHOOK_SECRET")); len(cfg.webhookSecrets) == 0 && !provision {
		missing("SUNCO_WEBHOOK_SECRET", "the integration webhook's secret (or run with -provision, which reads it)")
	}
	for _, entry := range splitList(env("ESCALATION_SKILLS")) {
		k, skill, ok := strings.Cut(entry, "=")
		if !ok && connector {
			// Dydu's connector maps knowledges to skills itself: a skill's
			// name is all its group needs.
			cfg.groups = append(cfg.groups, strings.TrimSpace(entry))
			continue
		}
		id, err := strconv.ParseInt(strings.TrimSpace(k), 10, 64)
		if !ok || err != nil || strings.TrimSpace(skill) == "" {
			problems = append(problems, fmt.Sprintf("ESCALATION_SKILLS: %q is not knowledgeId=skill", entry))
			continue
		}
		cfg.skills[id] = strings.TrimSpace(skill)
		cfg.groups = append(cfg.groups, strings.TrimSpace(skill))
	}
	slices.Sort(cfg.groups)
	cfg.groups = slices.Compact(cfg.groups)
	if k := getenv("ESCALATION_CHAT_KEY"); k != "" && !connector {
		if len(k) < escalation.MinChatKey {
			problems = append(problems, fmt.Sprintf("ESCALATION_CHAT_KEY has %d bytes: use %d or more, random (openssl rand -base64 32)", len(k), escalation.MinChatKey))
		}
		cfg.chatKey = []byte(k)
	}
	if provision && !connector && cfg.publicURL == "" {
		missing("PUBLIC_URL", "the https base URL where Sunshine Conversations reaches this service, for -provision "+
			"(or DYDU_WEBHOOK_URL, to set up Dydu's own connector instead)")
	} else if cfg.publicURL != "" && !connector {
		if u, err := url.Parse(cfg.publicURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			problems = append(problems, fmt.Sprintf("PUBLIC_URL %q is not an http(s) URL", cfg.publicURL))
		}
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
	dc, err := dydu.NewClient(append(cfg.dyduOpts, dydu.WithLogger(logger))...)
	if err != nil {
		return &configError{[]string{"Dydu: " + err.Error()}}
	}
	zc, cc, err := zendeskClients(cfg, logger)
	if err != nil {
		return err
	}
	if provision {
		rep, err := escalation.Provision(ctx, cfg.provisionConfig(zc, cc))
		fmt.Fprintf(stdout, "Zendesk setup:\n%s\n", rep)
		if err != nil {
			return err
		}
		secret, err := escalation.WebhookSecret(ctx, cc, rep)
		if err != nil {
			return err
		}
		if secret != "" {
			cfg.webhookSecrets = append(cfg.webhookSecrets, secret)
		}
	}
	st, err := openStore(cfg.redisURL, cfg.redisPrefix)
	if err != nil {
		return err
	}
	defer st.close()
	fmt.Fprintf(stdout, "state: %s\n", st.what)
	ec := escalation.Config{Dydu: dc, Conversations: cc, Zendesk: zc, WebhookSecrets: cfg.webhookSecrets,
		Skills: cfg.skills, SenderIDVariable: cfg.senderID, NameVariable: cfg.nameVariable, Store: st.Store, Logger: logger}
	if cfg.chatKey != nil {
		ec.Authorize = escalation.ChatSigner{Key: cfg.chatKey}.Authorize
	}
	f, err := escalation.New(ec)
	if err != nil {
		return err
	}
	if err := f.Check(ctx); err != nil {
		if len(flow.Problems(err)) > 0 {
			return fmt.Errorf("the configuration does not fit the accounts:\n%w", err)
		}
		fmt.Fprintf(stdout, "check: %v\n", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", f.Handler())
	serveHealth(mux, publicChecks(logger,
		readinessCheck{"store", st.ping},
		readinessCheck{"zendesk", func(ctx context.Context) error { _, err := zc.Users.Me(ctx); return err }},
		readinessCheck{"conversations", func(ctx context.Context) error { _, err := cc.Apps.Get(ctx); return err }},
		readinessCheck{"dydu", func(ctx context.Context) error { return dyduReady(ctx, dc) }},
	)...)
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "serving %s and the chats under %s on http://%s\n", escalation.WebhookPath, escalation.ChatsPath, ln.Addr())
	return serveUntilDone(ctx, newHTTPServer(mux, defaultTimeouts), ln)
}

// provisionDyduConnector sets up the Zendesk side of Dydu's own connector
// (DYDU_WEBHOOK_URL with -provision): the integration's webhook to Dydu
// with conversation:message only, the app-scoped key, the skills'
// groups; it prints the report, whose last item is the four blocks of
// Dydu's BMS form to copy, and returns without serving: Dydu's connector
// is the bridge.
func provisionDyduConnector(ctx context.Context, cfg *config, stdout io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stdout, nil))
	zc, cc, err := zendeskClients(cfg, logger)
	if err != nil {
		return err
	}
	rep, err := escalation.Provision(ctx, cfg.provisionConfig(zc, cc))
	fmt.Fprintf(stdout, "Zendesk setup for Dydu's own connector (webhook %s):\n%s\n", cfg.dyduWebhookURL, rep)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Copy the four blocks above into Dydu's BMS (Preferences › Livechat settings › External connector).")
	return nil
}

// zendeskClients builds the Zendesk and Sunshine Conversations clients of
// cfg.
func zendeskClients(cfg *config, logger *slog.Logger) (*zendesk.Client, *conversations.Client, error) {
	zc, err := zendesk.NewClient(append(cfg.zendeskOpts, zendesk.WithLogger(logger), zendesk.WithMaxRetries(2))...)
	if err != nil {
		return nil, nil, &configError{[]string{"Zendesk: " + err.Error()}}
	}
	cc, err := conversations.NewClient(append(cfg.suncoOpts, conversations.WithLogger(logger), conversations.WithMaxRetries(2))...)
	if err != nil {
		return nil, nil, &configError{[]string{"Sunshine Conversations: " + err.Error()}}
	}
	return zc, cc, nil
}

// provisionConfig is what -provision sets up: the integration's webhook
// to Dydu's own connector with DYDU_WEBHOOK_URL, else to the bridge at
// PUBLIC_URL.
func (cfg *config) provisionConfig(zc *zendesk.Client, cc *conversations.Client) escalation.ProvisionConfig {
	pc := escalation.ProvisionConfig{Conversations: cc, Zendesk: zc, Skills: cfg.groups, Domain: cfg.subdomain + ".zendesk.com",
		ZendeskEmail: cfg.zendeskEmail, SenderIDVariable: cfg.senderID}
	if cfg.dyduWebhookURL != "" {
		pc.DyduWebhookURL = cfg.dyduWebhookURL
	} else {
		pc.BridgeURL = cfg.publicURL
	}
	return pc
}

// dyduProbeContext is a well-formed context id no dialog has.
const dyduProbeContext = "00000000-0000-4000-8000-000000000000"

// dyduReady asks Dydu whether the bot answers without opening a dialog:
// chat/availablecontext on a context no dialog has, whose "gone" answer
// means the bot's server is there.
func dyduReady(ctx context.Context, dc *dydu.Client) error {
	if err := dc.CheckContext(ctx, dyduProbeContext); err != nil && !errors.Is(err, dydu.ErrContextExpired) {
		return err
	}
	return nil
}
