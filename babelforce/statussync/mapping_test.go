package statussync_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

func TestMappingPresence(t *testing.T) {
	t.Parallel()
	def := statussync.DefaultMapping()
	over := statussync.Mapping{Presences: map[string]string{"Away": "busy", "In a meeting": "meeting"}}
	for _, c := range []struct {
		m        statussync.Mapping
		in, want string
	}{
		{def, "online", "available"},
		{def, "Online", "available"},
		{def, "away", "away"},
		{def, "transfers_only", "transfers_only"},
		{def, "offline", "offline"},
		{def, "In a meeting", "in_a_meeting"},
		{over, "away", "busy"},
		{over, "in_a_meeting", "meeting"},
		{over, "online", "available"},
		{over, "offline", "offline"},
	} {
		if got := c.m.Presence(c.in); got != c.want {
			t.Errorf("%+v.Presence(%q) = %q, want %q", c.m.Presences, c.in, got, c.want)
		}
	}
	if def.Channel != "support" || def.Fallback != "away" {
		t.Errorf("defaults %+v", def)
	}
}

func TestMappingStatus(t *testing.T) {
	t.Parallel()
	statuses := []*zendesk.UnifiedStatus{
		{ID: 2, Name: "offline", Default: true}, {ID: 3, Name: "online", Default: true},
		{ID: 4, Name: "away", Default: true}, {ID: 5, Name: "transfers_only", Default: true},
		{ID: 1001, Name: "In a meeting", Channels: map[string]string{"support": "away"}, UpdatedAt: time.Now()},
	}
	def := statussync.Mapping{}
	over := statussync.Mapping{Statuses: map[string]string{"busy": "In a meeting", "Lunch": "Gone"}, Fallback: "offline"}
	for _, c := range []struct {
		m        statussync.Mapping
		presence string
		want     int64
		fellBack bool
		err      string
	}{
		{def, "available", 3, false, ""},
		{def, "away", 4, false, ""},
		{def, "in_a_meeting", 1001, false, ""},
		{def, "In a meeting", 1001, false, ""},
		{def, "busy", 4, true, ""},
		{over, "busy", 1001, false, ""},
		{over, "pause", 2, true, ""},
		{over, "lunch", 0, false, `maps to the Zendesk status "Gone", which does not exist`},
		{statussync.Mapping{Fallback: "Nope"}, "busy", 0, false, `fallback status "Nope" does not exist`},
	} {
		st, fb, err := c.m.Status(c.presence, statuses)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Status(%q) err %v, want %q", c.presence, err, c.err)
			}
		case err != nil:
			t.Errorf("Status(%q): %v", c.presence, err)
		case st.ID != c.want || fb != c.fellBack:
			t.Errorf("Status(%q) = %d, %v; want %d, %v", c.presence, st.ID, fb, c.want, c.fellBack)
		}
	}
	if name, fb := def.StatusName("available"); name != "online" || fb {
		t.Errorf("StatusName(available) = %q %v", name, fb)
	}
}

func TestChannelState(t *testing.T) {
	t.Parallel()
	custom := &zendesk.UnifiedStatus{Name: "In a meeting", Channels: map[string]string{"support": "away", "talk": "online"}}
	for _, c := range []struct {
		st      *zendesk.UnifiedStatus
		channel string
		want    string
	}{
		{custom, "support", "away"},
		{custom, "talk", "online"},
		{custom, "messaging", ""},
		{&zendesk.UnifiedStatus{Name: "online", Default: true}, "support", "online"},
		{&zendesk.UnifiedStatus{Name: "transfers_only", Default: true}, "talk", "transfers_only"},
		{nil, "support", ""},
	} {
		if got := statussync.ChannelState(c.st, c.channel); got != c.want {
			t.Errorf("ChannelState(%v, %s) = %q, want %q", c.st, c.channel, got, c.want)
		}
	}
}

func TestMappingValidate(t *testing.T) {
	t.Parallel()
	if err := (statussync.Mapping{}).Validate(); err != nil {
		t.Errorf("default mapping: %v", err)
	}
	if err := (statussync.Mapping{Presences: map[string]string{"online": "available", "away": "busy"}, Statuses: map[string]string{"available": "online", "busy": "away"}}).Validate(); err != nil {
		t.Errorf("valid overrides: %v", err)
	}
	for _, c := range []struct {
		name  string
		m     statussync.Mapping
		field string
		fix   string
	}{
		{"channel", statussync.Mapping{Channel: "voice"}, "Mapping.Channel", `use "support", "messaging" or "talk"`},
		{"red state green", statussync.Mapping{Presences: map[string]string{"away": "available"}}, `Mapping.Presences["away"]`, `map "away" to a red presence such as "away"`},
		{"empty presence", statussync.Mapping{Presences: map[string]string{"away": " "}}, `Mapping.Presences["away"]`, `name a babelforce presence`},
		{"empty key", statussync.Mapping{Presences: map[string]string{"!": "busy"}}, `Mapping.Presences["!"]`, "remove the entry"},
		{"same key twice", statussync.Mapping{Presences: map[string]string{"In a meeting": "a", "in_a_meeting": "b"}}, `Mapping.Presences["in_a_meeting"]`, "keep one"},
		{"red presence online", statussync.Mapping{Statuses: map[string]string{"busy": "Online"}}, `Mapping.Statuses["busy"]`, `not online, such as "away"`},
		{"empty status", statussync.Mapping{Statuses: map[string]string{"busy": ""}}, `Mapping.Statuses["busy"]`, "name a Zendesk unified status"},
		{"empty status key", statussync.Mapping{Statuses: map[string]string{"": "away"}}, `Mapping.Statuses[""]`, "remove the entry"},
		{"same presence twice", statussync.Mapping{Statuses: map[string]string{"Busy": "away", "busy": "offline"}}, `Mapping.Statuses["busy"]`, "keep one"},
		{"fallback online", statussync.Mapping{Fallback: "online"}, "Mapping.Fallback", `such as "away"`},
	} {
		err := c.m.Validate()
		ps := flow.Problems(err)
		if len(ps) != 1 {
			t.Errorf("%s: %d problems: %v", c.name, len(ps), err)
			continue
		}
		if ps[0].Field != c.field || !strings.Contains(ps[0].Fix, c.fix) || !strings.Contains(err.Error(), "fix: ") {
			t.Errorf("%s: %+v", c.name, ps[0])
		}
	}
	// Several problems come back together.
	err := statussync.Mapping{Channel: "x", Fallback: "online", Presences: map[string]string{"offline": "available"}}.Validate()
	if n := len(flow.Problems(err)); n != 3 {
		t.Errorf("%d problems: %v", n, err)
	}
}

// Overrides written into DefaultMapping's tables, under any spelling of
// the name, are used and validated like those of a Mapping literal.
func TestOverridesAddedToDefaultMapping(t *testing.T) {
	t.Parallel()
	statuses := []*zendesk.UnifiedStatus{
		{ID: 3, Name: "online", Default: true}, {ID: 4, Name: "away", Default: true},
		{ID: 1001, Name: "In a meeting", Channels: map[string]string{"support": "away"}},
	}
	m := statussync.DefaultMapping()
	m.Presences["In a meeting"] = "busy"
	m.Statuses["Busy"] = " In a meeting "
	if err := m.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for _, in := range []string{"In a meeting", "in_a_meeting"} {
		if got := m.Presence(in); got != "busy" {
			t.Errorf("Presence(%q) = %q, want busy", in, got)
		}
	}
	if name, fb := m.StatusName("busy"); name != "In a meeting" || fb {
		t.Errorf("StatusName(busy) = %q, %v; want In a meeting, false", name, fb)
	}
	if st, fb, err := m.Status("busy", statuses); err != nil || st.ID != 1001 || fb {
		t.Errorf("Status(busy) = %v, %v, %v; want 1001", st, fb, err)
	}
	m.Presences["Away"] = "available"
	if ps := flow.Problems(m.Validate()); len(ps) != 1 || ps[0].Field != `Mapping.Presences["Away"]` {
		t.Errorf("a red state made green in DefaultMapping: %v", ps)
	}
}

// Flow.Mapping is a copy, and so is what New keeps of Config.Mapping: a
// caller writing to either map changes nothing, and does not race with
// the handlers (go test -race).
func TestFlowMappingIsACopy(t *testing.T) {
	t.Parallel()
	overrides := map[string]string{"Transfers only": "busy"}
	e := newEnv(t, withConfig(func(c *statussync.Config) { c.Mapping.Presences = overrides }))
	zid, bid := e.agent("Ann")
	m := e.flow.Mapping()
	if got := m.Presence("transfers_only"); got != "busy" {
		t.Errorf("Mapping().Presence(transfers_only) = %q, want busy", got)
	}
	// Add an override to the copy: it applies to the copy only.
	m.Presences["In a meeting"] = "busy"
	if got := m.Presence("In a meeting"); got != "busy" {
		t.Errorf("override added to Mapping(): Presence = %q, want busy", got)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			m.Presences["away"] = strconv.Itoa(i)
			overrides["away"] = strconv.Itoa(i)
		}
	}()
	at := time.Now()
	for i, to := range []string{"online", "away", "online", "away"} {
		e.sendZendesk(unifiedEvent("M"+strconv.Itoa(i), zid, "", to, 0, at.Add(time.Duration(i)*time.Millisecond)))
	}
	<-done
	if got := e.bf.Presence(bid); got != "away" {
		t.Errorf("babelforce presence %q, want away: writes to the caller's maps reached the flow", got)
	}
	if got := e.flow.Mapping().Presence("away"); got != "away" {
		t.Errorf("flow's Presence(away) = %q after writes to copies", got)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct {
		name  string
		cfg   statussync.Config
		field string
	}{
		{"no clients", statussync.Config{}, "Config.Zendesk"},
		{"retry after 60 s", statussync.Config{Zendesk: e.zc, Babelforce: e.bc, RetryAfter: time.Minute}, "Config.RetryAfter"},
		{"negative retry after", statussync.Config{Zendesk: e.zc, Babelforce: e.bc, RetryAfter: -1}, "Config.RetryAfter"},
		{"lease wait of 10 s", statussync.Config{Zendesk: e.zc, Babelforce: e.bc, LeaseWait: 10 * time.Second}, "Config.LeaseWait"},
		{"negative echo window", statussync.Config{Zendesk: e.zc, Babelforce: e.bc, EchoWindow: -1}, "Config.EchoWindow"},
		{"negative poll interval", statussync.Config{Zendesk: e.zc, Babelforce: e.bc, PollInterval: -1}, "Config.PollInterval"},
		{"bad mapping", statussync.Config{Zendesk: e.zc, Babelforce: e.bc, Mapping: statussync.Mapping{Channel: "fax"}}, "Mapping.Channel"},
		{"automation header without its name", statussync.Config{Zendesk: e.zc, Babelforce: e.bc,
			AutomationAuth: webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader, Secrets: []string{"s"}}}, "Config.AutomationAuth.Header"},
	} {
		_, err := statussync.New(c.cfg)
		ps := flow.Problems(err)
		if len(ps) == 0 || ps[0].Field != c.field || ps[0].Fix == "" {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	f, err := statussync.New(statussync.Config{Zendesk: e.zc, Babelforce: e.bc})
	if err != nil {
		t.Fatal(err)
	}
	if m := f.Mapping(); m.Channel != "support" || m.Fallback != "away" {
		t.Errorf("Mapping() = %+v", m)
	}
	if flow.Problems(errors.New("x")) != nil {
		t.Error("Problems of a plain error")
	}
}

func TestResultString(t *testing.T) {
	t.Parallel()
	r := statussync.Result{Source: statussync.SourceZendesk, Kind: "agent.unified_state_changed", ZendeskAgentID: 7,
		From: "online", To: "away", Target: "away", Outcome: flow.Applied, Detail: "d", Err: errors.New("e")}
	want := "zendesk agent.unified_state_changed agent 7: online → away: applied (away): d: e"
	if got := r.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	r = statussync.Result{Source: statussync.SourcePoller, Kind: "presence", To: "busy", Outcome: statussync.Baseline}
	if got := r.String(); got != "babelforce poller presence agent 0: - → busy: baseline" {
		t.Errorf("got %q", got)
	}
}
