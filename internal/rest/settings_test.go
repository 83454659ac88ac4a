package rest

import (
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
	cfg := Config{Vendor: "v", BaseURL: "https://default.example.com"}
	s.Apply(&cfg)
	if cfg.BaseURL != "https://acme.example.com" || cfg.MaxRetries != -1 || cfg.RetryWaitMax != time.Second {
		t.Fatalf("cfg = %+v", cfg)
	}
	// Zero retries means one attempt.
	s2, srv := serve(t, status(503))
	cfg.BaseURL, cfg.Clock, cfg.Sleep = srv.URL, newFakeTime().Now, newFakeTime().Sleep
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(t.Context(), &Request{Path: "/x"}, nil); err == nil || len(s2.Requests()) != 1 {
		t.Fatalf("err = %v, requests = %d", err, len(s2.Requests()))
	}
}
