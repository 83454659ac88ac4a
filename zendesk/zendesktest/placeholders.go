package zendesktest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Placeholders in trigger webhook bodies
// (https://support.zendesk.com/hc/en-us/articles/4408886858138; among them
// the ones Braze's help article "Zendesk Chat" uses).
//
// Supported (case-sensitive, spaces inside the braces allowed, Liquid
// filters after "|" ignored, unknown placeholders render as ""):
//
//	ticket.id ticket.title ticket.description ticket.status ticket.priority
//	ticket.ticket_type ticket.via ticket.external_id ticket.tags ticket.url
//	ticket.link ticket.created_at ticket.updated_at ticket.ticket_field_<id>
//	ticket.latest_comment ticket.latest_comment_html
//	ticket.latest_public_comment ticket.latest_public_comment_html
//	ticket.comments_formatted ticket.public_comments_formatted
//	ticket.requester.{id,name,first_name,last_name,email,phone,external_id}
//	ticket.requester.custom_fields.<key>
//	ticket.assignee.{id,name,first_name,email} ticket.group.name
//	current_user.{id,name,first_name,email}
//
// Comments render in the text format Braze's help article "Zendesk Chat"
// shows:
//
//	----------------------------------------------
//
//	{Replier Name}, {Replier Date}
//
//	{Message}
//
// with the message's line breaks kept and the date as replierDate writes
// it. The _html variants render the same text: placeholders reach webhooks
// as unformatted text, not HTML (per Zendesk's placeholders reference).
// Several comments (comments_formatted) are joined newest first with a
// blank line. ticket.status, ticket.priority and ticket.ticket_type render
// as displayStatus writes them. A trigger's webhook action for a GET or
// DELETE webhook is read by triggerQueryParams. (replierDate,
// displayStatus and triggerQueryParams are guesses in unconfirmed.go.)
//
// Escaping (this fake's choice, matching what a JSON template needs): with
// request_format "json" every value is escaped as the inside of a JSON string
// (quotes, backslashes, line breaks as \n, control characters); with "xml"
// it is XML-escaped; with "form_encoded" it is sent as is. The body is not
// checked to be valid JSON, as Zendesk does not run it.

const commentRule = "----------------------------------------------"

func formatComment(name string, at time.Time, msg string) string {
	return commentRule + "\n\n" + name + ", " + replierDate(at) + "\n\n" + strings.ReplaceAll(msg, "\r\n", "\n")
}

type renderCtx struct {
	st       *state
	t        *Ticket
	comments []Comment
	actor    int64
}

func (rc *renderCtx) user(id *int64) *User {
	if id == nil {
		return nil
	}
	u, _ := rc.st.users.get(*id)
	return u
}

func (rc *renderCtx) formatted(c Comment) string {
	name := "Unknown"
	if u, ok := rc.st.users.get(c.AuthorID); ok {
		name = u.Name
	}
	msg := c.PlainBody
	if msg == "" {
		msg = c.Body
	}
	return formatComment(name, c.CreatedAt, msg)
}

func (rc *renderCtx) latest(publicOnly bool) string {
	for i := len(rc.comments) - 1; i >= 0; i-- {
		if c := rc.comments[i]; !publicOnly || c.Public {
			return rc.formatted(c)
		}
	}
	return ""
}

func (rc *renderCtx) all(publicOnly bool) string {
	var parts []string
	for i := len(rc.comments) - 1; i >= 0; i-- {
		if c := rc.comments[i]; !publicOnly || c.Public {
			parts = append(parts, rc.formatted(c))
		}
	}
	return strings.Join(parts, "\n\n")
}

func userValue(u *User, attr string) string {
	if u == nil {
		return ""
	}
	first, last, _ := strings.Cut(u.Name, " ")
	switch attr {
	case "id":
		return itoa(u.ID)
	case "name":
		return u.Name
	case "first_name":
		return first
	case "last_name":
		return last
	case "email":
		return u.email()
	case "phone":
		return deref(u.Phone)
	case "external_id":
		return deref(u.ExternalID)
	}
	return ""
}

// value resolves one placeholder name.
func (rc *renderCtx) value(name string) string {
	t := rc.t
	if rest, ok := strings.CutPrefix(name, "ticket.requester.custom_fields."); ok {
		u := rc.user(&t.RequesterID)
		if u == nil {
			return ""
		}
		if f := rc.st.userFieldByRef(rest); f != nil {
			return fieldString(u.UserFields[f.Key])
		}
		return ""
	}
	if rest, ok := strings.CutPrefix(name, "ticket.requester."); ok {
		return userValue(rc.user(&t.RequesterID), rest)
	}
	if rest, ok := strings.CutPrefix(name, "ticket.assignee."); ok {
		return userValue(rc.user(t.AssigneeID), rest)
	}
	if rest, ok := strings.CutPrefix(name, "current_user."); ok {
		return userValue(rc.user(&rc.actor), rest)
	}
	if rest, ok := strings.CutPrefix(name, "ticket.ticket_field_"); ok {
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return ""
		}
		for _, cf := range t.CustomFields {
			if cf.ID == id {
				return rawText(cf.Value)
			}
		}
		return ""
	}
	switch name {
	case "ticket.id":
		return itoa(t.ID)
	case "ticket.title":
		return t.Subject
	case "ticket.description":
		return t.Description
	case "ticket.status":
		return displayStatus(t.Status)
	case "ticket.priority":
		return displayStatus(deref(t.Priority))
	case "ticket.ticket_type":
		return displayStatus(deref(t.Type))
	case "ticket.via":
		return t.Via.Channel
	case "ticket.external_id":
		return deref(t.ExternalID)
	case "ticket.tags":
		return strings.Join(t.Tags, " ")
	case "ticket.url":
		return strings.TrimPrefix(strings.TrimPrefix(rc.st.s.URL, "http://"), "https://") + "/agent/tickets/" + itoa(t.ID)
	case "ticket.link":
		return rc.st.s.URL + "/agent/tickets/" + itoa(t.ID)
	case "ticket.created_at":
		return t.CreatedAt.Format(time.RFC3339)
	case "ticket.updated_at":
		return t.UpdatedAt.Format(time.RFC3339)
	case "ticket.group.name":
		if t.GroupID != nil {
			if g, ok := rc.st.groups.get(*t.GroupID); ok {
				return g.Name
			}
		}
		return ""
	case "ticket.latest_comment", "ticket.latest_comment_html":
		return rc.latest(false)
	case "ticket.latest_public_comment", "ticket.latest_public_comment_html":
		return rc.latest(true)
	case "ticket.comments_formatted":
		return rc.all(false)
	case "ticket.public_comments_formatted":
		return rc.all(true)
	}
	return ""
}

// render replaces the {{...}} placeholders of tmpl, escaping values for
// the request format.
func (rc *renderCtx) render(tmpl, format string) string {
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "{{")
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.Index(tmpl[i+2:], "}}")
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		inner := tmpl[i+2 : i+2+j]
		name, _, _ := strings.Cut(inner, "|")
		b.WriteString(escapeValue(rc.value(strings.TrimSpace(name)), format))
		tmpl = tmpl[i+2+j+2:]
	}
}

func escapeValue(v, format string) string {
	switch format {
	case "json":
		q, _ := marshal(v)
		return string(q[1 : len(q)-1])
	case "xml":
		return xmlEscaper.Replace(v)
	}
	return v
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

// triggerDelivery builds the delivery of a fired trigger's webhook action.
// Inactive webhooks are skipped.
func (st *state) triggerDelivery(rec *webhookRec, p pendingWebhook, w *ticketWrite, now time.Time) (outbound, bool) {
	wh := rec.w
	if wh.Status != "active" {
		return outbound{}, false
	}
	rc := &renderCtx{st: st, t: &w.rec.t, comments: w.rec.comments, actor: w.actor}
	body := rc.render(p.template, wh.RequestFormat)
	o := st.newOutbound(rec, now)
	o.kind, o.triggerID, o.ticketID = "trigger", p.trigger.ID, w.rec.t.ID
	switch wh.HTTPMethod {
	case http.MethodGet, http.MethodDelete:
		if params := triggerQueryParams(body); params != nil {
			if u, err := url.Parse(o.url); err == nil {
				q := u.Query()
				for k, vs := range params {
					q[k] = append(q[k], vs...)
				}
				u.RawQuery = q.Encode()
				o.url = u.String()
			}
		}
		o.header.Del("Content-Type")
	default:
		o.body = []byte(body)
	}
	return o, true
}

// newOutbound starts a delivery to a webhook with its method, format,
// authentication and custom headers; the signature is added per attempt.
func (st *state) newOutbound(rec *webhookRec, now time.Time) outbound {
	wh := rec.w
	h := http.Header{}
	switch wh.RequestFormat {
	case "xml":
		h.Set("Content-Type", "application/xml")
	case "form_encoded":
		h.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		h.Set("Content-Type", "application/json")
	}
	keys := make([]string, 0, len(wh.CustomHeaders))
	for k := range wh.CustomHeaders {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		h.Set(k, wh.CustomHeaders[k])
	}
	var secretHeaders []string
	if a := wh.Authentication; a != nil {
		switch a.Type {
		case "basic_auth":
			h.Set("Authorization", basicAuth(a.Data["username"], a.Data["password"]))
		case "bearer_token":
			h.Set("Authorization", "Bearer "+a.Data["token"])
		case "api_key":
			h.Set(a.Data["name"], a.Data["value"])
			secretHeaders = []string{a.Data["name"]}
		}
	}
	h.Set("User-Agent", "Zendesk Webhook")
	h.Set("x-zendesk-account-id", itoa(st.s.AccountID))
	h.Set("x-zendesk-webhook-id", wh.ID)
	st.invSeq++
	h.Set("x-zendesk-webhook-invocation-id", itoa(st.invSeq))
	return outbound{
		webhookID: wh.ID, invocationID: itoa(st.invSeq), method: wh.HTTPMethod, url: wh.Endpoint,
		header: h, secretHeaders: secretHeaders, secret: rec.secret, created: now,
	}
}
