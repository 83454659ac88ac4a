package cxone

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// The ACD APIs carry their version in the path
// (/inContactAPI/services/vNN.0/…), and CXone serves each endpoint at the
// versions it was published in. Each endpoint uses the version the
// official agent SDK calls it at (core-sdk api-uri-constants.js,
// https://github.com/nice-devone/nice-cxone-agent-sdk), where it calls it.
const (
	// v12 is the SDK's version for dispositions (skills' dispositions).
	v12 = "v12.0"
	// v23 is the SDK's version for agents, teams, skills, unavailable
	// codes, agent states, agent sessions and get-next-event, and contact
	// tags.
	v23 = "v23.0"
	// v33 is the SDK's version for completed contacts under tenant
	// segmentation, with the field names of the portal's Reporting API
	// (fromAddress, contactStartDate…); v23.0 spells some of them
	// differently (fromAddr, contactStart…) and Contact reads both.
	v33 = "v33.0"
)

// getOne fetches path and decodes the one object it answers: under the
// first of keys the answer has (an object, or a list whose first item is
// taken), else the whole answer. CXone wraps single objects in several
// ways (see envelopeKeys).
func getOne[T any](ctx context.Context, c *Client, path string, keys ...string) (*T, error) {
	rc, err := c.api(ctx)
	if err != nil {
		return nil, err
	}
	var body []byte
	if _, err := rc.Do(ctx, &rest.Request{Path: path}, &body); err != nil {
		return nil, err
	}
	out := new(T)
	if err := decodeOne(body, out, keys...); err != nil {
		return nil, fmt.Errorf("cxone: GET %s: %w", path, err)
	}
	return out, nil
}

// errEmptyAnswer is the cause of an answer without the object asked for.
type errEmptyAnswer struct{}

func (errEmptyAnswer) Error() string { return "the answer holds no object" }

// Is makes an empty answer match [deskbridge.ErrNotFound].
func (errEmptyAnswer) Is(target error) bool { return target == deskbridge.ErrNotFound }

// decodeOne decodes the one object of body into out (see getOne).
func decodeOne(body []byte, out any, keys ...string) error {
	for _, k := range keys {
		var raw json.RawMessage
		found, err := rest.DecodeMember(body, k, &raw)
		if err != nil {
			return fmt.Errorf("decoding %q: %w", k, err)
		}
		if !found {
			continue
		}
		switch raw[0] {
		case '{':
			return json.Unmarshal(raw, out)
		case '[':
			var list []json.RawMessage
			if err := json.Unmarshal(raw, &list); err != nil {
				return fmt.Errorf("decoding %q: %w", k, err)
			}
			if len(list) == 0 {
				return errEmptyAnswer{}
			}
			return json.Unmarshal(list[0], out)
		}
	}
	if len(body) == 0 {
		return errEmptyAnswer{}
	}
	return json.Unmarshal(body, out)
}
