package flow

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Action is what provisioning did to one item, or in a dry run what it
// would do: the same values serve both, and [Report.DryRun] says which.
type Action string

// Actions.
const (
	// ActionCreated: the item was missing and was (would be) created.
	ActionCreated Action = "created"
	// ActionUpdated: the item differed and was (would be) updated; the
	// Change's Diff says what differed.
	ActionUpdated Action = "updated"
	// ActionUnchanged: the item is as wanted.
	ActionUnchanged Action = "unchanged"
	// ActionSkipped: the item was not looked after (an optional input is
	// missing); the Change's Note says why.
	ActionSkipped Action = "skipped"
	// ActionManual: the item differs in a way provisioning does not change (a
	// field's type, which Zendesk cannot change, or an object the API
	// cannot update); the Change's Diff says what differs and its Note what
	// to do by hand.
	ActionManual Action = "manual"
)

// symbol is the mark of a in [Report.String], as in a terraform plan.
func (a Action) symbol() string {
	switch a {
	case ActionCreated:
		return "+"
	case ActionUpdated:
		return "~"
	case ActionUnchanged:
		return "="
	case ActionSkipped:
		return "-"
	case ActionManual:
		return "!"
	}
	return "?"
}

// verb is a in the dry run's words ("create") or the run's ("created").
func (a Action) verb(dryRun bool) string {
	if !dryRun {
		return string(a)
	}
	switch a {
	case ActionCreated:
		return "create"
	case ActionUpdated:
		return "update"
	}
	return string(a)
}

// Sides of a [Change]: the system the item lives in.
const (
	SideZendesk       = "zendesk"
	SideBabelforce    = "babelforce"
	SideBraze         = "braze"
	SideCXone         = "cxone"
	SideBrightPattern = "brightpattern"
	SideDydu          = "dydu"
	SideConversations = "sunshine conversations"
)

// Kinds of a [Change]: what the item is. Flows may use kinds of their own.
const (
	KindWebhook         = "webhook"
	KindTrigger         = "trigger"
	KindTriggerCategory = "trigger category"
	KindUserField       = "user field"
	KindTicketField     = "ticket field"
	KindGroup           = "group"
	KindPresence        = "presence"
	KindSecret          = "secret"
)

// FieldDiff is one field of an item that differs: Old is what the side
// has, New what is wanted. Both are display forms (strings quoted by the
// helper that made them); a credential is never shown, only its kind.
type FieldDiff struct {
	Field    string
	Old, New string
}

// String returns `Field: Old → New`, with an empty Old or New shown as
// "(none)".
func (d FieldDiff) String() string {
	return d.Field + ": " + orNone(d.Old) + " → " + orNone(d.New)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Change is one item provisioning looked after: what it is, where, and
// what was (would be) done to it.
type Change struct {
	// Side is the system, e.g. [SideZendesk].
	Side string
	// Kind is what the item is, e.g. [KindWebhook].
	Kind string
	// Name is the name the item is found by on the next run (a webhook's
	// name, a trigger's title, a user field's key).
	Name string
	// ID is the item's id on its side; empty for an item a dry run would
	// create.
	ID string
	// Action is what was (would be) done.
	Action Action
	// Diff lists the fields that differ ([ActionUpdated], [ActionManual]),
	// or the main fields of an item created (Old empty).
	Diff []FieldDiff
	// Note says more: why nothing was done, what was not compared, what to
	// do by hand.
	Note string
}

// title is the change's item on one line: side kind "name" (id ID).
func (c Change) title() string {
	s := fmt.Sprintf("%s %s %q", c.Side, c.Kind, c.Name)
	if c.ID != "" {
		s += " (id " + c.ID + ")"
	}
	return s
}

// Report is what a flow's Provision did, or in a dry run would do: one
// [Change] per item, on every side. Every flow returns this type, so that
// a command can print and merge the plans of several flows.
//
// DryRun and Force are the run's settings, read by the Ensure helpers
// ([EnsureWebhook], ...): set them before provisioning.
type Report struct {
	// DryRun makes provisioning read only: nothing is created or updated,
	// and the changes say what would be.
	DryRun bool
	// Force re-sends write-only credentials (a webhook's authentication, a
	// vault secret) even when present: no API shows them, so a run cannot
	// tell whether they changed.
	Force bool
	// Changes are the items looked after, in order.
	Changes []Change
}

// Add appends c to the report.
func (r *Report) Add(c Change) { r.Changes = append(r.Changes, c) }

// Merge appends the changes of others to r, in order (the reports of
// several flows, or of a flow's steps). The result is a dry run if any of
// them is, and forced if any of them is.
func (r *Report) Merge(others ...Report) {
	for _, o := range others {
		r.DryRun = r.DryRun || o.DryRun
		r.Force = r.Force || o.Force
		r.Changes = append(r.Changes, o.Changes...)
	}
}

// Find returns the first change of side and kind named name (any name
// when name is empty), for example a webhook's, whose ID a flow needs to
// read the signing secret with [SigningSecret]:
//
//	if ch, ok := rep.Find(flow.SideZendesk, flow.KindWebhook, ""); ok { secret, err = flow.SigningSecret(ctx, zc, ch.ID) }
func (r Report) Find(side, kind, name string) (Change, bool) {
	for _, c := range r.Changes {
		if c.Side == side && c.Kind == kind && (name == "" || c.Name == name) {
			return c, true
		}
	}
	return Change{}, false
}

// Changed reports whether anything was (would be) created or updated. A
// plan with Changed false needs no apply.
func (r Report) Changed() bool {
	return r.Count(ActionCreated)+r.Count(ActionUpdated) > 0
}

// Count returns how many changes have action a.
func (r Report) Count(a Action) int {
	n := 0
	for _, c := range r.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

// String formats the report like a terraform plan: one line per item,
// marked "+" create, "~" update, "=" unchanged, "-" skipped, "!" manual,
// each update followed by its fields as old → new and each note as a "#"
// line, then a summary. A dry run says "create", "update", an applied run
// "created", "updated".
func (r Report) String() string {
	if len(r.Changes) == 0 {
		return "Nothing to provision.\n"
	}
	var b strings.Builder
	width := 0
	for _, c := range r.Changes {
		width = max(width, len(c.Action.verb(r.DryRun)))
	}
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "%s %-*s  %s\n", c.Action.symbol(), width, c.Action.verb(r.DryRun), c.title())
		pad := strings.Repeat(" ", width+6) // under the title, two in
		for _, d := range c.Diff {
			if c.Action == ActionCreated && d.Old == "" {
				fmt.Fprintf(&b, "%s%s = %s\n", pad, d.Field, orNone(d.New))
				continue
			}
			fmt.Fprintf(&b, "%s%s\n", pad, d)
		}
		if c.Note != "" {
			for line := range strings.SplitSeq(c.Note, "\n") {
				fmt.Fprintf(&b, "%s# %s\n", pad, line)
			}
		}
	}
	b.WriteString(r.Summary())
	b.WriteByte('\n')
	return b.String()
}

// Summary returns the report's last line: the counts of each action, e.g.
// "Plan: 1 to create, 1 to update, 3 unchanged." in a dry run or
// "Applied: 1 created, 1 updated, 3 unchanged." otherwise, or "No changes:
// all 5 items are as wanted." when nothing was (would be) created or
// updated and nothing is left to do by hand.
func (r Report) Summary() string {
	manual, skipped := r.Count(ActionManual), r.Count(ActionSkipped)
	if !r.Changed() && manual == 0 {
		s := fmt.Sprintf("No changes: all %d items are as wanted", len(r.Changes)-skipped)
		if skipped > 0 {
			s += fmt.Sprintf(" (%d skipped)", skipped)
		}
		return s + "."
	}
	var parts []string
	add := func(n int, dry, done string) {
		if n == 0 {
			return
		}
		if r.DryRun {
			parts = append(parts, fmt.Sprintf("%d %s", n, dry))
		} else {
			parts = append(parts, fmt.Sprintf("%d %s", n, done))
		}
	}
	add(r.Count(ActionCreated), "to create", "created")
	add(r.Count(ActionUpdated), "to update", "updated")
	add(r.Count(ActionUnchanged), "unchanged", "unchanged")
	add(manual, "to fix by hand", "to fix by hand")
	add(skipped, "skipped", "skipped")
	head := "Applied: "
	if r.DryRun {
		head = "Plan: "
	}
	return head + strings.Join(parts, ", ") + "."
}

// LogValue implements [slog.LogValuer]: a report logged with slog shows
// whether it was a dry run, its counts and each change's side, kind,
// name, id and action, but no Note and no Diff. Those are for the person
// reading [Report.String] at a terminal, and may hold what is shown only
// once (the secret of a key provisioning created, say), which must not
// reach a log.
func (r Report) LogValue() slog.Value {
	changes := make([]slog.Attr, 0, len(r.Changes))
	for i, c := range r.Changes {
		changes = append(changes, slog.Group(strconv.Itoa(i),
			slog.String("side", c.Side), slog.String("kind", c.Kind), slog.String("name", c.Name),
			slog.String("id", c.ID), slog.String("action", string(c.Action))))
	}
	return slog.GroupValue(
		slog.Bool("dry_run", r.DryRun),
		slog.Int("created", r.Count(ActionCreated)), slog.Int("updated", r.Count(ActionUpdated)),
		slog.Int("unchanged", r.Count(ActionUnchanged)), slog.Int("manual", r.Count(ActionManual)),
		slog.Int("skipped", r.Count(ActionSkipped)),
		slog.Attr{Key: "changes", Value: slog.GroupValue(changes...)},
	)
}
