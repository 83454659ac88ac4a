package babelforce

import (
	"bytes"
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

// Agent is a babelforce agent (schema Agent of the manager spec). Only ID
// and Name are always present. IDs are babelforce's, as it sends them (32
// lower-case hex characters); the client passes them through unchanged.
type Agent struct {
	ID string `json:"id"`
	// SourceID is the agent's id in an external system; for the Zendesk
	// status sync, the Zendesk user id (babelforce's status-sync article:
	// "The agent id is the source_id of our agent in babelforce").
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

// AgentCreate is the body of [AgentsService.Create] (RestCreateAgent). Name
// is required.
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

// AgentUpdate is the body of [AgentsService.Update] (RestUpdateAgent): only
// the set fields are sent. A nil pointer or slice is left out; a pointer to
// "" or false, or an empty non-nil slice, is sent and clears the field.
// Build pointers with [Ptr].
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

// AgentListOptions filters [AgentsService.List] and
// [AgentsService.ListPage]. Every field is optional; list filters (GroupIDs,
// Groups, Tags) repeat the parameter.
type AgentListOptions struct {
	// Page is the 1-based page to fetch; 0 fetches the first page without a
	// page parameter. To resume a list, put the deskbridge.Page.Next of the
	// page before, a page number in decimal, here.
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

// listRequest returns the request of the agent list that opts asks for,
// and the cursor of its first page.
func (s *AgentsService) listRequest(opts *AgentListOptions) (*rest.Request, string, error) {
	var o AgentListOptions
	if opts != nil {
		o = *opts
	}
	if o.Page < 0 || o.Max < 0 {
		return nil, "", invalidf("agent list: page and max must not be negative")
	}
	start := pageCursor(o.Page)
	o.Page = 0 // the cursor carries it
	return &rest.Request{Method: http.MethodGet, Path: "/api/v2/agents", Query: &o}, start, nil
}

// ListPage fetches one page of agents (GET /api/v2/agents), the page
// opts.Page names. The page's Next is the page after it, in decimal, ""
// after the last: parse it into [AgentListOptions].Page to continue. Its
// Total is the pagination's total.
func (s *AgentsService) ListPage(ctx context.Context, opts *AgentListOptions) (*deskbridge.Page[*Agent], error) {
	req, start, err := s.listRequest(opts)
	if err != nil {
		return nil, err
	}
	return rest.ListPage(ctx, s.client.rest, req, pageStyle, start, readV2Page[*Agent])
}

// List iterates over the agents that match opts, fetching pages as the
// caller ranges (from opts.Page, or the first). opts is copied, never
// modified. An error is yielded once and ends the walk.
func (s *AgentsService) List(ctx context.Context, opts *AgentListOptions) iter.Seq2[*Agent, error] {
	req, start, err := s.listRequest(opts)
	if err != nil {
		return func(yield func(*Agent, error) bool) { yield(nil, err) }
	}
	return rest.List(ctx, s.client.rest, req, pageStyle, start, readV2Page[*Agent])
}

// FindBySourceID returns the agent whose sourceId is sourceID, as the help
// center's status template looks it up (GET /api/v2/agents?sourceId=…).
// Only an exact match counts; with several, the first listed wins. When
// there is none, the error matches [deskbridge.ErrNotFound].
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
	return doItem[Agent](ctx, s.client, &rest.Request{Method: http.MethodGet, Path: rest.Pathf("/api/v2/agents/%s", agentID)})
}

// Create creates an agent (POST /api/v2/agents, 201).
func (s *AgentsService) Create(ctx context.Context, agent *AgentCreate) (*Agent, error) {
	if agent == nil || strings.TrimSpace(agent.Name) == "" {
		return nil, invalidf("agent create: name is required")
	}
	return doItem[Agent](ctx, s.client, &rest.Request{Method: http.MethodPost, Path: "/api/v2/agents", Body: agent})
}

// Update changes the set fields of an agent (PUT /api/v2/agents/{id}).
func (s *AgentsService) Update(ctx context.Context, agentID string, update *AgentUpdate) (*Agent, error) {
	if err := checkID("agent", agentID); err != nil {
		return nil, err
	}
	if update == nil {
		return nil, invalidf("agent update: nothing to update")
	}
	return doItem[Agent](ctx, s.client, &rest.Request{Method: http.MethodPut, Path: rest.Pathf("/api/v2/agents/%s", agentID), Body: update})
}

// Delete deletes an agent (DELETE /api/v2/agents/{id}).
func (s *AgentsService) Delete(ctx context.Context, agentID string) error {
	if err := checkID("agent", agentID); err != nil {
		return err
	}
	_, err := s.client.rest.Do(ctx, &rest.Request{Method: http.MethodDelete, Path: rest.Pathf("/api/v2/agents/%s", agentID)}, nil)
	return err
}

// SetPresence sets the agent's presence by name: "available" (the only
// green presence) or a red one such as "busy" (PUT /api/v2/agents/{id}/status
// with {"presence":{"name":…}}). babelforce documents 201; any 2xx is
// accepted, since babelforce's own Go SDK says that live status codes
// differ from the spec. The returned status is nil when the response has no
// body.
func (s *AgentsService) SetPresence(ctx context.Context, agentID, presence string) (*AgentStatus, error) {
	if err := checkID("agent", agentID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(presence) == "" {
		return nil, invalidf("set presence: presence name is empty")
	}
	body := map[string]any{"presence": map[string]string{"name": presence}}
	st := new(AgentStatus)
	found, err := doItemInto(ctx, s.client, &rest.Request{Method: setPresenceMethod(), Path: rest.Pathf("/api/v2/agents/%s/status", agentID), Body: body}, st)
	if err != nil || !found {
		return nil, err
	}
	return st, nil
}

// Status returns the agent's total status (GET /api/v2/agents/{id}/status,
// documented as a single-element array in "item").
func (s *AgentsService) Status(ctx context.Context, agentID string) (*AgentStatus, error) {
	if err := checkID("agent", agentID); err != nil {
		return nil, err
	}
	path := rest.Pathf("/api/v2/agents/%s/status", agentID)
	item, err := rest.Get[json.RawMessage](ctx, s.client.rest, path, nil, "item")
	if err != nil {
		return nil, err
	}
	st, err := firstStatus(*item)
	if err != nil {
		return nil, fmt.Errorf("babelforce: GET %s: %w", path, err)
	}
	return st, nil
}

// firstStatus decodes "item" as the documented one-element array, or as a
// bare object.
func firstStatus(item json.RawMessage) (*AgentStatus, error) {
	trimmed := bytes.TrimSpace(item)
	switch {
	case bytes.HasPrefix(trimmed, []byte("[")):
		var list []*AgentStatus
		if err := json.Unmarshal(item, &list); err != nil {
			return nil, fmt.Errorf("decoding the response: %w", err)
		}
		if len(list) == 0 || list[0] == nil {
			return nil, errors.New("the response holds no status")
		}
		return list[0], nil
	case bytes.HasPrefix(trimmed, []byte("{")):
		st := new(AgentStatus)
		if err := json.Unmarshal(item, st); err != nil {
			return nil, fmt.Errorf("decoding the response: %w", err)
		}
		return st, nil
	}
	return nil, errors.New("the response holds no status")
}
