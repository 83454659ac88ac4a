package memorialize

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Memorializing completed contacts, measured: b.N voice calls end in a
// fake CXone (run with -benchtime=10000x for the issue's 10,000), each
// carrying its Zendesk ticket in a script variable; the flow polls them
// all and writes each one's ANI, skill, agent, disposition and notes into
// the ticket in a fake Zendesk. BenchmarkMemorializeFloor does the same
// work with the standard library alone (page through completed contacts,
// read each one's custom data, PUT the ticket's custom fields), so that
// the two read as a ratio from one run. Both report contacts/s and
// requests per contact; the minimum the mapping needs is one Zendesk
// request per contact (the ticket's PUT) and, on CXone, one for the
// custom data plus a page per 100 contacts (agent and disposition names
// are read once).

type benchEnv struct {
	cx       *cxonetest.Server
	zd       *zendesktest.Server
	ticket   int64
	fields   map[string]int64 // ticket field ids by title
	mapping  Mapping
	start    time.Time
	clock    func() time.Time
	advanced time.Time
}

func newBenchEnv(b *testing.B, n int) *benchEnv {
	b.Helper()
	e := &benchEnv{start: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)}
	e.advanced = e.start
	e.clock = func() time.Time { return e.advanced }
	e.cx = cxonetest.NewServer(cxonetest.WithClock(func() time.Time { return e.clock() }), cxonetest.WithWarehouseDelay(0))
	b.Cleanup(e.cx.Close)
	e.zd = zendesktest.NewServer()
	b.Cleanup(e.zd.Close)
	zc := benchZendeskClient(b, e.zd)
	e.mapping = Mapping{Ticket: {
		{Zendesk: ZendeskField{Title: "CXone ANI"}, Channel: Voice, Data: "ANI"},
		{Zendesk: ZendeskField{Title: "CXone skill"}, Channel: Voice, Data: "Skill Name"},
		{Zendesk: ZendeskField{Title: "CXone agent"}, Channel: Voice, Data: "Agent Name"},
		{Zendesk: ZendeskField{Title: "CXone disposition"}, Channel: Voice, Data: "Disposition Name"},
		{Zendesk: ZendeskField{Title: "CXone notes", Type: zendesk.FieldTextarea}, Channel: Voice, Data: "Disposition Notes"},
	}}
	if _, err := Provision(b.Context(), ProvisionConfig{Zendesk: zc, Mapping: e.mapping}); err != nil {
		b.Fatal(err)
	}
	e.fields = map[string]int64{}
	for _, f := range e.zd.TicketFields() {
		e.fields[f.Title] = f.ID
	}
	tk, err := zc.Tickets.Create(b.Context(), &zendesk.TicketInput{Subject: "bench", Comment: &zendesk.CommentInput{Body: "x"}})
	if err != nil {
		b.Fatal(err)
	}
	e.ticket = tk.ID
	disp := e.cx.AddDisposition(cxonetest.Disposition{Name: "Resolved"})
	skill := e.cx.AddSkill(cxonetest.Skill{Name: "Billing Voice", DispositionIDs: []int64{disp.ID}})
	agent := e.cx.AddAgent(cxonetest.Agent{FirstName: "Ann", LastName: "Lee", SkillIDs: []int64{skill.ID}})
	if _, err := e.cx.LogIn(agent.ID); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		e.advanced = e.advanced.Add(time.Millisecond)
		if _, err := e.cx.Play(cxonetest.Interaction{
			NewContact: cxonetest.NewContact{SkillID: skill.ID, From: "+336" + strconv.Itoa(10000000+i),
				CustomData: []cxonetest.CustomData{{Name: DefaultTicketVariable, Value: strconv.FormatInt(e.ticket, 10)}}},
			AgentID: agent.ID, DispositionID: disp.ID, DispositionNotes: "note " + strconv.Itoa(i),
		}); err != nil {
			b.Fatal(err)
		}
	}
	e.advanced = e.advanced.Add(time.Minute)
	e.cx.ResetRequests()
	e.zd.ResetRequests()
	return e
}

func benchZendeskClient(b *testing.B, zd *zendesktest.Server) *zendesk.Client {
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken))
	if err != nil {
		b.Fatal(err)
	}
	return zc
}

func (e *benchEnv) report(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "contacts/s")
	b.ReportMetric(float64(len(e.zd.Requests()))/float64(n), "zendesk-req/contact")
	b.ReportMetric(float64(len(e.cx.Requests()))/float64(n), "cxone-req/contact")
	b.ReportMetric(1, "min-zendesk-req/contact")
	b.ReportMetric(1+1.0/DefaultPageSize, "min-cxone-req/contact")
}

func BenchmarkMemorialize(b *testing.B) { benchFlow(b, b.N) }

func BenchmarkMemorializeFloor(b *testing.B) { benchFloor(b, b.N) }

// benchFlow memorializes n contacts with the flow.
func benchFlow(b *testing.B, n int) {
	e := newBenchEnv(b, n)
	cc, err := cxone.NewClient(cxone.WithBaseURL(e.cx.URL), cxone.WithAccessKey(e.cx.AccessKeyID, e.cx.AccessKeySecret, e.cx.ClientID, e.cx.ClientSecret))
	if err != nil {
		b.Fatal(err)
	}
	f, err := New(Config{CXone: cc, Zendesk: benchZendeskClient(b, e.zd), Mapping: e.mapping,
		Workflows: Workflows{UserVariable: "-"}, Store: &store.Memory{MaxKeys: 4*n + 100},
		Now: e.clock, Lookback: 24 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	st, err := f.Poll(b.Context())
	b.StopTimer()
	if err != nil || st.Contacts != n || st.Held {
		b.Fatalf("poll: %+v, %v", st, err)
	}
	e.report(b, n)
}

// benchFloor does the same work with the standard library alone.
func benchFloor(b *testing.B, want int) {
	e := newBenchEnv(b, want)
	token := e.cx.IssueToken()
	hc := &http.Client{}
	get := func(u string, out any) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusNoContent {
			return
		}
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %s", u, resp.Status)
		}
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			b.Fatal(err)
		}
	}
	type contact struct {
		ContactID            int64   `json:"contactId"`
		AgentID              int64   `json:"agentId"`
		FromAddress          string  `json:"fromAddress"`
		SkillName            string  `json:"skillName"`
		PrimaryDispositionID int64   `json:"primaryDispositionId"`
		DispositionNotes     string  `json:"dispositionNotes"`
		TotalDurationSeconds float64 `json:"totalDurationSeconds"`
	}
	api := e.cx.URL + "/inContactAPI/services/"
	b.ResetTimer()
	// Names read once, as the flow does.
	var agent struct {
		Agents []struct{ FirstName, LastName string } `json:"agents"`
	}
	var disp struct {
		Dispositions []struct {
			Name string `json:"dispositionName"`
		} `json:"dispositions"`
	}
	n := 0
	next := api + "v33.0/contacts/completed?top=100&orderBy=lastUpdateTime%20asc&updatedSince=" +
		url.QueryEscape(e.start.Add(-time.Hour).Format(time.RFC3339))
	for next != "" {
		var page struct {
			Contacts []contact `json:"completedContacts"`
			Links    struct {
				Next *string `json:"next"`
			} `json:"_links"`
		}
		get(next, &page)
		next = ""
		if page.Links.Next != nil {
			next = *page.Links.Next
		}
		for _, c := range page.Contacts {
			if agent.Agents == nil {
				get(api+"v23.0/agents/"+strconv.FormatInt(c.AgentID, 10), &agent)
				get(api+"v12.0/dispositions/"+strconv.FormatInt(c.PrimaryDispositionID, 10), &disp)
			}
			var cd struct {
				Data []struct{ Name, Value string } `json:"contactCustomData"`
			}
			get(api+"v23.0/contacts/"+strconv.FormatInt(c.ContactID, 10)+"/custom-data", &cd)
			ticket := ""
			for _, d := range cd.Data {
				if strings.EqualFold(d.Name, DefaultTicketVariable) {
					ticket = d.Value
				}
			}
			name := ""
			if len(agent.Agents) > 0 {
				name = agent.Agents[0].FirstName + " " + agent.Agents[0].LastName
			}
			dname := ""
			if len(disp.Dispositions) > 0 {
				dname = disp.Dispositions[0].Name
			}
			body, _ := json.Marshal(map[string]any{"ticket": map[string]any{"custom_fields": []map[string]any{
				{"id": e.fields["CXone ANI"], "value": c.FromAddress}, {"id": e.fields["CXone skill"], "value": c.SkillName},
				{"id": e.fields["CXone agent"], "value": name}, {"id": e.fields["CXone disposition"], "value": dname},
				{"id": e.fields["CXone notes"], "value": c.DispositionNotes},
			}}})
			req, _ := http.NewRequest(http.MethodPut, e.zd.URL+"/api/v2/tickets/"+ticket, strings.NewReader(string(body)))
			req.SetBasicAuth(e.zd.Email+"/token", e.zd.APIToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("PUT: %s", resp.Status)
			}
			n++
		}
	}
	b.StopTimer()
	if n != want {
		b.Fatalf("%d contacts, want %d", n, want)
	}
	e.report(b, n)
}

// TestBenchEnv keeps the benchmarks' set-up honest in ordinary test runs.
func TestBenchEnv(t *testing.T) {
	t.Parallel()
	for _, bm := range []func(*testing.B, int){benchFlow, benchFloor} {
		r := testing.Benchmark(func(b *testing.B) { bm(b, 30) })
		if r.N == 0 {
			t.Errorf("benchmark failed: %v", fmt.Sprint(r))
		}
	}
}
