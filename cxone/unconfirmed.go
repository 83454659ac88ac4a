package cxone

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// This file holds every behaviour of the client that rests on a guess:
// what CXone does not document publicly, or documents in two ways. Each
// guess is one function, tested in unconfirmed_test.go by a test that
// names the doubt. Sources: CXone's developer portal,
// https://developer.niceincontact.com; its official agent SDK,
// https://github.com/nice-devone/nice-cxone-agent-sdk ("the SDK");
// clients generated from the portal's OpenAPI files,
// https://github.com/calljacob/nice-cxone-api ("the generated client").

// defaultClientSecretBasic reports whether the password grant sends the
// client id and secret as HTTP Basic by default.
//
// UNCONFIRMED: CXone's portal says a back-end application uses the
// password grant with its client id and secret, not where they go. The
// registration form offers client_secret_post (a third-party onboarding
// guide, https://authenticx.readme.io/docs/devone-application-process,
// tells users to pick it) and public samples send them in the body; other
// samples send Basic. The body is the default; [WithClientSecretBasic]
// switches.
func defaultClientSecretBasic() bool { return false }

// defaultTokenLifetime is assumed when a token response has no expires_in.
//
// UNCONFIRMED: the portal's FAQ (https://developer.niceincontact.com/FAQ)
// says password tokens "are generally set to expire after an hour"; the
// token responses seen carry expires_in.
func defaultTokenLifetime() time.Duration { return time.Hour }

// tenantClaim is the JWT claim the tenant id is read from.
//
// UNCONFIRMED: only third-party code reads it (outboundani/cxone-mcp,
// src/cxone.js: tenantId from the id_token, else the access token); the
// portal does not document the token's claims.
func tenantClaim() string { return "tenantId" }

// cxoneDomains are the domains a discovered host (API endpoint, token
// endpoint) must lie in, so that a tampered discovery answer cannot move
// the token or the access key secret to another host.
//
// UNCONFIRMED: no list is published. niceincontact.com is the domain of
// the discovery host and of the API endpoints in the SDK's examples;
// nice-incontact.com is UserHub's and the third-party clients' API hosts';
// incontact.com is the legacy API's (api-{cluster}.incontact.com). A
// tenant on another domain (a government cloud) is refused with an error
// naming this list.
func cxoneDomains() []string {
	return []string{"niceincontact.com", "nice-incontact.com", "incontact.com"}
}

// areaPatternRE is what an area name may be.
var areaPatternRE = regexp.MustCompile(`^[a-z]{2,4}[0-9]{1,3}$`)

// areaPattern is what the area of a discovery answer must match.
//
// UNCONFIRMED: the areas named in public sources are na1, na2, au1, eu1,
// uk1 (the portal's UserHub page, the SDK's FedRAMP check for na2, a JWT
// in a public test fixture); no list or grammar is published. Two to four
// lower-case letters and one to three digits are accepted.
func areaPattern() *regexp.Regexp { return areaPatternRE }

// rateLimitHeaders names the headers read for CXone's budget.
//
// UNCONFIRMED: CXone publishes no rate limits or rate-limit headers for
// its ACD APIs (its Digital Engagement throttling,
// https://developer.niceincontact.com/API/DigitalEngagementAPI, is per
// hour and per tenant, without headers); a third-party client notes "no
// reliable Retry-After". None is read: a 429 is retried with Retry-After
// when CXone sends one, else with exponential backoff.
func rateLimitHeaders() rest.RateLimitHeaders { return rest.RateLimitHeaders{} }

// requestIDHeaders names the response headers read for the request id.
//
// UNCONFIRMED: the generated client sends and reads a CorrelationId
// header; CXone does not document it as a contract.
func requestIDHeaders() []string { return []string{"CorrelationId"} }

// envelopeKeys are the members a single object's answer may hold it
// under, tried in order, for each resource read one at a time; an answer
// with none of them is decoded whole.
//
// UNCONFIRMED: the generated client types these answers loosely, and the
// portal shows one only for GET /unavailable-codes/{id}
// ({"unavailableCode": {…}}, read as documented). The Admin API answers
// lists under the plural (agents, teams, skills, dispositions), and its
// single-object endpoints are read under the singular, then the plural
// (a list of one), then whole.
func envelopeKeys(resource string) []string {
	switch resource {
	case "agent":
		return []string{"agent", "agents"}
	case "team":
		return []string{"team", "teams"}
	case "skill":
		return []string{"skill", "skills"}
	case "disposition":
		return []string{"disposition", "dispositions"}
	case "team unavailable codes":
		return []string{"unavailableCodes", "teams"}
	}
	return nil
}

// contactListKeys are the members a contact list's items may come under.
//
// UNCONFIRMED: completedContacts is confirmed (the SDK at v23.0 and v33.0,
// singer-io/tap-nice-incontact at v21.0); the generated client names the
// array "contacts" for both lists, and a first reading named the active
// list "activeContacts". Both are read.
func contactListKeys(which string) []string {
	if which == "completed" {
		return []string{"completedContacts", "contacts"}
	}
	return []string{"activeContacts", "contacts"}
}

// decodeContact reads GET /contacts/{contactId}'s answer.
//
// UNCONFIRMED: the generated spec wraps the contact under a member named
// "contactId" ({"businessUnitId", "lastPollTime", "contactId": {…}}); that
// is read, then a "contacts" list, then the whole answer as the contact.
func decodeContact(body []byte) (*Contact, error) {
	var c Contact
	var raw json.RawMessage
	if found, err := rest.DecodeMember(body, "contactId", &raw); err == nil && found && len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
	} else if err := decodeOne(body, &c, "contacts", "completedContacts"); err != nil {
		return nil, err
	}
	if c.ContactID == 0 {
		return nil, errEmptyAnswer{}
	}
	return &c, nil
}

// contactEnd is a contact's end time.
//
// UNCONFIRMED: the Reporting API has no end-time field; the seed's "End
// Time" is taken as contactStartDate plus totalDurationSeconds. Which
// value CXone's own memorialization writes is not documented.
func contactEnd(c *Contact) time.Time {
	if c.ContactStartDate.IsZero() {
		return time.Time{}
	}
	return c.ContactStartDate.Add(time.Duration(c.TotalDurationSeconds * float64(time.Second)))
}

// tagsBody is the body of POST /contacts/{contactId}/tags.
//
// UNCONFIRMED: the SDK calls the endpoint (v23.0) but its body is not in
// any public source read; {"tags": [{"tagId": N}, …]} mirrors the tags a
// completed contact carries.
func tagsBody(tagIDs []int64) any {
	type tag struct {
		TagID int64 `json:"tagId"`
	}
	tags := make([]tag, len(tagIDs))
	for i, id := range tagIDs {
		tags[i] = tag{TagID: id}
	}
	return map[string]any{"tags": tags}
}

// ContactState is one entry of a contact's state history.
//
// UNCONFIRMED: GET /contacts/{contactId}/state-history answers
// {"contactStateHistory": […]} (the generated client), whose entries'
// fields no public source lists; these are the names the Reporting API
// uses elsewhere, and Raw keeps the entry whole.
type ContactState struct {
	ContactID int64  `json:"contactId,omitempty"`
	StateID   int    `json:"stateId,omitempty"`
	StateName string `json:"stateName,omitempty"`
	AgentID   int64  `json:"agentId,omitempty"`
	SkillID   int64  `json:"skillId,omitempty"`
	StartDate Time   `json:"startDate,omitzero"`
	// Raw is the entry as CXone sent it.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON reads an entry and keeps it in Raw.
func (s *ContactState) UnmarshalJSON(b []byte) error {
	type plain ContactState
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = ContactState(p)
	s.Raw = bytes.Clone(b)
	return nil
}

// mediaPlaybackRequest is the request of GET /media-playback/v1/contacts,
// sent to the API endpoint's host.
//
// UNCONFIRMED: the Media Playback spec gives the path, not the host; the
// SDK builds its API-facade host as https://api-{area}.{domain}, the API
// endpoint's host in every example, so the request goes there.
func mediaPlaybackRequest(q url.Values) *rest.Request {
	return &rest.Request{Path: "/media-playback/v1/contacts", Query: q}
}

// sessionRequest is the request that opens or joins an agent session,
// POST /agent-sessions or /agent-sessions/join, with its parameters.
//
// UNCONFIRMED: the generated client lists stationId, stationPhoneNumber,
// inactivityTimeout, inactivityForceLogout and asAgentId as the
// parameters without a public example of where they go; legacy samples
// post them as a JSON body, which is sent.
func sessionRequest(path string, params any) *rest.Request {
	return &rest.Request{Method: "POST", Path: path, Body: params}
}
