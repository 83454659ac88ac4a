package statussync_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce/statussync"
)

func TestPresenceEventDecoding(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		body string
		want statussync.PresenceEvent
		err  string
	}{
		{`{"event_id":"e1","agent_id":"a1","source_id":"10011","presence":"busy","changed_at":"2026-11-21T09:30:00Z"}`,
			statussync.PresenceEvent{EventID: "e1", AgentID: "a1", SourceID: "10011", Presence: "busy", ChangedAt: ts}, ""},
		{`{"event_id":42,"source_id":10011,"presence":{"name":"away","label":"Away"},"changed_at":1795253400000}`,
			statussync.PresenceEvent{EventID: "42", SourceID: "10011", Presence: "away", ChangedAt: ts}, ""},
		{`{"agent_id":"a1","presence":"busy","changed_at":"1795253400"}`,
			statussync.PresenceEvent{AgentID: "a1", Presence: "busy", ChangedAt: ts}, ""},
		{`{"agent_id":"a1","presence":"busy","changed_at":1795253400.5}`,
			statussync.PresenceEvent{AgentID: "a1", Presence: "busy", ChangedAt: ts.Add(500 * time.Millisecond)}, ""},
		{`{"agent_id":" a1 ","presence":" busy ","changed_at":"","event_id":null}`,
			statussync.PresenceEvent{AgentID: "a1", Presence: "busy"}, ""},
		{`{"agent_id":"a1","presence":"busy","changed_at":"yesterday"}`, statussync.PresenceEvent{}, "neither RFC 3339 nor Unix time"},
		{`{"agent_id":"a1","presence":"busy","changed_at":-5}`, statussync.PresenceEvent{}, "is not a time"},
		{`{"agent_id":true,"presence":"busy"}`, statussync.PresenceEvent{}, "agent_id: want a string or a number"},
		{`{"agent_id":"a","presence":{"name":1}}`, statussync.PresenceEvent{AgentID: "a", Presence: "1"}, ""},
		{`{"agent_id":"a","presence":{"name":[]}}`, statussync.PresenceEvent{}, "presence"},
		{`{"event_id":"\u00"}`, statussync.PresenceEvent{}, "invalid"},
		{`[]`, statussync.PresenceEvent{}, "cannot unmarshal"},
	} {
		var got statussync.PresenceEvent
		err := json.Unmarshal([]byte(c.body), &got)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.body, err, c.err)
			}
		case err != nil:
			t.Errorf("%s: %v", c.body, err)
		case !got.ChangedAt.Equal(c.want.ChangedAt) || got.EventID != c.want.EventID || got.AgentID != c.want.AgentID ||
			got.SourceID != c.want.SourceID || got.Presence != c.want.Presence:
			t.Errorf("%s:\n got %+v\nwant %+v", c.body, got, c.want)
		}
	}
}

func TestPresenceEventKey(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		e    statussync.PresenceEvent
		want string
	}{
		{statussync.PresenceEvent{EventID: "e1", AgentID: "a"}, "e1"},
		{statussync.PresenceEvent{AgentID: "a", Presence: "busy", ChangedAt: ts}, "presence:a//busy@2026-11-21T09:30:00Z"},
		{statussync.PresenceEvent{AgentID: "a", Presence: "busy"}, ""},
	} {
		if got := c.e.Key(); got != c.want {
			t.Errorf("Key(%+v) = %q, want %q", c.e, got, c.want)
		}
	}
}
