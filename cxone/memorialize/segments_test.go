package memorialize

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
)

// segmentStore runs another segment's handling right after the first read
// of the record kept under an interaction's master contact id returns
// (after), and records how the flow writes.
type segmentStore struct {
	*store.Memory
	after afterRead

	mu      sync.Mutex
	sets    []string   // keys written by single Sets
	batches [][]string // keys written by each batch
}

func (s *segmentStore) Get(ctx context.Context, key string) (string, bool, error) {
	v, ok, err := s.Memory.Get(ctx, key)
	s.after.read(key)
	return v, ok, err
}

func (s *segmentStore) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	s.mu.Lock()
	s.sets = append(s.sets, key)
	s.mu.Unlock()
	return s.Memory.Set(ctx, key, value, ttl)
}

// Batch runs ops one by one through s (its Get above included), and
// records the keys each batch writes.
func (s *segmentStore) Batch(ctx context.Context, ops []*store.Op) {
	var keys []string
	for _, op := range ops {
		if op.Kind == store.OpSet {
			keys = append(keys, op.Key)
		}
		if op.Kind == store.OpGet {
			op.Result.Value, op.Result.OK, op.Result.Err = s.Get(ctx, op.Key)
			continue
		}
		op.Result = store.RunOp(ctx, s.Memory, op)
	}
	s.mu.Lock()
	s.batches = append(s.batches, keys)
	s.mu.Unlock()
}

// transferredChat plays a chat Ann transfers to Bob, who ends it: two
// segments of one interaction (the first is its master contact), both
// listed complete, that no workflow finds a ticket for (Create Ticket).
func (e *env) transferredChat() (first, next int64) {
	e.t.Helper()
	bob := e.bob()
	first = e.chatWithAnn()
	next, err := e.cx.Transfer(first, cxonetest.TransferTarget{AgentID: bob})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.cx.EndContact(next, false); err != nil {
		e.t.Fatal(err)
	}
	e.warehouse()
	return first, next
}

// Review finding 5 (fixes5 M): the two segments of a transferred
// interaction, handled at once (a Studio call for the second, the poll for
// the first), create one ticket between them, not one each. The second
// segment found no record under the master contact id, and before it
// created one the first segment was handled: it read no record either.
// The second now holds the master contact's claim around its find or
// create, so the first is busy, and the poll writes it later into the
// same ticket.
func TestSegmentsHandledAtOnceCreateOneTicket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first, next := e.transferredChat()
	st := &segmentStore{Memory: &store.Memory{Now: e.clock.Now}}
	cfg := e.config()
	cfg.Store = st
	e.flow = e.newFlow(cfg)
	tickets := len(e.zd.Tickets())
	var during Result
	st.after = afterRead{key: progressKey(Ticket, first), run: func() { during = e.flow.Memorialize(t.Context(), first) }}

	res := e.flow.Memorialize(t.Context(), next)
	if res.Outcome != flow.Applied || len(res.Records) == 0 || !res.Records[len(res.Records)-1].Created {
		t.Fatalf("the second segment: %v", res)
	}
	if during.ContactID != first {
		t.Fatal("the first segment was never handled meanwhile")
	}
	if n := len(e.zd.Tickets()) - tickets; n != 1 {
		t.Fatalf("%d tickets created for one interaction (the first segment meanwhile: %v)", n, during)
	}
	if during.Outcome != flow.Duplicate || during.Detail != DetailBusy {
		t.Errorf("the first segment meanwhile: %v, want busy", during)
	}
	// The poll writes the first segment later, into the same ticket.
	e.poll()
	rs := e.resultsFor(first)
	last := rs[len(rs)-1]
	if last.Outcome != flow.Applied || last.Records[len(last.Records)-1].ID != res.Records[len(res.Records)-1].ID {
		t.Fatalf("the first segment, polled: %v", rs)
	}
	if n := len(e.zd.Tickets()) - tickets; n != 1 {
		t.Errorf("%d tickets after the poll", n)
	}
	// Both claims were given back.
	for _, id := range []int64{first, next} {
		if _, ok, _ := st.Memory.Get(t.Context(), contactKey("claim:", id)); ok {
			t.Errorf("the claim of contact %d outlived its handling", id)
		}
	}
}

// Review finding 5 (fixes5 M): a later segment keeps its record under its
// own contact id and its master's in one store batch (one round trip),
// not two Sets.
func TestSegmentProgressIsOneBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first, next := e.transferredChat()
	st := &segmentStore{Memory: &store.Memory{Now: e.clock.Now}}
	cfg := e.config()
	cfg.Store = st
	e.flow = e.newFlow(cfg)
	if res := e.flow.Memorialize(t.Context(), next); res.Outcome != flow.Applied {
		t.Fatalf("the second segment: %v", res)
	}
	ownKey, masterKey := progressKey(Ticket, next), progressKey(Ticket, first)
	if slices.Contains(st.sets, ownKey) || slices.Contains(st.sets, masterKey) {
		t.Errorf("the segment's records were written by single Sets: %v", st.sets)
	}
	one := false
	for _, b := range st.batches {
		one = one || (slices.Contains(b, ownKey) && slices.Contains(b, masterKey))
	}
	if !one {
		t.Errorf("no batch wrote both %s and %s: %v", ownKey, masterKey, st.batches)
	}
}
