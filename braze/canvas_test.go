package braze

import (
	"errors"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
)

func TestCanvasTriggerSend(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t)
	got := answer(mock, "/canvas/trigger/send", reply{status: 201, body: testdata(t, "canvas_trigger_send_201.json")})
	res, err := c.Canvas.TriggerSend(t.Context(), &CanvasTriggerRequest{
		CanvasID: "canvas-1",
		Context:  map[string]any{"product_name": "shoes", "product_price": 79.99},
		Recipients: []Recipient{
			{ExternalUserID: "user_identifier", SendToExistingOnly: ptr(true), Attributes: map[string]any{"first_name": "Alex"}, Context: map[string]any{"size": 42}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 201 || res.DispatchID != "example_dispatch_id" || !strings.Contains(res.Notice, "The Canvas is paused") {
		t.Fatalf("res = %+v", res)
	}
	r := got.all()[0]
	assertHeaders(t, r)
	assertJSON(t, r.Body, `{"canvas_id":"canvas-1","context":{"product_name":"shoes","product_price":79.99},
		"recipients":[{"external_user_id":"user_identifier","send_to_existing_only":true,"attributes":{"first_name":"Alex"},"context":{"size":42}}]}`)
}

func TestCanvasValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  *CanvasTriggerRequest
		want string
	}{
		{"nil", nil, "nil"},
		{"no canvas", &CanvasTriggerRequest{Broadcast: true}, "canvas_id: is required"},
		{"trigger properties", &CanvasTriggerRequest{CanvasID: "c", Recipients: []Recipient{{ExternalUserID: "u", TriggerProperties: map[string]any{"a": 1}}}}, "recipients[0]: trigger_properties are for campaigns"},
		{"context too big", &CanvasTriggerRequest{CanvasID: "c", Broadcast: true, Context: map[string]any{"x": strings.Repeat("a", MaxContextBytes)}}, "context: is 51"},
		{"context not JSON", &CanvasTriggerRequest{CanvasID: "c", Broadcast: true, Context: map[string]any{"x": func() {}}}, "cannot be encoded"},
		{"no recipients", &CanvasTriggerRequest{CanvasID: "c"}, "no recipients"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock, _ := newMocked(t)
			_, err := c.Canvas.TriggerSend(t.Context(), tc.req)
			if !errors.Is(err, deskbridge.ErrInvalid) || !strings.Contains(err.Error(), tc.want) || mock.GetTotalCallCount() != 0 {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
