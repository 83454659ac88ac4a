package cxone

import (
	"context"
	"iter"

	"github.com/deskbridge/deskbridge"
)

// SkillsService reads ACD skills (the Admin API's /skills, at v23.0) and
// their dispositions (/skills/{id}/dispositions, at v12.0 as the SDK
// calls it).
type SkillsService service

// Skill is an ACD skill: the queue a contact is routed through.
// Dispositions are those of GET /skills/{skillId}.
type Skill struct {
	SkillID               int64              `json:"skillId"`
	SkillName             string             `json:"skillName,omitempty"`
	MediaTypeID           int                `json:"mediaTypeId,omitempty"`
	MediaTypeName         string             `json:"mediaTypeName,omitempty"`
	IsActive              bool               `json:"isActive"`
	IsOutbound            bool               `json:"isOutbound"`
	CampaignID            int64              `json:"campaignId,omitempty"`
	CampaignName          string             `json:"campaignName,omitempty"`
	RequireDisposition    bool               `json:"requireDisposition"`
	UseScreenPops         bool               `json:"useScreenPops"`
	ScreenPopTriggerEvent string             `json:"screenPopTriggerEvent,omitempty"`
	UseCustomScreenPops   bool               `json:"useCustomScreenPops"`
	ScreenPopType         string             `json:"screenPopType,omitempty"`
	ScreenPopDetails      string             `json:"screenPopDetails,omitempty"`
	Dispositions          []SkillDisposition `json:"dispositions,omitempty"`
}

// SkillDisposition is a disposition offered on a skill.
type SkillDisposition struct {
	DispositionID        int64  `json:"dispositionId"`
	DispositionName      string `json:"dispositionName,omitempty"`
	Priority             int    `json:"priority,omitempty"`
	IsPreviewDisposition bool   `json:"isPreviewDisposition"`
}

// SkillListOptions filter GET /skills.
type SkillListOptions struct {
	ListOptions
	// MediaTypeID lists the skills of one media type (4 is voice).
	MediaTypeID int `url:"mediaTypeId,omitempty"`
	// OutboundStrategy filters on the outbound strategy.
	OutboundStrategy string `url:"outboundStrategy,omitempty"`
	// IsActive filters on the flag when set.
	IsActive *bool `url:"isActive,omitempty"`
	// SearchString searches skill names.
	SearchString string `url:"searchString,omitempty"`
}

func (s *SkillsService) list(opts *SkillListOptions) (*list, string, error) {
	if opts == nil {
		opts = &SkillListOptions{}
	}
	return newList(apiPath(v23, "/skills"), opts, &opts.ListOptions, nil, "skills")
}

// List walks GET /skills.
func (s *SkillsService) List(ctx context.Context, opts *SkillListOptions) iter.Seq2[Skill, error] {
	l, start, err := s.list(opts)
	if err != nil {
		return failed[Skill](err)
	}
	return listAll[Skill](ctx, s.client, l, start)
}

// ListPage fetches one page of GET /skills.
func (s *SkillsService) ListPage(ctx context.Context, opts *SkillListOptions) (*deskbridge.Page[Skill], error) {
	l, start, err := s.list(opts)
	if err != nil {
		return nil, err
	}
	return listPage[Skill](ctx, s.client, l, start, nil)
}

// Get fetches GET /skills/{skillId}, with its dispositions.
func (s *SkillsService) Get(ctx context.Context, skillID int64) (*Skill, error) {
	if err := checkID("skill", skillID); err != nil {
		return nil, err
	}
	return getOne[Skill](ctx, s.client, apiPath(v23, "/skills/%d", skillID), envelopeKeys("skill")...)
}

// Dispositions returns the dispositions of a skill: GET
// /skills/{skillId}/dispositions (v12.0), all pages.
func (s *SkillsService) Dispositions(ctx context.Context, skillID int64) ([]SkillDisposition, error) {
	if err := checkID("skill", skillID); err != nil {
		return nil, err
	}
	l, _, err := newList(apiPath(v12, "/skills/%d/dispositions", skillID), nil, &ListOptions{}, nil, "dispositions")
	if err != nil {
		return nil, err
	}
	return collect(listAll[SkillDisposition](ctx, s.client, l, ""))
}
