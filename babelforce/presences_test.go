package babelforce

import (
	"errors"
	"testing"

	"github.com/deskbridge/deskbridge"
)

func TestPresencesList(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v2/agents/presence/available", rec.Wrap(jsonResp(200, fixture(t, "presence_list.json"))))
	list, err := c.Presences.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := Presence{Name: "name", Label: "label", Available: true, Count: 0, IsDefault: true}
	if len(list) != 2 || *list[0] != want {
		t.Fatalf("list = %+v", list)
	}
	r := rec.Last(t)
	checkCommon(t, r, "Bearer "+staticToken)
	if r.RawQuery != "" || r.Body != "" {
		t.Fatalf("request %+v", r)
	}
}

func TestPresencesCreateRed(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("POST", testBase+"/api/v2/agents/presence/available", rec.Wrap(jsonResp(200, `{"item":{"available":false,"name":"in_a_meeting","label":"In a meeting"},"success":true}`)))
	p, err := c.Presences.Create(t.Context(), &PresenceCreate{Label: "In a meeting"})
	if err != nil {
		t.Fatal(err)
	}
	if *p != (Presence{Name: "in_a_meeting", Label: "In a meeting"}) {
		t.Fatalf("presence = %+v", p)
	}
	r := rec.Last(t)
	checkCommon(t, r, "Bearer "+staticToken)
	// "available": false is sent explicitly.
	if r.Body != `{"label":"In a meeting","available":false}` {
		t.Fatalf("body = %s", r.Body)
	}
	// The spec's example item decodes too.
	mock.RegisterResponder("POST", testBase+"/api/v2/agents/presence/available", jsonResp(200, fixture(t, "presence_item.json")))
	if p, err := c.Presences.Create(t.Context(), &PresenceCreate{Label: "Busy"}); err != nil || p.Name != "busy" {
		t.Fatalf("example: %+v, %v", p, err)
	}
}

func TestPresencesCreateGreenRefused(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, nil)
	_, err := c.Presences.Create(t.Context(), &PresenceCreate{Label: "Online", Available: true})
	if !errors.Is(err, ErrGreenPresence) || !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	if mock.GetTotalCallCount() != 0 {
		t.Fatal("a green presence was sent")
	}
	// Had it been sent, babelforce answers 501.
	mock.RegisterResponder("POST", testBase+"/api/v2/agents/presence/available", jsonResp(501, `{"success":false,"message":"available=true is not supported"}`))
	var e *Error
	_, err = c.Presences.Create(t.Context(), &PresenceCreate{Label: "x"})
	if !errors.As(err, &e) || e.StatusCode != 501 {
		t.Fatalf("err = %v", err)
	}
}

func TestPresencesGetDelete(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v2/agents/presence/available/busy", rec.Wrap(jsonResp(200, fixture(t, "presence_item.json"))))
	p, err := c.Presences.Get(t.Context(), "busy")
	if err != nil || *p != (Presence{Name: "busy", Label: "Busy", Available: true}) {
		t.Fatalf("Get = %+v, %v", p, err)
	}
	mock.RegisterNoResponder(rec.Wrap(jsonResp(200, fixture(t, "message_response.json"))))
	if err := c.Presences.Delete(t.Context(), "in a meeting"); err != nil {
		t.Fatal(err)
	}
	r := rec.Last(t)
	if r.Method != "DELETE" || r.EscapedPath != "/api/v2/agents/presence/available/in%20a%20meeting" {
		t.Fatalf("%s %s", r.Method, r.EscapedPath)
	}
	mock.RegisterResponder("GET", testBase+"/api/v2/agents/presence/available/nope", jsonResp(404, `{"success":false,"message":"not found"}`))
	if _, err := c.Presences.Get(t.Context(), "nope"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	mock.RegisterResponder("GET", testBase+"/api/v2/agents/presence/available", jsonResp(500, `{}`))
	if _, err := c.Presences.List(t.Context()); !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
}
