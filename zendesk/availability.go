package zendesk

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// AvailabilityService reads agent availability (per channel and unified)
// and sets an agent's unified status, for omnichannel routing accounts.
// These endpoints speak JSON:API and have cursor pagination only.
type AvailabilityService service

// Channels an agent is available on.
const (
	ChannelSupport   = "support"
	ChannelMessaging = "messaging"
	ChannelTalk      = "talk"
)

// Per-channel agent states.
const (
	AgentStateOnline        = "online"
	AgentStateAway          = "away"
	AgentStateTransfersOnly = "transfers_only"
	AgentStateOffline       = "offline"
)

// Ids of Zendesk's default unified statuses. Custom statuses have ids of
// their own ([AvailabilityService.Statuses] lists both).
const (
	UnifiedStatusOffline       int64 = 2 // every channel offline
	UnifiedStatusOnline        int64 = 3 // every channel online
	UnifiedStatusAway          int64 = 4
	UnifiedStatusTransfersOnly int64 = 5 // every channel transfers only
)

// AgentAvailability is an agent's availability: the unified status and the
// state of each channel.
type AgentAvailability struct {
	AgentID int64 `json:"agent_id"`
	// AgentStatus is the unified status; only with omnichannel routing.
	AgentStatus *AgentStatus    `json:"agent_status,omitempty"`
	GroupIDs    []int64         `json:"group_ids,omitempty"`
	Skills      json.RawMessage `json:"skills,omitempty"`
	Version     int64           `json:"version,omitempty"`
	// Channels are the agent's channels, from the included resources.
	Channels []*AgentChannel `json:"-"`
}

// Channel returns the agent's channel named name ([ChannelSupport], ...), or
// nil.
func (a *AgentAvailability) Channel(name string) *AgentChannel {
	for _, c := range a.Channels {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// AgentStatus is an agent's unified status.
type AgentStatus struct {
	ID   int64  `json:"id"`
	Name string `json:"name,omitempty"`
	// Reason says why it last changed (AGENT_STATUS_SWITCHER, PUBLIC_API,
	// AGENT_IDLE_TIMEOUT, ...).
	Reason    string    `json:"reason,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// AgentChannel is an agent's state on one channel.
type AgentChannel struct {
	Name string `json:"name"`
	// Status is one of the AgentState* constants.
	Status string `json:"status,omitempty"`
	// MaxCapacity is set only with omnichannel routing.
	MaxCapacity   *int        `json:"max_capacity,omitempty"`
	WorkItemCount int         `json:"work_item_count,omitempty"`
	UpdatedAt     time.Time   `json:"updated_at,omitzero"`
	WorkItems     []*WorkItem `json:"-"`
}

// WorkItem is a ticket, conversation or call assigned to an agent on a
// channel.
type WorkItem struct {
	// ID is the JSON:API id, "agent_availabilities|<agent>|channels|<channel>|work_items|<id>".
	ID      string    `json:"-"`
	AddedAt time.Time `json:"added_at,omitzero"`
	// Reason is ASSIGNED, OFFERED, ACCEPTED, ...
	Reason string `json:"reason,omitempty"`
}

// jsonAPIResource is a JSON:API resource object.
type jsonAPIResource struct {
	ID            string                         `json:"id"`
	Type          string                         `json:"type"`
	Attributes    json.RawMessage                `json:"attributes"`
	Relationships map[string]jsonAPIRelationship `json:"relationships"`
}

type jsonAPIRelationship struct {
	Data []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"data"`
}

// decodeAvailability builds an [AgentAvailability] from its resource and the
// compound document's included resources.
func decodeAvailability(res *jsonAPIResource, included map[string]*jsonAPIResource) (*AgentAvailability, error) {
	a := &AgentAvailability{}
	if len(res.Attributes) > 0 {
		if err := json.Unmarshal(res.Attributes, a); err != nil {
			return nil, err
		}
	}
	if a.AgentID == 0 {
		// "agent_availabilities|10011"
		if _, id, ok := strings.Cut(res.ID, "|"); ok {
			a.AgentID, _ = strconv.ParseInt(id, 10, 64)
		}
	}
	for _, ref := range res.Relationships["channels"].Data {
		ch := &AgentChannel{Name: lastSegment(ref.ID)}
		if inc := included[ref.ID]; inc != nil {
			if len(inc.Attributes) > 0 {
				if err := json.Unmarshal(inc.Attributes, ch); err != nil {
					return nil, err
				}
			}
			for _, wref := range inc.Relationships["work_items"].Data {
				wi := &WorkItem{ID: wref.ID}
				if winc := included[wref.ID]; winc != nil && len(winc.Attributes) > 0 {
					if err := json.Unmarshal(winc.Attributes, wi); err != nil {
						return nil, err
					}
				}
				ch.WorkItems = append(ch.WorkItems, wi)
			}
		}
		a.Channels = append(a.Channels, ch)
	}
	return a, nil
}

func lastSegment(id string) string {
	if i := strings.LastIndexByte(id, '|'); i >= 0 {
		return id[i+1:]
	}
	return id
}

func indexIncluded(inc []*jsonAPIResource) map[string]*jsonAPIResource {
	m := make(map[string]*jsonAPIResource, len(inc))
	for _, r := range inc {
		if r != nil {
			m[r.ID] = r
		}
	}
	return m
}

// Get returns one agent's availability.
func (s *AvailabilityService) Get(ctx context.Context, agentID int64) (*AgentAvailability, error) {
	if agentID <= 0 {
		return nil, invalid("agent id %d", agentID)
	}
	var out struct {
		Data     *jsonAPIResource   `json:"data"`
		Included []*jsonAPIResource `json:"included"`
	}
	if _, err := s.client.rest.Do(ctx, &rest.Request{Path: rest.Pathf("/api/v2/agent_availabilities/%d", agentID)}, &out); err != nil {
		return nil, err
	}
	if out.Data == nil {
		return nil, errors.New("zendesk: agent availability: the response has no data")
	}
	return decodeAvailability(out.Data, indexIncluded(out.Included))
}

// AvailabilityListOptions filter [AvailabilityService.List].
type AvailabilityListOptions struct {
	// ChannelStatus keeps agents in a state on a channel, as
	// "channel:state" ("messaging:online").
	ChannelStatus string
	// AgentStatusID keeps agents with this unified status.
	AgentStatusID int64
	// SelectChannel restricts the channels returned ("messaging").
	SelectChannel string
	CursorOptions
}

// List iterates over agents' availabilities, filtered by opts (nil: every
// agent). opts is copied, never modified.
func (s *AvailabilityService) List(ctx context.Context, opts *AvailabilityListOptions) iter.Seq2[*AgentAvailability, error] {
	return availabilityList(opts).all(ctx, s.client)
}

// ListPage returns one page of agent availabilities; put its Next into
// opts.After to fetch the next.
func (s *AvailabilityService) ListPage(ctx context.Context, opts *AvailabilityListOptions) (*deskbridge.Page[*AgentAvailability], error) {
	return availabilityList(opts).page(ctx, s.client)
}

// availabilityList is a cursor list of JSON:API documents: the items are
// the data resources, each with its channels from the included resources.
func availabilityList(opts *AvailabilityListOptions) listing[*AgentAvailability] {
	o := copyOpts(opts)
	err := o.normalize()
	return listing[*AgentAvailability]{
		req:   &rest.Request{Path: "/api/v2/agent_availabilities", Query: availabilityQuery(&o)},
		style: cursorStyle,
		start: o.After,
		read:  cursorPages(decodeAvailabilities),
		err:   err,
	}
}

// decodeAvailabilities reads the availabilities of a list page.
func decodeAvailabilities(body []byte) ([]*AgentAvailability, error) {
	var doc struct {
		Data     []*jsonAPIResource `json:"data"`
		Included []*jsonAPIResource `json:"included"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	inc := indexIncluded(doc.Included)
	list := make([]*AgentAvailability, 0, len(doc.Data))
	for _, r := range doc.Data {
		if r == nil {
			continue
		}
		a, err := decodeAvailability(r, inc)
		if err != nil {
			return nil, err
		}
		list = append(list, a)
	}
	return list, nil
}

// UnifiedStatus is a status an agent can be set to: one of Zendesk's
// defaults (Offline, Online, Away, Transfers only) or a custom one, which
// maps each channel to a state.
type UnifiedStatus struct {
	ID          int64
	Name        string
	Description string
	// Default reports one of Zendesk's default statuses.
	Default bool
	// Channels maps a channel ([ChannelSupport], ...) to its state
	// (AgentState*), for custom statuses.
	Channels map[string]string
	// GroupIDs restricts a custom status to agents of these groups; empty
	// means every agent.
	GroupIDs  []int64
	UpdatedAt time.Time
}

// unifiedStatusItem is an agent_status resource.
type unifiedStatusItem struct {
	ID         int64 `json:"id"`
	Attributes struct {
		Name        string            `json:"name"`
		Description string            `json:"description"`
		Channels    map[string]string `json:"channels"`
		GroupIDs    []int64           `json:"group_ids"`
		UpdatedAt   time.Time         `json:"updated_at"`
	} `json:"attributes"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (it *unifiedStatusItem) status(isDefault bool) *UnifiedStatus {
	st := &UnifiedStatus{
		ID: it.ID, Name: it.Attributes.Name, Description: it.Attributes.Description, Default: isDefault,
		Channels: it.Attributes.Channels, GroupIDs: it.Attributes.GroupIDs, UpdatedAt: it.UpdatedAt,
	}
	if st.UpdatedAt.IsZero() {
		st.UpdatedAt = it.Attributes.UpdatedAt
	}
	return st
}

// Statuses iterates over the account's unified statuses, default ones
// first, then custom ones (cursor pagination). opts may be nil; it is
// copied, never modified.
//
// Each default status is yielded once, whether Zendesk repeats the default
// statuses on every page of custom ones or not (it does not say).
func (s *AvailabilityService) Statuses(ctx context.Context, opts *CursorOptions) iter.Seq2[*UnifiedStatus, error] {
	l := statusesList(opts)
	return func(yield func(*UnifiedStatus, error) bool) {
		seen := map[int64]bool{}
		for st, err := range l.all(ctx, s.client) {
			if err == nil && st.Default {
				if seen[st.ID] {
					continue
				}
				seen[st.ID] = true
			}
			if !yield(st, err) {
				return
			}
		}
	}
}

// StatusesPage returns one page of unified statuses; put its Next into
// opts.After to fetch the next.
func (s *AvailabilityService) StatusesPage(ctx context.Context, opts *CursorOptions) (*deskbridge.Page[*UnifiedStatus], error) {
	return statusesList(opts).page(ctx, s.client)
}

// statusesList is a cursor list whose items are two lists, "default" and
// "custom" (https://developer.zendesk.com/api-reference/agent-availability/unified-agent-status-api/).
func statusesList(opts *CursorOptions) listing[*UnifiedStatus] {
	o := copyOpts(opts)
	l := cursorList[*UnifiedStatus]("/api/v2/agent_availabilities/agent_statuses", &o, &o, "")
	l.read = cursorPages(decodeStatuses)
	return l
}

// decodeStatuses reads the statuses of a page: the default ones, then the
// custom ones. The same lists under a JSON:API "data" member are taken
// too.
func decodeStatuses(body []byte) ([]*UnifiedStatus, error) {
	type lists struct {
		Default []*unifiedStatusItem `json:"default"`
		Custom  []*unifiedStatusItem `json:"custom"`
	}
	var out struct {
		lists
		Data *lists `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, err
	}
	all := out.lists
	if out.Data != nil {
		all.Default = append(all.Default, out.Data.Default...)
		all.Custom = append(all.Custom, out.Data.Custom...)
	}
	var list []*UnifiedStatus
	for _, it := range all.Default {
		if it != nil {
			list = append(list, it.status(true))
		}
	}
	for _, it := range all.Custom {
		if it != nil {
			list = append(list, it.status(false))
		}
	}
	return list, nil
}

// SetAgentStatus sets an agent's unified status (a default status such as
// [UnifiedStatusOnline], or a custom status id) and returns the agent's new
// status. Setting the same status twice changes nothing, so the call is
// retried like a read.
func (s *AvailabilityService) SetAgentStatus(ctx context.Context, agentID, statusID int64) (*AgentStatus, error) {
	if agentID <= 0 {
		return nil, invalid("agent id %d", agentID)
	}
	if statusID <= 0 {
		return nil, invalid("status id %d", statusID)
	}
	type attrs struct {
		AgentID     int64        `json:"agent_id"`
		AgentStatus *AgentStatus `json:"agent_status"`
	}
	var out struct {
		Data *struct {
			Attributes attrs `json:"attributes"`
		} `json:"data"`
		Attributes *attrs `json:"attributes"`
	}
	_, err := s.client.rest.Do(ctx, &rest.Request{
		Method: http.MethodPut,
		Path:   rest.Pathf("/api/v2/agent_availabilities/agent_statuses/agents/%d", agentID),
		Body:   setAgentStatusBody(statusID),
	}, &out)
	if err != nil {
		return nil, err
	}
	switch {
	case out.Data != nil && out.Data.Attributes.AgentStatus != nil:
		return out.Data.Attributes.AgentStatus, nil
	case out.Attributes != nil && out.Attributes.AgentStatus != nil:
		return out.Attributes.AgentStatus, nil
	}
	// An empty answer: report what was asked for.
	return &AgentStatus{ID: statusID}, nil
}
