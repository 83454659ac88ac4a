package scenario

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/deskbridge/deskbridge/zendesk"
)

// This file holds every guess the package makes where Bright Pattern's
// documentation, as read, does not say what its Zendesk blocks do
// (UNCONFIRMED). Each is one function or value, tested in
// unconfirmed_test.go by a test that names the doubt, so that a correction
// is one edit. The pages read: "Accessing Zendesk Data from Scenarios"
// (https://help.brightpattern.com/5.19:Zendesk-integration-guide/AccessingZendeskDatafromScenarios)
// and the Scenario Builder's Zendesk blocks
// (https://help.brightpattern.com/5.19:Scenario-builder-reference-guide/ScenarioBlocks/ZendeskSearch,
// …/ZendeskAPIRequest, …/FetchURL); the settings of Screen Pop, Select
// Account, Create/Update Object and Attached Data could not be read.

// DefaultMaxResults is a [Search]'s Max results when it sets none.
//
// UNCONFIRMED: the block has a Max results setting; its default is not in
// the pages read.
const DefaultMaxResults = 20

// aniVariable names the variable of the caller's number.
//
// UNCONFIRMED: $(item.DNIS) is documented; the caller's number's name is
// not in the pages read. "item.ANI" is what brightpatterntest sets.
func aniVariable() string { return "item.ANI" }

// escapeJSONValues reports whether $(var) values are JSON-escaped when put
// into a Raw JSON body (APIRequest.Body, the Fields of Create/Update
// Object).
//
// UNCONFIRMED: Bright Pattern calls the body "raw JSON" and says nothing of
// escaping; it may put values in as text, so that a quote in a value breaks
// the body. deskbridge escapes them, so that a caller's value cannot change
// the body's shape.
func escapeJSONValues() bool { return true }

// searchPhraseDrops reports whether [SubstituteSearch] removes r from a
// value put inside a search phrase ("…").
//
// UNCONFIRMED: Zendesk's search reference
// (https://support.zendesk.com/hc/en-us/articles/4408886879258) documents
// phrases in double quotes but no way to escape a double quote inside one,
// nor whether a backslash escapes anything. deskbridge removes both, so
// that a value can neither end the phrase nor lean on an escape.
func searchPhraseDrops(r rune) bool { return r == '"' || r == '\\' }

// isSearchWord reports whether v is one plain search word, which
// [SubstituteSearch] puts in unquoted: letters, digits, "+", ".", "@",
// "_", and "-" but not first.
//
// UNCONFIRMED: the search reference lists the operators (":", "<", ">",
// a leading "-", "*", "OR", spaces between terms, double quotes) but no
// grammar; that these characters start no condition inside a word is
// read from it, not stated. Any other value is quoted as a phrase, which
// cannot be read as a condition (but a "*" in it may no longer be a
// wildcard).
func isSearchWord(v string) bool {
	for i, r := range v {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '+', r == '.', r == '@', r == '_':
		case r == '-' && i > 0:
		default:
			return false
		}
	}
	return true
}

// rowOf turns one search hit into the columns of a recordset's record.
//
// UNCONFIRMED: the Search block documents "<rs>.<column>" and
// "<rs>.__count__", not which columns a record has. deskbridge takes the
// members of the hit as Zendesk's Search API returns it (id, result_type,
// name, phone, subject…), nested members as "a.b", arrays as "a[0]" with
// "a.__count__". That the block calls GET /api/v2/search.json is itself an
// inference from "Zendesk's Search API".
func rowOf(raw json.RawMessage) (map[string]string, error) {
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	row := map[string]string{}
	if err := flatten(row, "", v, 0); err != nil {
		return nil, err
	}
	return row, nil
}

// agentMatches reports whether the Zendesk user u is the Bright Pattern
// agent of email: an agent or admin with the same email (compared without
// case).
//
// UNCONFIRMED: the integration's prerequisite is "the same user in both
// systems", shown for SSO as the same email; how Bright Pattern maps its
// agent to the Zendesk user it pops to is not documented.
func agentMatches(u *zendesk.User, email string) bool {
	return u != nil && strings.EqualFold(u.Email, email) && (u.Role == zendesk.RoleAgent || u.Role == zendesk.RoleAdmin)
}

// callTicketVia is the via_id of the ticket a NewTicket Screen Pop
// creates.
//
// UNCONFIRMED: the Screen Pop block pops "a new ticket per call"; how
// Bright Pattern creates it is not documented. deskbridge uses Talk Partner
// Edition's voice ticket, an inbound call (45), the only public Zendesk API
// that creates a ticket and pops it to an agent at once (it is also used
// for chats).
func callTicketVia() int64 { return zendesk.ViaAPIPhoneCallInbound }

// attachment is the ticket update an Attached Data step sends.
//
// UNCONFIRMED: Bright Pattern writes "custom fields in Zendesk activity
// history"; what it sends is not documented. deskbridge sets the ticket's
// custom fields and adds an internal note (public false), the closest REST
// equivalent.
func attachment(fields []zendesk.CustomField, note string, withNote bool) *zendesk.TicketInput {
	in := &zendesk.TicketInput{CustomFields: fields}
	if withNote {
		in.Comment = zendesk.PrivateComment(note)
	}
	return in
}

// objectPath is the path under /api/v2/ of a Create Object (id "") or
// Update Object step.
//
// UNCONFIRMED: the blocks' settings were not readable; deskbridge sends the
// Zendesk REST calls their names suggest: POST {kind}s.json and PUT
// {kind}s/{id}.json, the body {"{kind}": fields}.
func objectPath(kind, id string) string {
	if id == "" {
		return kind + "s.json"
	}
	return kind + "s/" + url.PathEscape(id) + ".json"
}

// writeNoData answers a run that ended on No Data: 200 with an empty body,
// which a Fetch URL block takes as its No Data exit.
//
// UNCONFIRMED: the Fetch URL page says No Data is "no data in the response
// body"; that an empty 200 is that, and not Failed, is inferred.
func writeNoData(w http.ResponseWriter) {
	w.Header().Set(HeaderExit, string(ExitNoData))
	w.WriteHeader(http.StatusOK)
}

// failedStatus is the status of an answer that ended on Failed: the shared
// outcome's (422 for the input, 503 with Retry-After for Zendesk); any
// status outside 2xx takes a Fetch URL block's Failed exit.
//
// UNCONFIRMED: which statuses take Failed is in a table the pages read do
// not hold; brightpatterntest takes any status outside 2xx.
func failedStatus(rejected bool) int {
	if rejected {
		return http.StatusUnprocessableEntity
	}
	return http.StatusServiceUnavailable
}

// retryAfter is the Retry-After of a 503, in seconds.
func retryAfter() string { return strconv.Itoa(5) }
