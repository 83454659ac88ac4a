package conversationstest_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

var objectID = regexp.MustCompile(`^[0-9a-f]{24}$`)
var apiTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// Answers carry the reference's keys, and no key for a property without
// a value.
func TestWireKeys(t *testing.T) {
	s, a := newAPI(t)
	u := obj(a.must(201, "POST", "/users", map[string]any{"externalId": "x1"}), "user")
	if got := keys(u); got != "authenticated,externalId,id,profile,toBeRetained" {
		t.Errorf("user keys %s", got)
	}
	if !objectID.MatchString(str(u, "id")) || !objectID.MatchString(s.AppID) {
		t.Errorf("ids %q %q are not 24 hex characters", u["id"], s.AppID)
	}
	c := obj(a.must(201, "POST", "/conversations", map[string]any{"type": "personal",
		"participants": []any{map[string]any{"userExternalId": "x1"}}}), "conversation")
	if got := keys(c); got != "activeSwitchboardIntegration,createdAt,id,isDefault,lastUpdatedAt,type" {
		t.Errorf("conversation keys %s", got)
	}
	if c["isDefault"] != true || !apiTime.MatchString(str(c, "createdAt")) {
		t.Errorf("conversation %v", c)
	}
	if got := keys(obj(c, "activeSwitchboardIntegration")); got != "id,integrationType,name" {
		t.Errorf("activeSwitchboardIntegration keys %s (no integrationId for a first-party one)", got)
	}
	msgs := a.must(201, "POST", "/conversations/"+str(c, "id")+"/messages", map[string]any{
		"author": map[string]any{"type": "business", "displayName": "Steve"}, "content": map[string]any{"type": "text", "text": "Hello!", "actions": []any{map[string]any{"type": "reply", "text": "Yes", "payload": "yes"}}},
		"metadata": map[string]any{"lang": "en-ca"}})
	m := msgs["messages"].([]any)[0].(map[string]any)
	if got := keys(m); got != "author,content,id,metadata,received,source" {
		t.Errorf("message keys %s", got)
	}
	if got := keys(obj(m, "author")); got != "displayName,type" {
		t.Errorf("author keys %s", got)
	}
	if got := keys(obj(m, "source")); got != "type" || str(obj(m, "source"), "type") != "api:conversations" {
		t.Errorf("source %v", m["source"])
	}
	if got := keys(obj(m, "content")); got != "actions,text,type" {
		t.Errorf("content keys %s: other keys are kept as posted", got)
	}
	if !apiTime.MatchString(str(m, "received")) {
		t.Errorf("received %q", m["received"])
	}
	// Error bodies.
	status, e := a.do("GET", "/users/nobody", nil)
	if code, _ := errCode(t, e); status != 404 || code != "user_not_found" {
		t.Errorf("unknown user: %d %s", status, code)
	}
	if got := keys(e["errors"].([]any)[0].(map[string]any)); got != "code,title" {
		t.Errorf("error keys %s", got)
	}
}

// Keys are matched exactly: a key that differs in case is not the field.
func TestExactKeys(t *testing.T) {
	_, a := newAPI(t)
	status, e := a.do("POST", "/users", map[string]any{"ExternalId": "x1"})
	if code, title := errCode(t, e); status != 400 || code != "bad_request" || !strings.Contains(title, "externalId") {
		t.Errorf("wrong-case key: %d %s %s", status, code, title)
	}
}

func TestAuth(t *testing.T) {
	s, a := newAPI(t)
	rec := newReceiver(t)
	_, convID, integrationID := setup(t, a, rec)

	for name, set := range map[string]func(*api){
		"none":         func(a *api) { a.id = "" },
		"wrong secret": func(a *api) { a.secret = "nope" },
		"unknown key":  func(a *api) { a.id = "app_000000000000000000000000" },
	} {
		b := *a
		set(&b)
		status, e := b.do("GET", "/conversations/"+convID, nil)
		if code, title := errCode(t, e); status != 401 || code != "unauthorized" || title != "Authorization is required" {
			t.Errorf("%s: %d %s %q", name, status, code, title)
		}
	}

	sign := func(kid, secret string, claims jwt.MapClaims, method jwt.SigningMethod) string {
		tok := jwt.NewWithClaims(method, claims)
		tok.Header["kid"] = kid
		out, err := tok.SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	cases := []struct {
		name  string
		token string
		want  int
	}{
		{"app JWT", sign(s.KeyID, s.Secret, jwt.MapClaims{"scope": "app"}, jwt.SigningMethodHS256), 200},
		{"wrong scope", sign(s.KeyID, s.Secret, jwt.MapClaims{"scope": "account"}, jwt.SigningMethodHS256), 401},
		{"account JWT", sign(s.AccountKeyID, s.AccountSecret, jwt.MapClaims{"scope": "account"}, jwt.SigningMethodHS256), 200},
		{"account key, app scope", sign(s.AccountKeyID, s.AccountSecret, jwt.MapClaims{"scope": "app"}, jwt.SigningMethodHS256), 401},
		{"no scope", sign(s.KeyID, s.Secret, jwt.MapClaims{}, jwt.SigningMethodHS256), 401},
		{"HS512", sign(s.KeyID, s.Secret, jwt.MapClaims{"scope": "app"}, jwt.SigningMethodHS512), 401},
		{"wrong secret", sign(s.KeyID, "other", jwt.MapClaims{"scope": "app"}, jwt.SigningMethodHS256), 401},
		{"expired", sign(s.KeyID, s.Secret, jwt.MapClaims{"scope": "app", "exp": time.Now().Add(-time.Hour).Unix()}, jwt.SigningMethodHS256), 401},
		{"unsigned", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"scope": "app"})
			tok.Header["kid"] = s.KeyID
			out, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			return out
		}(), 401},
	}
	for _, c := range cases {
		b := *a
		b.bearer = c.token
		if status, _ := b.do("GET", "/conversations/"+convID, nil); status != c.want {
			t.Errorf("%s: %d, want %d", c.name, status, c.want)
		}
	}

	// An integration key: conversations yes, switchboards and other
	// integrations' webhooks no.
	key := obj(a.must(201, "POST", "/integrations/"+integrationID+"/keys", map[string]any{"displayName": "dydu"}), "key")
	if !strings.HasPrefix(str(key, "id"), "int_") || str(key, "secret") == "" {
		t.Fatalf("key %v", key)
	}
	if got := obj(a.must(200, "GET", "/integrations/"+integrationID+"/keys/"+str(key, "id"), nil), "key"); got["secret"] != nil {
		t.Errorf("key read back with its secret: %v", got)
	}
	ik := *a
	ik.id, ik.secret = str(key, "id"), str(key, "secret")
	ik.must(200, "GET", "/conversations/"+convID, nil)
	ik.must(200, "GET", "/integrations/"+integrationID+"/webhooks", nil)
	ik.must(200, "GET", "/integrations/me/webhooks", nil)
	for _, path := range []string{"/switchboards", "/integrations", "/integrations/" + integrationID, ""} {
		status, e := ik.do("GET", path, nil)
		if code, _ := errCode(t, e); status != 403 || code != "forbidden" {
			t.Errorf("integration key GET %q: %d %s", path, status, code)
		}
	}
	ijwt := *a
	ijwt.bearer = sign(str(key, "id"), str(key, "secret"), jwt.MapClaims{"scope": "integration"}, jwt.SigningMethodHS256)
	ijwt.must(200, "GET", "/conversations/"+convID, nil)
	// releaseControl: 403 unless active; acceptControl: 403 unless pending.
	if status, _ := ik.do("POST", "/conversations/"+convID+"/releaseControl", nil); status != 403 {
		t.Errorf("releaseControl by a standby integration: %d", status)
	}
	if status, _ := ik.do("POST", "/conversations/"+convID+"/acceptControl", nil); status != 403 {
		t.Errorf("acceptControl by a non-pending integration: %d", status)
	}
	// The app's keys: an account key's calls; the app key and an
	// integration key get 403.
	for name, who := range map[string]*api{"app key": a, "integration key": &ik} {
		for _, m := range []string{"GET", "POST"} {
			status, e := who.do(m, "/keys", map[string]any{"displayName": "x"})
			if code, _ := errCode(t, e); status != 403 || code != "forbidden" {
				t.Errorf("%s %s /keys: %d %s", name, m, status, code)
			}
		}
	}
	ak := *a
	ak.id, ak.secret = s.AccountKeyID, s.AccountSecret
	created := obj(ak.must(201, "POST", "/keys", map[string]any{"displayName": "Dydu"}), "key")
	if !strings.HasPrefix(str(created, "id"), "app_") || str(created, "secret") == "" || str(created, "displayName") != "Dydu" {
		t.Fatalf("app key %v", created)
	}
	if got := obj(ak.must(200, "GET", "/keys/"+str(created, "id"), nil), "key"); got["secret"] != nil {
		t.Errorf("app key read back with its secret: %v", got)
	}
	ak.must(200, "DELETE", "/keys/"+str(created, "id"), nil)
	ak.must(404, "GET", "/keys/"+str(created, "id"), nil)
	if status, _ := ak.do("POST", "/keys", map[string]any{}); status != 400 {
		t.Errorf("an app key without displayName: %d", status)
	}
	// Another app.
	status, body, _ := a.raw("GET", s.URL+"/v2/apps/000000000000000000000000/conversations/"+convID, nil, "")
	if status != 404 || !strings.Contains(string(body), "app_not_found") {
		t.Errorf("other app: %d %s", status, body)
	}
	// Credentials never reach the log.
	for _, r := range s.Requests() {
		if strings.Contains(string(r.Body), s.Secret) || strings.Contains(string(r.Body), str(key, "secret")) ||
			strings.Contains(r.Header.Get("Authorization"), "Basic ") {
			t.Errorf("a credential in the log: %s %s", r.Path, r.Body)
		}
	}
}

func TestErrors(t *testing.T) {
	_, a := newAPI(t, conversationstest.WithMessageLimit(2))
	rec := newReceiver(t)
	userID, convID, _ := setup(t, a, rec)
	status, e := a.do("POST", "/users", map[string]any{"externalId": "dydu-ctx-1"})
	if code, title := errCode(t, e); status != 409 || code != "conflict" || title != "User already exists" {
		t.Errorf("duplicate externalId: %d %s %q", status, code, title)
	}
	msg := map[string]any{"author": map[string]any{"type": "user", "userId": userID}, "content": map[string]any{"type": "text", "text": "hi"}}
	a.must(201, "POST", "/conversations/"+convID+"/messages", msg)
	a.must(201, "POST", "/conversations/"+convID+"/messages", msg)
	status, e = a.do("POST", "/conversations/"+convID+"/messages", msg)
	if code, title := errCode(t, e); status != 423 || code != "locked" || title != "Message limit of 2 per conversation reached." {
		t.Errorf("message limit: %d %s %q", status, code, title)
	}
	a.must(200, "DELETE", "/conversations/"+convID+"/messages", nil)
	a.must(201, "POST", "/conversations/"+convID+"/messages", msg)

	for _, c := range []struct {
		method, path string
		body         any
		status       int
		code         string
	}{
		{"GET", "/conversations/000000000000000000000000", nil, 404, "conversation_not_found"},
		{"POST", "/conversations/" + convID + "/passControl", map[string]any{"switchboardIntegration": "nobody"}, 404, "switchboard_integration_not_found"},
		{"POST", "/conversations/" + convID + "/passControl", map[string]any{}, 400, "bad_request"},
		{"GET", "/integrations/000000000000000000000000", nil, 404, "integration_not_found"},
		{"GET", "/switchboards/000000000000000000000000/switchboardIntegrations", nil, 404, "switchboard_not_found"},
		{"POST", "/conversations", map[string]any{"participants": []any{}}, 400, "bad_request"},
		{"POST", "/conversations", `{"type": "personal"`, 400, "bad_request"},
		{"GET", "/conversations", nil, 400, "bad_request"},
		{"GET", "/conversations?filter[userId]=a&filter[userExternalId]=b", nil, 400, "bad_request"},
		{"GET", "/users", nil, 400, "bad_request"},
		{"GET", "/nothing", nil, 404, "not_found"},
	} {
		status, e := a.do(c.method, c.path, c.body)
		if code, _ := errCode(t, e); status != c.status || code != c.code {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.path, status, code, c.status, c.code)
		}
	}
}

func TestLimits(t *testing.T) {
	_, a := newAPI(t, conversationstest.WithAttachmentLimit(1000))
	rec := newReceiver(t)
	userID, convID, _ := setup(t, a, rec)
	post := func(content, metadata any) (int, string) {
		body := map[string]any{"author": map[string]any{"type": "user", "userId": userID}, "content": content}
		if metadata != nil {
			body["metadata"] = metadata
		}
		status, e := a.do("POST", "/conversations/"+convID+"/messages", body)
		if status == 201 {
			return status, ""
		}
		_, title := errCode(t, e)
		return status, title
	}
	if status, _ := post(map[string]any{"type": "text", "text": strings.Repeat("é", 4096)}, nil); status != 201 {
		t.Errorf("4,096 characters: %d", status)
	}
	if status, title := post(map[string]any{"type": "text", "text": strings.Repeat("a", 4097)}, nil); status != 400 || !strings.Contains(title, "4096") {
		t.Errorf("4,097 characters: %d %q", status, title)
	}
	if status, title := post(map[string]any{"type": "image", "text": "x"}, nil); status != 400 || !strings.Contains(title, "mediaUrl") {
		t.Errorf("image without mediaUrl: %d %q", status, title)
	}
	if status, title := post(map[string]any{"type": "image", "mediaUrl": "https://example.org/a.png", "altText": strings.Repeat("a", 129)}, nil); status != 400 || !strings.Contains(title, "128") {
		t.Errorf("altText 129: %d %q", status, title)
	}
	if status, title := post(map[string]any{"type": "video"}, nil); status != 400 || !strings.Contains(title, "video") {
		t.Errorf("unknown type: %d %q", status, title)
	}
	if status, title := post(map[string]any{"type": "text", "text": "x"}, map[string]any{"nested": map[string]any{"a": 1}}); status != 400 || !strings.Contains(title, "flat") {
		t.Errorf("nested metadata: %d %q", status, title)
	}
	if status, title := post(map[string]any{"type": "text", "text": "x"}, map[string]any{"big": strings.Repeat("a", 4100)}); status != 400 || !strings.Contains(title, "4 KB") {
		t.Errorf("metadata over 4 KB: %d %q", status, title)
	}
	big := map[string]any{"type": "text", "text": "x", "payload": strings.Repeat("a", 100*1024)}
	if status, title := post(big, nil); status != 413 || !strings.Contains(title, "100 KB") {
		t.Errorf("body over 100 KB: %d %q", status, title)
	}
	if status, title := post(map[string]any{"type": "text", "text": "x"}, nil); status != 201 {
		t.Errorf("after refusals: %d %q", status, title)
	}
	status, e := a.do("POST", "/users", map[string]any{"externalId": strings.Repeat("x", 1025)})
	if _, title := errCode(t, e); status != 400 || !strings.Contains(title, "1024") {
		t.Errorf("externalId 1,025: %d %q", status, title)
	}
}
