package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/dydu/dydutest"
	"github.com/deskbridge/deskbridge/dydu/escalation"
	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
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
	if p := demoPrefix(defaultRedisPrefix); !strings.HasPrefix(p, defaultRedisPrefix+"demo-") || p == demoPrefix(defaultRedisPrefix) {
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
