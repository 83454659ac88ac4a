package memorialize

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
	"github.com/deskbridge/deskbridge/store"
)

// lateStore runs late, once, at the start of the first removal after it is
// set: between a release's look at its claim and the removal, where the
// releasing replica's lease ends and another replica claims the key.
type lateStore struct {
	*store.Memory
	late func()
}

func (s *lateStore) runLate() {
	if f := s.late; f != nil {
		s.late = nil
		f()
	}
}

func (s *lateStore) Delete(ctx context.Context, key string) error {
	s.runLate()
	return s.Memory.Delete(ctx, key)
}

func (s *lateStore) DeleteIf(ctx context.Context, key, value string) (bool, error) {
	s.runLate()
	return s.Memory.DeleteIf(ctx, key, value)
}

// A claim (a contact's, or the poll's) released after its lease ended on
// the clock, once another replica claimed the key, leaves that replica's
// claim alone: a third replica stays busy until the second releases.
func TestLateReleaseKeepsAnothersClaim(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		key   string
		lease time.Duration
		claim func(context.Context, *Flow) (func(), error)
	}{
		{"contact", keyPrefix + "claim:42", claimLease, func(ctx context.Context, f *Flow) (func(), error) { return releaser(f.claim(ctx, 42)) }},
		{"poll", keyPoll, pollLease, func(ctx context.Context, f *Flow) (func(), error) {
			return releaser(f.claimKey(ctx, keyPoll, pollLease))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			clock := testkit.NewClock()
			st := &lateStore{Memory: &store.Memory{Now: clock.Now}}
			var logs testkit.Logs
			replica := func() *Flow { return &Flow{store: st, log: logs.Logger()} }
			a, b, c := replica(), replica(), replica()
			releaseA, err := tc.claim(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tc.claim(ctx, b); !errors.Is(err, errBusy) {
				t.Fatalf("a second claim within the lease: %v, want busy", err)
			}
			var releaseB func()
			st.late = func() {
				clock.Advance(tc.lease) // A's lease ends
				var err error
				if releaseB, err = tc.claim(ctx, b); err != nil {
					t.Errorf("B's claim after A's lease ended: %v", err)
				}
			}
			releaseA()
			if releaseB == nil {
				t.Fatal("B never claimed")
			}
			if _, ok, _ := st.Get(ctx, tc.key); !ok {
				t.Error("A's late release removed B's claim")
			}
			if _, err := tc.claim(ctx, c); !errors.Is(err, errBusy) {
				t.Errorf("a third claim while B holds the key: %v, want busy", err)
			}
			releaseB()
			if _, ok, _ := st.Get(ctx, tc.key); ok {
				t.Error("B's own release left its claim")
			}
			if logs.String() != "" {
				t.Errorf("a release that removed nothing is no failure, yet it logged: %s", logs.String())
			}
		})
	}
}

func releaser(l *lease, err error) (func(), error) {
	if err != nil {
		return nil, err
	}
	return func() { l.release(context.Background()) }, nil
}
