package zendesk

import (
	"errors"
	"testing"

	"github.com/deskbridge/deskbridge"
)

func TestGroupsListDocumentedExampleAndPages(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/groups",
		ok(`{"groups":[{"id":1,"name":"Tier 1"}],"meta":{"has_more":true,"after_cursor":"g2","before_cursor":"g0"},"links":{"next":"https://acme.zendesk.com/api/v2/groups?page%5Bafter%5D=g2&page%5Bsize%5D=1","prev":"https://acme.zendesk.com/api/v2/groups?page%5Bbefore%5D=g0&page%5Bsize%5D=1"}}`),
		ok(testdata(t, "groups.json")))
	c := f.client()
	p, err := c.Groups.ListPage(t.Context(), &CursorOptions{PageSize: 1})
	if err != nil || len(p.Items) != 1 || p.Next != "g2" || p.Total != 0 {
		t.Fatalf("page = %+v, err = %v", p, err)
	}
	p, err = c.Groups.ListPage(t.Context(), &CursorOptions{PageSize: 1, After: p.Next})
	if err != nil || len(p.Items) != 2 || p.Next != "" {
		t.Fatalf("page = %+v, err = %v", p, err)
	}
	g := p.Items[0]
	if g.ID != 211 || g.Name != "DJs" || g.IsPublic == nil || !*g.IsPublic || !g.CreatedAt.Equal(mustTime(t, "2009-05-13T00:07:08Z")) {
		t.Fatalf("group = %+v", g)
	}
	calls := f.calls()
	calls[0].expect(t, "GET", "/api/v2/groups", "page[size]=1", "")
	calls[1].expect(t, "GET", "/api/v2/groups", "page[size]=1&page[after]=g2", "")
}

func TestGroupsGetCreateFindByName(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/groups/123", ok(testdata(t, "group.json")))
	f.on("POST", "/api/v2/groups", status(201, testdata(t, "group.json")))
	f.on("GET", "/api/v2/groups", ok(testdata(t, "groups.json")))
	c := f.client()
	g, err := c.Groups.Get(t.Context(), 123)
	if err != nil || g.Name != "Interesting Group" || g.IsPublic == nil || *g.IsPublic {
		t.Fatal(g, err)
	}
	g, err = c.Groups.Create(t.Context(), &Group{Name: "Interesting Group", Description: "French speakers", IsPublic: Ptr(false)})
	if err != nil || g.ID != 123 {
		t.Fatal(g, err)
	}
	f.calls()[1].expect(t, "POST", "/api/v2/groups", "", `{"group":{"name":"Interesting Group","description":"French speakers","is_public":false}}`)
	g, err = c.Groups.FindByName(t.Context(), "MCs")
	if err != nil || g.ID != 122 {
		t.Fatal(g, err)
	}
	_, err = c.Groups.FindByName(t.Context(), "mcs")
	if !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("exact match only: err = %v", err)
	}
	_, err = c.Groups.FindByName(t.Context(), "")
	isInvalid(t, err)
	_, err = c.Groups.Create(t.Context(), &Group{})
	isInvalid(t, err)
	_, err = c.Groups.Get(t.Context(), 0)
	isInvalid(t, err)
	_, err = c.Groups.ListPage(t.Context(), &CursorOptions{PageSize: 500})
	isInvalid(t, err)

	f2 := newFake(t)
	f2.on("GET", "/api/v2/groups", status(500, `{}`))
	if _, err := f2.client(WithOAuthToken(testToken), WithMaxRetries(0)).Groups.FindByName(t.Context(), "x"); !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
}

func TestGroupsListStopsOnBreak(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/groups", ok(`{"groups":[{"id":1},{"id":2}],"meta":{"has_more":true,"after_cursor":"n"}}`))
	for g, err := range f.client().Groups.List(t.Context(), nil) {
		if err != nil || g.ID != 1 {
			t.Fatal(g, err)
		}
		break
	}
	if len(f.calls()) != 1 {
		t.Fatalf("fetched %d pages after a break on the first item", len(f.calls()))
	}
}

// TestGroupsUpdateSendsOnlyWritableFields: a group read from Zendesk can be
// sent back changed; its id, url and times stay out of the body.
func TestGroupsUpdateSendsOnlyWritableFields(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("PUT", "/api/v2/groups/123", ok(testdata(t, "group.json")))
	c := f.client()
	g, err := c.Groups.Update(t.Context(), 123, &Group{ID: 123, URL: "https://acme.zendesk.com/api/v2/groups/123.json", Name: "Animal", Description: "Dydu skill", IsPublic: Ptr(true), CreatedAt: mustTime(t, "2009-05-13T00:07:08Z")})
	if err != nil || g.ID != 123 {
		t.Fatal(g, err)
	}
	f.calls()[0].expect(t, "PUT", "/api/v2/groups/123", "", `{"group":{"name":"Animal","description":"Dydu skill","is_public":true}}`)
	_, err = c.Groups.Update(t.Context(), 0, &Group{Name: "x"})
	isInvalid(t, err)
	_, err = c.Groups.Update(t.Context(), 1, nil)
	isInvalid(t, err)
}
