package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/dydu/dydutest"
	"github.com/deskbridge/deskbridge/dydu/escalation"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestDemo(t *testing.T) {
	for _, replicas := range []string{"1", "2"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"-demo", "-replicas", replicas}, &out, func(string) string { return "" }); err != nil {
			t.Fatalf("-demo -replicas %s: %v\n%s", replicas, err, out.String())
		}
		for _, want := range []string{"Both sides agree.", "in group Animal", "Nom de domaine : dydu-32357.zendesk.com", "Essayez ces croquettes [image image/png]",
			`"Conversation with Jeanne Martin"`, "+3m30s  agent (Ann Martin)  zendesk  solves ticket 1\n+3m30s  system", "+3m40s  bot (Dydu)"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("-replicas %s: the output lacks %q:\n%s", replicas, want, out.String())
			}
		}
	}
}

func TestRealModeListsWhatIsMissing(t *testing.T) {
	err := run(context.Background(), nil, &bytes.Buffer{}, func(string) string { return "" })
	var ce *configError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a configError", err)
	}
	for _, name := range []string{"DYDU_BOT_ID", "DYDU_SERVERS", "ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL and ZENDESK_API_TOKEN", "SUNCO_APP_ID",
		"SUNCO_KEY_ID and SUNCO_KEY_SECRET", "SUNCO_WEBHOOK_SECRET"} {
		if !strings.Contains(err.Error(), "missing "+name) {
			t.Errorf("the error does not name %s:\n%v", name, err)
		}
	}
	env := map[string]string{"PUBLIC_URL": ""}
	err = run(context.Background(), []string{"-provision"}, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "missing PUBLIC_URL") || strings.Contains(err.Error(), "SUNCO_WEBHOOK_SECRET") {
		t.Fatalf("-provision: %v", err)
	}
}

// Each problem names exactly the variables that are unset, never one of a
// pair that is set; -provision with DYDU_WEBHOOK_URL (Dydu's own
// connector) needs only the Zendesk and Conversations accounts.
func TestMissingNamesOnlyTheUnset(t *testing.T) {
	full := func() map[string]string {
		return map[string]string{"DYDU_BOT_ID": "f1871fe8-cdea-4695-9ea6-529a4e9460dc", "DYDU_SERVERS": "https://app1.dydu-priv.com",
			"ZENDESK_SUBDOMAIN": "acme", "ZENDESK_EMAIL": "admin@acme.example", "ZENDESK_API_TOKEN": "zd-t0ken", "SUNCO_APP_ID": "app1",
			"SUNCO_KEY_ID": "app_1", "SUNCO_KEY_SECRET": "s3cr3t", "SUNCO_WEBHOOK_SECRET": "w", "PUBLIC_URL": "https://bridge.acme.example"}
	}
	const dyduHook = "https://app1.dydu-priv.com/servlet/zendesk/webhook"
	for _, tc := range []struct {
		name      string
		provision bool
		unset     []string
		set       map[string]string
		missing   []string // exactly the names of the "missing" problems, in order
		problem   string   // another problem the error holds
	}{
		{name: "complete"},
		{name: "email alone unset", unset: []string{"ZENDESK_EMAIL"}, missing: []string{"ZENDESK_EMAIL"}},
		{name: "token alone unset", unset: []string{"ZENDESK_API_TOKEN"}, missing: []string{"ZENDESK_API_TOKEN"}},
		{name: "email and token unset", unset: []string{"ZENDESK_EMAIL", "ZENDESK_API_TOKEN"}, missing: []string{"ZENDESK_EMAIL and ZENDESK_API_TOKEN"}},
		{name: "key id alone unset", unset: []string{"SUNCO_KEY_ID"}, missing: []string{"SUNCO_KEY_ID"}},
		{name: "key secret alone unset", unset: []string{"SUNCO_KEY_SECRET"}, missing: []string{"SUNCO_KEY_SECRET"}},
		{name: "key id and secret unset", unset: []string{"SUNCO_KEY_ID", "SUNCO_KEY_SECRET"}, missing: []string{"SUNCO_KEY_ID and SUNCO_KEY_SECRET"}},
		{name: "one of each pair", unset: []string{"ZENDESK_API_TOKEN", "SUNCO_KEY_ID"}, missing: []string{"ZENDESK_API_TOKEN", "SUNCO_KEY_ID"}},
		{name: "blank counts as unset", set: map[string]string{"ZENDESK_EMAIL": "  "}, missing: []string{"ZENDESK_EMAIL"}},
		{name: "bridge -provision without PUBLIC_URL", provision: true, unset: []string{"PUBLIC_URL", "SUNCO_WEBHOOK_SECRET"}, missing: []string{"PUBLIC_URL"}},
		{name: "Dydu's connector needs no bridge", provision: true,
			unset: []string{"DYDU_BOT_ID", "DYDU_SERVERS", "SUNCO_WEBHOOK_SECRET", "PUBLIC_URL"}, set: map[string]string{"DYDU_WEBHOOK_URL": dyduHook}},
		{name: "Dydu's connector with nothing else", provision: true,
			unset: []string{"DYDU_BOT_ID", "DYDU_SERVERS", "SUNCO_WEBHOOK_SECRET", "PUBLIC_URL", "ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN",
				"SUNCO_APP_ID", "SUNCO_KEY_ID", "SUNCO_KEY_SECRET"}, set: map[string]string{"DYDU_WEBHOOK_URL": dyduHook},
			missing: []string{"ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL and ZENDESK_API_TOKEN", "SUNCO_APP_ID", "SUNCO_KEY_ID and SUNCO_KEY_SECRET"}},
		{name: "Dydu's connector, token alone unset", provision: true, unset: []string{"PUBLIC_URL", "ZENDESK_API_TOKEN"},
			set: map[string]string{"DYDU_WEBHOOK_URL": dyduHook}, missing: []string{"ZENDESK_API_TOKEN"}},
		{name: "Dydu's connector and PUBLIC_URL", provision: true, set: map[string]string{"DYDU_WEBHOOK_URL": dyduHook},
			problem: "PUBLIC_URL and DYDU_WEBHOOK_URL are both set"},
		{name: "DYDU_WEBHOOK_URL without -provision", unset: []string{"PUBLIC_URL"}, set: map[string]string{"DYDU_WEBHOOK_URL": dyduHook},
			problem: "DYDU_WEBHOOK_URL is set without -provision"},
		{name: "DYDU_WEBHOOK_URL not a URL", provision: true, unset: []string{"PUBLIC_URL"}, set: map[string]string{"DYDU_WEBHOOK_URL": "app1.dydu-priv.com"},
			problem: `DYDU_WEBHOOK_URL "app1.dydu-priv.com" is not an http(s) URL`},
		{name: "bare skill names need Dydu's connector", set: map[string]string{"ESCALATION_SKILLS": "Animal"},
			problem: `ESCALATION_SKILLS: "Animal" is not knowledgeId=skill`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := full()
			for _, k := range tc.unset {
				delete(env, k)
			}
			for k, v := range tc.set {
				env[k] = v
			}
			_, err := loadConfig(func(k string) string { return env[k] }, tc.provision)
			var got []string
			var ce *configError
			if errors.As(err, &ce) {
				for _, p := range ce.problems {
					if rest, ok := strings.CutPrefix(p, "missing "); ok {
						name, _, _ := strings.Cut(rest, ":")
						got = append(got, name)
					}
				}
			} else if err != nil {
				t.Fatalf("err = %v, want a configError", err)
			}
			if !slices.Equal(got, tc.missing) {
				t.Errorf("missing %q, want %q; error:\n%v", got, tc.missing, err)
			}
			if wantErr := len(tc.missing) > 0 || tc.problem != ""; (err != nil) != wantErr || !strings.Contains(fmt.Sprint(err), tc.problem) {
				t.Errorf("error %v, want one holding %q", err, tc.problem)
			}
			if err != nil && (strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "zd-t0ken")) {
				t.Errorf("the error holds a secret: %v", err)
			}
		})
	}
}

// -provision with DYDU_WEBHOOK_URL sets up the Zendesk side of Dydu's own
// connector on the fakes: the integration's webhook to Dydu with
// conversation:message only, the skill's group, no switchboard
// integration; it prints the four blocks of the BMS form and serves
// nothing; a second run changes nothing.
func TestProvisionForDydusConnector(t *testing.T) {
	zd := zendesktest.NewServer()
	defer zd.Close()
	cf := conversationstest.NewServer(conversationstest.WithZendesk(zd))
	defer cf.Close()
	const hook = "https://app1.dydu-priv.com/servlet/zendesk/webhook"
	env := map[string]string{"DYDU_WEBHOOK_URL": hook, "ZENDESK_SUBDOMAIN": "dydu-32357", "ZENDESK_EMAIL": zd.Email,
		"ZENDESK_API_TOKEN": zd.APIToken, "SUNCO_APP_ID": cf.AppID, "SUNCO_KEY_ID": cf.KeyID, "SUNCO_KEY_SECRET": cf.Secret,
		"ESCALATION_SKILLS": "Animal, 4002=Chat", "ESCALATION_SENDER_ID": "mail", "ADDR": "127.0.0.1:0"}
	_, switchboardBefore := cf.Switchboard()
	provision := func() string {
		t.Helper()
		cfg, err := loadConfig(func(k string) string { return env[k] }, true)
		if err != nil {
			t.Fatal(err)
		}
		// The fakes stand for the account ZENDESK_SUBDOMAIN names.
		cfg.zendeskOpts = append(cfg.zendeskOpts, zendesk.WithBaseURL(zd.URL))
		cfg.suncoOpts = append(cfg.suncoOpts, conversations.WithBaseURL(cf.URL))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var out bytes.Buffer
		if err := start(ctx, cfg, true, &out); err != nil {
			t.Fatalf("-provision: %v\n%s", err, out.String())
		}
		if strings.Contains(out.String(), "serving") || strings.Contains(out.String(), cf.Secret) || strings.Contains(out.String(), zd.APIToken) {
			t.Fatalf("the output serves or shows a secret:\n%s", out.String())
		}
		return out.String()
	}
	out := provision()
	for _, want := range []string{"1. Obligatoire – Connecteur Zendesk", "Nom de domaine : dydu-32357.zendesk.com", "App id         : " + cf.AppID,
		"2. Obligatoire – Clé api de conversations", "Key id         : " + cf.KeyID, "3. Obligatoire – Zendesk api", "Adresse mail   : " + zd.Email,
		"4. Optionnel – Correspondance de l'identité", "Sender id      : mail", "Copy the four blocks above into Dydu's BMS"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	ins := cf.Integrations()
	if len(ins) != 1 || len(ins[0].Webhooks) != 1 {
		t.Fatalf("integrations %+v", ins)
	}
	if w := ins[0].Webhooks[0]; w.Target != hook || !slices.Equal(w.Triggers, []string{"conversation:message"}) || !w.IncludeFullUser || !w.IncludeFullSource {
		t.Fatalf("webhook %+v", w)
	}
	if !strings.Contains(out, "Integration id : "+ins[0].ID) {
		t.Errorf("block 1 lacks the integration id %s:\n%s", ins[0].ID, out)
	}
	if _, sis := cf.Switchboard(); len(sis) != len(switchboardBefore) {
		t.Fatalf("switchboard integrations %+v, want them left alone (%+v)", sis, switchboardBefore)
	}
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken))
	if err != nil {
		t.Fatal(err)
	}
	for _, skill := range []string{"Animal", "Chat"} {
		if _, err := zc.Groups.FindByName(context.Background(), skill); err != nil {
			t.Errorf("group %s: %v", skill, err)
		}
	}
	if out := provision(); !strings.Contains(out, "Applied: 5 unchanged, 1 to fix by hand.") || len(cf.Integrations()) != 1 {
		t.Fatalf("second run:\n%s", out)
	}
}

func TestRealModeEnvironment(t *testing.T) {
	full := map[string]string{"DYDU_BOT_ID": "f1871fe8-cdea-4695-9ea6-529a4e9460dc", "DYDU_SERVERS": "https://app1.dydu-priv.com",
		"ZENDESK_SUBDOMAIN": "acme", "ZENDESK_EMAIL": "admin@acme.example", "ZENDESK_API_TOKEN": "tok", "SUNCO_APP_ID": "app1",
		"SUNCO_KEY_ID": "app_1", "SUNCO_KEY_SECRET": "s", "SUNCO_WEBHOOK_SECRET": "w", "ESCALATION_SKILLS": "4001=Animal",
		"ESCALATION_SENDER_ID": "mail", "ESCALATION_NAME_VARIABLE": "name"}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := loadConfig(env(full), false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.redisPrefix != defaultRedisPrefix || cfg.nameVariable != "name" || cfg.senderID != "mail" || cfg.skills[4001] != "Animal" {
		t.Fatalf("config %+v", cfg)
	}
	full["ESCALATION_REDIS_PREFIX"] = "acme:escalation:"
	if cfg, err = loadConfig(env(full), false); err != nil || cfg.redisPrefix != "acme:escalation:" {
		t.Fatalf("prefix: %v %+v", err, cfg)
	}
	full["ESCALATION_REDIS_PREFIX"] = "{acme}:"
	if _, err = loadConfig(env(full), false); err == nil || !strings.Contains(err.Error(), "ESCALATION_REDIS_PREFIX") {
		t.Fatalf("a prefix with a brace: %v", err)
	}
	// The demo writes outside the bridge's own prefix, in a prefix of
	// its run alone.
	if p := demoPrefix(); !strings.HasPrefix(p, "deskbridge:escalation-demo:") || strings.HasPrefix(p, defaultRedisPrefix) || p == demoPrefix() {
		t.Fatalf("demoPrefix = %q", p)
	}
	if _, err := openStore("redis://:hunter2@[bad", "x:"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("a bad REDIS_URL: %v", err)
	}
}

func TestDyduReady(t *testing.T) {
	dy := dydutest.NewServer()
	defer dy.Close()
	dc, _ := dydu.NewClient(dydu.WithBotID(dy.BotID), dydu.WithBaseURL(dy.URL), dydu.WithMaxRetries(0))
	if err := dyduReady(context.Background(), dc); err != nil || dy.ContextCount() != 0 {
		t.Fatalf("dyduReady = %v, %d contexts opened", err, dy.ContextCount())
	}
	dy.SetDown(true)
	if err := dyduReady(context.Background(), dc); err == nil {
		t.Fatal("a Dydu that is down is ready")
	}
}

// The demo's check of its injected faults: a 503 that hit the agent's
// typing instead of the reply is reported, as is a reply delivered
// without the 503.
func TestCheckInjected(t *testing.T) {
	const reply = "Bonjour Jeanne"
	d := func(typ, body string, statuses ...int) conversationstest.Delivery {
		out := conversationstest.Delivery{EventType: typ, Body: []byte(body)}
		for _, s := range statuses {
			out.Attempts = append(out.Attempts, conversationstest.Attempt{Status: s})
		}
		return out
	}
	good := []conversationstest.Delivery{d("conversation:typing", "{}", 200), d("conversation:message", reply, 503, 200)}
	if p := checkInjected(good, reply, "file"); len(p) != 0 {
		t.Fatalf("the intended faults: %v", p)
	}
	onTyping := []conversationstest.Delivery{d("conversation:typing", "{}", 503, 200), d("conversation:message", reply, 200)}
	if p := strings.Join(checkInjected(onTyping, reply, "file"), "\n"); !strings.Contains(p, "missed the reply") || !strings.Contains(p, "not 503 then 200") {
		t.Fatalf("a 503 on the typing: %v", p)
	}
}

// The table has the agent's solve just before the hand-back, and its
// times never go backwards on the demo's clock.
func TestTableRows(t *testing.T) {
	t0 := demoStart
	chat := []escalation.Message{
		{ID: "m1", Time: t0, From: escalation.FromUser, Text: "Merci"},
		{ID: "handback.c1", Time: t0.Add(time.Minute), From: escalation.FromSystem, Text: "fin"},
		{ID: "m2", Time: t0.Add(2 * time.Minute), From: escalation.FromUser, Text: "Bonjour"},
	}
	rows := tableRows(chat, row{t: t0.Add(time.Minute), who: "agent", where: "zendesk", what: "solves ticket 1"})
	var whats []string
	for i, r := range rows {
		whats = append(whats, r.what)
		if i > 0 && r.t.Before(rows[i-1].t) {
			t.Fatalf("row %d goes back in time", i)
		}
	}
	if strings.Join(whats, "|") != "Merci|solves ticket 1|fin|Bonjour" {
		t.Fatalf("rows %v", whats)
	}
}
