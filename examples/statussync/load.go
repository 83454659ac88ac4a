package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// loadAgents is how many agents the load test spreads its events over.
const loadAgents = 50

const loadSecret = "load-signing-secret"

// loadResult is what runLoad measured.
type loadResult struct {
	Events, Workers int
	Elapsed         time.Duration
	PerSecond       float64
	P50, P99, Max   time.Duration
}

// runLoad sends n signed agent.state_changed events through the flow's
// Zendesk handler, served on a loopback port, into a fake babelforce, from
// workers concurrent senders, and reports throughput and latency. Each
// agent's events come from one sender, in order, each one changing its
// presence (online and away in turn), so that every event costs a
// presence change; the final presences are checked.
func runLoad(ctx context.Context, w io.Writer, n, workers int) (*loadResult, error) {
	if workers < 1 {
		workers = 1
	}
	bf := babelforcetest.NewServer()
	defer bf.Close()
	bf.AddPresence("away", "away")
	zd := zendesktest.NewServer() // not called on this path; the flow needs a client
	defer zd.Close()
	agents := min(n, loadAgents)
	ids := make([]string, agents)
	for i := range ids {
		ids[i] = bf.AddAgent(babelforcetest.Agent{Name: "Agent " + strconv.Itoa(i), SourceID: strconv.Itoa(10_000 + i)}).ID
	}
	bc, err := babelforce.NewClient(babelforce.WithBaseURL(bf.URL), babelforce.WithPassword(bf.Username, bf.Password, babelforce.WithNonExpiringToken()))
	if err != nil {
		return nil, err
	}
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken))
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, strings.TrimSpace(os.Getenv("REDIS_URL")), runPrefix("load"), false)
	if err != nil {
		return nil, err
	}
	defer st.close()
	fmt.Fprintf(w, "state: %s\n", st.what)
	flow, err := statussync.New(statussync.Config{Zendesk: zc, Babelforce: bc, ZendeskSecrets: []string{loadSecret}, Store: st.Store})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srvCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() {
		served <- serveUntilDone(srvCtx, newHTTPServer(flow.ZendeskHandler(), defaultTimeouts), ln)
	}()
	defer func() { stop(); <-served }()
	url := "http://" + ln.Addr().String() + zendeskPath
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 30 * time.Second}

	state := func(k int) string {
		if (k/agents)%2 == 0 {
			return "online"
		}
		return "away"
	}
	base := time.Now()
	latencies := make([]time.Duration, n)
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
	}
	start := time.Now()
	for wk := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Event k is about agent k % agents; agent a's events are
			// sent by worker a % workers, in order.
			for k := 0; k < n; k++ {
				if (k%agents)%workers != wk || ctx.Err() != nil {
					continue
				}
				body, _ := json.Marshal(loadEvent(k, int64(10_000+k%agents), state(k), base.Add(time.Duration(k)*time.Microsecond)))
				sig, ts := webhook.SignZendesk(loadSecret, time.Now(), body)
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
				if err != nil {
					fail(err)
					return
				}
				req.Header.Set(webhook.HeaderZendeskSignature, sig)
				req.Header.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					fail(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				latencies[k] = time.Since(t0)
				if resp.StatusCode != http.StatusOK {
					fail(fmt.Errorf("event %d: %d", k, resp.StatusCode))
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Every agent ends in the presence of its last event.
	for a := range agents {
		last := a + ((n-1-a)/agents)*agents
		want := map[string]string{"online": babelforce.AvailablePresence, "away": "away"}[state(last)]
		if got := bf.Presence(ids[a]); got != want {
			return nil, fmt.Errorf("agent %d ends %q, want %q", a, got, want)
		}
	}
	slices.Sort(latencies)
	res := &loadResult{
		Events: n, Workers: workers, Elapsed: elapsed, PerSecond: float64(n) / elapsed.Seconds(),
		P50: percentile(latencies, 50), P99: percentile(latencies, 99), Max: latencies[len(latencies)-1],
	}
	fmt.Fprintf(w, "%d signed agent.state_changed events through the Zendesk handler into babelforcetest\n", n)
	fmt.Fprintf(w, "(%d agents, %d concurrent senders, every event a presence change; final presences verified)\n", agents, workers)
	fmt.Fprintf(w, "  %.0f events/s in %v\n", res.PerSecond, elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  latency p50 %v, p99 %v, max %v\n", res.P50.Round(time.Microsecond), res.P99.Round(time.Microsecond), res.Max.Round(time.Microsecond))
	return res, nil
}

// percentile returns the p-th percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(len(sorted)-1, i-1))]
}

// loadEvent is the envelope of an agent.state_changed event on the support
// channel.
func loadEvent(k int, agentID int64, to string, at time.Time) map[string]any {
	id := strconv.FormatInt(agentID, 10)
	stamp := at.UTC().Format(time.RFC3339Nano)
	return map[string]any{
		"account_id": 1, "id": "load-" + strconv.Itoa(k), "subject": "zen:agent:" + id, "time": stamp,
		"type": webhook.ZendeskTypeAgentStateChanged, "zendesk_event_version": "2022-11-06",
		"detail": map[string]string{"account_id": "1", "agent_id": id, "version": strconv.Itoa(k)},
		"event":  map[string]string{"updated_at": stamp, "previous_state": "", "new_state": to, "channel": "support"},
	}
}
