package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// UsersService finds, creates and updates users.
type UsersService service

// User roles.
const (
	RoleEndUser = "end-user"
	RoleAgent   = "agent"
	RoleAdmin   = "admin"
)

// User is a Zendesk user as the API returns it.
type User struct {
	ID                   int64           `json:"id"`
	URL                  string          `json:"url,omitempty"`
	Name                 string          `json:"name,omitempty"`
	Email                string          `json:"email,omitempty"`
	Phone                string          `json:"phone,omitempty"`
	SharedPhoneNumber    *bool           `json:"shared_phone_number,omitempty"`
	ExternalID           string          `json:"external_id,omitempty"`
	Alias                string          `json:"alias,omitempty"`
	Role                 string          `json:"role,omitempty"`
	RoleType             *int            `json:"role_type,omitempty"`
	CustomRoleID         int64           `json:"custom_role_id,omitempty"`
	OrganizationID       int64           `json:"organization_id,omitempty"`
	DefaultGroupID       int64           `json:"default_group_id,omitempty"`
	Active               bool            `json:"active,omitempty"`
	Verified             bool            `json:"verified,omitempty"`
	Suspended            bool            `json:"suspended,omitempty"`
	Shared               bool            `json:"shared,omitempty"`
	SharedAgent          bool            `json:"shared_agent,omitempty"`
	Moderator            bool            `json:"moderator,omitempty"`
	RestrictedAgent      bool            `json:"restricted_agent,omitempty"`
	OnlyPrivateComments  bool            `json:"only_private_comments,omitempty"`
	TicketRestriction    string          `json:"ticket_restriction,omitempty"`
	Locale               string          `json:"locale,omitempty"`
	LocaleID             int64           `json:"locale_id,omitempty"`
	TimeZone             string          `json:"time_zone,omitempty"`
	IANATimeZone         string          `json:"iana_time_zone,omitempty"`
	Tags                 []string        `json:"tags,omitempty"`
	Details              string          `json:"details,omitempty"`
	Notes                string          `json:"notes,omitempty"`
	Signature            string          `json:"signature,omitempty"`
	Photo                json.RawMessage `json:"photo,omitempty"`
	TwoFactorAuthEnabled *bool           `json:"two_factor_auth_enabled,omitempty"`
	// UserFields holds the values of custom user fields, keyed by field
	// key, as sent (a string, number, boolean, date string or null).
	UserFields  map[string]json.RawMessage `json:"user_fields,omitempty"`
	LastLoginAt time.Time                  `json:"last_login_at,omitzero"`
	CreatedAt   time.Time                  `json:"created_at,omitzero"`
	UpdatedAt   time.Time                  `json:"updated_at,omitzero"`
}

// UserFieldString returns the value of a text-like custom user field (text,
// textarea, regexp, dropdown, date) and whether it is set.
func (u *User) UserFieldString(key string) (string, bool) {
	raw, ok := u.UserFields[key]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// UserInput is what Create, Update and CreateOrUpdate send. Zero fields are
// left out.
type UserInput struct {
	Name           string   `json:"name,omitempty"`
	Email          string   `json:"email,omitempty"`
	Phone          string   `json:"phone,omitempty"`
	ExternalID     string   `json:"external_id,omitempty"`
	Alias          string   `json:"alias,omitempty"`
	Role           string   `json:"role,omitempty"`
	CustomRoleID   int64    `json:"custom_role_id,omitempty"`
	OrganizationID int64    `json:"organization_id,omitempty"`
	DefaultGroupID int64    `json:"default_group_id,omitempty"`
	Verified       *bool    `json:"verified,omitempty"`
	Suspended      *bool    `json:"suspended,omitempty"`
	Locale         string   `json:"locale,omitempty"`
	TimeZone       string   `json:"time_zone,omitempty"`
	Tags           []string `json:"tags,omitzero"`
	Details        string   `json:"details,omitempty"`
	Notes          string   `json:"notes,omitempty"`
	// UserFields sets custom user fields by key; a nil value clears one.
	UserFields map[string]any `json:"user_fields,omitempty"`
	// Identities adds identities on creation ({"type": "email", "value": ...}).
	Identities []Identity `json:"identities,omitempty"`
	// SkipVerifyEmail creates the user without sending the verification
	// email.
	SkipVerifyEmail bool `json:"skip_verify_email,omitempty"`
}

// Identity is one way to reach a user (email, phone_number, twitter, ...).
type Identity struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type userInputEnvelope struct {
	User *UserInput `json:"user"`
}

// Get returns the user with id.
func (s *UsersService) Get(ctx context.Context, id int64) (*User, error) {
	if id <= 0 {
		return nil, invalid("user id %d", id)
	}
	return rest.Get[User](ctx, s.client.rest, rest.Pathf("/api/v2/users/%d", id), nil, "user")
}

// Me returns the authenticated user.
func (s *UsersService) Me(ctx context.Context) (*User, error) {
	return rest.Get[User](ctx, s.client.rest, "/api/v2/users/me", nil, "user")
}

// Create creates a user. It is not replayed after a 5xx (a second attempt
// could create a duplicate end user); CreateOrUpdate is.
func (s *UsersService) Create(ctx context.Context, in *UserInput) (*User, error) {
	if in == nil {
		return nil, invalid("user input is nil")
	}
	return rest.Send[User](ctx, s.client.rest, &rest.Request{Method: http.MethodPost, Path: "/api/v2/users", Body: &userInputEnvelope{in}}, "user")
}

// CreateOrUpdate creates the user, or updates the one that has the same
// email or external_id (external ids match case-insensitively), and reports
// which it did: created is true for Zendesk's 201, false for its 200. The
// role defaults to end-user. Since a second attempt finds what the first
// created, it is retried like a read.
func (s *UsersService) CreateOrUpdate(ctx context.Context, in *UserInput) (u *User, created bool, err error) {
	if in == nil {
		return nil, false, invalid("user input is nil")
	}
	if in.Email == "" && in.ExternalID == "" {
		return nil, false, invalid("CreateOrUpdate needs an email or an external_id to match on")
	}
	var out struct {
		User *User `json:"user"`
	}
	resp, err := s.client.rest.Do(ctx, &rest.Request{
		Method:     http.MethodPost,
		Path:       "/api/v2/users/create_or_update",
		Body:       &userInputEnvelope{in},
		Idempotent: true,
	}, &out)
	if err != nil {
		return nil, false, err
	}
	if out.User == nil {
		return nil, false, fmt.Errorf("zendesk: POST /api/v2/users/create_or_update: the answer has no \"user\"")
	}
	return out.User, resp.StatusCode == http.StatusCreated, nil
}

// Update changes the user with id.
func (s *UsersService) Update(ctx context.Context, id int64, in *UserInput) (*User, error) {
	if id <= 0 {
		return nil, invalid("user id %d", id)
	}
	if in == nil {
		return nil, invalid("user input is nil")
	}
	return rest.Send[User](ctx, s.client.rest, &rest.Request{Method: http.MethodPut, Path: rest.Pathf("/api/v2/users/%d", id), Body: &userInputEnvelope{in}}, "user")
}

// MaxUserSearchResults is the most users one user search returns (offset
// pagination stops after 100 pages of 100).
const MaxUserSearchResults = 10000

// UserSearchOptions refine [UsersService.Search].
type UserSearchOptions struct {
	// ExternalID finds the user with this external id (exact match); the
	// query may then be empty.
	ExternalID string `url:"external_id,omitempty"`
	OffsetOptions
}

// Search iterates over the users matching query (Zendesk search syntax:
// "email@example.com", "role:agent", "phone:+15551234567", ...). The
// endpoint only has offset pagination: at most 100 users per page, and no
// more than 10,000 users per query ([MaxUserSearchResults]; Zendesk answers
// 400 past that): the iterator then ends with an error matching
// [ErrResultLimit]; narrow the query for more. opts may be nil; it is copied,
// never modified.
func (s *UsersService) Search(ctx context.Context, query string, opts *UserSearchOptions) iter.Seq2[*User, error] {
	return usersSearch(query, opts).capped(ctx, s.client, MaxUserSearchResults, "narrow the query")
}

// SearchPage returns one page of Search, with the number of matching users
// in Total; put its Next (a page number) into opts.Page to fetch the next.
func (s *UsersService) SearchPage(ctx context.Context, query string, opts *UserSearchOptions) (*deskbridge.Page[*User], error) {
	return usersSearch(query, opts).page(ctx, s.client)
}

func usersSearch(query string, opts *UserSearchOptions) listing[*User] {
	q := struct {
		Query string `url:"query,omitempty"`
		UserSearchOptions
	}{query, copyOpts(opts)}
	return offsetList[*User]("/api/v2/users/search", &q.OffsetOptions, &q, "users").
		refuse(query == "" && q.ExternalID == "", "user search needs a query or an external id")
}
