package zendesk

import (
	"context"
	"encoding/json"
	"iter"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// SearchService runs Zendesk searches.
type SearchService service

// Result types of a search (SearchResult.ResultType, ExportOptions.Type).
const (
	ResultTicket       = "ticket"
	ResultUser         = "user"
	ResultGroup        = "group"
	ResultOrganization = "organization"
)

// MaxSearchResults is the most results one search query can return. Past
// it, use Export.
const MaxSearchResults = 1000

// Organization is a Zendesk organization as search returns it.
type Organization struct {
	ID                 int64                      `json:"id"`
	URL                string                     `json:"url,omitempty"`
	Name               string                     `json:"name,omitempty"`
	ExternalID         string                     `json:"external_id,omitempty"`
	DomainNames        []string                   `json:"domain_names,omitempty"`
	GroupID            int64                      `json:"group_id,omitempty"`
	Details            string                     `json:"details,omitempty"`
	Notes              string                     `json:"notes,omitempty"`
	Tags               []string                   `json:"tags,omitempty"`
	SharedTickets      bool                       `json:"shared_tickets,omitempty"`
	SharedComments     bool                       `json:"shared_comments,omitempty"`
	OrganizationFields map[string]json.RawMessage `json:"organization_fields,omitempty"`
	CreatedAt          time.Time                  `json:"created_at,omitzero"`
	UpdatedAt          time.Time                  `json:"updated_at,omitzero"`
}

// SearchResult is one search hit, typed by its result_type: exactly one of
// Ticket, User, Group and Organization is set for those types. Raw always
// holds the hit as sent, for other types (articles, ...) and fields the
// typed structs do not have.
type SearchResult struct {
	ResultType   string
	Ticket       *Ticket
	User         *User
	Group        *Group
	Organization *Organization
	Raw          json.RawMessage
	// DecodeError is set when the hit did not fit its typed struct (the
	// typed field is then nil); one odd hit does not fail the whole page.
	DecodeError error
}

// UnmarshalJSON decodes a hit by its result_type.
func (r *SearchResult) UnmarshalJSON(b []byte) error {
	var head struct {
		ResultType string `json:"result_type"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	*r = SearchResult{ResultType: head.ResultType, Raw: append(json.RawMessage(nil), b...)}
	switch head.ResultType {
	case ResultTicket:
		r.Ticket, r.DecodeError = decodeAs[Ticket](b)
	case ResultUser:
		r.User, r.DecodeError = decodeAs[User](b)
	case ResultGroup:
		r.Group, r.DecodeError = decodeAs[Group](b)
	case ResultOrganization:
		r.Organization, r.DecodeError = decodeAs[Organization](b)
	}
	return nil
}

func decodeAs[T any](b []byte) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	return v, nil
}

// SearchOptions refine Search.Query.
type SearchOptions struct {
	// SortBy is updated_at, created_at, priority, status or ticket_type;
	// empty sorts by relevance.
	SortBy string `url:"sort_by,omitempty"`
	// SortOrder is asc or desc.
	SortOrder string `url:"sort_order,omitempty"`
	OffsetOptions
}

// SearchPage is one page of search results.
type SearchPage struct {
	Results []*SearchResult
	OffsetPagination
}

// Query iterates over the results of a search ("type:ticket status:open
// tags:sms", "type:user email@example.com", ...). Search has offset
// pagination only, may repeat a result across pages, and returns at most
// 1,000 results per query (MaxSearchResults): when a query has more, the
// iterator ends after the first 1,000 with an error matching
// ErrResultLimit. Use Export for larger sets. opts may be nil; it is
// copied, never modified.
func (s *SearchService) Query(ctx context.Context, query string, opts *SearchOptions) iter.Seq2[*SearchResult, error] {
	o := copyOpts(opts)
	return walkOffset(ctx, o.Page, o.PerPage, MaxSearchResults, "use Search.Export", func(ctx context.Context, page int) ([]*SearchResult, OffsetPagination, error) {
		o.Page = page
		p, err := s.QueryPage(ctx, query, &o)
		if err != nil {
			return nil, OffsetPagination{}, err
		}
		return p.Results, p.OffsetPagination, nil
	})
}

// QueryPage returns one page of Query.
func (s *SearchService) QueryPage(ctx context.Context, query string, opts *SearchOptions) (*SearchPage, error) {
	if query == "" {
		return nil, invalid("search query is empty")
	}
	o := copyOpts(opts)
	if err := o.check(); err != nil {
		return nil, err
	}
	q := struct {
		Query string `url:"query"`
		SearchOptions
	}{query, o}
	var out struct {
		Results []*SearchResult `json:"results"`
		offsetEnvelope
	}
	if _, err := s.client.do(ctx, &rest.Request{Path: "/api/v2/search", Query: &q}, &out); err != nil {
		return nil, err
	}
	p, err := out.pagination()
	return &SearchPage{Results: out.Results, OffsetPagination: p}, err
}

// Count returns the number of results of a search without fetching them.
func (s *SearchService) Count(ctx context.Context, query string) (int64, error) {
	if query == "" {
		return 0, invalid("search query is empty")
	}
	q := struct {
		Query string `url:"query"`
	}{query}
	var out struct {
		Count int64 `json:"count"`
	}
	if _, err := s.client.do(ctx, &rest.Request{Path: "/api/v2/search/count", Query: &q}, &out); err != nil {
		return 0, err
	}
	return out.Count, nil
}

// ExportOptions select a page of Search.Export.
type ExportOptions struct {
	// Type is the one result type to export (ResultTicket, ResultUser,
	// ResultOrganization or ResultGroup). Required: the export endpoint
	// refuses a type in the query itself.
	Type string `url:"filter[type]"`
	// PageSize is the number of results per page (Zendesk allows up to
	// 1,000 and recommends 100); 0 means 100.
	PageSize int `url:"page[size],omitempty"`
	// After is the cursor of the page to fetch. Export cursors expire an
	// hour after they are issued.
	After string `url:"page[after],omitempty"`
}

// ExportPage is one page of Search.Export.
type ExportPage struct {
	Results []*SearchResult
	Pagination
}

// Export iterates over every result of a search, with no 1,000-result cap,
// through the search export endpoint: one result type per export (opts.Type,
// required), ordered by created_at, cursor pagination forward only, cursors
// valid for an hour, and 100 requests per minute per account. opts is
// copied, never modified.
func (s *SearchService) Export(ctx context.Context, query string, opts *ExportOptions) iter.Seq2[*SearchResult, error] {
	o := copyOpts(opts)
	return walkCursor(ctx, o.After, func(ctx context.Context, after string) ([]*SearchResult, Pagination, error) {
		o.After = after
		p, err := s.ExportPage(ctx, query, &o)
		if err != nil {
			return nil, Pagination{}, err
		}
		return p.Results, p.Pagination, nil
	})
}

// ExportPage returns one page of Export.
func (s *SearchService) ExportPage(ctx context.Context, query string, opts *ExportOptions) (*ExportPage, error) {
	if query == "" {
		return nil, invalid("search query is empty")
	}
	o := copyOpts(opts)
	switch o.Type {
	case ResultTicket, ResultUser, ResultOrganization, ResultGroup:
	default:
		return nil, invalid("search export needs ExportOptions.Type: ticket, user, organization or group (got %q)", o.Type)
	}
	if o.PageSize < 0 || o.PageSize > 1000 {
		return nil, invalid("export page size %d is outside 0..1000", o.PageSize)
	}
	if o.PageSize == 0 {
		o.PageSize = MaxPageSize // Zendesk's recommendation
	}
	q := struct {
		Query string `url:"query"`
		ExportOptions
	}{query, o}
	var out struct {
		Results []*SearchResult `json:"results"`
		cursorEnvelope
	}
	const path = "/api/v2/search/export"
	if _, err := s.client.do(ctx, &rest.Request{Path: path, Query: &q}, &out); err != nil {
		return nil, err
	}
	p, err := out.pagination(path)
	if err != nil {
		return nil, err
	}
	return &ExportPage{Results: out.Results, Pagination: p}, nil
}
