package memorialize

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/deskbridge/deskbridge/flow"
)

// DefaultRefetchDelays are the waits before each re-fetch of a contact a
// Studio script named before the Reporting API listed it complete
// ([Config.RefetchDelays]): about 45 minutes in all, since CXone says
// its contact data "may take 15 minutes (or more) to become available"
// (https://help.incontact.com/Content/Studio/Actions/CONTACT_ID_V7/CONTACT_ID_V7.htm),
// after the agent's after-call work.
var DefaultRefetchDelays = []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute}

// Bounds of the re-fetch schedule.
const (
	// MaxRefetchPending is the most contacts waiting for a re-fetch; a
	// Studio call past it is left to the poll alone.
	MaxRefetchPending = 1000
	// maxRefetchPerPass bounds the re-fetches of one poll.
	maxRefetchPerPass = 100
	// refetchTTL outlives the longest schedule; every write renews it.
	refetchTTL = 24 * time.Hour
	// refetchCAS is how often an update of the schedule is tried when
	// other replicas change it at the same time.
	refetchCAS = 8
	// refetchBackoff is the wait after the first update another replica
	// won, doubled after each next one up to refetchBackoffMax, each
	// jittered down by up to a half (at most about 0.2 s in all), so that
	// replicas that collided do not collide again at once.
	refetchBackoff    = 2 * time.Millisecond
	refetchBackoffMax = 50 * time.Millisecond
)

// keyRefetch holds the re-fetch schedule: one JSON document, versioned
// (store.Store.SetIfNewer with the version it was read at plus one, so
// that replicas changing it at once do not lose each other's changes).
const keyRefetch = keyPrefix + "refetch"

// refetch is one contact waiting for a re-fetch: when it is due, and how
// many re-fetches it had.
type refetch struct {
	Due   int64 `json:"due"` // Unix nanoseconds
	Tries int   `json:"n"`
}

// refetchState is the document under keyRefetch.
type refetchState struct {
	Version  int64             `json:"v"`
	Contacts map[int64]refetch `json:"c"`
}

func (f *Flow) readRefetch(ctx context.Context) (refetchState, error) {
	st := refetchState{Contacts: map[int64]refetch{}}
	v, ok, err := f.store.Get(ctx, keyRefetch)
	if err != nil {
		return st, &storeError{err}
	}
	if ok {
		if err := json.Unmarshal([]byte(v), &st); err != nil || st.Contacts == nil {
			f.log.Warn("memorialize: the stored re-fetch schedule is not one this flow wrote; starting a new one (the poll writes the contacts it held)")
			st = refetchState{Version: st.Version, Contacts: map[int64]refetch{}}
		}
	}
	return st, nil
}

// updateRefetch applies change to the schedule and stores it, again on a
// fresh read when another replica stored first, after a short jittered
// backoff ([refetchWait]). The calls of one Flow take turns (f.refetchMu),
// so that a process never loses an update to itself: only other replicas
// compete for the schedule.
func (f *Flow) updateRefetch(ctx context.Context, change func(map[int64]refetch)) error {
	f.refetchMu.Lock()
	defer f.refetchMu.Unlock()
	for i := range refetchCAS {
		if i > 0 {
			if err := f.sleep(ctx, refetchWait(i)); err != nil {
				return &storeError{err}
			}
		}
		st, err := f.readRefetch(ctx)
		if err != nil {
			return err
		}
		change(st.Contacts)
		st.Version++
		b, _ := json.Marshal(st) // a map of plain values: never fails
		stored, err := f.store.SetIfNewer(ctx, keyRefetch, st.Version, string(b), refetchTTL)
		if err != nil {
			return &storeError{err}
		}
		if stored {
			return nil
		}
	}
	return &storeError{errors.New("the re-fetch schedule changed under every one of " + strconv.Itoa(refetchCAS) + " updates; the poll writes the contact")}
}

// refetchWait is the wait before attempt n (from 1) of an update of the
// schedule: refetchBackoff·2^(n-1), at most refetchBackoffMax, jittered
// down by up to a half.
func refetchWait(n int) time.Duration {
	d := refetchBackoffMax
	if n < 16 {
		d = min(refetchBackoff<<(n-1), refetchBackoffMax)
	}
	return d/2 + rand.N(d/2+1)
}

// scheduleRefetch makes contact id due for a re-fetch after the first
// delay, unless it is waiting already (its backoff goes on). It returns
// when the re-fetch is due, zero when the schedule is full.
func (f *Flow) scheduleRefetch(ctx context.Context, id int64) (time.Time, error) {
	var due time.Time
	err := f.updateRefetch(ctx, func(m map[int64]refetch) {
		if r, ok := m[id]; ok {
			due = time.Unix(0, r.Due)
			return
		}
		if len(m) >= MaxRefetchPending {
			due = time.Time{}
			return
		}
		due = f.cfg.Now().Add(f.cfg.RefetchDelays[0])
		m[id] = refetch{Due: due.UnixNano()}
	})
	if err == nil && due.IsZero() {
		f.log.Warn("memorialize: the re-fetch schedule is full (MaxRefetchPending); the poll writes the contact", slog.Int64("contact", id))
	}
	return due, err
}

// refetchDue re-fetches the contacts due (the oldest first, at most
// maxRefetchPerPass), as [Flow.Memorialize] does, and reschedules those
// CXone does not list complete yet, or that failed, after the next delay;
// past the last delay a contact leaves the schedule (the poll writes it).
// It returns how many it re-fetched.
func (f *Flow) refetchDue(ctx context.Context) (int, error) {
	st, err := f.readRefetch(ctx)
	if err != nil || len(st.Contacts) == 0 {
		return 0, err
	}
	now := f.cfg.Now().UnixNano()
	var due []int64
	for id, r := range st.Contacts {
		if r.Due <= now {
			due = append(due, id)
		}
	}
	slices.SortFunc(due, func(a, b int64) int { return cmpDue(st.Contacts[a], st.Contacts[b], a, b) })
	due = due[:min(len(due), maxRefetchPerPass)]
	next := make(map[int64]*refetch, len(due)) // nil: done with it
	for _, id := range due {
		r := st.Contacts[id]
		res := f.fetch(ctx, SourceRefetch, id)
		if res.Detail != DetailNotComplete && res.Outcome != flow.Failed {
			next[id] = nil
			continue
		}
		if r.Tries+1 >= len(f.cfg.RefetchDelays) {
			next[id] = nil
			f.log.Info("memorialize: gave up re-fetching a contact CXone does not list complete; the poll writes it", slog.Int64("contact", id))
			continue
		}
		next[id] = &refetch{Due: f.cfg.Now().Add(f.cfg.RefetchDelays[r.Tries+1]).UnixNano(), Tries: r.Tries + 1}
	}
	err = f.updateRefetch(context.WithoutCancel(ctx), func(m map[int64]refetch) {
		for id, r := range next {
			if cur, ok := m[id]; !ok || cur.Tries != st.Contacts[id].Tries {
				continue // gone, or changed by another replica meanwhile
			}
			if r == nil {
				delete(m, id)
			} else {
				m[id] = *r
			}
		}
	})
	return len(due), err
}

// cmpDue orders re-fetches by due time, then contact id.
func cmpDue(a, b refetch, ida, idb int64) int {
	return cmp.Or(cmp.Compare(a.Due, b.Due), cmp.Compare(ida, idb))
}
