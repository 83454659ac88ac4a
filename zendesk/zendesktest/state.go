package zendesktest

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"time"
)

// table is a map that remembers insertion order. get is O(1); put and del
// are O(log n) (del amortized); the page methods find a page by key or by
// offset in O(log n) per record. Not safe for concurrent use: the state
// lock guards it.
//
// order holds every key in insertion order, including the slots of
// deleted keys; alive counts the live slots in a Fenwick tree, so that
// the k-th live record and the rank of a slot take O(log n). The slots are
// compacted once more than half are dead.
type table[K cmp.Ordered, V any] struct {
	m     map[K]tableEntry[V]
	order []K
	alive []int // Fenwick tree over order: 1 per live slot (1-based)
	dead  int
	// ascending holds while every new key was greater than the last one
	// (ids from a sequence): only then are the slots sorted by key, which
	// pageAfter and pageBefore need.
	ascending bool
	// visited counts the slots of order walked or probed, so that tests
	// can check the work a request does.
	visited int
}

type tableEntry[V any] struct {
	v   V
	pos int // slot in order
}

func newTable[K cmp.Ordered, V any]() *table[K, V] {
	return &table[K, V]{m: map[K]tableEntry[V]{}, alive: []int{0}, ascending: true}
}

func (t *table[K, V]) get(k K) (V, bool) { e, ok := t.m[k]; return e.v, ok }

func (t *table[K, V]) put(k K, v V) {
	if e, ok := t.m[k]; ok {
		e.v = v
		t.m[k] = e
		return
	}
	if n := len(t.order); n > 0 && k <= t.order[n-1] {
		t.ascending = false
	}
	t.m[k] = tableEntry[V]{v: v, pos: len(t.order)}
	t.order = append(t.order, k)
	// The new node i covers slots (i-lowbit(i), i]: the live ones before
	// it, plus itself.
	i := len(t.order)
	t.alive = append(t.alive, 1+t.prefix(i-1)-t.prefix(i-i&-i))
}

func (t *table[K, V]) del(k K) bool {
	e, ok := t.m[k]
	if !ok {
		return false
	}
	delete(t.m, k)
	for i := e.pos + 1; i < len(t.alive); i += i & -i {
		t.alive[i]--
		t.visited++
	}
	t.dead++
	if t.dead > 16 && t.dead > len(t.order)/2 {
		t.compact()
	}
	return true
}

// compact drops the slots of deleted keys.
func (t *table[K, V]) compact() {
	t.visited += len(t.order)
	live := t.order[:0]
	for _, k := range t.order {
		if e, ok := t.m[k]; ok {
			e.pos = len(live)
			t.m[k] = e
			live = append(live, k)
		}
	}
	clear(t.order[len(live):])
	t.order = live
	t.dead = 0
	t.alive = make([]int, len(live)+1)
	for i := 1; i <= len(live); i++ {
		t.alive[i]++
		if j := i + i&-i; j <= len(live) {
			t.alive[j] += t.alive[i]
		}
	}
}

// prefix is the number of live slots among the first i.
func (t *table[K, V]) prefix(i int) int {
	n := 0
	for ; i > 0; i -= i & -i {
		n += t.alive[i]
		t.visited++
	}
	return n
}

// kth returns the slot of the k-th live record (from 1), or -1.
func (t *table[K, V]) kth(k int) int {
	if k < 1 || k > len(t.m) {
		return -1
	}
	pos := 0
	for step := 1 << bits.Len(uint(len(t.alive)-1)); step > 0; step >>= 1 {
		if next := pos + step; next < len(t.alive) && t.alive[next] < k {
			pos = next
			k -= t.alive[next]
		}
		t.visited++
	}
	return pos // slot pos is the 1-based node pos+1
}

// live reports whether slot i holds a record, and returns it.
func (t *table[K, V]) live(i int) (V, bool) {
	e, ok := t.m[t.order[i]]
	return e.v, ok && e.pos == i
}

// all returns the keys and values in key order (idPages).
func (t *table[K, V]) all() ([]K, []V) {
	keys := make([]K, 0, len(t.m))
	t.visited += len(t.m)
	for k := range t.m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	vals := make([]V, len(keys))
	for i, k := range keys {
		vals[i] = t.m[k].v
	}
	return keys, vals
}

// values returns the values in insertion order.
func (t *table[K, V]) values() []V {
	out := make([]V, 0, len(t.m))
	t.visited += len(t.order)
	for i := range t.order {
		if v, ok := t.live(i); ok {
			out = append(out, v)
		}
	}
	return out
}

func (t *table[K, V]) len() int { return len(t.m) }

// ranked returns the keys and records ranked from..from+n-1 (from 1) in
// insertion order.
func (t *table[K, V]) ranked(from, n int) ([]K, []V) {
	var keys []K
	var vals []V
	for r := from; r < from+n && r <= len(t.m); r++ {
		i := t.kth(r)
		v, _ := t.live(i)
		keys, vals = append(keys, t.order[i]), append(vals, v)
	}
	return keys, vals
}

// pageAfter returns up to n records with keys greater than after (all
// keys when first), in key order, and whether more follow. ok is false
// when the keys were not put in ascending order.
func (t *table[K, V]) pageAfter(after K, first bool, n int) (keys []K, page []V, more, ok bool) {
	if !t.ascending {
		return nil, nil, false, false
	}
	slot := 0
	if !first {
		slot = t.search(func(k K) bool { return k > after })
	}
	r := t.prefix(slot) + 1 // rank of the first live record at or after slot
	keys, page = t.ranked(r, n)
	return keys, page, r+n <= len(t.m), true
}

// pageBefore returns up to n records with keys less than before, in key
// order, and whether more precede them. ok is false when the keys were not
// put in ascending order.
func (t *table[K, V]) pageBefore(before K, n int) (keys []K, page []V, more, ok bool) {
	if !t.ascending {
		return nil, nil, false, false
	}
	end := t.prefix(t.search(func(k K) bool { return k >= before })) // live records before
	from := max(1, end-n+1)
	keys, page = t.ranked(from, end-from+1)
	return keys, page, from > 1, true
}

// search is the first slot whose key satisfies f (false then true along
// the slots), or len(order).
func (t *table[K, V]) search(f func(K) bool) int {
	return sort.Search(len(t.order), func(i int) bool {
		t.visited++
		return f(t.order[i])
	})
}

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
	ticketFields   *table[int64, *TicketField] // nil until first used: see ticketFieldTable
	groups         *table[int64, *Group]
	triggers       *table[int64, *Trigger]
	categories     *table[string, *categoryRec]
	webhooks       *table[string, *webhookRec]
	jobs           *table[string, *jobRec]
	agents         *table[int64, *AgentAvailability]
	customStatuses *table[int64, *UnifiedStatus]
	defaults       []UnifiedStatus

	userIx    *userIndex       // users by email, external id, field value
	fieldKeys map[string]int64 // user field ids by key

	oauthClients map[string]*oauthClient
	access       map[string]*tokenRec
	refresh      map[string]*tokenRec
	idem         map[string]*idemRec
	screenPops   []ScreenPop
	firings      []TriggerFiring

	// examined counts the records search terms were matched against, so
	// that tests can check the work a search does.
	examined int
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
		userIx:         newUserIndex(),
		fieldKeys:      map[string]int64{},
		oauthClients:   map[string]*oauthClient{},
		access:         map[string]*tokenRec{},
		refresh:        map[string]*tokenRec{},
		idem:           map[string]*idemRec{},
		invSeq:         8350205580,
	}
	st.defaults = defaultUnifiedStatuses()
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
	st.userIx.add(p)
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

// userJSON is the user as the API shows it: user_fields has a key for
// every defined user field (null when unset), and no other.
func (st *state) userJSON(u *User) User {
	out := u.clone()
	fields := make(map[string]any, len(st.fieldKeys))
	for k := range st.fieldKeys {
		fields[k] = u.UserFields[k]
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
