package cxonetest

import (
	"net/http"
	"sort"
	"strconv"
	"time"
)

// contactWire is a contact as the Reporting and Real-Time APIs write it,
// with the field names of version v (v33Names).
func (s *Server) contactWire(c *Contact, v int, lastUpdate time.Time) map[string]any {
	sk := s.skills[c.SkillID]
	m := map[string]any{
		"contactId": c.ID, "masterContactId": c.MasterID, "skillId": sk.ID, "skillName": sk.Name,
		"mediaTypeId": c.Media.ID, "mediaTypeName": c.Media.Name, "contactStartDate": formatTime(c.Start),
		"lastUpdateTime": formatTime(lastUpdate), "isOutbound": c.Outbound, "isLogged": c.RecordingURL != "",
		"isRefused": false, "isTakeover": false, "isShortAbandon": false, "abandoned": c.AgentID == 0,
		"isActive": c.Phase != PhaseClosed,
	}
	putString(m, "fromAddress", c.From)
	putString(m, "toAddress", c.To)
	if a, ok := s.agents[c.AgentID]; ok {
		m["agentId"] = a.ID
		putString(m, "firstName", a.FirstName)
		putString(m, "lastName", a.LastName)
	}
	if t, ok := s.teams[c.TeamID]; ok {
		m["teamId"], m["teamName"] = t.ID, t.Name
	}
	state := stateActive
	switch c.Phase {
	case PhaseQueued:
		state = stateInQueue
	case PhaseACW:
		state = stateACW
	case PhaseClosed:
		state = stateEnd
	}
	m["stateId"], m["stateName"] = state.id, state.name
	if c.Phase == PhaseClosed {
		m["totalDurationSeconds"] = c.Ended.Sub(c.Start).Seconds()
		m["endReason"] = endReason(c)
		if !c.Answered.IsZero() {
			m["agentSeconds"] = c.Ended.Sub(c.Answered).Seconds()
			m["inQueueSeconds"] = c.Answered.Sub(c.Start).Seconds()
		} else {
			m["abandonSeconds"] = c.Ended.Sub(c.Start).Seconds()
		}
		m["acwSeconds"] = c.Closed.Sub(c.Ended).Seconds()
		m["isWarehoused"] = true
		m["dateContactWarehoused"] = formatTime(lastUpdate)
		m["dateACWWarehoused"] = formatTime(lastUpdate)
	}
	if c.DispositionID != 0 {
		m["primaryDispositionId"] = c.DispositionID
	}
	putString(m, "dispositionNotes", c.DispositionNotes)
	if c.Phase == PhaseClosed || len(c.TagIDs) > 0 {
		tags := []map[string]any{}
		for _, id := range c.TagIDs {
			if t, ok := s.tags[id]; ok {
				tags = append(tags, map[string]any{"contactId": c.ID, "tagId": t.ID, "tagName": t.Name})
			}
		}
		m["tags"] = tags
	}
	if !v33Names(v) {
		for v33, v23 := range map[string]string{"fromAddress": "fromAddr", "toAddress": "toAddr", "contactStartDate": "contactStart", "mediaTypeId": "mediaType", "conferenceSeconds": "confSeconds"} {
			if val, ok := m[v33]; ok {
				delete(m, v33)
				m[v23] = val
			}
		}
		if tags, ok := m["tags"].([]map[string]any); ok {
			for _, t := range tags {
				t["Contact_Id"], t["TagId"], t["TagName"] = t["contactId"], t["tagId"], t["tagName"]
				delete(t, "contactId")
				delete(t, "tagId")
				delete(t, "tagName")
			}
		}
	}
	return m
}

// contactFilter is the filters GET /contacts/active and /completed share.
type contactFilter struct {
	agentID, skillID, teamID, contactID, mediaTypeID int64
	from, to                                         string
}

func readContactFilter(w http.ResponseWriter, r *http.Request) (*contactFilter, bool) {
	q := r.URL.Query()
	f := &contactFilter{from: q.Get("fromAddress"), to: q.Get("toAddress")}
	for name, dst := range map[string]*int64{"agentId": &f.agentID, "skillId": &f.skillID, "teamId": &f.teamID, "contactId": &f.contactID, "mediaTypeId": &f.mediaTypeID} {
		n, ok := queryInt(w, q, name)
		if !ok {
			return nil, false
		}
		*dst = n
	}
	return f, true
}

// readContactPage reads a contact list's paging (readPage) and filters
// (readContactFilter), answering 400 for a bad value.
func readContactPage(w http.ResponseWriter, r *http.Request) (*page, *contactFilter, bool) {
	p, ok := readPage(w, r)
	if !ok {
		return nil, nil, false
	}
	f, ok := readContactFilter(w, r)
	return p, f, ok
}

func (f *contactFilter) match(c *Contact) bool {
	return (f.agentID == 0 || c.AgentID == f.agentID) && (f.skillID == 0 || c.SkillID == f.skillID) &&
		(f.teamID == 0 || c.TeamID == f.teamID) && (f.contactID == 0 || c.ID == f.contactID) &&
		(f.mediaTypeID == 0 || int64(c.Media.ID) == f.mediaTypeID) && (f.from == "" || c.From == f.from) && (f.to == "" || c.To == f.to)
}

// lastChange is when an open contact last changed state.
func lastChange(c *Contact) time.Time {
	if n := len(c.history); n > 0 {
		return c.history[n-1].at
	}
	return c.Start
}

func (s *Server) listActive(w http.ResponseWriter, r *http.Request) {
	p, f, ok := readContactPage(w, r)
	if !ok {
		return
	}
	since, ok := readTime(w, p.q, "updatedSince")
	if !ok {
		return
	}
	s.mu.Lock()
	var items []map[string]any
	for _, id := range s.active {
		c := s.contacts[id]
		if f.match(c) && (since.IsZero() || updatedSinceIncludes(lastChange(c), since)) {
			items = append(items, s.contactWire(c, version(r), lastChange(c)))
		}
	}
	s.mu.Unlock()
	s.writeList(w, r, p, activeContactsKey(), items, nil)
}

// listCompleted answers GET /contacts/completed: the contacts whose
// latest publication has reached the Reporting API, in the order of their
// lastUpdateTime, filtered by updatedSince (a binary search finds the
// first), startDate/endDate (on the contact's start) and the filters of
// readContactFilter.
func (s *Server) listCompleted(w http.ResponseWriter, r *http.Request) {
	p, f, ok := readContactPage(w, r)
	if !ok {
		return
	}
	var since, start, end time.Time
	for name, dst := range map[string]*time.Time{"updatedSince": &since, "startDate": &start, "endDate": &end} {
		t, ok := readTime(w, p.q, name)
		if !ok {
			return
		}
		*dst = t
	}
	if ob := p.q.Get("orderBy"); ob != "" && ob != "lastUpdateTime" && ob != "lastUpdateTime asc" {
		apiError(w, http.StatusBadRequest, "InvalidParameter", "orderBy "+strconv.Quote(ob)+" is not supported by the fake: use lastUpdateTime asc")
		return
	}
	s.mu.Lock()
	now := s.now()
	i := 0
	if !since.IsZero() {
		i = sort.Search(len(s.published), func(i int) bool { return updatedSinceIncludes(s.published[i].at, since) })
	}
	var items []map[string]any
	for ; i < len(s.published); i++ {
		pub := s.published[i]
		if !contactVisible(pub, now) {
			break
		}
		c := pub.snap
		if latest := s.latestVisible(c.ID, now); latest == nil || latest.version != pub.version {
			continue // superseded by a later publication already visible
		}
		if !f.match(c) || !start.IsZero() && c.Start.Before(start) || !end.IsZero() && !c.Start.Before(end) {
			continue
		}
		items = append(items, s.contactWire(c, version(r), pub.at))
	}
	s.mu.Unlock()
	s.writeList(w, r, p, "completedContacts", items, nil)
}

// latestVisible is the newest publication of a contact visible at now
// (its snapshot), nil when none is.
func (s *Server) latestVisible(id int64, now time.Time) *publication {
	idx := s.pubIdx[id]
	for j := len(idx) - 1; j >= 0; j-- {
		if pub := &s.published[idx[j]]; contactVisible(*pub, now) {
			return pub
		}
	}
	return nil
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "contact")
	if !ok {
		return
	}
	s.mu.Lock()
	pub := s.latestVisible(id, s.now())
	var m map[string]any
	if pub != nil {
		m = s.contactWire(pub.snap, version(r), pub.at)
	}
	s.mu.Unlock()
	if pub == nil {
		notFound(w, "completed contact", id)
		return
	}
	// The generated spec's envelope: the contact under "contactId".
	writeJSON(w, http.StatusOK, map[string]any{"businessUnitId": DefaultBusinessUnitID, "lastPollTime": formatTime(s.now()), "contactId": m})
}

// contact runs fn on the {id} contact under the lock (see record).
func (s *Server) contact(w http.ResponseWriter, r *http.Request, fn func(c *Contact)) bool {
	return record(s, w, r, "contact", s.contacts, fn)
}

func (s *Server) contactCustomData(w http.ResponseWriter, r *http.Request) {
	p, ok := readPage(w, r)
	if !ok {
		return
	}
	var items []map[string]any
	if s.contact(w, r, func(c *Contact) {
		for _, d := range c.CustomData {
			items = append(items, map[string]any{"name": d.Name, "value": d.Value})
		}
	}) {
		s.writeList(w, r, p, "contactCustomData", items, nil)
	}
}

func (s *Server) contactHistory(w http.ResponseWriter, r *http.Request) {
	p, ok := readPage(w, r)
	if !ok {
		return
	}
	var items []map[string]any
	if s.contact(w, r, func(c *Contact) {
		for _, h := range c.history {
			m := map[string]any{"contactId": c.ID, "stateId": h.state.id, "stateName": h.state.name, "startDate": formatTime(h.at), "skillId": c.SkillID}
			if h.agentID != 0 {
				m["agentId"] = h.agentID
			}
			items = append(items, m)
		}
	}) {
		s.writeList(w, r, p, "contactStateHistory", items, nil)
	}
}

func (s *Server) addTags(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "contact")
	if !ok {
		return
	}
	var body tagsBody
	if !readJSON(w, r, &body) {
		return
	}
	if len(body.Tags) == 0 {
		apiError(w, http.StatusBadRequest, "InvalidRequest", `the body has no tags: send {"tags": [{"tagId": N}]}`)
		return
	}
	ids := make([]int64, len(body.Tags))
	for i, t := range body.Tags {
		ids[i] = t.TagID
	}
	s.mu.Lock()
	err := s.tag(id, ids)
	s.mu.Unlock()
	if err != nil {
		apiError(w, http.StatusNotFound, "NotFound", err.Error())
		return
	}
	w.WriteHeader(sessionActionStatus)
}

// mediaPlayback answers GET /media-playback/v1/contacts?acd-call-id=: a
// voice contact's recording (fileToPlayUrl) and a digital contact's
// messages, per the Media Playback spec in the generated client.
func (s *Server) mediaPlayback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, err := strconv.ParseInt(q.Get("acd-call-id"), 10, 64)
	if err != nil || id <= 0 {
		mediaPlaybackError(w, http.StatusBadRequest, "acd-call-id must be a contact id")
		return
	}
	mt := q.Get("media-type")
	switch mt {
	case "", "all", "voice-only", "voice-and-screen", "chat", "email":
	default:
		mediaPlaybackError(w, http.StatusBadRequest, "media-type must be voice-only, voice-and-screen, chat, email or all")
		return
	}
	s.mu.Lock()
	c, ok := s.contacts[id]
	var body map[string]any
	if ok && c.Phase == PhaseClosed {
		var inters []map[string]any
		in := map[string]any{"mediaType": "voice", "channelType": "Voice", "startTime": formatTime(c.Answered), "endTime": formatTime(c.Ended)}
		switch {
		case !c.Media.Digital && c.RecordingURL != "" && mt != "chat" && mt != "email":
			in["@type"] = "call"
			in["data"] = map[string]any{"fileToPlayUrl": c.RecordingURL}
			inters = append(inters, in)
		case c.Media.Digital && len(c.Transcript) > 0 && mt != "voice-only" && mt != "voice-and-screen":
			msgs := make([]map[string]any, len(c.Transcript))
			for i, m := range c.Transcript {
				msgs[i] = map[string]any{"participantType": m.Participant, "text": m.Text, "timeStamp": formatTime(m.Time)}
				putString(msgs[i], "participantName", m.Name)
			}
			in["mediaType"], in["channelType"], in["@type"] = "chat", c.Media.Name, "chat"
			in["data"] = map[string]any{"messages": msgs}
			inters = append(inters, in)
		}
		if len(inters) > 0 {
			body = map[string]any{"contactId": c.ID, "acdcontactId": c.ID, "interactions": inters}
		}
	}
	s.mu.Unlock()
	if body == nil {
		mediaPlaybackError(w, http.StatusNotFound, "no media for this contact")
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// recording serves a recording's bytes: a WAV header with no samples.
func (s *Server) recording(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "audio/wav")
	_, _ = w.Write([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"))
}
