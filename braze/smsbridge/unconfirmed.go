package smsbridge

import (
	"context"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/zendesk"
)

// This file holds every detail of Zendesk's and Braze's behaviour that the
// bridge relies on and that no public document read while writing it
// states (UNCONFIRMED), one function or value each, tested in
// unconfirmed_test.go, so that a correction is one edit. The package
// documentation lists them.
//
// "The recipe" is Braze's help article "Zendesk Chat"
// (braze-inc/braze-docs
// _docs/_partners/additional_channels_and_extensions/additional_channels/instant_chat/zendesk_chat.md).

// userFieldQuery is the Zendesk user search that finds users by a custom
// user field: "<field key>:<value>", the value quoted when it holds
// spaces or quotes.
//
// UNCONFIRMED: that /api/v2/users/search matches custom user fields by key.
// Zendesk's search reference
// (https://developer.zendesk.com/api-reference/ticketing/ticket-management/search/)
// gives the query syntax only by examples. A miss is harmless: the bridge
// then calls [zendesk.UsersService.CreateOrUpdate], which matches the customer's user by
// external_id.
func userFieldQuery(field, value string) string {
	if strings.ContainsAny(value, " \t\"") {
		value = `"` + strings.ReplaceAll(value, `"`, "") + `"`
	}
	return field + ":" + value
}

// Trigger conditions. Zendesk's triggers reference
// (https://developer.zendesk.com/api-reference/ticketing/business-rules/triggers/)
// gives a condition's shape, {"field", "operator", "value"}; the names
// below are those that trigger definitions in public code use, and
// GET /api/v2/triggers/definitions lists the real ones.

// publicCommentCondition is "Ticket > Comment is Public", the recipe's
// "comment is present and the requester can see it".
//
// UNCONFIRMED: the value "true"; Zendesk also has
// "requester_can_see_comment", which may be the recipe's wording.
func publicCommentCondition() zendesk.Condition {
	return zendesk.Cond("comment_is_public", "is", "true")
}

// solvedCondition is "Ticket > Status changed to Solved".
//
// UNCONFIRMED: the operator "value" (changed to); the conditions public
// code shows for a status are "is" and "changed".
func solvedCondition() zendesk.Condition {
	return zendesk.Cond("status", "value", "solved")
}

// requesterFieldPresent is "Requester: <field> is present", so that the
// triggers only fire for customers known to Braze.
//
// UNCONFIRMED: the condition field "requester.custom_fields.<key>" and the
// operator "present".
func requesterFieldPresent(field string) zendesk.Condition {
	return zendesk.Cond("requester.custom_fields."+field, "present")
}

// placeholderStatus reads the ticket status that {{ticket.status}} wrote
// into the compact trigger body, in lower case as the API writes statuses
// ("open", "solved").
//
// UNCONFIRMED: how the placeholder renders a status. Zendesk's placeholders
// reference (https://support.zendesk.com/hc/en-us/articles/4408886858138)
// lists {{ticket.status}} without showing its value; the bridge takes the
// status's name, capitalised ("Solved") or not, case aside.
func placeholderStatus(rendered string) string {
	return strings.ToLower(strings.TrimSpace(rendered))
}

// updaterPlaceholder is what the compact trigger body sends as
// "author_id": the user who made the update that fired the trigger.
// HandleAgentReply skips a comment whose author is the requester, and
// isEcho compares it with the bridge's own Zendesk user.
//
// UNCONFIRMED: Zendesk's placeholders reference
// (https://support.zendesk.com/hc/en-us/articles/4408886858138) lists
// {{current_user.email}}; that {{current_user.id}} renders the id of the
// user who made the update is not shown. Were it wrong, a reply is never
// dropped for it: a body without a usable author is always sent.
func updaterPlaceholder() string { return "{{current_user.id}}" }

// escapeControlInStrings escapes, as \u00XX, the control characters that
// appear raw inside the strings of a webhook body that is otherwise JSON,
// so that it can be decoded.
//
// UNCONFIRMED: whether the senders escape the values they put in a JSON
// body. Zendesk renders placeholders into a trigger's webhook body as
// unformatted text (placeholders reference,
// https://support.zendesk.com/hc/en-us/articles/4408886858138) and does not
// say whether it escapes them for JSON; Braze builds a "JSON key/value
// pairs" webhook body itself, and does not say either. A raw line break is
// repaired here; a raw quote cannot be, and the body is refused as
// malformed (for a raw Braze body, "| json_escape" in each tag avoids it).
func escapeControlInStrings(b []byte) []byte {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, len(b)+16)
	in, esc := false, false
	for _, c := range b {
		switch {
		case !in:
			in = c == '"'
		case esc:
			esc = false
		case c == '\\':
			esc = true
		case c == '"':
			in = false
		case c < 0x20:
			out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			continue
		}
		out = append(out, c)
	}
	return out
}

// messageIDLiquid is the Liquid the webhook campaigns send as "message_id"
// ([InboundBody]): the same on Braze's retries of one webhook, different for
// each text, so that two identical texts from a customer are two messages.
//
// UNCONFIRMED: that {{campaign.${dispatch_id}}} renders so for an
// action-based webhook campaign triggered by an inbound SMS. Braze gives a
// dispatch_id per API send
// (https://www.braze.com/docs/api/endpoints/messaging/send_messages/post_send_triggered_campaigns/);
// nothing says what the tag is for a campaign that each inbound SMS
// triggers. Rendered empty or the same for every text, two identical texts
// from one customer within [Config.InboundWindow] count as one.
func messageIDLiquid() string { return "{{campaign.${dispatch_id}}}" }

// probe reads the send marker of r's customer back from Braze: true when
// Braze processed the send of r, since Braze applies a trigger send's
// attributes before it sends (documented at
// https://www.braze.com/docs/api/endpoints/messaging/send_messages/post_send_triggered_campaigns/).
// Without a marker configured it reports false.
//
// UNCONFIRMED: that users/export/ids shows the attribute by the time
// Zendesk retries, seconds later. Braze says only that its data is usually
// consistent within 10 to 100 ms and recommends about five minutes between
// dependent calls (https://www.braze.com/docs/api/api_limits/). A marker
// not yet visible reads as "not processed", and [Config.Delivery] decides.
func (f *Flow) probe(ctx context.Context, r *AgentReply) (bool, error) {
	if f.cfg.SendMarker == "" {
		return false, nil
	}
	res, err := f.cfg.Braze.Users.ExportIDs(ctx, &braze.ExportIDsRequest{
		ExternalIDs:    []string{r.ExternalID},
		FieldsToExport: []string{"external_id", "custom_attributes"},
	})
	if err != nil {
		return false, err
	}
	for _, u := range res.Users {
		if anyString(u.CustomAttributes[f.cfg.SendMarker]) == r.Key {
			return true, nil
		}
	}
	return false, nil
}

// ticketOpenValue is the value the bridge gives the customer's
// zendesk_ticket_open attribute ([AttrTicketOpen]).
//
// UNCONFIRMED: how Braze types the attribute. The recipe's trigger bodies
// send the strings "true" and "false", and its follow-up campaign's
// audience is the attribute "is true", a boolean filter; what Braze makes
// of a string there is not said. The bridge sends a boolean, which the
// filter matches whatever the type; [ParseAgentReply] reads either.
func ticketOpenValue(open bool) any { return open }

// RecipeMessageTemplate is the message of the reply campaign in direct
// mode, from the recipe (Step 2.1): Braze's Liquid cuts the comment Zendesk
// sends.
//
// UNCONFIRMED: what it shows of a reply. As written it keeps one line of
// the comment split at its line breaks (msg[2]), which line depending on
// how Zendesk renders the comment; the bridge's [ReplyMessageTemplate] sends
// the whole message.
const RecipeMessageTemplate = `{% assign body = {{api_trigger_properties.${msg_body}}} %}
{% assign msg = body | split: "
" %}
New message from Zendesk:
{{msg[2]}}

Feel free to respond directly to this number!`

// zendeskRetriesAfter reports whether Zendesk retries a webhook delivery
// answered 503 with Retry-After d. The bridge's 503s carry
// Config.RetryAfter, which [New] refuses where this is false.
//
// UNCONFIRMED: the "Webhook retries" section of
// https://developer.zendesk.com/api-reference/webhooks/introduction could
// not be read whole; third-party summaries of it
// (https://alboz.eu/insights/master-webhooks-maximize-stability-performance)
// say that 429 and 503 are retried only when Retry-After is under 60
// seconds, and that a delivery times out after 10 (or 12) seconds, within
// which the bridge's Zendesk and Braze calls must finish.
func zendeskRetriesAfter(d time.Duration) bool { return d < zendeskMaxRetryAfter }

// zendeskMaxRetryAfter is the shortest Retry-After after which Zendesk is
// reported not to retry (see zendeskRetriesAfter).
const zendeskMaxRetryAfter = time.Minute
