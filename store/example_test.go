package store_test

import (
	"context"
	"fmt"
	"time"

	"github.com/deskbridge/deskbridge/store"
)

// A flow claims an event with Add (so that a retry reaching another
// instance is not handled twice), keeps per-key ordering with SetIfNewer,
// and records what it finished with Set.
func ExampleMemory() {
	ctx := context.Background()
	s := store.NewMemory() // one process; use redisstore for replicas

	// Two deliveries of one event: only the first claim wins. The lease
	// (one minute) frees the key if this process dies mid-event.
	first, _ := s.Add(ctx, "event:01HQ7", "replica-a", time.Minute)
	second, _ := s.Add(ctx, "event:01HQ7", "replica-b", time.Minute)
	fmt.Println("first claim:", first, "second claim:", second)

	// Events about one agent arrive out of order: the older one is dropped.
	newer := time.Date(2026, 11, 21, 10, 0, 5, 0, time.UTC).UnixNano()
	older := time.Date(2026, 11, 21, 10, 0, 1, 0, time.UTC).UnixNano()
	applied, _ := s.SetIfNewer(ctx, "agent:42:status", newer, "away", 24*time.Hour)
	stale, _ := s.SetIfNewer(ctx, "agent:42:status", older, "available", 24*time.Hour)
	status, _, _ := s.Get(ctx, "agent:42:status")
	fmt.Println("newer applied:", applied, "older applied:", stale, "status:", status)

	// The event is done: record it for a day, which ends the claim's lease.
	_ = s.Set(ctx, "event:01HQ7", "done", 24*time.Hour)
	v, _, _ := s.Get(ctx, "event:01HQ7")
	fmt.Println("event:", v)
	// Output:
	// first claim: true second claim: false
	// newer applied: true older applied: false status: away
	// event: done
}

// A flow handles an event in one round trip to a shared store: it claims
// the customer, reads the event's record (the Add's winner's value when
// the Add lost) and the customer's ticket, all in one batch. On Redis the
// batch is one pipeline; a Store without Batch runs the ops one by one.
func ExampleDo() {
	ctx := context.Background()
	s := store.NewMemory() // or a redisstore.Store, shared by replicas
	_ = s.Set(ctx, "customer:42:ticket", "1001", time.Hour)

	lock := store.AddOp("customer:42:lock", "token-a", time.Minute)
	rec := store.GetOp("event:01HQ7")
	tkt := store.GetOp("customer:42:ticket")
	if err := store.Do(ctx, s, lock, rec, tkt); err != nil {
		fmt.Println("store failed:", err) // transient: answer 503
		return
	}
	fmt.Println("claimed:", lock.Result.OK, "record found:", rec.Result.OK, "ticket:", tkt.Result.Value)

	// Done: record the event and release the claim, again one round trip.
	done := store.SetOp("event:01HQ7", "done", 24*time.Hour)
	release := store.DeleteIfOp("customer:42:lock", "token-a")
	err := store.Do(ctx, s, done, release)
	fmt.Println("released:", release.Result.OK, "error:", err)
	// Output:
	// claimed: true record found: false ticket: 1001
	// released: true error: <nil>
}
