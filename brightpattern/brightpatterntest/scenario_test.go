package brightpatterntest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const secret = "s3cret-shared-with-deskbridge"

// endpoint is a deskbridge scenario endpoint stand-in: it records what it
// got and answers with answer(status, body).
type endpoint struct {
	mu     sync.Mutex
	method string
	header http.Header
	body   []byte
	query  string
	status int
	answer string
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	e.method, e.header, e.body, e.query = r.Method, r.Header.Clone(), body, r.URL.RawQuery
	status, answer := e.status, e.answer
	e.mu.Unlock()
	if status == 0 {
		status = 200
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, answer)
}

func newEndpoint(t *testing.T, status int, answer string) (*endpoint, *httptest.Server) {
	e := &endpoint{status: status, answer: answer}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, srv
}

func TestArriveVoice(t *testing.T) {
	t.Parallel()
	e, ep := newEndpoint(t, 200, `{"ticket_id":4711,"user":{"name":"Carla","tags":["vip","gold"]},"found":true,"note":null}`)
	s := NewServer(WithScenario(ScenarioCall(ep.URL+"/bp/scenario", secret)))
	defer s.Close()
	if err := s.AddUser(User{LoginID: "ann", FirstName: "Ann", LastName: "Lee", Team: "Support", Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	run, err := s.Arrive(context.Background(), Interaction{
		ANI: "+14155550100", DNIS: "+18005550199", Agent: "ann",
		Variables: map[string]string{"brand": "acme"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The request, as the block sends it.
	if e.method != "POST" || e.header.Get("Authorization") != "Bearer "+secret || e.header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s %v", e.method, e.header)
	}
	var sent map[string]string
	if err := json.Unmarshal(e.body, &sent); err != nil {
		t.Fatalf("%v: %s", err, e.body)
	}
	want := map[string]string{
		"item.ANI": "+14155550100", "item.DNIS": "+18005550199", "user.loginId": "ann",
		"user.firstName": "Ann", "user.lastName": "Lee", "user.team": "Support", "brand": "acme",
		"item.globalInteractionId": run.GlobalInteractionID,
	}
	if len(sent) != len(want) {
		t.Fatalf("sent %v", sent)
	}
	for k, v := range want {
		if sent[k] != v {
			t.Errorf("%s = %q, want %q", k, sent[k], v)
		}
	}
	// What came back, as variables.
	if run.Exit != ExitNext || !run.Delivered || len(run.Blocks) != 1 {
		t.Fatalf("%+v", run)
	}
	v := run.Variables
	for k, want := range map[string]string{
		"ticket_id": "4711", "user.name": "Carla", "user.tags.__count__": "2", "user.tags[1]": "gold",
		"found": "true", "note": "", "fetchURLResultCode": "200", "integrationResultCode": "200",
		"item.ANI": "+14155550100",
	} {
		if v[k] != want {
			t.Errorf("variable %s = %q, want %q", k, v[k], want)
		}
	}
	if v["fetchURLResultBody"] != e.answer || v["integrationResultBody"] != e.answer {
		t.Fatalf("result body %q", v["fetchURLResultBody"])
	}
	// The record keeps no secret.
	b := run.Blocks[0]
	if b.Request.Header.Get("Authorization") != "[redacted]" || b.Status != 200 || b.Request.Status != 200 || b.URL != ep.URL+"/bp/scenario" {
		t.Fatalf("%+v", b)
	}
	if last, ok := s.LastRun(); !ok || last.GlobalInteractionID != run.GlobalInteractionID || len(s.Runs()) != 1 {
		t.Fatal("run not recorded")
	}
}

func TestArriveExits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		answer string
		exit   Exit
	}{
		{"server error", 500, `{"error":"boom"}`, ExitFailed},
		{"refused", 401, `{"error":"bad secret"}`, ExitFailed},
		{"empty", 200, ``, ExitNoData},
		{"blank", 200, " \n", ExitNoData},
		{"not JSON", 200, `<html>`, ExitFailed},
		{"array", 200, `[1,2]`, ExitFailed},
		{"two values", 200, `{} {}`, ExitFailed},
	}
	for _, c := range cases {
		_, ep := newEndpoint(t, c.status, c.answer)
		s := NewServer(WithScenario(ScenarioCall(ep.URL, secret), ScenarioCall(ep.URL, secret)))
		run, err := s.Arrive(context.Background(), Interaction{ANI: "1"})
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if run.Exit != c.exit || len(run.Blocks) != 1 {
			t.Errorf("%s: exit %q after %d blocks", c.name, run.Exit, len(run.Blocks))
		}
		if c.status != 200 && run.Variables["fetchURLResultCode"] == "200" {
			t.Errorf("%s: code %q", c.name, run.Variables["fetchURLResultCode"])
		}
	}
}

func TestArriveTimeoutAndDown(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)
	b := ScenarioCall(slow.URL, secret)
	b.Timeout = 20 * time.Millisecond
	s := NewServer(WithScenario(b))
	defer s.Close()
	run, err := s.Arrive(context.Background(), Interaction{})
	if err != nil || run.Exit != ExitTimeout || run.Blocks[0].Request.Err != "timeout" {
		t.Fatalf("%v %+v", err, run)
	}
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL
	down.Close()
	s.SetScenario(ScenarioCall(url, secret))
	run, err = s.Arrive(context.Background(), Interaction{})
	if err != nil || run.Exit != ExitFailed || run.Blocks[0].Request.Err == "" {
		t.Fatalf("%v %+v", err, run)
	}
}

func TestArriveChat(t *testing.T) {
	t.Parallel()
	e, ep := newEndpoint(t, 200, `{"ticket_id":"12"}`)
	s := NewServer(WithScenario(ScenarioCall(ep.URL, secret)))
	defer s.Close()
	if err := s.AddUser(User{LoginID: "ann", FirstName: "Ann"}); err != nil {
		t.Fatal(err)
	}
	id := startChat(t, s, "c1")
	run, err := s.Arrive(context.Background(), Interaction{Kind: KindChat, ChatID: id, Agent: "ann"})
	if err != nil || run.Exit != ExitNext || !run.Delivered {
		t.Fatalf("%v %+v", err, run)
	}
	var sent map[string]string
	_ = json.Unmarshal(e.body, &sent)
	if sent["item.ANI"] != "+14155550100" || sent["item.from"] != "web" ||
		sent["item.externalChatData.email"] != "c@example.com" || sent["item.externalChatData.order"] != "42" {
		t.Fatalf("%v", sent)
	}
	c, _ := s.Chat(id)
	if c.Agent != "ann" || c.State != StateConnected {
		t.Fatalf("%+v", c)
	}
}

func TestArriveBadInput(t *testing.T) {
	t.Parallel()
	_, ep := newEndpoint(t, 200, `{}`)
	s := NewServer()
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Arrive(ctx, Interaction{}); !errors.Is(err, ErrNoScenario) {
		t.Fatalf("%v", err)
	}
	s.SetScenario(ScenarioCall(ep.URL, secret))
	if _, err := s.Arrive(ctx, Interaction{Agent: "ghost"}); !errors.Is(err, ErrNoUser) {
		t.Fatalf("%v", err)
	}
	if _, err := s.Arrive(ctx, Interaction{Kind: KindChat, ChatID: "nope"}); !errors.Is(err, ErrNoChat) {
		t.Fatalf("%v", err)
	}
	if _, err := s.Arrive(ctx, Interaction{Kind: "fax"}); err == nil {
		t.Fatal("unknown kind")
	}
	id := startChat(t, s, "c1")
	call(t, s, "POST", chatPrefix+"chats/"+id+"/events", mobile(s, "c1"), `{"events":[{"event":"chat_session_end"}]}`)
	if _, err := s.Arrive(ctx, Interaction{Kind: KindChat, ChatID: id}); !errors.Is(err, ErrChatEnded) {
		t.Fatalf("%v", err)
	}
	for name, b := range map[string]FetchURL{
		"no URL":       {},
		"not http":     {URL: "ftp://example.com/x"},
		"method":       {URL: ep.URL, Method: "TRACE"},
		"content type": {URL: ep.URL, ContentType: "text/plain"},
		"timeout":      {URL: ep.URL, Timeout: -1},
	} {
		s.SetScenario(b)
		if _, err := s.Arrive(ctx, Interaction{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A URL that is not http(s) once substituted takes the Failed exit.
	s.SetScenario(FetchURL{URL: "$(where)/x"})
	if run, err := s.Arrive(ctx, Interaction{Variables: map[string]string{"where": "file://"}}); err != nil || run.Exit != ExitFailed {
		t.Fatalf("%v %+v", err, run)
	}
	if len(s.Runs()) != 1 {
		t.Fatalf("runs %d", len(s.Runs()))
	}
}

// TestFetchURLSettings checks the block's settings on the wire: the
// default GET, URL parameters appended and encoded, extra headers and
// basic authentication with variables, a form body, a raw JSON body, and
// the result stored whole in a variable.
func TestFetchURLSettings(t *testing.T) {
	t.Parallel()
	e, ep := newEndpoint(t, 200, `{"a":1}`)
	s := NewServer()
	defer s.Close()
	ctx := context.Background()
	in := Interaction{ANI: "+1 415", Variables: map[string]string{"key": "k-123456789"}}

	s.SetScenario(FetchURL{
		URL:       ep.URL + "/lookup?x=1",
		URLParams: []Header{{Name: "ani", Value: "$(item.ANI)"}, {Name: "q", Value: "a&b"}},
		Headers:   []Header{{Name: "X-Key", Value: "$(key)"}},
		Username:  "bp", Password: "pw-$(key)",
		ResultVariable: "raw",
	})
	run, err := s.Arrive(ctx, in)
	if err != nil || run.Exit != ExitNext {
		t.Fatalf("%v %+v", err, run)
	}
	if e.method != "GET" || e.query != "ani=%2B1+415&q=a%26b&x=1" || e.header.Get("X-Key") != "k-123456789" || len(e.body) != 0 {
		t.Fatalf("%s %q %v", e.method, e.query, e.header)
	}
	if u, p, ok := (&http.Request{Header: e.header}).BasicAuth(); !ok || u != "bp" || p != "pw-k-123456789" {
		t.Fatalf("basic %q %q", u, p)
	}
	if run.Variables["raw"] != `{"a":1}` || run.Variables["a"] != "" {
		t.Fatalf("%v", run.Variables)
	}
	b := run.Blocks[0]
	if b.Request.Header.Get("X-Key") != "[redacted]" || b.Request.Header.Get("Authorization") != "[redacted]" {
		t.Fatalf("%v", b.Request.Header)
	}

	s.SetScenario(FetchURL{
		Method: "put", URL: ep.URL, ContentType: "application/x-www-form-urlencoded",
		FormParams: []Header{{Name: "ani", Value: "$(item.ANI)"}, {Name: "password", Value: "$(key)"}},
	})
	if _, err := s.Arrive(ctx, in); err != nil {
		t.Fatal(err)
	}
	if e.method != "PUT" || string(e.body) != "ani=%2B1+415&password=k-123456789" || e.header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Fatalf("%s %q %v", e.method, e.body, e.header)
	}
	if last, _ := s.LastRun(); strings.Contains(string(last.Blocks[0].Body), "k-123456789") {
		t.Fatalf("the password is recorded: %s", last.Blocks[0].Body)
	}

	s.SetScenario(FetchURL{Method: "PATCH", URL: ep.URL, Body: `{"caller":"$(item.ANI)","unknown":"$(nope)"}`})
	if _, err := s.Arrive(ctx, in); err != nil {
		t.Fatal(err)
	}
	if e.method != "PATCH" || string(e.body) != `{"caller":"+1 415","unknown":""}` || e.header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s %q", e.method, e.body)
	}
}
