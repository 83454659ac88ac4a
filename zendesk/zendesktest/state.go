package zendesktest

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// table is a map that remembers insertion order. Not safe for concurrent
// use: the state lock guards it.
type table[K comparable, V any] struct {
	m     map[K]V
	order []K
}

func newTable[K comparable, V any]() *table[K, V] { return &table[K, V]{m: map[K]V{}} }

func (t *table[K, V]) get(k K) (V, bool) { v, ok := t.m[k]; return v, ok }

func (t *table[K, V]) put(k K, v V) {
	if _, ok := t.m[k]; !ok {
		t.order = append(t.order, k)
	}
	t.m[k] = v
}

func (t *table[K, V]) del(k K) bool {
	if _, ok := t.m[k]; !ok {
		return false
	}
	delete(t.m, k)
	t.order = slices.DeleteFunc(t.order, func(x K) bool { return x == k })
	return true
}

// values returns the values in insertion order.
func (t *table[K, V]) values() []V {
	out := make([]V, 0, len(t.order))
	for _, k := range t.order {
		out = append(out, t.m[k])
	}
	return out
}

func (t *table[K, V]) len() int { return len(t.m) }

type ticketRec struct {
	t        Ticket
	comments []Comment
}

type webhookRec struct {
	w      Webhook
	seq    int64
	secret string
}

type categoryRec struct {
	c   TriggerCategory
	seq int64
}

// jobRec is a bulk job. The work is done when the job is created; the
// creating answer shows the job "queued" and every later read shows it
// "completed" with its results.
type jobRec struct {
	j   JobStatus
	seq int64
}

type oauthClient struct {
	id, secret string
	userID     int64
}

type tokenRec struct {
	access, refresh string
	clientID        string
	userID          int64
	scopes          tokenScopes
	scope           string
	expires         time.Time
	refreshExpires  time.Time
}

type idemRec struct {
	bodyHash string
	status   int
	location string
	resp     []byte
	expires  time.Time
}

// state is the account's data, guarded by Server.mu.
type state struct {
	s         *Server
	seq       int64 // ids of everything but tickets
	ticketSeq int64
	invSeq    int64

	tickets        *table[int64, *ticketRec]
	users          *table[int64, *User]
	userFields     *table[int64, *UserField]
	groups         *table[int64, *Group]
	triggers       *table[int64, *Trigger]
	categories     *table[string, *categoryRec]
	webhooks       *table[string, *webhookRec]
	jobs           *table[string, *jobRec]
	agents         *table[int64, *AgentAvailability]
	customStatuses *table[int64, *UnifiedStatus]
	defaults       []UnifiedStatus

	oauthClients map[string]*oauthClient
	access       map[string]*tokenRec
	refresh      map[string]*tokenRec
	idem         map[string]*idemRec
	screenPops   []ScreenPop
	firings      []TriggerFiring
}

func newState(s *Server) *state {
	st := &state{
		s:              s,
		seq:            10000,
		tickets:        newTable[int64, *ticketRec](),
		users:          newTable[int64, *User](),
		userFields:     newTable[int64, *UserField](),
		groups:         newTable[int64, *Group](),
		triggers:       newTable[int64, *Trigger](),
		categories:     newTable[string, *categoryRec](),
		webhooks:       newTable[string, *webhookRec](),
		jobs:           newTable[string, *jobRec](),
		agents:         newTable[int64, *AgentAvailability](),
		customStatuses: newTable[int64, *UnifiedStatus](),
		oauthClients:   map[string]*oauthClient{},
		access:         map[string]*tokenRec{},
		refresh:        map[string]*tokenRec{},
		idem:           map[string]*idemRec{},
		invSeq:         8350205580,
	}
	// UNCONFIRMED details: the notes give the ids (2 offline, 3 online,
	// 4 away, 5 transfers only), the online description and the channel
	// values; the other descriptions and the away mapping (every channel
	// "away") are this fake's choice.
	all := func(v string) map[string]string {
		return map[string]string{"messaging": v, "support": v, "talk": v}
	}
	st.defaults = []UnifiedStatus{
		{ID: StatusOffline, Name: "offline", Description: "Can't receive work", Channels: all("offline"), Default: true},
		{ID: StatusOnline, Name: "online", Description: "Can receive work", Channels: all("online"), Default: true},
		{ID: StatusAway, Name: "away", Description: "Can't receive work for a short time", Channels: all("away"), Default: true},
		{ID: StatusTransfersOnly, Name: "transfers_only", Description: "Can only receive transfers", Channels: all("transfers_only"), Default: true},
	}
	now := s.stamp()
	admin := st.newUser(User{Name: "Admin", Email: ptr(s.Email), Role: "admin", Verified: true}, now)
	s.AdminID = admin.ID
	st.oauthClients[s.OAuthClientID] = &oauthClient{id: s.OAuthClientID, secret: s.OAuthClientSecret, userID: admin.ID}
	return st
}

func (st *state) nextID() int64 {
	st.seq++
	return st.seq
}

func (st *state) url(format string, args ...any) string {
	return st.s.URL + fmt.Sprintf(format, args...)
}

// newUser stores a user with defaults filled in; agents and admins get an
// availability record (every channel offline).
func (st *state) newUser(u User, now time.Time) *User {
	u.ID = st.nextID()
	u.URL = st.url("/api/v2/users/%d.json", u.ID)
	u.Active = true
	if u.Role == "" {
		u.Role = "end-user"
	}
	if u.Locale == "" {
		u.Locale, u.LocaleID = "en-US", 1
	}
	if u.TimeZone == "" {
		u.TimeZone, u.IanaTimeZone = "UTC", "Etc/UTC"
	}
	if u.Tags == nil {
		u.Tags = []string{}
	}
	if u.UserFields == nil {
		u.UserFields = map[string]any{}
	}
	u.CreatedAt, u.UpdatedAt = now, now
	p := &u
	st.users.put(u.ID, p)
	if p.isAgent() {
		st.ensureAgent(p.ID, now)
	}
	return p
}

func (st *state) ensureAgent(id int64, now time.Time) *AgentAvailability {
	if a, ok := st.agents.get(id); ok {
		return a
	}
	a := &AgentAvailability{
		AgentID:          id,
		Channels:         map[string]string{},
		ChannelUpdatedAt: map[string]time.Time{},
		StatusID:         StatusOffline,
		StatusName:       "offline",
		Reason:           "UNKNOWN",
		StatusUpdatedAt:  now,
		Version:          1,
		TalkVia:          "client",
	}
	for _, ch := range channels {
		a.Channels[ch] = "offline"
		a.ChannelUpdatedAt[ch] = now
	}
	st.agents.put(id, a)
	return a
}

// userByEmail finds a user by email, case-insensitively.
func (st *state) userByEmail(email string) *User {
	for _, u := range st.users.values() {
		if u.Email != nil && strings.EqualFold(*u.Email, email) {
			return u
		}
	}
	return nil
}

func (st *state) userByExternalID(ext string) *User {
	for _, u := range st.users.values() {
		if u.ExternalID != nil && strings.EqualFold(*u.ExternalID, ext) {
			return u
		}
	}
	return nil
}

func (st *state) userFieldByKey(key string) *UserField {
	for _, f := range st.userFields.values() {
		if f.Key == key {
			return f
		}
	}
	return nil
}

// userJSON is the user as the API shows it: every defined user field is a
// key of user_fields (null when unset).
func (st *state) userJSON(u *User) User {
	out := u.clone()
	fields := map[string]any{}
	for _, f := range st.userFields.values() {
		fields[f.Key] = nil
	}
	for k, v := range u.UserFields {
		fields[k] = v
	}
	out.UserFields = fields
	return out
}

func (st *state) statusByID(id int64) (UnifiedStatus, bool) {
	for _, d := range st.defaults {
		if d.ID == id {
			return d, true
		}
	}
	if c, ok := st.customStatuses.get(id); ok {
		return *c, true
	}
	return UnifiedStatus{}, false
}

func (st *state) checkAccessToken(tok string, now time.Time) (int64, tokenScopes, bool) {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	t, ok := st.access[tok]
	if !ok || !now.Before(t.expires) {
		return 0, tokenScopes{}, false
	}
	return t.userID, t.scopes, true
}
