package flow_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func contactField() zendesk.TicketField {
	return zendesk.TicketField{
		Type: zendesk.TicketFieldTagger, Title: "Contact channel", AgentDescription: "Set by the CXone flow",
		Active: zendesk.Ptr(true),
		CustomFieldOptions: []zendesk.CustomFieldOption{
			{Name: "Voice", Value: "cxone_voice"}, {Name: "Chat", Value: "cxone_chat"},
		},
	}
}

func TestEnsureTicketFieldLifecycle(t *testing.T) {
	t.Parallel()
	fake, zc := newZendesk(t)
	ctx := t.Context()

	fake.ResetRequests()
	plan := flow.Report{DryRun: true}
	f, err := flow.EnsureTicketField(ctx, zc, contactField(), &plan)
	if err != nil {
		t.Fatal(err)
	}
	onlyGETs(t, fake)
	wantActions(t, plan, "ticket field Contact channel: created")
	if f.ID != 0 || len(fake.TicketFields()) != 7 {
		t.Errorf("dry run: id %d, %d fields", f.ID, len(fake.TicketFields()))
	}

	var rep flow.Report
	f, err = flow.EnsureTicketField(ctx, zc, contactField(), &rep)
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, rep, "ticket field Contact channel: created")
	if f.ID == 0 || rep.Changes[0].ID == "" {
		t.Fatalf("created %+v", f)
	}

	var again flow.Report
	if _, err := flow.EnsureTicketField(ctx, zc, contactField(), &again); err != nil {
		t.Fatal(err)
	}
	wantActions(t, again, "ticket field Contact channel: unchanged")

	// Drift: an admin renames an option and deactivates the field.
	if _, err := zc.TicketFields.Update(ctx, f.ID, &zendesk.TicketField{Active: zendesk.Ptr(false),
		CustomFieldOptions: []zendesk.CustomFieldOption{{Name: "Phone", Value: "cxone_voice"}, {Name: "Chat", Value: "cxone_chat"}}}); err != nil {
		t.Fatal(err)
	}
	fake.ResetRequests()
	dry := flow.Report{DryRun: true}
	if _, err := flow.EnsureTicketField(ctx, zc, contactField(), &dry); err != nil {
		t.Fatal(err)
	}
	onlyGETs(t, fake)
	wantDiff := []flow.FieldDiff{
		{Field: "active", Old: "false", New: "true"},
		{Field: "options", Old: "Phone=cxone_voice, Chat=cxone_chat", New: "Voice=cxone_voice, Chat=cxone_chat"},
	}
	if !slices.Equal(dry.Changes[0].Diff, wantDiff) {
		t.Errorf("diff %v", dry.Changes[0].Diff)
	}
	var fix flow.Report
	if _, err := flow.EnsureTicketField(ctx, zc, contactField(), &fix); err != nil {
		t.Fatal(err)
	}
	wantActions(t, fix, "ticket field Contact channel: updated")
	var last flow.Report
	if _, err := flow.EnsureTicketField(ctx, zc, contactField(), &last); err != nil || last.Changed() {
		t.Errorf("after repair: %v\n%s", err, last)
	}
}

func TestEnsureTicketFieldOfAnotherTypeIsManual(t *testing.T) {
	t.Parallel()
	fake, zc := newZendesk(t)
	if _, err := fake.AddTicketField(zendesktest.TicketField{Title: "Contact channel", Type: "text", Active: true}); err != nil {
		t.Fatal(err)
	}
	fake.ResetRequests()
	var rep flow.Report
	f, err := flow.EnsureTicketField(t.Context(), zc, contactField(), &rep)
	if err != nil {
		t.Fatal(err)
	}
	onlyGETs(t, fake)
	wantActions(t, rep, "ticket field Contact channel: manual")
	if f.Type != "text" || rep.Changed() || !strings.Contains(rep.String(), "cannot change a field's type") {
		t.Errorf("field %+v\n%s", f, rep)
	}
}
