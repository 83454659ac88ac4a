package zendesk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

func TestTicketsGetDecodesDocumentedExample(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/tickets/35436", ok(testdata(t, "ticket.json")))
	tk, err := f.client().Tickets.Get(t.Context(), 35436)
	if err != nil {
		t.Fatal(err)
	}
	f.only().expect(t, "GET", "/api/v2/tickets/35436", "", "")
	if f.only().Header.Get("Authorization") != "Bearer "+testToken {
		t.Fatalf("Authorization = %q", f.only().Header.Get("Authorization"))
	}
	if tk.ID != 35436 || tk.Subject != "Help, my printer is on fire!" || tk.Status != TicketStatusOpen || tk.Priority != PriorityHigh ||
		tk.Type != TicketTypeIncident || tk.RequesterID != 20978392 || tk.AssigneeID != 235323 || tk.GroupID != 98738 ||
		tk.CustomStatusID != 123 || tk.ExternalID != "ahg35h3jh" || tk.RawSubject != "{{dc.printer_on_fire}}" ||
		tk.Via == nil || tk.Via.Channel != "web" || tk.DueAt != nil || tk.GeneratedTimestamp != 1304553600 ||
		!slices.Equal(tk.Tags, []string{"enterprise", "other_tag"}) || !slices.Equal(tk.CollaboratorIDs, []int64{35334, 234}) ||
		!tk.CreatedAt.Equal(mustTime(t, "2009-07-20T22:55:29Z")) || !tk.UpdatedAt.Equal(mustTime(t, "2011-05-05T10:38:52Z")) {
		t.Fatalf("ticket = %+v", tk)
	}
	if v, ok := tk.CustomFieldValue(27648); !ok || string(v) != `"yes"` {
		t.Fatalf("custom field = %s %v", v, ok)
	}
	if _, ok := tk.CustomFieldValue(1); ok {
		t.Fatal("unknown field found")
	}
	if !strings.Contains(string(tk.SatisfactionRating), "Great support!") {
		t.Fatalf("satisfaction = %s", tk.SatisfactionRating)
	}
}

func TestTicketsRefuseBadInput(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	ctx := t.Context()
	_, err := c.Tickets.Get(ctx, 0)
	isInvalid(t, err)
	_, err = c.Tickets.ShowMany(ctx, nil)
	isInvalid(t, err)
	_, err = c.Tickets.ShowMany(ctx, []int64{1, -1})
	isInvalid(t, err)
	_, err = c.Tickets.ShowMany(ctx, make([]int64, 101))
	isInvalid(t, err)
	_, err = c.Tickets.Create(ctx, nil)
	isInvalid(t, err)
	_, err = c.Tickets.Update(ctx, 0, &TicketInput{})
	isInvalid(t, err)
	_, err = c.Tickets.Update(ctx, 1, nil)
	isInvalid(t, err)
	isInvalid(t, c.Tickets.Delete(ctx, -3))
	_, err = c.Tickets.CreateMany(ctx, nil)
	isInvalid(t, err)
	_, err = c.Tickets.CreateMany(ctx, []*TicketInput{nil})
	isInvalid(t, err)
	_, err = c.Tickets.UpdateMany(ctx, []*TicketInput{{Status: "open"}})
	isInvalid(t, err)
	_, err = c.Tickets.UpdateManyByIDs(ctx, []int64{1}, nil)
	isInvalid(t, err)
	_, err = c.Tickets.UpdateManyByIDs(ctx, nil, &TicketInput{})
	isInvalid(t, err)
	_, err = c.Tickets.CommentsPage(ctx, 0, nil)
	isInvalid(t, err)
	_, err = c.Tickets.CommentsPage(ctx, 1, &CommentListOptions{CursorOptions: CursorOptions{PageSize: 101}})
	isInvalid(t, err)
	_, err = NewCustomField(1, func() {})
	isInvalid(t, err)
	if n := len(f.calls()); n != 0 {
		t.Fatalf("%d requests sent for refused input", n)
	}
}

func TestTicketsShowMany(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/tickets/show_many", ok(`{"tickets":[{"id":1},{"id":3}]}`))
	ts, err := f.client().Tickets.ShowMany(t.Context(), []int64{1, 2, 3})
	if err != nil || len(ts) != 2 || ts[1].ID != 3 {
		t.Fatalf("tickets = %v, err = %v", ts, err)
	}
	f.only().expect(t, "GET", "/api/v2/tickets/show_many", "ids=1,2,3", "")
}

func TestTicketsCreateSendsIdempotencyKeyAndRetriesWithIt(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/tickets", status(500, `{}`), status(201, `{"ticket":{"id":77,"subject":"Action Needed"}}`))
	in := &TicketInput{
		Subject:   "Action Needed",
		Comment:   &CommentInput{Body: "SUPPORT please"},
		Requester: &Requester{Name: "Jane Doe", Email: "jane@example.com"},
		Priority:  PriorityNormal,
		Type:      TicketTypeProblem,
		Tags:      []string{"sms"},
	}
	tk, err := f.client().Tickets.Create(t.Context(), in)
	if err != nil || tk.ID != 77 {
		t.Fatalf("ticket = %+v, err = %v", tk, err)
	}
	calls := f.calls()
	if len(calls) != 2 {
		t.Fatalf("calls = %d, want 2 (a POST with a key is replayed after a 500)", len(calls))
	}
	const body = `{"ticket":{"subject":"Action Needed","comment":{"body":"SUPPORT please"},"requester":{"name":"Jane Doe","email":"jane@example.com"},"type":"problem","priority":"normal","tags":["sms"]}}`
	key := calls[0].Header.Get("Idempotency-Key")
	for _, c := range calls {
		c.expect(t, "POST", "/api/v2/tickets", "", body)
		if c.Header.Get("Idempotency-Key") != key {
			t.Fatal("the retry carried another key")
		}
	}
	if len(key) < 20 {
		t.Fatalf("Idempotency-Key = %q", key)
	}

	// Every call gets its own key; a caller can give one.
	f2 := newFake(t)
	f2.on("POST", "/api/v2/tickets", status(201, `{"ticket":{"id":1}}`))
	c2 := f2.client()
	for range 2 {
		if _, err := c2.Tickets.Create(t.Context(), &TicketInput{Subject: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c2.Tickets.Create(t.Context(), &TicketInput{Subject: "x"}, nil, IdempotencyKey("sms-4711")); err != nil {
		t.Fatal(err)
	}
	got := f2.calls()
	if got[0].Header.Get("Idempotency-Key") == got[1].Header.Get("Idempotency-Key") || got[2].Header.Get("Idempotency-Key") != "sms-4711" {
		t.Fatalf("keys = %q %q %q", got[0].Header.Get("Idempotency-Key"), got[1].Header.Get("Idempotency-Key"), got[2].Header.Get("Idempotency-Key"))
	}
}

func TestTicketsUpdateAddsCommentAsAuthor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		comment *CommentInput
		body    string
	}{
		{"public html", &CommentInput{HTMLBody: "<p>Inbound message from Jane: hello</p>", Public: Ptr(true), AuthorID: 42},
			`{"ticket":{"comment":{"html_body":"\u003cp\u003eInbound message from Jane: hello\u003c/p\u003e","public":true,"author_id":42}}}`},
		{"private note", &CommentInput{HTMLBody: "<b>SMS delivered</b>", Public: Ptr(false), AuthorID: 42},
			`{"ticket":{"comment":{"html_body":"\u003cb\u003eSMS delivered\u003c/b\u003e","public":false,"author_id":42}}}`},
		{"PublicComment", PublicComment("hi"), `{"ticket":{"comment":{"body":"hi","public":true}}}`},
		{"PrivateComment", PrivateComment("note"), `{"ticket":{"comment":{"body":"note","public":false}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.on("PUT", "/api/v2/tickets/35436", ok(testdata(t, "ticket_update.json")))
			tk, err := f.client().Tickets.Update(t.Context(), 35436, &TicketInput{Comment: tc.comment})
			if err != nil || tk.ID != 35436 || tk.Status != "open" || tk.RequesterID != 123453 {
				t.Fatalf("ticket = %+v, err = %v", tk, err)
			}
			f.only().expect(t, "PUT", "/api/v2/tickets/35436", "", tc.body)
		})
	}
}

func TestTicketsUpdateWithCommentIsNotReplayed(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("PUT", "/api/v2/tickets/5", status(502, `{}`), ok(`{"ticket":{"id":5}}`))
	_, err := f.client().Tickets.Update(t.Context(), 5, &TicketInput{Comment: PublicComment("once")})
	if !errors.Is(err, deskbridge.ErrUnavailable) || len(f.calls()) != 1 {
		t.Fatalf("err = %v, calls = %d: a comment must not be posted twice", err, len(f.calls()))
	}
	// Without a comment the update is idempotent and is retried.
	f2 := newFake(t)
	f2.on("PUT", "/api/v2/tickets/5", status(502, `{}`), ok(`{"ticket":{"id":5,"status":"solved"}}`))
	tk, err := f2.client().Tickets.Update(t.Context(), 5, &TicketInput{Status: TicketStatusSolved, Tags: []string{}})
	if err != nil || tk.Status != "solved" || len(f2.calls()) != 2 {
		t.Fatalf("err = %v, calls = %d", err, len(f2.calls()))
	}
	f2.calls()[0].expect(t, "PUT", "/api/v2/tickets/5", "", `{"ticket":{"status":"solved","tags":[]}}`)
	// 429 is retried even with a comment (nothing was processed).
	f3 := newFake(t)
	f3.on("PUT", "/api/v2/tickets/5", reply{status: 429, body: `{}`, header: []string{"Retry-After", "0"}}, ok(`{"ticket":{"id":5}}`))
	if _, err := f3.client().Tickets.Update(t.Context(), 5, &TicketInput{Comment: PublicComment("once")}); err != nil || len(f3.calls()) != 2 {
		t.Fatalf("err = %v, calls = %d", err, len(f3.calls()))
	}
}

// Every update that may add a comment (a comment, a voice comment, or
// macros, which can add one) is sent once after a 503, from each call site;
// the same update without them is replayed.
func TestTicketsUpdatesThatMayAddACommentAreNotReplayed(t *testing.T) {
	t.Parallel()
	inputs := map[string]func() *TicketInput{
		"comment": func() *TicketInput { return &TicketInput{Comment: PrivateComment("note")} },
		"voice comment": func() *TicketInput {
			return &TicketInput{VoiceComment: &VoiceComment{From: "+15551230001", To: "+15551230002"}}
		},
		"macros": func() *TicketInput { return &TicketInput{MacroIDs: []int64{77}} },
	}
	calls := map[string]struct {
		path string
		send func(ctx context.Context, c *Client, in *TicketInput) error
	}{
		"Update": {"/api/v2/tickets/5", func(ctx context.Context, c *Client, in *TicketInput) error {
			_, err := c.Tickets.Update(ctx, 5, in)
			return err
		}},
		"UpdateMany": {"/api/v2/tickets/update_many", func(ctx context.Context, c *Client, in *TicketInput) error {
			in.ID = 5
			_, err := c.Tickets.UpdateMany(ctx, []*TicketInput{{ID: 6, Status: "open"}, in})
			return err
		}},
		"UpdateManyByIDs": {"/api/v2/tickets/update_many", func(ctx context.Context, c *Client, in *TicketInput) error {
			_, err := c.Tickets.UpdateManyByIDs(ctx, []int64{5, 6}, in)
			return err
		}},
	}
	answer := `{"ticket":{"id":5},"job_status":{"id":"j1","status":"queued"}}`
	for cname, call := range calls {
		for iname, input := range inputs {
			t.Run(cname+" with "+iname, func(t *testing.T) {
				t.Parallel()
				f := newFake(t)
				f.on("PUT", call.path, status(503, `{}`), ok(answer))
				if err := call.send(t.Context(), f.client(), input()); !errors.Is(err, deskbridge.ErrUnavailable) || len(f.calls()) != 1 {
					t.Fatalf("err = %v, PUTs = %d: an update that may add a comment must not be sent twice", err, len(f.calls()))
				}
			})
		}
		t.Run(cname+" without", func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.on("PUT", call.path, status(503, `{}`), ok(answer))
			if err := call.send(t.Context(), f.client(), &TicketInput{Status: "solved"}); err != nil || len(f.calls()) != 2 {
				t.Fatalf("err = %v, PUTs = %d: an update without a comment is replayed", err, len(f.calls()))
			}
		})
	}
}

func TestTicketsUpdateSafeUpdate(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("PUT", "/api/v2/tickets/5", ok(`{"ticket":{"id":5}}`))
	stamp := mustTime(t, "2026-11-21T10:00:00Z")
	cf, err := NewCustomField(360001, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.client().Tickets.Update(t.Context(), 5, &TicketInput{AssigneeID: 9, CustomFields: []CustomField{cf}, SafeUpdate: true, UpdatedStamp: &stamp})
	if err != nil {
		t.Fatal(err)
	}
	f.only().expect(t, "PUT", "/api/v2/tickets/5", "",
		`{"ticket":{"assignee_id":9,"custom_fields":[{"id":360001,"value":["a","b"]}],"safe_update":true,"updated_stamp":"2026-11-21T10:00:00Z"}}`)
}

func TestTicketsDelete(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("DELETE", "/api/v2/tickets/9", status(204, ""))
	if err := f.client().Tickets.Delete(t.Context(), 9); err != nil {
		t.Fatal(err)
	}
	f.only().expect(t, "DELETE", "/api/v2/tickets/9", "", "")
}

func TestTicketsCreateMany(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/tickets/create_many", ok(testdata(t, "job_status_queued.json")))
	c := f.client()
	js, err := c.Tickets.CreateMany(t.Context(), []*TicketInput{
		{Subject: "My printer is on fire!", Comment: &CommentInput{Body: "The smoke is very colorful."}, Priority: PriorityUrgent},
		{Subject: "Help", Comment: &CommentInput{Body: "This is a comment"}, Priority: PriorityNormal},
	})
	if err != nil || js.ID != "82de0b044094f0c67893ac9fe64f1a99" || js.Status != JobQueued || js.Done() || js.Results != nil {
		t.Fatalf("job = %+v, err = %v", js, err)
	}
	// The body is Zendesk's TicketsCreateRequestExample (field order aside).
	f.only().expect(t, "POST", "/api/v2/tickets/create_many", "",
		`{"tickets":[{"subject":"My printer is on fire!","comment":{"body":"The smoke is very colorful."},"priority":"urgent"},{"subject":"Help","comment":{"body":"This is a comment"},"priority":"normal"}]}`)

	// More than 100 are refused, not split: nothing is sent.
	many := make([]*TicketInput, 101)
	for i := range many {
		many[i] = &TicketInput{Subject: fmt.Sprint(i)}
	}
	_, err = c.Tickets.CreateMany(t.Context(), many)
	isInvalid(t, err)
	if !strings.Contains(fmt.Sprint(err), "101 items, at most 100") || len(f.calls()) != 1 {
		t.Fatalf("err = %v, calls = %d", err, len(f.calls()))
	}
	// Batching is the caller's, with slices.Chunk.
	for batch := range slices.Chunk(many, MaxBatch) {
		if _, err := c.Tickets.CreateMany(t.Context(), batch); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.calls()) != 3 {
		t.Fatalf("calls = %d", len(f.calls()))
	}
}

func TestTicketsCreateManyNotReplayed(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/tickets/create_many", status(503, `{}`), ok(testdata(t, "job_status_queued.json")))
	if _, err := f.client().Tickets.CreateMany(t.Context(), []*TicketInput{{Subject: "x"}}); err == nil || len(f.calls()) != 1 {
		t.Fatalf("err = %v, calls = %d", err, len(f.calls()))
	}
}

func TestTicketsUpdateMany(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("PUT", "/api/v2/tickets/update_many", status(502, `{}`), ok(testdata(t, "job_status.json")))
	c := f.client()
	js, err := c.Tickets.UpdateMany(t.Context(), []*TicketInput{{ID: 1, Status: "solved"}, {ID: 2, Priority: "high"}})
	if err != nil || js.Status != JobCompleted || len(js.Results) != 1 || js.Results[0].ID != 380 || !js.Results[0].Success {
		t.Fatalf("job = %+v, err = %v", js, err)
	}
	calls := f.calls()
	if len(calls) != 2 {
		t.Fatalf("calls = %d: an update without comments is retried", len(calls))
	}
	calls[1].expect(t, "PUT", "/api/v2/tickets/update_many", "", `{"tickets":[{"id":1,"status":"solved"},{"id":2,"priority":"high"}]}`)

	f2 := newFake(t)
	f2.on("PUT", "/api/v2/tickets/update_many", status(502, `{}`), ok(testdata(t, "job_status.json")))
	_, err = f2.client().Tickets.UpdateMany(t.Context(), []*TicketInput{{ID: 1, Comment: PrivateComment("bulk note")}})
	if err == nil || len(f2.calls()) != 1 {
		t.Fatalf("with a comment: err = %v, calls = %d", err, len(f2.calls()))
	}
}

func TestTicketsUpdateManyByIDs(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("PUT", "/api/v2/tickets/update_many", ok(testdata(t, "job_status.json")))
	if _, err := f.client().Tickets.UpdateManyByIDs(t.Context(), []int64{11, 12}, &TicketInput{Status: TicketStatusSolved}); err != nil {
		t.Fatal(err)
	}
	f.only().expect(t, "PUT", "/api/v2/tickets/update_many", "ids=11,12", `{"ticket":{"status":"solved"}}`)

	f2 := newFake(t)
	f2.on("PUT", "/api/v2/tickets/update_many", ok(`{}`))
	if _, err := f2.client().Tickets.UpdateManyByIDs(t.Context(), []int64{1}, &TicketInput{Status: "open"}); err == nil || !strings.Contains(err.Error(), `no "job_status"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestTicketsCommentsIteratesCursorPages(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/tickets/35436/comments",
		ok(`{"comments":[{"id":1,"body":"a","public":true},{"id":2,"body":"b","public":false}],"meta":{"has_more":true,"after_cursor":"c2","before_cursor":"c0"},"links":{"next":"https://acme.zendesk.com/api/v2/tickets/35436/comments?page[after]=c2"}}`),
		ok(testdata(t, "ticket_comments.json")))
	opts := &CommentListOptions{CursorOptions: CursorOptions{PageSize: 2}, IncludeInlineImages: true}
	var got []*Comment
	for cm, err := range f.client().Tickets.Comments(t.Context(), 35436, opts) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, cm)
	}
	if len(got) != 3 || got[0].Body != "a" || got[1].Public || got[2].ID != 1274 {
		t.Fatalf("comments = %+v", got)
	}
	doc := got[2]
	if doc.AuthorID != 123123 || doc.AuditID != 432567 || !doc.Public || doc.Type != "Comment" || len(doc.Attachments) != 1 ||
		doc.Attachments[0].FileName != "crash.log" || doc.Attachments[0].Size != 2532 || !strings.Contains(string(doc.Metadata), "Melbourne") ||
		!doc.CreatedAt.Equal(mustTime(t, "2009-07-20T22:55:29Z")) {
		t.Fatalf("documented comment = %+v", doc)
	}
	calls := f.calls()
	calls[0].expect(t, "GET", "/api/v2/tickets/35436/comments", "page[size]=2&include_inline_images=true", "")
	calls[1].expect(t, "GET", "/api/v2/tickets/35436/comments", "page[size]=2&page[after]=c2&include_inline_images=true", "")
	if opts.After != "" || opts.PageSize != 2 {
		t.Fatalf("caller's options modified: %+v", opts)
	}
}

func TestTicketsCommentsPageAndResume(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/tickets/1/comments", ok(`{"comments":[{"id":5}],"meta":{"has_more":true,"after_cursor":"xyz"}}`))
	c := f.client()
	p, err := c.Tickets.CommentsPage(t.Context(), 1, nil)
	if err != nil || p.Next != "xyz" || len(p.Items) != 1 {
		t.Fatalf("page = %+v, err = %v", p, err)
	}
	// Resume later from the stored cursor, and stop after one item: the
	// iterator fetches nothing more.
	for cm, err := range c.Tickets.Comments(t.Context(), 1, &CommentListOptions{CursorOptions: CursorOptions{After: p.Next}}) {
		if err != nil || cm.ID != 5 {
			t.Fatal(cm, err)
		}
		break
	}
	calls := f.calls()
	if len(calls) != 2 || calls[0].RawQuery != "page%5Bsize%5D=100" || calls[1].RawQuery != "page%5Bafter%5D=xyz&page%5Bsize%5D=100" {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestTicketsCommentsErrorYieldedOnce(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/tickets/1/comments", ok(`{"comments":[{"id":5}],"meta":{"has_more":true,"after_cursor":"p2"}}`), status(404, testdata(t, "error_404.json")))
	var ids []int64
	var errs []error
	for cm, err := range f.client().Tickets.Comments(t.Context(), 1, nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, cm.ID)
	}
	if len(ids) != 1 || len(errs) != 1 || !errors.Is(errs[0], deskbridge.ErrNotFound) {
		t.Fatalf("ids = %v, errs = %v", ids, errs)
	}
	// A page that says has_more without a cursor ends with an error, not
	// silently.
	f2 := newFake(t)
	f2.on("GET", "/api/v2/tickets/1/comments", ok(`{"comments":[{"id":5}],"meta":{"has_more":true}}`))
	var last error
	for _, err := range f2.client().Tickets.Comments(t.Context(), 1, nil) {
		last = err
	}
	if !errors.Is(last, errNoCursor) {
		t.Fatalf("err = %v", last)
	}
}

// The cursor is taken from links.next when meta has none.
func TestPaginationCursorFromNextLink(t *testing.T) {
	t.Parallel()
	var m cursorMeta
	if err := json.Unmarshal([]byte(`{"meta":{"has_more":true},"links":{"next":"https://acme.zendesk.com/api/v2/groups?page%5Bafter%5D=abc&page%5Bsize%5D=2"}}`), &m); err != nil {
		t.Fatal(err)
	}
	if next, err := m.next(); next != "abc" || err != nil {
		t.Fatalf("next = %q, %v", next, err)
	}
	if next, err := (&cursorMeta{}).next(); next != "" || err != nil {
		t.Fatal(next, err)
	}
}

func TestNewCustomField(t *testing.T) {
	t.Parallel()
	for v, want := range map[any]string{"x": `"x"`, 12: `12`, true: `true`} {
		cf, err := NewCustomField(7, v)
		if err != nil || string(cf.Value) != want || cf.ID != 7 {
			t.Fatalf("%v: %+v %v", v, cf, err)
		}
	}
	cf, _ := NewCustomField(7, nil)
	b, _ := json.Marshal(cf)
	if string(b) != `{"id":7,"value":null}` {
		t.Fatalf("clearing a field: %s", b)
	}
}

// benchTicketBody is a ~2 KB ticket: Zendesk's documented example with a
// longer description and a dozen custom fields.
func benchTicketBody(b *testing.B) []byte {
	var fields []string
	for i := range 12 {
		fields = append(fields, fmt.Sprintf(`{"id":%d,"value":"value-%d"}`, 360000000+i, i))
	}
	body := fmt.Sprintf(`{"ticket":{"id":35436,"url":"https://acme.zendesk.com/api/v2/tickets/35436.json","external_id":"ahg35h3jh","type":"incident","subject":"Help, my printer is on fire!","raw_subject":"{{dc.printer_on_fire}}","description":%q,"priority":"high","status":"open","custom_status_id":123,"recipient":"support@company.com","requester_id":20978392,"submitter_id":76872,"assignee_id":235323,"organization_id":509974,"group_id":98738,"collaborator_ids":[35334,234],"follower_ids":[35334,234],"problem_id":9873764,"has_incidents":false,"due_at":null,"tags":["enterprise","other_tag"],"custom_fields":[%s],"via":{"channel":"web","source":{"from":{},"to":{},"rel":null}},"satisfaction_rating":{"comment":"Great support!","id":1234,"score":"good"},"sharing_agreement_ids":[84432],"from_messaging_channel":false,"generated_timestamp":1304553600,"created_at":"2009-07-20T22:55:29Z","updated_at":"2011-05-05T10:38:52Z"}}`,
		strings.Repeat("The fire is very colorful. ", 30), strings.Join(fields, ","))
	if len(body) < 1900 || len(body) > 2300 {
		b.Fatalf("body is %d bytes, want ~2 KB", len(body))
	}
	return []byte(body)
}

func benchServer(b *testing.B) *httptest.Server {
	body := benchTicketBody(b)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkTicketsGet is Tickets.Get against a loopback server: the whole
// client (options, core, retries wrapper, pacing, auth, decoding).
func BenchmarkTicketsGet(b *testing.B) {
	srv := benchServer(b)
	c, err := NewClient(WithBaseURL(srv.URL), WithOAuthToken("bench-token"), WithHTTPClient(testkit.PooledClient()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		tk, err := c.Tickets.Get(b.Context(), 35436)
		if err != nil || tk.ID != 35436 {
			b.Fatal(err)
		}
	}
}

// BenchmarkTicketsGetFloor does the same request and decode with net/http
// and encoding/json only: the floor BenchmarkTicketsGet is read against.
func BenchmarkTicketsGetFloor(b *testing.B) {
	srv := benchServer(b)
	hc := testkit.PooledClient()
	b.ReportAllocs()
	for b.Loop() {
		var out struct {
			Ticket *Ticket `json:"ticket"`
		}
		testkit.GetJSON(b, hc, srv.URL+"/api/v2/tickets/35436", "bench-token", &out)
		if out.Ticket.ID != 35436 {
			b.Fatal("bad decode")
		}
	}
}
