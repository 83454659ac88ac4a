package zendesk

import (
	"errors"
	"strings"
	"testing"
)

func TestSearchQueryDocumentedExampleTypedResults(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/search", ok(testdata(t, "search.json")))
	p, err := f.client().Search.QueryPage(t.Context(), "type:group hello", &SearchOptions{SortBy: "created_at", SortOrder: "desc"})
	if err != nil {
		t.Fatal(err)
	}
	f.only().expect(t, "GET", "/api/v2/search", "query=type:group hello&sort_by=created_at&sort_order=desc", "")
	if p.Total != 1234 || p.Next != "2" || len(p.Items) != 2 {
		t.Fatalf("page = %+v", p)
	}
	r := p.Items[0]
	if r.ResultType != ResultGroup || r.Group == nil || r.Group.Name != "Hello DJs" || r.Ticket != nil || !strings.Contains(string(r.Raw), `"result_type": "group"`) {
		t.Fatalf("result = %+v", r)
	}
}

func TestSearchQueryIteratesAllTypes(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/search",
		ok(`{"results":[{"result_type":"ticket","id":1,"subject":"s"},{"result_type":"user","id":2,"name":"u"}],"count":5,"next_page":"https://acme.zendesk.com/api/v2/search.json?page=2&query=x"}`),
		ok(`{"results":[{"result_type":"organization","id":3,"name":"o"},{"result_type":"article","id":4,"title":"a"},{"result_type":"ticket","id":"oops"}],"count":5,"next_page":null}`))
	opts := &SearchOptions{OffsetOptions: OffsetOptions{PerPage: 2}}
	var got []*SearchResult
	for r, err := range f.client().Search.Query(t.Context(), "hello", opts) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 5 || got[0].Ticket.Subject != "s" || got[1].User.Name != "u" || got[2].Organization.Name != "o" ||
		got[3].ResultType != "article" || !strings.Contains(string(got[3].Raw), `"title":"a"`) {
		t.Fatalf("results = %+v", got)
	}
	if got[4].Ticket != nil || got[4].DecodeError == nil {
		t.Fatalf("odd hit: %+v", got[4])
	}
	f.calls()[1].expect(t, "GET", "/api/v2/search", "query=hello&per_page=2&page=2", "")
	if opts.Page != 0 {
		t.Fatal("caller's options modified")
	}
}

func TestSearchRefusesBadInput(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	_, err := c.Search.QueryPage(t.Context(), "", nil)
	isInvalid(t, err)
	_, err = c.Search.QueryPage(t.Context(), "x", &SearchOptions{OffsetOptions: OffsetOptions{PerPage: 1000}})
	isInvalid(t, err)
	_, err = c.Search.Count(t.Context(), "")
	isInvalid(t, err)
	_, err = c.Search.ExportPage(t.Context(), "", &ExportOptions{Type: ResultTicket})
	isInvalid(t, err)
	_, err = c.Search.ExportPage(t.Context(), "x", nil)
	isInvalid(t, err)
	_, err = c.Search.ExportPage(t.Context(), "x", &ExportOptions{Type: "article"})
	isInvalid(t, err)
	_, err = c.Search.ExportPage(t.Context(), "x", &ExportOptions{Type: ResultUser, PageSize: 1001})
	isInvalid(t, err)
	for _, err := range c.Search.Export(t.Context(), "x", nil) {
		isInvalid(t, err)
	}
	if len(f.calls()) != 0 {
		t.Fatal("refused input was sent")
	}
	var r SearchResult
	if err := r.UnmarshalJSON([]byte(`[1]`)); err == nil {
		t.Fatal("a non-object hit is an error")
	}
}

func TestSearchCount(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/search/count", ok(`{"count":6}`))
	n, err := f.client().Search.Count(t.Context(), "type:ticket status:open")
	if err != nil || n != 6 {
		t.Fatal(n, err)
	}
	f.only().expect(t, "GET", "/api/v2/search/count", "query=type:ticket status:open", "")
}

func TestSearchExportDocumentedExampleAndCursor(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	doc := testdata(t, "search_export.json")
	f.on("GET", "/api/v2/search/export",
		ok(strings.Replace(doc, `"results": []`, `"results": [{"result_type":"ticket","id":1}]`, 1)),
		ok(`{"results":[{"result_type":"ticket","id":2}],"meta":{"has_more":false,"after_cursor":null},"links":{"next":null}}`))
	opts := &ExportOptions{Type: ResultTicket, PageSize: 100}
	var ids []int64
	for r, err := range f.client().Search.Export(t.Context(), "hello", opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.Ticket.ID)
	}
	if len(ids) != 2 || ids[1] != 2 {
		t.Fatalf("ids = %v", ids)
	}
	calls := f.calls()
	calls[0].expect(t, "GET", "/api/v2/search/export", "query=hello&filter[type]=ticket&page[size]=100", "")
	const cursor = "eyJmaWVsZCI6ImNyZWF0ZWRfYXQiLCJkZXNjIjp0cnVlLCJ0aWVCcmVha0ZpZWxkIjoiaWQiLCJ0aWVCcmVha0Rlc2MiOmZhbHNlLCJzb3J0VmFsdWVzIjpudWxsLCJleHBvcnRlZFRodXNGYXIiOjAsInNlc3Npb25TdGFydCI6MTYwNzAzOTI1Mzk4NSwiY3JlYXRlZEF0IjoxNjA3MDM5MjUzOTg1LCJzYWx0ZWRSZXF1ZXN0SGFzaCI6LTQ5ODM0ODc3LCJzYWx0ZWRDdXJzb3JIYXNoIjotMjQwMzQ4MjgwfQ=="
	calls[1].expect(t, "GET", "/api/v2/search/export", "query=hello&filter[type]=ticket&page[size]=100&page[after]="+strings.ReplaceAll(cursor, "=", "%3D"), "")
	if opts.After != "" {
		t.Fatal("caller's options modified")
	}
	p, err := f.client().Search.ExportPage(t.Context(), "hello", &ExportOptions{Type: ResultTicket})
	if err != nil || p.Next != "" {
		t.Fatal(p, err)
	}
}

func TestSearchQueryStopsAtThousandResults(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/search", ok(`{"results":[{"result_type":"ticket","id":1},{"result_type":"ticket","id":2}],"count":1234,"next_page":"https://acme.zendesk.com/api/v2/search.json?page=501&per_page=2&query=x"}`))
	var n int
	var last error
	for _, err := range f.client().Search.Query(t.Context(), "x", &SearchOptions{OffsetOptions: OffsetOptions{Page: 500, PerPage: 2}}) {
		if err != nil {
			last = err
			continue
		}
		n++
	}
	if n != 2 || !errors.Is(last, ErrResultLimit) || !strings.Contains(last.Error(), "Search.Export") || len(f.calls()) != 1 {
		t.Fatalf("results = %d, err = %v, calls = %d", n, last, len(f.calls()))
	}
}
