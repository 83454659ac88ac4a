package zendesktest

import (
	"crypto/sha256"
	"encoding/hex"
	"html"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Tickets (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/,
// https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/).
//
// Modelled: create (with requester_id or requester {name, email, locale_id,
// user_fields}), show, show_many, list (offset or cursor), count, update
// (comment, status, priority, type, subject, assignee, group, tags,
// additional_tags / remove_tags, custom_fields, external_id, safe_update),
// delete, create_many / update_many / destroy_many (jobs), comments list and
// make_private, and the Idempotency-Key header on create. Triggers run after
// every create and update.
//
// How the fake behaves:
//   - Updates through the API have via_id 5 (web_service, "api"); Server.AgentReply and
//     Server.AgentUpdate play an agent in the agent interface (via_id 0,
//     web_form, "web"), as
//     https://developer.zendesk.com/documentation/ticketing/reference-guides/via-types
//     names them.
//   - The submitter defaults as ticketSubmitter says; the first comment's
//     author is comment.author_id, else the submitter. Later comments
//     default to the authenticated user.
//   - A "requester" object is found with findRequester, else created; its
//     user_fields are set with requesterUserFields.
//   - Status: a new ticket is "new" ("open" when it has an assignee); a
//     comment moves it as statusAfterComment says; solving without an
//     assignee assigns the acting agent; a closed ticket cannot be updated
//     (422 "Status: closed prevents ticket update", as public test fixtures
//     show); a ticket cannot be set back to "new" (422).
//   - Idempotency-Key
//     (https://developer.zendesk.com/api-reference/ticketing/introduction/#idempotency):
//     the same key with the same body within 2 hours returns the first
//     answer with "x-idempotency-lookup: hit" (the first answer says
//     "miss"); the same key with another body answers 400
//     {"error": "IdempotentRequestError", ...}.
//   - More than 100 tickets in create_many / update_many / destroy_many
//     answers errTooManyValues; a failed item of a job is failedJobItem.
//
// Every function named here without a file is a guess in unconfirmed.go.

type ticketInput struct {
	ID              flexInt         `json:"id"`
	Subject         nullString      `json:"subject"`
	RawSubject      nullString      `json:"raw_subject"`
	Comment         *commentInput   `json:"comment"`
	Status          nullString      `json:"status"`
	Priority        nullString      `json:"priority"`
	Type            nullString      `json:"type"`
	RequesterID     nullInt         `json:"requester_id"`
	Requester       *requesterInput `json:"requester"`
	SubmitterID     nullInt         `json:"submitter_id"`
	AssigneeID      nullInt         `json:"assignee_id"`
	AssigneeEmail   string          `json:"assignee_email"`
	GroupID         nullInt         `json:"group_id"`
	OrganizationID  nullInt         `json:"organization_id"`
	ExternalID      nullString      `json:"external_id"`
	Tags            *[]string       `json:"tags"`
	AdditionalTags  []string        `json:"additional_tags"`
	RemoveTags      []string        `json:"remove_tags"`
	CustomFields    []CustomField   `json:"custom_fields"`
	CollaboratorIDs *[]int64        `json:"collaborator_ids"`
	FollowerIDs     *[]int64        `json:"follower_ids"`
	EmailCCIDs      *[]int64        `json:"email_cc_ids"`
	DueAt           nullString      `json:"due_at"`
	ProblemID       nullInt         `json:"problem_id"`
	BrandID         nullInt         `json:"brand_id"`
	TicketFormID    nullInt         `json:"ticket_form_id"`
	CustomStatusID  nullInt         `json:"custom_status_id"`
	Recipient       nullString      `json:"recipient"`
	SafeUpdate      bool            `json:"safe_update"`
	UpdatedStamp    string          `json:"updated_stamp"`
	VoiceComment    *voiceCommentIn `json:"voice_comment"`
	ViaID           *flexInt        `json:"via_id"`
}

type commentInput struct {
	Body     *string `json:"body"`
	HTMLBody *string `json:"html_body"`
	Public   *bool   `json:"public"`
	AuthorID flexInt `json:"author_id"`
}

type requesterInput struct {
	Name       string         `json:"name"`
	Email      string         `json:"email"`
	LocaleID   flexInt        `json:"locale_id"`
	UserFields map[string]any `json:"user_fields"`
}

type problems map[string][]fieldProblem

func (p problems) add(field, title, msg, code string) {
	p[field] = append(p[field], fieldProblem{Description: title + ": " + msg, Error: code})
}

// setEnum sets an optional member that takes one of values: null or ""
// clears it, a value not in values is a problem.
func (p problems) setEnum(dst **string, in nullString, values []string, field, title string) {
	switch {
	case !in.Set:
	case in.Null || in.V == "":
		*dst = nil
	case !slices.Contains(values, in.V):
		p.add(field, title, "is not valid", "InvalidValue")
	default:
		*dst = ptr(in.V)
	}
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errInvalid(p)
}

var (
	statusOrder = []string{"new", "open", "pending", "hold", "solved", "closed"}
	priorities  = []string{"low", "normal", "high", "urgent"}
	ticketTypes = []string{"problem", "incident", "question", "task"}
)

// ticketWrite is one create or update of a ticket, kept for the triggers.
type ticketWrite struct {
	create  bool
	before  Ticket
	rec     *ticketRec
	comment *Comment // the comment this write added, if any
	viaID   int
	actor   int64
	audit   map[string]any
	events  []map[string]any
}

// createTicket creates a ticket from in, acting as actor through viaID.
func (st *state) createTicket(in *ticketInput, actor int64, viaID int, now time.Time) (*ticketWrite, error) {
	p := problems{}
	t := Ticket{
		Status: "new", Tags: []string{}, CustomFields: []CustomField{}, CollaboratorIDs: []int64{},
		FollowerIDs: []int64{}, EmailCCIDs: []int64{}, SharingAgreementIDs: []int64{},
		IsPublic: true, AllowChannelback: false, AllowAttachments: true, ViaID: viaID, Via: viaFor(viaID),
		CreatedAt: now, UpdatedAt: now,
	}
	// Requester.
	var requester *User
	switch {
	case in.RequesterID.Set && !in.RequesterID.Null:
		u, ok := st.users.get(in.RequesterID.V)
		if !ok {
			p.add("requester_id", "Requester", "is invalid", "InvalidValue")
		}
		requester = u
	case in.Requester != nil:
		rq := in.Requester
		requester = st.findRequester(rq)
		if requester == nil && rq.Name == "" && rq.Email == "" {
			p.add("requester", "Requester", "Name: is too short (minimum one character)", "InvalidValue")
		}
	}
	if p.err() == nil && in.Comment == nil && in.VoiceComment == nil {
		p.add("description", "Description", "cannot be blank", "BlankValue")
	}
	if in.Comment != nil && commentText(in.Comment) == "" && in.VoiceComment == nil {
		p.add("description", "Description", "cannot be blank", "BlankValue")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	w := &ticketWrite{create: true, viaID: viaID, actor: actor}
	if err := st.applyTicketFields(&t, in, w, p); err != nil {
		return nil, err
	}
	if err := st.checkCommentAuthor(in); err != nil {
		return nil, err
	}
	if in.SubmitterID.Set && !in.SubmitterID.Null {
		if _, ok := st.users.get(in.SubmitterID.V); !ok {
			p.add("submitter_id", "Submitter", "is invalid", "InvalidValue")
			return nil, p.err()
		}
	}
	// Everything is valid: create the requester if needed.
	if in.Requester != nil {
		rq := in.Requester
		if requester == nil {
			name := rq.Name
			if name == "" {
				name, _, _ = strings.Cut(rq.Email, "@")
			}
			u := User{Name: name, Role: "end-user"}
			if rq.Email != "" {
				u.Email = ptr(rq.Email)
			}
			if rq.LocaleID != 0 {
				u.LocaleID, u.Locale = int64(rq.LocaleID), "en-US"
			}
			requester = st.newUser(u, now)
		}
		st.requesterUserFields(requester, rq.UserFields, now)
	}
	if requester == nil {
		requester, _ = st.users.get(actor)
	}
	t.RequesterID = requester.ID
	t.SubmitterID = ticketSubmitter(in, requester.ID, actor)
	if t.AssigneeID != nil && !in.Status.Set {
		t.Status = "open"
	}
	st.ticketSeq++
	t.ID = st.ticketSeq
	t.URL = st.url("/api/v2/tickets/%d.json", t.ID)
	rec := &ticketRec{}
	w.rec = rec
	w.audit = map[string]any{"id": st.nextID(), "ticket_id": t.ID, "created_at": now, "author_id": actor, "via": viaFor(viaID), "metadata": map[string]any{}}
	st.addComment(w, in, t.SubmitterID, now)
	t.Description = w.comment.PlainBody
	if t.Subject == "" && t.RawSubject != "" {
		t.Subject = t.RawSubject
	}
	if t.RawSubject == "" {
		t.RawSubject = t.Subject
	}
	t.IsPublic = w.comment.Public
	if t.Status == "solved" || t.Status == "closed" {
		st.assignSolver(&t, actor)
	}
	rec.t = t
	rec.comments = []Comment{*w.comment}
	st.tickets.put(t.ID, rec)
	return w, nil
}

// updateTicket applies in to rec, acting as actor through viaID.
func (st *state) updateTicket(rec *ticketRec, in *ticketInput, actor int64, viaID int, now time.Time) (*ticketWrite, error) {
	p := problems{}
	if rec.t.Status == "closed" {
		p.add("status", "Status", "closed prevents ticket update", "InvalidValue")
		return nil, p.err()
	}
	if in.SafeUpdate && in.UpdatedStamp != "" {
		stamp, err := time.Parse(time.RFC3339, in.UpdatedStamp)
		if err != nil || !stamp.Equal(rec.t.UpdatedAt) {
			return nil, &apiError{status: http.StatusConflict, body: errorBody{Error: "UpdateConflict", Description: "Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again."}}
		}
	}
	t := rec.t.clone()
	w := &ticketWrite{before: rec.t.clone(), rec: rec, viaID: viaID, actor: actor}
	if in.Status.Set && in.Status.V == "new" && t.Status != "new" {
		p.add("status", "Status", "cannot be set to New", "InvalidValue")
		return nil, p.err()
	}
	if in.RequesterID.Set && !in.RequesterID.Null {
		if _, ok := st.users.get(in.RequesterID.V); !ok {
			p.add("requester_id", "Requester", "is invalid", "InvalidValue")
			return nil, p.err()
		}
		t.RequesterID = in.RequesterID.V
	}
	if err := st.checkCommentAuthor(in); err != nil {
		return nil, err
	}
	if err := st.applyTicketFields(&t, in, w, p); err != nil {
		return nil, err
	}
	w.audit = map[string]any{"id": st.nextID(), "ticket_id": t.ID, "created_at": now, "author_id": actor, "via": viaFor(viaID), "metadata": map[string]any{}}
	if (in.Comment != nil && commentText(in.Comment) != "") || in.VoiceComment != nil {
		c := st.addComment(w, in, actor, now)
		if au, ok := st.users.get(c.AuthorID); ok && !in.Status.Set {
			t.Status = statusAfterComment(t.Status, au.isAgent())
		}
	}
	if (t.Status == "solved" || t.Status == "closed") && t.AssigneeID == nil {
		st.assignSolver(&t, actor)
	}
	w.events = append(w.events, changeEvents(w.before, t)...)
	t.UpdatedAt = now
	rec.t = t
	if w.comment != nil {
		rec.comments = append(rec.comments, *w.comment)
	}
	return w, nil
}

// checkCommentAuthor refuses a comment whose author_id names no user.
func (st *state) checkCommentAuthor(in *ticketInput) error {
	if in.Comment != nil && in.Comment.AuthorID != 0 {
		if _, ok := st.users.get(int64(in.Comment.AuthorID)); !ok {
			return invalidField("comment", "Comment", "author is invalid", "InvalidValue")
		}
	}
	return nil
}

// addComment adds the comment (or voice comment) of in to the write: by
// the comment's author_id, else by author; it is the write's comment and
// its first event.
func (st *state) addComment(w *ticketWrite, in *ticketInput, author int64, now time.Time) *Comment {
	if in.Comment != nil && in.Comment.AuthorID != 0 {
		author = int64(in.Comment.AuthorID)
	}
	var c Comment
	if in.VoiceComment != nil {
		c = st.newVoiceComment(in.VoiceComment, author, w.viaID, now)
	} else {
		c = st.newComment(in.Comment, author, w.viaID, now)
	}
	c.AuditID = w.audit["id"].(int64)
	w.comment = &c
	w.events = append(w.events, map[string]any{"id": c.ID, "type": c.Type, "body": c.Body, "public": c.Public, "author_id": c.AuthorID})
	return &c
}

// assignSolver assigns the acting agent when a ticket is solved unassigned.
func (st *state) assignSolver(t *Ticket, actor int64) {
	if t.AssigneeID != nil {
		return
	}
	if u, ok := st.users.get(actor); ok && u.isAgent() {
		t.AssigneeID = ptr(actor)
	}
}

// applyTicketFields validates and applies the plain fields of in to t.
func (st *state) applyTicketFields(t *Ticket, in *ticketInput, w *ticketWrite, p problems) error {
	if in.Subject.Set {
		t.Subject = in.Subject.V
		t.RawSubject = in.Subject.V
	}
	if in.RawSubject.Set {
		t.RawSubject = in.RawSubject.V
		if !in.Subject.Set {
			t.Subject = in.RawSubject.V
		}
	}
	if in.Status.Set {
		if !slices.Contains(statusOrder, in.Status.V) {
			p.add("status", "Status", "is not valid", "InvalidValue")
		} else {
			t.Status = in.Status.V
		}
	}
	p.setEnum(&t.Priority, in.Priority, priorities, "priority", "Priority")
	p.setEnum(&t.Type, in.Type, ticketTypes, "type", "Type")
	if in.AssigneeEmail != "" {
		u := st.userByEmail(in.AssigneeEmail)
		if u == nil || !u.isAgent() {
			p.add("assignee_id", "Assignee", "is invalid", "InvalidValue")
		} else {
			t.AssigneeID = ptr(u.ID)
		}
	}
	if in.AssigneeID.Set {
		if in.AssigneeID.Null {
			t.AssigneeID = nil
		} else if u, ok := st.users.get(in.AssigneeID.V); !ok || !u.isAgent() {
			p.add("assignee_id", "Assignee", "is invalid", "InvalidValue")
		} else {
			t.AssigneeID = ptr(in.AssigneeID.V)
		}
	}
	if in.GroupID.Set {
		if in.GroupID.Null {
			t.GroupID = nil
		} else if _, ok := st.groups.get(in.GroupID.V); !ok {
			p.add("group_id", "Group", "is invalid", "InvalidValue")
		} else {
			t.GroupID = ptr(in.GroupID.V)
		}
	}
	setNullInt(&t.OrganizationID, in.OrganizationID)
	setNullInt(&t.ProblemID, in.ProblemID)
	setNullInt(&t.BrandID, in.BrandID)
	setNullInt(&t.TicketFormID, in.TicketFormID)
	setNullInt(&t.CustomStatusID, in.CustomStatusID)
	if in.ExternalID.Set {
		t.ExternalID = in.ExternalID.ptr()
	}
	if in.Recipient.Set {
		t.Recipient = in.Recipient.ptr()
	}
	if in.DueAt.Set {
		if in.DueAt.Null || in.DueAt.V == "" {
			t.DueAt = nil
		} else if d, err := time.Parse(time.RFC3339, in.DueAt.V); err != nil {
			p.add("due_at", "Due at", "is not a valid date", "InvalidValue")
		} else {
			t.DueAt = ptr(d.UTC())
		}
	}
	if in.Tags != nil {
		t.Tags = normalizeTags(*in.Tags)
	}
	if len(in.AdditionalTags) > 0 {
		t.Tags = normalizeTags(append(t.Tags, in.AdditionalTags...))
	}
	if len(in.RemoveTags) > 0 {
		rm := normalizeTags(in.RemoveTags)
		t.Tags = slices.DeleteFunc(t.Tags, func(s string) bool { return slices.Contains(rm, s) })
	}
	for _, cf := range in.CustomFields {
		i := slices.IndexFunc(t.CustomFields, func(x CustomField) bool { return x.ID == cf.ID })
		if i >= 0 {
			t.CustomFields[i].Value = cf.Value
		} else {
			t.CustomFields = append(t.CustomFields, cf)
		}
	}
	if in.CollaboratorIDs != nil {
		t.CollaboratorIDs = slices.Clone(*in.CollaboratorIDs)
	}
	if in.FollowerIDs != nil {
		t.FollowerIDs = slices.Clone(*in.FollowerIDs)
	}
	if in.EmailCCIDs != nil {
		t.EmailCCIDs = slices.Clone(*in.EmailCCIDs)
	}
	return p.err()
}

func setNullInt(dst **int64, v nullInt) {
	if v.Set {
		*dst = v.ptr()
	}
}

func normalizeTags(tags []string) []string {
	out := []string{}
	for _, t := range tags {
		for _, f := range strings.Fields(strings.ToLower(t)) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

func changeEvents(before, after Ticket) []map[string]any {
	var ev []map[string]any
	add := func(field string, prev, val any) {
		ev = append(ev, map[string]any{"id": 0, "type": "Change", "field_name": field, "previous_value": prev, "value": val})
	}
	if before.Status != after.Status {
		add("status", before.Status, after.Status)
	}
	if deref(before.Priority) != deref(after.Priority) {
		add("priority", deref(before.Priority), deref(after.Priority))
	}
	if derefInt(before.AssigneeID) != derefInt(after.AssigneeID) {
		add("assignee_id", before.AssigneeID, after.AssigneeID)
	}
	if derefInt(before.GroupID) != derefInt(after.GroupID) {
		add("group_id", before.GroupID, after.GroupID)
	}
	if before.Subject != after.Subject {
		add("subject", before.Subject, after.Subject)
	}
	if !slices.Equal(before.Tags, after.Tags) {
		add("tags", before.Tags, after.Tags)
	}
	return ev
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(n *int64) int64 {
	if n == nil {
		return 0
	}
	return *n
}

func commentText(c *commentInput) string {
	if c == nil {
		return ""
	}
	if c.Body != nil && strings.TrimSpace(*c.Body) != "" {
		return *c.Body
	}
	if c.HTMLBody != nil && strings.TrimSpace(*c.HTMLBody) != "" {
		return *c.HTMLBody
	}
	return ""
}

// newComment builds a comment. An end user's comment is always public.
func (st *state) newComment(in *commentInput, author int64, viaID int, now time.Time) Comment {
	c := Comment{
		ID: st.nextID(), Type: "Comment", AuthorID: author, Public: true, Attachments: []any{},
		Via: viaFor(viaID), ViaID: viaID, CreatedAt: now,
		Metadata: map[string]any{"system": map[string]any{}, "custom": map[string]any{}},
	}
	if in != nil {
		if in.Body != nil && strings.TrimSpace(*in.Body) != "" {
			c.Body = *in.Body
			c.HTMLBody = textToHTML(c.Body)
		} else if in.HTMLBody != nil {
			c.HTMLBody = *in.HTMLBody
			c.Body = htmlToText(c.HTMLBody)
		}
		if in.Public != nil {
			c.Public = *in.Public
		}
	}
	if u, ok := st.users.get(author); ok && !u.isAgent() {
		c.Public = true
	}
	c.PlainBody = c.Body
	return c
}

// textToHTML renders a plain-text comment as Zendesk's html_body:
// paragraphs on blank lines, <br> on single line breaks.
func textToHTML(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.WriteString(`<div class="zd-comment" dir="auto">`)
	for _, para := range strings.Split(s, "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString(`<p dir="auto">`)
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString(`</p>`)
	}
	b.WriteString(`</div>`)
	return b.String()
}

// htmlToText strips tags from an HTML comment, turning <br> and paragraph
// ends into line breaks.
func htmlToText(s string) string {
	r := strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "</p>", "\n\n", "</div>", "\n")
	s = r.Replace(s)
	var b strings.Builder
	in := false
	for _, ch := range s {
		switch {
		case ch == '<':
			in = true
		case ch == '>' && in:
			in = false
		case !in:
			b.WriteRune(ch)
		}
	}
	return strings.TrimSpace(html.UnescapeString(b.String()))
}

// --- HTTP handlers ---

type ticketEnvelope struct {
	Ticket *ticketInput `json:"ticket"`
}

func (s *Server) ticketsCreate(c *call) error {
	var env ticketEnvelope
	if err := c.decodeEnvelope("ticket", &env, func() bool { return env.Ticket == nil }); err != nil {
		return err
	}
	key := c.r.Header.Get("Idempotency-Key")
	sum := sha256.Sum256(c.body)
	hash := hex.EncodeToString(sum[:])
	s.mu.Lock()
	now := s.stamp()
	if key != "" {
		if rec, ok := s.st.idem[key]; ok && now.Before(rec.expires) {
			s.mu.Unlock()
			if rec.bodyHash != hash {
				return errBadRequest("IdempotentRequestError", "The idempotency key has already been used with a different request payload")
			}
			c.w.Header().Set("x-idempotency-lookup", "hit")
			c.w.Header().Set("Location", rec.location)
			writeRaw(c.w, rec.status, rec.resp)
			return nil
		}
	}
	w, err := s.st.createTicket(env.Ticket, c.user, ViaWebService, now)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	out := s.st.runTriggers(w, now)
	resp, _ := marshal(map[string]any{"ticket": w.rec.t, "audit": w.auditJSON()})
	loc := w.rec.t.URL
	if key != "" {
		s.st.idem[key] = &idemRec{bodyHash: hash, status: http.StatusCreated, location: loc, resp: resp, expires: now.Add(2 * time.Hour)}
		c.w.Header().Set("x-idempotency-lookup", "miss")
	}
	s.mu.Unlock()
	s.dl.enqueue(out...)
	c.w.Header().Set("Location", loc)
	writeRaw(c.w, http.StatusCreated, resp)
	return nil
}

func (w *ticketWrite) auditJSON() map[string]any {
	a := map[string]any{}
	for k, v := range w.audit {
		a[k] = v
	}
	ev := w.events
	if ev == nil {
		ev = []map[string]any{}
	}
	a["events"] = ev
	return a
}

func (s *Server) ticketGet(c *call) error {
	s.mu.Lock()
	rec, err := lookup(c, s.st.tickets)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	b, err := marshal(struct {
		Ticket *Ticket `json:"ticket"`
	}{&rec.t})
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeRaw(c.w, http.StatusOK, b)
	return nil
}

func ticketsTable(st *state) *table[int64, *ticketRec] { return st.tickets }

func (s *Server) ticketsList(c *call) error {
	return listAll(s, c, "tickets", ticketsTable, func(r *ticketRec) Ticket { return r.t })
}

func (s *Server) ticketsShowMany(c *call) error {
	ids, err := c.ids()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []Ticket{}
	for _, id := range ids {
		if r, ok := s.st.tickets.get(id); ok {
			list = append(list, r.t)
		}
	}
	return c.json(200, map[string]any{"tickets": list, "next_page": nil, "previous_page": nil, "count": len(list)})
}

func (s *Server) ticketsCount(c *call) error {
	s.mu.Lock()
	n := s.st.tickets.len()
	now := s.stamp()
	s.mu.Unlock()
	return c.json(200, map[string]any{"count": map[string]any{"value": n, "refreshed_at": now}})
}

func (s *Server) ticketUpdate(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	var env ticketEnvelope
	if err := c.decodeEnvelope("ticket", &env, func() bool { return env.Ticket == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	rec, ok := s.st.tickets.get(id)
	if !ok {
		s.mu.Unlock()
		return errNotFound()
	}
	now := s.stamp()
	w, err := s.st.updateTicket(rec, env.Ticket, c.user, ViaWebService, now)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	out := s.st.runTriggers(w, now)
	b, err := marshal(map[string]any{"ticket": rec.t, "audit": w.auditJSON()})
	s.mu.Unlock()
	s.dl.enqueue(out...)
	if err != nil {
		return err
	}
	writeRaw(c.w, http.StatusOK, b)
	return nil
}

func (s *Server) ticketDelete(c *call) error { return remove(s, c, ticketsTable) }

func (s *Server) ticketComments(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	p, err := c.pageParams(pageBoth, 100)
	if err != nil {
		return err
	}
	desc := c.r.URL.Query().Get("sort_order") == "desc"
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.st.tickets.get(id)
	if !ok {
		return errNotFound()
	}
	list := slices.Clone(rec.comments)
	key := func(cm Comment) string { return seqKey(cm.ID) }
	if desc {
		slices.Reverse(list)
		key = func(cm Comment) string { return seqKey(1<<62 - cm.ID) }
	}
	return paginate(c, p, "comments", list, key)
}

func (s *Server) commentMakePrivate(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	cid, err := c.pathID("comment_id")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.st.tickets.get(id)
	if !ok {
		return errNotFound()
	}
	i := slices.IndexFunc(rec.comments, func(cm Comment) bool { return cm.ID == cid })
	if i < 0 {
		return errNotFound()
	}
	rec.comments[i].Public = false
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// --- bulk jobs ---

const maxBulk = 100

func (s *Server) ticketsCreateMany(c *call) error {
	var env struct {
		Tickets []ticketInput `json:"tickets"`
	}
	if err := c.decodeEnvelope("tickets", &env, func() bool { return len(env.Tickets) == 0 }); err != nil {
		return err
	}
	if len(env.Tickets) > maxBulk {
		return errTooManyValues()
	}
	s.mu.Lock()
	now := s.stamp()
	var results []JobResult
	var out []outbound
	for i := range env.Tickets {
		idx := i
		w, err := s.st.createTicket(&env.Tickets[i], c.user, ViaWebService, now)
		if err != nil {
			results = append(results, failedJobItem(0, &idx, "RecordInvalid", err))
			continue
		}
		out = append(out, s.st.runTriggers(w, now)...)
		results = append(results, JobResult{ID: w.rec.t.ID, Index: &idx})
	}
	queued := s.st.newJob("bulk_create_tickets", results)
	s.mu.Unlock()
	s.dl.enqueue(out...)
	return c.json(http.StatusOK, map[string]any{"job_status": queued})
}

func (s *Server) ticketsUpdateMany(c *call) error {
	var env struct {
		Tickets []ticketInput `json:"tickets"`
		Ticket  *ticketInput  `json:"ticket"`
	}
	withIDs := c.r.URL.Query().Has("ids")
	name, missing := "tickets", func() bool { return len(env.Tickets) == 0 }
	if withIDs {
		name, missing = "ticket", func() bool { return env.Ticket == nil }
	}
	if err := c.decodeEnvelope(name, &env, missing); err != nil {
		return err
	}
	type item struct {
		id int64
		in *ticketInput
	}
	var items []item
	if withIDs {
		ids, err := c.ids()
		if err != nil {
			return err
		}
		for _, id := range ids {
			items = append(items, item{id, env.Ticket})
		}
	} else {
		for i := range env.Tickets {
			items = append(items, item{int64(env.Tickets[i].ID), &env.Tickets[i]})
		}
	}
	if len(items) > maxBulk {
		return errTooManyValues()
	}
	s.mu.Lock()
	now := s.stamp()
	var results []JobResult
	var out []outbound
	for i, it := range items {
		idx := i
		rec, ok := s.st.tickets.get(it.id)
		if !ok {
			results = append(results, failedJobItem(it.id, &idx, "TicketNotFound", nil))
			continue
		}
		w, err := s.st.updateTicket(rec, it.in, c.user, ViaWebService, now)
		if err != nil {
			results = append(results, failedJobItem(it.id, &idx, "TicketUpdateFailed", err))
			continue
		}
		out = append(out, s.st.runTriggers(w, now)...)
		results = append(results, JobResult{ID: it.id, Action: "update", Status: "Updated", Success: ptr(true)})
	}
	queued := s.st.newJob("bulk_update_tickets", results)
	s.mu.Unlock()
	s.dl.enqueue(out...)
	return c.json(http.StatusOK, map[string]any{"job_status": queued})
}

func (s *Server) ticketsDestroyMany(c *call) error {
	ids, err := c.ids()
	if err != nil {
		return err
	}
	if len(ids) > maxBulk {
		return errTooManyValues()
	}
	s.mu.Lock()
	var results []JobResult
	for _, id := range ids {
		if s.st.tickets.del(id) {
			results = append(results, JobResult{ID: id, Action: "delete", Status: "Deleted", Success: ptr(true)})
		} else {
			results = append(results, failedJobItem(id, nil, "TicketNotFound", nil))
		}
	}
	queued := s.st.newJob("bulk_delete_tickets", results)
	s.mu.Unlock()
	return c.json(http.StatusOK, map[string]any{"job_status": queued})
}

func apiErrText(err error) string {
	if ae, ok := err.(*apiError); ok {
		if eb, ok := ae.body.(errorBody); ok {
			var parts []string
			for _, ps := range eb.Details {
				for _, p := range ps {
					parts = append(parts, p.Description)
				}
			}
			slices.Sort(parts)
			if len(parts) > 0 {
				return strings.Join(parts, "; ")
			}
			return eb.Description
		}
	}
	return err.Error()
}

// newJob records a job, run at once, and returns how it looked when queued
// (newJobStatus).
func (st *state) newJob(jobType string, results []JobResult) JobStatus {
	id := randomHex(16)
	queued, done := newJobStatus(id, st.url("/api/v2/job_statuses/%s.json", id), jobType, results, st.s.stamp())
	st.jobs.put(id, &jobRec{j: done, seq: st.nextID()})
	return queued
}

func (s *Server) jobStatusGet(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.st.jobs.get(c.r.PathValue("id"))
	if !ok {
		return errNotFound()
	}
	return c.json(200, map[string]any{"job_status": j.j})
}

func (s *Server) jobStatusesList(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []JobStatus{}
	for _, j := range s.st.jobs.values() {
		list = append(list, j.j)
	}
	slices.Reverse(list)
	return c.json(200, map[string]any{"job_statuses": list, "next_page": nil, "previous_page": nil, "count": len(list)})
}

func (s *Server) jobStatusesShowMany(c *call) error {
	raw := c.r.URL.Query().Get("ids")
	if raw == "" {
		return errBadParameter("ids is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []JobStatus{}
	for _, id := range strings.Split(raw, ",") {
		if j, ok := s.st.jobs.get(strings.TrimSpace(id)); ok {
			list = append(list, j.j)
		}
	}
	return c.json(200, map[string]any{"job_statuses": list})
}

// --- state accessors and agent-UI helpers ---

// Ticket returns a copy of a ticket.
func (s *Server) Ticket(id int64) (Ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.tickets.get(id)
	if !ok {
		return Ticket{}, false
	}
	return r.t.clone(), true
}

// Tickets returns copies of every ticket, by id.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Ticket
	for _, r := range s.st.tickets.values() {
		out = append(out, r.t.clone())
	}
	return out
}

// Comments returns copies of a ticket's comments, oldest first.
func (s *Server) Comments(ticketID int64) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.tickets.get(ticketID)
	if !ok {
		return nil
	}
	out := make([]Comment, len(r.comments))
	for i, c := range r.comments {
		out[i] = c.clone()
	}
	return out
}

// AgentUpdate is a change an agent makes in Zendesk's agent UI.
type AgentUpdate struct {
	// Comment is the comment text; empty adds no comment.
	Comment string
	// Public makes the comment a public reply rather than an internal note.
	Public bool
	// Status sets the ticket status when not empty.
	Status string
}

// AgentUpdate updates a ticket as agent agentID would in the agent UI
// (via_id 0, "web"), runs the triggers and queues their webhooks. It is how
// a test plays an agent's reply: an API update has via_id 5 instead.
func (s *Server) AgentUpdate(ticketID, agentID int64, u AgentUpdate) (Ticket, error) {
	in := &ticketInput{}
	if u.Comment != "" {
		in.Comment = &commentInput{Body: ptr(u.Comment), Public: ptr(u.Public)}
	}
	if u.Status != "" {
		in.Status = nullString{Set: true, V: u.Status}
	}
	return s.changeTicket(ticketID, ViaWebForm, func(*ticketRec) (int64, *ticketInput, error) {
		if a, ok := s.st.users.get(agentID); !ok || !a.isAgent() {
			return 0, nil, errorf("user %d is not an agent", agentID)
		}
		return agentID, in, nil
	})
}

// AgentReply adds a comment by agent agentID through the agent UI (via_id
// 0): a public reply when public is true, else an internal note.
func (s *Server) AgentReply(ticketID, agentID int64, text string, public bool) error {
	_, err := s.AgentUpdate(ticketID, agentID, AgentUpdate{Comment: text, Public: public})
	return err
}

// EndUserReply adds a public comment by the ticket's requester as if it
// came by email (via_id 4), runs the triggers and queues their webhooks.
func (s *Server) EndUserReply(ticketID int64, text string) error {
	_, err := s.changeTicket(ticketID, ViaMail, func(rec *ticketRec) (int64, *ticketInput, error) {
		return rec.t.RequesterID, &ticketInput{Comment: &commentInput{Body: ptr(text)}}, nil
	})
	return err
}

// changeTicket makes a change a test helper acts out on ticket ticketID, as
// the vendor would record it: under the lock, prepare (given the ticket)
// names the actor and the change, or refuses it; the change is applied
// through via and the triggers run, and their webhooks are queued once the
// lock is released. It returns the ticket as changed.
func (s *Server) changeTicket(ticketID int64, via int, prepare func(*ticketRec) (actor int64, in *ticketInput, err error)) (Ticket, error) {
	s.mu.Lock()
	rec, ok := s.st.tickets.get(ticketID)
	if !ok {
		s.mu.Unlock()
		return Ticket{}, errorf("no ticket %d", ticketID)
	}
	actor, in, err := prepare(rec)
	if err != nil {
		s.mu.Unlock()
		return Ticket{}, err
	}
	now := s.stamp()
	w, err := s.st.updateTicket(rec, in, actor, via, now)
	if err != nil {
		s.mu.Unlock()
		return Ticket{}, errorf("update ticket %d: %v", ticketID, err)
	}
	out := s.st.runTriggers(w, now)
	t := rec.t.clone()
	s.mu.Unlock()
	s.dl.enqueue(out...)
	return t, nil
}
