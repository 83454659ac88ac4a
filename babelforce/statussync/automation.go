package statussync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
)

// PresenceEvent is a babelforce presence change: the body that
// [Flow.AutomationHandler] receives (see [AutomationBody]), or what a caller
// passes to [Flow.ApplyPresence].
//
// The JSON decoding is lenient, since the automation's placeholders are not
// confirmed: ids may be strings or numbers, presence may be a name or an
// object with a "name", and changed_at may be RFC 3339 or Unix time in
// seconds or milliseconds, as a number or a string. Empty strings count as
// absent.
type PresenceEvent struct {
	// EventID identifies the change; duplicates are dropped by it. Without
	// one, the de-duplication key is agent, presence and ChangedAt, and
	// without ChangedAt there is none.
	EventID string `json:"event_id,omitempty"`
	// AgentID is the babelforce agent id.
	AgentID string `json:"agent_id,omitempty"`
	// SourceID is the agent's sourceId, the Zendesk user id. When it is
	// absent the agent is read by AgentID to find it.
	SourceID string `json:"source_id,omitempty"`
	// Presence is the presence name the agent changed to.
	Presence string `json:"presence"`
	// ChangedAt is when it changed; zero means when it is received.
	ChangedAt time.Time `json:"changed_at,omitzero"`
}

// Key returns the de-duplication key of e.
func (e *PresenceEvent) Key() string {
	switch {
	case e.EventID != "":
		return e.EventID
	case !e.ChangedAt.IsZero():
		return "presence:" + e.AgentID + "/" + e.SourceID + "/" + e.Presence + "@" + e.ChangedAt.UTC().Format(time.RFC3339Nano)
	}
	return ""
}

// UnmarshalJSON decodes the lenient form described on [PresenceEvent].
func (e *PresenceEvent) UnmarshalJSON(b []byte) error {
	var raw struct {
		EventID   json.RawMessage `json:"event_id"`
		AgentID   json.RawMessage `json:"agent_id"`
		SourceID  json.RawMessage `json:"source_id"`
		Presence  json.RawMessage `json:"presence"`
		ChangedAt json.RawMessage `json:"changed_at"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var err error
	var out PresenceEvent
	if out.EventID, err = flexString("event_id", raw.EventID); err != nil {
		return err
	}
	if out.AgentID, err = flexString("agent_id", raw.AgentID); err != nil {
		return err
	}
	if out.SourceID, err = flexString("source_id", raw.SourceID); err != nil {
		return err
	}
	if p := bytes.TrimSpace(raw.Presence); len(p) > 0 && p[0] == '{' {
		var obj struct {
			Name json.RawMessage `json:"name"`
		}
		if err := json.Unmarshal(p, &obj); err != nil {
			return fmt.Errorf("presence: %w", err)
		}
		raw.Presence = obj.Name
	}
	if out.Presence, err = flexString("presence", raw.Presence); err != nil {
		return err
	}
	if out.ChangedAt, err = flexTime(raw.ChangedAt); err != nil {
		return err
	}
	*e = out
	return nil
}

// flexString decodes a string or a number as text; null or absent is "".
func flexString(field string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%s: %w", field, err)
		}
		return strings.TrimSpace(s), nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", fmt.Errorf("%s: want a string or a number", field)
	}
	return n.String(), nil
}

// flexTime decodes RFC 3339 text or Unix seconds or milliseconds (a number
// or digits in a string); null, absent or "" is the zero time.
func flexTime(raw json.RawMessage) (time.Time, error) {
	s, err := flexString("changed_at", raw)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n <= 0 {
			return time.Time{}, fmt.Errorf("changed_at: %q is not a time", s)
		}
		if n >= 1e11 { // milliseconds: 1e11 s is in the year 5138
			return time.UnixMilli(int64(n)).UTC(), nil
		}
		sec := int64(n)
		return time.Unix(sec, int64((n-float64(sec))*1e9)).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("changed_at: %q is neither RFC 3339 nor Unix time", s)
	}
	return t, nil
}

// decodePresenceEvent is [Flow.AutomationHandler]'s decoder: one
// [PresenceEvent], with a presence and an agent.
func decodePresenceEvent(_ *http.Request, body []byte) ([]webhook.Item[PresenceEvent], error) {
	var e PresenceEvent
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", webhook.ErrMalformed, err)
	}
	if e.Presence == "" {
		return nil, fmt.Errorf("%w: presence is missing", webhook.ErrMalformed)
	}
	if e.AgentID == "" && e.SourceID == "" {
		return nil, fmt.Errorf("%w: agent_id and source_id are both missing", webhook.ErrMalformed)
	}
	return []webhook.Item[PresenceEvent]{{Key: e.Key(), Type: "presence", Value: e}}, nil
}

// decodeUntimedKeys is decodePresenceEvent that leaves the key of an
// event with a changed_at empty: the agent's record orders and
// de-duplicates such events, so that the handler's de-duper sees only the
// events that nothing else de-duplicates.
func decodeUntimedKeys(r *http.Request, body []byte) ([]webhook.Item[PresenceEvent], error) {
	items, err := decodePresenceEvent(r, body)
	for i := range items {
		if !items[i].Value.ChangedAt.IsZero() {
			items[i].Key = ""
		}
	}
	return items, err
}

// AutomationHandler returns the handler for babelforce's "Presence
// changed" automation: it checks the shared secret ([Config].AutomationAuth),
// decodes the body of [AutomationBody] (400 when it does not decode or lacks
// a presence or an agent), drops duplicates by event id, and sets the
// agent's Zendesk unified status. Its answers follow package webhook: 200
// when handled, 401 for a wrong secret, 503 with Retry-After when Zendesk
// failed, 422 when the change cannot be applied.
func (f *Flow) AutomationHandler() http.Handler { return f.automationHandler }

// handlePresenceEvent is [Flow.AutomationHandler]'s function.
func (f *Flow) handlePresenceEvent(ctx context.Context, e PresenceEvent) error {
	outcome, err := f.applyPresenceEvent(ctx, SourceAutomation, e)
	return flow.HandlerError(outcome, err) // a duplicate is answered "duplicate"
}

// ApplyPresence applies a babelforce presence change that reached the
// caller some other way, as [Flow.AutomationHandler] would: it is ordered by
// ChangedAt, dropped if it is an echo of the flow's own change, and sets
// the Zendesk status. It does not de-duplicate by EventID (the handler's
// store does). The error is nil when the change was applied or rightly
// dropped; it is permanent ([webhook.IsPermanent]) when retrying cannot
// help.
func (f *Flow) ApplyPresence(ctx context.Context, e PresenceEvent) error {
	if e.Presence == "" || (e.AgentID == "" && e.SourceID == "") {
		return webhook.Permanent(fmt.Errorf("statussync: a presence change needs a presence and an agent_id or source_id: %w", deskbridge.ErrInvalid))
	}
	_, err := f.applyPresenceEvent(ctx, SourceAutomation, e)
	return err
}

// applyPresenceEvent applies e and returns the outcome decided.
func (f *Flow) applyPresenceEvent(ctx context.Context, src Source, e PresenceEvent) (flow.Outcome, error) {
	now := f.now()
	res := Result{Time: now, Source: src, Kind: "presence", Key: e.Key(), BabelforceAgentID: e.AgentID, To: e.Presence, ObservedAt: e.ChangedAt}
	zid, err := f.zendeskAgentOf(ctx, e.AgentID, e.SourceID)
	if err != nil {
		return f.fail(ctx, res, err)
	}
	if zid == 0 {
		res.Outcome, res.Detail = flow.Ignored, DetailNotZendeskAgent
		f.report(ctx, res)
		return res.Outcome, nil
	}
	at := e.ChangedAt
	if at.IsZero() {
		at = now
	}
	o := bfObservation{source: src, eventID: e.Key(), presence: e.Presence, at: at}
	return f.observeBabelforce(ctx, zid, e.AgentID, &o)
}

// zendeskAgentOf returns the Zendesk agent id of a babelforce agent: its
// sourceId, given or read from babelforce. 0 with a nil error means the
// agent's sourceId is not a Zendesk user id.
func (f *Flow) zendeskAgentOf(ctx context.Context, bfID, sourceID string) (int64, error) {
	if sourceID == "" {
		zid, err := f.cachedZendeskAgent(ctx, bfID)
		if err != nil || zid > 0 {
			return zid, err
		}
		a, err := f.cfg.Babelforce.Agents.Get(ctx, bfID)
		switch {
		case errors.Is(err, deskbridge.ErrNotFound):
			return 0, webhook.Permanent(fmt.Errorf("statussync: babelforce agent %s does not exist: %w", bfID, err))
		case err != nil:
			return 0, fmt.Errorf("statussync: reading babelforce agent %s: %w", bfID, err)
		}
		sourceID = a.SourceID
		if zid, err := strconv.ParseInt(strings.TrimSpace(sourceID), 10, 64); err == nil && zid > 0 {
			f.rememberBabelforceAgent(ctx, bfID, zid)
		}
	}
	zid, err := strconv.ParseInt(strings.TrimSpace(sourceID), 10, 64)
	if err != nil || zid <= 0 {
		return 0, nil
	}
	return zid, nil
}
