package braze

import (
	"context"
	"encoding/json"
	"strings"
)

// MaxContextBytes is the documented size limit of a Canvas send's context.
const MaxContextBytes = 50 << 10

// CanvasService sends API-triggered Canvases.
type CanvasService service

// CanvasTriggerRequest is the body of POST /canvas/trigger/send.
type CanvasTriggerRequest struct {
	CanvasID string `json:"canvas_id"`
	// Context holds the Canvas entry properties for every recipient
	// (formerly canvas_entry_properties); at most 50 KB.
	Context map[string]any `json:"context,omitempty"`
	// Broadcast sends to the Canvas's whole segment; it must be set when
	// Recipients is empty, and then Recipients must be.
	Broadcast  bool        `json:"broadcast,omitempty"`
	Audience   any         `json:"audience,omitempty"`
	Recipients []Recipient `json:"recipients,omitempty"`
}

// TriggerSend sends an API-triggered Canvas to up to 50 recipients, or to
// its segment with Broadcast, checked as [CampaignsService.TriggerSend] checks. Braze
// answers success even when the Canvas is paused or archived and nothing
// will be sent: the result's Notice says so.
func (s *CanvasService) TriggerSend(ctx context.Context, req *CanvasTriggerRequest) (*SendResult, error) {
	const op = "Canvas.TriggerSend"
	if req == nil {
		return nil, invalid(op, "", "the request is nil")
	}
	if strings.TrimSpace(req.CanvasID) == "" {
		return nil, invalid(op, "canvas_id", "is required")
	}
	if len(req.Context) > 0 {
		b, err := json.Marshal(req.Context)
		if err != nil {
			return nil, invalid(op, "context", "cannot be encoded: %v", err)
		}
		if len(b) > MaxContextBytes {
			return nil, invalid(op, "context", "is %d bytes; at most %d", len(b), MaxContextBytes)
		}
	}
	if err := checkTrigger(op, req.Broadcast, false, req.Recipients, true); err != nil {
		return nil, err
	}
	out := new(SendResult)
	if err := s.client.post(ctx, "/canvas/trigger/send", req, send, out); err != nil {
		return nil, err
	}
	return out, nil
}
