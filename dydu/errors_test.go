package dydu

import (
	"errors"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
)

// TestErrorShapes: each error body the client reads, and a body that is
// not JSON.
func TestErrorShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status       int
		body         string
		typ, code    string
		message      string
		kind         error
		redactedFrom string
	}{
		{400, `{"type":"error","values":{"code":"` + b64("ERRInvalidRequest") + `","text":"` + b64("Paramètre manquant : userInput") + `"}}`, "error", "ERRInvalidRequest", "Paramètre manquant : userInput", deskbridge.ErrInvalid, ""},
		{404, `{"message":"Bot not found","code":"BOT_NOT_FOUND"}`, "", "BOT_NOT_FOUND", "Bot not found", deskbridge.ErrNotFound, ""},
		{500, `{"error":"Internal error","status":500}`, "", "500", "Internal error", deskbridge.ErrUnavailable, ""},
		{502, `<html><body>Bad Gateway</body></html>`, "", "", "<html><body>Bad Gateway</body></html>", deskbridge.ErrUnavailable, ""},
		{401, `{"message":"bad credentials for admin:s3cret-pass"}`, "", "", "bad credentials for [redacted]", deskbridge.ErrUnauthorized, "s3cret-pass"},
	} {
		c, mock, _ := newMocked(t, WithAdminCredentials("admin", "s3cret-pass"))
		mock.RegisterNoResponder(jsonResp(tc.status, tc.body))
		_, err := c.History(t.Context(), testCtx)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%d: %v", tc.status, err)
		}
		if e.StatusCode != tc.status || e.Type != tc.typ || e.Code != tc.code || e.Message != tc.message || !errors.Is(err, tc.kind) {
			t.Errorf("%d: type %q code %q message %q: %v", tc.status, e.Type, e.Code, e.Message, err)
		}
		if tc.redactedFrom != "" && strings.Contains(err.Error(), tc.redactedFrom) {
			t.Errorf("the error shows a credential: %v", err)
		}
		if strings.ContainsAny(err.Error(), "\n\r") || !strings.Contains(err.Error(), "dydu") {
			t.Errorf("%q", err.Error())
		}
	}
}

// TestOptions: what NewClient refuses, each matching ErrInvalid, and what
// it accepts.
func TestOptions(t *testing.T) {
	t.Parallel()
	bad := map[string][]Option{
		"no bot":          {WithServers(testServer)},
		"bad bot":         {WithBotID("bot-1"), WithServers(testServer)},
		"no server":       {WithBotID(testBot)},
		"empty servers":   {WithBotID(testBot), WithServers()},
		"ftp server":      {WithBotID(testBot), WithServers("ftp://x")},
		"userinfo":        {WithBotID(testBot), WithServers("https://u:p@x.example")},
		"api path":        {WithBotID(testBot), WithServers("https://x.example/servlet/api")},
		"twice":           {WithBotID(testBot), WithServers("https://x.example", "https://x.example/")},
		"base query":      {WithBotID(testBot), WithBaseURL("https://x.example?a=1")},
		"language":        {WithBotID(testBot), WithServers(testServer), WithLanguage("f r")},
		"space":           {WithBotID(testBot), WithServers(testServer), WithSpace(" ")},
		"timeout":         {WithBotID(testBot), WithServers(testServer), WithServerTimeout(0)},
		"admin colon":     {WithBotID(testBot), WithServers(testServer), WithAdminCredentials("a:b", "p")},
		"admin empty":     {WithBotID(testBot), WithServers(testServer), WithAdminCredentials("a", "")},
		"admin url":       {WithBotID(testBot), WithServers(testServer), WithAdminURL("nope")},
		"retries":         {WithBotID(testBot), WithServers(testServer), WithMaxRetries(-1)},
		"nil http client": {WithBotID(testBot), WithServers(testServer), WithHTTPClient(nil)},
	}
	for name, opts := range bad {
		if _, err := NewClient(opts...); !errors.Is(err, deskbridge.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := NewClient(WithBotID(testBot), WithServers(testServer), WithAdminCredentials("a", "p-secret")); err != nil {
		t.Fatal(err)
	}
	_, err := NewClient(WithBotID(testBot), WithServers(testServer), WithAdminCredentials("a", "p-secret\n"))
	if err == nil || strings.Contains(err.Error(), "p-secret") {
		t.Fatalf("%v", err)
	}
	c, err := NewClient(nil, WithBotID(" F1871FE8-CDEA-4695-9EA6-529A4E9460DC "), WithServers("https://a.example/", "https://b.example"), WithBaseURL("http://127.0.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	if c.BotID() != testBot || len(c.Servers()) != 1 || c.Servers()[0] != "http://127.0.0.1:9" || c.CurrentServer() != "http://127.0.0.1:9" {
		t.Fatalf("%s %v", c.BotID(), c.Servers())
	}
}
