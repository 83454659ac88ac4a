package brightpattern

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/jarcoal/httpmock"
)

func TestTenantURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"example.brightpattern.com", "example.brightpattern.com", true},
		{"https://Example.BrightPattern.com/", "example.brightpattern.com", true},
		{"example", "example.brightpattern.com", true},
		{"corp.sp-domain.net", "corp.sp-domain.net", true},
		{"evil.com/x", "", false},
		{"example.brightpattern.com:8443", "", false},
		{"user@example.brightpattern.com", "", false},
		{"http://example.brightpattern.com", "", false},
		{"", "", false},
		{"exa mple.com", "", false},
	} {
		got, err := normalizeTenantURL(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("normalizeTenantURL(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestNewClientRefusals(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]Option{
		"no credentials":     {WithTenantURL(testTenant)},
		"no tenant":          {WithClientCredentials(testLogin, testSecret)},
		"two config creds":   {WithTenantURL(testTenant), WithClientCredentials(testLogin, testSecret), WithAccessToken("t")},
		"quote in app id":    {WithTenantURL(testTenant), WithChatApp(`a"b`, testClientID)},
		"WebChat client id":  {WithTenantURL(testTenant), WithChatApp(testAppID, "WebChat")},
		"empty secret":       {WithTenantURL(testTenant), WithClientCredentials(testLogin, " ")},
		"bad tenant":         {WithTenantURL("evil.com/x"), WithAccessToken("t")},
		"control in token":   {WithTenantURL(testTenant), WithAccessToken("a\nb")},
		"comma in client id": {WithTenantURL(testTenant), WithChatApp(testAppID, "a,b")},
	} {
		_, err := NewClient(opts...)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !errors.Is(err, deskbridge.ErrInvalid) {
			t.Errorf("%s: %v does not match ErrInvalid", name, err)
		}
		if !strings.HasPrefix(err.Error(), "brightpattern: ") {
			t.Errorf("%s: %q does not name the vendor", name, err)
		}
		if strings.Contains(err.Error(), testSecret) {
			t.Errorf("%s: secret in %q", name, err)
		}
	}
}

func TestMissingAPICredential(t *testing.T) {
	t.Parallel()
	chatOnly, err := NewClient(WithTenantURL(testTenant), WithChatApp(testAppID, testClientID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chatOnly.Users.Get(context.Background(), "jdoe"); err == nil || !strings.Contains(err.Error(), "WithClientCredentials") {
		t.Fatalf("Users without credential: %v", err)
	}
	cfgOnly, err := NewClient(WithTenantURL(testTenant), WithAccessToken("tok"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfgOnly.Chat.Availability(context.Background()); err == nil || !strings.Contains(err.Error(), "WithChatApp") {
		t.Fatalf("Chat without app: %v", err)
	}
}

// The token request is the documented form, sent once for many calls, and
// its token is what the Configuration API calls carry.
func TestClientCredentialsToken(t *testing.T) {
	t.Parallel()
	ft := testkit.NewClock()
	c, mock := newMocked(t, withClock(ft))
	rec := &recorder{}
	tokenOK(t, mock, rec)
	mock.RegisterResponder("GET", testBase+"/configapi/v2/user/jdoe", rec.Wrap(jsonResp(200, fixture(t, "user.json"))))
	for range 3 {
		if _, err := c.Users.Get(context.Background(), "jdoe"); err != nil {
			t.Fatal(err)
		}
	}
	calls := rec.All()
	if len(calls) != 4 {
		t.Fatalf("%d requests, want 1 token + 3 gets", len(calls))
	}
	tok := calls[0]
	if tok.Method != "POST" || tok.Path != tokenPath {
		t.Fatalf("token request %s %s", tok.Method, tok.Path)
	}
	if ct := tok.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("token Content-Type %q", ct)
	}
	if tok.Header.Get("Authorization") != "" {
		t.Error("the token request carries an Authorization header")
	}
	want := "client_id=" + testLogin + "&client_secret=" + testSecret + "&grant_type=client_credentials&tenant=" + testTenant
	if tok.Body != want {
		t.Errorf("token body %q\nwant %q", tok.Body, want)
	}
	for _, g := range calls[1:] {
		if got := g.Header.Get("Authorization"); got != "Bearer bp-access-token-1" {
			t.Errorf("Authorization %q", got)
		}
		if g.Header.Get("Accept") != "application/json" {
			t.Errorf("Accept %q", g.Header.Get("Accept"))
		}
	}
	// The token is renewed 60 s before its 3599 s run out.
	ft.Advance(3599*time.Second - 59*time.Second)
	if _, err := c.Users.Get(context.Background(), "jdoe"); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.All()); n != 6 {
		t.Fatalf("%d requests after expiry, want a new token and the get", n)
	}
}

func TestAccessTokenStatic(t *testing.T) {
	t.Parallel()
	mock := httpmock.NewMockTransport()
	c, err := NewClient(WithBaseURL("http://127.0.0.1:9"), WithTenantURL(testTenant), WithHTTPClient(&http.Client{Transport: mock}), WithAccessToken("static-tok"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	mock.RegisterResponder("GET", "http://127.0.0.1:9/configapi/v2/user/a%2Fb", rec.Wrap(jsonResp(200, `{"loginId":"a/b"}`)))
	u, err := c.Users.Get(context.Background(), "a/b")
	if err != nil {
		t.Fatal(err)
	}
	r := rec.Last(t)
	if r.EscapedPath != "/configapi/v2/user/a%2Fb" || r.Header.Get("Authorization") != "Bearer static-tok" || u.LoginID != "a/b" {
		t.Fatalf("%+v %+v", r, u)
	}
	if c.TenantURL() != testTenant {
		t.Fatal(c.TenantURL())
	}
}

func TestUsersGetDecodesDocumentedFields(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := &recorder{}
	tokenOK(t, mock, rec)
	mock.RegisterResponder("GET", testBase+"/configapi/v2/user/jdoe", jsonResp(200, fixture(t, "user.json")))
	u, err := c.Users.Get(context.Background(), "jdoe")
	if err != nil {
		t.Fatal(err)
	}
	if u.LoginID != "jdoe" || u.Email != "john.doe@example.com" || u.Extension != "1001" || u.Skills["Zendesk"] != 80 ||
		!u.HasRole("agent") || u.LoginInfo == nil || !u.LoginInfo.IsLoggedIn || u.LoginInfo.AppType != "agentdesktop" || string(u.LoginInfo.LastLogin) != "1700000000000" {
		t.Fatalf("%+v %+v", u, u.LoginInfo)
	}
	if _, err := c.Users.Get(context.Background(), " "); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("empty login: %v", err)
	}
}

func TestUsersNotFoundAndDirectory(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := &recorder{}
	tokenOK(t, mock, rec)
	mock.RegisterResponder("GET", testBase+"/configapi/v2/user/jdoe", jsonResp(200, fixture(t, "user.json")))
	mock.RegisterResponder("GET", testBase+"/configapi/v2/user/asmith", jsonResp(200, `{"loginId":"asmith","email":"A.Smith@Example.com","extension":2002}`))
	mock.RegisterResponder("GET", testBase+"/configapi/v2/user/ghost", jsonResp(404, `{"error":"user_not_found","error_description":"no such user"}`))
	d, err := c.Users.Directory(context.Background(), "jdoe", "asmith")
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := d.Email("JDOE"); !ok || e != "john.doe@example.com" {
		t.Fatal(e, ok)
	}
	if l, ok := d.Login("a.smith@example.com "); !ok || l != "asmith" {
		t.Fatal(l, ok)
	}
	if u, ok := d.User("asmith"); !ok || u.Extension != "2002" {
		t.Fatal(u, ok)
	}
	if _, ok := d.Login("nobody@example.com"); ok {
		t.Fatal("unknown email found")
	}
	_, err = c.Users.Directory(context.Background(), "jdoe", "ghost")
	var bpErr *Error
	if !errors.Is(err, deskbridge.ErrNotFound) || !errors.As(err, &bpErr) || bpErr.Code != "user_not_found" || bpErr.Message != "no such user" {
		t.Fatalf("%v", err)
	}
}

// A refused client secret is ErrUnauthorized, and neither the secret nor
// its form encoding appears in the error.
func TestTokenRefusedNoSecret(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	mock.RegisterResponder("POST", testBase+tokenPath, jsonResp(401, `{"error":"invalid_client","error_description":"bad secret `+testSecret+`"}`))
	_, err := c.Users.Get(context.Background(), "jdoe")
	if !errors.Is(err, deskbridge.ErrUnauthorized) {
		t.Fatalf("%v", err)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Fatalf("secret in %q", err)
	}
}

func TestChatHeaderAndAvailability(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := &recorder{}
	mock.RegisterResponder("GET", testBase+availabilityPath, rec.Wrap(jsonResp(200, fixture(t, "availability.json"))))
	a, err := c.Chat.Availability(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !a.Available() {
		t.Fatal(a)
	}
	r := rec.Last(t)
	want := `MOBILE-API-140-327-PLAIN appId="` + testAppID + `", clientId="` + testClientID + `"`
	if got := r.Header.Get("Authorization"); got != want {
		t.Fatalf("Authorization %q\nwant %q", got, want)
	}
	if r.Query.Get("tenantUrl") != testTenant || len(r.Query) != 1 {
		t.Fatalf("query %v", r.Query)
	}
}

func TestChatStartSendPoll(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := &recorder{}
	chatID := "2d9e4f3a-6c71-4b0e-9a55-1f0b7c3e8d21"
	mock.RegisterResponder("POST", testBase+chatsPath, rec.Wrap(jsonResp(200, fixture(t, "chat_start.json"))))
	mock.RegisterResponder("POST", testBase+chatsPath+"/"+chatID+"/events", rec.Wrap(jsonResp(200, `{"events":[]}`)))
	mock.RegisterResponder("GET", testBase+chatsPath+"/"+chatID+"/events", rec.Wrap(jsonResp(200, fixture(t, "server_events.json"))))

	ch, err := c.Chat.Start(context.Background(), &StartChat{PhoneNumber: "+14155550123", From: "Ann", Parameters: map[string]string{"brand": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if ch.ChatID != chatID || ch.State != ChatQueued || ch.EWT != "45" || !ch.IsNewChat || ch.PhoneNumber != "+14155550123" {
		t.Fatalf("%+v", ch)
	}
	start := rec.Last(t)
	if start.Body != `{"phone_number":"+14155550123","from":"Ann","parameters":{"brand":"b"}}` {
		t.Fatalf("start body %s", start.Body)
	}
	if start.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("Content-Type %q", start.Header.Get("Content-Type"))
	}

	if _, err := c.Chat.Send(context.Background(), chatID, MessageEvent(MessageID(chatID, 1), "Hi"), TypingEvent()); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Last(t).Body, `{"events":[{"event":"chat_session_message","msg_id":"`+chatID+`:1","msg":"Hi"},{"event":"chat_session_typing"}]}`; got != want {
		t.Fatalf("send body\n%s\nwant\n%s", got, want)
	}

	evs, err := c.Chat.Poll(context.Background(), chatID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 5 {
		t.Fatalf("%d events", len(evs))
	}
	if evs[0].Event != EventStatus || evs[0].State != ChatConnected {
		t.Errorf("%+v", evs[0])
	}
	j := evs[1]
	if j.Event != EventPartyJoined || j.PartyID != "p-7" || j.DisplayName != "Jane A." || j.Type != PartyInternal || !j.Time().Equal(time.UnixMilli(1700000000123)) {
		t.Errorf("%+v", j)
	}
	if m := evs[2]; m.Event != EventMessage || m.Msg != "Hello, how can I help?" || m.MsgID != "m-1" || len(m.Raw) == 0 {
		t.Errorf("%+v", m)
	}
	if l := evs[3]; l.Timestamp != 1700000099000 {
		t.Errorf("string timestamp: %+v", l)
	}
	if evs[4].Event != EventEnded {
		t.Errorf("%+v", evs[4])
	}
	for _, r := range rec.All() {
		if r.Query.Get("tenantUrl") != testTenant {
			t.Errorf("%s %s without tenantUrl", r.Method, r.Path)
		}
	}
}

func TestChatRefusals(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	mock.RegisterResponder("POST", testBase+chatsPath, jsonResp(400, fixture(t, "chat_error.json")))
	_, err := c.Chat.Start(context.Background(), nil)
	var bpErr *Error
	if !errors.As(err, &bpErr) || !errors.Is(err, deskbridge.ErrInvalid) || bpErr.Code != "1003" || bpErr.Message != "Invalid chat parameters" {
		t.Fatalf("%v", err)
	}
	if _, err := c.Chat.Send(context.Background(), "c1"); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("no events: %v", err)
	}
	if _, err := c.Chat.Send(context.Background(), "c1", Event{}); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("untyped event: %v", err)
	}
	if _, err := c.Chat.Poll(context.Background(), ""); !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatalf("empty chat id: %v", err)
	}
	if mock.GetTotalCallCount() != 1 {
		t.Fatalf("%d calls sent; refusals must send nothing", mock.GetTotalCallCount())
	}
}

// A chat message is not replayed after a 5xx: it could be shown twice.
func TestSendNotReplayed(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t, WithMaxRetries(3), WithRetryWaitMax(time.Millisecond))
	mock.RegisterResponder("POST", testBase+chatsPath+"/c1/events", jsonResp(502, `bad gateway`))
	if _, err := c.Chat.Send(context.Background(), "c1", MessageEvent("c1:1", "x")); !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatal(err)
	}
	if n := mock.GetTotalCallCount(); n != 1 {
		t.Fatalf("%d attempts", n)
	}
}

// Polls of one chat never overlap; polls of two chats do.
func TestPollSerialisedPerChat(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	var inFlight, maxSame atomic.Int32
	var other atomic.Int32
	release := make(chan struct{})
	started := make(chan string, 16)
	mock.RegisterRegexpResponder("GET", mustRegexp(`/chats/(same|other)/events$`), func(req *http.Request) (*http.Response, error) {
		chat := "same"
		if strings.Contains(req.URL.Path, "/other/") {
			chat = "other"
			other.Add(1)
		} else {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for {
				m := maxSame.Load()
				if n <= m || maxSame.CompareAndSwap(m, n) {
					break
				}
			}
		}
		started <- chat
		<-release
		return httpmock.NewStringResponse(200, `{"events":[]}`), nil
	})
	var wg sync.WaitGroup
	for _, chat := range []string{"same", "same", "same", "other"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Chat.Poll(context.Background(), chat); err != nil {
				t.Error(err)
			}
		}()
	}
	// The other chat's poll and one of the same chat's start at once.
	got := map[string]int{}
	for range 2 {
		got[<-started]++
	}
	if got["same"] != 1 || got["other"] != 1 {
		t.Fatalf("first polls in flight: %v", got)
	}
	close(release)
	wg.Wait()
	if maxSame.Load() != 1 {
		t.Fatalf("%d polls of one chat in flight at once", maxSame.Load())
	}
	c.Chat.mu.Lock()
	left := len(c.Chat.polls)
	c.Chat.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d poll slots left", left)
	}
}

// A Poll waiting for its turn leaves when its context ends.
func TestPollWaitHonoursContext(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	mock.RegisterResponder("GET", testBase+chatsPath+"/c1/events", func(*http.Request) (*http.Response, error) {
		started <- struct{}{}
		<-release
		return httpmock.NewStringResponse(200, `{"events":[]}`), nil
	})
	done := make(chan error, 1)
	go func() { _, err := c.Chat.Poll(context.Background(), "c1"); done <- err }()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Chat.Poll(ctx, "c1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("%v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := mock.GetTotalCallCount(); n != 1 {
		t.Fatalf("%d polls sent", n)
	}
}

func TestNewClientID(t *testing.T) {
	t.Parallel()
	a, b := NewClientID(), NewClientID()
	if a == b || len(a) != 36 || a[14] != '4' || strings.Count(a, "-") != 4 {
		t.Fatal(a, b)
	}
	if _, err := NewClient(WithTenantURL(testTenant), WithChatApp(testAppID, a)); err != nil {
		t.Fatal(err)
	}
}

func TestUsersListDecodesTheDocumentedExample(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := &recorder{}
	tokenOK(t, mock, rec)
	mock.RegisterResponder("GET", testBase+"/configapi/v2/phone/user", jsonResp(200, fixture(t, "user_phones.json")))
	us, err := c.Users.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 3 || us[1].LoginID != "diana.yeh" || us[1].Extension != "1009" || us[1].External != "4151234567" ||
		us[1].FirstName != "Diana" || !us[2].VoiceMail || us[0].Greeting {
		t.Fatalf("%+v", us)
	}
	chatOnly, err := NewClient(WithTenantURL(testTenant), WithChatApp(testAppID, testClientID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chatOnly.Users.List(context.Background()); err == nil || !strings.Contains(err.Error(), "WithClientCredentials") {
		t.Errorf("List without a Configuration API credential: %v", err)
	}
}
