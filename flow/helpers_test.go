package flow_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// newZendesk starts a fake account and a client on it.
func newZendesk(t *testing.T) (*zendesktest.Server, *zendesk.Client) {
	t.Helper()
	fake := zendesktest.NewServer()
	t.Cleanup(fake.Close)
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(fake.URL), zendesk.WithAPIToken(fake.Email, fake.APIToken),
		zendesk.WithHTTPClient(fake.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return fake, zc
}

// onlyGETs fails t when the fake received anything but GET since its log
// was reset: a dry run reads and never writes.
func onlyGETs(t *testing.T, fake *zendesktest.Server) {
	t.Helper()
	var writes []string
	for _, r := range fake.Requests() {
		if r.Method != http.MethodGet {
			writes = append(writes, r.Method+" "+r.Path)
		}
	}
	if len(writes) > 0 {
		t.Errorf("a dry run wrote: %s", strings.Join(writes, ", "))
	}
	if len(fake.Requests()) == 0 {
		t.Error("a dry run sent no request at all")
	}
}

// actions lists a report's changes as "kind name: action".
func actions(r flow.Report) []string {
	var out []string
	for _, c := range r.Changes {
		out = append(out, c.Kind+" "+c.Name+": "+string(c.Action))
	}
	return out
}

func wantActions(t *testing.T, r flow.Report, want ...string) {
	t.Helper()
	if got := actions(r); !slices.Equal(got, want) {
		t.Errorf("actions\n%s\nwant\n%s\nreport:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), r)
	}
}
