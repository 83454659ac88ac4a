package zendesk

import (
	"errors"
	"testing"

	"github.com/deskbridge/deskbridge"
)

func TestUserFieldsListDocumentedExample(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/user_fields", ok(testdata(t, "user_fields.json")))
	var got []*UserField
	for uf, err := range f.client().UserFields.List(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, uf)
	}
	// Nil options still ask for cursor pagination, at the largest page size.
	f.only().expect(t, "GET", "/api/v2/user_fields", "page[size]=100", "")
	uf := got[0]
	if len(got) != 1 || uf.ID != 7 || uf.Key != "custom_field_1" || uf.Type != FieldText || uf.Title != "Custom Field 1" ||
		uf.RawDescription != "{{dc.my_description}}" || uf.Position == nil || *uf.Position != 9999 || uf.Active == nil || !*uf.Active ||
		!uf.CreatedAt.Equal(mustTime(t, "2012-10-16T16:04:06Z")) {
		t.Fatalf("field = %+v", uf)
	}
}

func TestUserFieldsCreateBrazeExternalID(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/user_fields", status(201, testdata(t, "user_field_create.json")))
	c := f.client()
	uf, err := c.UserFields.Create(t.Context(), &UserField{Type: FieldText, Key: "braze_external_id", Title: "Braze external ID", Description: "Braze user id for the SMS bridge"})
	if err != nil || uf.ID != 75 || uf.Key != "support_description" {
		t.Fatalf("field = %+v, err = %v", uf, err)
	}
	f.only().expect(t, "POST", "/api/v2/user_fields", "",
		`{"user_field":{"key":"braze_external_id","type":"text","title":"Braze external ID","description":"Braze user id for the SMS bridge"}}`)
	for _, bad := range []*UserField{nil, {Title: "no key"}, {Key: "no_title"}} {
		_, err := c.UserFields.Create(t.Context(), bad)
		isInvalid(t, err)
	}
}

func TestUserFieldsGetAndFindByKey(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/user_fields/75", ok(testdata(t, "user_field_create.json")))
	f.on("GET", "/api/v2/user_fields",
		ok(`{"user_fields":[{"id":1,"key":"tier"}],"meta":{"has_more":true,"after_cursor":"n"}}`),
		ok(`{"user_fields":[{"id":2,"key":"braze_external_id"}],"meta":{"has_more":false}}`))
	c := f.client()
	uf, err := c.UserFields.Get(t.Context(), 75)
	if err != nil || uf.ID != 75 {
		t.Fatal(uf, err)
	}
	uf, err = c.UserFields.FindByKey(t.Context(), "braze_external_id")
	if err != nil || uf.ID != 2 {
		t.Fatal(uf, err)
	}
	calls := f.calls()
	calls[1].expect(t, "GET", "/api/v2/user_fields", "page[size]=100", "")
	calls[2].expect(t, "GET", "/api/v2/user_fields", "page[size]=100&page[after]=n", "")

	_, err = c.UserFields.FindByKey(t.Context(), "nope")
	if !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	_, err = c.UserFields.FindByKey(t.Context(), "")
	isInvalid(t, err)
	_, err = c.UserFields.Get(t.Context(), 0)
	isInvalid(t, err)
	_, err = c.UserFields.ListPage(t.Context(), &CursorOptions{PageSize: -1})
	isInvalid(t, err)
	// A failing list ends FindByKey with its error.
	f2 := newFake(t)
	f2.on("GET", "/api/v2/user_fields", status(403, `{"error":"Forbidden","description":"You do not have access"}`))
	if _, err := f2.client().UserFields.FindByKey(t.Context(), "x"); !errors.Is(err, deskbridge.ErrForbidden) {
		t.Fatalf("err = %v", err)
	}
}

// TestUserFieldsUpdateLeavesKeyAndTypeOut: Zendesk changes neither a
// field's key nor its type, so a field read back and sent changed carries
// only what can change.
func TestUserFieldsUpdateLeavesKeyAndTypeOut(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("PUT", "/api/v2/user_fields/75", ok(testdata(t, "user_field_create.json")))
	c := f.client()
	uf, err := c.UserFields.Update(t.Context(), 75, &UserField{ID: 75, Key: "braze_external_id", Type: FieldText, Title: "Braze ID", Active: Ptr(true), System: true})
	if err != nil || uf.ID != 75 {
		t.Fatalf("field = %+v, err = %v", uf, err)
	}
	f.only().expect(t, "PUT", "/api/v2/user_fields/75", "", `{"user_field":{"title":"Braze ID","active":true}}`)
	_, err = c.UserFields.Update(t.Context(), 0, &UserField{Title: "x"})
	isInvalid(t, err)
	_, err = c.UserFields.Update(t.Context(), 75, nil)
	isInvalid(t, err)
}
