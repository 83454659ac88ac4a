package smsbridge

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/storetest"
)

// Every key the bridge writes is under "smsbridge:", so that it shares a
// store (and a redisstore prefix) with other flows without a clash:
// escalation also writes "in:…" keys.
func TestStoreKeysAreNamespaced(t *testing.T) {
	t.Parallel()
	keys := storetest.NewKeyRecorder(store.NewMemory())
	e := newEnv(t, func(c *Config) { c.Store = keys })
	ticket := e.openTicket()
	e.agentSays(ticket, "Hello Chloé")
	e.text("Thanks")
	kinds := map[string]bool{}
	for _, k := range keys.Keys() {
		if !strings.HasPrefix(k, keyPrefix) {
			t.Errorf("key %q is not under %q", k, keyPrefix)
		}
		kind, _, _ := strings.Cut(strings.TrimPrefix(k, keyPrefix), ":")
		kinds[kind] = true
	}
	for _, want := range []string{"send", "in", "echo", "customer-lock", "customer-ticket"} {
		if !kinds[want] {
			t.Errorf("no %q key written; kinds seen: %v", want, kinds)
		}
	}
}

// raceStore runs between a claim's release reading the key and deleting
// it: there, the lease of the releasing replica ends and another replica
// claims the key.
type raceStore struct {
	*store.Memory
	between func()
}

func (r *raceStore) Delete(ctx context.Context, key string) error {
	if r.between != nil {
		r.between()
		r.between = nil
	}
	return r.Memory.Delete(ctx, key)
}

func (r *raceStore) DeleteIf(ctx context.Context, key, value string) (bool, error) {
	if r.between != nil {
		r.between()
		r.between = nil
	}
	return r.Memory.DeleteIf(ctx, key, value)
}

// A claim released after its lease ended, once another replica claimed
// the key, leaves that replica's claim alone.
func TestLateReleaseKeepsAnothersClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := &raceStore{Memory: store.NewMemory()}
	a := &Flow{store: rs}
	b := &Flow{store: rs}
	log := slog.New(slog.DiscardHandler)
	const key = keyPrefix + "customer-lock:x"
	release, err := a.claim(ctx, log, key, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var releaseB func()
	rs.between = func() {
		_ = rs.Memory.Delete(ctx, key) // A's lease ends
		if releaseB, err = b.claim(ctx, log, key, time.Minute); err != nil {
			t.Errorf("B's claim after A's lease: %v", err)
		}
	}
	release()
	if releaseB == nil {
		t.Fatal("B never claimed")
	}
	if _, err := b.claim(ctx, log, key, time.Minute); err != errBusy {
		t.Fatalf("a third claim while B holds the key: %v, want errBusy (A's late release removed B's claim)", err)
	}
	releaseB()
	if _, ok, _ := rs.Get(ctx, key); ok {
		t.Error("B's own release left its claim")
	}
}

// The claim on a customer names the text whose delivery made it, so that a
// delivery of the same text that finds the customer claimed keeps the
// record it added; its lease's end is where earlier versions read it
// (after the space), so that their busy answers still ask Braze to come
// back once it ends.
func TestTextClaimToken(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_765_000_000, 0)
	tok := textClaimToken(now, customerLockTTL, keyPrefix+"in:bz:a")
	if !claimedFor(tok, keyPrefix+"in:bz:a") {
		t.Errorf("claimedFor(%q) is false for its own text", tok)
	}
	for _, held := range []string{
		textClaimToken(now, customerLockTTL, keyPrefix+"in:bz:b"),
		claimToken(now, customerLockTTL), // another claim, or an earlier version's
		"other-replica 1", "", ".",
	} {
		if claimedFor(held, keyPrefix+"in:bz:a") {
			t.Errorf("claimedFor(%q) is true for another text", held)
		}
	}
	_, end, _ := strings.Cut(tok, " ")
	if n, err := strconv.ParseInt(end, 10, 64); err != nil || n != now.Add(customerLockTTL).UnixNano() {
		t.Errorf("the lease's end in %q reads %d, %v; want %d", tok, n, err, now.Add(customerLockTTL).UnixNano())
	}
}
