package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// A file with a typo, a literal secret and a flow naming a tenant that
// does not exist: every problem at once, each at its line with what to
// write instead. The secret is never shown.
func Example_configProblems() {
	const file = `public_url: https://flows.example.com
tenants:
  zendesk:
    acme: {subdomian: acme, email: admin@acme.com, api_token: Zx81kQ0pLm3vT9aa}
  babelforce:
    prod: {environment: acme, username: manager, password: "${BABELFORCE_PASSWORD}"}
flows:
  statussync:
    zendesk: acme
    babelforce: staging
`
	_, err := ParseConfig("deskbridge.yaml", []byte(file))
	fmt.Println(err)
	// Output:
	// deskbridge.yaml: 4 problems:
	//   deskbridge.yaml:4: tenants.zendesk.acme.subdomian: unknown key "subdomian"; write instead: "subdomain" (one of: api_token, base_url, email, oauth_token, subdomain)
	//   deskbridge.yaml:4: tenants.zendesk.acme: has no host; write instead: subdomain: acme (for https://acme.zendesk.com), or base_url:
	//   deskbridge.yaml:4: tenants.zendesk.acme.api_token: looks like a credential written in the file (16 characters, not shown); secrets are references, never literals; write instead: "${ZENDESK_ACME_API_TOKEN}" (an environment variable) or file:/run/secrets/zendesk_acme_api_token
	//   deskbridge.yaml:10: flows.statussync.babelforce: "staging" is not a babelforce tenant; write instead: one of: prod, or add it under tenants.babelforce
}

// The plan of a flow on the fakes: what apply would create on each side.
func Example_plan() {
	w, err := newWorld("statussync")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.close()
	dir, _ := os.MkdirTemp("", "deskbridge-example")
	defer os.RemoveAll(dir)
	file := dir + "/deskbridge.yaml"
	_ = os.WriteFile(file, []byte(w.config()), 0o600)
	code := run(context.Background(), []string{"plan", "-config", file, "-flow", "statussync"}, stdio{out: io.Discard, err: io.Discard, getenv: w.getenv})
	fmt.Println("exit code", code)
	// Output:
	// exit code 2
}
