package conversationstest

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"
)

// checkMetadata enforces the API's rule for metadata objects: flat, values
// string, number or boolean, at most 4 KB.
func checkMetadata(field string, m map[string]any) error {
	for k, v := range m {
		switch v.(type) {
		case string, float64, bool, json.Number:
		default:
			return badRequest("%s must be a flat object of string, number and boolean values; %q is not", field, k)
		}
	}
	if b, _ := json.Marshal(m); len(b) > MaxMetadataSize {
		return badRequest("%s is %d bytes; the limit is %d bytes (4 KB)", field, len(b), MaxMetadataSize)
	}
	return nil
}

func checkLen(field, v string, minN, maxN int) error {
	n := utf8.RuneCountInString(v)
	if n < minN || n > maxN {
		if minN > 0 {
			return badRequest("%s must be %d to %d characters long; it is %d", field, minN, maxN, n)
		}
		return badRequest("%s must be at most %d characters long; it is %d", field, maxN, n)
	}
	return nil
}

type profileInput struct {
	GivenName *string `json:"givenName"`
	Surname   *string `json:"surname"`
	Email     *string `json:"email"`
	AvatarURL *string `json:"avatarUrl"`
	Locale    *string `json:"locale"`
}

func (in *profileInput) apply(p *Profile) error {
	if in == nil {
		return nil
	}
	for _, f := range []struct {
		name string
		v    *string
		dst  *string
		max  int
	}{
		{"profile.givenName", in.GivenName, &p.GivenName, 128},
		{"profile.surname", in.Surname, &p.Surname, 128},
		{"profile.email", in.Email, &p.Email, 128},
		{"profile.avatarUrl", in.AvatarURL, &p.AvatarURL, 2048},
		{"profile.locale", in.Locale, &p.Locale, 128},
	} {
		if f.v == nil {
			continue
		}
		if err := checkLen(f.name, *f.v, 0, f.max); err != nil {
			return err
		}
		*f.dst = *f.v
	}
	return nil
}

type userInput struct {
	ExternalID   *string        `json:"externalId"`
	BrandID      *string        `json:"brandId"`
	SignedUpAt   *string        `json:"signedUpAt"`
	ToBeRetained *bool          `json:"toBeRetained"`
	Profile      *profileInput  `json:"profile"`
	Metadata     map[string]any `json:"metadata"`
}

// applyUser checks in and sets it on u, leaving the indexes to the
// caller. Callers hold s.mu.
func (st *state) applyUser(u *User, in *userInput) error {
	if in.ExternalID != nil {
		if err := checkLen("externalId", *in.ExternalID, 1, MaxExternalIDLength); err != nil {
			return err
		}
		if other, ok := st.usersByExt[*in.ExternalID]; ok && other.ID != u.ID {
			return &apiError{http.StatusConflict, "conflict", "User already exists"}
		}
	}
	if in.BrandID != nil {
		if err := checkLen("brandId", *in.BrandID, 1, 24); err != nil {
			return err
		}
	}
	if in.Metadata != nil {
		if err := checkMetadata("metadata", in.Metadata); err != nil {
			return err
		}
	}
	p := u.Profile
	if err := in.Profile.apply(&p); err != nil {
		return err
	}
	u.Profile = p
	if in.ExternalID != nil {
		u.ExternalID = *in.ExternalID
	}
	if in.SignedUpAt != nil {
		u.SignedUpAt = *in.SignedUpAt
	}
	if in.ToBeRetained != nil {
		u.ToBeRetained = *in.ToBeRetained
	}
	if in.Metadata != nil {
		u.Metadata = in.Metadata
	}
	return nil
}

func (s *Server) createUser(c *call, in *userInput) error {
	if in.ExternalID == nil {
		return badRequest("should have required property 'externalId'")
	}
	s.mu.Lock()
	u := &User{ID: s.st.newID()}
	if err := s.st.applyUser(u, in); err != nil {
		s.mu.Unlock()
		return err
	}
	s.st.users[u.ID] = u
	s.st.usersByExt[u.ExternalID] = u
	out := u.clone()
	s.mu.Unlock()
	return c.json(http.StatusCreated, map[string]any{"user": out})
}

// userOr404 finds the user the path names. Callers hold s.mu.
func (s *Server) userOr404(ref string) (*User, error) {
	if u := s.st.userByRef(ref); u != nil {
		return u, nil
	}
	return nil, notFound("user_not_found", "User not found")
}

func (s *Server) listUsers(c *call) error {
	email := c.r.URL.Query().Get("filter[identities.email]")
	if email == "" {
		return badRequest("filter[identities.email] is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	users := []User{}
	for _, id := range s.st.usersByMail[strings.ToLower(email)] {
		if u, ok := s.st.users[id]; ok {
			users = append(users, u.clone())
		}
	}
	return c.json(http.StatusOK, map[string]any{"users": users})
}

func (s *Server) getUser(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userOr404(c.r.PathValue("userId"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, map[string]any{"user": u.clone()})
}

func (s *Server) updateUser(c *call, in *userInput) error {
	s.mu.Lock()
	u, err := s.userOr404(c.r.PathValue("userId"))
	if err == nil {
		next := u.clone()
		if err = s.st.applyUser(&next, in); err == nil {
			if next.ExternalID != u.ExternalID {
				delete(s.st.usersByExt, u.ExternalID)
				s.st.usersByExt[next.ExternalID] = u
			}
			*u = next
		}
	}
	var out User
	if err == nil {
		out = u.clone()
		s.st.emitUserEvent("user:update", u)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	s.flush()
	return c.json(http.StatusOK, map[string]any{"user": out})
}

func (s *Server) deleteUser(c *call) error {
	s.mu.Lock()
	u, err := s.userOr404(c.r.PathValue("userId"))
	if err != nil {
		s.mu.Unlock()
		return err
	}
	s.st.emitUserEvent("user:remove", u)
	s.st.removeUser(u)
	s.mu.Unlock()
	s.flush()
	return c.json(http.StatusOK, map[string]any{})
}

// removeUser deletes a user, its identities and its personal
// conversations. Callers hold s.mu.
func (st *state) removeUser(u *User) {
	delete(st.users, u.ID)
	if u.ExternalID != "" {
		delete(st.usersByExt, u.ExternalID)
	}
	for _, id := range u.Identities {
		if id.Type == "email" {
			key := strings.ToLower(id.Value)
			st.usersByMail[key] = removeString(st.usersByMail[key], u.ID)
		}
	}
	if convs := st.userConvs[u.ID]; convs != nil {
		for _, cid := range append([]string(nil), convs.ids...) {
			if cr, ok := st.convs[cid]; ok && cr.c.Type == "personal" {
				st.removeConversation(cr)
			}
		}
	}
	delete(st.userConvs, u.ID)
}

func removeString(list []string, v string) []string {
	out := list[:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

func (s *Server) deletePersonalInformation(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userOr404(c.r.PathValue("userId"))
	if err != nil {
		return err
	}
	u.Profile = Profile{}
	u.Metadata = nil
	return c.json(http.StatusOK, map[string]any{"user": u.clone()})
}

type syncInput struct {
	SurvivingZendeskID *string `json:"survivingZendeskId"`
}

// syncUser copies the name, external id and primary email of the attached
// Zendesk fake's user onto the Sunshine user linked to it (by zendeskId),
// creating that user when none is linked yet.
func (s *Server) syncUser(c *call) error {
	var in syncInput
	if err := c.decode(&in, true); err != nil {
		return err
	}
	zid := c.r.PathValue("userId")
	s.mu.Lock()
	z := s.cfg.zendesk
	s.mu.Unlock()
	if z == nil {
		return notFound("user_not_found", "User not found")
	}
	zu, ok := z.User(parseInt64(zid))
	if !ok {
		return notFound("user_not_found", "User not found")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var u *User
	for _, cand := range s.st.users {
		if cand.ZendeskID == zid {
			u = cand
			break
		}
	}
	if u == nil {
		u = &User{ID: s.st.newID(), ZendeskID: zid}
		s.st.users[u.ID] = u
	}
	given, surname, _ := strings.Cut(zu.Name, " ")
	u.Profile.GivenName, u.Profile.Surname = given, surname
	if zu.ExternalID != nil && *zu.ExternalID != "" {
		if u.ExternalID != "" {
			delete(s.st.usersByExt, u.ExternalID)
		}
		u.ExternalID = *zu.ExternalID
		s.st.usersByExt[u.ExternalID] = u
	}
	if zu.Email != nil && *zu.Email != "" {
		s.st.addIdentity(u, Identity{Type: "email", Value: *zu.Email, Verification: "verified"})
	}
	return c.json(http.StatusOK, map[string]any{"user": u.clone()})
}

// addIdentity adds an identity to u, indexing email ones. Callers hold s.mu.
func (st *state) addIdentity(u *User, id Identity) {
	for _, have := range u.Identities {
		if have.Type == id.Type && strings.EqualFold(have.Value, id.Value) {
			return
		}
	}
	u.Identities = append(u.Identities, id)
	if id.Type == "email" {
		key := strings.ToLower(id.Value)
		st.usersByMail[key] = append(st.usersByMail[key], u.ID)
	}
}

func parseInt64(s string) int64 {
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' || n > (1<<62)/10 {
			return -1
		}
		n = n*10 + int64(r-'0')
	}
	return n
}

// AddUser adds a user as if a channel had created it and returns it: its
// id is made, and every email identity is indexed for ListUsers'
// filter[identities.email]. An ExternalID already in use is an error.
func (s *Server) AddUser(u User) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ExternalID != "" {
		if _, taken := s.st.usersByExt[u.ExternalID]; taken {
			return User{}, errorf("externalId %q is already in use", u.ExternalID)
		}
	}
	rec := u.clone()
	rec.ID = s.st.newID()
	ids := rec.Identities
	rec.Identities = nil
	for _, id := range ids {
		s.st.addIdentity(&rec, id)
	}
	s.st.users[rec.ID] = &rec
	if rec.ExternalID != "" {
		s.st.usersByExt[rec.ExternalID] = &rec
	}
	return rec.clone(), nil
}

// User returns a copy of the user with the id or external id.
func (s *Server) User(idOrExternalID string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.userByRef(idOrExternalID); u != nil {
		return u.clone(), true
	}
	return User{}, false
}
