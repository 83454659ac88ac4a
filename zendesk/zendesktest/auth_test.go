package zendesktest_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestUnauthorizedBody(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	for _, auth := range []string{
		"",
		"Basic " + "bm90LWJhc2U2NA==", // "not-base64"
		basic(&zendesktest.Server{Email: s.Email, APIToken: "wrong"}),
		basic(&zendesktest.Server{Email: "other@example.com", APIToken: s.APIToken}),
		"Bearer nope",
	} {
		r := callAuth(t, s, auth, "GET", "/api/v2/tickets", nil)
		mustStatus(t, r, 401)
		if got := string(r.body); got != `{"error":"Couldn't authenticate you"}` {
			t.Errorf("auth %q: body %s", auth, got)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("content type %q", ct)
		}
	}
	// Email is case-insensitive; "/token" is required.
	r := callAuth(t, s, basic(&zendesktest.Server{Email: strings.ToUpper(s.Email), APIToken: s.APIToken}), "GET", "/api/v2/users/me", nil)
	mustStatus(t, r, 200)
	if num(get(r.json(t), "user", "id")) != s.AdminID {
		t.Fatalf("me = %s", r.body)
	}
}

func TestOAuthClientCredentialsAndRefresh(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	clock := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	s := newFake(t, zendesktest.WithClock(now), zendesktest.WithTokenLifetime(10*time.Minute))

	tokens := func(body any) resp { return callAuth(t, s, "", "POST", "/oauth/tokens", body) }
	r := tokens(map[string]any{"grant_type": "client_credentials", "client_id": s.OAuthClientID, "client_secret": s.OAuthClientSecret, "scope": "read write"})
	mustStatus(t, r, 200)
	tok := r.json(t)
	if get(tok, "token_type") != "bearer" || num(get(tok, "expires_in")) != 600 || get(tok, "scope") != "read write" {
		t.Fatalf("token = %s", r.body)
	}
	access, refresh := get(tok, "access_token").(string), get(tok, "refresh_token").(string)
	mustStatus(t, callAuth(t, s, "Bearer "+access, "GET", "/api/v2/users/me", nil), 200)

	// The token expires.
	advance(10 * time.Minute)
	mustStatus(t, callAuth(t, s, "Bearer "+access, "GET", "/api/v2/users/me", nil), 401)

	// A refresh rotates the pair and invalidates the old one.
	r = tokens(map[string]any{"grant_type": "refresh_token", "refresh_token": refresh, "client_id": s.OAuthClientID, "client_secret": s.OAuthClientSecret})
	mustStatus(t, r, 200)
	access2, refresh2 := get(r.json(t), "access_token").(string), get(r.json(t), "refresh_token").(string)
	if access2 == access || refresh2 == refresh {
		t.Fatal("refresh did not rotate the tokens")
	}
	mustStatus(t, callAuth(t, s, "Bearer "+access2, "GET", "/api/v2/tickets", nil), 200)
	r = tokens(map[string]any{"grant_type": "refresh_token", "refresh_token": refresh, "client_id": s.OAuthClientID, "client_secret": s.OAuthClientSecret})
	mustStatus(t, r, 400)
	if get(r.json(t), "error") != "invalid_grant" {
		t.Fatalf("reused refresh token: %s", r.body)
	}

	// Wrong client secret.
	r = tokens(map[string]any{"grant_type": "client_credentials", "client_id": s.OAuthClientID, "client_secret": "nope"})
	mustStatus(t, r, 401)
	if get(r.json(t), "error") != "invalid_client" {
		t.Fatalf("bad secret: %s", r.body)
	}
	// Unsupported grant, bad expires_in.
	mustStatus(t, tokens(map[string]any{"grant_type": "password", "client_id": s.OAuthClientID, "client_secret": s.OAuthClientSecret}), 400)
	mustStatus(t, tokens(map[string]any{"grant_type": "client_credentials", "client_id": s.OAuthClientID, "client_secret": s.OAuthClientSecret, "expires_in": 60}), 400)
	r = tokens(map[string]any{"grant_type": "client_credentials", "client_id": s.OAuthClientID, "client_secret": s.OAuthClientSecret, "expires_in": 3600})
	mustStatus(t, r, 200)
	if num(get(r.json(t), "expires_in")) != 3600 {
		t.Fatalf("expires_in: %s", r.body)
	}

	// A read-only token cannot write.
	r = tokens(map[string]any{"grant_type": "client_credentials", "client_id": s.OAuthClientID, "client_secret": s.OAuthClientSecret, "scope": "read"})
	ro := "Bearer " + get(r.json(t), "access_token").(string)
	mustStatus(t, callAuth(t, s, ro, "GET", "/api/v2/tickets", nil), 200)
	mustStatus(t, callAuth(t, s, ro, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "x"}}}), 403)

	// Another client, form-encoded with HTTP Basic client authentication.
	s.AddOAuthClient("second", "s3cret")
	req, _ := http.NewRequest("POST", s.URL+"/oauth/tokens", strings.NewReader("grant_type=client_credentials&scope=read+write"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("second", "s3cret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("form grant: %d", res.StatusCode)
	}

	// ExpireAccessTokens lets a test force a refresh.
	s.ExpireAccessTokens()
	mustStatus(t, callAuth(t, s, "Bearer "+access2, "GET", "/api/v2/tickets", nil), 401)
	mustStatus(t, tokens(map[string]any{"grant_type": "refresh_token", "refresh_token": refresh2, "client_id": s.OAuthClientID, "client_secret": s.OAuthClientSecret}), 200)
}
