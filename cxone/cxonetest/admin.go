package cxonetest

import (
	"net/http"
	"strings"
)

// Wire forms of the Admin and Real-Time records (field names of the
// generated client's Admin and Real-Time services). Optional fields
// without a value are left out.

func (s *Server) agentWire(a *agentRec) map[string]any {
	m := map[string]any{
		"agentId": a.ID, "userName": a.UserName, "isActive": !a.Inactive,
		"isSupervisor": false, "locked": false, "lastUpdated": formatTime(a.lastUpdated),
	}
	putString(m, "firstName", a.FirstName)
	putString(m, "lastName", a.LastName)
	putString(m, "emailAddress", a.Email)
	if t, ok := s.teams[a.TeamID]; ok {
		m["teamId"], m["teamName"] = t.ID, t.Name
	}
	if !a.loginAt.IsZero() {
		m["lastLogin"] = formatTime(a.loginAt)
	}
	return m
}

func putString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func matches(search string, vals ...string) bool {
	if search == "" {
		return true
	}
	for _, v := range vals {
		if strings.Contains(strings.ToLower(v), strings.ToLower(search)) {
			return true
		}
	}
	return false
}

// record runs fn on the {id} record of recs under the lock, answering 400
// for a bad id and 404 for an unknown one (both naming what).
func record[T any](s *Server, w http.ResponseWriter, r *http.Request, what string, recs map[int64]*T, fn func(*T)) bool {
	id, ok := pathID(w, r, what)
	if !ok {
		return false
	}
	s.mu.Lock()
	v, found := recs[id]
	if found {
		fn(v)
	}
	s.mu.Unlock()
	if !found {
		notFound(w, what, id)
	}
	return found
}

// recordWire is the wire form of the {id} record of recs (see record).
func recordWire[T any](s *Server, w http.ResponseWriter, r *http.Request, what string, recs map[int64]*T, wire func(*T) map[string]any) (map[string]any, bool) {
	var m map[string]any
	found := record(s, w, r, what, recs, func(v *T) { m = wire(v) })
	return m, found
}

// listRecords answers the list page key of the wire forms of the records
// of recs that keep lets through, in the order of *order (read under the
// lock).
func listRecords[T any](s *Server, w http.ResponseWriter, r *http.Request, p *page, key string, order *[]int64, recs map[int64]*T, keep func(*T) bool, wire func(*T) map[string]any) {
	s.mu.Lock()
	var items []map[string]any
	for _, id := range *order {
		if v := recs[id]; keep(v) {
			items = append(items, wire(v))
		}
	}
	s.mu.Unlock()
	s.writeList(w, r, p, key, items, nil)
}

// listNamed is listRecords of the records whose name matches the
// searchString filter.
func listNamed[T any](s *Server, w http.ResponseWriter, r *http.Request, key string, order *[]int64, recs map[int64]*T, name func(*T) string, wire func(*T) map[string]any) {
	p, ok := readPage(w, r)
	if !ok {
		return
	}
	search := p.q.Get("searchString")
	listRecords(s, w, r, p, key, order, recs, func(v *T) bool { return matches(search, name(v)) }, wire)
}

func (s *Server) listAgents(w http.ResponseWriter, r *http.Request) {
	p, ok := readPage(w, r)
	if !ok {
		return
	}
	active, ok1 := queryBool(w, p.q, "isActive")
	if !ok1 {
		return
	}
	since, ok2 := readTime(w, p.q, "updateSince") // sic, as the Admin API spells it
	if !ok2 {
		return
	}
	listRecords(s, w, r, p, "agents", &s.agentOrder, s.agents, func(a *agentRec) bool {
		return (active == nil || *active != a.Inactive) && matches(p.q.Get("searchString"), a.UserName, a.FirstName, a.LastName, a.Email) &&
			(since.IsZero() || !a.lastUpdated.Before(since))
	}, s.agentWire)
}

func (s *Server) getAgent(w http.ResponseWriter, r *http.Request) {
	if m, ok := recordWire(s, w, r, "agent", s.agents, s.agentWire); ok {
		s.writeOne(w, singleEnvelope("agents"), m)
	}
}

func (s *Server) agentSkills(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "agent")
	if !ok {
		return
	}
	p, ok := readPage(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	a, found := s.agents[id]
	var items []map[string]any
	if found {
		for _, sid := range a.SkillIDs {
			if sk, ok := s.skills[sid]; ok {
				items = append(items, map[string]any{
					"agentId": a.ID, "skillId": sk.ID, "skillName": sk.Name, "mediaTypeId": sk.Media.ID,
					"mediaTypeName": sk.Media.Name, "isActive": true, "isSkillActive": true, "agentProficiencyValue": 1,
				})
			}
		}
	}
	s.mu.Unlock()
	if !found {
		notFound(w, "agent", id)
		return
	}
	s.writeList(w, r, p, "agentSkillAssignments", items, nil)
}

func (s *Server) agentStateWire(a *agentRec) map[string]any {
	m := map[string]any{
		"agentId": a.ID, "agentStateId": agentStateID(a.state), "agentStateName": a.state,
		"businessUnitId": DefaultBusinessUnitID, "isActive": !a.Inactive, "userName": a.UserName,
		"lastUpdateTime": formatTime(a.lastUpdated), "startDate": formatTime(a.stateSince),
		"isACW": false, "isOutbound": false, "openContacts": 0,
	}
	putString(m, "firstName", a.FirstName)
	putString(m, "lastName", a.LastName)
	if t, ok := s.teams[a.TeamID]; ok {
		m["teamId"], m["teamName"] = t.ID, t.Name
	}
	if c, ok := s.codes[a.outCode]; ok {
		m["outStateId"], m["outStateDescription"] = c.ID, c.Name
	}
	if a.session != nil {
		m["sessionStartTime"] = formatTime(a.loginAt)
	}
	if c, ok := s.contacts[a.contactID]; ok {
		sk := s.skills[c.SkillID]
		m["contactId"], m["skillId"], m["skillName"] = c.ID, sk.ID, sk.Name
		m["mediaTypeId"], m["mediaTypeName"] = c.Media.ID, c.Media.Name
		m["isACW"], m["isOutbound"], m["openContacts"] = c.Phase == PhaseACW, c.Outbound, 1
		m["contactStartHandleTime"] = formatTime(c.Answered)
		putString(m, "fromAddress", c.From)
		putString(m, "toAddress", c.To)
	}
	return m
}

func (s *Server) listAgentStates(w http.ResponseWriter, r *http.Request) {
	p, ok := readPage(w, r)
	if !ok {
		return
	}
	since, ok := readTime(w, p.q, "updatedSince")
	if !ok {
		return
	}
	listRecords(s, w, r, p, "agentStates", &s.agentOrder, s.agents, func(a *agentRec) bool {
		return since.IsZero() || updatedSinceIncludes(a.lastUpdated, since)
	}, s.agentStateWire)
}

func (s *Server) getAgentState(w http.ResponseWriter, r *http.Request) {
	if m, ok := recordWire(s, w, r, "agent", s.agents, s.agentStateWire); ok {
		s.writeOne(w, "agentStates", m)
	}
}

func teamWire(t *Team) map[string]any {
	m := map[string]any{"teamId": t.ID, "isActive": true}
	putString(m, "teamName", t.Name)
	return m
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) {
	listNamed(s, w, r, "teams", &s.teamOrder, s.teams, func(t *Team) string { return t.Name }, teamWire)
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) {
	if m, ok := recordWire(s, w, r, "team", s.teams, teamWire); ok {
		s.writeOne(w, singleEnvelope("teams"), m)
	}
}

func (s *Server) teamAgents(w http.ResponseWriter, r *http.Request) {
	p, ok := readPage(w, r)
	if !ok {
		return
	}
	var items []map[string]any
	if record(s, w, r, "team", s.teams, func(t *Team) {
		for _, id := range s.agentOrder {
			if a := s.agents[id]; a.TeamID == t.ID {
				items = append(items, s.agentWire(a))
			}
		}
	}) {
		s.writeList(w, r, p, "agents", items, nil)
	}
}

func codeWire(c *UnavailableCode) map[string]any {
	return map[string]any{"id": c.ID, "name": c.Name, "isActive": true, "isACW": c.ACW, "agentTimeout": 0}
}

func (s *Server) teamCodes(w http.ResponseWriter, r *http.Request) {
	p, ok := readPage(w, r)
	if !ok {
		return
	}
	var items []map[string]any
	if record(s, w, r, "team", s.teams, func(t *Team) {
		for _, id := range t.UnavailableCodeIDs {
			if c, ok := s.codes[id]; ok {
				items = append(items, codeWire(c))
			}
		}
	}) {
		s.writeList(w, r, p, "unavailableCodes", items, nil)
	}
}

func (s *Server) skillWire(sk *Skill) map[string]any {
	m := map[string]any{
		"skillId": sk.ID, "skillName": sk.Name, "mediaTypeId": sk.Media.ID, "mediaTypeName": sk.Media.Name,
		"isActive": true, "isOutbound": false, "requireDisposition": sk.RequireDisposition,
		"useScreenPops": false, "useCustomScreenPops": false,
	}
	if d := s.skillDispositionsWire(sk); len(d) > 0 {
		m["dispositions"] = d
	}
	return m
}

func (s *Server) skillDispositionsWire(sk *Skill) []map[string]any {
	var out []map[string]any
	for i, id := range sk.DispositionIDs {
		if d, ok := s.dispositions[id]; ok {
			out = append(out, map[string]any{"dispositionId": d.ID, "dispositionName": d.Name, "priority": i + 1, "isPreviewDisposition": false})
		}
	}
	return out
}

func (s *Server) listSkills(w http.ResponseWriter, r *http.Request) {
	p, ok := readPage(w, r)
	if !ok {
		return
	}
	media, ok := queryInt(w, p.q, "mediaTypeId")
	if !ok {
		return
	}
	listRecords(s, w, r, p, "skills", &s.skillOrder, s.skills, func(sk *Skill) bool {
		return (media == 0 || int64(sk.Media.ID) == media) && matches(p.q.Get("searchString"), sk.Name)
	}, s.skillWire)
}

func (s *Server) getSkill(w http.ResponseWriter, r *http.Request) {
	if m, ok := recordWire(s, w, r, "skill", s.skills, s.skillWire); ok {
		s.writeOne(w, singleEnvelope("skills"), m)
	}
}

func (s *Server) skillDispositions(w http.ResponseWriter, r *http.Request) {
	p, ok := readPage(w, r)
	if !ok {
		return
	}
	var items []map[string]any
	if record(s, w, r, "skill", s.skills, func(sk *Skill) { items = s.skillDispositionsWire(sk) }) {
		s.writeList(w, r, p, "dispositions", items, nil)
	}
}

func dispositionWire(d *Disposition) map[string]any {
	m := map[string]any{"dispositionId": d.ID, "dispositionName": d.Name, "isActive": true, "isPreviewDisposition": false}
	putString(m, "notes", d.Notes)
	return m
}

func (s *Server) listDispositions(w http.ResponseWriter, r *http.Request) {
	listNamed(s, w, r, "dispositions", &s.dispOrder, s.dispositions, func(d *Disposition) string { return d.Name }, dispositionWire)
}

func (s *Server) getDisposition(w http.ResponseWriter, r *http.Request) {
	if m, ok := recordWire(s, w, r, "disposition", s.dispositions, dispositionWire); ok {
		s.writeOne(w, singleEnvelope("dispositions"), m)
	}
}

func (s *Server) listCodes(w http.ResponseWriter, r *http.Request) {
	listNamed(s, w, r, "unavailableCodes", &s.codeOrder, s.codes, func(c *UnavailableCode) string { return c.Name }, codeWire)
}

func (s *Server) getCode(w http.ResponseWriter, r *http.Request) {
	if m, ok := recordWire(s, w, r, "unavailable code", s.codes, codeWire); ok {
		// The one envelope the portal shows: {"unavailableCode": {…}}.
		writeJSON(w, http.StatusOK, map[string]any{"unavailableCode": m})
	}
}
