package zendesktest

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/internal/fakeserver"
	"github.com/deskbridge/deskbridge/webhook"
)

// Webhook deliveries.
//
// Deliveries are asynchronous, as Zendesk's are: an API call or a
// Server method that fires a webhook queues the delivery and returns; a
// worker per webhook sends its deliveries one at a time, in order, so one
// slow endpoint does not hold up the others. At most 10,000 deliveries wait
// at once; past that a delivery is recorded as dropped. No state lock is
// held while delivering, so a receiver may call the fake back. The newest
// 10,000 deliveries are kept for Deliveries; older ones are forgotten, so
// that a long-running fake does not grow without bound.
//
// Every attempt carries x-zendesk-account-id, x-zendesk-webhook-id,
// x-zendesk-webhook-invocation-id (the same on every retry of one
// invocation) and a fresh x-zendesk-webhook-signature /
// x-zendesk-webhook-signature-timestamp pair made with the webhook's
// signing secret by webhook.SignZendesk, plus the webhook's
// authentication and custom headers. Each recorded attempt holds those
// headers with the credentials redacted: the Authorization of basic_auth
// and bearer_token webhooks, and the header an api_key webhook names. The
// circuit breaker (https://developer.zendesk.com/api-reference/webhooks/introduction)
// is not modelled.

// outbound is a delivery to make; everything it needs is copied from the
// state when it is queued.
type outbound struct {
	webhookID    string
	invocationID string
	kind         string
	eventType    string
	eventID      string
	agentID      int64
	triggerID    int64
	ticketID     int64
	method       string
	url          string
	header       http.Header
	// secretHeaders names the headers, beyond Authorization, that carry
	// the webhook's credential (an api_key webhook's header).
	secretHeaders []string
	body          []byte
	secret        string
	created       time.Time
}

// Delivery is one webhook invocation and its attempts.
type Delivery struct {
	// Kind is "event" (a Zendesk event subscription), "trigger" (a
	// trigger's notification_webhook action) or "test" (POST
	// /api/v2/webhooks/test).
	Kind         string
	WebhookID    string
	InvocationID string
	// EventType and EventID identify an event delivery's envelope;
	// AgentID is the agent it is about.
	EventType string
	EventID   string
	AgentID   int64
	// TriggerID and TicketID say which trigger fired on which ticket.
	TriggerID int64
	TicketID  int64
	Method    string
	URL       string
	Body      []byte
	// Queued is when the delivery was queued.
	Queued   time.Time
	Attempts []DeliveryAttempt
	// Done is set once no more attempts will be made.
	Done bool
	// Dropped says why the delivery was never attempted, if it was not.
	Dropped string
}

// DeliveryAttempt is one try of a webhook delivery, as [Delivery.Attempts]
// records it. It is [deskbridgetest.Attempt], the same in every deskbridge
// fake; its fields are documented there.
type DeliveryAttempt = deskbridgetest.Attempt

// Succeeded reports whether the last attempt got a 2xx answer.
func (d Delivery) Succeeded() bool {
	if len(d.Attempts) == 0 {
		return false
	}
	s := d.Attempts[len(d.Attempts)-1].Status
	return s >= 200 && s < 300
}

func (d Delivery) clone() Delivery {
	d.Body = slices.Clone(d.Body)
	d.Attempts = slices.Clone(d.Attempts)
	for i := range d.Attempts {
		d.Attempts[i].Header = d.Attempts[i].Header.Clone()
	}
	return d
}

type deliveryRec struct {
	d Delivery
	o outbound
}

// maxDeliveryRecords is how many deliveries Deliveries remembers.
const maxDeliveryRecords = 10000

type deliveries struct {
	s      *Server
	client *http.Client
	ctx    context.Context
	cancel context.CancelFunc
	keep   int // how many records to keep, the newest

	mu       sync.Mutex
	recs     []*deliveryRec // the newest keep, oldest first
	queues   map[string][]*deliveryRec
	running  map[string]bool
	inflight int
	idle     chan struct{} // closed while inflight == 0
	closed   bool
	workers  sync.WaitGroup
}

func newDeliveries(s *Server) *deliveries {
	client := &http.Client{}
	if s.cfg.deliveryClient != nil {
		c := *s.cfg.deliveryClient
		client = &c
	}
	client.Timeout = s.cfg.deliveryTimeout
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ctx, cancel := context.WithCancel(context.Background())
	idle := make(chan struct{})
	close(idle)
	return &deliveries{s: s, client: client, ctx: ctx, cancel: cancel, keep: maxDeliveryRecords,
		queues: map[string][]*deliveryRec{}, running: map[string]bool{}, idle: idle}
}

// record adds rec to the history, forgetting the oldest records past
// dl.keep (a delivery still queued is made all the same). dl.mu is held.
func (dl *deliveries) record(rec *deliveryRec) {
	dl.recs = append(dl.recs, rec)
	if over := len(dl.recs) - dl.keep; over > 0 {
		clear(dl.recs[:over]) // let them go before append reallocates
		dl.recs = dl.recs[over:]
	}
}

func (o *outbound) delivery() Delivery {
	return Delivery{
		Kind: o.kind, WebhookID: o.webhookID, InvocationID: o.invocationID, EventType: o.eventType,
		EventID: o.eventID, AgentID: o.agentID, TriggerID: o.triggerID, TicketID: o.ticketID,
		Method: o.method, URL: o.url, Body: slices.Clone(o.body), Queued: o.created,
	}
}

// enqueue queues deliveries and starts the webhooks' workers; it never
// delivers itself. Callers release the state lock first.
func (dl *deliveries) enqueue(out ...outbound) {
	if len(out) == 0 {
		return
	}
	dl.mu.Lock()
	defer dl.mu.Unlock()
	for _, o := range out {
		rec := &deliveryRec{d: o.delivery(), o: o}
		dl.record(rec)
		switch {
		case dl.closed:
			rec.d.Done, rec.d.Dropped = true, "server closed"
			continue
		case dl.inflight >= maxPendingDeliveries:
			rec.d.Done, rec.d.Dropped = true, "queue full"
			continue
		}
		if dl.inflight == 0 {
			dl.idle = make(chan struct{})
		}
		dl.inflight++
		dl.queues[o.webhookID] = append(dl.queues[o.webhookID], rec)
		if !dl.running[o.webhookID] {
			dl.running[o.webhookID] = true
			dl.workers.Add(1)
			go dl.work(o.webhookID)
		}
	}
}

func (dl *deliveries) work(webhookID string) {
	defer dl.workers.Done()
	for {
		dl.mu.Lock()
		q := dl.queues[webhookID]
		if len(q) == 0 {
			delete(dl.queues, webhookID)
			dl.running[webhookID] = false
			dl.mu.Unlock()
			return
		}
		rec := q[0]
		dl.queues[webhookID] = q[1:]
		dl.mu.Unlock()

		attempts := dl.deliver(rec.o)

		dl.mu.Lock()
		rec.d.Attempts = attempts
		rec.d.Done = true
		dl.inflight--
		if dl.inflight == 0 {
			close(dl.idle)
		}
		dl.mu.Unlock()
	}
}

// deliver sends one delivery with Zendesk's retry policy.
func (dl *deliveries) deliver(o outbound) []DeliveryAttempt {
	d := fakeserver.Deliverer{
		Client: dl.client,
		Policy: zendeskRetryPolicy(dl.s.now),
		Sleep:  dl.s.cfg.deliverySleep,
		Now:    dl.s.now,
	}
	return d.Deliver(dl.ctx, o.fakeserverDelivery(dl))
}

// fakeserverDelivery is o for fakeserver.Deliverer, which signs each
// attempt and records it with the credentials redacted.
func (o *outbound) fakeserverDelivery(dl *deliveries) fakeserver.Delivery {
	return fakeserver.Delivery{
		Method: o.method, URL: o.url, Header: o.header, Body: o.body,
		Prepare:       func(req *http.Request, _ int) { dl.sign(req, *o) },
		SecretHeaders: o.secretHeaders,
	}
}

// sign sets the signature headers of one attempt.
func (dl *deliveries) sign(req *http.Request, o outbound) {
	sig, ts := webhook.SignZendesk(o.secret, dl.s.now(), o.body)
	req.Header.Set("x-zendesk-webhook-signature", sig)
	req.Header.Set("x-zendesk-webhook-signature-timestamp", ts)
}

// deliverNow makes one synchronous attempt (the webhook test endpoint),
// without retries, and records it. The answer is returned too: the test
// endpoint reports it.
func (dl *deliveries) deliverNow(ctx context.Context, o outbound) (Delivery, *testResponse) {
	var tr *testResponse
	client := *dl.client
	next := client.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	client.Transport = roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err == nil {
			tr = readTestResponse(resp) // the body, before the deliverer discards it
			resp.Body.Close()
			resp.Body = io.NopCloser(strings.NewReader(tr.body))
		}
		return resp, err
	})
	d := fakeserver.Deliverer{Client: &client, Now: dl.s.now}
	rec := &deliveryRec{d: o.delivery(), o: o}
	rec.d.Attempts = d.Deliver(ctx, o.fakeserverDelivery(dl))
	rec.d.Done = true
	dl.mu.Lock()
	dl.record(rec)
	dl.mu.Unlock()
	return rec.d.clone(), tr
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func (dl *deliveries) close() {
	dl.mu.Lock()
	dl.closed = true
	dl.mu.Unlock()
	dl.cancel()
	dl.workers.Wait()
}

// Deliveries returns copies of the deliveries queued or made, oldest first:
// the newest 10,000 (older ones are forgotten, so that a long-running fake
// does not grow without bound). Attempt headers have the webhooks'
// credentials redacted.
func (s *Server) Deliveries() []Delivery {
	s.dl.mu.Lock()
	defer s.dl.mu.Unlock()
	out := make([]Delivery, len(s.dl.recs))
	for i, r := range s.dl.recs {
		out[i] = r.d.clone()
	}
	return out
}

// WaitDeliveries waits until no delivery is queued or in flight (including
// retries and their waits), or ctx is done.
func (s *Server) WaitDeliveries(ctx context.Context) error {
	for {
		s.dl.mu.Lock()
		if s.dl.inflight == 0 {
			s.dl.mu.Unlock()
			return nil
		}
		idle := s.dl.idle
		s.dl.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
