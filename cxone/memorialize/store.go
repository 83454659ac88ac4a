package memorialize

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/store"
)

// What the flow keeps in its store.Store, every key with a TTL and under
// keyPrefix ("memorialize:"), so that flows may share a store and its
// prefix (a second memorialize flow, for another CXone tenant, takes a
// store.Store of its own, e.g. a redisstore with another prefix):
//
//	cursor                      the poll's updatedSince (RFC 3339, ns), versioned by its time (cursorTTL)
//	poll                        the claim of the replica polling now (pollLease)
//	claim:<contact>             the claim of the replica writing a contact, or a later segment of
//	                            its interaction when it is the master contact (claimLease)
//	done:<contact>              a contact written (Config.DoneTTL)
//	rec:<type>:<contact>        the record found or created for a contact, so that a retry
//	                            after a partial failure creates nothing twice, and for its master
//	                            contact, so that the later segments of a transferred interaction
//	                            are written to the same record (Config.DoneTTL)
//	tries:<contact>             the failed attempts at a contact, with Config.MaxAttempts (Config.DoneTTL)
//	refetch                     the contacts a Studio call named before CXone listed them complete,
//	                            each with when it is due and its re-fetches so far (JSON, versioned; refetchTTL)
const (
	keyPrefix  = "memorialize:"
	keyCursor  = keyPrefix + "cursor"
	keyPoll    = keyPrefix + "poll"
	claimLease = 2 * time.Minute
	cursorTTL  = 365 * 24 * time.Hour
)

// storeError is a store.Store failure: transient, the contact is held and
// retried.
type storeError struct{ err error }

func (e *storeError) Error() string { return "memorialize: store: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// errBusy is the claim of a contact (or of the poll) held by another
// replica.
var errBusy = errors.New("memorialize: handled by another replica")

func contactKey(prefix string, id int64) string {
	return keyPrefix + prefix + strconv.FormatInt(id, 10)
}

func (f *Flow) isDone(ctx context.Context, id int64) (bool, error) {
	_, ok, err := f.store.Get(ctx, contactKey("done:", id))
	if err != nil {
		return false, &storeError{err}
	}
	return ok, nil
}

func (f *Flow) markDone(ctx context.Context, id int64) error {
	if err := f.store.Set(ctx, contactKey("done:", id), "1", f.cfg.DoneTTL); err != nil {
		return &storeError{err}
	}
	return nil
}

// countAttempt counts one more failed attempt at a contact and returns
// the count. It reads and writes without a transaction: the contact's
// claim keeps replicas from counting at once, and a count off by one
// only moves the give-up by an attempt.
func (f *Flow) countAttempt(ctx context.Context, id int64) (int, error) {
	key := contactKey("tries:", id)
	v, _, err := f.store.Get(ctx, key)
	if err != nil {
		return 0, &storeError{err}
	}
	n, _ := strconv.Atoi(v)
	n++
	if err := f.store.Set(ctx, key, strconv.Itoa(n), f.cfg.DoneTTL); err != nil {
		return 0, &storeError{err}
	}
	return n, nil
}

func progressKey(rt RecordType, id int64) string { return contactKey("rec:"+string(rt)+":", id) }

// progress returns the record found or created for a contact by an
// earlier attempt, 0 when none.
func (f *Flow) progress(ctx context.Context, rt RecordType, id int64) (int64, error) {
	v, ok, err := f.store.Get(ctx, progressKey(rt, id))
	if err != nil {
		return 0, &storeError{err}
	}
	if !ok {
		return 0, nil
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n, nil
}

// setProgress keeps the record found or created for in's contact, and
// for its interaction (its master contact id, when another), so that the
// segments of a transferred interaction are written to one record: both
// keys in one batch (one round trip).
func (f *Flow) setProgress(ctx context.Context, rt RecordType, in *Interaction, recordID int64) error {
	v := strconv.FormatInt(recordID, 10)
	ops := []*store.Op{store.SetOp(progressKey(rt, in.Contact.ContactID), v, f.cfg.DoneTTL)}
	if m := masterOf(&in.Contact); m != 0 {
		ops = append(ops, store.SetOp(progressKey(rt, m), v, f.cfg.DoneTTL))
	}
	if err := store.Do(ctx, f.store, ops...); err != nil {
		return &storeError{err}
	}
	return nil
}

// masterOf returns c's master contact id when it is another contact's (c
// continues an interaction), 0 when c is its own master or names none.
func masterOf(c *cxone.Contact) int64 {
	if m := c.MasterContactID; m > 0 && m != c.ContactID {
		return m
	}
	return 0
}

// masterProgress returns the record an earlier segment of in's
// interaction was written to (kept under its master contact id), 0 when
// none or when in's contact is its own master.
func (f *Flow) masterProgress(ctx context.Context, rt RecordType, in *Interaction) (int64, error) {
	m := masterOf(&in.Contact)
	if m == 0 {
		return 0, nil
	}
	return f.progress(ctx, rt, m)
}

// claim takes a contact for claimLease.
func (f *Flow) claim(ctx context.Context, id int64) (*lease, error) {
	return f.claimKey(ctx, contactKey("claim:", id), claimLease)
}

// claimMaster takes the claim of c's master contact, when c continues
// another contact (a transfer, an unassignment), for the find or create
// of its records: two segments of one interaction handled at once (a
// Studio call for one, the poll for another) would otherwise both find no
// record under the master contact id, and both create one. It is the
// master contact's own claim, so a segment is also busy while the
// master contact is being written. nil (and no error) when c is its own master.
func (f *Flow) claimMaster(ctx context.Context, c *cxone.Contact) (*lease, error) {
	m := masterOf(c)
	if m == 0 {
		return nil, nil
	}
	return f.claim(ctx, m)
}

// errLost is a claim that ended while its holder worked: another replica
// may hold the key now, so the holder writes nothing more.
var errLost = errors.New("memorialize: the claim on the contact ended before this replica finished; another replica may be writing it")

// lease is a claim of a key by this replica.
type lease struct {
	f          *Flow
	key, token string
}

// claimKey takes key for lease ([store.Store.Add] of a random token).
func (f *Flow) claimKey(ctx context.Context, key string, d time.Duration) (*lease, error) {
	var tok [12]byte
	_, _ = rand.Read(tok[:]) // never fails
	token := hex.EncodeToString(tok[:])
	ok, err := f.store.Add(ctx, key, token, d)
	switch {
	case err != nil:
		return nil, &storeError{err}
	case !ok:
		return nil, errBusy
	}
	return &lease{f: f, key: key, token: token}, nil
}

// release gives l back: it deletes the key only if it still holds the
// token ([store.Store.DeleteIf], atomically), since past its lease another
// replica may hold it, and a late release must not free that replica's
// claim for a third.
func (l *lease) release(ctx context.Context) {
	if _, err := l.f.store.DeleteIf(context.WithoutCancel(ctx), l.key, l.token); err != nil {
		l.f.log.Warn("memorialize: store failed releasing a claim; it ends with its lease", slog.String("error", err.Error()))
	}
}

// claims are the claims a contact is written under: its own, and its
// interaction's (its master contact's, [Flow.claimMaster]) when it
// continues another contact.
type claims []*lease

// check returns errLost when the store no longer holds the token of one
// of cs (its lease ended, and another replica may have claimed the key),
// a *storeError when the store fails, nil when every claim still holds
// (and for none): one batch, one round trip. The flow checks before each
// Zendesk write, so that a contact slower than its lease is not written
// by two replicas at once past the write in flight; such a write is an
// idempotent update, or a creation Zendesk deduplicates (an
// Idempotency-Key, create_or_update).
func (cs claims) check(ctx context.Context) error {
	if len(cs) == 0 {
		return nil
	}
	ops := make([]*store.Op, len(cs))
	for i, l := range cs {
		ops[i] = store.GetOp(l.key)
	}
	if err := store.Do(ctx, cs[0].f.store, ops...); err != nil {
		return &storeError{err}
	}
	for i, l := range cs {
		if !ops[i].Result.OK || ops[i].Result.Value != l.token {
			return errLost
		}
	}
	return nil
}

// release is [lease.release] of every claim, in one batch.
func (cs claims) release(ctx context.Context) {
	if len(cs) == 0 {
		return
	}
	ops := make([]*store.Op, len(cs))
	for i, l := range cs {
		ops[i] = store.DeleteIfOp(l.key, l.token)
	}
	if err := store.Do(context.WithoutCancel(ctx), cs[0].f.store, ops...); err != nil {
		cs[0].f.log.Warn("memorialize: store failed releasing a claim; it ends with its lease", slog.String("error", err.Error()))
	}
}

// cursor returns where the next poll starts.
func (f *Flow) cursor(ctx context.Context) (time.Time, error) {
	v, ok, err := f.store.Get(ctx, keyCursor)
	if err != nil {
		return time.Time{}, &storeError{err}
	}
	if ok {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, nil
		}
		f.log.Warn("memorialize: the stored cursor is not a time; starting from the lookback", slog.String("cursor", v))
	}
	return f.cfg.Now().Add(-f.cfg.Lookback), nil
}

// setCursor moves the cursor forward to t; a cursor never goes back, so
// that replicas polling at once keep the latest.
func (f *Flow) setCursor(ctx context.Context, t time.Time) error {
	if _, err := f.store.SetIfNewer(ctx, keyCursor, t.UnixNano(), t.UTC().Format(time.RFC3339Nano), cursorTTL); err != nil {
		return &storeError{err}
	}
	return nil
}
