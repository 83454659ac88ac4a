package brightpatterntest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// This file holds every behaviour of the fake that Bright Pattern does not
// document (UNCONFIRMED) in the pages it was written from: a status, a
// body, an id form or a rule the fake has to answer with all the same.
// Each is one function or value here, tested in unconfirmed_test.go by a
// test that names the doubt, so that a correction is one edit.
//
// Sources: the mobile/web chat API specification
// (https://help.brightpattern.com/5.2:Mobile-web-api-specification/GeneralInformation,
// …/ServerEvents, 5.3:…/ClientEvents), Request Access Token
// (https://help.brightpattern.com/5.2:Host-and-services-management-api-specification/RequestAccessToken),
// Get User Data (https://help.brightpattern.com/5.2:User-management-api-specification/GetUserData),
// the Fetch URL block
// (https://help.brightpattern.com/5.19:Scenario-builder-reference-guide/ScenarioBlocks/FetchURL)
// and the scenario variables
// (https://help3x.brightpattern.com/3.17:Scenario-builder-reference-guide/Variables).

// --- Errors ---

// Chat API error codes the fake writes in error_code.
//
// UNCONFIRMED: the chat API documents a 400 body {"error_code",
// "error_message"} but no list of codes, nor whether the code is a number.
// The fake writes these numbers.
const (
	errBadRequest     = 1
	errUnauthorized   = 2
	errNotFound       = 3
	errConcurrentPoll = 4
	errChatEnded      = 5
	errUnknownTenant  = 6
	errTooLarge       = 7
	errRateLimited    = 8
)

// writeChatError writes the chat API's error body. The 400 shape
// {"error_code","error_message"} is documented; that 401 and 404 carry the
// same body is UNCONFIRMED (the pages list the statuses only).
func writeChatError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"error_code": code, "error_message": msg})
}

// writeTokenError writes a token endpoint error.
//
// UNCONFIRMED: Request Access Token documents the success only. The fake
// answers as RFC 6749 section 5.2 does: 400 {"error":…} for a bad request
// or grant, 401 invalid_client for wrong credentials.
func writeTokenError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// writeConfigError writes a Configuration API error (401 without a live
// token, 404 for an unknown user).
//
// UNCONFIRMED: Get User Data documents no error body; the fake writes
// {"error": message}.
func writeConfigError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// writeNotFound answers a path the fake does not serve, in the body of its
// API (the chat API's under /clientweb/, the Configuration API's
// elsewhere). UNCONFIRMED, as the bodies above.
func writeNotFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/clientweb/") {
		writeChatError(w, http.StatusNotFound, errNotFound, "no such resource")
		return
	}
	writeConfigError(w, http.StatusNotFound, "no such resource")
}

// writeBadRequest answers an unreadable body. UNCONFIRMED, as above.
func writeBadRequest(w http.ResponseWriter, msg string) {
	writeChatError(w, http.StatusBadRequest, errBadRequest, msg)
}

// writeTooLarge answers a body over MaxBodySize with 413 naming the limit.
// UNCONFIRMED: Bright Pattern documents no body limit; the limit is the
// fake's own.
func writeTooLarge(w http.ResponseWriter) {
	writeChatError(w, http.StatusRequestEntityTooLarge, errTooLarge,
		fmt.Sprintf("the request body is larger than %d bytes", MaxBodySize))
}

// writeRateLimit answers a request over the limit: 429 with Retry-After in
// whole seconds, rounded up, and the chat API's error body.
//
// UNCONFIRMED: Bright Pattern documents neither its rate limits nor any
// rate-limit header; nothing is written on requests under the limit.
func writeRateLimit(w http.ResponseWriter, st fakeserver.LimitState) {
	if !st.Limited {
		return
	}
	secs := int((st.ResetIn + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	writeChatError(w, http.StatusTooManyRequests, errRateLimited, "too many requests")
}

// --- Tenant, ids, values ---

// sameTenant reports whether a tenant or tenantUrl value names the
// tenant.
//
// UNCONFIRMED: the pages write "tenant=<tenant url>" and
// "tenantUrl=<tenantUrl>" without saying whether the scheme belongs in it.
// The fake compares without case, ignoring an http(s):// prefix and a
// trailing slash. An empty value is accepted for tenantUrl ("if the
// request was not sent to the tenant's domain": the fake is the domain)
// but not for a token request, whose form lists tenant.
func sameTenant(got, tenant string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
		return strings.TrimSuffix(s, "/")
	}
	return got != "" && norm(got) == norm(tenant)
}

// eventKey is the member of a chat event that names it.
//
// UNCONFIRMED: the event pages name events (chat_session_message …) and
// list their members, but the copies read do not show the member that
// carries the name; the fake reads and writes "event".
const eventKey = "event"

// ewt is the estimated wait time as the fake writes it, in seconds.
//
// UNCONFIRMED: "ewt" is documented without a type; the fake writes it as a
// string of seconds, as the token endpoint writes expires_in.
func ewt(seconds int) any { return strconv.Itoa(seconds) }

// newChatID returns a new chat id.
//
// UNCONFIRMED: the id form is not documented; the fake uses a UUID.
func newChatID() string { return randomUUID() }

// newPartyID returns a new party id. UNCONFIRMED, as newChatID.
func newPartyID() string { return randomUUID() }

// newInteractionID returns a new global interaction id.
//
// UNCONFIRMED: the GIID's form is not documented; the fake uses 32
// upper-case hex characters.
func newInteractionID() string { return strings.ToUpper(randomHex(16)) }

// reuseActiveChat reports whether a start request from a client that
// already has an active chat returns that chat (is_new_chat false) instead
// of starting another.
//
// UNCONFIRMED: is_new_chat is documented without saying when it is false;
// the fake makes it false for the active chat of the same appId and
// clientId.
func reuseActiveChat() bool { return true }

// aniVariable names the scenario variable of the caller's number.
//
// UNCONFIRMED: $(item.DNIS) is documented; the caller's number's name was
// not in the pages read ($(item.customerPhone) is documented for consult
// calls, without saying it holds the ANI). The fake sets $(item.ANI).
func aniVariable() string { return "item.ANI" }

// --- Fetch URL ---

// DefaultFetchTimeout is a block's Request Timeout when it sets none.
//
// UNCONFIRMED: the 5.19 page names the Request Timeout field and its exit
// but no default; the fake waits 10 s.
const DefaultFetchTimeout = 10 * time.Second

// substitute replaces every $(name) in s with vars[name].
//
// UNCONFIRMED: what an unknown variable becomes; the fake writes "".
// Values are put in as text, not escaped for JSON (the page calls the
// body "raw JSON" and says nothing of escaping): a value holding a quote
// makes the body invalid JSON, as a hand-written template would. A "$("
// without its ")" is kept as it is.
func substitute(s string, vars map[string]string) string {
	if !strings.Contains(s, "$(") {
		return s
	}
	var sb strings.Builder
	for {
		i := strings.Index(s, "$(")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+2:], ')')
		if j < 0 {
			break
		}
		sb.WriteString(s[:i])
		sb.WriteString(vars[s[i+2:i+2+j]])
		s = s[i+2+j+1:]
	}
	sb.WriteString(s)
	return sb.String()
}

// failedStatus reports whether a response's status takes the Failed exit.
//
// UNCONFIRMED: the pages refer to a table of HTTP response codes the
// copies do not hold; the fake takes Failed for any status outside 2xx
// (the response's code and body are still set in $(fetchURLResultCode) and
// $(fetchURLResultBody), as the variables page says they are for the most
// recent block).
func failedStatus(code int) bool { return code < 200 || code > 299 }

// maxResultDepth bounds the nesting parseResult follows.
const maxResultDepth = 32

// parseResult turns a JSON answer into scenario variables.
//
// UNCONFIRMED: the block "parses it into scenario variables", but the
// rules were not in the pages read. The fake takes a JSON object; each
// member becomes a variable of its name, an object's members
// "<name>.<member>", an array's items "<name>[<i>]" with "<name>.__count__"
// its length (after the recordset's __count__ of the Zendesk Search
// block); strings are their text, other values their JSON, null "". An
// answer that is not a JSON object takes the Failed exit.
func parseResult(body []byte) (map[string]string, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the answer is not JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("the answer holds more than one JSON value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the answer is not a JSON object")
	}
	out := map[string]string{}
	for k, e := range obj {
		if err := flatten(out, k, e, 1); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func flatten(out map[string]string, name string, v any, depth int) error {
	if depth > maxResultDepth {
		return fmt.Errorf("the answer is nested deeper than %d levels", maxResultDepth)
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if err := flatten(out, name+"."+k, e, depth+1); err != nil {
				return err
			}
		}
	case []any:
		out[name+".__count__"] = strconv.Itoa(len(x))
		for i, e := range x {
			if err := flatten(out, name+"["+strconv.Itoa(i)+"]", e, depth+1); err != nil {
				return err
			}
		}
	case string:
		out[name] = x
	case nil:
		out[name] = ""
	default:
		b, _ := json.Marshal(x)
		out[name] = string(b)
	}
	return nil
}

// userPhoneLoginKey is the key of the login id in Export User Phone
// Numbers' answer.
//
// UNCONFIRMED: the 5.2 page's parameter table says "login_id" and its
// example "loginId" (the 3.18 page's example says "login_id"); the fake
// writes "loginId", as the newer example, and lists every user, those
// without an extension too (the page does not say whether it does).
func userPhoneLoginKey() string { return "loginId" }
