package babelforcetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

// pair starts a fake and a client logged in with the password grant.
func pair(t *testing.T, srvOpts []babelforcetest.Option, opts ...babelforce.Option) (*babelforcetest.Server, *babelforce.Client) {
	t.Helper()
	srv := babelforcetest.NewServer(srvOpts...)
	t.Cleanup(srv.Close)
	return srv, client(t, srv, opts...)
}

func client(t *testing.T, srv *babelforcetest.Server, opts ...babelforce.Option) *babelforce.Client {
	t.Helper()
	base := []babelforce.Option{
		babelforce.WithBaseURL(srv.URL),
		babelforce.WithRetryWaitMax(10 * time.Millisecond),
	}
	hasCreds := false
	for _, o := range opts {
		if o != nil {
			hasCreds = true
		}
	}
	if !hasCreds {
		base = append(base, babelforce.WithPassword(srv.Username, srv.Password))
	}
	c, err := babelforce.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestContractAgents(t *testing.T) {
	t.Parallel()
	srv, c := pair(t, nil)
	ctx := t.Context()
	for i := range 5 {
		srv.AddAgent(babelforcetest.Agent{Name: fmt.Sprintf("Agent %d", i), SourceID: fmt.Sprint(10010 + i), Tags: []string{"support"}})
	}
	srv.ResetRequests()

	// A walk over three pages of two.
	var names []string
	for a, err := range c.Agents.List(ctx, &babelforce.AgentListOptions{Max: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, a.Name)
	}
	if len(names) != 5 || names[4] != "Agent 4" || srv.RequestCount("GET", "/api/v2/agents") != 3 {
		t.Fatalf("names %v after %d requests", names, srv.RequestCount("GET", "/api/v2/agents"))
	}
	// One page, then resume from what it returned.
	p, err := c.Agents.ListPage(ctx, &babelforce.AgentListOptions{Max: 2})
	if err != nil || len(p.Items) != 2 || p.Next != "2" || p.Total != 5 {
		t.Fatalf("page = %+v, %v", p, err)
	}
	next, _ := strconv.Atoi(p.Next)
	p, err = c.Agents.ListPage(ctx, &babelforce.AgentListOptions{Max: 2, Page: next})
	if err != nil || p.Items[0].Name != "Agent 2" || p.Next != "3" {
		t.Fatalf("page 2 = %+v, %v", p, err)
	}
	p, err = c.Agents.ListPage(ctx, &babelforce.AgentListOptions{Max: 2, Page: 3})
	if err != nil || len(p.Items) != 1 || p.Next != "" {
		t.Fatalf("page 3 = %+v, %v", p, err)
	}
	// Filters.
	n := 0
	for _, err := range c.Agents.List(ctx, &babelforce.AgentListOptions{Q: "agent 3", Enabled: babelforce.Ptr(true), Tags: []string{"support"}}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("filtered list: %d agents", n)
	}

	// The flow's lookup.
	a, err := c.Agents.FindBySourceID(ctx, "10013")
	if err != nil || a.Name != "Agent 3" || a.Presence == nil || a.Presence.Name != babelforcetest.DefaultAgentPresence || !a.Enabled {
		t.Fatalf("FindBySourceID = %+v, %v", a, err)
	}
	if _, err := c.Agents.FindBySourceID(ctx, "99"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("unknown sourceId: %v", err)
	}

	// Create, get, update, delete.
	created, err := c.Agents.Create(ctx, &babelforce.AgentCreate{Name: "Zoe", SourceID: "777", Email: "zoe@acme.test", Enabled: babelforce.Ptr(false)})
	if err != nil || created.ID == "" || created.Enabled || created.SourceID != "777" {
		t.Fatalf("Create = %+v, %v", created, err)
	}
	got, err := c.Agents.Get(ctx, created.ID)
	if err != nil || got.Email != "zoe@acme.test" || got.DateCreated.IsZero() {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	upd, err := c.Agents.Update(ctx, created.ID, &babelforce.AgentUpdate{Name: babelforce.Ptr("Zoe Z."), Enabled: babelforce.Ptr(true), Tags: []string{"vip"}})
	if err != nil || upd.Name != "Zoe Z." || !upd.Enabled || !slices.Equal(upd.Tags, []string{"vip"}) || upd.Email != "zoe@acme.test" {
		t.Fatalf("Update = %+v, %v", upd, err)
	}
	if fa, _ := srv.Agent(created.ID); fa.Name != "Zoe Z." || fa.Disabled {
		t.Fatalf("fake state = %+v", fa)
	}
	if err := c.Agents.Delete(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Agents.Get(ctx, created.ID); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("deleted agent: %v", err)
	}
	if _, err := c.Agents.Create(ctx, &babelforce.AgentCreate{Name: " "}); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("nameless agent: %v", err)
	}
}

func TestContractPresenceChanges(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock()
	srv, c := pair(t, []babelforcetest.Option{babelforcetest.WithClock(clk.Now)})
	ctx := t.Context()
	ann := srv.AddAgent(babelforcetest.Agent{Name: "Ann", SourceID: "10011"})
	var hooked []babelforcetest.PresenceChange
	var hmu sync.Mutex
	srv.OnPresenceChange(func(ch babelforcetest.PresenceChange) {
		hmu.Lock()
		hooked = append(hooked, ch)
		hmu.Unlock()
	})

	st, err := c.Agents.SetPresence(ctx, ann.ID, babelforce.AvailablePresence)
	if err != nil || st == nil || !st.Available || st.Presence.Name != "available" || !st.Presence.Available {
		t.Fatalf("SetPresence = %+v, %v", st, err)
	}
	if srv.Presence(ann.ID) != "available" {
		t.Fatalf("fake presence = %q", srv.Presence(ann.ID))
	}
	status, err := c.Agents.Status(ctx, ann.ID)
	if err != nil || status.Presence.Name != "available" || !status.Available || status.LineStatus != "available" {
		t.Fatalf("Status = %+v, %v", status, err)
	}
	// Setting the same presence again is not a change.
	if _, err := c.Agents.SetPresence(ctx, ann.ID, babelforce.AvailablePresence); err != nil {
		t.Fatal(err)
	}
	// The agent changes presence in babelforce's UI.
	clk.Advance(time.Minute)
	if err := srv.SetPresence(ann.ID, "busy"); err != nil {
		t.Fatal(err)
	}
	a, err := c.Agents.Get(ctx, ann.ID)
	if err != nil || a.Presence.Name != "busy" || a.Available {
		t.Fatalf("after the UI change: %+v, %v", a, err)
	}
	h := srv.History()
	want := []babelforcetest.PresenceChange{
		{Time: clk.Now().Add(-time.Minute), AgentID: ann.ID, SourceID: "10011", From: "busy", To: "available", Source: babelforcetest.SourceAPI},
		{Time: clk.Now(), AgentID: ann.ID, SourceID: "10011", From: "available", To: "busy", Source: babelforcetest.SourceUI},
	}
	if !slices.Equal(h, want) {
		t.Fatalf("history = %+v\nwant %+v", h, want)
	}
	hmu.Lock()
	if !slices.Equal(hooked, want) {
		t.Fatalf("hook saw %+v", hooked)
	}
	hmu.Unlock()

	// An unknown presence or agent changes nothing.
	if _, err := c.Agents.SetPresence(ctx, ann.ID, "napping"); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("unknown presence: %v", err)
	}
	if _, err := c.Agents.SetPresence(ctx, "nobody", "busy"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("unknown agent: %v", err)
	}
	if len(srv.History()) != 2 {
		t.Fatal("a failed change was recorded")
	}
	if err := srv.SetPresence(ann.ID, "napping"); err == nil {
		t.Fatal("Server.SetPresence accepted an unknown presence")
	}
	if err := srv.SetPresence("nobody", "busy"); err == nil {
		t.Fatal("Server.SetPresence accepted an unknown agent")
	}
}

func TestContractPresences(t *testing.T) {
	t.Parallel()
	srv, c := pair(t, nil)
	ctx := t.Context()
	srv.AddAgent(babelforcetest.Agent{Name: "Ann"})
	list, err := c.Presences.List(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if *list[0] != (babelforce.Presence{Name: "available", Label: "Available", Available: true, IsDefault: true}) ||
		*list[1] != (babelforce.Presence{Name: "busy", Label: "Busy", Count: 1, IsDefault: true}) {
		t.Fatalf("List = %+v %+v", list[0], list[1])
	}
	p, err := c.Presences.Create(ctx, &babelforce.PresenceCreate{Label: "In a meeting"})
	if err != nil || *p != (babelforce.Presence{Name: "in_a_meeting", Label: "In a meeting"}) {
		t.Fatalf("Create = %+v, %v", p, err)
	}
	if _, err := c.Presences.Create(ctx, &babelforce.PresenceCreate{Label: "In a meeting"}); !errors.Is(err, deskbridge.ErrConflict) {
		t.Fatalf("second create: %v", err)
	}
	srv.ResetRequests()
	if _, err := c.Presences.Create(ctx, &babelforce.PresenceCreate{Label: "Online", Available: true}); !errors.Is(err, babelforce.ErrGreenPresence) {
		t.Fatalf("green: %v", err)
	}
	if len(srv.Requests()) != 0 {
		t.Fatal("a green presence was sent")
	}
	got, err := c.Presences.Get(ctx, "in_a_meeting")
	if err != nil || got.Label != "In a meeting" || got.Available {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if err := c.Presences.Delete(ctx, "in_a_meeting"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Presences.Get(ctx, "in_a_meeting"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
	if err := c.Presences.Delete(ctx, "busy"); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("built-in: %v", err)
	}
}

func TestContractTasks(t *testing.T) {
	t.Parallel()
	srv, c := pair(t, nil)
	ctx := t.Context()
	for i := range 5 {
		state := "Completed"
		if i%2 == 0 {
			state = "Scheduled"
		}
		srv.AddTask(babelforcetest.Task{Type: "babelforce.call.inbound", State: state, Body: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))})
	}
	srv.ResetRequests()
	var ids []string
	for task, err := range c.Tasks.List(ctx, &babelforce.TaskListOptions{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		if task.CustomerID != srv.CustomerID || task.Created().IsZero() {
			t.Fatalf("task = %+v", task)
		}
		ids = append(ids, task.ID)
	}
	if len(ids) != 5 || srv.RequestCount("GET", "/api/v3/tasks") != 3 {
		t.Fatalf("%d tasks in %d requests", len(ids), srv.RequestCount("GET", "/api/v3/tasks"))
	}
	p, err := c.Tasks.ListPage(ctx, &babelforce.TaskListOptions{Filter: "state==Scheduled;type==babelforce.call.inbound", PageSize: 2})
	if err != nil || p.Total != 3 || len(p.Items) != 2 || p.Next != "2" {
		t.Fatalf("filtered = %+v, %v", p, err)
	}
	if _, err := c.Tasks.ListPage(ctx, &babelforce.TaskListOptions{Filter: "colour==red"}); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("bad filter: %v", err)
	}
	task, err := c.Tasks.Get(ctx, ids[3])
	if err != nil || string(task.Body) != `{"n":3}` || task.State != "Completed" {
		t.Fatalf("Get = %+v, %v", task, err)
	}
	var e *babelforce.Error
	if _, err := c.Tasks.Get(ctx, "nope"); !errors.Is(err, deskbridge.ErrNotFound) || !errors.As(err, &e) || e.Message != "Not Found" || e.Detail == "" {
		t.Fatalf("unknown task: %v", err)
	}
}

func TestContractSecrets(t *testing.T) {
	t.Parallel()
	srv, c := pair(t, nil)
	ctx := t.Context()
	const cred = "Basic YmFiZWxmb3JjZTpzZWNyZXQ="
	if err := c.Secrets.Store(ctx, "zendesk", map[string]string{"webhook": cred}); err != nil {
		t.Fatal(err)
	}
	if err := c.Secrets.Update(ctx, "zendesk", map[string]string{"subdomain": "acme"}); err != nil {
		t.Fatal(err)
	}
	keys, err := c.Secrets.Keys(ctx, "zendesk")
	if err != nil || !slices.Equal(keys, []string{"subdomain", "webhook"}) {
		t.Fatalf("Keys = %v, %v", keys, err)
	}
	prefixes, err := c.Secrets.ListPrefixes(ctx)
	if err != nil || !slices.Equal(prefixes, []string{"zendesk"}) {
		t.Fatalf("ListPrefixes = %v, %v", prefixes, err)
	}
	if v, ok := srv.Secret("zendesk", "webhook"); !ok || v != cred {
		t.Fatalf("Secret = %q, %v", v, ok)
	}
	// POST replaces the prefix.
	if err := c.Secrets.Store(ctx, "zendesk", map[string]string{"webhook": cred}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Secrets("zendesk"); len(got) != 1 {
		t.Fatalf("after POST: %v", got)
	}
	if err := c.Secrets.Delete(ctx, "zendesk", "webhook"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Secrets.Keys(ctx, "zendesk"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("emptied prefix: %v", err)
	}
	if err := c.Secrets.Delete(ctx, "nothing", "x"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("unknown prefix: %v", err)
	}
	// The value is in no logged body (TestContractRequestLogHoldsNoCredential).
	for _, r := range srv.Requests() {
		if strings.Contains(string(r.Body), cred) {
			t.Fatalf("the value is in the log of %s %s", r.Method, r.Path)
		}
	}
}

// TestContractRequestLogHoldsNoCredential: the request log is safe to print.
// No password, token or secret value appears in it, in a body, a header or
// a query, while Secret still returns the stored values.
func TestContractRequestLogHoldsNoCredential(t *testing.T) {
	t.Parallel()
	srv, c := pair(t, nil)
	forever := client(t, srv, babelforce.WithPassword(srv.Username, srv.Password, babelforce.WithNonExpiringToken()))
	ctx := t.Context()
	agent := srv.AddAgent(babelforcetest.Agent{Name: "Ann", SourceID: "10011"})
	secrets := map[string]string{
		"webhook":  "Basic emVuZGVzay10b2tlbi1zZWNyZXQ=",
		"token":    "zd-api-token-0123456789",
		"password": "zd-password-9876543210",
	}
	if err := c.Secrets.Store(ctx, "zendesk", map[string]string{"webhook": secrets["webhook"]}); err != nil {
		t.Fatal(err)
	}
	if err := c.Secrets.Update(ctx, "zendesk", map[string]string{"token": secrets["token"], "password": secrets["password"]}); err != nil {
		t.Fatal(err)
	}
	if err := c.Secrets.Delete(ctx, "zendesk", "password"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Agents.SetPresence(ctx, agent.ID, "busy"); err != nil {
		t.Fatal(err)
	}
	tok, err := c.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	foreverTok, err := forever.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := forever.Tasks.TriggerZendeskWebhook(ctx, "webhook_map_talk_status", map[string]any{
		"type": "zen:event-type:agent.state_changed", "detail": map[string]any{"agent_id": "10011"},
		"event": map[string]any{"current": "online"},
	}); err != nil {
		t.Fatal(err)
	}

	for key, want := range map[string]string{"webhook": secrets["webhook"], "token": secrets["token"]} {
		if v, ok := srv.Secret("zendesk", key); !ok || v != want {
			t.Errorf("Secret(zendesk, %s) = %q, %v; want the stored value", key, v, ok)
		}
	}
	credentials := []string{srv.Password, tok, foreverTok, secrets["webhook"], secrets["token"], secrets["password"]}
	var stored, tokens int
	for _, r := range srv.Requests() {
		logged := []string{string(r.Body), r.RawQuery}
		for _, vs := range r.Header {
			logged = append(logged, vs...)
		}
		for _, l := range logged {
			for _, cred := range credentials {
				if strings.Contains(l, cred) {
					t.Errorf("%s %s: the log holds %q in %q", r.Method, r.Path, cred, l)
				}
			}
		}
		switch {
		case r.Path == "/oauth/token":
			tokens++
			if !strings.Contains(string(r.Body), "password=%5Bredacted%5D") {
				t.Errorf("token request logged as %q", r.Body)
			}
		case r.Method == "POST" || r.Method == "PATCH":
			if strings.HasPrefix(r.Path, "/api/v3/tasks/configurations/secrets/") {
				stored++
				var m map[string]string
				if err := json.Unmarshal(r.Body, &m); err != nil || len(m) == 0 {
					t.Errorf("%s %s logged %q; want the keys with redacted values", r.Method, r.Path, r.Body)
				}
				for k, v := range m {
					if v != "[redacted]" {
						t.Errorf("%s %s logged %s=%q", r.Method, r.Path, k, v)
					}
				}
			}
		}
	}
	if tokens != 2 || stored != 2 {
		t.Fatalf("%d token requests and %d secret writes logged, want 2 and 2", tokens, stored)
	}
}

func TestContractZendeskWebhook(t *testing.T) {
	t.Parallel()
	srv, c := pair(t, nil, babelforce.WithPassword(babelforcetest.DefaultUsername, babelforcetest.DefaultPassword, babelforce.WithNonExpiringToken()))
	ctx := t.Context()
	ann := srv.AddAgent(babelforcetest.Agent{Name: "Ann", SourceID: "10011"})
	srv.AddPresence("", "Away")

	event := `{"event":{"channel":"support","updated_at":"2023-04-05T23:30:58.642630335Z","new_state":"online","previous_state":"offline"},` +
		`"detail":{"agent_id":"10011","version":"3","account_id":"2"},"id":"01GX79ST1QX01C889XV42S2J5T","time":"2023-05-10T23:31:58.642630335Z",` +
		`"subject":"zen:agent:10011","type":"zen:event-type:agent.state_changed","account_id":2,"zendesk_event_version":"2022-11-06"}`
	task, err := c.Tasks.TriggerZendeskWebhook(ctx, babelforce.StatusSyncTemplate, []byte(event))
	if err != nil {
		t.Fatal(err)
	}
	if task.Type != babelforce.ZendeskAgentStatusTaskType || task.State != babelforce.TaskScheduled || task.CustomerID != srv.CustomerID || task.SessionID == "" {
		t.Fatalf("task = %+v", task)
	}
	var sent, got any
	_ = json.Unmarshal([]byte(event), &sent)
	_ = json.Unmarshal(task.Body, &got)
	if fmt.Sprint(sent) != fmt.Sprint(got) {
		t.Fatalf("task body = %s", task.Body)
	}
	if srv.Presence(ann.ID) != "available" {
		t.Fatalf("presence after online = %q", srv.Presence(ann.ID))
	}
	done, err := c.Tasks.Get(ctx, task.ID)
	if err != nil || done.State != babelforce.TaskCompleted || done.HasError {
		t.Fatalf("task after the template = %+v, %v", done, err)
	}

	// A unified status event, sent with the bearer token a Zendesk webhook
	// would carry (non-expiring, from AccessToken).
	tok, err := c.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	unified := `{"type":"zen:event-type:agent.unified_state_changed","detail":{"agent_id":"10011"},"event":{"new_unified_state":{"id":"4","name":"away"}}}`
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/api/v1/webhook/zendesk?templateId="+babelforcetest.StatusSyncTemplate, strings.NewReader(unified))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || srv.Presence(ann.ID) != "away" {
		t.Fatalf("unified event: %d, presence %q", resp.StatusCode, srv.Presence(ann.ID))
	}
	h := srv.History()
	if len(h) != 2 || h[1].Source != babelforcetest.SourceWebhook || h[1].To != "away" {
		t.Fatalf("history = %+v", h)
	}

	// No agent with that sourceId: the task fails, nothing changes.
	task, err = c.Tasks.TriggerZendeskWebhook(ctx, babelforce.StatusSyncTemplate, map[string]any{"detail": map[string]string{"agent_id": "404"}, "event": map[string]string{"new_state": "away"}})
	if err != nil {
		t.Fatal(err)
	}
	if ft, _ := srv.Task(task.ID); ft.State != "Failed" || !ft.HasError || !strings.Contains(ft.Result, "404") {
		t.Fatalf("failed task = %+v", ft)
	}
	// Another template is recorded only.
	task, err = c.Tasks.TriggerZendeskWebhook(ctx, "my_template", map[string]any{"detail": map[string]string{"agent_id": "10011"}, "event": map[string]string{"new_state": "online"}})
	if err != nil || srv.Presence(ann.ID) != "away" {
		t.Fatalf("other template: %v, presence %q", err, srv.Presence(ann.ID))
	}
	if ft, _ := srv.Task(task.ID); ft.State != "Scheduled" || ft.Template != "my_template" {
		t.Fatalf("other template task = %+v", ft)
	}
	if len(srv.Tasks()) != 4 {
		t.Fatalf("%d tasks", len(srv.Tasks()))
	}
}

func TestContractConcurrentCallsShareOneToken(t *testing.T) {
	t.Parallel()
	srv, c := pair(t, nil)
	srv.AddAgent(babelforcetest.Agent{Name: "Ann", SourceID: "1"})
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Agents.FindBySourceID(t.Context(), "1"); err != nil {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d calls failed", failed.Load())
	}
	if n := srv.TokenRequests(); n != 1 {
		t.Fatalf("%d token requests for 50 concurrent calls, want 1", n)
	}
	if n := srv.RequestCount("GET", "/api/v2/agents"); n != 50 {
		t.Fatalf("%d API requests", n)
	}
	for _, r := range srv.Requests() {
		if r.Path != "/oauth/token" && r.Header.Get("Authorization") != "[redacted]" {
			t.Fatalf("request log holds %q", r.Header.Get("Authorization"))
		}
	}
}

func TestContractTokenLifetimes(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock()
	srv := babelforcetest.NewServer(babelforcetest.WithClock(clk.Now))
	t.Cleanup(srv.Close)
	expiring := client(t, srv)
	forever := client(t, srv, babelforce.WithPassword(srv.Username, srv.Password, babelforce.WithNonExpiringToken()))
	ctx := t.Context()
	for _, c := range []*babelforce.Client{expiring, forever} {
		if _, err := c.Presences.List(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if srv.TokenRequests() != 2 {
		t.Fatalf("%d token requests", srv.TokenRequests())
	}
	// Two hours later (on the fake's clock) the expiring token is refused;
	// the client gets a new one and the call goes through. The
	// non-expiring token still works.
	clk.Advance(2 * time.Hour)
	for _, c := range []*babelforce.Client{expiring, forever} {
		if _, err := c.Presences.List(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if srv.TokenRequests() != 3 || srv.RequestCount("GET", "/api/v2/agents/presence") != 5 {
		t.Fatalf("%d token requests, %d API requests", srv.TokenRequests(), srv.RequestCount("GET", "/api/v2/agents/presence"))
	}
	// Revoked tokens: both clients recover with a new one.
	srv.RevokeTokens()
	for _, c := range []*babelforce.Client{expiring, forever} {
		if _, err := c.Presences.List(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if srv.TokenRequests() != 5 {
		t.Fatalf("%d token requests after revocation", srv.TokenRequests())
	}
}

func TestContractBadCredentials(t *testing.T) {
	t.Parallel()
	srv := babelforcetest.NewServer(babelforcetest.WithCredentials("ops@acme.test", "right-password"))
	t.Cleanup(srv.Close)
	c := client(t, srv, babelforce.WithPassword("ops@acme.test", "wrong-password"))
	_, err := c.Agents.Get(t.Context(), "a1")
	var e *babelforce.Error
	if !errors.Is(err, deskbridge.ErrUnauthorized) || !errors.As(err, &e) || e.StatusCode != 400 || e.Code != "invalid_grant" {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("password in %q", err)
	}
	// A static token the fake never issued.
	c2 := client(t, srv, babelforce.WithAccessToken("made-up-token"))
	if _, err := c2.Agents.Get(t.Context(), "a1"); !errors.Is(err, deskbridge.ErrUnauthorized) || !errors.As(err, &e) || e.Code != "invalid_token" {
		t.Fatalf("unknown token: %v", err)
	}
	// A static token the fake issued.
	c3 := client(t, srv, babelforce.WithAccessToken(srv.IssueToken(true)))
	if _, err := c3.Presences.List(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestContractRetries(t *testing.T) {
	t.Parallel()
	srv, c := pair(t, nil, nil)
	ctx := t.Context()
	srv.AddAgent(babelforcetest.Agent{Name: "Ann", SourceID: "1"})
	if _, err := c.Presences.List(ctx); err != nil { // log in first
		t.Fatal(err)
	}

	// A GET is retried after 503s.
	srv.ResetRequests()
	srv.InjectFault(babelforcetest.Fault{Method: "GET", Path: "/api/v2/agents", Status: 503, Body: `{"success":false,"message":"maintenance"}`, Times: 2})
	if _, err := c.Agents.FindBySourceID(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	if n := srv.RequestCount("GET", "/api/v2/agents"); n != 3 {
		t.Fatalf("%d GETs, want 3", n)
	}

	// A POST that may have been processed is not replayed: the agent is
	// created once, and the caller learns that the outcome is unknown.
	srv.ResetRequests()
	srv.InjectFault(babelforcetest.Fault{Method: "POST", Path: "/api/v2/agents", Processed: true, Status: 503})
	_, err := c.Agents.Create(ctx, &babelforce.AgentCreate{Name: "Bob"})
	if !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if n := srv.RequestCount("POST", "/api/v2/agents"); n != 1 {
		t.Fatalf("the POST was sent %d times", n)
	}
	if len(srv.Agents()) != 2 {
		t.Fatalf("%d agents", len(srv.Agents()))
	}
	// Nor is the Zendesk webhook.
	srv.InjectFault(babelforcetest.Fault{Method: "POST", Path: "/api/v1/webhook/zendesk", Status: 503})
	if _, err := c.Tasks.TriggerZendeskWebhook(ctx, "t", map[string]any{}); !errors.Is(err, deskbridge.ErrUnavailable) || srv.RequestCount("POST", "/api/v1/") != 1 {
		t.Fatalf("webhook: %v, %d POSTs", err, srv.RequestCount("POST", "/api/v1/"))
	}

	// A dropped connection on a PUT (idempotent) is retried.
	srv.ResetRequests()
	ann, _ := srv.AgentBySourceID("1")
	srv.InjectFault(babelforcetest.Fault{Method: "PUT", Path: "/api/v2/agents/", Drop: true})
	if _, err := c.Agents.SetPresence(ctx, ann.ID, "available"); err != nil {
		t.Fatal(err)
	}
	if n := srv.RequestCount("PUT", "/api/v2/agents/"); n != 2 {
		t.Fatalf("%d PUTs", n)
	}

	// A 429 is retried, even for a POST: it was not processed.
	srv.ResetRequests()
	srv.InjectFault(babelforcetest.Fault{Method: "POST", Path: "/api/v1/webhook/zendesk", Status: 429, Header: http.Header{"Retry-After": {"0"}}, Body: `{"error_message":"Too Many Requests"}`})
	if _, err := c.Tasks.TriggerZendeskWebhook(ctx, "t", map[string]any{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if n := srv.RequestCount("POST", "/api/v1/"); n != 2 {
		t.Fatalf("%d POSTs", n)
	}
	if e := srv.Requests(); e[0].Status != 429 || e[0].Fault == "" || e[1].Status != 202 {
		t.Fatalf("log = %+v", e)
	}
}

func TestContractRateLimit(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock()
	srv := babelforcetest.NewServer(babelforcetest.WithClock(clk.Now), babelforcetest.WithRateLimit(3, time.Minute))
	t.Cleanup(srv.Close)
	c := client(t, srv, babelforce.WithPassword(srv.Username, srv.Password), babelforce.WithMaxRetries(0))
	ctx := t.Context()
	for i := range 3 {
		if _, err := c.Presences.List(ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if rl := c.RateLimit(); rl.Limit != 3 || rl.Remaining != 0 {
		t.Fatalf("RateLimit = %+v", rl)
	}
	_, err := c.Presences.List(ctx)
	var e *babelforce.Error
	if !errors.Is(err, deskbridge.ErrRateLimited) || !errors.As(err, &e) || e.RetryAfter != time.Minute || e.Message != "Too Many Requests" {
		t.Fatalf("err = %v", err)
	}
	// The client now holds requests until the Retry-After: one whose
	// context ends sooner is not sent at all.
	srv.ResetRequests()
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err = c.Presences.List(short)
	if !errors.As(err, &e) || !e.NotSent || !errors.Is(err, deskbridge.ErrRateLimited) || len(srv.Requests()) != 0 {
		t.Fatalf("held request: %v, %d sent", err, len(srv.Requests()))
	}
	// A new window (on the fake's clock) lets another client through; the
	// token endpoint was never limited.
	clk.Advance(time.Minute)
	c2 := client(t, srv)
	if _, err := c2.Presences.List(ctx); err != nil {
		t.Fatal(err)
	}
	srv.SetRateLimit(0, 0)
	for range 5 {
		if _, err := c2.Presences.List(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
