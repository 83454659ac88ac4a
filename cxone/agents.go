package cxone

import (
	"context"
	"iter"
	"net/url"
	"time"

	"github.com/deskbridge/deskbridge"
)

// AgentsService reads agents: the Admin API's /agents
// (https://developer.niceincontact.com/API/AdminAPI), at v23.0.
type AgentsService service

// Agent is a CXone user who handles contacts. Field names as the Admin
// API writes them.
type Agent struct {
	AgentID      int64  `json:"agentId"`
	UserName     string `json:"userName,omitempty"`
	FirstName    string `json:"firstName,omitempty"`
	MiddleName   string `json:"middleName,omitempty"`
	LastName     string `json:"lastName,omitempty"`
	UserID       string `json:"userID,omitempty"`
	EmailAddress string `json:"emailAddress,omitempty"`
	IsActive     bool   `json:"isActive"`
	TeamID       int64  `json:"teamId,omitempty"`
	TeamName     string `json:"teamName,omitempty"`
	ReportToID   int64  `json:"reportToId,omitempty"`
	ReportToName string `json:"reportToName,omitempty"`
	IsSupervisor bool   `json:"isSupervisor"`
	LastLogin    Time   `json:"lastLogin,omitzero"`
	LastUpdated  Time   `json:"lastUpdated,omitzero"`
	Location     string `json:"location,omitempty"`
	Custom1      string `json:"custom1,omitempty"`
	Custom2      string `json:"custom2,omitempty"`
	Custom3      string `json:"custom3,omitempty"`
	Custom4      string `json:"custom4,omitempty"`
	Custom5      string `json:"custom5,omitempty"`
	ProfileID    int64  `json:"profileId,omitempty"`
	ProfileName  string `json:"profileName,omitempty"`
	TimeZone     string `json:"timeZone,omitempty"`
	CrmUserName  string `json:"crmUserName,omitempty"`
	FederatedID  string `json:"federatedId,omitempty"`
	Telephone1   string `json:"telephone1,omitempty"`
	Telephone2   string `json:"telephone2,omitempty"`
	UserType     string `json:"userType,omitempty"`
	Locked       bool   `json:"locked"`
}

// FullName is the agent's first and last name, as CXone's "Agent Name".
func (a *Agent) FullName() string {
	switch {
	case a.FirstName == "":
		return a.LastName
	case a.LastName == "":
		return a.FirstName
	}
	return a.FirstName + " " + a.LastName
}

// AgentListOptions filter GET /agents.
type AgentListOptions struct {
	ListOptions
	// UpdatedSince lists the agents changed since then (sent as
	// "updateSince", as the Admin API spells it).
	UpdatedSince time.Time `url:"-"`
	// IsActive and IsLocked filter on those flags when set.
	IsActive *bool `url:"isActive,omitempty"`
	IsLocked *bool `url:"isLocked,omitempty"`
	// SearchString searches names and user names.
	SearchString string `url:"searchString,omitempty"`
}

func (s *AgentsService) list(opts *AgentListOptions) (*list, string, error) {
	if opts == nil {
		opts = &AgentListOptions{}
	}
	extra := url.Values{}
	if !opts.UpdatedSince.IsZero() {
		extra.Set("updateSince", formatQueryTime(opts.UpdatedSince))
	}
	return newList(apiPath(v23, "/agents"), opts, &opts.ListOptions, extra, "agents")
}

// List walks GET /agents, fetching pages as the caller ranges.
func (s *AgentsService) List(ctx context.Context, opts *AgentListOptions) iter.Seq2[Agent, error] {
	l, start, err := s.list(opts)
	if err != nil {
		return failed[Agent](err)
	}
	return listAll[Agent](ctx, s.client, l, start)
}

// ListPage fetches one page of GET /agents; its Next goes in
// opts.Next to resume.
func (s *AgentsService) ListPage(ctx context.Context, opts *AgentListOptions) (*deskbridge.Page[Agent], error) {
	l, start, err := s.list(opts)
	if err != nil {
		return nil, err
	}
	return listPage[Agent](ctx, s.client, l, start, nil)
}

// Get fetches GET /agents/{agentId}.
func (s *AgentsService) Get(ctx context.Context, agentID int64) (*Agent, error) {
	if err := checkID("agent", agentID); err != nil {
		return nil, err
	}
	return getOne[Agent](ctx, s.client, apiPath(v23, "/agents/%d", agentID), envelopeKeys("agent")...)
}

// AgentSkill is one of an agent's skill assignments.
type AgentSkill struct {
	AgentID               int64  `json:"agentId,omitempty"`
	SkillID               int64  `json:"skillId"`
	SkillName             string `json:"skillName,omitempty"`
	MediaTypeID           int    `json:"mediaTypeId,omitempty"`
	MediaTypeName         string `json:"mediaTypeName,omitempty"`
	IsActive              bool   `json:"isActive"`
	AgentProficiencyValue int    `json:"agentProficiencyValue,omitempty"`
	AgentProficiencyName  string `json:"agentProficiencyName,omitempty"`
	IsSkillActive         bool   `json:"isSkillActive"`
}

// Skills returns every skill assignment of an agent: GET
// /agents/{agentId}/skills, all pages.
func (s *AgentsService) Skills(ctx context.Context, agentID int64) ([]AgentSkill, error) {
	if err := checkID("agent", agentID); err != nil {
		return nil, err
	}
	l, _, err := newList(apiPath(v23, "/agents/%d/skills", agentID), nil, &ListOptions{}, nil, "agentSkillAssignments")
	if err != nil {
		return nil, err
	}
	return collect(listAll[AgentSkill](ctx, s.client, l, ""))
}

// collect gathers an iterator's items, stopping at its error.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// AgentStatesService reads agent states: the Real-Time Data API's
// /agents/states (https://developer.niceincontact.com/API/RealTimeDataAPI),
// at v23.0.
type AgentStatesService service

// AgentState is an agent's current state. agentStateName is one of
// LoggedOut, Available, Unavailable, InboundContact, OutboundContact,
// InboundConsult, OutboundConsult, Dialer, LoggedIn; outStateDescription
// is the unavailable code's name.
type AgentState struct {
	AgentID                int64  `json:"agentId"`
	AgentStateID           int    `json:"agentStateId,omitempty"`
	AgentStateName         string `json:"agentStateName,omitempty"`
	AgentStateCategory     string `json:"agentStateCategory,omitempty"`
	BusinessUnitID         int64  `json:"businessUnitId,omitempty"`
	ContactID              int64  `json:"contactId,omitempty"`
	ContactStartHandleTime Time   `json:"contactStartHandleTime,omitzero"`
	IsActive               bool   `json:"isActive"`
	IsACW                  bool   `json:"isACW"`
	IsOutbound             bool   `json:"isOutbound"`
	FirstName              string `json:"firstName,omitempty"`
	LastName               string `json:"lastName,omitempty"`
	FromAddress            string `json:"fromAddress,omitempty"`
	ToAddress              string `json:"toAddress,omitempty"`
	LastUpdateTime         Time   `json:"lastUpdateTime,omitzero"`
	MediaTypeID            int    `json:"mediaTypeId,omitempty"`
	MediaTypeName          string `json:"mediaTypeName,omitempty"`
	OpenContacts           int    `json:"openContacts,omitempty"`
	OutStateID             int64  `json:"outStateId,omitempty"`
	OutStateDescription    string `json:"outStateDescription,omitempty"`
	SessionStartTime       Time   `json:"sessionStartTime,omitzero"`
	SkillID                int64  `json:"skillId,omitempty"`
	SkillName              string `json:"skillName,omitempty"`
	StartDate              Time   `json:"startDate,omitzero"`
	StationID              int64  `json:"stationId,omitempty"`
	StationPhoneNumber     string `json:"stationPhoneNumber,omitempty"`
	TeamID                 int64  `json:"teamId,omitempty"`
	TeamName               string `json:"teamName,omitempty"`
	UserName               string `json:"userName,omitempty"`
}

// AgentStateListOptions filter GET /agents/states.
type AgentStateListOptions struct {
	ListOptions
	// UpdatedSince lists the states changed since then.
	UpdatedSince time.Time `url:"-"`
	// ReqBUIDs names business units, comma-separated.
	ReqBUIDs string `url:"reqBUIds,omitempty"`
}

func (s *AgentStatesService) list(opts *AgentStateListOptions) (*list, string, error) {
	if opts == nil {
		opts = &AgentStateListOptions{}
	}
	extra := url.Values{}
	if !opts.UpdatedSince.IsZero() {
		extra.Set("updatedSince", formatQueryTime(opts.UpdatedSince))
	}
	return newList(apiPath(v23, "/agents/states"), opts, &opts.ListOptions, extra, "agentStates")
}

// List walks GET /agents/states.
func (s *AgentStatesService) List(ctx context.Context, opts *AgentStateListOptions) iter.Seq2[AgentState, error] {
	l, start, err := s.list(opts)
	if err != nil {
		return failed[AgentState](err)
	}
	return listAll[AgentState](ctx, s.client, l, start)
}

// ListPage fetches one page of GET /agents/states.
func (s *AgentStatesService) ListPage(ctx context.Context, opts *AgentStateListOptions) (*deskbridge.Page[AgentState], error) {
	l, start, err := s.list(opts)
	if err != nil {
		return nil, err
	}
	return listPage[AgentState](ctx, s.client, l, start, nil)
}

// Get fetches GET /agents/{agentId}/states: the agent's state. An agent
// CXone reports no state for is an error matching
// [deskbridge.ErrNotFound].
func (s *AgentStatesService) Get(ctx context.Context, agentID int64) (*AgentState, error) {
	if err := checkID("agent", agentID); err != nil {
		return nil, err
	}
	return getOne[AgentState](ctx, s.client, apiPath(v23, "/agents/%d/states", agentID), "agentStates")
}
