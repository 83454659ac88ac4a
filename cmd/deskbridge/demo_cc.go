package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/brightpattern/brightpatterntest"
	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/cxone/memorialize"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The demo world's contact centers: CXone (memorialize) and Bright
// Pattern (scenario), each with a customer Zendesk knows by phone and
// whose ticket is open.

const (
	demoStudioSecret   = "demo-cxone-studio-secret"
	demoScenarioSecret = "demo-bright-pattern-scenario-secret"
	// demoCallerPhone is the customer who calls, known to Zendesk.
	demoCallerPhone = "+33612345678"
	// demoDNIS is the number the customer dials.
	demoDNIS = "+18005550199"
	// demoBPAgent is the Bright Pattern agent the call is delivered to,
	// a Zendesk agent of the same email.
	demoBPAgent = "ann"
)

// demoMemorializeFields are the ticket fields the memorialize demo maps
// from a voice contact, title → CXone data.
var demoMemorializeFields = [][2]string{{"CXone ANI", "ANI"}, {"CXone agent", "Agent Name"}, {"CXone disposition", "Disposition Name"}}

// cxWorld is the CXone side of the world.
type cxWorld struct {
	srv                *cxonetest.Server
	skill, agent, disp int64
}

// bpWorld is the Bright Pattern side of the world.
type bpWorld struct {
	srv     *brightpatterntest.Server
	zdAgent int64 // the Zendesk agent of the Bright Pattern agent's email
}

// newCXone starts a fake CXone whose contacts reach the Reporting API at
// once, with a voice skill, an agent and a disposition.
func (w *world) newCXone() error {
	cx := cxonetest.NewServer(cxonetest.WithWarehouseDelay(0))
	w.closers = append(w.closers, cx.Close)
	w.env["DEMO_CXONE_ACCESS_KEY_SECRET"] = cx.AccessKeySecret
	w.env["DEMO_CXONE_CLIENT_SECRET"] = cx.ClientSecret
	w.env["DEMO_STUDIO_SECRET"] = demoStudioSecret
	disp := cx.AddDisposition(cxonetest.Disposition{Name: "Refund promised"})
	skill := cx.AddSkill(cxonetest.Skill{Name: "Billing Voice", ACW: true, DispositionIDs: []int64{disp.ID}})
	ann := cx.AddAgent(cxonetest.Agent{FirstName: "Ann", LastName: "Lee", SkillIDs: []int64{skill.ID}})
	if _, err := cx.LogIn(ann.ID); err != nil {
		return err
	}
	w.cx = &cxWorld{srv: cx, skill: skill.ID, agent: ann.ID, disp: disp.ID}
	return w.addCaller()
}

// newBrightPattern starts a fake Bright Pattern tenant with an agent whose
// email is a Zendesk agent's.
func (w *world) newBrightPattern() error {
	bp := brightpatterntest.NewServer()
	w.closers = append(w.closers, bp.Close)
	w.env["DEMO_BRIGHTPATTERN_SECRET"] = bp.ClientSecret
	w.env["DEMO_SCENARIO_SECRET"] = demoScenarioSecret
	const email = "ann.lee@example.com"
	if err := bp.AddUser(brightpatterntest.User{LoginID: demoBPAgent, FirstName: "Ann", LastName: "Lee", Email: email, Roles: []string{"Agent"}}); err != nil {
		return err
	}
	w.bp = &bpWorld{srv: bp, zdAgent: w.zd.AddAgent("Ann Lee", email)}
	return w.addCaller()
}

// addCaller adds, once, the customer who calls: a Zendesk user with
// demoCallerPhone and an open ticket.
func (w *world) addCaller() error {
	if w.callerTicket != 0 {
		return nil
	}
	phone := demoCallerPhone
	u := w.zd.AddUser(zendesktest.User{Name: "Chloé Martin", Phone: &phone, Role: "end-user"})
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(w.zd.URL), zendesk.WithAPIToken(w.zd.Email, w.zd.APIToken))
	if err != nil {
		return err
	}
	t, err := zc.Tickets.Create(context.Background(), &zendesk.TicketInput{Subject: "Refund for order A-42", RequesterID: u.ID, Comment: zendesk.PublicComment("Where is my refund?")})
	if err != nil {
		return err
	}
	w.callerTicket = t.ID
	return nil
}

// cxoneConfig and brightPatternConfig are the tenants' part of the file.
func (w *world) cxoneConfig(b *strings.Builder) {
	fmt.Fprintf(b, "  cxone:\n    demo:\n      base_url: %s\n      access_key_id: %s\n      access_key_secret: ${DEMO_CXONE_ACCESS_KEY_SECRET}\n      client_id: %s\n      client_secret: ${DEMO_CXONE_CLIENT_SECRET}\n",
		w.cx.srv.URL, w.cx.srv.AccessKeyID, w.cx.srv.ClientID)
}

func (w *world) brightPatternConfig(b *strings.Builder) {
	fmt.Fprintf(b, "  brightpattern:\n    demo:\n      tenant_url: %s\n      base_url: %s\n      login_id: %s\n      api_secret: ${DEMO_BRIGHTPATTERN_SECRET}\n",
		w.bp.srv.TenantURL, w.bp.srv.URL, w.bp.srv.ClientID)
}

// memorializeFlowConfig and scenarioFlowConfig are the flows' part.
func memorializeFlowConfig(b *strings.Builder) {
	b.WriteString("  memorialize:\n    cxone: demo\n    zendesk: demo\n    studio_secrets: [\"${DEMO_STUDIO_SECRET}\"]\n    mapping:\n      ticket:\n")
	for _, f := range demoMemorializeFields {
		fmt.Fprintf(b, "        - {title: %s, channel: voice, data: %s}\n", f[0], f[1])
	}
	b.WriteString("    workflows: {search_ani: true}\n")
}

func scenarioFlowConfig(b *strings.Builder) {
	fmt.Fprintf(b, "  scenario:\n    accounts: [demo]\n    brightpattern: demo\n    recipe: inbound_call\n    agents: [%s]\n    secrets: [\"${DEMO_SCENARIO_SECRET}\"]\n    fields: [{title: BP number dialled, value: \"$(item.DNIS)\"}]\n", demoBPAgent)
}

// playMemorialize ends a voice call in CXone; its Studio script calls the
// flow, which fills the caller's open ticket's fields.
func (w *world) playMemorialize(ctx context.Context, out io.Writer, hc *http.Client) error {
	contact, err := w.cx.srv.Play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: w.cx.skill, From: demoCallerPhone, To: demoDNIS},
		AgentID: w.cx.agent, DispositionID: w.cx.disp, DispositionNotes: "Refund sent today"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "▸ Chloé (%s) calls Billing Voice in CXone; Ann answers and gives the disposition \"Refund promised\" (contact %d)\n", demoCallerPhone, contact)
	body, _ := json.Marshal(map[string]string{"contactId": strconv.FormatInt(contact, 10)})
	status := 0
	// A 503 asks the script to call again: the poll may hold the contact.
	for try := 0; try < 5 && status != http.StatusOK; try++ {
		if try > 0 {
			if err := shortSleep(ctx, 5*time.Millisecond); err != nil {
				return err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.base+"/memorialize"+memorialize.ContactEndedPath, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+demoStudioSecret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		status = resp.StatusCode
		if status != http.StatusOK && status != http.StatusServiceUnavailable {
			break
		}
	}
	if status != http.StatusOK {
		return fmt.Errorf("the Studio call was answered %d", status)
	}
	// The poll may have claimed the contact first: the call is then
	// answered at once and the poll writes it.
	got := w.ticketFields(w.callerTicket)
	for deadline := time.Now().Add(5 * time.Second); got["CXone disposition"] == "" && time.Now().Before(deadline); {
		if err := shortSleep(ctx, 5*time.Millisecond); err != nil {
			return err
		}
		got = w.ticketFields(w.callerTicket)
	}
	var parts []string
	for _, f := range demoMemorializeFields {
		parts = append(parts, fmt.Sprintf("%s = %q", f[0], got[f[0]]))
	}
	fmt.Fprintf(out, "▸ The call ends; the Studio script calls the flow (%d) → ticket #%d (found by the caller's number): %s\n",
		status, w.callerTicket, strings.Join(parts, ", "))
	if got["CXone ANI"] != demoCallerPhone || got["CXone agent"] != "Ann Lee" || got["CXone disposition"] != "Refund promised" {
		return fmt.Errorf("ticket %d's fields are %v, not the call's", w.callerTicket, got)
	}
	return nil
}

// ticketFields returns a ticket's custom field values by field title.
func (w *world) ticketFields(id int64) map[string]string {
	titles := map[int64]string{}
	for _, f := range w.zd.TicketFields() {
		titles[f.ID] = f.Title
	}
	out := map[string]string{}
	t, _ := w.zd.Ticket(id)
	for _, cf := range t.CustomFields {
		var s string
		if json.Unmarshal(cf.Value, &s) == nil {
			out[titles[cf.ID]] = s
		}
	}
	return out
}

// playScenario has Chloé call the Bright Pattern tenant: its scenario's
// Fetch URL block calls the flow, which pops her open ticket to Ann.
func (w *world) playScenario(ctx context.Context, out io.Writer) error {
	w.bp.srv.SetScenario(brightpatterntest.ScenarioCall(w.base+"/scenario", demoScenarioSecret))
	run, err := w.bp.srv.Arrive(ctx, brightpatterntest.Interaction{ANI: demoCallerPhone, DNIS: demoDNIS, Agent: demoBPAgent})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "▸ Chloé (%s) calls %s in Bright Pattern; the scenario's Fetch URL block calls the flow → exit %s, ticket_id=%s\n",
		demoCallerPhone, demoDNIS, run.Exit, run.Variables["ticket_id"])
	pops := w.zd.ScreenPops()
	if run.Exit != brightpatterntest.ExitNext || len(pops) != 1 || pops[0].TicketID != w.callerTicket || pops[0].AgentID != w.bp.zdAgent {
		return fmt.Errorf("the call took exit %s (%s) and Zendesk popped %+v; want ticket %d popped to agent %d", run.Exit, run.Variables["fetchURLResultBody"], pops, w.callerTicket, w.bp.zdAgent)
	}
	fmt.Fprintf(out, "▸ Zendesk pops ticket #%d (her open one) to Ann, the agent of the same email\n", pops[0].TicketID)
	if w.ticketFields(w.callerTicket)["BP number dialled"] != demoDNIS {
		return errors.New("the scenario did not attach the number dialled to the ticket")
	}
	return nil
}
