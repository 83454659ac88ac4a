package zendesktest_test

// The contract suite: the zendesk client against the fake, one test per
// service. The fake is written from Zendesk's references and the client from
// its own reading of Zendesk's documentation, so a failure here is a
// disagreement to settle against Zendesk, not a test to bend.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// contract starts a contract test: in parallel, against a new fake, with
// a client of it authenticated by the admin's API token.
func contract(t *testing.T) (context.Context, *zendesktest.Server, *zendesk.Client) {
	t.Helper()
	t.Parallel()
	fake := newFake(t)
	return context.Background(), fake, newClient(t, fake)
}

func newClient(t testing.TB, fake *zendesktest.Server, opts ...zendesk.Option) *zendesk.Client {
	t.Helper()
	base := []zendesk.Option{zendesk.WithBaseURL(fake.URL)}
	if len(opts) == 0 {
		opts = []zendesk.Option{zendesk.WithAPIToken(fake.Email, fake.APIToken)}
	}
	zc, err := zendesk.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return zc
}

func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatalf("after %d items: %v", len(out), err)
		}
		out = append(out, v)
	}
	return out
}

// wire prints the requests the fake saw, to diagnose a failure.
func wire(fake *zendesktest.Server) string {
	var b strings.Builder
	for _, r := range fake.Requests() {
		fmt.Fprintf(&b, "\n  %s %s?%s -> %d %s %.300s", r.Method, r.Path, r.RawQuery, r.Status, r.Fault, r.Body)
	}
	return b.String()
}

func TestContractTickets(t *testing.T) {
	ctx, fake, zc := contract(t)
	agent := fake.AddAgent("Ann Agent", "ann@example.com")

	tk, err := zc.Tickets.Create(ctx, &zendesk.TicketInput{
		Subject: "Printer", Comment: zendesk.PublicComment("It smokes"), Priority: zendesk.PriorityHigh,
		Requester: &zendesk.Requester{Name: "Rita", Email: "rita@example.com"}, Tags: []string{"hw"},
	})
	if err != nil {
		t.Fatalf("create: %v%s", err, wire(fake))
	}
	if tk.ID != 1 || tk.Status != zendesk.TicketStatusNew || tk.Priority != "high" || tk.Via == nil || tk.Description != "It smokes" {
		t.Fatalf("created %+v", tk)
	}
	got, err := zc.Tickets.Get(ctx, tk.ID)
	if err != nil || got.Subject != "Printer" || got.RequesterID == 0 || !slices.Equal(got.Tags, []string{"hw"}) {
		t.Fatalf("get %+v %v", got, err)
	}
	up, err := zc.Tickets.Update(ctx, tk.ID, &zendesk.TicketInput{Comment: zendesk.PrivateComment("looking"), AssigneeID: agent, Status: zendesk.TicketStatusPending})
	if err != nil || up.Status != "pending" || up.AssigneeID != agent {
		t.Fatalf("update %+v %v%s", up, err, wire(fake))
	}
	// Safe update with a stale stamp: 409 ErrConflict.
	stale := got.UpdatedAt.Add(-time.Hour)
	_, err = zc.Tickets.Update(ctx, tk.ID, &zendesk.TicketInput{Status: "open", SafeUpdate: true, UpdatedStamp: &stale})
	if !errors.Is(err, deskbridge.ErrConflict) {
		t.Fatalf("safe update: %v", err)
	}
	comments := collect(t, zc.Tickets.Comments(ctx, tk.ID, nil))
	if len(comments) != 2 || comments[1].Public || comments[0].Body != "It smokes" {
		t.Fatalf("comments %+v", comments)
	}
	cp, err := zc.Tickets.CommentsPage(ctx, tk.ID, &zendesk.CommentListOptions{CursorOptions: zendesk.CursorOptions{PageSize: 1}})
	if err != nil || len(cp.Items) != 1 || cp.Next == "" {
		t.Fatalf("comments page %+v %v", cp, err)
	}

	// Bulk jobs.
	var ins []*zendesk.TicketInput
	for i := range 3 {
		ins = append(ins, &zendesk.TicketInput{Subject: fmt.Sprint("bulk ", i), Comment: zendesk.PublicComment("x")})
	}
	job, err := zc.Tickets.CreateMany(ctx, ins)
	if err != nil {
		t.Fatalf("create many: %v%s", err, wire(fake))
	}
	done, err := zc.JobStatuses.Wait(ctx, job.ID, &zendesk.WaitOptions{PollInterval: time.Millisecond})
	if err != nil || !done.Done() || done.Status != zendesk.JobCompleted || len(done.Results) != 3 {
		t.Fatalf("wait %+v %v", done, err)
	}
	ids := []int64{done.Results[0].ID, done.Results[1].ID}
	job, err = zc.Tickets.UpdateManyByIDs(ctx, ids, &zendesk.TicketInput{Status: "open"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zc.JobStatuses.Wait(ctx, job.ID, &zendesk.WaitOptions{PollInterval: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	job, err = zc.Tickets.UpdateMany(ctx, []*zendesk.TicketInput{{ID: ids[0], Priority: "low"}})
	if err != nil {
		t.Fatal(err)
	}
	if j, err := zc.JobStatuses.Get(ctx, job.ID); err != nil || j.Status != zendesk.JobCompleted {
		t.Fatalf("job get %+v %v", j, err)
	}
	many, err := zc.Tickets.ShowMany(ctx, ids)
	if err != nil || len(many) != 2 || many[0].Status != "open" || many[0].Priority != "low" {
		t.Fatalf("show many %+v %v", many, err)
	}
	if _, err := zc.Tickets.CreateMany(ctx, make([]*zendesk.TicketInput, 101)); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("101 tickets: %v", err)
	}

	// 422 with details, 404.
	_, err = zc.Tickets.Create(ctx, &zendesk.TicketInput{Subject: "no comment"})
	var zerr *zendesk.Error
	if !errors.As(err, &zerr) || zerr.StatusCode != 422 || zerr.Code != "RecordInvalid" || len(zerr.Details["description"]) != 1 || !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("422: %#v", err)
	}
	if err := zc.Tickets.Delete(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := zc.Tickets.Get(ctx, tk.ID); !errors.Is(err, deskbridge.ErrNotFound) || !errors.As(err, &zerr) || zerr.Code != "RecordNotFound" {
		t.Fatalf("404: %v", err)
	}
}

// TestContractTicketCreateRetriedOnce: the fake creates the ticket but the
// answer is lost (502); the client retries with the same Idempotency-Key and
// the fake answers the first ticket again: one ticket.
func TestContractTicketCreateRetriedOnce(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	zc := newClient(t, fake, zendesk.WithAPIToken(fake.Email, fake.APIToken), zendesk.WithRetryWaitMax(10*time.Millisecond))
	fake.InjectFault(zendesktest.Fault{Method: "POST", Path: "/api/v2/tickets", Processed: true, Status: 502})
	tk, err := zc.Tickets.Create(context.Background(), &zendesk.TicketInput{Subject: "once", Comment: zendesk.PublicComment("x")})
	if err != nil {
		t.Fatalf("create: %v%s", err, wire(fake))
	}
	if n := len(fake.Tickets()); n != 1 || tk.ID != 1 {
		t.Fatalf("%d tickets, id %d%s", n, tk.ID, wire(fake))
	}
	log := fake.Requests()
	if len(log) != 2 || log[0].Header.Get("Idempotency-Key") == "" || log[0].Header.Get("Idempotency-Key") != log[1].Header.Get("Idempotency-Key") {
		t.Fatalf("requests%s", wire(fake))
	}
}

func TestContractUsersAndFields(t *testing.T) {
	ctx, fake, zc := contract(t)

	f, err := zc.UserFields.Create(ctx, &zendesk.UserField{Type: zendesk.FieldText, Key: "braze_external_id", Title: "Braze external ID"})
	if err != nil || f.ID == 0 || f.Key != "braze_external_id" {
		t.Fatalf("field %+v %v%s", f, err, wire(fake))
	}
	if _, err := zc.UserFields.Create(ctx, &zendesk.UserField{Key: "braze_external_id", Title: "dup"}); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("duplicate key: %v", err)
	}
	if g, err := zc.UserFields.Get(ctx, f.ID); err != nil || g.Title != "Braze external ID" {
		t.Fatalf("field get %+v %v", g, err)
	}
	if g, err := zc.UserFields.FindByKey(ctx, "braze_external_id"); err != nil || g.ID != f.ID {
		t.Fatalf("find by key %+v %v", g, err)
	}
	if _, err := zc.UserFields.FindByKey(ctx, "nope"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("find missing key: %v", err)
	}
	if fs := collect(t, zc.UserFields.List(ctx, nil)); len(fs) != 1 {
		t.Fatalf("fields %+v", fs)
	}
	if p, err := zc.UserFields.ListPage(ctx, &zendesk.CursorOptions{PageSize: 10}); err != nil || len(p.Items) != 1 || p.Next != "" {
		t.Fatalf("fields page %+v %v", p, err)
	}

	u, err := zc.Users.Create(ctx, &zendesk.UserInput{Name: "Sam", Email: "sam@example.com", UserFields: map[string]any{"braze_external_id": "bz-1"}})
	if err != nil {
		t.Fatalf("create user: %v%s", err, wire(fake))
	}
	if v, ok := u.UserFieldString("braze_external_id"); !ok || v != "bz-1" || u.Role != zendesk.RoleEndUser {
		t.Fatalf("user %+v", u)
	}
	u2, created, err := zc.Users.CreateOrUpdate(ctx, &zendesk.UserInput{Email: "sam@example.com", Name: "Sam S", Phone: "+15550100"})
	if err != nil || created || u2.ID != u.ID || u2.Name != "Sam S" {
		t.Fatalf("create_or_update existing %+v %v %v", u2, created, err)
	}
	u3, created, err := zc.Users.CreateOrUpdate(ctx, &zendesk.UserInput{Name: "New", ExternalID: "ext-9", SkipVerifyEmail: true})
	if err != nil || !created || u3.ExternalID != "ext-9" {
		t.Fatalf("create_or_update new %+v %v %v", u3, created, err)
	}
	if g, err := zc.Users.Get(ctx, u.ID); err != nil || g.Phone != "+15550100" {
		t.Fatalf("get %+v %v", g, err)
	}
	if me, err := zc.Users.Me(ctx); err != nil || me.ID != fake.AdminID || me.Role != zendesk.RoleAdmin {
		t.Fatalf("me %+v %v", me, err)
	}
	if up, err := zc.Users.Update(ctx, u.ID, &zendesk.UserInput{UserFields: map[string]any{"braze_external_id": nil}}); err != nil {
		t.Fatal(err)
	} else if v, _ := up.UserFieldString("braze_external_id"); v != "" {
		t.Fatalf("cleared field = %q", v)
	}
	for q, want := range map[string]int{"email:sam@example.com": 1, "role:end-user": 2, "external_id:ext-9": 1, "nobody-here": 0} {
		if us := collect(t, zc.Users.Search(ctx, q, nil)); len(us) != want {
			t.Errorf("search %q: %d users", q, len(us))
		}
	}
	if p, err := zc.Users.SearchPage(ctx, "", &zendesk.UserSearchOptions{ExternalID: "ext-9"}); err != nil || len(p.Items) != 1 || p.Total != 1 {
		t.Fatalf("search page by external id %+v %v%s", p, err, wire(fake))
	}
}

func TestContractGroups(t *testing.T) {
	ctx, fake, zc := contract(t)
	for i := range 3 {
		if _, err := zc.Groups.Create(ctx, &zendesk.Group{Name: fmt.Sprint("Tier ", i), Description: "d"}); err != nil {
			t.Fatalf("create: %v%s", err, wire(fake))
		}
	}
	g, err := zc.Groups.FindByName(ctx, "Tier 2")
	if err != nil || g.Name != "Tier 2" {
		t.Fatalf("find %+v %v", g, err)
	}
	if got, err := zc.Groups.Get(ctx, g.ID); err != nil || got.ID != g.ID {
		t.Fatal(err)
	}
	if gs := collect(t, zc.Groups.List(ctx, &zendesk.CursorOptions{PageSize: 2})); len(gs) != 3 {
		t.Fatalf("list %d", len(gs))
	}
	p, err := zc.Groups.ListPage(ctx, &zendesk.CursorOptions{PageSize: 2})
	if err != nil || len(p.Items) != 2 || p.Next == "" {
		t.Fatalf("page %+v %v", p, err)
	}
	p, err = zc.Groups.ListPage(ctx, &zendesk.CursorOptions{PageSize: 2, After: p.Next})
	if err != nil || len(p.Items) != 1 || p.Next != "" {
		t.Fatalf("page 2 %+v %v", p, err)
	}
	if _, err := zc.Groups.Create(ctx, &zendesk.Group{}); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("blank group: %v", err)
	}
}

func TestContractSearch(t *testing.T) {
	ctx, fake, zc := contract(t)
	var ins []*zendesk.TicketInput
	for i := range 100 {
		ins = append(ins, &zendesk.TicketInput{Subject: fmt.Sprint("toner ", i), Comment: zendesk.PublicComment("x"), Status: "open"})
	}
	for range 11 {
		job, err := zc.Tickets.CreateMany(ctx, ins)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := zc.JobStatuses.Wait(ctx, job.ID, &zendesk.WaitOptions{PollInterval: time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := zc.Search.Count(ctx, "type:ticket status:open"); err != nil || n != 1100 {
		t.Fatalf("count %d %v%s", n, err, wire(fake))
	}
	p, err := zc.Search.QueryPage(ctx, "type:ticket toner", &zendesk.SearchOptions{OffsetOptions: zendesk.OffsetOptions{PerPage: 100}})
	if err != nil || len(p.Items) != 100 || p.Items[0].Ticket == nil || p.Items[0].ResultType != zendesk.ResultTicket {
		t.Fatalf("query page %+v %v", p, err)
	}
	// The iterator stops at the 1,000 cap with ErrResultLimit.
	n := 0
	var last error
	for r, err := range zc.Search.Query(ctx, "type:ticket", nil) {
		if err != nil {
			last = err
			break
		}
		if r.Ticket == nil {
			t.Fatal("untyped result")
		}
		n++
	}
	if n != 1000 || !errors.Is(last, zendesk.ErrResultLimit) {
		t.Fatalf("query saw %d, then %v", n, last)
	}
	// Export goes past it.
	if rs := collect(t, zc.Search.Export(ctx, "toner", &zendesk.ExportOptions{Type: zendesk.ResultTicket, PageSize: 500})); len(rs) != 1100 {
		t.Fatalf("export saw %d%s", len(rs), wire(fake)[:2000])
	}
	ep, err := zc.Search.ExportPage(ctx, "toner", &zendesk.ExportOptions{Type: zendesk.ResultTicket, PageSize: 1000})
	if err != nil || len(ep.Items) != 1000 || ep.Next == "" {
		t.Fatalf("export page %d %v", len(ep.Items), err)
	}
	users := collect(t, zc.Search.Query(ctx, "type:user role:admin", nil))
	if len(users) != 1 || users[0].User == nil || users[0].User.ID != fake.AdminID {
		t.Fatalf("user search %+v", users)
	}
}

func TestContractTriggers(t *testing.T) {
	ctx, fake, zc := contract(t)
	rc := newReceiver(t)

	cat, err := zc.TriggerCategories.Create(ctx, &zendesk.TriggerCategory{Name: "SMS"})
	if err != nil || cat.ID == "" {
		t.Fatalf("category %+v %v%s", cat, err, wire(fake))
	}
	if c, err := zc.TriggerCategories.Update(ctx, cat.ID, &zendesk.TriggerCategory{Name: "SMS bridge"}); err != nil || c.Name != "SMS bridge" {
		t.Fatalf("category update %+v %v%s", c, err, wire(fake))
	}
	if c, err := zc.TriggerCategories.Get(ctx, cat.ID); err != nil || c.Name != "SMS bridge" {
		t.Fatalf("category get %+v %v", c, err)
	}
	if cs := collect(t, zc.TriggerCategories.List(ctx, nil)); len(cs) != 1 {
		t.Fatalf("categories %+v", cs)
	}
	if p, err := zc.TriggerCategories.ListPage(ctx, nil); err != nil || len(p.Items) != 1 {
		t.Fatalf("categories page %+v %v", p, err)
	}

	hook, err := zc.Webhooks.Create(ctx, &zendesk.Webhook{Name: "Braze", Endpoint: rc.URL, HTTPMethod: "POST", RequestFormat: "json",
		Status: zendesk.WebhookActive, Subscriptions: []string{zendesk.SubscriptionConditionalTicketEvents}, Authentication: zendesk.WebhookBearerToken("k")})
	if err != nil {
		t.Fatalf("webhook: %v%s", err, wire(fake))
	}
	send, err := zendesk.NotifyWebhookJSON(hook.ID, map[string]any{"msg": "{{ticket.latest_public_comment_html}}", "id": "{{ticket.id}}"})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := zc.Triggers.Create(ctx, &zendesk.Trigger{Title: "Reply by SMS", CategoryID: cat.ID,
		Conditions: zendesk.Conditions{All: []zendesk.Condition{zendesk.Cond("comment_is_public", "is", "true"), zendesk.LoopGuard()}},
		Actions:    []zendesk.Action{send}})
	if err != nil {
		t.Fatalf("trigger: %v%s", err, wire(fake))
	}
	if tr.ID == 0 || !*tr.Active || tr.CategoryID != cat.ID {
		t.Fatalf("trigger %+v", tr)
	}
	// The loop guard works on the fake: API updates do not fire, agent replies do.
	agent := fake.AddAgent("Ann", "ann@example.com")
	tk, err := zc.Tickets.Create(ctx, &zendesk.TicketInput{Subject: "s", Comment: zendesk.PublicComment("in by API")})
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.AgentReply(tk.ID, agent, "line 1\nline 2", true); err != nil {
		t.Fatal(err)
	}
	wait(t, fake)
	if got := rc.received(); len(got) != 1 || !strings.Contains(string(got[0].body), `line 1\nline 2`) {
		t.Fatalf("deliveries %+v", got)
	}

	if g, err := zc.Triggers.Get(ctx, tr.ID); err != nil || g.Title != "Reply by SMS" || len(g.Conditions.All) != 2 {
		t.Fatalf("get %+v %v", g, err)
	}
	up, err := zc.Triggers.Update(ctx, tr.ID, &zendesk.Trigger{Active: zendesk.Ptr(false)})
	if err != nil || *up.Active {
		t.Fatalf("update %+v %v%s", up, err, wire(fake))
	}
	if ts := collect(t, zc.Triggers.List(ctx, &zendesk.TriggerListOptions{Active: zendesk.Ptr(false)})); len(ts) != 1 {
		t.Fatalf("inactive list %+v", ts)
	}
	if p, err := zc.Triggers.ListPage(ctx, &zendesk.TriggerListOptions{CategoryID: cat.ID}); err != nil || len(p.Items) != 1 {
		t.Fatalf("page %+v %v", p, err)
	}
	if err := zc.TriggerCategories.Delete(ctx, cat.ID); err == nil {
		t.Fatal("deleted a category with triggers")
	}
	if err := zc.Triggers.Delete(ctx, tr.ID); err != nil {
		t.Fatal(err)
	}
	if err := zc.TriggerCategories.Delete(ctx, cat.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := zc.Triggers.Create(ctx, &zendesk.Trigger{Title: "bad", Conditions: zendesk.Conditions{All: []zendesk.Condition{zendesk.Cond("nope", "is", "x")}},
		Actions: []zendesk.Action{zendesk.Act("status", "open")}}); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("bad trigger: %v", err)
	}
}

func TestContractWebhooks(t *testing.T) {
	ctx, fake, zc := contract(t)
	rc := newReceiver(t)

	w, err := zc.Webhooks.Create(ctx, &zendesk.Webhook{Name: "babelforce", Endpoint: rc.URL, HTTPMethod: "POST", RequestFormat: "json", Status: zendesk.WebhookActive,
		Subscriptions:  []string{zendesk.EventAgentStateChanged, zendesk.EventAgentUnifiedStateChanged},
		Authentication: zendesk.WebhookBearerToken("bf-token")})
	if err != nil || w.ID == "" {
		t.Fatalf("create %+v %v%s", w, err, wire(fake))
	}
	sec, err := zc.Webhooks.SigningSecret(ctx, w.ID)
	if err != nil || sec.Secret == "" {
		t.Fatalf("secret %+v %v", sec, err)
	}
	// The fake delivers with the secret the client read.
	agent := fake.AddAgent("Ann", "ann@example.com")
	if _, err := zc.Availability.SetAgentStatus(ctx, agent, zendesk.UnifiedStatusOnline); err != nil {
		t.Fatalf("set status: %v%s", err, wire(fake))
	}
	wait(t, fake)
	got := rc.received()
	if len(got) != 4 {
		t.Fatalf("%d deliveries", len(got))
	}
	for _, r := range got {
		if err := (webhook.ZendeskVerifier{Secrets: []string{sec.Secret}}).Verify(r.header, r.body); err != nil || r.header.Get("Authorization") != "Bearer bf-token" {
			t.Fatalf("delivery: %v %v", err, r.header)
		}
	}
	reset, err := zc.Webhooks.ResetSigningSecret(ctx, w.ID)
	if err != nil || reset.Secret == sec.Secret {
		t.Fatalf("reset %+v %v%s", reset, err, wire(fake))
	}
	// The client sends the whole webhook on update.
	w.Name = "babelforce status"
	w.Authentication = zendesk.WebhookBearerToken("bf-token")
	if err := zc.Webhooks.Update(ctx, w.ID, w); err != nil {
		t.Fatalf("update: %v%s", err, wire(fake))
	}
	if g, err := zc.Webhooks.Get(ctx, w.ID); err != nil || g.Name != "babelforce status" || g.Authentication == nil || g.Authentication.Type != "bearer_token" {
		t.Fatalf("get %+v %v", g, err)
	}
	if _, err := zc.Webhooks.Create(ctx, &zendesk.Webhook{Name: "other", Endpoint: rc.URL, HTTPMethod: "POST", RequestFormat: "json", Status: zendesk.WebhookInactive,
		Subscriptions: []string{zendesk.SubscriptionConditionalTicketEvents}}); err != nil {
		t.Fatal(err)
	}
	if ws := collect(t, zc.Webhooks.List(ctx, &zendesk.WebhookListOptions{CursorOptions: zendesk.CursorOptions{PageSize: 1}})); len(ws) != 2 {
		t.Fatalf("list %+v", ws)
	}
	if p, err := zc.Webhooks.ListPage(ctx, &zendesk.WebhookListOptions{Status: zendesk.WebhookInactive}); err != nil || len(p.Items) != 1 || p.Items[0].Name != "other" {
		t.Fatalf("list page %+v %v", p, err)
	}

	// Test: an existing webhook and an unsaved one.
	rc.answer(answer{status: 201})
	res, err := zc.Webhooks.Test(ctx, w.ID, &zendesk.WebhookTest{Endpoint: rc.URL, HTTPMethod: "POST", RequestFormat: "json", Payload: `{"ping":1}`})
	if err != nil || res.Status != 201 {
		t.Fatalf("test %+v %v%s", res, err, wire(fake))
	}
	last := rc.received()[len(rc.received())-1]
	if string(last.body) != `{"ping":1}` {
		t.Fatalf("test body %s", last.body)
	}
	res, err = zc.Webhooks.Test(ctx, "", &zendesk.WebhookTest{Endpoint: rc.URL, HTTPMethod: "POST", RequestFormat: "json", Payload: `{}`,
		Headers: map[string]string{"X-Test": "yes"}})
	if err != nil || res.Status != 200 {
		t.Fatalf("test unsaved %+v %v%s", res, err, wire(fake))
	}
	last = rc.received()[len(rc.received())-1]
	if last.header.Get("X-Test") != "yes" {
		t.Fatalf("test headers %v", last.header)
	}
	if err := zc.Webhooks.Delete(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := zc.Webhooks.Get(ctx, w.ID); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
}

func TestContractAvailability(t *testing.T) {
	ctx, fake, zc := contract(t)
	ann := fake.AddAgent("Ann", "ann@example.com")
	bob := fake.AddAgent("Bob", "bob@example.com")
	meeting, _ := fake.AddCustomStatus("In a meeting", "busy", map[string]string{"support": "online", "messaging": "away", "talk": "away"})

	sts := collect(t, zc.Availability.Statuses(ctx, nil))
	if len(sts) != 5 || !sts[0].Default || sts[4].ID != meeting || sts[4].Channels["talk"] != "away" || sts[4].Default {
		t.Fatalf("statuses %+v%s", sts, wire(fake))
	}
	if p, err := zc.Availability.StatusesPage(ctx, nil); err != nil || len(p.Items) != 5 {
		t.Fatalf("statuses page %+v %v", p, err)
	}
	st, err := zc.Availability.SetAgentStatus(ctx, ann, meeting)
	if err != nil || st.ID != meeting || st.Name != "In a meeting" {
		t.Fatalf("set %+v %v%s", st, err, wire(fake))
	}
	a, err := zc.Availability.Get(ctx, ann)
	if err != nil || a.AgentID != ann || a.AgentStatus == nil || a.AgentStatus.ID != meeting || a.Channel(zendesk.ChannelSupport) == nil ||
		a.Channel(zendesk.ChannelSupport).Status != "online" || a.Channel(zendesk.ChannelTalk).Status != "away" {
		t.Fatalf("get %+v %v", a, err)
	}
	if as := collect(t, zc.Availability.List(ctx, &zendesk.AvailabilityListOptions{ChannelStatus: "support:online"})); len(as) != 1 || as[0].AgentID != ann {
		t.Fatalf("list by channel %+v%s", as, wire(fake))
	}
	if as := collect(t, zc.Availability.List(ctx, &zendesk.AvailabilityListOptions{AgentStatusID: zendesk.UnifiedStatusOffline})); len(as) != 2 { // bob and the admin
		t.Fatalf("list by status %+v", as)
	}
	p, err := zc.Availability.ListPage(ctx, &zendesk.AvailabilityListOptions{CursorOptions: zendesk.CursorOptions{PageSize: 1}})
	if err != nil || len(p.Items) != 1 || p.Next == "" {
		t.Fatalf("page %+v %v", p, err)
	}
	if _, err := zc.Availability.SetAgentStatus(ctx, bob, 999); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("unknown status: %v", err)
	}
	if _, err := zc.Availability.Get(ctx, 999); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("unknown agent: %v", err)
	}
}

func TestContractVoice(t *testing.T) {
	ctx, fake, zc := contract(t)
	ann := fake.AddAgent("Ann", "ann@example.com")
	caller := fake.AddUser(zendesktest.User{Name: "Carl"}).ID

	ta, err := zc.Voice.Availability(ctx, ann)
	if err != nil || ta.AgentState != zendesk.AgentStateOffline || ta.Via != "client" {
		t.Fatalf("availability %+v %v%s", ta, err, wire(fake))
	}
	ta, err = zc.Voice.UpdateAvailability(ctx, ann, &zendesk.TalkAvailability{AgentState: zendesk.AgentStateOnline})
	if err != nil || ta.AgentState != "online" {
		t.Fatalf("update %+v %v%s", ta, err, wire(fake))
	}
	tk, err := zc.Voice.CreateVoiceTicket(ctx, &zendesk.VoiceTicket{DisplayToAgent: ann, Ticket: &zendesk.TicketInput{
		ViaID: zendesk.ViaAPIVoicemail, Subject: "Voicemail", RequesterID: caller,
		VoiceComment: &zendesk.VoiceComment{From: "+15550100", To: "+15550199", RecordingURL: "https://example.com/v.mp3",
			StartedAt: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), CallDuration: 30, AnsweredByID: ann, TranscriptionText: "call back"},
	}})
	if err != nil {
		t.Fatalf("voice ticket: %v%s", err, wire(fake))
	}
	if err := zc.Voice.DisplayTicket(ctx, ann, tk.ID); err != nil {
		t.Fatalf("display ticket: %v%s", err, wire(fake))
	}
	if err := zc.Voice.DisplayUser(ctx, ann, caller); err != nil {
		t.Fatal(err)
	}
	pops := fake.ScreenPops()
	if len(pops) != 3 || pops[0].TicketID != tk.ID || pops[2].UserID != caller {
		t.Fatalf("screen pops %+v", pops)
	}
	_, err = zc.Voice.CreateVoiceTicket(ctx, &zendesk.VoiceTicket{DisplayToAgent: caller, Ticket: &zendesk.TicketInput{ViaID: zendesk.ViaAPIPhoneCallInbound, Comment: zendesk.PublicComment("x")}})
	if !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("display_to_agent not an agent: %v", err)
	}
	if err := zc.Voice.DisplayTicket(ctx, ann, 999); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("display missing ticket: %v", err)
	}
}

func TestContractOAuth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := newFake(t)
	zc := newClient(t, fake, zendesk.WithOAuthClientCredentials(fake.OAuthClientID, fake.OAuthClientSecret, "read", "write"))
	if me, err := zc.Users.Me(ctx); err != nil || me.ID != fake.AdminID {
		t.Fatalf("client credentials: %+v %v%s", me, err, wire(fake))
	}
	// A token revoked on Zendesk's side costs one 401, not a failed call:
	// it is dropped, a new one fetched, and the request sent once more.
	fake.ExpireAccessTokens()
	fake.ResetRequests()
	if _, err := zc.Users.Me(ctx); err != nil {
		t.Fatalf("revoked token: %v%s", err, wire(fake))
	}
	var statuses []string
	for _, r := range fake.Requests() {
		statuses = append(statuses, fmt.Sprint(r.Method, " ", r.Path, " ", r.Status))
	}
	if want := "[GET /api/v2/users/me 401 POST /oauth/tokens 200 GET /api/v2/users/me 200]"; fmt.Sprint(statuses) != want {
		t.Fatalf("requests = %v, want %s", statuses, want)
	}

	// The refresh-token grant: rotate and store.
	r := callAuth(t, fake, "", "POST", "/oauth/tokens", map[string]any{"grant_type": "client_credentials", "client_id": fake.OAuthClientID, "client_secret": fake.OAuthClientSecret})
	m := r.json(t)
	var mu sync.Mutex
	var stored []zendesk.Token
	zc2 := newClient(t, fake, zendesk.WithOAuthRefreshToken(fake.OAuthClientID, fake.OAuthClientSecret,
		zendesk.Token{RefreshToken: m["refresh_token"].(string)},
		func(_ context.Context, tok zendesk.Token) error {
			mu.Lock()
			stored = append(stored, tok)
			mu.Unlock()
			return nil
		}))
	if _, err := zc2.Tickets.Get(ctx, 1); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("refresh grant call: %v%s", err, wire(fake))
	}
	mu.Lock()
	n := len(stored)
	mu.Unlock()
	if n != 1 || stored[0].RefreshToken == m["refresh_token"] || stored[0].Expiry.IsZero() {
		t.Fatalf("stored %+v", stored)
	}

	// Wrong credentials: 401 ErrUnauthorized.
	bad := newClient(t, fake, zendesk.WithAPIToken(fake.Email, "wrong"))
	_, err := bad.Users.Me(ctx)
	var zerr *zendesk.Error
	if !errors.Is(err, deskbridge.ErrUnauthorized) || !errors.As(err, &zerr) || !strings.Contains(zerr.Code+zerr.Message, "Couldn't authenticate you") {
		t.Fatalf("401: %#v", err)
	}
	badOAuth := newClient(t, fake, zendesk.WithOAuthClientCredentials(fake.OAuthClientID, "wrong"))
	if _, err := badOAuth.Users.Me(ctx); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("bad oauth client: %v", err)
	}
}

func TestContractRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := newFake(t)
	zc := newClient(t, fake, zendesk.WithAPIToken(fake.Email, fake.APIToken), zendesk.WithRetryWaitMax(10*time.Millisecond))
	id := createTicket(t, fake, "retry")
	fake.ResetRequests()
	fake.InjectFault(zendesktest.Fault{Method: "GET", Path: "/api/v2/tickets/", Status: 503, Header: http.Header{"Retry-After": {"0"}}, Times: 2})
	if _, err := zc.Tickets.Get(ctx, id); err != nil {
		t.Fatalf("get after two 503s: %v%s", err, wire(fake))
	}
	if n := len(fake.Requests()); n != 3 {
		t.Fatalf("%d requests%s", n, wire(fake))
	}
	// A comment update that failed with a 5xx is not replayed.
	fake.ResetRequests()
	fake.InjectFault(zendesktest.Fault{Method: "PUT", Path: "/api/v2/tickets/", Status: 500})
	if _, err := zc.Tickets.Update(ctx, id, &zendesk.TicketInput{Comment: zendesk.PublicComment("once")}); !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("update: %v", err)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Fatalf("comment update sent %d times", n)
	}
	// A dropped connection on a read is retried.
	fake.ResetRequests()
	fake.InjectFault(zendesktest.Fault{Method: "GET", Path: "/api/v2/tickets/", Drop: true})
	if _, err := zc.Tickets.Get(ctx, id); err != nil {
		t.Fatalf("get after a drop: %v%s", err, wire(fake))
	}
}

// TestContractRateLimitPacing: 3 goroutines issue 300 requests against a
// limit of 100 per 200 ms window. All succeed through the client's pacing
// and retries; the number of 429s the fake answered is reported.
// With a window under a second the fake reports ratelimit-reset in
// fractional seconds, so the run takes about three windows, not three
// seconds.
func TestContractRateLimitPacing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := newFake(t, zendesktest.WithRateLimit(100, 200*time.Millisecond))
	zc := newClient(t, fake)
	id := createTicket(t, fake, "paced")
	fake.ResetRequests()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 300)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if _, err := zc.Tickets.Get(ctx, id); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("paced get: %v", err)
	}
	limited := 0
	for _, r := range fake.Requests() {
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	t.Logf("300 Tickets.Get through a limit of 100 per 200 ms: %d requests sent, %d answered 429, %v", len(fake.Requests()), limited, time.Since(start).Round(time.Millisecond))
	if limited > 30 {
		t.Errorf("%d 429s: the client's pacing did not hold requests back", limited)
	}
}

// Performance: Tickets.Get against the fake beside the same loop against a
// bare httptest handler returning a fixed body (the floor).
func BenchmarkTicketsGetFake(b *testing.B) {
	fake := zendesktest.NewServer()
	defer fake.Close()
	zc := newClient(b, fake)
	ctx := context.Background()
	tk, err := zc.Tickets.Create(ctx, &zendesk.TicketInput{Subject: "bench", Comment: zendesk.PublicComment("x"), Requester: &zendesk.Requester{Name: "R", Email: "r@example.com"}})
	if err != nil {
		b.Fatal(err)
	}
	benchGet(b, zc, tk.ID)
}

func BenchmarkTicketsGetBareFloor(b *testing.B) {
	fake := zendesktest.NewServer()
	zc0 := newClient(b, fake)
	tk, err := zc0.Tickets.Create(context.Background(), &zendesk.TicketInput{Subject: "bench", Comment: zendesk.PublicComment("x"), Requester: &zendesk.Requester{Name: "R", Email: "r@example.com"}})
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v2/tickets/%d", fake.URL, tk.ID), nil)
	req.Header.Set("Authorization", basic(fake))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fake.Close()
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(body)
	}))
	defer bare.Close()
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(bare.URL), zendesk.WithAPIToken("a@example.com", "t"))
	if err != nil {
		b.Fatal(err)
	}
	benchGet(b, zc, tk.ID)
}

func benchGet(b *testing.B, zc *zendesk.Client, id int64) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := zc.Tickets.Get(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
