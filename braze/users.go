package braze

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Batching limits of one /users/track request
// (https://www.braze.com/docs/api/api_limits/). Which one a workspace has
// is not something Braze's API tells: [UsersService.Track] keeps within
// MaxTrackObjects unless the client is built [WithLegacyTrackBatching].
const (
	// MaxTrackObjects is how many objects one request may carry in all,
	// attributes, events and purchases combined, on Braze's current limits.
	MaxTrackObjects = 75
	// MaxTrackPerKind is how many attributes, events and purchases one
	// request may carry each on Braze's legacy limits (225 objects in all).
	MaxTrackPerKind = 75
)

// UsersService tracks, identifies and exports user profiles.
type UsersService service

// UserAttributes sets profile fields and custom attributes on one user.
// One of ExternalID, UserAlias, BrazeID, Email and Phone identifies the
// user (Email wins over Phone); with ExternalID, Email and Phone are set as
// fields.
type UserAttributes struct {
	ExternalID string     `json:"external_id,omitempty"`
	UserAlias  *UserAlias `json:"user_alias,omitempty"`
	BrazeID    string     `json:"braze_id,omitempty"`
	Email      string     `json:"email,omitempty"`
	Phone      string     `json:"phone,omitempty"`
	// UpdateExistingOnly, sent as "_update_existing_only", must be false to
	// create an alias-only user.
	UpdateExistingOnly *bool                    `json:"_update_existing_only,omitempty"`
	SubscriptionGroups []SubscriptionGroupState `json:"subscription_groups,omitempty"`
	// Attributes are the profile fields ("first_name", "home_city"…) and
	// custom attributes, sent beside the identifiers.
	Attributes map[string]any `json:"-"`
}

// SubscriptionGroupState sets one subscription group's state.
type SubscriptionGroupState struct {
	SubscriptionGroupID string `json:"subscription_group_id"`
	SubscriptionState   string `json:"subscription_state"`
}

// MarshalJSON flattens Attributes beside the identifiers, keys sorted.
// ([UsersService.Track] refuses Attributes keys that repeat a field, so
// none collide.)
func (u UserAttributes) MarshalJSON() ([]byte, error) { return u.appendJSON(nil) }

// appendJSON appends u as one JSON object: the fields in their order, left
// out when empty as their tags say, then the attributes.
func (u *UserAttributes) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	start := len(b)
	member := func(name string) {
		if len(b) > start {
			b = append(b, ',')
		}
		b = append(b, name...)
	}
	str := func(name, v string) {
		if v != "" {
			member(name)
			b = appendJSONString(b, v)
		}
	}
	str(`"external_id":`, u.ExternalID)
	if a := u.UserAlias; a != nil {
		member(`"user_alias":{"alias_name":`)
		b = appendJSONString(b, a.AliasName)
		b = append(b, `,"alias_label":`...)
		b = appendJSONString(b, a.AliasLabel)
		b = append(b, '}')
	}
	str(`"braze_id":`, u.BrazeID)
	str(`"email":`, u.Email)
	str(`"phone":`, u.Phone)
	if u.UpdateExistingOnly != nil {
		member(`"_update_existing_only":`)
		b = strconv.AppendBool(b, *u.UpdateExistingOnly)
	}
	if len(u.SubscriptionGroups) > 0 {
		member(`"subscription_groups":[`)
		for i, g := range u.SubscriptionGroups {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"subscription_group_id":`...)
			b = appendJSONString(b, g.SubscriptionGroupID)
			b = append(b, `,"subscription_state":`...)
			b = appendJSONString(b, g.SubscriptionState)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b, err := appendJSONMembers(b, u.Attributes, len(b) > start)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// Event is one custom event.
type Event struct {
	ExternalID string     `json:"external_id,omitempty"`
	UserAlias  *UserAlias `json:"user_alias,omitempty"`
	BrazeID    string     `json:"braze_id,omitempty"`
	Email      string     `json:"email,omitempty"`
	Phone      string     `json:"phone,omitempty"`
	AppID      string     `json:"app_id,omitempty"`
	Name       string     `json:"name"`
	// Time is when the event happened; a future time is taken as now.
	Time               time.Time      `json:"time"`
	Properties         map[string]any `json:"properties,omitempty"`
	UpdateExistingOnly *bool          `json:"_update_existing_only,omitempty"`
}

// Purchase is one purchase.
type Purchase struct {
	ExternalID string     `json:"external_id,omitempty"`
	UserAlias  *UserAlias `json:"user_alias,omitempty"`
	BrazeID    string     `json:"braze_id,omitempty"`
	Email      string     `json:"email,omitempty"`
	Phone      string     `json:"phone,omitempty"`
	AppID      string     `json:"app_id,omitempty"`
	ProductID  string     `json:"product_id"`
	// Currency is an ISO 4217 code ("USD").
	Currency string  `json:"currency"`
	Price    float64 `json:"price"`
	// Quantity defaults to 1 on Braze's side; at most 100.
	Quantity           int            `json:"quantity,omitempty"`
	Time               time.Time      `json:"time"`
	Properties         map[string]any `json:"properties,omitempty"`
	UpdateExistingOnly *bool          `json:"_update_existing_only,omitempty"`
}

// TrackRequest is the input of [UsersService.Track]: any number of each kind.
type TrackRequest struct {
	Attributes []UserAttributes `json:"attributes,omitempty"`
	Events     []Event          `json:"events,omitempty"`
	Purchases  []Purchase       `json:"purchases,omitempty"`
}

// TrackResult sums the answers of the requests [UsersService.Track] made.
type TrackResult struct {
	// Response holds the last answer's message and status; its Errors are
	// every request's minor errors, indexed into the caller's arrays, and
	// Queued is set if any request was queued. Attempts is the total.
	Response
	AttributesProcessed int `json:"attributes_processed,omitempty"`
	EventsProcessed     int `json:"events_processed,omitempty"`
	PurchasesProcessed  int `json:"purchases_processed,omitempty"`
	// Requests is how many requests succeeded.
	Requests int `json:"-"`
	// Sent counts the input items of the successful requests: the first
	// Sent.Attributes attributes, and so on, as requests go in order.
	Sent TrackCounts `json:"-"`
	// Failed counts the input items of the request that failed, the ones
	// after Sent in each array; zero when none did. They were not
	// processed, unless [MaybeSent] reports the error.
	Failed TrackCounts `json:"-"`
}

// TrackCounts counts items of each kind.
type TrackCounts struct{ Attributes, Events, Purchases int }

// trackChunk is one request's share of each array: [from, to).
type trackChunk struct{ a, e, p [2]int }

// counts is how many items of each kind c carries.
func (c trackChunk) counts() TrackCounts {
	return TrackCounts{c.a[1] - c.a[0], c.e[1] - c.e[0], c.p[1] - c.p[0]}
}

// trackLimit is how many objects one users/track request may carry: at
// most perKind of each array, total in all (see trackBatchLimit).
type trackLimit struct{ perKind, total int }

// planTrack splits the input into requests within lim, keeping Braze's
// processing order across requests: all attributes, then all events, then
// all purchases (Braze processes a request's attributes, then its events,
// then its purchases). Events start in the request that carries the last
// attributes, purchases in the one that carries the last events; each
// request is filled up to lim in that order.
func planTrack(na, ne, np int, lim trackLimit) []trackChunk {
	var out []trackChunk
	a, e, p := 0, 0, 0
	for a < na || e < ne || p < np {
		room := lim.total
		take := func(from, n int) [2]int {
			k := min(n-from, lim.perKind, room)
			room -= k
			return [2]int{from, from + k}
		}
		c := trackChunk{e: [2]int{e, e}, p: [2]int{p, p}}
		c.a = take(a, na)
		a = c.a[1]
		if a == na {
			c.e = take(e, ne)
			e = c.e[1]
			if e == ne {
				c.p = take(p, np)
				p = c.p[1]
			}
		}
		out = append(out, c)
	}
	return out
}

// Track records attributes, events and purchases. Input beyond what one
// request may carry (75 objects in all, or 75 of each kind with
// [WithLegacyTrackBatching]) is split into as many requests as needed and
// sent in order (see planTrack). Every item is checked, and every request encoded, before the
// first is sent: a [*ValidationError] means nothing was sent. Minor errors
// of every request come back on the result, indexed into req's arrays.
//
// When a request fails, Track stops: it returns what the successful
// requests did (result.Sent, result.Requests) and the items of the failed
// one (result.Failed), with an error that says how many requests were
// sent. The requests after the failed one were not sent. The failed one
// was not processed after a 4xx or a failure to connect; after a 5xx or a
// connection lost once the request had left, Braze may have processed it,
// and [MaybeSent] reports the error: check before sending those items
// again, as an event sent twice is counted twice. A 5xx is not retried, for
// the same reason. Unless the failure is of that kind, the failure of the
// first request is returned as the client returned it.
func (s *UsersService) Track(ctx context.Context, req *TrackRequest) (*TrackResult, error) {
	const op = "Users.Track"
	if err := checkTrack(op, req); err != nil {
		return nil, err
	}
	plan := planTrack(len(req.Attributes), len(req.Events), len(req.Purchases), s.client.trackLimit)
	buf, ends, err := trackBodies(req, plan)
	if err != nil {
		var ie *itemError
		if errors.As(err, &ie) {
			return nil, invalid(op, ie.field, "cannot be encoded as JSON: %v", ie.err)
		}
		return nil, invalid(op, "", "cannot be encoded as JSON: %v", err)
	}
	total := new(TrackResult)
	start := 0
	for i, c := range plan {
		body := json.RawMessage(buf[start:ends[i]:ends[i]])
		start = ends[i]
		var out TrackResult
		if err := s.client.post(ctx, "/users/track", body, write, &out); err != nil {
			total.Failed = c.counts()
			return total, trackFailed(op, i, len(plan), total.Sent, err)
		}
		for _, m := range out.Errors {
			total.Errors = append(total.Errors, reindexMinorError(m, c))
		}
		total.Message, total.StatusCode = out.Message, out.StatusCode
		total.Queued = total.Queued || out.Queued
		total.Attempts += out.Attempts
		total.AttributesProcessed += out.AttributesProcessed
		total.EventsProcessed += out.EventsProcessed
		total.PurchasesProcessed += out.PurchasesProcessed
		total.Requests++
		n := c.counts()
		total.Sent.Attributes += n.Attributes
		total.Sent.Events += n.Events
		total.Sent.Purchases += n.Purchases
	}
	return total, nil
}

// trackError is the failure of request i (from 0) of the n of a Track
// call that sent some before it, or that may have been processed.
type trackError struct {
	msg   string
	maybe bool // Braze may have processed the failed request
	err   error
}

func (e *trackError) Error() string { return e.msg }
func (e *trackError) Unwrap() error { return e.err }

// trackFailed is the error of Track whose request i of n failed with err
// after sent was sent. A failure of the first request that certainly was
// not processed is err itself.
func trackFailed(op string, i, n int, sent TrackCounts, err error) error {
	maybe := mayHaveBeenProcessed(err, false)
	if i == 0 && !maybe {
		return err
	}
	msg := fmt.Sprintf("braze: %s: request %d of %d failed and ", op, i+1, n)
	if maybe {
		msg += "may have been processed by Braze, check before sending its items again"
	} else {
		msg += "was not processed"
	}
	if i > 0 {
		msg += fmt.Sprintf("; the %d before it %s sent (%d attributes, %d events, %d purchases)",
			i, plural(i, "was", "were"), sent.Attributes, sent.Events, sent.Purchases)
	}
	if later := n - i - 1; later > 0 {
		msg += fmt.Sprintf("; the %d after it %s not sent", later, plural(later, "was", "were"))
	}
	return &trackError{msg: msg + ": " + err.Error(), maybe: maybe, err: err}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// trackBodies encodes the body of every request of plan into one buffer,
// before any is sent: request i's body is buf[ends[i-1]:ends[i]].
func trackBodies(req *TrackRequest, plan []trackChunk) (buf []byte, ends []int, err error) {
	ends = make([]int, len(plan))
	if len(plan) > 0 {
		n := plan[0].counts()
		buf = make([]byte, 0, 128*(n.Attributes+n.Events+n.Purchases))
	}
	for i, c := range plan {
		if i == 1 { // the others are much the size of the first
			buf = slices.Grow(buf, (len(buf)+len(buf)/8)*(len(plan)-1))
		}
		if buf, err = trackBody(buf, req, c); err != nil {
			return nil, nil, err
		}
		ends[i] = len(buf)
	}
	return buf, ends, nil
}

// itemError is an item of a users/track array that cannot be encoded.
type itemError struct {
	field string // "events[3]"
	err   error
}

func (e *itemError) Error() string { return e.field + ": " + e.err.Error() }

// trackBody appends the body of the users/track request c of req to b:
// the JSON of a [TrackRequest] holding c's share of each array, encoded once
// into one buffer. An item that cannot be encoded is an *itemError.
func trackBody(b []byte, req *TrackRequest, c trackChunk) ([]byte, error) {
	b = append(b, '{')
	open := len(b) // no member yet while len(b) == open
	var err error
	if attrs := req.Attributes[c.a[0]:c.a[1]]; len(attrs) > 0 {
		b = append(b, `"attributes":[`...)
		for i := range attrs {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = attrs[i].appendJSON(b); err != nil {
				return nil, &itemError{"attributes[" + strconv.Itoa(c.a[0]+i) + "]", err}
			}
		}
		b = append(b, ']')
	}
	if b, err = appendTrackArray(b, len(b) > open, "events", req.Events, c.e); err != nil {
		return nil, err
	}
	if b, err = appendTrackArray(b, len(b) > open, "purchases", req.Purchases, c.p); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendTrackArray appends the member name of a users/track body, holding
// items[r[0]:r[1]], unless that is empty; after a comma if comma is set. It
// looks for the item encoding/json refuses only when there is one.
func appendTrackArray[T any](b []byte, comma bool, name string, items []T, r [2]int) ([]byte, error) {
	if r[0] == r[1] {
		return b, nil
	}
	if comma {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `":`...)
	out, err := appendMarshal(b, items[r[0]:r[1]])
	if err == nil {
		return out, nil
	}
	for i := r[0]; i < r[1]; i++ {
		if _, ierr := json.Marshal(&items[i]); ierr != nil {
			return nil, &itemError{name + "[" + strconv.Itoa(i) + "]", ierr}
		}
	}
	return nil, &itemError{name, err}
}

// reservedAttributeKeys are the members of an attributes object that its
// fields set; Attributes must not repeat them.
var reservedAttributeKeys = [...]string{"external_id", "user_alias", "braze_id", "email", "phone", "_update_existing_only", "subscription_groups"}

// trackID is what names the user of a users/track item.
type trackID struct {
	externalID string
	alias      *UserAlias
	brazeID    string
	email      string
	phone      string
}

// trackItem is a pointer to an item of one users/track array: it says who
// the item names and what, if anything, is wrong with the rest of it.
type trackItem[T any] interface {
	*T
	trackID() trackID
	// problem is "" for a valid item; it formats only for an error.
	problem() string
}

func (a *UserAttributes) trackID() trackID {
	return trackID{a.ExternalID, a.UserAlias, a.BrazeID, a.Email, a.Phone}
}

func (a *UserAttributes) problem() string {
	if len(a.Attributes) == 0 {
		return ""
	}
	for _, k := range reservedAttributeKeys {
		if _, ok := a.Attributes[k]; ok {
			return fmt.Sprintf("set %q with its field, not in Attributes", k)
		}
	}
	return ""
}

func (e *Event) trackID() trackID {
	return trackID{e.ExternalID, e.UserAlias, e.BrazeID, e.Email, e.Phone}
}

func (e *Event) problem() string {
	switch {
	case e.Name == "":
		return "name is required"
	case e.Time.IsZero():
		return "time is required"
	}
	return ""
}

func (p *Purchase) trackID() trackID {
	return trackID{p.ExternalID, p.UserAlias, p.BrazeID, p.Email, p.Phone}
}

func (p *Purchase) problem() string {
	switch {
	case p.ProductID == "":
		return "product_id is required"
	case p.Currency == "":
		return "currency is required"
	case p.Time.IsZero():
		return "time is required"
	case p.Quantity < 0 || p.Quantity > 100:
		return fmt.Sprintf("quantity %d is outside 1..100", p.Quantity)
	}
	return ""
}

// checkTrack checks every item before anything is sent. The name of an
// item ("attributes[3]") is formatted only for an error: the valid items of
// a large input cost no allocation here.
func checkTrack(op string, req *TrackRequest) error {
	if req == nil {
		return invalid(op, "", "the request is nil")
	}
	if len(req.Attributes)+len(req.Events)+len(req.Purchases) == 0 {
		return invalid(op, "", "nothing to track")
	}
	if err := checkTrackItems(op, "attributes", req.Attributes); err != nil {
		return err
	}
	if err := checkTrackItems(op, "events", req.Events); err != nil {
		return err
	}
	return checkTrackItems(op, "purchases", req.Purchases)
}

// checkTrackItems checks the items of the users/track array kind: each
// names its user, and has what its kind requires.
func checkTrackItems[T any, P trackItem[T]](op, kind string, items []T) error {
	for i := range items {
		it := P(&items[i])
		switch id := it.trackID(); {
		case id.externalID == "" && id.alias == nil && id.brazeID == "" && id.email == "" && id.phone == "":
			return invalidAt(op, kind, i, "no identifier: set one of external_id, user_alias, braze_id, email, phone")
		case id.alias != nil && (id.alias.AliasName == "" || id.alias.AliasLabel == ""):
			return invalidAt(op, kind, i, "user_alias needs both alias_name and alias_label")
		}
		if p := it.problem(); p != "" {
			return invalidAt(op, kind, i, "%s", p)
		}
	}
	return nil
}

// AliasToIdentify gives an alias-only user an external ID.
type AliasToIdentify struct {
	ExternalID string    `json:"external_id"`
	UserAlias  UserAlias `json:"user_alias"`
}

// EmailToIdentify gives an email-only user an external ID.
type EmailToIdentify struct {
	ExternalID     string   `json:"external_id"`
	Email          string   `json:"email"`
	Prioritization []string `json:"prioritization"`
}

// PhoneToIdentify gives a phone-only user an external ID.
type PhoneToIdentify struct {
	ExternalID     string   `json:"external_id"`
	Phone          string   `json:"phone"`
	Prioritization []string `json:"prioritization"`
}

// IdentifyRequest is the body of POST /users/identify; at least one list,
// and at most 50 aliases.
type IdentifyRequest struct {
	AliasesToIdentify      []AliasToIdentify `json:"aliases_to_identify,omitempty"`
	EmailsToIdentify       []EmailToIdentify `json:"emails_to_identify,omitempty"`
	PhoneNumbersToIdentify []PhoneToIdentify `json:"phone_numbers_to_identify,omitempty"`
}

// IdentifyResult is the answer to [UsersService.Identify].
type IdentifyResult struct {
	Response
	AliasesProcessed int `json:"aliases_processed,omitempty"`
}

// Identify merges unidentified (alias-, email- or phone-only) profiles into
// the profiles with the given external IDs.
func (s *UsersService) Identify(ctx context.Context, req *IdentifyRequest) (*IdentifyResult, error) {
	const op = "Users.Identify"
	if err := checkIdentify(op, req); err != nil {
		return nil, err
	}
	out := new(IdentifyResult)
	if err := s.client.post(ctx, "/users/identify", req, write, out); err != nil {
		return nil, err
	}
	return out, nil
}

func checkIdentify(op string, req *IdentifyRequest) error {
	if req == nil {
		return invalid(op, "", "the request is nil")
	}
	switch {
	case len(req.AliasesToIdentify)+len(req.EmailsToIdentify)+len(req.PhoneNumbersToIdentify) == 0:
		return invalid(op, "aliases_to_identify", "give aliases, emails or phone numbers to identify")
	case len(req.AliasesToIdentify) > MaxRecipients:
		return invalid(op, "aliases_to_identify", "%d aliases; at most %d per request", len(req.AliasesToIdentify), MaxRecipients)
	}
	for i, a := range req.AliasesToIdentify {
		if a.ExternalID == "" || a.UserAlias.AliasName == "" || a.UserAlias.AliasLabel == "" {
			return invalidAt(op, "aliases_to_identify", i, "needs external_id, alias_name and alias_label")
		}
	}
	for i, e := range req.EmailsToIdentify {
		if e.ExternalID == "" || e.Email == "" {
			return invalidAt(op, "emails_to_identify", i, "needs external_id and email")
		}
		if err := checkIdentifyPrioritization(e.Prioritization); err != nil {
			return invalidAt(op, "emails_to_identify", i, "%v", err)
		}
	}
	for i, p := range req.PhoneNumbersToIdentify {
		if p.ExternalID == "" || p.Phone == "" {
			return invalidAt(op, "phone_numbers_to_identify", i, "needs external_id and phone")
		}
		if err := checkIdentifyPrioritization(p.Prioritization); err != nil {
			return invalidAt(op, "phone_numbers_to_identify", i, "%v", err)
		}
	}
	return nil
}

func checkIdentifyPrioritization(p []string) error {
	if len(p) == 0 {
		return fmt.Errorf("prioritization is required")
	}
	return checkPrioritization(p)
}

// ExportIDsRequest is the body of POST /users/export/ids: up to 50
// ExternalIDs or UserAliases, or one of DeviceID, BrazeID, EmailAddress,
// Phone.
type ExportIDsRequest struct {
	ExternalIDs  []string    `json:"external_ids,omitempty"`
	UserAliases  []UserAlias `json:"user_aliases,omitempty"`
	DeviceID     string      `json:"device_id,omitempty"`
	BrazeID      string      `json:"braze_id,omitempty"`
	EmailAddress string      `json:"email_address,omitempty"`
	Phone        string      `json:"phone,omitempty"`
	// FieldsToExport limits the answer ("first_name", "custom_attributes"…);
	// required for workspaces onboarded from 2024-08-22, and it lifts the
	// rate limit to 40 requests per second.
	FieldsToExport []string `json:"fields_to_export,omitempty"`
}

// ExportIDsResult is the answer to [UsersService.ExportIDs].
type ExportIDsResult struct {
	Response
	Users []ExportedUser `json:"users"`
	// InvalidUserIDs are the identifiers that matched no user.
	InvalidUserIDs []string `json:"invalid_user_ids,omitempty"`
}

// ExportedUser is one exported profile. Missing fields were null or empty;
// Raw holds the whole object for the fields not mapped here (devices,
// push_tokens, apps, campaigns_received…).
type ExportedUser struct {
	ExternalID       string          `json:"external_id,omitempty"`
	BrazeID          string          `json:"braze_id,omitempty"`
	UserAliases      []UserAlias     `json:"user_aliases,omitempty"`
	CreatedAt        string          `json:"created_at,omitempty"`
	FirstName        string          `json:"first_name,omitempty"`
	LastName         string          `json:"last_name,omitempty"`
	Email            string          `json:"email,omitempty"`
	Phone            string          `json:"phone,omitempty"`
	DOB              string          `json:"dob,omitempty"`
	HomeCity         string          `json:"home_city,omitempty"`
	Country          string          `json:"country,omitempty"`
	Language         string          `json:"language,omitempty"`
	TimeZone         string          `json:"time_zone,omitempty"`
	Gender           string          `json:"gender,omitempty"`
	PushSubscribe    string          `json:"push_subscribe,omitempty"`
	EmailSubscribe   string          `json:"email_subscribe,omitempty"`
	TotalRevenue     float64         `json:"total_revenue,omitempty"`
	RandomBucket     int             `json:"random_bucket,omitempty"`
	CustomAttributes map[string]any  `json:"custom_attributes,omitempty"`
	CustomEvents     []ExportedEvent `json:"custom_events,omitempty"`
	Purchases        []ExportedEvent `json:"purchases,omitempty"`
	Raw              json.RawMessage `json:"-"`
}

// ExportedEvent summarizes a custom event or a purchase of the last 90 days.
type ExportedEvent struct {
	Name  string `json:"name"`
	First string `json:"first,omitempty"`
	Last  string `json:"last,omitempty"`
	Count int    `json:"count"`
}

type exportedUserWire ExportedUser

// UnmarshalJSON decodes the mapped fields and keeps the whole object in Raw.
func (u *ExportedUser) UnmarshalJSON(data []byte) error {
	var w exportedUserWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*u = ExportedUser(w)
	u.Raw = append(json.RawMessage(nil), data...)
	return nil
}

// ExportIDs exports the profiles of the given users. It only reads, so it
// is retried like a read.
func (s *UsersService) ExportIDs(ctx context.Context, req *ExportIDsRequest) (*ExportIDsResult, error) {
	const op = "Users.ExportIDs"
	if req == nil {
		return nil, invalid(op, "", "the request is nil")
	}
	switch {
	case len(req.ExternalIDs) > MaxRecipients:
		return nil, invalid(op, "external_ids", "%d IDs; at most %d per request", len(req.ExternalIDs), MaxRecipients)
	case len(req.UserAliases) > MaxRecipients:
		return nil, invalid(op, "user_aliases", "%d aliases; at most %d per request", len(req.UserAliases), MaxRecipients)
	case len(req.ExternalIDs)+len(req.UserAliases) == 0 && req.DeviceID == "" && req.BrazeID == "" && req.EmailAddress == "" && req.Phone == "":
		return nil, invalid(op, "external_ids", "no users: give external IDs, aliases, a device ID, a Braze ID, an email address or a phone")
	case countSet(req.DeviceID, req.EmailAddress, req.Phone) > 1:
		return nil, invalid(op, "device_id", "give one of device_id, email_address and phone per request")
	}
	out := new(ExportIDsResult)
	if err := s.client.post(ctx, "/users/export/ids", req, safe, out); err != nil {
		return nil, err
	}
	return out, nil
}

func countSet(vals ...string) int {
	n := 0
	for _, v := range vals {
		if v != "" {
			n++
		}
	}
	return n
}
