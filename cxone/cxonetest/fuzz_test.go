package cxonetest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzRequests sends arbitrary queries and bodies to the fake's parsers
// of outside input (paging, times, filters, the token form, JSON bodies):
// the fake answers, never panics, never 5xx.
func FuzzRequests(f *testing.F) {
	for _, seed := range []string{"skip=1&top=2", "updatedSince=2026-11-21T10:00:00.000Z", "top=0", "fields=agentId,,", "orderBy=x", "startDate=2026-11-21&endDate=x", "timeout=-1", "acd-call-id=560001&media-type=chat"} {
		f.Add(seed, `{"tags":[{"tagId":8}]}`)
	}
	f.Add("state=Unavailable&reason=Break", `{"asAgentId":1001,"stationId":"S"}`)
	f.Add("", "grant_type=password&username=a&password=b%3D")
	srv := NewServer(WithWarehouseDelay(0))
	defer srv.Close()
	sk := srv.AddSkill(Skill{Name: "V", ACW: true})
	ann := srv.AddAgent(Agent{FirstName: "Ann", SkillIDs: []int64{sk.ID}})
	sid, _ := srv.LogIn(ann.ID)
	id, _ := srv.Play(Interaction{NewContact: NewContact{SkillID: sk.ID, From: "+1"}, AgentID: ann.ID})
	tok := srv.IssueToken()
	handler := srv.routes()
	paths := []string{
		"GET " + v33 + "/contacts/completed", "GET " + v23 + "/contacts/active", "GET " + v23 + "/agents", "GET " + v23 + "/agents/states",
		"GET /media-playback/v1/contacts", "POST " + v23 + "/contacts/" + itoa(id) + "/tags", "POST " + v23 + "/agent-sessions/join",
		"POST " + v23 + "/agent-sessions/" + sid + "/state", "POST " + tokenPath, "GET " + discoveryPath,
	}
	f.Fuzz(func(t *testing.T, query, body string) {
		if _, err := url.ParseQuery(query); err != nil {
			return
		}
		for _, p := range paths {
			method, path, _ := strings.Cut(p, " ")
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			req.URL.RawQuery = query
			req.Header.Set("Authorization", "Bearer "+tok)
			if path == tokenPath {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, req)
			if w.Code >= 500 {
				t.Fatalf("%s?%s %q: %d %s", p, query, body, w.Code, w.Body)
			}
			if w.Code == http.StatusOK && w.Body.Len() == 0 {
				t.Fatalf("%s: 200 without a body", p)
			}
		}
	})
}
