package zendesk

import (
	"errors"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
)

func TestUsersGetAndMeDecodeDocumentedExample(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/users/35436", ok(testdata(t, "user.json")))
	f.on("GET", "/api/v2/users/me", ok(testdata(t, "user.json")))
	c := f.client()
	u, err := c.Users.Get(t.Context(), 35436)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != 35436 || u.Name != "Johnny Agent" || u.Email != "johnny@example.com" || u.Role != RoleAgent || u.RoleType == nil || *u.RoleType != 0 ||
		u.ExternalID != "sai989sur98w9" || u.OrganizationID != 57542 || !u.Verified || !u.Suspended || u.TimeZone != "Copenhagen" ||
		u.LocaleID != 1 || !u.LastLoginAt.Equal(mustTime(t, "2011-05-05T10:38:52Z")) || !strings.Contains(string(u.Photo), "my_funny_profile_pic") {
		t.Fatalf("user = %+v", u)
	}
	if v, ok := u.UserFieldString("user_dropdown"); !ok || v != "option_1" {
		t.Fatalf("user_dropdown = %q %v", v, ok)
	}
	if _, ok := u.UserFieldString("user_decimal"); ok {
		t.Fatal("a number is not a string")
	}
	if _, ok := u.UserFieldString("missing"); ok {
		t.Fatal("missing field found")
	}
	if string(u.UserFields["user_decimal"]) != "5.1" {
		t.Fatalf("user_decimal = %s", u.UserFields["user_decimal"])
	}
	me, err := c.Users.Me(t.Context())
	if err != nil || me.ID != 35436 {
		t.Fatal(me, err)
	}
	calls := f.calls()
	calls[0].expect(t, "GET", "/api/v2/users/35436", "", "")
	calls[1].expect(t, "GET", "/api/v2/users/me", "", "")
	_, err = c.Users.Get(t.Context(), 0)
	isInvalid(t, err)
}

func TestUsersCreate(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/users", status(201, testdata(t, "user_create.json")))
	u, err := f.client().Users.Create(t.Context(), &UserInput{Name: "Roger Wilco", Email: "roge@example.org", Role: RoleAgent, CustomRoleID: 123456,
		Identities: []Identity{{Type: "email", Value: "test@user.com"}}})
	if err != nil || u.ID != 9873843 || u.CustomRoleID != 123456 {
		t.Fatalf("user = %+v, err = %v", u, err)
	}
	f.only().expect(t, "POST", "/api/v2/users", "",
		`{"user":{"name":"Roger Wilco","email":"roge@example.org","role":"agent","custom_role_id":123456,"identities":[{"type":"email","value":"test@user.com"}]}}`)
	_, err = f.client().Users.Create(t.Context(), nil)
	isInvalid(t, err)
}

func TestUsersCreateOrUpdateReportsCreated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status  int
		created bool
	}{{201, true}, {200, false}} {
		f := newFake(t)
		f.on("POST", "/api/v2/users/create_or_update", status(tc.status, `{"user":{"id":42,"external_id":"braze-7"}}`))
		u, created, err := f.client().Users.CreateOrUpdate(t.Context(), &UserInput{
			Name: "Jane Doe", ExternalID: "braze-7", Phone: "+15551234567",
			UserFields: map[string]any{"braze_external_id": "braze-7"}, SkipVerifyEmail: true,
		})
		if err != nil || u.ID != 42 || created != tc.created {
			t.Fatalf("%d: user = %+v, created = %v, err = %v", tc.status, u, created, err)
		}
		f.only().expect(t, "POST", "/api/v2/users/create_or_update", "",
			`{"user":{"name":"Jane Doe","phone":"+15551234567","external_id":"braze-7","user_fields":{"braze_external_id":"braze-7"},"skip_verify_email":true}}`)
	}
	// It finds what a first attempt created: retried after a 5xx.
	f := newFake(t)
	f.on("POST", "/api/v2/users/create_or_update", status(503, `{}`), status(200, `{"user":{"id":42}}`))
	if _, created, err := f.client().Users.CreateOrUpdate(t.Context(), &UserInput{Email: "jane@example.com"}); err != nil || created || len(f.calls()) != 2 {
		t.Fatalf("created = %v, err = %v, calls = %d", created, err, len(f.calls()))
	}
	_, _, err := f.client().Users.CreateOrUpdate(t.Context(), &UserInput{Name: "no key"})
	isInvalid(t, err)
	_, _, err = f.client().Users.CreateOrUpdate(t.Context(), nil)
	isInvalid(t, err)
}

func TestUsersUpdateUserFields(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("PUT", "/api/v2/users/9873843", ok(`{"user":{"id":9873843,"name":"Roger Wilco II","user_fields":{"braze_external_id":"b-1","tier":null}}}`))
	u, err := f.client().Users.Update(t.Context(), 9873843, &UserInput{Name: "Roger Wilco II", UserFields: map[string]any{"braze_external_id": "b-1", "tier": nil}})
	if err != nil || u.Name != "Roger Wilco II" {
		t.Fatal(u, err)
	}
	if v, _ := u.UserFieldString("braze_external_id"); v != "b-1" {
		t.Fatalf("field = %q", v)
	}
	f.only().expect(t, "PUT", "/api/v2/users/9873843", "", `{"user":{"name":"Roger Wilco II","user_fields":{"braze_external_id":"b-1","tier":null}}}`)
	_, err = f.client().Users.Update(t.Context(), 0, &UserInput{})
	isInvalid(t, err)
	_, err = f.client().Users.Update(t.Context(), 1, nil)
	isInvalid(t, err)
}

func TestUsersSearchOffsetPages(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/users/search",
		ok(`{"users":[{"id":1},{"id":2}],"count":3,"next_page":"https://acme.zendesk.com/api/v2/users/search.json?page=2&per_page=2&query=role%3Aagent","previous_page":null}`),
		ok(`{"users":[{"id":3}],"count":3,"next_page":null,"previous_page":"https://acme.zendesk.com/api/v2/users/search.json?page=1&per_page=2&query=role%3Aagent"}`))
	opts := &UserSearchOptions{OffsetOptions: OffsetOptions{PerPage: 2}}
	var ids []int64
	for u, err := range f.client().Users.Search(t.Context(), "role:agent", opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if len(ids) != 3 || ids[2] != 3 {
		t.Fatalf("ids = %v", ids)
	}
	calls := f.calls()
	calls[0].expect(t, "GET", "/api/v2/users/search", "query=role:agent&per_page=2", "")
	calls[1].expect(t, "GET", "/api/v2/users/search", "query=role:agent&per_page=2&page=2", "")
	if opts.Page != 0 {
		t.Fatal("caller's options modified")
	}
}

func TestUsersSearchPageDocumentedExampleAndExternalID(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/users/search", ok(testdata(t, "users_search.json")))
	c := f.client()
	p, err := c.Users.SearchPage(t.Context(), "", &UserSearchOptions{ExternalID: "braze-7"})
	if err != nil || len(p.Items) != 2 || p.Items[0].Name != "Robert Jones" || p.Next != "" {
		t.Fatalf("page = %+v, err = %v", p, err)
	}
	f.only().expect(t, "GET", "/api/v2/users/search", "external_id=braze-7", "")
	_, err = c.Users.SearchPage(t.Context(), "", nil)
	isInvalid(t, err)
	_, err = c.Users.SearchPage(t.Context(), "x", &UserSearchOptions{OffsetOptions: OffsetOptions{PerPage: 101}})
	isInvalid(t, err)
	_, err = c.Users.SearchPage(t.Context(), "x", &UserSearchOptions{OffsetOptions: OffsetOptions{Page: -1}})
	isInvalid(t, err)
	// The iterator yields a refused query once.
	for _, err := range c.Users.Search(t.Context(), "", nil) {
		isInvalid(t, err)
	}
}

func TestUsersSearchBadNextPage(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/users/search", ok(`{"users":[{"id":1}],"next_page":"https://acme.zendesk.com/api/v2/users/search?cursor=x"}`))
	p, err := f.client().Users.SearchPage(t.Context(), "x", nil)
	if err == nil || p == nil || len(p.Items) != 1 || !strings.Contains(err.Error(), "no page number") {
		t.Fatalf("page = %+v, err = %v", p, err)
	}
	for _, err := range f.client().Users.Search(t.Context(), "x", nil) {
		if err != nil && !strings.Contains(err.Error(), "no page number") {
			t.Fatal(err)
		}
	}
}

func TestUsersSearchStopsAtResultLimit(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/users/search", ok(`{"users":[{"id":1}],"count":20000,"next_page":"https://acme.zendesk.com/api/v2/users/search.json?page=101&per_page=100&query=role%3Aend-user"}`))
	var n int
	var last error
	for _, err := range f.client().Users.Search(t.Context(), "role:end-user", &UserSearchOptions{OffsetOptions: OffsetOptions{Page: 100, PerPage: 100}}) {
		if err != nil {
			last = err
			continue
		}
		n++
	}
	if n != 1 || !errors.Is(last, ErrResultLimit) || !strings.Contains(last.Error(), "10000 results at most") {
		t.Fatalf("users = %d, err = %v", n, last)
	}
	// Page 101 is not asked for: Zendesk would answer 400.
	f.only().expect(t, "GET", "/api/v2/users/search", "query=role:end-user&page=100&per_page=100", "")
	// A 400 from Zendesk itself comes back as ErrInvalid.
	f2 := newFake(t)
	f2.on("GET", "/api/v2/users/search", status(400, `{"error":"invalid","description":"Offset pagination is limited"}`))
	for _, err := range f2.client().Users.Search(t.Context(), "x", nil) {
		if !errors.Is(err, deskbridge.ErrInvalid) {
			t.Fatalf("err = %v", err)
		}
	}
}
