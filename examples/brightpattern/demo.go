package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/brightpattern/brightpatterntest"
	"github.com/deskbridge/deskbridge/brightpattern/scenario"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The demo's numbers and secret.
const (
	supportDNIS = "+18005550199"
	brandDNIS   = "+18005550200"
	knownANI    = "+14155550100"
	unknownANI  = "+14155550111"
	brandANI    = "+442071838750"
	demoSecret  = "demo-scenario-secret-0123456789"
)

// demoWorld is the fakes and what the checks compare with.
type demoWorld struct {
	bp                *brightpatterntest.Server
	support, brand    *zendesktest.Server
	annSupport        int64
	annBrand          int64
	knownTicket       int64
	brandTicket       int64
	accounts          *brightpattern.Accounts
	resultsMu         sync.Mutex
	results           []scenario.Result
	knownID, brandUID int64
}

// runDemo plays three calls on the fakes, prints a table and checks the
// fakes' state.
func runDemo(ctx context.Context, stdout io.Writer) error {
	w, err := newDemoWorld(ctx)
	if err != nil {
		return err
	}
	defer w.close()
	sc := scenario.InboundCall(map[string]string{supportDNIS: "support", brandDNIS: "brand"}, attachFields...)
	rep, err := scenario.Provision(ctx, scenario.ProvisionConfig{Accounts: w.accounts, Scenario: sc})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Provision: %s\n\n", rep.Summary())
	st, err := openStore("", defaultRedisPrefix) // the demo's one replica
	if err != nil {
		return err
	}
	f, err := scenario.New(scenario.Config{
		Accounts: w.accounts, Scenario: sc, ScenarioAuth: webhook.SharedSecretVerifier{Secrets: []string{demoSecret}}, Store: st.Store,
		Directory: brightpattern.NewDirectory(&brightpattern.User{LoginID: "ann", Email: "ann@example.com", Roles: []string{"Agent"}}),
		Agents:    []string{"ann"},
		OnResult: func(r scenario.Result) {
			w.resultsMu.Lock()
			w.results = append(w.results, r)
			w.resultsMu.Unlock()
		},
	})
	if err != nil {
		return err
	}
	if err := f.Check(ctx); err != nil {
		return fmt.Errorf("check before the calls: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srvCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	mux := newMux(f, w.accounts, st, slog.New(slog.DiscardHandler)) // nothing probes the demo's /readyz
	go func() { done <- serveUntilDone(srvCtx, newHTTPServer(mux, defaultTimeouts), ln) }()
	defer func() { stop(); <-done }()
	w.bp.SetScenario(brightpatterntest.ScenarioCall("http://"+ln.Addr().String()+scenarioPath, demoSecret))

	calls := []struct{ what, ani, dnis string }{
		{"known caller", knownANI, supportDNIS},
		{"unknown caller", unknownANI, supportDNIS},
		{"second brand", brandANI, brandDNIS},
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL\tACCOUNT\tBLOCK\tEXIT\tWHAT IT DID")
	var runs []brightpatterntest.ScenarioRun
	for _, c := range calls {
		run, err := w.bp.Arrive(ctx, brightpatterntest.Interaction{ANI: c.ani, DNIS: c.dnis, Agent: "ann"})
		if err != nil {
			return err
		}
		runs = append(runs, run)
		w.resultsMu.Lock()
		res := w.results[len(w.results)-1]
		w.resultsMu.Unlock()
		label := c.what + " " + c.ani + " → " + c.dnis
		for _, s := range res.Steps {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", label, s.Account, s.Block, s.Exit, s.Detail)
			label = ""
		}
		fmt.Fprintf(tw, "\t\t(Fetch URL block)\t%s\tticket_id=%s caller.id=%s\n", run.Exit, run.Variables["ticket_id"], run.Variables["caller.id"])
	}
	tw.Flush()
	fmt.Fprintln(stdout)
	problems := w.verify(runs)
	if len(problems) > 0 {
		return fmt.Errorf("the fakes' state is not what the calls should have left:\n  %s", strings.Join(problems, "\n  "))
	}
	fmt.Fprintln(stdout, "OK: each call's ticket was popped to ann on its brand's Zendesk, with the call data attached.")
	return nil
}

func newDemoWorld(ctx context.Context) (*demoWorld, error) {
	w := &demoWorld{bp: brightpatterntest.NewServer(), support: zendesktest.NewServer(), brand: zendesktest.NewServer()}
	if err := w.bp.AddUser(brightpatterntest.User{LoginID: "ann", FirstName: "Ann", Email: "ann@example.com", Roles: []string{"Agent"}}); err != nil {
		w.close()
		return nil, err
	}
	w.annSupport = w.support.AddAgent("Ann Agent", "ann@example.com")
	w.annBrand = w.brand.AddAgent("Ann Agent", "ann@example.com")
	known, brandCaller := knownANI, brandANI
	w.knownID = w.support.AddUser(zendesktest.User{Name: "Carla Caller", Phone: &known}).ID
	w.brandUID = w.brand.AddUser(zendesktest.User{Name: "Brandon Buyer", Phone: &brandCaller}).ID
	var err error
	w.accounts, err = brightpattern.NewAccounts(
		brightpattern.Account{Name: "support", URL: w.support.URL, Default: true, HTTPClient: w.support.Client(),
			Auth: brightpattern.APIToken{Username: w.support.Email, Token: w.support.APIToken}},
		brightpattern.Account{Name: "brand", URL: w.brand.URL, HTTPClient: w.brand.Client(),
			Auth: brightpattern.APIToken{Username: w.brand.Email, Token: w.brand.APIToken}},
	)
	if err != nil {
		w.close()
		return nil, err
	}
	for _, t := range []struct {
		account   string
		requester int64
		subject   string
		id        *int64
	}{{"support", w.knownID, "Router blinks red", &w.knownTicket}, {"brand", w.brandUID, "Order 1234 late", &w.brandTicket}} {
		zc, _ := w.accounts.Select(t.account)
		tk, err := zc.Tickets.Create(ctx, &zendesk.TicketInput{Subject: t.subject, RequesterID: t.requester, Comment: zendesk.PublicComment(t.subject)})
		if err != nil {
			w.close()
			return nil, err
		}
		*t.id = tk.ID
	}
	return w, nil
}

func (w *demoWorld) close() {
	w.bp.Close()
	w.support.Close()
	w.brand.Close()
}

// verify compares the fakes' state with what the three calls should have
// left, and lists every difference.
func (w *demoWorld) verify(runs []brightpatterntest.ScenarioRun) []string {
	var p []string
	bad := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	for i, r := range runs {
		if r.Exit != brightpatterntest.ExitNext {
			bad("call %d took the Fetch URL block's %s exit", i+1, r.Exit)
		}
	}
	if len(runs) != 3 || len(p) > 0 {
		return p
	}
	// 1. Known caller: the open ticket popped to ann, fields and note on it.
	// 2. Unknown caller: a user with the number, a voice ticket (via 45)
	//    requested by them, popped to ann.
	newTicket, _ := strconv.ParseInt(runs[1].Variables["ticket_id"], 10, 64)
	wantPops := []zendesktest.ScreenPop{{AgentID: w.annSupport, TicketID: w.knownTicket}, {AgentID: w.annSupport, TicketID: newTicket}}
	got := w.support.ScreenPops()
	if len(got) != 2 || got[0].AgentID != wantPops[0].AgentID || got[0].TicketID != wantPops[0].TicketID ||
		got[1].AgentID != wantPops[1].AgentID || got[1].TicketID != wantPops[1].TicketID {
		bad("support's screen pops are %+v, want ticket %d then %d to agent %d", got, w.knownTicket, newTicket, w.annSupport)
	}
	var caller *zendesktest.User
	for _, u := range w.support.Users() {
		if u.Phone != nil && *u.Phone == unknownANI {
			caller = &u
		}
	}
	tk, ok := w.support.Ticket(newTicket)
	switch {
	case caller == nil:
		bad("no Zendesk user has the unknown caller's number %s", unknownANI)
	case !ok || tk.ViaID != 45 || tk.RequesterID != caller.ID:
		bad("the unknown caller's ticket %d is %+v, want a voice ticket (via 45) requested by user %d", newTicket, tk, caller.ID)
	}
	// 3. Second brand: the brand's ticket popped on the brand's Zendesk only.
	if got := w.brand.ScreenPops(); len(got) != 1 || got[0].AgentID != w.annBrand || got[0].TicketID != w.brandTicket {
		bad("brand's screen pops are %+v, want ticket %d to agent %d", got, w.brandTicket, w.annBrand)
	}
	for _, c := range []struct {
		z      *zendesktest.Server
		ticket int64
		ani    string
		run    brightpatterntest.ScenarioRun
	}{{w.support, w.knownTicket, knownANI, runs[0]}, {w.support, newTicket, unknownANI, runs[1]}, {w.brand, w.brandTicket, brandANI, runs[2]}} {
		p = append(p, checkAttached(c.z, c.ticket, c.ani, c.run.GlobalInteractionID)...)
	}
	return p
}

// checkAttached says what is missing of the call data on a ticket: the
// two fields and the internal note.
func checkAttached(z *zendesktest.Server, ticket int64, ani, giid string) []string {
	tk, ok := z.Ticket(ticket)
	if !ok {
		return []string{fmt.Sprintf("ticket %d does not exist", ticket)}
	}
	titles := map[int64]string{}
	for _, f := range z.TicketFields() {
		titles[f.ID] = f.Title
	}
	values := map[string]string{}
	for _, cf := range tk.CustomFields {
		var s string
		if json.Unmarshal(cf.Value, &s) == nil {
			values[titles[cf.ID]] = s
		}
	}
	var p []string
	if values["Caller number"] != ani || values["Bright Pattern interaction"] != giid {
		p = append(p, fmt.Sprintf("ticket %d's fields are %v, want Caller number %s and the interaction %s", ticket, values, ani, giid))
	}
	cs := z.Comments(ticket)
	if len(cs) == 0 || cs[len(cs)-1].Public || !strings.Contains(cs[len(cs)-1].Body, "item.ANI: "+ani) {
		p = append(p, fmt.Sprintf("ticket %d has no internal note with the call data", ticket))
	}
	return p
}
