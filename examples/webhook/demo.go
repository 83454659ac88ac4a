package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/deskbridge/deskbridge/webhook"
)

// demoSecret signs the demo's deliveries; it is the fixed test secret of
// Zendesk's verification sample.
const demoSecret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="

// demoCase is one delivery of the demo scenario.
type demoCase struct {
	name    string
	request func(url string) (*http.Request, error)
	status  int    // expected status
	outcome string // expected outcome (the body of the answer)
}

// run plays the demo scenario against the handler on a loopback port and
// writes the table of answers to w. It fails if an answer differs from the
// expected one.
func run(ctx context.Context, w io.Writer) error {
	// The handler function stands in for the babelforce side of the status
	// sync: it records each agent's presence, and the first attempt for
	// agent 10012 fails as if babelforce were briefly unavailable.
	var (
		mu        sync.Mutex
		presences = map[int64]string{}
		failed    = map[int64]bool{}
	)
	h := webhook.NewZendeskHandler(
		webhook.ZendeskVerifier{Secrets: []string{demoSecret}},
		func(_ context.Context, ev *webhook.ZendeskEvent) error {
			p := ev.Payload.(*webhook.AgentStateChanged) // only typed agent/ticket events are accepted
			mu.Lock()
			defer mu.Unlock()
			if p.AgentID == 10012 && !failed[p.AgentID] {
				failed[p.AgentID] = true
				return errors.New("babelforce: 502 Bad Gateway")
			}
			presences[p.AgentID] = p.NewState
			return nil
		},
	)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srvCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serveUntilDone(srvCtx, newHTTPServer(h, defaultTimeouts), ln) }()
	defer func() { stop(); <-served }()
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(w, "Zendesk webhook handler listening on %s\n\n", url)

	now := time.Now()
	first := agentEvent("01JDEMO0000000000000000001", 10011, "offline", "online")
	flaky := agentEvent("01JDEMO0000000000000000002", 10012, "online", "away")
	firstSig, firstTS := webhook.SignZendesk(demoSecret, now, first)
	cases := []demoCase{
		{"signed agent event", signed(first, firstSig, firstTS), http.StatusOK, "handled"},
		{"same event, body tampered after signing", signed(bytes.Replace(first, []byte(`"new_state":"online"`), []byte(`"new_state":"away"`), 1), firstSig, firstTS),
			http.StatusUnauthorized, "unauthorized"},
		{"same request replayed (same event id)", signed(first, firstSig, firstTS), http.StatusOK, "duplicate"},
		{"event signed 10 minutes ago (stale)", signedAt(agentEvent("01JDEMO0000000000000000003", 10013, "online", "offline"), now.Add(-10*time.Minute)),
			http.StatusUnauthorized, "unauthorized"},
		{"event whose handling fails", signedAt(flaky, now), http.StatusServiceUnavailable, "failed"},
		{"the retry of that event", signedAt(flaky, now.Add(5*time.Second)), http.StatusOK, "handled"},
		{"event type not handled (user.created)", signedAt([]byte(`{"id":"01JDEMO0000000000000000004","type":"zen:event-type:user.created","account_id":2}`), now),
			http.StatusOK, "ignored"},
	}

	client := &http.Client{Timeout: 10 * time.Second}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tcase\tanswer\tRetry-After\texpected\tcheck")
	var unexpected []string
	for i, c := range cases {
		status, outcome, retryAfter, err := deliver(ctx, client, c, url)
		if err != nil {
			return fmt.Errorf("case %q: %w", c.name, err)
		}
		check := "ok"
		if status != c.status || outcome != c.outcome {
			check = "UNEXPECTED"
			unexpected = append(unexpected, c.name)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d %s\t%s\t%d %s\t%s\n", i+1, c.name, status, outcome,
			dash(retryAfter), c.status, c.outcome, check)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	mu.Lock()
	ids := make([]int64, 0, len(presences))
	for id := range presences {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	fmt.Fprintln(w, "\npresences set by the handler function (each event once):")
	for _, id := range ids {
		fmt.Fprintf(w, "  agent %d: %s\n", id, presences[id])
	}
	mu.Unlock()

	if len(unexpected) > 0 {
		return fmt.Errorf("%d of %d answers were not the expected ones: %s", len(unexpected), len(cases), strings.Join(unexpected, "; "))
	}
	fmt.Fprintf(w, "\nall %d answers were the expected ones\n", len(cases))
	return nil
}

func deliver(ctx context.Context, client *http.Client, c demoCase, url string) (status int, outcome, retryAfter string, err error) {
	req, err := c.request(url)
	if err != nil {
		return 0, "", "", err
	}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", "", err
	}
	return resp.StatusCode, strings.TrimSpace(string(body)), resp.Header.Get("Retry-After"), nil
}

// agentEvent builds an agent.state_changed body as Zendesk sends it.
func agentEvent(id string, agentID int64, from, to string) []byte {
	return fmt.Appendf(nil, `{"account_id":2,"detail":{"account_id":"2","agent_id":"%d","version":"3"},`+
		`"event":{"updated_at":%q,"previous_state":%q,"new_state":%q,"channel":"support"},`+
		`"id":%q,"subject":"zen:agent:%d","time":%q,"type":"zen:event-type:agent.state_changed",`+
		`"zendesk_event_version":"2022-11-06"}`,
		agentID, time.Now().UTC().Format(time.RFC3339Nano), from, to, id, agentID, time.Now().UTC().Format(time.RFC3339Nano))
}

// signedAt returns a request for body signed with the demo secret at t.
func signedAt(body []byte, t time.Time) func(string) (*http.Request, error) {
	sig, ts := webhook.SignZendesk(demoSecret, t, body)
	return signed(body, sig, ts)
}

// signed returns a request for body carrying the given signature headers.
func signed(body []byte, sig, ts string) func(string) (*http.Request, error) {
	return func(url string) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhook.HeaderZendeskSignature, sig)
		req.Header.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
		req.Header.Set(webhook.HeaderZendeskWebhookID, "01F1KRFQ6BG29CNWFR60NK5FNY")
		return req, nil
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s + " s"
}
