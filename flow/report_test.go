package flow_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/flow"
)

func sampleReport(dryRun bool) flow.Report {
	return flow.Report{DryRun: dryRun, Changes: []flow.Change{
		{Side: flow.SideZendesk, Kind: flow.KindWebhook, Name: "Braze SMS bridge", Action: flow.ActionCreated,
			Diff: []flow.FieldDiff{{Field: "endpoint", New: `"https://sms.example.com/zendesk"`}, {Field: "authentication", New: "none"}}},
		{Side: flow.SideZendesk, Kind: flow.KindTrigger, Name: "Reply by Braze SMS", ID: "10031", Action: flow.ActionUpdated,
			Diff: []flow.FieldDiff{{Field: "active", Old: "false", New: "true"}}},
		{Side: flow.SideZendesk, Kind: flow.KindUserField, Name: "braze_external_id", ID: "10007", Action: flow.ActionUnchanged},
		{Side: flow.SideZendesk, Kind: flow.KindTicketField, Name: "Contact channel", ID: "10040", Action: flow.ActionManual,
			Diff: []flow.FieldDiff{{Field: "type", Old: "text", New: "tagger"}}, Note: "Zendesk cannot change a field's type"},
		{Side: flow.SideBabelforce, Kind: flow.KindSecret, Name: "zendesk.webhook", Action: flow.ActionSkipped, Note: "no ZendeskCredential given"},
	}}
}

func TestReportStringGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rep  flow.Report
		want string
	}{
		{"plan", sampleReport(true), `+ create     zendesk webhook "Braze SMS bridge"
               endpoint = "https://sms.example.com/zendesk"
               authentication = none
~ update     zendesk trigger "Reply by Braze SMS" (id 10031)
               active: false → true
= unchanged  zendesk user field "braze_external_id" (id 10007)
! manual     zendesk ticket field "Contact channel" (id 10040)
               type: text → tagger
               # Zendesk cannot change a field's type
- skipped    babelforce secret "zendesk.webhook"
               # no ZendeskCredential given
Plan: 1 to create, 1 to update, 1 unchanged, 1 to fix by hand, 1 skipped.
`},
		{"apply", sampleReport(false), `+ created    zendesk webhook "Braze SMS bridge"
               endpoint = "https://sms.example.com/zendesk"
               authentication = none
~ updated    zendesk trigger "Reply by Braze SMS" (id 10031)
               active: false → true
= unchanged  zendesk user field "braze_external_id" (id 10007)
! manual     zendesk ticket field "Contact channel" (id 10040)
               type: text → tagger
               # Zendesk cannot change a field's type
- skipped    babelforce secret "zendesk.webhook"
               # no ZendeskCredential given
Applied: 1 created, 1 updated, 1 unchanged, 1 to fix by hand, 1 skipped.
`},
		{"nothing to do", flow.Report{DryRun: true, Changes: []flow.Change{
			{Side: "zendesk", Kind: "group", Name: "Tier 2", ID: "7", Action: flow.ActionUnchanged},
			{Side: "zendesk", Kind: "webhook", Name: "x", ID: "01H", Action: flow.ActionUnchanged, Note: "credentials not compared"},
		}}, `= unchanged  zendesk group "Tier 2" (id 7)
= unchanged  zendesk webhook "x" (id 01H)
               # credentials not compared
No changes: all 2 items are as wanted.
`},
		{"empty", flow.Report{}, "Nothing to provision.\n"},
	} {
		if got := tc.rep.String(); got != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

func TestReportChangedCountAndMerge(t *testing.T) {
	t.Parallel()
	a := flow.Report{Changes: []flow.Change{{Action: flow.ActionUnchanged}, {Action: flow.ActionManual}}}
	if a.Changed() {
		t.Error("unchanged and manual items are not changes")
	}
	b := sampleReport(true)
	var all flow.Report
	all.Merge(a, b)
	if !all.DryRun || all.Force || len(all.Changes) != 7 || all.Count(flow.ActionUnchanged) != 2 || all.Count(flow.ActionManual) != 2 || !all.Changed() {
		t.Errorf("merged %+v", all)
	}
	all.Add(flow.Change{Action: flow.ActionCreated})
	if all.Count(flow.ActionCreated) != 2 {
		t.Error("Add")
	}
	var forced flow.Report
	forced.Merge(flow.Report{Force: true})
	if !forced.Force || forced.DryRun {
		t.Errorf("forced %+v", forced)
	}
	if got := (flow.Report{Changes: []flow.Change{{Action: flow.ActionSkipped}}}).Summary(); got != "No changes: all 0 items are as wanted (1 skipped)." {
		t.Errorf("summary %q", got)
	}
}

func TestFieldDiffString(t *testing.T) {
	t.Parallel()
	for d, want := range map[flow.FieldDiff]string{
		{Field: "endpoint", Old: `"a"`, New: `"b"`}: `endpoint: "a" → "b"`,
		{Field: "description", New: `"x"`}:          `description: (none) → "x"`,
		{Field: "tag", Old: `"x"`}:                  `tag: "x" → (none)`,
	} {
		if got := d.String(); got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}

func TestReportFind(t *testing.T) {
	t.Parallel()
	r := sampleReport(false)
	if c, ok := r.Find(flow.SideZendesk, flow.KindTrigger, ""); !ok || c.ID != "10031" {
		t.Errorf("any trigger: %+v %v", c, ok)
	}
	if c, ok := r.Find(flow.SideZendesk, flow.KindUserField, "braze_external_id"); !ok || c.ID != "10007" {
		t.Errorf("by name: %+v %v", c, ok)
	}
	for _, q := range [][3]string{{flow.SideZendesk, flow.KindTrigger, "nope"}, {flow.SideBraze, flow.KindWebhook, ""}} {
		if _, ok := r.Find(q[0], q[1], q[2]); ok {
			t.Errorf("found %v", q)
		}
	}
}

// A report logged with slog shows its counts and items, never a Note or a
// Diff (which may hold a secret shown once).
func TestReportLogValueLeavesNotesOut(t *testing.T) {
	t.Parallel()
	r := flow.Report{Changes: []flow.Change{
		{Side: flow.SideZendesk, Kind: "app key", Name: "Dydu livechat", ID: "app_1", Action: flow.ActionCreated,
			Note: "secret: sk-shown-once", Diff: []flow.FieldDiff{{Field: "secret", New: "sk-shown-once"}}},
		{Side: flow.SideZendesk, Kind: flow.KindWebhook, Name: "hook", ID: "w1", Action: flow.ActionUnchanged},
	}}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("provisioned", "report", r)
	out := buf.String()
	if strings.Contains(out, "sk-shown-once") {
		t.Errorf("the log holds a note or diff: %s", out)
	}
	for _, want := range []string{`"created":1`, `"unchanged":1`, `"name":"Dydu livechat"`, `"id":"w1"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s: %s", want, out)
		}
	}
	if !strings.Contains(r.String(), "sk-shown-once") {
		t.Error("String lost the note: it is what the person at the terminal reads")
	}
}
