package flow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
)

// EnsureTicketField looks after the ticket field titled want.Title
// (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_fields/;
// ticket fields have no key, so the title is how it is found), creating
// it when missing (type text when want.Type is empty). It compares the
// type, and when want sets them the descriptions, the flags (active,
// required, visible, editable and required in the portal), the portal
// title, the tag, the validation pattern and the dropdown options (name
// and value, in order), and updates what differs. A field of the title
// with another type is reported as [ActionManual] and left alone: Zendesk
// offers no way to change a field's type (UNCONFIRMED for the API; see
// unconfirmed.go).
//
// The returned field's ID is what tickets and placeholders use
// ({{ticket.ticket_field_<id>}}); it is 0 only in a dry run that would
// create the field.
func EnsureTicketField(ctx context.Context, zc *zendesk.Client, want zendesk.TicketField, rep *Report) (*zendesk.TicketField, error) {
	if err := check("EnsureTicketField", zc, rep); err != nil {
		return nil, err
	}
	if want.Title == "" {
		return nil, fmt.Errorf("flow: EnsureTicketField: the field needs a Title (by which it is found): %w", deskbridge.ErrInvalid)
	}
	want.ID = 0
	want.Type = cmp(want.Type, zendesk.FieldText)
	return ensure(ctx, rep, spec[zendesk.TicketField]{
		side: SideZendesk, kind: KindTicketField, name: want.Title, want: want,
		find: func(ctx context.Context) (*zendesk.TicketField, error) {
			f, err := zc.TicketFields.FindByTitle(ctx, want.Title)
			if errors.Is(err, deskbridge.ErrNotFound) {
				return nil, nil
			}
			return f, err
		},
		id:     func(f *zendesk.TicketField) string { return idText(f.ID) },
		shown:  shown("type", want.Type, "options", optionsText(want.CustomFieldOptions)),
		create: func(ctx context.Context) (*zendesk.TicketField, error) { return zc.TicketFields.Create(ctx, &want) },
		compare: func(have *zendesk.TicketField) ([]FieldDiff, []FieldDiff, string) {
			var d, m differ
			if fieldTypeFixed() {
				m.raw("type", have.Type, want.Type)
			} else {
				d.raw("type", have.Type, want.Type)
			}
			d.strIfSet("description", have.Description, want.Description)
			d.strIfSet("agent_description", have.AgentDescription, want.AgentDescription)
			d.boolIfSet("active", have.Active, want.Active, true)
			d.boolIfSet("required", have.Required, want.Required, false)
			d.strIfSet("title_in_portal", have.TitleInPortal, want.TitleInPortal)
			d.boolIfSet("visible_in_portal", have.VisibleInPortal, want.VisibleInPortal, false)
			d.boolIfSet("editable_in_portal", have.EditableInPortal, want.EditableInPortal, false)
			d.boolIfSet("required_in_portal", have.RequiredInPortal, want.RequiredInPortal, false)
			d.strIfSet("tag", have.Tag, want.Tag)
			d.strIfSet("regexp_for_validation", have.RegexpForValidation, want.RegexpForValidation)
			if want.CustomFieldOptions != nil {
				d.raw("options", optionsText(have.CustomFieldOptions), optionsText(want.CustomFieldOptions))
			}
			return d.diffs, m.diffs, ""
		},
		update: func(ctx context.Context, have *zendesk.TicketField) (*zendesk.TicketField, error) {
			send := want
			send.Type = "" // never asked to change (see fieldTypeFixed)
			return zc.TicketFields.Update(ctx, have.ID, &send)
		},
		manualNote: "Zendesk cannot change a field's type: give the flow's field another title, or delete this one in Admin Center > Objects and rules > Tickets > Fields",
	})
}

// optionsText shows dropdown options as "name=value" in order.
func optionsText(opts []zendesk.CustomFieldOption) string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Name + "=" + o.Value
	}
	return strings.Join(out, ", ")
}
