package smsbridge

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
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

// The inbound path, measured: a Braze webhook campaign's delivery of a
// customer's text reaches the bridge over loopback HTTP, which checks its
// secret, parses it, claims the customer and records the text in the
// store, reads the customer's ticket and its requester from the fake
// Zendesk and adds the text as the requester's comment.
// BenchmarkInboundSMSFloor makes the same hops by hand with the standard
// library only (secret check, JSON decode, two GETs, one PUT), so that the
// two read as a ratio from one run.

// inboundBench is a fake Zendesk holding the customer's open ticket, and
// a fake Braze.
type inboundBench struct {
	zd     *zendesktest.Server
	zc     *zendesk.Client
	bc     *braze.Client
	ticket int64
}

func newInboundBench(b *testing.B) *inboundBench {
	zd := zendesktest.NewServer()
	b.Cleanup(zd.Close)
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithAPIToken(zd.Email, zd.APIToken))
	if err != nil {
		b.Fatal(err)
	}
	bz := brazetest.NewServer()
	b.Cleanup(bz.Close)
	bz.AddUser(brazetest.User{ExternalID: customer})
	bc, err := braze.NewClient(braze.WithBaseURL(bz.URL), braze.WithAPIKey(bz.APIKey()), braze.WithMaxRetries(0))
	if err != nil {
		b.Fatal(err)
	}
	// The user field the customer's Braze ID is kept in (and the
	// triggers, whose loop guard keeps the bridge's comments to itself).
	if _, err := Provision(b.Context(), ProvisionConfig{Zendesk: zc, BridgeURL: "https://bridge.example.com"}); err != nil {
		b.Fatal(err)
	}
	ib := &inboundBench{zd: zd, zc: zc, bc: bc}
	// The customer's first text opens their ticket.
	f := ib.flow(b, store.NewMemory())
	res, err := f.HandleInboundSMS(b.Context(), &InboundSMS{Kind: "support", ExternalID: customer, Message: supportWord})
	if err != nil {
		b.Fatal(err)
	}
	ib.ticket = res.TicketID
	if n := len(zd.Tickets()); n != 1 {
		b.Fatalf("%d tickets, want 1", n)
	}
	return ib
}

func (ib *inboundBench) flow(b *testing.B, st store.Store) *Flow {
	f, err := New(Config{Zendesk: ib.zc, Braze: ib.bc, ReplyCampaignID: "c",
		ZendeskSecrets: []string{"z"}, BrazeAuth: webhook.SharedSecretVerifier{Secrets: []string{brazeSecret}}, Store: st})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// inboundSender posts the customer's texts on the ticket, each a new one.
type inboundSender struct {
	url    string
	ticket int64
	client *http.Client
	seq    atomic.Int64
}

func (s *inboundSender) send(b *testing.B) {
	n := s.seq.Add(1)
	body := fmt.Sprintf(`{"kind":"follow_up","external_id":%q,"ticket":"%d","message":"Any news about order %d?","message_id":"dispatch-%d"}`, customer, s.ticket, n, n)
	req, _ := http.NewRequest(http.MethodPost, s.url, bytes.NewReader([]byte(body)))
	req.Header = brazeHeader()
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

// runInbound runs the texts serially (one customer's texts are handled one
// at a time) and reports texts per second.
func runInbound(b *testing.B, ticket int64, url string) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	s := &inboundSender{url: url, ticket: ticket, client: &http.Client{Transport: tr}}
	s.send(b) // warm the connections
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		s.send(b)
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "texts/s")
}

// BenchmarkInboundSMS runs the inbound path on a store.Memory and on
// redisstore over a loopback Redis, beside BenchmarkInboundSMSFloor. Each
// text costs two store round trips.
func BenchmarkInboundSMS(b *testing.B) {
	for _, kind := range []string{"memory", "redis"} {
		b.Run(kind, func(b *testing.B) {
			var st store.Store = store.NewMemory()
			if kind == "redis" {
				client, _ := redistest.Client(b)
				st = redisstore.New(client, redistest.Prefix(b))
			}
			ib := newInboundBench(b)
			srv := httptest.NewServer(ib.flow(b, st).InboundSMSHandler())
			b.Cleanup(srv.Close)
			runInbound(b, ib.ticket, srv.URL)
			b.StopTimer()
			if n := len(ib.zd.Tickets()); n != 1 {
				b.Fatalf("%d tickets, want 1: the texts did not go on the customer's ticket", n)
			}
		})
	}
}

func BenchmarkInboundSMSFloor(b *testing.B) {
	ib := newInboundBench(b)
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	call := func(r *http.Request, method, path string, in, out any) error {
		var body io.Reader
		if in != nil {
			raw, _ := json.Marshal(in)
			body = bytes.NewReader(raw)
		}
		req, _ := http.NewRequestWithContext(r.Context(), method, ib.zd.URL+path, body)
		req.SetBasicAuth(ib.zd.Email+"/token", ib.zd.APIToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return json.NewDecoder(resp.Body).Decode(out)
	}
	want := []byte("Bearer " + brazeSecret)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var in struct {
			ExternalID string `json:"external_id"`
			Ticket     string `json:"ticket"`
			Message    string `json:"message"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, "malformed", http.StatusBadRequest)
			return
		}
		var t struct {
			Ticket struct {
				ID          int64  `json:"id"`
				Status      string `json:"status"`
				RequesterID int64  `json:"requester_id"`
			} `json:"ticket"`
		}
		var u struct {
			User struct {
				ID         int64          `json:"id"`
				UserFields map[string]any `json:"user_fields"`
			} `json:"user"`
		}
		var done map[string]any
		if err := call(r, http.MethodGet, "/api/v2/tickets/"+in.Ticket, nil, &t); err != nil ||
			call(r, http.MethodGet, "/api/v2/users/"+strconv.FormatInt(t.Ticket.RequesterID, 10), nil, &u) != nil ||
			u.User.UserFields[DefaultUserField] != in.ExternalID ||
			call(r, http.MethodPut, "/api/v2/tickets/"+in.Ticket, map[string]any{"ticket": map[string]any{"comment": map[string]any{
				"body": in.Message, "public": true, "author_id": u.User.ID}}}, &done) != nil {
			http.Error(w, "failed", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "handled\n")
	}))
	b.Cleanup(srv.Close)
	runInbound(b, ib.ticket, srv.URL)
}
