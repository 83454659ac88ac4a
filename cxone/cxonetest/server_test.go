package cxonetest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestDiscoveryDocuments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	oc := e.get(openIDPath, 200)
	if oc["token_endpoint"] != e.srv.URL+tokenPath {
		t.Fatalf("token_endpoint %v", oc["token_endpoint"])
	}
	d := e.get(discoveryPath+"?tenantId="+e.srv.TenantID, 200)
	if d["api_endpoint"] != e.srv.URL || d["area"] != "na1" || d["domain"] != "niceincontact.com" {
		t.Fatalf("discovery %v", d)
	}
	e.get(discoveryPath+"?tenantId=other", 404)
	e.get(discoveryPath, 400)
}

func TestTokenGrant(t *testing.T) {
	t.Parallel()
	e := newEnv(t, WithTokenLifetime(time.Hour))
	s := e.srv
	pw := url.Values{"grant_type": {"password"}, "username": {s.AccessKeyID}, "password": {s.AccessKeySecret}}
	if !strings.Contains(s.AccessKeySecret, "=") {
		t.Fatal("the default secret should carry an '=' the form must escape")
	}
	post := clone(pw)
	post.Set("client_id", s.ClientID)
	post.Set("client_secret", s.ClientSecret)
	code, tok := e.form(post, [2]string{})
	if code != 200 || tok["token_type"] != "Bearer" || tok["expires_in"] != float64(3600) {
		t.Fatalf("post: %d %v", code, tok)
	}
	for _, k := range []string{"access_token", "refresh_token", "id_token", "issued_token_type"} {
		if tok[k] == nil {
			t.Errorf("no %s", k)
		}
	}
	for _, k := range []string{"access_token", "id_token"} {
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(tok[k].(string), claims); err != nil || claims["tenantId"] != s.TenantID {
			t.Fatalf("%s claims %v (%v)", k, claims, err)
		}
	}
	if code, basic := e.form(pw, [2]string{s.ClientID, s.ClientSecret}); code != 200 || basic["access_token"] == nil {
		t.Fatalf("basic: %d %v", code, basic)
	}
	cases := []struct {
		name  string
		vals  url.Values
		basic [2]string
		code  int
		err   string
	}{
		{"wrong secret", with(post, "password", "nope"), [2]string{}, 400, "invalid_grant"},
		{"wrong client", with(post, "client_secret", "nope"), [2]string{}, 401, "invalid_client"},
		{"no client", pw, [2]string{}, 401, "invalid_client"},
		{"client twice", post, [2]string{s.ClientID, s.ClientSecret}, 400, "invalid_request"},
		{"grant", with(post, "grant_type", "client_credentials"), [2]string{}, 400, "unsupported_grant_type"},
		{"no grant", with(post, "grant_type", ""), [2]string{}, 400, "invalid_request"},
	}
	for _, c := range cases {
		code, body := e.form(c.vals, c.basic)
		if code != c.code || body["error"] != c.err || body["error_description"] == "" {
			t.Errorf("%s: %d %v", c.name, code, body)
		}
	}
	// The token works, then expires on the fake's clock.
	e.tok = tok["access_token"].(string)
	e.get(v23+"/agents", 204)
	e.clock.Advance(time.Hour)
	if code, body, h := e.do("GET", v23+"/agents", ""); code != 401 || !strings.Contains(string(body), `"error":"invalid_token"`) || h.Get("WWW-Authenticate") == "" {
		t.Fatalf("expired: %d %s", code, body)
	}
	// The refresh token buys a new one, once.
	rt := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}
	if code, body := e.form(rt, [2]string{s.ClientID, s.ClientSecret}); code != 200 || body["access_token"] == nil {
		t.Fatalf("refresh: %d %v", code, body)
	}
	if code, _ := e.form(rt, [2]string{s.ClientID, s.ClientSecret}); code != 400 {
		t.Fatalf("refresh reused: %d", code)
	}
	// The log keeps no secret.
	for _, r := range s.Requests() {
		for _, secret := range []string{s.AccessKeySecret, s.ClientSecret, url.QueryEscape(s.AccessKeySecret)} {
			if strings.Contains(string(r.Body), secret) || strings.Contains(r.Header.Get("Authorization"), "Basic") {
				t.Fatalf("secret in the log: %s %s", r.Path, r.Body)
			}
		}
	}
	s.RevokeTokens()
	e.tok = s.IssueToken()
	e.get(v23+"/agents", 204)
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func with(v url.Values, k, val string) url.Values {
	out := clone(v)
	out.Set(k, val)
	return out
}

func TestAPIRefusesMissingToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.tok = ""
	e.get(v23+"/agents", 401)
	e.tok = "forged"
	e.get(v23+"/agents", 401)
}

func TestWireKeysExactAndAbsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.fixture()
	bob := e.srv.AddAgent(Agent{FirstName: "Bob"}) // no last name, e-mail, team
	a := items(t, e.get(v23+"/agents/"+itoa(bob.ID), 200), "agents")[0]
	for _, k := range []string{"lastName", "emailAddress", "teamId", "teamName", "lastLogin"} {
		if _, ok := a[k]; ok {
			t.Errorf("unset %s present: %v", k, a)
		}
	}
	if a["agentId"] != float64(bob.ID) || a["firstName"] != "Bob" || a["isActive"] != true {
		t.Fatalf("agent %v", a)
	}
	ann := items(t, e.get(v23+"/agents/"+itoa(f.ann.ID), 200), "agents")[0]
	if ann["teamName"] != "Support" || ann["lastLogin"] == nil {
		t.Fatalf("ann %v", ann)
	}
	sk := items(t, e.get(v23+"/skills/"+itoa(f.voice.ID), 200), "skills")[0]
	ds := sk["dispositions"].([]any)
	if len(ds) != 2 || ds[0].(map[string]any)["dispositionName"] != "Resolved" || sk["mediaTypeId"] != float64(4) {
		t.Fatalf("skill %v", sk)
	}
	uc := e.get(v23+"/unavailable-codes/"+itoa(f.brb.ID), 200)
	if uc["unavailableCode"].(map[string]any)["name"] != "Break" {
		t.Fatalf("code %v", uc)
	}
	tc := items(t, e.get(v23+"/teams/"+itoa(f.team.ID)+"/unavailable-codes", 200), "unavailableCodes")
	if len(tc) != 1 {
		t.Fatalf("team codes %v", tc)
	}
	st := items(t, e.get(v23+"/agents/"+itoa(f.ann.ID)+"/states", 200), "agentStates")[0]
	if st["agentStateName"] != "Available" || st["sessionStartTime"] == nil {
		t.Fatalf("state %v", st)
	}
	e.get(v23+"/agents/999999", 404)
	e.get(v23+"/agents/abc", 400)
	e.get("/inContactAPI/services/v99.0/agents", 404)
	e.get("/incontactapi/services/v23.0/agents/"+itoa(f.ann.ID), 200)
	code, body, _ := e.do("GET", v23+"/agents/999999", "")
	if code != 404 || !strings.Contains(string(body), `"error":"NotFound"`) || !strings.Contains(string(body), "error_description") {
		t.Fatalf("404 body %s", body)
	}
}

func TestPagingSkipTopAndLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.get(v23+"/skills", 204)
	for range 120 {
		e.srv.AddAgent(Agent{FirstName: "A"})
	}
	p1 := e.get(v23+"/agents", 200)
	if len(items(t, p1, "agents")) != 50 || p1["totalRecords"] != float64(120) {
		t.Fatalf("page 1: %d %v", len(items(t, p1, "agents")), p1["totalRecords"])
	}
	links := p1["_links"].(map[string]any)
	if _, ok := links["previous"]; ok {
		t.Fatal("a previous link on the first page")
	}
	var seen []float64
	next, _ := links["next"].(string)
	for _, a := range items(t, p1, "agents") {
		seen = append(seen, a["agentId"].(float64))
	}
	for next != "" {
		if !strings.HasPrefix(next, e.srv.URL+"/") {
			t.Fatalf("next not absolute: %s", next)
		}
		p := e.get(strings.TrimPrefix(next, e.srv.URL), 200)
		for _, a := range items(t, p, "agents") {
			seen = append(seen, a["agentId"].(float64))
		}
		next, _ = p["_links"].(map[string]any)["next"].(string)
	}
	if len(seen) != 120 || seen[0] != 1001 || seen[119] != 1120 {
		t.Fatalf("walk saw %d", len(seen))
	}
	if big := e.get(v23+"/agents?top=500", 200); len(items(t, big, "agents")) != maxTop {
		t.Fatal("top past the maximum not cut")
	}
	e.get(v23+"/agents?skip=500", 204)
	e.get(v23+"/agents?top=-1", 400)
	proj := items(t, e.get(v23+"/agents?top=1&fields=agentId,firstName", 200), "agents")[0]
	if len(proj) != 2 {
		t.Fatalf("fields projection %v", proj)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestRateLimitAndFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, WithRateLimit(2, time.Minute))
	e.get(v23+"/agents", 204)
	e.get(v23+"/agents", 204)
	code, body, h := e.do("GET", v23+"/agents", "")
	if code != 429 || h.Get("Retry-After") != "60" || !strings.Contains(string(body), "TooManyRequests") {
		t.Fatalf("429: %d %q %s", code, h.Get("Retry-After"), body)
	}
	e.get(discoveryPath+"?tenantId="+e.srv.TenantID, 200) // not limited
	e.clock.Advance(time.Minute)
	e.get(v23+"/agents", 204)
	e.srv.SetRateLimit(0, 0)
	e.srv.InjectFault(ErrorListFault("GET", v23+"/skills", 400, "top", "bad", "InvalidTop"))
	code, body, _ = e.do("GET", v23+"/skills", "")
	if code != 400 || !strings.Contains(string(body), `"errorCode":"InvalidTop"`) || !strings.Contains(string(body), `"uid"`) {
		t.Fatalf("error list: %d %s", code, body)
	}
	e.srv.InjectFault(Fault{Path: v23 + "/skills", Status: http.StatusServiceUnavailable})
	e.get(v23+"/skills", 503)
	if e.srv.RequestCount("GET", v23+"/skills") != 2 {
		t.Fatal("request log")
	}
}
