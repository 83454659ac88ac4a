package zendesk

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
)

func TestRaw(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/requests.json", status(201, `{"request":{"id":7}}`))
	f.on("GET", "/api/v2/users/9.json", status(404, `{"error":"RecordNotFound","description":"Not found"}`))
	f.on("PUT", "/api/v2/tickets/5.json", status(500, `{}`))
	c := f.client()

	resp, err := c.Raw(t.Context(), &RawRequest{Method: "post", Path: "/requests.json",
		Header: http.Header{"Authorization": {"Bearer end-user"}}, Body: json.RawMessage(`{"request":{"subject":"x"}}`)})
	if err != nil || resp.StatusCode != 201 || string(resp.Body) != `{"request":{"id":7}}` {
		t.Fatal(resp, err)
	}
	got := f.calls()[0]
	got.expect(t, "POST", "/api/v2/requests.json", "", `{"request":{"subject":"x"}}`)
	if a := got.Header.Get("Authorization"); a != "Bearer end-user" {
		t.Errorf("Authorization = %q, want the caller's, not the client's", a)
	}

	resp, err = c.Raw(t.Context(), &RawRequest{Path: "users/9.json"})
	var ze *Error
	if !errors.As(err, &ze) || !errors.Is(err, deskbridge.ErrNotFound) || resp == nil || resp.StatusCode != 404 {
		t.Fatalf("resp %v err %v, want a 404 *Error with the response", resp, err)
	}

	// A PUT that may have been applied is not replayed after a 5xx.
	if _, err := c.Raw(t.Context(), &RawRequest{Method: "PUT", Path: "tickets/5.json", Body: json.RawMessage(`{"ticket":{}}`)}); err == nil {
		t.Fatal("500 accepted")
	}
	if n := len(f.calls()); n != 3 {
		t.Errorf("%d calls, want 3 (the PUT sent once)", n)
	}

	for _, bad := range []*RawRequest{
		nil, {Path: ""}, {Path: "https://evil.example/api/v2/x"}, {Path: "api/v2/tickets.json"},
		{Path: "../oauth/tokens"}, {Method: "TRACE", Path: "x.json"}, {Method: "POST", Path: "x.json", Body: json.RawMessage(`{`)},
	} {
		if _, err := c.Raw(t.Context(), bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if n := len(f.calls()); n != 3 {
		t.Errorf("refused requests were sent: %d calls", n)
	}
}

// TestRawScrubsTheCallersCredential: an Authorization header given to Raw
// is a credential like the client's own; an answer that echoes it does
// not carry it into the error.
func TestRawScrubsTheCallersCredential(t *testing.T) {
	t.Parallel()
	const token = "end-user-token-0123456789abcdef"
	f := newFake(t)
	f.on("GET", "/api/v2/users/me.json", status(401, `{"error":"Couldn't authenticate you with Bearer `+token+`"}`))
	_, err := f.client().Raw(t.Context(), &RawRequest{Path: "users/me.json", Header: http.Header{"Authorization": {"Bearer " + token}}})
	if err == nil || strings.Contains(err.Error(), token) {
		t.Fatalf("err = %v: want a 401 without the caller's token", err)
	}
}
