package cxone_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/internal/testkit"
)

// Contract tests: the client against cxonetest, the fake written from a
// second, independent reading of CXone's public sources. The client and
// the fake share one injected clock (testkit.Clock): token expiry, the
// warehousing delay and rate-limit windows move only when a test says so,
// and a retry's wait moves the clock instead of sleeping.

// contract is a fake tenant and a client of it on one clock.
type contract struct {
	srv   *cxonetest.Server
	clock *testkit.Clock
	c     *cxone.Client
}

// newContract starts a fake with srvOpts (and the shared clock) and a
// client of it with the access key, no retries unless cliOpts say so.
func newContract(t *testing.T, srvOpts []cxonetest.Option, cliOpts ...cxone.Option) *contract {
	t.Helper()
	clock := testkit.NewClock()
	srv := cxonetest.NewServer(append([]cxonetest.Option{cxonetest.WithClock(clock.Now)}, srvOpts...)...)
	t.Cleanup(srv.Close)
	k := &contract{srv: srv, clock: clock}
	k.c = k.client(t, cliOpts...)
	return k
}

// client returns another client of the fake, on the shared clock, with
// the fake's access key.
func (k *contract) client(t *testing.T, opts ...cxone.Option) *cxone.Client {
	t.Helper()
	return k.clientAs(t, cxone.WithAccessKey(k.srv.AccessKeyID, k.srv.AccessKeySecret, k.srv.ClientID, k.srv.ClientSecret), opts...)
}

// clientAs returns a client of the fake with the credentials cred.
func (k *contract) clientAs(t *testing.T, cred cxone.Option, opts ...cxone.Option) *cxone.Client {
	t.Helper()
	base := []cxone.Option{
		cxone.WithBaseURL(k.srv.URL),
		cxone.WithHTTPClient(k.srv.Client()),
		cxone.ContractClock(k.clock.Now, k.clock.Sleep),
		cxone.WithMaxRetries(0),
		cred,
	}
	c, err := cxone.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// statuses counts the fake's answers with status code, on paths that
// start with prefix.
func (k *contract) statuses(code int, prefix string) int {
	n := 0
	for _, r := range k.srv.Requests() {
		if r.Status == code && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// tokenRequests returns the token requests the fake logged.
func (k *contract) tokenRequests() []cxonetest.Request {
	var out []cxonetest.Request
	for _, r := range k.srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/auth/token" {
			out = append(out, r)
		}
	}
	return out
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// result is a call's two results, for ok(call()).must(t).
type result[T any] struct {
	v   T
	err error
}

// ok holds a call's results.
func ok[T any](v T, err error) result[T] { return result[T]{v, err} }

// must returns the value, failing the test on the error.
func (r result[T]) must(t *testing.T) T {
	t.Helper()
	must(t, r.err)
	return r.v
}

// collectAll ranges over an iterator, failing the test on an error.
func collectAll[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		must(t, err)
		out = append(out, v)
	}
	return out
}

// apiErr returns err's *cxone.Error, failing the test when it has none.
func apiErr(t *testing.T, err error) *cxone.Error {
	t.Helper()
	var e *cxone.Error
	if !errors.As(err, &e) {
		t.Fatalf("want a *cxone.Error, got %T: %v", err, err)
	}
	return e
}

// ids returns the agent ids of agents.
func agentIDs(agents []cxone.Agent) []int64 {
	out := make([]int64, len(agents))
	for i, a := range agents {
		out[i] = a.AgentID
	}
	return out
}

// contactIDs returns the ids of contacts.
func contactIDs(cs []cxone.Contact) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ContactID
	}
	return out
}

// firing is a WithAfter whose timer fires at once: a long poll without
// events answers 304 without waiting.
func firing(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

// TestContractConnect: discovery, the OpenID configuration and the
// password grant, with the client secret in the form (the default) and as
// HTTP Basic; the tenant id read from the token.
func TestContractConnect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		grant []cxone.GrantOption
		basic bool
	}{
		{"client_secret_post", nil, false},
		{"explicit post", []cxone.GrantOption{cxone.WithClientSecretPost()}, false},
		{"client_secret_basic", []cxone.GrantOption{cxone.WithClientSecretBasic()}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newContract(t, nil)
			c := k.clientAs(t, cxone.WithAccessKey(k.srv.AccessKeyID, k.srv.AccessKeySecret, k.srv.ClientID, k.srv.ClientSecret, tc.grant...))
			ctx := t.Context()
			d := ok(c.Discovery(ctx)).must(t)
			if d.APIEndpoint != k.srv.URL || d.Area != "na1" || d.Domain != "niceincontact.com" || d.Cluster == "" {
				t.Fatalf("discovery %+v", d)
			}
			if tenant := ok(c.TenantID(ctx)).must(t); tenant != k.srv.TenantID {
				t.Fatalf("tenant %q, want the token's %q", tenant, k.srv.TenantID)
			}
			if n := k.srv.RequestCount("GET", "/.well-known/openid-configuration"); n != 1 {
				t.Errorf("OpenID configuration read %d times", n)
			}
			disc := 0
			for _, r := range k.srv.Requests() {
				if r.Path == "/.well-known/cxone-configuration" {
					disc++
					if q, _ := url.ParseQuery(r.RawQuery); q.Get("tenantId") != k.srv.TenantID {
						t.Errorf("discovery query %q", r.RawQuery)
					}
				}
			}
			if disc != 1 {
				t.Errorf("cxone-configuration read %d times", disc)
			}
			toks := k.tokenRequests()
			if len(toks) != 1 {
				t.Fatalf("%d token requests", len(toks))
			}
			tr := toks[0]
			form, err := url.ParseQuery(string(tr.Body))
			must(t, err)
			if form.Get("grant_type") != "password" || form.Get("username") != k.srv.AccessKeyID || form.Get("password") == "" {
				t.Errorf("token form %v", form)
			}
			if got := tr.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/x-www-form-urlencoded") {
				t.Errorf("token Content-Type %q", got)
			}
			hasBasic := tr.Header.Get("Authorization") != ""
			inForm := form.Has("client_id") || form.Has("client_secret")
			if hasBasic != tc.basic || inForm == tc.basic {
				t.Errorf("client credentials: Basic %v, in the form %v (%v); want Basic %v", hasBasic, inForm, form, tc.basic)
			}
			if !tc.basic && form.Get("client_id") != k.srv.ClientID {
				t.Errorf("client_id %q", form.Get("client_id"))
			}
			// The API calls carry the token.
			ok(c.UnavailableCodes.ListPage(ctx, nil)).must(t)
			if n := k.srv.RequestCount("GET", "/inContactAPI/services/v23.0/unavailable-codes"); n != 1 {
				t.Errorf("%d API requests", n)
			}
		})
	}
}

// TestContractWithTenant: a client given the tenant reads discovery for
// it; a tenant the fake does not have is an error, not a panic.
func TestContractWithTenant(t *testing.T) {
	t.Parallel()
	k := newContract(t, nil)
	ctx := t.Context()
	c := k.client(t, cxone.WithTenant(k.srv.TenantID))
	if d := ok(c.Discovery(ctx)).must(t); d.APIEndpoint != k.srv.URL {
		t.Fatalf("%+v", d)
	}
	other := k.client(t, cxone.WithTenant("11ee0000-aaaa-4bbb-8ccc-00000000dead"))
	_, err := other.Discovery(ctx)
	if !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("unknown tenant: %v", err)
	}
}

// TestContractBadCredentials: a wrong access key secret (400
// invalid_grant) and a wrong client secret (401 invalid_client) match
// deskbridge.ErrUnauthorized, and no secret shows in the error.
func TestContractBadCredentials(t *testing.T) {
	t.Parallel()
	k := newContract(t, nil)
	ctx := t.Context()
	const wrong = "wrong-secret-0123456789"
	for _, tc := range []struct {
		name, code string
		status     int
		c          *cxone.Client
	}{
		{"access key secret", "invalid_grant", 400, k.clientAs(t, cxone.WithAccessKey(k.srv.AccessKeyID, wrong, k.srv.ClientID, k.srv.ClientSecret))},
		{"client secret", "invalid_client", 401, k.clientAs(t, cxone.WithAccessKey(k.srv.AccessKeyID, k.srv.AccessKeySecret, k.srv.ClientID, wrong))},
		{"client secret as Basic", "invalid_client", 401, k.clientAs(t, cxone.WithAccessKey(k.srv.AccessKeyID, k.srv.AccessKeySecret, k.srv.ClientID, wrong, cxone.WithClientSecretBasic()))},
	} {
		_, err := tc.c.Agents.Get(ctx, 1)
		if !errors.Is(err, deskbridge.ErrUnauthorized) {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		e := apiErr(t, err)
		if e.StatusCode != tc.status || e.Code != tc.code {
			t.Errorf("%s: status %d code %q, want %d %q", tc.name, e.StatusCode, e.Code, tc.status, tc.code)
		}
		for _, secret := range []string{wrong, k.srv.AccessKeySecret, k.srv.ClientSecret} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: the error shows a secret: %v", tc.name, err)
			}
		}
	}
	if n := k.srv.RequestCount("GET", "/inContactAPI/"); n != 0 {
		t.Errorf("%d API requests without a token", n)
	}
}

// TestContractTokenRenewal: the token is renewed 5 minutes before it
// expires on the fake's clock, so the fake never sees an expired one.
func TestContractTokenRenewal(t *testing.T) {
	t.Parallel()
	k := newContract(t, []cxonetest.Option{cxonetest.WithTokenLifetime(time.Hour)})
	ctx := t.Context()
	call := func() {
		t.Helper()
		ok(k.c.UnavailableCodes.ListPage(ctx, nil)).must(t)
	}
	call()
	first := ok(k.c.AccessToken(ctx)).must(t)
	k.clock.Advance(54 * time.Minute) // 6 minutes left: still good
	call()
	if n := k.srv.TokenRequests(); n != 1 {
		t.Fatalf("%d token requests 6 minutes before expiry", n)
	}
	k.clock.Advance(2 * time.Minute) // 4 minutes left: renewed
	call()
	if n := k.srv.TokenRequests(); n != 2 {
		t.Fatalf("%d token requests 4 minutes before expiry", n)
	}
	if second := ok(k.c.AccessToken(ctx)).must(t); second == first {
		t.Fatal("the token was not replaced")
	}
	k.clock.Advance(3 * time.Hour) // long past both tokens' expiry
	call()
	if n := k.srv.TokenRequests(); n != 3 {
		t.Fatalf("%d token requests after expiry", n)
	}
	if n := k.statuses(http.StatusUnauthorized, "/"); n != 0 {
		t.Fatalf("the fake answered 401 %d times: a token went out expired", n)
	}
	if n := k.srv.RequestCount("GET", "/.well-known/"); n != 2 {
		t.Errorf("%d discovery reads: want the OpenID and cxone configurations once", n)
	}
}

// TestContractRevokedToken: a token the fake revoked is dropped on the
// 401 and the call sent once more with a new one; a second 401 is the
// caller's error.
func TestContractRevokedToken(t *testing.T) {
	t.Parallel()
	k := newContract(t, nil)
	ctx := t.Context()
	code := k.srv.AddUnavailableCode(cxonetest.UnavailableCode{Name: "Lunch"})
	ok(k.c.UnavailableCodes.Get(ctx, code.ID)).must(t)
	k.srv.RevokeTokens()
	if u := ok(k.c.UnavailableCodes.Get(ctx, code.ID)).must(t); u.Name != "Lunch" {
		t.Fatalf("%+v", u)
	}
	if n := k.srv.TokenRequests(); n != 2 {
		t.Fatalf("%d token requests", n)
	}
	if n := k.statuses(http.StatusUnauthorized, "/inContactAPI/"); n != 1 {
		t.Fatalf("%d 401s", n)
	}

	// Two 401s in a row: one new token, then the error.
	path := "/inContactAPI/services/v23.0/unavailable-codes/" + strconv.FormatInt(code.ID, 10)
	k.srv.ResetRequests()
	k.srv.InjectFault(cxonetest.Fault{Method: "GET", Path: path, Status: 401, Times: 2,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"error":"invalid_token","error_description":"revoked"}`})
	_, err := k.c.UnavailableCodes.Get(ctx, code.ID)
	if !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("two 401s: %v", err)
	}
	if n := k.srv.RequestCount("GET", path); n != 2 {
		t.Errorf("sent %d times, want 2 (once more after the 401)", n)
	}
	if n := k.srv.TokenRequests(); n != 1 {
		t.Errorf("%d token requests after the first 401, want 1", n)
	}
}

// TestContractAdmin: agents, their skills and states, teams with their
// agents and unavailable codes, skills with their dispositions,
// dispositions and unavailable codes, as the fake holds them.
func TestContractAdmin(t *testing.T) {
	t.Parallel()
	k := newContract(t, nil)
	s, ctx := k.srv, t.Context()
	lunch := s.AddUnavailableCode(cxonetest.UnavailableCode{Name: "Lunch"})
	wrap := s.AddUnavailableCode(cxonetest.UnavailableCode{Name: "Wrap up", ACW: true})
	support := s.AddTeam(cxonetest.Team{Name: "Support", UnavailableCodeIDs: []int64{lunch.ID, wrap.ID}})
	sales := s.AddTeam(cxonetest.Team{Name: "Sales"})
	resolved := s.AddDisposition(cxonetest.Disposition{Name: "Resolved", Notes: "fixed on the call"})
	callback := s.AddDisposition(cxonetest.Disposition{Name: "Call back"})
	billing := s.AddSkill(cxonetest.Skill{Name: "Billing Voice", DispositionIDs: []int64{resolved.ID, callback.ID}, RequireDisposition: true})
	chat := s.AddSkill(cxonetest.Skill{Name: "Chat EN", Media: cxonetest.MediaChat})
	ann := s.AddAgent(cxonetest.Agent{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", TeamID: support.ID, SkillIDs: []int64{billing.ID, chat.ID}})
	bob := s.AddAgent(cxonetest.Agent{FirstName: "Bob", LastName: "Ray", TeamID: sales.ID, Inactive: true})

	// Agents.
	a := ok(k.c.Agents.Get(ctx, ann.ID)).must(t)
	if a.AgentID != ann.ID || a.FullName() != "Ann Lee" || a.EmailAddress != "ann@example.com" || a.TeamID != support.ID || a.TeamName != "Support" || !a.IsActive || a.UserName == "" {
		t.Errorf("agent %+v", a)
	}
	all := collectAll(t, k.c.Agents.List(ctx, nil))
	if got := agentIDs(all); !slices.Equal(got, []int64{ann.ID, bob.ID}) {
		t.Errorf("agents %v", got)
	}
	active := collectAll(t, k.c.Agents.List(ctx, &cxone.AgentListOptions{IsActive: cxone.Ptr(true)}))
	if got := agentIDs(active); !slices.Equal(got, []int64{ann.ID}) {
		t.Errorf("active agents %v", got)
	}
	found := collectAll(t, k.c.Agents.List(ctx, &cxone.AgentListOptions{SearchString: "ray"}))
	if got := agentIDs(found); !slices.Equal(got, []int64{bob.ID}) {
		t.Errorf("search ray: %v", got)
	}
	// updateSince (sic) reaches the fake: nothing changed after now.
	k.clock.Advance(time.Minute)
	if later := collectAll(t, k.c.Agents.List(ctx, &cxone.AgentListOptions{UpdatedSince: k.clock.Now()})); len(later) != 0 {
		t.Errorf("agents updated since now: %v", agentIDs(later))
	}
	if !slices.ContainsFunc(s.Requests(), func(r cxonetest.Request) bool { return strings.Contains(r.RawQuery, "updateSince=") }) {
		t.Error("UpdatedSince was not sent as updateSince")
	}
	skills := ok(k.c.Agents.Skills(ctx, ann.ID)).must(t)
	if len(skills) != 2 || skills[0].SkillID != billing.ID || skills[0].SkillName != "Billing Voice" || skills[1].SkillID != chat.ID || skills[1].MediaTypeID != cxonetest.MediaChat.ID {
		t.Errorf("agent skills %+v", skills)
	}

	// Agent states.
	if _, err := s.LogIn(ann.ID); err != nil {
		t.Fatal(err)
	}
	must(t, s.SetAgentState(ann.ID, false, lunch.ID))
	st := ok(k.c.AgentStates.Get(ctx, ann.ID)).must(t)
	if st.AgentID != ann.ID || st.AgentStateName != "Unavailable" || st.OutStateID != lunch.ID || st.OutStateDescription != "Lunch" || st.TeamID != support.ID {
		t.Errorf("state %+v", st)
	}
	states := collectAll(t, k.c.AgentStates.List(ctx, nil))
	byAgent := map[int64]string{}
	for _, st := range states {
		byAgent[st.AgentID] = st.AgentStateName
	}
	if byAgent[ann.ID] != "Unavailable" || byAgent[bob.ID] != "LoggedOut" {
		t.Errorf("states %v", byAgent)
	}

	// Teams.
	teams := collectAll(t, k.c.Teams.List(ctx, nil))
	if len(teams) != 2 || teams[0].TeamID != support.ID || teams[0].TeamName != "Support" || teams[1].TeamName != "Sales" {
		t.Errorf("teams %+v", teams)
	}
	if tm := ok(k.c.Teams.Get(ctx, sales.ID)).must(t); tm.TeamID != sales.ID || tm.TeamName != "Sales" {
		t.Errorf("team %+v", tm)
	}
	if members := collectAll(t, k.c.Teams.Agents(ctx, support.ID)); !slices.Equal(agentIDs(members), []int64{ann.ID}) {
		t.Errorf("team agents %v", agentIDs(members))
	}
	codes := ok(k.c.Teams.UnavailableCodes(ctx, support.ID)).must(t)
	if len(codes) != 2 || codes[0].ID != lunch.ID || codes[0].Name != "Lunch" || codes[0].IsACW || codes[1].ID != wrap.ID || !codes[1].IsACW {
		t.Errorf("team codes %+v", codes)
	}
	if none := ok(k.c.Teams.UnavailableCodes(ctx, sales.ID)).must(t); len(none) != 0 {
		t.Errorf("Sales codes %+v (want none: a 204)", none)
	}

	// Skills and their dispositions.
	sk := ok(k.c.Skills.Get(ctx, billing.ID)).must(t)
	if sk.SkillID != billing.ID || sk.SkillName != "Billing Voice" || sk.MediaTypeID != cxonetest.MediaCall.ID || !sk.RequireDisposition ||
		len(sk.Dispositions) != 2 || sk.Dispositions[0].DispositionID != resolved.ID || sk.Dispositions[1].DispositionName != "Call back" {
		t.Errorf("skill %+v", sk)
	}
	if list := collectAll(t, k.c.Skills.List(ctx, &cxone.SkillListOptions{MediaTypeID: cxonetest.MediaChat.ID})); len(list) != 1 || list[0].SkillID != chat.ID {
		t.Errorf("chat skills %+v", list)
	}
	if list := collectAll(t, k.c.Skills.List(ctx, nil)); len(list) != 2 {
		t.Errorf("skills %+v", list)
	}
	sd := ok(k.c.Skills.Dispositions(ctx, billing.ID)).must(t)
	if len(sd) != 2 || sd[0].DispositionID != resolved.ID || sd[0].DispositionName != "Resolved" || sd[0].Priority != 1 || sd[1].DispositionID != callback.ID {
		t.Errorf("skill dispositions %+v", sd)
	}
	if none := ok(k.c.Skills.Dispositions(ctx, chat.ID)).must(t); len(none) != 0 {
		t.Errorf("chat skill dispositions %+v", none)
	}

	// Dispositions.
	d := ok(k.c.Dispositions.Get(ctx, resolved.ID)).must(t)
	if d.DispositionID != resolved.ID || d.DispositionName != "Resolved" || d.Notes != "fixed on the call" || !d.IsActive {
		t.Errorf("disposition %+v", d)
	}
	if list := collectAll(t, k.c.Dispositions.List(ctx, nil)); len(list) != 2 || list[1].DispositionName != "Call back" {
		t.Errorf("dispositions %+v", list)
	}
	if list := collectAll(t, k.c.Dispositions.List(ctx, &cxone.DispositionListOptions{SearchString: "call"})); len(list) != 1 || list[0].DispositionID != callback.ID {
		t.Errorf("dispositions matching call: %+v", list)
	}
	if n := k.srv.RequestCount("GET", "/inContactAPI/services/v12.0/dispositions"); n != 3 {
		t.Errorf("%d requests to v12.0 dispositions", n)
	}

	// Unavailable codes.
	u := ok(k.c.UnavailableCodes.Get(ctx, wrap.ID)).must(t)
	if u.ID != wrap.ID || u.Name != "Wrap up" || !u.IsACW || !u.IsActive {
		t.Errorf("code %+v", u)
	}
	if list := collectAll(t, k.c.UnavailableCodes.List(ctx, nil)); len(list) != 2 || list[0].Name != "Lunch" {
		t.Errorf("codes %+v", list)
	}
	if list := collectAll(t, k.c.UnavailableCodes.List(ctx, &cxone.UnavailableCodeListOptions{SearchString: "wrap"})); len(list) != 1 || list[0].ID != wrap.ID {
		t.Errorf("codes matching wrap: %+v", list)
	}
}

// TestContractNotFound: every Get of an id the fake does not know is
// deskbridge.ErrNotFound with the fake's words in the *cxone.Error.
func TestContractNotFound(t *testing.T) {
	t.Parallel()
	k := newContract(t, nil)
	ctx := t.Context()
	const missing = 999999
	for name, call := range map[string]func() error{
		"agent":             func() error { _, err := k.c.Agents.Get(ctx, missing); return err },
		"agent skills":      func() error { _, err := k.c.Agents.Skills(ctx, missing); return err },
		"agent state":       func() error { _, err := k.c.AgentStates.Get(ctx, missing); return err },
		"team":              func() error { _, err := k.c.Teams.Get(ctx, missing); return err },
		"team codes":        func() error { _, err := k.c.Teams.UnavailableCodes(ctx, missing); return err },
		"skill":             func() error { _, err := k.c.Skills.Get(ctx, missing); return err },
		"skill disposition": func() error { _, err := k.c.Skills.Dispositions(ctx, missing); return err },
		"disposition":       func() error { _, err := k.c.Dispositions.Get(ctx, missing); return err },
		"unavailable code":  func() error { _, err := k.c.UnavailableCodes.Get(ctx, missing); return err },
		"contact":           func() error { _, err := k.c.Contacts.Get(ctx, missing); return err },
		"custom data":       func() error { _, err := k.c.Contacts.CustomData(ctx, missing); return err },
		"state history":     func() error { _, err := k.c.Contacts.StateHistory(ctx, missing); return err },
		"tags":              func() error { return k.c.Contacts.AddTags(ctx, missing, 1) },
		"media":             func() error { _, err := k.c.MediaPlayback.Get(ctx, missing, nil); return err },
		"session":           func() error { _, err := k.c.Sessions.NextEvent(ctx, "no-such-session", time.Second); return err },
		"join":              func() error { _, err := k.c.Sessions.Join(ctx, missing); return err },
	} {
		err := call()
		if !errors.Is(err, deskbridge.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
			continue
		}
		e := apiErr(t, err)
		if e.StatusCode != 404 || e.Message == "" || e.Code == "" && name != "media" {
			t.Errorf("%s: %+v", name, e.APIError)
		}
	}
	_, err := k.c.Agents.Get(ctx, missing)
	if e := apiErr(t, err); e.Code != "NotFound" || !strings.Contains(e.Message, strconv.Itoa(missing)) || e.Method != "GET" ||
		e.Path != "/inContactAPI/services/v23.0/agents/"+strconv.Itoa(missing) || e.Attempts != 1 {
		t.Errorf("%+v", e.APIError)
	}
	_, err = k.c.MediaPlayback.Get(ctx, missing, nil)
	if e := apiErr(t, err); e.Message != "no media for this contact" {
		t.Errorf("media playback's {internalCode, message}: %+v", e.APIError)
	}
}

// TestContractPaging: skip and top reach the fake; _links.next is
// followed across several pages; a page past the end and an empty list
// are 204, an empty page.
func TestContractPaging(t *testing.T) {
	t.Parallel()
	k := newContract(t, nil)
	ctx := t.Context()
	var want []int64
	for i := range 7 {
		want = append(want, k.srv.AddAgent(cxonetest.Agent{FirstName: "Agent", LastName: strconv.Itoa(i)}).ID)
	}
	var got []int64
	opts := &cxone.AgentListOptions{ListOptions: cxone.ListOptions{Top: 3}}
	pages := 0
	for {
		p := ok(k.c.Agents.ListPage(ctx, opts)).must(t)
		pages++
		if p.Total != 7 {
			t.Errorf("page %d: total %d", pages, p.Total)
		}
		if len(p.Items) > 3 {
			t.Fatalf("page %d has %d items, top 3", pages, len(p.Items))
		}
		got = append(got, agentIDs(p.Items)...)
		if p.Next == "" {
			break
		}
		if !strings.HasPrefix(p.Next, k.srv.URL+"/") {
			t.Errorf("next %q is not the fake's absolute _links.next", p.Next)
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		opts = &cxone.AgentListOptions{ListOptions: cxone.ListOptions{Next: p.Next}}
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Fatalf("%d pages, agents %v, want %v", pages, got, want)
	}
	// The iterator walks the same pages.
	k.srv.ResetRequests()
	if all := collectAll(t, k.c.Agents.List(ctx, &cxone.AgentListOptions{ListOptions: cxone.ListOptions{Top: 3}})); !slices.Equal(agentIDs(all), want) {
		t.Fatalf("List: %v", agentIDs(all))
	}
	if n := k.srv.RequestCount("GET", "/inContactAPI/services/v23.0/agents"); n != 3 {
		t.Errorf("List sent %d requests, want 3", n)
	}
	// Breaking early fetches no more pages.
	k.srv.ResetRequests()
	for range k.c.Agents.List(ctx, &cxone.AgentListOptions{ListOptions: cxone.ListOptions{Top: 3}}) {
		break
	}
	if n := k.srv.RequestCount("GET", "/inContactAPI/"); n != 1 {
		t.Errorf("a break after one item sent %d requests", n)
	}
	// skip moves the window; past the end is a 204, an empty page.
	p := ok(k.c.Agents.ListPage(ctx, &cxone.AgentListOptions{ListOptions: cxone.ListOptions{Skip: 5, Top: 3}})).must(t)
	if !slices.Equal(agentIDs(p.Items), want[5:]) || p.Next != "" {
		t.Errorf("skip 5: %v next %q", agentIDs(p.Items), p.Next)
	}
	p = ok(k.c.Agents.ListPage(ctx, &cxone.AgentListOptions{ListOptions: cxone.ListOptions{Skip: 50}})).must(t)
	if len(p.Items) != 0 || p.Next != "" {
		t.Errorf("skip past the end: %+v", p)
	}
	// An empty list is 204 No Content: an empty page, no error.
	k.srv.ResetRequests()
	if d := ok(k.c.Dispositions.ListPage(ctx, nil)).must(t); len(d.Items) != 0 || d.Next != "" {
		t.Errorf("no dispositions: %+v", d)
	}
	if n := k.statuses(http.StatusNoContent, "/inContactAPI/"); n != 1 {
		t.Errorf("the fake answered 204 %d times", n)
	}
	if list := collectAll(t, k.c.Teams.List(ctx, nil)); len(list) != 0 {
		t.Errorf("teams %+v", list)
	}
	// The fake's default page (50) and cap (100) hold against the client.
	for range 110 {
		k.srv.AddTeam(cxonetest.Team{Name: "T"})
	}
	if p := ok(k.c.Teams.ListPage(ctx, nil)).must(t); len(p.Items) != 50 || p.Total != 110 || p.Next == "" {
		t.Errorf("default page: %d items, total %d, next %q", len(p.Items), p.Total, p.Next)
	}
	if all := collectAll(t, k.c.Teams.List(ctx, &cxone.TeamListOptions{ListOptions: cxone.ListOptions{Top: 500}})); len(all) != 110 {
		t.Errorf("top 500 walked %d teams", len(all))
	}
	if _, err := k.c.Teams.ListPage(ctx, &cxone.TeamListOptions{ListOptions: cxone.ListOptions{Top: -1}}); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Errorf("top -1: %v", err)
	}
}

// center is a small contact center on the fake: a voice skill with
// after-call work and dispositions, a chat skill, an agent on each.
type center struct {
	voice, chat      cxonetest.Skill
	ann, bob         cxonetest.Agent
	resolved, refund cxonetest.Disposition
	vip, angry       cxonetest.Tag
	lunch            cxonetest.UnavailableCode
}

func newCenter(s *cxonetest.Server) *center {
	c := &center{}
	c.resolved = s.AddDisposition(cxonetest.Disposition{Name: "Resolved"})
	c.refund = s.AddDisposition(cxonetest.Disposition{Name: "Refund"})
	c.vip = s.AddTag(cxonetest.Tag{Name: "vip"})
	c.angry = s.AddTag(cxonetest.Tag{Name: "angry"})
	c.lunch = s.AddUnavailableCode(cxonetest.UnavailableCode{Name: "Lunch"})
	team := s.AddTeam(cxonetest.Team{Name: "Support", UnavailableCodeIDs: []int64{c.lunch.ID}})
	c.voice = s.AddSkill(cxonetest.Skill{Name: "Billing Voice", ACW: true, DispositionIDs: []int64{c.resolved.ID, c.refund.ID}, TagIDs: []int64{c.vip.ID, c.angry.ID}})
	c.chat = s.AddSkill(cxonetest.Skill{Name: "Chat EN", Media: cxonetest.MediaChat, DispositionIDs: []int64{c.resolved.ID}, TagIDs: []int64{c.vip.ID}})
	c.ann = s.AddAgent(cxonetest.Agent{FirstName: "Ann", LastName: "Lee", TeamID: team.ID, SkillIDs: []int64{c.voice.ID}})
	c.bob = s.AddAgent(cxonetest.Agent{FirstName: "Bob", LastName: "Ray", TeamID: team.ID, SkillIDs: []int64{c.chat.ID}})
	return c
}

// call plays a whole voice call of Ann's from caller from.
func (c *center) call(t *testing.T, s *cxonetest.Server, from string) int64 {
	t.Helper()
	return ok(s.Play(cxonetest.Interaction{
		NewContact:    cxonetest.NewContact{SkillID: c.voice.ID, From: from, To: "+18005550100"},
		AgentID:       c.ann.ID,
		DispositionID: c.resolved.ID, DispositionNotes: "refunded", TagIDs: []int64{c.vip.ID},
		Talk: 3 * time.Minute,
	})).must(t)
}

// TestContractCompletedContacts: a closed contact reaches the Reporting
// API only after the warehousing delay; updatedSince fed back from
// lastPollTime sees each contact once; paging over several pages with
// _links.next; one contact read with v33.0's names.
func TestContractCompletedContacts(t *testing.T) {
	t.Parallel()
	k := newContract(t, []cxonetest.Option{cxonetest.WithWarehouseDelay(2 * time.Minute)})
	s, ctx := k.srv, t.Context()
	cc := newCenter(s)
	first := cc.call(t, s, "+33612345678")

	// Before the delay: not in the Reporting API (204, and 404 for one).
	page := ok(k.c.Contacts.CompletedPage(ctx, nil)).must(t)
	if len(page.Items) != 0 || !page.LastPollTime.IsZero() {
		t.Fatalf("before the warehousing delay: %+v", page)
	}
	if _, err := k.c.Contacts.Get(ctx, first); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("Get before the delay: %v", err)
	}
	k.clock.Advance(2*time.Minute - time.Second)
	if page := ok(k.c.Contacts.CompletedPage(ctx, nil)).must(t); len(page.Items) != 0 {
		t.Fatalf("a second before the delay: %v", contactIDs(page.Items))
	}
	k.clock.Advance(time.Minute + time.Second) // a minute past it
	page = ok(k.c.Contacts.CompletedPage(ctx, &cxone.CompletedContactListOptions{ListOptions: cxone.ListOptions{OrderBy: "lastUpdateTime asc"}})).must(t)
	if !slices.Equal(contactIDs(page.Items), []int64{first}) {
		t.Fatalf("after the delay: %v", contactIDs(page.Items))
	}
	if !page.LastPollTime.Equal(k.clock.Now()) || page.BusinessUnitID != cxonetest.DefaultBusinessUnitID {
		t.Errorf("lastPollTime %v (now %v), business unit %d", page.LastPollTime, k.clock.Now(), page.BusinessUnitID)
	}
	got := page.Items[0]
	held, _ := s.Contact(first)
	if got.FromAddress != "+33612345678" || got.ToAddress != "+18005550100" || got.MediaTypeID != cxonetest.MediaCall.ID ||
		got.SkillID != cc.voice.ID || got.SkillName != "Billing Voice" || got.AgentID != cc.ann.ID || got.FirstName != "Ann" ||
		got.PrimaryDispositionID != cc.resolved.ID || got.DispositionNotes != "refunded" || got.IsOutbound || got.Direction() != "inbound" ||
		!got.IsLogged || got.IsActive || !got.IsWarehoused || !slices.Equal(got.TagNames(), []string{"vip"}) || got.Tags[0].ContactID != first {
		t.Errorf("completed contact %+v", got)
	}
	if !got.ContactStartDate.Equal(held.Start) || !got.End().Equal(held.Ended) || !got.LastUpdateTime.Equal(held.WarehousedAt) {
		t.Errorf("start %v end %v updated %v; the fake: %v %v %v", got.ContactStartDate, got.End(), got.LastUpdateTime, held.Start, held.Ended, held.WarehousedAt)
	}
	if n := s.RequestCount("GET", "/inContactAPI/services/v33.0/contacts/completed"); n != 3 {
		t.Errorf("%d requests to v33.0 completed contacts", n)
	}

	// One contact, v33.0's names.
	one := ok(k.c.Contacts.Get(ctx, first)).must(t)
	if one.ContactID != first || one.FromAddress != "+33612345678" || one.ToAddress != "+18005550100" || one.MediaTypeID != cxonetest.MediaCall.ID ||
		one.ContactStartDate.IsZero() || len(one.Tags) != 1 || one.Tags[0].TagID != cc.vip.ID || one.Tags[0].ContactID != first || one.EndReason == "" {
		t.Errorf("contact %+v", one)
	}
	if n := s.RequestCount("GET", "/inContactAPI/services/v33.0/contacts/"+strconv.FormatInt(first, 10)); n != 2 {
		t.Errorf("%d v33.0 reads of the contact", n)
	}

	// Seven more calls; the poll from lastPollTime sees exactly them,
	// over three pages of three, each once, in lastUpdateTime order.
	lastPoll := page.LastPollTime
	var want []int64
	for i := range 7 {
		k.clock.Advance(10 * time.Second)
		want = append(want, cc.call(t, s, "+3361234560"+strconv.Itoa(i)))
	}
	k.clock.Advance(3 * time.Minute)
	opts := &cxone.CompletedContactListOptions{UpdatedSince: lastPoll, ListOptions: cxone.ListOptions{Top: 3, OrderBy: "lastUpdateTime asc"}}
	var polled []cxone.Contact
	var next time.Time
	pages := 0
	for {
		p := ok(k.c.Contacts.CompletedPage(ctx, opts)).must(t)
		if pages == 0 {
			next = p.LastPollTime
		}
		pages++
		polled = append(polled, p.Items...)
		if p.Next == "" || pages > 5 {
			break
		}
		opts = &cxone.CompletedContactListOptions{ListOptions: cxone.ListOptions{Next: p.Next}}
	}
	if pages != 3 || !slices.Equal(contactIDs(polled), want) {
		t.Fatalf("%d pages, polled %v, want %v", pages, contactIDs(polled), want)
	}
	for i := 1; i < len(polled); i++ {
		if polled[i].LastUpdateTime.Before(polled[i-1].LastUpdateTime.Time) {
			t.Errorf("not in lastUpdateTime order at %d", i)
		}
	}
	if q := s.Requests(); !slices.ContainsFunc(q, func(r cxonetest.Request) bool {
		v, _ := url.ParseQuery(r.RawQuery)
		return v.Get("updatedSince") != "" && v.Get("top") == "3"
	}) {
		t.Error("updatedSince and top were not sent")
	}
	// The iterator sees the same.
	if all := collectAll(t, k.c.Contacts.Completed(ctx, &cxone.CompletedContactListOptions{UpdatedSince: lastPoll, ListOptions: cxone.ListOptions{Top: 3}})); !slices.Equal(contactIDs(all), want) {
		t.Errorf("Completed: %v", contactIDs(all))
	}
	// Filters reach the fake.
	if byFrom := collectAll(t, k.c.Contacts.Completed(ctx, &cxone.CompletedContactListOptions{FromAddress: "+33612345678"})); !slices.Equal(contactIDs(byFrom), []int64{first}) {
		t.Errorf("fromAddress filter: %v", contactIDs(byFrom))
	}
	if _, err := k.c.Contacts.CompletedPage(ctx, &cxone.CompletedContactListOptions{StartDate: k.clock.Now(), EndDate: k.clock.Now().Add(-time.Hour)}); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Errorf("end before start: %v", err)
	}
	byDate := collectAll(t, k.c.Contacts.Completed(ctx, &cxone.CompletedContactListOptions{StartDate: held.Start.Add(time.Second), EndDate: k.clock.Now()}))
	if !slices.Equal(contactIDs(byDate), want) {
		t.Errorf("startDate/endDate: %v", contactIDs(byDate))
	}

	// Nothing new: the next poll is empty.
	if p := ok(k.c.Contacts.CompletedPage(ctx, &cxone.CompletedContactListOptions{UpdatedSince: next.Add(time.Millisecond)})).must(t); len(p.Items) != 0 {
		t.Errorf("nothing new, got %v", contactIDs(p.Items))
	}

	// A tag added to a closed contact comes back as a new version after
	// the delay, with a later lastUpdateTime.
	k.clock.Advance(time.Second)
	must(t, k.c.Contacts.AddTags(ctx, first, cc.angry.ID))
	if held, _ := s.Contact(first); !slices.Equal(held.TagIDs, []int64{cc.vip.ID, cc.angry.ID}) {
		t.Fatalf("the fake's tags %v", held.TagIDs)
	}
	if one := ok(k.c.Contacts.Get(ctx, first)).must(t); len(one.Tags) != 1 {
		t.Errorf("the new version showed before the delay: %+v", one.Tags)
	}
	k.clock.Advance(2 * time.Minute)
	p := ok(k.c.Contacts.CompletedPage(ctx, &cxone.CompletedContactListOptions{UpdatedSince: next.Add(time.Millisecond)})).must(t)
	if len(p.Items) != 1 || p.Items[0].ContactID != first || !slices.Equal(p.Items[0].TagNames(), []string{"vip", "angry"}) || !p.Items[0].LastUpdateTime.After(got.LastUpdateTime.Time) {
		t.Errorf("after a tag: %+v", p.Items)
	}
	if all := collectAll(t, k.c.Contacts.Completed(ctx, nil)); len(all) != 8 {
		t.Errorf("every completed contact once, latest version: %d", len(all))
	}
}

// TestContractContactDetails: active contacts, a contact's custom data,
// state history and tags, with the fake's contact center.
func TestContractContactDetails(t *testing.T) {
	t.Parallel()
	k := newContract(t, []cxonetest.Option{cxonetest.WithWarehouseDelay(0)})
	s, ctx := k.srv, t.Context()
	cc := newCenter(s)
	ok(s.LogIn(cc.ann.ID)).must(t)
	queued := ok(s.StartContact(cxonetest.NewContact{SkillID: cc.voice.ID, From: "+33600000001"})).must(t)
	k.clock.Advance(time.Second)
	live := ok(s.StartContact(cxonetest.NewContact{SkillID: cc.voice.ID, From: "+33600000002", To: "+18005550100",
		CustomData: []cxonetest.CustomData{{Name: "ticketid", Value: "4711"}}})).must(t)
	must(t, s.Deliver(live, cc.ann.ID))
	must(t, s.SetCustomData(live, "reason", "billing"))

	// Active contacts.
	active := collectAll(t, k.c.Contacts.Active(ctx, nil))
	if !slices.Equal(contactIDs(active), []int64{queued, live}) {
		t.Fatalf("active %v", contactIDs(active))
	}
	if a := active[1]; a.AgentID != cc.ann.ID || a.StateName != "Active" || !a.IsActive || a.FromAddress != "+33600000002" || a.SkillID != cc.voice.ID {
		t.Errorf("active contact %+v", a)
	}
	if a := active[0]; a.AgentID != 0 || a.StateName != "InQueue" {
		t.Errorf("queued contact %+v", a)
	}
	if mine := collectAll(t, k.c.Contacts.Active(ctx, &cxone.ActiveContactListOptions{AgentID: cc.ann.ID})); !slices.Equal(contactIDs(mine), []int64{live}) {
		t.Errorf("Ann's active contacts %v", contactIDs(mine))
	}
	page := ok(k.c.Contacts.ActivePage(ctx, &cxone.ActiveContactListOptions{ListOptions: cxone.ListOptions{Top: 1}})).must(t)
	if len(page.Items) != 1 || page.Next == "" || page.LastPollTime.IsZero() {
		t.Errorf("active page %+v", page)
	}
	k.clock.Advance(time.Minute)
	if none := ok(k.c.Contacts.ActivePage(ctx, &cxone.ActiveContactListOptions{UpdatedSince: k.clock.Now()})).must(t); len(none.Items) != 0 {
		t.Errorf("nothing changed since now: %v", contactIDs(none.Items))
	}

	// Custom data, in the order set.
	cd := ok(k.c.Contacts.CustomData(ctx, live)).must(t)
	if !slices.Equal(cd, []cxone.CustomData{{Name: "ticketid", Value: "4711"}, {Name: "reason", Value: "billing"}}) {
		t.Errorf("custom data %+v", cd)
	}
	if none := ok(k.c.Contacts.CustomData(ctx, queued)).must(t); len(none) != 0 {
		t.Errorf("queued contact's custom data %+v", none)
	}

	// Tags on an open contact.
	must(t, k.c.Contacts.AddTags(ctx, live, cc.vip.ID, cc.angry.ID))
	if held, _ := s.Contact(live); !slices.Equal(held.TagIDs, []int64{cc.vip.ID, cc.angry.ID}) {
		t.Errorf("tags %v", held.TagIDs)
	}
	if err := k.c.Contacts.AddTags(ctx, live); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Errorf("no tag: %v", err)
	}
	if n := s.RequestCount("POST", "/inContactAPI/services/v23.0/contacts/"); n != 1 {
		t.Errorf("%d tag requests", n)
	}

	// State history: queued, active, ACW, closed.
	must(t, s.EndContact(live, false))
	must(t, s.FinishACW(live))
	hist := ok(k.c.Contacts.StateHistory(ctx, live)).must(t)
	var names []string
	for _, h := range hist {
		names = append(names, h.StateName)
		if h.ContactID != live || h.StateID == 0 || h.StartDate.IsZero() || len(h.Raw) == 0 {
			t.Errorf("history entry %+v", h)
		}
	}
	if !slices.Equal(names, []string{"InQueue", "Active", "ACW", "EndContact"}) {
		t.Errorf("state history %v", names)
	}
	if hist[1].AgentID != cc.ann.ID {
		t.Errorf("the Active entry has agent %d", hist[1].AgentID)
	}

	// Closed with no delay: completed at once, no longer active.
	if c := ok(k.c.Contacts.Get(ctx, live)).must(t); c.StateName != "EndContact" || c.ACWSeconds < 0 || len(c.Tags) != 2 {
		t.Errorf("closed contact %+v", c)
	}
	if active := collectAll(t, k.c.Contacts.Active(ctx, nil)); !slices.Equal(contactIDs(active), []int64{queued}) {
		t.Errorf("active after close: %v", contactIDs(active))
	}
}

// TestContractMediaPlayback: a voice contact's recording URL, a chat's
// transcript, and a contact without a recording.
func TestContractMediaPlayback(t *testing.T) {
	t.Parallel()
	k := newContract(t, []cxonetest.Option{cxonetest.WithWarehouseDelay(0)})
	s, ctx := k.srv, t.Context()
	cc := newCenter(s)
	voice := cc.call(t, s, "+33612345678")
	at := k.clock.Now()
	chat := ok(s.Play(cxonetest.Interaction{
		NewContact: cxonetest.NewContact{SkillID: cc.chat.ID, From: "carl@example.com", CustomerName: "Carl"},
		AgentID:    cc.bob.ID,
		Messages: []cxonetest.Message{
			{Participant: cxonetest.ParticipantCustomer, Name: "Carl", Text: "my order is late", Time: at},
			{Participant: cxonetest.ParticipantAgent, Name: "Bob", Text: "let me look", Time: at.Add(time.Second)},
		},
	})).must(t)

	held, _ := s.Contact(voice)
	if held.RecordingURL == "" {
		t.Fatal("the fake recorded nothing")
	}
	if u := ok(k.c.MediaPlayback.RecordingURL(ctx, voice)).must(t); u != held.RecordingURL {
		t.Errorf("recording URL %q, the fake's %q", u, held.RecordingURL)
	}
	var q url.Values
	for _, r := range s.Requests() {
		if r.Path == "/media-playback/v1/contacts" {
			q, _ = url.ParseQuery(r.RawQuery)
		}
	}
	if q.Get("acd-call-id") != strconv.FormatInt(voice, 10) || q.Get("media-type") != "voice-only" || q.Get("exclude-waveforms") != "true" {
		t.Errorf("media playback query %v", q)
	}
	m := ok(k.c.MediaPlayback.Get(ctx, chat, &cxone.MediaPlaybackOptions{MediaType: cxone.MediaChat})).must(t)
	if got, want := m.Transcript(), "CUSTOMER Carl: my order is late\nAGENT Bob: let me look"; got != want {
		t.Errorf("transcript %q, want %q", got, want)
	}
	if m.RecordingURL() != "" || m.ContactID.String() != strconv.FormatInt(chat, 10) || len(m.Interactions) != 1 || m.Interactions[0].Type != "chat" {
		t.Errorf("chat media %+v", m)
	}
	if _, err := k.c.MediaPlayback.Get(ctx, chat, &cxone.MediaPlaybackOptions{MediaType: "video"}); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Errorf("media type video: %v", err)
	}
}

// TestContractRecordingURLNone: a voice contact that was not recorded.
// The fake answers 404, which RecordingURL documents as an error matching
// deskbridge.ErrNotFound (an empty answer would hide a wrong id).
func TestContractRecordingURLNone(t *testing.T) {
	t.Parallel()
	k := newContract(t, []cxonetest.Option{cxonetest.WithWarehouseDelay(0)})
	s, ctx := k.srv, t.Context()
	sk := s.AddSkill(cxonetest.Skill{Name: "Unrecorded", NotRecorded: true})
	ag := s.AddAgent(cxonetest.Agent{FirstName: "Dee", SkillIDs: []int64{sk.ID}})
	id := ok(s.Play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: sk.ID, From: "+33600000009"}, AgentID: ag.ID})).must(t)
	u, err := k.c.MediaPlayback.RecordingURL(ctx, id)
	if !errors.Is(err, deskbridge.ErrNotFound) || u != "" {
		t.Fatalf("unrecorded contact: %q, %v; want an error matching deskbridge.ErrNotFound", u, err)
	}
	if _, err := k.c.MediaPlayback.RecordingURL(ctx, id+1000); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("unknown contact: %v; want an error matching deskbridge.ErrNotFound", err)
	}
}

// TestContractSessions: join an agent's session, long-poll its events
// (200 with events, 304 without), set its state, give a disposition, end
// the session.
func TestContractSessions(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var timeouts []time.Duration
	after := func(d time.Duration) <-chan time.Time {
		mu.Lock()
		timeouts = append(timeouts, d)
		mu.Unlock()
		return firing(d)
	}
	k := newContract(t, []cxonetest.Option{cxonetest.WithAfter(after), cxonetest.WithWarehouseDelay(0)})
	s, ctx := k.srv, t.Context()
	cc := newCenter(s)
	ok(s.LogIn(cc.ann.ID)).must(t)

	sid := ok(k.c.Sessions.Join(ctx, cc.ann.ID)).must(t)
	if sid == "" {
		t.Fatal("no session id")
	}
	// No event yet: 304, an empty batch, no error.
	b := ok(k.c.Sessions.NextEvent(ctx, sid, 45*time.Second)).must(t)
	if len(b.Events) != 0 || b.SessionID != sid {
		t.Fatalf("304: %+v", b)
	}
	if n := k.statuses(http.StatusNotModified, "/inContactAPI/"); n != 1 {
		t.Errorf("the fake answered 304 %d times", n)
	}
	mu.Lock()
	if !slices.Equal(timeouts, []time.Duration{45 * time.Second}) {
		t.Errorf("the fake waited %v", timeouts)
	}
	mu.Unlock()

	// A call: CallContactEvent, active.
	id := ok(s.StartContact(cxonetest.NewContact{SkillID: cc.voice.ID, From: "+33612345678", To: "+18005550100"})).must(t)
	must(t, s.Deliver(id, cc.ann.ID))
	b = ok(k.c.Sessions.NextEvent(ctx, sid, 0)).must(t)
	call := findCall(t, b.Events, "")
	if call.ContactID != strconv.FormatInt(id, 10) || call.ANI != "+33612345678" || call.DNIS != "+18005550100" || !bool(call.IsInbound) ||
		call.Skill != "Billing Voice" || call.Ended() || !bool(call.AllowDispositions) {
		t.Errorf("call event %+v", call)
	}
	var q url.Values
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "/get-next-event") {
			q, _ = url.ParseQuery(r.RawQuery)
		}
	}
	if q.Get("timeout") != "30" {
		t.Errorf("default timeout sent as %q", q.Get("timeout"))
	}

	// The agent hangs up: Disconnected, not final (ACW); the disposition
	// given through the session; ACW ends: Disconnected, final.
	must(t, s.EndContact(id, false))
	b = ok(k.c.Sessions.NextEvent(ctx, sid, time.Second)).must(t)
	if ev := findCall(t, b.Events, cxone.StatusDisconnected); ev.Ended() || bool(ev.FinalState) {
		t.Errorf("ACW start: %+v", ev)
	}
	must(t, k.c.Sessions.Disposition(ctx, sid, id, &cxone.DispositionRequest{PrimaryDispositionID: cc.refund.ID, PrimaryDispositionNotes: "refund sent"}))
	if held, _ := s.Contact(id); held.DispositionID != cc.refund.ID || held.DispositionNotes != "refund sent" {
		t.Errorf("disposition %d %q", held.DispositionID, held.DispositionNotes)
	}
	must(t, s.FinishACW(id))
	b = ok(k.c.Sessions.NextEvent(ctx, sid, time.Second)).must(t)
	if ev := findCall(t, b.Events, cxone.StatusDisconnected); !ev.Ended() {
		t.Errorf("ACW end: %+v", ev)
	}
	if c := ok(k.c.Contacts.Get(ctx, id)).must(t); c.PrimaryDispositionID != cc.refund.ID || c.DispositionNotes != "refund sent" {
		t.Errorf("completed contact's disposition %d %q", c.PrimaryDispositionID, c.DispositionNotes)
	}
	// A disposition the skill does not offer, on a contact of another
	// agent: refused by the fake.
	if err := k.c.Sessions.Disposition(ctx, sid, 999999, &cxone.DispositionRequest{PrimaryDispositionID: cc.refund.ID}); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Errorf("a contact not the agent's: %v", err)
	}

	// State.
	must(t, k.c.Sessions.SetState(ctx, sid, cxone.StateUnavailable, "Lunch"))
	if st, code, _ := s.AgentState(cc.ann.ID); st != "Unavailable" || code != cc.lunch.ID {
		t.Errorf("state %q code %d", st, code)
	}
	b = ok(k.c.Sessions.NextEvent(ctx, sid, time.Second)).must(t)
	if !slices.ContainsFunc(b.Events, func(e cxone.Event) bool { return e.Type == "AgentState" && strings.Contains(string(e.Raw), "Lunch") }) {
		t.Errorf("no AgentState event: %s", eventTypes(b.Events))
	}
	if _, err := b.Events[0].CallContact(); err == nil {
		t.Error("an AgentState decoded as a CallContactEvent")
	}
	if err := k.c.Sessions.SetState(ctx, sid, cxone.StateUnavailable, "Nap"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Errorf("unknown reason: %v", err)
	}
	must(t, k.c.Sessions.SetState(ctx, sid, cxone.StateAvailable, ""))
	if st, _, _ := s.AgentState(cc.ann.ID); st != "Available" {
		t.Errorf("state %q", st)
	}
	if err := k.c.Sessions.SetState(ctx, sid, "Sleeping", ""); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Errorf("state Sleeping: %v", err)
	}

	// End the joined session: AgentSessionEnd, then 409.
	must(t, k.c.Sessions.End(ctx, sid, nil))
	b = ok(k.c.Sessions.NextEvent(ctx, sid, time.Second)).must(t)
	if len(b.Events) == 0 || b.Events[len(b.Events)-1].Type != "AgentSessionEnd" {
		t.Errorf("after End: %s", eventTypes(b.Events))
	}
	if _, err := k.c.Sessions.NextEvent(ctx, sid, time.Second); !errors.Is(err, deskbridge.ErrConflict) {
		t.Errorf("an ended session: %v", err)
	}
	if st, _, _ := s.AgentState(cc.ann.ID); st != "Available" {
		t.Errorf("ending a joined session logged the agent out: %q", st)
	}

	// The Events iterator yields the stream until the caller breaks.
	sid2 := ok(k.c.Sessions.Join(ctx, cc.ann.ID)).must(t)
	must(t, s.SetAgentState(cc.ann.ID, false, cc.lunch.ID))
	for ev, err := range k.c.Sessions.Events(ctx, sid2, time.Second) {
		must(t, err)
		if ev.Type != "AgentState" {
			t.Errorf("first event %s", ev.Type)
		}
		break
	}

	// Start a session of the agent's own, and end it with its options.
	ok(s.LogIn(cc.bob.ID)).must(t)
	if _, err := k.c.Sessions.Start(ctx, &cxone.SessionStart{StationID: "st-1", AsAgentID: cc.bob.ID}); !errors.Is(err, deskbridge.ErrConflict) {
		t.Errorf("Start for a logged-in agent: %v", err)
	}
	must(t, s.LogOut(cc.bob.ID))
	own := ok(k.c.Sessions.Start(ctx, &cxone.SessionStart{StationID: "st-1", AsAgentID: cc.bob.ID})).must(t)
	if st, _, _ := s.AgentState(cc.bob.ID); st != "Available" {
		t.Errorf("after Start: %q", st)
	}
	must(t, k.c.Sessions.End(ctx, own, &cxone.EndSessionOptions{ForceLogoff: true}))
	if st, _, _ := s.AgentState(cc.bob.ID); st != "LoggedOut" {
		t.Errorf("after End of its own session: %q", st)
	}
	if n := s.RequestCount("DELETE", "/inContactAPI/services/v23.0/agent-sessions/"+own); n != 1 {
		t.Errorf("%d DELETEs", n)
	}
	if _, err := k.c.Sessions.Join(ctx, cc.bob.ID); !errors.Is(err, deskbridge.ErrConflict) {
		t.Errorf("joined a logged-out agent: %v", err)
	}
}

// findCall returns the last CallContactEvent of events with status ("":
// any), failing the test when there is none.
func findCall(t *testing.T, events []cxone.Event, status string) *cxone.CallContactEvent {
	t.Helper()
	var found *cxone.CallContactEvent
	for _, e := range events {
		if e.Type != cxone.EventCallContact {
			continue
		}
		c, err := e.CallContact()
		must(t, err)
		if status == "" || c.Status == status {
			found = c
		}
	}
	if found == nil {
		t.Fatalf("no %s CallContactEvent %q in %s", cxone.EventCallContact, status, eventTypes(events))
	}
	return found
}

// eventTypes lists the types of events, for a failure message.
func eventTypes(events []cxone.Event) string {
	var ts []string
	for _, e := range events {
		ts = append(ts, e.Type)
	}
	return "[" + strings.Join(ts, " ") + "]"
}

// TestContractLongPoll: a get-next-event held by the fake returns with
// the event that arrives while it waits; no real timer runs.
func TestContractLongPoll(t *testing.T) {
	t.Parallel()
	never := make(chan time.Time) // the poll's timeout never passes
	k := newContract(t, []cxonetest.Option{cxonetest.WithAfter(func(time.Duration) <-chan time.Time { return never })})
	s, ctx := k.srv, t.Context()
	cc := newCenter(s)
	ok(s.LogIn(cc.ann.ID)).must(t)
	sid := ok(k.c.Sessions.Join(ctx, cc.ann.ID)).must(t)

	type pollResult struct {
		b   *cxone.EventBatch
		err error
	}
	done := make(chan pollResult, 1)
	go func() {
		b, err := k.c.Sessions.NextEvent(ctx, sid, cxone.MaxEventTimeout)
		done <- pollResult{b, err}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !s.Polling(sid) {
		if time.Now().After(deadline) {
			t.Fatal("the poll never held")
		}
		time.Sleep(time.Millisecond)
	}
	id := ok(s.StartContact(cxonetest.NewContact{SkillID: cc.voice.ID, From: "+33612345678"})).must(t)
	must(t, s.Deliver(id, cc.ann.ID))
	r := <-done
	must(t, r.err)
	if c := findCall(t, r.b.Events, ""); c.ContactID != strconv.FormatInt(id, 10) {
		t.Errorf("event %+v", c)
	}

	// A caller that gives up ends the poll with its context's error.
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		for stop := time.Now().Add(5 * time.Second); !s.Polling(sid) && time.Now().Before(stop); {
			time.Sleep(time.Millisecond)
		}
	}()
	if _, err := k.c.Sessions.NextEvent(cctx, sid, time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled poll: %v", err)
	}
	if _, err := k.c.Sessions.NextEvent(ctx, sid, 90*time.Second); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Errorf("timeout 90s: %v", err)
	}
}

// TestContractRateLimit: the fake's 429 (fixed window, Retry-After) is
// retried after the wait it asks, on the shared clock.
func TestContractRateLimit(t *testing.T) {
	t.Parallel()
	k := newContract(t, []cxonetest.Option{cxonetest.WithRateLimit(2, 10*time.Second)},
		cxone.WithMaxRetries(3), cxone.WithRetryWaitMax(time.Minute))
	ctx := t.Context()
	for range 5 {
		ok(k.c.UnavailableCodes.ListPage(ctx, nil)).must(t)
	}
	if n := k.statuses(http.StatusTooManyRequests, "/inContactAPI/"); n == 0 {
		t.Fatal("the fake never answered 429")
	}
	var waited time.Duration
	for _, d := range k.clock.Sleeps() {
		if d <= 0 || d > 10*time.Second {
			t.Errorf("waited %v for a 10 s window", d)
		}
		waited += d
	}
	if waited == 0 {
		t.Error("the client retried without waiting")
	}
	if n := k.statuses(http.StatusOK, "/inContactAPI/") + k.statuses(http.StatusNoContent, "/inContactAPI/"); n != 5 {
		t.Errorf("%d calls answered", n)
	}

	// Without retries the 429 is the caller's, with the wait asked.
	strict := k.client(t)
	var err error
	for range 4 {
		if _, err = strict.UnavailableCodes.ListPage(ctx, nil); err != nil {
			break
		}
	}
	if !errors.Is(err, deskbridge.ErrRateLimited) {
		t.Fatalf("no retries: %v", err)
	}
	if e := apiErr(t, err); e.StatusCode != 429 || e.RetryAfter <= 0 {
		t.Errorf("%+v", e.APIError)
	}
}

// TestContractErrorList: the Digital Engagement APIs' {"errors": […],
// "uid"} shape, injected by the fake, reads into Details.
func TestContractErrorList(t *testing.T) {
	t.Parallel()
	k := newContract(t, nil)
	ctx := t.Context()
	k.srv.InjectFault(cxonetest.ErrorListFault("GET", "/inContactAPI/services/v23.0/agents", http.StatusBadRequest, "searchString", "searchString is too long", "InvalidParameter"))
	_, err := k.c.Agents.ListPage(ctx, &cxone.AgentListOptions{SearchString: "x"})
	if !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("%v", err)
	}
	e := apiErr(t, err)
	if e.StatusCode != 400 || e.Code != "InvalidParameter" || !strings.Contains(e.Message, "searchString is too long") || e.UID == "" ||
		len(e.Details) != 1 || e.Details[0].Field != "searchString" || e.Details[0].Code != "InvalidParameter" || e.Details[0].Message != "searchString is too long" {
		t.Errorf("%+v details %+v", e.APIError, e.Details)
	}
	if !strings.Contains(err.Error(), "searchString is too long") {
		t.Errorf("message %q", err)
	}
	// The fault was used once: the next call goes through.
	ok(k.c.Agents.ListPage(ctx, nil)).must(t)
}

// TestContractV23Names: the client calls completed contacts at v33.0, but
// its Contact also reads v23.0's names (fromAddr, toAddr, contactStart,
// mediaType, confSeconds, tags' Contact_Id, TagId, TagName): the fake's
// v23.0 answer, decoded by cxone.Contact, is the client's v33.0 reading.
func TestContractV23Names(t *testing.T) {
	t.Parallel()
	k := newContract(t, []cxonetest.Option{cxonetest.WithWarehouseDelay(0)})
	s, ctx := k.srv, t.Context()
	cc := newCenter(s)
	id := cc.call(t, s, "+33612345678")
	v33 := ok(k.c.Contacts.Get(ctx, id)).must(t)

	var v23 struct {
		CompletedContacts []cxone.Contact `json:"completedContacts"`
	}
	testkit.GetJSON(t, s.Client(), s.URL+"/inContactAPI/services/v23.0/contacts/completed", s.IssueToken(), &v23)
	if len(v23.CompletedContacts) != 1 {
		t.Fatalf("v23.0: %+v", v23)
	}
	got := v23.CompletedContacts[0]
	if got.FromAddress != v33.FromAddress || got.ToAddress != v33.ToAddress || !got.ContactStartDate.Equal(v33.ContactStartDate.Time) ||
		got.MediaTypeID != v33.MediaTypeID || got.ConferenceSeconds != v33.ConferenceSeconds || got.FromAddress == "" || got.MediaTypeID == 0 {
		t.Errorf("v23.0 %+v\nv33.0 %+v", got, v33)
	}
	if !slices.Equal(got.Tags, v33.Tags) || len(got.Tags) != 1 || got.Tags[0].ContactID != id || got.Tags[0].TagName != "vip" {
		t.Errorf("tags: v23.0 %+v, v33.0 %+v", got.Tags, v33.Tags)
	}
}
