package brazetest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// tagPattern matches the Liquid output tags the fake renders:
// {{${name}}} and {{scope.${name}}}.
var tagPattern = regexp.MustCompile(`\{\{\s*(?:([A-Za-z_]+)\.)?\$\{([^}]*)\}\s*\}\}`)

// renderData is what a template can read.
type renderData struct {
	user    *User
	sms     string
	trigger map[string]any
}

// lookup returns a tag's value and whether the fake knows the tag.
func (d renderData) lookup(scope, name string) (any, bool) {
	name = strings.TrimSpace(name)
	switch scope {
	case "sms":
		switch name {
		case "inbound_message_body":
			return d.sms, true
		case "inbound_media_urls":
			return "", true
		}
	case "custom_attribute":
		return d.user.CustomAttributes[name], true
	case "api_trigger_properties":
		return d.trigger[name], true
	case "":
		switch name {
		case "user_id":
			return d.user.ExternalID, true
		case "braze_id":
			return d.user.BrazeID, true
		case "first_name":
			return d.user.FirstName, true
		case "last_name":
			return d.user.LastName, true
		case "email_address":
			return d.user.Email, true
		case "phone_number":
			return d.user.Phone, true
		}
	}
	return nil, false
}

// escaping says how a rendered value is written where it lands.
type escaping int

const (
	plainText escaping = iota
	jsonString
	formValue
	urlPath
	urlQuery
	headerValue
)

func render(tmpl string, d renderData, esc escaping) string {
	return tagPattern.ReplaceAllStringFunc(tmpl, func(tag string) string {
		m := tagPattern.FindStringSubmatch(tag)
		v, ok := d.lookup(m[1], m[2])
		if !ok {
			return tag
		}
		return escape(formatValue(v), esc)
	})
}

// formatValue writes a value as Liquid prints it: strings as they are,
// numbers without exponent, nil as nothing, composites as JSON.
func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

func escape(s string, esc escaping) string {
	switch esc {
	case jsonString:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		out := strings.TrimSuffix(b.String(), "\n")
		return out[1 : len(out)-1]
	case formValue, urlQuery:
		return url.QueryEscape(s)
	case urlPath:
		return url.PathEscape(s)
	case headerValue:
		return strings.NewReplacer("\r", "", "\n", " ").Replace(s)
	}
	return s
}

// bodyEscaping picks how values are escaped in a webhook body.
func bodyEscaping(contentType, body string) escaping {
	ct := strings.ToLower(contentType)
	switch {
	case strings.Contains(ct, "json"):
		return jsonString
	case strings.Contains(ct, "x-www-form-urlencoded"):
		return formValue
	case ct == "":
		if t := strings.TrimSpace(body); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			return jsonString
		}
	}
	return plainText
}

// renderURL renders the path with path escaping and the query with query
// escaping.
func renderURL(tmpl string, d renderData) string {
	path, query, hasQuery := strings.Cut(tmpl, "?")
	out := render(path, d, urlPath)
	if hasQuery {
		out += "?" + render(query, d, urlQuery)
	}
	return out
}

// renderWebhook renders a webhook campaign for one inbound SMS. Callers
// hold s.mu (d reads the user's profile).
func renderWebhook(c *Campaign, w *Webhook, d renderData, in InboundSMS) WebhookDelivery {
	method := w.Method
	if method == "" {
		method = "POST"
	}
	header := w.Header.Clone()
	if header == nil {
		header = map[string][]string{}
	}
	for k, vs := range header {
		for i, v := range vs {
			header[k][i] = render(v, d, headerValue)
		}
	}
	return WebhookDelivery{
		CampaignID:   c.ID,
		CampaignName: c.Name,
		ExternalID:   in.ExternalID,
		InboundText:  in.Text,
		Method:       strings.ToUpper(method),
		URL:          renderURL(w.URL, d),
		Header:       header,
		Body:         render(w.Body, d, bodyEscaping(header.Get("Content-Type"), w.Body)),
	}
}
