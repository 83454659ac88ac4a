package brightpatterntest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const formCT = "application/x-www-form-urlencoded"

// call sends a raw request and returns the status, headers and decoded
// JSON body (nil when the body is not JSON).
func call(t testing.TB, s *Server, method, path string, hdr http.Header, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, resp.Header, m
}

// token gets an access token from s.
func token(t testing.TB, s *Server) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}, "tenant": {s.TenantURL}}
	st, _, m := call(t, s, "POST", tokenPath, http.Header{"Content-Type": {formCT}}, form.Encode())
	if st != 200 {
		t.Fatalf("token: %d %v", st, m)
	}
	return m["access_token"].(string)
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// mobile is the chat API's Authorization header for clientID.
func mobile(s *Server, clientID string) http.Header {
	return http.Header{
		"Authorization": {`MOBILE-API-140-327-PLAIN appId="` + s.AppID + `", clientId="` + clientID + `"`},
		"Content-Type":  {"application/json; charset=UTF-8"},
	}
}

// startChat starts a chat for clientID and returns its id.
func startChat(t testing.TB, s *Server, clientID string) string {
	t.Helper()
	st, _, m := call(t, s, "POST", chatPrefix+"chats?tenantUrl="+s.TenantURL, mobile(s, clientID),
		`{"phone_number":"+14155550100","from":"web","parameters":{"email":"c@example.com","order":42}}`)
	if st != 200 {
		t.Fatalf("start: %d %v", st, m)
	}
	return m["chat_id"].(string)
}

// gate is a poll wait a test releases: polls are held until release.
type gate struct {
	entered chan time.Duration
	release chan struct{}
}

func newGate() *gate {
	return &gate{entered: make(chan time.Duration, 16), release: make(chan struct{})}
}

func (g *gate) wait(ctx context.Context, d time.Duration) error {
	g.entered <- d
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func events(m map[string]any) []map[string]any {
	raw, _ := m["events"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, e := range raw {
		out = append(out, e.(map[string]any))
	}
	return out
}
