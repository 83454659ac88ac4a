package cxonetest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// Each test here names one UNCONFIRMED guess of unconfirmed.go.

func TestUnconfirmedDiscoveryValues(t *testing.T) {
	// Doubt: the area, cluster and domains a tenant gets.
	d := discoveryDocument("http://x")
	if d["area"] != "na1" || d["domain"] != "niceincontact.com" || d["api_endpoint"] != "http://x" {
		t.Fatal(d)
	}
}

func TestUnconfirmedTokenClaims(t *testing.T) {
	// Doubt: CXone's claims; only third-party code reads tenantId.
	if c := tokenClaims("t1", 5); c["tenantId"] != "t1" || c["icBUId"] != int64(5) {
		t.Fatal(c)
	}
	// Doubt: the refresh token's lifetime (legacy: 7200 s).
	if refreshLifetime() != 2*time.Hour {
		t.Fatal(refreshLifetime())
	}
}

func TestUnconfirmedErrorBodies(t *testing.T) {
	// Doubt: the 401 body of the ACD APIs and the 429's Retry-After.
	w := httptest.NewRecorder()
	unauthorized(w, "x")
	if w.Code != 401 || w.Body.String() != `{"error":"invalid_token","error_description":"x"}` {
		t.Fatal(w.Code, w.Body.String())
	}
	w = httptest.NewRecorder()
	writeRateLimit(w, fakeserver.LimitState{Limited: true, Limit: 1, Window: time.Minute, ResetIn: 1500 * time.Millisecond})
	if w.Code != 429 || w.Header().Get("Retry-After") != "2" {
		t.Fatal(w.Code, w.Header())
	}
	// Doubt: media playback's internalCode values.
	w = httptest.NewRecorder()
	mediaPlaybackError(w, 404, "m")
	if w.Body.String() != `{"internalCode":"404001","message":"m"}` {
		t.Fatal(w.Body.String())
	}
}

func TestUnconfirmedLimitsExemptions(t *testing.T) {
	// Doubt: whether discovery and the token endpoint count against a budget.
	for p, want := range map[string]bool{tokenPath: true, discoveryPath: true, openIDPath: true, "/inContactAPI/services/v23.0/agents": false} {
		if got := unlimited(httptest.NewRequest("GET", p, nil)); got != want {
			t.Errorf("%s: %v", p, got)
		}
	}
}

func TestUnconfirmedIDsAndMedia(t *testing.T) {
	// Doubt: the ranges of CXone's integer ids; media type ids past Call and Chat.
	if firstID("contact") != 560001 || firstID("agent") != 1001 || MediaCall.ID != 4 || MediaChat.ID != 3 || MediaSMS.ID != 8 {
		t.Fatal("ids")
	}
	// Doubt: whether the recording URL is signed or expires.
	if recordingURL("http://h", 7) != "http://h/media-playback/recordings/7.wav" {
		t.Fatal(recordingURL("http://h", 7))
	}
}

func TestUnconfirmedStatesAndEvents(t *testing.T) {
	// Doubt: state-history states, agent state ids, the ACW agent state.
	if stateInQueue.name != "InQueue" || stateEnd.name != "EndContact" || agentStateID(agentAvailable) != 1 || agentACWState() != agentUnavailable {
		t.Fatal("states")
	}
	// Doubt: DigitalContactEvent's fields; unset optional keys left out.
	sk := &Skill{Name: "Chat"}
	ev := contactEvent(&Contact{ID: 1, MasterID: 1, Media: MediaChat}, sk, "Active", false, time.Unix(0, 0))
	if ev["Type"] != eventDigitalContact || ev["ANI"] != nil || ev["FinalState"] != "False" {
		t.Fatal(ev)
	}
	// Doubt: the fields of session and agent-state events.
	if sessionEvent(eventSessionEnd, "s", time.Unix(0, 0))["SessionId"] != "s" || agentStateEvent("Available", "", time.Unix(0, 0))["CurrentOutReason"] != nil {
		t.Fatal("session events")
	}
	// Doubt: endReason values.
	if endReason(&Contact{EndedByContact: true}) != "Contact Hung Up" || endReason(&Contact{}) != "Agent Hung Up" {
		t.Fatal("end reasons")
	}
	// Doubt: how a digital handoff shows in the Reporting API: the
	// segment ends with an endReason naming it, and the next contact keeps
	// the master id (however many transfers, where CXone's Contact History
	// help says a new master id comes after 3).
	if endReason(&Contact{Handoff: HandoffTransfer}) != "Transferred" || endReason(&Contact{Handoff: HandoffUnassign, EndedByContact: true}) != "Unassigned" {
		t.Fatal("handoff end reasons")
	}
	if handoffMasterID(&Contact{ID: 7, MasterID: 3}) != 3 {
		t.Fatal("handoff master id")
	}
}

func TestUnconfirmedListsAndVersions(t *testing.T) {
	// Doubt: the notes limit, page sizes, versions served and where v33 names begin.
	if maxDispositionNotes() != 2000 || defaultTop != 50 || maxTop != 100 || latestVersion != 33 || v33Names(32) || !v33Names(33) {
		t.Fatal("limits")
	}
	// Doubt: single Admin records as a list of one under the plural; the active list's key.
	if singleEnvelope("agents") != "agents" || activeContactsKey() != "activeContacts" {
		t.Fatal("envelopes")
	}
}

func TestUnconfirmedWarehouseModel(t *testing.T) {
	// Doubt: lastUpdateTime is the warehousing time; updatedSince includes it.
	at := time.Unix(100, 0)
	if contactVisible(publication{at: at}, at.Add(-1)) || !contactVisible(publication{at: at}, at) {
		t.Fatal("visibility")
	}
	if !updatedSinceIncludes(at, at) || updatedSinceIncludes(at, at.Add(1)) {
		t.Fatal("updatedSince")
	}
}

func TestUnconfirmedAgentAPI(t *testing.T) {
	// Doubt: 202 for the Agent API's actions; parameters in the query too.
	if sessionActionStatus != http.StatusAccepted {
		t.Fatal(sessionActionStatus)
	}
	var p sessionParams
	sessionParamsFromQuery(httptest.NewRequest("POST", "/x?stationId=S&asAgentId=7", nil), &p)
	if p.StationID != "S" || p.AsAgentID != 7 {
		t.Fatal(p)
	}
	// Doubt: the API user is not an agent; the status of a join refused.
	w := httptest.NewRecorder()
	noAgentForSession(w)
	if w.Code != 400 {
		t.Fatal(w.Code)
	}
	w = httptest.NewRecorder()
	notLoggedIn(w, 3)
	if w.Code != 409 {
		t.Fatal(w.Code)
	}
	// Doubt: the tags body.
	var b tagsBody
	if err := fakeserver.DecodeJSON([]byte(`{"tags":[{"tagId":8}]}`), &b); err != nil || b.Tags[0].TagID != 8 {
		t.Fatal(b, err)
	}
}
