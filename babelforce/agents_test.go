package babelforce

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/jarcoal/httpmock"
)

func TestAgentsListPageQueryAndDecode(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v2/agents", rec.Wrap(jsonResp(200, fixture(t, "agents_page.json"))))
	opts := &AgentListOptions{
		Page: 2, Max: 50, Q: "ann", Enabled: Ptr(false), Name: "Ann", Number: "+4930", SourceID: "10011",
		State: "available", Source: "zendesk", GroupIDs: []string{"g1", "g2"}, Groups: []string{"Support"}, Tags: []string{"a", "b"},
	}
	before := *opts
	page, err := c.Agents.ListPage(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*opts, before) {
		t.Fatal("ListPage modified the options")
	}
	r := rec.Last(t)
	checkCommon(t, r, "Bearer "+staticToken)
	want := url.Values{
		"page": {"2"}, "max": {"50"}, "q": {"ann"}, "enabled": {"false"}, "name": {"Ann"}, "number": {"+4930"},
		"sourceId": {"10011"}, "state": {"available"}, "source": {"zendesk"},
		"groupIds": {"g1", "g2"}, "groups": {"Support"}, "tags": {"a", "b"},
	}
	if !reflect.DeepEqual(r.Query, want) {
		t.Errorf("query = %v\nwant    %v", r.Query, want)
	}
	if r.Body != "" {
		t.Errorf("GET with a body %q", r.Body)
	}
	if len(page.Items) != 2 || page.Total != 6 {
		t.Fatalf("page = %+v", page)
	}
	// The spec example says current 1 of pages 0 for a request of page 2:
	// the walk ends.
	if page.Next != "" {
		t.Errorf("Next = %q", page.Next)
	}
	checkExampleAgent(t, page.Items[0])

	// No options: no query at all.
	if _, err := c.Agents.ListPage(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if q := rec.Last(t).RawQuery; q != "" {
		t.Errorf("query without options = %q", q)
	}
}

// specExampleAgentID is the id of the manager spec's Agent example, the
// generator's placeholder for a format-uuid field, decoded as it is: the
// client keeps an id as babelforce sends it. babelforce itself sends and
// matches ids as 32 hex characters without hyphens (wireAgentID).
const specExampleAgentID = "046b6c7f-0b8a-43b9-b35d-6489e6daee91"

// wireAgentID is an agent id in babelforce's wire form
// (github.com/babelforce/manager-sdk-go, ids.go).
const wireAgentID = "046b6c7f0b8a43b9b35d6489e6daee91"

// checkExampleAgent checks the decoding of the manager spec's Agent example.
func checkExampleAgent(t *testing.T, a *Agent) {
	t.Helper()
	ts := time.Date(2020, 4, 16, 22, 21, 38, 0, time.UTC)
	if a.ID != specExampleAgentID || a.SourceID != "sourceId" || a.AgentSource != "agentSource" ||
		a.Name != "name" || a.Email != "email" || a.Number != "number" || !a.Enabled || a.State != "" ||
		!a.Available || !a.WebRTC || a.DisplayStatus != "display_status" || string(a.Activity) != `"activity"` {
		t.Errorf("agent = %+v", a)
	}
	if a.Presence == nil || *a.Presence != (Presence{Name: "busy", Label: "Busy", Available: true}) {
		t.Errorf("presence = %+v", a.Presence)
	}
	if a.Status == nil || !a.Status.Enabled || !a.Status.Available || a.Status.OutboundStatus != "" || a.Status.LineStatus != "" ||
		a.Status.DisplayStatus != "display_status" || a.Status.Presence.Name != "busy" {
		t.Errorf("status = %+v", a.Status)
	}
	if len(a.Groups) != 2 || a.Groups[0].Name != "name" || !a.Groups[0].DateCreated.Equal(ts) {
		t.Errorf("groups = %+v", a.Groups)
	}
	if !reflect.DeepEqual(a.Tags, []string{"", ""}) || !reflect.DeepEqual(a.Features, []string{"webrtc"}) {
		t.Errorf("tags %q features %q", a.Tags, a.Features)
	}
	if !a.DateCreated.Equal(ts) || !a.LastUpdated.Equal(ts) {
		t.Errorf("dates %v %v", a.DateCreated, a.LastUpdated)
	}
}

// pagedAgents answers GET /api/v2/agents with pages of size 2 over n
// agents, as babelforce documents: {items, pagination{pages, current, total}}.
func pagedAgents(n int) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		page := 1
		if p := req.URL.Query().Get("page"); p != "" {
			page, _ = strconv.Atoi(p)
		}
		const size = 2
		pages := (n + size - 1) / size
		var items []map[string]any
		for i := (page - 1) * size; i < page*size && i < n; i++ {
			items = append(items, map[string]any{"id": fmt.Sprintf("a%d", i), "name": fmt.Sprintf("Agent %d", i), "sourceId": fmt.Sprint(100 + i)})
		}
		body, _ := json.Marshal(map[string]any{"items": items, "pagination": map[string]any{"pages": pages, "current": page, "total": n, "max": size}})
		return jsonResp(200, string(body))(req)
	}
}

func TestAgentsListWalksPages(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v2/agents", rec.Wrap(pagedAgents(5)))
	opts := &AgentListOptions{Max: 2}
	var ids []string
	for a, err := range c.Agents.List(t.Context(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if fmt.Sprint(ids) != "[a0 a1 a2 a3 a4]" {
		t.Fatalf("ids = %v", ids)
	}
	calls := rec.All()
	if len(calls) != 3 || calls[0].Query.Has("page") || calls[1].Query.Get("page") != "2" || calls[2].Query.Get("page") != "3" || calls[2].Query.Get("max") != "2" {
		t.Fatalf("queries = %v %v %v", calls[0].RawQuery, calls[1].RawQuery, calls[len(calls)-1].RawQuery)
	}
	if opts.Page != 0 {
		t.Fatal("List modified the options")
	}

	// Resuming: ListPage returns the page to put back in the options.
	p, err := c.Agents.ListPage(t.Context(), &AgentListOptions{Max: 2, Page: 2})
	if err != nil || p.Next != "3" || len(p.Items) != 2 || p.Items[0].ID != "a2" || p.Total != 5 {
		t.Fatalf("page 2 = %+v, %v", p, err)
	}
	// Starting at a page.
	n := 0
	for range c.Agents.List(t.Context(), &AgentListOptions{Page: 3}) {
		n++
	}
	if n != 1 {
		t.Fatalf("from page 3: %d agents", n)
	}
	// Breaking early fetches nothing more.
	before := len(rec.All())
	for range c.Agents.List(t.Context(), nil) {
		break
	}
	if got := len(rec.All()) - before; got != 1 {
		t.Fatalf("break after the first agent: %d requests", got)
	}
}

func TestAgentsListYieldsErrorOnce(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v2/agents", jsonResp(200, `{"items":[{"id":"a","name":"A"}],"pagination":{"pages":3,"current":1}}`).
		Then(jsonResp(403, `{"success":false,"message":"Forbidden"}`)))
	var got []string
	var errs []error
	for a, err := range c.Agents.List(t.Context(), nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, a.ID)
	}
	if len(got) != 1 || len(errs) != 1 || !errors.Is(errs[0], deskbridge.ErrForbidden) {
		t.Fatalf("agents %v errors %v", got, errs)
	}
}

func TestFindBySourceID(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v2/agents", rec.Wrap(func(req *http.Request) (*http.Response, error) {
		switch req.URL.Query().Get("sourceId") {
		case "10011":
			// A search that also returns a near match: only the exact one counts.
			return jsonResp(200, `{"items":[{"id":"x","name":"X","sourceId":"100110"},{"id":"b1","name":"Ann","sourceId":"10011"}],"pagination":{"pages":1,"current":1}}`)(req)
		case "404":
			return jsonResp(200, `{"items":[{"id":"x","name":"X","sourceId":"4040"}],"pagination":{"pages":1}}`)(req)
		}
		return jsonResp(200, `{"items":[],"pagination":{"pages":0}}`)(req)
	}))
	a, err := c.Agents.FindBySourceID(t.Context(), "10011")
	if err != nil || a.ID != "b1" {
		t.Fatalf("FindBySourceID = %+v, %v", a, err)
	}
	if q := rec.Last(t).RawQuery; q != "sourceId=10011" {
		t.Errorf("query = %q", q)
	}
	for _, id := range []string{"404", "nobody"} {
		_, err := c.Agents.FindBySourceID(t.Context(), id)
		if !errors.Is(err, deskbridge.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", id, err)
		}
	}
	mock.RegisterResponder("GET", testBase+"/api/v2/agents", jsonResp(500, `{"message":"db down"}`))
	if _, err := c.Agents.FindBySourceID(t.Context(), "1"); !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Errorf("err = %v", err)
	}
}

func TestAgentsGetCreateUpdateDelete(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	id := wireAgentID
	mock.RegisterResponder("GET", testBase+"/api/v2/agents/"+id, rec.Wrap(jsonResp(200, fixture(t, "agent_item.json"))))
	a, err := c.Agents.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	checkExampleAgent(t, a)
	checkCommon(t, rec.Last(t), "Bearer "+staticToken)

	mock.RegisterResponder("POST", testBase+"/api/v2/agents", rec.Wrap(jsonResp(201, fixture(t, "agent_item.json"))))
	a, err = c.Agents.Create(t.Context(), &AgentCreate{Name: "Ann Agent", SourceID: "10011", AgentSource: "zendesk", Email: "ann@acme.test", Enabled: Ptr(false), Tags: []string{"support"}})
	if err != nil || a.ID != specExampleAgentID {
		t.Fatalf("Create = %+v, %v", a, err)
	}
	r := rec.Last(t)
	checkCommon(t, r, "Bearer "+staticToken)
	sameJSON(t, r.Body, `{"name":"Ann Agent","sourceId":"10011","agentSource":"zendesk","email":"ann@acme.test","enabled":false,"tags":["support"]}`)

	mock.RegisterResponder("PUT", testBase+"/api/v2/agents/"+id, rec.Wrap(jsonResp(200, fixture(t, "agent_item.json"))))
	if _, err := c.Agents.Update(t.Context(), id, &AgentUpdate{Name: Ptr("Ann B."), Email: Ptr(""), Enabled: Ptr(true), Tags: []string{}}); err != nil {
		t.Fatal(err)
	}
	r = rec.Last(t)
	if r.Method != "PUT" {
		t.Fatal(r.Method)
	}
	// Set fields go, including the zero ones; nil ones do not.
	sameJSON(t, r.Body, `{"name":"Ann B.","email":"","enabled":true,"tags":[]}`)
	if _, err := c.Agents.Update(t.Context(), id, &AgentUpdate{}); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, rec.Last(t).Body, `{}`)

	mock.RegisterResponder("DELETE", testBase+"/api/v2/agents/"+id, rec.Wrap(jsonResp(200, `{}`)))
	if err := c.Agents.Delete(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if r := rec.Last(t); r.Method != "DELETE" || r.Body != "" {
		t.Fatalf("%+v", r)
	}

	mock.RegisterResponder("GET", testBase+"/api/v2/agents/missing", jsonResp(404, `{"success":false,"message":"Agent not found"}`))
	_, err = c.Agents.Get(t.Context(), "missing")
	var e *Error
	if !errors.Is(err, deskbridge.ErrNotFound) || !errors.As(err, &e) || e.Message != "Agent not found" {
		t.Fatalf("err = %v", err)
	}
	mock.RegisterResponder("GET", testBase+"/api/v2/agents/bad", jsonResp(200, `{"item":{"id":7}}`))
	if _, err := c.Agents.Get(t.Context(), "bad"); err == nil {
		t.Fatal("a malformed agent decoded")
	}
}

func TestAgentIDsAreEscaped(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterNoResponder(rec.Wrap(jsonResp(200, `{"item":{"id":"x","name":"X"}}`)))
	if _, err := c.Agents.Get(t.Context(), "a/b?c"); err != nil {
		t.Fatal(err)
	}
	if p := rec.Last(t).EscapedPath; p != "/api/v2/agents/a%2Fb%3Fc" {
		t.Fatalf("path = %q", p)
	}
	if _, err := c.Agents.Get(t.Context(), ".."); err == nil {
		t.Fatal("a .. id was sent")
	}
}

func TestSetPresence(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("PUT", testBase+"/api/v2/agents/a1/status", rec.Wrap(jsonResp(201, fixture(t, "agent_status_put.json"))))
	st, err := c.Agents.SetPresence(t.Context(), "a1", "busy")
	if err != nil {
		t.Fatal(err)
	}
	r := rec.Last(t)
	checkCommon(t, r, "Bearer "+staticToken)
	sameJSON(t, r.Body, `{"presence":{"name":"busy"}}`)
	if st == nil || !st.Enabled || !st.Available || st.Presence.Name != "busy" || st.DisplayStatus != "display_status" || string(st.Activity) != `""` {
		t.Fatalf("status = %+v", st)
	}
	// Any 2xx: an empty 204, or the object wrapped in "item".
	mock.RegisterResponder("PUT", testBase+"/api/v2/agents/a2/status", httpmock.NewStringResponder(204, ""))
	if st, err := c.Agents.SetPresence(t.Context(), "a2", AvailablePresence); err != nil || st != nil {
		t.Fatalf("204: %+v, %v", st, err)
	}
	mock.RegisterResponder("PUT", testBase+"/api/v2/agents/a3/status", jsonResp(200, `{"item":{"enabled":true,"available":false,"presence":{"name":"lunch","label":"Lunch","available":false}},"success":true}`))
	if st, err := c.Agents.SetPresence(t.Context(), "a3", "lunch"); err != nil || st.Presence.Name != "lunch" {
		t.Fatalf("200 item: %+v, %v", st, err)
	}
	mock.RegisterResponder("PUT", testBase+"/api/v2/agents/a4/status", jsonResp(200, `not json`))
	if _, err := c.Agents.SetPresence(t.Context(), "a4", "lunch"); err == nil {
		t.Fatal("a malformed status decoded")
	}
	mock.RegisterResponder("PUT", testBase+"/api/v2/agents/a5/status", jsonResp(400, `{"success":false,"message":"Unknown presence: nap"}`))
	if _, err := c.Agents.SetPresence(t.Context(), "a5", "nap"); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
}

func TestAgentStatus(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v2/agents/a1/status", rec.Wrap(jsonResp(200, fixture(t, "agent_total_status.json"))))
	st, err := c.Agents.Status(t.Context(), "a1")
	if err != nil {
		t.Fatal(err)
	}
	if st.OutboundStatus != "offline" || st.LineStatus != "line_status" || st.Presence.Name != "name" || !st.Enabled || string(st.Activity) != `"{}"` {
		t.Fatalf("status = %+v", st)
	}
	checkCommon(t, rec.Last(t), "Bearer "+staticToken)

	mock.RegisterResponder("GET", testBase+"/api/v2/agents/a2/status", jsonResp(200, `{"item":{"enabled":false,"presence":{"name":"busy"}},"success":true}`))
	if st, err := c.Agents.Status(t.Context(), "a2"); err != nil || st.Presence.Name != "busy" || st.Enabled {
		t.Fatalf("bare item: %+v, %v", st, err)
	}
	for _, body := range []string{`{"item":[],"success":true}`, `{"success":true}`, `{"item":[1]}`, `{"item":{"enabled":"x"}}`} {
		mock.RegisterResponder("GET", testBase+"/api/v2/agents/a3/status", jsonResp(200, body))
		if _, err := c.Agents.Status(t.Context(), "a3"); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}
