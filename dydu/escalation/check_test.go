package escalation

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// checkProblem runs Check on a flow built from cfg and returns the one
// problem whose field contains field, failing unless it has a Fix.
func checkProblem(t *testing.T, cfg Config, field string) *flow.ConfigError {
	t.Helper()
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = f.Check(context.Background())
	for _, p := range flow.Problems(err) {
		if strings.Contains(p.Field, field) {
			if p.Fix == "" || p.Problem == "" {
				t.Fatalf("problem %q has no Problem or Fix: %+v", field, p)
			}
			return p
		}
	}
	t.Fatalf("Check = %v; want a problem about %s", err, field)
	return nil
}

func TestCheckMissingSkillGroup(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	cfg := e.config()
	cfg.Skills = map[int64]string{animalKnowledge: "Animal", 77: "Plomberie"}
	p := checkProblem(t, cfg, `"Plomberie"`)
	if !strings.Contains(p.Fix, "Provision") {
		t.Errorf("Fix = %q, want it to say run Provision", p.Fix)
	}
	if n := len(flow.Problems(mustCheck(t, cfg))); n != 1 {
		t.Errorf("%d problems, want only the missing group", n)
	}
}

func mustCheck(t *testing.T, cfg Config) error {
	t.Helper()
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f.Check(context.Background())
}

func TestCheckKeyWithoutAppScope(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	ch, _ := e.rep.Find(flow.SideConversations, KindIntegration, "")
	key, err := e.cf.AddIntegrationKey(ch.ID, "an integration's key")
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.config()
	if cfg.Conversations, err = conversations.NewClient(conversations.WithBaseURL(e.cf.URL), conversations.WithAppID(e.cf.AppID),
		conversations.WithKey(key.ID, key.Secret)); err != nil {
		t.Fatal(err)
	}
	p := checkProblem(t, cfg, "Config.Conversations")
	if p.Value != string(conversations.KeyIntegration) || !strings.Contains(p.Fix, "Create API key") {
		t.Fatalf("problem = %+v", p)
	}
	if strings.Contains(mustCheck(t, cfg).Error(), key.Secret) {
		t.Fatal("the error shows the key's secret")
	}
}

func TestCheckWebhookNotPointingAtUs(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	ctx := context.Background()
	ch, _ := e.rep.Find(flow.SideConversations, KindIntegration, "")
	hooks, err := e.cc.Webhooks.List(ctx, ch.ID)
	if err != nil || len(hooks) != 1 {
		t.Fatalf("webhooks: %v %v", hooks, err)
	}
	if _, err := e.cc.Webhooks.Update(ctx, ch.ID, hooks[0].ID, &conversations.WebhookInput{Target: "https://elsewhere.example.com/hook"}); err != nil {
		t.Fatal(err)
	}
	p := checkProblem(t, e.config(), "Conversations webhook")
	if !strings.Contains(p.Problem, WebhookPath) || !strings.Contains(p.Fix, "Provision") {
		t.Fatalf("problem = %+v", p)
	}
}

func TestCheckWebhookTriggersSecretAndSwitchboard(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	ctx := context.Background()
	ch, _ := e.rep.Find(flow.SideConversations, KindIntegration, "")
	hooks, _ := e.cc.Webhooks.List(ctx, ch.ID)
	if _, err := e.cc.Webhooks.Update(ctx, ch.ID, hooks[0].ID, &conversations.WebhookInput{Triggers: []string{"conversation:message"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.cf.SetSwitchboardDefault(e.cf.AgentWorkspaceID()); err != nil {
		t.Fatal(err)
	}
	cfg := e.config()
	cfg.WebhookSecrets = []string{"an-old-secret"}
	err := mustCheck(t, cfg)
	var fields []string
	for _, p := range flow.Problems(err) {
		if p.Fix == "" {
			t.Errorf("no Fix: %+v", p)
		}
		fields = append(fields, p.Field+"="+p.Value)
	}
	got := strings.Join(fields, "; ")
	for _, want := range []string{"conversation:typing", "switchboard:passControl", "switchboard:releaseControl",
		`Conversations integration "Dydu livechat"=;`, "Conversations switchboard="} {
		if !strings.Contains(got+";", want) {
			t.Errorf("problems %q lack %q", got, want)
		}
	}
	if strings.Contains(err.Error(), e.secret) {
		t.Fatal("the error shows the webhook's secret")
	}
}

func TestCheckTokenAccessDisabled(t *testing.T) {
	// With API token access off, Zendesk refuses the email and token with
	// a 401, as it does a wrong token.
	e := newEnv(t, 1, store.NewMemory())
	cfg := e.config()
	var err error
	if cfg.Zendesk, err = zendesk.NewClient(zendesk.WithBaseURL(e.zd.URL), zendesk.WithAPIToken(e.zd.Email, "token-access-off"), zendesk.WithMaxRetries(0)); err != nil {
		t.Fatal(err)
	}
	p := checkProblem(t, cfg, "Config.Zendesk")
	if !strings.Contains(p.Fix, "Allow API token access") || !strings.Contains(p.Problem, "refused") {
		t.Fatalf("problem = %+v", p)
	}
	if strings.Contains(mustCheck(t, cfg).Error(), "token-access-off") {
		t.Fatal("the error shows the token")
	}
}

func TestCheckDydu(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	before := e.dy.ContextCount()
	if err := mustCheck(t, e.config()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if n := e.dy.ContextCount(); n != before {
		t.Fatalf("Check opened %d Dydu contexts; it should only ask", n-before)
	}
	if n := e.dy.RequestCount("", "/servlet/api/chat/context/"); n != 0 {
		t.Fatalf("%d chat/context requests", n)
	}
	// A wrong bot UUID is a misconfiguration, with what to fix.
	cfg := e.config()
	var err error
	if cfg.Dydu, err = dydu.NewClient(dydu.WithBotID("f1871fe8-cdea-4695-9ea6-529a4e9460dc"), dydu.WithBaseURL(e.dy.URL), dydu.WithMaxRetries(0)); err != nil {
		t.Fatal(err)
	}
	p := checkProblem(t, cfg, "Config.Dydu")
	if p.Value != "f1871fe8-cdea-4695-9ea6-529a4e9460dc" || !strings.Contains(p.Fix, "UUID") {
		t.Fatalf("problem = %+v", p)
	}
	// A Dydu that does not answer is unreachable, not misconfigured.
	e.dy.SetDown(true)
	err = mustCheck(t, e.config())
	if err == nil || len(flow.Problems(err)) != 0 || !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("Check with Dydu down = %v, want an unreachable error and no problem", err)
	}
}
