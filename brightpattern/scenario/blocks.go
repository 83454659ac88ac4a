package scenario

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Variables the steps set besides their own.
const (
	// VarResultCode and VarResultBody hold the HTTP status and body of the
	// last Zendesk API Request, Create Object or Update Object step, as
	// Bright Pattern names them
	// (https://help.brightpattern.com/5.19:Scenario-builder-reference-guide/ScenarioBlocks/ZendeskAPIRequest).
	VarResultCode = "integrationResultCode"
	VarResultBody = "integrationResultBody"
	// DefaultTicketVariable is the variable [ScreenPop] sets to the ticket
	// it popped or created, and [AttachData] reads by default.
	DefaultTicketVariable = "ticket_id"
	// DefaultAgent is the agent [ScreenPop] pops to: the Bright Pattern
	// agent the interaction is delivered to.
	DefaultAgent = "$(user.loginId)"
)

// SelectAccount is the Zendesk Select Account block: the integration
// account that later steps use (until another SelectAccount). Without it
// every step uses the Default account.
type SelectAccount struct {
	Exits
	// Account names the integration account; it may hold $(var).
	Account string
	// Map, when set, maps the value of Account to an account name first,
	// e.g. the number dialled to the brand's account:
	// Account "$(item.DNIS)", Map {"+18005550199": "support"}. A value not
	// in Map is taken as an account name.
	Map map[string]string
}

func (*SelectAccount) block() string { return "Zendesk Select Account" }

func (s *SelectAccount) check() []string {
	if strings.TrimSpace(s.Account) == "" {
		return []string{"Account is empty: name an integration account"}
	}
	return nil
}

func (s *SelectAccount) run(_ context.Context, e *env) (Exit, string, error) {
	name, err := e.sub("Account", s.Account)
	if err != nil {
		return ExitFailed, "", err
	}
	if mapped, ok := s.Map[name]; ok {
		name = mapped
	}
	if _, err := e.f.accounts.Select(name); err != nil {
		return ExitFailed, "", asBadInput(err)
	}
	e.account = name
	return ExitNext, "account " + name, nil
}

// Search is the Zendesk Search block: a Zendesk search query
// (https://support.zendesk.com/hc/en-us/articles/4408886879258) whose
// results become a recordset: the first record's columns in
// "<Recordset>.<column>" (every member of the result as the Search API
// returns it: id, result_type, name, phone, subject, status…), their
// number in "<Recordset>.__count__". [NextRecord] moves to the next
// record. Exits: No Data when nothing is found, Failed when the search
// fails.
type Search struct {
	Exits
	// Query is the search string; it may hold $(var), e.g.
	// `type:user phone:"$(item.ANI)"`. Each value is put in as one search
	// term ([SubstituteSearch]), so that a caller's number or name cannot
	// add a condition of its own.
	Query string
	// Recordset names the recordset.
	Recordset string
	// MaxResults is the most records kept; 0 means [DefaultMaxResults],
	// and it cannot pass zendesk.MaxSearchResults.
	MaxResults int
	// RawValues puts the values into Query as they are ([Substitute]), so
	// that a variable may hold search syntax ("status<solved"). Only for
	// variables the scenario's admin controls: a caller's value (ANI, a
	// chat's from) could then widen the search, e.g. to every admin.
	RawValues bool
}

func (*Search) block() string { return "Zendesk Search" }

func (s *Search) check() []string {
	var p []string
	if strings.TrimSpace(s.Query) == "" {
		p = append(p, "Query is empty: give a Zendesk search string")
	}
	p = append(p, checkName("Recordset", s.Recordset)...)
	if s.MaxResults < 0 || s.MaxResults > zendesk.MaxSearchResults {
		p = append(p, fmt.Sprintf("MaxResults %d is outside 0..%d", s.MaxResults, zendesk.MaxSearchResults))
	}
	return p
}

func (s *Search) run(ctx context.Context, e *env) (Exit, string, error) {
	substitute := SubstituteSearch
	if s.RawValues {
		substitute = Substitute
	}
	q, err := e.subWith("Query", s.Query, substitute)
	if err != nil {
		return ExitFailed, "", err
	}
	zc, err := e.client()
	if err != nil {
		return ExitFailed, "", err
	}
	limit := s.MaxResults
	if limit == 0 {
		limit = DefaultMaxResults
	}
	opts := &zendesk.SearchOptions{OffsetOptions: zendesk.OffsetOptions{PerPage: min(limit, zendesk.MaxPageSize)}}
	rs := &recordset{name: s.Recordset}
	for hit, err := range zc.Search.Query(ctx, q, opts) {
		if err != nil {
			return ExitFailed, "", fmt.Errorf("searching %q: %w", q, err)
		}
		row, err := rowOf(hit.Raw)
		if err != nil {
			return ExitFailed, "", fmt.Errorf("searching %q: a result: %w", q, err)
		}
		rs.rows = append(rs.rows, row)
		if len(rs.rows) >= limit {
			break
		}
	}
	if old, ok := e.recordsets[s.Recordset]; ok {
		e.clearRow(old)
	}
	e.recordsets[s.Recordset] = rs
	e.set(s.Recordset+".__count__", strconv.Itoa(len(rs.rows)))
	if len(rs.rows) == 0 {
		return ExitNoData, "no record", nil
	}
	e.showRow(rs)
	return ExitNext, fmt.Sprintf("%d record(s)", len(rs.rows)), nil
}

// NextRecord is the Get Next Record block: the next record of a
// [Search]'s recordset replaces the current one in its variables; No Data
// when there is none left.
type NextRecord struct {
	Exits
	// Recordset names the recordset of an earlier Search.
	Recordset string
}

func (*NextRecord) block() string { return "Get Next Record" }

func (s *NextRecord) check() []string { return checkName("Recordset", s.Recordset) }

func (s *NextRecord) run(_ context.Context, e *env) (Exit, string, error) {
	rs, ok := e.recordsets[s.Recordset]
	if !ok {
		return ExitFailed, "", badInput("no recordset %q: a Search step must fill it first", s.Recordset)
	}
	e.clearRow(rs)
	if rs.pos+1 >= len(rs.rows) {
		rs.pos = len(rs.rows)
		return ExitNoData, "no more records", nil
	}
	rs.pos++
	e.showRow(rs)
	return ExitNext, fmt.Sprintf("record %d of %d", rs.pos+1, len(rs.rows)), nil
}

// recordset is a Search's records and the current one.
type recordset struct {
	name  string
	rows  []map[string]string
	pos   int
	shown []string // the variables of the current row
}

func (e *env) showRow(rs *recordset) {
	rs.shown = rs.shown[:0]
	for k, v := range rs.rows[rs.pos] {
		name := rs.name + "." + k
		e.set(name, v)
		rs.shown = append(rs.shown, name)
	}
}

// clearRow removes the current row's variables, so that a column the next
// row lacks is not left over (it is answered empty).
func (e *env) clearRow(rs *recordset) {
	for _, name := range rs.shown {
		delete(e.vars, name)
		e.out[name] = ""
	}
	rs.shown = rs.shown[:0]
}

// ScreenPop is the Zendesk Screen Pop block: the interaction's Zendesk
// record is shown to the agent it is delivered to, through Talk Partner
// Edition (https://developer.zendesk.com/api-reference/voice/talk-partner-edition-api/reference/):
// a ticket, a user's profile, or a new voice ticket created for the call.
// The agent is the Zendesk user with the Bright Pattern agent's email.
// Give exactly one of Ticket, User and NewTicket.
type ScreenPop struct {
	Exits
	// Agent is the Bright Pattern agent's login id; "" means
	// [DefaultAgent], the agent the interaction is delivered to.
	Agent string
	// Ticket is the id of the ticket to pop, e.g. "$(tickets.id)".
	Ticket string
	// User is the id of the user whose profile to pop, e.g. "$(caller.id)".
	User string
	// NewTicket creates an inbound-call ticket (via_id 45) and pops it.
	NewTicket bool
	// Requester is the new ticket's requester (a Zendesk user id, e.g.
	// "$(caller.id)"); "" leaves Zendesk's default (the account's user).
	Requester string
	// Subject is the new ticket's subject; "" means "Call from <ANI>".
	Subject string
	// TicketVariable is the variable set to the ticket popped or created;
	// "" means [DefaultTicketVariable].
	TicketVariable string
}

func (*ScreenPop) block() string { return "Zendesk Screen Pop" }

func (s *ScreenPop) check() []string {
	n := 0
	for _, set := range []bool{strings.TrimSpace(s.Ticket) != "", strings.TrimSpace(s.User) != "", s.NewTicket} {
		if set {
			n++
		}
	}
	var p []string
	if n != 1 {
		p = append(p, "give exactly one of Ticket, User and NewTicket")
	}
	if !s.NewTicket && (s.Requester != "" || s.Subject != "") {
		p = append(p, "Requester and Subject apply to NewTicket only")
	}
	return p
}

func (s *ScreenPop) run(ctx context.Context, e *env) (Exit, string, error) {
	login, err := e.sub("Agent", cmp.Or(strings.TrimSpace(s.Agent), DefaultAgent))
	if err != nil {
		return ExitFailed, "", err
	}
	zc, err := e.client()
	if err != nil {
		return ExitFailed, "", err
	}
	agent, err := e.f.zendeskAgent(ctx, e.account, zc, login)
	if err != nil {
		return ExitFailed, "", err
	}
	ticketVar := cmp.Or(strings.TrimSpace(s.TicketVariable), DefaultTicketVariable)
	switch {
	case s.NewTicket:
		in, err := s.newTicket(e)
		if err != nil {
			return ExitFailed, "", err
		}
		v, earlier, giveBack, err := e.once(ctx, "ticket", func() (string, error) {
			t, err := zc.Voice.CreateVoiceTicket(ctx, &zendesk.VoiceTicket{DisplayToAgent: agent, Ticket: in})
			if err != nil {
				return "", fmt.Errorf("creating the call's ticket: %w", err)
			}
			return strconv.FormatInt(t.ID, 10), nil
		})
		if err != nil {
			return ExitFailed, "", err
		}
		e.set(ticketVar, v)
		if !earlier {
			return ExitNext, fmt.Sprintf("ticket %s created and popped to agent %d", v, agent), nil
		}
		// The earlier call created and popped the ticket in one call: a
		// visit that fails here gives the round back, so that the next one
		// pops this ticket again instead of creating another (see once.go).
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			giveBack()
			return ExitFailed, "", fmt.Errorf("the store holds %q as the interaction's ticket, not an id", v)
		}
		if err := zc.Voice.DisplayTicket(ctx, agent, id); err != nil {
			giveBack()
			return ExitFailed, "", fmt.Errorf("popping ticket %d: %w", id, err)
		}
		return ExitNext, fmt.Sprintf("ticket %d (created by an earlier call of the interaction) popped to agent %d", id, agent), nil
	case s.User != "":
		id, err := e.id("User", s.User)
		if err != nil {
			return ExitFailed, "", err
		}
		if err := zc.Voice.DisplayUser(ctx, agent, id); err != nil {
			return ExitFailed, "", fmt.Errorf("popping user %d: %w", id, err)
		}
		return ExitNext, fmt.Sprintf("user %d popped to agent %d", id, agent), nil
	default:
		id, err := e.id("Ticket", s.Ticket)
		if err != nil {
			return ExitFailed, "", err
		}
		if err := zc.Voice.DisplayTicket(ctx, agent, id); err != nil {
			return ExitFailed, "", fmt.Errorf("popping ticket %d: %w", id, err)
		}
		e.set(ticketVar, strconv.FormatInt(id, 10))
		return ExitNext, fmt.Sprintf("ticket %d popped to agent %d", id, agent), nil
	}
}

// newTicket is the ticket a NewTicket pop creates.
func (s *ScreenPop) newTicket(e *env) (*zendesk.TicketInput, error) {
	ani, dnis := e.vars[VarANI], e.vars[VarDNIS]
	subject := s.Subject
	if subject == "" {
		subject = "Call from " + cmp.Or(strings.TrimSpace(ani), "an unknown number")
	} else {
		var err error
		if subject, err = e.sub("Subject", subject); err != nil {
			return nil, err
		}
	}
	in := &zendesk.TicketInput{Subject: subject, ViaID: callTicketVia(),
		Comment: zendesk.PrivateComment(callSummary(e.vars))}
	if ani != "" && dnis != "" {
		in.VoiceComment = &zendesk.VoiceComment{From: ani, To: dnis}
	}
	if strings.TrimSpace(s.Requester) != "" {
		id, err := e.id("Requester", s.Requester)
		if err != nil {
			return nil, err
		}
		in.RequesterID = id
	}
	return in, nil
}

// Field is one custom ticket field [AttachData] writes: its title (how
// [Provision] and [Flow.Check] find it) and its value, which may hold
// $(var).
type Field struct {
	Title string
	Value string
}

// AttachData is the Attached Data block as the Zendesk integration uses
// it: the interaction's data written to the Zendesk ticket, as custom
// ticket fields and an internal note (see unconfirmed.go for how this
// reads Bright Pattern's "custom fields in Zendesk activity history").
type AttachData struct {
	Exits
	// Ticket is the ticket's id; "" means "$(ticket_id)", the ticket a
	// [ScreenPop] popped or created.
	Ticket string
	// Fields are the custom ticket fields to set, by title.
	Fields []Field
	// Note is the internal note's text, which may hold $(var); "" writes
	// the interaction's variables (item.*, user.*), one per line.
	Note string
	// NoNote writes no note.
	NoNote bool
}

func (*AttachData) block() string { return "Attached Data" }

func (s *AttachData) check() []string {
	var p []string
	if len(s.Fields) == 0 && s.NoNote {
		p = append(p, "nothing to attach: give Fields, or a note")
	}
	seen := map[string]bool{}
	for i, f := range s.Fields {
		t := strings.ToLower(strings.TrimSpace(f.Title))
		switch {
		case t == "":
			p = append(p, fmt.Sprintf("Fields[%d].Title is empty", i))
		case seen[t]:
			p = append(p, fmt.Sprintf("Fields[%d]: the title %q is given twice", i, f.Title))
		}
		seen[t] = true
	}
	return p
}

func (s *AttachData) run(ctx context.Context, e *env) (Exit, string, error) {
	id, err := e.id("Ticket", cmp.Or(strings.TrimSpace(s.Ticket), "$("+DefaultTicketVariable+")"))
	if err != nil {
		return ExitFailed, "", err
	}
	zc, err := e.client()
	if err != nil {
		return ExitFailed, "", err
	}
	var fields []zendesk.CustomField
	for _, f := range s.Fields {
		v, err := e.sub("Fields "+strconv.Quote(f.Title), f.Value)
		if err != nil {
			return ExitFailed, "", err
		}
		fid, err := e.f.ticketField(ctx, e.account, zc, f.Title)
		if err != nil {
			return ExitFailed, "", err
		}
		cf, err := zendesk.NewCustomField(fid, v)
		if err != nil {
			return ExitFailed, "", err
		}
		fields = append(fields, cf)
	}
	note := callSummary(e.vars)
	if s.Note != "" && !s.NoNote {
		if note, err = e.sub("Note", s.Note); err != nil {
			return ExitFailed, "", err
		}
	}
	in := attachment(fields, note, !s.NoNote)
	update := func() (string, error) {
		if _, err := zc.Tickets.Update(ctx, id, in); err != nil {
			return "", fmt.Errorf("attaching data to ticket %d: %w", id, err)
		}
		return "1", nil
	}
	if in.Comment == nil {
		if _, err := update(); err != nil {
			return ExitFailed, "", err
		}
		return ExitNext, fmt.Sprintf("%d field(s) and no note on ticket %d", len(in.CustomFields), id), nil
	}
	// The note once per round of the step, interaction and ticket (see
	// once.go); the fields (the same values again) on every call.
	_, earlier, giveBack, err := e.once(ctx, "note:"+strconv.FormatInt(id, 10), update)
	if err != nil {
		return ExitFailed, "", err
	}
	if !earlier {
		return ExitNext, fmt.Sprintf("%d field(s) and a note on ticket %d", len(in.CustomFields), id), nil
	}
	if len(in.CustomFields) > 0 {
		in.Comment = nil
		if _, err := update(); err != nil {
			giveBack() // the next visit finds this note again (see once.go)
			return ExitFailed, "", err
		}
	}
	return ExitNext, fmt.Sprintf("%d field(s) on ticket %d, its note written by an earlier call of the interaction", len(in.CustomFields), id), nil
}

// callSummary lists the interaction's variables (item.*, user.*), one
// "name: value" per line, in name order.
func callSummary(vars map[string]string) string {
	var names []string
	for k := range vars {
		if strings.HasPrefix(k, "item.") || strings.HasPrefix(k, "user.") {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("Bright Pattern interaction")
	for _, k := range names {
		b.WriteString("\n" + k + ": " + vars[k])
	}
	return b.String()
}

// Header is one name and value of an [APIRequest]'s Extra headers; both
// may hold $(var).
type Header struct {
	Name, Value string
}

// APIRequest is the Zendesk API Request block: a request to the selected
// account's URL + "/api/v2/" + URL, authenticated as the account (unless
// an Extra header gives Authorization), whose answer is processed as
// Fetch URL processes one: the status in $(integrationResultCode), the
// body in $(integrationResultBody), and the JSON at InitialPath as
// variables (members as "<Result>.<member>", arrays with "__count__").
// Exits: Failed (no answer, or a status outside 2xx), No Data (an empty
// answer, or nothing at InitialPath).
type APIRequest struct {
	Exits
	// Method is GET (the default), POST, PUT, PATCH or DELETE.
	Method string
	// URL is relative to /api/v2/ ("requests.json"); it may hold $(var),
	// each value escaped for where it is ([SubstituteURL]: a path segment's
	// text before "?", a parameter's value after), so that a caller's
	// value cannot change the path or add parameters.
	URL string
	// Headers are the Extra headers.
	Headers []Header
	// Body is the Raw JSON body; each $(var) is put in JSON-escaped.
	Body string
	// InitialPath is the path of the part of the answer to read
	// ("user", "results[0]"); "" reads all of it.
	InitialPath string
	// Result prefixes the variables read; "" names them by their members
	// alone.
	Result string
	// RawValues puts the values into URL unescaped ([Substitute]), so
	// that a variable may hold a path or a query ("users/search.json?query=x").
	// Only for variables the scenario's admin controls: a caller's value
	// could then call another endpoint (ticket_id
	// "destroy_many.json?ids=1,2,3&x=" turns "tickets/$(ticket_id).json"
	// into a bulk delete).
	RawValues bool
}

func (*APIRequest) block() string { return "Zendesk API Request" }

func (s *APIRequest) check() []string {
	var p []string
	switch strings.ToUpper(s.Method) {
	case "", http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		p = append(p, fmt.Sprintf("Method %q is not GET, POST, PUT, PATCH or DELETE", s.Method))
	}
	if strings.TrimSpace(s.URL) == "" {
		p = append(p, `URL is empty: give the part after /api/v2/, e.g. "requests.json"`)
	}
	return p
}

func (s *APIRequest) run(ctx context.Context, e *env) (Exit, string, error) {
	substitute := SubstituteURL
	if s.RawValues {
		substitute = Substitute
	}
	rel, err := e.subWith("URL", s.URL, substitute)
	if err != nil {
		return ExitFailed, "", err
	}
	req := &zendesk.RawRequest{Method: s.Method, Path: rel}
	for _, h := range s.Headers {
		name, err := e.sub("Extra header name", h.Name)
		if err != nil {
			return ExitFailed, "", err
		}
		val, err := e.sub("Extra header "+name, h.Value)
		if err != nil {
			return ExitFailed, "", err
		}
		if req.Header == nil {
			req.Header = http.Header{}
		}
		req.Header.Add(name, val)
	}
	if s.Body != "" {
		body, err := SubstituteJSON(s.Body, e.vars)
		if err != nil {
			return ExitFailed, "", asBadInput(fmt.Errorf("setting Body: %w", err))
		}
		req.Body = json.RawMessage(body)
	}
	return e.raw(ctx, req, s.InitialPath, s.Result)
}

// raw sends req on the selected account and reads the answer into
// variables, as the API Request block does.
func (e *env) raw(ctx context.Context, req *zendesk.RawRequest, path, prefix string) (Exit, string, error) {
	resp, err := e.send(ctx, req)
	if err != nil {
		return ExitFailed, "", err
	}
	return e.read(resp.StatusCode, resp.Body, path, prefix)
}

// send sends req on the selected account, the answer's status and body
// in $(integrationResultCode) and $(integrationResultBody).
func (e *env) send(ctx context.Context, req *zendesk.RawRequest) (*zendesk.RawResponse, error) {
	zc, err := e.client()
	if err != nil {
		return nil, err
	}
	resp, err := zc.Raw(ctx, req)
	if resp != nil {
		e.set(VarResultCode, strconv.Itoa(resp.StatusCode))
		e.set(VarResultBody, string(resp.Body))
	}
	if err != nil {
		if resp == nil && errors.Is(err, deskbridge.ErrInvalid) {
			return nil, asBadInput(err) // refused before sending
		}
		if resp != nil {
			e.set(VarResultBody, err.Error())
		}
		return nil, fmt.Errorf("%s %s: %w", cmp.Or(strings.TrimSpace(strings.ToUpper(req.Method)), "GET"), req.Path, err)
	}
	return resp, nil
}

// read reads a 2xx answer into variables: the JSON at path, under prefix.
func (e *env) read(status int, body []byte, path, prefix string) (Exit, string, error) {
	detail := strconv.Itoa(status)
	if len(strings.TrimSpace(string(body))) == 0 {
		return ExitNoData, detail + ", empty answer", nil
	}
	v, err := decodeJSON(body)
	if err != nil {
		return ExitFailed, "", fmt.Errorf("the answer is not JSON: %w", err)
	}
	v, ok := atPath(v, path)
	if !ok {
		return ExitNoData, fmt.Sprintf("%s, nothing at %q", detail, path), nil
	}
	if _, obj := v.(map[string]any); !obj && prefix == "" {
		prefix = "result"
	}
	vars := map[string]string{}
	if err := flatten(vars, prefix, v, 0); err != nil {
		return ExitFailed, "", err
	}
	for k, val := range vars {
		e.set(k, val)
	}
	return ExitNext, detail, nil
}

// Object kinds of [CreateObject] and [UpdateObject].
const (
	ObjectTicket       = "ticket"
	ObjectUser         = "user"
	ObjectOrganization = "organization"
)

// CreateObject is the Zendesk Create Object block: a ticket, user or
// organization created from a raw JSON object of its fields
// (POST /api/v2/{kind}s.json {"{kind}": Fields}); the created object's
// members become "<Result>.<member>" ("caller.id"). It is not sent twice
// (a 5xx or a lost answer takes Failed: the object may exist), and a
// retried call of the same interaction reads the object the first call
// created instead of creating another (see [Flow.Run]); in a loop, each
// round (each record of a Get Next Record walk) creates its own.
type CreateObject struct {
	Exits
	// Kind is ObjectTicket, ObjectUser or ObjectOrganization.
	Kind string
	// Fields is the object as raw JSON; each $(var) is put in JSON-escaped:
	// `{"name":"Caller $(item.ANI)","phone":"$(item.ANI)"}`.
	Fields string
	// Result prefixes the variables of the created object; "" means Kind.
	Result string
}

func (*CreateObject) block() string { return "Zendesk Create Object" }

func (s *CreateObject) check() []string { return checkObject(s.Kind, s.Fields) }

func (s *CreateObject) run(ctx context.Context, e *env) (Exit, string, error) {
	body, err := objectBody(e, s.Kind, s.Fields)
	if err != nil {
		return ExitFailed, "", err
	}
	req := &zendesk.RawRequest{Method: http.MethodPost, Path: objectPath(s.Kind, ""), Body: body}
	// Once per round of the step in the interaction (see once.go): a
	// retried call's search may not find the object yet (Zendesk indexes
	// it later), and would create another.
	// A found answer that fails to read keeps its round (see once.go).
	v, earlier, _, err := e.once(ctx, "object", func() (string, error) {
		resp, err := e.send(ctx, req)
		if err != nil {
			return "", err
		}
		return strconv.Itoa(resp.StatusCode) + "\n" + string(resp.Body), nil
	})
	if err != nil {
		return ExitFailed, "", err
	}
	code, answer, _ := strings.Cut(v, "\n")
	status, _ := strconv.Atoi(code)
	if earlier {
		e.set(VarResultCode, code)
		e.set(VarResultBody, answer)
	}
	exit, detail, err := e.read(status, []byte(answer), s.Kind, cmp.Or(strings.TrimSpace(s.Result), s.Kind))
	if earlier && err == nil {
		detail += " (created by an earlier call of the interaction)"
	}
	return exit, detail, err
}

// UpdateObject is the Zendesk Update Object block: a ticket, user or
// organization updated with a raw JSON object of fields
// (PUT /api/v2/{kind}s/{id}.json); the answer's members become
// "<Result>.<member>".
type UpdateObject struct {
	Exits
	// Kind is ObjectTicket, ObjectUser or ObjectOrganization.
	Kind string
	// ID is the object's id; it may hold $(var).
	ID string
	// Fields is the change as raw JSON, as in [CreateObject].
	Fields string
	// Result prefixes the variables of the updated object; "" means Kind.
	Result string
}

func (*UpdateObject) block() string { return "Zendesk Update Object" }

func (s *UpdateObject) check() []string {
	p := checkObject(s.Kind, s.Fields)
	if strings.TrimSpace(s.ID) == "" {
		p = append(p, "ID is empty: give the object's id, e.g. $(ticket_id)")
	}
	return p
}

func (s *UpdateObject) run(ctx context.Context, e *env) (Exit, string, error) {
	id, err := e.id("ID", s.ID)
	if err != nil {
		return ExitFailed, "", err
	}
	body, err := objectBody(e, s.Kind, s.Fields)
	if err != nil {
		return ExitFailed, "", err
	}
	return e.raw(ctx, &zendesk.RawRequest{Method: http.MethodPut, Path: objectPath(s.Kind, strconv.FormatInt(id, 10)), Body: body}, s.Kind, cmp.Or(strings.TrimSpace(s.Result), s.Kind))
}

func checkObject(kind, fields string) []string {
	var p []string
	switch kind {
	case ObjectTicket, ObjectUser, ObjectOrganization:
	default:
		p = append(p, fmt.Sprintf("Kind %q is not %q, %q or %q", kind, ObjectTicket, ObjectUser, ObjectOrganization))
	}
	if strings.TrimSpace(fields) == "" {
		p = append(p, "Fields is empty: give the object's fields as a JSON object")
	}
	return p
}

// objectBody is {"<kind>": <fields substituted>}, refused unless the
// fields are a JSON object once substituted.
func objectBody(e *env, kind, fields string) (json.RawMessage, error) {
	f, err := SubstituteJSON(fields, e.vars)
	if err != nil {
		return nil, asBadInput(fmt.Errorf("setting Fields: %w", err))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(f), &obj); err != nil {
		return nil, badInput("Fields is not a JSON object once its variables are put in: %v", err)
	}
	key, _ := json.Marshal(kind)
	return json.RawMessage(`{` + string(key) + `:` + f + `}`), nil
}

// id reads a setting as a Zendesk id.
func (e *env) id(setting, template string) (int64, error) {
	v, err := e.sub(setting, template)
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, badInput("%s %q is not a Zendesk id", setting, v)
	}
	return id, nil
}

func checkName(setting, name string) []string {
	n := strings.TrimSpace(name)
	if n == "" || strings.ContainsAny(n, "$() ") {
		return []string{fmt.Sprintf("%s %q is not a name: give one without spaces, $ or parentheses", setting, name)}
	}
	return nil
}
