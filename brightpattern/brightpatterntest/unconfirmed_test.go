package brightpatterntest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Each test here names one guess of unconfirmed.go: what Bright Pattern
// does not document in the pages read and the fake answers all the same,
// so that a change of the guess is a change of a test.

// TestUnconfirmedChatErrorBody names the doubt: only the 400 body
// {"error_code","error_message"} is documented; the fake writes it, with a
// numeric code, for 401 and 404 too.
func TestUnconfirmedChatErrorBody(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	st, _, m := call(t, s, "GET", chatPrefix+"availability", nil, "")
	if st != 401 || m["error_code"] != float64(errUnauthorized) || m["error_message"] == "" || len(m) != 2 {
		t.Fatalf("%d %v", st, m)
	}
	st, _, m = call(t, s, "GET", chatPrefix+"chats/nope/events", mobile(s, "c"), "")
	if st != 404 || m["error_code"] != float64(errNotFound) {
		t.Fatalf("%d %v", st, m)
	}
}

// TestUnconfirmedTokenErrors names the doubt: Request Access Token
// documents its success only; the fake answers errors as RFC 6749 does.
func TestUnconfirmedTokenErrors(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID}, "client_secret": {"x"}, "tenant": {s.TenantURL}}
	st, _, m := call(t, s, "POST", tokenPath, http.Header{"Content-Type": {formCT}}, form.Encode())
	if st != 401 || m["error"] != "invalid_client" || m["error_description"] == nil {
		t.Fatalf("%d %v", st, m)
	}
}

// TestUnconfirmedConfigErrorBody names the doubt: Get User Data documents
// no error body; the fake writes {"error": message}.
func TestUnconfirmedConfigErrorBody(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	st, _, m := call(t, s, "GET", "/configapi/v2/user/x", bearer(token(t, s)), "")
	if st != 404 || m["error"] != "user not found" || len(m) != 1 {
		t.Fatalf("%d %v", st, m)
	}
}

// TestUnconfirmedRateLimit names the doubt: Bright Pattern documents no
// limit nor header; the fake answers 429 with Retry-After and no header
// under the limit.
func TestUnconfirmedRateLimit(t *testing.T) {
	t.Parallel()
	s := NewServer(WithRateLimit(1, 90*time.Second))
	defer s.Close()
	_, h, _ := call(t, s, "GET", chatPrefix+"availability", mobile(s, "c"), "")
	if len(h.Values("Retry-After")) != 0 || h.Get("X-RateLimit-Limit") != "" {
		t.Fatalf("headers under the limit: %v", h)
	}
	st, h, m := call(t, s, "GET", chatPrefix+"availability", mobile(s, "c"), "")
	if st != 429 || h.Get("Retry-After") == "" || m["error_code"] != float64(errRateLimited) {
		t.Fatalf("%d %v %v", st, h, m)
	}
}

// TestUnconfirmedTooLarge names the doubt: no body limit is documented;
// the fake's is MaxBodySize, answered 413 naming it.
func TestUnconfirmedTooLarge(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	st, _, m := call(t, s, "POST", chatPrefix+"chats", mobile(s, "c"), strings.Repeat(" ", MaxBodySize+1))
	if st != 413 || m["error_code"] != float64(errTooLarge) {
		t.Fatalf("%d %v", st, m)
	}
}

// TestUnconfirmedTenantCompare names the doubt: whether a tenant value
// carries a scheme is not said; the fake ignores scheme, case and a
// trailing slash, and a token request must name it.
func TestUnconfirmedTenantCompare(t *testing.T) {
	t.Parallel()
	for _, v := range []string{DefaultTenantURL, "https://" + DefaultTenantURL + "/", "HTTP://DESKBRIDGE.brightpattern.com"} {
		if !sameTenant(v, DefaultTenantURL) {
			t.Errorf("%q refused", v)
		}
	}
	for _, v := range []string{"", "other.brightpattern.com", DefaultTenantURL + ".evil.com"} {
		if sameTenant(v, DefaultTenantURL) {
			t.Errorf("%q accepted", v)
		}
	}
}

// TestUnconfirmedEventKey names the doubt: the member naming a chat event
// is not in the pages read; the fake reads and writes "event".
func TestUnconfirmedEventKey(t *testing.T) {
	t.Parallel()
	if eventKey != "event" {
		t.Fatal(eventKey)
	}
	s := NewServer()
	defer s.Close()
	id := startChat(t, s, "c")
	_, _, m := call(t, s, "POST", chatPrefix+"chats/"+id+"/events", mobile(s, "c"), `{"events":[{"type":"chat_session_typing"}]}`)
	if m["error_code"] == nil {
		t.Fatalf("an event named by \"type\" was accepted: %v", m)
	}
}

// TestUnconfirmedEWT names the doubt: ewt's type is not documented; the
// fake writes a string of seconds.
func TestUnconfirmedEWT(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	_, _, m := call(t, s, "POST", chatPrefix+"chats", mobile(s, "c"), `{}`)
	if m["ewt"] != "0" {
		t.Fatalf("%v", m)
	}
}

// TestUnconfirmedIDForms names the doubt: chat, party and interaction id
// forms are not documented; the fake uses UUIDs and 32 upper-case hex.
func TestUnconfirmedIDForms(t *testing.T) {
	t.Parallel()
	for _, id := range []string{newChatID(), newPartyID()} {
		if len(id) != 36 || id[8] != '-' || id[14] != '4' {
			t.Errorf("%q", id)
		}
	}
	if g := newInteractionID(); len(g) != 32 || strings.ToUpper(g) != g {
		t.Errorf("%q", g)
	}
}

// TestUnconfirmedReuseActiveChat names the doubt: when is_new_chat is
// false is not said; the fake answers the client's active chat.
func TestUnconfirmedReuseActiveChat(t *testing.T) {
	t.Parallel()
	if !reuseActiveChat() {
		t.Fatal("changed")
	}
	s := NewServer()
	defer s.Close()
	id := startChat(t, s, "c")
	if _, _, m := call(t, s, "POST", chatPrefix+"chats", mobile(s, "c"), `{}`); m["chat_id"] != id || m["is_new_chat"] != false {
		t.Fatalf("%v", m)
	}
}

// TestUnconfirmedANIVariable names the doubt: $(item.DNIS) is documented,
// the caller number's variable is not; the fake sets $(item.ANI).
func TestUnconfirmedANIVariable(t *testing.T) {
	t.Parallel()
	if VarANI != "item.ANI" {
		t.Fatal(VarANI)
	}
}

// TestUnconfirmedFetchTimeout names the doubt: the Request Timeout's
// default is not documented; the fake waits 10 s.
func TestUnconfirmedFetchTimeout(t *testing.T) {
	t.Parallel()
	if DefaultFetchTimeout != 10*time.Second {
		t.Fatal(DefaultFetchTimeout)
	}
}

// TestUnconfirmedSubstitute names the doubt: an unknown $(var) becomes ""
// and values go in as text, unescaped.
func TestUnconfirmedSubstitute(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"a": `x"y`, "b": "$(a)"}
	for in, want := range map[string]string{
		`{"v":"$(a)"}`: `{"v":"x"y"}`,
		"$(nope)!":     "!",
		"$(b)":         "$(a)", // no second pass
		"$(a":          "$(a",
		"no vars":      "no vars",
		"$()":          "",
	} {
		if got := substitute(in, vars); got != want {
			t.Errorf("substitute(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUnconfirmedFailedStatus names the doubt: the table of response codes
// was not read; the fake takes Failed outside 2xx.
func TestUnconfirmedFailedStatus(t *testing.T) {
	t.Parallel()
	for code, failed := range map[int]bool{199: true, 200: false, 204: false, 299: false, 302: true, 404: true, 500: true} {
		if failedStatus(code) != failed {
			t.Errorf("%d", code)
		}
	}
}

// TestUnconfirmedParseResult names the doubt: how the block parses JSON
// into variables was not read; the fake flattens an object with "." and
// "[i]", "__count__" for arrays, and refuses anything else.
func TestUnconfirmedParseResult(t *testing.T) {
	t.Parallel()
	got, err := parseResult([]byte(`{"a":{"b":[{"c":"d"},2.50]},"n":null,"t":true,"s":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a.b.__count__": "2", "a.b[0].c": "d", "a.b[1]": "2.50", "n": "", "t": "true", "s": "x"}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, bad := range []string{`[]`, `"x"`, `1`, `{`, `{}{}`, strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40)} {
		if _, err := parseResult([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// A non-object answer takes the Failed exit.
	_, ep := newEndpoint(t, 200, `"just a string"`)
	s := NewServer(WithScenario(FetchURL{URL: ep.URL}))
	defer s.Close()
	if run, _ := s.Arrive(context.Background(), Interaction{}); run.Exit != ExitFailed {
		t.Fatalf("%+v", run)
	}
}

// TestUnconfirmedUserPhoneLoginKey names the doubt: Export User Phone
// Numbers' login id key ("loginId" in the 5.2 example, "login_id" in its
// table and the 3.18 example), and whether users without an extension are
// listed (the fake lists them).
func TestUnconfirmedUserPhoneLoginKey(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	if err := s.AddUser(User{LoginID: "zed", Extension: "1009", FirstName: "Zed"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUser(User{LoginID: "amy"}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", s.URL+"/configapi/v2/phone/user", nil)
	req.Header = bearer(token(t, s))
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want := `[{"greeting":false,"loginId":"amy","voiceMail":false},{"extension":"1009","firstName":"Zed","greeting":false,"loginId":"zed","voiceMail":false}]`
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != want {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if st, _, _ := call(t, s, "GET", "/configapi/v2/phone/user", nil, ""); st != 401 {
		t.Fatalf("without a token: %d", st)
	}
}
