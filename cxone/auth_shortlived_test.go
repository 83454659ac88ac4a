package cxone_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
)

// TestContractShortLivedTokenRenewal: a token that lives less than the
// 5-minute renewal margin is renewed a quarter of its lifetime before it
// expires, not at once: a 4-minute token serves the calls of its first 3
// minutes with one token request, not one per call.
func TestContractShortLivedTokenRenewal(t *testing.T) {
	t.Parallel()
	k := newContract(t, []cxonetest.Option{cxonetest.WithTokenLifetime(4 * time.Minute)})
	ctx := t.Context()
	call := func() {
		t.Helper()
		ok(k.c.UnavailableCodes.ListPage(ctx, nil)).must(t)
	}
	for range 5 {
		call()
	}
	if n := k.srv.TokenRequests(); n != 1 {
		t.Fatalf("%d token requests for 5 calls with a fresh 4-minute token, want 1", n)
	}
	k.clock.Advance(2*time.Minute + 59*time.Second) // 61 s left: still good
	call()
	if n := k.srv.TokenRequests(); n != 1 {
		t.Fatalf("%d token requests with 61 s of a 4-minute token left, want 1", n)
	}
	k.clock.Advance(2 * time.Second) // 59 s left: inside the quarter
	call()
	call()
	if n := k.srv.TokenRequests(); n != 2 {
		t.Fatalf("%d token requests with 59 s of a 4-minute token left, want 2", n)
	}
	if n := k.statuses(http.StatusUnauthorized, "/"); n != 0 {
		t.Fatalf("the fake answered 401 %d times: a token went out expired", n)
	}
}
