package cxone

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// ContactsService reads contacts: active ones (the Real-Time Data API's
// /contacts/active, v23.0), completed ones (the Reporting API's
// /contacts/completed, v33.0), one contact, its custom data, state history
// and tags (https://developer.niceincontact.com/API/ReportingAPI).
//
// Polling completed contacts with UpdatedSince, fed back from each poll's
// [ContactPage].LastPollTime, is how a back end learns that contacts
// ended: CXone has no documented push for it.
type ContactsService service

// Contact is a contact (an interaction) as the Reporting and Real-Time
// APIs write it, with the field names of v33.0. The names v23.0 uses
// instead (fromAddr, toAddr, contactStart, mediaType, confSeconds, and
// tags' Contact_Id, TagId, TagName) are read into the same fields.
//
// The reporting API names no ANI, DNIS or end time: on an inbound voice
// contact FromAddress is the caller (ANI) and ToAddress the number dialled
// (DNIS); see [Contact.End].
type Contact struct {
	ContactID               int64        `json:"contactId"`
	MasterContactID         int64        `json:"masterContactId,omitempty"`
	AgentID                 int64        `json:"agentId,omitempty"`
	FirstName               string       `json:"firstName,omitempty"`
	LastName                string       `json:"lastName,omitempty"`
	FromAddress             string       `json:"fromAddress,omitempty"`
	ToAddress               string       `json:"toAddress,omitempty"`
	ContactStartDate        Time         `json:"contactStartDate,omitzero"`
	LastUpdateTime          Time         `json:"lastUpdateTime,omitzero"`
	MediaTypeID             int          `json:"mediaTypeId,omitempty"`
	MediaTypeName           string       `json:"mediaTypeName,omitempty"`
	MediaSubTypeID          int          `json:"mediaSubTypeId,omitempty"`
	MediaSubTypeName        string       `json:"mediaSubTypeName,omitempty"`
	SkillID                 int64        `json:"skillId,omitempty"`
	SkillName               string       `json:"skillName,omitempty"`
	TeamID                  int64        `json:"teamId,omitempty"`
	TeamName                string       `json:"teamName,omitempty"`
	CampaignID              int64        `json:"campaignId,omitempty"`
	CampaignName            string       `json:"campaignName,omitempty"`
	PointOfContactID        int64        `json:"pointOfContactId,omitempty"`
	PointOfContactName      string       `json:"pointOfContactName,omitempty"`
	PrimaryDispositionID    int64        `json:"primaryDispositionId,omitempty"`
	SecondaryDispositionID  int64        `json:"secondaryDispositionId,omitempty"`
	DispositionNotes        string       `json:"dispositionNotes,omitempty"`
	IsOutbound              bool         `json:"isOutbound"`
	IsLogged                bool         `json:"isLogged"`
	IsRefused               bool         `json:"isRefused"`
	IsTakeover              bool         `json:"isTakeover"`
	IsShortAbandon          bool         `json:"isShortAbandon"`
	Abandoned               bool         `json:"abandoned"`
	AbandonSeconds          float64      `json:"abandonSeconds,omitempty"`
	ACWSeconds              float64      `json:"acwSeconds,omitempty"`
	AgentSeconds            float64      `json:"agentSeconds,omitempty"`
	ConferenceSeconds       float64      `json:"conferenceSeconds,omitempty"`
	HoldCount               int          `json:"holdCount,omitempty"`
	HoldSeconds             float64      `json:"holdSeconds,omitempty"`
	InQueueSeconds          float64      `json:"inQueueSeconds,omitempty"`
	PostQueueSeconds        float64      `json:"postQueueSeconds,omitempty"`
	PreQueueSeconds         float64      `json:"preQueueSeconds,omitempty"`
	ReleaseSeconds          float64      `json:"releaseSeconds,omitempty"`
	TotalDurationSeconds    float64      `json:"totalDurationSeconds,omitempty"`
	EndReason               string       `json:"endReason,omitempty"`
	RefuseReason            string       `json:"refuseReason,omitempty"`
	TransferIndicatorID     int64        `json:"transferIndicatorId,omitempty"`
	TransferIndicatorName   string       `json:"transferIndicatorName,omitempty"`
	StateID                 int          `json:"stateId,omitempty"`
	StateName               string       `json:"stateName,omitempty"`
	DigitalContactStateID   int          `json:"digitalContactStateId,omitempty"`
	DigitalContactStateName string       `json:"digitalContactStateName,omitempty"`
	IsActive                bool         `json:"isActive"`
	IsWarehoused            bool         `json:"isWarehoused"`
	DateContactWarehoused   Time         `json:"dateContactWarehoused,omitzero"`
	DateACWWarehoused       Time         `json:"dateACWWarehoused,omitzero"`
	Tags                    []ContactTag `json:"tags,omitempty"`
}

// ContactTag is a tag applied to a contact.
type ContactTag struct {
	ContactID int64  `json:"contactId,omitempty"`
	TagID     int64  `json:"tagId"`
	TagName   string `json:"tagName,omitempty"`
}

// UnmarshalJSON reads v33.0's names and v23.0's (Contact_Id; TagId and
// TagName match tagId and tagName already, JSON keys being matched without
// regard to case).
func (t *ContactTag) UnmarshalJSON(b []byte) error {
	type plain ContactTag
	var v struct {
		plain
		ContactIDv23 int64 `json:"Contact_Id"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*t = ContactTag(v.plain)
	if t.ContactID == 0 {
		t.ContactID = v.ContactIDv23
	}
	return nil
}

// UnmarshalJSON reads a contact in v33.0's names or v23.0's.
func (c *Contact) UnmarshalJSON(b []byte) error {
	type plain Contact
	var v struct {
		plain
		FromAddr     string          `json:"fromAddr"`
		ToAddr       string          `json:"toAddr"`
		ContactStart Time            `json:"contactStart"`
		MediaType    json.RawMessage `json:"mediaType"`
		ConfSeconds  float64         `json:"confSeconds"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = Contact(v.plain)
	if c.FromAddress == "" {
		c.FromAddress = v.FromAddr
	}
	if c.ToAddress == "" {
		c.ToAddress = v.ToAddr
	}
	if c.ContactStartDate.IsZero() {
		c.ContactStartDate = v.ContactStart
	}
	if c.MediaTypeID == 0 {
		c.MediaTypeID, _ = strconv.Atoi(rest.JSONText(v.MediaType))
	}
	if c.ConferenceSeconds == 0 {
		c.ConferenceSeconds = v.ConfSeconds
	}
	return nil
}

// End is when the contact ended: its start plus its total duration.
// CXone's Reporting API has no end-time field; this is an inference (see
// the package's unconfirmed facts). Zero when the start is unknown.
func (c *Contact) End() time.Time { return contactEnd(c) }

// Direction is "outbound" or "inbound", from IsOutbound.
func (c *Contact) Direction() string {
	if c.IsOutbound {
		return "outbound"
	}
	return "inbound"
}

// TagNames returns the names of the contact's tags.
func (c *Contact) TagNames() []string {
	names := make([]string, 0, len(c.Tags))
	for _, t := range c.Tags {
		names = append(names, t.TagName)
	}
	return names
}

// ActiveContactListOptions filter GET /contacts/active.
type ActiveContactListOptions struct {
	ListOptions
	// UpdatedSince lists the contacts changed since then.
	UpdatedSince time.Time `url:"-"`
	MediaTypeID  int       `url:"mediaTypeId,omitempty"`
	SkillID      int64     `url:"skillId,omitempty"`
	CampaignID   int64     `url:"campaignId,omitempty"`
	AgentID      int64     `url:"agentId,omitempty"`
	TeamID       int64     `url:"teamId,omitempty"`
	ToAddress    string    `url:"toAddress,omitempty"`
	FromAddress  string    `url:"fromAddress,omitempty"`
	StateID      int       `url:"stateId,omitempty"`
	ContactID    int64     `url:"contactId,omitempty"`
}

func (s *ContactsService) activeList(opts *ActiveContactListOptions) (*list, string, error) {
	if opts == nil {
		opts = &ActiveContactListOptions{}
	}
	extra := url.Values{}
	if !opts.UpdatedSince.IsZero() {
		extra.Set("updatedSince", formatQueryTime(opts.UpdatedSince))
	}
	return newList(apiPath(v23, "/contacts/active"), opts, &opts.ListOptions, extra, contactListKeys("active")...)
}

// Active walks GET /contacts/active.
func (s *ContactsService) Active(ctx context.Context, opts *ActiveContactListOptions) iter.Seq2[Contact, error] {
	l, start, err := s.activeList(opts)
	if err != nil {
		return failed[Contact](err)
	}
	return listAll[Contact](ctx, s.client, l, start)
}

// ActivePage fetches one page of GET /contacts/active.
func (s *ContactsService) ActivePage(ctx context.Context, opts *ActiveContactListOptions) (*ContactPage, error) {
	l, start, err := s.activeList(opts)
	if err != nil {
		return nil, err
	}
	return contactPage(ctx, s.client, l, start)
}

// CompletedContactListOptions filter GET /contacts/completed.
type CompletedContactListOptions struct {
	ListOptions
	// StartDate and EndDate bound the contacts' start.
	StartDate time.Time `url:"-"`
	EndDate   time.Time `url:"-"`
	// UpdatedSince lists the contacts changed since then: give the
	// LastPollTime of the previous poll's first page.
	UpdatedSince time.Time `url:"-"`
	MediaTypeID  int       `url:"mediaTypeId,omitempty"`
	SkillID      int64     `url:"skillId,omitempty"`
	CampaignID   int64     `url:"campaignId,omitempty"`
	AgentID      int64     `url:"agentId,omitempty"`
	TeamID       int64     `url:"teamId,omitempty"`
	ToAddress    string    `url:"toAddress,omitempty"`
	FromAddress  string    `url:"fromAddress,omitempty"`
	IsLogged     *bool     `url:"isLogged,omitempty"`
	IsRefused    *bool     `url:"isRefused,omitempty"`
	IsTakeover   *bool     `url:"isTakeover,omitempty"`
}

func (s *ContactsService) completedList(opts *CompletedContactListOptions) (*list, string, error) {
	if opts == nil {
		opts = &CompletedContactListOptions{}
	}
	extra := url.Values{}
	for name, t := range map[string]time.Time{"startDate": opts.StartDate, "endDate": opts.EndDate, "updatedSince": opts.UpdatedSince} {
		if !t.IsZero() {
			extra.Set(name, formatQueryTime(t))
		}
	}
	if !opts.StartDate.IsZero() && !opts.EndDate.IsZero() && opts.EndDate.Before(opts.StartDate) {
		return nil, "", invalidf("end date %s is before start date %s", formatQueryTime(opts.EndDate), formatQueryTime(opts.StartDate))
	}
	return newList(apiPath(v33, "/contacts/completed"), opts, &opts.ListOptions, extra, contactListKeys("completed")...)
}

// Completed walks GET /contacts/completed.
func (s *ContactsService) Completed(ctx context.Context, opts *CompletedContactListOptions) iter.Seq2[Contact, error] {
	l, start, err := s.completedList(opts)
	if err != nil {
		return failed[Contact](err)
	}
	return listAll[Contact](ctx, s.client, l, start)
}

// CompletedPage fetches one page of GET /contacts/completed, with the
// lastPollTime to poll from next.
func (s *ContactsService) CompletedPage(ctx context.Context, opts *CompletedContactListOptions) (*ContactPage, error) {
	l, start, err := s.completedList(opts)
	if err != nil {
		return nil, err
	}
	return contactPage(ctx, s.client, l, start)
}

// ContactPage is one page of a contact list, with what CXone says beside
// it.
type ContactPage struct {
	deskbridge.Page[Contact]
	// LastPollTime is CXone's time of this answer: the UpdatedSince of
	// the next poll. Zero when CXone sent none (a 204).
	LastPollTime time.Time
	// BusinessUnitID is the business unit the contacts belong to.
	BusinessUnitID int64
}

func contactPage(ctx context.Context, c *Client, l *list, start string) (*ContactPage, error) {
	var m listMeta
	p, err := listPage[Contact](ctx, c, l, start, &m)
	if err != nil {
		return nil, err
	}
	return &ContactPage{Page: *p, LastPollTime: m.LastPollTime.Time, BusinessUnitID: m.BusinessUnitID}, nil
}

// Get fetches GET /contacts/{contactId} (v33.0).
func (s *ContactsService) Get(ctx context.Context, contactID int64) (*Contact, error) {
	if err := checkID("contact", contactID); err != nil {
		return nil, err
	}
	rc, err := s.client.api(ctx)
	if err != nil {
		return nil, err
	}
	path := apiPath(v33, "/contacts/%d", contactID)
	var body []byte
	if _, err := rc.Do(ctx, &rest.Request{Path: path}, &body); err != nil {
		return nil, err
	}
	ct, err := decodeContact(body)
	if err != nil {
		return nil, fmt.Errorf("cxone: GET %s: %w", path, err)
	}
	return ct, nil
}

// CustomData is one name/value pair set on a contact (a Studio script's
// variable, or POST …/interactions/{contactId}/custom-data).
type CustomData struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CustomData returns the custom data of a contact: GET
// /contacts/{contactId}/custom-data, {"contactCustomData": […]}.
func (s *ContactsService) CustomData(ctx context.Context, contactID int64) ([]CustomData, error) {
	if err := checkID("contact", contactID); err != nil {
		return nil, err
	}
	l, _, err := newList(apiPath(v23, "/contacts/%d/custom-data", contactID), nil, &ListOptions{}, nil, "contactCustomData")
	if err != nil {
		return nil, err
	}
	return collect(listAll[CustomData](ctx, s.client, l, ""))
}

// StateHistory returns the states a contact went through: GET
// /contacts/{contactId}/state-history, {"contactStateHistory": […]}.
func (s *ContactsService) StateHistory(ctx context.Context, contactID int64) ([]ContactState, error) {
	if err := checkID("contact", contactID); err != nil {
		return nil, err
	}
	l, _, err := newList(apiPath(v23, "/contacts/%d/state-history", contactID), nil, &ListOptions{}, nil, "contactStateHistory")
	if err != nil {
		return nil, err
	}
	return collect(listAll[ContactState](ctx, s.client, l, ""))
}

// AddTags applies tags to a contact: POST /contacts/{contactId}/tags
// (v23.0, as the SDK calls it). The body's shape is a guess (see the
// package's unconfirmed facts).
func (s *ContactsService) AddTags(ctx context.Context, contactID int64, tagIDs ...int64) error {
	if err := checkID("contact", contactID); err != nil {
		return err
	}
	if len(tagIDs) == 0 {
		return invalidf("no tag to add")
	}
	for _, id := range tagIDs {
		if err := checkID("tag", id); err != nil {
			return err
		}
	}
	rc, err := s.client.api(ctx)
	if err != nil {
		return err
	}
	_, err = rc.Do(ctx, &rest.Request{Method: http.MethodPost, Path: apiPath(v23, "/contacts/%d/tags", contactID), Body: tagsBody(tagIDs), Idempotent: true}, nil)
	return err
}
