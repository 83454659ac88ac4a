package babelforcetest

import "slices"

// state is the fake's records, indexed so that every lookup is O(1): an
// agent by id and by sourceId, a presence by name, the agents in a
// presence by count, a task by id. Lists keep the order records were added
// in. The Server's mu guards it.
type state struct {
	agents   []*agent // in the order added; a deleted agent stays as a gap until compacted
	gaps     int
	agentIDs map[string]*agent
	// sources holds the agents of each sourceId, in the order added: the
	// first is the one babelforce's template and the flows find.
	sources map[string][]*agent

	presences     []*presence // in the order added, the built-in ones first
	presenceNames map[string]*presence
	inPresence    map[string]int // agents per presence name

	tasks   []*task
	taskIDs map[string]*task

	// visited counts the records a request or accessor walked, for the
	// tests that check lookups walk none.
	visited int
}

func newState() state {
	return state{
		agentIDs:      map[string]*agent{},
		sources:       map[string][]*agent{},
		presenceNames: map[string]*presence{},
		inPresence:    map[string]int{},
		taskIDs:       map[string]*task{},
	}
}

func (st *state) agentLocked(id string) *agent { return st.agentIDs[id] }

// agentBySourceLocked returns the first agent added with the sourceId.
func (st *state) agentBySourceLocked(sourceID string) *agent {
	if as := st.sources[sourceID]; len(as) > 0 {
		return as[0]
	}
	return nil
}

// addAgentRecordLocked records a new agent, whose id is free.
func (st *state) addAgentRecordLocked(a *agent) {
	st.agents = append(st.agents, a)
	st.agentIDs[a.ID] = a
	st.indexSourceLocked(a)
	st.inPresence[a.Presence]++
}

func (st *state) indexSourceLocked(a *agent) {
	if a.SourceID != "" {
		st.sources[a.SourceID] = append(st.sources[a.SourceID], a)
	}
}

// unindexSourceLocked drops a from the agents of sourceID: a walk over the
// agents that share that sourceId, one in practice.
func (st *state) unindexSourceLocked(a *agent, sourceID string) {
	as := slices.DeleteFunc(st.sources[sourceID], func(x *agent) bool { return x == a })
	if len(as) == 0 {
		delete(st.sources, sourceID)
		return
	}
	st.sources[sourceID] = as
}

// setSourceLocked moves a to another sourceId. An agent moved back to a
// sourceId comes after the agents that kept it.
func (st *state) setSourceLocked(a *agent, sourceID string) {
	if a.SourceID == sourceID {
		return
	}
	st.unindexSourceLocked(a, a.SourceID)
	a.SourceID = sourceID
	st.indexSourceLocked(a)
}

// setAgentPresenceLocked moves a to another presence.
func (st *state) setAgentPresenceLocked(a *agent, presence string) {
	st.inPresence[a.Presence]--
	st.inPresence[presence]++
	a.Presence = presence
}

// deleteAgentLocked removes the agent with the id and reports whether
// there was one. Its place in the list is left as a gap, compacted once
// half the places are gaps, so a delete costs O(1) amortized.
func (st *state) deleteAgentLocked(id string) bool {
	a := st.agentIDs[id]
	if a == nil {
		return false
	}
	delete(st.agentIDs, id)
	st.unindexSourceLocked(a, a.SourceID)
	st.inPresence[a.Presence]--
	a.deleted = true
	st.gaps++
	if st.gaps > len(st.agents)/2 {
		st.compactAgentsLocked()
	}
	return true
}

func (st *state) compactAgentsLocked() {
	st.visited += len(st.agents)
	st.agents = slices.DeleteFunc(st.agents, func(a *agent) bool { return a.deleted })
	st.gaps = 0
}

// liveAgentsLocked returns the agents in the order they were added.
func (st *state) liveAgentsLocked() []*agent {
	if st.gaps > 0 {
		st.compactAgentsLocked()
	}
	return st.agents
}

func (st *state) presenceLocked(name string) *presence { return st.presenceNames[name] }

// addPresenceLocked records a new presence, whose name is free.
func (st *state) addPresenceLocked(p *presence) {
	st.presences = append(st.presences, p)
	st.presenceNames[p.Name] = p
}

// deletePresenceLocked removes a presence; the list of presences is short
// (babelforce accounts have a handful), so its order is kept by a walk.
func (st *state) deletePresenceLocked(name string) {
	delete(st.presenceNames, name)
	delete(st.inPresence, name)
	st.presences = slices.DeleteFunc(st.presences, func(p *presence) bool { return p.Name == name })
}

func (st *state) taskLocked(id string) *task { return st.taskIDs[id] }

// addTaskLocked records a new task, whose id is free.
func (st *state) addTaskLocked(t *task) {
	st.tasks = append(st.tasks, t)
	st.taskIDs[t.ID] = t
}
