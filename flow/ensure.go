package flow

import (
	"context"
	"fmt"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
)

// spec is one item an Ensure helper looks after: how to find it, create
// it, compare it with what is wanted and update it. ensure runs the steps
// every helper shares, so that each helper says only what is its own.
type spec[T any] struct {
	side, kind, name string
	// want is what is wanted; a dry run that would create the item returns
	// a copy of it.
	want T
	// find returns the item, or nil when there is none.
	find func(ctx context.Context) (*T, error)
	id   func(*T) string
	// shown are the main fields of a creation, for the report.
	shown  []FieldDiff
	create func(ctx context.Context) (*T, error)
	// compare returns the fields that differ and can be updated, the fields
	// that differ and cannot (which make the change ActionManual), and a
	// note for the report.
	compare func(have *T) (diffs, manual []FieldDiff, note string)
	// update changes the item; nil makes every difference manual.
	update func(ctx context.Context, have *T) (*T, error)
	// manualNote says what to do by hand about a manual difference.
	manualNote string
}

// ensure finds s's item and creates it, updates it or leaves it, as
// rep.DryRun allows, adding one Change to rep.
func ensure[T any](ctx context.Context, rep *Report, s spec[T]) (*T, error) {
	have, err := s.find(ctx)
	if err != nil {
		return nil, fmt.Errorf("flow: looking for the %s %s %q: %w", s.side, s.kind, s.name, err)
	}
	ch := Change{Side: s.side, Kind: s.kind, Name: s.name}
	if have == nil {
		ch.Action, ch.Diff = ActionCreated, s.shown
		if rep.DryRun {
			rep.Add(ch)
			want := s.want
			return &want, nil
		}
		got, err := s.create(ctx)
		if err != nil {
			return nil, fmt.Errorf("flow: creating the %s %s %q: %w", s.side, s.kind, s.name, err)
		}
		ch.ID = s.id(got)
		rep.Add(ch)
		return got, nil
	}
	ch.ID = s.id(have)
	diffs, manual, note := s.compare(have)
	ch.Note = note
	switch {
	case len(manual) > 0 || (len(diffs) > 0 && s.update == nil):
		ch.Action, ch.Diff = ActionManual, append(diffs, manual...)
		ch.Note = joinNote(note, s.manualNote)
	case len(diffs) > 0:
		ch.Action, ch.Diff = ActionUpdated, diffs
		if !rep.DryRun {
			got, err := s.update(ctx, have)
			if err != nil {
				return nil, fmt.Errorf("flow: updating the %s %s %q (id %s): %w", s.side, s.kind, s.name, ch.ID, err)
			}
			have = got
		}
	default:
		ch.Action = ActionUnchanged
	}
	rep.Add(ch)
	return have, nil
}

func joinNote(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

// check refuses what every Ensure helper needs: a client and a report.
func check(helper string, zc *zendesk.Client, rep *Report) error {
	if zc == nil {
		return fmt.Errorf("flow: %s needs a *zendesk.Client (build one with zendesk.NewClient): %w", helper, deskbridge.ErrInvalid)
	}
	if rep == nil {
		return fmt.Errorf("flow: %s needs a *Report (its DryRun decides whether anything is written, and the change is added to it): %w", helper, deskbridge.ErrInvalid)
	}
	return nil
}

// differ collects the fields that differ between what a side has and what
// is wanted.
type differ struct{ diffs []FieldDiff }

// str compares two strings exactly, shown quoted.
func (d *differ) str(field, have, want string) {
	if have != want {
		d.diffs = append(d.diffs, FieldDiff{Field: field, Old: quote(have), New: quote(want)})
	}
}

// strIfSet compares a string that is wanted only when it is not empty.
func (d *differ) strIfSet(field, have, want string) {
	if want != "" {
		d.str(field, have, want)
	}
}

// boolIfSet compares a flag that is wanted only when want is not nil; a
// nil have is def.
func (d *differ) boolIfSet(field string, have, want *bool, def bool) {
	if want == nil {
		return
	}
	h := def
	if have != nil {
		h = *have
	}
	if h != *want {
		d.diffs = append(d.diffs, FieldDiff{Field: field, Old: fmt.Sprint(h), New: fmt.Sprint(*want)})
	}
}

// raw records a difference already in display form.
func (d *differ) raw(field, have, want string) {
	if have != want {
		d.diffs = append(d.diffs, FieldDiff{Field: field, Old: have, New: want})
	}
}

func quote(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("%q", s)
}

// shown lists the non-empty fields of a creation, in order, from
// field/value pairs.
func shown(pairs ...string) []FieldDiff {
	var out []FieldDiff
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			out = append(out, FieldDiff{Field: pairs[i], New: pairs[i+1]})
		}
	}
	return out
}
