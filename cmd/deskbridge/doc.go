// Command deskbridge plans, applies, checks and serves the flows between
// Zendesk and its contact-center tools (babelforce, Braze, Dydu through
// Sunshine Conversations, …) from one configuration file, the way
// terraform plan and apply work for infrastructure.
//
//	go install github.com/deskbridge/deskbridge/cmd/deskbridge@latest
//	deskbridge plan  -config deskbridge.yaml   # exit 0: nothing to do, 2: changes pending, 1: error
//	deskbridge apply -config deskbridge.yaml   # idempotent
//	deskbridge check -config deskbridge.yaml   # every side of every flow, each said
//	deskbridge serve -config deskbridge.yaml   # every flow's webhooks, /healthz, /readyz, /metrics
//	deskbridge demo statussync                 # on in-process fakes, no account needed
//
// "deskbridge help COMMAND" lists the flags a command takes, with their
// defaults; a flag it does not take is refused. demo plays statussync,
// smsbridge, escalation, memorialize or scenario.
//
// Every command exits 0 when done and 1 on an error, a usage error (an
// unknown command or flag, a stray argument, a -flow the file does not
// name) included; plan exits 2 when changes are pending.
//
// The file (YAML, or JSON) names the tenants — Zendesk accounts,
// babelforce environments, Braze instances, CXone tenants, Bright Pattern
// tenants, Dydu bots, Sunshine Conversations apps — and the flows between
// them. Secrets are references ("${ENV_VAR}" or a file path), never
// literals; unknown keys are errors; every problem is reported at once with
// its line and what to write instead. Run "deskbridge help config" for the
// file's keys.
//
// serve counts, in the Prometheus text format at /metrics (on
// -metrics-listen's address when given): each flow's decisions by outcome
// (deskbridge_deliveries_total; rejected includes the requests refused
// before the flow decided, such as a bad signature), the time to answer a
// delivery (deskbridge_handling_seconds), vendor requests by vendor, status
// and retry (deskbridge_vendor_requests_total), 429s
// (deskbridge_vendor_rate_limited_total), pacing holds
// (deskbridge_vendor_pacing_holds_total) and store errors
// (deskbridge_store_errors_total).
package main
