package memorialize

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
)

// writable returns the values of vs that are written.
func writable(vs []Value) []Value {
	var out []Value
	for _, v := range vs {
		if v.Skip == "" {
			out = append(out, v)
		}
	}
	return out
}

// writeRecord finds (or creates) the record of type rt for in and writes
// vals into it. A Written with ID 0 means no workflow found or created
// one. requester is the user a created ticket takes (0: none known).
func (f *Flow) writeRecord(ctx context.Context, rt RecordType, in *Interaction, vals []Value, requester int64) (Written, error) {
	w := Written{Type: rt, Values: vals}
	set := writable(vals)
	cid := in.Contact.ContactID
	known, err := f.progress(ctx, rt, cid)
	if err != nil {
		return w, err
	}
	// The record the interaction carries (or found by an earlier attempt).
	varName := f.cfg.Workflows.TicketVariable
	if rt == User {
		varName = f.cfg.Workflows.UserVariable
	}
	// The record an earlier segment of the interaction was written to
	// (a transfer or an unassignment continues it under a new contact id
	// with the same master contact id), when this contact carries none.
	master, err := f.masterProgress(ctx, rt, in)
	if err != nil {
		return w, err
	}
	for _, id := range []int64{known, variableID(in, varName), master} {
		if id == 0 {
			continue
		}
		err := f.update(ctx, in, rt, id, set)
		if errors.Is(err, deskbridge.ErrNotFound) || closedTicket(err) {
			// A stale or mistyped id, or a closed ticket (Zendesk takes no
			// update to it): try the workflows, which find an open ticket
			// or create one.
			continue
		}
		if err != nil {
			return w, err
		}
		w.ID = id
		return w, f.setProgress(ctx, rt, in, id)
	}
	// Search ANI.
	number := searchNumber(in)
	if f.cfg.Workflows.SearchANI && number != "" {
		u, err := f.searchUser(ctx, number)
		if err != nil {
			return w, err
		}
		if u != nil {
			id := u.ID
			if rt == Ticket {
				requester = u.ID
				t, err := f.openTicket(ctx, u.ID)
				if err != nil {
					return w, err
				}
				id = 0
				if t != nil {
					id = t.ID
				}
			}
			if id != 0 {
				if err := f.update(ctx, in, rt, id, set); err != nil {
					return w, err
				}
				w.ID = id
				return w, f.setProgress(ctx, rt, in, id)
			}
		}
	}
	// Create Ticket / Create User.
	switch {
	case rt == User && f.cfg.Workflows.CreateUser && number != "":
		id, err := f.createUser(ctx, in, number, set)
		if err != nil {
			return w, err
		}
		w.ID, w.Created = id, true
		return w, f.setProgress(ctx, rt, in, id)
	case rt == Ticket && f.cfg.Workflows.CreateTicket:
		if requester == 0 {
			// The requester: the user the interaction carries, or found, or
			// created (Create User), without writing any field to them.
			if requester, err = f.knownUser(ctx, in); err != nil {
				return w, err
			}
		}
		t, err := f.ticketInput(ctx, set)
		if err != nil {
			return w, err
		}
		t.RequesterID = requester
		t.Subject = cmp.Or(t.Subject, f.subject(in))
		t.Comment = &zendesk.CommentInput{Body: fmt.Sprintf("CXone %s contact %d.", in.Channel(), cid), Public: new(bool)}
		if err := in.claims.check(ctx); err != nil {
			return w, err
		}
		created, err := f.cfg.Zendesk.Tickets.Create(ctx, t, zendesk.IdempotencyKey("cxone-contact-"+strconv.FormatInt(cid, 10)))
		if err != nil {
			return w, fmt.Errorf("memorialize: creating a ticket for contact %d: %w", cid, err)
		}
		w.ID, w.Created = created.ID, true
		return w, f.setProgress(ctx, rt, in, created.ID)
	}
	return w, nil
}

// knownUser finds (or, with Create User, creates) the user a created
// ticket takes as requester, without writing any field to it; 0 when none.
func (f *Flow) knownUser(ctx context.Context, in *Interaction) (int64, error) {
	w, err := f.writeRecord(ctx, User, in, nil, 0)
	return w.ID, err
}

// subject is the subject of a ticket the flow creates.
func (f *Flow) subject(in *Interaction) string {
	media := in.Contact.MediaTypeName
	if media == "" {
		media = string(in.Channel())
	}
	return strings.NewReplacer("{media}", strings.ToLower(media), "{contact}", idText(in.Contact.ContactID),
		"{ani}", searchNumber(in)).Replace(f.cfg.Workflows.TicketSubject)
}

// searchNumber is the number Search ANI looks for: a voice contact's ANI,
// or a digital contact's address when it is a phone number (SMS).
func searchNumber(in *Interaction) string {
	n := ani(&in.Contact)
	if !in.Digital || looksLikePhone(n) {
		return strings.TrimSpace(n)
	}
	return ""
}

// looksLikePhone reports whether s is a phone number: digits, at least
// five, with +, spaces, dots, dashes and brackets.
func looksLikePhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+ .-()", r):
		default:
			return false
		}
	}
	return digits >= 5
}

// update writes set into the record, if in's claim still holds.
func (f *Flow) update(ctx context.Context, in *Interaction, rt RecordType, id int64, set []Value) error {
	if len(set) == 0 {
		// Nothing to write: only check that the record exists.
		var err error
		if rt == Ticket {
			_, err = f.cfg.Zendesk.Tickets.Get(ctx, id)
		} else {
			_, err = f.cfg.Zendesk.Users.Get(ctx, id)
		}
		return err
	}
	if err := in.claims.check(ctx); err != nil {
		return err
	}
	if rt == Ticket {
		t, err := f.ticketInput(ctx, set)
		if err != nil {
			return err
		}
		if _, err := f.cfg.Zendesk.Tickets.Update(ctx, id, t); err != nil {
			return fmt.Errorf("memorialize: updating ticket %d: %w", id, err)
		}
		return nil
	}
	if _, err := f.cfg.Zendesk.Users.Update(ctx, id, userInput(set)); err != nil {
		return fmt.Errorf("memorialize: updating user %d: %w", id, err)
	}
	return nil
}

// ticketInput puts set into a ticket's fields.
func (f *Flow) ticketInput(ctx context.Context, set []Value) (*zendesk.TicketInput, error) {
	t := &zendesk.TicketInput{}
	for _, v := range set {
		switch v.Field.Standard {
		case "subject":
			t.Subject = v.Text
			continue
		case "external_id":
			t.ExternalID = v.Text
			continue
		}
		id, err := f.ticketFieldID(ctx, v.Field)
		if err != nil {
			return nil, err
		}
		cf, err := zendesk.NewCustomField(id, v.Text)
		if err != nil {
			return nil, err
		}
		t.CustomFields = append(t.CustomFields, cf)
	}
	return t, nil
}

// userInput puts set into a user's fields.
func userInput(set []Value) *zendesk.UserInput {
	u := &zendesk.UserInput{}
	for _, v := range set {
		switch v.Field.Standard {
		case "name":
			u.Name = v.Text
		case "phone":
			u.Phone = v.Text
		case "notes":
			u.Notes = v.Text
		case "details":
			u.Details = v.Text
		case "external_id":
			u.ExternalID = v.Text
		case "alias":
			u.Alias = v.Text
		default:
			if u.UserFields == nil {
				u.UserFields = map[string]any{}
			}
			u.UserFields[v.Field.Key] = v.Text
		}
	}
	return u
}

// createUser creates an end user with the contact's number and name, and
// set.
func (f *Flow) createUser(ctx context.Context, in *Interaction, number string, set []Value) (int64, error) {
	u := userInput(set)
	u.Role = zendesk.RoleEndUser
	u.Phone = cmp.Or(u.Phone, number)
	u.Name = cmp.Or(u.Name, cmp.Or(customerName(&in.Contact), number))
	if err := in.claims.check(ctx); err != nil {
		return 0, err
	}
	var created *zendesk.User
	var err error
	if u.ExternalID == "" {
		u.ExternalID = aniExternalID(number)
	}
	if u.ExternalID != "" {
		// A retry after a lost answer finds the user the first attempt
		// created (Zendesk matches external ids), and so does the next
		// contact from the number.
		created, _, err = f.cfg.Zendesk.Users.CreateOrUpdate(ctx, u)
	} else {
		created, err = f.cfg.Zendesk.Users.Create(ctx, u) // no digits to make an external id of
	}
	if err != nil {
		return 0, fmt.Errorf("memorialize: creating a user for contact %d: %w", in.Contact.ContactID, err)
	}
	return created.ID, nil
}

// aniExternalID is the external_id of a user the Create User workflow
// creates: "cxone-ani:" and the number's digits (with its leading +), ""
// when it has none.
func aniExternalID(number string) string {
	d := phoneDigits(number)
	if strings.TrimPrefix(d, "+") == "" {
		return ""
	}
	return "cxone-ani:" + d
}

// phoneDigits is number's digits, after a + when it starts with one:
// nothing of Zendesk's search syntax (quotes, wildcards, terms) survives.
func phoneDigits(number string) string {
	number = strings.TrimSpace(number)
	var b strings.Builder
	if strings.HasPrefix(number, "+") {
		b.WriteByte('+')
	}
	for _, r := range number {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// searchUser returns the user whose phone is number, nil when none.
func (f *Flow) searchUser(ctx context.Context, number string) (*zendesk.User, error) {
	if strings.TrimPrefix(phoneDigits(number), "+") == "" {
		return nil, nil // no digits: no phone to search for
	}
	page, err := f.cfg.Zendesk.Users.SearchPage(ctx, phoneQuery(number), nil)
	if err != nil {
		return nil, fmt.Errorf("memorialize: searching Zendesk users by phone: %w", err)
	}
	if len(page.Items) == 0 {
		return nil, nil
	}
	return page.Items[0], nil
}

// openTicket returns the user's most recently updated open ticket, nil
// when none.
func (f *Flow) openTicket(ctx context.Context, userID int64) (*zendesk.Ticket, error) {
	page, err := f.cfg.Zendesk.Search.QueryPage(ctx, openTicketQuery(userID),
		&zendesk.SearchOptions{SortBy: "updated_at", SortOrder: "desc"})
	if err != nil {
		return nil, fmt.Errorf("memorialize: searching the open tickets of user %d: %w", userID, err)
	}
	for _, r := range page.Items {
		if r.Ticket != nil {
			return r.Ticket, nil
		}
	}
	return nil, nil
}

// ticketFieldID returns a custom ticket field's id: its ID, or the id of
// the field titled Title, read once per process.
func (f *Flow) ticketFieldID(ctx context.Context, fld ZendeskField) (int64, error) {
	if fld.ID != 0 {
		return fld.ID, nil
	}
	f.mu.Lock()
	id, ok := f.ticketFields[fld.Title]
	f.mu.Unlock()
	if ok {
		return id, nil
	}
	tf, err := f.cfg.Zendesk.TicketFields.FindByTitle(ctx, fld.Title)
	if errors.Is(err, deskbridge.ErrNotFound) {
		return 0, fmt.Errorf("memorialize: Zendesk has no ticket field titled %q: run Provision, or name the field by ID", fld.Title)
	} else if err != nil {
		return 0, fmt.Errorf("memorialize: finding the ticket field %q: %w", fld.Title, err)
	}
	f.mu.Lock()
	f.ticketFields[fld.Title] = tf.ID
	f.mu.Unlock()
	return tf.ID, nil
}
