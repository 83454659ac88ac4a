package memorialize

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// closeTicket closes a Zendesk ticket as an agent would (solved, then closed).
func (e *env) closeTicket(id int64) {
	e.t.Helper()
	for _, s := range []string{"solved", "closed"} {
		if _, err := e.zd.AgentUpdate(id, e.zd.AdminID, zendesktest.AgentUpdate{Status: s}); err != nil {
			e.t.Fatalf("closing ticket %d: %v", id, err)
		}
	}
}

func (e *env) outcomes(id int64) []flow.Outcome {
	var out []flow.Outcome
	for _, r := range e.resultsFor(id) {
		out = append(out, r.Outcome)
	}
	return out
}

// Review finding 1 (HIGH): a contact whose custom data carries a CLOSED
// ticket (Zendesk answers 422 "Status: closed prevents ticket update")
// falls through to Search ANI / Create Ticket, as a deleted ticket does,
// and never holds the contacts after it.
func TestClosedTicketFallsThroughToTheWorkflows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	closed := e.openTicket
	e.closeTicket(closed)
	carried := []cxonetest.CustomData{{Name: "zendeskticketid", Value: strconv.FormatInt(closed, 10)}}
	first := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone, CustomData: carried},
		DispositionID: e.resolved, DispositionNotes: "after the close"})
	e.clock.Advance(time.Second)
	second := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: "+33700000002"}})
	e.warehouse()
	st := e.poll()
	if st.Held || st.Outcomes[flow.Applied] != 2 {
		t.Fatalf("poll %+v; first %v, second %v", st, e.resultsFor(first), e.resultsFor(second))
	}
	rs := e.resultsFor(first)
	var tk Written
	for _, w := range rs[0].Records {
		if w.Type == Ticket {
			tk = w
		}
	}
	if tk.ID == 0 || tk.ID == closed || !tk.Created {
		t.Fatalf("the first contact went to ticket %+v, want a new one (the closed ticket's caller has no open ticket)", tk)
	}
	if got := e.field(tk.ID, "CXone notes"); got != "after the close" {
		t.Errorf("notes = %q", got)
	}
	if got, _ := e.zd.Ticket(closed); got.Status != "closed" {
		t.Errorf("the closed ticket is now %q", got.Status)
	}
}

// Review finding 1 (HIGH): a refusal no retry changes (here CXone's 403 on
// the custom data) rejects that contact, reports it with the reason, and
// the cursor passes it: the contacts after it are written in the same poll,
// and the next poll does not try it again.
func TestPermanentRefusalRejectsAndPasses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone}})
	e.clock.Advance(time.Second)
	second := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: "+33700000002"}})
	e.warehouse()
	e.cx.InjectFault(cxonetest.Fault{Path: "/inContactAPI/services/v23.0/contacts/" + strconv.FormatInt(first, 10) + "/custom-data", Status: http.StatusForbidden,
		Body: `{"error":"forbidden","error_description":"no permission to read custom data"}`, Times: 100})
	st := e.poll()
	if st.Held || st.Outcomes[flow.Rejected] != 1 || st.Outcomes[flow.Applied] != 1 {
		t.Fatalf("poll %+v; first %v", st, e.resultsFor(first))
	}
	rs := e.resultsFor(first)
	if len(rs) != 1 || rs[0].Outcome != flow.Rejected || rs[0].Detail != DetailRefused || !errors.Is(rs[0].Err, deskbridge.ErrForbidden) ||
		!strings.Contains(rs[0].Err.Error(), "403") {
		t.Fatalf("first contact: %v", rs)
	}
	if got := e.outcomes(second); len(got) != 1 || got[0] != flow.Applied {
		t.Fatalf("second contact: %v", e.resultsFor(second))
	}
	e.clock.Advance(time.Minute)
	e.poll()
	for _, r := range e.resultsFor(first)[1:] {
		if r.Outcome != flow.Duplicate {
			t.Errorf("the refused contact was tried again: %v", r)
		}
	}
}

// A transient failure (5xx, 429) still holds the cursor, and a 401 (a
// credential, wrong for every contact alike) too: only a refusal of this
// contact passes it.
func TestPermanent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&deskbridge.APIError{StatusCode: 400}, true},
		{&deskbridge.APIError{StatusCode: 403}, true},
		{&deskbridge.APIError{StatusCode: 404}, true},
		{&deskbridge.APIError{StatusCode: 422}, true},
		{&deskbridge.APIError{StatusCode: 401}, false},
		{&deskbridge.APIError{StatusCode: 408}, false},
		{&deskbridge.APIError{StatusCode: 409}, false},
		{&deskbridge.APIError{StatusCode: 429}, false},
		{&deskbridge.APIError{StatusCode: 429, NotSent: true}, false},
		{&deskbridge.APIError{StatusCode: 503}, false},
		{errors.New("connection refused"), false},
		{&storeError{&deskbridge.APIError{StatusCode: 400}}, false},
		{nil, false},
	} {
		if got := permanent(tc.err); got != tc.want {
			t.Errorf("permanent(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// landLate serves cxonetest through a proxy that shows the doubt of
// resumeAfterList: a completed contact's lastUpdateTime is its own last
// change, lag before it lands in the Reporting API (the fake's
// warehousing delay), and updatedSince filters on that time. A poller that
// jumps to lastPollTime then never sees a contact that lands after it.
func landLate(t *testing.T, target string, lag time.Duration) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	replace := func(resp *http.Response, out []byte) {
		resp.Body = io.NopCloser(bytes.NewReader(out))
		resp.ContentLength = int64(len(out))
		resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	}
	rp.ModifyResponse = func(resp *http.Response) error {
		if strings.Contains(resp.Request.URL.Path, "well-known") {
			// Discovery names the fake's URL: name the proxy's instead.
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				return err
			}
			resp.Body.Close()
			replace(resp, bytes.ReplaceAll(b, []byte(target), []byte(srv.URL)))
			return nil
		}
		if !strings.HasSuffix(resp.Request.URL.Path, "/contacts/completed") || resp.StatusCode != http.StatusOK {
			return nil
		}
		since, _ := time.Parse(time.RFC3339Nano, resp.Request.URL.Query().Get("updatedSince"))
		var body map[string]json.RawMessage
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return err
		}
		resp.Body.Close()
		var items []map[string]any
		if err := json.Unmarshal(body["completedContacts"], &items); err != nil {
			return err
		}
		kept := []map[string]any{}
		for _, c := range items {
			landed, err := time.Parse(time.RFC3339Nano, c["lastUpdateTime"].(string))
			if err != nil {
				return err
			}
			changed := landed.Add(-lag)
			if changed.Before(since) {
				continue
			}
			c["lastUpdateTime"] = changed.UTC().Format("2006-01-02T15:04:05.000Z")
			kept = append(kept, c)
		}
		body["completedContacts"], _ = json.Marshal(kept)
		out, _ := json.Marshal(body)
		replace(resp, out)
		return nil
	}
	return srv.URL
}

// Review finding 2 (MEDIUM): a contact that lands in the Reporting API
// after a poll whose lastPollTime is past the contact's lastUpdateTime is
// still written: the cursor keeps Config.Settle of overlap.
func TestContactLandingLateIsNotSkipped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, err := cxone.NewClient(cxone.WithBaseURL(landLate(t, e.cx.URL, warehouse)),
		cxone.WithAccessKey(e.cx.AccessKeyID, e.cx.AccessKeySecret, e.cx.ClientID, e.cx.ClientSecret),
		cxone.WithMaxRetries(1), cxone.WithRetryWaitMax(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.config()
	cfg.CXone = c
	e.flow = e.newFlow(cfg)

	early := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: "+33700000001"}})
	e.warehouse()
	late := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: "+33700000002"}})
	e.clock.Advance(30 * time.Second) // the early contact has landed, the late one not yet
	if st := e.poll(); st.Outcomes[flow.Applied] != 1 {
		t.Fatalf("first poll %+v", st)
	}
	e.clock.Advance(time.Minute) // the late one lands, its lastUpdateTime before the first poll
	e.poll()
	e.clock.Advance(time.Minute)
	e.poll()
	e.appliedOnce(early, late)
}

// stealStore lets another replica take a contact's claim, its lease over on
// the clock, the first time the flow reads a record it found before (just
// before its first Zendesk write): a slow first replica.
type stealStore struct {
	*store.Memory
	clock   *testkit.Clock
	once    sync.Once
	stole   bool
	claimed []string // the claim keys to take
}

func (s *stealStore) Get(ctx context.Context, key string) (string, bool, error) {
	if strings.HasPrefix(key, keyPrefix+"rec:") {
		s.once.Do(func() {
			s.clock.Advance(claimLease + time.Second)
			for _, k := range s.keys(keyPrefix + "claim:") {
				s.stole, _ = s.Memory.Add(ctx, k, "another replica", claimLease)
			}
		})
	}
	return s.Memory.Get(ctx, key)
}

func (s *stealStore) keys(prefix string) []string {
	var out []string
	for _, k := range s.claimed {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}

// Review finding 3 (LOW): a replica whose claim on a contact ended (and
// another replica took it) while it worked writes nothing more to Zendesk:
// it checks its claim before each write, and the poll holds.
func TestLostClaimWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st := &stealStore{Memory: &store.Memory{Now: e.clock.Now}, clock: e.clock}
	cfg := e.config()
	cfg.Store = st
	e.flow = e.newFlow(cfg)
	id := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone}, DispositionID: e.resolved})
	st.claimed = []string{keyPrefix + "claim:" + strconv.FormatInt(id, 10)}
	e.warehouse()
	before := e.writes()
	ps := e.poll()
	if !st.stole {
		t.Fatal("the other replica did not take the claim")
	}
	if n := e.writes() - before; n != 0 {
		t.Errorf("%d Zendesk writes after the claim was lost", n)
	}
	if rs := e.resultsFor(id); len(rs) != 1 || rs[0].Outcome != flow.Duplicate || rs[0].Detail != DetailBusy || !ps.Held {
		t.Errorf("poll %+v, results %v", ps, rs)
	}
}

// Review finding 3 (LOW): Create User goes through users/create_or_update
// with an external_id made from the number, so that a retry after an
// answer lost creates no second user.
func TestCreateUserIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Workflows = Workflows{CreateUser: true, CreateTicket: true} })
	const number = "+33700000009"
	id := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: number}})
	e.warehouse()
	// Zendesk creates the user, and the answer is lost.
	e.zd.InjectFault(zendesktest.Fault{Method: "POST", Path: "/api/v2/users", Processed: true, Status: http.StatusServiceUnavailable})
	e.poll()
	e.clock.Advance(time.Minute)
	e.poll()
	n := 0
	for _, u := range e.zd.Users() {
		if u.Phone != nil && *u.Phone == number {
			n++
			if u.ExternalID == nil || *u.ExternalID != aniExternalID(number) {
				t.Errorf("user %d external_id = %v", u.ID, u.ExternalID)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d users with the number, want 1; results %v", n, e.resultsFor(id))
	}
	var posts []string
	for _, r := range e.zd.Requests() {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Path, "/api/v2/users") {
			continue
		}
		posts = append(posts, r.Path)
		var body struct {
			User map[string]any `json:"user"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.User["external_id"] != "cxone-ani:+33700000009" || body.User["phone"] != number || body.User["role"] != "end-user" {
			t.Errorf("POST %s %s", r.Path, r.Body)
		}
	}
	if len(posts) != 2 || posts[0] != "/api/v2/users/create_or_update" || posts[1] != posts[0] {
		t.Errorf("user creations %q, want create_or_update, sent again after the lost answer", posts)
	}
}

// Review finding 3 (LOW): an ANI with search syntax in it (a wildcard)
// searches for the digits only.
func TestPhoneQueryKeepsOnlyDigits(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1*":                  "phone:1",
		"+33 6 12 34 56 78":   "phone:+33612345678",
		`+1 (555) 010-9999`:   "phone:+15550109999",
		`555" OR role:admin"`: "phone:555",
		"":                    "phone:",
	} {
		if got := phoneQuery(in); got != want {
			t.Errorf("phoneQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

// With Config.MaxAttempts, a contact that always fails with a 5xx is
// rejected after that many polls, and the contacts after it are written.
func TestMaxAttemptsGivesUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.MaxAttempts = 3 })
	first := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone}})
	e.clock.Advance(time.Second)
	second := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: "+33700000002"}})
	e.warehouse()
	e.zd.InjectFault(zendesktest503("/api/v2/tickets/"+strconv.FormatInt(e.openTicket, 10), 1000))
	for i := range 2 {
		if st := e.poll(); !st.Held || st.Outcomes[flow.Failed] != 1 {
			t.Fatalf("poll %d: %+v", i, st)
		}
		e.clock.Advance(time.Minute)
	}
	if st := e.poll(); st.Held || st.Outcomes[flow.Rejected] != 1 || st.Outcomes[flow.Applied] != 1 {
		t.Fatalf("third poll %+v", st)
	}
	rs := e.resultsFor(first)
	if last := rs[len(rs)-1]; last.Detail != DetailGaveUp || !errors.Is(last.Err, deskbridge.ErrUnavailable) || !strings.Contains(last.Err.Error(), "3 failed attempts") {
		t.Errorf("first contact: %v", last)
	}
	if got := e.outcomes(second); len(got) != 1 || got[0] != flow.Applied {
		t.Errorf("second contact: %v", e.resultsFor(second))
	}
}

// The ANI is outside input: whatever it holds, the user search gets a
// phone term of digits (after one leading +), and the Create User
// external_id the same digits.
func FuzzPhoneQuery(f *testing.F) {
	for _, s := range []string{"1*", `+33 6 12 "34"`, "+1 (555) 010-9999", `555" OR role:admin"`, "anonymous", "++1", "", "٣٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ani string) {
		q := strings.TrimPrefix(phoneQuery(ani), "phone:")
		for i, r := range q {
			if (r < '0' || r > '9') && !(r == '+' && i == 0) {
				t.Fatalf("phoneQuery(%q) = %q", ani, q)
			}
		}
		if id := aniExternalID(ani); id != "" && id != "cxone-ani:"+q {
			t.Fatalf("aniExternalID(%q) = %q, search %q", ani, id, q)
		}
	})
}

// A contact refused for good answers the Studio script 200 (its call was
// right; the refusal is reported), and the poll then skips it as decided.
func TestStudioCallForARefusedContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.play(cxonetest.Interaction{NewContact: cxonetest.NewContact{SkillID: e.voice, From: callerPhone}})
	e.warehouse()
	e.cx.InjectFault(cxonetest.Fault{Path: "/inContactAPI/services/v23.0/contacts/" + strconv.FormatInt(id, 10) + "/custom-data",
		Status: http.StatusForbidden, Body: `{"error":"forbidden"}`, Times: 100})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+ContactEndedPath,
		strings.NewReader(`{"contactId": `+strconv.FormatInt(id, 10)+`}`))
	req.Header.Set("Authorization", "Bearer "+studioSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("studio call: %d", resp.StatusCode)
	}
	if rs := e.resultsFor(id); len(rs) != 1 || rs[0].Outcome != flow.Rejected || rs[0].Detail != DetailRefused {
		t.Fatalf("results %v", rs)
	}
	if st := e.poll(); st.Held || st.Outcomes[flow.Duplicate] != 1 {
		t.Errorf("poll %+v", st)
	}
}
