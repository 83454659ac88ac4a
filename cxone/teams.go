package cxone

import (
	"context"
	"iter"

	"github.com/deskbridge/deskbridge"
)

// TeamsService reads teams: the Admin API's /teams, at v23.0.
type TeamsService service

// Team is a group of agents.
type Team struct {
	TeamID         int64  `json:"teamId"`
	TeamName       string `json:"teamName,omitempty"`
	IsActive       bool   `json:"isActive"`
	Description    string `json:"description,omitempty"`
	Notes          string `json:"notes,omitempty"`
	LastUpdateTime Time   `json:"lastUpdateTime,omitzero"`
}

// TeamListOptions filter GET /teams.
type TeamListOptions struct {
	ListOptions
	// IsActive filters on the flag when set.
	IsActive *bool `url:"isActive,omitempty"`
	// SearchString searches team names.
	SearchString string `url:"searchString,omitempty"`
}

func (s *TeamsService) list(opts *TeamListOptions) (*list, string, error) {
	if opts == nil {
		opts = &TeamListOptions{}
	}
	return newList(apiPath(v23, "/teams"), opts, &opts.ListOptions, nil, "teams")
}

// List walks GET /teams.
func (s *TeamsService) List(ctx context.Context, opts *TeamListOptions) iter.Seq2[Team, error] {
	l, start, err := s.list(opts)
	if err != nil {
		return failed[Team](err)
	}
	return listAll[Team](ctx, s.client, l, start)
}

// ListPage fetches one page of GET /teams.
func (s *TeamsService) ListPage(ctx context.Context, opts *TeamListOptions) (*deskbridge.Page[Team], error) {
	l, start, err := s.list(opts)
	if err != nil {
		return nil, err
	}
	return listPage[Team](ctx, s.client, l, start, nil)
}

// Get fetches GET /teams/{teamId}.
func (s *TeamsService) Get(ctx context.Context, teamID int64) (*Team, error) {
	if err := checkID("team", teamID); err != nil {
		return nil, err
	}
	return getOne[Team](ctx, s.client, apiPath(v23, "/teams/%d", teamID), envelopeKeys("team")...)
}

// Agents walks GET /teams/{teamId}/agents.
func (s *TeamsService) Agents(ctx context.Context, teamID int64) iter.Seq2[Agent, error] {
	if err := checkID("team", teamID); err != nil {
		return failed[Agent](err)
	}
	l, _, err := newList(apiPath(v23, "/teams/%d/agents", teamID), nil, &ListOptions{}, nil, "agents")
	if err != nil {
		return failed[Agent](err)
	}
	return listAll[Agent](ctx, s.client, l, "")
}

// UnavailableCodes returns the unavailable codes a team's agents may
// choose: GET /teams/{teamId}/unavailable-codes, all pages.
func (s *TeamsService) UnavailableCodes(ctx context.Context, teamID int64) ([]UnavailableCode, error) {
	if err := checkID("team", teamID); err != nil {
		return nil, err
	}
	l, _, err := newList(apiPath(v23, "/teams/%d/unavailable-codes", teamID), nil, &ListOptions{}, nil, envelopeKeys("team unavailable codes")...)
	if err != nil {
		return nil, err
	}
	return collect(listAll[UnavailableCode](ctx, s.client, l, ""))
}
