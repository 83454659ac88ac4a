package cxone

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

// Every method sends exactly the request CXone documents, and decodes the
// documented answer.
func TestMethodRequests(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 11, 21, 11, 0, 0, 5e6, time.FixedZone("CET", 3600))
	const sinceQ = "2026-11-21T10:00:00.005Z"
	type check func(t *testing.T, c *Client) error
	cases := []struct {
		name   string
		method string
		path   string
		query  url.Values
		body   string // JSON expected, "" for none
		status int
		answer string
		call   check
	}{
		{"Agents.ListPage", "GET", "/inContactAPI/services/v23.0/agents", url.Values{"top": {"2"}, "updateSince": {sinceQ}, "isActive": {"true"}, "searchString": {"ann"}, "orderBy": {"lastName asc"}}, "", 200, fixture(t, "agents.json"),
			func(t *testing.T, c *Client) error {
				p, err := c.Agents.ListPage(t.Context(), &AgentListOptions{ListOptions: ListOptions{Top: 2, OrderBy: "lastName asc"}, UpdatedSince: since, IsActive: Ptr(true), SearchString: "ann"})
				if err == nil && (len(p.Items) != 2 || p.Items[0].FullName() != "Ann Lee" || p.Items[1].IsSupervisor != true || p.Total != 2 || p.Next != "") {
					t.Errorf("page %+v", p)
				}
				return err
			}},
		{"Agents.Get", "GET", "/inContactAPI/services/v23.0/agents/1001", nil, "", 200, `{"agents":[{"agentId":1001,"firstName":"Ann","lastName":"Lee","teamId":77}]}`,
			func(t *testing.T, c *Client) error {
				a, err := c.Agents.Get(t.Context(), 1001)
				if err == nil && (a.AgentID != 1001 || a.TeamID != 77) {
					t.Errorf("%+v", a)
				}
				return err
			}},
		{"Agents.Skills", "GET", "/inContactAPI/services/v23.0/agents/1001/skills", nil, "", 200, `{"totalRecords":1,"agentSkillAssignments":[{"agentId":1001,"skillId":2001,"skillName":"Billing Voice","mediaTypeId":4,"agentProficiencyValue":3,"isActive":true}]}`,
			func(t *testing.T, c *Client) error {
				s, err := c.Agents.Skills(t.Context(), 1001)
				if err == nil && (len(s) != 1 || s[0].SkillID != 2001 || s[0].AgentProficiencyValue != 3) {
					t.Errorf("%+v", s)
				}
				return err
			}},
		{"AgentStates.ListPage", "GET", "/inContactAPI/services/v23.0/agents/states", url.Values{"updatedSince": {sinceQ}, "reqBUIds": {"4600123"}}, "", 200, fixture(t, "agent_states.json"),
			func(t *testing.T, c *Client) error {
				p, err := c.AgentStates.ListPage(t.Context(), &AgentStateListOptions{UpdatedSince: since, ReqBUIDs: "4600123"})
				if err == nil && (len(p.Items) != 1 || p.Items[0].OutStateDescription != "Lunch" || p.Items[0].AgentStateName != "Unavailable") {
					t.Errorf("%+v", p)
				}
				return err
			}},
		{"AgentStates.Get", "GET", "/inContactAPI/services/v23.0/agents/1001/states", nil, "", 200, fixture(t, "agent_states.json"),
			func(t *testing.T, c *Client) error {
				s, err := c.AgentStates.Get(t.Context(), 1001)
				if err == nil && s.StationID != 55 {
					t.Errorf("%+v", s)
				}
				return err
			}},
		{"Teams.ListPage", "GET", "/inContactAPI/services/v23.0/teams", url.Values{"isActive": {"false"}}, "", 200, `{"totalRecords":1,"teams":[{"teamId":77,"teamName":"Support","isActive":false}]}`,
			func(t *testing.T, c *Client) error {
				p, err := c.Teams.ListPage(t.Context(), &TeamListOptions{IsActive: Ptr(false)})
				if err == nil && (len(p.Items) != 1 || p.Items[0].TeamName != "Support") {
					t.Errorf("%+v", p)
				}
				return err
			}},
		{"Teams.Get", "GET", "/inContactAPI/services/v23.0/teams/77", nil, "", 200, `{"teams":[{"teamId":77,"teamName":"Support","isActive":true}]}`,
			func(t *testing.T, c *Client) error {
				tm, err := c.Teams.Get(t.Context(), 77)
				if err == nil && tm.TeamName != "Support" {
					t.Errorf("%+v", tm)
				}
				return err
			}},
		{"Teams.Agents", "GET", "/inContactAPI/services/v23.0/teams/77/agents", nil, "", 200, fixture(t, "agents.json"),
			func(t *testing.T, c *Client) error {
				a, err := collect(c.Teams.Agents(t.Context(), 77))
				if err == nil && len(a) != 2 {
					t.Errorf("%+v", a)
				}
				return err
			}},
		{"Teams.UnavailableCodes", "GET", "/inContactAPI/services/v23.0/teams/77/unavailable-codes", nil, "", 200, fixture(t, "unavailable_codes.json"),
			func(t *testing.T, c *Client) error {
				u, err := c.Teams.UnavailableCodes(t.Context(), 77)
				if err == nil && (len(u) != 2 || !u[1].IsACW) {
					t.Errorf("%+v", u)
				}
				return err
			}},
		{"Skills.ListPage", "GET", "/inContactAPI/services/v23.0/skills", url.Values{"mediaTypeId": {"4"}}, "", 200, fixture(t, "skill.json"),
			func(t *testing.T, c *Client) error {
				p, err := c.Skills.ListPage(t.Context(), &SkillListOptions{MediaTypeID: 4})
				if err == nil && len(p.Items) != 1 {
					t.Errorf("%+v", p)
				}
				return err
			}},
		{"Skills.Get", "GET", "/inContactAPI/services/v23.0/skills/2001", nil, "", 200, fixture(t, "skill.json"),
			func(t *testing.T, c *Client) error {
				s, err := c.Skills.Get(t.Context(), 2001)
				if err == nil && (!s.UseScreenPops || len(s.Dispositions) != 1 || s.Dispositions[0].DispositionName != "Resolved") {
					t.Errorf("%+v", s)
				}
				return err
			}},
		{"Skills.Dispositions", "GET", "/inContactAPI/services/v12.0/skills/2001/dispositions", nil, "", 200, `{"skillId":2001,"dispositions":[{"dispositionId":31,"dispositionName":"Resolved","priority":1}]}`,
			func(t *testing.T, c *Client) error {
				d, err := c.Skills.Dispositions(t.Context(), 2001)
				if err == nil && (len(d) != 1 || d[0].Priority != 1) {
					t.Errorf("%+v", d)
				}
				return err
			}},
		{"Dispositions.ListPage", "GET", "/inContactAPI/services/v12.0/dispositions", url.Values{"skip": {"5"}, "top": {"10"}, "isPreviewDispositions": {"false"}, "updatedSince": {sinceQ}}, "", 200, fixture(t, "dispositions.json"),
			func(t *testing.T, c *Client) error {
				p, err := c.Dispositions.ListPage(t.Context(), &DispositionListOptions{ListOptions: ListOptions{Skip: 5, Top: 10}, IsPreviewDispositions: Ptr(false), UpdatedSince: since})
				if err == nil && (len(p.Items) != 1 || p.Items[0].SystemOutcome != "Complete") {
					t.Errorf("%+v", p)
				}
				return err
			}},
		{"Dispositions.Get", "GET", "/inContactAPI/services/v12.0/dispositions/31", nil, "", 200, fixture(t, "dispositions.json"),
			func(t *testing.T, c *Client) error {
				d, err := c.Dispositions.Get(t.Context(), 31)
				if err == nil && d.DispositionName != "Resolved" {
					t.Errorf("%+v", d)
				}
				return err
			}},
		{"UnavailableCodes.ListPage", "GET", "/inContactAPI/services/v23.0/unavailable-codes", url.Values{"isActive": {"true"}}, "", 200, fixture(t, "unavailable_codes.json"),
			func(t *testing.T, c *Client) error {
				p, err := c.UnavailableCodes.ListPage(t.Context(), &UnavailableCodeListOptions{IsActive: Ptr(true)})
				if err == nil && len(p.Items) != 2 {
					t.Errorf("%+v", p)
				}
				return err
			}},
		{"Contacts.ActivePage", "GET", "/inContactAPI/services/v23.0/contacts/active", url.Values{"agentId": {"1001"}, "updatedSince": {sinceQ}}, "", 200, `{"totalRecords":1,"lastPollTime":"2026-11-21T10:00:00Z","activeContacts":[{"contactId":560003,"agentId":1001,"stateName":"Active","contactStart":"2026-11-21T09:59:00Z"}]}`,
			func(t *testing.T, c *Client) error {
				p, err := c.Contacts.ActivePage(t.Context(), &ActiveContactListOptions{AgentID: 1001, UpdatedSince: since})
				if err == nil && (len(p.Items) != 1 || p.Items[0].StateName != "Active" || p.Items[0].ContactStartDate.IsZero()) {
					t.Errorf("%+v", p)
				}
				return err
			}},
		{"Contacts.CompletedPage", "GET", "/inContactAPI/services/v33.0/contacts/completed", url.Values{"updatedSince": {sinceQ}, "orderBy": {"lastUpdateTime asc"}, "top": {"2"}, "startDate": {"2026-11-20T00:00:00.000Z"}, "isLogged": {"true"}}, "", 200, fixture(t, "completed_contacts_v33.json"),
			func(t *testing.T, c *Client) error {
				p, err := c.Contacts.CompletedPage(t.Context(), &CompletedContactListOptions{
					ListOptions: ListOptions{Top: 2, OrderBy: "lastUpdateTime asc"}, UpdatedSince: since,
					StartDate: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), IsLogged: Ptr(true),
				})
				if err != nil {
					return err
				}
				want := time.Date(2026, 11, 21, 10, 5, 0, 123e6, time.UTC)
				if len(p.Items) != 2 || !p.LastPollTime.Equal(want) || p.BusinessUnitID != 4600123 || p.Next != "" {
					t.Errorf("%+v", p)
				}
				return nil
			}},
		{"Contacts.Get", "GET", "/inContactAPI/services/v33.0/contacts/560001", nil, "", 200, fixture(t, "contact.json"),
			func(t *testing.T, c *Client) error {
				ct, err := c.Contacts.Get(t.Context(), 560001)
				if err == nil && (ct.ContactID != 560001 || ct.DispositionNotes != "Refund promised") {
					t.Errorf("%+v", ct)
				}
				return err
			}},
		{"Contacts.CustomData", "GET", "/inContactAPI/services/v23.0/contacts/560001/custom-data", nil, "", 200, fixture(t, "custom_data.json"),
			func(t *testing.T, c *Client) error {
				d, err := c.Contacts.CustomData(t.Context(), 560001)
				if err == nil && (len(d) != 2 || d[0] != (CustomData{"zendeskticketid", "4242"})) {
					t.Errorf("%+v", d)
				}
				return err
			}},
		{"Contacts.StateHistory", "GET", "/inContactAPI/services/v23.0/contacts/560001/state-history", nil, "", 200, fixture(t, "state_history.json"),
			func(t *testing.T, c *Client) error {
				h, err := c.Contacts.StateHistory(t.Context(), 560001)
				if err == nil && (len(h) != 2 || h[1].StateName != "Active" || len(h[1].Raw) == 0) {
					t.Errorf("%+v", h)
				}
				return err
			}},
		{"Contacts.AddTags", "POST", "/inContactAPI/services/v23.0/contacts/560001/tags", nil, `{"tags":[{"tagId":8},{"tagId":9}]}`, 200, ``,
			func(t *testing.T, c *Client) error { return c.Contacts.AddTags(t.Context(), 560001, 8, 9) }},
		{"MediaPlayback.RecordingURL", "GET", "/media-playback/v1/contacts", url.Values{"acd-call-id": {"560001"}, "media-type": {"voice-only"}, "exclude-waveforms": {"true"}}, "", 200, fixture(t, "media_playback.json"),
			func(t *testing.T, c *Client) error {
				u, err := c.MediaPlayback.RecordingURL(t.Context(), 560001)
				if err == nil && u != "https://na1.nice-incontact.com/media/play/560001.mp4" {
					t.Errorf("%q", u)
				}
				return err
			}},
		{"MediaPlayback.Get", "GET", "/media-playback/v1/contacts", url.Values{"acd-call-id": {"560002"}, "media-type": {"chat"}}, "", 200, fixture(t, "media_playback_chat.json"),
			func(t *testing.T, c *Client) error {
				m, err := c.MediaPlayback.Get(t.Context(), 560002, &MediaPlaybackOptions{MediaType: MediaChat, Waveforms: true})
				if err == nil && m.Transcript() != "CUSTOMER Vi: Hello\nAGENT Bob: Hi, how can I help?" {
					t.Errorf("%q", m.Transcript())
				}
				return err
			}},
		{"Sessions.Start", "POST", "/inContactAPI/services/v23.0/agent-sessions", nil, `{"stationPhoneNumber":"+33100000001","inactivityTimeout":45,"asAgentId":1001}`, 202, `{"sessionId":"s-1"}`,
			func(t *testing.T, c *Client) error {
				id, err := c.Sessions.Start(t.Context(), &SessionStart{StationPhoneNumber: "+33100000001", InactivityTimeout: 45, AsAgentID: 1001})
				if err == nil && id != "s-1" {
					t.Errorf("%q", id)
				}
				return err
			}},
		{"Sessions.Join", "POST", "/inContactAPI/services/v23.0/agent-sessions/join", nil, `{"asAgentId":1001}`, 202, `{"sessionId":"s-2"}`,
			func(t *testing.T, c *Client) error {
				id, err := c.Sessions.Join(t.Context(), 1001)
				if err == nil && id != "s-2" {
					t.Errorf("%q", id)
				}
				return err
			}},
		{"Sessions.End", "DELETE", "/inContactAPI/services/v23.0/agent-sessions/s-1", url.Values{"forceLogoff": {"true"}}, "", 202, ``,
			func(t *testing.T, c *Client) error {
				return c.Sessions.End(t.Context(), "s-1", &EndSessionOptions{ForceLogoff: true})
			}},
		{"Sessions.SetState", "POST", "/inContactAPI/services/v23.0/agent-sessions/s-1/state", url.Values{"state": {"Unavailable"}, "reason": {"Lunch"}}, "", 202, ``,
			func(t *testing.T, c *Client) error {
				return c.Sessions.SetState(t.Context(), "s-1", StateUnavailable, "Lunch")
			}},
		{"Sessions.Disposition", "POST", "/inContactAPI/services/v23.0/agent-sessions/s-1/interactions/560001/disposition", nil, `{"primaryDispositionId":31,"primaryDispositionNotes":"Refund promised"}`, 202, ``,
			func(t *testing.T, c *Client) error {
				return c.Sessions.Disposition(t.Context(), "s-1", 560001, &DispositionRequest{PrimaryDispositionID: 31, PrimaryDispositionNotes: "Refund promised"})
			}},
		{"Sessions.NextEvent", "GET", "/inContactAPI/services/v23.0/agent-sessions/s-1/get-next-event", url.Values{"timeout": {"20"}}, "", 200, fixture(t, "next_event.json"),
			func(t *testing.T, c *Client) error {
				b, err := c.Sessions.NextEvent(t.Context(), "s-1", 20*time.Second)
				if err != nil {
					return err
				}
				if len(b.Events) != 2 || b.Events[0].Type != EventCallContact || b.Events[1].Type != "AgentState" {
					t.Fatalf("%+v", b)
				}
				cc, err := b.Events[0].CallContact()
				if err != nil {
					return err
				}
				if cc.ANI != "+33612345678" || cc.ContactID != "560001" || !bool(cc.IsInbound) || cc.Ended() {
					t.Errorf("%+v", cc)
				}
				if _, err := b.Events[1].CallContact(); err == nil {
					t.Error("an AgentState decoded as a CallContactEvent")
				}
				return nil
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.on(tc.method, tc.path, func(req *http.Request) (*http.Response, error) {
				if tc.answer == "" {
					return httpmock.NewStringResponse(tc.status, ""), nil
				}
				return jsonResp(tc.status, tc.answer)(req)
			})
			c := e.client(t)
			if err := tc.call(t, c); err != nil {
				t.Fatal(err)
			}
			calls := e.apiCalls()
			if len(calls) != 1 {
				t.Fatalf("%d API calls", len(calls))
			}
			r := calls[0]
			if r.Method != tc.method || r.EscapedPath != tc.path {
				t.Errorf("sent %s %s", r.Method, r.EscapedPath)
			}
			want := tc.query
			if want == nil {
				want = url.Values{}
			}
			if r.Query.Encode() != want.Encode() {
				t.Errorf("query %s, want %s", r.Query.Encode(), want.Encode())
			}
			if tc.body == "" {
				if r.Body != "" {
					t.Errorf("body %q", r.Body)
				}
			} else {
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				sameJSON(t, r.Body, tc.body)
			}
			if r.Header.Get("Authorization") != "Bearer t1" || r.Header.Get("Accept") != "application/json" {
				t.Errorf("headers %v", r.Header)
			}
		})
	}
}

// Input that cannot be right is refused before anything is sent.
func TestRefusedInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	calls := map[string]func() error{
		"agent 0": func() error { _, err := c.Agents.Get(ctx, 0); return err },
		"negative skip": func() error {
			_, err := c.Agents.ListPage(ctx, &AgentListOptions{ListOptions: ListOptions{Skip: -1}})
			return err
		},
		"end before start": func() error {
			_, err := c.Contacts.CompletedPage(ctx, &CompletedContactListOptions{StartDate: time.Now(), EndDate: time.Now().Add(-time.Hour)})
			return err
		},
		"no tags": func() error { return c.Contacts.AddTags(ctx, 1) },
		"tag 0":   func() error { return c.Contacts.AddTags(ctx, 1, 0) },
		"media type": func() error {
			_, err := c.MediaPlayback.Get(ctx, 1, &MediaPlaybackOptions{MediaType: "video"})
			return err
		},
		"no station":     func() error { _, err := c.Sessions.Start(ctx, &SessionStart{}); return err },
		"empty session":  func() error { _, err := c.Sessions.NextEvent(ctx, " ", 0); return err },
		"timeout 61s":    func() error { _, err := c.Sessions.NextEvent(ctx, "s", 61*time.Second); return err },
		"timeout 1.5s":   func() error { _, err := c.Sessions.NextEvent(ctx, "s", 1500*time.Millisecond); return err },
		"state":          func() error { return c.Sessions.SetState(ctx, "s", "Busy", "") },
		"no disposition": func() error { return c.Sessions.Disposition(ctx, "s", 1, nil) },
		"dot session":    func() error { return c.Sessions.End(ctx, "..", nil) },
	}
	for name, call := range calls {
		if err := call(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := len(e.apiCalls()); n != 0 {
		t.Fatalf("%d API calls", n)
	}
}
