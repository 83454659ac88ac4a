package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/cxone/memorialize"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// demoSecret is the secret the demo's Studio script sends.
const demoSecret = "demo-studio-secret"

// demoMapping is the demo's mapping screen.
func demoMapping() (memorialize.Mapping, memorialize.DynamicData) {
	f := func(title string) memorialize.ZendeskField { return memorialize.ZendeskField{Title: title} }
	return memorialize.Mapping{
			memorialize.Ticket: {
				{Zendesk: f("CXone ANI"), Channel: memorialize.Voice, Data: "ANI"},
				{Zendesk: f("CXone agent"), Channel: memorialize.Voice, Data: "Agent Name"},
				{Zendesk: f("CXone disposition"), Channel: memorialize.Voice, Data: "Disposition Name"},
				{Zendesk: f("CXone recording"), Channel: memorialize.Voice, Data: "Recording URL"},
				{Zendesk: f("CXone agent"), Channel: memorialize.Digital, Data: "Agent Name"},
				{Zendesk: f("CXone disposition"), Channel: memorialize.Digital, Data: "Disposition Name"},
				{Zendesk: memorialize.ZendeskField{Title: "CXone transcript", Type: zendesk.FieldTextarea}, Channel: memorialize.Digital, Data: "Transcription Text"},
				{Zendesk: f("CXone order"), Channel: memorialize.ScriptVariable, Data: "ordernumber"},
			},
			memorialize.User: {
				{Zendesk: memorialize.ZendeskField{Key: "cxone_last_skill", Title: "CXone last skill"}, Channel: memorialize.Voice, Data: "Skill Name"},
			},
		}, memorialize.DynamicData{
			memorialize.User:   {{Standard: "name"}, {Key: "cxone_last_skill"}},
			memorialize.Ticket: {{Standard: "subject"}, {Title: "CXone disposition"}, {Title: "CXone agent"}},
		}
}

// demoClock is the fakes' and flows' clock: the demo moves it past CXone's
// warehousing delay instead of waiting.
type demoClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *demoClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *demoClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// expected is what one contact should leave in Zendesk: ticket field
// title → value ("" for a field that must stay empty).
type expected struct {
	label   string
	contact int64
	ticket  int64
	fields  map[string]string
}

// runDemo plays the scenario and checks Zendesk.
func runDemo(ctx context.Context, out io.Writer, replicas int) error {
	clock := &demoClock{t: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	cx := cxonetest.NewServer(cxonetest.WithClock(clock.Now))
	defer cx.Close()
	zd := zendesktest.NewServer(zendesktest.WithDeliverySleep(zendesktest.NoSleep))
	defer zd.Close()

	// CXone: a voice skill with after-call work, a chat skill, one agent.
	resolved := cx.AddDisposition(cxonetest.Disposition{Name: "Refund promised"})
	callback := cx.AddDisposition(cxonetest.Disposition{Name: "Call back"})
	voice := cx.AddSkill(cxonetest.Skill{Name: "Billing Voice", ACW: true, DispositionIDs: []int64{resolved.ID, callback.ID}})
	chat := cx.AddSkill(cxonetest.Skill{Name: "Chat EN", Media: cxonetest.MediaChat, DispositionIDs: []int64{resolved.ID}})
	ann := cx.AddAgent(cxonetest.Agent{FirstName: "Ann", LastName: "Lee", SkillIDs: []int64{voice.ID, chat.ID}})
	if _, err := cx.LogIn(ann.ID); err != nil {
		return err
	}
	cc, err := cxone.NewClient(cxone.WithBaseURL(cx.URL), cxone.WithAccessKey(cx.AccessKeyID, cx.AccessKeySecret, cx.ClientID, cx.ClientSecret),
		cxone.WithMaxRetries(1), cxone.WithRetryWaitMax(50*time.Millisecond))
	if err != nil {
		return err
	}
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken),
		zendesk.WithMaxRetries(1), zendesk.WithRetryWaitMax(50*time.Millisecond))
	if err != nil {
		return err
	}

	// Zendesk: Chloé, who calls about her open ticket; Bo, who chats about his.
	chloePhone := "+33612345678"
	chloe := zd.AddUser(zendesktest.User{Name: "Chloé Martin", Phone: &chloePhone, Role: "end-user"})
	bo := zd.AddUser(zendesktest.User{Name: "Bo Ng", Role: "end-user"})
	chloeTicket, err := zc.Tickets.Create(ctx, &zendesk.TicketInput{Subject: "Refund for order A-42", RequesterID: chloe.ID, Comment: &zendesk.CommentInput{Body: "Where is my refund?"}})
	if err != nil {
		return err
	}
	boTicket, err := zc.Tickets.Create(ctx, &zendesk.TicketInput{Subject: "Parcel late", RequesterID: bo.ID, Comment: &zendesk.CommentInput{Body: "My parcel is late"}})
	if err != nil {
		return err
	}

	// Dan, whose only ticket is closed: Zendesk takes no update to it.
	danPhone := "+33700000004"
	dan := zd.AddUser(zendesktest.User{Name: "Dan Roy", Phone: &danPhone, Role: "end-user"})
	danClosed, err := zc.Tickets.Create(ctx, &zendesk.TicketInput{Subject: "Old delivery question", RequesterID: dan.ID, Comment: &zendesk.CommentInput{Body: "Answered long ago"}})
	if err != nil {
		return err
	}
	for _, status := range []string{"solved", "closed"} {
		if _, err := zd.AgentUpdate(danClosed.ID, zd.AdminID, zendesktest.AgentUpdate{Status: status}); err != nil {
			return err
		}
	}

	mapping, dynamic := demoMapping()
	rep, err := memorialize.Provision(ctx, memorialize.ProvisionConfig{Zendesk: zc, Mapping: mapping, Dynamic: dynamic})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Zendesk fields the mapping needs:\n%s\n", rep)

	st, err := openStore(ctx, "", defaultRedisPrefix, replicas > 1)
	if err != nil {
		return err
	}
	defer st.close()
	if replicas > 1 {
		fmt.Fprintf(out, "%d flows share %s\n\n", replicas, st.what)
	}
	var mu sync.Mutex
	var results []memorialize.Result
	flows := make([]*memorialize.Flow, replicas)
	handlers := make([]http.Handler, replicas)
	for i := range flows {
		flows[i], err = memorialize.New(memorialize.Config{
			CXone: cc, Zendesk: zc, Mapping: mapping, Dynamic: dynamic,
			Workflows:  memorialize.Workflows{SearchANI: true, CreateTicket: true, CreateUser: true},
			StudioAuth: webhook.SharedSecretVerifier{Secrets: []string{demoSecret}},
			Store:      st.Store,
			Now:        clock.Now,
			OnResult: func(r memorialize.Result) {
				mu.Lock()
				defer mu.Unlock()
				results = append(results, r)
			},
		})
		if err != nil {
			return err
		}
		handlers[i] = flows[i].Handler()
	}
	if err := flows[0].Check(ctx); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := newHTTPServer(&roundRobin{handlers: handlers}, defaultTimeouts)
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	hc := &http.Client{Timeout: 10 * time.Second}

	var want []expected
	// 1. Chloé calls; Ann gives a disposition in after-call work.
	call, err := cx.Play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: voice.ID, From: chloePhone, To: "+33198765432"},
		AgentID: ann.ID, DispositionID: resolved.ID, DispositionNotes: "Refund sent today", Talk: 4 * time.Minute})
	if err != nil {
		return err
	}
	want = append(want, expected{"voice call, Chloé", call, chloeTicket.ID, map[string]string{
		"CXone ANI": chloePhone, "CXone agent": "Ann Lee", "CXone disposition": "Refund promised", "CXone recording": "http*"}})
	fmt.Fprintf(out, "1. Chloé (%s) calls Billing Voice; Ann answers, then gives the disposition \"Refund promised\" in after-call work (contact %d).\n", chloePhone, call)

	// 2. Bo chats; the Studio script carries his ticket and order number.
	clock.Advance(time.Second)
	chatID, err := cx.Play(cxonetest.Interaction{
		NewContact: cxonetest.NewContact{SkillID: chat.ID, From: "bo@example.com", CustomerName: "Bo Ng", CustomData: []cxonetest.CustomData{
			{Name: memorialize.DefaultTicketVariable, Value: strconv.FormatInt(boTicket.ID, 10)}, {Name: "ordernumber", Value: "B-77"}}},
		AgentID: ann.ID, DispositionID: resolved.ID,
		Messages: []cxonetest.Message{
			{Participant: cxonetest.ParticipantCustomer, Name: "Bo", Text: "My parcel is late."},
			{Participant: cxonetest.ParticipantAgent, Name: "Ann", Text: "It ships today, sorry!"},
		},
	})
	if err != nil {
		return err
	}
	want = append(want, expected{"chat, Bo", chatID, boTicket.ID, map[string]string{
		"CXone agent": "Ann Lee", "CXone disposition": "Refund promised", "CXone order": "B-77",
		"CXone transcript": "CUSTOMER Bo: My parcel is late.\nAGENT Ann: It ships today, sorry!", "CXone ANI": ""}})
	fmt.Fprintf(out, "2. Bo chats on Chat EN about ticket #%d (script variables zendeskticketid, ordernumber); Ann closes the chat (contact %d).\n", boTicket.ID, chatID)

	// 3. An unknown caller hangs up first; Ann still gives a disposition.
	clock.Advance(time.Second)
	marcPhone := "+33700000003"
	hangup, err := cx.Play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: voice.ID, From: marcPhone},
		AgentID: ann.ID, DispositionID: callback.ID, DispositionNotes: "Hung up", EndedByContact: true})
	if err != nil {
		return err
	}
	want = append(want, expected{"caller hung up first", hangup, 0, map[string]string{
		"CXone ANI": marcPhone, "CXone agent": "Ann Lee", "CXone disposition": ""}})
	fmt.Fprintf(out, "3. %s, unknown to Zendesk, calls and hangs up first; Ann gives \"Call back\" in after-call work (contact %d).\n", marcPhone, hangup)

	// 4. Dan calls; his Studio script still carries his closed ticket.
	clock.Advance(time.Second)
	danCall, err := cx.Play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: voice.ID, From: danPhone,
		CustomData: []cxonetest.CustomData{{Name: memorialize.DefaultTicketVariable, Value: strconv.FormatInt(danClosed.ID, 10)}}},
		AgentID: ann.ID, DispositionID: resolved.ID, DispositionNotes: "Asked again"})
	if err != nil {
		return err
	}
	want = append(want, expected{"closed ticket, Dan", danCall, 0, map[string]string{
		"CXone ANI": danPhone, "CXone agent": "Ann Lee", "CXone disposition": "Refund promised"}})
	fmt.Fprintf(out, "4. Dan (%s) calls with his closed ticket #%d in zendeskticketid: Zendesk takes no update to a closed ticket, so the flow opens a new one (contact %d).\n", danPhone, danClosed.ID, danCall)

	// The contacts reach CXone's Reporting API after its warehousing delay.
	clock.Advance(cxonetest.DefaultWarehouseDelay + time.Second)

	// The chat's Studio script calls the flow when the chat ends.
	code, err := postStudio(ctx, hc, base, chatID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   The chat's Studio script calls %s: %d.\n", memorialize.ContactEndedPath, code)

	// Zendesk fails while the poll writes Chloé's ticket: the poll holds.
	zd.InjectFault(zendesktest.Fault{Method: http.MethodPut, Path: "/api/v2/tickets/" + strconv.FormatInt(chloeTicket.ID, 10), Status: http.StatusServiceUnavailable, Times: 2})
	for i, f := range flows {
		ps, err := f.Poll(ctx)
		if err != nil {
			return err
		}
		if !ps.Skipped {
			fmt.Fprintf(out, "   Poll (flow %d): contacts listed: %d; %s.\n", i+1, ps.Contacts, pollWords(ps))
		}
	}
	clock.Advance(30 * time.Second)
	ps, err := flows[len(flows)-1].Poll(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   Next poll: contacts listed: %d; %s.\n\n", ps.Contacts, pollWords(ps))

	// The hang-up's ticket is the one the Create Ticket workflow opened.
	mu.Lock()
	for _, r := range results {
		for _, w := range r.Records {
			for i := range want {
				if want[i].contact == r.ContactID && w.Type == memorialize.Ticket && w.ID != 0 && want[i].ticket == 0 {
					want[i].ticket = w.ID
				}
			}
		}
	}
	mu.Unlock()

	ok := printTable(ctx, out, zc, zd, want)
	if tk, _ := zd.Ticket(danClosed.ID); tk.Status != "closed" || hasValue(tk.CustomFields) {
		ok = false
		fmt.Fprintf(out, "DISAGREEMENT: Dan's closed ticket #%d changed\n", danClosed.ID)
	}
	if nt, _ := zd.Ticket(want[3].ticket); nt.RequesterID != dan.ID {
		ok = false
		fmt.Fprintf(out, "DISAGREEMENT: Dan's new ticket #%d is not his (requester %d)\n", want[3].ticket, nt.RequesterID)
	}

	// 5. Chloé calls again: her dynamic data, as CXone Agent would show it.
	recs, code, err := lookup(ctx, hc, base, chloePhone)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n5. Chloé calls again: GET %s?ani=%s → %d\n", memorialize.DynamicDataPath, chloePhone, code)
	for _, r := range recs {
		var parts []string
		for _, f := range r.Fields {
			parts = append(parts, fmt.Sprintf("%s = %q", f.Field, f.Value))
		}
		fmt.Fprintf(out, "   %s #%d: %s\n", r.Type, r.ID, strings.Join(parts, ", "))
	}
	if len(recs) != 2 || code != http.StatusOK {
		ok = false
		fmt.Fprintln(out, "   DISAGREEMENT: want her user and her open ticket")
	}
	if !ok {
		return fmt.Errorf("zendesk does not hold what the mapping says")
	}
	fmt.Fprintln(out, "\nZendesk holds what the mapping says: every contact written once; no disposition for the caller who hung up first; a closed ticket left closed.")
	return nil
}

// pollWords says what a poll did.
func pollWords(ps memorialize.PollStats) string {
	var parts []string
	for _, o := range flow.Outcomes() {
		if n := ps.Outcomes[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if ps.Held {
		parts = append(parts, "held before a contact Zendesk failed on")
	}
	if len(parts) == 0 {
		return "nothing new"
	}
	return strings.Join(parts, ", ")
}

// printTable prints what Zendesk holds for each contact and whether it is
// what the mapping says.
func printTable(ctx context.Context, out io.Writer, zc *zendesk.Client, zd *zendesktest.Server, want []expected) bool {
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONTACT\tWHAT\tZENDESK\tFIELD\tVALUE\tOK")
	ok := true
	for _, w := range want {
		tk, found := zd.Ticket(w.ticket)
		for _, title := range sortedKeys(w.fields) {
			exp := w.fields[title]
			got := ""
			if found {
				got = fieldValue(ctx, zc, tk, title)
			}
			match := got == exp || (strings.HasSuffix(exp, "*") && strings.HasPrefix(got, strings.TrimSuffix(exp, "*")) && got != "")
			mark := "ok"
			if !match {
				mark, ok = "DISAGREEMENT: want "+strconv.Quote(exp), false
			}
			shown := strings.ReplaceAll(got, "\n", " / ")
			if shown == "" {
				shown = "(not written)"
			}
			fmt.Fprintf(tw, "%d\t%s\tticket #%d\t%s\t%s\t%s\n", w.contact, w.label, w.ticket, title, shown, mark)
		}
	}
	tw.Flush()
	return ok
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// fieldValue is the text of the ticket's custom field titled title.
func fieldValue(ctx context.Context, zc *zendesk.Client, tk zendesktest.Ticket, title string) string {
	tf, err := zc.TicketFields.FindByTitle(ctx, title)
	if err != nil {
		return ""
	}
	for _, cf := range tk.CustomFields {
		if cf.ID == tf.ID {
			var s string
			if json.Unmarshal(cf.Value, &s) == nil {
				return s
			}
		}
	}
	return ""
}

// postStudio is the Studio script's REST call when a contact ends.
func postStudio(ctx context.Context, hc *http.Client, base string, contactID int64) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+memorialize.ContactEndedPath,
		strings.NewReader(`{"contactId": "`+strconv.FormatInt(contactID, 10)+`"}`))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+demoSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// lookup is CXone Agent's dynamic data request for an incoming ANI.
func lookup(ctx context.Context, hc *http.Client, base, ani string) ([]memorialize.Record, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+memorialize.DynamicDataPath+"?ani="+url.QueryEscape(ani), nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+demoSecret)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	var body struct {
		Records []memorialize.Record `json:"records"`
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return nil, resp.StatusCode, err
		}
	}
	return body.Records, resp.StatusCode, nil
}

// hasValue reports whether any custom field holds a value.
func hasValue(cfs []zendesktest.CustomField) bool {
	for _, cf := range cfs {
		if v := strings.TrimSpace(string(cf.Value)); v != "" && v != "null" && v != `""` {
			return true
		}
	}
	return false
}
