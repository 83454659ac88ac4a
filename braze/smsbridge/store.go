package smsbridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
)

// What the flow keeps in its [store.Store], every key with a TTL (so the
// store stays bounded whatever comes in) and under keyPrefix ("smsbridge:"),
// so that flows can share one store, and one redisstore prefix:
//
//	smsbridge:send:<reply key>            an agent reply's send: its state (sendTTL, 24 h)
//	smsbridge:send-claim:<reply key>      a retry probing or resending it (sendLease)
//	smsbridge:in:<text key>               a customer's text: its state (InboundWindow)
//	smsbridge:echo:<digest>               a text the flow posted, to know its echo (echoTTL)
//	smsbridge:customer-lock:<digest>      the claim on a customer whose text is handled (customerLockTTL)
//	smsbridge:customer-ticket:<digest>    the ticket the flow last opened for a customer (InboundWindow)
//
// Customers and texts appear only as digests in keys.

// storeError is a [store.Store] failure. It is transient: the handler
// answers 503, and the sender retries. It unwraps to the store's own
// error, so that it matches what that error matches
// ([github.com/deskbridge/deskbridge.ErrUnavailable] for Redis out of
// reach, with [github.com/deskbridge/deskbridge/store/redisstore]).
type storeError struct{ err error }

func (e *storeError) Error() string { return "smsbridge: store: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// errStore wraps a store failure.
func errStore(err error) error { return &storeError{err} }

// A record is what the flow keeps in the store about one delivery: a
// state word and numbers, space-separated ("pending 12 34 1765000000").

// record formats a record.
func record(state string, nums ...int64) string {
	b := []byte(state)
	for _, n := range nums {
		b = append(b, ' ')
		b = strconv.AppendInt(b, n, 10)
	}
	return string(b)
}

// readRecord reads the record under key: its state, "" when there is
// none, and its first numbers, 0 where missing.
func (f *Flow) readRecord(ctx context.Context, key string) (state string, nums [3]int64, err error) {
	v, _, err := f.store.Get(ctx, key)
	if err != nil {
		return "", nums, errStore(err)
	}
	state, nums = parseRecord(v)
	return state, nums, nil
}

// parseRecord reads a record: its state, "" for none, and its first
// numbers, 0 where missing.
func parseRecord(v string) (state string, nums [3]int64) {
	fs := strings.Fields(v)
	if len(fs) == 0 {
		return "", nums
	}
	for i := 0; i < len(nums) && i+1 < len(fs); i++ {
		nums[i], _ = strconv.ParseInt(fs[i+1], 10, 64)
	}
	return fs[0], nums
}

// claim takes key in the store for lease ([store.Store.Add] of a random
// token) and returns the function that gives it back: it deletes the key
// only if it still holds the token ([store.Store.DeleteIf], atomically),
// since past its lease another replica may hold it, and a late release
// must not free that replica's claim for a third. It returns errBusy when
// someone else holds the key.
func (f *Flow) claim(ctx context.Context, log *slog.Logger, key string, lease time.Duration) (func(), error) {
	now := f.now()
	token := claimToken(now, lease)
	ok, err := f.store.Add(ctx, key, token, lease)
	switch {
	case err != nil:
		return nil, errStore(err)
	case !ok:
		// One more round trip, on the busy path only.
		if v, held, err := f.store.Get(ctx, key); err == nil && held {
			askRetryAfterHeld(ctx, v, now)
		}
		return nil, errBusy
	}
	return func() {
		bg := context.WithoutCancel(ctx)
		if _, err := f.store.DeleteIf(bg, key, token); err != nil {
			// The claim ends with its lease.
			log.WarnContext(ctx, "store failed releasing a claim", slog.String("error", err.Error()))
		}
	}, nil
}

// claimToken is the value of a claim made at now for lease: a random
// token, and the end of the lease, so that a busy answer can ask the
// sender to come back just after it.
func claimToken(now time.Time, lease time.Duration) string {
	var tok [12]byte
	_, _ = rand.Read(tok[:]) // never fails
	return hex.EncodeToString(tok[:]) + " " + strconv.FormatInt(now.Add(lease).UnixNano(), 10)
}

// textClaimToken is the value of the claim on a customer made at now for
// lease by a delivery of the text whose record is under textKey: a
// claimToken whose random part is followed by "." and a digest of
// textKey, so that a delivery of the same text that finds the customer
// claimed knows it ([claimedFor]). Earlier versions read it as a
// claimToken (the end of the lease after the space).
func textClaimToken(now time.Time, lease time.Duration, textKey string) string {
	tok, end, _ := strings.Cut(claimToken(now, lease), " ")
	return tok + "." + digest(textKey) + " " + end
}

// claimedFor reports whether held, the value of a claim on a customer,
// was made by a delivery of the text whose record is under textKey
// ([textClaimToken]).
func claimedFor(held, textKey string) bool {
	tok, _, _ := strings.Cut(held, " ")
	_, tag, ok := strings.Cut(tok, ".")
	return ok && tag == digest(textKey)
}

// askRetryAfterHeld asks the sender to come back a second after the end of
// the lease of held, a claim's value (claimToken), when it can be read.
func askRetryAfterHeld(ctx context.Context, held string, now time.Time) {
	_, end, _ := strings.Cut(held, " ")
	if n, err := strconv.ParseInt(end, 10, 64); err == nil {
		flow.AskRetryAfter(ctx, time.Unix(0, n).Sub(now)+time.Second)
	}
}

// do runs ops on the flow's store in one round trip where the store can
// ([store.Do]); the error is a storeError of the first op that failed.
func (f *Flow) do(ctx context.Context, ops ...*store.Op) error {
	if store.Do(ctx, f.store, ops...) == nil {
		return nil
	}
	for _, op := range ops {
		if op.Result.Err != nil {
			return errStore(op.Result.Err) // the first: the others mostly repeat it
		}
	}
	return nil
}

// undo deletes, best effort, what the ops that surely applied wrote: each
// Add that added is deleted if it still holds its value. It is for a
// batch that failed in part, or whose claim was lost, so that a claim or a
// record made up front does not outlive the delivery that made it.
func (f *Flow) undo(ctx context.Context, log *slog.Logger, ops ...*store.Op) {
	var del []*store.Op
	for _, op := range ops {
		if op.Kind == store.OpAdd && op.Result.OK {
			del = append(del, store.DeleteIfOp(op.Key, op.Value))
		}
	}
	if len(del) == 0 {
		return
	}
	if err := store.Do(context.WithoutCancel(ctx), f.store, del...); err != nil {
		log.WarnContext(ctx, "store failed undoing a write; it ends with its TTL", slog.String("error", err.Error()))
	}
}

// now returns the flow's clock's time.
func (f *Flow) now() time.Time {
	if f.cfg.Now == nil {
		return time.Now()
	}
	return f.cfg.Now()
}

// keyPrefix starts every key the flow writes.
const keyPrefix = "smsbridge:"
