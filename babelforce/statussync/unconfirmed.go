package statussync

import (
	"strings"
	"time"
	"unicode"
)

// This file holds every behaviour of the flow that rests on what babelforce
// or Zendesk does not document (UNCONFIRMED), one value or function each,
// tested in unconfirmed_test.go by a test that names the doubt, so that a
// correction is one edit. The flow's own choices (the default mapping, the
// echo window, the fallback status) are described where they are made.
//
// "The status-sync article" is babelforce's help center article "Synching
// the agent status from Zendesk omnichannel to babelforce",
// https://help.babelforce.com/hc/en-us/articles/17020396359954-Synching-the-agent-status-from-Zendesk-omnichannel-to-babelforce.

// AutomationBody is the JSON body to configure in the HTTP action of a
// babelforce automation on the "Presence changed" event, pointing at
// [Flow.AutomationHandler] with the secret of [Config].AutomationAuth (header
// "Authorization: Bearer <secret>" by default).
//
// UNCONFIRMED: babelforce does not document the payload of its "Presence
// changed" event, which its help center lists
// (https://help.babelforce.com/hc/en-us/articles/360040599972-1-1-Events-in-Automations-what-they-do),
// so the placeholder names below are a guess in the style of its task
// templates (the status-sync article's template writes raw values with
// triple braces, {{{task.body.detail.agent_id}}}). Check them in the
// automation editor and replace what differs; the field names on the left
// are this package's and fixed. event_id and changed_at are optional (see
// [PresenceEvent]), agent_id or source_id is required, and presence is
// required.
const AutomationBody = `{
  "event_id": "{{{event.id}}}",
  "agent_id": "{{{agent.id}}}",
  "source_id": "{{{agent.sourceId}}}",
  "presence": "{{{agent.presence.name}}}",
  "changed_at": "{{{event.dateCreated}}}"
}`

// ZendeskDomainParam is the query parameter that gives babelforce's
// Zendesk webhook endpoint the Zendesk account's domain (see
// [BabelforceEndpoint]).
//
// UNCONFIRMED: the status-sync article says "we want to specify the domain
// of our zendesk account" and shows the complete URL only in a screenshot;
// "domain" is a guess. Check the URL in that article and change it here if
// it differs.
const ZendeskDomainParam = "domain"

// NormalizeName returns the name babelforce gives a presence created with
// the label s, which is also how this package compares names: lower case,
// words (runs of letters, digits, "-" and "_") joined by "_". "In a meeting"
// becomes "in_a_meeting", "Transfers only" "transfers_only", and Zendesk's
// state names ("online", "transfers_only") stay as they are.
//
// UNCONFIRMED: babelforce's manager spec (static/openapi/manager.openapi.yaml
// in https://github.com/babelforce/manager-sdk) creates a presence from a
// label and gives it a name, without saying how one comes from the other.
// This is the rule of babelforcetest. When babelforce names a presence
// otherwise, [Flow.Check] and [Provision] find it by its label instead, and
// the flow uses the name babelforce gave it.
func NormalizeName(s string) string {
	if isNormal(s) {
		return s
	}
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_'
	})
	return strings.Join(fields, "_")
}

// isNormal reports whether NormalizeName(s) is s, cheaply: s is made of
// lower-case ASCII letters, digits, "-" and "_" only.
func isNormal(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// maxRetryAfter bounds [Config].RetryAfter: the Retry-After of a 503 that
// Zendesk still retries is under it.
//
// UNCONFIRMED: the "Webhook retries" section of Zendesk's webhooks
// reference (https://developer.zendesk.com/api-reference/webhooks/introduction/)
// is known only through third-party summaries of it
// (https://alboz.eu/insights/master-webhooks-maximize-stability-performance
// among them), which say that Zendesk retries a 429 or 503 only when its
// Retry-After is under 60 seconds.
const maxRetryAfter = time.Minute
