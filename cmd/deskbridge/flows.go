package main

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
)

// A flow plugs into the command with one small adapter: a spec (its part
// of the file, validated with lines) that builds a runner (its Provision,
// and the running Flow with its handler and background work).

// flowSpec is one flow's part of the file.
type flowSpec interface {
	// common returns the settings every flow has.
	common() *flowCommon
	// validate reports what is wrong in the spec; path is "flows.NAME".
	validate(c *Config, path string, ps *problems)
	// tenants lists the tenants the flow uses.
	tenants() []tenantRef
	// runner builds the flow's runner once the clients are built; base is
	// the flow's public base URL (PublicURL + path), "" when not set.
	runner(e *env, name, base string) (flowRunner, error)
}

// flowRunner runs one flow: its Provision, and the Flow itself.
type flowRunner interface {
	// provision runs the flow's Provision, a dry run when dryRun is set.
	provision(ctx context.Context, dryRun, force bool) (flow.Report, error)
	// start builds the Flow on st, reporting every decision's outcome to
	// onResult. A webhook secret the file does not give is read from the
	// vendor (the flow must have been applied).
	start(ctx context.Context, st store.Store, onResult func(flow.Outcome)) (*running, error)
	// notes says what provisioning cannot do and the admin must (e.g.
	// Braze campaigns), "" when nothing; printed after apply.
	notes() string
}

// running is a built Flow: its handler (paths relative to the flow's
// path), its background work and its Check.
type running struct {
	handler    http.Handler
	background []func(context.Context) error
	check      func(context.Context) error
	// checked says, per side, what check reads (printed by check when it
	// passes): "zendesk acme: the credential, …".
	checked []string
	// ready is a cheap read of each side, for /readyz.
	ready []readinessCheck
}

// flowCommon is what every flow's part of the file has.
type flowCommon struct {
	// Type is the flow's kind; default the flow's name.
	Type string `yaml:"type"`
	// Path is where the flow is served, below public_url; default
	// "/NAME".
	Path string `yaml:"path"`
}

func (c *flowCommon) common() *flowCommon { return c }

// flowEntry is one parsed flow.
type flowEntry struct {
	Name string
	Type string
	Path string
	spec flowSpec
}

// kinds are the flows the command knows, by type.
var kinds = map[string]func() flowSpec{
	"statussync":  func() flowSpec { return &statussyncSpec{} },
	"smsbridge":   func() flowSpec { return &smsbridgeSpec{} },
	"escalation":  func() flowSpec { return &escalationSpec{} },
	"memorialize": func() flowSpec { return &memorializeSpec{} },
	"scenario":    func() flowSpec { return &scenarioSpec{} },
}

func kindNames() []string { return keys(kinds) }

func keys[V any](m map[string]V) []string { return slices.Sorted(mapKeys(m)) }

var pathRE = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)

// parseFlow decodes a flow's node into its kind's spec.
func parseFlow(name string, n *yaml.Node, ps *problems) (*flowEntry, bool) {
	path := "flows." + name
	if n.Kind != yaml.MappingNode {
		ps.list = append(ps.list, Problem{Line: n.Line, Path: path, Problem: "is not a mapping of settings", Fix: "the flow's settings, e.g. zendesk: acme"})
		return nil, false
	}
	typ := name
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "type" {
			typ = n.Content[i+1].Value
			ps.pos[path+".type"] = n.Content[i].Line
		}
	}
	mk, ok := kinds[typ]
	if !ok {
		p := path
		if typ != name {
			p += ".type"
		}
		ps.add(p, fmt.Sprintf("%q is not a flow this command knows", typ),
			"a flow named after its type ("+strings.Join(kindNames(), ", ")+"), or type: one of them, e.g. "+suggest(typ, kindNames()))
		return nil, false
	}
	spec := mk()
	walkKeys(n, reflect.TypeOf(spec).Elem(), path, ps)
	if err := n.Decode(spec); err != nil {
		typeErrors(err, ps)
	}
	c := spec.common()
	if c.Path == "" {
		c.Path = "/" + name
	}
	if !pathRE.MatchString(c.Path) {
		ps.add(path+".path", fmt.Sprintf("%q is not a path", c.Path), `"/`+name+`" (a slash, then letters, digits, . _ ~ -; no trailing slash)`)
	}
	return &flowEntry{Name: name, Type: typ, Path: c.Path, spec: spec}, true
}

// checkDuration reports a negative duration.
func checkDuration(ps *problems, path string, d interface{ Seconds() float64 }) {
	if d.Seconds() < 0 {
		ps.add(path, "is negative", "a positive duration such as 5s, or leave it out for the default")
	}
}

// secretList reads each secret of a list.
func secretList(e *env, path string, list []Secret) []string {
	var out []string
	for i, s := range list {
		if v := e.secrets.get(fmt.Sprintf("%s[%d]", path, i), s); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// needBase reports a flow whose provisioning needs public_url.
func needBase(base, name string) error {
	if base == "" {
		return fmt.Errorf("flow %s: public_url is not set, and provisioning points the vendors' webhooks at it; "+
			"write public_url: https://flows.example.com (where the vendors reach this service)", name)
	}
	return nil
}

// secretKeys maps a flow's shared-secret sender ([flow.SharedSecretAuth]'s
// Config field) to the key the file sets its secrets with, so that a
// problem with it points at the file's line.
var secretKeys = map[string]string{
	"AutomationAuth": "automation_secret",
	"BrazeAuth":      "braze_secrets",
	"StudioAuth":     "studio_secrets",
	"ScenarioAuth":   "secrets",
}

// explain writes a flow's configuration problems (the [flow.ConfigError]
// values its New or Provision returned) against the file: each at the
// line of the setting it names, when the file has one, e.g.
// Config.RetryAfter → flows.NAME.retry_after. Other errors are kept as
// they are.
func (c *Config) explain(name string, err error) string {
	probs := flow.Problems(err)
	if len(probs) == 0 {
		return err.Error()
	}
	ps := &problems{pos: c.pos}
	var b strings.Builder
	fmt.Fprintf(&b, "flow %s: %d problem(s) in its settings:", name, len(probs))
	for _, p := range probs {
		path := "flows." + name
		if f, ok := strings.CutPrefix(p.Field, "Config."); ok {
			end := strings.IndexFunc(f, func(r rune) bool { return r == '.' || r == '[' })
			if end < 0 {
				end = len(f)
			}
			key := f[:end]
			if k, ok := secretKeys[key]; ok {
				key = k
			}
			path += "." + snake(key)
		}
		msg := p.Problem
		if p.Value != "" {
			msg = fmt.Sprintf("%q %s", p.Value, msg)
		}
		b.WriteString("\n  " + Problem{Line: ps.line(path), Path: path, Problem: msg, Fix: p.Fix}.at(c.file))
	}
	// A side that could not be read is an error beside the problems.
	for _, o := range otherErrors(err) {
		b.WriteString("\n  " + o.Error())
	}
	return b.String()
}

// otherErrors returns the errors joined in err that hold no
// [flow.ConfigError]: what a Check could not read, beside its problems.
func otherErrors(err error) []error {
	if len(flow.Problems(err)) == 0 {
		return []error{err}
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return nil // one problem, wrapped
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, otherErrors(e)...)
	}
	return out
}

// snake turns a Go field name into the file's key: RetryAfter → retry_after.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && !(s[i-1] >= 'A' && s[i-1] <= 'Z') {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
