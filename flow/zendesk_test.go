package flow_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func eventHook() zendesk.Webhook {
	return zendesk.Webhook{
		Name: "deskbridge statussync", Endpoint: "https://flow.example.com/zendesk",
		Subscriptions: []string{zendesk.EventAgentStateChanged, zendesk.EventAgentUnifiedStateChanged},
	}
}

func TestEnsureWebhookLifecycle(t *testing.T) {
	t.Parallel()
	fake, zc := newZendesk(t)
	ctx := t.Context()

	// A dry run on an empty account: would create, writes nothing.
	plan := flow.Report{DryRun: true}
	w, err := flow.EnsureWebhook(ctx, zc, eventHook(), &plan)
	if err != nil {
		t.Fatal(err)
	}
	onlyGETs(t, fake)
	wantActions(t, plan, "webhook deskbridge statussync: created")
	if w.ID != "" || !plan.Changed() || len(fake.Webhooks()) != 0 {
		t.Errorf("dry run: id %q, changed %v, %d webhooks", w.ID, plan.Changed(), len(fake.Webhooks()))
	}
	if s, err := flow.SigningSecret(ctx, zc, w.ID); s != "" || err != nil {
		t.Errorf("SigningSecret of a planned webhook = %q, %v", s, err)
	}

	// Apply: created, with POST/json/active defaults.
	var rep flow.Report
	w, err = flow.EnsureWebhook(ctx, zc, eventHook(), &rep)
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, rep, "webhook deskbridge statussync: created")
	hooks := fake.Webhooks()
	if len(hooks) != 1 || hooks[0].ID != w.ID || hooks[0].HTTPMethod != "POST" || hooks[0].RequestFormat != "json" || hooks[0].Status != "active" {
		t.Fatalf("webhooks %+v", hooks)
	}
	if rep.Changes[0].ID != w.ID {
		t.Errorf("change id %q, webhook id %q", rep.Changes[0].ID, w.ID)
	}
	secret, err := flow.SigningSecret(ctx, zc, w.ID)
	if want, _ := fake.WebhookSecret(w.ID); err != nil || secret != want || secret == "" {
		t.Errorf("SigningSecret = %q, %v", secret, err)
	}

	// Second run: unchanged, no write.
	fake.ResetRequests()
	var again flow.Report
	if _, err := flow.EnsureWebhook(ctx, zc, eventHook(), &again); err != nil {
		t.Fatal(err)
	}
	onlyGETs(t, fake)
	wantActions(t, again, "webhook deskbridge statussync: unchanged")
	if again.Changed() {
		t.Errorf("second run changed:\n%s", again)
	}

	// Drift: someone points it elsewhere and deactivates it.
	drifted := eventHook()
	drifted.Endpoint, drifted.Status = "https://old.example.com/hook", zendesk.WebhookInactive
	if err := zc.Webhooks.Update(ctx, w.ID, &drifted); err != nil {
		t.Fatal(err)
	}
	fake.ResetRequests()
	dry := flow.Report{DryRun: true}
	if _, err := flow.EnsureWebhook(ctx, zc, eventHook(), &dry); err != nil {
		t.Fatal(err)
	}
	onlyGETs(t, fake)
	wantActions(t, dry, "webhook deskbridge statussync: updated")
	want := []flow.FieldDiff{
		{Field: "endpoint", Old: `"https://old.example.com/hook"`, New: `"https://flow.example.com/zendesk"`},
		{Field: "status", Old: "inactive", New: "active"},
	}
	if !slices.Equal(dry.Changes[0].Diff, want) {
		t.Errorf("diff %v, want %v", dry.Changes[0].Diff, want)
	}
	if fake.Webhooks()[0].Endpoint != drifted.Endpoint {
		t.Error("the dry run repaired the drift")
	}
	var fix flow.Report
	if _, err := flow.EnsureWebhook(ctx, zc, eventHook(), &fix); err != nil {
		t.Fatal(err)
	}
	wantActions(t, fix, "webhook deskbridge statussync: updated")
	if h := fake.Webhooks()[0]; h.Endpoint != eventHook().Endpoint || h.Status != "active" {
		t.Errorf("after repair %+v", h)
	}
	var last flow.Report
	if _, err := flow.EnsureWebhook(ctx, zc, eventHook(), &last); err != nil || last.Changed() {
		t.Errorf("after repair: %v\n%s", err, last)
	}
}

func TestEnsureWebhookCredentials(t *testing.T) {
	t.Parallel()
	fake, zc := newZendesk(t)
	ctx := t.Context()
	const token = "sk-very-secret-token-123"
	want := zendesk.Webhook{Name: "braze", Endpoint: "https://rest.iad-01.braze.com/campaigns/trigger/send",
		Subscriptions: []string{zendesk.SubscriptionConditionalTicketEvents}, Authentication: zendesk.WebhookBearerToken(token)}
	var rep flow.Report
	if _, err := flow.EnsureWebhook(ctx, zc, want, &rep); err != nil {
		t.Fatal(err)
	}
	var again flow.Report
	if _, err := flow.EnsureWebhook(ctx, zc, want, &again); err != nil {
		t.Fatal(err)
	}
	wantActions(t, again, "webhook braze: unchanged")
	if !strings.Contains(again.String(), "credentials not compared") {
		t.Errorf("no note about credentials:\n%s", again)
	}
	fake.ResetRequests()
	forced := flow.Report{Force: true}
	if _, err := flow.EnsureWebhook(ctx, zc, want, &forced); err != nil {
		t.Fatal(err)
	}
	wantActions(t, forced, "webhook braze: updated")
	if fake.RequestCount("PUT", "/api/v2/webhooks/") != 1 {
		t.Errorf("Force sent %d PUTs", fake.RequestCount("PUT", "/api/v2/webhooks/"))
	}
	for _, r := range []flow.Report{rep, again, forced} {
		if s := r.String(); strings.Contains(s, token) || strings.Contains(s, "c2stdmVyeS1zZWNyZXQ") {
			t.Errorf("the report shows the credential:\n%s", s)
		}
	}
	// No authentication wanted: the drift is the kind, shown by name only.
	want.Authentication = nil
	plan := flow.Report{DryRun: true}
	if _, err := flow.EnsureWebhook(ctx, zc, want, &plan); err != nil {
		t.Fatal(err)
	}
	if d := plan.Changes[0].Diff; len(d) != 1 || d[0] != (flow.FieldDiff{Field: "authentication", Old: "bearer_token", New: "none"}) {
		t.Errorf("diff %v", d)
	}
}

func TestEnsureWebhookRefusesTheOtherConnection(t *testing.T) {
	t.Parallel()
	fake, zc := newZendesk(t)
	if _, _, err := fake.AddWebhook(zendesktest.Webhook{Name: "deskbridge statussync", Endpoint: "https://x.example.com",
		Subscriptions: []string{zendesk.SubscriptionConditionalTicketEvents}}); err != nil {
		t.Fatal(err)
	}
	fake.ResetRequests()
	var rep flow.Report
	_, err := flow.EnsureWebhook(t.Context(), zc, eventHook(), &rep)
	if !errors.Is(err, deskbridge.ErrConflict) || !strings.Contains(err.Error(), "another name") {
		t.Fatalf("err = %v", err)
	}
	onlyGETs(t, fake)
	if len(rep.Changes) != 0 {
		t.Errorf("report %v", rep.Changes)
	}
}

func TestEnsureRefusesBadInput(t *testing.T) {
	t.Parallel()
	_, zc := newZendesk(t)
	ctx := t.Context()
	var rep flow.Report
	for name, err := range map[string]error{
		"nil client": func() error { _, err := flow.EnsureGroup(ctx, nil, zendesk.Group{Name: "x"}, &rep); return err }(),
		"nil report": func() error { _, err := flow.EnsureGroup(ctx, zc, zendesk.Group{Name: "x"}, nil); return err }(),
		"webhook no name": func() error {
			_, err := flow.EnsureWebhook(ctx, zc, zendesk.Webhook{Endpoint: "https://x"}, &rep)
			return err
		}(),
		"trigger no title": func() error { _, err := flow.EnsureTrigger(ctx, zc, zendesk.Trigger{}, &rep); return err }(),
		"trigger empty": func() error {
			_, err := flow.EnsureTrigger(ctx, zc, zendesk.Trigger{Title: "t"}, &rep)
			return err
		}(),
		"category no name": func() error {
			_, err := flow.EnsureTriggerCategory(ctx, zc, zendesk.TriggerCategory{}, &rep)
			return err
		}(),
		"user field no key": func() error {
			_, err := flow.EnsureUserField(ctx, zc, zendesk.UserField{Title: "x"}, &rep)
			return err
		}(),
	} {
		if !errors.Is(err, deskbridge.ErrInvalid) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if len(rep.Changes) != 0 {
		t.Errorf("refused input left changes: %v", rep.Changes)
	}
}

func smsTrigger(hookID, categoryID string) zendesk.Trigger {
	return zendesk.Trigger{
		Title: "Reply by Braze SMS", Active: zendesk.Ptr(true), CategoryID: categoryID,
		Conditions: zendesk.Conditions{All: []zendesk.Condition{
			zendesk.Cond("comment_is_public", "is", "true"), zendesk.LoopGuard(),
		}},
		Actions: []zendesk.Action{zendesk.NotifyWebhook(hookID, `{"ticket": "{{ticket.id}}",  "text": "{{ticket.latest_public_comment_html}}"}`)},
	}
}

func TestEnsureTriggerAndCategory(t *testing.T) {
	t.Parallel()
	fake, zc := newZendesk(t)
	ctx := t.Context()
	hook, _, err := fake.AddWebhook(zendesktest.Webhook{Name: "sms", Endpoint: "https://sms.example.com",
		Subscriptions: []string{zendesk.SubscriptionConditionalTicketEvents}})
	if err != nil {
		t.Fatal(err)
	}
	run := func(r *flow.Report) (*zendesk.TriggerCategory, *zendesk.Trigger) {
		t.Helper()
		c, err := flow.EnsureTriggerCategory(ctx, zc, zendesk.TriggerCategory{Name: "Braze SMS"}, r)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := flow.EnsureTrigger(ctx, zc, smsTrigger(hook.ID, c.ID), r)
		if err != nil {
			t.Fatal(err)
		}
		return c, tr
	}
	fake.ResetRequests()
	plan := flow.Report{DryRun: true}
	run(&plan)
	onlyGETs(t, fake)
	wantActions(t, plan, "trigger category Braze SMS: created", "trigger Reply by Braze SMS: created")

	var rep flow.Report
	c, tr := run(&rep)
	wantActions(t, rep, "trigger category Braze SMS: created", "trigger Reply by Braze SMS: created")
	if c.ID == "" || tr.ID == 0 || tr.CategoryID != c.ID {
		t.Errorf("category %+v trigger %+v", c, tr)
	}

	var again flow.Report
	run(&again)
	wantActions(t, again, "trigger category Braze SMS: unchanged", "trigger Reply by Braze SMS: unchanged")

	// Drift: the conditions reordered and the value as a number are no
	// change; an edited body and a deactivated trigger are.
	same := smsTrigger(hook.ID, c.ID)
	same.Conditions.All = []zendesk.Condition{same.Conditions.All[1], same.Conditions.All[0]}
	same.Conditions.All[0].Value = []byte("5")
	if _, err := zc.Triggers.Update(ctx, tr.ID, &same); err != nil {
		t.Fatal(err)
	}
	var reordered flow.Report
	run(&reordered)
	wantActions(t, reordered, "trigger category Braze SMS: unchanged", "trigger Reply by Braze SMS: unchanged")

	drift := smsTrigger(hook.ID, c.ID)
	drift.Active = zendesk.Ptr(false)
	drift.Actions = []zendesk.Action{zendesk.NotifyWebhook(hook.ID, `{"ticket": "{{ticket.id}}"}`)}
	if _, err := zc.Triggers.Update(ctx, tr.ID, &drift); err != nil {
		t.Fatal(err)
	}
	fake.ResetRequests()
	dry := flow.Report{DryRun: true}
	run(&dry)
	onlyGETs(t, fake)
	wantActions(t, dry, "trigger category Braze SMS: unchanged", "trigger Reply by Braze SMS: updated")
	var fields []string
	for _, d := range dry.Changes[1].Diff {
		fields = append(fields, d.Field)
	}
	if !slices.Equal(fields, []string{"active", "actions"}) {
		t.Errorf("diff fields %v\n%s", fields, dry)
	}
	var fix flow.Report
	run(&fix)
	wantActions(t, fix, "trigger category Braze SMS: unchanged", "trigger Reply by Braze SMS: updated")
	var last flow.Report
	run(&last)
	if last.Changed() {
		t.Errorf("after repair:\n%s", last)
	}
	if got := fake.Triggers(); len(got) != 1 || !got[0].Active {
		t.Errorf("triggers %+v", got)
	}
}

func TestEnsureUserFieldAndGroup(t *testing.T) {
	t.Parallel()
	fake, zc := newZendesk(t)
	ctx := t.Context()
	field := zendesk.UserField{Key: "braze_external_id", Title: "Braze external ID"}
	group := zendesk.Group{Name: "Tier 2", Description: "Escalations from the bot"}
	run := func(r *flow.Report) {
		t.Helper()
		if _, err := flow.EnsureUserField(ctx, zc, field, r); err != nil {
			t.Fatal(err)
		}
		if _, err := flow.EnsureGroup(ctx, zc, group, r); err != nil {
			t.Fatal(err)
		}
	}
	fake.ResetRequests()
	plan := flow.Report{DryRun: true}
	run(&plan)
	onlyGETs(t, fake)
	wantActions(t, plan, "user field braze_external_id: created", "group Tier 2: created")
	var rep flow.Report
	run(&rep)
	wantActions(t, rep, "user field braze_external_id: created", "group Tier 2: created")
	var again flow.Report
	run(&again)
	wantActions(t, again, "user field braze_external_id: unchanged", "group Tier 2: unchanged")

	// What can change is updated in place: a new title and description are
	// sent, and the next run finds nothing to do.
	field.Title, group.Description = "Braze ID", "Bot escalations"
	var drift flow.Report
	run(&drift)
	wantActions(t, drift, "user field braze_external_id: updated", "group Tier 2: updated")
	var repaired flow.Report
	run(&repaired)
	wantActions(t, repaired, "user field braze_external_id: unchanged", "group Tier 2: unchanged")

	// A field of the key with another type is left alone and reported.
	fake2, zc2 := newZendesk(t)
	if _, err := fake2.AddUserField(zendesktest.UserField{Key: "braze_external_id", Title: "Braze", Type: "integer"}); err != nil {
		t.Fatal(err)
	}
	fake2.ResetRequests()
	var manual flow.Report
	if _, err := flow.EnsureUserField(ctx, zc2, field, &manual); err != nil {
		t.Fatal(err)
	}
	onlyGETs(t, fake2)
	wantActions(t, manual, "user field braze_external_id: manual")
	if manual.Changed() || !strings.Contains(manual.String(), `type: integer → text`) {
		t.Errorf("report:\n%s", manual)
	}
}

// A side that fails ends the helper with an error that names the item and
// keeps the kind of the failure; nothing is added to the report.
func TestEnsureFailuresNameTheItem(t *testing.T) {
	t.Parallel()
	fake, zc := newZendesk(t)
	ctx := t.Context()
	fake.InjectFault(zendesktest.Fault{Method: "GET", Path: "/api/v2/trigger_categories", Status: 403, Body: `{"error":"Forbidden","description":"no"}`})
	var rep flow.Report
	_, err := flow.EnsureTriggerCategory(ctx, zc, zendesk.TriggerCategory{Name: "Braze SMS"}, &rep)
	if !errors.Is(err, deskbridge.ErrForbidden) || !strings.Contains(err.Error(), `looking for the zendesk trigger category "Braze SMS"`) {
		t.Errorf("find: %v", err)
	}
	fake.InjectFault(zendesktest.Fault{Method: "POST", Path: "/api/v2/groups", Status: 422,
		Body: `{"error":"RecordInvalid","description":"Record validation errors","details":{"name":[{"description":"Name: is too long"}]}}`})
	_, err = flow.EnsureGroup(ctx, zc, zendesk.Group{Name: "Tier 2"}, &rep)
	if !errors.Is(err, deskbridge.ErrInvalid) || !strings.Contains(err.Error(), `creating the zendesk group "Tier 2"`) {
		t.Errorf("create: %v", err)
	}
	f, err := flow.EnsureTicketField(ctx, zc, zendesk.TicketField{Title: "Order", Type: zendesk.FieldInteger, Required: zendesk.Ptr(true)}, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zc.TicketFields.Update(ctx, f.ID, &zendesk.TicketField{Required: zendesk.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	fake.InjectFault(zendesktest.Fault{Method: "PUT", Path: "/api/v2/ticket_fields/", Status: 503})
	noRetry, err := zendesk.NewClient(zendesk.WithBaseURL(fake.URL), zendesk.WithAPIToken(fake.Email, fake.APIToken), zendesk.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = flow.EnsureTicketField(ctx, noRetry, zendesk.TicketField{Title: "Order", Type: zendesk.FieldInteger, Required: zendesk.Ptr(true)}, &rep)
	if !errors.Is(err, deskbridge.ErrUnavailable) || !strings.Contains(err.Error(), `updating the zendesk ticket field "Order" (id `) {
		t.Errorf("update: %v", err)
	}
	wantActions(t, rep, "ticket field Order: created")
}
