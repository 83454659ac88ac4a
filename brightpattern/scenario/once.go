package scenario

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// A step that creates something Zendesk would create twice (a Screen Pop's
// new ticket, a Create Object's object, an Attached Data's note) does it
// once per round of the step in the interaction: a Fetch URL block that
// did not get its answer calls again, and that call must pop the ticket
// the first one made. The store remembers, per account,
// $(item.globalInteractionId), step, record (see below), round and what
// the step does, "pending:<token>" while a run does it (a claim with a
// lease) and "done:<result>" after.
//
// A round is a guarded write the run completed: the step's first write
// done (or found done by an earlier call) is round 1, the next one round
// 2… A visit whose write did not complete (Zendesk answered 5xx and the
// Failed exit goes back to the step to try again, the store failed,
// another call held the claim) uses no round, so the retry of a call whose first attempt failed
// finds round 1 where the earlier call's successful attempt left it. In a
// Search → Create Object → Get Next Record loop each round creates its own
// object; a retried call runs the same rounds and finds what the earlier
// call did.
//
// A visit that found the earlier call's result and then takes Failed
// (Screen Pop popping the earlier ticket, Attached Data setting the fields
// beside the earlier note) gives its round back: the earlier call did that
// round in one Zendesk call that succeeded, so the next visit does the
// same round again and finds the same ticket or note, where round 2 would
// create a second. Create Object's found answer keeps its round even when
// the step takes Failed reading it: the stored answer reads the same for
// every call, so the earlier call's visit failed there too and went on to
// round 2, and a retried call walks the rounds the earlier call walked
// (giving it back would read the same answer until MaxSteps).

// A step inside the walk of a recordset (it lies on a loop through a Get
// Next Record of the recordset) also keys by the current record's
// result_type and id, and numbers its rounds per record: a retried call
// whose search returns the records in another order, or one more or one
// fewer, hands every record its own object, never another record's.

// Values of a once key.
const (
	oncePending = "pending:"
	onceDone    = "done:"
)

// onceLeaseMargin is how much longer than a run (Config.Timeout) a claim
// lasts: a claim that old belongs to a run that died.
const onceLeaseMargin = 10 * time.Second

// errOnceBusy is the error of a step whose interaction another call is
// doing now: the run takes Failed (503 with Retry-After), so that Bright
// Pattern retries once the other call is done.
var errOnceBusy = errors.New("another call of this interaction is doing this step now; retry")

// onceKey is the store key of what the current step's next round does
// once for the interaction, and the key without its round, which counts
// the rounds done ("", "" when the interaction has no id).
func (e *env) onceKey(what string) (key, slot string) {
	id := e.vars[VarInteractionID]
	if strings.TrimSpace(id) == "" {
		return "", ""
	}
	step := e.stepLabel
	if step == "" {
		step = "step" + strconv.Itoa(e.step+1)
	}
	base := "scenario:once:" + strings.ToLower(cmp.Or(strings.TrimSpace(e.account), e.f.accounts.DefaultName())) + ":" + keyPart(id) + ":" + step
	if e.step < len(e.walks) {
		for _, name := range e.walks[e.step] {
			if rs, ok := e.recordsets[name]; ok && rs.pos < len(rs.rows) {
				row := rs.rows[rs.pos]
				if rid := row["id"]; rid != "" {
					if t := row["result_type"]; t != "" { // a search of several kinds: ticket 5 is not user 5
						rid = t + "/" + rid
					}
					base += ":" + name + "=" + keyPart(rid)
				}
			}
		}
	}
	slot = base + ":" + what
	return base + ":round" + strconv.Itoa(e.rounds[slot]+1) + ":" + what, slot
}

// keyPart returns s as a part of a store key: s itself, or a hash of it
// when it is long or holds a separator.
func keyPart(s string) string {
	if len(s) > 64 || strings.ContainsAny(s, ":= \t\r\n") {
		sum := sha256.Sum256([]byte(s))
		return "sha256-" + hex.EncodeToString(sum[:16])
	}
	return s
}

// once runs do unless an earlier call of the interaction did the same
// round of the step, and returns do's result (or the earlier call's) and
// whether it was earlier's; either way the round is done, and the step's
// next once is the next round. Without an interaction id it runs do. A
// store error, or another call doing it now, is an error that takes Failed
// for Zendesk's sake (503): Bright Pattern retries. An error uses no round.
//
// giveBack undoes the round's count (never the store's record): a step
// that found earlier's result and then fails calls it before taking
// Failed, so that its next visit does the same round again. It does
// nothing after an error or without an interaction id, and only once.
func (e *env) once(ctx context.Context, what string, do func() (string, error)) (result string, earlier bool, giveBack func(), err error) {
	giveBack = func() {}
	key, slot := e.onceKey(what)
	if key == "" {
		v, err := do()
		return v, false, giveBack, err
	}
	result, earlier, err = e.claim(ctx, key, do)
	if err != nil {
		return "", false, giveBack, err
	}
	if e.rounds == nil {
		e.rounds = map[string]int{}
	}
	e.rounds[slot]++
	given := false
	giveBack = func() {
		if !given {
			given = true
			e.rounds[slot]--
		}
	}
	return result, earlier, giveBack, nil
}

// claim runs do unless the store holds key done, under a claim of key.
func (e *env) claim(ctx context.Context, key string, do func() (string, error)) (result string, earlier bool, err error) {
	st := e.f.store
	token := oncePending + rand.Text()
	added, err := st.Add(ctx, key, token, e.f.cfg.Timeout+onceLeaseMargin)
	if err != nil {
		return "", false, fmt.Errorf("the store failed: %w", err)
	}
	if !added {
		v, ok, err := st.Get(ctx, key)
		switch {
		case err != nil:
			return "", false, fmt.Errorf("the store failed: %w", err)
		case ok && strings.HasPrefix(v, onceDone):
			return strings.TrimPrefix(v, onceDone), true, nil
		}
		return "", false, fmt.Errorf("interaction %q: %w", e.vars[VarInteractionID], errOnceBusy)
	}
	v, err := do()
	if err != nil {
		if _, derr := st.DeleteIf(context.WithoutCancel(ctx), key, token); derr != nil {
			e.f.log.Warn("scenario: store failed releasing a claim; it ends with its lease", slog.String("error", derr.Error()))
		}
		return "", false, err
	}
	if err := st.Set(context.WithoutCancel(ctx), key, onceDone+v, e.f.cfg.DoneTTL); err != nil {
		// Done, but not remembered: a retry would do it again.
		e.f.log.Warn("scenario: store failed remembering a step done once; a retried call would do it again",
			slog.String("interaction", e.vars[VarInteractionID]), slog.String("error", err.Error()))
	}
	return v, false, nil
}
