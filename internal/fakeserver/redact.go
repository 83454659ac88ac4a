package fakeserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Redacted replaces a credential in what a fake records.
const Redacted = "[redacted]"

// sensitiveHeaders are redacted in every recorded request and delivery
// attempt; a fake adds the names it knows of (an api_key webhook's header).
var sensitiveHeaders = []string{"Authorization", "X-Api-Key", "Cookie", "X-Auth-Access-Token", "Proxy-Authorization"}

func redactHeaders(h http.Header, extra []string) http.Header {
	out := h.Clone()
	for _, names := range [][]string{sensitiveHeaders, extra} {
		for _, k := range names {
			if out.Get(k) != "" {
				out.Set(k, Redacted)
			}
		}
	}
	return out
}

// secretKeys are JSON members and form fields whose values are credentials.
var secretKeys = map[string]bool{
	"client_secret": true, "refresh_token": true, "access_token": true, "password": true,
	"token": true, "secret": true, "api_key": true, "signing_secret": true,
}

// RedactBody replaces credentials in a recorded JSON or form body: the
// values of client_secret, refresh_token, access_token, password, token,
// secret, api_key and signing_secret, and every value of an
// "authentication" object's "data" but an api_key's header name (Zendesk's
// webhook authentication). A body that does not parse but names one of
// those keys is replaced whole (fail closed: a malformed request is kept
// out of the log rather than risk its credential); other bodies are
// returned as they are.
func RedactBody(contentType string, body []byte) []byte {
	if len(body) == 0 {
		return body
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "application/x-www-form-urlencoded") {
		return redactForm(body)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return unparsed(body)
	}
	if !redactJSON(v, false) {
		return body
	}
	return marshalNoEscape(v, body)
}

// RedactQuery is RedactBody for a URL's query.
func RedactQuery(rawQuery string) string {
	if rawQuery == "" {
		return rawQuery
	}
	return string(redactForm([]byte(rawQuery)))
}

func redactForm(body []byte) []byte {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return unparsed(body)
	}
	changed := false
	for k := range form {
		if secretKeys[k] {
			form.Set(k, Redacted)
			changed = true
		}
	}
	if !changed {
		return body
	}
	return []byte(form.Encode())
}

// unparsed stands for a body that did not parse: as it is, unless it names
// a credential's key.
func unparsed(body []byte) []byte {
	lower := bytes.ToLower(body)
	for k := range secretKeys {
		if bytes.Contains(lower, []byte(k)) {
			return []byte(fmt.Sprintf("[unparsed body naming a credential, %d bytes, redacted]", len(body)))
		}
	}
	return body
}

// RedactJSONValues replaces every string value of a JSON object body, for
// endpoints whose whole body is secrets (babelforce's secrets API).
func RedactJSONValues(body []byte) []byte {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	for k := range m {
		m[k] = Redacted
	}
	return marshalNoEscape(m, body)
}

func marshalNoEscape(v any, fallback []byte) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return fallback
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// redactJSON redacts credentials in a decoded JSON value; inAuth says v is
// an authentication object. It reports whether it changed v.
func redactJSON(v any, inAuth bool) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch {
			case inAuth && k == "data":
				if m, ok := e.(map[string]any); ok {
					for dk := range m {
						if dk != "name" {
							m[dk] = Redacted
							changed = true
						}
					}
				}
			case secretKeys[k]:
				if _, ok := e.(string); ok {
					x[k] = Redacted
					changed = true
				} else if redactJSON(e, false) {
					changed = true
				}
			default:
				if redactJSON(e, k == "authentication") {
					changed = true
				}
			}
		}
	case []any:
		for _, e := range x {
			if redactJSON(e, false) {
				changed = true
			}
		}
	}
	return changed
}
