package flow_test

import (
	"errors"
	"testing"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
)

func TestHandlerError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, c := range []struct {
		o    flow.Outcome
		err  error
		want error
	}{
		{flow.Applied, nil, nil},
		{flow.Echo, nil, nil},
		{flow.Duplicate, nil, webhook.ErrDuplicate},
		{flow.Duplicate, boom, boom},
		{flow.Failed, boom, boom},
	} {
		if got := flow.HandlerError(c.o, c.err); got != c.want {
			t.Errorf("HandlerError(%s, %v) = %v, want %v", c.o, c.err, got, c.want)
		}
	}
}
