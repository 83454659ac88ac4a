package smsbridge

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// countText counts the comments of ticket whose body is msg.
func (e *env) countText(ticket int64, msg string) int {
	n := 0
	for _, c := range e.comments(ticket) {
		if c.Body == msg {
			n++
		}
	}
	return n
}

// A record "pending <ticket> <author> <unix-nano>" written by the earlier
// version, which died after adding the comment, is read as it wrote it:
// the comment is found on that ticket, by that author, and not added again.
func TestPendingRecordOfTheEarlierVersion(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	e := newEnv(t, func(c *Config) { c.Store = st })
	ticket := e.openTicket()
	ctx := t.Context()
	tk, err := e.zc.Tickets.Get(ctx, ticket)
	if err != nil {
		t.Fatal(err)
	}
	const msg = "Sent before the upgrade"
	if _, err := e.zc.Tickets.Update(ctx, ticket, &zendesk.TicketInput{
		Comment: &zendesk.CommentInput{Body: msg, Public: zendesk.Ptr(true), AuthorID: tk.RequesterID},
	}); err != nil {
		t.Fatal(err)
	}
	m := &InboundSMS{Kind: "support", ExternalID: customer, Message: msg, Key: "bz:upgrade"}
	if err := st.Set(ctx, keyPrefix+"in:"+m.Key, record(inPending, ticket, tk.RequesterID, time.Now().UnixNano()), time.Hour); err != nil {
		t.Fatal(err)
	}
	res, err := e.flow.HandleInboundSMS(ctx, m)
	if err != nil || res.Outcome != flow.Applied || res.Detail != DetailCommentAdded || res.TicketID != ticket {
		t.Fatalf("HandleInboundSMS: %+v, %v", res, err)
	}
	if n := e.countText(ticket, msg); n != 1 {
		t.Errorf("the text is on the ticket %d times, want 1", n)
	}
	if v, _, _ := st.Get(ctx, keyPrefix+"in:"+m.Key); v != record(inDone, ticket) {
		t.Errorf("the record is %q, want %q", v, record(inDone, ticket))
	}
}

// A text whose handling fails before any Zendesk write leaves neither its
// record nor the customer's claim: its retry is a new text (no search of
// the ticket for a comment never made).
func TestFailureBeforeTheCommentLeavesNoRecord(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	e := newEnv(t, func(c *Config) { c.Store = st })
	ticket := e.openTicket()
	ctx := t.Context()
	e.zd.InjectFault(zendesktest.Fault{Method: http.MethodGet, Path: "/api/v2/tickets/", Status: http.StatusServiceUnavailable, Times: 2})
	m := &InboundSMS{Kind: "support", ExternalID: customer, TicketID: ticket, Message: "Is anyone there?", Key: "bz:fails-first"}
	if _, err := e.flow.HandleInboundSMS(ctx, m); err == nil {
		t.Fatal("HandleInboundSMS succeeded while Zendesk failed")
	}
	for _, k := range []string{keyPrefix + "in:" + m.Key, customerLockKey(customer)} {
		if v, ok, _ := st.Get(ctx, k); ok {
			t.Errorf("%s holds %q after a failure before any Zendesk write", k, v)
		}
	}
	before := len(e.zd.Requests())
	res, err := e.flow.HandleInboundSMS(ctx, m)
	if err != nil || res.Outcome != flow.Applied {
		t.Fatalf("the retry: %+v, %v", res, err)
	}
	for _, r := range e.zd.Requests()[before:] {
		if r.Method == http.MethodGet && r.Path == "/api/v2/tickets/"+strconv.FormatInt(ticket, 10)+"/comments" {
			t.Errorf("the retry searched the ticket's comments: %s %s", r.Method, r.Path)
		}
	}
	if n := e.countText(ticket, m.Message); n != 1 {
		t.Errorf("the text is on the ticket %d times, want 1", n)
	}
}

// An echo whose first attempt claimed the send and died before recording
// the echo (the send record left "sending") is still an echo on the retry:
// no SMS, no note about an uncertain send.
func TestEchoRetryAfterTheReplicaDied(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	e := newEnv(t, func(c *Config) { c.Store = st })
	ticket := e.openTicket()
	ctx := t.Context()
	me, err := e.zc.Users.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, left := range []time.Duration{time.Hour, time.Second} { // stale, then fresh
		r := &AgentReply{Event: EventReply, TicketID: ticket, ExternalID: customer, AuthorID: me.ID, Text: "Same words", Key: "zd:echo-" + left.String()}
		_ = st.Set(ctx, echoKey(customer, r.Text), "1", echoTTL)
		_ = st.Set(ctx, sendKey(r.Key), record(stateSending, time.Now().Add(-left).UnixNano()), sendTTL)
		res, err := e.flow.HandleAgentReply(ctx, r)
		if err != nil || res.Outcome != flow.Echo {
			t.Errorf("sending since %v ago: %+v, %v; want an echo", left, res, err)
		}
		if v, _, _ := st.Get(ctx, sendKey(r.Key)); v != stateEcho {
			t.Errorf("the send record is %q, want %q", v, stateEcho)
		}
	}
	if n, u := len(e.sends()), len(e.undeliveredList()); n != 0 || u != 0 {
		t.Errorf("%d SMS and %d undelivered reports, want none", n, u)
	}
}

// staleBatchStore answers a batch's reads of the customers' tickets as if
// they ran before the last write of them: what a batch split across Redis
// Cluster nodes may see, its read reaching one node before the claim
// reached another (and before the replica that held the claim wrote).
type staleBatchStore struct {
	*store.Memory
	stale atomic.Bool
}

func (s *staleBatchStore) Batch(ctx context.Context, ops []*store.Op) {
	s.Memory.Batch(ctx, ops)
	if !s.stale.Load() {
		return
	}
	for _, op := range ops {
		if op.Kind == store.OpGet && strings.HasPrefix(op.Key, keyPrefix+"customer-ticket:") {
			op.Result = store.OpResult{}
		}
	}
}

// A text without a ticket whose first round trip read no remembered ticket
// (a stale read) reads it again before opening a ticket: it lands on the
// ticket the customer's first text opened, not on a second one.
func TestRememberedTicketReadAgainBeforeOpeningOne(t *testing.T) {
	t.Parallel()
	st := &staleBatchStore{Memory: store.NewMemory()}
	e := newEnv(t, func(c *Config) { c.Store = st })
	ticket := e.openTicket()
	st.stale.Store(true)
	m := &InboundSMS{Kind: "support", ExternalID: customer, Message: "sent before Braze knew the ticket", Key: "bz:stale"}
	res, err := e.flow.HandleInboundSMS(t.Context(), m)
	if err != nil || res.Outcome != flow.Applied || res.Detail != DetailCommentAdded || res.TicketID != ticket {
		t.Fatalf("HandleInboundSMS: %+v, %v; want the text added to ticket %d", res, err, ticket)
	}
	if n := len(e.zd.Tickets()); n != 1 {
		t.Errorf("%d tickets, want 1", n)
	}
}

// deliveryKey marks a context with the delivery it carries, for
// interleavingStore's hook.
type deliveryKey struct{}

// interleavingStore runs each batch one op at a time on a store.Memory,
// calling hook before and after each op with the batch's context, so that
// a test can put another delivery's ops between two ops of one batch: what
// pipelines from two connections may do, even on one Redis.
type interleavingStore struct {
	*store.Memory
	hook atomic.Pointer[func(ctx context.Context, op *store.Op, after bool)]
}

func (s *interleavingStore) Batch(ctx context.Context, ops []*store.Op) {
	for _, op := range ops {
		h := s.hook.Load()
		if h != nil {
			(*h)(ctx, op, false)
		}
		s.Memory.Batch(ctx, []*store.Op{op})
		if h != nil {
			(*h)(ctx, op, true)
		}
	}
}

// Two deliveries of one text arrive together on two replicas, and their
// first round trips interleave: A claims the customer, B's claim fails,
// B's Add of the text's record wins, A's fails and A reads B's record;
// B, busy, then deletes what it added (a replica of an earlier version
// always did). A's comment goes through but its answer is lost. A record
// must outlive A's attempt, so that Braze's retry searches the ticket and
// finds the comment rather than adding it twice.
func TestConcurrentDuplicateKeepsTheRecordOfAnAttemptedComment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// undo makes B delete the record it added, as the earlier
		// version did whoever held the customer.
		undo bool
	}{
		{"B keeps its record", false},
		{"B undoes its record (an earlier version)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := &interleavingStore{Memory: store.NewMemory()}
			e := newEnv(t, func(c *Config) { c.Store = st })
			ticket := e.openTicket()
			b, err := New(e.cfg)
			if err != nil {
				t.Fatal(err)
			}
			m := &InboundSMS{Kind: "support", ExternalID: customer, TicketID: ticket, Message: "Sent once, delivered twice", Key: "bz:twice"}
			recKey := keyPrefix + "in:" + m.Key
			ctxA := context.WithValue(t.Context(), deliveryKey{}, "A")
			ctxB := context.WithValue(t.Context(), deliveryKey{}, "B")

			bAdded, aRead, bDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
			var bRes Result
			var bErr error
			var bAdd string // the record B added
			hook := func(ctx context.Context, op *store.Op, after bool) {
				who, _ := ctx.Value(deliveryKey{}).(string)
				if op.Key != recKey {
					return
				}
				switch {
				case who == "A" && op.Kind == store.OpAdd && !after:
					go func() {
						defer close(bDone)
						mb := *m
						bRes, bErr = b.HandleInboundSMS(ctxB, &mb)
						if tc.undo && bAdd != "" {
							<-aRead
							_, _ = st.DeleteIf(ctxB, recKey, bAdd)
						}
					}()
					<-bAdded
				case who == "B" && op.Kind == store.OpAdd && after:
					if !op.Result.OK {
						t.Error("B's Add of the text's record did not win")
					}
					bAdd = op.Value
					close(bAdded)
				case who == "A" && op.Kind == store.OpGet && after:
					close(aRead)
				case who == "B" && op.Kind == store.OpDeleteIf && !after:
					<-aRead // B's undo comes after A read the record
				case who == "A" && op.Kind == store.OpSet && !after && !tc.undo:
					// A's last batch, after its comment: had A died
					// before it, the retry would need a record to
					// look for the comment.
					<-bDone
					if _, ok, _ := st.Memory.Get(ctx, recKey); !ok {
						t.Error("B deleted the record A worked from: had A died after its comment, the retry would add it again")
					}
				}
			}
			st.hook.Store(&hook)
			e.zd.InjectFault(zendesktest.Fault{Method: http.MethodPut, Path: "/api/v2/tickets/", Drop: true, Processed: true})
			if _, err := e.flow.HandleInboundSMS(ctxA, m); err == nil {
				t.Fatal("A: HandleInboundSMS succeeded although Zendesk's answer was lost")
			}
			<-bDone
			st.hook.Store(nil)
			if bErr == nil || bRes.Detail != DetailBusy {
				t.Errorf("B: %+v, %v; want busy", bRes, bErr)
			}
			if n := e.countText(ticket, m.Message); n != 1 {
				t.Fatalf("after A, the text is on the ticket %d times, want 1", n)
			}
			if v, ok, _ := st.Get(t.Context(), recKey); !ok || !strings.HasPrefix(v, inPending+" ") {
				t.Errorf("after A's attempt, the text's record is %q (%v), want a pending record", v, ok)
			}

			// Braze's retry.
			res, err := e.flow.HandleInboundSMS(t.Context(), m)
			if err != nil || res.Outcome != flow.Applied || res.TicketID != ticket {
				t.Fatalf("the retry: %+v, %v", res, err)
			}
			if n := e.countText(ticket, m.Message); n != 1 {
				t.Errorf("after the retry, the text is on the ticket %d times, want 1", n)
			}
		})
	}
}
