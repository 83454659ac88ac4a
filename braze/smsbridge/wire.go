package smsbridge

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/webhook"
)

// Events of a Zendesk trigger webhook, as [AgentReply.Event] says them.
const (
	// EventReply: an agent added a public comment; it goes out as an SMS.
	EventReply = "reply"
	// EventSolved: the ticket was solved; the closing SMS goes out.
	EventSolved = "solved"
)

// AgentReply is what a Zendesk trigger webhook told the bridge: an agent's
// public comment to send as an SMS, or a solved ticket to announce.
//
// ParseAgentReply reads it from either of the two bodies a trigger can send
// (see the package documentation): the bridge's compact body, or the Braze
// /campaigns/trigger/send body of the Zendesk Chat recipe (Step 3 and
// Step 4), so that a trigger written for Braze can be pointed at the bridge
// unchanged.
type AgentReply struct {
	// Key identifies the reply across the sender's retries: "zd:" and a
	// digest of what the signed body says (event, ticket, status,
	// customer, requester, author, comment, text). Not the
	// X-Zendesk-Webhook-Invocation-Id header: Zendesk does not sign it,
	// so a captured delivery replayed within the signature's tolerance
	// under a new invocation id, or none, would count as a new reply. The
	// handler fills it; [Flow.HandleAgentReply] fills it when empty.
	//
	// The digest has a cost: two replies that render the same body (the
	// same words on the same ticket, and a comment header of the same
	// minute) are one reply, sent once.
	Key string
	// Event is [EventReply] or [EventSolved].
	Event string
	// TicketID is the ticket, 0 when the body does not say (the recipe's
	// Step 4 body).
	TicketID int64
	// Status is the ticket's status in lower case ("open", "solved"), ""
	// when the body does not say.
	Status string
	// ExternalID is the requester's Braze external ID, the
	// braze_external_id user field; empty when the requester has none.
	ExternalID string
	// RequesterID and AuthorID are the ticket's requester and the user who
	// made the update ({{current_user.id}}), 0 when the body does not say.
	RequesterID, AuthorID int64
	// Comment is the comment as the placeholder rendered it, header and
	// all; Text is the message to send ([ExtractMessage] of Comment, or the
	// closing text).
	Comment string
	Text    string
	// Recipe is true when the body was the recipe's trigger-send body.
	Recipe bool
}

// wireTrigger is every field either trigger body may carry.
type wireTrigger struct {
	Event       string  `json:"event"`
	TicketID    flexInt `json:"ticket_id"`
	Status      string  `json:"status"`
	ExternalID  string  `json:"external_id"`
	RequesterID flexInt `json:"requester_id"`
	AuthorID    flexInt `json:"author_id"`
	Comment     string  `json:"comment"`

	// The recipe's /campaigns/trigger/send body.
	CampaignID        string          `json:"campaign_id"`
	TriggerProperties map[string]any  `json:"trigger_properties"`
	Recipients        []wireRecipient `json:"recipients"`
}

type wireRecipient struct {
	ExternalUserID    string         `json:"external_user_id"`
	TriggerProperties map[string]any `json:"trigger_properties"`
	Attributes        map[string]any `json:"attributes"`
}

// ParseAgentReply decodes the body of a Zendesk trigger webhook: the
// compact body (an object with "event", "ticket_id", "external_id",
// "comment"…) or the recipe's trigger-send body (an object with
// "recipients"). Text is filled: [ExtractMessage] of the comment for a
// reply, the recipe's msg_body (or nothing) for a solved ticket.
//
// An identifier or key field whose whole value is a placeholder Zendesk
// left unrendered ("{{…}}") counts as empty; the comment is taken as it
// is, braces and all, since an agent may type them. Raw line
// breaks and other control characters inside JSON strings are accepted
// (escaped before decoding), in case a placeholder's value is not escaped.
// Errors wrap [webhook.ErrMalformed].
func ParseAgentReply(body []byte) (*AgentReply, error) {
	var w wireTrigger
	if err := decodeLenient(body, &w); err != nil {
		return nil, err
	}
	r := &AgentReply{}
	if len(w.Recipients) > 0 || w.CampaignID != "" {
		if len(w.Recipients) != 1 {
			return nil, malformed("the trigger-send body names %d recipients; the bridge takes exactly one per delivery", len(w.Recipients))
		}
		rc := w.Recipients[0]
		r.Recipe = true
		r.ExternalID = rendered(rc.ExternalUserID)
		props := rc.TriggerProperties
		if props == nil {
			props = w.TriggerProperties
		}
		r.Comment = anyString(props["msg_body"])
		r.TicketID = parseTicketID(anyString(rc.Attributes[AttrTicket]))
		r.Event = EventReply
		if open, ok := rc.Attributes[AttrTicketOpen]; ok && !truthy(open) {
			r.Event = EventSolved
		}
	} else {
		r.Event = strings.ToLower(strings.TrimSpace(rendered(w.Event)))
		r.TicketID = int64(w.TicketID)
		r.Status = placeholderStatus(rendered(w.Status))
		r.ExternalID = rendered(w.ExternalID)
		r.RequesterID, r.AuthorID = int64(w.RequesterID), int64(w.AuthorID)
		r.Comment = w.Comment
		if r.Event == "" {
			r.Event = EventReply
			if r.Comment == "" && closedStatus(r.Status) {
				r.Event = EventSolved
			}
		}
	}
	r.ExternalID = strings.TrimSpace(r.ExternalID)
	switch r.Event {
	case EventReply:
		r.Text = ExtractMessage(r.Comment)
	case EventSolved:
		if r.Recipe {
			r.Text = ExtractMessage(r.Comment)
		}
	default:
		return nil, malformed("unknown event %q (want %q or %q)", r.Event, EventReply, EventSolved)
	}
	return r, nil
}

// closedStatus reports whether a ticket status means the conversation is
// over.
func closedStatus(status string) bool {
	s := strings.ToLower(strings.TrimSpace(status))
	return s == "solved" || s == "closed"
}

// InboundSMS is what a Braze webhook campaign told the bridge: a text the
// customer sent.
type InboundSMS struct {
	// Key identifies the text across Braze's retries (see [ParseInboundSMS]).
	Key string
	// Kind is the campaign's "kind" value: "support" (the keyword
	// campaign) or "reply" (the follow-up campaign); informational.
	Kind string
	// ExternalID is the customer's Braze external ID ({{${user_id}}}).
	ExternalID string
	// FirstName, LastName and Phone come from the Braze profile.
	FirstName, LastName, Phone string
	// TicketID is the customer's zendesk_ticket attribute, 0 when unset.
	TicketID int64
	// Message is the text of the SMS ({{sms.${inbound_message_body}}}).
	Message string
	// MessageID is a per-send identifier if the campaign sends one
	// ("message_id"), else empty.
	MessageID string
}

// wireInbound is the body of a Braze webhook campaign.
type wireInbound struct {
	Kind       string `json:"kind"`
	ExternalID string `json:"external_id"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	Phone      string `json:"phone"`
	Ticket     any    `json:"ticket"`
	Message    string `json:"message"`
	MessageID  string `json:"message_id"`
}

// ParseInboundSMS decodes the body of a Braze webhook campaign, JSON or
// form-encoded (application/x-www-form-urlencoded) according to
// contentType; the fields are those of [InboundBody]. An identifier or name
// field whose whole value is Liquid Braze left unrendered ("{{…}}") counts
// as empty; the message is taken as it is, braces and all, since a customer
// may text them.
//
// Key is "bz:" and a digest of the external ID, kind, ticket, message and
// message ID: the same for every retry of one delivery, so that Braze's
// retries are applied once. Without a per-send message ID, two identical
// texts from one customer about the same ticket have the same key, and the
// second is taken as a retry of the first if it arrives within
// Config.InboundWindow.
//
// Errors wrap [webhook.ErrMalformed].
func ParseInboundSMS(contentType string, body []byte) (*InboundSMS, error) {
	var w wireInbound
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/x-www-form-urlencoded" {
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, malformed("form body: %v", err)
		}
		w = wireInbound{Kind: q.Get("kind"), ExternalID: q.Get("external_id"), FirstName: q.Get("first_name"),
			LastName: q.Get("last_name"), Phone: q.Get("phone"), Ticket: q.Get("ticket"), Message: q.Get("message"),
			MessageID: q.Get("message_id")}
	} else if err := decodeLenient(body, &w); err != nil {
		return nil, err
	}
	m := &InboundSMS{
		Kind:       strings.ToLower(strings.TrimSpace(rendered(w.Kind))),
		ExternalID: strings.TrimSpace(rendered(w.ExternalID)),
		FirstName:  strings.TrimSpace(rendered(w.FirstName)),
		LastName:   strings.TrimSpace(rendered(w.LastName)),
		Phone:      strings.TrimSpace(rendered(w.Phone)),
		TicketID:   parseTicketID(rendered(anyString(w.Ticket))),
		Message:    normalizeNewlines(w.Message),
		MessageID:  strings.TrimSpace(rendered(w.MessageID)),
	}
	m.Key = "bz:" + digest(m.ExternalID, m.Kind, strconv.FormatInt(m.TicketID, 10), m.Message, m.MessageID)
	return m, nil
}

// digest returns a short hex digest of parts.
// agentReplyKey returns the [AgentReply.Key] of r.
func agentReplyKey(r *AgentReply) string {
	return "zd:" + digest(r.Event, strconv.FormatInt(r.TicketID, 10), r.Status, r.ExternalID,
		strconv.FormatInt(r.RequesterID, 10), strconv.FormatInt(r.AuthorID, 10), r.Comment, r.Text)
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// unrenderedTag matches a value that is one template tag and nothing
// else: a Zendesk placeholder or Braze Liquid output tag ("{{ticket.id}}",
// "{{custom_attribute.${zendesk_ticket}}}", filters included) or a Liquid
// statement ("{% … %}"), spaces around it allowed.
var unrenderedTag = regexp.MustCompile(`^\s*(?:\{\{(?:[^{}]|\$\{[^{}]*\})*\}\}|\{%(?:[^%]|%[^}])*%\})\s*$`)

// rendered returns an identifier or key field as the sender filled it, or
// "" when the whole value is a template tag the sender left unrendered (a
// Zendesk placeholder naming a field the requester does not have, a Braze
// attribute that is not set). It is only for such fields: a message may
// hold braces of its own ("Type {{name}} in the form"), and is never
// blanked.
func rendered(s string) string {
	if unrenderedTag.MatchString(s) {
		return ""
	}
	return s
}

// anyString prints a JSON value as text: strings as they are, numbers
// without exponent, true/false, nothing for null.
func anyString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case json.Number:
		return v.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// truthy reads a JSON value as a boolean the way the recipe writes it:
// true or "true" (any case, "1", "yes").
func truthy(v any) bool {
	switch s := strings.ToLower(strings.TrimSpace(anyString(v))); s {
	case "true", "1", "yes":
		return true
	}
	return false
}

// parseTicketID reads a ticket ID as Braze or Zendesk print it: "1234",
// "1234.0"; anything else is 0.
func parseTicketID(s string) int64 {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".0")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// flexInt decodes 123, "123", "" and null (the last two as 0); anything
// else that is not an ID, such as an unrendered placeholder, also as 0.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = flexInt(parseTicketID(anyString(v)))
	return nil
}

// decodeLenient decodes a JSON object into v. A body that is not valid
// JSON only because strings hold raw control characters (a template whose
// values were not escaped: see escapeControlInStrings) is repaired first.
func decodeLenient(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return malformed("the body is not a JSON object")
	}
	if !json.Valid(body) {
		if fixed := escapeControlInStrings(body); json.Valid(fixed) {
			body = fixed
		}
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return malformed("field %q: %s where %s was expected", te.Field, te.Value, te.Type)
		}
		return malformed("JSON: %v", err)
	}
	return nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("smsbridge: %s: %w", fmt.Sprintf(format, args...), webhook.ErrMalformed)
}
