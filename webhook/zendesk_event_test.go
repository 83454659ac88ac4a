package webhook

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// parsePayload parses body, which must decode, and returns the event and
// its Payload, which must be a *P.
func parsePayload[P any](t testing.TB, body []byte) (*ZendeskEvent, *P) {
	t.Helper()
	ev, err := ParseZendeskEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := ev.Payload.(*P)
	if !ok {
		t.Fatalf("Payload is %T, want %T", ev.Payload, p)
	}
	return ev, p
}

func TestParseZendeskEventAgentStateChanged(t *testing.T) {
	t.Parallel()
	// The same event twice: as printed in Zendesk's agent availability
	// events reference, and as babelforce's help article "Synching the agent
	// status from Zendesk omnichannel to babelforce" shows it received
	// (other member order, other layout); see testdata/README.md.
	for _, file := range []string{"zendesk_agent_state_changed.json", "zendesk_agent_state_changed_babelforce.json"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			body := readTestdata(t, file)
			ev, p := parsePayload[AgentStateChanged](t, body)
			want := ZendeskEvent{
				ID:        "01GX79ST1QX01C889XV42S2J5T",
				Type:      ZendeskTypeAgentStateChanged,
				Subject:   "zen:agent:10011",
				AccountID: 2,
				Time:      mustTime(t, "2023-05-10T23:31:58.642630335Z"),
				Version:   "2022-11-06",
			}
			got := *ev
			got.Detail, got.Event, got.Payload = nil, nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("envelope\n got %+v\nwant %+v", got, want)
			}
			wantP := AgentStateChanged{
				AccountID: 2, AgentID: 10011, DetailVersion: "3", Channel: "support",
				PreviousState: "offline", NewState: "online",
				UpdatedAt: mustTime(t, "2023-04-05T23:30:58.642630335Z"),
			}
			if *p != wantP {
				t.Errorf("payload\n got %+v\nwant %+v", *p, wantP)
			}
			var detail map[string]string
			if err := json.Unmarshal(ev.Detail, &detail); err != nil || detail["agent_id"] != "10011" {
				t.Errorf("Detail = %s (%v), want the raw detail object", ev.Detail, err)
			}
			var event map[string]string
			if err := json.Unmarshal(ev.Event, &event); err != nil || event["new_state"] != "online" {
				t.Errorf("Event = %s (%v), want the raw event object", ev.Event, err)
			}
			// Detail and Event must not alias the caller's buffer.
			for i := range body {
				body[i] = 'x'
			}
			if !json.Valid(ev.Detail) || !json.Valid(ev.Event) {
				t.Errorf("Detail or Event changed with the body: %s %s", ev.Detail, ev.Event)
			}
		})
	}
}

func TestParseZendeskEventTicket(t *testing.T) {
	t.Parallel()
	ev, p := parsePayload[TicketEvent](t, readTestdata(t, "zendesk_ticket_status_changed.json"))
	want := TicketEvent{
		TicketID: 35436, ActorID: 20978392, AssigneeID: 235324, BrandID: 123, FormID: 6876543,
		GroupID: 98738, OrganizationID: 10002, RequesterID: 20978392, SubmitterID: 76872,
		ExternalID: "TEST1234", CustomStatus: "1500001234567", Description: "My printer is on fire",
		Subject: "Printer on fire", Status: "open", Priority: "low", TicketType: "question",
		IsPublic: true, Tags: []string{"enterprise", "printer"}, ViaChannel: "web",
		CreatedAt: mustTime(t, "2024-04-17T17:18:10Z"), UpdatedAt: mustTime(t, "2024-04-17T17:20:41Z"),
		Event: ev.Event,
	}
	if !reflect.DeepEqual(*p, want) {
		t.Errorf("payload\n got %+v\nwant %+v", *p, want)
	}
	if !strings.Contains(string(p.Event), `"previous": "new"`) {
		t.Errorf("TicketEvent.Event = %s, want the raw event", p.Event)
	}
	if ev.AccountID != 88888888 || ev.Subject != "zen:ticket:35436" {
		t.Errorf("envelope: %+v", ev)
	}
}

func TestParseZendeskEventIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, detail string
		want         int64
		ok           bool
	}{
		{"string", `"10011"`, 10011, true},
		{"number", `10011`, 10011, true},
		{"negative", `"-5"`, -5, true},
		{"max int64", `"9223372036854775807"`, 9223372036854775807, true},
		{"min int64", `-9223372036854775808`, -9223372036854775808, true},
		{"empty string", `""`, 0, true},
		{"null", `null`, 0, true},
		{"leading zeros in a string", `"007"`, 7, true},
		{"overflow", `"9223372036854775808"`, 0, false},
		{"negative overflow", `"-9223372036854775809"`, 0, false},
		{"twenty digits", `"12345678901234567890"`, 0, false},
		{"fraction", `10011.5`, 0, false},
		{"exponent", `1e3`, 0, false},
		{"plus sign", `"+5"`, 0, false},
		{"just a minus", `"-"`, 0, false},
		{"space", `" 5"`, 0, false},
		{"letters", `"abc"`, 0, false},
		{"escape", `"\u0031"`, 0, false},
		{"bool", `true`, 0, false},
		{"object", `{}`, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := `{"type":"zen:event-type:agent.state_changed","detail":{"agent_id":` + tc.detail + `}}`
			ev, err := ParseZendeskEvent([]byte(body))
			if !tc.ok {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				if !strings.Contains(err.Error(), "agent_id") {
					t.Errorf("error %q does not name the field", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ev.Payload.(*AgentStateChanged).AgentID; got != tc.want {
				t.Errorf("AgentID = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestParseZendeskEventTolerates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		payload    any // nil: no payload
	}{
		{"unknown type", `{"type":"zen:event-type:user.active_changed","id":"x","detail":{"id":"6596848315901","role":"end-user"},"event":{"current":false,"previous":true}}`, nil},
		{"unknown type with odd detail members", `{"type":"zen:event-type:omnichannel_config.x","detail":{"agent_id":[1,2]}}`, nil},
		{"absent detail and event", `{"type":"zen:event-type:agent.state_changed"}`, &AgentStateChanged{}},
		{"null detail and event", `{"type":"zen:event-type:agent.state_changed","detail":null,"event":null}`, &AgentStateChanged{}},
		{"empty detail and event", `{"type":"zen:event-type:agent.unified_state_changed","detail":{},"event":{}}`, &AgentUnifiedStateChanged{}},
		{"unknown members everywhere", `{"type":"zen:event-type:agent.state_changed","new":[1,{"a":null}],"detail":{"x":1},"event":{"y":"z","channel":"talk"}}`, &AgentStateChanged{Channel: "talk"}},
		{"ticket type outside the table", `{"type":"zen:event-type:ticket.merged","detail":{"id":"7"}}`, &TicketEvent{TicketID: 7}},
		{"ticket with numbers and nulls", `{"type":"zen:event-type:ticket.created","detail":{"id":7,"group_id":null,"is_public":"false","external_id":42,"custom_status":null,"tags":null,"via":null}}`, &TicketEvent{TicketID: 7, ExternalID: "42"}},
		{"account_id as string", `{"type":"t","account_id":"12"}`, nil},
		{"empty time", `{"type":"t","time":""}`, nil},
		{"null scalars", `{"type":"t","id":null,"subject":null,"time":null,"account_id":null,"zendesk_event_version":null}`, nil},
		{"escaped strings", `{"type":"zen:event-type:agent.state_changed","id":"a\"b\u00e9","event":{"channel":"t\u0061lk"}}`, &AgentStateChanged{Channel: "talk"}},
		{"escaped member name", `{"typ\u0065":"zen:event-type:agent.state_changed"}`, &AgentStateChanged{}},
		{"duplicate member: last wins", `{"type":"t","type":"zen:event-type:agent.state_changed"}`, &AgentStateChanged{}},
		{"whitespace everywhere", " \t\r\n{ \"type\" : \"t\" , \"detail\" : { } } \n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev, err := ParseZendeskEvent([]byte(tc.body))
			if err != nil {
				t.Fatalf("ParseZendeskEvent: %v", err)
			}
			if !reflect.DeepEqual(ev.Payload, tc.payload) {
				t.Errorf("Payload = %#v, want %#v", ev.Payload, tc.payload)
			}
			if ev.Detail != nil && !json.Valid(ev.Detail) || ev.Event != nil && !json.Valid(ev.Event) {
				t.Errorf("Detail %q / Event %q not valid JSON", ev.Detail, ev.Event)
			}
		})
	}
}

func TestParseZendeskEventDetails(t *testing.T) {
	t.Parallel()
	ev, err := ParseZendeskEvent([]byte(`{"type":"t","account_id":"12","id":"a\"b\u00e9","time":"2023-05-10T23:31:58.5+02:00","detail":null,"event":{"x":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ev.AccountID != 12 || ev.ID != `a"bé` || ev.Detail != nil || string(ev.Event) != `{"x":1}` ||
		!ev.Time.Equal(time.Date(2023, 5, 10, 21, 31, 58, 5e8, time.UTC)) {
		t.Errorf("got %+v", ev)
	}
}

func TestParseZendeskEventMalformed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, body, mention string }{
		{"empty", ``, "zendesk event"},
		{"not JSON", `hello`, "not a JSON object"},
		{"array", `[{"type":"t"}]`, "not a JSON object"},
		{"string", `"zen:event-type:agent.state_changed"`, "not a JSON object"},
		{"no type", `{"id":"x"}`, `no "type"`},
		{"empty type", `{"type":""}`, `no "type"`},
		{"type not a string", `{"type":5}`, `"type" is not a string`},
		{"truncated", `{"type":"t","detail":{"a":1}`, "zendesk event"},
		{"trailing data", `{"type":"t"} {}`, "invalid JSON"},
		{"trailing comma", `{"type":"t",}`, "invalid JSON"},
		{"missing colon", `{"type" "t"}`, "invalid JSON"},
		{"bad literal in unknown member", `{"type":"t","x":tru}`, "invalid JSON"},
		{"bad literal in a member given twice", `{"type":A,"type":"0"}`, "invalid JSON"},
		{"bad literal in a detail given twice", `{"type":"t","detail":{"a":tru},"detail":{}}`, "invalid JSON"},
		{"unbalanced nested JSON", `{"type":"t","detail":{"a":]}}`, "invalid JSON"},
		{"bad nested JSON in unknown type", `{"type":"t","detail":{"a" 1}}`, "detail"},
		{"bad nested JSON in typed event", `{"type":"zen:event-type:agent.state_changed","event":{"a" 1}}`, "event"},
		{"bad nested JSON in ticket event", `{"type":"zen:event-type:ticket.created","event":{"a":}}`, "event"},
		{"control character in a string", "{\"type\":\"t\x01\"}", "invalid JSON"},
		{"bad escape", `{"type":"t\x"}`, `"type" is not a string`},
		{"detail not an object", `{"type":"t","detail":"x"}`, `"detail" is a JSON string`},
		{"event an array", `{"type":"t","event":[]}`, `"event" is a JSON array`},
		{"id not a string", `{"type":"t","id":5}`, `"id" is not a string`},
		{"subject not a string", `{"type":"t","subject":{}}`, `"subject" is not a string`},
		{"version not a string", `{"type":"t","zendesk_event_version":1}`, `"zendesk_event_version" is not a string`},
		{"account_id fractional", `{"type":"t","account_id":2.5}`, `"account_id" is not an integer`},
		{"account_id leading zero", `{"type":"t","account_id":02}`, `"account_id" is not an integer`},
		{"time not RFC 3339", `{"type":"t","time":"yesterday"}`, `"time" is not an RFC 3339 time`},
		{"time a number", `{"type":"t","time":1683761518}`, `"time" is not an RFC 3339 time`},
		{"event time not RFC 3339", `{"type":"zen:event-type:agent.state_changed","event":{"updated_at":"secret-looking-value"}}`, "a time is not RFC 3339"},
		{"state not a string", `{"type":"zen:event-type:agent.state_changed","event":{"new_state":1}}`, "new_state"},
		{"unified id not an integer", `{"type":"zen:event-type:agent.unified_state_changed","event":{"new_unified_state":{"id":"online"}}}`, "new_unified_state.id"},
		{"ticket is_public not a bool", `{"type":"zen:event-type:ticket.created","detail":{"is_public":"yes"}}`, "is_public"},
		{"ticket tags not strings", `{"type":"zen:event-type:ticket.created","detail":{"tags":[1]}}`, "tags"},
		{"ticket custom_status an object", `{"type":"zen:event-type:ticket.created","detail":{"custom_status":{}}}`, "custom_status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev, err := ParseZendeskEvent([]byte(tc.body))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseZendeskEvent = %+v, %v; want ErrMalformed", ev, err)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
			if strings.Contains(err.Error(), "secret-looking-value") || strings.Contains(err.Error(), "wire") {
				t.Errorf("error %q quotes the body or internal types", err)
			}
		})
	}
}

func TestZendeskEventTypes(t *testing.T) {
	t.Parallel()
	types := ZendeskEventTypes()
	if !slices.IsSorted(types) {
		t.Errorf("ZendeskEventTypes not sorted: %q", types)
	}
	if len(types) != 23 || !slices.Contains(types, ZendeskTypeAgentStateChanged) || !slices.Contains(types, ZendeskTypeTicketStatusChanged) {
		t.Errorf("ZendeskEventTypes = %q", types)
	}
	types[0] = "changed"
	if ZendeskEventTypes()[0] == "changed" {
		t.Error("ZendeskEventTypes returns the package's own slice")
	}
	for _, typ := range ZendeskEventTypes() {
		if !IsTypedZendeskEvent(typ) {
			t.Errorf("IsTypedZendeskEvent(%q) = false", typ)
		}
		// Every listed type gets a typed payload.
		ev, err := ParseZendeskEvent([]byte(`{"type":"` + typ + `"}`))
		if err != nil || ev.Payload == nil {
			t.Errorf("type %s: payload %v, err %v", typ, ev.Payload, err)
		}
	}
	for _, typ := range []string{"", "zen:event-type:ticket.", "zen:event-type:agent.work_item_added", "zen:event-type:user.created", "ticket.created"} {
		if IsTypedZendeskEvent(typ) {
			t.Errorf("IsTypedZendeskEvent(%q) = true", typ)
		}
	}
}
