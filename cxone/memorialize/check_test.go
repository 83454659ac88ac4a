package memorialize

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
)

func TestCheckUnreadableSideIsNoProblem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// CXone answers 503 to every try: the side cannot be read, which is an
	// error beside the problems, never a misconfiguration.
	e.cx.InjectFault(cxonetest.Fault{Path: "/inContactAPI/services/v33.0/contacts/completed", Status: http.StatusServiceUnavailable, Times: 10})
	err := e.flow.Check(t.Context())
	if err == nil || !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("Check with CXone down = %v, want an unavailable error", err)
	}
	if probs := flow.Problems(err); len(probs) != 0 {
		t.Fatalf("an unreadable side became problems: %v", probs)
	}
	if !strings.Contains(err.Error(), "Config.CXone") {
		t.Errorf("the error does not name the side: %v", err)
	}
}

func TestCheckRefusedCredentialIsAProblem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cx.InjectFault(cxonetest.Fault{Path: "/inContactAPI/services/v33.0/contacts/completed", Status: http.StatusUnauthorized, Times: 10})
	probs := flow.Problems(e.flow.Check(t.Context()))
	if len(probs) != 1 || probs[0].Field != "Config.CXone" || !strings.Contains(probs[0].Problem, "refused") {
		t.Fatalf("problems = %v, want one refused Config.CXone", probs)
	}
}
