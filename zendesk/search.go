package zendesk

import (
	"context"
	"encoding/json"
	"iter"
	"time"

	"github.com/deskbridge/deskbridge"
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

// SearchOptions refine [SearchService.Query].
type SearchOptions struct {
	// SortBy is updated_at, created_at, priority, status or ticket_type;
	// empty sorts by relevance.
	SortBy string `url:"sort_by,omitempty"`
	// SortOrder is asc or desc.
	SortOrder string `url:"sort_order,omitempty"`
	OffsetOptions
}

// Query iterates over the results of a search ("type:ticket status:open
// tags:sms", "type:user email@example.com", ...). Search has offset
// pagination only, may repeat a result across pages, and returns at most
// 1,000 results per query ([MaxSearchResults]): when a query has more, the
// iterator ends after the first 1,000 with an error matching
// [ErrResultLimit]. Use Export for larger sets. opts may be nil; it is
// copied, never modified.
func (s *SearchService) Query(ctx context.Context, query string, opts *SearchOptions) iter.Seq2[*SearchResult, error] {
	return searchQuery(query, opts).capped(ctx, s.client, MaxSearchResults, "use Search.Export")
}

// QueryPage returns one page of Query, with the number of results Zendesk
// reports in Total; put its Next (a page number) into opts.Page to fetch
// the next.
func (s *SearchService) QueryPage(ctx context.Context, query string, opts *SearchOptions) (*deskbridge.Page[*SearchResult], error) {
	return searchQuery(query, opts).page(ctx, s.client)
}

func searchQuery(query string, opts *SearchOptions) listing[*SearchResult] {
	q := struct {
		Query string `url:"query"`
		SearchOptions
	}{query, copyOpts(opts)}
	return offsetList[*SearchResult]("/api/v2/search", &q.OffsetOptions, &q, "results").refuse(query == "", "search query is empty")
}

// Count returns the number of results of a search without fetching them.
func (s *SearchService) Count(ctx context.Context, query string) (int64, error) {
	if query == "" {
		return 0, invalid("search query is empty")
	}
	q := struct {
		Query string `url:"query"`
	}{query}
	n, err := rest.Get[int64](ctx, s.client.rest, "/api/v2/search/count", &q, "count")
	if err != nil {
		return 0, err
	}
	return *n, nil
}

// maxExportPageSize is the largest page [SearchService.Export] asks for.
const maxExportPageSize = 1000

// ExportOptions select a page of [SearchService.Export].
type ExportOptions struct {
	// Type is the one result type to export ([ResultTicket], [ResultUser],
	// [ResultOrganization] or [ResultGroup]). Required: the export endpoint
	// refuses a type in the query itself.
	Type string `url:"filter[type]"`
	// PageSize is the number of results per page (Zendesk allows up to
	// 1,000 and recommends 100); 0 means 100.
	PageSize int `url:"page[size],omitempty"`
	// After is the cursor of the page to fetch: the Next of the previous
	// page ([deskbridge.Page]). Export cursors expire an hour after they
	// are issued.
	After string `url:"page[after],omitempty"`
}

// Export iterates over every result of a search, with no 1,000-result cap,
// through the search export endpoint: one result type per export (opts.Type,
// required), ordered by created_at, cursor pagination forward only, cursors
// valid for an hour, and 100 requests per minute per account. opts is
// copied, never modified.
func (s *SearchService) Export(ctx context.Context, query string, opts *ExportOptions) iter.Seq2[*SearchResult, error] {
	return searchExport(query, opts).all(ctx, s.client)
}

// ExportPage returns one page of Export; put its Next into opts.After to
// fetch the next.
func (s *SearchService) ExportPage(ctx context.Context, query string, opts *ExportOptions) (*deskbridge.Page[*SearchResult], error) {
	return searchExport(query, opts).page(ctx, s.client)
}

// exportTypes are the result types an export takes.
var exportTypes = map[string]bool{ResultTicket: true, ResultUser: true, ResultOrganization: true, ResultGroup: true}

// searchExport is the listing of an export: a cursor list, whose page size
// goes up to 1,000.
func searchExport(query string, opts *ExportOptions) listing[*SearchResult] {
	q := struct {
		Query string `url:"query"`
		ExportOptions
	}{query, copyOpts(opts)}
	l := listing[*SearchResult]{
		req:   &rest.Request{Path: "/api/v2/search/export", Query: &q},
		style: cursorStyle,
		start: q.After,
		read:  cursorPages(member[*SearchResult]("results")),
	}
	switch {
	case query == "":
		l.err = invalid("search query is empty")
	case !exportTypes[q.Type]:
		l.err = invalid("search export needs ExportOptions.Type: ticket, user, organization or group (got %q)", q.Type)
	case q.PageSize < 0 || q.PageSize > maxExportPageSize:
		l.err = invalid("export page size %d is outside 0..%d", q.PageSize, maxExportPageSize)
	case q.PageSize == 0:
		q.PageSize = MaxPageSize // Zendesk's recommendation
	}
	return l
}
