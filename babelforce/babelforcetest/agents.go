package babelforcetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// Agent is an agent of the fake, as [Server.AddAgent] takes it and the
// accessors return it.
type Agent struct {
	ID string
	// SourceID is the id in an external system: the Zendesk user id for the
	// status sync.
	SourceID    string
	AgentSource string
	Name        string
	Email       string
	Number      string
	// Disabled agents cannot receive calls (babelforce's enabled=false);
	// agents are enabled by default.
	Disabled bool
	// Presence is the presence name; AddAgent uses [DefaultAgentPresence]
	// when it is empty.
	Presence string
	Tags     []string
}

type agent struct {
	Agent
	created, updated time.Time
	deleted          bool // a gap in state.agents until compacted
}

// PresenceChange is one change of an agent's presence.
type PresenceChange struct {
	Time     time.Time
	AgentID  string
	SourceID string
	From, To string
	// Source says what changed it: "api" (PUT …/status or PUT agent),
	// "ui" (Server.SetPresence, an agent clicking in babelforce) or
	// "webhook" (the status-sync article's template, run by the Zendesk
	// webhook).
	Source string
}

// Change sources.
const (
	SourceAPI     = "api"
	SourceUI      = "ui"
	SourceWebhook = "webhook"
)

// AddAgent adds an agent and returns it with its id (a new one unless set)
// and presence filled in. It panics on an unknown presence, or on an ID
// babelforce would not send (not 32 lower-case hex characters; see
// ids.go), as seeding a fake wrongly is a bug in the test or demo.
func (s *Server) AddAgent(a Agent) Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	added, err := s.addAgentLocked(a)
	if err != nil {
		panic("babelforcetest: AddAgent: " + err.Error())
	}
	return added
}

func (s *Server) addAgentLocked(a Agent) (Agent, error) {
	now := s.now()
	if a.ID == "" {
		a.ID = newID()
	}
	if err := checkSeedID("agent id", a.ID); err != nil {
		return Agent{}, err
	}
	if s.agentLocked(a.ID) != nil {
		return Agent{}, fmt.Errorf("agent %q exists", a.ID)
	}
	if a.Presence == "" {
		a.Presence = DefaultAgentPresence
	}
	if s.presenceLocked(a.Presence) == nil {
		return Agent{}, fmt.Errorf("unknown presence %q", a.Presence)
	}
	a.Tags = slices.Clone(a.Tags)
	s.addAgentRecordLocked(&agent{Agent: a, created: now, updated: now})
	return a, nil
}

// Agent returns the agent with the id.
func (s *Server) Agent(id string) (Agent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.agentLocked(id); a != nil {
		return a.clone(), true
	}
	return Agent{}, false
}

// AgentBySourceID returns the first agent whose SourceID is sourceID.
func (s *Server) AgentBySourceID(sourceID string) (Agent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.agentBySourceLocked(sourceID); a != nil {
		return a.clone(), true
	}
	return Agent{}, false
}

// Agents returns every agent, in the order they were added.
func (s *Server) Agents() []Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	agents := s.liveAgentsLocked()
	out := make([]Agent, len(agents))
	for i, a := range agents {
		out[i] = a.clone()
	}
	return out
}

func (a *agent) clone() Agent {
	c := a.Agent
	c.Tags = slices.Clone(a.Tags)
	return c
}

// Presence returns the agent's presence name ("" for an unknown agent).
func (s *Server) Presence(agentID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.agentLocked(agentID); a != nil {
		return a.Presence
	}
	return ""
}

// History returns every presence change, oldest first. A presence set to
// the one the agent already has is not a change.
func (s *Server) History() []PresenceChange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.history)
}

// OnPresenceChange registers fn to be called after every presence change,
// outside the server's lock, in the goroutine that made the change. A demo
// uses it to play babelforce's "Presence changed" automation.
//
// For a change made through the API, that goroutine is serving the PUT, and
// the API client is still waiting for its answer. A hook that plays an
// automation should post it from a new goroutine, as babelforce's
// automations run apart from the request: a synchronous post into code that
// holds a lock while calling the API (a flow's per-agent lock) deadlocks.
func (s *Server) OnPresenceChange(fn func(PresenceChange)) {
	s.mu.Lock()
	s.hooks = append(s.hooks, fn)
	s.mu.Unlock()
}

// SetPresence changes an agent's presence as the agent would in
// babelforce's UI (Source "ui").
func (s *Server) SetPresence(agentID, presence string) error {
	err := s.changePresence(func() *agent { return s.agentLocked(agentID) }, strconv.Quote(agentID), presence, SourceUI)
	if err != nil {
		return fmt.Errorf("babelforcetest: %w", err)
	}
	return nil
}

var errNoAgent = errors.New("no agent")

// changePresence sets the presence of the agent that find returns (called
// with the server locked; what names it in the error when it returns nil)
// and runs the hooks.
func (s *Server) changePresence(find func() *agent, what, presence, source string) error {
	s.mu.Lock()
	a := find()
	switch {
	case a == nil:
		s.mu.Unlock()
		return fmt.Errorf("%w %s", errNoAgent, what)
	case s.presenceLocked(presence) == nil:
		s.mu.Unlock()
		return fmt.Errorf("no presence %q", presence)
	}
	s.unlockNotify(s.setPresenceLocked(a, presence, source))
	return nil
}

// setPresenceLocked records a change; it reports false when the agent was
// already in that presence.
func (s *Server) setPresenceLocked(a *agent, presence, source string) (PresenceChange, bool) {
	if a.Presence == presence {
		return PresenceChange{}, false
	}
	now := s.now()
	ch := PresenceChange{Time: now, AgentID: a.ID, SourceID: a.SourceID, From: a.Presence, To: presence, Source: source}
	s.setAgentPresenceLocked(a, presence)
	a.updated = now
	s.history = append(s.history, ch)
	return ch, true
}

// unlockNotify unlocks the server and, when changed, then calls the
// [Server.OnPresenceChange] hooks with ch, outside the lock.
func (s *Server) unlockNotify(ch PresenceChange, changed bool) {
	if !changed {
		s.mu.Unlock()
		return
	}
	hooks := slices.Clone(s.hooks)
	s.mu.Unlock()
	for _, h := range hooks {
		h(ch)
	}
}

// agentJSON is the wire form of an agent (manager spec schema Agent, in
// static/openapi/manager.openapi.yaml of https://github.com/babelforce/manager-sdk;
// babelforce's Go SDK type gen/manager Agent). Only id and name are
// required: sourceId, agentSource, email (format email), number and
// activity are left out when the agent has none, never sent as "". The
// fake has no activities, so activity is always absent.
func (s *Server) agentJSON(a *agent) map[string]any {
	p := s.presenceLocked(a.Presence)
	tags := a.Tags
	if tags == nil {
		tags = []string{}
	}
	m := map[string]any{
		"id":             a.ID,
		"name":           a.Name,
		"enabled":        !a.Disabled,
		"state":          "available",
		"presence":       presenceJSON(p),
		"status":         s.statusJSON(a),
		"display_status": p.Label,
		"available":      p.Available && !a.Disabled,
		"tags":           tags,
		"groups":         []any{},
		"webrtc":         false,
		"features":       []string{},
		"dateCreated":    a.created.Format(time.RFC3339),
		"lastUpdated":    a.updated.Format(time.RFC3339),
	}
	for k, v := range map[string]string{"sourceId": a.SourceID, "agentSource": a.AgentSource, "email": a.Email, "number": a.Number} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// statusJSON is AgentStatus (the agent's "status" and the 201 body of PUT
// …/status). The fake has no telephony: the line is always "available" and
// outbound "offline". activity is optional there and the fake has none, so
// it is absent.
func (s *Server) statusJSON(a *agent) map[string]any {
	p := s.presenceLocked(a.Presence)
	return map[string]any{
		"enabled":         !a.Disabled,
		"available":       p.Available && !a.Disabled,
		"outbound_status": "offline",
		"line_status":     "available",
		"presence":        presenceJSON(p),
		"display_status":  p.Label,
	}
}

// totalStatusJSON is AgentTotalStatus (an item of GET …/status), where
// activity and line_status are required and nullable: no activity is
// null there, not absent.
func (s *Server) totalStatusJSON(a *agent) map[string]any {
	m := s.statusJSON(a)
	m["activity"] = nil
	return m
}

// listAgents answers GET /api/v2/agents with {items, pagination}.
func (s *Server) listAgents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, size, ok := pageParams(w, r, q)
	if !ok {
		return
	}
	var enabled *bool
	if v := q.Get("enabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			apiError(w, r, http.StatusBadRequest, "Bad Request", "enabled must be true or false")
			return
		}
		enabled = &b
	}
	s.mu.Lock()
	// The flows look agents up by sourceId: the index has them.
	candidates := s.liveAgentsLocked()
	if v := q.Get("sourceId"); v != "" {
		candidates = s.sources[v]
	}
	s.visited += len(candidates)
	var match []*agent
	for _, a := range candidates {
		if agentMatches(a, q, enabled) {
			match = append(match, a)
		}
	}
	items := []map[string]any{}
	for _, a := range pageOf(match, page, size) {
		items = append(items, s.agentJSON(a))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "pagination": v2Pagination(r, len(match), page, size, len(items))})
}

func agentMatches(a *agent, q url.Values, enabled *bool) bool {
	contains := func(field, want string) bool {
		return strings.Contains(strings.ToLower(field), strings.ToLower(want))
	}
	if v := q.Get("sourceId"); v != "" && a.SourceID != v {
		return false
	}
	if v := q.Get("source"); v != "" && a.AgentSource != v {
		return false
	}
	if v := q.Get("number"); v != "" && a.Number != v {
		return false
	}
	if v := q.Get("name"); v != "" && !contains(a.Name, v) {
		return false
	}
	if v := q.Get("q"); v != "" && !contains(a.Name, v) && !contains(a.Email, v) && !contains(a.Number, v) && !contains(a.SourceID, v) {
		return false
	}
	if v := q.Get("state"); v != "" && v != "available" {
		return false // the fake's line is always available
	}
	if enabled != nil && *enabled == a.Disabled {
		return false
	}
	if tags := q["tags"]; len(tags) > 0 && !slices.ContainsFunc(tags, func(t string) bool { return slices.Contains(a.Tags, t) }) {
		return false
	}
	return true
}

// pageParams reads page (1-based, default 1) and max (default [DefaultMax],
// at most [MaxMax]).
func pageParams(w http.ResponseWriter, r *http.Request, q url.Values) (page, size int, ok bool) {
	page, size = 1, DefaultMax
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			apiError(w, r, http.StatusBadRequest, "Bad Request", "page must be a positive integer")
			return 0, 0, false
		}
		page = n
	}
	if v := q.Get("max"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			apiError(w, r, http.StatusBadRequest, "Bad Request", "max must be a positive integer")
			return 0, 0, false
		}
		size = min(n, MaxMax)
	}
	return page, size, true
}

func pageOf[T any](all []T, page, size int) []T {
	start := (page - 1) * size
	if start >= len(all) {
		return nil
	}
	return all[start:min(start+size, len(all))]
}

// v2Pagination is the "pagination" object. next is the relative URL of
// the next page, left out on the last.
func v2Pagination(r *http.Request, total, page, size, items int) map[string]any {
	pages := (total + size - 1) / size
	p := map[string]any{"pages": pages, "total": total, "current": page, "max": size, "maxResults": items}
	if page < pages {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page+1))
		q.Set("max", strconv.Itoa(size))
		p["next"] = r.URL.Path + "?" + q.Encode()
	}
	return p
}

type agentWrite struct {
	Name        *string      `json:"name"`
	SourceID    *string      `json:"sourceId"`
	AgentSource *string      `json:"agentSource"`
	Email       *string      `json:"email"`
	Number      *string      `json:"number"`
	Enabled     *bool        `json:"enabled"`
	Tags        *[]string    `json:"tags"`
	Presence    *presenceRef `json:"presence"`
}

// presenceRef names a presence in a request body: {"name": …}.
type presenceRef struct {
	Name string `json:"name"`
}

// createAgent answers POST /api/v2/agents: 201 {item, success}.
func (s *Server) createAgent(w http.ResponseWriter, r *http.Request) {
	var in agentWrite
	if !readJSON(w, r, &in) {
		return
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		apiError(w, r, http.StatusBadRequest, "Bad Request", "name is required")
		return
	}
	a := Agent{Name: *in.Name}
	if in.Presence != nil && in.Presence.Name != "" {
		a.Presence = in.Presence.Name
	}
	applyAgentWrite(&a, &in)
	s.mu.Lock()
	added, err := s.addAgentLocked(a)
	if err != nil {
		s.mu.Unlock()
		apiError(w, r, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	body := map[string]any{"item": s.agentJSON(s.agentLocked(added.ID)), "success": true}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, body)
}

func applyAgentWrite(a *Agent, in *agentWrite) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&a.Name, in.Name)
	set(&a.SourceID, in.SourceID)
	set(&a.AgentSource, in.AgentSource)
	set(&a.Email, in.Email)
	set(&a.Number, in.Number)
	if in.Enabled != nil {
		a.Disabled = !*in.Enabled
	}
	if in.Tags != nil {
		a.Tags = slices.Clone(*in.Tags)
	}
}

// lockAgent locks the server and returns the agent of the path's {id},
// with the lock held. For an unknown agent it unlocks, answers 404 and
// returns nil.
func (s *Server) lockAgent(w http.ResponseWriter, r *http.Request) *agent {
	s.mu.Lock()
	a := s.agentLocked(r.PathValue("id"))
	if a == nil {
		s.mu.Unlock()
		apiError(w, r, http.StatusNotFound, "Not Found", "Agent not found")
	}
	return a
}

// refuseUnknownPresenceLocked answers a presence change to a presence that
// does not exist (unknownPresenceStatus), unlocking the server, and
// reports whether it did; nil changes nothing.
func (s *Server) refuseUnknownPresenceLocked(w http.ResponseWriter, r *http.Request, p *presenceRef) bool {
	if p == nil || s.presenceLocked(p.Name) != nil {
		return false
	}
	s.mu.Unlock()
	code, msg := unknownPresenceStatus()
	apiError(w, r, code, http.StatusText(code), msg+p.Name)
	return true
}

// setPresenceRefLocked changes a's presence through the API (Source
// "api") to the one p names, which exists; nil changes nothing.
func (s *Server) setPresenceRefLocked(a *agent, p *presenceRef) (PresenceChange, bool) {
	if p == nil {
		return PresenceChange{}, false
	}
	return s.setPresenceLocked(a, p.Name, SourceAPI)
}

func (s *Server) getAgent(w http.ResponseWriter, r *http.Request) {
	a := s.lockAgent(w, r)
	if a == nil {
		return
	}
	body := map[string]any{"item": s.agentJSON(a), "success": true}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// updateAgent answers PUT /api/v2/agents/{id}: the fields sent change; a
// presence sent there changes the presence too (Source "api").
func (s *Server) updateAgent(w http.ResponseWriter, r *http.Request) {
	var in agentWrite
	if !readJSON(w, r, &in) {
		return
	}
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		apiError(w, r, http.StatusBadRequest, "Bad Request", "name must not be empty")
		return
	}
	a := s.lockAgent(w, r)
	if a == nil || s.refuseUnknownPresenceLocked(w, r, in.Presence) {
		return
	}
	sourceID := a.SourceID
	applyAgentWrite(&a.Agent, &in)
	a.SourceID = sourceID // moved through the index below
	if in.SourceID != nil {
		s.setSourceLocked(a, *in.SourceID)
	}
	a.updated = s.now()
	ch, changed := s.setPresenceRefLocked(a, in.Presence)
	body := map[string]any{"item": s.agentJSON(a), "success": true}
	s.unlockNotify(ch, changed)
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) deleteAgent(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	found := s.deleteAgentLocked(r.PathValue("id"))
	s.mu.Unlock()
	if !found {
		apiError(w, r, http.StatusNotFound, "Not Found", "Agent not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// getStatus answers GET /api/v2/agents/{id}/status with the documented
// single-element array.
func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	a := s.lockAgent(w, r)
	if a == nil {
		return
	}
	body := map[string]any{"item": []any{s.totalStatusJSON(a)}, "success": true}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// putStatus answers PUT /api/v2/agents/{id}/status
// ({"enabled"?, "presence"?: {"name"}}) with 201 and the AgentStatus.
func (s *Server) putStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Enabled  *bool        `json:"enabled"`
		Presence *presenceRef `json:"presence"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	a := s.lockAgent(w, r)
	if a == nil || s.refuseUnknownPresenceLocked(w, r, in.Presence) {
		return
	}
	if in.Enabled != nil {
		a.Disabled = !*in.Enabled
		a.updated = s.now()
	}
	ch, changed := s.setPresenceRefLocked(a, in.Presence)
	body := s.statusJSON(a)
	s.unlockNotify(ch, changed)
	writeJSON(w, http.StatusCreated, body)
}

// setPresenceBySource changes the presence of the agent whose sourceId is
// sourceID (the status-sync article's template does this).
func (s *Server) setPresenceBySource(sourceID, presence, source string) error {
	return s.changePresence(func() *agent { return s.agentBySourceLocked(sourceID) },
		"with sourceId "+strconv.Quote(sourceID), presence, source)
}

// jsonString extracts a string at a path of nested objects.
func jsonString(raw json.RawMessage, path ...string) string {
	cur := raw
	for _, p := range path {
		var m map[string]json.RawMessage
		if fakeserver.DecodeJSON(cur, &m) != nil {
			return ""
		}
		cur = m[p]
	}
	var s string
	if json.Unmarshal(cur, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(cur, &n) == nil {
		return n.String()
	}
	return ""
}
