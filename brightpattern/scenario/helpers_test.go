package scenario

import (
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/brightpattern/brightpatterntest"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Numbers of the tests.
const (
	knownANI   = "+14155550100"
	unknownANI = "+14155550111"
	mainDNIS   = "+18005550199"
	brandDNIS  = "+18005550200"
	secret     = "scenario-shared-secret-1234"
)

// world is a contact center on the fakes: Bright Pattern, two Zendesk
// instances (accounts "support", the Default, and "brand"), agent ann in
// all three, a known caller with an open ticket on "support", and the
// ticket fields of the tests.
type world struct {
	t                testing.TB
	bp               *brightpatterntest.Server
	zd, zd2          *zendesktest.Server
	accounts         *brightpattern.Accounts
	dir              *brightpattern.Directory
	annZD, annZD2    int64
	caller, ticketID int64
}

var testFields = []Field{{Title: "Caller number", Value: "$(item.ANI)"}, {Title: "BP interaction", Value: "$(item.globalInteractionId)"}}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{t: t, zd: zendesktest.NewServer(), zd2: zendesktest.NewServer()}
	t.Cleanup(w.zd.Close)
	t.Cleanup(w.zd2.Close)
	w.annZD = w.zd.AddAgent("Ann Agent", "ann@example.com")
	w.annZD2 = w.zd2.AddAgent("Ann Agent", "ann@example.com")
	phone := knownANI
	w.caller = w.zd.AddUser(zendesktest.User{Name: "Carla Caller", Phone: &phone}).ID
	for _, z := range []*zendesktest.Server{w.zd, w.zd2} {
		for _, f := range testFields {
			if _, err := z.AddTicketField(zendesktest.TicketField{Title: f.Title, Type: "text"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var err error
	w.accounts, err = brightpattern.NewAccounts(
		brightpattern.Account{Name: "support", URL: w.zd.URL, Default: true, HTTPClient: w.zd.Client(),
			Auth: brightpattern.APIToken{Username: w.zd.Email, Token: w.zd.APIToken}, Options: []zendesk.Option{zendesk.WithMaxRetries(0)}},
		brightpattern.Account{Name: "brand", URL: w.zd2.URL, HTTPClient: w.zd2.Client(),
			Auth: brightpattern.APIToken{Username: w.zd2.Email, Token: w.zd2.APIToken}, Options: []zendesk.Option{zendesk.WithMaxRetries(0)}},
	)
	if err != nil {
		t.Fatal(err)
	}
	zc, _ := w.accounts.Select("support")
	tk, err := zc.Tickets.Create(t.Context(), &zendesk.TicketInput{Subject: "Broken router", RequesterID: w.caller,
		Comment: zendesk.PublicComment("It blinks red.")})
	if err != nil {
		t.Fatal(err)
	}
	w.ticketID = tk.ID
	ann := &brightpattern.User{LoginID: "ann", Email: "ann@example.com", Roles: []string{"Agent"}}
	w.dir = brightpattern.NewDirectory(ann)
	w.bp = brightpatterntest.NewServer()
	t.Cleanup(w.bp.Close)
	if err := w.bp.AddUser(brightpatterntest.User{LoginID: "ann", FirstName: "Ann", Email: "ann@example.com", Roles: []string{"Agent"}}); err != nil {
		t.Fatal(err)
	}
	return w
}

// config is a Config of the world running sc.
func (w *world) config(sc Scenario) Config {
	return Config{Accounts: w.accounts, Scenario: sc, ScenarioAuth: webhook.SharedSecretVerifier{Secrets: []string{secret}}, Directory: w.dir, Agents: []string{"ann"}}
}

// flow returns a Flow of the world running sc, and the results it
// reported.
func (w *world) flow(sc Scenario) (*Flow, *[]Result) {
	w.t.Helper()
	var results []Result
	cfg := w.config(sc)
	cfg.OnResult = func(r Result) { results = append(results, r) }
	f, err := New(cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	return f, &results
}

// serve serves f's handler and points the Bright Pattern fake's scenario
// at it.
func (w *world) serve(f *Flow) string {
	srv := httptest.NewServer(f.Handler())
	w.t.Cleanup(srv.Close)
	w.bp.SetScenario(brightpatterntest.ScenarioCall(srv.URL, secret))
	return srv.URL
}

// call is the variables of a call from ani to dnis delivered to ann.
func call(ani, dnis string) map[string]string {
	return map[string]string{VarANI: ani, VarDNIS: dnis, VarAgentLoginID: "ann", VarInteractionID: "GIID1"}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
