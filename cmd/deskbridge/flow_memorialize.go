package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/deskbridge/deskbridge/cxone/memorialize"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
)

// memorializeSpec is the file's part for cxone/memorialize: CXone
// interaction data written into Zendesk tickets and users.
type memorializeSpec struct {
	flowCommon `yaml:",inline"`
	CXone      string `yaml:"cxone"`
	Zendesk    string `yaml:"zendesk"`
	// StudioSecrets are the bearer secrets the Studio script's REST call
	// sends to PATH/…; empty: the poll alone memorializes.
	StudioSecrets []Secret `yaml:"studio_secrets"`
	// Mapping is, per record type (ticket, user), the pairs written.
	Mapping map[string][]memorializePair `yaml:"mapping"`
	// Dynamic is, per record type, the fields a lookup returns.
	Dynamic   map[string][]memorializeField `yaml:"dynamic"`
	Workflows struct {
		TicketVariable string `yaml:"ticket_variable"`
		UserVariable   string `yaml:"user_variable"`
		SearchANI      bool   `yaml:"search_ani"`
		CreateTicket   bool   `yaml:"create_ticket"`
		CreateUser     bool   `yaml:"create_user"`
		TicketSubject  string `yaml:"ticket_subject"`
	} `yaml:"workflows"`
	PollInterval time.Duration `yaml:"poll_interval"`
	Lookback     time.Duration `yaml:"lookback"`
	RetryAfter   time.Duration `yaml:"retry_after"`
	SystemUser   string        `yaml:"system_user"`
	// Settle is how far behind each poll the cursor stays, so a contact
	// CXone lists late is still written; default
	// memorialize.DefaultSettle (5m).
	Settle time.Duration `yaml:"settle"`
	// MaxAttempts gives a contact up after that many failed attempts;
	// 0 (the default): retried until written.
	MaxAttempts int `yaml:"max_attempts"`
}

// memorializeField names a Zendesk field: standard, id (ticket), title
// (ticket) or key (user).
type memorializeField struct {
	Standard  string `yaml:"standard"`
	ID        int64  `yaml:"id"`
	Title     string `yaml:"title"`
	Key       string `yaml:"key"`
	Type      string `yaml:"type"`
	MaxLength int    `yaml:"max_length"`
}

// memorializePair is one row of CXone's data memorialization screen.
type memorializePair struct {
	memorializeField `yaml:",inline"`
	// Channel is voice, digital or script_variable.
	Channel string `yaml:"channel"`
	Data    string `yaml:"data"`
}

func (f memorializeField) zendesk() memorialize.ZendeskField {
	return memorialize.ZendeskField{Standard: f.Standard, ID: f.ID, Title: f.Title, Key: f.Key, Type: f.Type, MaxLength: f.MaxLength}
}

func (s *memorializeSpec) tenants() []tenantRef {
	return []tenantRef{{"cxone", s.CXone, ""}, {"zendesk", s.Zendesk, ""}}
}

func (s *memorializeSpec) validate(c *Config, path string, ps *problems) {
	c.checkRef(ps, tenantRef{"cxone", s.CXone, path + ".cxone"})
	c.checkRef(ps, tenantRef{"zendesk", s.Zendesk, path + ".zendesk"})
	for i, sec := range s.StudioSecrets {
		checkSecret(ps, fmt.Sprintf("%s.studio_secrets[%d]", path, i), sec)
	}
	if len(s.Mapping) == 0 {
		ps.add(path, "has no mapping", `mapping: {ticket: [{title: "CXone ANI", channel: voice, data: ANI}]}`)
	}
	for rt, pairs := range s.Mapping {
		if rt != "ticket" && rt != "user" {
			ps.add(path+".mapping."+rt, fmt.Sprintf("%q is not a record type the flow writes", rt), "ticket or user")
		}
		for i, p := range pairs {
			switch p.Channel {
			case "voice", "digital", "script_variable":
			default:
				ps.add(fmt.Sprintf("%s.mapping.%s[%d].channel", path, rt, i), fmt.Sprintf("%q is not a channel", p.Channel), "voice, digital or script_variable")
			}
		}
	}
	for rt := range s.Dynamic {
		if rt != "ticket" && rt != "user" {
			ps.add(path+".dynamic."+rt, fmt.Sprintf("%q is not a record type the flow looks up", rt), "ticket or user")
		}
	}
	checkDuration(ps, path+".poll_interval", s.PollInterval)
	checkDuration(ps, path+".lookback", s.Lookback)
	checkDuration(ps, path+".retry_after", s.RetryAfter)
	checkDuration(ps, path+".settle", s.Settle)
	if s.MaxAttempts < 0 {
		ps.add(path+".max_attempts", "is negative", "a count of attempts, or leave it out (0) to retry until written")
	}
}

type memorializeRunner struct {
	s          *memorializeSpec
	e          *env
	name, base string
	secrets    []string
}

func (s *memorializeSpec) runner(e *env, name, base string) (flowRunner, error) {
	r := &memorializeRunner{s: s, e: e, name: name, base: base}
	r.secrets = secretList(e, "flows."+name+".studio_secrets", s.StudioSecrets)
	return r, e.secrets.err()
}

func (r *memorializeRunner) mappings() (memorialize.Mapping, memorialize.DynamicData) {
	m := memorialize.Mapping{}
	for rt, pairs := range r.s.Mapping {
		for _, p := range pairs {
			ch := memorialize.Channel(p.Channel)
			if p.Channel == "script_variable" {
				ch = memorialize.ScriptVariable
			}
			m[memorialize.RecordType(rt)] = append(m[memorialize.RecordType(rt)], memorialize.Pair{Zendesk: p.zendesk(), Channel: ch, Data: p.Data})
		}
	}
	var d memorialize.DynamicData
	if len(r.s.Dynamic) > 0 {
		d = memorialize.DynamicData{}
		for rt, fields := range r.s.Dynamic {
			for _, f := range fields {
				d[memorialize.RecordType(rt)] = append(d[memorialize.RecordType(rt)], f.zendesk())
			}
		}
	}
	return m, d
}

func (r *memorializeRunner) provision(ctx context.Context, dryRun, force bool) (flow.Report, error) {
	m, d := r.mappings()
	return memorialize.Provision(ctx, memorialize.ProvisionConfig{Zendesk: r.e.zendesk[r.s.Zendesk], Mapping: m, Dynamic: d, DryRun: dryRun, Force: force})
}

func (r *memorializeRunner) notes() string {
	return memorializeNotes(r.base, r.s.Path, r.name, len(r.secrets))
}

func (r *memorializeRunner) start(ctx context.Context, st store.Store, onResult func(flow.Outcome)) (*running, error) {
	m, d := r.mappings()
	w := r.s.Workflows
	zc := r.e.zendesk[r.s.Zendesk]
	f, err := memorialize.New(memorialize.Config{
		CXone: r.e.cxone[r.s.CXone], Zendesk: zc, Mapping: m, Dynamic: d,
		Workflows: memorialize.Workflows{TicketVariable: w.TicketVariable, UserVariable: w.UserVariable, SearchANI: w.SearchANI,
			CreateTicket: w.CreateTicket, CreateUser: w.CreateUser, TicketSubject: w.TicketSubject},
		StudioAuth: webhook.SharedSecretVerifier{Secrets: r.secrets}, Store: st, PollInterval: r.s.PollInterval, Lookback: r.s.Lookback,
		RetryAfter: r.s.RetryAfter, Settle: r.s.Settle, MaxAttempts: r.s.MaxAttempts, SystemUser: r.s.SystemUser, Logger: r.e.log.With("flow", r.name),
		OnResult: func(res memorialize.Result) { onResult(res.Outcome) },
	})
	if err != nil {
		return nil, err
	}
	every := cmp.Or(r.s.PollInterval, memorialize.DefaultPollInterval)
	log := r.e.log.With("flow", r.name)
	backfill := func() func() {
		return r.e.progress(r.name+" backfill (the first poll, over the lookback window)", "flow", r.name, "step", "backfill")
	}
	poll := func(ctx context.Context) error { return pollMemorialize(ctx, f, every, log, backfill) }
	return &running{handler: f.Handler(), check: f.Check, background: []func(context.Context) error{poll},
		ready: []readinessCheck{zendeskReady(r.s.Zendesk, zc), cxoneReady(r.s.CXone, r.e.cxone[r.s.CXone])},
		checked: []string{
			"zendesk " + r.s.Zendesk + ": the credential (a system user's), and every field the mapping names",
			"cxone " + r.s.CXone + ": the credential, and the Reporting API (one completed contact read)",
		}}, nil
}

// pollMemorialize is memorialize's Flow.Run with a count in the logs: it
// polls at once and then every interval until ctx ends, and logs what each
// pass saw and did. The first pass reads the whole lookback window (the
// backfill, possibly many pages) and is logged at Info whatever it found;
// a later pass is logged at Info when it listed contacts, else at Debug.
// The backfill shows progress while it runs (see env.progress).
func pollMemorialize(ctx context.Context, f *memorialize.Flow, every time.Duration, log *slog.Logger, backfill func() (stop func())) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for pass := 1; ; pass++ {
		start := time.Now()
		stop := func() {}
		if pass == 1 {
			stop = backfill()
		}
		st, err := f.Poll(ctx)
		stop()
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("memorialize: poll failed; the next one starts where it stopped", "pass", pass, "error", err.Error())
		case err == nil && !st.Skipped:
			level := slog.LevelDebug
			if pass == 1 || st.Contacts > 0 {
				level = slog.LevelInfo
			}
			attrs := []any{"pass", pass, "backfill", pass == 1, "pages", st.Pages, "contacts", st.Contacts,
				"written", st.Outcomes[flow.Applied]}
			for _, o := range flow.Outcomes() {
				if n := st.Outcomes[o]; n > 0 && o != flow.Applied {
					attrs = append(attrs, string(o), n)
				}
			}
			attrs = append(attrs, "held", st.Held, "cursor", st.Cursor, "elapsed", time.Since(start).Round(time.Millisecond).String())
			log.Log(ctx, level, "memorialize poll", attrs...)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
