package zendesktest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Users, user fields and groups
// (https://developer.zendesk.com/api-reference/ticketing/users/users/,
// https://developer.zendesk.com/api-reference/ticketing/users/user_fields/,
// https://developer.zendesk.com/api-reference/ticketing/groups/groups/).
//
// Users: create, show, me, show_many, list (role filter; offset or cursor),
// update, delete (deactivates), search (see search.go for the query
// subset) and create_or_update (matched by email, then external_id, both
// case-insensitive; 201 when created, 200 with Location when updated).
// user_fields values are stored by field key; dropdown values must be one
// of the field's options, and a key that names no user field is what
// unknownUserFieldKey (unconfirmed.go) guesses. Duplicate email or
// external_id answers 422 DuplicateValue.
//
// User fields: list, create, show, update, delete; key required, unique
// (422 DuplicateValue) and made of lower-case letters, digits and "_".
//
// Groups: list, create, show, update, delete.

type userInput struct {
	Name           nullString     `json:"name"`
	Email          nullString     `json:"email"`
	Phone          nullString     `json:"phone"`
	ExternalID     nullString     `json:"external_id"`
	Role           nullString     `json:"role"`
	Verified       *bool          `json:"verified"`
	Suspended      *bool          `json:"suspended"`
	Locale         nullString     `json:"locale"`
	LocaleID       flexInt        `json:"locale_id"`
	TimeZone       nullString     `json:"time_zone"`
	OrganizationID nullInt        `json:"organization_id"`
	DefaultGroupID nullInt        `json:"default_group_id"`
	Alias          nullString     `json:"alias"`
	Details        nullString     `json:"details"`
	Notes          nullString     `json:"notes"`
	Tags           *[]string      `json:"tags"`
	UserFields     map[string]any `json:"user_fields"`
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// applyUser validates in and applies it to u (a copy); self is u's id (0
// when creating) for uniqueness checks.
func (st *state) applyUser(u *User, in *userInput, creating bool) error {
	p := problems{}
	if in.Name.Set {
		u.Name = strings.TrimSpace(in.Name.V)
	}
	if (creating || in.Name.Set) && u.Name == "" {
		p.add("name", "Name", "is too short (minimum one character)", "BlankValue")
	}
	if in.Email.Set {
		if in.Email.Null || in.Email.V == "" {
			u.Email = nil
		} else if !emailRE.MatchString(in.Email.V) {
			p.add("email", "Email", in.Email.V+" is not properly formatted", "InvalidFormat")
		} else if o := st.userByEmail(in.Email.V); o != nil && o.ID != u.ID {
			p.add("email", "Email", in.Email.V+" is already being used by another user", "DuplicateValue")
		} else {
			u.Email = ptr(in.Email.V)
		}
	}
	if in.ExternalID.Set {
		if in.ExternalID.Null || in.ExternalID.V == "" {
			u.ExternalID = nil
		} else if o := st.userByExternalID(in.ExternalID.V); o != nil && o.ID != u.ID {
			p.add("external_id", "External", "has already been taken", "DuplicateValue")
		} else {
			u.ExternalID = ptr(in.ExternalID.V)
		}
	}
	if in.Role.Set {
		switch in.Role.V {
		case "end-user", "agent", "admin":
			u.Role = in.Role.V
		default:
			p.add("role", "Role", "is not valid", "InvalidValue")
		}
	}
	if in.Phone.Set {
		u.Phone = in.Phone.ptr()
	}
	if in.Verified != nil {
		u.Verified = *in.Verified
	}
	if in.Suspended != nil {
		u.Suspended = *in.Suspended
	}
	if in.Locale.Set && !in.Locale.Null {
		u.Locale = in.Locale.V
	}
	if in.LocaleID != 0 {
		u.LocaleID = int64(in.LocaleID)
	}
	if in.TimeZone.Set && !in.TimeZone.Null {
		u.TimeZone = in.TimeZone.V
	}
	setNullInt(&u.OrganizationID, in.OrganizationID)
	if in.DefaultGroupID.Set {
		if !in.DefaultGroupID.Null {
			if _, ok := st.groups.get(in.DefaultGroupID.V); !ok {
				p.add("default_group_id", "Default group", "is invalid", "InvalidValue")
			}
		}
		u.DefaultGroupID = in.DefaultGroupID.ptr()
	}
	if in.Alias.Set {
		u.Alias = in.Alias.ptr()
	}
	if in.Details.Set {
		u.Details = in.Details.ptr()
	}
	if in.Notes.Set {
		u.Notes = in.Notes.ptr()
	}
	if in.Tags != nil {
		u.Tags = normalizeTags(*in.Tags)
	}
	for k, v := range in.UserFields {
		f := st.userFieldByKey(k)
		if f == nil {
			if msg := unknownUserFieldKey(k); msg != "" {
				p.add("user_fields", k, msg, "InvalidValue")
			}
			continue
		}
		if msg := checkFieldValue(f, v); msg != "" {
			p.add("user_fields", f.Title, msg, "InvalidValue")
			continue
		}
		setFieldValue(u, k, v)
	}
	return p.err()
}

// setFieldValue sets a user's value for a user field key; nil removes it.
func setFieldValue(u *User, key string, v any) {
	if v == nil {
		delete(u.UserFields, key)
		return
	}
	if u.UserFields == nil {
		u.UserFields = map[string]any{}
	}
	u.UserFields[key] = v
}

// checkFieldValue checks a user field value; "" means valid.
func checkFieldValue(f *UserField, v any) string {
	if v == nil {
		return ""
	}
	switch f.Type {
	case "checkbox":
		if _, ok := v.(bool); !ok {
			return "is not a boolean"
		}
	case "integer":
		switch x := v.(type) {
		case float64:
			if x != float64(int64(x)) {
				return "is not an integer"
			}
		case string:
			if _, err := strconv.ParseInt(x, 10, 64); err != nil {
				return "is not an integer"
			}
		default:
			return "is not an integer"
		}
	case "dropdown":
		s, _ := v.(string)
		if !slices.ContainsFunc(f.CustomFieldOptions, func(o FieldOption) bool { return o.Value == s }) {
			return "is not one of the options"
		}
	case "regexp":
		s, _ := v.(string)
		if f.RegexpForValidation != nil {
			if re, err := regexp.Compile(*f.RegexpForValidation); err == nil && !re.MatchString(s) {
				return "is invalid"
			}
		}
	}
	return ""
}

// setUserFields sets user field values by key, ignoring unknown keys and
// invalid values.
func (st *state) setUserFields(u *User, values map[string]any) {
	st.userIx.remove(u)
	defer st.userIx.add(u)
	for k, v := range values {
		f := st.userFieldByKey(k)
		if f == nil || checkFieldValue(f, v) != "" {
			continue
		}
		setFieldValue(u, k, v)
	}
}

// createUser validates and stores a new user.
func (st *state) createUser(in *userInput, now time.Time) (*User, error) {
	u := User{Role: "end-user", Tags: []string{}, UserFields: map[string]any{}}
	if err := st.applyUser(&u, in, true); err != nil {
		return nil, err
	}
	return st.newUser(u, now), nil
}

// updateUser validates in and applies it to the stored user.
func (st *state) updateUser(stored *User, in *userInput, now time.Time) error {
	u := stored.clone()
	if err := st.applyUser(&u, in, false); err != nil {
		return err
	}
	u.UpdatedAt = now
	st.userIx.remove(stored)
	*stored = u
	st.userIx.add(stored)
	if u.isAgent() {
		st.ensureAgent(u.ID, now)
	}
	return nil
}

type userEnvelope struct {
	User *userInput `json:"user"`
}

func (s *Server) usersCreate(c *call) error {
	var env userEnvelope
	if err := c.decodeEnvelope("user", &env, func() bool { return env.User == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.st.createUser(env.User, s.stamp())
	if err != nil {
		return err
	}
	return c.created(u.URL, map[string]any{"user": s.st.userJSON(u)})
}

func (s *Server) usersCreateOrUpdate(c *call) error {
	var env userEnvelope
	if err := c.decodeEnvelope("user", &env, func() bool { return env.User == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.stamp()
	var found *User
	if env.User.Email.Set && env.User.Email.V != "" {
		found = s.st.userByEmail(env.User.Email.V)
	}
	if found == nil && env.User.ExternalID.Set && env.User.ExternalID.V != "" {
		found = s.st.userByExternalID(env.User.ExternalID.V)
	}
	if found == nil {
		u, err := s.st.createUser(env.User, now)
		if err != nil {
			return err
		}
		return c.created(u.URL, map[string]any{"user": s.st.userJSON(u)})
	}
	if err := s.st.updateUser(found, env.User, now); err != nil {
		return err
	}
	c.w.Header().Set("Location", found.URL)
	return c.json(http.StatusOK, map[string]any{"user": s.st.userJSON(found)})
}

func (s *Server) userGet(c *call) error {
	return show(s, c, "user", func(st *state) *table[int64, *User] { return st.users }, func(u *User) User { return s.st.userJSON(u) })
}

func (s *Server) userMe(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.users.get(c.user)
	if !ok {
		return errNotFound()
	}
	return c.json(200, map[string]any{"user": s.st.userJSON(u)})
}

func (s *Server) usersShowMany(c *call) error {
	ids, err := c.ids()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []User{}
	for _, id := range ids {
		if u, ok := s.st.users.get(id); ok {
			list = append(list, s.st.userJSON(u))
		}
	}
	return c.json(200, map[string]any{"users": list, "next_page": nil, "previous_page": nil, "count": len(list)})
}

func (s *Server) usersList(c *call) error {
	p, err := c.pageParams(pageBoth, 100)
	if err != nil {
		return err
	}
	q := c.r.URL.Query()
	roles := append(q["role[]"], q["role"]...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(roles) == 0 {
		return paginateTable(c, p, "users", s.st.users, s.st.userJSON)
	}
	// The role index finds the page (index.go); only the page is rendered.
	return paginateIDs[*User](c, p, "users", s.st.usersWithRoles(roles), s.st.userJSON)
}

func (s *Server) userUpdate(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	var env userEnvelope
	if err := c.decodeEnvelope("user", &env, func() bool { return env.User == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.users.get(id)
	if !ok {
		return errNotFound()
	}
	if err := s.st.updateUser(u, env.User, s.stamp()); err != nil {
		return err
	}
	return c.json(200, map[string]any{"user": s.st.userJSON(u)})
}

func (s *Server) userDelete(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.users.get(id)
	if !ok || !u.Active {
		return errNotFound()
	}
	u.Active = false
	u.UpdatedAt = s.stamp()
	return c.json(200, map[string]any{"user": s.st.userJSON(u)})
}

func (s *Server) usersSearch(c *call) error {
	p, err := c.pageParams(pageOffset, 100)
	if err != nil {
		return err
	}
	q := c.r.URL.Query()
	query, ext := q.Get("query"), q.Get("external_id")
	if query == "" && ext == "" {
		return errBadParameter("query or external_id is required")
	}
	if p.page*p.perPage > 10000 {
		return errPagination("user search is limited to 10,000 records per query")
	}
	terms := parseQuery(query)
	s.mu.Lock()
	defer s.mu.Unlock()
	// Candidates from an index when the external id or a term allows
	// (index.go), else every user.
	var users []*User
	all := true
	if ext != "" {
		users, all = s.st.usersOf(s.st.userIx.external[foldKey(ext)]), false
	} else {
		users, all = s.st.userCandidates(terms)
	}
	if all {
		users = s.st.users.values()
	}
	var list []*User
	for _, u := range users {
		if ext != "" && (u.ExternalID == nil || !strings.EqualFold(*u.ExternalID, ext)) {
			continue
		}
		if query != "" && !s.st.matchUser(u, terms) {
			continue
		}
		list = append(list, u)
	}
	page, next, prev := c.offsetPage(p, len(list))
	return c.json(200, map[string]any{"users": convAll(list[page[0]:page[1]], s.st.userJSON), "next_page": next, "previous_page": prev, "count": len(list)})
}

// --- user fields ---

var (
	userFieldTypes = []string{"text", "textarea", "checkbox", "date", "integer", "decimal", "regexp", "dropdown", "lookup", "multiselect"}
	fieldKeyRE     = regexp.MustCompile(`^[a-z0-9_]+$`)
)

type userFieldInput struct {
	Type                nullString    `json:"type"`
	Key                 nullString    `json:"key"`
	Title               nullString    `json:"title"`
	Description         nullString    `json:"description"`
	Position            *int          `json:"position"`
	Active              *bool         `json:"active"`
	RegexpForValidation nullString    `json:"regexp_for_validation"`
	Tag                 nullString    `json:"tag"`
	CustomFieldOptions  []FieldOption `json:"custom_field_options"`
}

func (st *state) applyUserField(f *UserField, in *userFieldInput, creating bool) error {
	p := problems{}
	if in.Type.Set && creating {
		f.Type = in.Type.V
	}
	if !slices.Contains(userFieldTypes, f.Type) {
		p.add("type", "Type", "is not valid", "InvalidValue")
	}
	if in.Key.Set && creating {
		f.Key = in.Key.V
	}
	switch {
	case f.Key == "":
		p.add("key", "Key", "cannot be blank", "BlankValue")
	case !fieldKeyRE.MatchString(f.Key):
		p.add("key", "Key", "is invalid", "InvalidValue")
	case creating && st.userFieldByKey(f.Key) != nil:
		p.add("key", "Key", "has already been taken", "DuplicateValue")
	}
	if in.Title.Set {
		f.Title, f.RawTitle = in.Title.V, in.Title.V
	}
	if f.Title == "" {
		p.add("title", "Title", "cannot be blank", "BlankValue")
	}
	if in.Description.Set {
		f.Description, f.RawDescription = in.Description.V, in.Description.V
	}
	if in.Position != nil {
		f.Position = *in.Position
	}
	if in.Active != nil {
		f.Active = *in.Active
	}
	if in.RegexpForValidation.Set {
		f.RegexpForValidation = in.RegexpForValidation.ptr()
	}
	if in.Tag.Set {
		f.Tag = in.Tag.ptr()
	}
	if in.CustomFieldOptions != nil {
		f.CustomFieldOptions = nil
		for _, o := range in.CustomFieldOptions {
			if o.ID == 0 {
				o.ID = st.nextID()
			}
			f.CustomFieldOptions = append(f.CustomFieldOptions, o)
		}
	}
	if (f.Type == "dropdown" || f.Type == "multiselect") && len(f.CustomFieldOptions) == 0 {
		p.add("custom_field_options", "Field options", "cannot be blank", "BlankValue")
	}
	return p.err()
}

type userFieldEnvelope struct {
	UserField *userFieldInput `json:"user_field"`
}

func (s *Server) userFieldsList(c *call) error {
	return listAll(s, c, "user_fields", func(st *state) *table[int64, *UserField] { return st.userFields }, same)
}

func (s *Server) userFieldsCreate(c *call) error {
	var env userFieldEnvelope
	if err := c.decodeEnvelope("user_field", &env, func() bool { return env.UserField == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.st.addUserField(env.UserField)
	if err != nil {
		return err
	}
	return c.created(f.URL, map[string]any{"user_field": *f})
}

// addUserField validates and stores a new user field.
func (st *state) addUserField(in *userFieldInput) (*UserField, error) {
	f := &UserField{Type: "text", Active: true, Position: st.userFields.len()}
	if err := st.applyUserField(f, in, true); err != nil {
		return nil, err
	}
	insert(st.s, st.userFields, "/api/v2/user_fields/%d.json", f)
	st.fieldKeys[f.Key] = f.ID
	return f, nil
}

func (s *Server) userFieldGet(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.st.userFieldFromPath(c)
	if err != nil {
		return err
	}
	return c.json(200, map[string]any{"user_field": *f})
}

// userFieldFromPath finds the field named by {id}: an id or a key.
func (st *state) userFieldFromPath(c *call) (*UserField, error) {
	raw := c.r.PathValue("id")
	if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
		if f, ok := st.userFields.get(id); ok {
			return f, nil
		}
		return nil, errNotFound()
	}
	if f := st.userFieldByKey(raw); f != nil {
		return f, nil
	}
	return nil, errNotFound()
}

func (s *Server) userFieldUpdate(c *call) error {
	var env userFieldEnvelope
	if err := c.decodeEnvelope("user_field", &env, func() bool { return env.UserField == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, err := s.st.userFieldFromPath(c)
	if err != nil {
		return err
	}
	return update(s, c, "user_field", stored, UserField.clone, func(f *UserField) error {
		return s.st.applyUserField(f, env.UserField, false)
	})
}

func (s *Server) userFieldDelete(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.st.userFieldFromPath(c)
	if err != nil {
		return err
	}
	s.st.userFields.del(f.ID)
	delete(s.st.fieldKeys, f.Key)
	// The users with a value are those the index holds under the key.
	for _, ids := range s.st.userIx.fields[f.Key] {
		for _, u := range s.st.usersOf(ids) {
			delete(u.UserFields, f.Key)
		}
	}
	delete(s.st.userIx.fields, f.Key)
	return c.noContent()
}

// --- groups ---

type groupInput struct {
	Name        nullString `json:"name"`
	Description nullString `json:"description"`
	IsPublic    *bool      `json:"is_public"`
	Default     *bool      `json:"default"`
}

func applyGroup(g *Group, in *groupInput) error {
	if in.Name.Set {
		g.Name = strings.TrimSpace(in.Name.V)
	}
	if g.Name == "" {
		return invalidField("name", "Name", "cannot be blank", "BlankValue")
	}
	if in.Description.Set {
		g.Description = in.Description.V
	}
	if in.IsPublic != nil {
		g.IsPublic = *in.IsPublic
	}
	if in.Default != nil {
		g.Default = *in.Default
	}
	return nil
}

func groupsTable(st *state) *table[int64, *Group] { return st.groups }

type groupEnvelope struct {
	Group *groupInput `json:"group"`
}

func (s *Server) groupsList(c *call) error { return listAll(s, c, "groups", groupsTable, same) }

func (s *Server) groupsCreate(c *call) error {
	var env groupEnvelope
	if err := c.decodeEnvelope("group", &env, func() bool { return env.Group == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := &Group{IsPublic: true}
	if err := applyGroup(g, env.Group); err != nil {
		return err
	}
	insert(s, s.st.groups, "/api/v2/groups/%d.json", g)
	return c.created(g.URL, map[string]any{"group": *g})
}

func (s *Server) groupGet(c *call) error { return show(s, c, "group", groupsTable, same) }

func (s *Server) groupUpdate(c *call) error {
	var env groupEnvelope
	if err := c.decodeEnvelope("group", &env, func() bool { return env.Group == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, err := lookup(c, s.st.groups)
	if err != nil {
		return err
	}
	return update(s, c, "group", stored, Group.clone, func(g *Group) error { return applyGroup(g, env.Group) })
}

func (s *Server) groupDelete(c *call) error { return remove(s, c, groupsTable) }

// --- state accessors ---

// User returns a copy of a user as the API shows it.
func (s *Server) User(id int64) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.users.get(id)
	if !ok {
		return User{}, false
	}
	return s.st.userJSON(u), true
}

// Users returns copies of every user, by id.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []User
	for _, u := range s.st.users.values() {
		out = append(out, s.st.userJSON(u))
	}
	return out
}

// AddUser stores a user directly (no validation beyond the role) and
// returns it with its id. Role defaults to "end-user"; agents and admins
// get an availability record with every channel offline.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u = u.clone()
	p := s.st.newUser(u, s.stamp())
	return s.st.userJSON(p)
}

// AddAgent adds an agent and returns its id.
func (s *Server) AddAgent(name, email string) int64 {
	return s.AddUser(User{Name: name, Email: ptr(email), Role: "agent", Verified: true}).ID
}

// AddUserField adds a custom user field (type "text" when empty) and
// returns it.
func (s *Server) AddUserField(f UserField) (UserField, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := userFieldInput{
		Type: nullString{Set: f.Type != "", V: f.Type}, Key: nullString{Set: true, V: f.Key},
		Title: nullString{Set: true, V: f.Title}, CustomFieldOptions: f.CustomFieldOptions,
	}
	if in.Title.V == "" {
		in.Title.V = f.Key
	}
	nf, err := s.st.addUserField(&in)
	if err != nil {
		return UserField{}, errorf("add user field: %v", err)
	}
	return nf.clone(), nil
}

// SetUserField sets a custom field value on a user (nil clears it).
func (s *Server) SetUserField(userID int64, key string, value any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.users.get(userID)
	if !ok {
		return errorf("no user %d", userID)
	}
	f := s.st.userFieldByKey(key)
	if f == nil {
		return errorf("no user field %q", key)
	}
	// Normalize through JSON so values look as decoded from the wire.
	if value != nil {
		b, err := json.Marshal(value)
		if err != nil {
			return errorf("user field %q: %v", key, err)
		}
		_ = json.Unmarshal(b, &value)
	}
	if msg := checkFieldValue(f, value); msg != "" {
		return errorf("user field %q: %s", key, msg)
	}
	s.st.setUserFields(u, map[string]any{key: value})
	return nil
}

// AddGroup adds a group and returns its id.
func (s *Server) AddGroup(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := &Group{Name: name, IsPublic: true}
	insert(s, s.st.groups, "/api/v2/groups/%d.json", g)
	return g.ID
}
