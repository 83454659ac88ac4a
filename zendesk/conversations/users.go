package conversations

import (
	"context"
	"errors"
	"net/http"

	"github.com/deskbridge/deskbridge"
)

// UsersService manages the app's end users
// (https://developer.zendesk.com/api-reference/conversations/#tag/Users).
type UsersService service

// Create creates a user: POST /v2/apps/{appId}/users. A user whose
// ExternalID exists already is refused with a 409 (an [*Error] matching
// [deskbridge.ErrConflict], Code [CodeConflict]); [UsersService.GetOrCreate]
// handles it.
func (s *UsersService) Create(ctx context.Context, u *UserInput) (*User, error) {
	const op = "Users.Create"
	if u == nil {
		return nil, invalid(op, "user", "is nil")
	}
	if err := checkUser(op, u, true); err != nil {
		return nil, err
	}
	return send[User](ctx, s.client, &call{op: op, method: http.MethodPost, path: s.client.appPath("/users"), body: u}, "user")
}

// Get returns the user with this id or external id (the path takes
// either): GET /v2/apps/{appId}/users/{userIdOrExternalId}. A user that does
// not exist is a 404 matching [deskbridge.ErrNotFound].
func (s *UsersService) Get(ctx context.Context, idOrExternalID string) (*User, error) {
	const op = "Users.Get"
	if err := need(op, "idOrExternalID", idOrExternalID); err != nil {
		return nil, err
	}
	return get[User](ctx, s.client, op, s.client.appPath("/users/%s", idOrExternalID), "user")
}

// GetOrCreate returns the user whose external id is u.ExternalID, creating
// it when there is none; created says which. A user created by another
// caller between the two requests (a 409) is fetched.
func (s *UsersService) GetOrCreate(ctx context.Context, u *UserInput) (user *User, created bool, err error) {
	const op = "Users.GetOrCreate"
	if u == nil {
		return nil, false, invalid(op, "user", "is nil")
	}
	if err := checkUser(op, u, true); err != nil {
		return nil, false, err
	}
	user, err = s.Get(ctx, u.ExternalID)
	if !errors.Is(err, deskbridge.ErrNotFound) {
		return user, false, err
	}
	user, err = s.Create(ctx, u)
	if errors.Is(err, deskbridge.ErrConflict) {
		user, err = s.Get(ctx, u.ExternalID)
		return user, false, err
	}
	return user, err == nil, err
}

// Update changes the fields u sets on the user with this id or external
// id: PATCH /v2/apps/{appId}/users/{userIdOrExternalId}.
func (s *UsersService) Update(ctx context.Context, idOrExternalID string, u *UserInput) (*User, error) {
	const op = "Users.Update"
	if err := need(op, "idOrExternalID", idOrExternalID); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, invalid(op, "user", "is nil")
	}
	if err := checkUser(op, u, false); err != nil {
		return nil, err
	}
	return send[User](ctx, s.client, &call{op: op, method: http.MethodPatch, path: s.client.appPath("/users/%s", idOrExternalID), body: u, idempotent: true}, "user")
}

// Delete deletes the user, its conversations' messages and its
// attachments: DELETE /v2/apps/{appId}/users/{userIdOrExternalId}.
func (s *UsersService) Delete(ctx context.Context, idOrExternalID string) error {
	const op = "Users.Delete"
	if err := need(op, "idOrExternalID", idOrExternalID); err != nil {
		return err
	}
	return s.client.del(ctx, op, s.client.appPath("/users/%s", idOrExternalID))
}

// DeletePersonalInformation removes the user's personal information
// (profile, identities, clients' details) and keeps the user and its
// messages, for a GDPR request: DELETE
// /v2/apps/{appId}/users/{userIdOrExternalId}/personalinformation. It
// returns the user as it is left.
func (s *UsersService) DeletePersonalInformation(ctx context.Context, idOrExternalID string) (*User, error) {
	const op = "Users.DeletePersonalInformation"
	if err := need(op, "idOrExternalID", idOrExternalID); err != nil {
		return nil, err
	}
	return sendOptional[User](ctx, s.client, &call{op: op, method: http.MethodDelete, path: s.client.appPath("/users/%s/personalinformation", idOrExternalID)}, "user")
}

// Sync copies the name, external id and primary email of the Zendesk
// Support user with this id onto its messaging user: POST
// /v2/apps/{appId}/users/{zendeskId}/sync. survivingZendeskID, when not
// empty, names the Support user that survived a merge. It returns the
// user when the API gives it back (nil otherwise).
func (s *UsersService) Sync(ctx context.Context, zendeskID, survivingZendeskID string) (*User, error) {
	const op = "Users.Sync"
	if err := need(op, "zendeskID", zendeskID); err != nil {
		return nil, err
	}
	body := struct {
		SurvivingZendeskID string `json:"survivingZendeskId,omitempty"`
	}{survivingZendeskID}
	return sendOptional[User](ctx, s.client, &call{op: op, method: http.MethodPost, path: s.client.appPath("/users/%s/sync", zendeskID), body: body}, "user")
}
