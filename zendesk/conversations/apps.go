package conversations

import "context"

// AppsService reads the app the client is configured for
// (https://developer.zendesk.com/api-reference/conversations/#tag/Apps).
type AppsService service

// Get returns the client's app: GET /v2/apps/{appId}. An integration key
// cannot read it (403).
func (s *AppsService) Get(ctx context.Context) (*App, error) {
	return get[App](ctx, s.client, "Apps.Get", s.client.appPath(""), "app")
}
