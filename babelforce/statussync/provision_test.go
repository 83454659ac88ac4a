package statussync_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func actions(r flow.Report) []string {
	var out []string
	for _, c := range r.Changes {
		out = append(out, fmt.Sprintf("%s %s %q: %s", c.Side, c.Kind, c.Name, c.Action))
	}
	return out
}

func TestProvisionIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutProvision())
	_, _ = e.zd.AddCustomStatus("In a meeting", "", map[string]string{"support": "away", "messaging": "away", "talk": "away"})
	pc := statussync.ProvisionConfig{
		Zendesk: e.zc, Babelforce: e.bc, Endpoint: e.zsrv.URL + "/zendesk",
		ZendeskCredential: statussync.BasicCredential(e.zd.Email, e.zd.APIToken),
	}
	first, err := statussync.Provision(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`zendesk webhook "deskbridge statussync": created`,
		`babelforce secret "zendesk.webhook": created`,
		`babelforce presence "away": created`,
		`babelforce presence "transfers_only": created`,
		`babelforce presence "offline": created`,
		`babelforce presence "in_a_meeting": created`,
	}
	if got := actions(first); !slices.Equal(got, want) {
		t.Errorf("first run:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	hookChange, _ := first.Find(flow.SideZendesk, flow.KindWebhook, "")
	signing, err := statussync.SigningSecret(t.Context(), e.zc, first)
	if !first.Changed() || signing == "" || hookChange.ID == "" {
		t.Errorf("report %+v, secret %q, %v", first, signing, err)
	}
	hooks := e.zd.Webhooks()
	if len(hooks) != 1 || hooks[0].Endpoint != pc.Endpoint || !slices.Equal(hooks[0].Subscriptions, statussync.AgentEvents()) || hooks[0].Status != "active" {
		t.Errorf("webhook %+v", hooks)
	}
	if secret, _ := e.zd.WebhookSecret(hookChange.ID); secret != signing {
		t.Error("signing secret differs")
	}
	if v, _ := e.bf.Secret("zendesk", "webhook"); v != "Basic YWRtaW5AZXhhbXBsZS5jb20vdG9rZW46emVuZGVza3Rlc3QtYXBpLXRva2Vu" {
		t.Errorf("vault value %q", v)
	}
	var labels []string
	for _, p := range e.bf.Presences() {
		labels = append(labels, p.Name+"="+p.Label)
	}
	if !slices.Contains(labels, "in_a_meeting=In a meeting") || !slices.Contains(labels, "transfers_only=transfers_only") {
		t.Errorf("presences %v", labels)
	}
	if !strings.Contains(first.String(), "Applied: 6 created.") {
		t.Errorf("report:\n%s", first)
	}

	// Second run: nothing changes, and the report says so.
	before := len(e.zd.Requests())
	second, err := statussync.Provision(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	if second.Changed() {
		t.Errorf("second run changed things:\n%s", second)
	}
	for _, c := range second.Changes {
		if c.Action != flow.ActionUnchanged {
			t.Errorf("second run: %+v", c)
		}
	}
	if again, _ := second.Find(flow.SideZendesk, flow.KindWebhook, ""); !strings.Contains(second.String(), "No changes: all 6 items are as wanted.") || again.ID != hookChange.ID {
		t.Errorf("second report:\n%s", second)
	}
	for _, r := range e.zd.Requests()[before:] {
		if r.Method != http.MethodGet {
			t.Errorf("second run wrote to Zendesk: %s %s", r.Method, r.Path)
		}
	}

	// Force re-sends the credential; a new endpoint updates the webhook.
	pc.Force, pc.Endpoint = true, e.zsrv.URL+"/other"
	third, err := statussync.Provision(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	got := actions(third)[:2]
	if !slices.Equal(got, []string{`zendesk webhook "deskbridge statussync": updated`, `babelforce secret "zendesk.webhook": updated`}) {
		t.Errorf("third run %v", got)
	}
	if e.zd.Webhooks()[0].Endpoint != pc.Endpoint {
		t.Error("endpoint not updated")
	}
}

func TestProvisionToBabelforceEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutProvision())
	pc := statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc, ZendeskDomain: "acme.zendesk.com"}
	rep, err := statussync.Provision(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	wantURL := e.bf.URL + "/api/v1/webhook/zendesk?templateId=webhook_map_talk_status&domain=acme.zendesk.com"
	hook := e.zd.Webhooks()[0]
	if hook.Endpoint != wantURL {
		t.Errorf("endpoint %q, want %q", hook.Endpoint, wantURL)
	}
	tok, _ := e.bc.AccessToken(t.Context())
	if hook.Authentication == nil || hook.Authentication.Type != "bearer_token" || hook.Authentication.Data["token"] != tok {
		t.Errorf("authentication %+v", hook.Authentication)
	}
	if got := actions(rep)[1]; got != `babelforce secret "zendesk.webhook": skipped` {
		t.Errorf("secret action %q", got)
	}
	// The status-sync article's path end to end: Zendesk calls babelforce, whose template
	// sets the presence.
	zid, bid := e.agent("Ann")
	e.setStatus(zid, zendesktest.StatusAway)
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("presence %q after babelforce's own template ran", got)
	}
	for _, d := range e.zd.Deliveries() {
		if !d.Succeeded() || d.Attempts[0].Status != http.StatusAccepted {
			t.Errorf("delivery %+v", d.Attempts)
		}
	}
	// Second run: unchanged (the token is not compared); Force re-sends it.
	rep, err = statussync.Provision(t.Context(), pc)
	if err != nil || rep.Changed() || !strings.Contains(rep.Changes[0].Note, "credentials not compared") {
		t.Errorf("second run %v:\n%s", err, rep)
	}
	pc.Force, pc.BabelforceToken = true, "another-token"
	rep, err = statussync.Provision(t.Context(), pc)
	if err != nil || rep.Changes[0].Action != flow.ActionUpdated || !strings.Contains(rep.String(), "(re-sent: Force)") {
		t.Errorf("forced run %v:\n%s", err, rep)
	}
	if got := e.zd.Webhooks()[0].Authentication.Data["token"]; got != "another-token" {
		t.Errorf("token %q", got)
	}
	// The domain defaults to the Zendesk client's host.
	u, _ := url.Parse(e.zd.URL)
	if got := statussync.BabelforceEndpoint("https://acme.babelforce.com/", u.Host); got != "https://acme.babelforce.com/api/v1/webhook/zendesk?templateId=webhook_map_talk_status&domain="+url.QueryEscape(u.Host) {
		t.Errorf("BabelforceEndpoint = %q", got)
	}
	if got := statussync.BabelforceEndpoint("https://x.babelforce.com", ""); got != "https://x.babelforce.com/api/v1/webhook/zendesk?templateId=webhook_map_talk_status" {
		t.Errorf("BabelforceEndpoint = %q", got)
	}
}

func TestProvisionRepairsAWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutProvision())
	endpoint := e.zsrv.URL + "/zendesk"
	if _, _, err := e.zd.AddWebhook(zendesktest.Webhook{Name: statussync.DefaultWebhookName, Endpoint: endpoint, Status: "inactive",
		Subscriptions: []string{zendesk.EventAgentStateChanged}}); err != nil {
		t.Fatal(err)
	}
	rep, err := statussync.Provision(t.Context(), statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc, Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Changes[0]; c.Action != flow.ActionUpdated || !strings.Contains(fmt.Sprint(c.Diff), "status: inactive → active") || !strings.Contains(fmt.Sprint(c.Diff), "subscriptions: ") {
		t.Errorf("%+v", rep.Changes[0])
	}
	hook := e.zd.Webhooks()[0]
	if hook.Status != "active" || len(hook.Subscriptions) != 2 {
		t.Errorf("%+v", hook)
	}
	// The babelforce target needs bearer authentication.
	rep, err = statussync.Provision(t.Context(), statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc})
	if err != nil || len(rep.Changes[0].Diff) != 2 || rep.Changes[0].Diff[0].Field != "endpoint" || rep.Changes[0].Diff[1].Field != "authentication" {
		t.Errorf("%v %+v", err, rep.Changes[0])
	}
}

func TestProvisionErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutProvision())
	ctx := t.Context()
	for _, c := range []struct {
		name string
		pc   statussync.ProvisionConfig
		want string
	}{
		{"no clients", statussync.ProvisionConfig{}, "ProvisionConfig.Zendesk: is nil"},
		{"bad endpoint", statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc, Endpoint: "ftp://x"}, "is not an http(s) URL"},
		{"bad credential", statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc, ZendeskCredential: "token"}, `does not start with "Basic " or "Bearer "`},
		{"bad mapping", statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc, Mapping: statussync.Mapping{Channel: "x"}}, "Mapping.Channel"},
	} {
		_, err := statussync.Provision(ctx, c.pc)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// A trigger webhook of the same name cannot be turned into an event one.
	if _, _, err := e.zd.AddWebhook(zendesktest.Webhook{Name: "triggers", Endpoint: "https://example.com", Subscriptions: []string{"conditional_ticket_events"}}); err != nil {
		t.Fatal(err)
	}
	_, err := statussync.Provision(ctx, statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc, WebhookName: "triggers", Endpoint: "https://example.com/x"})
	if !errors.Is(err, deskbridge.ErrConflict) {
		t.Errorf("trigger webhook: %v", err)
	}
	// Failures of either side are returned with what was done so far.
	pc := statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc, Endpoint: "https://example.com/x", ZendeskCredential: statussync.BearerCredential("t")}
	zd, bf := e.zd.InjectFault, e.bf.InjectFault
	for i, f := range []struct {
		inject func(deskbridgetest.Fault)
		fault  deskbridgetest.Fault
	}{
		{zd, deskbridgetest.Fault{Method: http.MethodGet, Path: "/api/v2/webhooks", Status: 400}},
		{zd, deskbridgetest.Fault{Method: http.MethodPost, Path: "/api/v2/webhooks", Status: 422}},
		{bf, deskbridgetest.Fault{Method: http.MethodGet, Path: "/api/v3/tasks/configurations/secrets", Status: 400}},
		{bf, deskbridgetest.Fault{Method: http.MethodPatch, Path: "/api/v3/tasks/configurations/secrets", Status: 400}},
		{zd, deskbridgetest.Fault{Method: http.MethodGet, Path: "/api/v2/agent_availabilities/agent_statuses", Status: 400}},
		{bf, deskbridgetest.Fault{Method: http.MethodGet, Path: "/api/v2/agents/presence", Status: 400}},
		{bf, deskbridgetest.Fault{Method: http.MethodPost, Path: "/api/v2/agents/presence", Status: 400}},
	} {
		f.inject(f.fault)
		if _, err := statussync.Provision(ctx, pc); err == nil {
			t.Errorf("fault %d (%s %s): no error", i, f.fault.Method, f.fault.Path)
		}
		e.zd.ClearFaults()
		e.bf.ClearFaults()
		// Start over so that the next fault meets the same path.
		for _, w := range e.zd.Webhooks() {
			_ = e.zc.Webhooks.Delete(ctx, w.ID)
		}
		_ = e.bc.Secrets.Delete(ctx, "zendesk", "webhook")
		for _, p := range e.bf.Presences() {
			if !p.BuiltIn {
				_ = e.bc.Presences.Delete(ctx, p.Name)
			}
		}
	}
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	if got := statussync.BasicCredential("a@b.c", "tok"); got != "Basic YUBiLmMvdG9rZW46dG9r" {
		t.Errorf("BasicCredential = %q", got)
	}
	if got := statussync.BearerCredential("tok"); got != "Bearer tok" {
		t.Errorf("BearerCredential = %q", got)
	}
}

// A dry run says what would be done and sends only GET requests, to
// either side; the plan it prints is what the run then does.
func TestProvisionDryRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutProvision())
	pc := statussync.ProvisionConfig{Zendesk: e.zc, Babelforce: e.bc, ZendeskCredential: statussync.BearerCredential("t"), DryRun: true}
	zdBefore, bfBefore := len(e.zd.Requests()), len(e.bf.Requests())
	plan, err := statussync.Provision(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(e.zd.Requests()[zdBefore:], e.bf.Requests()[bfBefore:]...) {
		if r.Method != http.MethodGet && r.Path != "/oauth/token" { // the babelforce client's own token, which its GETs need
			t.Errorf("dry run sent %s %s", r.Method, r.Path)
		}
	}
	if len(e.zd.Webhooks()) != 0 || !plan.DryRun || !plan.Changed() || !strings.Contains(plan.String(), "Plan: 5 to create.") {
		t.Errorf("plan:\n%s", plan)
	}
	if s, err := statussync.SigningSecret(t.Context(), e.zc, plan); s != "" || err != nil {
		t.Errorf("secret of a planned webhook: %q %v", s, err)
	}
	pc.DryRun = false
	done, err := statussync.Provision(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(actions(done), actions(plan)) {
		t.Errorf("run %v, plan %v", actions(done), actions(plan))
	}
	pc.DryRun = true
	again, err := statussync.Provision(t.Context(), pc)
	if err != nil || again.Changed() {
		t.Errorf("plan after the run %v:\n%s", err, again)
	}
}
