package cxone

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/jarcoal/httpmock"
)

// agentsPage answers agents [from, to) of total, with skip/top.
func agentsPage(from, to, total int, next string) string {
	items := ""
	for i := from; i < to; i++ {
		if items != "" {
			items += ","
		}
		items += fmt.Sprintf(`{"agentId":%d}`, i+1)
	}
	links := ""
	if next != "" {
		links = `"_links":{"self":null,"next":` + next + `},`
	}
	return fmt.Sprintf(`{"totalRecords":%d,%s"agents":[%s]}`, total, links, items)
}

// Without _links.next, the next page moves skip on by the items read, and
// stops at totalRecords.
func TestPagingSkipTop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.on("GET", "/inContactAPI/services/v23.0/agents", func(req *http.Request) (*http.Response, error) {
		skip, _ := strconv.Atoi(req.URL.Query().Get("skip"))
		return jsonResp(200, agentsPage(skip, min(skip+2, 5), 5, ""))(req)
	})
	c := e.client(t)
	var ids []int64
	for a, err := range c.Agents.List(t.Context(), &AgentListOptions{ListOptions: ListOptions{Top: 2}, SearchString: "x"}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.AgentID)
	}
	if fmt.Sprint(ids) != "[1 2 3 4 5]" {
		t.Fatal(ids)
	}
	var skips []string
	for _, r := range e.apiCalls() {
		if r.Query.Get("top") != "2" || r.Query.Get("searchString") != "x" {
			t.Errorf("query %v", r.Query)
		}
		skips = append(skips, r.Query.Get("skip"))
	}
	if fmt.Sprint(skips) != "[ 2 4]" {
		t.Fatalf("skips %q", skips)
	}

	// ListPage resumes from a page's Next.
	p, err := c.Agents.ListPage(t.Context(), &AgentListOptions{ListOptions: ListOptions{Top: 2}})
	if err != nil || p.Next == "" {
		t.Fatalf("%+v %v", p, err)
	}
	p2, err := c.Agents.ListPage(t.Context(), &AgentListOptions{ListOptions: ListOptions{Next: p.Next}})
	if err != nil || len(p2.Items) != 2 || p2.Items[0].AgentID != 3 {
		t.Fatalf("%+v %v", p2, err)
	}
}

// _links.next is followed as CXone gives it; one on another host is
// refused, not followed.
func TestPagingLinksNext(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := "/inContactAPI/services/v23.0/teams"
	e.on("GET", path, func(req *http.Request) (*http.Response, error) {
		if req.URL.Query().Get("page") == "2" {
			return jsonResp(200, `{"teams":[{"teamId":2}],"_links":{"next":null}}`)(req)
		}
		return jsonResp(200, `{"teams":[{"teamId":1}],"_links":{"next":"`+apiBase+path+`?page=2&top=1"}}`)(req)
	})
	c := e.client(t)
	teams, err := collect(c.Teams.List(t.Context(), nil))
	if err != nil || len(teams) != 2 || teams[1].TeamID != 2 {
		t.Fatalf("%+v %v", teams, err)
	}

	e2 := newEnv(t)
	e2.on("GET", path, jsonResp(200, `{"teams":[{"teamId":1}],"_links":{"next":"https://evil.example`+path+`?skip=1"}}`))
	e2.mock.RegisterNoResponder(e2.rec.Wrap(jsonResp(200, `{}`)))
	c2 := e2.client(t)
	teams, err = collect(c2.Teams.List(t.Context(), nil))
	if err == nil || len(teams) != 1 || !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("%+v %v", teams, err)
	}
	for _, r := range e2.rec.All() {
		if r.URL == "https://evil.example"+path {
			t.Fatal("followed a next link to another host")
		}
	}
}

// A _links.next of null ends the list, whatever top and totalRecords say.
func TestPagingNextNull(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.on("GET", "/inContactAPI/services/v23.0/agents", jsonResp(200, agentsPage(0, 2, 9, "null")))
	c := e.client(t)
	got, err := collect(c.Agents.List(t.Context(), &AgentListOptions{ListOptions: ListOptions{Top: 2}}))
	if err != nil || len(got) != 2 || len(e.apiCalls()) != 1 {
		t.Fatalf("%d agents, %d calls, %v", len(got), len(e.apiCalls()), err)
	}
}

// 204 No Content is an empty list; a full page of top with no
// totalRecords asks for one more page.
func TestPagingEmpty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	n := 0
	e.on("GET", "/inContactAPI/services/v33.0/contacts/completed", func(req *http.Request) (*http.Response, error) {
		n++
		if n == 1 {
			return jsonResp(200, `{"lastPollTime":"2026-11-21T10:00:00Z","completedContacts":[{"contactId":1},{"contactId":2}]}`)(req)
		}
		return httpmock.NewStringResponse(http.StatusNoContent, ""), nil
	})
	c := e.client(t)
	got, err := collect(c.Contacts.Completed(t.Context(), &CompletedContactListOptions{ListOptions: ListOptions{Top: 2}}))
	if err != nil || len(got) != 2 || n != 2 {
		t.Fatalf("%d contacts, %d pages, %v", len(got), n, err)
	}
	p, err := c.Contacts.CompletedPage(t.Context(), nil)
	if err != nil || len(p.Items) != 0 || p.Next != "" || !p.LastPollTime.IsZero() {
		t.Fatalf("%+v %v", p, err)
	}
}

// A list answer without its items is an error, unless it says it holds none.
func TestPagingMissingItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.on("GET", "/inContactAPI/services/v23.0/skills", jsonResp(200, `{"totalRecords":3,"things":[]}`))
	c := e.client(t)
	if _, err := c.Skills.ListPage(t.Context(), nil); err == nil {
		t.Fatal("accepted")
	}
	e.on("GET", "/inContactAPI/services/v23.0/skills", jsonResp(200, `{"totalRecords":0}`))
	if p, err := c.Skills.ListPage(t.Context(), nil); err != nil || len(p.Items) != 0 {
		t.Fatalf("%+v %v", p, err)
	}
}
