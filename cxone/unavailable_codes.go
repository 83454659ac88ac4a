package cxone

import (
	"context"
	"iter"

	"github.com/deskbridge/deskbridge"
)

// UnavailableCodesService reads unavailable codes: /unavailable-codes at
// v23.0.
type UnavailableCodesService service

// UnavailableCode is a reason an agent may be unavailable (a break, a
// meeting); IsACW marks the after-contact-work ones.
type UnavailableCode struct {
	ID           int64  `json:"id"`
	Name         string `json:"name,omitempty"`
	IsActive     bool   `json:"isActive"`
	IsACW        bool   `json:"isACW"`
	Notes        string `json:"notes,omitempty"`
	AgentTimeout int    `json:"agentTimeout,omitempty"`
}

// UnavailableCodeListOptions filter GET /unavailable-codes.
type UnavailableCodeListOptions struct {
	ListOptions
	// IsActive filters on the flag when set.
	IsActive *bool `url:"isActive,omitempty"`
	// SearchString searches code names.
	SearchString string `url:"searchString,omitempty"`
}

func (s *UnavailableCodesService) list(opts *UnavailableCodeListOptions) (*list, string, error) {
	if opts == nil {
		opts = &UnavailableCodeListOptions{}
	}
	return newList(apiPath(v23, "/unavailable-codes"), opts, &opts.ListOptions, nil, "unavailableCodes")
}

// List walks GET /unavailable-codes.
func (s *UnavailableCodesService) List(ctx context.Context, opts *UnavailableCodeListOptions) iter.Seq2[UnavailableCode, error] {
	l, start, err := s.list(opts)
	if err != nil {
		return failed[UnavailableCode](err)
	}
	return listAll[UnavailableCode](ctx, s.client, l, start)
}

// ListPage fetches one page of GET /unavailable-codes.
func (s *UnavailableCodesService) ListPage(ctx context.Context, opts *UnavailableCodeListOptions) (*deskbridge.Page[UnavailableCode], error) {
	l, start, err := s.list(opts)
	if err != nil {
		return nil, err
	}
	return listPage[UnavailableCode](ctx, s.client, l, start, nil)
}

// Get fetches GET /unavailable-codes/{id}, which answers
// {"unavailableCode": {…}}.
func (s *UnavailableCodesService) Get(ctx context.Context, id int64) (*UnavailableCode, error) {
	if err := checkID("unavailable code", id); err != nil {
		return nil, err
	}
	return getOne[UnavailableCode](ctx, s.client, apiPath(v23, "/unavailable-codes/%d", id), "unavailableCode")
}
