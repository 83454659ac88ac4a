package babelforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// AgentsService is the v2 agents API (/api/v2/agents).
type AgentsService service

// Agent is a babelforce agent (manager spec schema Agent). Only ID and Name
// are always present.
type Agent struct {
	ID string `json:"id"`
	// SourceID is the agent's id in an external system; for the Zendesk
	// status sync, the Zendesk user id (the seed: "The agent id is the
	// source_id of our agent in babelforce").
	SourceID string `json:"sourceId,omitempty"`
	// AgentSource names that external system.
	AgentSource string `json:"agentSource,omitempty"`
	Name        string `json:"name"`
	// Email is the agent's login.
	Email string `json:"email,omitempty"`
	// Number is the agent's current telephone number.
	Number string `json:"number,omitempty"`
	// Enabled: the agent can receive calls through queues.
	Enabled bool `json:"enabled,omitempty"`
	// State is the line status (available, busy, ringing, in-call, …).
	State string `json:"state,omitempty"`
	// Presence is the presence the agent chose (available, or a red one).
	Presence *Presence `json:"presence,omitempty"`
	// Status is the agent's composite status.
	Status *AgentStatus `json:"status,omitempty"`
	// Activity is a string in the spec's Agent and an object in its
	// AgentStatus; kept raw.
	Activity      json.RawMessage `json:"activity,omitempty"`
	DisplayStatus string          `json:"display_status,omitempty"`
	Available     bool            `json:"available,omitempty"`
	Tags          []string        `json:"tags,omitempty"`
	Groups        []AgentGroupRef `json:"groups,omitempty"`
	WebRTC        bool            `json:"webrtc,omitempty"`
	Features      []string        `json:"features,omitempty"`
	DateCreated   time.Time       `json:"dateCreated,omitzero"`
	LastUpdated   time.Time       `json:"lastUpdated,omitzero"`
}

// AgentGroupRef is an agent's group membership (AgentGroupReference).
type AgentGroupRef struct {
	ID          string    `json:"id"`
	Name        string    `json:"name,omitempty"`
	DateCreated time.Time `json:"dateCreated,omitzero"`
}

// AgentStatus is an agent's composite status: the PUT status response
// (AgentStatus) and the element of the GET status response
// (AgentTotalStatus) have the same fields.
type AgentStatus struct {
	Enabled bool `json:"enabled"`
	// Available: presence available and line free; calls can be routed.
	Available bool `json:"available"`
	// OutboundStatus is offline|online (PUT) or offline|logging_in|idle|
	// in_progress|disposition|waiting (GET).
	OutboundStatus string `json:"outbound_status,omitempty"`
	// LineStatus is the system-set line status; null on the wire is "".
	LineStatus    string          `json:"line_status,omitempty"`
	Presence      *Presence       `json:"presence,omitempty"`
	Activity      json.RawMessage `json:"activity,omitempty"`
	DisplayStatus string          `json:"display_status,omitempty"`
}

// AgentCreate is the body of Agents.Create (RestCreateAgent). Name is
// required.
type AgentCreate struct {
	Name        string          `json:"name"`
	SourceID    string          `json:"sourceId,omitempty"`
	AgentSource string          `json:"agentSource,omitempty"`
	Email       string          `json:"email,omitempty"`
	Number      string          `json:"number,omitempty"`
	Enabled     *bool           `json:"enabled,omitempty"`
	Tags        []string        `json:"tags,omitempty"`
	Groups      []AgentGroupRef `json:"groups,omitempty"`
	WebRTC      *bool           `json:"webrtc,omitempty"`
	Features    []string        `json:"features,omitempty"`
}

// AgentUpdate is the body of Agents.Update (RestUpdateAgent): only the set
// fields are sent. A nil pointer or slice is left out; a pointer to "" or
// false, or an empty non-nil slice, is sent and clears the field. Build
// pointers with Ptr.
type AgentUpdate struct {
	Name        *string         `json:"name,omitempty"`
	SourceID    *string         `json:"sourceId,omitempty"`
	AgentSource *string         `json:"agentSource,omitempty"`
	Email       *string         `json:"email,omitempty"`
	Number      *string         `json:"number,omitempty"`
	Enabled     *bool           `json:"enabled,omitempty"`
	Tags        []string        `json:"tags,omitzero"`
	Groups      []AgentGroupRef `json:"groups,omitzero"`
	WebRTC      *bool           `json:"webrtc,omitempty"`
	Features    []string        `json:"features,omitzero"`
}

// AgentListOptions filters Agents.List and Agents.ListPage. Every field is
// optional; list filters (GroupIDs, Groups, Tags) repeat the parameter.
type AgentListOptions struct {
	// Page is the 1-based page to fetch; 0 fetches the first page without a
	// page parameter. ListPage returns the next one in AgentsPage.NextPage.
	Page int `url:"page,omitempty"`
	// Max is the page size.
	Max int `url:"max,omitempty"`
	// Q searches name, group name, number, email, sourceId and integration
	// label at once.
	Q        string   `url:"q,omitempty"`
	Enabled  *bool    `url:"enabled,omitempty"`
	Name     string   `url:"name,omitempty"`
	Number   string   `url:"number,omitempty"`
	SourceID string   `url:"sourceId,omitempty"`
	State    string   `url:"state,omitempty"`
	Source   string   `url:"source,omitempty"`
	GroupIDs []string `url:"groupIds,omitempty"`
	Groups   []string `url:"groups,omitempty"`
	Tags     []string `url:"tags,omitempty"`
}

// AgentsPage is one page of agents.
type AgentsPage struct {
	Agents     []*Agent
	Pagination Pagination
	// NextPage is the page to put in AgentListOptions.Page to continue; 0
	// after the last page.
	NextPage int
}

type agentListResponse struct {
	Items      []*Agent   `json:"items"`
	Pagination Pagination `json:"pagination"`
}

// ListPage fetches one page of agents (GET /api/v2/agents).
func (s *AgentsService) ListPage(ctx context.Context, opts *AgentListOptions) (*AgentsPage, error) {
	var o AgentListOptions
	if opts != nil {
		o = *opts
	}
	if o.Page < 0 || o.Max < 0 {
		return nil, invalidf("agent list: page and max must not be negative")
	}
	var out agentListResponse
	if _, err := s.client.do(ctx, &rest.Request{Method: http.MethodGet, Path: "/api/v2/agents", Query: &o}, &out); err != nil {
		return nil, err
	}
	return &AgentsPage{
		Agents:     out.Items,
		Pagination: out.Pagination,
		NextPage:   nextV2Page(o.Page, out.Pagination, len(out.Items)),
	}, nil
}

// List iterates over the agents that match opts, fetching pages as the
// caller ranges (from opts.Page, or the first). opts is copied, never
// modified. An error is yielded once and ends the walk.
func (s *AgentsService) List(ctx context.Context, opts *AgentListOptions) iter.Seq2[*Agent, error] {
	var o AgentListOptions
	if opts != nil {
		o = *opts
	}
	return walk(ctx, o.Page, func(ctx context.Context, page int) ([]*Agent, int, error) {
		o.Page = page
		p, err := s.ListPage(ctx, &o)
		if err != nil {
			return nil, 0, err
		}
		return p.Agents, p.NextPage, nil
	})
}

// FindBySourceID returns the agent whose sourceId is sourceID, as the seed's
// template looks it up (GET /api/v2/agents?sourceId=…). Only an exact match
// counts; with several, the first listed wins. When there is none, the error
// matches deskbridge.ErrNotFound.
func (s *AgentsService) FindBySourceID(ctx context.Context, sourceID string) (*Agent, error) {
	if strings.TrimSpace(sourceID) == "" {
		return nil, invalidf("agent lookup: source id is empty")
	}
	for a, err := range s.List(ctx, &AgentListOptions{SourceID: sourceID}) {
		if err != nil {
			return nil, err
		}
		if a != nil && a.SourceID == sourceID {
			return a, nil
		}
	}
	return nil, fmt.Errorf("babelforce: no agent has sourceId %q: %w", sourceID, deskbridge.ErrNotFound)
}

// Get returns one agent (GET /api/v2/agents/{id}).
func (s *AgentsService) Get(ctx context.Context, agentID string) (*Agent, error) {
	if err := checkID("agent", agentID); err != nil {
		return nil, err
	}
	a := new(Agent)
	if err := s.client.doItem(ctx, &rest.Request{Method: http.MethodGet, Path: rest.Pathf("/api/v2/agents/%s", agentID)}, a); err != nil {
		return nil, err
	}
	return a, nil
}

// Create creates an agent (POST /api/v2/agents, 201).
func (s *AgentsService) Create(ctx context.Context, agent *AgentCreate) (*Agent, error) {
	if agent == nil || strings.TrimSpace(agent.Name) == "" {
		return nil, invalidf("agent create: name is required")
	}
	a := new(Agent)
	if err := s.client.doItem(ctx, &rest.Request{Method: http.MethodPost, Path: "/api/v2/agents", Body: agent}, a); err != nil {
		return nil, err
	}
	return a, nil
}

// Update changes the set fields of an agent (PUT /api/v2/agents/{id}).
func (s *AgentsService) Update(ctx context.Context, agentID string, update *AgentUpdate) (*Agent, error) {
	if err := checkID("agent", agentID); err != nil {
		return nil, err
	}
	if update == nil {
		return nil, invalidf("agent update: nothing to update")
	}
	a := new(Agent)
	if err := s.client.doItem(ctx, &rest.Request{Method: http.MethodPut, Path: rest.Pathf("/api/v2/agents/%s", agentID), Body: update}, a); err != nil {
		return nil, err
	}
	return a, nil
}

// Delete deletes an agent (DELETE /api/v2/agents/{id}).
func (s *AgentsService) Delete(ctx context.Context, agentID string) error {
	if err := checkID("agent", agentID); err != nil {
		return err
	}
	_, err := s.client.do(ctx, &rest.Request{Method: http.MethodDelete, Path: rest.Pathf("/api/v2/agents/%s", agentID)}, nil)
	return err
}

// SetPresence sets the agent's presence by name: "available" (the only
// green presence) or a red one such as "busy" (PUT /api/v2/agents/{id}/status
// with {"presence":{"name":…}}). babelforce documents 201; any 2xx is
// accepted, since babelforce's own SDK notes that live status codes differ
// from the spec. The returned status is nil when the response has no body.
func (s *AgentsService) SetPresence(ctx context.Context, agentID, presence string) (*AgentStatus, error) {
	if err := checkID("agent", agentID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(presence) == "" {
		return nil, invalidf("set presence: presence name is empty")
	}
	body := map[string]any{"presence": map[string]string{"name": presence}}
	var st *AgentStatus
	var raw []byte
	if _, err := s.client.do(ctx, &rest.Request{Method: setPresenceMethod(), Path: rest.Pathf("/api/v2/agents/%s/status", agentID), Body: body}, &raw); err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(raw))) > 0 {
		st = new(AgentStatus)
		if err := decodeItem(raw, st); err != nil {
			return nil, fmt.Errorf("babelforce: %s /api/v2/agents/%s/status: decoding the response: %w", setPresenceMethod(), agentID, err)
		}
	}
	return st, nil
}

// setPresenceMethod is the method of the presence change.
//
// UNCONFIRMED: the manager spec has PUT only; some integrations are said to
// POST. PUT is sent (notes A3).
func setPresenceMethod() string { return http.MethodPut }

// Status returns the agent's total status (GET /api/v2/agents/{id}/status,
// documented as a single-element array in "item").
func (s *AgentsService) Status(ctx context.Context, agentID string) (*AgentStatus, error) {
	if err := checkID("agent", agentID); err != nil {
		return nil, err
	}
	var out struct {
		Item json.RawMessage `json:"item"`
	}
	path := rest.Pathf("/api/v2/agents/%s/status", agentID)
	if _, err := s.client.do(ctx, &rest.Request{Method: http.MethodGet, Path: path}, &out); err != nil {
		return nil, err
	}
	st, err := firstStatus(out.Item)
	if err != nil {
		return nil, fmt.Errorf("babelforce: GET %s: %w", path, err)
	}
	return st, nil
}

// firstStatus decodes "item" as the documented one-element array, or as a
// bare object.
func firstStatus(item json.RawMessage) (*AgentStatus, error) {
	trimmed := strings.TrimSpace(string(item))
	switch {
	case strings.HasPrefix(trimmed, "["):
		var list []*AgentStatus
		if err := json.Unmarshal(item, &list); err != nil {
			return nil, fmt.Errorf("decoding the response: %w", err)
		}
		if len(list) == 0 || list[0] == nil {
			return nil, errors.New("the response holds no status")
		}
		return list[0], nil
	case strings.HasPrefix(trimmed, "{"):
		st := new(AgentStatus)
		if err := json.Unmarshal(item, st); err != nil {
			return nil, fmt.Errorf("decoding the response: %w", err)
		}
		return st, nil
	}
	return nil, errors.New("the response holds no status")
}

// checkID refuses an empty id before anything is sent.
func checkID(what, id string) error {
	if strings.TrimSpace(id) == "" {
		return invalidf("%s id is empty", what)
	}
	return nil
}
