package memorialize

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Memorializing completed contacts, measured: b.N voice calls end in a
// fake CXone (run with -benchtime=10000x for the issue's 10,000); the flow
// polls them all and writes each one's ANI, skill, agent, disposition and
// notes into a ticket in a fake Zendesk, found by one of two routes:
//
//   - BenchmarkMemorialize: each contact carries its Zendesk ticket in a
//     script variable (the custom data);
//   - BenchmarkMemorializeSearchANI: none does; the Search ANI workflow
//     finds the user whose phone is the ANI (100 callers, each with an
//     open ticket) and their open ticket.
//
// Each has a floor (…Floor) doing the same work with the standard library
// alone (page through completed contacts, read each one's custom data or
// run the two searches, PUT the ticket's custom fields), so that the two
// read as a ratio from one run. All report contacts/s and requests per
// contact beside the minimum the mapping and the route need
// (minRequests): on Zendesk one write per record type mapped, plus, for
// Search ANI, the user search and the open-ticket search; on CXone the
// custom data (the variable route) plus a page per 100 contacts (agent
// and disposition names are read once).
//
//	go test -run '^$' -bench 'Memorialize' -benchtime 10000x -cpu 1 -count 5 ./cxone/memorialize/

// Routes of the benchmark.
const (
	routeVariable  = "variable"
	routeSearchANI = "searchANI"
)

// benchCallers is how many callers (Zendesk users with a phone and an
// open ticket) the Search ANI route spreads its contacts over.
const benchCallers = 100

type benchEnv struct {
	cx       *cxonetest.Server
	zd       *zendesktest.Server
	ticket   int64
	fields   map[string]int64 // ticket field ids by title
	mapping  Mapping
	start    time.Time
	clock    func() time.Time
	advanced time.Time
	route    string
	// hc counts the requests every client of the benchmark sends, by host
	// (the fakes' own logs keep the newest 20,000 only).
	hc *http.Client
	rt *countingTransport
}

// countingTransport counts requests by host.
type countingTransport struct {
	mu sync.Mutex
	n  map[string]int
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.n[r.URL.Host]++
	t.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// count returns the requests sent to base's host.
func (t *countingTransport) count(base string) int {
	u, _ := url.Parse(base)
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n[u.Host]
}

func (t *countingTransport) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.n)
}

// workflows is the flow's Workflows for the route.
func (e *benchEnv) workflows() Workflows {
	if e.route == routeSearchANI {
		return Workflows{TicketVariable: "-", UserVariable: "-", SearchANI: true}
	}
	return Workflows{UserVariable: "-"}
}

// minRequests is the fewest requests a contact needs, from the mapping
// and the route: on Zendesk one write per record type mapped, and, for
// Search ANI, the user search (shared by both types) and, with ticket
// fields, the open-ticket search; on CXone the custom data when the
// flow reads a variable, and a page of completed contacts per
// DefaultPageSize contacts.
func (e *benchEnv) minRequests() (zendeskReq, cxoneReq float64) {
	w := e.workflows()
	for _, rt := range []RecordType{User, Ticket} {
		if len(e.mapping[rt]) > 0 {
			zendeskReq++
		}
	}
	if w.SearchANI {
		zendeskReq++
		if len(e.mapping[Ticket]) > 0 {
			zendeskReq++
		}
	}
	cxoneReq = 1.0 / DefaultPageSize
	if w.TicketVariable != "-" || w.UserVariable != "-" {
		cxoneReq++
	}
	return zendeskReq, cxoneReq
}

func newBenchEnv(b *testing.B, n int, route string) *benchEnv {
	b.Helper()
	e := &benchEnv{start: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC), route: route, rt: &countingTransport{n: map[string]int{}}}
	e.hc = &http.Client{Transport: e.rt}
	e.advanced = e.start
	e.clock = func() time.Time { return e.advanced }
	e.cx = cxonetest.NewServer(cxonetest.WithClock(func() time.Time { return e.clock() }), cxonetest.WithWarehouseDelay(0))
	b.Cleanup(e.cx.Close)
	e.zd = zendesktest.NewServer()
	b.Cleanup(e.zd.Close)
	zc := e.zendeskClient(b)
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
	var callers []string
	if route == routeSearchANI {
		for i := range benchCallers {
			phone := "+337" + strconv.Itoa(10000000+i)
			u := e.zd.AddUser(zendesktest.User{Name: "Caller " + strconv.Itoa(i), Phone: &phone, Role: "end-user"})
			if _, err := zc.Tickets.Create(b.Context(), &zendesk.TicketInput{Subject: "open", RequesterID: u.ID, Comment: &zendesk.CommentInput{Body: "x"}}); err != nil {
				b.Fatal(err)
			}
			callers = append(callers, phone)
		}
	}
	for i := range n {
		e.advanced = e.advanced.Add(time.Millisecond)
		nc := cxonetest.NewContact{SkillID: skill.ID, From: "+336" + strconv.Itoa(10000000+i),
			CustomData: []cxonetest.CustomData{{Name: DefaultTicketVariable, Value: strconv.FormatInt(e.ticket, 10)}}}
		if route == routeSearchANI {
			nc = cxonetest.NewContact{SkillID: skill.ID, From: callers[i%len(callers)]}
		}
		if _, err := e.cx.Play(cxonetest.Interaction{
			NewContact: nc,
			AgentID:    agent.ID, DispositionID: disp.ID, DispositionNotes: "note " + strconv.Itoa(i),
		}); err != nil {
			b.Fatal(err)
		}
	}
	e.advanced = e.advanced.Add(time.Minute)
	e.rt.reset()
	return e
}

func (e *benchEnv) zendeskClient(b *testing.B) *zendesk.Client {
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(e.zd.URL), zendesk.WithAPIToken(e.zd.Email, e.zd.APIToken), zendesk.WithHTTPClient(e.hc))
	if err != nil {
		b.Fatal(err)
	}
	return zc
}

func (e *benchEnv) report(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "contacts/s")
	b.ReportMetric(float64(e.rt.count(e.zd.URL))/float64(n), "zendesk-req/contact")
	b.ReportMetric(float64(e.rt.count(e.cx.URL))/float64(n), "cxone-req/contact")
	zmin, cmin := e.minRequests()
	b.ReportMetric(zmin, "min-zendesk-req/contact")
	b.ReportMetric(cmin, "min-cxone-req/contact")
}

func BenchmarkMemorialize(b *testing.B) { benchFlow(b, b.N, routeVariable) }

func BenchmarkMemorializeFloor(b *testing.B) { benchFloor(b, b.N, routeVariable) }

func BenchmarkMemorializeSearchANI(b *testing.B) { benchFlow(b, b.N, routeSearchANI) }

func BenchmarkMemorializeSearchANIFloor(b *testing.B) { benchFloor(b, b.N, routeSearchANI) }

// benchFlow memorializes n contacts with the flow.
func benchFlow(b *testing.B, n int, route string) {
	e := newBenchEnv(b, n, route)
	cc, err := cxone.NewClient(cxone.WithBaseURL(e.cx.URL), cxone.WithAccessKey(e.cx.AccessKeyID, e.cx.AccessKeySecret, e.cx.ClientID, e.cx.ClientSecret),
		cxone.WithHTTPClient(e.hc))
	if err != nil {
		b.Fatal(err)
	}
	f, err := New(Config{CXone: cc, Zendesk: e.zendeskClient(b), Mapping: e.mapping,
		Workflows: e.workflows(), Store: &store.Memory{MaxKeys: 4*n + 100},
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
func benchFloor(b *testing.B, want int, route string) {
	e := newBenchEnv(b, want, route)
	token := e.cx.IssueToken()
	hc := e.hc
	getWith := func(auth func(*http.Request), u string, out any) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		auth(req)
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
	get := func(u string, out any) {
		getWith(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }, u, out)
	}
	zget := func(u string, out any) {
		getWith(func(r *http.Request) { r.SetBasicAuth(e.zd.Email+"/token", e.zd.APIToken) }, u, out)
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
			ticket := ""
			if route == routeSearchANI {
				ticket = floorSearchANI(zget, e.zd, c.FromAddress)
			} else {
				var cd struct {
					Data []struct{ Name, Value string } `json:"contactCustomData"`
				}
				get(api+"v23.0/contacts/"+strconv.FormatInt(c.ContactID, 10)+"/custom-data", &cd)
				for _, d := range cd.Data {
					if strings.EqualFold(d.Name, DefaultTicketVariable) {
						ticket = d.Value
					}
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

// floorSearchANI is the Search ANI workflow by hand: the user whose phone
// is number (the flow's query), then their most recently updated open
// ticket; it returns the ticket id.
func floorSearchANI(get func(string, any), zd *zendesktest.Server, number string) string {
	var users struct {
		Users []struct {
			ID int64 `json:"id"`
		} `json:"users"`
	}
	get(zd.URL+"/api/v2/users/search?query="+url.QueryEscape(phoneQuery(number)), &users)
	if len(users.Users) == 0 {
		return ""
	}
	var found struct {
		Results []struct {
			ID         int64  `json:"id"`
			ResultType string `json:"result_type"`
		} `json:"results"`
	}
	get(zd.URL+"/api/v2/search?sort_by=updated_at&sort_order=desc&query="+url.QueryEscape(openTicketQuery(users.Users[0].ID)), &found)
	for _, r := range found.Results {
		if r.ResultType == "ticket" {
			return strconv.FormatInt(r.ID, 10)
		}
	}
	return ""
}

// TestBenchEnv keeps the benchmarks' set-up honest in ordinary test runs,
// and holds each route's flow to the minimum Zendesk requests per contact
// its mapping needs.
func TestBenchEnv(t *testing.T) {
	t.Parallel()
	for _, route := range []string{routeVariable, routeSearchANI} {
		for name, bm := range map[string]func(*testing.B, int, string){"flow": benchFlow, "floor": benchFloor} {
			r := testing.Benchmark(func(b *testing.B) { bm(b, 100, route) })
			if r.N == 0 {
				t.Fatalf("%s %s: benchmark failed: %v", route, name, fmt.Sprint(r))
			}
			// The ticket fields' ids are read once per flow: 5 requests over 100.
			if got, want := r.Extra["zendesk-req/contact"], r.Extra["min-zendesk-req/contact"]; got < want || got > want+0.06 {
				t.Errorf("%s %s: %.2f Zendesk requests per contact, the mapping needs %.2f", route, name, got, want)
			}
		}
	}
}
