package zendesk

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"iter"
	"net/http"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// TicketsService creates, reads, updates and comments on tickets.
type TicketsService service

// Ticket statuses.
const (
	TicketStatusNew     = "new"
	TicketStatusOpen    = "open"
	TicketStatusPending = "pending"
	TicketStatusHold    = "hold"
	TicketStatusSolved  = "solved"
	TicketStatusClosed  = "closed"
)

// Ticket priorities.
const (
	PriorityUrgent = "urgent"
	PriorityHigh   = "high"
	PriorityNormal = "normal"
	PriorityLow    = "low"
)

// Ticket types.
const (
	TicketTypeProblem  = "problem"
	TicketTypeIncident = "incident"
	TicketTypeQuestion = "question"
	TicketTypeTask     = "task"
)

// Via ids: the channel a ticket or an update came through
// (https://developer.zendesk.com/documentation/ticketing/reference-guides/via-types).
const (
	ViaWebForm    = 0
	ViaMail       = 4
	ViaWebService = 5 // the API; triggers use it as a loop guard, see LoopGuard
	ViaRule       = 8
	ViaChat       = 29
	// Zendesk Talk.
	ViaVoicemail         = 33
	ViaPhoneCallInbound  = 34
	ViaPhoneCallOutbound = 35
	// Talk Partner Edition (voice tickets created through the API).
	ViaAPIVoicemail         = 44
	ViaAPIPhoneCallInbound  = 45
	ViaAPIPhoneCallOutbound = 46
	ViaAnyChannel           = 55
)

// MaxBatch is the most items Zendesk's bulk endpoints (create_many,
// update_many, show_many) take per call.
const MaxBatch = 100

// Ticket is a Zendesk ticket as the API returns it.
type Ticket struct {
	ID                   int64           `json:"id"`
	URL                  string          `json:"url,omitempty"`
	ExternalID           string          `json:"external_id,omitempty"`
	Type                 string          `json:"type,omitempty"`
	Subject              string          `json:"subject,omitempty"`
	RawSubject           string          `json:"raw_subject,omitempty"`
	Description          string          `json:"description,omitempty"`
	Priority             string          `json:"priority,omitempty"`
	Status               string          `json:"status,omitempty"`
	CustomStatusID       int64           `json:"custom_status_id,omitempty"`
	Recipient            string          `json:"recipient,omitempty"`
	RequesterID          int64           `json:"requester_id,omitempty"`
	SubmitterID          int64           `json:"submitter_id,omitempty"`
	AssigneeID           int64           `json:"assignee_id,omitempty"`
	OrganizationID       int64           `json:"organization_id,omitempty"`
	GroupID              int64           `json:"group_id,omitempty"`
	CollaboratorIDs      []int64         `json:"collaborator_ids,omitempty"`
	FollowerIDs          []int64         `json:"follower_ids,omitempty"`
	EmailCCIDs           []int64         `json:"email_cc_ids,omitempty"`
	ProblemID            int64           `json:"problem_id,omitempty"`
	HasIncidents         bool            `json:"has_incidents,omitempty"`
	IsPublic             bool            `json:"is_public,omitempty"`
	DueAt                *time.Time      `json:"due_at,omitempty"`
	Tags                 []string        `json:"tags,omitempty"`
	CustomFields         []CustomField   `json:"custom_fields,omitempty"`
	Via                  *Via            `json:"via,omitempty"`
	BrandID              int64           `json:"brand_id,omitempty"`
	TicketFormID         int64           `json:"ticket_form_id,omitempty"`
	FromMessagingChannel bool            `json:"from_messaging_channel,omitempty"`
	SatisfactionRating   json.RawMessage `json:"satisfaction_rating,omitempty"`
	SharingAgreementIDs  []int64         `json:"sharing_agreement_ids,omitempty"`
	FollowupIDs          []int64         `json:"followup_ids,omitempty"`
	AllowChannelback     bool            `json:"allow_channelback,omitempty"`
	AllowAttachments     bool            `json:"allow_attachments,omitempty"`
	GeneratedTimestamp   int64           `json:"generated_timestamp,omitempty"`
	CreatedAt            time.Time       `json:"created_at,omitzero"`
	UpdatedAt            time.Time       `json:"updated_at,omitzero"`
}

// CustomFieldValue returns the raw value of the custom field with id, and
// whether the ticket has it.
func (t *Ticket) CustomFieldValue(id int64) (json.RawMessage, bool) {
	for _, f := range t.CustomFields {
		if f.ID == id {
			return f.Value, true
		}
	}
	return nil, false
}

// Via says how a ticket or comment was created.
type Via struct {
	Channel string `json:"channel,omitempty"`
	// Source varies by channel ({"from": ..., "to": ..., "rel": ...}).
	Source json.RawMessage `json:"source,omitempty"`
}

// CustomField is the value of one custom ticket field. Value varies with
// the field type (string, number, boolean, list of tags, null).
type CustomField struct {
	ID    int64           `json:"id"`
	Value json.RawMessage `json:"value"`
}

// NewCustomField returns a custom field value: a string, number, boolean,
// []string (multiselect) or nil (clears the field).
func NewCustomField(id int64, value any) (CustomField, error) {
	raw, err := json.Marshal(value)
	if err != nil {
		return CustomField{}, invalid("custom field %d: %v", id, err)
	}
	return CustomField{ID: id, Value: raw}, nil
}

// TicketInput is what Create, Update and the bulk calls send. Zero fields
// are left out. Requester, SubmitterID, BrandID, Recipient and ViaID only
// apply to creation; SafeUpdate and UpdatedStamp only to updates; ID only
// to UpdateMany.
type TicketInput struct {
	// ID names the ticket in UpdateMany.
	ID         int64  `json:"id,omitempty"`
	Subject    string `json:"subject,omitempty"`
	RawSubject string `json:"raw_subject,omitempty"`
	// Comment adds a comment: the description of a new ticket, or a reply
	// or internal note on an update.
	Comment *CommentInput `json:"comment,omitempty"`
	// Requester creates or finds the requester by email in the same call.
	Requester      *Requester `json:"requester,omitempty"`
	RequesterID    int64      `json:"requester_id,omitempty"`
	SubmitterID    int64      `json:"submitter_id,omitempty"`
	AssigneeID     int64      `json:"assignee_id,omitempty"`
	AssigneeEmail  string     `json:"assignee_email,omitempty"`
	GroupID        int64      `json:"group_id,omitempty"`
	OrganizationID int64      `json:"organization_id,omitempty"`
	Type           string     `json:"type,omitempty"`
	Priority       string     `json:"priority,omitempty"`
	Status         string     `json:"status,omitempty"`
	CustomStatusID int64      `json:"custom_status_id,omitempty"`
	ExternalID     string     `json:"external_id,omitempty"`
	// Tags replaces the ticket's tags; a non-nil empty slice clears them.
	Tags            []string      `json:"tags,omitzero"`
	CustomFields    []CustomField `json:"custom_fields,omitempty"`
	CollaboratorIDs []int64       `json:"collaborator_ids,omitempty"`
	FollowerIDs     []int64       `json:"follower_ids,omitempty"`
	EmailCCIDs      []int64       `json:"email_cc_ids,omitempty"`
	DueAt           *time.Time    `json:"due_at,omitempty"`
	ProblemID       int64         `json:"problem_id,omitempty"`
	BrandID         int64         `json:"brand_id,omitempty"`
	TicketFormID    int64         `json:"ticket_form_id,omitempty"`
	Recipient       string        `json:"recipient,omitempty"`
	// MacroIDs applies macros, which can add a comment.
	MacroIDs []int64 `json:"macro_ids,omitempty"`
	// ViaID and VoiceComment create a voice ticket ([VoiceService.CreateVoiceTicket]);
	// VoiceComment on an update adds a voice comment to the ticket.
	ViaID        int64         `json:"via_id,omitempty"`
	VoiceComment *VoiceComment `json:"voice_comment,omitempty"`
	// SafeUpdate with UpdatedStamp (the ticket's updated_at as read) makes
	// Zendesk refuse an update that would overwrite a newer change (409).
	SafeUpdate   bool       `json:"safe_update,omitempty"`
	UpdatedStamp *time.Time `json:"updated_stamp,omitempty"`
}

// appendsComment reports whether applying the input may add a comment to
// the ticket: a comment, a voice comment, or macros (a macro can add one).
// An update that does must not be replayed after a 5xx or a network error,
// as its first attempt may have been applied and a replay would add the
// comment twice.
func (in *TicketInput) appendsComment() bool {
	return in.Comment != nil || in.VoiceComment != nil || len(in.MacroIDs) > 0
}

// CommentInput is a comment to add. Public false makes it an internal note;
// nil leaves Zendesk's default (public, unless the author can only write
// private comments).
type CommentInput struct {
	Body string `json:"body,omitempty"`
	// HTMLBody is the comment as HTML; it wins over Body.
	HTMLBody string `json:"html_body,omitempty"`
	Public   *bool  `json:"public,omitempty"`
	// AuthorID writes the comment as this user (agents and admins can set
	// it); zero means the authenticated user.
	AuthorID int64 `json:"author_id,omitempty"`
	// Uploads are upload tokens of attachments.
	Uploads []string `json:"uploads,omitempty"`
}

// PublicComment is a public reply with a plain-text body.
func PublicComment(body string) *CommentInput {
	return &CommentInput{Body: body, Public: Ptr(true)}
}

// PrivateComment is an internal note with a plain-text body.
func PrivateComment(body string) *CommentInput {
	return &CommentInput{Body: body, Public: Ptr(false)}
}

// Ptr returns a pointer to v, for the optional fields of inputs:
// Public: zendesk.Ptr(false).
func Ptr[T any](v T) *T { return &v }

// Requester names the requester of a new ticket; Zendesk finds the user by
// email or creates one.
type Requester struct {
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Locale   string `json:"locale,omitempty"`
	LocaleID int64  `json:"locale_id,omitempty"`
}

// Comment is a ticket comment as the API returns it.
type Comment struct {
	ID int64 `json:"id"`
	// Type is "Comment" or "VoiceComment".
	Type        string       `json:"type,omitempty"`
	Body        string       `json:"body,omitempty"`
	HTMLBody    string       `json:"html_body,omitempty"`
	PlainBody   string       `json:"plain_body,omitempty"`
	Public      bool         `json:"public"`
	AuthorID    int64        `json:"author_id,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	AuditID     int64        `json:"audit_id,omitempty"`
	Via         *Via         `json:"via,omitempty"`
	// Metadata holds system data (client, IP, location) and custom data.
	Metadata json.RawMessage `json:"metadata,omitempty"`
	// Data holds the call details of a [VoiceComment].
	Data      json.RawMessage `json:"data,omitempty"`
	CreatedAt time.Time       `json:"created_at,omitzero"`
}

// Attachment is a file attached to a comment.
type Attachment struct {
	ID               int64           `json:"id"`
	FileName         string          `json:"file_name,omitempty"`
	ContentURL       string          `json:"content_url,omitempty"`
	MappedContentURL string          `json:"mapped_content_url,omitempty"`
	ContentType      string          `json:"content_type,omitempty"`
	Size             int64           `json:"size,omitempty"`
	Inline           bool            `json:"inline,omitempty"`
	Thumbnails       json.RawMessage `json:"thumbnails,omitempty"`
}

// CallOption adjusts one call.
type CallOption func(*callOptions)

type callOptions struct {
	idempotencyKey string
}

// IdempotencyKey sets the Idempotency-Key of a ticket creation, for a
// caller that retries across process restarts with a key it stored (Zendesk
// keeps keys for a limited time). Without it, Create generates one per call.
func IdempotencyKey(key string) CallOption {
	return func(o *callOptions) { o.idempotencyKey = key }
}

// newIdempotencyKey returns 128 random bits as text.
func newIdempotencyKey() string { return rand.Text() }

// Get returns the ticket with id.
func (s *TicketsService) Get(ctx context.Context, id int64) (*Ticket, error) {
	if id <= 0 {
		return nil, invalid("ticket id %d", id)
	}
	return rest.Get[Ticket](ctx, s.client.rest, rest.Pathf("/api/v2/tickets/%d", id), nil, "ticket")
}

// ShowMany returns the tickets with the given ids (at most 100), in one
// request. Ids that do not exist are left out.
func (s *TicketsService) ShowMany(ctx context.Context, ids []int64) ([]*Ticket, error) {
	if err := checkIDs("ticket", ids); err != nil {
		return nil, err
	}
	q := struct {
		IDs []int64 `url:"ids,comma"`
	}{ids}
	out, err := rest.Get[[]*Ticket](ctx, s.client.rest, "/api/v2/tickets/show_many", &q, "tickets")
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// Create creates a ticket. It sends an Idempotency-Key (generated per call
// unless [IdempotencyKey] gives one), so Zendesk creates the ticket once even
// when a 5xx or a dropped connection makes the client send it again.
func (s *TicketsService) Create(ctx context.Context, in *TicketInput, opts ...CallOption) (*Ticket, error) {
	if in == nil {
		return nil, invalid("ticket input is nil")
	}
	var o callOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.idempotencyKey == "" {
		o.idempotencyKey = newIdempotencyKey()
	}
	return rest.Send[Ticket](ctx, s.client.rest, &rest.Request{
		Method:         http.MethodPost,
		Path:           "/api/v2/tickets",
		Body:           &ticketInputEnvelope{in},
		IdempotencyKey: o.idempotencyKey,
	}, "ticket")
}

// Update changes a ticket; with Comment set it adds a public reply or an
// internal note, as Comment.AuthorID when given. An update that may add a
// comment (Comment, VoiceComment or MacroIDs set) is not replayed after a
// 5xx or a network error (the first attempt may have added it); 429s are
// still retried.
func (s *TicketsService) Update(ctx context.Context, id int64, in *TicketInput) (*Ticket, error) {
	if id <= 0 {
		return nil, invalid("ticket id %d", id)
	}
	if in == nil {
		return nil, invalid("ticket input is nil")
	}
	return rest.Send[Ticket](ctx, s.client.rest, &rest.Request{
		Method:        http.MethodPut,
		Path:          rest.Pathf("/api/v2/tickets/%d", id),
		Body:          &ticketInputEnvelope{in},
		NotIdempotent: in.appendsComment(),
	}, "ticket")
}

// Delete deletes a ticket (it goes to the deleted tickets view).
func (s *TicketsService) Delete(ctx context.Context, id int64) error {
	if id <= 0 {
		return invalid("ticket id %d", id)
	}
	return s.client.delete(ctx, rest.Pathf("/api/v2/tickets/%d", id))
}

// CreateMany creates up to 100 tickets in a background job and returns its
// status; follow it with [JobStatusesService.Wait]. More than 100 are refused rather
// than split: each call is one job (Zendesk runs at most 30 at a time per
// account), whose results are indexed within that call, and a split that
// failed half-way would leave the caller to find out which half exists.
// Batch with slices.Chunk(tickets, zendesk.MaxBatch).
//
// Business rules (triggers) run for each ticket. The request is not
// replayed after a 5xx (it could start a second job).
func (s *TicketsService) CreateMany(ctx context.Context, tickets []*TicketInput) (*JobStatus, error) {
	if err := checkBatch("CreateMany", tickets); err != nil {
		return nil, err
	}
	return s.client.JobStatuses.start(ctx, &rest.Request{
		Method: http.MethodPost,
		Path:   "/api/v2/tickets/create_many",
		Body:   &ticketsInputEnvelope{tickets},
	})
}

// UpdateMany applies a different update to each of up to 100 tickets (each
// [TicketInput] names its ticket with ID) in a background job. More than 100
// are refused, as for CreateMany. When any update may add a comment (see
// Update), the request is not replayed after a 5xx or a network error.
func (s *TicketsService) UpdateMany(ctx context.Context, tickets []*TicketInput) (*JobStatus, error) {
	if err := checkBatch("UpdateMany", tickets); err != nil {
		return nil, err
	}
	comment := false
	for i, t := range tickets {
		if t.ID <= 0 {
			return nil, invalid("UpdateMany: ticket %d has no ID", i)
		}
		comment = comment || t.appendsComment()
	}
	return s.client.JobStatuses.start(ctx, &rest.Request{
		Method:        http.MethodPut,
		Path:          "/api/v2/tickets/update_many",
		Body:          &ticketsInputEnvelope{tickets},
		NotIdempotent: comment,
	})
}

// UpdateManyByIDs applies the same update to up to 100 tickets in a
// background job. When the update may add a comment (see Update), the
// request is not replayed after a 5xx or a network error.
func (s *TicketsService) UpdateManyByIDs(ctx context.Context, ids []int64, in *TicketInput) (*JobStatus, error) {
	if err := checkIDs("ticket", ids); err != nil {
		return nil, err
	}
	if in == nil {
		return nil, invalid("ticket input is nil")
	}
	q := struct {
		IDs []int64 `url:"ids,comma"`
	}{ids}
	return s.client.JobStatuses.start(ctx, &rest.Request{
		Method:        http.MethodPut,
		Path:          "/api/v2/tickets/update_many",
		Query:         &q,
		Body:          &ticketInputEnvelope{in},
		NotIdempotent: in.appendsComment(),
	})
}

type ticketInputEnvelope struct {
	Ticket *TicketInput `json:"ticket"`
}

type ticketsInputEnvelope struct {
	Tickets []*TicketInput `json:"tickets"`
}

func checkBatch[T any](call string, items []*T) error {
	if len(items) == 0 {
		return invalid("%s: nothing to send", call)
	}
	if len(items) > MaxBatch {
		return invalid("%s: %d items, at most %d per call (batch with slices.Chunk)", call, len(items), MaxBatch)
	}
	for i, it := range items {
		if it == nil {
			return invalid("%s: item %d is nil", call, i)
		}
	}
	return nil
}

func checkIDs(what string, ids []int64) error {
	if len(ids) == 0 {
		return invalid("no %s ids", what)
	}
	if len(ids) > MaxBatch {
		return invalid("%d %s ids, at most %d per call", len(ids), what, MaxBatch)
	}
	for _, id := range ids {
		if id <= 0 {
			return invalid("%s id %d", what, id)
		}
	}
	return nil
}

// CommentListOptions filter [TicketsService.Comments].
type CommentListOptions struct {
	CursorOptions
	// IncludeInlineImages lists inline images as attachments.
	IncludeInlineImages bool `url:"include_inline_images,omitempty"`
}

// Comments iterates over a ticket's comments, oldest first, fetching pages
// (cursor pagination) as the loop needs them. opts may be nil; it is copied,
// never modified.
func (s *TicketsService) Comments(ctx context.Context, ticketID int64, opts *CommentListOptions) iter.Seq2[*Comment, error] {
	return s.comments(ticketID, opts).all(ctx, s.client)
}

// CommentsPage returns one page of a ticket's comments; put its Next into
// opts.After to fetch the next.
func (s *TicketsService) CommentsPage(ctx context.Context, ticketID int64, opts *CommentListOptions) (*deskbridge.Page[*Comment], error) {
	return s.comments(ticketID, opts).page(ctx, s.client)
}

func (s *TicketsService) comments(ticketID int64, opts *CommentListOptions) listing[*Comment] {
	o := copyOpts(opts)
	return cursorList[*Comment](rest.Pathf("/api/v2/tickets/%d/comments", ticketID), &o.CursorOptions, &o, "comments").
		refuse(ticketID <= 0, "ticket id %d", ticketID)
}
