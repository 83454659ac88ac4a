package statussync_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestCheckBeforeAndAfterProvision(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutProvision())
	rep, err := e.flow.MappingInEffect(t.Context())
	ps := flow.Problems(err)
	if len(ps) != 3 {
		t.Fatalf("%d problems: %v", len(ps), err)
	}
	for i, state := range []string{"away", "transfers_only", "offline"} {
		p := ps[i]
		if p.Field != `Zendesk status "`+state+`"` || !strings.Contains(p.Problem, "has no babelforce presence") ||
			!strings.Contains(p.Fix, `create a red presence labelled "`+state+`"`) || !strings.Contains(p.Fix, "statussync.Provision") {
			t.Errorf("problem %d: %+v", i, p)
		}
	}
	if rep == nil || len(rep.ZendeskToBabelforce) != 4 || rep.ZendeskToBabelforce[1].Note != "missing" {
		t.Errorf("report %+v", rep)
	}
	if _, err := statussync.Provision(t.Context(), statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc, Endpoint: "https://example.com/zendesk"}); err != nil {
		t.Fatal(err)
	}
	rep, err = e.flow.MappingInEffect(t.Context())
	if err != nil {
		t.Fatalf("after Provision: %v", err)
	}
	out := rep.String()
	for _, want := range []string{"online", "→ available", "busy", "→ away (4)", "fallback", "available              → online (3)"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckFindsConfigurationErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A custom status online on support, a red one, and a babelforce
	// presence named otherwise than its label.
	phone, _ := e.zd.AddCustomStatus("Phone only", "", map[string]string{"support": "online", "messaging": "away", "talk": "online"})
	_, _ = e.zd.AddCustomStatus("In a meeting", "", map[string]string{"support": "away", "messaging": "away", "talk": "away"})
	e.bf.AddPresence("phone_only", "Phone only")
	e.bf.AddPresence("mtg", "In a meeting")
	_ = phone

	check := func(m statussync.Mapping) ([]*flow.ConfigError, *statussync.MappingTable) {
		t.Helper()
		f, err := statussync.New(statussync.Config{Zendesk: e.zc, Babelforce: e.bc, Mapping: m})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := f.MappingInEffect(t.Context())
		return flow.Problems(err), rep
	}

	// The default mapping: "phone_only" is red in babelforce and its
	// Zendesk status is online on support.
	ps, rep := check(statussync.Mapping{})
	if len(ps) != 1 || ps[0].Field != `babelforce presence "phone_only"` || !strings.Contains(ps[0].Problem, "makes the red presence") ||
		!strings.Contains(ps[0].Fix, `map "phone_only" in Mapping.Statuses`) {
		t.Fatalf("default mapping: %v", ps)
	}
	var byLabel bool
	for _, row := range rep.ZendeskToBabelforce {
		if strings.HasPrefix(row.From, "In a meeting (") && row.To == "mtg" && row.Note == "by label" {
			byLabel = true
		}
	}
	var back bool
	for _, row := range rep.BabelforceToZendesk {
		if row.From == "mtg" && strings.HasPrefix(row.To, "In a meeting (") && row.Note == "" {
			back = true
		}
	}
	if !back {
		t.Errorf("mtg does not map back to In a meeting:\n%s", rep)
	}
	if !byLabel {
		t.Errorf("no by-label row:\n%s", rep)
	}

	// Fixed by mapping it elsewhere; every other override problem at once.
	ps, _ = check(statussync.Mapping{
		Presences: map[string]string{"In a meeting": "available", "away": "pause", "Lunch": "busy"},
		Statuses:  map[string]string{"phone_only": "away", "pause": "away", "busy": "Gone"},
		Fallback:  "Nope",
	})
	want := []struct{ field, problem, fix string }{
		{`Mapping.Presences["lunch"]`, "names no Zendesk channel state or unified status", "remove the entry"},
		{`Mapping.Presences["away"]`, `names the babelforce presence "pause", which does not exist`, `map "away" to one of ["available", "busy"`},
		{`Mapping.Presences["In a meeting"]`, "makes a red Zendesk status green: it is away on the support channel", `such as "in_a_meeting"`},
		{`Mapping.Statuses["pause"]`, "names no babelforce presence", "remove the entry"},
		{"Mapping.Fallback", "names no Zendesk unified status", `name one of ["offline", "online"`},
		{`Mapping.Statuses["busy"]`, `names the Zendesk status "Gone", which does not exist`, "create it in Zendesk"},
	}
	if len(ps) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(ps), len(want), ps)
	}
	for i, w := range want {
		p := ps[i]
		if p.Field != w.field || !strings.Contains(p.Problem, w.problem) || !strings.Contains(p.Fix, w.fix) {
			t.Errorf("problem %d:\n got %s\nwant %s: %s; fix: %s", i, p, w.field, w.problem, w.fix)
		}
	}
	// A read failure is not a configuration problem.
	e.bf.InjectFault(babelforcetest.Fault{Method: http.MethodGet, Path: "/api/v2/agents/presence", Status: 400})
	if _, err := e.flow.MappingInEffect(t.Context()); err == nil || flow.Problems(err) != nil {
		t.Errorf("read failure: %v", err)
	}
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/agent_availabilities/agent_statuses", Status: 400})
	if _, err := e.flow.MappingInEffect(t.Context()); err == nil {
		t.Error("no error from a failed status list")
	}
}

func TestCheckedAliasIsUsed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	meeting, _ := e.zd.AddCustomStatus("In a meeting", "", map[string]string{"support": "away", "messaging": "away", "talk": "away"})
	e.bf.AddPresence("mtg", "In a meeting")
	if _, err := e.flow.MappingInEffect(t.Context()); err != nil {
		t.Fatal(err)
	}
	zid, bid := e.agent("Ann")
	e.setStatus(zid, meeting)
	if got := e.bf.Presence(bid); got != "mtg" {
		t.Errorf("presence %q", got)
	}
	cmp, err := e.flow.Compare(t.Context())
	if err != nil || len(cmp) != 1 || !cmp[0].Consistent {
		t.Errorf("Compare %+v %v", cmp, err)
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusAway)
	zid2, bid2 := e.agent("Bob")
	_ = e.bf.AddAgent(babelforcetest.Agent{Name: "Gone", SourceID: "987654"})
	_ = e.bf.AddAgent(babelforcetest.Agent{Name: "CRM", SourceID: "crm-1"})
	cmp, err := e.flow.Compare(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp) != 3 {
		t.Fatalf("%+v", cmp)
	}
	if c := cmp[0]; c.ZendeskAgentID != zid || c.BabelforceAgentID != bid || !c.Consistent || c.ZendeskStatus != "away" || c.ZendeskChannel != "away" || c.Presence != "away" {
		t.Errorf("Ann %+v", c)
	}
	// Bob is offline in Zendesk and busy (the fake's default) in
	// babelforce, which maps back to away, not offline.
	if c := cmp[1]; c.ZendeskAgentID != zid2 || c.BabelforceAgentID != bid2 || c.Consistent {
		t.Errorf("Bob %+v", c)
	}
	if c := cmp[2]; c.Err == nil || c.Consistent {
		t.Errorf("Gone %+v", c)
	}
	// busy maps back to away: consistent.
	e.setStatus(zid2, zendesktest.StatusAway)
	_ = e.bf.SetPresence(bid2, "busy")
	cmp, _ = e.flow.Compare(t.Context())
	if !cmp[1].Consistent {
		t.Errorf("Bob %+v", cmp[1])
	}
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/agent_availabilities/", Status: 400})
	if _, err := e.flow.Compare(t.Context()); err == nil {
		t.Error("no error")
	}
	e.bf.InjectFault(babelforcetest.Fault{Method: http.MethodGet, Path: "/api/v2/agents", Status: 400})
	if _, err := e.flow.Compare(t.Context()); err == nil {
		t.Error("no error")
	}
}

// checkProblems runs Check and returns its problems, failing t on an error
// that is not only problems.
func checkProblems(t *testing.T, f *statussync.Flow) []*flow.ConfigError {
	t.Helper()
	err := f.Check(t.Context())
	ps := flow.Problems(err)
	if err != nil && ps == nil {
		t.Fatalf("Check: %v, not a misconfiguration", err)
	}
	return ps
}

// wantProblem fails t unless ps is one problem of field whose Problem and
// Fix contain problem and fix.
func wantProblem(t *testing.T, ps []*flow.ConfigError, field, problem, fix string) {
	t.Helper()
	if len(ps) != 1 || ps[0].Field != field || !strings.Contains(ps[0].Problem, problem) || !strings.Contains(ps[0].Fix, fix) {
		t.Fatalf("problems %v, want one of %s: %s (fix: %s)", ps, field, problem, fix)
	}
}

// newFlow builds a flow of e's clients with cfg's changes.
func (e *env) newFlow(change func(*statussync.Config)) *statussync.Flow {
	e.t.Helper()
	cfg := e.cfg
	change(&cfg)
	f, err := statussync.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

func TestCheckProvisionedIsClean(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.flow.Check(t.Context()); err != nil {
		t.Fatalf("Check after Provision: %v", err)
	}
}

func TestCheckWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hook, ok := e.provision.Find(flow.SideZendesk, flow.KindWebhook, "")
	if !ok {
		t.Fatal("no webhook in the report")
	}
	const name = `Zendesk webhook "` + statussync.DefaultWebhookName + `"`

	// A wrong secret: the handler would refuse every delivery.
	f := e.newFlow(func(c *statussync.Config) { c.ZendeskSecrets = []string{"not-the-secret"} })
	wantProblem(t, checkProblems(t, f), name, "signs with a secret that is not in Config.ZendeskSecrets", "SigningSecret")
	// No secret at all: the same problem.
	f = e.newFlow(func(c *statussync.Config) { c.ZendeskSecrets = nil })
	wantProblem(t, checkProblems(t, f), name, "not in Config.ZendeskSecrets", "to Config.ZendeskSecrets")

	// Subscribed to one agent event only.
	change := func(edit func(w *zendesk.Webhook)) {
		t.Helper()
		w, err := e.zc.Webhooks.Get(t.Context(), hook.ID)
		if err != nil {
			t.Fatal(err)
		}
		edit(w)
		if err := e.zc.Webhooks.Update(t.Context(), hook.ID, w); err != nil {
			t.Fatal(err)
		}
	}
	change(func(w *zendesk.Webhook) { w.Subscriptions = []string{zendesk.EventAgentStateChanged} })
	wantProblem(t, checkProblems(t, e.flow), name, "is not subscribed to "+zendesk.EventAgentUnifiedStateChanged, "statussync.Provision")

	// Inactive: no webhook sends the events.
	change(func(w *zendesk.Webhook) { w.Status = zendesk.WebhookInactive })
	ps := checkProblems(t, e.flow)
	if len(ps) != 2 || ps[0].Field != name || ps[0].Value != zendesk.WebhookInactive || !strings.Contains(ps[0].Problem, "is not active") ||
		ps[1].Field != "Zendesk webhook" || !strings.Contains(ps[1].Problem, "no active webhook sends agent status events") {
		t.Fatalf("inactive webhook: %v", ps)
	}

	// Missing.
	if err := e.zc.Webhooks.Delete(t.Context(), hook.ID); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, checkProblems(t, e.flow), "Zendesk webhook", "no active webhook sends agent status events", "statussync.Provision with Endpoint")
}

// The status-sync article's set-up: the webhook calls babelforce's own
// endpoint, which needs no secret of the flow's.
func TestCheckWebhookToBabelforce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutProvision())
	if _, err := statussync.Provision(t.Context(), statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc}); err != nil {
		t.Fatal(err)
	}
	f := e.newFlow(func(c *statussync.Config) { c.ZendeskSecrets = nil })
	if err := f.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestCheckCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	badZendesk, err := zendesk.NewClient(zendesk.WithBaseURL(e.zd.URL), zendesk.WithAPIToken(e.zd.Email, "wrong-token"))
	if err != nil {
		t.Fatal(err)
	}
	f := e.newFlow(func(c *statussync.Config) { c.Zendesk = badZendesk })
	ps := checkProblems(t, f)
	wantProblem(t, ps, "Config.Zendesk", "its credentials were refused", "valid credentials")
	if strings.Contains(ps[0].Error(), "wrong-token") {
		t.Errorf("the problem shows the token: %s", ps[0])
	}

	badBabelforce, err := babelforce.NewClient(babelforce.WithBaseURL(e.bf.URL), babelforce.WithPassword(e.bf.Username, "wrong-password"))
	if err != nil {
		t.Fatal(err)
	}
	f = e.newFlow(func(c *statussync.Config) { c.Babelforce = badBabelforce })
	ps = checkProblems(t, f)
	wantProblem(t, ps, "Config.Babelforce", "its credentials were refused", "valid credentials")
	if strings.Contains(ps[0].Error(), "wrong-password") {
		t.Errorf("the problem shows the password: %s", ps[0])
	}
}

// A side that cannot be read is an error, not a misconfiguration.
func TestCheckUnreadableSide(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault func(e *env)
		want  string
	}{
		{"Zendesk user", func(e *env) {
			e.zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/users/me", Status: http.StatusBadRequest})
		}, "reading the account of Config.Zendesk"},
		{"Zendesk webhooks", func(e *env) {
			e.zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/webhooks", Status: http.StatusBadRequest})
		}, "reading the account of Config.Zendesk"},
		{"babelforce presences", func(e *env) {
			e.bf.InjectFault(babelforcetest.Fault{Method: http.MethodGet, Path: "/api/v2/agents/presence", Status: http.StatusBadRequest})
		}, "reading the account of Config.Babelforce"},
		{"Zendesk statuses", func(e *env) {
			e.zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/agent_availabilities/agent_statuses", Status: http.StatusBadRequest})
		}, "unified statuses"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tc.fault(e)
			err := e.flow.Check(t.Context())
			if err == nil || flow.Problems(err) != nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check: %v, want an error %q and no problem", err, tc.want)
			}
		})
	}
}
