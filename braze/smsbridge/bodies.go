package smsbridge

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// TriggerBody returns the compact body of the bridge's Zendesk triggers,
// the template Zendesk renders for each webhook call (userField is the
// Braze external ID user field, "" for [DefaultUserField]). For [EventReply]:
//
//	{
//	  "event": "reply",
//	  "ticket_id": "{{ticket.id}}",
//	  "status": "{{ticket.status}}",
//	  "external_id": "{{ticket.requester.custom_fields.braze_external_id}}",
//	  "requester_id": "{{ticket.requester.id}}",
//	  "author_id": "{{current_user.id}}",
//	  "comment": "{{ticket.latest_public_comment_html}}"
//	}
//
// EventSolved has no comment. [ParseAgentReply] reads it.
func TriggerBody(event, userField string) string {
	userField = cmp.Or(userField, DefaultUserField)
	var b strings.Builder
	fmt.Fprintf(&b, "{\n  \"event\": %q,\n", event)
	b.WriteString("  \"ticket_id\": \"{{ticket.id}}\",\n")
	b.WriteString("  \"status\": \"{{ticket.status}}\",\n")
	fmt.Fprintf(&b, "  \"external_id\": \"{{ticket.requester.custom_fields.%s}}\",\n", userField)
	b.WriteString("  \"requester_id\": \"{{ticket.requester.id}}\",\n")
	fmt.Fprintf(&b, "  \"author_id\": %q", updaterPlaceholder())
	if event == EventReply {
		b.WriteString(",\n  \"comment\": \"{{ticket.latest_public_comment_html}}\"")
	}
	b.WriteString("\n}")
	return b.String()
}

// RecipeTriggerBody returns the body of the triggers of Braze's Zendesk
// Chat recipe (Steps 3 and 4; see the package documentation), the Braze
// /campaigns/trigger/send request Zendesk sends straight to Braze in
// direct mode. For the solved trigger (solved true)
// it carries closingMessage and zendesk_ticket_open "false"; the recipe's
// Step 4 body has a stray comma and names the API key where the campaign
// ID belongs, both fixed here. [ParseAgentReply] reads these bodies too.
func RecipeTriggerBody(campaignID, userField string, solved bool, closingMessage string) string {
	userField = cmp.Or(userField, DefaultUserField)
	msg, open := "{{ticket.latest_public_comment_html}}", "true"
	if solved {
		msg, open = jsonText(cmp.Or(closingMessage, DefaultClosingMessage)), "false"
	}
	return fmt.Sprintf(`{
  "campaign_id": %q,
  "recipients": [
    {
      "external_user_id": "{{ticket.requester.custom_fields.%s}}",
      "trigger_properties": {
        "msg_body": "%s"
      },
      "attributes": {
        "zendesk_ticket": "{{ticket.id}}",
        "zendesk_ticket_open": %q
      }
    }
  ]
}`, campaignID, userField, msg, open)
}

// jsonText escapes s for the inside of a JSON string.
func jsonText(s string) string {
	q, _ := json.Marshal(s) // a string always encodes
	return string(q[1 : len(q)-1])
}

// ReplyMessageTemplate is the message of the reply and closing SMS
// campaigns with the bridge: the bridge sends the message text alone.
const ReplyMessageTemplate = "{{api_trigger_properties.${msg_body}}}"

// Kinds of the Braze webhook campaigns ([InboundSMS.Kind]).
const (
	KindSupport = "support" // the keyword campaign (SUPPORT)
	KindReply   = "reply"   // the follow-up campaign ("Other", zendesk_ticket_open is true)
)

// WebhookCampaign is a Braze webhook campaign that forwards inbound SMS to
// the bridge, as the user sets it up in the Braze dashboard (Braze's API
// cannot create campaigns).
type WebhookCampaign struct {
	Name string
	// Kind is [KindSupport] or [KindReply].
	Kind string
	// Keyword is the keyword of the campaign's custom keyword category
	// ("SUPPORT"); empty for the "Other" category.
	Keyword string
	// AudienceAttribute, when set, limits the campaign to users whose
	// custom attribute of that name is true.
	AudienceAttribute string
	Method            string
	URL               string
	// Header holds Content-Type and Authorization.
	Header http.Header
	// Body is the request body: JSON whose values are Braze Liquid.
	Body string
}

// InboundBody returns the body of the Braze webhook campaign of kind
// ([KindSupport] or [KindReply]):
//
//	{
//	  "kind": "support",
//	  "external_id": "{{${user_id}}}",
//	  "first_name": "{{${first_name}}}",
//	  "last_name": "{{${last_name}}}",
//	  "phone": "{{${phone_number}}}",
//	  "ticket": "{{custom_attribute.${zendesk_ticket}}}",
//	  "message": "{{sms.${inbound_message_body}}}",
//	  "message_id": "{{campaign.${dispatch_id}}}"
//	}
//
// Set it up as "JSON key/value pairs", so that Braze writes the JSON
// (whether Braze then escapes the values is not documented: see
// escapeControlInStrings; as raw text, add "| json_escape" inside each
// tag). [ParseInboundSMS] reads it, and the same fields form-encoded.
func InboundBody(kind string) string {
	return fmt.Sprintf(`{
  "kind": %q,
  "external_id": "{{${user_id}}}",
  "first_name": "{{${first_name}}}",
  "last_name": "{{${last_name}}}",
  "phone": "{{${phone_number}}}",
  "ticket": "{{custom_attribute.${%s}}}",
  "message": "{{sms.${inbound_message_body}}}",
  "message_id": %q
}`, kind, AttrTicket, messageIDLiquid())
}

// BrazeWebhookCampaigns returns the two Braze webhook campaigns of the
// bridge at bridgeURL (its public base URL): one for the keyword that opens
// a conversation (keyword, "" for "SUPPORT"), one for every other text from
// a customer whose ticket is open. authorization is the Authorization
// header value Braze sends, such as "Bearer " + one of the Secrets of
// [Config.BrazeAuth].
func BrazeWebhookCampaigns(bridgeURL, keyword, authorization string) []WebhookCampaign {
	keyword = strings.ToUpper(cmp.Or(strings.TrimSpace(keyword), "SUPPORT"))
	url := strings.TrimRight(bridgeURL, "/") + InboundSMSPath
	header := func() http.Header {
		return http.Header{"Content-Type": {"application/json"}, "Authorization": {authorization}}
	}
	return []WebhookCampaign{
		{Name: "Zendesk: new SMS conversation", Kind: KindSupport, Keyword: keyword,
			Method: http.MethodPost, URL: url, Header: header(), Body: InboundBody(KindSupport)},
		{Name: "Zendesk: SMS follow-up", Kind: KindReply, AudienceAttribute: AttrTicketOpen,
			Method: http.MethodPost, URL: url, Header: header(), Body: InboundBody(KindReply)},
	}
}
