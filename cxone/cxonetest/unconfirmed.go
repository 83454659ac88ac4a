package cxonetest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// This file holds every behaviour of the fake that CXone's public
// material does not state (UNCONFIRMED), one function or value each,
// tested in unconfirmed_test.go by a test that names the doubt. Sources:
// the developer portal, https://developer.niceincontact.com; the official
// agent SDK, https://github.com/nice-devone/nice-cxone-agent-sdk ("the
// SDK"); clients generated from the portal's OpenAPI files,
// https://github.com/calljacob/nice-cxone-api ("the generated client").

// discoveryDocument is the tenant's cxone-configuration. The fields are
// those the SDK reads (common-sdk cxone-configuration.js); api_endpoint is
// the fake's URL.
//
// UNCONFIRMED: the values of area, cluster and the domains for a tenant
// (na1, C32, niceincontact.com here), and "private", seen in one sample.
func discoveryDocument(apiEndpoint string) map[string]any {
	return map[string]any{
		"private":         false,
		"area":            "na1",
		"cluster":         "C32",
		"domain":          "niceincontact.com",
		"acdDomain":       "nice-incontact.com",
		"uhDomain":        "nice-incontact.com",
		"api_endpoint":    apiEndpoint,
		"globaldomain_v1": "niceincontact.com",
	}
}

// tokenClaims are the CXone claims of the access and id tokens.
//
// UNCONFIRMED: CXone does not document its tokens' claims; third-party
// code reads tenantId (outboundani/cxone-mcp, src/cxone.js), and a JWT in
// a public test fixture shows icClusterId and area. The tokens are signed
// HS256 with the fake's own key: clients must not check CXone's signature
// against them.
func tokenClaims(tenantID string, bu int64) map[string]any {
	return map[string]any{
		"tenantId":    tenantID,
		"tenant":      "cxonetest",
		"icBUId":      bu,
		"icClusterId": "C32",
		"area":        "na1",
		"role":        map[string]any{"legacyId": "Administrator"},
	}
}

// refreshLifetime is how long a refresh token lasts.
//
// UNCONFIRMED: the legacy token page gives 7200 s for refresh tokens
// (https://developer.incontact.com/Documentation/APIAuthenticationToken);
// the current platform's lifetime is not published.
func refreshLifetime() time.Duration { return 2 * time.Hour }

// unauthorized answers the API's 401.
//
// UNCONFIRMED: the body of an ACD 401 for a missing or expired token;
// the OAuth style the ACD APIs use elsewhere is sent, with
// WWW-Authenticate as RFC 6750 §3 says.
func unauthorized(w http.ResponseWriter, desc string) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	apiError(w, http.StatusUnauthorized, "invalid_token", desc)
}

// writeRateLimit answers a request over the limit.
//
// UNCONFIRMED: CXone publishes no ACD rate limits and no rate-limit
// headers, and a third-party client notes "no reliable Retry-After". The
// fake sends no rate-limit headers, and on a 429 a Retry-After in whole
// seconds until the window resets, with an OAuth-style body.
func writeRateLimit(w http.ResponseWriter, st fakeserver.LimitState) {
	if !st.Limited {
		return
	}
	secs := int(math.Ceil(st.ResetIn.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	apiError(w, http.StatusTooManyRequests, "TooManyRequests", fmt.Sprintf("rate limit of %d requests per %s exceeded", st.Limit, st.Window))
}

// unlimited exempts discovery and the token endpoint from the rate limit.
//
// UNCONFIRMED: whether CXone counts them against any budget.
func unlimited(r *http.Request) bool {
	switch r.URL.Path {
	case openIDPath, discoveryPath, tokenPath:
		return true
	}
	return false
}

// firstID is the first id the fake gives each kind of record.
//
// UNCONFIRMED: CXone's ids are integers (agentId, contactId…) whose
// ranges are not published; these only look like the ones in public
// samples.
func firstID(kind string) int64 {
	switch kind {
	case "agent":
		return 1001
	case "team":
		return 77
	case "skill":
		return 2001
	case "disposition":
		return 31
	case "code":
		return 11
	case "tag":
		return 8
	case "contact":
		return 560001
	}
	return 1
}

// Media types of the simulated skills.
//
// UNCONFIRMED: mediaTypeId 4 "Call" and 3 "Chat" are the values in the
// Reporting API samples; the ids of e-mail, SMS and Digital Experience
// messaging are not published (1, 8 and 61 here).
var (
	MediaCall      = Media{ID: 4, Name: "Call"}
	MediaChat      = Media{ID: 3, Name: "Chat", Digital: true}
	MediaEmail     = Media{ID: 1, Name: "Email", Digital: true}
	MediaSMS       = Media{ID: 8, Name: "SMS", Digital: true}
	MediaMessaging = Media{ID: 61, Name: "Digital", Digital: true}
)

// recordingURL is the fileToPlayUrl of a voice contact's recording.
//
// UNCONFIRMED: whether CXone's is signed or expires. The fake's is a
// stable URL under its own host, which serves a few bytes of audio.
func recordingURL(base string, contactID int64) string {
	return base + "/media-playback/recordings/" + strconv.FormatInt(contactID, 10) + ".wav"
}

// contactState is a state of a contact's state history.
type contactState struct {
	id   int
	name string
}

// Contact states of the state history.
//
// UNCONFIRMED: GET /contacts/{contactId}/state-history's entries are not
// described publicly; stateId and stateName are the names the Reporting
// API uses, and these values only read plausibly.
var (
	stateInQueue = contactState{2, "InQueue"}
	stateActive  = contactState{4, "Active"}
	stateACW     = contactState{8, "ACW"}
	stateEnd     = contactState{10, "EndContact"}
)

// Agent states (agentStateName), from the per-agent endpoint's enum in
// the generated client.
const (
	agentLoggedOut      = "LoggedOut"
	agentAvailable      = "Available"
	agentUnavailable    = "Unavailable"
	agentInbound        = "InboundContact"
	agentOutbound       = "OutboundContact"
	eventDisconnected   = "Disconnected"
	eventSessionStart   = "AgentSessionStart"
	eventSessionEnd     = "AgentSessionEnd"
	eventCallContact    = "CallContactEvent"
	eventDigitalContact = "DigitalContactEvent"
)

// agentStateID is the agentStateId of a state name.
//
// UNCONFIRMED: the ids are not published; the enum's order is used.
func agentStateID(name string) int {
	switch name {
	case agentLoggedOut:
		return 0
	case agentAvailable:
		return 1
	case agentUnavailable:
		return 2
	case agentInbound:
		return 3
	case agentOutbound:
		return 4
	}
	return 0
}

// agentACWState is the agent's state during after-call work.
//
// UNCONFIRMED: the enum has no ACW state; the Real-Time API's isACW flag
// marks it. The fake reports Unavailable with isACW true.
func agentACWState() string { return agentUnavailable }

// contactAgentState is the agent's state while handling c.
func contactAgentState(c *Contact) string {
	if c.Outbound {
		return agentOutbound
	}
	return agentInbound
}

// contactEventStatus is the Status of a delivered contact's event.
func contactEventStatus(*Contact) string { return "Active" }

// contactEvent is the get-next-event event of a contact: a
// CallContactEvent for voice (its PascalCase keys and "True"/"False"
// strings as the SDK reads them), a DigitalContactEvent for digital.
//
// UNCONFIRMED: the DigitalContactEvent's fields (the SDK's schema for it
// was not read); the fake gives it the CallContactEvent's that apply. The
// IISHost and VCHost values. Which optional keys CXone sends empty: the
// fake leaves unset ones out.
func contactEvent(c *Contact, sk *Skill, status string, final bool, now time.Time) map[string]any {
	ev := map[string]any{
		"Type":                   eventCallContact,
		"IISHost":                "C32IIS01",
		"VCHost":                 "C32VC01",
		"ContactID":              strconv.FormatInt(c.ID, 10),
		"MasterID":               strconv.FormatInt(c.MasterID, 10),
		"Status":                 status,
		"Skill":                  sk.Name,
		"IsInbound":              boolString(!c.Outbound),
		"StartTimeUTC":           formatTime(c.Start),
		"LastStateChangeTimeUTC": formatTime(now),
		"FinalState":             boolString(final),
		"AllowDispositions":      boolString(len(sk.DispositionIDs) > 0),
		"IsLogging":              boolString(c.RecordingURL != ""),
	}
	if c.Media.Digital {
		ev["Type"] = eventDigitalContact
		delete(ev, "IsLogging")
	} else {
		ev["CallType"] = "Regular"
		if c.From != "" {
			ev["ANI"] = c.From
		}
		if c.To != "" {
			ev["DNIS"] = c.To
		}
	}
	if status == eventDisconnected {
		ev["DisconnectCode"] = endReason(c)
	}
	return ev
}

// sessionEvent is AgentSessionStart or AgentSessionEnd.
//
// UNCONFIRMED: their fields; only Type is named by the SDK.
func sessionEvent(typ, sessionID string, at time.Time) map[string]any {
	return map[string]any{"Type": typ, "SessionId": sessionID, "StartTimeUTC": formatTime(at)}
}

// agentStateEvent is AgentState.
//
// UNCONFIRMED: CurrentState, CurrentOutReason and StartTimeUTC are the
// keys of one third-party sample, not of the SDK's schema.
func agentStateEvent(state, reason string, at time.Time) map[string]any {
	ev := map[string]any{"Type": "AgentState", "CurrentState": state, "StartTimeUTC": formatTime(at)}
	if reason != "" {
		ev["CurrentOutReason"] = reason
	}
	return ev
}

// endReason is a closed contact's endReason (and its Disconnected event's
// DisconnectCode).
//
// UNCONFIRMED: the values; "Contact Hung Up" is the Reporting sample's,
// the agent's is guessed, and so are "Transferred" and "Unassigned", the
// end of a digital contact's segment its agent passed on ([handoffMasterID]).
func endReason(c *Contact) string {
	switch c.Handoff {
	case HandoffTransfer:
		return "Transferred"
	case HandoffUnassign:
		return "Unassigned"
	}
	if c.EndedByContact {
		return "Contact Hung Up"
	}
	return "Agent Hung Up"
}

// handoffMasterID is the masterContactId of the contact that continues
// an interaction c's agent transferred or unassigned.
//
// UNCONFIRMED: how the Reporting API shows a digital handoff. Public
// pages say that Studio's OnAssignment branch runs again for the next
// agent and OnUnassignment when a contact leaves its agent while the
// interaction goes on, and that the agent SDK's events give every
// transferred voice contact a new ContactID with the same MasterID; the
// fake applies that to digital contacts: c's segment ends (closed,
// published with its agent's data and endReason "Transferred" or
// "Unassigned") and a new contact id with c's masterContactId goes on.
// CXone's Contact History help says a new master contact id is assigned
// once a contact has been transferred 3 or more times
// (https://help.incontact.com/content/Reporting/PrebuiltReports/PrebuiltReportsStandard/ContactHistoryReport.htm);
// the fake keeps the master id however often.
func handoffMasterID(c *Contact) int64 { return c.MasterID }

// maxDispositionNotes is the longest disposition note, in characters.
//
// UNCONFIRMED: no limit is published; the fake refuses notes past 2000
// characters so that a client that sends more learns it here.
func maxDispositionNotes() int { return 2000 }

// Page sizes of the ACD lists.
//
// UNCONFIRMED: "default 50, max 100" is a comment in third-party code
// (outboundani/cxone-mcp). A larger top is cut to the maximum, and the
// next page is linked.
const (
	defaultTop = 50
	maxTop     = 100
)

// latestVersion is the newest ACD API version the fake serves; a path
// naming a newer one, or an older one than the endpoint's first, gets 404.
//
// UNCONFIRMED: which versions CXone serves each endpoint at; the fake
// serves every version from the endpoint's first (2.0, or the version
// the SDK first calls it at) to 33.0.
const latestVersion = 33

// v33Names reports whether contacts are written with the v33.0 field
// names (fromAddress, toAddress, contactStartDate, mediaTypeId,
// conferenceSeconds, tags {contactId, tagId, tagName}) rather than
// v23.0's (fromAddr, toAddr, contactStart, mediaType, confSeconds, tags
// {Contact_Id, TagId, TagName}), both per the SDK's
// normalizeVoiceContactHistoryResponse.
//
// UNCONFIRMED: the version where the names changed; the SDK knows only
// 23.0 and 33.0. The fake uses the new names from 33.0.
func v33Names(version int) bool { return version >= 33 }

// singleEnvelope is the member an Admin API answer holds one record
// under (GET /agents/{id}, /teams/{id}, /skills/{id},
// /dispositions/{id}): the plural list, with one item.
//
// UNCONFIRMED: the portal shows the envelope only for
// /unavailable-codes/{id} ({"unavailableCode": {…}}, served as such); the
// generated client types the others loosely.
func singleEnvelope(plural string) string { return plural }

// activeContactsKey is the member GET /contacts/active lists under.
//
// UNCONFIRMED: a first reading named it activeContacts; the generated
// client says contacts.
func activeContactsKey() string { return "activeContacts" }

// contactVisible reports whether the Reporting API (GET
// /contacts/completed and GET /contacts/{contactId}) shows a contact:
// once its publication's time has come, which is its close plus the
// warehousing delay. That time is also its lastUpdateTime there, and its
// dateContactWarehoused and dateACWWarehoused.
//
// UNCONFIRMED: CXone's warehousing lag and whether lastUpdateTime is the
// time the record reached the warehouse (the fake's choice: a poll on
// updatedSince=lastPollTime then misses nothing) or the contact's own last
// change (a poller could then miss records that land late).
func contactVisible(p publication, now time.Time) bool { return !p.at.After(now) }

// updatedSinceIncludes reports whether a record changed at t is listed
// for updatedSince since.
//
// UNCONFIRMED: >= or >. The fake lists t >= since, so a record at exactly
// the last poll time comes twice rather than never.
func updatedSinceIncludes(t, since time.Time) bool { return !t.Before(since) }

// sessionActionStatus is the status of the Agent API's actions (session
// state, disposition, custom data, end, delete) and of opening a session.
//
// UNCONFIRMED: the portal's FAQ describes 202 as "asynchronous action
// request completed successfully"; the legacy Agent API answered 202 to
// these. The fake answers 202, with {"sessionId"} for a new session and no
// body for the others.
const sessionActionStatus = http.StatusAccepted

// sessionParams reads the parameters of POST /agent-sessions and …/join.
//
// UNCONFIRMED: whether they travel as a JSON body or a query; the fake
// takes either (the body wins).
func sessionParamsFromQuery(r *http.Request, p *sessionParams) {
	q := r.URL.Query()
	if p.StationID == "" {
		p.StationID = q.Get("stationId")
	}
	if p.StationPhoneNumber == "" {
		p.StationPhoneNumber = q.Get("stationPhoneNumber")
	}
	if p.AsAgentID == 0 {
		p.AsAgentID, _ = strconv.ParseInt(q.Get("asAgentId"), 10, 64)
	}
}

// noAgentForSession answers POST /agent-sessions without asAgentId.
//
// UNCONFIRMED: CXone starts a session for the API user itself when it is
// an agent; the fake's API user is not one, so asAgentId is required.
func noAgentForSession(w http.ResponseWriter) {
	apiError(w, http.StatusBadRequest, "InvalidRequest", "asAgentId is required: the API user is not an agent")
}

// notLoggedIn answers a join or session start for an agent the fake
// cannot attach to.
//
// UNCONFIRMED: the status and code; 409 is what the SDK reports upward
// from the Agent API.
func notLoggedIn(w http.ResponseWriter, agentID int64) {
	apiError(w, http.StatusConflict, "AgentNotLoggedIn", fmt.Sprintf("agent %d has no session to join", agentID))
}

// tagsBody is the body of POST /contacts/{contactId}/tags.
//
// UNCONFIRMED: the SDK calls the endpoint but no public source shows the
// body; the fake reads {"tags": [{"tagId": N}, …]}, the form of the tags a
// completed contact carries.
type tagsBody struct {
	Tags []struct {
		TagID int64 `json:"tagId"`
	} `json:"tags"`
}

// mediaPlaybackError answers media playback's errors, {"internalCode",
// "message"} per the generated client.
//
// UNCONFIRMED: the codes' values.
func mediaPlaybackError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"internalCode": strconv.Itoa(status) + "001", "message": msg})
}
