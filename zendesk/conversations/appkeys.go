package conversations

import (
	"context"
	"net/http"
)

// AppKeysService manages the app's API keys
// (https://developer.zendesk.com/api-reference/conversations/#tag/AppKeys):
// the "app" scope keys Admin Center makes under Apps and integrations ›
// Conversations API. These are account provisioning calls: they need an
// account key (act_… or svc_…, [KeyAccount] or [KeyServiceAccount]), which
// only direct Sunshine Conversations accounts have; an app key or an
// integration key is refused (403), so on a Zendesk account app keys are
// made in Admin Center. An app holds at most [MaxKeysPerApp] keys.
type AppKeysService service

// MaxKeysPerApp is how many API keys an app holds (the API reference's
// App Keys tag); a custom integration holds as many.
const MaxKeysPerApp = 10

// Create creates an app key: POST /v2/apps/{appId}/keys with
// {"displayName"}. The answer holds the key's secret, which the API shows
// only here: store it. The client never shows the secret in an error or a
// log record from then on.
func (s *AppKeysService) Create(ctx context.Context, displayName string) (*APIKey, error) {
	return s.client.createKey(ctx, "AppKeys.Create", s.client.appPath("/keys"), displayName)
}

// List returns the app's keys, without their secrets: GET
// /v2/apps/{appId}/keys.
func (s *AppKeysService) List(ctx context.Context) ([]APIKey, error) {
	return s.client.listKeys(ctx, "AppKeys.List", s.client.appPath("/keys"))
}

// Get returns one of the app's keys: GET /v2/apps/{appId}/keys/{keyId}.
func (s *AppKeysService) Get(ctx context.Context, keyID string) (*APIKey, error) {
	const op = "AppKeys.Get"
	if err := need(op, "keyID", keyID); err != nil {
		return nil, err
	}
	return get[APIKey](ctx, s.client, op, s.client.appPath("/keys/%s", keyID), "key")
}

// Delete revokes one of the app's keys: DELETE
// /v2/apps/{appId}/keys/{keyId}. Whoever holds it is refused from then on.
func (s *AppKeysService) Delete(ctx context.Context, keyID string) error {
	const op = "AppKeys.Delete"
	if err := need(op, "keyID", keyID); err != nil {
		return err
	}
	return s.client.del(ctx, op, s.client.appPath("/keys/%s", keyID))
}

// createKey posts {"displayName"} to path (an app's or a custom
// integration's keys) and keeps the new secret out of errors and logs.
func (c *Client) createKey(ctx context.Context, op, path, displayName string) (*APIKey, error) {
	if err := need(op, "displayName", displayName); err != nil {
		return nil, err
	}
	body := struct {
		DisplayName string `json:"displayName"`
	}{displayName}
	k, err := send[APIKey](ctx, c, &call{op: op, method: http.MethodPost, path: path, body: body}, "key")
	if k != nil && k.Secret != "" {
		c.rest.Secrets().Add(k.Secret) // never echoed in an error
	}
	return k, err
}

// listKeys reads {"keys": [...]} at path.
func (c *Client) listKeys(ctx context.Context, op, path string) ([]APIKey, error) {
	l, err := get[[]APIKey](ctx, c, op, path, "keys")
	if err != nil {
		return nil, err
	}
	return *l, nil
}
