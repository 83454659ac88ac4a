package cxonetest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Agent is an ACD agent of the simulated contact center.
type Agent struct {
	// ID is the agentId; [Server.AddAgent] assigns it when zero.
	ID                  int64
	UserName            string
	FirstName, LastName string
	Email               string
	// TeamID is the agent's team (0: none).
	TeamID int64
	// Inactive agents are listed with isActive false.
	Inactive bool
	// SkillIDs are the skills the agent is assigned.
	SkillIDs []int64
}

// Team is an ACD team.
type Team struct {
	// ID is the teamId; assigned when zero.
	ID   int64
	Name string
	// UnavailableCodeIDs are the unavailable codes the team's agents may
	// use.
	UnavailableCodeIDs []int64
}

// Media is a contact's media type: its mediaTypeId and mediaTypeName.
type Media struct {
	ID   int
	Name string
	// Digital is true for Digital Experience media (chat, SMS,
	// messaging…), false for voice.
	Digital bool
}

// Skill is an ACD skill: contacts are routed to one.
type Skill struct {
	// ID is the skillId; assigned when zero.
	ID   int64
	Name string
	// Media is the skill's media type; zero is [MediaCall].
	Media Media
	// DispositionIDs are the dispositions an agent may give its contacts.
	DispositionIDs []int64
	// TagIDs are the tags its contacts may get.
	TagIDs []int64
	// ACW puts the agent in after-call work when a contact ends, until
	// [Server.FinishACW] (or the agent sets a state).
	ACW bool
	// RequireDisposition is listed as the skill's requireDisposition.
	RequireDisposition bool
	// NotRecorded turns off the recording of the skill's voice contacts.
	NotRecorded bool
}

// Disposition is a disposition (an outcome) an agent gives a contact.
type Disposition struct {
	// ID is the dispositionId; assigned when zero.
	ID   int64
	Name string
	// Notes are the disposition's own notes (not a contact's).
	Notes string
}

// UnavailableCode is a reason an agent may be unavailable.
type UnavailableCode struct {
	// ID is assigned when zero.
	ID   int64
	Name string
	// ACW marks a code used for after-call work.
	ACW bool
}

// Tag is a tag a contact may carry.
type Tag struct {
	// ID is the tagId; assigned when zero.
	ID   int64
	Name string
}

// Contact phases.
const (
	PhaseQueued = "Queued" // waiting for an agent
	PhaseActive = "Active" // with an agent
	PhaseACW    = "ACW"    // ended, the agent in after-call work
	PhaseClosed = "Closed" // over
)

// Participant types of a transcript message, as media playback writes
// them.
const (
	ParticipantAgent    = "AGENT"
	ParticipantCustomer = "CUSTOMER"
)

// Message is one message of a digital contact's transcript.
type Message struct {
	Participant string // ParticipantAgent or ParticipantCustomer
	Name        string
	Text        string
	Time        time.Time
}

// CustomData is one name/value pair set on a contact.
type CustomData struct {
	Name, Value string
}

// NewContact is a contact arriving at a skill: [Server.StartContact].
type NewContact struct {
	// SkillID is the skill the contact is routed to (required).
	SkillID int64
	// From is the customer's address: the caller's number (ANI) or the
	// customer's chat, SMS or e-mail address.
	From string
	// To is the address the customer reached: the number dialled (DNIS)
	// or the channel's address.
	To string
	// CustomerName is the customer's name on a digital contact.
	CustomerName string
	// Outbound marks a contact the contact center started.
	Outbound bool
	// CustomData is set on the contact from the start, as a Studio
	// script's variables would be.
	CustomData []CustomData
}

// Contact is a contact as the fake holds it: [Server.Contact] returns a
// copy.
type Contact struct {
	ID, MasterID int64
	SkillID      int64
	AgentID      int64 // 0 until delivered
	TeamID       int64
	Media        Media
	From, To     string
	CustomerName string
	Outbound     bool
	Phase        string
	// EndedByContact is true when the customer ended it (hung up, left
	// the chat) rather than the agent.
	EndedByContact bool
	// Handoff is how the agent passed a digital contact on
	// ([HandoffTransfer], [HandoffUnassign]; "" when it was not): this
	// contact then ended there, and NextID continues the interaction.
	Handoff string
	// NextID is the contact that continues the interaction after a
	// handoff (0: none).
	NextID           int64
	Start            time.Time
	Answered         time.Time // zero until delivered
	Ended            time.Time // zero until ended
	Closed           time.Time // zero until closed (after ACW)
	DispositionID    int64
	DispositionNotes string
	TagIDs           []int64
	CustomData       []CustomData
	Transcript       []Message
	// RecordingURL is the fileToPlayUrl of a recorded voice contact.
	RecordingURL string
	// WarehousedAt is when the Reporting API shows the contact's latest
	// closed state (its lastUpdateTime there); zero while open.
	WarehousedAt time.Time
	history      []stateEntry
	version      int // publications so far
}

// stateEntry is one entry of a contact's state history.
type stateEntry struct {
	state   contactState
	at      time.Time
	agentID int64
}

// agentRec is an agent with its live state.
type agentRec struct {
	Agent
	lastUpdated time.Time
	state       string // agentStateName
	stateSince  time.Time
	outCode     int64      // unavailable code id while Unavailable
	contactID   int64      // the contact it handles
	session     *session   // the agent's own, nil when logged out
	joined      []*session // sessions joined to it
	loginAt     time.Time
}

// center is the simulated contact center, guarded by Server.mu.
type center struct {
	agents       map[int64]*agentRec
	agentOrder   []int64
	teams        map[int64]*Team
	teamOrder    []int64
	skills       map[int64]*Skill
	skillOrder   []int64
	dispositions map[int64]*Disposition
	dispOrder    []int64
	codes        map[int64]*UnavailableCode
	codeOrder    []int64
	tags         map[int64]*Tag
	tagOrder     []int64
	contacts     map[int64]*Contact
	active       []int64 // open contacts, ascending
	// published are the closed contacts' publications in the Reporting
	// API, in the order of their time (see publication).
	published []publication
	pubIdx    map[int64][]int // each contact's publications, indexes in published
	sessions  map[string]*session
	nextID    map[string]int64
}

// publication is a closed contact's version reaching the Reporting API at
// a time; a later one of the same contact supersedes it.
type publication struct {
	at        time.Time
	contactID int64
	version   int
	snap      *Contact
}

func (c *center) init() {
	c.agents = map[int64]*agentRec{}
	c.teams = map[int64]*Team{}
	c.skills = map[int64]*Skill{}
	c.dispositions = map[int64]*Disposition{}
	c.codes = map[int64]*UnavailableCode{}
	c.tags = map[int64]*Tag{}
	c.contacts = map[int64]*Contact{}
	c.pubIdx = map[int64][]int{}
	c.sessions = map[string]*session{}
	c.nextID = map[string]int64{}
}

// id returns id, or the next id of kind when id is 0.
func (c *center) id(kind string, id int64) int64 {
	if id > 0 {
		c.nextID[kind] = max(c.nextID[kind], id)
		return id
	}
	if c.nextID[kind] == 0 {
		c.nextID[kind] = firstID(kind) - 1
	}
	c.nextID[kind]++
	return c.nextID[kind]
}

// put stores v as recs[id], appending id to *order when it is new (an
// Add… of a known id replaces the record in its place).
func put[T any](recs map[int64]*T, order *[]int64, id int64, v *T) {
	if _, ok := recs[id]; !ok {
		*order = append(*order, id)
	}
	recs[id] = v
}

// add gives *v its id of kind in *id (the next one when it is 0), stores
// it and returns a copy, under the lock.
func add[T any](s *Server, kind string, recs map[int64]*T, order *[]int64, v *T, id *int64) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	*id = s.id(kind, *id)
	put(recs, order, *id, v)
	return *v
}

// known runs fn on recs[id] under the lock; an unknown id is ErrNotFound
// naming kind and id.
func known[T any](s *Server, recs map[int64]*T, kind string, id int64, fn func(*T) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := recs[id]
	if !ok {
		return fmt.Errorf("%w: %s %d", ErrNotFound, kind, id)
	}
	return fn(v)
}

// ErrNotFound is returned by the driver methods for an id the fake does
// not know.
var ErrNotFound = errors.New("cxonetest: not found")

// ErrState is returned by a driver method that the contact's or agent's
// state does not allow (delivering a closed contact…).
var ErrState = errors.New("cxonetest: not allowed in this state")

// AddTeam adds a team and returns it with its id.
func (s *Server) AddTeam(t Team) Team {
	t.UnavailableCodeIDs = slices.Clone(t.UnavailableCodeIDs)
	return add(s, "team", s.teams, &s.teamOrder, &t, &t.ID)
}

// AddAgent adds an agent, logged out, and returns it with its id. An
// agent without a user name gets one from its names.
func (s *Server) AddAgent(a Agent) Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.ID = s.id("agent", a.ID)
	if a.UserName == "" {
		a.UserName = fmt.Sprintf("agent%d@cxonetest.example", a.ID)
	}
	a.SkillIDs = slices.Clone(a.SkillIDs)
	now := s.now()
	put(s.agents, &s.agentOrder, a.ID, &agentRec{Agent: a, lastUpdated: now, state: agentLoggedOut, stateSince: now})
	return a
}

// AddSkill adds a skill and returns it with its id.
func (s *Server) AddSkill(sk Skill) Skill {
	s.mu.Lock()
	defer s.mu.Unlock()
	sk.ID = s.id("skill", sk.ID)
	if sk.Media == (Media{}) {
		sk.Media = MediaCall
	}
	if sk.Name == "" {
		sk.Name = "Skill " + strconv.FormatInt(sk.ID, 10)
	}
	sk.DispositionIDs = slices.Clone(sk.DispositionIDs)
	sk.TagIDs = slices.Clone(sk.TagIDs)
	put(s.skills, &s.skillOrder, sk.ID, &sk)
	return sk
}

// AddDisposition adds a disposition and returns it with its id.
func (s *Server) AddDisposition(d Disposition) Disposition {
	return add(s, "disposition", s.dispositions, &s.dispOrder, &d, &d.ID)
}

// AddUnavailableCode adds an unavailable code and returns it with its id.
func (s *Server) AddUnavailableCode(u UnavailableCode) UnavailableCode {
	return add(s, "code", s.codes, &s.codeOrder, &u, &u.ID)
}

// AddTag adds a tag and returns it with its id.
func (s *Server) AddTag(t Tag) Tag {
	return add(s, "tag", s.tags, &s.tagOrder, &t, &t.ID)
}

// StartContact brings a contact to its skill's queue and returns its id.
func (s *Server) StartContact(n NewContact) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sk, ok := s.skills[n.SkillID]
	if !ok {
		return 0, fmt.Errorf("%w: skill %d", ErrNotFound, n.SkillID)
	}
	now := s.now()
	c := &Contact{
		ID: s.id("contact", 0), SkillID: sk.ID, Media: sk.Media,
		From: n.From, To: n.To, CustomerName: n.CustomerName, Outbound: n.Outbound,
		Phase: PhaseQueued, Start: now, CustomData: slices.Clone(n.CustomData),
	}
	c.MasterID = c.ID
	s.contacts[c.ID] = c
	s.active = append(s.active, c.ID) // ids grow: stays sorted
	c.history = append(c.history, stateEntry{state: stateInQueue, at: now})
	return c.ID, nil
}

// Deliver gives a queued contact to an agent, who must be logged in
// ([Server.LogIn]) and not on another contact. The agent's sessions get
// the contact's event.
func (s *Server) Deliver(contactID, agentID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, a, err := s.contactAndAgent(contactID, agentID)
	if err != nil {
		return err
	}
	if c.Phase != PhaseQueued {
		return fmt.Errorf("%w: contact %d is %s, not queued", ErrState, c.ID, c.Phase)
	}
	if err := agentFree(a); err != nil {
		return err
	}
	s.deliver(c, a)
	return nil
}

// agentFree says why a cannot take a contact now, nil when it can.
func agentFree(a *agentRec) error {
	switch {
	case a.session == nil:
		return fmt.Errorf("%w: agent %d is logged out", ErrState, a.ID)
	case a.contactID != 0:
		return fmt.Errorf("%w: agent %d is on contact %d", ErrState, a.ID, a.contactID)
	}
	return nil
}

// deliver gives queued c to free, logged-in a.
func (s *Server) deliver(c *Contact, a *agentRec) {
	now := s.now()
	c.AgentID, c.TeamID, c.Phase, c.Answered = a.ID, a.TeamID, PhaseActive, now
	if !c.Media.Digital && !s.skills[c.SkillID].NotRecorded {
		c.RecordingURL = recordingURL(s.URL, c.ID)
	}
	c.history = append(c.history, stateEntry{state: stateActive, at: now, agentID: a.ID})
	a.contactID = c.ID
	s.setAgentState(a, contactAgentState(c), 0)
	s.emitContact(a, c, contactEventStatus(c), false)
}

// AddMessage adds a message to a digital contact's transcript (media
// playback's chat messages).
func (s *Server) AddMessage(contactID int64, m Message) error {
	return known(s, s.contacts, "contact", contactID, func(c *Contact) error {
		if c.Phase == PhaseClosed || !c.Ended.IsZero() {
			return fmt.Errorf("%w: contact %d has ended", ErrState, c.ID)
		}
		if m.Participant != ParticipantAgent && m.Participant != ParticipantCustomer {
			return fmt.Errorf("cxonetest: participant %q is not %s or %s", m.Participant, ParticipantAgent, ParticipantCustomer)
		}
		if m.Time.IsZero() {
			m.Time = s.now()
		}
		c.Transcript = append(c.Transcript, m)
		return nil
	})
}

// EndContact ends an active contact: the agent hangs up or closes it, or
// (byContact) the customer does first. With its skill's ACW the agent
// enters after-call work and the contact closes at [Server.FinishACW];
// without, it closes now. A queued contact the customer abandons closes
// at once.
func (s *Server) EndContact(contactID int64, byContact bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endContact(contactID, byContact)
}

func (s *Server) endContact(contactID int64, byContact bool) error {
	c, ok := s.contacts[contactID]
	if !ok {
		return fmt.Errorf("%w: contact %d", ErrNotFound, contactID)
	}
	now := s.now()
	switch c.Phase {
	case PhaseQueued:
		c.EndedByContact, c.Ended = byContact, now
		s.close(c, nil)
		return nil
	case PhaseActive:
	default:
		return fmt.Errorf("%w: contact %d is %s, not active", ErrState, c.ID, c.Phase)
	}
	c.EndedByContact, c.Ended = byContact, now
	a := s.agents[c.AgentID]
	if s.skills[c.SkillID].ACW {
		c.Phase = PhaseACW
		c.history = append(c.history, stateEntry{state: stateACW, at: now, agentID: c.AgentID})
		s.setAgentState(a, agentACWState(), 0)
		s.emitContact(a, c, eventDisconnected, false)
		if s.cfg.listInACW {
			s.publish(c)
		}
		return nil
	}
	s.close(c, a)
	return nil
}

// FinishACW ends the agent's after-call work on a contact: the contact
// closes (its final event goes out) and the agent becomes Available.
func (s *Server) FinishACW(contactID int64) error {
	return known(s, s.contacts, "contact", contactID, func(c *Contact) error {
		if c.Phase != PhaseACW {
			return fmt.Errorf("%w: contact %d is %s, not in after-call work", ErrState, c.ID, c.Phase)
		}
		s.close(c, s.agents[c.AgentID])
		return nil
	})
}

// close closes c, frees its agent a (nil for none) and schedules its
// publication in the Reporting API.
func (s *Server) close(c *Contact, a *agentRec) {
	now := s.now()
	c.Phase, c.Closed = PhaseClosed, now
	c.history = append(c.history, stateEntry{state: stateEnd, at: now, agentID: c.AgentID})
	if i, ok := slices.BinarySearch(s.active, c.ID); ok {
		s.active = slices.Delete(s.active, i, i+1)
	}
	if a != nil {
		s.emitContact(a, c, eventDisconnected, true)
		a.contactID = 0
		if a.session != nil {
			s.setAgentState(a, agentAvailable, 0)
		}
	}
	s.publish(c)
}

// publish schedules the contact's current version to reach the Reporting
// API after the warehousing delay.
func (s *Server) publish(c *Contact) {
	at := s.now().Add(s.cfg.warehouseDelay)
	if n := len(s.published); n > 0 && at.Before(s.published[n-1].at) {
		at = s.published[n-1].at // a clock set back: keep the order
	}
	c.WarehousedAt = at
	c.version++
	snap := c.clone()
	s.pubIdx[c.ID] = append(s.pubIdx[c.ID], len(s.published))
	s.published = append(s.published, publication{at: at, contactID: c.ID, version: c.version, snap: snap})
}

// Disposition records the disposition the agent gives a contact, with
// notes. The contact must be active or in after-call work, and the
// disposition one of its skill's.
func (s *Server) Disposition(contactID, dispositionID int64, notes string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.disposition(contactID, dispositionID, notes)
}

func (s *Server) disposition(contactID, dispositionID int64, notes string) error {
	c, ok := s.contacts[contactID]
	if !ok {
		return fmt.Errorf("%w: contact %d", ErrNotFound, contactID)
	}
	if c.Phase != PhaseActive && c.Phase != PhaseACW {
		return fmt.Errorf("%w: contact %d is %s; a disposition is given while active or in after-call work", ErrState, c.ID, c.Phase)
	}
	if _, ok := s.dispositions[dispositionID]; !ok || !slices.Contains(s.skills[c.SkillID].DispositionIDs, dispositionID) {
		return fmt.Errorf("%w: disposition %d is not one of skill %d's", ErrNotFound, dispositionID, c.SkillID)
	}
	if n := len([]rune(notes)); n > maxDispositionNotes() {
		return fmt.Errorf("cxonetest: disposition notes of %d characters are over the limit of %d", n, maxDispositionNotes())
	}
	c.DispositionID, c.DispositionNotes = dispositionID, notes
	return nil
}

// TagContact applies tags to a contact. A closed contact's new version
// reaches the Reporting API after the warehousing delay, with a later
// lastUpdateTime.
func (s *Server) TagContact(contactID int64, tagIDs ...int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tag(contactID, tagIDs)
}

func (s *Server) tag(contactID int64, tagIDs []int64) error {
	c, ok := s.contacts[contactID]
	if !ok {
		return fmt.Errorf("%w: contact %d", ErrNotFound, contactID)
	}
	for _, id := range tagIDs {
		if _, ok := s.tags[id]; !ok {
			return fmt.Errorf("%w: tag %d", ErrNotFound, id)
		}
	}
	changed := false
	for _, id := range tagIDs {
		if !slices.Contains(c.TagIDs, id) {
			c.TagIDs = append(c.TagIDs, id)
			changed = true
		}
	}
	if changed && c.Phase == PhaseClosed {
		s.publish(c)
	}
	return nil
}

// SetCustomData sets a name/value pair on a contact (as a Studio script's
// ASSIGN, or POST …/interactions/{contactId}/custom-data), replacing the
// value of that name.
func (s *Server) SetCustomData(contactID int64, name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.setCustomData(contactID, name, value)
}

func (s *Server) setCustomData(contactID int64, name, value string) error {
	c, ok := s.contacts[contactID]
	if !ok {
		return fmt.Errorf("%w: contact %d", ErrNotFound, contactID)
	}
	if name == "" {
		return errors.New("cxonetest: custom data needs a name")
	}
	for i := range c.CustomData {
		if c.CustomData[i].Name == name {
			c.CustomData[i].Value = value
			return nil
		}
	}
	c.CustomData = append(c.CustomData, CustomData{Name: name, Value: value})
	return nil
}

// Contact returns a copy of a contact as the fake holds it now.
func (s *Server) Contact(contactID int64) (Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contacts[contactID]
	if !ok {
		return Contact{}, false
	}
	return *c.clone(), true
}

// ActiveContacts returns the ids of the contacts not yet closed, in
// ascending order.
func (s *Server) ActiveContacts() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.active)
}

func (c *Contact) clone() *Contact {
	d := *c
	d.TagIDs = slices.Clone(c.TagIDs)
	d.CustomData = slices.Clone(c.CustomData)
	d.Transcript = slices.Clone(c.Transcript)
	d.history = slices.Clone(c.history)
	return &d
}

// Interaction is a whole contact for [Server.Play]: it starts, is
// delivered, carries its messages, custom data, disposition and tags, ends
// and, after ACW, closes.
type Interaction struct {
	NewContact
	AgentID int64
	// Messages are added to the transcript while the contact is active.
	Messages []Message
	// DispositionID (0: none) and DispositionNotes are given before the
	// contact closes, unless the contact ended it (EndedByContact), when
	// the agent gives them in after-call work all the same.
	DispositionID    int64
	DispositionNotes string
	TagIDs           []int64
	// EndedByContact makes the customer end the contact.
	EndedByContact bool
	// Talk is how long the contact stays active on the fake's clock; it
	// only dates the contact, the fake does not wait.
	Talk time.Duration
}

// Play runs a whole interaction and returns the contact's id: start,
// deliver to AgentID (logging the agent in when it is not), messages,
// end, disposition, tags, end of ACW. With an agent already on a contact
// it fails with [ErrState].
func (s *Server) Play(in Interaction) (int64, error) {
	id, err := s.StartContact(in.NewContact)
	if err != nil {
		return 0, err
	}
	if !s.loggedIn(in.AgentID) {
		if _, err := s.LogIn(in.AgentID); err != nil {
			return id, err
		}
	}
	if err := s.Deliver(id, in.AgentID); err != nil {
		return id, err
	}
	for _, m := range in.Messages {
		if err := s.AddMessage(id, m); err != nil {
			return id, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.contacts[id]; in.Talk > 0 {
		c.Answered = c.Answered.Add(-in.Talk)
		c.Start = c.Start.Add(-in.Talk)
	}
	if len(in.TagIDs) > 0 {
		if err := s.tag(id, in.TagIDs); err != nil {
			return id, err
		}
	}
	if in.DispositionID != 0 && !s.skills[in.SkillID].ACW {
		if err := s.disposition(id, in.DispositionID, in.DispositionNotes); err != nil {
			return id, err
		}
	}
	if err := s.endContact(id, in.EndedByContact); err != nil {
		return id, err
	}
	c := s.contacts[id]
	if c.Phase == PhaseACW {
		if in.DispositionID != 0 {
			if err := s.disposition(id, in.DispositionID, in.DispositionNotes); err != nil {
				return id, err
			}
		}
		s.close(c, s.agents[c.AgentID])
	}
	return id, nil
}

func (s *Server) loggedIn(agentID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[agentID]
	return ok && a.session != nil
}

func (s *Server) contactAndAgent(contactID, agentID int64) (*Contact, *agentRec, error) {
	c, ok := s.contacts[contactID]
	if !ok {
		return nil, nil, fmt.Errorf("%w: contact %d", ErrNotFound, contactID)
	}
	a, ok := s.agents[agentID]
	if !ok {
		return nil, nil, fmt.Errorf("%w: agent %d", ErrNotFound, agentID)
	}
	return c, a, nil
}
