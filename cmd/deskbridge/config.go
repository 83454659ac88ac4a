package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole file: where to serve, the store, the tenants and
// the flows between them.
type Config struct {
	// Listen is the address serve listens on; default ":8080".
	Listen string `yaml:"listen"`
	// PublicURL is the https base URL where the vendors reach this
	// service; each flow is served below PublicURL + its path, and
	// provisioning points the vendors' webhooks there.
	PublicURL string `yaml:"public_url"`
	// Store is "memory" (the default: one replica) or a redis:// or
	// rediss:// URL (replicas share it).
	Store string `yaml:"store"`
	// StorePrefix prefixes every key in Redis; default "deskbridge:".
	// Each flow keeps its keys under StorePrefix + its name + ":", so two
	// flows of one type never share a key.
	StorePrefix string `yaml:"store_prefix"`
	// Log sets the log level ("debug", "info", "warn", "error") and format
	// ("json", "text"; default json when stderr is not a terminal).
	Log struct {
		Level  string `yaml:"level"`
		Format string `yaml:"format"`
	} `yaml:"log"`
	Tenants Tenants `yaml:"tenants"`
	// Flows maps a flow's name to its configuration; its type is the
	// name unless `type` says otherwise.
	Flows map[string]yaml.Node `yaml:"flows"`

	// parsed flows, in name order.
	flows []*flowEntry
	// file is the file's name in messages; pos the line of each path.
	file string
	pos  map[string]int
}

// Secret is a reference to a credential: "${ENV_VAR}" or a file path
// ("file:relative/path", "/abs/path", "./rel/path"). A literal is refused.
type Secret string

// Tenants are the accounts the flows connect, by name.
type Tenants struct {
	Zendesk       map[string]*ZendeskTenant       `yaml:"zendesk"`
	Babelforce    map[string]*BabelforceTenant    `yaml:"babelforce"`
	Braze         map[string]*BrazeTenant         `yaml:"braze"`
	CXone         map[string]*CXoneTenant         `yaml:"cxone"`
	BrightPattern map[string]*BrightPatternTenant `yaml:"brightpattern"`
	Dydu          map[string]*DyduTenant          `yaml:"dydu"`
	Conversations map[string]*ConversationsTenant `yaml:"conversations"`
}

// ZendeskTenant is a Zendesk account: an API token (email + token) or an
// OAuth access token.
type ZendeskTenant struct {
	Subdomain  string `yaml:"subdomain"`
	BaseURL    string `yaml:"base_url"`
	Email      string `yaml:"email"`
	APIToken   Secret `yaml:"api_token"`
	OAuthToken Secret `yaml:"oauth_token"`
}

// BabelforceTenant is a babelforce environment with a manager user (the
// password grant) or an access token.
type BabelforceTenant struct {
	Environment string `yaml:"environment"`
	BaseURL     string `yaml:"base_url"`
	Username    string `yaml:"username"`
	Password    Secret `yaml:"password"`
	AccessToken Secret `yaml:"access_token"`
}

// BrazeTenant is a Braze instance and REST API key.
type BrazeTenant struct {
	Instance string `yaml:"instance"`
	BaseURL  string `yaml:"base_url"`
	APIKey   Secret `yaml:"api_key"`
}

// CXoneTenant is a CXone tenant with an access key.
type CXoneTenant struct {
	TenantID        string `yaml:"tenant_id"`
	BaseURL         string `yaml:"base_url"`
	AccessKeyID     string `yaml:"access_key_id"`
	AccessKeySecret Secret `yaml:"access_key_secret"`
	ClientID        string `yaml:"client_id"`
	ClientSecret    Secret `yaml:"client_secret"`
}

// BrightPatternTenant is a Bright Pattern tenant with API client
// credentials.
type BrightPatternTenant struct {
	TenantURL string `yaml:"tenant_url"`
	BaseURL   string `yaml:"base_url"`
	LoginID   string `yaml:"login_id"`
	APISecret Secret `yaml:"api_secret"`
}

// DyduTenant is a Dydu bot.
type DyduTenant struct {
	BotID         string   `yaml:"bot_id"`
	Servers       []string `yaml:"servers"`
	BaseURL       string   `yaml:"base_url"`
	Language      string   `yaml:"language"`
	Space         string   `yaml:"space"`
	AdminLogin    string   `yaml:"admin_login"`
	AdminPassword Secret   `yaml:"admin_password"`
}

// ConversationsTenant is a Sunshine Conversations app with an app-scoped
// key (Basic auth, or JWTs signed with it when jwt is true).
type ConversationsTenant struct {
	Subdomain string `yaml:"subdomain"`
	Region    string `yaml:"region"`
	BaseURL   string `yaml:"base_url"`
	AppID     string `yaml:"app_id"`
	KeyID     string `yaml:"key_id"`
	KeySecret Secret `yaml:"key_secret"`
	JWT       bool   `yaml:"jwt"`
}

// Problem is one thing wrong with the file, at a line, with what to write
// instead.
type Problem struct {
	Line    int
	Path    string
	Problem string
	Fix     string
}

// String returns the problem on one line: "line N: path: problem; write
// instead: fix".
func (p Problem) String() string {
	s := ""
	if p.Line > 0 {
		s = fmt.Sprintf("line %d: ", p.Line)
	}
	if p.Path != "" {
		s += p.Path + ": "
	}
	s += p.Problem
	if p.Fix != "" {
		s += "; write instead: " + p.Fix
	}
	return s
}

// at returns the problem as editors and compilers write a place in a
// file, "file:N: path: problem; write instead: fix", so that an editor
// jumps to the line; "file: …" when the problem has no line.
func (p Problem) at(file string) string {
	q := p
	q.Line = 0
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", file, p.Line, q)
	}
	return file + ": " + q.String()
}

// ConfigError is every problem of a file at once.
type ConfigError struct {
	File     string
	Problems []Problem
}

// Error lists every problem, one per line, each at "file:N:".
func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problem", e.File, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString(":")
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.at(e.File))
	}
	return b.String()
}

// problems collects Problems with the line of each path.
type problems struct {
	pos  map[string]int
	list []Problem
}

func (ps *problems) add(path, problem, fix string) {
	ps.list = append(ps.list, Problem{Line: ps.line(path), Path: path, Problem: problem, Fix: fix})
}

// line is the line of path, or of its nearest parent that has one.
func (ps *problems) line(path string) int { return lineOf(ps.pos, path) }

// lineOf is the line of path in pos, or of its nearest parent that has
// one; 0 when none has.
func lineOf(pos map[string]int, path string) int {
	for p := path; p != ""; {
		if l, ok := pos[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

// maxConfigSize bounds the file: a config is a few kilobytes.
const maxConfigSize = 1 << 20

// ParseConfig parses and validates a YAML (or JSON) file's bytes. name is
// the file's name in messages. It returns every problem at once as a
// [*ConfigError].
func ParseConfig(name string, data []byte) (*Config, error) {
	cfg := &Config{file: name, pos: map[string]int{}}
	ps := &problems{pos: cfg.pos}
	fail := func() error { return &ConfigError{File: name, Problems: ps.list} }
	if len(data) > maxConfigSize {
		ps.add("", fmt.Sprintf("the file is %d bytes, over the %d-byte limit of a configuration", len(data), maxConfigSize), "a smaller file")
		return nil, fail()
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, errEOF) || err.Error() == "EOF" {
			ps.add("", "the file is empty", "tenants: and flows: (see deskbridge help config)")
			return nil, fail()
		}
		ps.list = append(ps.list, Problem{Line: yamlErrLine(err), Problem: "not valid YAML or JSON: " + strings.TrimPrefix(err.Error(), "yaml: "), Fix: "fix the syntax at that line"})
		return nil, fail()
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		ps.list = append(ps.list, Problem{Line: doc.Line, Problem: "the file is not a mapping of settings", Fix: "tenants: and flows: at the top level"})
		return nil, fail()
	}
	walkKeys(doc, reflect.TypeOf(Config{}), "", ps)
	if err := doc.Decode(cfg); err != nil {
		typeErrors(err, ps)
	}
	cfg.pos = ps.pos
	cfg.validate(ps)
	if len(ps.list) > 0 {
		sort.SliceStable(ps.list, func(i, j int) bool { return ps.list[i].Line < ps.list[j].Line })
		return nil, fail()
	}
	return cfg, nil
}

var errEOF = errors.New("EOF")

var lineRE = regexp.MustCompile(`line (\d+)`)

func yamlErrLine(err error) int {
	if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// typeErrors turns yaml's unmarshal errors (a value of the wrong type)
// into problems.
func typeErrors(err error, ps *problems) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		ps.list = append(ps.list, Problem{Line: yamlErrLine(err), Problem: err.Error()})
		return
	}
	for _, e := range te.Errors {
		msg := lineRE.ReplaceAllString(e, "")
		msg = strings.TrimLeft(msg, ": ")
		fix := "a value of the right type"
		if strings.Contains(msg, "time.Duration") {
			fix = `a duration such as "15s" or "2m"`
		} else if strings.Contains(msg, "[]") {
			fix = "a list, e.g. [a, b]"
		} else if strings.Contains(msg, "bool") {
			fix = "true or false"
		}
		ps.list = append(ps.list, Problem{Line: yamlErrLine(fmt.Errorf("%s", e)), Problem: "wrong type: " + msg, Fix: fix})
	}
}

// walkKeys records the line of every path under n and reports every key
// that t has no field for, with the known keys closest to it.
func walkKeys(n *yaml.Node, t reflect.Type, path string, ps *problems) {
	if n == nil {
		return
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
		if n == nil {
			return
		}
	}
	if _, ok := ps.pos[path]; !ok || path == "" {
		ps.pos[path] = n.Line
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(yaml.Node{}) {
		return // decoded later, by its own type (the flows)
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // the decode reports the type
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			ps.pos[p] = k.Line
			ft, ok := fields[k.Value]
			if !ok {
				ps.add(p, fmt.Sprintf("unknown key %q", k.Value), suggest(k.Value, slices.Sorted(mapKeys(fields))))
				continue
			}
			walkKeys(v, ft, p, ps)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			ps.pos[p] = k.Line
			walkKeys(v, t.Elem(), p, ps)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, v := range n.Content {
			walkKeys(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i), ps)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// fieldsCache holds yamlFields' answer per type.
var fieldsCache sync.Map // reflect.Type → map[string]reflect.Type

// yamlFields maps the yaml keys of struct t (inline fields included) to
// their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldsCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	out := map[string]reflect.Type{}
	defer fieldsCache.Store(t, out)
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") && f.Anonymous {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// suggest names the known keys closest to key, or lists them all.
func suggest(key string, known []string) string {
	best, bestD := "", 1<<30
	for _, k := range known {
		if d := distance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" && bestD <= max(2, len(key)/3) {
		return fmt.Sprintf("%q (one of: %s)", best, strings.Join(known, ", "))
	}
	return "one of: " + strings.Join(known, ", ")
}

// distance is the Levenshtein distance of a and b (short keys only).
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// validate checks what the types cannot: required settings, references
// between flows and tenants, secrets, URLs; then each flow's own.
func (c *Config) validate(ps *problems) {
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
			ps.add("public_url", fmt.Sprintf("%q is not an http(s) base URL", c.PublicURL), "https://flows.example.com")
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	switch s := c.Store; {
	case s == "", s == "memory":
	case strings.HasPrefix(s, "redis://"), strings.HasPrefix(s, "rediss://"):
		u, err := url.Parse(s)
		switch {
		case err != nil:
			ps.add("store", "is not a valid Redis URL", "redis://host:6379/0")
		case u.User != nil:
			if _, hasPassword := u.User.Password(); hasPassword {
				ps.add("store", "holds a password written in the file (not shown); secrets are references, never literals",
					`"${REDIS_URL}", the whole URL from the environment`)
			}
		}
	case strings.HasPrefix(s, "${"):
		// resolved at run time, like a secret (a URL may carry a password)
	case strings.Contains(s, "@"):
		// A URL with a user part: it may hold a password, never shown.
		ps.add("store", "is neither memory nor a redis:// URL (not shown: it may hold a password)", `memory, redis://host:6379/0, or "${REDIS_URL}"`)
	default:
		ps.add("store", fmt.Sprintf("%q is neither memory nor a redis:// URL", s), `memory, redis://host:6379/0, or "${REDIS_URL}"`)
	}
	switch c.Log.Level {
	case "", "debug", "info", "warn", "error":
	default:
		ps.add("log.level", fmt.Sprintf("%q is not a level", c.Log.Level), "debug, info, warn or error")
	}
	switch c.Log.Format {
	case "", "json", "text":
	default:
		ps.add("log.format", fmt.Sprintf("%q is not a format", c.Log.Format), "json or text")
	}
	c.validateTenants(ps)
	if len(c.Flows) == 0 {
		ps.add("flows", "no flow is configured", "flows: with one entry per flow, e.g. statussync: {zendesk: acme, babelforce: prod}")
	}
	paths := map[string]string{}
	for _, name := range slices.Sorted(mapKeys(c.Flows)) {
		node := c.Flows[name]
		e, ok := parseFlow(name, &node, ps)
		if !ok {
			continue
		}
		e.spec.validate(c, "flows."+name, ps)
		if other, dup := paths[e.Path]; dup {
			ps.add("flows."+name+".path", fmt.Sprintf("%q is also the path of flow %q", e.Path, other), "a path of its own, e.g. /"+name)
		}
		paths[e.Path] = name
		c.flows = append(c.flows, e)
	}
}

// validateTenants checks each tenant's host and credentials.
func (c *Config) validateTenants(ps *problems) {
	t := &c.Tenants
	oneOf := func(p string, fix string, vals ...string) {
		n := 0
		for _, v := range vals {
			if v != "" {
				n++
			}
		}
		if n == 0 {
			ps.add(p, "has no host", fix)
		}
	}
	eachTenant(ps, "zendesk", t.Zendesk, "subdomain: and email: with api_token:", func(p string, z *ZendeskTenant) {
		oneOf(p, "subdomain: acme (for https://acme.zendesk.com), or base_url:", z.Subdomain, z.BaseURL)
		checkSecret(ps, p+".api_token", z.APIToken)
		checkSecret(ps, p+".oauth_token", z.OAuthToken)
		switch {
		case z.OAuthToken != "" && z.APIToken != "":
			ps.add(p, "has both api_token and oauth_token", "one of them")
		case z.OAuthToken == "" && z.APIToken == "":
			ps.add(p, "has no credential", `email: admin@example.com and api_token: "${ZENDESK_API_TOKEN}", or oauth_token: "${ZENDESK_OAUTH_TOKEN}"`)
		case z.APIToken != "" && z.Email == "":
			ps.add(p+".api_token", "has no email beside it", "email: the address of the admin who owns the token")
		}
	})
	eachTenant(ps, "babelforce", t.Babelforce, "environment:, username: and password:", func(p string, b *BabelforceTenant) {
		oneOf(p, "environment: acme (for https://acme.babelforce.com), or base_url:", b.Environment, b.BaseURL)
		checkSecret(ps, p+".password", b.Password)
		checkSecret(ps, p+".access_token", b.AccessToken)
		if b.AccessToken == "" && (b.Username == "" || b.Password == "") {
			ps.add(p, "has no credential", `username: a manager user and password: "${BABELFORCE_PASSWORD}", or access_token:`)
		}
	})
	eachTenant(ps, "braze", t.Braze, `instance: US-01 and api_key: "${BRAZE_API_KEY}"`, func(p string, b *BrazeTenant) {
		oneOf(p, "instance: US-01 (your dashboard's instance), or base_url:", b.Instance, b.BaseURL)
		checkSecret(ps, p+".api_key", b.APIKey)
		if b.APIKey == "" {
			ps.add(p, "has no api_key", `api_key: "${BRAZE_API_KEY}"`)
		}
	})
	eachTenant(ps, "cxone", t.CXone, "tenant_id:, access_key_id:, access_key_secret:, client_id:, client_secret:", func(p string, x *CXoneTenant) {
		oneOf(p, "tenant_id: your tenant's id, or base_url:", x.TenantID, x.BaseURL)
		checkSecret(ps, p+".access_key_secret", x.AccessKeySecret)
		checkSecret(ps, p+".client_secret", x.ClientSecret)
		if x.AccessKeyID == "" || x.AccessKeySecret == "" || x.ClientID == "" || x.ClientSecret == "" {
			ps.add(p, "lacks part of its access key", `access_key_id:, access_key_secret: "${CXONE_ACCESS_KEY_SECRET}", client_id:, client_secret: "${CXONE_CLIENT_SECRET}"`)
		}
	})
	eachTenant(ps, "brightpattern", t.BrightPattern, "tenant_url:, login_id:, api_secret:", func(p string, b *BrightPatternTenant) {
		oneOf(p, "tenant_url: acme.brightpattern.com, or base_url:", b.TenantURL, b.BaseURL)
		checkSecret(ps, p+".api_secret", b.APISecret)
		if b.LoginID == "" || b.APISecret == "" {
			ps.add(p, "has no API credential", `login_id: and api_secret: "${BRIGHTPATTERN_API_SECRET}"`)
		}
	})
	eachTenant(ps, "dydu", t.Dydu, "bot_id: and servers:", func(p string, d *DyduTenant) {
		if d.BotID == "" {
			ps.add(p, "has no bot_id", "bot_id: the bot's UUID (BMS › Paramètres)")
		}
		if len(d.Servers) == 0 && d.BaseURL == "" {
			ps.add(p, "has no servers", "servers: [https://app1.dydu-priv.com/servlet/api] or base_url:")
		}
		checkSecret(ps, p+".admin_password", d.AdminPassword)
	})
	eachTenant(ps, "conversations", t.Conversations, "subdomain:, app_id:, key_id:, key_secret:", func(p string, x *ConversationsTenant) {
		oneOf(p, "subdomain: acme (the Zendesk account), region:, or base_url:", x.Subdomain, x.Region, x.BaseURL)
		checkSecret(ps, p+".key_secret", x.KeySecret)
		if x.AppID == "" || x.KeyID == "" || x.KeySecret == "" {
			ps.add(p, "lacks its app or key", `app_id:, key_id: and key_secret: "${SUNCO_KEY_SECRET}"`)
		}
	})
}

// eachTenant calls check with every tenant of kind, in name order, after
// reporting an empty one (fix says what it needs).
func eachTenant[T any](ps *problems, kind string, tenants map[string]*T, fix string, check func(path string, t *T)) {
	for _, n := range keys(tenants) {
		p := "tenants." + kind + "." + n
		if tenants[n] == nil {
			ps.add(p, "is empty", fix)
			continue
		}
		check(p, tenants[n])
	}
}

// durationOff reads a duration setting that may be "off".
type durationOff struct {
	d   time.Duration
	off bool
	set bool
}

// UnmarshalYAML reads "15s", "2m" or "off".
func (d *durationOff) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	d.set = true
	if strings.EqualFold(s, "off") || s == "0" {
		d.off = true
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a positive duration or off", n.Line, s)}}
	}
	d.d = v
	return nil
}
