package conversationstest

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// Deliveries are asynchronous, as Sunshine Conversations' are: an API
// call or a Server method that emits an event queues one delivery per
// receiving webhook and returns; a worker per webhook sends them one at a
// time, in order, so that one slow receiver does not hold up the others.
// With [WithBatching], the worker waits the window after the first event
// it takes and sends the events queued for the webhook by then in one
// POST (events[] holding several, as Sunshine Conversations may send).
// No state lock is held while delivering, so a receiver may call the fake
// back. A delivery is retried on a non-2xx answer other than 400, 401,
// 403, 404 and 406, and when no answer comes within the delivery timeout,
// after the waits of [WithRetryWaits].

// MaxDeliveryRecords is how many finished deliveries [Server.Deliveries]
// keeps (the newest); MaxPendingDeliveries bounds those waiting or under
// way: past it a delivery is recorded as dropped and not sent.
const (
	MaxDeliveryRecords   = 10000
	MaxPendingDeliveries = 10000
)

// outbound is a delivery to make; everything it needs is copied from the
// state when it is queued.
type outbound struct {
	webhookID     string
	integrationID string
	target        string
	secret        string
	eventID       string
	eventType     string
	body          []byte
}

// Delivery is one webhook delivery (one event to one webhook) and its
// attempts.
type Delivery struct {
	WebhookID     string
	IntegrationID string
	Target        string
	// EventID and EventType identify the event the body carries.
	EventID   string
	EventType string
	// Body is the envelope as sent.
	Body []byte
	// Queued is when the event was emitted, on the fake's clock.
	Queued time.Time
	// Attempts lists every try, X-API-Key redacted in their headers.
	Attempts []Attempt
	// Batch lists the ids of the events Body carries when it carries more
	// than this one ([WithBatching]); every event of a batch has its own
	// record with the same Body and Attempts. Nil for a lone event.
	Batch []string
	// Done is set once the delivery has ended; Delivered when its last
	// attempt was answered 2xx; Dropped when too many deliveries were
	// pending and it was never sent.
	Done      bool
	Delivered bool
	Dropped   bool
}

type deliveries struct {
	s  *Server
	dl fakeserver.Deliverer

	mu      sync.Mutex
	ctx     context.Context
	cancel  context.CancelFunc
	queues  map[string][]*Delivery // per webhook with a worker
	secrets map[*Delivery]string
	pending int
	idle    chan struct{} // closed while pending == 0
	records []*Delivery
	wg      sync.WaitGroup
	closed  bool
}

func newDeliveries(s *Server) *deliveries {
	hc := &http.Client{}
	if s.cfg.deliveryClient != nil {
		c := *s.cfg.deliveryClient
		hc = &c
	}
	hc.Timeout = s.cfg.deliveryTimeout
	waits := slices.Clone(s.cfg.retryWaits)
	d := &deliveries{
		s: s,
		dl: fakeserver.Deliverer{
			Client: hc,
			Sleep:  s.cfg.sleep,
			Now:    s.now,
			Policy: func(n int, resp *http.Response, err error) (bool, time.Duration) {
				if n > len(waits) {
					return false, 0
				}
				if resp != nil && !retryableStatus(resp.StatusCode) {
					return false, 0
				}
				return true, waits[n-1]
			},
		},
		queues:  map[string][]*Delivery{},
		secrets: map[*Delivery]string{},
		idle:    make(chan struct{}),
	}
	close(d.idle)
	d.ctx, d.cancel = context.WithCancel(context.Background())
	return d
}

// retryableStatus says whether Sunshine Conversations retries after an
// answer with this status: any non-2xx but the non-recoverable 400, 401,
// 403, 404 and 406.
func retryableStatus(status int) bool {
	switch status {
	case 400, 401, 403, 404, 406:
		return false
	}
	return status < 200 || status > 299
}

func (d *deliveries) enqueue(out ...outbound) {
	if len(out) == 0 {
		return
	}
	now := d.s.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, o := range out {
		rec := &Delivery{
			WebhookID: o.webhookID, IntegrationID: o.integrationID, Target: o.target,
			EventID: o.eventID, EventType: o.eventType, Body: o.body, Queued: now,
		}
		d.records = append(d.records, rec)
		if d.closed || d.pending >= MaxPendingDeliveries {
			rec.Done, rec.Dropped = true, true
			continue
		}
		if d.pending == 0 {
			d.idle = make(chan struct{})
		}
		d.pending++
		d.secrets[rec] = o.secret
		q, running := d.queues[o.webhookID]
		d.queues[o.webhookID] = append(q, rec)
		if !running {
			d.wg.Add(1)
			go d.work(o.webhookID)
		}
	}
	d.trim()
}

// trim forgets the oldest finished records past MaxDeliveryRecords.
// Callers hold d.mu.
func (d *deliveries) trim() {
	if len(d.records) <= 2*MaxDeliveryRecords {
		return
	}
	keep := d.records[:0]
	drop := len(d.records) - MaxDeliveryRecords
	for _, r := range d.records {
		if drop > 0 && r.Done {
			drop--
			continue
		}
		keep = append(keep, r)
	}
	clear(d.records[len(keep):])
	d.records = keep
}

func (d *deliveries) work(webhookID string) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.queues[webhookID]
		if len(q) == 0 {
			delete(d.queues, webhookID)
			d.mu.Unlock()
			return
		}
		rec := q[0]
		batch := q[:1]
		if w := d.s.cfg.batchWindow; w > 0 {
			// The events emitted for this webhook within the window go
			// in one POST with this one.
			d.mu.Unlock()
			t := time.NewTimer(w)
			select {
			case <-t.C:
			case <-d.ctx.Done():
				t.Stop()
			}
			d.mu.Lock()
			q = d.queues[webhookID]
			batch = q[:min(len(q), maxBatchEvents())]
		}
		batch = slices.Clone(batch)
		d.queues[webhookID] = q[len(batch):]
		secret := d.secrets[rec]
		for _, r := range batch {
			delete(d.secrets, r)
		}
		body := rec.Body
		if len(batch) > 1 {
			body = d.merge(batch)
		}
		d.mu.Unlock()

		attempts := d.dl.Deliver(d.ctx, fakeserver.Delivery{
			URL:  rec.Target,
			Body: body,
			Header: http.Header{
				"Content-Type": {"application/json"},
				"X-Api-Key":    {secret},
				"User-Agent":   {"deskbridge-conversationstest"},
			},
		})

		d.mu.Lock()
		delivered := false
		if n := len(attempts); n > 0 && attempts[n-1].Status >= 200 && attempts[n-1].Status < 300 {
			delivered = true
		}
		for _, r := range batch {
			r.Attempts, r.Done, r.Delivered = attempts, true, delivered
			d.pending--
		}
		if d.pending == 0 {
			close(d.idle)
		}
		d.mu.Unlock()
	}
}

// merge returns the envelope of the first delivery of batch with the
// events of all of them, in order, and records the batch on each.
// Callers hold d.mu.
func (d *deliveries) merge(batch []*Delivery) []byte {
	var env map[string]json.RawMessage
	var events []json.RawMessage
	ids := make([]string, 0, len(batch))
	for i, r := range batch {
		var e struct {
			Events []json.RawMessage `json:"events"`
		}
		if i == 0 {
			_ = json.Unmarshal(r.Body, &env) // the fake's own encoding
		}
		_ = json.Unmarshal(r.Body, &e)
		events = append(events, e.Events...)
		ids = append(ids, r.EventID)
	}
	env["events"], _ = json.Marshal(events)
	body, _ := json.Marshal(env)
	for _, r := range batch {
		r.Body, r.Batch = body, ids
	}
	return body
}

// wait blocks until no delivery is pending or ctx ends.
func (d *deliveries) wait(ctx context.Context) error {
	for {
		d.mu.Lock()
		idle := d.idle
		d.mu.Unlock()
		select {
		case <-idle:
			d.mu.Lock()
			done := d.pending == 0
			d.mu.Unlock()
			if done {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (d *deliveries) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
}

func (d *deliveries) all() []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Delivery, 0, len(d.records))
	for _, r := range d.records {
		c := *r
		c.Body = slices.Clone(r.Body)
		c.Attempts = slices.Clone(r.Attempts)
		out = append(out, c)
	}
	return out
}

// Deliveries returns the webhook deliveries so far, oldest first: the
// newest [MaxDeliveryRecords] finished ones and every one under way.
func (s *Server) Deliveries() []Delivery { return s.dl.all() }

// WaitDeliveries waits until every delivery queued so far has ended
// (delivered, given up or dropped), or ctx ends.
func (s *Server) WaitDeliveries(ctx context.Context) error { return s.dl.wait(ctx) }
