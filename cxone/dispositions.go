package cxone

import (
	"context"
	"iter"
	"net/url"
	"time"

	"github.com/deskbridge/deskbridge"
)

// DispositionsService reads the business unit's dispositions: /dispositions
// at v12.0, as the SDK calls it.
type DispositionsService service

// Disposition is an outcome an agent (or the system) gives a contact.
type Disposition struct {
	DispositionID        int64  `json:"dispositionId"`
	DispositionName      string `json:"dispositionName,omitempty"`
	Notes                string `json:"notes,omitempty"`
	LastUpdated          Time   `json:"lastUpdated,omitzero"`
	ClassificationID     int64  `json:"classificationId,omitempty"`
	SystemOutcome        string `json:"systemOutcome,omitempty"`
	IsActive             bool   `json:"isActive"`
	IsPreviewDisposition bool   `json:"isPreviewDisposition"`
}

// DispositionListOptions filter GET /dispositions.
type DispositionListOptions struct {
	ListOptions
	// SearchString searches disposition names.
	SearchString string `url:"searchString,omitempty"`
	// IsActive and IsPreviewDispositions filter on those flags when set.
	IsActive              *bool `url:"isActive,omitempty"`
	IsPreviewDispositions *bool `url:"isPreviewDispositions,omitempty"`
	// UpdatedSince lists the dispositions changed since then.
	UpdatedSince time.Time `url:"-"`
}

func (s *DispositionsService) list(opts *DispositionListOptions) (*list, string, error) {
	if opts == nil {
		opts = &DispositionListOptions{}
	}
	extra := url.Values{}
	if !opts.UpdatedSince.IsZero() {
		extra.Set("updatedSince", formatQueryTime(opts.UpdatedSince))
	}
	return newList(apiPath(v12, "/dispositions"), opts, &opts.ListOptions, extra, "dispositions")
}

// List walks GET /dispositions.
func (s *DispositionsService) List(ctx context.Context, opts *DispositionListOptions) iter.Seq2[Disposition, error] {
	l, start, err := s.list(opts)
	if err != nil {
		return failed[Disposition](err)
	}
	return listAll[Disposition](ctx, s.client, l, start)
}

// ListPage fetches one page of GET /dispositions.
func (s *DispositionsService) ListPage(ctx context.Context, opts *DispositionListOptions) (*deskbridge.Page[Disposition], error) {
	l, start, err := s.list(opts)
	if err != nil {
		return nil, err
	}
	return listPage[Disposition](ctx, s.client, l, start, nil)
}

// Get fetches GET /dispositions/{dispositionId}: the name behind a
// contact's primaryDispositionId.
func (s *DispositionsService) Get(ctx context.Context, dispositionID int64) (*Disposition, error) {
	if err := checkID("disposition", dispositionID); err != nil {
		return nil, err
	}
	return getOne[Disposition](ctx, s.client, apiPath(v12, "/dispositions/%d", dispositionID), envelopeKeys("disposition")...)
}
