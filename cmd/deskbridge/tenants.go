package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// env is what a run builds from a Config: one client per tenant (shared by
// every flow that names it, so that they share its rate-limit budget),
// the secrets read, the loggers and the metrics.
type env struct {
	cfg     *Config
	secrets *resolver
	// log is the program's logger; clientLog counts each vendor request
	// in metrics before passing it on to log.
	log       *slog.Logger
	clientLog *slog.Logger
	http      *http.Client
	metrics   *metrics
	// readyTTL is how long /readyz reuses a vendor check's answer
	// (vendorReadyTTL; the demo world reads a vendor going down at once).
	readyTTL time.Duration
	// term is stderr on a terminal, where progress draws its line; nil
	// off a terminal, where progress logs a count every progressEvery
	// (progressLogEvery when 0).
	term          *termLine
	progressEvery time.Duration

	zendesk       map[string]*zendesk.Client
	babelforce    map[string]*babelforce.Client
	braze         map[string]*braze.Client
	cxone         map[string]*cxone.Client
	brightpattern map[string]*brightpattern.Client
	dydu          map[string]*dydu.Client
	conversations map[string]*conversations.Client
	// creds keeps a Zendesk tenant's Authorization value for flows that
	// store it on the other side (statussync's babelforce vault).
	zendeskAuth map[string]string
	// zendeskCreds keeps each Zendesk tenant's credential, for flows that
	// build their own clients (Bright Pattern's integration accounts).
	zendeskCreds map[string]zendeskCred
}

// zendeskCred is a Zendesk tenant's credential, read.
type zendeskCred struct {
	email, token, oauth string
}

func newEnv(cfg *Config, getenv func(string) string, log *slog.Logger, m *metrics) *env {
	dir := ""
	if cfg.file != "" {
		dir = filepath.Dir(cfg.file)
	}
	e := &env{
		cfg: cfg, secrets: &resolver{getenv: getenv, dir: dir, file: cfg.file, pos: cfg.pos}, log: log, metrics: m,
		clientLog:     slog.New(m.logHandler(log.Handler())),
		http:          &http.Client{},
		readyTTL:      vendorReadyTTL,
		zendesk:       map[string]*zendesk.Client{},
		babelforce:    map[string]*babelforce.Client{},
		braze:         map[string]*braze.Client{},
		cxone:         map[string]*cxone.Client{},
		brightpattern: map[string]*brightpattern.Client{},
		dydu:          map[string]*dydu.Client{},
		conversations: map[string]*conversations.Client{},
		zendeskAuth:   map[string]string{},
		zendeskCreds:  map[string]zendeskCred{},
	}
	return e
}

// buildClients makes a client for every tenant a flow uses; the error
// lists every secret that could not be read and every client refused.
func (e *env) buildClients() error {
	used := map[string]bool{}
	for _, f := range e.cfg.flows {
		for _, ref := range f.spec.tenants() {
			used[ref.kind+"/"+ref.name] = true
		}
	}
	var errs []string
	fail := func(kind, name string, err error) {
		if err != nil {
			errs = append(errs, fmt.Sprintf("tenants.%s.%s: %v", kind, name, err))
		}
	}
	r := e.secrets
	t := e.cfg.Tenants
	buildAll(used, "zendesk", t.Zendesk, e.zendesk, fail, func(name, p string, z *ZendeskTenant) (*zendesk.Client, error) {
		opts := []zendesk.Option{zendesk.WithLogger(e.clientLog), zendesk.WithHTTPClient(e.http)}
		if z.BaseURL != "" {
			opts = append(opts, zendesk.WithBaseURL(z.BaseURL))
		} else {
			opts = append(opts, zendesk.WithSubdomain(z.Subdomain))
		}
		if z.OAuthToken != "" {
			tok := r.get(p+".oauth_token", z.OAuthToken)
			opts = append(opts, zendesk.WithOAuthToken(tok))
			e.zendeskAuth[name] = statussync.BearerCredential(tok)
			e.zendeskCreds[name] = zendeskCred{oauth: tok}
		} else {
			tok := r.get(p+".api_token", z.APIToken)
			opts = append(opts, zendesk.WithAPIToken(z.Email, tok))
			e.zendeskAuth[name] = statussync.BasicCredential(z.Email, tok)
			e.zendeskCreds[name] = zendeskCred{email: z.Email, token: tok}
		}
		return zendesk.NewClient(opts...)
	})
	buildAll(used, "babelforce", t.Babelforce, e.babelforce, fail, func(_, p string, b *BabelforceTenant) (*babelforce.Client, error) {
		opts := []babelforce.Option{babelforce.WithLogger(e.clientLog), babelforce.WithHTTPClient(e.http)}
		if b.BaseURL != "" {
			opts = append(opts, babelforce.WithBaseURL(b.BaseURL))
		} else {
			opts = append(opts, babelforce.WithEnvironment(b.Environment))
		}
		if b.AccessToken != "" {
			opts = append(opts, babelforce.WithAccessToken(r.get(p+".access_token", b.AccessToken)))
		} else {
			opts = append(opts, babelforce.WithPassword(b.Username, r.get(p+".password", b.Password), babelforce.WithNonExpiringToken()))
		}
		return babelforce.NewClient(opts...)
	})
	buildAll(used, "braze", t.Braze, e.braze, fail, func(_, p string, b *BrazeTenant) (*braze.Client, error) {
		opts := []braze.Option{braze.WithLogger(e.clientLog), braze.WithHTTPClient(e.http), braze.WithAPIKey(r.get(p+".api_key", b.APIKey))}
		if b.BaseURL != "" {
			opts = append(opts, braze.WithBaseURL(b.BaseURL))
		} else {
			opts = append(opts, braze.WithInstance(b.Instance))
		}
		return braze.NewClient(opts...)
	})
	buildAll(used, "cxone", t.CXone, e.cxone, fail, func(_, p string, x *CXoneTenant) (*cxone.Client, error) {
		opts := []cxone.Option{cxone.WithLogger(e.clientLog), cxone.WithHTTPClient(e.http),
			cxone.WithAccessKey(x.AccessKeyID, r.get(p+".access_key_secret", x.AccessKeySecret), x.ClientID, r.get(p+".client_secret", x.ClientSecret))}
		if x.BaseURL != "" {
			opts = append(opts, cxone.WithBaseURL(x.BaseURL))
		}
		if x.TenantID != "" {
			opts = append(opts, cxone.WithTenant(x.TenantID))
		}
		return cxone.NewClient(opts...)
	})
	buildAll(used, "brightpattern", t.BrightPattern, e.brightpattern, fail, func(_, p string, b *BrightPatternTenant) (*brightpattern.Client, error) {
		opts := []brightpattern.Option{brightpattern.WithLogger(e.clientLog), brightpattern.WithHTTPClient(e.http),
			brightpattern.WithClientCredentials(b.LoginID, r.get(p+".api_secret", b.APISecret))}
		if b.TenantURL != "" {
			opts = append(opts, brightpattern.WithTenantURL(b.TenantURL))
		}
		if b.BaseURL != "" {
			opts = append(opts, brightpattern.WithBaseURL(b.BaseURL))
		}
		return brightpattern.NewClient(opts...)
	})
	buildAll(used, "dydu", t.Dydu, e.dydu, fail, func(_, p string, d *DyduTenant) (*dydu.Client, error) {
		opts := []dydu.Option{dydu.WithLogger(e.clientLog), dydu.WithHTTPClient(e.http), dydu.WithBotID(d.BotID)}
		if d.BaseURL != "" {
			opts = append(opts, dydu.WithBaseURL(d.BaseURL))
		} else {
			opts = append(opts, dydu.WithServers(d.Servers...))
		}
		if d.Language != "" {
			opts = append(opts, dydu.WithLanguage(d.Language))
		}
		if d.Space != "" {
			opts = append(opts, dydu.WithSpace(d.Space))
		}
		if d.AdminLogin != "" {
			opts = append(opts, dydu.WithAdminCredentials(d.AdminLogin, r.get(p+".admin_password", d.AdminPassword)))
		}
		return dydu.NewClient(opts...)
	})
	buildAll(used, "conversations", t.Conversations, e.conversations, fail, func(_, p string, x *ConversationsTenant) (*conversations.Client, error) {
		secret := r.get(p+".key_secret", x.KeySecret)
		opts := []conversations.Option{conversations.WithLogger(e.clientLog), conversations.WithHTTPClient(e.http), conversations.WithAppID(x.AppID)}
		switch {
		case x.BaseURL != "":
			opts = append(opts, conversations.WithBaseURL(x.BaseURL))
		case x.Subdomain != "":
			opts = append(opts, conversations.WithSubdomain(x.Subdomain))
		default:
			opts = append(opts, conversations.WithRegion(x.Region))
		}
		if x.JWT {
			opts = append(opts, conversations.WithJWT(x.KeyID, secret))
		} else {
			opts = append(opts, conversations.WithKey(x.KeyID, secret))
		}
		return conversations.NewClient(opts...)
	})
	if err := r.err(); err != nil {
		return err
	}
	if len(errs) > 0 {
		return fmt.Errorf("clients that could not be built:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

// buildAll builds, with mk, the client of every tenant of kind that a flow
// uses, into out; fail notes a client refused.
func buildAll[T, C any](used map[string]bool, kind string, tenants map[string]*T, out map[string]C, fail func(kind, name string, err error),
	mk func(name, path string, t *T) (C, error)) {
	for _, name := range keys(tenants) {
		if !used[kind+"/"+name] {
			continue
		}
		c, err := mk(name, "tenants."+kind+"."+name, tenants[name])
		fail(kind, name, err)
		out[name] = c
	}
}

// tenantRef is a flow's reference to a tenant.
type tenantRef struct {
	kind, name, path string
}

// tenantNames lists the tenants of kind, for messages.
func (c *Config) tenantNames(kind string) []string {
	var names []string
	t := c.Tenants
	switch kind {
	case "zendesk":
		names = keys(t.Zendesk)
	case "babelforce":
		names = keys(t.Babelforce)
	case "braze":
		names = keys(t.Braze)
	case "cxone":
		names = keys(t.CXone)
	case "brightpattern":
		names = keys(t.BrightPattern)
	case "dydu":
		names = keys(t.Dydu)
	case "conversations":
		names = keys(t.Conversations)
	}
	return names
}

// checkRef reports a flow's reference to a tenant that is missing.
func (c *Config) checkRef(ps *problems, ref tenantRef) {
	names := c.tenantNames(ref.kind)
	if ref.name == "" {
		fix := fmt.Sprintf("%s: the name of a tenant under tenants.%s", ref.kind, ref.kind)
		if len(names) > 0 {
			fix = fmt.Sprintf("%s: %s", ref.kind, names[0])
		}
		ps.add(ref.path, "names no "+ref.kind+" tenant", fix)
		return
	}
	for _, n := range names {
		if n == ref.name {
			return
		}
	}
	fix := fmt.Sprintf("add it under tenants.%s", ref.kind)
	if len(names) > 0 {
		fix = "one of: " + strings.Join(names, ", ") + ", or " + fix
	}
	ps.add(ref.path, fmt.Sprintf("%q is not a %s tenant", ref.name, ref.kind), fix)
}
