package zendesktest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Agent availability, unified agent statuses and Talk availability
// (https://developer.zendesk.com/api-reference/agent-availability/agent-availability-api/,
// https://developer.zendesk.com/api-reference/agent-availability/unified-agent-status-api/,
// https://developer.zendesk.com/api-reference/voice/talk-api/availabilities/)
// and the agent events
// (https://developer.zendesk.com/api-reference/webhooks/event-types/agent-availability-events/).
//
// Every agent and admin has an availability: a status per channel
// ("messaging", "support", "talk": "online", "away", "transfers_only" or
// "offline") and a unified status (defaults 2 offline, 3 online, 4 away,
// 5 transfers_only; custom statuses added with [Server.AddCustomStatus] map
// each channel to a status).
//
// Endpoints (JSON:API documents; errors are availabilityError's, a guess in
// unconfirmed.go):
//
//	GET /api/v2/agent_availabilities            cursor only; filter[channel_status]
//	                                            ("messaging:online", comma = all of),
//	                                            filter[agent_status_id] (comma = any of);
//	                                            select_channel is ignored
//	GET /api/v2/agent_availabilities/{agent_id} with "included" channels
//	GET /api/v2/agent_availabilities/agent_statuses
//	                                            {"default": [...], "custom": [...]}; the
//	                                            custom ones by name, cursor-paginated
//	PUT /api/v2/agent_availabilities/agent_statuses/agents/{agent_id|me}
//	GET/PUT /api/v2/channels/voice/availabilities/{agent_id}
//
// The body of the unified status update is read by statusUpdateID, a guess
// in unconfirmed.go. The answer is {"data": {...}} with the "Unified Agent
// Status" resource of Zendesk's reference.
//
// A change of an agent's state (through these endpoints or
// [Server.SetAgentState] / SetAgentStatus) sends, to every active webhook
// subscribed to the type, one "zen:event-type:agent.state_changed" per
// channel that changed and one "zen:event-type:agent.unified_state_changed"
// when the unified status changed, in the envelope of Zendesk's agent
// events reference.
// When only some channels change, the unified status becomes the first
// status (defaults, then custom by id) whose mapping equals the new channel
// statuses, and stays as it was if none does (the fake's rule). The unified
// event's body (unifiedStateChanged) and its reasons (reasonAPI,
// reasonSwitcher) are guesses in unconfirmed.go.
// The Talk PUT may change agent_state (as in accounts without omnichannel
// routing).

const (
	channelStates = "online away transfers_only offline"
	eventVersion  = "2022-11-06"
	nanoTime      = "2006-01-02T15:04:05.000000000Z07:00"
)

func validChannelState(s string) bool { return slices.Contains(strings.Fields(channelStates), s) }

type eventEnvelope struct {
	AccountID           int64             `json:"account_id"`
	Detail              map[string]string `json:"detail"`
	Event               any               `json:"event"`
	ID                  string            `json:"id"`
	Subject             string            `json:"subject"`
	Time                string            `json:"time"`
	Type                string            `json:"type"`
	ZendeskEventVersion string            `json:"zendesk_event_version"`
}

type stateChangedEvent struct {
	UpdatedAt     string `json:"updated_at"`
	PreviousState string `json:"previous_state"`
	NewState      string `json:"new_state"`
	Channel       string `json:"channel"`
}

const (
	eventStateChanged   = "zen:event-type:agent.state_changed"
	eventUnifiedChanged = "zen:event-type:agent.unified_state_changed"
)

// changeAgent sets an agent's channels (only the keys of set) and, when
// statusID is not 0, its unified status; it returns the event deliveries.
func (st *state) changeAgent(a *AgentAvailability, set map[string]string, statusID int64, reason string) []outbound {
	now := st.s.now()
	stamp := now.Format(nanoTime)
	prevID, prevName, prevReason := a.StatusID, a.StatusName, a.Reason
	var events []eventEnvelope
	newEvent := func(typ string, ev any) eventEnvelope {
		return eventEnvelope{
			AccountID: st.s.AccountID, Event: ev, ID: newULID(now), Subject: "zen:agent:" + itoa(a.AgentID),
			Time: stamp, Type: typ, ZendeskEventVersion: eventVersion,
		}
	}
	for _, ch := range channels {
		v, ok := set[ch]
		if !ok || a.Channels[ch] == v {
			continue
		}
		events = append(events, newEvent(eventStateChanged, stateChangedEvent{UpdatedAt: stamp, PreviousState: a.Channels[ch], NewState: v, Channel: ch}))
		a.Channels[ch] = v
		a.ChannelUpdatedAt[ch] = now
	}
	if statusID == 0 {
		statusID = a.StatusID
		if s, ok := st.statusFor(a.Channels); ok && !st.statusMatches(a.StatusID, a.Channels) {
			statusID = s.ID
		}
	}
	if statusID != a.StatusID {
		s, _ := st.statusByID(statusID)
		a.StatusID, a.StatusName, a.Reason, a.StatusUpdatedAt = s.ID, s.Name, reason, now
		events = append(events, newEvent(eventUnifiedChanged, unifiedStateChanged(prevID, prevName, prevReason, s, reason, stamp)))
	}
	if len(events) == 0 {
		return nil
	}
	a.Version++
	var out []outbound
	for _, ev := range events {
		ev.Detail = map[string]string{"account_id": itoa(st.s.AccountID), "agent_id": itoa(a.AgentID), "version": itoa(a.Version)}
		body, _ := marshal(ev)
		for _, rec := range st.webhooks.values() {
			if rec.w.Status != "active" || !slices.Contains(rec.w.Subscriptions, ev.Type) {
				continue
			}
			o := st.newOutbound(rec, now)
			o.kind, o.eventType, o.eventID, o.agentID, o.body = "event", ev.Type, ev.ID, a.AgentID, body
			out = append(out, o)
		}
	}
	return out
}

func (st *state) statusMatches(id int64, chans map[string]string) bool {
	s, ok := st.statusByID(id)
	if !ok {
		return false
	}
	for _, ch := range channels {
		if s.Channels[ch] != chans[ch] {
			return false
		}
	}
	return true
}

// statusFor finds the first status whose mapping equals chans.
func (st *state) statusFor(chans map[string]string) (UnifiedStatus, bool) {
	all := slices.Clone(st.defaults)
	for _, c := range st.customStatuses.values() {
		all = append(all, *c)
	}
	for _, s := range all {
		if st.statusMatches(s.ID, chans) {
			return s, true
		}
	}
	return UnifiedStatus{}, false
}

// --- JSON:API documents ---

func (st *state) availabilityResource(a *AgentAvailability) map[string]any {
	id := "agent_availabilities|" + itoa(a.AgentID)
	var rels []map[string]any
	for _, ch := range channels {
		rels = append(rels, map[string]any{"id": id + "|channels|" + ch, "type": "channels"})
	}
	groups := slices.Clone(a.GroupIDs)
	if u, ok := st.users.get(a.AgentID); ok && u.DefaultGroupID != nil && !slices.Contains(groups, *u.DefaultGroupID) {
		groups = append(groups, *u.DefaultGroupID)
	}
	return map[string]any{
		"attributes": map[string]any{
			"agent_id": a.AgentID,
			"agent_status": map[string]any{
				"id": a.StatusID, "name": a.StatusName, "reason": a.Reason, "updated_at": a.StatusUpdatedAt.Format(nanoTime),
			},
			"group_ids": nonNil(groups),
			"skills":    []any{},
			"version":   a.Version,
		},
		"id":            id,
		"links":         map[string]any{"self": st.url("/api/v2/agent_availabilities/%d", a.AgentID)},
		"relationships": map[string]any{"channels": map[string]any{"data": rels}},
		"type":          "agent_availabilities",
	}
}

func (st *state) channelResources(a *AgentAvailability) []map[string]any {
	var out []map[string]any
	for _, ch := range channels {
		out = append(out, map[string]any{
			"attributes": map[string]any{
				"name": ch, "status": a.Channels[ch], "updated_at": a.ChannelUpdatedAt[ch].Format(nanoTime), "work_item_count": 0,
			},
			"id": "agent_availabilities|" + itoa(a.AgentID) + "|channels|" + ch,
			"relationships": map[string]any{"work_items": map[string]any{
				"data": []any{}, "links": map[string]any{"next": nil}, "meta": map[string]any{"has_more": false},
			}},
			"type": "channels",
		})
	}
	return out
}

func errAgentNotFound(id string) error {
	return availabilityError(http.StatusNotFound, "NotFound", "Agent "+id+" not found")
}

// agentFromPath resolves {agent_id} ("me" allowed) to an agent's
// availability.
func (c *call) agentFromPath(st *state, api bool) (*AgentAvailability, error) {
	raw := c.r.PathValue("agent_id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if raw == "me" {
		id, err = c.user, nil
	}
	notFound := func() error {
		if api {
			return errAgentNotFound(raw)
		}
		return errNotFound()
	}
	if err != nil {
		return nil, notFound()
	}
	u, ok := st.users.get(id)
	if !ok || !u.isAgent() {
		return nil, notFound()
	}
	return st.ensureAgent(id, st.s.stamp()), nil
}

func (s *Server) availabilityGet(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := c.agentFromPath(s.st, true)
	if err != nil {
		return err
	}
	return c.json(200, map[string]any{"data": s.st.availabilityResource(a), "included": s.st.channelResources(a)})
}

func (s *Server) availabilitiesList(c *call) error {
	p, err := c.pageParams(pageCursor, 100)
	if err != nil {
		return availabilityError(http.StatusBadRequest, "InvalidPaginationParameter", apiErrText(err))
	}
	q := c.r.URL.Query()
	var chanFilter [][2]string
	if v := q.Get("filter[channel_status]"); v != "" {
		for _, part := range strings.Split(v, ",") {
			ch, st, ok := strings.Cut(strings.TrimSpace(part), ":")
			if !ok || !slices.Contains(channels, ch) || !validChannelState(st) {
				return availabilityError(http.StatusBadRequest, "InvalidFilter", "filter[channel_status] must be channel:status")
			}
			chanFilter = append(chanFilter, [2]string{ch, st})
		}
	}
	var statusFilter []int64
	if v := q.Get("filter[agent_status_id]"); v != "" {
		for _, part := range strings.Split(v, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil {
				return availabilityError(http.StatusBadRequest, "InvalidFilter", "filter[agent_status_id] must be status ids")
			}
			statusFilter = append(statusFilter, n)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*AgentAvailability
	for _, a := range s.st.agents.values() {
		if u, ok := s.st.users.get(a.AgentID); !ok || !u.isAgent() || !u.Active {
			continue
		}
		ok := true
		for _, f := range chanFilter {
			ok = ok && a.Channels[f[0]] == f[1]
		}
		if len(statusFilter) > 0 && !slices.Contains(statusFilter, a.StatusID) {
			ok = false
		}
		if ok {
			list = append(list, a)
		}
	}
	page, meta, links := cursorPage(c, p, list, func(a *AgentAvailability) string { return seqKey(a.AgentID) })
	data, included := []map[string]any{}, []map[string]any{}
	for _, a := range page {
		data = append(data, s.st.availabilityResource(a))
		included = append(included, s.st.channelResources(a)...)
	}
	return c.json(200, map[string]any{"data": data, "included": included, "meta": meta, "links": links})
}

func statusItem(u UnifiedStatus) map[string]any {
	attrs := map[string]any{"description": u.Description, "name": u.Name}
	item := map[string]any{"attributes": attrs, "id": u.ID, "type": "agent_status"}
	if !u.Default {
		attrs["channels"] = u.Channels
		attrs["group_ids"] = nonNil(u.GroupIDs)
		item["updated_at"] = u.UpdatedAt.Format(time.RFC3339)
	}
	return item
}

func (s *Server) agentStatusesList(c *call) error {
	p, err := c.pageParams(pageCursor, 100)
	if err != nil {
		return availabilityError(http.StatusBadRequest, "InvalidPaginationParameter", apiErrText(err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defaults := []map[string]any{}
	for _, d := range s.st.defaults {
		defaults = append(defaults, statusItem(d))
	}
	var custom []UnifiedStatus
	for _, cs := range s.st.customStatuses.values() {
		custom = append(custom, *cs)
	}
	key := func(u UnifiedStatus) string { return strings.ToLower(u.Name) + "\x00" + seqKey(u.ID) }
	slices.SortFunc(custom, func(a, b UnifiedStatus) int { return strings.Compare(key(a), key(b)) })
	page, meta, links := cursorPage(c, p, custom, key)
	items := []map[string]any{}
	for _, u := range page {
		items = append(items, statusItem(u))
	}
	return c.json(200, map[string]any{"default": defaults, "custom": items, "meta": meta, "links": links})
}

func (s *Server) agentStatusUpdate(c *call) error {
	statusID, err := statusUpdateID(c)
	if err != nil {
		return err
	}
	s.mu.Lock()
	a, err := c.agentFromPath(s.st, true)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	status, ok := s.st.statusByID(statusID)
	if !ok {
		s.mu.Unlock()
		return availabilityError(http.StatusNotFound, "NotFound", fmt.Sprintf("Agent status %d not found", statusID))
	}
	if !s.st.eligible(a.AgentID, status) {
		s.mu.Unlock()
		return availabilityError(http.StatusUnprocessableEntity, "InvalidValue", "the agent is not in a group this status is for")
	}
	out := s.st.changeAgent(a, status.Channels, status.ID, reasonAPI)
	resp := map[string]any{"data": map[string]any{
		"attributes": map[string]any{"agent_id": a.AgentID, "agent_status": map[string]any{"id": status.ID, "name": status.Name}},
		"id":         "agent_availabilities|" + itoa(a.AgentID),
		"type":       "agent_availabilities",
	}}
	s.mu.Unlock()
	s.dl.enqueue(out...)
	return c.json(200, resp)
}

// eligible says whether a custom status with groups is for the agent.
func (st *state) eligible(agentID int64, s UnifiedStatus) bool {
	if len(s.GroupIDs) == 0 {
		return true
	}
	a, _ := st.agents.get(agentID)
	u, _ := st.users.get(agentID)
	for _, g := range s.GroupIDs {
		if (a != nil && slices.Contains(a.GroupIDs, g)) || (u != nil && u.DefaultGroupID != nil && *u.DefaultGroupID == g) {
			return true
		}
	}
	return false
}

// --- Talk availability ---

func talkJSON(a *AgentAvailability) map[string]any {
	var cs any
	if a.CallStatus != "" {
		cs = a.CallStatus
	}
	return map[string]any{"availability": map[string]any{"agent_state": a.Channels["talk"], "via": a.TalkVia, "call_status": cs}}
}

func (s *Server) talkAvailabilityGet(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := c.agentFromPath(s.st, false)
	if err != nil {
		return err
	}
	return c.json(200, talkJSON(a))
}

func (s *Server) talkAvailabilityUpdate(c *call) error {
	var body struct {
		Availability *struct {
			AgentState *string `json:"agent_state"`
			Via        *string `json:"via"`
		} `json:"availability"`
	}
	if err := c.decodeEnvelope("availability", &body, func() bool { return body.Availability == nil }); err != nil {
		return err
	}
	p := problems{}
	if v := body.Availability.AgentState; v != nil && !validChannelState(*v) {
		p.add("agent_state", "Agent state", "is not valid", "InvalidValue")
	}
	if v := body.Availability.Via; v != nil && *v != "client" && *v != "phone" {
		p.add("via", "Via", "is not valid", "InvalidValue")
	}
	if err := p.err(); err != nil {
		return err
	}
	s.mu.Lock()
	a, err := c.agentFromPath(s.st, false)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	if v := body.Availability.Via; v != nil {
		a.TalkVia = *v
	}
	var out []outbound
	if v := body.Availability.AgentState; v != nil {
		out = s.st.changeAgent(a, map[string]string{"talk": *v}, 0, reasonAPI)
	}
	resp := talkJSON(a)
	s.mu.Unlock()
	s.dl.enqueue(out...)
	return c.json(200, resp)
}

// --- Server methods ---

// SetAgentState sets an agent's status on one channel ("support",
// "messaging" or "talk"; "" for every channel) to "online", "away",
// "transfers_only" or "offline", as the agent would in Zendesk, and queues
// the event webhooks.
func (s *Server) SetAgentState(agentID int64, channel, state string) error {
	if !validChannelState(state) {
		return errorf("invalid channel state %q", state)
	}
	set := map[string]string{}
	switch {
	case channel == "":
		for _, ch := range channels {
			set[ch] = state
		}
	case slices.Contains(channels, channel):
		set[channel] = state
	default:
		return errorf("invalid channel %q", channel)
	}
	s.mu.Lock()
	u, ok := s.st.users.get(agentID)
	if !ok || !u.isAgent() {
		s.mu.Unlock()
		return errorf("user %d is not an agent", agentID)
	}
	out := s.st.changeAgent(s.st.ensureAgent(agentID, s.stamp()), set, 0, reasonSwitcher)
	s.mu.Unlock()
	s.dl.enqueue(out...)
	return nil
}

// SetAgentStatus sets an agent's unified status (default or custom), which
// sets every channel to the status's mapping, and queues the event webhooks.
func (s *Server) SetAgentStatus(agentID, statusID int64) error {
	s.mu.Lock()
	u, ok := s.st.users.get(agentID)
	if !ok || !u.isAgent() {
		s.mu.Unlock()
		return errorf("user %d is not an agent", agentID)
	}
	status, ok := s.st.statusByID(statusID)
	if !ok {
		s.mu.Unlock()
		return errorf("no agent status %d", statusID)
	}
	out := s.st.changeAgent(s.st.ensureAgent(agentID, s.stamp()), status.Channels, status.ID, reasonSwitcher)
	s.mu.Unlock()
	s.dl.enqueue(out...)
	return nil
}

// AddCustomStatus adds a custom unified status mapping each channel
// ("messaging", "support", "talk"; a missing channel is "offline") to a
// channel status, for agents of groupIDs (none: every agent), and returns
// its id.
func (s *Server) AddCustomStatus(name, description string, chans map[string]string, groupIDs ...int64) (int64, error) {
	m := map[string]string{}
	for _, ch := range channels {
		m[ch] = "offline"
	}
	for ch, v := range chans {
		if !slices.Contains(channels, ch) || !validChannelState(v) {
			return 0, errorf("invalid channel mapping %s=%s", ch, v)
		}
		m[ch] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.st.nextID()
	s.st.customStatuses.put(id, &UnifiedStatus{ID: id, Name: name, Description: description, Channels: m, GroupIDs: slices.Clone(groupIDs), UpdatedAt: s.stamp()})
	return id, nil
}

// UnifiedStatuses returns the default statuses, then the custom ones.
func (s *Server) UnifiedStatuses() []UnifiedStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []UnifiedStatus
	for _, d := range s.st.defaults {
		out = append(out, d.clone())
	}
	for _, c := range s.st.customStatuses.values() {
		out = append(out, c.clone())
	}
	return out
}

// Availability returns a copy of an agent's availability.
func (s *Server) Availability(agentID int64) (AgentAvailability, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.agents.get(agentID)
	if !ok {
		return AgentAvailability{}, false
	}
	return a.clone(), true
}

// SetAgentGroups sets the groups an agent belongs to (for custom statuses
// limited to groups and the availability's group_ids).
func (s *Server) SetAgentGroups(agentID int64, groupIDs ...int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.agents.get(agentID)
	if !ok {
		return errorf("user %d is not an agent", agentID)
	}
	a.GroupIDs = slices.Clone(groupIDs)
	return nil
}
