package memorialize

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

const (
	callerPhone  = "+33612345678"
	studioSecret = "studio-shared-secret"
	warehouse    = time.Minute
)

// testMapping is the mapping the end-to-end tests use: the seed's kind of
// screen, both channels, a script variable, a user field.
func testMapping() Mapping {
	return Mapping{
		Ticket: {
			{Zendesk: ZendeskField{Title: "CXone ANI"}, Channel: Voice, Data: "ANI"},
			{Zendesk: ZendeskField{Title: "CXone disposition"}, Channel: Voice, Data: "Disposition Name"},
			{Zendesk: ZendeskField{Title: "CXone notes", Type: zendesk.FieldTextarea}, Channel: Voice, Data: "Disposition Notes"},
			{Zendesk: ZendeskField{Title: "CXone agent"}, Channel: Voice, Data: "Agent Name"},
			{Zendesk: ZendeskField{Title: "CXone recording"}, Channel: Voice, Data: "Recording URL"},
			{Zendesk: ZendeskField{Title: "CXone agent"}, Channel: Digital, Data: "Agent Name"},
			{Zendesk: ZendeskField{Title: "CXone disposition"}, Channel: Digital, Data: "Disposition Name"},
			{Zendesk: ZendeskField{Title: "CXone transcript", Type: zendesk.FieldTextarea}, Channel: Digital, Data: "Transcription Text"},
			{Zendesk: ZendeskField{Title: "CXone order"}, Channel: ScriptVariable, Data: "ordernumber"},
		},
		User: {
			{Zendesk: ZendeskField{Key: "cxone_last_skill", Title: "CXone last skill"}, Channel: Voice, Data: "Skill Name"},
		},
	}
}

func testDynamic() DynamicData {
	return DynamicData{
		User:   {{Standard: "name"}, {Key: "cxone_last_skill"}},
		Ticket: {{Standard: "subject"}, {Title: "CXone disposition"}, {Title: "CXone agent"}},
	}
}

// env is a CXone fake, a Zendesk fake and the flow between them, on one
// injected clock, provisioned as a user would.
type env struct {
	t      *testing.T
	clock  *testkit.Clock
	cx     *cxonetest.Server
	zd     *zendesktest.Server
	cc     *cxone.Client
	zc     *zendesk.Client
	store  store.Store
	flow   *Flow
	srv    *httptest.Server
	report flow.Report

	voice, chat int64 // skills
	ann         int64 // agent
	resolved    int64 // disposition
	customer    int64 // Zendesk user with callerPhone
	openTicket  int64 // their open ticket

	mu      sync.Mutex
	results []Result
}

func newEnv(t *testing.T, tweak ...func(*Config)) *env {
	t.Helper()
	e := &env{t: t, clock: testkit.NewClock()}
	e.cx = cxonetest.NewServer(cxonetest.WithClock(e.clock.Now), cxonetest.WithWarehouseDelay(warehouse))
	t.Cleanup(e.cx.Close)
	e.zd = zendesktest.NewServer(zendesktest.WithDeliverySleep(zendesktest.NoSleep))
	t.Cleanup(e.zd.Close)
	e.cc = e.cxoneClient()
	var err error
	e.zc, err = zendesk.NewClient(zendesk.WithBaseURL(e.zd.URL), zendesk.WithAPIToken(e.zd.Email, e.zd.APIToken),
		zendesk.WithMaxRetries(1), zendesk.WithRetryWaitMax(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	e.resolved = e.cx.AddDisposition(cxonetest.Disposition{Name: "Resolved"}).ID
	e.voice = e.cx.AddSkill(cxonetest.Skill{Name: "Billing Voice", ACW: true, DispositionIDs: []int64{e.resolved}}).ID
	e.chat = e.cx.AddSkill(cxonetest.Skill{Name: "Chat EN", Media: cxonetest.MediaChat, DispositionIDs: []int64{e.resolved}}).ID
	e.ann = e.cx.AddAgent(cxonetest.Agent{FirstName: "Ann", LastName: "Lee", SkillIDs: []int64{e.voice, e.chat}}).ID
	if _, err := e.cx.LogIn(e.ann); err != nil {
		t.Fatal(err)
	}
	phone := callerPhone
	e.customer = e.zd.AddUser(zendesktest.User{Name: "Chloé Martin", Phone: &phone, Role: "end-user"}).ID
	tk, err := e.zc.Tickets.Create(t.Context(), &zendesk.TicketInput{Subject: "Refund", RequesterID: e.customer,
		Comment: &zendesk.CommentInput{Body: "I want a refund"}})
	if err != nil {
		t.Fatal(err)
	}
	e.openTicket = tk.ID

	e.report, err = Provision(t.Context(), ProvisionConfig{Zendesk: e.zc, Mapping: testMapping(), Dynamic: testDynamic()})
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	e.store = &store.Memory{Now: e.clock.Now}
	cfg := e.config()
	for _, f := range tweak {
		f(&cfg)
	}
	e.flow = e.newFlow(cfg)
	e.srv = httptest.NewServer(e.flow.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) cxoneClient() *cxone.Client {
	c, err := cxone.NewClient(cxone.WithBaseURL(e.cx.URL),
		cxone.WithAccessKey(e.cx.AccessKeyID, e.cx.AccessKeySecret, e.cx.ClientID, e.cx.ClientSecret),
		cxone.WithMaxRetries(1), cxone.WithRetryWaitMax(10*time.Millisecond))
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// config is the flow's configuration on e's fakes and store.
func (e *env) config() Config {
	return Config{
		CXone: e.cc, Zendesk: e.zc,
		Mapping: testMapping(), Dynamic: testDynamic(),
		Workflows:  Workflows{SearchANI: true, CreateTicket: true, CreateUser: true},
		StudioAuth: webhook.SharedSecretVerifier{Secrets: []string{studioSecret}},
		Store:      e.store,
		Lookback:   time.Hour,
		Now:        e.clock.Now,
		OnResult: func(r Result) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.results = append(e.results, r)
		},
	}
}

func (e *env) newFlow(cfg Config) *Flow {
	e.t.Helper()
	f, err := New(cfg)
	if err != nil {
		e.t.Fatalf("New: %v", err)
	}
	return f
}

// play runs a whole interaction in the fake contact center.
func (e *env) play(in cxonetest.Interaction) int64 {
	e.t.Helper()
	if in.AgentID == 0 {
		in.AgentID = e.ann
	}
	id, err := e.cx.Play(in)
	if err != nil {
		e.t.Fatalf("Play: %v", err)
	}
	return id
}

// warehouse moves the clock past the warehousing delay.
func (e *env) warehouse() { e.clock.Advance(warehouse + time.Second) }

func (e *env) poll() PollStats {
	e.t.Helper()
	st, err := e.flow.Poll(e.t.Context())
	if err != nil {
		e.t.Fatalf("Poll: %v", err)
	}
	return st
}

// field returns the text of a ticket's custom field titled title.
func (e *env) field(ticketID int64, title string) string {
	e.t.Helper()
	tf, err := e.zc.TicketFields.FindByTitle(context.Background(), title)
	if err != nil {
		e.t.Fatalf("field %q: %v", title, err)
	}
	tk, ok := e.zd.Ticket(ticketID)
	if !ok {
		e.t.Fatalf("no ticket %d", ticketID)
	}
	for _, cf := range tk.CustomFields {
		if cf.ID == tf.ID {
			return rawText(json.RawMessage(cf.Value))
		}
	}
	return ""
}

func (e *env) resultsFor(contactID int64) []Result {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Result
	for _, r := range e.results {
		if r.ContactID == contactID {
			out = append(out, r)
		}
	}
	return out
}

// writes counts the Zendesk writes (PUT and POST of tickets and users).
func (e *env) writes() int {
	return e.zd.RequestCount("PUT", "/api/v2/tickets") + e.zd.RequestCount("POST", "/api/v2/tickets") +
		e.zd.RequestCount("PUT", "/api/v2/users") + e.zd.RequestCount("POST", "/api/v2/users")
}

// appliedOnce fails t for each contact of ids not applied exactly once.
func (e *env) appliedOnce(ids ...int64) {
	e.t.Helper()
	for _, id := range ids {
		applied := 0
		for _, r := range e.resultsFor(id) {
			if r.Outcome == flow.Applied {
				applied++
			}
		}
		if applied != 1 {
			e.t.Errorf("contact %d applied %d times: %v", id, applied, e.resultsFor(id))
		}
	}
}

// afterRead runs run once, as the first read of key returns: another
// handling starts at that moment.
type afterRead struct {
	mu  sync.Mutex
	key string
	run func()
}

// read is called as a read of key returns.
func (a *afterRead) read(key string) {
	a.mu.Lock()
	var run func()
	if key == a.key {
		run, a.run = a.run, nil
	}
	a.mu.Unlock()
	if run != nil {
		run()
	}
}
