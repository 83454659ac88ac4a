package smsbridge

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/brazetest"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The agent-reply path, measured: a signed Zendesk trigger webhook reaches
// the bridge over loopback HTTP, which verifies it, de-duplicates it,
// extracts the message, records the send and sends it to the fake Braze.
// BenchmarkAgentReplyFloor makes the same hops by hand with the standard
// library only (read, HMAC check, JSON decode, JSON encode, one POST), so
// that the two read as a ratio from one run.

const benchSecret = "bench-signing-secret"

// benchBody is a rendered compact trigger body: reply n on its ticket
// (each delivery is a new reply, keyed by its signed body).
func benchBody(n int64) []byte {
	return []byte(`{"event":"reply","ticket_id":"` + strconv.FormatInt(1000+n, 10) + `","status":"Open","external_id":"` + customer + `","requester_id":"7","author_id":"8",` +
		`"comment":"----------------------------------------------\n\nAnn Agent, Mar 3, 2025, 10:04\n\nBonjour Chloé 👋\nYour order ships today & arrives Friday.\n\nAnything else?"}`)
}

// benchBraze is a fake Braze with the reply campaign and the customer.
func benchBraze(b *testing.B) (*brazetest.Server, string) {
	bz := brazetest.NewServer()
	b.Cleanup(bz.Close)
	id, err := bz.AddCampaign(brazetest.Campaign{Name: "reply", Message: ReplyMessageTemplate})
	if err != nil {
		b.Fatal(err)
	}
	bz.AddUser(brazetest.User{ExternalID: customer})
	return bz, id
}

// benchZendesk is a client of a fake Zendesk, which the flow asks once
// for its own user (to tell its own comments from agents' replies).
func benchZendesk(b *testing.B) *zendesk.Client {
	zd := zendesktest.NewServer()
	b.Cleanup(zd.Close)
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken))
	if err != nil {
		b.Fatal(err)
	}
	return zc
}

// benchSender posts signed deliveries, each a new reply with a new
// invocation id.
type benchSender struct {
	url    string
	client *http.Client
	seq    atomic.Int64
}

func newBenchSender(url string) *benchSender {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	return &benchSender{url: url, client: &http.Client{Transport: tr}}
}

func (s *benchSender) send(b *testing.B) {
	n := s.seq.Add(1)
	body := benchBody(n)
	sig, ts := webhook.SignZendesk(benchSecret, time.Now(), body)
	req, _ := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderZendeskSignature, sig)
	req.Header.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
	req.Header.Set(webhook.HeaderZendeskInvocationID, strconv.FormatInt(n, 10))
	resp, err := s.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

func runBench(b *testing.B, parallel bool, url string) {
	s := newBenchSender(url)
	s.send(b) // warm the connections
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	n := 0
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s.send(b)
			}
		})
		n = b.N
	} else {
		for b.Loop() {
			s.send(b)
			n++
		}
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkAgentReply runs the flow on a store.Memory (one process) and on
// redisstore over a loopback Redis (replicas), beside
// BenchmarkAgentReplyFloor. Each reply costs two store round trips.
func BenchmarkAgentReply(b *testing.B) {
	for _, kind := range []string{"memory", "redis"} {
		for _, parallel := range []bool{false, true} {
			b.Run(kind+"/"+map[bool]string{false: "serial", true: "parallel"}[parallel], func(b *testing.B) {
				var st store.Store = store.NewMemory()
				if kind == "redis" {
					client, _ := redistest.Client(b)
					st = redisstore.New(client, redistest.Prefix(b))
				}
				bz, campaign := benchBraze(b)
				zc := benchZendesk(b)
				bc, err := braze.NewClient(braze.WithBaseURL(bz.URL), braze.WithAPIKey(bz.APIKey()), braze.WithMaxRetries(0))
				if err != nil {
					b.Fatal(err)
				}
				f, err := New(Config{Zendesk: zc, Braze: bc, ReplyCampaignID: campaign,
					ZendeskSecrets: []string{benchSecret}, BrazeAuth: webhook.SharedSecretVerifier{Secrets: []string{"x"}}, Store: st})
				if err != nil {
					b.Fatal(err)
				}
				srv := httptest.NewServer(f.AgentReplyHandler())
				b.Cleanup(srv.Close)
				runBench(b, parallel, srv.URL)
				b.StopTimer()
				if got := bz.RequestCount(http.MethodPost, "/campaigns/trigger/send"); got < b.N {
					b.Fatalf("%d sends for %d deliveries", got, b.N)
				}
			})
		}
	}
}

func BenchmarkAgentReplyFloor(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		b.Run(map[bool]string{false: "serial", true: "parallel"}[parallel], func(b *testing.B) {
			bz, campaign := benchBraze(b)
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.MaxIdleConnsPerHost = 256
			client := &http.Client{Transport: tr}
			key := "Bearer " + bz.APIKey()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, err := io.ReadAll(r.Body)
				if err != nil {
					http.Error(w, "read", http.StatusBadRequest)
					return
				}
				mac := hmac.New(sha256.New, []byte(benchSecret))
				mac.Write([]byte(r.Header.Get(webhook.HeaderZendeskSignatureTimestamp)))
				mac.Write(body)
				sig, err := base64.StdEncoding.DecodeString(r.Header.Get(webhook.HeaderZendeskSignature))
				if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
					http.Error(w, "unauthorized", http.StatusUnauthorized)
					return
				}
				var in struct {
					TicketID   string `json:"ticket_id"`
					ExternalID string `json:"external_id"`
					Comment    string `json:"comment"`
				}
				if err := json.Unmarshal(body, &in); err != nil {
					http.Error(w, "malformed", http.StatusBadRequest)
					return
				}
				msg := in.Comment
				if _, after, ok := strings.Cut(msg, "\n\n"); ok {
					if _, after, ok = strings.Cut(after, "\n\n"); ok {
						msg = after
					}
				}
				out, _ := json.Marshal(map[string]any{"campaign_id": campaign, "recipients": []map[string]any{{
					"external_user_id":   in.ExternalID,
					"trigger_properties": map[string]any{"msg_body": msg},
					"attributes":         map[string]any{AttrTicket: in.TicketID, AttrTicketOpen: true},
				}}})
				req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, bz.URL+"/campaigns/trigger/send", bytes.NewReader(out))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", key)
				resp, err := client.Do(req)
				if err != nil {
					http.Error(w, "failed", http.StatusServiceUnavailable)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					http.Error(w, "failed", http.StatusServiceUnavailable)
					return
				}
				io.WriteString(w, "handled\n")
			}))
			b.Cleanup(srv.Close)
			runBench(b, parallel, srv.URL)
		})
	}
}
