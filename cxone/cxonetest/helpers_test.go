package cxonetest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
)

// env is a fake on an injected clock whose long polls end at once unless
// a test holds them.
type env struct {
	t     *testing.T
	srv   *Server
	clock *testkit.Clock
	tok   string
}

func newEnv(t *testing.T, opts ...Option) *env {
	t.Helper()
	clock := testkit.NewClock()
	expired := make(chan time.Time)
	close(expired)
	opts = append([]Option{WithClock(clock.Now), WithAfter(func(time.Duration) <-chan time.Time { return expired })}, opts...)
	srv := NewServer(opts...)
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, clock: clock}
	e.tok = srv.IssueToken()
	return e
}

// do sends a request with the bearer token and returns the status and
// body.
func (e *env) do(method, path string, body string) (int, []byte, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.tok)
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// get fetches path, wants status, and decodes the JSON body (nil for none).
func (e *env) get(path string, want int) map[string]any {
	e.t.Helper()
	code, b, _ := e.do(http.MethodGet, path, "")
	if code != want {
		e.t.Fatalf("GET %s: %d, want %d: %s", path, code, want, b)
	}
	if len(b) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		e.t.Fatalf("GET %s: %v: %s", path, err, b)
	}
	return m
}

func (e *env) form(vals url.Values, basic [2]string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+tokenPath, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic[0] != "" {
		req.SetBasicAuth(basic[0], basic[1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// items returns the list under key.
func items(t *testing.T, m map[string]any, key string) []map[string]any {
	t.Helper()
	raw, ok := m[key].([]any)
	if !ok {
		t.Fatalf("no list %q in %v", key, m)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i] = v.(map[string]any)
	}
	return out
}

const v33 = "/inContactAPI/services/v33.0"
const v23 = "/inContactAPI/services/v23.0"

// center builds a small contact center: a voice skill with ACW and two
// dispositions, a chat skill without ACW, a team, an agent logged in.
type fixture struct {
	voice, chat Skill
	sold, later Disposition
	team        Team
	ann         Agent
	refund      Tag
	brb         UnavailableCode
}

func (e *env) fixture() fixture {
	s := e.srv
	var f fixture
	f.brb = s.AddUnavailableCode(UnavailableCode{Name: "Break"})
	f.team = s.AddTeam(Team{Name: "Support", UnavailableCodeIDs: []int64{f.brb.ID}})
	f.sold = s.AddDisposition(Disposition{Name: "Resolved"})
	f.later = s.AddDisposition(Disposition{Name: "Call back"})
	f.refund = s.AddTag(Tag{Name: "refund"})
	f.voice = s.AddSkill(Skill{Name: "Billing Voice", ACW: true, DispositionIDs: []int64{f.sold.ID, f.later.ID}, TagIDs: []int64{f.refund.ID}})
	f.chat = s.AddSkill(Skill{Name: "Chat EN", Media: MediaChat, DispositionIDs: []int64{f.sold.ID}})
	f.ann = s.AddAgent(Agent{FirstName: "Ann", LastName: "Lee", TeamID: f.team.ID, SkillIDs: []int64{f.voice.ID, f.chat.ID}})
	if _, err := s.LogIn(f.ann.ID); err != nil {
		e.t.Fatal(err)
	}
	return f
}
