package scenario

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/brightpattern"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// An Extra header's name and value take $(var), and Zendesk receives the
// substituted header.
func TestAPIRequestExtraHeaderWithVariable(t *testing.T) {
	w := newWorld(t)
	vars := call(knownANI, mainDNIS)
	vars["uid"] = itoa(w.caller)
	vars["src"] = "bp-tenant-7"
	res := w.run(vars, &APIRequest{URL: "users/$(uid).json", InitialPath: "user", Result: "u",
		Headers: []Header{{Name: "X-Request-Source", Value: "$(src)/$(item.ANI)"}, {Name: "X-Caller-$(uid)", Value: "yes"}}})
	if res.Exit != ExitNext || res.Variables["u.name"] != "Carla Caller" {
		t.Fatalf("%v %v", res, res.Variables)
	}
	var got *http.Header
	for _, r := range w.zd.Requests() {
		if r.Method == http.MethodGet && r.Path == "/api/v2/users/"+itoa(w.caller)+".json" {
			got = &r.Header
		}
	}
	if got == nil {
		t.Fatal("no request to Zendesk")
	}
	if v := got.Get("X-Request-Source"); v != "bp-tenant-7/"+knownANI {
		t.Errorf("X-Request-Source = %q", v)
	}
	if v := got.Get("X-Caller-" + itoa(w.caller)); v != "yes" {
		t.Errorf("header named by a variable: %q (%v)", v, *got)
	}
	// An unknown variable in a header is the block's Failed exit, the
	// request not sent.
	before := len(w.zd.Requests())
	res = w.run(vars, &APIRequest{URL: "users/$(uid).json", Headers: []Header{{Name: "X-A", Value: "$(nope)"}}})
	if res.Exit != ExitFailed || len(w.zd.Requests()) != before {
		t.Errorf("unknown variable: %v, %d requests sent", res, len(w.zd.Requests())-before)
	}
	// A value that would split the header (CR LF from a caller) never
	// reaches Zendesk as a second header.
	vars["evil"] = "x\r\nX-Injected: 1"
	res = w.run(vars, &APIRequest{URL: "users/$(uid).json", Headers: []Header{{Name: "X-A", Value: "$(evil)"}}})
	if res.Exit != ExitFailed {
		t.Errorf("header injection: %v", res)
	}
	for _, r := range w.zd.Requests() {
		if r.Header.Get("X-Injected") != "" {
			t.Fatal("a caller's value added a header")
		}
	}
}

// An Extra header "Authorization" replaces the account's credential for
// that request (the account's is not sent), and the credential it carries
// is in no log, error, variable or step of the run.
func TestAPIRequestAuthorizationHeaderReplacesTheAccount(t *testing.T) {
	w := newWorld(t)
	// The account's own credential is wrong: a request made with it is a 401.
	accounts, err := brightpattern.NewAccounts(brightpattern.Account{Name: "support", URL: w.zd.URL, Default: true, HTTPClient: w.zd.Client(),
		Auth: brightpattern.APIToken{Username: w.zd.Email, Token: "not-the-token"}, Options: []zendesk.Option{zendesk.WithMaxRetries(0)}})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	run := func(vars map[string]string, steps ...Step) Result {
		cfg := w.config(Scenario{Steps: steps})
		cfg.Accounts = accounts
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		f, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return f.Run(t.Context(), vars)
	}
	vars := call(knownANI, mainDNIS)
	without := run(vars, &APIRequest{URL: "users/me.json", InitialPath: "user", Result: "me"})
	if without.Exit != ExitFailed || without.Variables[VarResultCode] != "401" {
		t.Fatalf("the account's wrong credential was not used: %v %v", without, without.Variables)
	}
	basic := base64.StdEncoding.EncodeToString([]byte(w.zd.Email + "/token:" + w.zd.APIToken))
	vars["zdauth"] = basic
	with := run(vars, &APIRequest{URL: "users/me.json", InitialPath: "user", Result: "me",
		Headers: []Header{{Name: "Authorization", Value: "Basic $(zdauth)"}}})
	if with.Exit != ExitNext || with.Variables["me.email"] != w.zd.Email {
		t.Fatalf("with the Extra header: %v %v", with, with.Variables)
	}
	// A wrong credential in the header: refused, and not shown anywhere.
	const leaked = "s3cr3t-bearer-9f8e7d"
	vars["zdauth"] = leaked
	bad := run(vars, &APIRequest{URL: "users/me.json", Headers: []Header{{Name: "Authorization", Value: "Bearer $(zdauth)"}}})
	if bad.Exit != ExitFailed || bad.Variables[VarResultCode] != "401" || bad.Outcome != flow.Failed {
		t.Fatalf("wrong header credential: %v %v", bad, bad.Variables)
	}
	for name, text := range map[string]string{
		"logs": logs.String(), "result": bad.String(), "error": fmt.Sprint(bad.Err), "variables": fmt.Sprint(bad.Variables),
		"steps": fmt.Sprint(bad.Steps), "the good run": with.String() + fmt.Sprint(with.Steps),
	} {
		for _, secret := range []string{leaked, basic, w.zd.APIToken} {
			if strings.Contains(text, secret) {
				t.Errorf("%s show the credential %q: %s", name, secret[:6]+"…", text)
			}
		}
	}
	for _, r := range w.zd.Requests() {
		if a := r.Header.Get("Authorization"); a != "" && a != "[redacted]" {
			t.Errorf("the fake's log keeps Authorization %q", a)
		}
	}
}

// The Raw JSON body takes $(var), each value JSON-escaped: a value with a
// quote is the ticket's text, not a change of the body's shape.
func TestAPIRequestRawJSONBody(t *testing.T) {
	w := newWorld(t)
	vars := call(knownANI, mainDNIS)
	vars["topic"] = `router says "help", "priority":"urgent`
	vars["uid"] = itoa(w.caller)
	res := w.run(vars, &APIRequest{Method: http.MethodPost, URL: "tickets.json", InitialPath: "ticket", Result: "t",
		Body: `{"ticket":{"subject":"Call: $(topic)","requester_id":$(uid),"comment":{"body":"From $(item.ANI)"}}}`})
	v := res.Variables
	if res.Exit != ExitNext || v[VarResultCode] != "201" || v["t.id"] == "" || v["t.subject"] != "Call: "+vars["topic"] {
		t.Fatalf("%v %v", res, v)
	}
	var created *zendesktest.Ticket
	for _, tk := range w.zd.Tickets() {
		if itoa(tk.ID) == v["t.id"] {
			created = &tk
		}
	}
	if created == nil {
		t.Fatalf("no ticket %s in Zendesk", v["t.id"])
	}
	if created.Subject != "Call: "+vars["topic"] || created.RequesterID != w.caller || created.Priority != nil {
		t.Errorf("subject %q, requester %d, priority %v", created.Subject, created.RequesterID, created.Priority)
	}
	if cs := w.zd.Comments(created.ID); len(cs) != 1 || cs[0].Body != "From "+knownANI {
		t.Errorf("comments %+v", cs)
	}
	var sent string
	for _, r := range w.zd.Requests() {
		if r.Method == http.MethodPost && r.Path == "/api/v2/tickets.json" {
			sent = string(r.Body)
		}
	}
	if !strings.Contains(sent, `router says \"help\", \"priority\":\"urgent`) {
		t.Errorf("the body sent: %s", sent)
	}
}
