package memorialize_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/cxone/memorialize"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func ExampleMapping_Values() {
	m := memorialize.Mapping{memorialize.Ticket: {
		{Zendesk: memorialize.ZendeskField{Title: "CXone ANI"}, Channel: memorialize.Voice, Data: "ANI"},
		{Zendesk: memorialize.ZendeskField{Title: "CXone disposition"}, Channel: memorialize.Voice, Data: "Disposition Name"},
		{Zendesk: memorialize.ZendeskField{Title: "Order"}, Channel: memorialize.ScriptVariable, Data: "ordernumber"},
	}}
	in := &memorialize.Interaction{
		Contact:         cxone.Contact{ContactID: 560001, FromAddress: "+33612345678", MediaTypeID: 4, EndReason: "Contact Hung Up"},
		EndedByContact:  true, // the caller hung up first
		DispositionName: "Resolved",
		Variables:       map[string]string{"ordernumber": "A-42"},
	}
	for _, v := range m.Values(in)[memorialize.Ticket] {
		if v.Skip != "" {
			fmt.Printf("%s: not written (%s)\n", v.Field, v.Skip)
			continue
		}
		fmt.Printf("%s = %q\n", v.Field, v.Text)
	}
	// Output:
	// ticket field "CXone ANI" = "+33612345678"
	// ticket field "CXone disposition": not written (the contact ended the interaction first)
	// ticket field "Order" = "A-42"
}

func ExampleNew_configErrors() {
	_, err := memorialize.New(memorialize.Config{
		Mapping: memorialize.Mapping{memorialize.Ticket: {
			{Zendesk: memorialize.ZendeskField{Title: "CXone ANI"}, Channel: memorialize.Voice, Data: "ani"},
			{Zendesk: memorialize.ZendeskField{Title: "Transcript"}, Channel: memorialize.Digital, Data: "Transcription Text"},
		}},
		StudioAuth: webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader, Secrets: []string{"s3cret"}},
	})
	for _, p := range flow.Problems(err) {
		fmt.Println(p.Field+":", p.Problem)
	}
	// Output:
	// Config.CXone: is nil
	// Config.Zendesk: is nil
	// Config.Mapping["ticket"][0].Data: is not a voice contact field
	// Config.Mapping["ticket"][1].Zendesk: is too short for a transcript: Zendesk takes at most 255 characters there, and a longer transcript is refused, never cut
	// Config.StudioAuth.Header: is empty while Scheme is webhook.SchemeHeader
}

// The Studio script's REST API action sends its secret in a header of
// its own, from CXone's addresses only, through a reverse proxy.
func ExampleConfig_studioAuth() {
	cx := cxonetest.NewServer()
	defer cx.Close()
	zd := zendesktest.NewServer()
	defer zd.Close()
	cc, _ := cxone.NewClient(cxone.WithBaseURL(cx.URL), cxone.WithAccessKey(cx.AccessKeyID, cx.AccessKeySecret, cx.ClientID, cx.ClientSecret))
	zc, _ := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken))

	proxy := netip.MustParsePrefix("10.0.0.0/8")
	cxoneAddresses := netip.MustParsePrefix("192.0.2.0/24") // the ranges your CXone cluster calls from
	f, err := memorialize.New(memorialize.Config{
		CXone: cc, Zendesk: zc,
		Mapping: memorialize.Mapping{memorialize.Ticket: {
			{Zendesk: memorialize.ZendeskField{Title: "CXone ANI"}, Channel: memorialize.Voice, Data: "ANI"},
		}},
		StudioAuth: webhook.SharedSecretVerifier{
			Scheme: webhook.SchemeHeader, Header: "X-Studio-Secret", Secrets: []string{"s3cret"},
			AllowedSources: []netip.Prefix{cxoneAddresses},
			ClientIP:       webhook.ClientIPFromForwardedFor(proxy),
		},
	})
	if err != nil {
		panic(err)
	}
	h := f.Handler()
	for _, c := range []struct{ from, secret string }{
		{"192.0.2.7", "s3cret"},    // verified: the body is read next
		{"192.0.2.7", "wrong"},     // a wrong secret
		{"198.51.100.1", "s3cret"}, // not from CXone
	} {
		r := httptest.NewRequest(http.MethodPost, memorialize.ContactEndedPath, strings.NewReader(`{"contactId": "x"}`))
		r.RemoteAddr = "10.1.2.3:443"
		r.Header.Set("X-Forwarded-For", c.from)
		r.Header.Set("X-Studio-Secret", c.secret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(c.from, w.Code)
	}
	// Output:
	// 192.0.2.7 400
	// 192.0.2.7 401
	// 198.51.100.1 403
}

func ExampleParseStudioRequest() {
	r, err := memorialize.ParseStudioRequest([]byte(`{"contactId": "560001", "skill": "Billing"}`))
	fmt.Println(r.ContactID, err)
	// Output:
	// 560001 <nil>
}

// A call ends in a fake CXone; the flow's poll writes it into the
// caller's open ticket in a fake Zendesk.
func ExampleFlow_Poll() {
	ctx := context.Background()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	cx := cxonetest.NewServer(cxonetest.WithClock(clock), cxonetest.WithWarehouseDelay(0))
	defer cx.Close()
	zd := zendesktest.NewServer()
	defer zd.Close()

	resolved := cx.AddDisposition(cxonetest.Disposition{Name: "Resolved"})
	billing := cx.AddSkill(cxonetest.Skill{Name: "Billing Voice", ACW: true, DispositionIDs: []int64{resolved.ID}})
	ann := cx.AddAgent(cxonetest.Agent{FirstName: "Ann", LastName: "Lee", SkillIDs: []int64{billing.ID}})
	cx.LogIn(ann.ID)
	phone := "+33612345678"
	chloe := zd.AddUser(zendesktest.User{Name: "Chloé Martin", Phone: &phone, Role: "end-user"})

	cc, _ := cxone.NewClient(cxone.WithBaseURL(cx.URL), cxone.WithAccessKey(cx.AccessKeyID, cx.AccessKeySecret, cx.ClientID, cx.ClientSecret))
	zc, _ := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken))
	ticket, _ := zc.Tickets.Create(ctx, &zendesk.TicketInput{Subject: "Refund", RequesterID: chloe.ID, Comment: &zendesk.CommentInput{Body: "Hello"}})

	mapping := memorialize.Mapping{memorialize.Ticket: {
		{Zendesk: memorialize.ZendeskField{Title: "CXone disposition"}, Channel: memorialize.Voice, Data: "Disposition Name"},
		{Zendesk: memorialize.ZendeskField{Title: "CXone agent"}, Channel: memorialize.Voice, Data: "Agent Name"},
	}}
	if _, err := memorialize.Provision(ctx, memorialize.ProvisionConfig{Zendesk: zc, Mapping: mapping}); err != nil {
		panic(err)
	}
	f, err := memorialize.New(memorialize.Config{
		CXone: cc, Zendesk: zc, Mapping: mapping,
		Workflows: memorialize.Workflows{SearchANI: true},
		Now:       clock,
		OnResult:  func(r memorialize.Result) { fmt.Println(r.Outcome, r.Detail, "ticket", r.Records[0].ID == ticket.ID) },
	})
	if err != nil {
		panic(err)
	}
	cx.Play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: billing.ID, From: phone}, AgentID: ann.ID, DispositionID: resolved.ID})
	now = now.Add(time.Minute)
	if _, err := f.Poll(ctx); err != nil {
		panic(err)
	}
	t, _ := zd.Ticket(ticket.ID)
	fmt.Println(len(t.CustomFields) > 0)
	// Output:
	// applied written ticket true
	// true
}
