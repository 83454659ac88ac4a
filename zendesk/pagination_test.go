package zendesk

import (
	"context"
	"errors"
	"net/url"
	"testing"
)

// cursorList is one cursor-paginated list of the client, driven through
// its iterator and its single-page form with nil options.
type listCase struct {
	name, path, collection string
	walk                   func(ctx context.Context, c *Client) (int, error)
	page                   func(ctx context.Context, c *Client) error
}

func count[T any](seq func(func(T, error) bool)) (int, error) {
	n := 0
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func pageErr[T any](_ T, err error) error { return err }

var cursorLists = []listCase{
	{"Groups", "/api/v2/groups", "groups",
		func(ctx context.Context, c *Client) (int, error) { return count(c.Groups.List(ctx, nil)) },
		func(ctx context.Context, c *Client) error { return pageErr(c.Groups.ListPage(ctx, nil)) }},
	{"UserFields", "/api/v2/user_fields", "user_fields",
		func(ctx context.Context, c *Client) (int, error) { return count(c.UserFields.List(ctx, nil)) },
		func(ctx context.Context, c *Client) error { return pageErr(c.UserFields.ListPage(ctx, nil)) }},
	{"Triggers", "/api/v2/triggers", "triggers",
		func(ctx context.Context, c *Client) (int, error) { return count(c.Triggers.List(ctx, nil)) },
		func(ctx context.Context, c *Client) error { return pageErr(c.Triggers.ListPage(ctx, nil)) }},
	{"TriggerCategories", "/api/v2/trigger_categories", "trigger_categories",
		func(ctx context.Context, c *Client) (int, error) { return count(c.TriggerCategories.List(ctx, nil)) },
		func(ctx context.Context, c *Client) error { return pageErr(c.TriggerCategories.ListPage(ctx, nil)) }},
	{"Comments", "/api/v2/tickets/1/comments", "comments",
		func(ctx context.Context, c *Client) (int, error) { return count(c.Tickets.Comments(ctx, 1, nil)) },
		func(ctx context.Context, c *Client) error { return pageErr(c.Tickets.CommentsPage(ctx, 1, nil)) }},
	{"Webhooks", "/api/v2/webhooks", "webhooks",
		func(ctx context.Context, c *Client) (int, error) { return count(c.Webhooks.List(ctx, nil)) },
		func(ctx context.Context, c *Client) error { return pageErr(c.Webhooks.ListPage(ctx, nil)) }},
	{"Availability", "/api/v2/agent_availabilities", "data",
		func(ctx context.Context, c *Client) (int, error) { return count(c.Availability.List(ctx, nil)) },
		func(ctx context.Context, c *Client) error { return pageErr(c.Availability.ListPage(ctx, nil)) }},
	{"Statuses", "/api/v2/agent_availabilities/agent_statuses", "custom",
		func(ctx context.Context, c *Client) (int, error) { return count(c.Availability.Statuses(ctx, nil)) },
		func(ctx context.Context, c *Client) error { return pageErr(c.Availability.StatusesPage(ctx, nil)) }},
}

// Every cursor list asks for cursor pagination even with nil options:
// without a page[...] parameter, Zendesk answers with offset pagination,
// which has no meta.has_more to follow.
func TestCursorListsAlwaysSendPageSize(t *testing.T) {
	t.Parallel()
	for _, l := range cursorLists {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.on("GET", l.path, ok(`{"`+l.collection+`":[],"meta":{"has_more":false}}`))
			c := f.client()
			if _, err := l.walk(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			if err := l.page(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			for _, got := range f.calls() {
				q, _ := url.ParseQuery(got.RawQuery)
				if q.Get("page[size]") != "100" {
					t.Errorf("query = %q, want page[size]=100", got.RawQuery)
				}
			}
		})
	}
	t.Run("Export", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.on("GET", "/api/v2/search/export", ok(`{"results":[],"meta":{"has_more":false}}`))
		if _, err := f.client().Search.ExportPage(t.Context(), "x", &ExportOptions{Type: ResultTicket}); err != nil {
			t.Fatal(err)
		}
		f.only().expect(t, "GET", "/api/v2/search/export", "query=x&filter[type]=ticket&page[size]=100", "")
	})
}

// An offset-paginated answer (next_page, no meta) to a cursor request is an
// error, from the iterator and from the single-page form, not a silent end
// after the first page.
func TestCursorListOffsetAnswerIsAnError(t *testing.T) {
	t.Parallel()
	for _, l := range cursorLists {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.on("GET", l.path, ok(`{"`+l.collection+`":[],"next_page":"https://acme.zendesk.com`+l.path+`?page=2","previous_page":null,"count":150}`))
			c := f.client()
			if _, err := l.walk(t.Context(), c); !errors.Is(err, errOffsetAnswer) {
				t.Errorf("iterator: err = %v", err)
			}
			if err := l.page(t.Context(), c); !errors.Is(err, errOffsetAnswer) {
				t.Errorf("page: err = %v", err)
			}
		})
	}
	t.Run("Export", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.on("GET", "/api/v2/search/export", ok(`{"results":[],"next_page":"https://acme.zendesk.com/api/v2/search/export?page=2"}`))
		n, err := count(f.client().Search.Export(t.Context(), "x", &ExportOptions{Type: ResultTicket}))
		if n != 0 || !errors.Is(err, errOffsetAnswer) {
			t.Fatalf("n = %d, err = %v", n, err)
		}
	})
}

// An answer with neither meta nor a next page (a documented example in
// offset form, next_page null) is one complete page.
func TestCursorListAnswerWithoutMetaOrNextPage(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/triggers", ok(testdata(t, "triggers.json")))
	n, err := count(f.client().Triggers.List(t.Context(), nil))
	if err != nil || n == 0 || len(f.calls()) != 1 {
		t.Fatalf("n = %d, err = %v, calls = %d", n, err, len(f.calls()))
	}
}
