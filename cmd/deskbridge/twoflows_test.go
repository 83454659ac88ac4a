package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// Two memorialize flows (two CXone tenants) on one Redis keep two
// cursors: each flow's keys are under store_prefix and its own name.
func TestTwoFlowsOfOneTypeKeepTheirOwnKeys(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := redistest.Start(ctx)
	if errors.Is(err, redistest.ErrNoRedisServer) {
		if os.Getenv("DESKBRIDGE_REQUIRE_REDIS") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	zd := zendesktest.NewServer()
	defer zd.Close()
	eu, us := cxonetest.NewServer(), cxonetest.NewServer()
	defer eu.Close()
	defer us.Close()
	env := map[string]string{"ZD": zd.APIToken, "REDIS_URL": srv.URL(),
		"EU_KEY": eu.AccessKeySecret, "EU_SECRET": eu.ClientSecret, "US_KEY": us.AccessKeySecret, "US_SECRET": us.ClientSecret}
	tenant := func(s *cxonetest.Server, v string) string {
		return "{base_url: " + s.URL + ", access_key_id: " + s.AccessKeyID + `, access_key_secret: "${` + v + `_KEY}", client_id: ` +
			s.ClientID + `, client_secret: "${` + v + `_SECRET}"}`
	}
	flow := func(cx string) string {
		return `{type: memorialize, cxone: ` + cx + `, zendesk: acme, mapping: {ticket: [{title: CXone ANI, channel: voice, data: ANI}]}, workflows: {search_ani: true}}`
	}
	cfg, err := ParseConfig("f.yaml", []byte(`store: "${REDIS_URL}"
store_prefix: "acme:"
tenants:
  zendesk:
    acme: {base_url: `+zd.URL+`, email: `+zd.Email+`, api_token: "${ZD}"}
  cxone:
    eu: `+tenant(eu, "EU")+`
    us: `+tenant(us, "US")+`
flows:
  eu: `+flow("eu")+`
  us: `+flow("us")+`
`))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(cfg, func(k string) string { return env[k] }, slog.New(slog.DiscardHandler), newMetrics())
	if err := e.buildClients(); err != nil {
		t.Fatal(err)
	}
	_, _, bg, closeStore, err := buildServer(ctx, e, false)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	bgCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{}, len(bg))
	for _, b := range bg {
		go func() { _ = b.run(bgCtx); done <- struct{}{} }()
	}
	defer func() {
		stop()
		for range bg {
			<-done
		}
	}()
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer raw.Close()
	want := []string{"acme:eu:{memorialize:cursor}", "acme:us:{memorialize:cursor}"}
	for deadline := time.Now().Add(10 * time.Second); ; {
		keys, err := raw.Keys(ctx, "*cursor*").Result()
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(keys)
		if strings.Join(keys, " ") == strings.Join(want, " ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cursor keys %q, want %q", keys, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
