package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestRunDemo(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-demo"}, {"-demo", "-replicas", "3"}} {
		var out bytes.Buffer
		if err := run(t.Context(), args, &out); err != nil {
			t.Fatalf("run %v: %v\n%s", args, err, out.String())
		}
		got := out.String()
		for _, want := range []string{
			"Applied: 7 created.",
			"held before a contact Zendesk failed on",
			"CXone disposition  (not written)",
			"CXone transcript   CUSTOMER Bo: My parcel is late. / AGENT Ann: It ships today, sorry!",
			`ticket field "CXone disposition" = "Refund promised"`,
			"Zendesk holds what the mapping says",
			"560004   closed ticket, Dan    ticket #5  CXone disposition  Refund promised",
			"a closed ticket left closed",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("run %v: output lacks %q:\n%s", args, want, got)
			}
		}
		if strings.Contains(got, "DISAGREEMENT") {
			t.Errorf("run %v:\n%s", args, got)
		}
	}
}

func TestLoadConfigListsWhatIsMissing(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(func(string) string { return "" }, os.ReadFile)
	var ce *configError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v", err)
	}
	for _, want := range []string{"CXONE_ACCESS_KEY_ID", "CXONE_ACCESS_KEY_SECRET", "CXONE_CLIENT_ID", "CXONE_CLIENT_SECRET",
		"ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL and ZENDESK_API_TOKEN", "MEMORIALIZE_MAPPING"} {
		if !strings.Contains(err.Error(), "missing "+want) {
			t.Errorf("error lacks %s:\n%v", want, err)
		}
	}
	_, err = loadConfig(env(map[string]string{"POLL_INTERVAL": "soon", "MEMORIALIZE_MAPPING": "/nonexistent.json"}), os.ReadFile)
	if err == nil || !strings.Contains(err.Error(), "POLL_INTERVAL") || !strings.Contains(err.Error(), "/nonexistent.json") {
		t.Errorf("error %v", err)
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// TestServeOnFakes runs the real mode against the fakes, configured by
// environment variables, until /readyz answers ready.
func TestServeOnFakes(t *testing.T) {
	t.Parallel()
	cx := cxonetest.NewServer()
	t.Cleanup(cx.Close)
	zd := zendesktest.NewServer()
	t.Cleanup(zd.Close)
	mapping := filepath.Join(t.TempDir(), "mapping.json")
	if err := os.WriteFile(mapping, []byte(`{"Mapping": {"ticket": [{"Zendesk": {"Title": "CXone ANI"}, "Channel": "voice", "Data": "ANI"}]},
		"Workflows": {"SearchANI": true}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg, err := loadConfig(env(map[string]string{
		"CXONE_ACCESS_KEY_ID": cx.AccessKeyID, "CXONE_ACCESS_KEY_SECRET": cx.AccessKeySecret,
		"CXONE_CLIENT_ID": cx.ClientID, "CXONE_CLIENT_SECRET": cx.ClientSecret, "CXONE_URL": cx.URL,
		"ZENDESK_URL": zd.URL, "ZENDESK_EMAIL": zd.Email, "ZENDESK_API_TOKEN": zd.APIToken,
		"MEMORIALIZE_MAPPING": mapping, "STUDIO_SECRET": "s", "ADDR": addr,
	}), os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	var out syncBuffer
	go func() { done <- serve(ctx, cfg, true, &out) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
			t.Logf("readyz: %d %s", resp.StatusCode, body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready: %v\n%s", err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("serve: %v", err)
	}
	if !strings.Contains(out.String(), `+ created  zendesk ticket field "CXone ANI"`) {
		t.Errorf("provisioning not printed:\n%s", out.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
