package rest

import (
	"github.com/deskbridge/deskbridge/internal/testkit"
	"testing"
	"time"
)

func TestSettings(t *testing.T) {
	t.Parallel()
	var s Settings
	for name, err := range map[string]error{
		"bad URL":     s.SetBaseURL("ftp://x"),
		"nil client":  s.SetHTTPClient(nil),
		"nil logger":  s.SetLogger(nil),
		"empty UA":    s.SetUserAgent(" "),
		"UA with \\n": s.SetUserAgent("a\nb"),
		"-1 retries":  s.SetMaxRetries(-1),
		"zero wait":   s.SetRetryWaitMax(0),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := s.SetBaseURL("https://acme.example.com/"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMaxRetries(0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRetryWaitMax(time.Second); err != nil {
		t.Fatal(err)
	}
	// The base URL wins over the vendor's default, and zero retries mean
	// one attempt.
	v := &Vendor{Name: "v", DefaultBaseURL: "https://default.example.com"}
	c, err := NewClient(v, &s)
	if err != nil || c.BaseURL() != "https://acme.example.com" {
		t.Fatalf("base URL %q, err %v", c.BaseURL(), err)
	}
	s2, srv := serve(t, status(503))
	ft := testkit.NewClock()
	s.SetClock(ft.Now, ft.Sleep)
	if err := s.SetBaseURL(srv.URL); err != nil {
		t.Fatal(err)
	}
	if c, err = NewClient(v, &s); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err == nil || len(s2.Requests()) != 1 {
		t.Fatalf("err = %v, requests = %d", err, len(s2.Requests()))
	}
}
