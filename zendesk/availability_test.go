package zendesk

import (
	"strings"
	"testing"
)

func TestAvailabilityGetDocumentedExample(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/agent_availabilities/10011", ok(testdata(t, "agent_availability.json")))
	a, err := f.client().Availability.Get(t.Context(), 10011)
	if err != nil {
		t.Fatal(err)
	}
	f.only().expect(t, "GET", "/api/v2/agent_availabilities/10011", "", "")
	if a.AgentID != 10011 || a.Version != 236 || len(a.GroupIDs) != 1 || a.AgentStatus == nil || a.AgentStatus.ID != 1 ||
		a.AgentStatus.Name != "online" || a.AgentStatus.Reason != "UNKNOWN" ||
		!a.AgentStatus.UpdatedAt.Equal(mustTime(t, "2022-06-21T10:23:25.583732Z")) || len(a.Channels) != 2 {
		t.Fatalf("availability = %+v", a)
	}
	m := a.Channel(ChannelMessaging)
	if m == nil || m.Status != AgentStateOnline || m.MaxCapacity == nil || *m.MaxCapacity != 3 || m.WorkItemCount != 1 || len(m.WorkItems) != 1 ||
		m.WorkItems[0].Reason != "ASSIGNED" || m.WorkItems[0].ID != "agent_availabilities|10011|channels|messaging|work_items|201" {
		t.Fatalf("messaging = %+v", m)
	}
	if tk := a.Channel(ChannelTalk); tk == nil || tk.Status != AgentStateOffline || tk.MaxCapacity != nil {
		t.Fatalf("talk = %+v", tk)
	}
	if a.Channel(ChannelSupport) != nil {
		t.Fatal("no support channel in the example")
	}
}

func TestAvailabilityListFiltersAndCursor(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/agent_availabilities",
		ok(`{"data":[{"id":"agent_availabilities|1","type":"agent_availabilities","attributes":{"agent_id":1},"relationships":{"channels":{"data":[{"id":"agent_availabilities|1|channels|messaging","type":"channels"}]}}}],
		     "included":[{"id":"agent_availabilities|1|channels|messaging","type":"channels","attributes":{"name":"messaging","status":"online"}}],
		     "meta":{"has_more":true},"links":{"next":"https://acme.zendesk.com/api/v2/agent_availabilities?page%5Bafter%5D=a2&page%5Bsize%5D=1"}}`),
		ok(`{"data":[{"id":"agent_availabilities|2","type":"agent_availabilities","relationships":{"channels":{"data":[{"id":"agent_availabilities|2|channels|talk","type":"channels"}]}}}],"meta":{"has_more":false}}`))
	opts := &AvailabilityListOptions{ChannelStatus: "messaging:online", AgentStatusID: 3, SelectChannel: ChannelMessaging, CursorOptions: CursorOptions{PageSize: 1}}
	var got []*AgentAvailability
	for a, err := range f.client().Availability.List(t.Context(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	if len(got) != 2 || got[0].Channel(ChannelMessaging).Status != "online" {
		t.Fatalf("got = %+v", got)
	}
	// The second resource has no attributes: the agent id comes from the
	// resource id, the channel name from the relationship id.
	if got[1].AgentID != 2 || got[1].Channels[0].Name != ChannelTalk || got[1].Channels[0].Status != "" {
		t.Fatalf("second = %+v %+v", got[1], got[1].Channels[0])
	}
	calls := f.calls()
	calls[0].expect(t, "GET", "/api/v2/agent_availabilities", "filter[channel_status]=messaging:online&filter[agent_status_id]=3&select_channel=messaging&page[size]=1", "")
	// The cursor came from links.next (meta had none).
	calls[1].expect(t, "GET", "/api/v2/agent_availabilities", "filter[channel_status]=messaging:online&filter[agent_status_id]=3&select_channel=messaging&page[size]=1&page[after]=a2", "")
}
func TestAvailabilityStatusesDocumentedExample(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/agent_availabilities/agent_statuses", ok(testdata(t, "agent_statuses.json")))
	var got []*UnifiedStatus
	for st, err := range f.client().Availability.Statuses(t.Context(), &CursorOptions{PageSize: 50}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, st)
	}
	f.only().expect(t, "GET", "/api/v2/agent_availabilities/agent_statuses", "page[size]=50", "")
	if len(got) != 2 {
		t.Fatalf("statuses = %+v", got)
	}
	if d := got[0]; d.ID != UnifiedStatusOnline || !d.Default || d.Name != "online" || d.Description != "Can receive work" || d.Channels != nil {
		t.Fatalf("default = %+v", d)
	}
	c := got[1]
	if c.ID != 123 || c.Default || c.Name != "In a meeting" || c.Channels[ChannelSupport] != AgentStateOnline || c.Channels[ChannelTalk] != AgentStateAway ||
		len(c.GroupIDs) != 2 || !c.UpdatedAt.Equal(mustTime(t, "2021-07-21T17:32:28Z")) {
		t.Fatalf("custom = %+v", c)
	}
}

func TestAvailabilityStatusesUnderData(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/agent_availabilities/agent_statuses",
		ok(`{"data":{"default":[{"id":2,"attributes":{"name":"offline"}}],"custom":[{"id":7,"attributes":{"name":"Lunch","updated_at":"2021-07-21T17:32:28Z"}}]},"meta":{"has_more":false}}`))
	p, err := f.client().Availability.StatusesPage(t.Context(), nil)
	if err != nil || len(p.Items) != 2 || p.Items[0].ID != UnifiedStatusOffline || p.Items[1].UpdatedAt.IsZero() {
		t.Fatalf("page = %+v, err = %v", p, err)
	}
	_, err = f.client().Availability.StatusesPage(t.Context(), &CursorOptions{PageSize: 101})
	isInvalid(t, err)
}

func TestAvailabilitySetAgentStatus(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("PUT", "/api/v2/agent_availabilities/agent_statuses/agents/10011", status(503, `{}`), ok(testdata(t, "unified_agent_status.json")))
	st, err := f.client().Availability.SetAgentStatus(t.Context(), 10011, 123)
	if err != nil || st.ID != 123 || st.Name != "In a meeting" {
		t.Fatalf("status = %+v, err = %v", st, err)
	}
	calls := f.calls()
	if len(calls) != 2 {
		t.Fatalf("setting a status is idempotent and retried: calls = %d", len(calls))
	}
	calls[1].expect(t, "PUT", "/api/v2/agent_availabilities/agent_statuses/agents/10011", "", `{"id":123}`)
}
func TestAvailabilitySetAgentStatusAnswerShapes(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("PUT", "/api/v2/agent_availabilities/agent_statuses/agents/1",
		ok(`{"attributes":{"agent_id":1,"agent_status":{"id":3,"name":"online"}},"id":"agent_availabilities|1"}`),
		status(204, ""))
	c := f.client()
	if st, err := c.Availability.SetAgentStatus(t.Context(), 1, 3); err != nil || st.Name != "online" {
		t.Fatal(st, err)
	}
	if st, err := c.Availability.SetAgentStatus(t.Context(), 1, 3); err != nil || st.ID != 3 || st.Name != "" {
		t.Fatal(st, err)
	}
	_, err := c.Availability.SetAgentStatus(t.Context(), 0, 3)
	isInvalid(t, err)
	_, err = c.Availability.SetAgentStatus(t.Context(), 1, 0)
	isInvalid(t, err)
}

func TestAvailabilityBadAnswers(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/agent_availabilities/1", ok(`{}`))
	f.on("GET", "/api/v2/agent_availabilities/2", ok(`{"data":{"id":"agent_availabilities|2","attributes":{"agent_id":"two"}}}`))
	f.on("GET", "/api/v2/agent_availabilities/3", ok(`{"data":{"id":"agent_availabilities|3","relationships":{"channels":{"data":[{"id":"c","type":"channels"}]}}},"included":[{"id":"c","attributes":{"status":5}}]}`))
	f.on("GET", "/api/v2/agent_availabilities/4", ok(`{"data":{"id":"x","relationships":{"channels":{"data":[{"id":"c"}]}}},"included":[null,{"id":"c","relationships":{"work_items":{"data":[{"id":"w"}]}}},{"id":"w","attributes":{"added_at":false}}]}`))
	f.on("GET", "/api/v2/agent_availabilities", ok(`{"data":[null,{"id":"x","attributes":[]}]}`))
	c := f.client()
	for id := int64(1); id <= 4; id++ {
		if _, err := c.Availability.Get(t.Context(), id); err == nil {
			t.Errorf("%d: want an error", id)
		}
	}
	if _, err := c.Availability.ListPage(t.Context(), nil); err == nil {
		t.Error("list: want an error")
	}
	_, err := c.Availability.Get(t.Context(), 0)
	isInvalid(t, err)
	_, err = c.Availability.ListPage(t.Context(), &AvailabilityListOptions{CursorOptions: CursorOptions{PageSize: 101}})
	isInvalid(t, err)
	for _, err := range c.Availability.Statuses(t.Context(), &CursorOptions{PageSize: -1}) {
		isInvalid(t, err)
	}
	if lastSegment("plain") != "plain" || !strings.HasSuffix(lastSegment("a|b|talk"), "talk") {
		t.Fatal("lastSegment")
	}
}
