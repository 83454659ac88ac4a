package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/brightpattern/scenario"
	"github.com/deskbridge/deskbridge/cxone/memorialize"
)

// What plan and apply print as "to do by hand" for the flows whose other
// side no API configures: CXone Studio scripts and Bright Pattern
// scenarios are edited in their own designers.

// baseOrPlaceholder is a flow's public base URL, or what to put there when
// public_url is not set.
func baseOrPlaceholder(base, path string) string {
	if base != "" {
		return base
	}
	return "<public_url>" + path
}

// memorializeNotes is the optional Studio call: the script's REST API
// action at the end of a contact, and CXone Agent's dynamic data lookup.
func memorializeNotes(base, path, name string, secrets int) string {
	base = baseOrPlaceholder(base, path)
	var b strings.Builder
	b.WriteString("CXone Studio (optional: the poll alone memorializes every contact; the call writes it at once):\n")
	if secrets == 0 {
		fmt.Fprintf(&b, "  first give flows.%s.studio_secrets: [\"${CXONE_STUDIO_SECRET}\"]; without a secret the endpoint refuses every call.\n", name)
	}
	fmt.Fprintf(&b, `  in the script's end-of-contact branch, a SNIPPET action:
      DYNAMIC body
      body.contactId = "{ContactID}"
      ASSIGN bodyJson = "{body.asjson()}"
  then a REST API action:
      POST %s%s
      header  Authorization: Bearer <one of flows.%s.studio_secrets>
      header  Content-Type: application/json
      body    {bodyJson}
  Answers: 200 done (or left to the poll), 401 wrong secret, 503 retry later.
  CXone Agent's dynamic data (optional): GET %s%s?ani={ANI} with the same Authorization header.
`, base, memorialize.ContactEndedPath, name, base, memorialize.DynamicDataPath)
	return b.String()
}

// varRE finds the $(var) references of a setting.
var varRE = regexp.MustCompile(`\$\(([^)]+)\)`)

// scenarioVariables lists the variables the inbound_call scenario reads:
// Bright Pattern's own, then those the fields name, each once.
func scenarioVariables(fields []scenario.Field) []string {
	vars := []string{scenario.VarANI, scenario.VarDNIS, scenario.VarAgentLoginID, scenario.VarInteractionID}
	for _, f := range fields {
		for _, m := range varRE.FindAllStringSubmatch(f.Value, -1) {
			if !slices.Contains(vars, m[1]) {
				vars = append(vars, m[1])
			}
		}
	}
	return vars
}

// scenarioNotes is the Fetch URL block that calls the flow from the
// Bright Pattern scenario.
func scenarioNotes(base, path, name string, fields []scenario.Field) string {
	var body []string
	for _, v := range scenarioVariables(fields) {
		body = append(body, strconv.Quote(v)+":"+strconv.Quote("$("+v+")"))
	}
	return fmt.Sprintf(`Bright Pattern Scenario Builder: in the inbound scenario, before the call is delivered, a Fetch URL block:
  Request type  POST
  URL           %s
  Extra header  Authorization: Bearer <one of flows.%s.secrets>
  Content type  application/json
  Body          {%s}
  Its Next exit: ticket_id, caller.id, caller.name… are scenario variables; Failed: $(fetchURLResultBody) says why;
  No Data: the scenario found nothing to pop. The block's timeout must exceed flows.%s.timeout (default %s).
`, baseOrPlaceholder(base, path), name, strings.Join(body, ","), name, scenario.DefaultTimeout)
}
