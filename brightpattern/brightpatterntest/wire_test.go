package brightpatterntest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
)

func TestTokenGrant(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}, "tenant": {s.TenantURL}}
	st, h, m := call(t, s, "POST", tokenPath, http.Header{"Content-Type": {formCT}}, form.Encode())
	if st != 200 || m["token_type"] != "Bearer" || m["expires_in"] != "3599" || m["access_token"] == "" || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v", st, m)
	}
	if len(m) != 3 {
		t.Fatalf("unexpected members: %v", m)
	}
	bad := []struct {
		name   string
		ct     string
		change func(url.Values)
		status int
		code   string
	}{
		{"wrong secret", formCT, func(v url.Values) { v.Set("client_secret", "nope") }, 401, "invalid_client"},
		{"wrong client", formCT, func(v url.Values) { v.Set("client_id", "someone") }, 401, "invalid_client"},
		{"no secret", formCT, func(v url.Values) { v.Del("client_secret") }, 401, "invalid_client"},
		{"password grant", formCT, func(v url.Values) { v.Set("grant_type", "password") }, 400, "unsupported_grant_type"},
		{"other tenant", formCT, func(v url.Values) { v.Set("tenant", "evil.brightpattern.com") }, 400, "invalid_request"},
		{"no tenant", formCT, func(v url.Values) { v.Del("tenant") }, 400, "invalid_request"},
		{"JSON body", "application/json", func(url.Values) {}, 400, "invalid_request"},
	}
	for _, c := range bad {
		v := url.Values{}
		for k, x := range form {
			v[k] = append([]string(nil), x...)
		}
		c.change(v)
		st, _, m := call(t, s, "POST", tokenPath, http.Header{"Content-Type": {c.ct}}, v.Encode())
		if st != c.status || m["error"] != c.code {
			t.Errorf("%s: %d %v", c.name, st, m)
		}
	}
	for _, r := range s.Requests() {
		if strings.Contains(string(r.Body), s.ClientSecret) {
			t.Fatalf("the client secret is in the log: %s", r.Body)
		}
	}
}

func TestGetUser(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock()
	s := NewServer(WithClock(clk.Now))
	defer s.Close()
	u := User{LoginID: "ann", FirstName: "Ann", LastName: "Lee", Email: "Ann@Example.com", Roles: []string{"Agent"}, Skills: map[string]int{"billing": 80}}
	if err := s.AddUser(u); err != nil {
		t.Fatal(err)
	}
	tok := token(t, s)
	st, _, m := call(t, s, "GET", "/configapi/v2/user/ann", bearer(tok), "")
	if st != 200 || m["loginId"] != "ann" || m["email"] != "Ann@Example.com" || m["disabled"] != false || m["changePassword"] != false {
		t.Fatalf("%d %v", st, m)
	}
	for _, absent := range []string{"team", "extension", "workPhone", "mobilePhone", "loginInfo"} {
		if _, ok := m[absent]; ok {
			t.Errorf("%s should be absent: %v", absent, m)
		}
	}
	if sk := m["skills"].(map[string]any); sk["billing"] != float64(80) {
		t.Fatalf("skills %v", sk)
	}
	if st, _, _ := call(t, s, "GET", "/configapi/v2/user/bob", bearer(tok), ""); st != 404 {
		t.Fatalf("unknown user: %d", st)
	}
	if st, _, _ := call(t, s, "GET", "/configapi/v2/user/ann", nil, ""); st != 401 {
		t.Fatalf("no token: %d", st)
	}
	if st, _, _ := call(t, s, "GET", "/configapi/v2/user/ann", bearer("forged-token"), ""); st != 401 {
		t.Fatalf("forged token: %d", st)
	}
	clk.Advance(TokenLifetime - time.Second)
	if st, _, _ := call(t, s, "GET", "/configapi/v2/user/ann", bearer(tok), ""); st != 200 {
		t.Fatalf("live token: %d", st)
	}
	clk.Advance(time.Second)
	if st, _, _ := call(t, s, "GET", "/configapi/v2/user/ann", bearer(tok), ""); st != 401 {
		t.Fatalf("expired token: %d", st)
	}
	tok = token(t, s)
	s.RevokeTokens()
	if st, _, _ := call(t, s, "GET", "/configapi/v2/user/ann", bearer(tok), ""); st != 401 {
		t.Fatalf("revoked token: %d", st)
	}
	for _, r := range s.Requests() {
		if a := r.Header.Get("Authorization"); a != "" && a != "[redacted]" {
			t.Fatalf("Authorization logged: %q", a)
		}
	}
}

func TestUsers(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	if err := s.AddUser(User{LoginID: "ann", Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUser(User{LoginID: "ann"}); err == nil {
		t.Fatal("duplicate login accepted")
	}
	if err := s.AddUser(User{LoginID: "ann2", Email: "ANN@example.com"}); err == nil {
		t.Fatal("duplicate email accepted")
	}
	if err := s.AddUser(User{}); err == nil {
		t.Fatal("empty login accepted")
	}
	u, ok := s.UserByEmail("Ann@Example.COM")
	if !ok || u.LoginID != "ann" {
		t.Fatalf("%v %v", u, ok)
	}
	if _, ok := s.UserByEmail("nobody@example.com"); ok {
		t.Fatal("found nobody")
	}
	// A returned user is a copy.
	u.Roles = append(u.Roles, "Supervisor")
	if u2, _ := s.User("ann"); len(u2.Roles) != 0 {
		t.Fatal("the store shares its slices")
	}
}

func TestRateLimitAndFaults(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock()
	s := NewServer(WithClock(clk.Now), WithRateLimit(2, time.Minute))
	defer s.Close()
	h := mobile(s, "c1")
	for i := range 2 {
		if st, _, _ := call(t, s, "GET", chatPrefix+"availability", h, ""); st != 200 {
			t.Fatalf("request %d: %d", i, st)
		}
	}
	st, hdr, m := call(t, s, "GET", chatPrefix+"availability", h, "")
	if st != 429 || hdr.Get("Retry-After") != "60" || m["error_code"] == nil {
		t.Fatalf("%d %v %v", st, hdr, m)
	}
	token(t, s) // the token endpoint is not limited
	clk.Advance(time.Minute)
	if st, _, _ := call(t, s, "GET", chatPrefix+"availability", h, ""); st != 200 {
		t.Fatalf("next window: %d", st)
	}
	s.SetRateLimit(0, 0)
	s.InjectFault(Fault{Method: "GET", Path: chatPrefix + "availability", Status: 503, Times: 2})
	for range 2 {
		if st, _, _ := call(t, s, "GET", chatPrefix+"availability", h, ""); st != 503 {
			t.Fatalf("fault: %d", st)
		}
	}
	if st, _, _ := call(t, s, "GET", chatPrefix+"availability", h, ""); st != 200 {
		t.Fatalf("after fault: %d", st)
	}
	if n := s.RequestCount("GET", chatPrefix+"availability"); n != 7 {
		t.Fatalf("logged %d", n)
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Fatal("log not reset")
	}
}

func TestUnknownPathAndTooLarge(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	if st, _, m := call(t, s, "GET", "/clientweb/api/v1/nothing", mobile(s, "c"), ""); st != 404 || m["error_code"] == nil {
		t.Fatalf("%d %v", st, m)
	}
	if st, _, m := call(t, s, "GET", "/configapi/v2/nothing", nil, ""); st != 404 || m["error"] == nil {
		t.Fatalf("%d %v", st, m)
	}
	big := `{"phone_number":"` + strings.Repeat("1", MaxBodySize) + `"}`
	st, _, m := call(t, s, "POST", chatPrefix+"chats", mobile(s, "c"), big)
	if st != 413 || !strings.Contains(m["error_message"].(string), "1048576") {
		t.Fatalf("%d %v", st, m)
	}
}
