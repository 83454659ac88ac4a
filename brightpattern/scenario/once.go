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
// new ticket, an Attached Data's note) does it once per interaction: a
// Fetch URL block that did not get its answer calls again, and that call
// must pop the ticket the first one made. The store remembers, per
// account, $(item.globalInteractionId), step and visit of the step in the
// run, "pending:<token>" while a run does it (a claim with a lease) and
// "done:<result>" after.
//
// The visit (1 the first time the run enters the step, 2 the second…)
// tells a loop's rounds apart: in a Search → Create Object → Get Next
// Record loop, each round creates its own object. A retried call runs the
// same steps in the same order, so its round n finds what round n of the
// earlier call did.

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

// onceKey is the store key of what the current visit of the current step
// does once for the interaction ("" when the interaction has no id).
func (e *env) onceKey(what string) string {
	id := e.vars[VarInteractionID]
	if strings.TrimSpace(id) == "" {
		return ""
	}
	if len(id) > 64 || strings.ContainsAny(id, ": \t\r\n") {
		sum := sha256.Sum256([]byte(id))
		id = "sha256-" + hex.EncodeToString(sum[:16])
	}
	step := e.stepLabel
	if step == "" {
		step = "step" + strconv.Itoa(e.step+1)
	}
	visit := "visit" + strconv.Itoa(max(e.visit, 1))
	return "scenario:once:" + strings.ToLower(cmp.Or(strings.TrimSpace(e.account), e.f.accounts.DefaultName())) + ":" + id + ":" + step + ":" + visit + ":" + what
}

// once runs do unless an earlier call of the interaction did it, and
// returns do's result (or the earlier call's) and whether it was
// earlier's. Without an interaction id it runs do. A store error, or
// another call doing it now, is an error that takes Failed for Zendesk's
// sake (503): Bright Pattern retries.
func (e *env) once(ctx context.Context, what string, do func() (string, error)) (result string, earlier bool, err error) {
	key := e.onceKey(what)
	if key == "" {
		v, err := do()
		return v, false, err
	}
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
