package zendesktest

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Ticket fields
// (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_fields/):
// the account starts with the system fields an account has (subject,
// description, status, type, priority, group, assignee; not removable),
// created when the ticket fields are first used; custom fields are added
// through the API or AddTicketField. The fake keeps the definitions only:
// ticket values of custom fields are the tickets' own business.

// TicketField is a ticket field as Zendesk writes it. An unset
// regexp_for_validation, tag or agent_description is null.
type TicketField struct {
	ID                  int64               `json:"id"`
	URL                 string              `json:"url"`
	Type                string              `json:"type"`
	Title               string              `json:"title"`
	RawTitle            string              `json:"raw_title"`
	Description         string              `json:"description"`
	RawDescription      string              `json:"raw_description"`
	Position            int                 `json:"position"`
	Active              bool                `json:"active"`
	Required            bool                `json:"required"`
	CollapsedForAgents  bool                `json:"collapsed_for_agents"`
	RegexpForValidation *string             `json:"regexp_for_validation"`
	TitleInPortal       string              `json:"title_in_portal"`
	RawTitleInPortal    string              `json:"raw_title_in_portal"`
	VisibleInPortal     bool                `json:"visible_in_portal"`
	EditableInPortal    bool                `json:"editable_in_portal"`
	RequiredInPortal    bool                `json:"required_in_portal"`
	Tag                 *string             `json:"tag"`
	Removable           bool                `json:"removable"`
	AgentDescription    *string             `json:"agent_description"`
	CustomFieldOptions  []TicketFieldOption `json:"custom_field_options,omitempty"`
	SystemFieldOptions  []TicketFieldOption `json:"system_field_options,omitempty"`
	CreatedAt           time.Time           `json:"created_at"`
	UpdatedAt           time.Time           `json:"updated_at"`
}

// TicketFieldOption is a choice of a tagger or multiselect field (Value is
// the tag it sets), or of a system field such as status.
type TicketFieldOption struct {
	ID      int64  `json:"id,omitempty"`
	Name    string `json:"name"`
	RawName string `json:"raw_name,omitempty"`
	Value   string `json:"value"`
	Default bool   `json:"default"`
}

func (f TicketField) clone() TicketField {
	f.CustomFieldOptions = slices.Clone(f.CustomFieldOptions)
	f.SystemFieldOptions = slices.Clone(f.SystemFieldOptions)
	return f
}

func (f *TicketField) identify(id int64, url string, now time.Time) {
	f.ID, f.URL, f.CreatedAt, f.UpdatedAt = id, url, now, now
}
func (f *TicketField) touch(now time.Time) { f.UpdatedAt = now }

// ticketFieldTypes are the custom field types POST /api/v2/ticket_fields
// creates (the reference's table of them).
var ticketFieldTypes = []string{"text", "textarea", "checkbox", "date", "integer", "decimal", "regexp",
	"partialcreditcard", "multiselect", "tagger", "lookup"}

// ticketFieldTable returns the account's ticket fields, creating the table
// with the system fields on first use. Call it with s.mu held.
func (st *state) ticketFieldTable() *table[int64, *TicketField] {
	if st.ticketFields != nil {
		return st.ticketFields
	}
	st.ticketFields = newTable[int64, *TicketField]()
	opts := func(values ...string) []TicketFieldOption {
		out := make([]TicketFieldOption, len(values))
		for i, v := range values {
			name := strings.ToUpper(v[:1]) + v[1:]
			out[i] = TicketFieldOption{Name: name, Value: v}
		}
		return out
	}
	for i, sys := range []struct {
		typ, title string
		opts       []TicketFieldOption
	}{
		{"subject", "Subject", nil},
		{"description", "Description", nil},
		{"status", "Status", opts(statusOrder...)},
		{"tickettype", "Type", opts(ticketTypes...)},
		{"priority", "Priority", opts(priorities...)},
		{"group", "Group", nil},
		{"assignee", "Assignee", nil},
	} {
		f := &TicketField{Type: sys.typ, Title: sys.title, RawTitle: sys.title, TitleInPortal: sys.title, RawTitleInPortal: sys.title,
			Position: i, Active: true, SystemFieldOptions: sys.opts}
		insert(st.s, st.ticketFields, "/api/v2/ticket_fields/%d.json", f)
	}
	return st.ticketFields
}

func ticketFieldsTable(st *state) *table[int64, *TicketField] { return st.ticketFieldTable() }

type ticketFieldInput struct {
	Type                nullString          `json:"type"`
	Title               nullString          `json:"title"`
	Description         nullString          `json:"description"`
	AgentDescription    nullString          `json:"agent_description"`
	Position            *int                `json:"position"`
	Active              *bool               `json:"active"`
	Required            *bool               `json:"required"`
	CollapsedForAgents  *bool               `json:"collapsed_for_agents"`
	RegexpForValidation nullString          `json:"regexp_for_validation"`
	TitleInPortal       nullString          `json:"title_in_portal"`
	VisibleInPortal     *bool               `json:"visible_in_portal"`
	EditableInPortal    *bool               `json:"editable_in_portal"`
	RequiredInPortal    *bool               `json:"required_in_portal"`
	Tag                 nullString          `json:"tag"`
	CustomFieldOptions  []TicketFieldOption `json:"custom_field_options"`
}

type ticketFieldEnvelope struct {
	TicketField *ticketFieldInput `json:"ticket_field"`
}

// applyTicketField validates in and applies it to f.
func (st *state) applyTicketField(f *TicketField, in *ticketFieldInput, creating bool) error {
	p := problems{}
	switch {
	case creating:
		if in.Type.Set && in.Type.V != "" {
			f.Type = in.Type.V
		}
		if !slices.Contains(ticketFieldTypes, f.Type) {
			p.add("type", "Type", "is not valid", "InvalidValue")
		}
	case in.Type.Set && in.Type.V != f.Type:
		if err := ticketFieldTypeChange(f.Type, in.Type.V); err != nil {
			return err
		}
	}
	if in.Title.Set {
		f.Title, f.RawTitle = strings.TrimSpace(in.Title.V), strings.TrimSpace(in.Title.V)
		if !in.TitleInPortal.Set && (creating || f.TitleInPortal == "") {
			f.TitleInPortal, f.RawTitleInPortal = f.Title, f.Title
		}
	}
	if f.Title == "" {
		p.add("title", "Title", "cannot be blank", "BlankValue")
	}
	if in.TitleInPortal.Set {
		f.TitleInPortal, f.RawTitleInPortal = in.TitleInPortal.V, in.TitleInPortal.V
	}
	if in.Description.Set {
		f.Description, f.RawDescription = in.Description.V, in.Description.V
	}
	if in.AgentDescription.Set {
		f.AgentDescription = nonEmptyPtr(in.AgentDescription)
	}
	if in.RegexpForValidation.Set {
		f.RegexpForValidation = nonEmptyPtr(in.RegexpForValidation)
	}
	if in.Tag.Set {
		f.Tag = nonEmptyPtr(in.Tag)
	}
	for _, b := range []struct {
		dst *bool
		in  *bool
	}{{&f.Active, in.Active}, {&f.Required, in.Required}, {&f.CollapsedForAgents, in.CollapsedForAgents},
		{&f.VisibleInPortal, in.VisibleInPortal}, {&f.EditableInPortal, in.EditableInPortal}, {&f.RequiredInPortal, in.RequiredInPortal}} {
		if b.in != nil {
			*b.dst = *b.in
		}
	}
	if in.Position != nil {
		f.Position = *in.Position
	}
	if in.CustomFieldOptions != nil {
		// The options given replace the field's: one left out is removed.
		// An option keeps its id when the field has one of its value.
		old := f.CustomFieldOptions
		f.CustomFieldOptions = nil
		seen := map[string]bool{}
		for _, o := range in.CustomFieldOptions {
			if strings.TrimSpace(o.Name) == "" || strings.TrimSpace(o.Value) == "" {
				p.add("custom_field_options", "Field options", "need a name and a value", "BlankValue")
				continue
			}
			if seen[o.Value] {
				p.add("custom_field_options", "Field options", "have a duplicate value: "+o.Value, "DuplicateValue")
				continue
			}
			seen[o.Value] = true
			o.RawName = o.Name
			if i := slices.IndexFunc(old, func(e TicketFieldOption) bool { return e.Value == o.Value }); i >= 0 {
				o.ID = old[i].ID
			} else if o.ID == 0 {
				o.ID = st.nextID()
			}
			f.CustomFieldOptions = append(f.CustomFieldOptions, o)
		}
	}
	if (f.Type == "tagger" || f.Type == "multiselect") && len(f.CustomFieldOptions) == 0 {
		p.add("custom_field_options", "Field options", "cannot be blank", "BlankValue")
	}
	return p.err()
}

// nonEmptyPtr is a nullable member: null or "" is unset.
func nonEmptyPtr(n nullString) *string {
	if n.Null || n.V == "" {
		return nil
	}
	return ptr(n.V)
}

// ticketFieldsList answers GET /api/v2/ticket_fields: with page[size] or a
// cursor, cursor pages in id order; without, every field in position
// order, as the reference says.
func (s *Server) ticketFieldsList(c *call) error {
	p, err := c.pageParams(pageBoth, 100)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tb := s.st.ticketFieldTable()
	if p.cursor {
		return paginateTable(c, p, "ticket_fields", tb, same)
	}
	all := tb.values()
	slices.SortStableFunc(all, func(a, b *TicketField) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.ID, b.ID))
	})
	return c.json(200, map[string]any{"ticket_fields": convAll(all, same), "next_page": nil, "previous_page": nil, "count": len(all)})
}

func (s *Server) ticketFieldsCreate(c *call) error {
	var env ticketFieldEnvelope
	if err := c.decodeEnvelope("ticket_field", &env, func() bool { return env.TicketField == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.st.addTicketField(env.TicketField)
	if err != nil {
		return err
	}
	return c.created(f.URL, map[string]any{"ticket_field": *f})
}

// addTicketField validates and stores a new custom field. Call it with
// s.mu held.
func (st *state) addTicketField(in *ticketFieldInput) (*TicketField, error) {
	tb := st.ticketFieldTable()
	f := &TicketField{Type: "text", Active: true, Removable: true, Position: 9999}
	if err := st.applyTicketField(f, in, true); err != nil {
		return nil, err
	}
	insert(st.s, tb, "/api/v2/ticket_fields/%d.json", f)
	return f, nil
}

func (s *Server) ticketFieldGet(c *call) error {
	return show(s, c, "ticket_field", ticketFieldsTable, same)
}

func (s *Server) ticketFieldUpdate(c *call) error {
	var env ticketFieldEnvelope
	if err := c.decodeEnvelope("ticket_field", &env, func() bool { return env.TicketField == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, err := lookup(c, s.st.ticketFieldTable())
	if err != nil {
		return err
	}
	return update(s, c, "ticket_field", stored, TicketField.clone, func(f *TicketField) error {
		return s.st.applyTicketField(f, env.TicketField, false)
	})
}

func (s *Server) ticketFieldDelete(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := lookup(c, s.st.ticketFieldTable())
	if err != nil {
		return err
	}
	if !f.Removable {
		return errSystemFieldDelete()
	}
	s.st.ticketFields.del(f.ID)
	return c.noContent()
}

// --- state accessors ---

// TicketFields returns copies of every ticket field, system fields
// included, in id order.
func (s *Server) TicketFields() []TicketField {
	s.mu.Lock()
	defer s.mu.Unlock()
	return convAll(s.st.ticketFieldTable().values(), func(f *TicketField) TicketField { return f.clone() })
}

// AddTicketField creates a custom ticket field as POST
// /api/v2/ticket_fields would (Type defaults to text; the flags are taken
// as given, so Active false makes an inactive field), and returns it with
// its id. It refuses what the API refuses.
func (s *Server) AddTicketField(f TicketField) (TicketField, error) {
	in := &ticketFieldInput{
		Type: nullString{Set: f.Type != "", V: f.Type}, Title: nullString{Set: true, V: f.Title},
		Description: nullString{Set: f.Description != "", V: f.Description},
		Active:      &f.Active, Required: &f.Required,
		VisibleInPortal: &f.VisibleInPortal, EditableInPortal: &f.EditableInPortal, RequiredInPortal: &f.RequiredInPortal,
		CustomFieldOptions: f.CustomFieldOptions,
	}
	if f.Tag != nil {
		in.Tag = nullString{Set: true, V: *f.Tag}
	}
	if f.AgentDescription != nil {
		in.AgentDescription = nullString{Set: true, V: *f.AgentDescription}
	}
	if f.RegexpForValidation != nil {
		in.RegexpForValidation = nullString{Set: true, V: *f.RegexpForValidation}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	got, err := s.st.addTicketField(in)
	if err != nil {
		return TicketField{}, err
	}
	return got.clone(), nil
}
