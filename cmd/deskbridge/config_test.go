package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goodYAML is a file for three flows, every tenant kind named.
const goodYAML = `listen: ":9090"
public_url: https://flows.example.com/
store: redis://localhost:6379/0
tenants:
  zendesk:
    acme:
      subdomain: acme
      email: admin@acme.com
      api_token: ${ZENDESK_API_TOKEN}
  babelforce:
    prod: {environment: acme, username: manager@acme.com, password: "${BABELFORCE_PASSWORD}"}
  braze:
    main: {instance: US-01, api_key: "file:secrets/braze"}
  dydu:
    bot: {bot_id: 7a1e, servers: [https://app1.dydu-priv.com/servlet/api]}
  conversations:
    app: {subdomain: acme, app_id: 5f00, key_id: app_1, key_secret: /run/secrets/sunco}
  cxone:
    eu: {tenant_id: abc, access_key_id: k, access_key_secret: "${X}", client_id: c, client_secret: "${Y}"}
  brightpattern:
    bp: {tenant_url: acme.brightpattern.com, login_id: api, api_secret: "${BP}"}
flows:
  statussync:
    zendesk: acme
    babelforce: prod
    poll_interval: 30s
  sms:
    type: smsbridge
    path: /sms
    zendesk: acme
    braze: main
    reply_campaign_id: c-1
    braze_secrets: ["${BRAZE_WEBHOOK_SECRET}"]
  escalation:
    dydu: bot
    conversations: app
    zendesk: acme
    skills: {123: Animal}
    authorize: {chat_key: "${ESCALATION_CHAT_KEY}"}
  memorialize:
    cxone: eu
    zendesk: acme
    mapping:
      ticket: [{title: CXone ANI, channel: voice, data: ANI}]
      user: [{key: cxone_agent, channel: script_variable, data: agentname}]
    workflows: {search_ani: true, create_ticket: true}
    settle: 2m
    max_attempts: 8
  scenario:
    accounts: [acme]
    brightpattern: bp
    recipe: inbound_call
    secrets: ["${BP_SCENARIO_SECRET}"]
    fields: [{title: BP Skill, value: "$(item.skill)"}]
    timeout: 15s
    done_ttl: 48h
`

// goodJSON is a file in JSON.
const goodJSON = `{
  "public_url": "https://flows.example.com",
  "tenants": {"zendesk": {"acme": {"subdomain": "acme", "oauth_token": "${ZD_OAUTH}"}},
              "babelforce": {"prod": {"environment": "acme", "access_token": "${BF}"}}},
  "flows": {"statussync": {"zendesk": "acme", "babelforce": "prod"}}
}`

// base is a valid file's head, for the bad cases to add to.
const base = `public_url: https://flows.example.com
tenants:
  zendesk:
    acme: {subdomain: acme, email: a@b.c, api_token: "${T}"}
  babelforce:
    prod: {environment: acme, username: u, password: "${P}"}
`

func TestParseConfigGood(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		flows      []string // name:type:path
	}{
		{"yaml", goodYAML, []string{"escalation:escalation:/escalation", "memorialize:memorialize:/memorialize", "scenario:scenario:/scenario",
			"sms:smsbridge:/sms", "statussync:statussync:/statussync"}},
		{"json", goodJSON, []string{"statussync:statussync:/statussync"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig("f.yaml", []byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range cfg.flows {
				got = append(got, f.Name+":"+f.Type+":"+f.Path)
			}
			if strings.Join(got, " ") != strings.Join(tc.flows, " ") {
				t.Errorf("flows = %v, want %v", got, tc.flows)
			}
			if strings.HasSuffix(cfg.PublicURL, "/") {
				t.Errorf("public_url keeps its trailing slash: %q", cfg.PublicURL)
			}
		})
	}
	cfg, err := ParseConfig("f.yaml", []byte(goodYAML))
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.flows[4].spec.(*statussyncSpec); s.PollInterval.d.Seconds() != 30 {
		t.Errorf("poll_interval = %v, want 30s", s.PollInterval.d)
	}
	if s := cfg.flows[0].spec.(*escalationSpec); s.Skills[123] != "Animal" || s.Authorize.ChatKey != "${ESCALATION_CHAT_KEY}" {
		t.Errorf("skills = %v, authorize = %+v", s.Skills, s.Authorize)
	}
	if s := cfg.flows[1].spec.(*memorializeSpec); s.Settle.Minutes() != 2 || s.MaxAttempts != 8 {
		t.Errorf("settle = %v, max_attempts = %d", s.Settle, s.MaxAttempts)
	}
	if s := cfg.flows[2].spec.(*scenarioSpec); s.Timeout.Seconds() != 15 || s.DoneTTL.Hours() != 48 {
		t.Errorf("timeout = %v, done_ttl = %v", s.Timeout, s.DoneTTL)
	}
}

func TestParseConfigBad(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		// want are substrings of the problems, in order; each "f.yaml:N:"
		// names the line the problem must be reported at.
		want []string
	}{
		{"empty", ``, []string{"the file is empty"}},
		{"syntax", "tenants:\n  zendesk: [\n", []string{"not valid YAML"}},
		{"not a mapping", "- a\n- b\n", []string{"f.yaml:1: the file is not a mapping"}},
		{"unknown top key, suggested", base + "listn: :80\nflows:\n  statussync: {zendesk: acme, babelforce: prod}\n",
			[]string{`f.yaml:7: listn: unknown key "listn"; write instead: "listen"`}},
		{"unknown tenant key", strings.Replace(base, "api_token", "api_tokn", 1) + "flows:\n  statussync: {zendesk: acme, babelforce: prod}\n",
			[]string{`f.yaml:4: tenants.zendesk.acme.api_tokn: unknown key "api_tokn"; write instead: "api_token"`, "f.yaml:4: tenants.zendesk.acme: has no credential"}},
		{"unknown flow key", base + "flows:\n  statussync:\n    zendesk: acme\n    babelforce: prod\n    poll_intervall: 5s\n",
			[]string{`f.yaml:11: flows.statussync.poll_intervall: unknown key "poll_intervall"; write instead: "poll_interval"`}},
		{"unknown flow type", base + "flows:\n  sync:\n    zendesk: acme\n",
			[]string{`f.yaml:8: flows.sync: "sync" is not a flow this command knows`}},
		{"unknown type key", base + "flows:\n  s:\n    type: statusync\n",
			[]string{`f.yaml:9: flows.s.type: "statusync" is not a flow`, `"statussync"`}},
		{"missing tenant", base + "flows:\n  statussync:\n    zendesk: acme2\n    babelforce: prod\n",
			[]string{`f.yaml:9: flows.statussync.zendesk: "acme2" is not a zendesk tenant; write instead: one of: acme`}},
		{"no tenant named", base + "flows:\n  statussync:\n    babelforce: prod\n",
			[]string{"flows.statussync.zendesk: names no zendesk tenant; write instead: zendesk: acme"}},
		{"literal secret that looks like a credential", strings.Replace(base, `"${T}"`, "Zx81kQ0pLm3vT9aa", 1) + "flows:\n  statussync: {zendesk: acme, babelforce: prod}\n",
			[]string{`f.yaml:4: tenants.zendesk.acme.api_token: looks like a credential written in the file (16 characters, not shown); secrets are references, never literals; write instead: "${ZENDESK_ACME_API_TOKEN}"`}},
		{"literal secret", strings.Replace(base, `"${P}"`, "hunter", 1) + "flows:\n  statussync: {zendesk: acme, babelforce: prod}\n",
			[]string{"f.yaml:6: tenants.babelforce.prod.password: is written in the file"}},
		{"partial reference", strings.Replace(base, `"${P}"`, `"pre${P}"`, 1) + "flows:\n  statussync: {zendesk: acme, babelforce: prod}\n",
			[]string{"is not a whole ${NAME} reference"}},
		{"wrong type", base + "flows:\n  statussync:\n    zendesk: acme\n    babelforce: prod\n    retry_after: soon\n",
			[]string{"f.yaml:11: wrong type", `write instead: a duration such as "15s"`}},
		{"bad poll interval", base + "flows:\n  statussync:\n    zendesk: acme\n    babelforce: prod\n    poll_interval: -3s\n",
			[]string{"f.yaml:11: wrong type", "is not a positive duration or off"}},
		{"poll off without automation", base + "flows:\n  statussync:\n    zendesk: acme\n    babelforce: prod\n    poll_interval: \"off\"\n",
			[]string{"f.yaml:11: flows.statussync.poll_interval: is off and there is no automation_secret"}},
		{"two flows on one path", base + "flows:\n  statussync: {zendesk: acme, babelforce: prod}\n  other: {type: statussync, path: /statussync, zendesk: acme, babelforce: prod}\n",
			[]string{`flows.statussync.path: "/statussync" is also the path of flow "other"`}},
		{"bad path", base + "flows:\n  statussync: {zendesk: acme, babelforce: prod, path: \"/a/\"}\n",
			[]string{`flows.statussync.path: "/a/" is not a path`}},
		{"no flows", base, []string{"flows: no flow is configured"}},
		{"redis password", "store: redis://:s3cretPass@redis:6379/0\n" + base + "flows:\n  statussync: {zendesk: acme, babelforce: prod}\n",
			[]string{`f.yaml:1: store: holds a password written in the file (not shown); secrets are references, never literals; write instead: "${REDIS_URL}"`}},
		{"memorialize mapping", base + "flows:\n  memorialize:\n    zendesk: acme\n    cxone: eu\n    mapping:\n      tickets: [{title: A, channel: phone, data: ANI}]\n",
			[]string{`flows.memorialize.cxone: "eu" is not a cxone tenant`, `f.yaml:12: flows.memorialize.mapping.tickets: "tickets" is not a record type`, `flows.memorialize.mapping.tickets[0].channel: "phone" is not a channel; write instead: voice, digital or script_variable`}},
		{"scenario", base + "flows:\n  scenario:\n    accounts: [acme, other]\n    recipe: outbound\n",
			[]string{"flows.scenario: has no secrets", `f.yaml:9: flows.scenario.accounts[1]: "other" is not a zendesk tenant`, `flows.scenario.recipe: "outbound" is not a scenario`}},
		{"flow settings", base + "flows:\n  memorialize:\n    zendesk: acme\n    cxone: eu\n    mapping: {ticket: [{title: A, channel: voice, data: ANI}]}\n    settle: -1m\n    max_attempts: -2\n" +
			"  scenario:\n    accounts: [acme]\n    recipe: inbound_call\n    timeout: -1s\n    done_ttl: -1h\n" +
			"  escalation:\n    zendesk: acme\n    authorize: {chat_key: hunter}\n",
			[]string{"f.yaml:12: flows.memorialize.settle: is negative", "f.yaml:13: flows.memorialize.max_attempts: is negative",
				"f.yaml:17: flows.scenario.timeout: is negative", "f.yaml:18: flows.scenario.done_ttl: is negative", "f.yaml:21: flows.escalation.authorize.chat_key: is written in the file"}},
		{"bad store and url", "public_url: ftp://x\nstore: mysql://db\n" + base[strings.Index(base, "tenants"):] + "flows:\n  statussync: {zendesk: acme, babelforce: prod}\n",
			[]string{`f.yaml:1: public_url: "ftp://x" is not an http(s) base URL`, `f.yaml:2: store: "mysql://db" is neither memory nor a redis:// URL`}},
		{"every problem at once", strings.Replace(base, "subdomain", "subdomian", 1) + "colour: red\nflows:\n  smsbridge:\n    zendesk: acme\n    braze: main\n",
			[]string{`f.yaml:4: tenants.zendesk.acme.subdomian: unknown key`, "f.yaml:4: tenants.zendesk.acme: has no host", `f.yaml:7: colour: unknown key`,
				`flows.smsbridge: has no reply_campaign_id`, `flows.smsbridge: has no braze_secrets`, `f.yaml:11: flows.smsbridge.braze: "main" is not a braze tenant; write instead: add it under tenants.braze`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig("f.yaml", []byte(tc.data))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
			msg := err.Error()
			at := 0
			for _, w := range tc.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("the error lacks %q (in order) in:\n%s", w, msg)
				}
				at += i
			}
		})
	}
}

func TestParseConfigNeverShowsASecret(t *testing.T) {
	const secret = "Zx81kQ0pLm3vT9aaQQ"
	data := strings.Replace(base, `"${T}"`, secret, 1) + "flows:\n  statussync: {zendesk: acme, babelforce: prod, automation_secret: " + secret + "}\n"
	_, err := ParseConfig("f.yaml", []byte(data))
	if err == nil {
		t.Fatal("a literal secret was accepted")
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), secret[:8]) {
		t.Errorf("the error shows the secret:\n%v", err)
	}
	if n := strings.Count(err.Error(), "never literals"); n != 2 {
		t.Errorf("%d secrets refused, want 2:\n%v", n, err)
	}
}

func TestResolveSecrets(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tok"), []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &resolver{getenv: func(k string) string { return map[string]string{"A": " from-env "}[k] }, dir: dir}
	if got := r.get("x", "${A}"); got != "from-env" {
		t.Errorf("env = %q", got)
	}
	if got := r.get("x", "file:tok"); got != "from-file" {
		t.Errorf("file: = %q", got)
	}
	if got := r.get("x", Secret(filepath.Join(dir, "tok"))); got != "from-file" {
		t.Errorf("absolute path = %q", got)
	}
	if err := r.err(); err != nil {
		t.Fatal(err)
	}
	r.get("tenants.zendesk.acme.api_token", "${MISSING}")
	r.get("y", "file:nope")
	err := r.err()
	if err == nil || !strings.Contains(err.Error(), "tenants.zendesk.acme.api_token: the environment variable MISSING is not set") ||
		!strings.Contains(err.Error(), "y: cannot read the secret file") {
		t.Errorf("err = %v", err)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"api_token", "base_url", "email", "oauth_token", "subdomain"}
	for key, want := range map[string]string{"subdomian": `"subdomain"`, "EMAIL": `"email"`, "zzzzzzzz": "one of: api_token"} {
		if got := suggest(key, known); !strings.HasPrefix(got, want) {
			t.Errorf("suggest(%q) = %q, want it to start with %q", key, got, want)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{goodYAML, goodJSON, base, "", "a: [", "flows:\n  x: 1\n", "&a [*a]", "flows: {statussync: {skills: {1: x}}}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("fuzz.yaml", data)
		if err == nil {
			if len(cfg.flows) == 0 {
				t.Fatal("a file without flows was accepted")
			}
			return
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || len(ce.Problems) == 0 {
			t.Fatalf("err = %T %v, want a *ConfigError with problems", err, err)
		}
	})
}

// A secret that cannot be read (a variable not set, a file missing) is
// reported at its setting's line, as the file's own problems are.
func TestSecretErrorsAtTheirLine(t *testing.T) {
	w := newTestWorld(t, "statussync")
	data := strings.Replace(w.config(), "automation_secret: ${DEMO_AUTOMATION_SECRET}",
		"automation_secret: file:no-such-secret\n    zendesk_secrets: [\"${DEMO_ZENDESK_TOKEN}\", ./missing]", 1)
	file := filepath.Join(t.TempDir(), "deskbridge.yaml")
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	line := func(part string) int {
		for i, l := range strings.Split(data, "\n") {
			if strings.Contains(l, part) {
				return i + 1
			}
		}
		t.Fatalf("no %q in the file", part)
		return 0
	}
	// A tenant's variable not set: reported as the clients are built.
	noPassword := func(k string) string {
		if k == "DEMO_BABELFORCE_PASSWORD" {
			return ""
		}
		return w.getenv(k)
	}
	code, _, errOut := runCmd(t, noPassword, "plan", "-config", file)
	want := fmt.Sprintf("%s:%d: tenants.babelforce.demo.password: the environment variable DEMO_BABELFORCE_PASSWORD is not set", file, line("password: ${DEMO_BABELFORCE_PASSWORD}"))
	if code != exitError || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, want %q in:\n%s", code, want, errOut)
	}
	// A flow's secret files missing: both reported, each at its line.
	code, _, errOut = runCmd(t, w.getenv, "plan", "-config", file)
	for _, want := range []string{
		fmt.Sprintf("%s:%d: flows.statussync.automation_secret: cannot read the secret file: ", file, line("automation_secret:")),
		fmt.Sprintf("%s:%d: flows.statussync.zendesk_secrets[1]: cannot read the secret file: ", file, line("zendesk_secrets:")),
	} {
		if code != exitError || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, want %q in:\n%s", code, want, errOut)
		}
	}
}
