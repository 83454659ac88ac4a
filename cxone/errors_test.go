package cxone

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

// Both error shapes become an *Error with the cross-vendor kind.
func TestErrorShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status  int
		body    string
		kind    error
		code    string
		message string
		details int
	}{
		{400, fixture(t, "error_oauth.json"), deskbridge.ErrUnauthorized, "invalid_grant", "The user name or password is incorrect.", 0},
		{404, fixture(t, "error_list.json"), deskbridge.ErrNotFound, "UserNotFound", "userId: User not found", 2},
		{400, `{"error":"invalid_request","error_Description":"skillId is required"}`, deskbridge.ErrInvalid, "invalid_request", "skillId is required", 0},
		{403, `{"internalCode":"MP-403","message":"No access to recordings"}`, deskbridge.ErrForbidden, "MP-403", "No access to recordings", 0},
		{409, `{"message":"Session already exists"}`, deskbridge.ErrConflict, "", "Session already exists", 0},
		{503, `<html>Service Unavailable</html>`, deskbridge.ErrUnavailable, "", "<html>Service Unavailable</html>", 0},
		{422, `{"unexpected":true}`, deskbridge.ErrInvalid, "", `{"unexpected":true}`, 0},
	}
	for _, tc := range cases {
		e := newEnv(t)
		e.on("GET", "/inContactAPI/services/v23.0/agents/5", func(req *http.Request) (*http.Response, error) {
			resp, _ := jsonResp(tc.status, tc.body)(req)
			resp.Header.Set("CorrelationId", "corr-1")
			return resp, nil
		})
		c := e.client(t)
		_, err := c.Agents.Get(t.Context(), 5)
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("%d %s: %v", tc.status, tc.body, err)
		}
		if !errors.Is(err, tc.kind) || ce.Code != tc.code || ce.Message != tc.message || len(ce.Details) != tc.details || ce.RequestID != "corr-1" {
			t.Errorf("%d %s: %#v", tc.status, tc.body, ce)
		}
		if ce.Vendor != "cxone" || ce.Path != "/inContactAPI/services/v23.0/agents/5" || ce.StatusCode != tc.status {
			t.Errorf("%+v", ce.APIError)
		}
		if tc.details == 2 {
			if ce.UID == "" || ce.Details[1].Code != "1002" || string(ce.Details[0].Parameters) != `{"userId": "42"}` {
				t.Errorf("%+v", ce)
			}
			if !strings.Contains(err.Error(), "(and 1 more errors)") {
				t.Errorf("%v", err)
			}
		}
		if strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("multi-line error %q", err)
		}
	}
}

// A 429 is retried after the Retry-After CXone asks for, also for a POST.
func TestRateLimitRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	n := 0
	e.on("POST", "/inContactAPI/services/v23.0/agent-sessions/join", func(req *http.Request) (*http.Response, error) {
		n++
		if n == 1 {
			resp, _ := jsonResp(429, `{"message":"Too many requests","route":"/agent-sessions/join"}`)(req)
			resp.Header.Set("Retry-After", "7")
			return resp, nil
		}
		return jsonResp(202, `{"sessionId":"s-9"}`)(req)
	})
	clock := testkit.NewClock()
	c := e.client(t, WithMaxRetries(2), withClock(clock))
	id, err := c.Sessions.Join(t.Context(), 1001)
	if err != nil || id != "s-9" || n != 2 {
		t.Fatalf("%q %v after %d", id, err, n)
	}
	if s := clock.Sleeps(); len(s) != 1 || s[0] != 7*time.Second {
		t.Fatalf("sleeps %v", s)
	}

	// A 5xx on a POST is not replayed.
	e.on("POST", "/inContactAPI/services/v23.0/agent-sessions", jsonResp(502, `{"message":"bad gateway"}`))
	_, err = c.Sessions.Start(t.Context(), &SessionStart{StationID: "55"})
	if !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatal(err)
	}
	if got := len(e.rec.To(apiBase + "/inContactAPI/services/v23.0/agent-sessions")); got != 1 {
		t.Fatalf("POST sent %d times", got)
	}
}

// get-next-event's 304 is an empty batch, not an error; a 409 is an error.
func TestNextEventNotModified(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.on("GET", "/inContactAPI/services/v23.0/agent-sessions/s-1/get-next-event", func(req *http.Request) (*http.Response, error) {
		if req.URL.Query().Get("timeout") != "30" {
			return jsonResp(400, `{"error":"bad timeout"}`)(req)
		}
		return &http.Response{StatusCode: http.StatusNotModified, Header: http.Header{}, Body: http.NoBody}, nil
	})
	c := e.client(t)
	b, err := c.Sessions.NextEvent(t.Context(), "s-1", 0)
	if err != nil || b.Events == nil || len(b.Events) != 0 || b.SessionID != "s-1" {
		t.Fatalf("%+v %v", b, err)
	}
	e.on("GET", "/inContactAPI/services/v23.0/agent-sessions/s-2/get-next-event", jsonResp(409, `{"error":"SessionEnded","error_description":"The session has ended"}`))
	_, err = c.Sessions.NextEvent(t.Context(), "s-2", 5*time.Second)
	if !errors.Is(err, deskbridge.ErrConflict) {
		t.Fatal(err)
	}

	// Events yields the events of successive polls and stops on an error.
	n := 0
	e.on("GET", "/inContactAPI/services/v23.0/agent-sessions/s-3/get-next-event", func(req *http.Request) (*http.Response, error) {
		n++
		switch n {
		case 1:
			return &http.Response{StatusCode: http.StatusNotModified, Header: http.Header{}, Body: http.NoBody}, nil
		case 2:
			return jsonResp(200, fixture(t, "next_event.json"))(req)
		}
		return jsonResp(409, `{"error":"SessionEnded"}`)(req)
	})
	var types []string
	var last error
	for ev, err := range c.Sessions.Events(t.Context(), "s-3", time.Second) {
		if err != nil {
			last = err
			break
		}
		types = append(types, ev.Type)
	}
	if len(types) != 2 || !errors.Is(last, deskbridge.ErrConflict) {
		t.Fatalf("%v %v", types, last)
	}
}
