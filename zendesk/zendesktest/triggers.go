package zendesktest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Triggers and trigger categories
// (https://developer.zendesk.com/api-reference/ticketing/business-rules/triggers/,
// https://developer.zendesk.com/api-reference/ticketing/business-rules/trigger_categories/).
//
// Endpoints: triggers list (filters active, category_id; offset or cursor;
// ordered by category position, then position; sort_by and sort_order are
// ignored), active, show, create,
// update, delete; trigger categories list (cursor or offset), create, show,
// update (PATCH or PUT), delete (refused while triggers use the category:
// errCategoryNotEmpty, a guess in unconfirmed.go).
//
// Triggers run after every ticket create and update, in order, each at most
// once per update; after one fires the cycle starts again from the first
// trigger, since its actions may make others match (Zendesk's trigger
// cycle). Webhook bodies are rendered once the cycle is over.
//
// Conditions the fake evaluates (others answer 422 at create/update, so a
// misspelt trigger is not silently inert):
//
//	update_type            is / is_not  "Create" | "Change"
//	comment_is_public      is / is_not  "true" | "requester_can_see_comment" (a public
//	                                    comment is in the update), "false" (a private
//	                                    one), "not_relevant" (any comment)
//	comment_includes_word  includes / not_includes / is / is_not (any of the words),
//	                       includes_string / not_includes_string (substring)
//	status, priority       is, is_not, less_than, greater_than, changed, not_changed,
//	                       value (changed to), not_value, value_previous (changed
//	                       from), not_value_previous
//	type                   is, is_not, changed, not_changed, value, value_previous
//	group_id, assignee_id, requester_id
//	                       is, is_not ("" means none), changed, not_changed
//	current_via_id, via_id is / is_not N (the update's via, the ticket's via)
//	current_tags           includes / not_includes (space-separated tags)
//	role                   is / is_not  "end_user" | "agent" | "admin" (the updater)
//	requester.custom_fields.<key or field id>
//	                       present, not_present, is, is_not, includes, not_includes
//
// Actions: status, priority, type, group_id, assignee_id, set_tags,
// current_tags (add), remove_tags, notification_webhook ([webhook_id,
// body]); notification_user, notification_group and notification_target
// are accepted and do nothing.

type flexString struct {
	Set, Null bool
	V         string
}

func (f *flexString) UnmarshalJSON(b []byte) error {
	f.Set = true
	s := strings.TrimSpace(string(b))
	if s == "null" {
		f.Null = true
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		return json.Unmarshal(b, &f.V)
	}
	f.V = s
	return nil
}

type triggerInput struct {
	Title       nullString  `json:"title"`
	Description nullString  `json:"description"`
	Active      *bool       `json:"active"`
	Position    *int        `json:"position"`
	CategoryID  flexString  `json:"category_id"`
	Conditions  *Conditions `json:"conditions"`
	Actions     *[]Action   `json:"actions"`
}

var conditionOps = map[string][]string{
	"update_type":           {"is", "is_not"},
	"comment_is_public":     {"is", "is_not"},
	"comment_includes_word": {"includes", "not_includes", "is", "is_not", "includes_string", "not_includes_string"},
	"status":                {"is", "is_not", "less_than", "greater_than", "changed", "not_changed", "value", "not_value", "value_previous", "not_value_previous"},
	"priority":              {"is", "is_not", "less_than", "greater_than", "changed", "not_changed", "value", "not_value", "value_previous", "not_value_previous"},
	"type":                  {"is", "is_not", "changed", "not_changed", "value", "not_value", "value_previous", "not_value_previous"},
	"group_id":              {"is", "is_not", "changed", "not_changed"},
	"assignee_id":           {"is", "is_not", "changed", "not_changed"},
	"requester_id":          {"is", "is_not", "changed", "not_changed"},
	"current_via_id":        {"is", "is_not"},
	"via_id":                {"is", "is_not"},
	"current_tags":          {"includes", "not_includes"},
	"role":                  {"is", "is_not"},
}

var requesterFieldOps = []string{"present", "not_present", "is", "is_not", "includes", "not_includes"}

const requesterFieldPrefix = "requester.custom_fields."

var actionFields = []string{"status", "priority", "type", "group_id", "assignee_id", "set_tags", "current_tags", "remove_tags", "notification_webhook", "notification_user", "notification_group", "notification_target"}

// rawText renders a condition or action value as text.
func rawText(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return ""
	}
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fieldString(e)
		}
		return strings.Join(parts, " ")
	default:
		return fieldString(x)
	}
}

func (st *state) validateTrigger(t *Trigger) error {
	p := problems{}
	if strings.TrimSpace(t.Title) == "" {
		p.add("title", "Title", "cannot be blank", "BlankValue")
	}
	if len(t.Conditions.All)+len(t.Conditions.Any) == 0 {
		p.add("conditions", "Conditions", "must have at least one condition", "BlankValue")
	}
	for _, c := range slices.Concat(t.Conditions.All, t.Conditions.Any) {
		ops, ok := conditionOps[c.Field]
		if key, isReq := strings.CutPrefix(c.Field, requesterFieldPrefix); isReq {
			ops, ok = requesterFieldOps, st.userFieldByRef(key) != nil
		}
		switch {
		case !ok:
			p.add("conditions", "Conditions", fmt.Sprintf("field %q is not supported by zendesktest", c.Field), "InvalidValue")
		case !slices.Contains(ops, c.Operator):
			p.add("conditions", "Conditions", fmt.Sprintf("operator %q is not valid for %q", c.Operator, c.Field), "InvalidValue")
		}
	}
	if len(t.Actions) == 0 {
		p.add("actions", "Actions", "must have at least one action", "BlankValue")
	}
	for _, a := range t.Actions {
		if !slices.Contains(actionFields, a.Field) {
			p.add("actions", "Actions", fmt.Sprintf("field %q is not supported by zendesktest", a.Field), "InvalidValue")
			continue
		}
		if a.Field == "notification_webhook" {
			var v []string
			if err := json.Unmarshal(a.Value, &v); err != nil || len(v) != 2 {
				p.add("actions", "Actions", "notification_webhook needs [webhook_id, body]", "InvalidValue")
				continue
			}
			w, ok := st.webhooks.get(v[0])
			if !ok || !slices.Contains(w.w.Subscriptions, "conditional_ticket_events") {
				p.add("actions", "Actions", fmt.Sprintf("webhook %q is not a trigger or automation webhook", v[0]), "InvalidValue")
			}
		}
	}
	if t.CategoryID != nil {
		if _, ok := st.categories.get(*t.CategoryID); !ok {
			p.add("category_id", "Category", "is invalid", "InvalidValue")
		}
	}
	return p.err()
}

// userFieldByRef finds a user field by key or id.
func (st *state) userFieldByRef(ref string) *UserField {
	if f := st.userFieldByKey(ref); f != nil {
		return f
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if f, ok := st.userFields.get(id); ok {
			return f
		}
	}
	return nil
}

func applyTrigger(t *Trigger, in *triggerInput) {
	if in.Title.Set {
		t.Title, t.RawTitle = in.Title.V, in.Title.V
	}
	if in.Description.Set {
		t.Description = in.Description.ptr()
	}
	if in.Active != nil {
		t.Active = *in.Active
	}
	if in.Position != nil {
		t.Position = *in.Position
	}
	if in.CategoryID.Set {
		if in.CategoryID.Null || in.CategoryID.V == "" {
			t.CategoryID = nil
		} else {
			t.CategoryID = ptr(in.CategoryID.V)
		}
	}
	if in.Conditions != nil {
		t.Conditions = *in.Conditions
	}
	if in.Actions != nil {
		t.Actions = *in.Actions
	}
	if t.Conditions.All == nil {
		t.Conditions.All = []Condition{}
	}
	if t.Conditions.Any == nil {
		t.Conditions.Any = []Condition{}
	}
}

// orderedTriggers returns the triggers in firing order.
func (st *state) orderedTriggers() []*Trigger {
	list := st.triggers.values()
	catPos := func(t *Trigger) int {
		if t.CategoryID == nil {
			return -1
		}
		if c, ok := st.categories.get(*t.CategoryID); ok {
			return c.c.Position
		}
		return -1
	}
	slices.SortStableFunc(list, func(a, b *Trigger) int {
		if d := catPos(a) - catPos(b); d != 0 {
			return d
		}
		if d := a.Position - b.Position; d != 0 {
			return d
		}
		return int(a.ID - b.ID)
	})
	return list
}

type triggerEnvelope struct {
	Trigger *triggerInput `json:"trigger"`
}

func (s *Server) triggersList(c *call) error {
	return s.listTriggers(c, false)
}

func (s *Server) triggersActive(c *call) error {
	return s.listTriggers(c, true)
}

func (s *Server) listTriggers(c *call, activeOnly bool) error {
	p, err := c.pageParams(pageBoth, 100)
	if err != nil {
		return err
	}
	q := c.r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []Trigger
	keys := map[int64]string{}
	for _, t := range s.st.orderedTriggers() {
		if (activeOnly || q.Get("active") == "true") && !t.Active {
			continue
		}
		if q.Get("active") == "false" && t.Active {
			continue
		}
		if cat := q.Get("category_id"); cat != "" && (t.CategoryID == nil || *t.CategoryID != cat) {
			continue
		}
		list = append(list, t.clone())
		keys[t.ID] = s.st.triggerKey(t)
	}
	return paginate(c, p, "triggers", list, func(t Trigger) string { return keys[t.ID] })
}

// triggerKey orders triggers in cursor pages as orderedTriggers does, with
// keys that stay valid when other triggers are added or removed.
func (st *state) triggerKey(t *Trigger) string {
	cat := int64(0)
	if t.CategoryID != nil {
		if c, ok := st.categories.get(*t.CategoryID); ok {
			cat = int64(c.c.Position) + 1 + 1<<31
		}
	}
	return seqKey(cat) + seqKey(int64(t.Position)+1<<31) + seqKey(t.ID)
}

func triggersTable(st *state) *table[int64, *Trigger] { return st.triggers }

func (s *Server) triggerGet(c *call) error { return show(s, c, "trigger", triggersTable, same) }

func (s *Server) triggersCreate(c *call) error {
	var env triggerEnvelope
	if err := c.decodeEnvelope("trigger", &env, func() bool { return env.Trigger == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pos := 0
	for _, t := range s.st.triggers.values() {
		pos = max(pos, t.Position)
	}
	t := &Trigger{Active: true, Position: pos + 1}
	applyTrigger(t, env.Trigger)
	if err := s.st.validateTrigger(t); err != nil {
		return err
	}
	insert(s, s.st.triggers, "/api/v2/triggers/%d.json", t)
	return c.created(t.URL, map[string]any{"trigger": *t})
}

func (s *Server) triggerUpdate(c *call) error {
	var env triggerEnvelope
	if err := c.decodeEnvelope("trigger", &env, func() bool { return env.Trigger == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, err := lookup(c, s.st.triggers)
	if err != nil {
		return err
	}
	return update(s, c, "trigger", stored, Trigger.clone, func(t *Trigger) error {
		applyTrigger(t, env.Trigger)
		return s.st.validateTrigger(t)
	})
}

func (s *Server) triggerDelete(c *call) error { return remove(s, c, triggersTable) }

// --- categories ---

type categoryInput struct {
	Name     nullString `json:"name"`
	Position *int       `json:"position"`
}

func (s *Server) categoriesList(c *call) error {
	p, err := c.pageParams(pageBoth, 100)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := s.st.categories.values()
	slices.SortStableFunc(recs, func(a, b *categoryRec) int {
		if d := a.c.Position - b.c.Position; d != 0 {
			return d
		}
		return int(a.seq - b.seq)
	})
	var list []TriggerCategory
	keys := map[string]string{}
	for _, r := range recs {
		list = append(list, r.c)
		keys[r.c.ID] = seqKey(int64(r.c.Position)+1<<31) + seqKey(r.seq)
	}
	return paginate(c, p, "trigger_categories", list, func(t TriggerCategory) string { return keys[t.ID] })
}

func (s *Server) categoriesCreate(c *call) error {
	var env struct {
		TriggerCategory *categoryInput `json:"trigger_category"`
	}
	if err := c.decodeEnvelope("trigger_category", &env, func() bool { return env.TriggerCategory == nil }); err != nil {
		return err
	}
	if strings.TrimSpace(env.TriggerCategory.Name.V) == "" {
		return invalidField("name", "Name", "cannot be blank", "BlankValue")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.stamp()
	seq := s.st.nextID()
	cat := TriggerCategory{ID: itoa(seq), Name: env.TriggerCategory.Name.V, Position: s.st.categories.len() + 1, CreatedAt: now, UpdatedAt: now}
	if env.TriggerCategory.Position != nil {
		cat.Position = *env.TriggerCategory.Position
	}
	s.st.categories.put(cat.ID, &categoryRec{c: cat, seq: seq})
	return c.created(s.st.url("/api/v2/trigger_categories/%s", cat.ID), map[string]any{"trigger_category": cat})
}

func (s *Server) categoryGet(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.categories.get(c.r.PathValue("id"))
	if !ok {
		return errNotFound()
	}
	return c.json(200, map[string]any{"trigger_category": r.c})
}

func (s *Server) categoryUpdate(c *call) error {
	var env struct {
		TriggerCategory *categoryInput `json:"trigger_category"`
	}
	if err := c.decodeEnvelope("trigger_category", &env, func() bool { return env.TriggerCategory == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.categories.get(c.r.PathValue("id"))
	if !ok {
		return errNotFound()
	}
	if env.TriggerCategory.Name.Set {
		if strings.TrimSpace(env.TriggerCategory.Name.V) == "" {
			return invalidField("name", "Name", "cannot be blank", "BlankValue")
		}
		r.c.Name = env.TriggerCategory.Name.V
	}
	if env.TriggerCategory.Position != nil {
		r.c.Position = *env.TriggerCategory.Position
	}
	r.c.UpdatedAt = s.stamp()
	return c.json(200, map[string]any{"trigger_category": r.c})
}

func (s *Server) categoryDelete(c *call) error {
	id := c.r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.categories.get(id); !ok {
		return errNotFound()
	}
	for _, t := range s.st.triggers.values() {
		if t.CategoryID != nil && *t.CategoryID == id {
			return errCategoryNotEmpty()
		}
	}
	s.st.categories.del(id)
	return c.noContent()
}

// --- evaluation ---

type pendingWebhook struct {
	trigger   *Trigger
	webhookID string
	template  string
}

// runTriggers runs the trigger cycle for a ticket write and returns the
// webhook deliveries to queue.
func (st *state) runTriggers(w *ticketWrite, now time.Time) []outbound {
	fired := map[int64]bool{}
	var pending []pendingWebhook
	for {
		var next *Trigger
		for _, t := range st.orderedTriggers() {
			if t.Active && !fired[t.ID] && st.triggerMatches(t, w) {
				next = t
				break
			}
		}
		if next == nil {
			break
		}
		fired[next.ID] = true
		st.firings = append(st.firings, TriggerFiring{TriggerID: next.ID, Title: next.Title, TicketID: w.rec.t.ID, Time: now})
		pending = append(pending, st.applyActions(next, w)...)
	}
	if len(fired) > 0 {
		w.rec.t.UpdatedAt = now
	}
	var out []outbound
	for _, p := range pending {
		rec, ok := st.webhooks.get(p.webhookID)
		if !ok {
			continue
		}
		if o, ok := st.triggerDelivery(rec, p, w, now); ok {
			out = append(out, o)
		}
	}
	return out
}

func (st *state) triggerMatches(t *Trigger, w *ticketWrite) bool {
	for _, c := range t.Conditions.All {
		if !st.conditionMatches(c, w) {
			return false
		}
	}
	if len(t.Conditions.Any) == 0 {
		return true
	}
	for _, c := range t.Conditions.Any {
		if st.conditionMatches(c, w) {
			return true
		}
	}
	return false
}

func (st *state) conditionMatches(c Condition, w *ticketWrite) bool {
	t := &w.rec.t
	val := rawText(c.Value)
	neg := strings.HasPrefix(c.Operator, "not_") || c.Operator == "is_not"
	if key, ok := strings.CutPrefix(c.Field, requesterFieldPrefix); ok {
		return st.requesterFieldMatches(t.RequesterID, key, c.Operator, val)
	}
	switch c.Field {
	case "update_type":
		is := strings.EqualFold(val, "Create") == w.create
		return is != neg
	case "comment_is_public":
		var is bool
		cm := w.comment
		switch strings.ToLower(val) {
		case "true", "requester_can_see_comment":
			is = cm != nil && cm.Public
		case "false":
			is = cm != nil && !cm.Public
		case "not_relevant":
			is = cm != nil
		}
		return is != neg
	case "comment_includes_word":
		if w.comment == nil {
			return neg
		}
		body := strings.ToLower(w.comment.Body)
		var is bool
		if strings.HasSuffix(c.Operator, "includes_string") {
			is = strings.Contains(body, strings.ToLower(val))
		} else {
			words := strings.FieldsFunc(body, func(r rune) bool { return !isWordRune(r) })
			for _, want := range strings.Fields(strings.ToLower(val)) {
				if slices.Contains(words, want) {
					is = true
				}
			}
		}
		return is != neg
	case "status":
		return orderedCondition(statusOrder, w.before.Status, t.Status, c.Operator, val, w.create)
	case "priority":
		return orderedCondition(priorities, deref(w.before.Priority), deref(t.Priority), c.Operator, val, w.create)
	case "type":
		return orderedCondition(ticketTypes, deref(w.before.Type), deref(t.Type), c.Operator, val, w.create)
	case "group_id":
		return idCondition(w.before.GroupID, t.GroupID, c.Operator, val, w.create)
	case "assignee_id":
		return idCondition(w.before.AssigneeID, t.AssigneeID, c.Operator, val, w.create)
	case "requester_id":
		return idCondition(&w.before.RequesterID, &t.RequesterID, c.Operator, val, w.create)
	case "current_via_id":
		return (val == strconv.Itoa(w.viaID)) != neg
	case "via_id":
		return (val == strconv.Itoa(t.ViaID)) != neg
	case "current_tags":
		is := false
		for _, tag := range strings.Fields(strings.ToLower(val)) {
			if slices.Contains(t.Tags, tag) {
				is = true
			}
		}
		return is != neg
	case "role":
		u, ok := st.users.get(w.actor)
		role := "end_user"
		if ok && u.isAgent() {
			role = u.Role
		}
		return strings.EqualFold(role, val) != neg
	}
	return false
}

func isWordRune(r rune) bool {
	return r == '_' || r == '-' || r == '\'' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || r > 127
}

// orderedCondition evaluates status/priority/type operators.
func orderedCondition(order []string, before, now, op, val string, create bool) bool {
	val = strings.ToLower(val)
	changed := create || before != now
	switch op {
	case "is":
		return now == val
	case "is_not":
		return now != val
	case "less_than":
		i, j := slices.Index(order, now), slices.Index(order, val)
		return i >= 0 && j >= 0 && i < j
	case "greater_than":
		i, j := slices.Index(order, now), slices.Index(order, val)
		return i >= 0 && j >= 0 && i > j
	case "changed":
		return changed
	case "not_changed":
		return !changed
	case "value":
		return changed && now == val
	case "not_value":
		return !(changed && now == val)
	case "value_previous":
		return changed && !create && before == val
	case "not_value_previous":
		return !(changed && !create && before == val)
	}
	return false
}

func idCondition(before, now *int64, op, val string, create bool) bool {
	b, n := derefInt(before), derefInt(now)
	want, _ := strconv.ParseInt(val, 10, 64)
	switch op {
	case "is":
		return n == want
	case "is_not":
		return n != want
	case "changed":
		return create || b != n
	case "not_changed":
		return !create && b == n
	}
	return false
}

func (st *state) requesterFieldMatches(userID int64, ref, op, val string) bool {
	f := st.userFieldByRef(ref)
	u, ok := st.users.get(userID)
	if f == nil || !ok {
		return op == "not_present" || op == "is_not" || op == "not_includes"
	}
	v, set := u.UserFields[f.Key]
	have := ""
	if set && v != nil {
		have = fieldString(v)
	}
	switch op {
	case "present":
		return have != "" && have != "false"
	case "not_present":
		return have == "" || have == "false"
	case "is":
		return strings.EqualFold(have, val)
	case "is_not":
		return !strings.EqualFold(have, val)
	case "includes":
		return containsFold(have, val)
	case "not_includes":
		return !containsFold(have, val)
	}
	return false
}

// applyActions applies a fired trigger's actions to the ticket and returns
// its webhook notifications.
func (st *state) applyActions(tr *Trigger, w *ticketWrite) []pendingWebhook {
	t := &w.rec.t
	var out []pendingWebhook
	for _, a := range tr.Actions {
		val := rawText(a.Value)
		switch a.Field {
		case "status":
			if slices.Contains(statusOrder, val) {
				t.Status = val
			}
		case "priority":
			if val == "" {
				t.Priority = nil
			} else if slices.Contains(priorities, val) {
				t.Priority = ptr(val)
			}
		case "type":
			if val == "" {
				t.Type = nil
			} else if slices.Contains(ticketTypes, val) {
				t.Type = ptr(val)
			}
		case "group_id":
			if n, err := strconv.ParseInt(val, 10, 64); err == nil {
				t.GroupID = ptr(n)
			} else {
				t.GroupID = nil
			}
		case "assignee_id":
			if n, err := strconv.ParseInt(val, 10, 64); err == nil {
				t.AssigneeID = ptr(n)
			} else if val == "current_user" {
				t.AssigneeID = ptr(w.actor)
			} else {
				t.AssigneeID = nil
			}
		case "set_tags":
			t.Tags = normalizeTags(strings.Fields(val))
		case "current_tags":
			t.Tags = normalizeTags(append(t.Tags, strings.Fields(val)...))
		case "remove_tags":
			rm := normalizeTags(strings.Fields(val))
			t.Tags = slices.DeleteFunc(t.Tags, func(s string) bool { return slices.Contains(rm, s) })
		case "notification_webhook":
			var v []string
			if json.Unmarshal(a.Value, &v) == nil && len(v) == 2 {
				out = append(out, pendingWebhook{trigger: tr, webhookID: v[0], template: v[1]})
			}
		}
	}
	return out
}

// --- accessors ---

// TriggerFiring records that a trigger fired on a ticket update.
type TriggerFiring struct {
	TriggerID int64
	Title     string
	TicketID  int64
	Time      time.Time
}

// Firings returns every trigger firing, oldest first.
func (s *Server) Firings() []TriggerFiring {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.firings)
}

// Triggers returns copies of the triggers in firing order.
func (s *Server) Triggers() []Trigger {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Trigger
	for _, t := range s.st.orderedTriggers() {
		out = append(out, t.clone())
	}
	return out
}

// TriggerCategories returns the trigger categories by position.
func (s *Server) TriggerCategories() []TriggerCategory {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []TriggerCategory
	for _, r := range s.st.categories.values() {
		out = append(out, r.c)
	}
	slices.SortStableFunc(out, func(a, b TriggerCategory) int { return a.Position - b.Position })
	return out
}
