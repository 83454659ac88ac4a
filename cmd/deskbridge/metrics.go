package main

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/internal/statuswriter"
	"github.com/deskbridge/deskbridge/store"
)

// The records the SDK's HTTP core logs, with stable keys (see
// internal/rest): one per attempt (vendor, method, path, status, attempt,
// wait) and one per pacing hold (vendor, method, path, wait). The
// metrics of vendor requests count them, so that no client needs a hook.
const (
	msgAttempt = "deskbridge http attempt"
	msgPacing  = "deskbridge http pacing"
)

// metrics are the command's Prometheus metrics, on a registry of its own.
type metrics struct {
	reg        *prometheus.Registry
	deliveries *prometheus.CounterVec   // flow, outcome
	latency    *prometheus.HistogramVec // flow
	requests   *prometheus.CounterVec   // vendor, status, retry
	limited    *prometheus.CounterVec   // vendor
	holds      *prometheus.CounterVec   // vendor
	holdSecs   *prometheus.CounterVec   // vendor
	storeErrs  *prometheus.CounterVec   // op

	// attempts counts every vendor attempt, for the progress line.
	attempts atomic.Int64
	// counters caches the request counter of each vendor, status and
	// retry, so that counting a request hashes no labels.
	counters sync.Map // requestKey → prometheus.Counter
	// flows holds each flow's counts (name → *flowCounts).
	flows sync.Map
}

// requestKey is the labels of deskbridge_vendor_requests_total.
type requestKey struct {
	vendor string
	status int64
	retry  bool
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "deskbridge_deliveries_total",
			Help: "Decisions of each flow about the events it handled (webhook deliveries, polls, calls), by outcome; rejected includes the requests refused before the flow decided (400, 401, 403, 405, 413, 415).",
		}, []string{"flow", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "deskbridge_handling_seconds",
			Help:    "Time to answer a request to a flow's handler.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"flow"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "deskbridge_vendor_requests_total",
			Help: `Requests to the vendors' APIs, each attempt counted, by vendor, HTTP status ("error" when none came back) and retry ("true" for an attempt after the first).`,
		}, []string{"vendor", "status", "retry"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "deskbridge_vendor_rate_limited_total",
			Help: "Answers 429 Too Many Requests from the vendors.",
		}, []string{"vendor"}),
		holds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "deskbridge_vendor_pacing_holds_total",
			Help: "Requests held back before sending because the vendor's rate-limit window was spent.",
		}, []string{"vendor"}),
		holdSecs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "deskbridge_vendor_pacing_hold_seconds_total",
			Help: "Time requests were held back by pacing.",
		}, []string{"vendor"}),
		storeErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "deskbridge_store_errors_total",
			Help: "Errors of the flows' shared store, by operation.",
		}, []string{"op"}),
	}
	m.reg.MustRegister(m.deliveries, m.latency, m.requests, m.limited, m.holds, m.holdSecs, m.storeErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, op := range opNames {
		m.storeErrs.WithLabelValues(op)
	}
	for _, op := range leaseOpNames {
		m.storeErrs.WithLabelValues(op)
	}
	return m
}

// handler serves /metrics.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// flowStarted registers a flow's series at zero, so that a rate is defined
// before its first event.
func (m *metrics) flowStarted(name string) {
	for _, o := range flow.Outcomes() {
		m.deliveries.WithLabelValues(name, string(o))
	}
	m.latency.WithLabelValues(name)
}

// flowCounts is one flow's deliveries counters and how many Rejected
// outcomes the flow itself reported.
type flowCounts struct {
	rejected prometheus.Counter
	// flowRejected counts the Rejected outcomes the flow reported, so
	// that timed does not count a refusal the flow decided (and reported)
	// a second time.
	flowRejected atomic.Int64
}

func (m *metrics) counts(name string) *flowCounts {
	c, _ := m.flows.LoadOrStore(name, &flowCounts{rejected: m.deliveries.WithLabelValues(name, string(flow.Rejected))})
	return c.(*flowCounts)
}

// outcome counts one decision of flow name.
func (m *metrics) outcome(name string) func(flow.Outcome) {
	fc := m.counts(name)
	return func(o flow.Outcome) {
		if o == flow.Rejected {
			fc.flowRejected.Add(1)
		}
		m.deliveries.WithLabelValues(name, string(o)).Inc()
	}
}

// refusedBeforeDecision reports whether status is one a flow's handler
// answers before the flow decides anything: the request is not one the
// flow takes (400 a body that does not decode, 401 and 403 a missing or
// wrong signature or secret, 405 a method, 413 a body over the limit,
// 415 a content type). No outcome is reported for those, so timed counts
// them as Rejected.
func refusedBeforeDecision(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusMethodNotAllowed,
		http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		return true
	}
	return false
}

// timed measures the handling time of h's requests, and counts as
// outcome "rejected" a request refused before the flow decided (see
// refusedBeforeDecision) for which the flow reported no Rejected outcome
// of its own while it ran. A flow reporting a Rejected outcome for another
// request at the same moment hides that count (an undercount, never a
// count twice).
func (m *metrics) timed(name string, h http.Handler) http.Handler {
	obs := m.latency.WithLabelValues(name)
	fc := m.counts(name)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		before := fc.flowRejected.Load()
		sw := &statuswriter.Writer{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		obs.Observe(time.Since(start).Seconds())
		if refusedBeforeDecision(sw.Status) && fc.flowRejected.Load() == before {
			fc.rejected.Inc()
		}
	})
}

// logHandler returns a slog.Handler that counts the SDK's request and
// pacing records in m, then passes every record next on when next is
// enabled for its level. The clients log at Debug, so the handler is
// enabled at every level: a record is built for each attempt even when
// next drops it.
func (m *metrics) logHandler(next slog.Handler) slog.Handler {
	return &countingHandler{m: m, next: next}
}

type countingHandler struct {
	m    *metrics
	next slog.Handler
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	switch r.Message {
	case msgAttempt:
		h.m.countAttempt(r)
	case msgPacing:
		h.m.countPacing(r)
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &countingHandler{m: h.m, next: h.next.WithAttrs(as)}
}

func (h *countingHandler) WithGroup(name string) slog.Handler {
	return &countingHandler{m: h.m, next: h.next.WithGroup(name)}
}

func (m *metrics) countAttempt(r slog.Record) {
	vendor, status, attempt := "unknown", int64(0), int64(1)
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "vendor":
			vendor = a.Value.String()
		case "status":
			status = a.Value.Int64()
		case "attempt":
			attempt = a.Value.Int64()
		}
		return true
	})
	k := requestKey{vendor, status, attempt > 1}
	c, ok := m.counters.Load(k)
	if !ok {
		st := "error"
		if status > 0 {
			st = strconv.FormatInt(status, 10)
		}
		c, _ = m.counters.LoadOrStore(k, m.requests.WithLabelValues(vendor, st, strconv.FormatBool(k.retry)))
	}
	c.(prometheus.Counter).Inc()
	if status == http.StatusTooManyRequests {
		m.limited.WithLabelValues(vendor).Inc()
	}
	m.attempts.Add(1)
}

func (m *metrics) countPacing(r slog.Record) {
	vendor, wait := "unknown", time.Duration(0)
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "vendor":
			vendor = a.Value.String()
		case "wait":
			wait = a.Value.Duration()
		}
		return true
	})
	m.holds.WithLabelValues(vendor).Inc()
	m.holdSecs.WithLabelValues(vendor).Add(wait.Seconds())
}

// countingStore counts the errors of a store.Store. It is a
// store.Batcher: a flow's batch goes to the store as one batch (one Redis
// pipeline), each op's error counted under its method.
type countingStore struct {
	store.Store
	m *metrics
}

// opNames are the op label of each store.OpKind.
var opNames = map[store.OpKind]string{
	store.OpGet: "get", store.OpSet: "set", store.OpAdd: "add",
	store.OpSetIfNewer: "set_if_newer", store.OpDelete: "delete", store.OpDeleteIf: "delete_if",
}

// leaseOpNames are the op labels of the lease operations, which are not
// batch ops.
var leaseOpNames = []string{"lease", "release", "end_lease"}

// Batch runs ops on the store in one batch when it is a store.Batcher
// (else each by its method, as store.Do does), then counts each op's
// error.
func (s countingStore) Batch(ctx context.Context, ops []*store.Op) {
	var live []*store.Op
	for _, op := range ops {
		if op != nil {
			live = append(live, op)
		}
	}
	_ = store.Do(ctx, s.Store, live...)
	for _, op := range live {
		if name, ok := opNames[op.Kind]; ok {
			s.count(name, op.Result.Err)
		}
	}
}

func (s countingStore) count(op string, err error) {
	if err != nil {
		s.m.storeErrs.WithLabelValues(op).Inc()
	}
}

func (s countingStore) Get(ctx context.Context, key string) (string, bool, error) {
	v, ok, err := s.Store.Get(ctx, key)
	s.count("get", err)
	return v, ok, err
}

func (s countingStore) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	err := s.Store.Set(ctx, key, value, ttl)
	s.count("set", err)
	return err
}

func (s countingStore) Add(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	ok, err := s.Store.Add(ctx, key, value, ttl)
	s.count("add", err)
	return ok, err
}

func (s countingStore) SetIfNewer(ctx context.Context, key string, version int64, value string, ttl time.Duration) (bool, error) {
	ok, err := s.Store.SetIfNewer(ctx, key, version, value, ttl)
	s.count("set_if_newer", err)
	return ok, err
}

func (s countingStore) Delete(ctx context.Context, key string) error {
	err := s.Store.Delete(ctx, key)
	s.count("delete", err)
	return err
}

func (s countingStore) DeleteIf(ctx context.Context, key, value string) (bool, error) {
	ok, err := s.Store.DeleteIf(ctx, key, value)
	s.count("delete_if", err)
	return ok, err
}

func (s countingStore) Lease(ctx context.Context, key, holder string, ttl time.Duration) (store.Lease, error) {
	l, err := s.Store.Lease(ctx, key, holder, ttl)
	s.count("lease", err)
	return l, err
}

func (s countingStore) Release(ctx context.Context, key, holder, value string, ttl time.Duration) (bool, error) {
	ok, err := s.Store.Release(ctx, key, holder, value, ttl)
	s.count("release", err)
	return ok, err
}

func (s countingStore) EndLease(ctx context.Context, key, holder string) (bool, error) {
	ok, err := s.Store.EndLease(ctx, key, holder)
	s.count("end_lease", err)
	return ok, err
}
