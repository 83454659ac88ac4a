package flow_test

import (
	"errors"
	"testing"

	"github.com/deskbridge/deskbridge/flow"
)

func TestFormatResult(t *testing.T) {
	type exit string
	for _, c := range []struct{ got, want string }{
		{flow.FormatResult("zendesk reply ticket 12", flow.Applied, "", nil), "zendesk reply ticket 12: applied"},
		{flow.FormatResult("zendesk reply ticket 12", flow.Rejected, "no customer", errors.New("boom")), "zendesk reply ticket 12: rejected (no customer): boom"},
		{flow.FormatResult("s", flow.Failed, "", errors.New("boom")), "s: failed: boom"},
		{flow.FormatResult("scenario -", exit("Next"), "popped", nil), "scenario -: Next (popped)"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
