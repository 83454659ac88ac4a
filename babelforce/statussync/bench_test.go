package statussync_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
	"github.com/deskbridge/deskbridge/babelforce/statussync"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// The benchmarks do the same work per event against the same fake
// babelforce, so their ratio is the flow's cost:
//
//   - BenchmarkStatusSync: a signed agent.state_changed event is posted to
//     the flow's Zendesk handler (HTTP hop 1), which verifies, parses and
//     de-duplicates it, finds the agent (cached) and sets its presence
//     through the babelforce client (HTTP hop 2).
//   - BenchmarkStatusSyncFloor: the two hops of the status-sync article's
//     template by hand with net/http and encoding/json: GET
//     /api/v2/agents?sourceId=… then PUT /api/v2/agents/{id}/status.
//
// Events cycle through benchAgents agents, each alternating online and
// away, so that every event changes a presence.

const benchAgents = 64

const benchSecret = "bench-signing-secret"

func benchBabelforce(b *testing.B) (*babelforcetest.Server, []string) {
	b.Helper()
	bf := babelforcetest.NewServer()
	b.Cleanup(bf.Close)
	bf.AddPresence("away", "away")
	ids := make([]string, benchAgents)
	for i := range ids {
		ids[i] = bf.AddAgent(babelforcetest.Agent{Name: "Agent " + strconv.Itoa(i), SourceID: strconv.Itoa(1000 + i)}).ID
	}
	return bf, ids
}

func benchState(i int) string {
	if (i/benchAgents)%2 == 0 {
		return "online"
	}
	return "away"
}

// BenchmarkStatusSync keeps the flow's state in a store.Memory (the
// default); BenchmarkStatusSyncRedis in a redisstore on a loopback Redis.
func BenchmarkStatusSync(b *testing.B) { benchStatusSync(b, store.NewMemory()) }

func BenchmarkStatusSyncRedis(b *testing.B) {
	client, _ := redistest.Client(b)
	benchStatusSync(b, redisstore.New(client, redistest.Prefix(b)))
}

func benchStatusSync(b *testing.B, st store.Store) {
	bf, ids := benchBabelforce(b)
	bc, err := babelforce.NewClient(babelforce.WithBaseURL(bf.URL), babelforce.WithPassword(bf.Username, bf.Password, babelforce.WithNonExpiringToken()))
	if err != nil {
		b.Fatal(err)
	}
	// The Zendesk client is not called on this path.
	zc, err := zendesk.NewClient(zendesk.WithBaseURL("http://127.0.0.1:9"), zendesk.WithAPIToken("a@b.c", "t"))
	if err != nil {
		b.Fatal(err)
	}
	flow, err := statussync.New(statussync.Config{Zendesk: zc, Babelforce: bc, ZendeskSecrets: []string{benchSecret}, Store: st})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(flow.ZendeskHandler())
	b.Cleanup(srv.Close)
	client := srv.Client()
	base := time.Now()
	send := func(i int) {
		agent := int64(1000 + i%benchAgents)
		body := stateEvent("bench-"+strconv.Itoa(i), agent, "support", "x", benchState(i), base.Add(time.Duration(i)*time.Microsecond))
		sig, ts := webhook.SignZendesk(benchSecret, time.Now(), body)
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header.Set(webhook.HeaderZendeskSignature, sig)
		req.Header.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("event %d: %d", i, resp.StatusCode)
		}
	}
	// Warm the agent cache, as a running service has it.
	for i := range benchAgents {
		send(i)
	}
	runEvents(b, bf, ids, benchAgents, send)
}

func BenchmarkStatusSyncFloor(b *testing.B) {
	bf, ids := benchBabelforce(b)
	token := bf.IssueToken(true)
	client := bf.Client()
	do := func(method, u string, body []byte, out any) int {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, _ := http.NewRequest(method, u, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				b.Fatal(err)
			}
		} else {
			_, _ = io.Copy(io.Discard, resp.Body)
		}
		return resp.StatusCode
	}
	send := func(i int) {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if st := do(http.MethodGet, bf.URL+"/api/v2/agents?sourceId="+url.QueryEscape(strconv.Itoa(1000+i%benchAgents)), nil, &page); st != 200 || len(page.Items) != 1 {
			b.Fatalf("lookup: %d %v", st, page.Items)
		}
		body, _ := json.Marshal(map[string]any{"presence": map[string]string{"name": benchPresence(i)}})
		if st := do(http.MethodPut, bf.URL+"/api/v2/agents/"+page.Items[0].ID+"/status", body, nil); st != http.StatusCreated {
			b.Fatalf("PUT: %d", st)
		}
	}
	runEvents(b, bf, ids, 0, send)
}

// benchPresence is the presence that event i sets.
func benchPresence(i int) string {
	return map[string]string{"online": "available", "away": "away"}[benchState(i)]
}

// runEvents sends events first, first+1, … for as long as b.Loop runs,
// reports them per second, and checks that the last one's agent has the
// presence it set.
func runEvents(b *testing.B, bf *babelforcetest.Server, ids []string, first int, send func(i int)) {
	i := first
	for b.Loop() {
		send(i)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.StopTimer()
	last := i - 1
	if got, want := bf.Presence(ids[last%benchAgents]), benchPresence(last); got != want {
		b.Fatalf("presence %q, want %q", got, want)
	}
}
