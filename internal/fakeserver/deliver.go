package fakeserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/deskbridgetest"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Delivery is one outbound webhook call a fake makes.
type Delivery struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
	// Prepare runs before each attempt, e.g. to sign it with a fresh
	// timestamp. It may set headers on req.
	Prepare func(req *http.Request, attempt int)
	// SecretHeaders names headers, beyond Authorization and the usual
	// credential headers, that carry a credential (an api_key webhook's
	// header): attempts record them redacted.
	SecretHeaders []string
}

// RetryPolicy decides, after attempt n (1-based), whether to retry and how
// long to wait. resp is nil when err is set (a timeout or a network error).
type RetryPolicy func(n int, resp *http.Response, err error) (retry bool, wait time.Duration)

// Deliverer sends webhooks with a vendor's retry policy.
type Deliverer struct {
	Client *http.Client // nil: a client with a 10 s timeout
	Policy RetryPolicy  // nil: no retries
	// Sleep waits between attempts; tests replace it to skip real waits
	// (the waits are still recorded in each Attempt).
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// Deliver sends d until it succeeds (2xx) or the policy gives up, and
// returns every attempt.
func (dl *Deliverer) Deliver(ctx context.Context, d Delivery) []deskbridgetest.Attempt {
	client := dl.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	now := dl.Now
	if now == nil {
		now = time.Now
	}
	sleep := dl.Sleep
	if sleep == nil {
		sleep = rest.SleepContext
	}
	method := d.Method
	if method == "" {
		method = http.MethodPost
	}
	var attempts []deskbridgetest.Attempt
	for n := 1; ; n++ {
		a := deskbridgetest.Attempt{Time: now()}
		req, err := http.NewRequestWithContext(ctx, method, d.URL, bytes.NewReader(d.Body))
		if err != nil {
			a.Err = err.Error()
			return append(attempts, a)
		}
		for k, v := range d.Header {
			req.Header[k] = append([]string(nil), v...)
		}
		if d.Prepare != nil {
			d.Prepare(req, n)
		}
		a.Header = redactHeaders(req.Header, d.SecretHeaders)
		resp, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			a.Status = resp.StatusCode
			if resp.StatusCode >= 200 && resp.StatusCode < 300 {
				return append(attempts, a)
			}
		} else {
			a.Err = describe(err)
		}
		retry, wait := false, time.Duration(0)
		if dl.Policy != nil && ctx.Err() == nil {
			retry, wait = dl.Policy(n, resp, err)
		}
		if !retry {
			return append(attempts, a)
		}
		a.Wait = wait
		attempts = append(attempts, a)
		if sleep(ctx, wait) != nil {
			return attempts
		}
	}
}

// IsTimeout reports whether a delivery error was a timeout.
func IsTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

func describe(err error) string {
	if IsTimeout(err) {
		return "timeout"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}
