package zendesktest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// newFake starts a fake that never sleeps between delivery attempts.
func newFake(t testing.TB, opts ...zendesktest.Option) *zendesktest.Server {
	t.Helper()
	s := zendesktest.NewServer(append([]zendesktest.Option{zendesktest.WithDeliverySleep(zendesktest.NoSleep)}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

func basic(s *zendesktest.Server) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(s.Email+"/token:"+s.APIToken))
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("status %d, body %q: %v", r.status, r.body, err)
	}
	return m
}

// call makes an authenticated request; body is JSON-encoded unless it is a
// string.
func call(t *testing.T, s *zendesktest.Server, method, path string, body any) resp {
	t.Helper()
	return callAuth(t, s, basic(s), method, path, body)
}

func callAuth(t *testing.T, s *zendesktest.Server, auth, method, path string, body any) resp {
	t.Helper()
	return callWith(t, s, method, path, body, map[string]string{"Authorization": auth})
}

// callWith makes a request with headers; Authorization defaults to the
// admin's Basic credentials ("" sends none).
func callWith(t *testing.T, s *zendesktest.Server, method, path string, body any, headers map[string]string) resp {
	t.Helper()
	auth, ok := headers["Authorization"]
	if !ok {
		auth = basic(s)
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = s.URL + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range headers {
		if k != "Authorization" {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func mustStatus(t *testing.T, r resp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
}

// get walks a decoded JSON value: get(m, "ticket", "id").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// receiver is a webhook endpoint that records requests and answers with
// the statuses queued by answer (then 200).
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []received
	answers []answer
	hook    func(r received)
}

type answer struct {
	status int
	header http.Header
	delay  time.Duration
}

type received struct {
	method string
	url    string
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got := received{method: r.Method, url: r.URL.String(), header: r.Header.Clone(), body: b}
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, got)
		a := answer{status: 200}
		if len(rc.answers) > 0 {
			a, rc.answers = rc.answers[0], rc.answers[1:]
		}
		hook := rc.hook
		rc.mu.Unlock()
		if hook != nil {
			hook(got)
		}
		if a.delay > 0 {
			select {
			case <-time.After(a.delay):
			case <-r.Context().Done():
				return
			}
		}
		for k, v := range a.header {
			w.Header()[k] = v
		}
		w.WriteHeader(a.status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) answer(a ...answer) {
	rc.mu.Lock()
	rc.answers = append(rc.answers, a...)
	rc.mu.Unlock()
}

func (rc *receiver) received() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.reqs...)
}

func wait(t *testing.T, s *zendesktest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
}

// delivered waits for the fake's deliveries and returns what rc received,
// failing unless it is n requests.
func delivered(t *testing.T, s *zendesktest.Server, rc *receiver, n int) []received {
	t.Helper()
	wait(t, s)
	got := rc.received()
	if len(got) != n {
		t.Fatalf("%d deliveries, want %d", len(got), n)
	}
	return got
}

// createWebhook creates a webhook through the API and returns its id and
// signing secret.
func createWebhook(t *testing.T, s *zendesktest.Server, hook map[string]any) (string, string) {
	t.Helper()
	r := call(t, s, "POST", "/api/v2/webhooks", map[string]any{"webhook": hook})
	mustStatus(t, r, 201)
	id, _ := get(r.json(t), "webhook", "id").(string)
	sec := call(t, s, "GET", "/api/v2/webhooks/"+id+"/signing_secret", nil)
	mustStatus(t, sec, 200)
	secret, _ := get(sec.json(t), "signing_secret", "secret").(string)
	return id, secret
}
