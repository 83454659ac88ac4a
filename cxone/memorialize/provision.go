package memorialize

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
)

// ProvisionConfig says what [Provision] sets up.
type ProvisionConfig struct {
	// Zendesk is the client of the Zendesk account to set up. Required.
	Zendesk *zendesk.Client
	// Mapping and Dynamic are the flow's mappings: every custom field they
	// name by Title (tickets) or Key (users) is created when absent; a
	// field named by ID is checked to exist.
	Mapping Mapping
	Dynamic DynamicData
	// DryRun makes Provision read only: the report says what would be
	// created.
	DryRun bool
	// Force is passed to the report (no write-only credential is involved
	// here).
	Force bool
}

// Provision creates the Zendesk custom fields the mappings need, when
// absent, through the flow package's Ensure helpers: a custom ticket
// field per Title (type text, or textarea as its Type says), a custom
// user field per Key (titled Title, else the key). It is idempotent: a
// second run reports every field unchanged. A field named by ID that does
// not exist is reported as [flow.ActionManual]: Provision cannot give a
// field an id.
func Provision(ctx context.Context, pc ProvisionConfig) (flow.Report, error) {
	rep := flow.Report{DryRun: pc.DryRun, Force: pc.Force}
	p := flow.Collector{Flow: "memorialize"}
	if pc.Zendesk == nil {
		p.Add("ProvisionConfig.Zendesk", "", "is nil", "build a client with zendesk.NewClient")
	}
	validateMapping(&p, pc.Mapping, pc.Dynamic)
	if err := p.Err(); err != nil {
		return rep, err
	}
	for _, f := range neededFields(pc.Mapping, pc.Dynamic) {
		var err error
		switch {
		case f.rt == Ticket && f.ID != 0:
			err = checkTicketFieldID(ctx, pc.Zendesk, f.ZendeskField, &rep)
		case f.rt == Ticket:
			_, err = flow.EnsureTicketField(ctx, pc.Zendesk, zendesk.TicketField{Title: f.Title, Type: cmp.Or(f.Type, zendesk.FieldText),
				Description: "Written by deskbridge from CXone (" + f.data + ")"}, &rep)
		default:
			_, err = flow.EnsureUserField(ctx, pc.Zendesk, zendesk.UserField{Key: f.Key, Title: cmp.Or(f.Title, f.Key),
				Type: cmp.Or(f.Type, zendesk.FieldText), Description: "Written by deskbridge from CXone (" + f.data + ")"}, &rep)
		}
		if err != nil {
			return rep, fmt.Errorf("memorialize: provisioning %s: %w", f.ZendeskField, err)
		}
	}
	return rep, nil
}

// needed is a custom field a mapping names.
type needed struct {
	ZendeskField
	rt   RecordType
	data string // what it holds, for its description
}

// neededFields returns the custom fields of m and d, each once, in order.
func neededFields(m Mapping, d DynamicData) []needed {
	var out []needed
	seen := map[string]bool{}
	add := func(rt RecordType, f ZendeskField, data string) {
		if !f.custom() || seen[string(rt)+f.String()] {
			return
		}
		seen[string(rt)+f.String()] = true
		out = append(out, needed{ZendeskField: f, rt: rt, data: data})
	}
	for _, rt := range sortedTypes(m) {
		for _, pr := range m[rt] {
			add(rt, pr.Zendesk, pr.Data)
		}
	}
	for _, rt := range sortedTypes(d) {
		for _, f := range d[rt] {
			add(rt, f, "dynamic data")
		}
	}
	return out
}

// checkTicketFieldID reports whether the ticket field id exists.
func checkTicketFieldID(ctx context.Context, zc *zendesk.Client, f ZendeskField, rep *flow.Report) error {
	ch := flow.Change{Side: flow.SideZendesk, Kind: flow.KindTicketField, Name: f.String(), ID: idText(f.ID)}
	tf, err := zc.TicketFields.Get(ctx, f.ID)
	switch {
	case errors.Is(err, deskbridge.ErrNotFound):
		ch.Action = flow.ActionManual
		ch.Note = "no ticket field has this id: create it in Admin Center > Objects and rules > Tickets > Fields, or name it by Title so that Provision creates it"
	case err != nil:
		return err
	case !slices.Contains([]string{zendesk.FieldText, zendesk.FieldTextarea}, tf.Type):
		ch.Action, ch.Name = flow.ActionManual, tf.Title
		ch.Diff = []flow.FieldDiff{{Field: "type", Old: tf.Type, New: cmp.Or(f.Type, zendesk.FieldText)}}
		ch.Note = "the flow writes text: map a text or multi-line field"
	default:
		ch.Action, ch.Name = flow.ActionUnchanged, tf.Title
	}
	rep.Add(ch)
	return nil
}
