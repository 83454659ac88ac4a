package escalation

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/dydu/dydutest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// writes lists the requests to the Zendesk and Conversations fakes that
// are not GETs.
func (e *env) writes() []string {
	var out []string
	for _, r := range append(e.zd.Requests(), e.cf.Requests()...) {
		if r.Method != http.MethodGet {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func (e *env) resetRequests() {
	e.zd.ResetRequests()
	e.cf.ResetRequests()
}

// actions is the report as "kind name: action" lines.
func actions(rep flow.Report) []string {
	var out []string
	for _, c := range rep.Changes {
		out = append(out, c.Kind+" "+c.Name+": "+string(c.Action))
	}
	return out
}

func TestProvisionDryRun(t *testing.T) {
	e := newFakes(t, store.NewMemory())
	ctx := context.Background()
	pc := ProvisionConfig{Conversations: e.cc, Zendesk: e.zc, BridgeURL: e.srv.URL, Skills: []string{dydutest.SeedSkill}, DryRun: true}
	e.resetRequests()
	rep, err := Provision(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	if w := e.writes(); len(w) != 0 {
		t.Fatalf("a dry run wrote: %v", w)
	}
	if !rep.DryRun || !rep.Changed() {
		t.Fatalf("dry run on an empty account should plan changes:\n%s", rep)
	}
	for _, want := range []string{"conversations integration Dydu livechat: created", "switchboard integration deskbridge-dydu: created",
		"switchboard default default integration: updated", "group Animal: created"} {
		if !slices.Contains(actions(rep), want) {
			t.Errorf("the plan lacks %q:\n%s", want, strings.Join(actions(rep), "\n"))
		}
	}
	if len(e.cf.Integrations()) != 0 {
		t.Fatalf("a dry run created integrations: %+v", e.cf.Integrations())
	}
	if s, err := WebhookSecret(ctx, e.cc, rep); s != "" || err != nil {
		t.Fatalf("WebhookSecret after a dry run = %q, %v; want none", s, err)
	}
	// Applied, then planned again: nothing left to do, still only GETs.
	pc.DryRun = false
	if _, err := Provision(ctx, pc); err != nil {
		t.Fatal(err)
	}
	pc.DryRun = true
	e.resetRequests()
	rep, err = Provision(ctx, pc)
	if err != nil || rep.Changed() {
		t.Fatalf("dry run after apply: %v\n%s", err, rep)
	}
	if w := e.writes(); len(w) != 0 {
		t.Fatalf("a dry run wrote: %v", w)
	}
	pc.DryRun = false
	e.resetRequests()
	if rep, err = Provision(ctx, pc); err != nil || rep.Changed() {
		t.Fatalf("second apply: %v\n%s", err, rep)
	}
	if w := e.writes(); len(w) != 0 {
		t.Fatalf("a second apply that changes nothing wrote: %v", w)
	}
}

func TestProvisionRepairsDrift(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	ctx := context.Background()
	// Someone edits the integration's webhook and the switchboard by hand,
	// and a new skill appears in Dydu.
	ch, _ := e.rep.Find(flow.SideConversations, KindIntegration, "")
	hooks, _ := e.cc.Webhooks.List(ctx, ch.ID)
	if _, err := e.cc.Webhooks.Update(ctx, ch.ID, hooks[0].ID, &conversations.WebhookInput{Target: "https://old.example.com" + WebhookPath,
		Triggers: []string{"conversation:message"}, IncludeFullUser: conversations.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	sb, sis := e.cf.Switchboard()
	for _, si := range sis {
		if si.Name == DefaultSwitchboardName {
			empty := ""
			if _, err := e.cc.SwitchboardIntegrations.Update(ctx, sb.ID, si.ID, &conversations.SwitchboardIntegrationUpdate{
				DeliverStandbyEvents: conversations.Bool(false), NextSwitchboardIntegrationID: &empty}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := e.cf.SetSwitchboardDefault(e.cf.AgentWorkspaceID()); err != nil {
		t.Fatal(err)
	}
	if err := e.flows[0].Check(ctx); len(flow.Problems(err)) < 2 {
		t.Fatalf("Check before the repair = %v, want the drift reported", err)
	}
	pc := ProvisionConfig{Conversations: e.cc, Zendesk: e.zc, BridgeURL: e.srv.URL, Skills: []string{dydutest.SeedSkill, "Plomberie"}}
	rep, err := Provision(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	got := actions(rep)
	for _, want := range []string{"conversations integration Dydu livechat: updated", "switchboard integration deskbridge-dydu: updated",
		"switchboard default default integration: updated", "group Animal: unchanged", "group Plomberie: created"} {
		if !slices.Contains(got, want) {
			t.Errorf("the repair lacks %q:\n%s", want, strings.Join(got, "\n"))
		}
	}
	integ, _ := rep.Find(flow.SideConversations, KindIntegration, "")
	var fields []string
	for _, d := range integ.Diff {
		fields = append(fields, d.Field)
	}
	if !slices.Equal(fields, []string{"webhook", "triggers", "includeFullUser"}) {
		t.Errorf("integration diff fields = %v", fields)
	}
	hooks, _ = e.cc.Webhooks.List(ctx, ch.ID)
	if len(hooks) != 1 || hooks[0].Target != e.srv.URL+WebhookPath || len(hooks[0].Triggers) != 4 || !hooks[0].IncludeFullUser {
		t.Fatalf("webhook after the repair = %+v", hooks)
	}
	cfg := e.config()
	cfg.Skills = map[int64]string{animalKnowledge: dydutest.SeedSkill, 77: "Plomberie"}
	if err := mustCheck(t, cfg); err != nil {
		t.Fatalf("Check after the repair: %v", err)
	}
	if rep, err = Provision(ctx, pc); err != nil || rep.Changed() {
		t.Fatalf("after the repair: %v\n%s", err, rep)
	}
	// The chat still escalates into the Animal group.
	playSeed(t, e, "chat-after-repair-00000000")
}

func TestProvisionRefusals(t *testing.T) {
	e := newFakes(t, store.NewMemory())
	ctx := context.Background()
	for name, pc := range map[string]ProvisionConfig{
		"no URL":    {Conversations: e.cc, Zendesk: e.zc},
		"both URLs": {Conversations: e.cc, Zendesk: e.zc, BridgeURL: "https://a.example.com", DyduWebhookURL: "https://b.example.com"},
		"not http":  {Conversations: e.cc, Zendesk: e.zc, BridgeURL: "ftp://a.example.com"},
		"no client": {BridgeURL: "https://a.example.com"},
	} {
		_, err := Provision(ctx, pc)
		ps := flow.Problems(err)
		if len(ps) == 0 {
			t.Errorf("%s: Provision = %v, want a ConfigError", name, err)
		}
		for _, p := range ps {
			if p.Fix == "" {
				t.Errorf("%s: no Fix in %+v", name, p)
			}
		}
	}
	e.resetRequests()
	if w := e.writes(); len(w) != 0 {
		t.Fatal(w)
	}
}

// Dydu's own connector: the integration calls Dydu's webhook with
// conversation:message only, and the switchboard is left alone.
func TestProvisionForDydusConnector(t *testing.T) {
	e := newFakes(t, store.NewMemory())
	ctx := context.Background()
	pc := ProvisionConfig{Conversations: e.cc, Zendesk: e.zc, DyduWebhookURL: "https://app1.dydu-priv.com/servlet/zendesk/webhook",
		Skills: []string{"Animal"}, Domain: "dydu-32357.zendesk.com", SenderIDVariable: "mail"}
	rep, err := Provision(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rep.Find(flow.SideConversations, KindSwitchboardIntegration, ""); ok {
		t.Fatal("the switchboard was touched for Dydu's own connector")
	}
	form, ok := rep.Find(flow.SideDydu, KindBMSForm, "")
	if !ok || form.Action != flow.ActionManual || !strings.Contains(form.Note, "Nom de domaine : dydu-32357.zendesk.com") ||
		!strings.Contains(form.Note, "Sender id      : mail") {
		t.Fatalf("BMS form = %+v", form)
	}
	ch, _ := rep.Find(flow.SideConversations, KindIntegration, "")
	hooks, _ := e.cc.Webhooks.List(ctx, ch.ID)
	if len(hooks) != 1 || !slices.Equal(hooks[0].Triggers, []string{"conversation:message"}) || !hooks[0].IncludeFullSource {
		t.Fatalf("webhook = %+v", hooks)
	}
	if rep, err = Provision(ctx, pc); err != nil || rep.Changed() {
		t.Fatalf("second run: %v\n%s", err, rep)
	}
}

// With an account key, Provision creates the app-scoped key Dydu's form
// asks for (block 2), once: a dry run says it would, the run creates it
// and shows its secret in the report this once (never in the client's
// log), and the next run finds it by its display name.
func TestProvisionCreatesTheAppKey(t *testing.T) {
	e := newFakes(t, store.NewMemory())
	ctx := context.Background()
	var logged bytes.Buffer
	acct, err := conversations.NewClient(conversations.WithBaseURL(e.cf.URL), conversations.WithAppID(e.cf.AppID),
		conversations.WithKey(e.cf.AccountKeyID, e.cf.AccountSecret), conversations.WithMaxRetries(0),
		conversations.WithLogger(slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	pc := ProvisionConfig{Conversations: acct, Zendesk: e.zc, DyduWebhookURL: "https://app1.dydu-priv.com/servlet/zendesk/webhook",
		Skills: []string{"Animal"}, Domain: "dydu-32357.zendesk.com", DryRun: true}
	rep, err := Provision(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(actions(rep), "conversations api key "+DefaultKeyName+": created") || len(e.cf.AppKeys()) != 1 {
		t.Fatalf("dry run: keys %v\n%s", e.cf.AppKeys(), rep)
	}
	if n := e.cf.RequestCount("POST", "/sc/v2/apps/"+e.cf.AppID+"/keys"); n != 0 {
		t.Fatalf("a dry run posted %d keys", n)
	}

	pc.DryRun = false
	rep, err = Provision(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	keys := e.cf.AppKeys()
	if len(keys) != 2 || keys[1].DisplayName != DefaultKeyName {
		t.Fatalf("app keys %+v", keys)
	}
	ch, _ := rep.Find(flow.SideConversations, KindAPIKey, "")
	if ch.Action != flow.ActionCreated || ch.ID != keys[1].ID {
		t.Fatalf("key change %+v", ch)
	}
	form, _ := rep.Find(flow.SideDydu, KindBMSForm, "")
	secret := blockTwoSecret(t, form.Note)
	if !strings.Contains(form.Note, "Key id         : "+keys[1].ID) {
		t.Fatalf("block 2 lacks the new key's id:\n%s", form.Note)
	}
	if n := strings.Count(rep.String(), secret); n != 1 {
		t.Fatalf("the secret is in the report %d times, want once", n)
	}
	// The secret works, and was never logged by the client.
	app, err := conversations.NewClient(conversations.WithBaseURL(e.cf.URL), conversations.WithAppID(e.cf.AppID), conversations.WithKey(keys[1].ID, secret))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Apps.Get(ctx); err != nil {
		t.Fatalf("the new key: %v", err)
	}
	if logged.Len() == 0 || strings.Contains(logged.String(), secret) {
		t.Fatalf("the client's log (%d bytes) holds the new secret", logged.Len())
	}

	// Next run: the key is found by its name; its secret is not shown.
	rep, err = Provision(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	if ch, _ := rep.Find(flow.SideConversations, KindAPIKey, ""); ch.Action != flow.ActionUnchanged || ch.ID != keys[1].ID {
		t.Fatalf("second run: key change %+v", ch)
	}
	if strings.Contains(rep.String(), secret) || len(e.cf.AppKeys()) != 2 {
		t.Fatalf("second run showed the secret or made another key: %v", e.cf.AppKeys())
	}
	form, _ = rep.Find(flow.SideDydu, KindBMSForm, "")
	if !strings.Contains(form.Note, "Key id         : "+keys[1].ID) || !strings.Contains(form.Note, "Secret key     : <its secret, shown once") {
		t.Fatalf("second run's block 2:\n%s", form.Note)
	}
}

// With deskbridge's bridge (BridgeURL set) no app key is made, even with
// an account key: the bridge works with the client's key, and the secret
// of a key made for a form nobody fills in would only reach apply's output.
func TestProvisionForTheBridgeMakesNoAppKey(t *testing.T) {
	e := newFakes(t, store.NewMemory())
	ctx := context.Background()
	acct, err := conversations.NewClient(conversations.WithBaseURL(e.cf.URL), conversations.WithAppID(e.cf.AppID),
		conversations.WithKey(e.cf.AccountKeyID, e.cf.AccountSecret), conversations.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	before := len(e.cf.AppKeys())
	rep, err := Provision(ctx, ProvisionConfig{Conversations: acct, Zendesk: e.zc, BridgeURL: "https://bridge.example.com/escalation",
		Skills: []string{"Animal"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.cf.AppKeys()); n != before {
		t.Errorf("%d app keys after provisioning for the bridge, want %d", n, before)
	}
	if ch, ok := rep.Find(flow.SideConversations, KindAPIKey, ""); !ok || ch.Action != flow.ActionSkipped {
		t.Errorf("key change %+v", ch)
	}
	if form, _ := rep.Find(flow.SideDydu, KindBMSForm, ""); form.Action != flow.ActionSkipped || !strings.Contains(form.Note, "Secret key     : <") {
		t.Errorf("form %+v", form)
	}
}

// With an app key, block 2 names the client's own key, not a placeholder;
// its secret is not printed. An integration key cannot serve: the report
// asks for an app key.
func TestProvisionKeyOfTheClient(t *testing.T) {
	e := newFakes(t, store.NewMemory())
	ctx := context.Background()
	pc := ProvisionConfig{Conversations: e.cc, Zendesk: e.zc, DyduWebhookURL: "https://app1.dydu-priv.com/servlet/zendesk/webhook"}
	rep, err := Provision(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	form, _ := rep.Find(flow.SideDydu, KindBMSForm, "")
	if !strings.Contains(form.Note, "Key id         : "+e.cf.KeyID+"\n") || strings.Contains(rep.String(), e.cf.Secret) {
		t.Fatalf("block 2 with the client's app key:\n%s", form.Note)
	}
	if ch, _ := rep.Find(flow.SideConversations, KindAPIKey, ""); ch.Action != flow.ActionUnchanged || ch.ID != e.cf.KeyID {
		t.Fatalf("key change %+v", ch)
	}
	ch, _ := rep.Find(flow.SideConversations, KindIntegration, "")
	ik, err := e.cc.Integrations.CreateKey(ctx, ch.ID, "int")
	if err != nil {
		t.Fatal(err)
	}
	ic, err := conversations.NewClient(conversations.WithBaseURL(e.cf.URL), conversations.WithAppID(e.cf.AppID), conversations.WithKey(ik.ID, ik.Secret))
	if err != nil {
		t.Fatal(err)
	}
	pc.Conversations, pc.DryRun = ic, true
	rep, _ = Provision(ctx, pc) // the integration key cannot list integrations: the error is not the point
	if ch, ok := rep.Find(flow.SideConversations, KindAPIKey, ""); !ok || ch.Action != flow.ActionManual || !strings.Contains(ch.Note, "Create API key") {
		t.Fatalf("integration key: %+v", ch)
	}
}

// blockTwoSecret returns the secret block 2 of the BMS form prints,
// failing when it is a placeholder.
func blockTwoSecret(t *testing.T, form string) string {
	t.Helper()
	for line := range strings.SplitSeq(form, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Secret key     : "); ok {
			if v == "" || strings.HasPrefix(v, "<") {
				t.Fatalf("block 2's secret is a placeholder: %q", v)
			}
			return v
		}
	}
	t.Fatalf("no block 2 secret in:\n%s", form)
	return ""
}
