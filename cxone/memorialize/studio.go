package memorialize

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
)

// StudioRequest is what a Studio script sends to [ContactEndedPath] when
// a contact ends: a JSON object naming the contact, built in a SNIPPET
// action and sent by a REST API action with the secret of
// [Config].StudioAuth ("Authorization: Bearer <secret>" by default):
//
//	DYNAMIC body
//	body.contactId = "{ContactID}"
//	ASSIGN bodyJson = "{body.asjson()}"
//
// contactId is a number or a string of digits (Studio's asjson writes
// strings). Other members are ignored: the flow reads the contact, its
// custom data and everything else from CXone, which stays the source of
// truth.
type StudioRequest struct {
	ContactID int64
}

// maxStudioBody bounds the body the endpoint reads.
const maxStudioBody = 64 << 10

// ParseStudioRequest decodes a Studio script's call. It never panics, and
// refuses a body that is not a JSON object or names no positive contact
// id with an error matching [deskbridge.ErrInvalid].
func ParseStudioRequest(body []byte) (*StudioRequest, error) {
	var raw struct {
		ContactID json.RawMessage `json:"contactId"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("memorialize: the Studio request is not a JSON object: %w", errors.Join(deskbridge.ErrInvalid, err))
	}
	if dec.More() {
		return nil, fmt.Errorf("memorialize: the Studio request holds more than one JSON value: %w", deskbridge.ErrInvalid)
	}
	s := strings.TrimSpace(string(raw.ContactID))
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(raw.ContactID, &s); err != nil {
			return nil, fmt.Errorf("memorialize: the Studio request's contactId is not a string: %w", deskbridge.ErrInvalid)
		}
		s = strings.TrimSpace(s)
	}
	if s == "" || s == "null" {
		return nil, fmt.Errorf("memorialize: the Studio request has no contactId: %w", deskbridge.ErrInvalid)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return nil, fmt.Errorf("memorialize: the Studio request's contactId %.40q is not a CXone contact id: %w", s, deskbridge.ErrInvalid)
	}
	return &StudioRequest{ContactID: id}, nil
}

// decodeStudio is the endpoint's webhook.Decoder.
func decodeStudio(_ *http.Request, body []byte) ([]webhook.Item[*StudioRequest], error) {
	if len(body) > maxStudioBody {
		return nil, fmt.Errorf("memorialize: the Studio request is over %d bytes: %w", maxStudioBody, deskbridge.ErrInvalid)
	}
	r, err := ParseStudioRequest(body)
	if err != nil {
		return nil, err
	}
	return []webhook.Item[*StudioRequest]{{Key: strconv.FormatInt(r.ContactID, 10), Value: r}}, nil
}

// handleStudio memorializes the contact at once. A contact that CXone
// does not list as complete yet is left to the poll (200): the script
// need not retry.
func (f *Flow) handleStudio(ctx context.Context, r *StudioRequest) error {
	res := f.Memorialize(ctx, r.ContactID)
	switch res.Outcome {
	case flow.Failed:
		return res.Err
	case flow.Rejected:
		if res.Detail == DetailTooLong || res.Detail == DetailRefused {
			// Written what fits, or refused for good by CXone or Zendesk:
			// the script's call was right, and the refusal is reported.
			return nil
		}
		return webhook.Permanent(res.Err)
	}
	return nil
}
