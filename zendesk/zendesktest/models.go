package zendesktest

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// The records below are the fake's state and also its wire format: their
// JSON tags are Zendesk's property names (https://developer.zendesk.com/api-reference/),
// and null-able
// properties are pointers so that they encode as null like Zendesk's.
// Accessors such as [Server.Ticket] return copies.

// Ticket is a Zendesk ticket.
type Ticket struct {
	ID                  int64         `json:"id"`
	URL                 string        `json:"url"`
	ExternalID          *string       `json:"external_id"`
	Type                *string       `json:"type"`
	Subject             string        `json:"subject"`
	RawSubject          string        `json:"raw_subject"`
	Description         string        `json:"description"`
	Priority            *string       `json:"priority"`
	Status              string        `json:"status"`
	Recipient           *string       `json:"recipient"`
	RequesterID         int64         `json:"requester_id"`
	SubmitterID         int64         `json:"submitter_id"`
	AssigneeID          *int64        `json:"assignee_id"`
	OrganizationID      *int64        `json:"organization_id"`
	GroupID             *int64        `json:"group_id"`
	CollaboratorIDs     []int64       `json:"collaborator_ids"`
	FollowerIDs         []int64       `json:"follower_ids"`
	EmailCCIDs          []int64       `json:"email_cc_ids"`
	ProblemID           *int64        `json:"problem_id"`
	HasIncidents        bool          `json:"has_incidents"`
	IsPublic            bool          `json:"is_public"`
	DueAt               *time.Time    `json:"due_at"`
	Tags                []string      `json:"tags"`
	CustomFields        []CustomField `json:"custom_fields"`
	Via                 Via           `json:"via"`
	ViaID               int           `json:"via_id"`
	CustomStatusID      *int64        `json:"custom_status_id"`
	BrandID             *int64        `json:"brand_id"`
	TicketFormID        *int64        `json:"ticket_form_id"`
	SatisfactionRating  any           `json:"satisfaction_rating"`
	SharingAgreementIDs []int64       `json:"sharing_agreement_ids"`
	FromMessagingChan   bool          `json:"from_messaging_channel"`
	AllowChannelback    bool          `json:"allow_channelback"`
	AllowAttachments    bool          `json:"allow_attachments"`
	CreatedAt           time.Time     `json:"created_at"`
	UpdatedAt           time.Time     `json:"updated_at"`
}

// MarshalJSON writes the ticket as Zendesk does. Subject and RawSubject
// stay strings in Go, so that code reading them needs no nil check, but a
// ticket without a subject (the API allows one) has "subject": null and
// "raw_subject": null on the wire, not "" (ticketSubjectOnWire, in
// unconfirmed.go).
func (t Ticket) MarshalJSON() ([]byte, error) {
	type plain Ticket // Ticket without this method
	return marshal(struct {
		plain
		Subject    *string `json:"subject"`
		RawSubject *string `json:"raw_subject"`
	}{plain(t), ticketSubjectOnWire(t.Subject), ticketSubjectOnWire(t.RawSubject)})
}

// nonEmpty is nil for "", else a pointer to s.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (t Ticket) clone() Ticket {
	t.CollaboratorIDs = slices.Clone(t.CollaboratorIDs)
	t.FollowerIDs = slices.Clone(t.FollowerIDs)
	t.EmailCCIDs = slices.Clone(t.EmailCCIDs)
	t.Tags = slices.Clone(t.Tags)
	t.CustomFields = slices.Clone(t.CustomFields)
	t.SharingAgreementIDs = slices.Clone(t.SharingAgreementIDs)
	t.Via = t.Via.clone()
	return t
}

// CustomField is one value of a ticket's custom_fields.
type CustomField struct {
	ID    int64           `json:"id"`
	Value json.RawMessage `json:"value"`
}

// Via says how a ticket or comment was created.
type Via struct {
	Channel string    `json:"channel"`
	Source  ViaSource `json:"source"`
}

// ViaSource is the source of a Via.
type ViaSource struct {
	From map[string]any `json:"from"`
	To   map[string]any `json:"to"`
	Rel  *string        `json:"rel"`
}

func (v Via) clone() Via {
	v.Source.From = maps.Clone(v.Source.From)
	v.Source.To = maps.Clone(v.Source.To)
	return v
}

// viaFor returns the via object Zendesk shows for a via id.
func viaFor(viaID int) Via {
	v := Via{Source: ViaSource{From: map[string]any{}, To: map[string]any{}}}
	switch viaID {
	case ViaWebForm:
		v.Channel = "web"
	case ViaMail:
		v.Channel = "email"
	case ViaWebService:
		v.Channel = "api"
	case ViaRule:
		v.Channel = "rule"
	case ViaChat:
		v.Channel = "chat"
	case ViaAPIVoicemail:
		v.Channel, v.Source.Rel = "voice", ptr("voicemail")
	case ViaAPIPhoneCallInbound:
		v.Channel, v.Source.Rel = "voice", ptr("inbound")
	case ViaAPIPhoneCallOutbound:
		v.Channel, v.Source.Rel = "voice", ptr("outbound")
	case ViaAnyChannel:
		v.Channel = "any_channel"
	default:
		v.Channel = "api"
	}
	return v
}

// Comment is a ticket comment
// (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/).
type Comment struct {
	ID          int64          `json:"id"`
	Type        string         `json:"type"` // "Comment" or "VoiceComment"
	AuthorID    int64          `json:"author_id"`
	Body        string         `json:"body"`
	HTMLBody    string         `json:"html_body"`
	PlainBody   string         `json:"plain_body"`
	Public      bool           `json:"public"`
	Attachments []any          `json:"attachments"`
	AuditID     int64          `json:"audit_id"`
	Via         Via            `json:"via"`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   time.Time      `json:"created_at"`
	// Data holds a voice comment's call details.
	Data *VoiceCommentData `json:"data,omitempty"`
	// ViaID is the via id of the update that added the comment (not on
	// the wire).
	ViaID int `json:"-"`
}

func (c Comment) clone() Comment {
	c.Attachments = slices.Clone(c.Attachments)
	c.Via = c.Via.clone()
	c.Metadata = maps.Clone(c.Metadata)
	if c.Data != nil {
		d := *c.Data
		if d.CallDuration != nil {
			d.CallDuration = ptr(*d.CallDuration)
		}
		if d.AnsweredByID != nil {
			d.AnsweredByID = ptr(*d.AnsweredByID)
		}
		c.Data = &d
	}
	return c
}

// User is a Zendesk user (end user, agent or admin).
type User struct {
	ID             int64          `json:"id"`
	URL            string         `json:"url"`
	Name           string         `json:"name"`
	Email          *string        `json:"email"`
	Phone          *string        `json:"phone"`
	ExternalID     *string        `json:"external_id"`
	Role           string         `json:"role"`
	Active         bool           `json:"active"`
	Verified       bool           `json:"verified"`
	Suspended      bool           `json:"suspended"`
	Shared         bool           `json:"shared"`
	Locale         string         `json:"locale"`
	LocaleID       int64          `json:"locale_id"`
	TimeZone       string         `json:"time_zone"`
	IanaTimeZone   string         `json:"iana_time_zone"`
	OrganizationID *int64         `json:"organization_id"`
	DefaultGroupID *int64         `json:"default_group_id"`
	Alias          *string        `json:"alias"`
	Details        *string        `json:"details"`
	Notes          *string        `json:"notes"`
	Tags           []string       `json:"tags"`
	UserFields     map[string]any `json:"user_fields"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

func (u User) clone() User {
	u.Tags = slices.Clone(u.Tags)
	u.UserFields = maps.Clone(u.UserFields)
	return u
}

func (u *User) isAgent() bool { return u.Role == "agent" || u.Role == "admin" }

func (u *User) email() string {
	if u.Email == nil {
		return ""
	}
	return *u.Email
}

// UserField is a custom user field definition
// (https://developer.zendesk.com/api-reference/ticketing/users/user_fields/).
// An unset description is "" with raw_description "", and an unset
// regexp_for_validation null, as Zendesk's answers write them.
type UserField struct {
	ID                  int64         `json:"id"`
	URL                 string        `json:"url"`
	Type                string        `json:"type"`
	Key                 string        `json:"key"`
	Title               string        `json:"title"`
	RawTitle            string        `json:"raw_title"`
	Description         string        `json:"description"`
	RawDescription      string        `json:"raw_description"`
	Position            int           `json:"position"`
	Active              bool          `json:"active"`
	System              bool          `json:"system"`
	RegexpForValidation *string       `json:"regexp_for_validation"`
	Tag                 *string       `json:"tag"`
	CustomFieldOptions  []FieldOption `json:"custom_field_options,omitempty"`
	CreatedAt           time.Time     `json:"created_at"`
	UpdatedAt           time.Time     `json:"updated_at"`
}

func (f UserField) clone() UserField {
	f.CustomFieldOptions = slices.Clone(f.CustomFieldOptions)
	return f
}

// FieldOption is an option of a dropdown or multiselect field.
type FieldOption struct {
	ID    int64  `json:"id,omitempty"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Group is an agent group
// (https://developer.zendesk.com/api-reference/ticketing/groups/groups/).
// An unset Description is written as groupDescriptionOnWire (unconfirmed.go)
// says.
type Group struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Default     bool      `json:"default"`
	Deleted     bool      `json:"deleted"`
	IsPublic    bool      `json:"is_public"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Trigger is a ticket trigger
// (https://developer.zendesk.com/api-reference/ticketing/business-rules/triggers/).
type Trigger struct {
	ID          int64      `json:"id"`
	URL         string     `json:"url"`
	Title       string     `json:"title"`
	RawTitle    string     `json:"raw_title"`
	Description *string    `json:"description"`
	Active      bool       `json:"active"`
	Default     bool       `json:"default"`
	Position    int        `json:"position"`
	CategoryID  *string    `json:"category_id"`
	Conditions  Conditions `json:"conditions"`
	Actions     []Action   `json:"actions"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func (g Group) clone() Group { return g }

// MarshalJSON writes the group as Zendesk does.
func (g Group) MarshalJSON() ([]byte, error) {
	type plain Group // Group without this method
	return marshal(struct {
		plain
		Description any `json:"description"`
	}{plain(g), groupDescriptionOnWire(g.Description)})
}

func (t Trigger) clone() Trigger {
	t.Conditions.All = slices.Clone(t.Conditions.All)
	t.Conditions.Any = slices.Clone(t.Conditions.Any)
	t.Actions = slices.Clone(t.Actions)
	return t
}

// Conditions are a trigger's conditions: all of All and at least one of
// Any (when Any is not empty).
type Conditions struct {
	All []Condition `json:"all"`
	Any []Condition `json:"any"`
}

// Condition is one trigger condition; Value is kept as sent.
type Condition struct {
	Field    string          `json:"field"`
	Operator string          `json:"operator"`
	Value    json.RawMessage `json:"value"`
}

// Action is one trigger action; Value is kept as sent.
type Action struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// TriggerCategory is a trigger category; its id is a string.
type TriggerCategory struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Position  int       `json:"position"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Webhook is a webhook
// (https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/).
// The API never shows
// Authentication.Data or the signing secret on the webhook itself.
type Webhook struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	Description    string            `json:"description,omitempty"`
	Status         string            `json:"status"`
	Endpoint       string            `json:"endpoint"`
	HTTPMethod     string            `json:"http_method"`
	RequestFormat  string            `json:"request_format"`
	Subscriptions  []string          `json:"subscriptions"`
	Authentication *WebhookAuth      `json:"authentication,omitempty"`
	CustomHeaders  map[string]string `json:"custom_headers,omitempty"`
	ExternalSource json.RawMessage   `json:"external_source,omitempty"`
	CreatedAt      time.Time         `json:"created_at"`
	CreatedBy      string            `json:"created_by"`
	UpdatedAt      *time.Time        `json:"updated_at"`
	UpdatedBy      *string           `json:"updated_by"`
}

func (w Webhook) clone() Webhook {
	w.Subscriptions = slices.Clone(w.Subscriptions)
	w.CustomHeaders = maps.Clone(w.CustomHeaders)
	if w.Authentication != nil {
		a := *w.Authentication
		a.Data = maps.Clone(a.Data)
		w.Authentication = &a
	}
	w.ExternalSource = slices.Clone(w.ExternalSource)
	return w
}

// public is the webhook as the API shows it: authentication without data.
func (w Webhook) public() Webhook {
	w = w.clone()
	if w.Authentication != nil {
		w.Authentication.Data = nil
	}
	return w
}

// WebhookAuth is a webhook's outbound authentication ("authentication":
// type, data, add_position).
type WebhookAuth struct {
	Type        string            `json:"type"` // basic_auth, bearer_token or api_key
	AddPosition string            `json:"add_position"`
	Data        map[string]string `json:"data,omitempty"`
}

// JobStatus is the status of a bulk job
// (https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/).
type JobStatus struct {
	ID       string      `json:"id"`
	URL      string      `json:"url"`
	JobType  string      `json:"job_type"`
	Status   string      `json:"status"`
	Message  *string     `json:"message"`
	Progress *int        `json:"progress"`
	Total    *int        `json:"total"`
	Results  []JobResult `json:"results"`
}

// JobResult is one item of a job's results.
type JobResult struct {
	ID      int64  `json:"id,omitempty"`
	Index   *int   `json:"index,omitempty"`
	Action  string `json:"action,omitempty"`
	Status  string `json:"status,omitempty"`
	Success *bool  `json:"success,omitempty"`
	Error   string `json:"error,omitempty"`
	Details string `json:"details,omitempty"`
}

// UnifiedStatus is a unified agent status: one of the four defaults or a
// custom status with a per-channel mapping.
type UnifiedStatus struct {
	ID          int64
	Name        string
	Description string
	// Channels maps "support", "messaging" and "talk" to "online", "away",
	// "transfers_only" or "offline".
	Channels map[string]string
	GroupIDs []int64
	Default  bool
	// UpdatedAt is when a custom status was last changed.
	UpdatedAt time.Time
}

func (u UnifiedStatus) clone() UnifiedStatus {
	u.Channels = maps.Clone(u.Channels)
	u.GroupIDs = slices.Clone(u.GroupIDs)
	return u
}

// AgentAvailability is an agent's availability as the fake holds it.
type AgentAvailability struct {
	AgentID int64
	// Channels maps each channel to its status.
	Channels map[string]string
	// ChannelUpdatedAt is when each channel last changed.
	ChannelUpdatedAt map[string]time.Time
	StatusID         int64
	StatusName       string
	Reason           string
	StatusUpdatedAt  time.Time
	Version          int64
	// TalkVia is the Talk availability's "via" ("client" or "phone").
	TalkVia string
	// CallStatus is the Talk call status ("on_call", "wrap_up" or "").
	CallStatus string
	GroupIDs   []int64
}

func (a AgentAvailability) clone() AgentAvailability {
	a.Channels = maps.Clone(a.Channels)
	a.ChannelUpdatedAt = maps.Clone(a.ChannelUpdatedAt)
	a.GroupIDs = slices.Clone(a.GroupIDs)
	return a
}

// ScreenPop is one Talk Partner Edition display request: AgentID was shown
// ticket TicketID or user UserID (the other is 0).
type ScreenPop struct {
	AgentID  int64
	TicketID int64
	UserID   int64
	Time     time.Time
}

// Channels of the agent availability API.
var channels = []string{"messaging", "support", "talk"}
