package babelforce

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// AvailablePresence is the name of babelforce's only green presence. Every
// other presence is red (busy): "babelforce does not offer the possibility
// to set another 'green' status apart from 'available'" (babelforce's
// status-sync article).
const AvailablePresence = "available"

// ErrGreenPresence is returned by [PresencesService.Create] for a presence
// with Available true, before anything is sent: babelforce has one green
// presence, "available", and answers 501 to a request for another. It
// matches [deskbridge.ErrInvalid] too.
var ErrGreenPresence = fmt.Errorf(`babelforce: a custom presence cannot be available (green): babelforce has one green presence, %q; create a red one (Available false) instead: %w`, AvailablePresence, deskbridge.ErrInvalid)

// PresencesService is the account's presence states
// (/api/v2/agents/presence/available).
type PresencesService service

// Presence is a presence state: AgentPresence {name, label, available}, plus
// the count and is_default that the list (AgentPresenceInfo) adds.
type Presence struct {
	// Name is the key used to set it (Agents.SetPresence).
	Name  string `json:"name"`
	Label string `json:"label,omitempty"`
	// Available is true for the green presence ("available") only.
	Available bool `json:"available"`
	// Count is the number of agents in this presence (List only).
	Count int `json:"count,omitempty"`
	// IsDefault is set by List on babelforce's built-in presences.
	IsDefault bool `json:"is_default,omitempty"`
}

// PresenceCreate is the body of [PresencesService.Create]
// (AgentPresenceWriteBody).
type PresenceCreate struct {
	// Label is the presence's display name; babelforce derives its Name.
	Label string `json:"label"`
	// Available must be false: see ErrGreenPresence.
	Available bool `json:"available"`
}

// List returns the account's presences (GET
// /api/v2/agents/presence/available). The endpoint is not paginated, so it
// returns a slice rather than an iterator.
func (s *PresencesService) List(ctx context.Context) ([]*Presence, error) {
	items, err := rest.Get[[]*Presence](ctx, s.client.rest, "/api/v2/agents/presence/available", nil, "items")
	if err != nil {
		return nil, err
	}
	return *items, nil
}

// Create creates a red presence (POST /api/v2/agents/presence/available with
// {"label", "available": false}) and returns it with the name babelforce gave
// it. A presence with Available true is refused with [ErrGreenPresence]
// before sending.
func (s *PresencesService) Create(ctx context.Context, p *PresenceCreate) (*Presence, error) {
	if p == nil || strings.TrimSpace(p.Label) == "" {
		return nil, invalidf("presence create: label is required")
	}
	if p.Available {
		return nil, ErrGreenPresence
	}
	body := PresenceCreate{Label: p.Label, Available: false}
	return doItem[Presence](ctx, s.client, &rest.Request{Method: http.MethodPost, Path: "/api/v2/agents/presence/available", Body: body})
}

// Get returns one presence by name (GET
// /api/v2/agents/presence/available/{name}).
func (s *PresencesService) Get(ctx context.Context, name string) (*Presence, error) {
	if err := checkID("presence", name); err != nil {
		return nil, err
	}
	return doItem[Presence](ctx, s.client, &rest.Request{Method: http.MethodGet, Path: rest.Pathf("/api/v2/agents/presence/available/%s", name)})
}

// Delete deletes a custom presence (DELETE
// /api/v2/agents/presence/available/{name}).
func (s *PresencesService) Delete(ctx context.Context, name string) error {
	if err := checkID("presence", name); err != nil {
		return err
	}
	_, err := s.client.rest.Do(ctx, &rest.Request{Method: http.MethodDelete, Path: rest.Pathf("/api/v2/agents/presence/available/%s", name)}, nil)
	return err
}
