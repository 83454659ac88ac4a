package memorialize

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
)

// LookupRequest names what dynamic data is looked up for: the incoming
// contact's ANI (Search ANI), or a record id. At least one is set.
type LookupRequest struct {
	// ANI is the caller's phone number.
	ANI string
	// TicketID is a Zendesk ticket (its requester is looked up too).
	TicketID int64
	// UserID is a Zendesk user.
	UserID int64
}

// Record is one Zendesk record found, with its dynamic data fields.
type Record struct {
	Type   RecordType   `json:"type"`
	ID     int64        `json:"id"`
	Fields []FieldValue `json:"fields"`
}

// FieldValue is one dynamic data field of a record: the field (as
// [ZendeskField.String] names it) and its value as text ("" when empty).
type FieldValue struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// Lookup returns the records found for req with the fields of
// Config.Dynamic (at most [MaxDynamicFields] per record type): the user
// whose phone is the ANI and their open ticket, or the ticket and its
// requester, or the user named. A record type with no dynamic fields is
// not read. No record found is an empty list, not an error.
func (f *Flow) Lookup(ctx context.Context, req LookupRequest) ([]Record, error) {
	req.ANI = strings.TrimSpace(req.ANI)
	if req.ANI == "" && req.TicketID <= 0 && req.UserID <= 0 {
		return nil, fmt.Errorf("memorialize: Lookup needs an ANI, a ticket id or a user id: %w", deskbridge.ErrInvalid)
	}
	wantT, wantU := len(f.cfg.Dynamic[Ticket]) > 0, len(f.cfg.Dynamic[User]) > 0
	var t *zendesk.Ticket
	var u *zendesk.User
	var err error
	switch {
	case req.TicketID > 0:
		if t, err = f.cfg.Zendesk.Tickets.Get(ctx, req.TicketID); err != nil {
			return nil, lookupErr(err)
		}
		if wantU && t != nil && t.RequesterID > 0 {
			if u, err = f.cfg.Zendesk.Users.Get(ctx, t.RequesterID); err != nil {
				return nil, lookupErr(err)
			}
		}
	case req.UserID > 0:
		if u, err = f.cfg.Zendesk.Users.Get(ctx, req.UserID); err != nil {
			return nil, lookupErr(err)
		}
	default:
		if u, err = f.searchUser(ctx, req.ANI); err != nil || u == nil {
			return nil, err
		}
		if wantT {
			if t, err = f.openTicket(ctx, u.ID); err != nil {
				return nil, err
			}
		}
	}
	var out []Record
	if u != nil && wantU {
		out = append(out, Record{Type: User, ID: u.ID, Fields: userValues(u, f.cfg.Dynamic[User])})
	}
	if t != nil && wantT {
		fields, err := f.ticketValues(ctx, t, f.cfg.Dynamic[Ticket])
		if err != nil {
			return nil, err
		}
		out = append(out, Record{Type: Ticket, ID: t.ID, Fields: fields})
	}
	return out, nil
}

// lookupErr makes a missing record no error of the lookup's caller's
// doing but a clear one.
func lookupErr(err error) error {
	return fmt.Errorf("memorialize: lookup: %w", err)
}

func userValues(u *zendesk.User, fields []ZendeskField) []FieldValue {
	out := make([]FieldValue, 0, len(fields))
	for _, fl := range fields {
		var v string
		switch fl.Standard {
		case "name":
			v = u.Name
		case "phone":
			v = u.Phone
		case "notes":
			v = u.Notes
		case "details":
			v = u.Details
		case "external_id":
			v = u.ExternalID
		case "alias":
			v = u.Alias
		default:
			v, _ = u.UserFieldString(fl.Key)
		}
		out = append(out, FieldValue{Field: fl.String(), Value: v})
	}
	return out
}

func (f *Flow) ticketValues(ctx context.Context, t *zendesk.Ticket, fields []ZendeskField) ([]FieldValue, error) {
	out := make([]FieldValue, 0, len(fields))
	for _, fl := range fields {
		var v string
		switch fl.Standard {
		case "subject":
			v = t.Subject
		case "external_id":
			v = t.ExternalID
		default:
			id, err := f.ticketFieldID(ctx, fl)
			if err != nil {
				return nil, err
			}
			if raw, ok := t.CustomFieldValue(id); ok {
				v = rawText(raw)
			}
		}
		out = append(out, FieldValue{Field: fl.String(), Value: v})
	}
	return out, nil
}

// rawText is a JSON value as text: a string's content, null as "", other
// values as written.
func rawText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if string(raw) == "null" {
		return ""
	}
	return string(raw)
}

// DynamicDataHandler serves [Flow.Lookup] over HTTP, for CXone Agent or a
// Studio REST action: GET with the query ani, ticket_id or user_id and the
// Studio secret as [Config].StudioAuth says ("Authorization: Bearer
// <secret>" by default). It answers 200 with
// {"records": [{"type", "id", "fields": [{"field", "value"}]}]}, 400 for
// a request without any of the three, 401 without the secret (or from an
// address StudioAuth does not allow), 404 for a
// record id that does not exist, 503 with Retry-After when Zendesk failed.
func (f *Flow) DynamicDataHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			httpError(w, http.StatusMethodNotAllowed, "use GET")
			return
		}
		if err := f.verify.VerifyRequest(r, nil); err != nil {
			httpError(w, http.StatusUnauthorized, "the Studio secret is missing or wrong")
			return
		}
		q := r.URL.Query()
		req := LookupRequest{ANI: q.Get("ani")}
		for _, p := range []struct {
			name string
			dst  *int64
		}{{"ticket_id", &req.TicketID}, {"user_id", &req.UserID}} {
			if s := q.Get(p.name); s != "" {
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil || n <= 0 {
					httpError(w, http.StatusBadRequest, p.name+" is not a Zendesk id")
					return
				}
				*p.dst = n
			}
		}
		recs, err := f.Lookup(r.Context(), req)
		switch {
		case errors.Is(err, deskbridge.ErrInvalid):
			httpError(w, http.StatusBadRequest, "give ani, ticket_id or user_id")
			return
		case errors.Is(err, deskbridge.ErrNotFound):
			httpError(w, http.StatusNotFound, "no such Zendesk record")
			return
		case err != nil:
			w.Header().Set("Retry-After", strconv.Itoa(int(f.cfg.RetryAfter.Seconds())))
			httpError(w, http.StatusServiceUnavailable, "Zendesk could not be read; try again")
			return
		}
		if recs == nil {
			recs = []Record{}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"records": recs})
	})
}

func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
