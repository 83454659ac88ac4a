package brightpattern

import (
	"net"
	"net/http"
	"regexp"
	"testing"

	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/jarcoal/httpmock"
)

const (
	testBase     = "https://example.brightpattern.com"
	testTenant   = "example.brightpattern.com"
	testLogin    = "api-user"
	testSecret   = "bp-api-secret-s3cr3t"
	testAppID    = "WebChatEntry1"
	testClientID = "5b0f3c1e-1111-4222-8333-944455556666"
)

// withClock runs the client on the test clock ft.
func withClock(ft *testkit.Clock) Option {
	return func(c *config) error {
		c.SetClock(ft.Now, ft.Sleep)
		return nil
	}
}

// recorder is the shared request recorder of the tests.
type recorder = testkit.Recorder

// fixture and jsonResp are the shared test helpers.
var (
	fixture  = testkit.Fixture
	jsonResp = testkit.JSONResponse
)

// newMocked returns a client of the tenant on an httpmock transport, with
// client credentials and the chat app, and no retries unless opts say
// otherwise.
func newMocked(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mock := httpmock.NewMockTransport()
	base := []Option{
		WithTenantURL(testTenant),
		WithHTTPClient(&http.Client{Transport: mock}),
		WithMaxRetries(0),
		WithClientCredentials(testLogin, testSecret),
		WithChatApp(testAppID, testClientID),
	}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mock
}

// tokenOK registers the token endpoint answering the documented example.
func tokenOK(t *testing.T, mock *httpmock.MockTransport, rec *recorder) {
	t.Helper()
	mock.RegisterResponder("POST", testBase+tokenPath, rec.Wrap(jsonResp(200, fixture(t, "token_response.json"))))
}

func mustRegexp(s string) *regexp.Regexp { return regexp.MustCompile(s) }

var netDNSNotFound = net.DNSError{Err: "no such host", Name: "nope.zendesk.com", IsNotFound: true}
