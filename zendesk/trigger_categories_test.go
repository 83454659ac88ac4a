package zendesk

import (
	"errors"
	"testing"

	"github.com/deskbridge/deskbridge"
)

func TestTriggerCategoriesListDocumentedExample(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/trigger_categories", ok(testdata(t, "trigger_categories.json")))
	p, err := f.client().TriggerCategories.ListPage(t.Context(), &TriggerCategoryListOptions{Sort: "position", CursorOptions: CursorOptions{PageSize: 2}})
	if err != nil {
		t.Fatal(err)
	}
	f.only().expect(t, "GET", "/api/v2/trigger_categories", "sort=position&page[size]=2", "")
	if len(p.Items) != 2 || p.Items[1].ID != "10002" || p.Items[1].Name != "SMS Triggers" ||
		*p.Items[1].Position != 1 || p.Next != "eyJvIjoiLXNjb3JlLGlkIiwidiI6ImFRSUFBQUFBQUFBQWFRMHBJUUVBQUFBQSJ9" {
		t.Fatalf("page = %+v", p)
	}
}

func TestTriggerCategoriesIterate(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/trigger_categories", ok(testdata(t, "trigger_categories.json")), ok(`{"trigger_categories":[{"id":"10003","name":"Other"}],"meta":{"has_more":false}}`))
	var names []string
	for tc, err := range f.client().TriggerCategories.List(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tc.Name)
	}
	if len(names) != 3 || names[2] != "Other" {
		t.Fatal(names)
	}
}

func TestTriggerCategoriesCRUD(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/trigger_categories", ok(testdata(t, "trigger_category.json")))
	f.on("GET", "/api/v2/trigger_categories/10001", ok(testdata(t, "trigger_category.json")))
	f.on("PATCH", "/api/v2/trigger_categories/10001", status(503, `{}`), ok(`{"trigger_category":{"id":"10001","name":"All Notification Triggers Updated","position":10}}`))
	f.on("DELETE", "/api/v2/trigger_categories/10001", status(204, ""))
	c := f.client()
	tc, err := c.TriggerCategories.Create(t.Context(), &TriggerCategory{Name: "All Notification Triggers", Position: Ptr(0)})
	if err != nil || tc.ID != "10001" || !tc.CreatedAt.Equal(mustTime(t, "2020-07-17T01:30:07Z")) {
		t.Fatal(tc, err)
	}
	if tc, err = c.TriggerCategories.Get(t.Context(), "10001"); err != nil || tc.Name != "All Notification Triggers" {
		t.Fatal(tc, err)
	}
	if tc, err = c.TriggerCategories.Update(t.Context(), "10001", &TriggerCategory{Name: "All Notification Triggers Updated", Position: Ptr(10)}); err != nil || *tc.Position != 10 {
		t.Fatal(tc, err)
	}
	if err := c.TriggerCategories.Delete(t.Context(), "10001"); err != nil {
		t.Fatal(err)
	}
	calls := f.calls()
	calls[0].expect(t, "POST", "/api/v2/trigger_categories", "", `{"trigger_category":{"name":"All Notification Triggers","position":0}}`)
	calls[1].expect(t, "GET", "/api/v2/trigger_categories/10001", "", "")
	calls[2].expect(t, "PATCH", "/api/v2/trigger_categories/10001", "", `{"trigger_category":{"name":"All Notification Triggers Updated","position":10}}`)
	calls[3].expect(t, "PATCH", "/api/v2/trigger_categories/10001", "", `{"trigger_category":{"name":"All Notification Triggers Updated","position":10}}`)
	calls[4].expect(t, "DELETE", "/api/v2/trigger_categories/10001", "", "")

	for _, err := range []error{
		func() error { _, err := c.TriggerCategories.Get(t.Context(), ""); return err }(),
		func() error { _, err := c.TriggerCategories.Create(t.Context(), &TriggerCategory{}); return err }(),
		func() error { _, err := c.TriggerCategories.Update(t.Context(), "", &TriggerCategory{}); return err }(),
		func() error { _, err := c.TriggerCategories.Update(t.Context(), "1", nil); return err }(),
		c.TriggerCategories.Delete(t.Context(), ""),
		func() error {
			_, err := c.TriggerCategories.ListPage(t.Context(), &TriggerCategoryListOptions{CursorOptions: CursorOptions{PageSize: -1}})
			return err
		}(),
	} {
		isInvalid(t, err)
	}
}

func TestTriggerCategoriesJSONAPIError(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/trigger_categories/9", status(404, testdata(t, "error_trigger_category_404.json")))
	_, err := f.client().TriggerCategories.Get(t.Context(), "9")
	var zerr *Error
	if !errors.As(err, &zerr) || !errors.Is(err, deskbridge.ErrNotFound) || zerr.Code != "TriggerCategoryNotFound" || len(zerr.Errors) != 1 {
		t.Fatalf("err = %v (%+v)", err, zerr)
	}
}
