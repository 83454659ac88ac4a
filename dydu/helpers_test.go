package dydu

import (
	"net/http"
	"testing"

	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/jarcoal/httpmock"
)

const (
	testBot    = "f1871fe8-cdea-4695-9ea6-529a4e9460dc"
	testServer = "https://app1.dydu.example"
	testCtx    = "5f0c27a4-0d0e-4b57-9a9d-2f4c2f7c1e11"
	apiBase    = testServer + "/servlet/api"
)

// newMocked returns a client of testBot on testServer over a dedicated
// httpmock transport, without retries unless opts say otherwise.
func newMocked(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport, *testkit.Recorder) {
	t.Helper()
	mock := httpmock.NewMockTransport()
	base := []Option{
		WithBotID(testBot),
		WithServers(testServer),
		WithHTTPClient(&http.Client{Transport: mock}),
		WithMaxRetries(0),
	}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mock, &testkit.Recorder{}
}

// fixture reads a file of testdata/.
func fixture(t testing.TB, name string) string { return testkit.Fixture(t, name) }

// jsonResp answers with status and a JSON body.
func jsonResp(status int, body string) httpmock.Responder { return testkit.JSONResponse(status, body) }

// b64 is base64 of s, as Dydu encodes every string of values.
func b64(s string) string { return encodeString(s) }
