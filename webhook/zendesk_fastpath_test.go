package webhook

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestFastPathNamesMatchTags: the names the fast decoders match are the
// JSON names encoding/json uses for the wire types, field for field.
func TestFastPathNamesMatchTags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v     any
		names []string
	}{
		{wireAgentDetail{}, agentDetailNames},
		{wireAgentStateEvent{}, agentStateEventNames},
		{wireUnifiedStateEvent{}, unifiedStateEventNames},
		{wireUnifiedState{}, unifiedStateNames},
	} {
		typ := reflect.TypeOf(tc.v)
		var tags []string
		for i := range typ.NumField() {
			tags = append(tags, typ.Field(i).Tag.Get("json"))
		}
		if !slices.Equal(tags, tc.names) {
			t.Errorf("%s: tags %q, fast path names %q", typ, tags, tc.names)
		}
	}
}

// agentParts returns the detail and event spans of a test body.
func agentParts(t testing.TB, body []byte) (detail, event []byte) {
	t.Helper()
	var w zendeskSpans
	if err := scanObject(body, w.member); err != nil {
		t.Fatal(err)
	}
	detail, event, err := w.parts()
	if err != nil {
		t.Fatal(err)
	}
	return detail, event
}

// TestAgentFastPathTaken: the shapes Zendesk sends take the fast path (else
// the benchmark and production would quietly run encoding/json), and the
// unusual ones this path leaves to encoding/json do not.
func TestAgentFastPathTaken(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"zendesk_agent_state_changed.json", "zendesk_agent_state_changed_babelforce.json"} {
		detail, event := agentParts(t, readTestdata(t, name))
		if !fastAgentDetail(detail, new(wireAgentDetail)) || !fastAgentStateEvent(event, new(wireAgentStateEvent)) {
			t.Errorf("%s: not decoded on the fast path", name)
		}
	}
	for _, name := range []string{"zendesk_agent_unified_state_changed.json", "zendesk_bench_unified_state_1k.json"} {
		detail, event := agentParts(t, readTestdata(t, name))
		if !fastAgentDetail(detail, new(wireAgentDetail)) || !fastUnifiedStateEvent(event, new(wireUnifiedStateEvent)) {
			t.Errorf("%s: not decoded on the fast path", name)
		}
	}

	for _, tc := range []struct{ name, detail string }{
		{"key with an escape", `{"agent\u005fid":"1"}`},
		{"key matching by case only", `{"Agent_ID":"1"}`},
		{"key matching by Unicode folding", `{"ver` + "\u017f" + `ion":"3"}`}, // ſ folds to s
		{"key with invalid UTF-8", "{\"\xff\":1}"},
		{"string with an escape", `{"version":"\u0033"}`},
		{"string with invalid UTF-8", "{\"version\":\"\xff\"}"},
		{"invalid unknown member", `{"other":[1,]}`},
		{"invalid number", `{"version":01}`},
		{"wrong kind", `{"agent_id":true}`},
	} {
		if fastAgentDetail([]byte(tc.detail), new(wireAgentDetail)) {
			t.Errorf("%s: %s decoded on the fast path", tc.name, tc.detail)
		}
	}
}

// TestAgentFastPathAgreesWithEncodingJSON runs the fuzz target's check on
// inputs chosen for encoding/json's corner cases, so that they are covered
// without -fuzz.
func TestAgentFastPathAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, s := range agentFastPathSeeds {
		checkAgentFastPath(t, []byte(s[0]), []byte(s[1]))
	}
}

// Inputs for the agreement check, {detail, event}: duplicates, nulls, the
// flex types' spellings, case-folded keys, escapes, times with offsets,
// wrong kinds.
var agentFastPathSeeds = [][2]string{
	{`{"account_id":"2","agent_id":"10011","version":"3"}`, `{"channel":"support","new_state":"online","previous_state":"offline","updated_at":"2023-04-05T23:30:58.642630335Z"}`},
	{`{"account_id":2,"agent_id":-9223372036854775808,"version":3.5e1}`, `{"new_unified_state":{"id":"2","name":"online","reason":"AGENT_LOGIN"},"previous_unified_state":{"id":1},"updated_at":null}`},
	{`{"account_id":"","agent_id":null,"version":null}`, `{"channel":null,"new_state":"a","new_state":"b","updated_at":"2023-04-05T23:30:58+02:00"}`},
	{`{"agent_id":"1","agent_id":null}`, `{"new_unified_state":{"id":"2","name":"x"},"new_unified_state":{"reason":"y"},"new_unified_state":null}`},
	{`{"AGENT_ID":"5","x":{"y":[1,2,{"z":null}]}}`, `{"Channel":"talk","updated_at":"2023-04-05T23:30:58Z"}`},
	{`{"agent\u005fid":"5"}`, `{"channel":"\u00e9","new_state":"\ud800"}`},
	{`{"version":"` + "\xff" + `"}`, `{"new_unified_state":"online"}`},
	{`{"version":true}`, `{"updated_at":"2023-04-05 23:30:58Z"}`},
	{`{"version":01}`, `{"updated_at":"\u0032023-04-05T23:30:58Z"}`},
	{`{"agent_id":"1e3"}`, `{"previous_unified_state":{"id":1.0}}`},
	{`{}`, `{"new_unified_state":{},"previous_unified_state":[]}`},
	{`{"ver` + "\u017f" + `ion":"3"}`, `{"` + "\u212a" + `":1,"updated_at":{}}`},
	{`{"a":1,}`, `{"channel":"x" "y"}`},
	{``, `{"new_unified_state":{"id":"12345678901234567890"}}`},
	{`{"version":"3","version":null,"agent_id":"7","agent_id":""}`, `{"channel":"x","channel":null,"updated_at":"2023-04-05T23:30:58Z","updated_at":null}`},
	{`{"account_id":"1"}`, `{"previous_unified_state":{"name":"x","name":null,"reason":"y","id":"3","id":null}}`},
}

// FuzzAgentPayloadFastPath checks the fast decoders of the agent events
// against encoding/json: for any detail and event objects, decoding with
// the fast path (falling back to encoding/json when it gives up) and with
// encoding/json alone give the same payload or the same error.
func FuzzAgentPayloadFastPath(f *testing.F) {
	for _, s := range agentFastPathSeeds {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	for _, name := range zendeskFuzzSeeds {
		var w zendeskSpans
		if scanObject(readTestdata(f, name), w.member) == nil {
			f.Add(w.detail, w.event)
		}
	}
	f.Fuzz(checkAgentFastPath)
}

func checkAgentFastPath(t *testing.T, detail, event []byte) {
	t.Helper()
	// The decoders get what ParseZendeskEvent gives them: nil, or a span
	// that starts with '{' and ends where its brackets match.
	for _, span := range [][]byte{detail, event} {
		if len(span) == 0 {
			continue
		}
		if end, err := scanValue(span, 0); span[0] != '{' || err != nil || end != len(span) {
			return
		}
	}
	if len(detail) == 0 {
		detail = nil
	}
	if len(event) == 0 {
		event = nil
	}

	var s1, s2 AgentStateChanged
	err1 := decodeAgentStateChanged(detail, event, &s1)
	err2 := decodeAgentStateChangedStd(detail, event, &s2)
	agree(t, "agent.state_changed", detail, event, err1, err2, s1, s2)

	var u1, u2 AgentUnifiedStateChanged
	err1 = decodeAgentUnifiedStateChanged(detail, event, &u1)
	err2 = decodeAgentUnifiedStateChangedStd(detail, event, &u2)
	agree(t, "agent.unified_state_changed", detail, event, err1, err2, u1, u2)

	// What the fast path accepts, encoding/json accepts: it never takes
	// invalid JSON.
	if detail != nil && fastAgentDetail(detail, new(wireAgentDetail)) && !json.Valid(detail) {
		t.Fatalf("fast path accepted invalid detail %q", detail)
	}
	if event != nil && (fastAgentStateEvent(event, new(wireAgentStateEvent)) || fastUnifiedStateEvent(event, new(wireUnifiedStateEvent))) && !json.Valid(event) {
		t.Fatalf("fast path accepted invalid event %q", event)
	}
}

// decodeAgentStateChangedStd and decodeAgentUnifiedStateChangedStd decode
// the agent events with encoding/json alone: the reference the fast path
// must agree with.
func decodeAgentStateChangedStd(detail, event []byte, p *AgentStateChanged) error {
	var e wireAgentStateEvent
	d, err := decodePartsStd(detail, event, &e)
	if err != nil {
		return err
	}
	*p = AgentStateChanged{
		AccountID: int64(d.AccountID), AgentID: int64(d.AgentID), DetailVersion: string(d.Version),
		Channel: e.Channel, PreviousState: e.PreviousState, NewState: e.NewState, UpdatedAt: e.UpdatedAt,
	}
	return nil
}

func decodeAgentUnifiedStateChangedStd(detail, event []byte, p *AgentUnifiedStateChanged) error {
	var e wireUnifiedStateEvent
	d, err := decodePartsStd(detail, event, &e)
	if err != nil {
		return err
	}
	*p = AgentUnifiedStateChanged{
		AccountID: int64(d.AccountID), AgentID: int64(d.AgentID), DetailVersion: string(d.Version),
		PreviousState: e.Previous.unified(), NewState: e.New.unified(), UpdatedAt: e.UpdatedAt,
	}
	return nil
}

// decodePartsStd decodes an agent event's detail, then its event into e,
// with encoding/json.
func decodePartsStd(detail, event []byte, e any) (wireAgentDetail, error) {
	var d wireAgentDetail
	if err := unmarshalPart("detail", detail, &d); err != nil {
		return d, err
	}
	return d, unmarshalPart("event", event, e)
}

func agree(t *testing.T, typ string, detail, event []byte, err1, err2 error, p1, p2 any) {
	t.Helper()
	switch {
	case (err1 == nil) != (err2 == nil):
		t.Fatalf("%s: detail %q event %q: fast path error %v, encoding/json error %v", typ, detail, event, err1, err2)
	case err1 != nil && err1.Error() != err2.Error():
		t.Fatalf("%s: detail %q event %q: errors differ:\n%v\n%v", typ, detail, event, err1, err2)
	case err1 == nil && !reflect.DeepEqual(p1, p2):
		t.Fatalf("%s: detail %q event %q: payloads differ:\nfast path     %+v\nencoding/json %+v", typ, detail, event, p1, p2)
	}
	if err1 != nil && strings.Contains(err1.Error(), "fast path") {
		t.Fatalf("%s: internal error leaked: %v", typ, err1)
	}
}
