package memorialize

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/flow"
)

// pollLease is how long a replica holds the poll. Past it another replica
// may poll at the same time, which is safe (each contact is claimed), only
// wasteful.
const pollLease = 5 * time.Minute

// PollStats says what one [Flow.Poll] did.
type PollStats struct {
	// Skipped is true when another replica was polling: nothing was read.
	Skipped bool
	// Pages and Contacts count what CXone listed.
	Pages, Contacts int
	// Outcomes counts the results by outcome.
	Outcomes map[flow.Outcome]int
	// Held is true when the poll stopped before a contact it could not
	// write yet (Zendesk, CXone or the store failed in a way a retry may
	// fix, another replica holds it, CXone does not show it complete): the
	// next poll starts there.
	Held bool
	// Cursor is where the next poll starts.
	Cursor time.Time
	// Refetched counts the contacts re-fetched because a Studio call named
	// them before CXone listed them complete ([Flow.Memorialize]).
	Refetched int
}

// Poll reads the contacts CXone completed since the stored cursor
// (GET /contacts/completed?updatedSince=…&orderBy=lastUpdateTime asc,
// following the pages) and memorializes each one not written before. The
// cursor moves past a contact only once it is written (or needs nothing
// written), so a restart neither loses nor repeats one; it stays
// Config.Settle behind the time of the poll, so that a contact landing in
// the Reporting API late is still listed (the contacts listed again are
// known done and skipped); and a contact that
// Zendesk failed on holds the cursor before it. A contact CXone or Zendesk
// refused for good (a 4xx no retry changes, such as a 403, or a 422 that
// is not a closed ticket's) is rejected (outcome Rejected, detail
// [DetailRefused], reported with the vendor's reason) and the cursor
// passes it; a ticket found closed is replaced by the workflows' (Search
// ANI, Create Ticket), as a deleted one is. One replica polls at a time;
// the others skip.
//
// The error is CXone's or the store's when a page could not be read; a
// contact that failed is reported through Config.OnResult and holds the
// cursor, and is no error of Poll.
func (f *Flow) Poll(ctx context.Context) (PollStats, error) {
	st := PollStats{Outcomes: map[flow.Outcome]int{}}
	held, err := f.claimKey(ctx, keyPoll, pollLease)
	if errors.Is(err, errBusy) {
		st.Skipped = true
		return st, nil
	} else if err != nil {
		return st, err
	}
	defer held.release(ctx)
	// The re-fetches due first: a failure there holds nothing (the listing
	// below writes the same contacts once CXone lists them).
	if st.Refetched, err = f.refetchDue(ctx); err != nil {
		f.log.Warn("memorialize: the re-fetch schedule could not be read or updated", slog.String("error", err.Error()))
	}
	since, err := f.cursor(ctx)
	if err != nil {
		return st, err
	}
	st.Cursor = since
	opts := &cxone.CompletedContactListOptions{
		UpdatedSince: since,
		ListOptions:  cxone.ListOptions{Top: f.cfg.PageSize, OrderBy: "lastUpdateTime asc"},
	}
	var last time.Time // the lastUpdateTime of the last contact done
	for {
		page, err := f.cfg.CXone.Contacts.CompletedPage(ctx, opts)
		if err != nil {
			return st, f.holdAt(ctx, &st, last, fmt.Errorf("memorialize: reading completed contacts: %w", err))
		}
		st.Pages++
		items := page.Items
		slices.SortStableFunc(items, func(a, b cxone.Contact) int { return a.LastUpdateTime.Compare(b.LastUpdateTime.Time) })
		for i := range items {
			c := &items[i]
			st.Contacts++
			r := f.handle(ctx, SourcePoll, c)
			st.Outcomes[r.Outcome]++
			if holds(r) {
				st.Held = true
				return st, f.holdAt(ctx, &st, resumeFrom(c.LastUpdateTime.Time), nil)
			}
			last = c.LastUpdateTime.Time
		}
		if page.Next == "" {
			next := page.LastPollTime
			if next.IsZero() {
				next = f.cfg.Now() // a 204: nothing changed up to now
			}
			return st, f.holdAt(ctx, &st, next, nil)
		}
		// Between pages the cursor steps back a little, so that contacts
		// sharing the last one's time are listed again (and skipped).
		if err := f.holdAt(ctx, &st, resumeFrom(last), nil); err != nil {
			return st, err
		}
		opts.Next = page.Next
	}
}

// holds reports whether a result stops the poll before its contact.
func holds(r Result) bool {
	return r.Outcome == flow.Failed || r.Detail == DetailBusy || r.Detail == DetailNotComplete
}

// holdAt moves the cursor forward to t (when not zero), kept
// Config.Settle behind now ([resumeAfterList]), and returns err, or the
// store's error.
func (f *Flow) holdAt(ctx context.Context, st *PollStats, t time.Time, err error) error {
	if t.IsZero() {
		return err
	}
	if t = resumeAfterList(t, f.cfg.Now(), f.cfg.Settle); t.After(st.Cursor) {
		if serr := f.setCursor(context.WithoutCancel(ctx), t); serr != nil {
			return errors.Join(err, serr)
		}
		st.Cursor = t
	}
	return err
}

// Run polls at once and then every Config.PollInterval until ctx ends,
// logging what a poll could not do; it returns ctx's error.
func (f *Flow) Run(ctx context.Context) error {
	t := time.NewTicker(f.cfg.PollInterval)
	defer t.Stop()
	for {
		if st, err := f.Poll(ctx); err != nil && ctx.Err() == nil {
			f.log.Warn("memorialize: poll failed; the next one starts where it stopped", slog.String("error", err.Error()))
		} else if st.Held {
			f.log.Info("memorialize: poll held before a contact it could not write yet", slog.Time("cursor", st.Cursor))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
